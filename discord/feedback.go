package discord

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/situationbot/bot/answer"
)

// cachedAnswer is an answer remembered for its feedback buttons.
type cachedAnswer struct {
	a      answer.Answer
	userID string
	at     time.Time
}

// answerCache remembers recent answers by ID, for as long as a feedback
// click on them is likely (a TTL) and up to a bound.
type answerCache struct {
	mu    sync.Mutex
	ttl   time.Duration
	max   int
	items map[string]cachedAnswer
	order []string // insertion order, oldest first
}

func newAnswerCache(ttl time.Duration, max int) *answerCache {
	return &answerCache{ttl: ttl, max: max, items: map[string]cachedAnswer{}}
}

// put stores a and returns its ID.
func (c *answerCache) put(a answer.Answer, userID string) string {
	var raw [8]byte
	rand.Read(raw[:])
	id := hex.EncodeToString(raw[:])
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.order) > 0 && (len(c.order) >= c.max || now.Sub(c.items[c.order[0]].at) > c.ttl) {
		delete(c.items, c.order[0])
		c.order = c.order[1:]
	}
	c.items[id] = cachedAnswer{a: a, userID: userID, at: now}
	c.order = append(c.order, id)
	return id
}

// get returns the answer with id, if still remembered.
func (c *answerCache) get(id string) (cachedAnswer, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[id]
	if !ok || time.Since(e.at) > c.ttl {
		return cachedAnswer{}, false
	}
	return e, true
}

// feedbackRecord is one line of feedback.jsonl.
type feedbackRecord struct {
	Time      time.Time        `json:"time"`
	Vote      string           `json:"vote"` // "up" or "down"
	UserID    string           `json:"user_id"`
	AnswerID  string           `json:"answer_id"`
	MessageID string           `json:"message_id,omitempty"`
	ChannelID string           `json:"channel_id,omitempty"`
	Question  string           `json:"question,omitempty"`
	Answer    string           `json:"answer,omitempty"`
	Mode      string           `json:"mode,omitempty"`
	Refused   bool             `json:"refused,omitempty"`
	Sources   []feedbackSource `json:"sources,omitempty"`
}

type feedbackSource struct {
	N         int    `json:"n"`
	ID        string `json:"id"`
	Title     string `json:"title"`
	Published string `json:"published"`
	URL       string `json:"url,omitempty"`
}

// fill copies what was asked and answered into the record.
func (r *feedbackRecord) fill(e cachedAnswer) {
	r.Question, r.Answer, r.Mode, r.Refused = e.a.Question, e.a.Text, e.a.Mode, e.a.Refused
	for _, s := range e.a.Sources {
		r.Sources = append(r.Sources, feedbackSource{N: s.N, ID: s.ArticleID, Title: s.Title, Published: s.Published.Format("2006-01-02"), URL: s.URL})
	}
}

// feedbackLog appends records to DATA_DIR/feedback.jsonl, one JSON object
// a line, each written whole with one append.
type feedbackLog struct {
	mu   sync.Mutex
	path string
}

func newFeedbackLog(dataDir string) *feedbackLog {
	if dataDir == "" {
		dataDir = "."
	}
	return &feedbackLog{path: filepath.Join(dataDir, "feedback.jsonl")}
}

func (l *feedbackLog) append(r feedbackRecord) error {
	line, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode feedback: %w", err)
	}
	line = append(line, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(l.path), 0o755); err != nil {
		return fmt.Errorf("feedback dir: %w", err)
	}
	f, err := os.OpenFile(l.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("open feedback log: %w", err)
	}
	if _, err := f.Write(line); err != nil {
		f.Close()
		return fmt.Errorf("write feedback: %w", err)
	}
	return f.Close()
}
