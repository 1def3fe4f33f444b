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
