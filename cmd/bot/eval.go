package main

import (
	"bufio"
	"context"
	"encoding/json"
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
	// ExcerptSupport: of the answers that hold the expected facts, the
	// share whose sources' excerpts (the evidence shown under the answer)
	// hold them too.
	ExcerptSupport float64 `json:"excerpt_support"`
	// GroundedRate: of the sentences written for answers, the share that
	// passed the grounding check (the rest were removed before showing).
	GroundedRate     float64 `json:"grounded_rate"`
	FalseRefusalRate float64 `json:"false_refusal_rate"`
	RefusalRate      float64 `json:"refusal_rate"`
	LatencyP50MS     float64 `json:"latency_ms_p50"`
	LatencyP95MS     float64 `json:"latency_ms_p95"`
	Mode             string  `json:"mode"`
	Retrieval        string  `json:"retrieval"`
	// Misses counts why questions failed: the passages lacked the facts
	// (retrieval), the facts were retrieved but the bot refused (refused),
	// it answered with other sentences (wrong_sentence), or it answered a
	// question the articles do not answer (answered_unanswerable).
	Misses map[string]int `json:"misses"`
}

func cmdEval(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("eval --questions FILE [--k N] [--json]", "Measure retrieval, answers and citations on a JSONL question set (see eval/).")
	file := fs.String("questions", "", "JSONL question file (required)")
	k := fs.Int("k", 0, "passages retrieved per question (default TOP_K, 5)")
	asJSON := fs.Bool("json", false, "print the figures as one JSON object on the last line")
	verbose := fs.Bool("verbose", false, "also print the sentences the grounding check removed")
	mode := fs.String("retrieval", "", "override RETRIEVAL_MODE: hybrid, vector or keyword")
	only := fs.String("docs", "", "comma-separated article IDs: measure only their questions (a split; unanswerable questions belong to the article of the answerable one before them)")
	commonFlags(fs, &cfg)
	pos, err := parseArgs(fs, args, stdout, stderr)
	if err != nil {
		return err
	}
	if err := noArgs("eval", pos); err != nil {
		return err
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
	if *only != "" {
		keep := map[string]bool{}
		for _, d := range strings.Split(*only, ",") {
			keep[strings.TrimSpace(d)] = true
		}
		docs := questionDocs(qs)
		var sel []evalQuestion
		for i, q := range qs {
			if keep[docs[i]] {
				sel = append(sel, q)
			}
		}
		if len(sel) == 0 {
			return fmt.Errorf("--docs %s: no questions of those articles", *only)
		}
		qs = sel
	}
	a, err := setupWarn(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	res := evalResult{K: cfg.TopK, Retrieval: string(cfg.RetrievalMode), Mode: answer.ModeExtractive,
		Misses: map[string]int{"retrieval": 0, "refused": 0, "wrong_sentence": 0, "answered_unanswerable": 0}}
	if cfg.chatEnabled() {
		res.Mode = answer.ModeLLM
	}
	var lat []float64
	var recall, docRecall, accurate, supported, falseRefused, refused int
	var citations, goodCitations int
	var kept, removed, excerptBacked int
	for _, q := range qs {
		start := time.Now()
		ans, err := a.engine.Ask(ctx, q.Question, nil)
		if err != nil {
			return fmt.Errorf("question %s: %w", q.ID, err)
		}
		lat = append(lat, float64(time.Since(start).Microseconds())/1000)
		res.Questions++
		kept += ans.Kept
		removed += len(ans.Removed)
		if *verbose && !*asJSON {
			for _, r := range ans.Removed {
				fmt.Fprintf(stdout, "%s removed %q\n", q.ID, oneLine(r, 160))
			}
		}
		if !q.Answerable {
			res.Unanswerable++
			if ans.Refused {
				refused++
			} else {
				res.Misses["answered_unanswerable"]++
				if !*asJSON {
					fmt.Fprintf(stdout, "%s answered_unanswerable %q: %q\n", q.ID, oneLine(q.Question, 80), oneLine(ans.Text, 120))
				}
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
		retrieved := hasFacts(top.String(), q.ExpectFacts)
		if retrieved {
			recall++
		} else {
			miss = append(miss, "recall")
		}
		if docHit {
			docRecall++
		}
		why := ""
		if ans.Refused {
			falseRefused++
			miss = append(miss, "refused")
			why = "refused"
		} else {
			var excerpts strings.Builder
			for _, s := range ans.Sources {
				excerpts.WriteString(s.Excerpt + "\n")
			}
			if hasFacts(ans.Text, q.ExpectFacts) {
				accurate++
				if hasFacts(excerpts.String(), q.ExpectFacts) {
					excerptBacked++
				} else {
					miss = append(miss, "excerpt")
				}
			} else {
				miss = append(miss, "answer")
				why = "wrong_sentence"
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
		if why != "" && !retrieved {
			why = "retrieval"
		}
		if why != "" {
			res.Misses[why]++
		}
		if len(miss) > 0 && !*asJSON {
			fmt.Fprintf(stdout, "%s %s (missed %s) %q: %q\n", q.ID, orDash(why), strings.Join(miss, ","), oneLine(q.Question, 80), oneLine(ans.Text, 160))
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
	// Support is of the citations given: a refusal gives none, and is
	// counted by false_refusal_rate instead.
	res.CitationSupport = ratio(supported, res.Answerable-falseRefused)
	res.ExcerptSupport = ratio(excerptBacked, accurate)
	res.GroundedRate = ratio(kept, kept+removed)
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
		{"excerpt_support", res.ExcerptSupport}, {"grounded_rate", res.GroundedRate},
		{"false_refusal_rate", res.FalseRefusalRate}, {"refusal_rate", res.RefusalRate},
		{"latency_ms_p50", res.LatencyP50MS}, {"latency_ms_p95", res.LatencyP95MS},
	} {
		fmt.Fprintf(stdout, "%-20s %g\n", row.name, row.v)
	}
	fmt.Fprintf(stdout, "misses: %d retrieval (facts not in the passages), %d refused, %d wrong sentence, %d answered unanswerable\n",
		res.Misses["retrieval"], res.Misses["refused"], res.Misses["wrong_sentence"], res.Misses["answered_unanswerable"])
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
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
