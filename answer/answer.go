// Package answer is the question-answering pipeline: it retrieves passages,
// writes an answer through a chat model or, with none, composes one from the
// passages' best sentences, checks every citation against the passages, and
// refuses honestly when the articles do not say.
package answer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/situationbot/bot/corpus"
	"github.com/situationbot/bot/lexicon"
	"github.com/situationbot/bot/llm"
	"github.com/situationbot/bot/prompts"
	"github.com/situationbot/bot/question"
	"github.com/situationbot/bot/retrieval"
)

// MaxQuestionRunes is the longest question accepted.
const MaxQuestionRunes = 1000

// Errors returned for bad input. The CLI and Discord show them as they are.
var (
	ErrEmptyQuestion   = errors.New("the question is empty: ask something about the articles")
	ErrQuestionTooLong = fmt.Errorf("the question is too long: keep it under %d characters", MaxQuestionRunes)
)

// Modes of an answer.
const (
	ModeLLM        = "llm"
	ModeExtractive = "extractive"
)

// Answer is the result of a question, whichever way it was written.
type Answer struct {
	Question string
	Text     string    // the answer with [n] markers, or the refusal
	Sources  []Source  // Sources[i].N == i+1
	Refused  bool      // the articles do not answer the question
	Mode     string    // ModeLLM or ModeExtractive
	Fallback bool      // extractive because the model failed
	AsOf     time.Time // the newest article's date: what "now" means here
	// Passages are all the passages retrieved for the question, best first,
	// cited or not (for evaluation and debugging).
	Passages []retrieval.Passage
	// FactDate is the publication date of the newest article the answer
	// cites: what it is true as of. Newer, when set, is a newer article
	// that covers the same subject and is not cited.
	FactDate time.Time
	Newer    *Newer
	// Removed are the sentences the grounding check took out (no valid
	// citation, or a number, date or name none of its passages holds), as
	// written; Kept counts the sentences shown.
	Removed []string
	Kept    int
}

// Source is what a citation number points to.
type Source struct {
	N         int
	ArticleID string
	ChunkID   string
	Title     string
	Published time.Time
	URL       string
	Quote     string // the passage text (for an overview, the article's)
	// Excerpt is the evidence: the sentences of Quote that back the
	// sentences citing this source (the sentences quoted, for an extractive
	// answer), shown next to the source.
	Excerpt string
}

// Newer is an article newer than the ones an answer cites that covers the
// same subject.
type Newer struct {
	ArticleID string
	Title     string
	Published time.Time
}

// Searcher is what the engine needs of the index.
type Searcher interface {
	Search(ctx context.Context, query string, k int) ([]retrieval.Passage, error)
	TermWeights(query string) map[string]float64
	DocFreq(term string) int
	Articles() []corpus.Article
}

// Chat is what the engine needs of a chat model.
type Chat interface {
	Stream(ctx context.Context, msgs []llm.Message, onDelta func(string)) (string, error)
	ChatModel() string
}

// Options tunes an Engine.
type Options struct {
	K       int    // passages retrieved per question; 0 means 5
	DataDir string // where model summaries are cached; "" keeps them in memory
	// Model decides whether an extractive answer is given; nil means the
	// model shipped with the binary (DefaultModel).
	Model *Model
	// MinSimilarity is the vector similarity at which a passage that
	// shares no term with the question still counts as retrieved, so that
	// the chat model is asked. 0 counts only passages that share a term:
	// the local embedder's similarity without a shared word means little,
	// and a floor for a model's embeddings has to be fitted on labelled
	// questions with that model, which this build has not done.
	MinSimilarity float64

	// BreakerFailures is how many consecutive failed chat model calls
	// (errors and timeouts; not refusals, ungrounded or truncated
	// replies, nor calls the caller cancelled) open the circuit breaker:
	// while it is open, questions, follow-ups and overviews are answered
	// extractively at once, marked Fallback, without calling the model.
	// 0 means 3; negative never opens it.
	BreakerFailures int
	// BreakerCoolDown is how long the breaker stays open before the next
	// question starts a probe of the model in the background (a one-line
	// rewrite); 0 means 30s. A probe that fails doubles it, up to
	// BreakerMaxCoolDown; one that succeeds closes the breaker.
	BreakerCoolDown time.Duration
	// BreakerMaxCoolDown caps the cool-down; 0 means 5m.
	BreakerMaxCoolDown time.Duration
}

// Engine answers questions. It is safe for concurrent use.
type Engine struct {
	lg        *slog.Logger
	search    Searcher
	chat      Chat // nil: extractive answers
	prompts   *prompts.Set
	k         int
	summaries *summaryCache
	model     *Model
	lex       *lexicon.Lexicon
	words     *wordCache
	minSim    float64
	breaker   *breaker // around chat
}

// New returns an Engine. chat may be nil, for extractive answers only.
func New(lg *slog.Logger, s Searcher, chat Chat, opt Options) *Engine {
	if opt.K <= 0 {
		opt.K = 5
	}
	if opt.Model == nil {
		opt.Model = DefaultModel()
	}
	return &Engine{lg: lg, search: s, chat: chat, prompts: prompts.MustLoad(), k: opt.K, summaries: newSummaryCache(opt.DataDir),
		model: opt.Model, lex: lexicon.Default(), words: newWordCache(), minSim: opt.MinSimilarity, breaker: newBreaker(opt)}
}

// K is the number of passages retrieved per question.
func (e *Engine) K() int { return e.k }

// CheckQuestion validates a question and returns it trimmed.
func CheckQuestion(q string) (string, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return "", ErrEmptyQuestion
	}
	if utf8.RuneCountInString(q) > MaxQuestionRunes {
		return "", ErrQuestionTooLong
	}
	return q, nil
}

// Ask answers one question. onDelta, when not nil, receives the model's text
// as it streams (model answers only). The error is non-nil only for bad
// input, a failed search or a ctx done before the answer (a deadline that
// passes while the model is tried still gets the fallback): a failing
// model falls back to an extractive answer.
//
// Retrieval and the model share ctx's deadline, keeping a reserve at its
// end for the fallback (see within), so that the answer, whatever the
// model does, is ready before it.
func (e *Engine) Ask(ctx context.Context, q string, onDelta func(string)) (Answer, error) {
	q, err := CheckQuestion(q)
	if err != nil {
		return Answer{}, err
	}
	if err := ctx.Err(); err != nil {
		return Answer{}, err
	}
	pq := question.Parse(q)
	sctx, cancel := within(ctx, searchShare)
	passages, err := e.search.Search(sctx, searchText(pq, q), e.k)
	cancel()
	if err != nil {
		return Answer{}, fmt.Errorf("search: %w", err)
	}
	a := Answer{Question: q, Passages: passages, Mode: ModeExtractive, AsOf: corpus.Newest(e.search.Articles())}
	if e.chat == nil {
		return asOf(e.extractive(a, pq, passages)), nil
	}
	// The model decides whether the passages answer: no lexical gate
	// before it, only nothing retrieved skips the call.
	a.Mode = ModeLLM
	if nothingRetrieved(passages, e.minSim) {
		return e.refuse(a), nil
	}
	fallback := prepare(ctx, func() Answer { return e.extractive(a, pq, passages) })
	mctx, cancel := within(ctx, 1)
	la, err := e.askModel(mctx, searchText(pq, q), passages, onDelta)
	cancel()
	if err == nil {
		la.Question, la.Passages, la.AsOf = q, passages, a.AsOf
		return asOf(la), nil
	}
	if cancelled(ctx) {
		return Answer{}, ctx.Err()
	}
	e.modelFailed("chat model failed, answering extractively", err)
	a = fallback()
	a.Fallback = true
	if !a.Refused {
		a.Text += "\n\n" + fallbackNote(err, "this answer", "quotes")
	}
	return asOf(a), nil
}

// modelFailed logs a failed model call, as a warning unless the breaker
// refused it (that was logged once, when it opened).
func (e *Engine) modelFailed(msg string, err error) {
	if errors.Is(err, errModelDown) {
		e.lg.Debug(msg, "err", err)
		return
	}
	e.lg.Warn(msg, "err", err)
}

// nothingRetrieved reports whether retrieval found nothing to hand a
// model: no passage, or none that shares a term with the question or
// reaches the similarity floor (when there is one).
func nothingRetrieved(ps []retrieval.Passage, minSim float64) bool {
	for _, p := range ps {
		if p.KeywordScore > 0 || (minSim > 0 && p.VectorScore >= minSim) {
			return false
		}
	}
	return true
}

// extractive fills a with an answer composed from the passages' sentences.
func (e *Engine) extractive(a Answer, pq question.Question, passages []retrieval.Passage) Answer {
	a.Mode = ModeExtractive
	j := e.judge(pq, passages)
	if j.decision < e.model.Threshold {
		return e.refuse(a)
	}
	if len(j.cands) == 0 {
		return e.refuse(a)
	}
	best := bestCandidate(j.probs)
	d := disagreeing(pq, j.terms, j.cands, j.probs, best, passages)
	picks := compose(j.terms, passages, j.cands, j.probs, d.rival)
	var b strings.Builder
	ct := newCiter()
	for i, p := range picks {
		n := ct.cite(p.passage, p.text, func(n int) Source { return source(n, passages[p.passage]) })
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(cite(p.text, n))
	}
	if d.rival >= 0 {
		bn, bok := ct.num[j.cands[best].passage]
		rn, rok := ct.num[j.cands[d.rival].passage]
		if bok && rok {
			b.WriteString(" " + d.note(bn, rn))
		}
	}
	// The sentences are the passages' own, so the check is a safety net.
	c := checkCited(b.String(), ct.sources)
	if len(c.sources) == 0 {
		return e.refuse(a)
	}
	a.Text, a.Sources, a.Removed, a.Kept = c.text, c.sources, c.removed, c.kept
	return a
}

// askModel writes the answer with the chat model and checks its citations.
func (e *Engine) askModel(ctx context.Context, q string, passages []retrieval.Passage, onDelta func(string)) (Answer, error) {
	arts := e.search.Articles()
	data := prompts.Answer{Question: q, ArticleCount: len(arts), Newest: corpus.HumanDate(corpus.Newest(arts))}
	for i, p := range passages {
		data.Passages = append(data.Passages, prompts.Passage{N: i + 1, Title: p.Title, Published: p.Published.Format(corpus.DateLayout), Text: p.Text})
	}
	system, user, err := e.prompts.Answer(data)
	if err != nil {
		return Answer{}, err
	}
	evs := passageEvidence(passages)
	add, flush := checkedStream(evs, onDelta)
	text, err := e.chatModel(ctx, []llm.Message{{Role: "system", Content: system}, {Role: "user", Content: user}}, add)
	if err != nil {
		// A reply cut short (at the token cap, or a dropped stream) keeps
		// its complete sentences, if it has any.
		if !errors.Is(err, llm.ErrTruncated) {
			return Answer{}, err
		}
		if text = completeSentences(text); text == "" {
			return Answer{}, err
		}
		e.lg.Warn("model reply cut short, keeping its complete sentences", "question", q, "err", err)
	}
	defer flush(text)
	a := Answer{Question: q, Mode: ModeLLM}
	// The model refuses by starting with NOT_FOUND; elsewhere the word is
	// an uncited sentence, which the grounding check removes (it was never
	// shown while streaming either).
	if strings.HasPrefix(strings.TrimSpace(text), e.prompts.NotFound()) {
		return e.refuse(a), nil
	}
	sources := make([]Source, len(passages))
	for i, p := range passages {
		sources[i] = source(i+1, p)
	}
	c := checkCited(text, sources)
	a.Removed, a.Kept = c.removed, c.kept
	if len(c.removed) > 0 {
		e.lg.Info("grounding check removed sentences from a model answer", "question", q, "removed", len(c.removed), "kept", c.kept)
	}
	if len(c.sources) == 0 {
		// Nothing the model said is backed by a passage: not shown as if it were.
		e.lg.Info("model answer had no grounded sentence, refusing", "question", q)
		return e.refuse(a), nil
	}
	a.Text, a.Sources = c.text, c.sources
	return a, nil
}

func source(n int, p retrieval.Passage) Source {
	return Source{N: n, ArticleID: p.ArticleID, ChunkID: p.ID, Title: p.Title, Published: p.Published, URL: p.URL, Quote: p.Text}
}

// refuse turns a into the honest "not found" reply.
func (e *Engine) refuse(a Answer) Answer {
	a.Refused = true
	a.Sources = nil
	a.Text = NotFoundText(e.search.Articles())
	return a
}

// NotFoundText is the refusal: how many articles there are and how current.
func NotFoundText(arts []corpus.Article) string {
	if len(arts) == 0 {
		return "I couldn't find that: I have no articles yet."
	}
	noun := "articles"
	if len(arts) == 1 {
		noun = "article"
	}
	return fmt.Sprintf("I couldn't find that in the %d %s I have (newest: %s).", len(arts), noun, corpus.HumanDate(corpus.Newest(arts)))
}
