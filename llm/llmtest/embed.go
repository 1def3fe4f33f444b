package llmtest

import (
	"encoding/json"
	"errors"
	"hash/fnv"
	"math"
	"net/http"
	"strings"
	"unicode"
)

// DefaultDims is the length of the default embeddings when the request
// asks for no dimensions.
const DefaultDims = 64

// wireEmbedRequest is the JSON of an embeddings request.
type wireEmbedRequest struct {
	Model      string          `json:"model"`
	Input      json.RawMessage `json:"input"`
	Dimensions int             `json:"dimensions"`
}

// inputs accepts "input" as a string or a list of strings.
func inputs(raw json.RawMessage) ([]string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return []string{s}, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil || list == nil {
		return nil, errors.New("input must be a string or a list of strings")
	}
	return list, nil
}

func (s *Server) handleEmbeddings(w http.ResponseWriter, r *http.Request) {
	var wire wireEmbedRequest
	if err := json.NewDecoder(r.Body).Decode(&wire); err != nil {
		writeJSONError(w, http.StatusBadRequest, OpenAIError("invalid JSON body: "+err.Error()))
		return
	}
	in, err := inputs(wire.Input)
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, OpenAIError(err.Error()))
		return
	}

	s.mu.Lock()
	s.embedCalls++
	s.embedReqs = append(s.embedReqs, EmbedRequest{Model: wire.Model, Inputs: in, Dimensions: wire.Dimensions, Authorization: r.Header.Get("Authorization")})
	var scripted *embedReply
	if len(s.embedQueue) > 0 {
		scripted = &s.embedQueue[0]
		s.embedQueue = s.embedQueue[1:]
	}
	f := s.EmbedFunc
	shuffle := s.ShuffleEmbeddings
	s.mu.Unlock()

	if scripted != nil {
		writeError(w, scripted.status, scripted.body)
		return
	}
	var vecs [][]float32
	if f != nil {
		var status int
		vecs, status = f(wire.Model, in)
		if status != 0 && status != http.StatusOK {
			writeError(w, status, "")
			return
		}
	} else {
		dims := wire.Dimensions
		if dims <= 0 {
			dims = DefaultDims
		}
		for _, text := range in {
			vecs = append(vecs, HashEmbedding(text, dims))
		}
	}

	data := make([]any, len(vecs))
	for i, v := range vecs {
		j := i
		if shuffle {
			j = len(vecs) - 1 - i
		}
		data[j] = map[string]any{"object": "embedding", "index": i, "embedding": v}
	}
	words := 0
	for _, text := range in {
		words += len(strings.Fields(text))
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"object": "list",
		"data":   data,
		"model":  wire.Model,
		"usage":  map[string]any{"prompt_tokens": words, "total_tokens": words},
	})
}

// HashEmbedding is the server's default embedding: each lower-cased word of
// text adds ±1 to a dimension chosen by its FNV hash, and the vector is
// normalised. Texts sharing words are therefore similar. A text without
// words maps to the first unit vector. dims <= 0 means DefaultDims.
func HashEmbedding(text string, dims int) []float32 {
	if dims <= 0 {
		dims = DefaultDims
	}
	v := make([]float32, dims)
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	for _, w := range words {
		h := fnv.New64a()
		h.Write([]byte(w))
		sum := h.Sum64()
		sign := float32(1)
		if sum>>63 == 1 {
			sign = -1
		}
		v[sum%uint64(dims)] += sign
	}
	var norm float64
	for _, x := range v {
		norm += float64(x) * float64(x)
	}
	if norm == 0 {
		v[0] = 1
		return v
	}
	norm = math.Sqrt(norm)
	for i := range v {
		v[i] = float32(float64(v[i]) / norm)
	}
	return v
}
