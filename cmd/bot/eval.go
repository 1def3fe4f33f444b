package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/situationbot/bot/answer"
	"github.com/situationbot/bot/retrieval"
)

// evalQuestion is one line of a question file (see ../shared/eval/dev.jsonl).
type evalQuestion struct {
	ID          string   `json:"id"`
	Question    string   `json:"question"`
	Answerable  bool     `json:"answerable"`
	ExpectDocs  []string `json:"expect_docs"`
	ExpectFacts []string `json:"expect_facts"`
}

// evalResult holds the figures eval reports.
type evalResult struct {
	Questions         int     `json:"questions"`
	Answerable        int     `json:"answerable"`
	Unanswerable      int     `json:"unanswerable"`
	K                 int     `json:"k"`
	RecallAtK         float64 `json:"recall_at_k"`
	DocRecallAtK      float64 `json:"doc_recall_at_k"`
	AnswerAccuracy    float64 `json:"answer_accuracy"`
	CitationPrecision float64 `json:"citation_precision"`
	CitationSupport   float64 `json:"citation_support"`
	FalseRefusalRate  float64 `json:"false_refusal_rate"`
	RefusalRate       float64 `json:"refusal_rate"`
	LatencyP50MS      float64 `json:"latency_ms_p50"`
	LatencyP95MS      float64 `json:"latency_ms_p95"`
	Mode              string  `json:"mode"`
	Retrieval         string  `json:"retrieval"`
}

func cmdEval(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("questions", "", "JSONL question file (required)")
	k := fs.Int("k", 0, "passages retrieved per question (default TOP_K, 5)")
	asJSON := fs.Bool("json", false, "print the figures as one JSON object on the last line")
	mode := fs.String("retrieval", "", "override RETRIEVAL_MODE: hybrid, vector or keyword")
	commonFlags(fs, &cfg)
	if _, err := parseInterspersed(fs, args); err != nil {
		return errSilent
	}
	if *file == "" {
		return fmt.Errorf("eval needs --questions FILE")
	}
	if *k < 0 || *k > 50 {
		return fmt.Errorf("--k %d: want 1 to 50", *k)
	}
	if *k > 0 {
		cfg.TopK = *k
	}
	if *mode != "" {
		if err := cfg.setRetrieval(*mode); err != nil {
			return err
		}
	}
	qs, err := readQuestions(*file)
	if err != nil {
		return err
	}
	a, err := setupWarn(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	res := evalResult{K: cfg.TopK, Retrieval: string(cfg.RetrievalMode), Mode: answer.ModeExtractive}
	if cfg.chatEnabled() {
		res.Mode = answer.ModeLLM
	}
	var lat []float64
	var recall, docRecall, accurate, supported, falseRefused, refused int
	var citations, goodCitations int
	for _, q := range qs {
		start := time.Now()
		ans, err := a.engine.Ask(ctx, q.Question, nil)
		if err != nil {
			return fmt.Errorf("question %s: %w", q.ID, err)
		}
		lat = append(lat, float64(time.Since(start).Microseconds())/1000)
		res.Questions++
		if !q.Answerable {
			res.Unanswerable++
			if ans.Refused {
				refused++
			} else if !*asJSON {
				fmt.Fprintf(stdout, "%s answered, should refuse: %q\n", q.ID, oneLine(ans.Text, 120))
			}
			continue
		}
		res.Answerable++
		var top strings.Builder
		docHit := false
		for _, p := range ans.Passages {
			top.WriteString(p.Text + "\n")
			docHit = docHit || contains(q.ExpectDocs, p.ArticleID)
		}
		var miss []string
		if hasFacts(top.String(), q.ExpectFacts) {
			recall++
		} else {
			miss = append(miss, "recall")
		}
		if docHit {
			docRecall++
		}
		if ans.Refused {
			falseRefused++
			miss = append(miss, "refused")
		} else {
			if hasFacts(ans.Text, q.ExpectFacts) {
				accurate++
			} else {
				miss = append(miss, "answer")
			}
			var cited strings.Builder
			for _, s := range ans.Sources {
				citations++
				if contains(q.ExpectDocs, s.ArticleID) {
					goodCitations++
				}
				cited.WriteString(s.Quote + "\n")
			}
			if hasFacts(cited.String(), q.ExpectFacts) {
				supported++
			} else {
				miss = append(miss, "support")
			}
		}
		if len(miss) > 0 && !*asJSON {
			fmt.Fprintf(stdout, "%s missed %s: %q\n", q.ID, strings.Join(miss, ","), oneLine(ans.Text, 160))
		}
	}
	ratio := func(n, d int) float64 {
		if d == 0 {
			return 0
		}
		return round3(float64(n) / float64(d))
	}
	res.RecallAtK = ratio(recall, res.Answerable)
	res.DocRecallAtK = ratio(docRecall, res.Answerable)
	res.AnswerAccuracy = ratio(accurate, res.Answerable)
	res.CitationPrecision = ratio(goodCitations, citations)
	res.CitationSupport = ratio(supported, res.Answerable)
	res.FalseRefusalRate = ratio(falseRefused, res.Answerable)
	res.RefusalRate = ratio(refused, res.Unanswerable)
	res.LatencyP50MS = round3(percentile(lat, 50))
	res.LatencyP95MS = round3(percentile(lat, 95))
	if *asJSON {
		enc := json.NewEncoder(stdout)
		return enc.Encode(res)
	}
	fmt.Fprintf(stdout, "\n%d questions (%d answerable, %d not), k=%d, %s answers, %s retrieval\n", res.Questions, res.Answerable, res.Unanswerable, res.K, res.Mode, res.Retrieval)
	for _, row := range []struct {
		name string
		v    float64
	}{
		{"recall_at_k", res.RecallAtK}, {"doc_recall_at_k", res.DocRecallAtK}, {"answer_accuracy", res.AnswerAccuracy},
		{"citation_precision", res.CitationPrecision}, {"citation_support", res.CitationSupport},
		{"false_refusal_rate", res.FalseRefusalRate}, {"refusal_rate", res.RefusalRate},
		{"latency_ms_p50", res.LatencyP50MS}, {"latency_ms_p95", res.LatencyP95MS},
	} {
		fmt.Fprintf(stdout, "%-20s %g\n", row.name, row.v)
	}
	return nil
}

func (c *config) setRetrieval(s string) error {
	m, err := retrieval.ParseMode(s)
	if err != nil {
		return err
	}
	c.RetrievalMode = m
	return nil
}

// readQuestions reads a JSONL question file; a bad line is an error naming it.
func readQuestions(path string) ([]evalQuestion, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("questions: %w", err)
	}
	defer f.Close()
	var qs []evalQuestion
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var q evalQuestion
		if err := json.Unmarshal([]byte(line), &q); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		if strings.TrimSpace(q.Question) == "" {
			return nil, fmt.Errorf("%s:%d: empty question", path, n)
		}
		qs = append(qs, q)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("questions: %w", err)
	}
	if len(qs) == 0 {
		return nil, fmt.Errorf("%s: no questions", path)
	}
	return qs, nil
}

// hasFacts reports whether text contains every fact, case-insensitively;
// "a|b" accepts either spelling.
func hasFacts(text string, facts []string) bool {
	low := strings.ToLower(text)
	for _, f := range facts {
		ok := false
		for _, alt := range strings.Split(f, "|") {
			if alt = strings.ToLower(strings.TrimSpace(alt)); alt != "" && strings.Contains(low, alt) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// percentile is the nearest-rank percentile of xs.
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
