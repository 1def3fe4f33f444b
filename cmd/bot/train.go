package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/situationbot/bot/answer"
	"github.com/situationbot/bot/internal/atomicfile"
)

// setFlags collects repeated --set CORPUS_DIR=QUESTIONS values.
type setFlags []string

func (s *setFlags) String() string     { return strings.Join(*s, ",") }
func (s *setFlags) Set(v string) error { *s = append(*s, v); return nil }

// cmdTrain fits the answerability model on labelled question sets and
// writes it where the build embeds it. Each --set pairs a corpus with its
// questions; questions of the documents named by --exclude-docs are the
// development split and are never trained on.
func cmdTrain(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("train --set CORPUS_DIR=QUESTIONS.jsonl... [--exclude-docs IDS] [--out FILE]", "Fit the answer/refuse model on labelled question sets and write it where the build embeds it.")
	var sets setFlags
	fs.Var(&sets, "set", "CORPUS_DIR=QUESTIONS.jsonl, repeatable (required)")
	exclude := fs.String("exclude-docs", "", "comma-separated article IDs whose questions are held out (the development split)")
	out := fs.String("out", "answer/answerability.json", "where to write the model")
	target := fs.Float64("target-false-refusal", 0.06, "share of answerable training questions the threshold may refuse")
	l2 := fs.Float64("l2", 1, "ridge penalty")
	dump := fs.String("dump", "", "also write every example (question, candidates, features, labels) to this JSONL file, for analysis")
	synthetic := fs.Bool("synthetic", true, "add a synthetic unanswerable question (an entity, number or negation swapped) for each answerable one")
	commonFlags(fs, &cfg)
	pos, err := parseArgs(fs, args, stdout, stderr)
	if err != nil {
		return err
	}
	if err := noArgs("train", pos); err != nil {
		return err
	}
	if len(sets) == 0 {
		return fmt.Errorf("train needs at least one --set CORPUS_DIR=QUESTIONS.jsonl")
	}
	held := map[string]bool{}
	for _, d := range strings.Split(*exclude, ",") {
		if d = strings.TrimSpace(d); d != "" {
			held[d] = true
		}
	}
	var dumpW *json.Encoder
	var dumpF *os.File
	if *dump != "" {
		f, err := os.Create(*dump)
		if err != nil {
			return err
		}
		dumpF = f
		defer func() {
			if dumpF != nil {
				dumpF.Close()
			}
		}()
		dumpW = json.NewEncoder(f)
	}
	// First every set's training split, so that each set can borrow the
	// others' questions and names.
	type set struct {
		dir, file string
		train     []evalQuestion
		held      int
	}
	var all []set
	for _, s := range sets {
		dir, file, ok := strings.Cut(s, "=")
		if !ok || dir == "" || file == "" {
			return fmt.Errorf("--set %q: want CORPUS_DIR=QUESTIONS.jsonl", s)
		}
		qs, err := readQuestions(file)
		if err != nil {
			return err
		}
		st := set{dir: dir, file: file}
		docs := questionDocs(qs)
		for i, q := range qs {
			if held[docs[i]] {
				st.held++
			} else {
				st.train = append(st.train, q)
			}
		}
		all = append(all, st)
	}
	var exs []answer.Example
	var corpusOf []string
	var names []string
	nsyn := 0
	for si, st := range all {
		c := cfg
		c.CorpusDir = st.dir
		tmp, err := os.MkdirTemp("", "bot-train-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		c.DataDir = tmp
		c.ChatModel, c.EmbedModel = "", ""
		a, err := setupWarn(ctx, c, stderr)
		if err != nil {
			return err
		}
		var others []evalQuestion
		for sj, o := range all {
			if sj != si {
				others = append(others, o.train...)
			}
		}
		qs := st.train
		var syn []evalQuestion
		if *synthetic {
			syn = syntheticUnanswerable(st.train, others, corpusText(a.index.Articles()))
			qs = append(append([]evalQuestion(nil), qs...), syn...)
		}
		nsyn += len(syn)
		eng := answer.New(a.lg, a.index, nil, answer.Options{K: c.TopK, Model: answer.UntrainedModel()})
		for _, q := range qs {
			cands, _, err := eng.Candidates(ctx, q.Question)
			if err != nil {
				return fmt.Errorf("question %s: %w", q.ID, err)
			}
			ex := answer.Example{ID: q.ID, Answerable: q.Answerable}
			corpusOf = append(corpusOf, st.dir)
			for _, c := range cands {
				// Only candidates that meet the question's hard
				// constraints are ever weighed.
				if c.Eligible {
					ex.X = append(ex.X, c.Features)
					ex.Y = append(ex.Y, q.Answerable && hasFacts(c.Text, q.ExpectFacts))
				}
			}
			exs = append(exs, ex)
			if dumpW != nil {
				var texts []string
				for _, c := range cands {
					if c.Eligible {
						texts = append(texts, c.Text)
					}
				}
				if err := dumpW.Encode(map[string]any{"id": q.ID, "set": st.file, "question": q.Question, "answerable": q.Answerable, "texts": texts, "x": ex.X, "y": ex.Y}); err != nil {
					return fmt.Errorf("dump: %w", err)
				}
			}
		}
		names = append(names, fmt.Sprintf("%s (%d questions, %d synthetic)", st.file, len(st.train), len(syn)))
		fmt.Fprintf(stdout, "%s: %d training questions, %d synthetic unanswerable, %d held out\n", st.file, len(st.train), len(syn), st.held)
	}
	// Every corpus weighs the same in training, however many questions
	// it has: the news articles' questions are few beside SQuAD's, and
	// they are what the bot is for.
	perCorpus := map[string]int{}
	for _, c := range corpusOf {
		perCorpus[c]++
	}
	for i := range exs {
		exs[i].Weight = 1000 / float64(perCorpus[corpusOf[i]])
	}
	if dumpF != nil {
		err := dumpF.Close()
		dumpF = nil
		if err != nil {
			return fmt.Errorf("dump: %w", err)
		}
	}
	m, err := answer.Train(exs, answer.TrainOptions{L2: *l2, TargetFalseRefusal: *target, Sets: strings.Join(names, "; "), Synthetic: nsyn})
	if err != nil {
		return err
	}
	if err := atomicfile.Write(*out, func(w io.Writer) error { _, err := w.Write(m.JSON()); return err }); err != nil {
		return fmt.Errorf("write model: %w", err)
	}
	info, _ := json.Marshal(m.Training)
	fmt.Fprintf(stdout, "wrote %s: threshold %.4f\n%s\n", *out, m.Threshold, info)
	return nil
}

// questionDocs gives each question the article it is about: its first
// expected document, or for an unanswerable question (which names none)
// the article of the answerable question before it in the file, since
// question sets list each article's questions together.
func questionDocs(qs []evalQuestion) []string {
	out := make([]string, len(qs))
	cur := ""
	for i, q := range qs {
		if len(q.ExpectDocs) > 0 {
			cur = q.ExpectDocs[0]
		}
		out[i] = cur
	}
	// Unanswerable questions before the first answerable one belong to
	// the first article.
	first := ""
	for _, d := range out {
		if d != "" {
			first = d
			break
		}
	}
	for i := range out {
		if out[i] == "" {
			out[i] = first
		}
	}
	return out
}
