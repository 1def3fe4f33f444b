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
//
// Retrieval and every model call share ctx's deadline, keeping a reserve
// for the extractive summary, which is given (marked Fallback) when the
// model fails or its article summaries are not all ready in time. A ctx
// done before the work starts, or cancelled, ends it with ctx's error.
func (e *Engine) Summarize(ctx context.Context, opt OverviewOptions) (Summary, error) {
	all := e.search.Articles()
	s := Summary{Topic: opt.Topic, Since: opt.Since, AsOf: corpus.Newest(all), Mode: ModeExtractive}
	if err := ctx.Err(); err != nil {
		return s, err
	}
	sctx, cancel := within(ctx, searchShare)
	arts, passages, why, err := e.scope(sctx, opt)
	cancel()
	if err != nil {
		return s, err
	}
	if why != "" {
		s.Refused, s.Text = true, why
		return s, nil
	}
	s.Articles = len(arts)
	if e.chat == nil {
		if err := ctx.Err(); err != nil {
			return s, err
		}
		return e.extractiveSummary(s, arts, passages), nil
	}
	s.Mode = ModeLLM
	fallback := prepare(ctx, func() Summary { return e.extractiveSummary(s, arts, passages) })
	ms, err := e.summarizeWithModel(ctx, opt, arts, passages)
	if err == nil {
		ms.Topic, ms.Since, ms.AsOf, ms.Articles = opt.Topic, opt.Since, s.AsOf, len(arts)
		return ms, nil
	}
	if cancelled(ctx) {
		return s, ctx.Err()
	}
	e.modelFailed("chat model failed to summarise, summarising extractively", err)
	s = fallback()
	s.Fallback = true
	if !s.Refused {
		s.Text += "\n\n" + fallbackNote(err, "this summary", "quotes")
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
