package answer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/situationbot/bot/corpus"
	"github.com/situationbot/bot/internal/atomicfile"
	"github.com/situationbot/bot/llm"
	"github.com/situationbot/bot/prompts"
	"github.com/situationbot/bot/retrieval"
)

// errNoValidCitation means a model's overview cited nothing it was given;
// it is not shown as if it were cited.
var errNoValidCitation = errors.New("model output has no valid citation")

// summaryCache keeps per-article summaries by model and article content
// hash in DATA_DIR/summaries.json, so that a summary after a refresh costs
// one model call per changed article plus one to combine them.
type summaryCache struct {
	mu      sync.Mutex
	path    string // "" keeps the cache in memory only
	loaded  bool
	entries map[string]string // model + "\x00" + article hash → summary
}

func newSummaryCache(dataDir string) *summaryCache {
	c := &summaryCache{entries: map[string]string{}}
	if dataDir != "" {
		c.path = filepath.Join(dataDir, "summaries.json")
	}
	return c
}

func cacheKey(model, hash string) string { return model + "\x00" + hash }

// get returns a cached summary; the file is read on first use, and a
// damaged file is treated as empty.
func (c *summaryCache) get(model, hash string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.loaded && c.path != "" {
		c.loaded = true
		if b, err := os.ReadFile(c.path); err == nil {
			var m map[string]string
			if json.Unmarshal(b, &m) == nil {
				c.entries = m
			}
		}
	}
	s, ok := c.entries[cacheKey(model, hash)]
	return s, ok
}

// put stores summaries and writes the file atomically, keeping only the
// entries of the given live article hashes (so deleted articles go).
func (c *summaryCache) put(model string, add map[string]string, live map[string]bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for h, s := range add {
		c.entries[cacheKey(model, h)] = s
	}
	for k := range c.entries {
		if _, h, _ := strings.Cut(k, "\x00"); !live[h] {
			delete(c.entries, k)
		}
	}
	if c.path == "" {
		return nil
	}
	return atomicfile.Write(c.path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", " ")
		return enc.Encode(c.entries)
	})
}

// mapParallel is how many article summaries are asked of the model at
// once.
const mapParallel = 2

// summarizeWithModel is map-reduce: each article's summary (cached), then
// one call that combines them into a cited overview. The calls share
// ctx's usable time: the article summaries, mapParallel at a time, may
// take the part of it their rounds would take if every call took as
// long (2 rounds and the combining call: two thirds), and the combining
// call the rest. An article summary not ready by then fails the whole
// (the caller falls back to the extractive summary); those that were
// ready are cached for the next time.
func (e *Engine) summarizeWithModel(ctx context.Context, opt OverviewOptions, arts []corpus.Article, _ []retrieval.Passage) (Summary, error) {
	model := e.chat.ChatModel()
	sums := make([]string, len(arts))
	var todo []int
	for i, a := range arts {
		if s, ok := e.summaries.get(model, a.Hash); ok {
			sums[i] = s
		} else {
			todo = append(todo, i)
		}
	}
	if len(todo) > 0 {
		rounds := float64((len(todo) + mapParallel - 1) / mapParallel)
		mctx, cancel := within(ctx, rounds/(rounds+1))
		err := e.mapSummaries(mctx, model, arts, todo, sums)
		cancel()
		if err != nil {
			return Summary{}, err
		}
	}
	// Newest first, numbered in that order.
	order := make([]int, len(arts))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return arts[order[i]].Published.After(arts[order[j]].Published) })
	all := e.search.Articles()
	d := prompts.Overview{ArticleCount: len(all), Newest: corpus.HumanDate(corpus.Newest(all)), Topic: opt.Topic, MaxWords: summaryWords}
	if !opt.Since.IsZero() {
		d.Since = corpus.HumanDate(opt.Since)
	}
	for n, i := range order {
		d.Passages = append(d.Passages, prompts.Passage{N: n + 1, Title: arts[i].Title, Published: arts[i].Published.Format(corpus.DateLayout), Text: sums[i]})
	}
	system, user, err := e.prompts.SummaryReduce(d)
	if err != nil {
		return Summary{}, err
	}
	rctx, cancel := within(ctx, 1)
	out, err := e.chatModel(rctx, []llm.Message{{Role: "system", Content: system}, {Role: "user", Content: user}}, nil)
	cancel()
	if err != nil {
		return Summary{}, fmt.Errorf("combine summaries: %w", err)
	}
	if strings.Contains(out, e.prompts.NotFound()) {
		return Summary{}, errNoValidCitation
	}
	// Each sentence is checked against the article it cites, not the
	// model's summary of it, and quotes the article's own sentences.
	sources := make([]Source, len(order))
	for n, i := range order {
		sources[n] = articleSource(n+1, arts[i], "")
	}
	c := checkCited(out, sources)
	if len(c.sources) == 0 {
		return Summary{}, errNoValidCitation
	}
	if len(c.removed) > 0 {
		e.lg.Info("grounding check removed sentences from a model summary", "removed", len(c.removed), "kept", c.kept)
	}
	return Summary{Text: c.text, Sources: c.sources, Removed: c.removed, Mode: ModeLLM}, nil
}

// mapSummaries has the model summarise the articles arts[i] for i in
// todo, mapParallel at a time, into sums[i]. It stops at the first
// failure, cancelling the calls under way, and returns it; the summaries
// written by then are cached all the same.
func (e *Engine) mapSummaries(ctx context.Context, model string, arts []corpus.Article, todo []int, sums []string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		fresh    = map[string]string{}
		done     int
		firstErr error
		wg       sync.WaitGroup
	)
	next := make(chan int)
	for range min(mapParallel, len(todo)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				sum, err := e.summarizeArticle(ctx, arts[i])
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
					cancel()
				} else if err == nil {
					sums[i] = sum
					fresh[arts[i].Hash] = sum
					done++
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for _, i := range todo {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if len(fresh) > 0 {
		live := map[string]bool{}
		for _, a := range e.search.Articles() {
			live[a.Hash] = true
		}
		if err := e.summaries.put(model, fresh, live); err != nil {
			e.lg.Warn("summary cache not saved", "err", err)
		}
	}
	if firstErr == nil && done < len(todo) {
		// Out of time between two calls.
		firstErr = fmt.Errorf("summarise articles: %d of %d not summarised: %w", len(todo)-done, len(todo), ctx.Err())
	}
	return firstErr
}

// summarizeArticle has the model summarise one article, without
// citations.
func (e *Engine) summarizeArticle(ctx context.Context, a corpus.Article) (string, error) {
	system, user, err := e.prompts.SummaryMap(prompts.Article{Title: a.Title, Published: a.Published.Format(corpus.DateLayout), Body: a.Body})
	if err != nil {
		return "", err
	}
	out, err := e.chatModel(ctx, []llm.Message{{Role: "system", Content: system}, {Role: "user", Content: user}}, nil)
	if err != nil {
		return "", fmt.Errorf("summarise %s: %w", a.ID, err)
	}
	return strings.TrimSpace(citeRe.ReplaceAllString(out, "")), nil
}

// timelineLineRe reads a model's timeline line: "2014-02-07 | event [1]".
var timelineLineRe = regexp.MustCompile(`^\s*[-*]?\s*(\d{4}-\d{2}-\d{2})\s*\|\s*(.+?)\s*$`)

// timelineWithModel has the model write the event lines from the dated
// sentences; lines without a valid date and citation are dropped.
func (e *Engine) timelineWithModel(ctx context.Context, arts []corpus.Article, cands []candidate, chosen []int) (Timeline, error) {
	all := e.search.Articles()
	d := prompts.Overview{ArticleCount: len(all), Newest: corpus.HumanDate(corpus.Newest(all)), MaxSentences: maxTimeline}
	for i, a := range arts {
		d.Passages = append(d.Passages, prompts.Passage{N: i + 1, Title: a.Title, Published: a.Published.Format(corpus.DateLayout)})
	}
	for _, i := range chosen {
		c := cands[i]
		date := arts[c.art].Published
		if r, ok := eventDate(c.dates); ok {
			date = r.Date
		}
		d.Events = append(d.Events, prompts.DatedSentence{Date: date.Format(corpus.DateLayout), N: c.art + 1, Text: c.text})
	}
	sort.SliceStable(d.Events, func(i, j int) bool { return d.Events[i].Date < d.Events[j].Date })
	system, user, err := e.prompts.Timeline(d)
	if err != nil {
		return Timeline{}, err
	}
	out, err := e.chatModel(ctx, []llm.Message{{Role: "system", Content: system}, {Role: "user", Content: user}}, nil)
	if err != nil {
		return Timeline{}, err
	}
	// Keep well-formed lines whose sentences pass the grounding check
	// against the articles they cite, then renumber their citations all
	// together so that sources are numbered once for the whole timeline.
	evs := make([]*evidence, len(arts))
	for i, a := range arts {
		evs[i] = newEvidence(a.Body, a.Title, a.Published)
	}
	var dates []time.Time
	var texts, removed []string
	for _, line := range strings.Split(out, "\n") {
		m := timelineLineRe.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		t, err := time.Parse(corpus.DateLayout, m[1])
		if err != nil {
			continue
		}
		g := ground(m[2], evs)
		removed = append(removed, g.removed...)
		if g.kept == 0 {
			continue
		}
		dates = append(dates, t)
		texts = append(texts, "- "+strings.ReplaceAll(g.text, "\n", " ")) // the prefix keeps every line non-empty through Renumber
	}
	joined, used := Renumber(strings.Join(texts, "\n"), len(arts))
	if len(used) == 0 {
		return Timeline{}, errNoValidCitation
	}
	tl := Timeline{Mode: ModeLLM, Removed: removed}
	claims := claimsBySource(joined, len(used))
	for n, u := range used {
		src := articleSource(n+1, arts[u-1], "")
		src.Excerpt = excerpt(src.Quote, claims[n+1])
		tl.Sources = append(tl.Sources, src)
	}
	for i, text := range strings.Split(joined, "\n") {
		text = strings.TrimPrefix(text, "- ")
		ns := Citations(text)
		if len(ns) == 0 || i >= len(dates) {
			continue // an uncited line is not shown
		}
		tl.Events = append(tl.Events, Event{Date: dates[i], Precision: Day, Text: text, Source: ns[0]})
	}
	if len(tl.Events) == 0 {
		return Timeline{}, errNoValidCitation
	}
	sortEvents(tl.Events)
	return tl, nil
}
