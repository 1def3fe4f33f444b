package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/situationbot/bot/answer"
	"github.com/situationbot/bot/corpus"
)

func cmdAsk(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("ask [--json] [--passages] QUESTION", "Answer one question from the articles, every claim cited with a numbered source; a refusal\nwhen the articles do not say.")
	asJSON := fs.Bool("json", false, "print one JSON object")
	showPassages := fs.Bool("passages", false, "also print every retrieved passage with its scores (to see why it answered or refused)")
	commonFlags(fs, &cfg)
	pos, err := parseArgs(fs, args, stdout, stderr)
	if err != nil {
		return err
	}
	q, err := answer.CheckQuestion(strings.Join(pos, " "))
	if err != nil {
		return err
	}
	a, err := setupWarn(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	start := time.Now()
	ans, err := a.engine.Ask(ctx, q, nil)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, askJSON(ans, time.Since(start)))
	}
	printAnswer(stdout, ans)
	if *showPassages {
		fmt.Fprintln(stdout, "\nRetrieved passages:")
		for i, p := range ans.Passages {
			fmt.Fprintf(stdout, "%d. %s fused=%.4f vector=%.3f keyword=%.2f coverage=%.2f relevant=%t\n   %s\n",
				i+1, p.ID, p.Score, p.VectorScore, p.KeywordScore, p.Coverage, p.Relevant, oneLine(p.Text, 200))
		}
		cands, decision, err := a.engine.Candidates(ctx, q)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nAnswerable: p=%.3f (refused below %.3f). Best candidate sentences:\n", decision, a.engine.Threshold())
		sort.SliceStable(cands, func(i, j int) bool { return cands[i].Prob > cands[j].Prob })
		for i, c := range cands[:min(5, len(cands))] {
			fmt.Fprintf(stdout, "%d. p=%.3f %s\n   %s\n", i+1, c.Prob, c.ArticleID, oneLine(c.Text, 200))
			for j, f := range c.Features {
				fmt.Fprintf(stdout, "%s%s=%.2f", map[bool]string{true: "   ", false: " "}[j == 0], answer.FeatureNames[j], f)
			}
			fmt.Fprintln(stdout)
		}
	}
	return nil
}

// printAnswer writes the answer and its numbered sources as plain text.
func printAnswer(w io.Writer, a answer.Answer) {
	fmt.Fprintln(w, a.Text)
	printSources(w, a.Sources)
}

// printSources lists numbered sources with the quoted text of each.
func printSources(w io.Writer, sources []answer.Source) {
	if len(sources) == 0 {
		return
	}
	fmt.Fprintln(w, "\nSources:")
	for _, s := range sources {
		line := fmt.Sprintf("[%d] %s — %s", s.N, s.Title, corpus.HumanDate(s.Published))
		if s.URL != "" {
			line += " — " + s.URL
		}
		fmt.Fprintln(w, line)
		quote := s.Excerpt
		if quote == "" {
			quote = s.Quote
		}
		fmt.Fprintf(w, "    %q\n", oneLine(quote, 200))
	}
}
