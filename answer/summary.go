package answer

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/situationbot/bot/corpus"
	"github.com/situationbot/bot/retrieval"
)

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
	var modelErr error
	if e.chat != nil {
		s.Mode = ModeLLM
		ms, err := e.summarizeWithModel(ctx, opt, arts, passages)
		if err == nil {
			ms.Topic, ms.Since, ms.AsOf, ms.Articles = opt.Topic, opt.Since, s.AsOf, len(arts)
			return ms, nil
		}
		e.modelFailed("chat model failed to summarise, summarising extractively", err)
		s.Fallback, modelErr = true, err
	}
	s = e.extractiveSummary(s, arts, passages)
	if s.Fallback && !s.Refused {
		s.Text += "\n\n" + fallbackNote(modelErr, "this summary", "quotes")
	}
	return s, nil
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
	return s
}

// articleSource is a source that stands for a whole article.
func articleSource(n int, a corpus.Article, chunkID string) Source {
	return Source{N: n, ArticleID: a.ID, ChunkID: chunkID, Title: a.Title, Published: a.Published, URL: a.URL, Quote: a.Body}
}
