package answer

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/situationbot/bot/corpus"
	"github.com/situationbot/bot/retrieval"
)

// Overview answers "what's going on?" and "what happened when?": a summary
// or a timeline of the corpus, or of a topic within it, every sentence
// cited to its article.

// Overview limits.
const (
	summaryWords    = 250 // a summary is about this long at most
	maxTimeline     = 20  // events in a timeline
	topicPassages   = 15  // passages retrieved for a topic
	minOverviewRune = 40  // shorter sentences (captions, credits) are not candidates
)

// OverviewOptions selects what a summary or timeline covers.
type OverviewOptions struct {
	Topic string    // "" means the whole corpus
	Since time.Time // zero means every article
}

// Summary is an overview of the situation.
type Summary struct {
	Topic    string
	Since    time.Time
	Text     string   // paragraphs, newest developments first, every sentence cited
	Sources  []Source // one per cited article
	Refused  bool     // nothing to summarise; Text says why
	Mode     string
	Fallback bool
	AsOf     time.Time // the newest article's date
	Articles int       // articles taken into account
	Removed  []string  // sentences the grounding check took out
}

// Event is one dated line of a timeline.
type Event struct {
	Date      time.Time
	Precision Precision
	Reported  bool   // no date in the text: placed at its article's date
	Text      string // the event, with its [n]
	Source    int    // the source number it cites
}

// Timeline is dated events in chronological order.
type Timeline struct {
	Topic    string
	Events   []Event
	Sources  []Source
	Refused  bool
	Text     string // set when Refused
	Mode     string
	Fallback bool
	AsOf     time.Time
	Removed  []string // lines the grounding check took out
}

// candidate is a sentence considered for an overview.
type candidate struct {
	text    string
	art     int // index into the articles
	pos     int // sentence position within its article
	lead    bool
	terms   map[string]bool
	score   float64
	dates   []Resolved
	chunkID string
}

// scope returns the articles an overview covers and, for a topic, the
// passages that are about it. It says why when there is nothing.
func (e *Engine) scope(ctx context.Context, opt OverviewOptions) ([]corpus.Article, []retrieval.Passage, string, error) {
	all := e.search.Articles()
	if len(all) == 0 {
		return nil, nil, NotFoundText(all), nil
	}
	newest := corpus.HumanDate(corpus.Newest(all))
	var arts []corpus.Article
	for _, a := range all {
		if opt.Since.IsZero() || !a.Published.Before(opt.Since) {
			arts = append(arts, a)
		}
	}
	if len(arts) == 0 {
		return nil, nil, fmt.Sprintf("No articles were published on or after %s; the newest is from %s.", corpus.HumanDate(opt.Since), newest), nil
	}
	if strings.TrimSpace(opt.Topic) == "" {
		return arts, nil, "", nil
	}
	ps, err := e.search.Search(ctx, opt.Topic, topicPassages)
	if err != nil {
		return nil, nil, "", fmt.Errorf("search: %w", err)
	}
	in := map[string]bool{}
	for _, a := range arts {
		in[a.ID] = true
	}
	var keep []retrieval.Passage
	for _, p := range ps {
		if p.Relevant && in[p.ArticleID] {
			keep = append(keep, p)
		}
	}
	if len(keep) == 0 {
		return nil, nil, fmt.Sprintf("I couldn't find anything about %q in the %d articles I have (newest: %s).", opt.Topic, len(all), newest), nil
	}
	var topical []corpus.Article
	for _, a := range arts {
		for _, p := range keep {
			if p.ArticleID == a.ID {
				topical = append(topical, a)
				break
			}
		}
	}
	return topical, keep, "", nil
}

// candidates collects the sentences of the articles (or, for a topic, of
// its passages), scored by centrality: how much of what the set of
// sentences talks about a sentence covers, with a bonus for an article's
// lead, where news puts what matters most.
func overviewCandidates(arts []corpus.Article, passages []retrieval.Passage, topic string) []candidate {
	var cands []candidate
	seen := map[string]bool{}
	add := func(ai int, text, chunkID string, pos int) {
		key := strings.ToLower(strings.Join(strings.Fields(text), " "))
		if seen[key] || utf8.RuneCountInString(text) < minOverviewRune || len(strings.Fields(text)) < 7 {
			return
		}
		seen[key] = true
		terms := map[string]bool{}
		for _, t := range retrieval.Terms(text) {
			terms[t] = true
		}
		cands = append(cands, candidate{text: text, art: ai, pos: pos, lead: pos < 2, terms: terms, dates: ResolveDates(text, arts[ai].Published), chunkID: chunkID})
	}
	index := map[string]int{}
	for i, a := range arts {
		index[a.ID] = i
	}
	if passages == nil {
		for ai, a := range arts {
			pos := 0
			for _, para := range retrieval.Paragraphs(a.Body) {
				if retrieval.IsHeading(para) {
					continue
				}
				for _, s := range retrieval.Sentences(para) {
					add(ai, s, "", pos)
					pos++
				}
			}
		}
	} else {
		// Topic passages in article order, so that positions mean something.
		ps := append([]retrieval.Passage(nil), passages...)
		sort.SliceStable(ps, func(i, j int) bool {
			if ps[i].ArticleID != ps[j].ArticleID {
				return index[ps[i].ArticleID] < index[ps[j].ArticleID]
			}
			return ps[i].Ordinal < ps[j].Ordinal
		})
		for _, p := range ps {
			pos := p.Ordinal * 10
			for _, para := range retrieval.Paragraphs(p.Text) {
				if retrieval.IsHeading(para) {
					continue
				}
				for _, s := range retrieval.Sentences(para) {
					add(index[p.ArticleID], s, p.ID, pos)
					pos++
				}
			}
		}
	}
	// Centrality: the sentence's share of the collection's term mass,
	// damped by length so long sentences do not win by size alone.
	df := map[string]int{}
	for _, c := range cands {
		for t := range c.terms {
			df[t]++
		}
	}
	topicTerms := map[string]bool{}
	for _, t := range retrieval.Terms(topic) {
		topicTerms[t] = true
	}
	for i := range cands {
		c := &cands[i]
		var sum float64
		for t := range c.terms {
			if df[t] > 1 {
				sum += math.Log(float64(df[t]))
			}
		}
		c.score = sum / math.Sqrt(float64(len(c.terms))+1)
		if c.lead {
			c.score *= 1.3
		}
		for t := range topicTerms {
			if retrieval.Matches(c.terms, t) {
				c.score *= 1.2
			}
		}
	}
	return cands
}

// onTopic returns a filter keeping the sentences that mention one of the
// topic's informative terms, or nil for no topic.
func (e *Engine) onTopic(topic string) func(candidate) bool {
	if strings.TrimSpace(topic) == "" {
		return nil
	}
	var terms []string
	for t, w := range e.search.TermWeights(topic) {
		if w >= 0.25 {
			terms = append(terms, t)
		}
	}
	return func(c candidate) bool {
		for _, t := range terms {
			if retrieval.Matches(c.terms, t) {
				return true
			}
		}
		return false
	}
}

// overlap is the Jaccard similarity of two term sets.
func overlap(a, b map[string]bool) float64 { return jaccard(a, b) }

// selectSentences picks sentences by maximal marginal relevance within a
// word budget, giving every article its best sentence first so that the
// overview spreads across them.
func selectSentences(cands []candidate, nArts, maxWords, maxCount int, keep func(candidate) bool) []int {
	var chosen []int
	words := 0
	fits := func(i int) bool {
		return words+len(strings.Fields(cands[i].text)) <= maxWords && len(chosen) < maxCount
	}
	redundant := func(i int) bool {
		for _, c := range chosen {
			if overlap(cands[i].terms, cands[c].terms) > 0.45 {
				return true
			}
		}
		return false
	}
	take := func(i int) {
		chosen = append(chosen, i)
		words += len(strings.Fields(cands[i].text))
	}
	// The best sentence of each article, best articles first.
	bestOf := make([]int, nArts)
	for i := range bestOf {
		bestOf[i] = -1
	}
	for i, c := range cands {
		if keep != nil && !keep(c) {
			continue
		}
		if b := bestOf[c.art]; b < 0 || c.score > cands[b].score {
			bestOf[c.art] = i
		}
	}
	order := make([]int, 0, nArts)
	for _, b := range bestOf {
		if b >= 0 {
			order = append(order, b)
		}
	}
	sort.Slice(order, func(i, j int) bool { return cands[order[i]].score > cands[order[j]].score })
	for _, i := range order {
		if fits(i) && !redundant(i) {
			take(i)
		}
	}
	// Then by marginal relevance.
	for {
		next, nextScore := -1, 0.0
		for i, c := range cands {
			if contains(chosen, i) || (keep != nil && !keep(c)) || !fits(i) {
				continue
			}
			sim := 0.0
			perArt := 0
			for _, k := range chosen {
				sim = max(sim, overlap(c.terms, cands[k].terms))
				if cands[k].art == c.art {
					perArt++
				}
			}
			if sim > 0.45 {
				continue
			}
			s := 0.7*c.score - 0.3*sim*c.score - 0.1*float64(perArt)*c.score
			if next < 0 || s > nextScore {
				next, nextScore = i, s
			}
		}
		if next < 0 {
			return chosen
		}
		take(next)
	}
}

// Summarize writes an overview of the corpus or of a topic: with a model,
// map-reduce over article summaries (cached); without one, the most
// central sentences, spread across articles, newest developments first.
func (e *Engine) Summarize(ctx context.Context, opt OverviewOptions) (Summary, error) {
	arts, passages, why, err := e.scope(ctx, opt)
	all := e.search.Articles()
	s := Summary{Topic: opt.Topic, Since: opt.Since, AsOf: corpus.Newest(all), Mode: ModeExtractive}
	if err != nil {
		return s, err
	}
	if why != "" {
		s.Refused, s.Text = true, why
		return s, nil
	}
	s.Articles = len(arts)
	if e.chat != nil {
		s.Mode = ModeLLM
		ms, err := e.summarizeWithModel(ctx, opt, arts, passages)
		if err == nil {
			ms.Topic, ms.Since, ms.AsOf, ms.Articles = opt.Topic, opt.Since, s.AsOf, len(arts)
			return ms, nil
		}
		e.lg.Warn("chat model failed to summarise, summarising extractively", "err", err)
		s.Fallback = true
	}
	return e.extractiveSummary(s, arts, passages), nil
}

func (e *Engine) extractiveSummary(s Summary, arts []corpus.Article, passages []retrieval.Passage) Summary {
	s.Mode = ModeExtractive
	cands := overviewCandidates(arts, passages, s.Topic)
	chosen := selectSentences(cands, len(arts), summaryWords, 10, e.onTopic(s.Topic))
	if len(chosen) == 0 {
		s.Refused, s.Text = true, NotFoundText(e.search.Articles())
		return s
	}
	// Newest article first; within an article, in its own order.
	sort.SliceStable(chosen, func(i, j int) bool {
		a, b := cands[chosen[i]], cands[chosen[j]]
		if !arts[a.art].Published.Equal(arts[b.art].Published) {
			return arts[a.art].Published.After(arts[b.art].Published)
		}
		if a.art != b.art {
			return a.art < b.art
		}
		return a.pos < b.pos
	})
	ct := newCiter()
	var paras []string
	var cur strings.Builder
	lastArt := -1
	for _, i := range chosen {
		c := cands[i]
		n := ct.cite(c.art, c.text, func(n int) Source { return articleSource(n, arts[c.art], c.chunkID) })
		if c.art != lastArt {
			if cur.Len() > 0 {
				paras = append(paras, cur.String())
				cur.Reset()
			}
			cur.WriteString(corpus.HumanDate(arts[c.art].Published) + " — ")
			lastArt = c.art
		} else {
			cur.WriteByte(' ')
		}
		cur.WriteString(cite(c.text, n))
	}
	paras = append(paras, cur.String())
	c := checkCited(strings.Join(paras, "\n\n"), ct.sources)
	if len(c.sources) == 0 {
		s.Refused, s.Text = true, NotFoundText(e.search.Articles())
		return s
	}
	s.Text, s.Sources, s.Removed = c.text, c.sources, c.removed
	if s.Fallback {
		s.Text += "\n\n(The language model did not answer, so this summary quotes the articles directly.)"
	}
	return s
}

// citer numbers sources in the order they are first cited and gathers the
// sentences quoted from each.
type citer struct {
	num     map[int]int // caller's key (a passage or an article) → source number
	sources []Source
}

func newCiter() *citer { return &citer{num: map[int]int{}} }

// cite returns the source number of key, making the source with mk the
// first time, and adds text to its excerpt.
func (c *citer) cite(key int, text string, mk func(n int) Source) int {
	n, ok := c.num[key]
	if !ok {
		n = len(c.sources) + 1
		c.num[key] = n
		c.sources = append(c.sources, mk(n))
	}
	src := &c.sources[n-1]
	src.Excerpt = strings.TrimSpace(src.Excerpt + " " + quoted(text))
	return n
}

// articleSource is a source that stands for a whole article.
func articleSource(n int, a corpus.Article, chunkID string) Source {
	return Source{N: n, ArticleID: a.ID, ChunkID: chunkID, Title: a.Title, Published: a.Published, URL: a.URL, Quote: a.Body}
}

// Timeline lists dated events in chronological order, each cited. Dates
// come from the text, resolved against the article's date; a sentence with
// no date is placed at its article's date and marked reported.
func (e *Engine) Timeline(ctx context.Context, opt OverviewOptions) (Timeline, error) {
	arts, passages, why, err := e.scope(ctx, opt)
	tl := Timeline{Topic: opt.Topic, AsOf: corpus.Newest(e.search.Articles()), Mode: ModeExtractive}
	if err != nil {
		return tl, err
	}
	if why != "" {
		tl.Refused, tl.Text = true, why
		return tl, nil
	}
	cands := overviewCandidates(arts, passages, opt.Topic)
	// An event is a sentence with a date in it, or an article's lead; for
	// a topic, any sentence about it (an undated one is placed at its
	// article's date, marked reported).
	onTopic := e.onTopic(opt.Topic)
	isEvent := func(c candidate) bool {
		if onTopic != nil {
			return onTopic(c)
		}
		return len(c.dates) > 0 || c.pos == 0
	}
	for i := range cands {
		if len(cands[i].dates) > 0 {
			cands[i].score *= 1.5 // dated sentences make better events
		}
	}
	chosen := selectSentences(cands, len(arts), 60*maxTimeline, maxTimeline, isEvent)
	if e.chat != nil {
		tl.Mode = ModeLLM
		mt, err := e.timelineWithModel(ctx, arts, cands, chosen)
		if err == nil {
			mt.Topic, mt.AsOf = opt.Topic, tl.AsOf
			return mt, nil
		}
		e.lg.Warn("chat model failed to write the timeline, using the articles' sentences", "err", err)
		tl.Fallback = true
	}
	return extractiveTimeline(tl, arts, cands, chosen), nil
}

func extractiveTimeline(tl Timeline, arts []corpus.Article, cands []candidate, chosen []int) Timeline {
	tl.Mode = ModeExtractive
	ct := newCiter()
	for _, i := range chosen {
		c := cands[i]
		n := ct.cite(c.art, c.text, func(n int) Source { return articleSource(n, arts[c.art], c.chunkID) })
		ev := Event{Date: arts[c.art].Published, Precision: Day, Reported: true, Text: cite(c.text, n), Source: n}
		if d, ok := eventDate(c.dates); ok {
			ev.Date, ev.Precision, ev.Reported = d.Date, d.Precision, false
		}
		tl.Events = append(tl.Events, ev)
	}
	tl.Sources = ct.sources
	sortEvents(tl.Events)
	if len(tl.Events) == 0 {
		tl.Refused, tl.Text = true, "I found no dated events in the articles."
	}
	return tl
}

// eventDate picks the date an event sentence is about: the most precise of
// its dates, the first among equals.
func eventDate(ds []Resolved) (Resolved, bool) {
	if len(ds) == 0 {
		return Resolved{}, false
	}
	best := ds[0]
	for _, d := range ds[1:] {
		if d.Precision < best.Precision {
			best = d
		}
	}
	return best, true
}

// sortEvents orders events by date; at the same date, more precise first.
func sortEvents(evs []Event) {
	sort.SliceStable(evs, func(i, j int) bool {
		if !evs[i].Date.Equal(evs[j].Date) {
			return evs[i].Date.Before(evs[j].Date)
		}
		return evs[i].Precision < evs[j].Precision
	})
}

// EventLine renders an event as one line: "**7 Feb 2014** — text [1]."
func EventLine(ev Event) string {
	date := FormatDate(Resolved{Date: ev.Date, Precision: ev.Precision})
	if ev.Reported {
		return "**" + date + "** (reported) — " + ev.Text
	}
	return "**" + date + "** — " + ev.Text
}

// TimelineText renders a timeline, one event a line.
func TimelineText(tl Timeline) string {
	if tl.Refused {
		return tl.Text
	}
	lines := make([]string, len(tl.Events))
	for i, ev := range tl.Events {
		lines[i] = EventLine(ev)
	}
	out := strings.Join(lines, "\n")
	if tl.Fallback {
		out += "\n\n(The language model did not answer, so these lines quote the articles directly.)"
	}
	return out
}
