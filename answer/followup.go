package answer

import (
	"context"
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/situationbot/bot/llm"
	"github.com/situationbot/bot/prompts"
	"github.com/situationbot/bot/retrieval"
)

// Turn is one exchange of a conversation: a question and the answer given.
type Turn struct {
	Question string
	Answer   string
}

// maxTurns is how many turns a chat model reads a follow-up with: the
// conversation's first, which set its subject, and the latest ones.
const maxTurns = 3

// maxSubjectWords is how many content words of the first question are
// carried as the subject of a conversation without a model.
const maxSubjectWords = 12

// errUnusableRewrite is a model's rewrite that is empty or too long.
var errUnusableRewrite = errors.New("unusable rewrite of the follow-up")

// Condense turns a follow-up message into a standalone question, using the
// conversation so far, oldest turn first. With a chat model the model
// rewrites it from the first turn and the latest ones. Without one, or
// when the model fails, the follow-up is read with the conversation's
// subject: its words come first, then, in parentheses, the content words
// of the first question (and names a later question brought in) and the
// previous question, so that "and what did Russia say?" two follow-ups
// after a question about evacuations from Homs still retrieves passages
// about them. A follow-up that stands alone, or one after a previous
// question that stands alone, is given only the previous question, so
// that its own words, or the subject the previous question brought, are
// not drowned. The result is never longer than MaxQuestionRunes.
//
// The model may take a third of the time left before ctx's deadline
// (less the fallback's reserve), so that Condense and then Ask under the
// same ctx both finish before it; a model that fails, is slow or is shut
// out by the circuit breaker gives way to the combination. The error is
// non-nil only for bad input or a ctx the caller cancelled.
func (e *Engine) Condense(ctx context.Context, history []Turn, followUp string) (string, error) {
	followUp, err := CheckQuestion(followUp)
	if err != nil {
		return "", err
	}
	history = asked(history)
	if len(history) == 0 {
		return followUp, nil
	}
	if e.chat != nil {
		mctx, cancel := within(ctx, condenseShare)
		q, err := e.condenseWithModel(mctx, forModel(history), followUp)
		cancel()
		if err == nil {
			return q, nil
		}
		if cancelled(ctx) {
			return "", ctx.Err()
		}
		e.modelFailed("chat model failed to condense a follow-up, combining instead", err)
	}
	return combine(history, followUp), nil
}

func (e *Engine) condenseWithModel(ctx context.Context, history []Turn, followUp string) (string, error) {
	d := prompts.Condense{FollowUp: followUp}
	for _, t := range history {
		// The answer is there for its subject; its citations and sources
		// are noise to the rewrite.
		d.Turns = append(d.Turns, prompts.Turn{Question: t.Question, Answer: oneLine(citeRe.ReplaceAllString(t.Answer, ""), 600)})
	}
	system, user, err := e.prompts.Condense(d)
	if err != nil {
		return "", err
	}
	q, err := e.chatModel(ctx, []llm.Message{{Role: "system", Content: system}, {Role: "user", Content: user}}, nil)
	if err != nil {
		return "", err
	}
	q = strings.TrimSpace(strings.SplitN(strings.TrimSpace(q), "\n", 2)[0])
	q = strings.TrimPrefix(q, "Question: ")
	if q == "" || utf8.RuneCountInString(q) > MaxQuestionRunes {
		return "", errUnusableRewrite
	}
	return q, nil
}

// asked returns the turns whose question is not blank.
func asked(history []Turn) []Turn {
	out := make([]Turn, 0, len(history))
	for _, t := range history {
		if strings.TrimSpace(t.Question) != "" {
			out = append(out, t)
		}
	}
	return out
}

// forModel returns the turns a model reads: all of them when there are
// few, else the first and the latest maxTurns-1.
func forModel(history []Turn) []Turn {
	if len(history) <= maxTurns {
		return history
	}
	out := make([]Turn, 0, maxTurns)
	out = append(out, history[0])
	return append(out, history[len(history)-(maxTurns-1):]...)
}

// combine joins a follow-up with the conversation's context, without a
// model: see Condense. history is not empty.
func combine(history []Turn, followUp string) string {
	prev := oneLine(history[len(history)-1].Question, MaxQuestionRunes)
	var subject string
	if len(history) > 1 && !standsAlone(followUp) && !standsAlone(prev) {
		subject = threadSubject(history, followUp)
	}
	return withContext(followUp, subject, prev)
}

// standsAlone reports whether a question can be read without the
// conversation: it has four distinct content terms, or three and a proper
// name ("What did the U.N. say about the Geneva talks?", not "and what did
// Russia say?").
func standsAlone(q string) bool {
	distinct := map[string]bool{}
	for _, t := range retrieval.Terms(q) {
		distinct[t] = true
	}
	hasName := false
	for _, w := range tokens(q) {
		hasName = hasName || w.name
	}
	return len(distinct) >= 4 || (hasName && len(distinct) >= 3)
}

// threadSubject is the subject a conversation established: the compact
// first question, plus the names the latest question between the first
// and the previous one brought in. It is "" when the follow-up and the
// previous question already carry all its terms.
func threadSubject(history []Turn, followUp string) string {
	first, prev := history[0].Question, history[len(history)-1].Question
	subject := compact(first)
	known := termSet(first + " " + prev + " " + followUp)
	for i := len(history) - 2; i > 0; i-- {
		var names []string
		for _, w := range tokens(history[i].Question) {
			if w.name && !allIn(retrieval.Terms(w.text), known) {
				names = append(names, w.text)
				for _, t := range retrieval.Terms(w.text) {
					known[t] = true
				}
			}
		}
		if len(names) > 0 {
			subject = strings.TrimPrefix(subject+", "+strings.Join(names, " "), ", ")
			break
		}
	}
	if allIn(retrieval.Terms(subject), termSet(prev+" "+followUp)) {
		return ""
	}
	return subject
}

// withContext appends the subject and the previous question to a
// follow-up in parentheses, shortening them to keep within
// MaxQuestionRunes: the previous question first, then the subject.
func withContext(followUp, subject, prev string) string {
	const least = 12 // shorter than this, a part is not worth its place
	room := MaxQuestionRunes - utf8.RuneCountInString(followUp)
	if subject != "" {
		const shape = " (about: ; following up on: )"
		if r := room - len(shape) - utf8.RuneCountInString(subject); r >= least {
			return followUp + " (about: " + subject + "; following up on: " + clip(prev, r) + ")"
		}
		if r := room - len(" (about: )"); r >= least {
			return followUp + " (about: " + clip(subject, r) + ")"
		}
		return followUp
	}
	if r := room - len(" (following up on: )"); r >= least {
		return followUp + " (following up on: " + clip(prev, r) + ")"
	}
	return followUp
}

// token is a word of a question as written, without the punctuation
// around it.
type token struct {
	text    string
	content bool // not a stop word: it counts for retrieval
	name    bool // a content word written with a capital: a proper name
}

// tokens splits a question into its words as written.
func tokens(q string) []token {
	var out []token
	for _, f := range strings.Fields(q) {
		f = strings.TrimFunc(f, func(r rune) bool {
			return r != '.' && (unicode.IsPunct(r) || unicode.IsSymbol(r))
		})
		f = strings.TrimLeft(f, ".")
		if strings.Count(f, ".") == 1 && strings.HasSuffix(f, ".") {
			f = strings.TrimSuffix(f, ".") // a full stop, not "U.N."
		}
		if f == "" {
			continue
		}
		t := token{text: f, content: len(retrieval.Terms(f)) > 0}
		r, _ := utf8.DecodeRuneInString(f)
		t.name = t.content && unicode.IsUpper(r)
		out = append(out, t)
	}
	return out
}

// compact shortens a question to what it is about: its words from the
// first content word to the last, without runs of two or more stop words
// or repeated content words, and at most maxSubjectWords content words
// ("How many people were evacuated from Homs on Friday?" → "people were
// evacuated from Homs on Friday").
func compact(q string) string {
	var out []string
	var pending []string // stop words since the last content word
	seen := map[string]bool{}
	n := 0
	for _, t := range tokens(q) {
		terms := retrieval.Terms(t.text)
		if !t.content || allIn(terms, seen) {
			pending = append(pending, t.text)
			continue
		}
		if n == maxSubjectWords {
			break
		}
		if len(out) > 0 && len(pending) == 1 {
			out = append(out, pending[0])
		}
		pending = pending[:0]
		out = append(out, t.text)
		for _, term := range terms {
			seen[term] = true
		}
		n++
	}
	return strings.Join(out, " ")
}

// termSet returns the set of s's content terms.
func termSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, t := range retrieval.Terms(s) {
		m[t] = true
	}
	return m
}

// allIn reports whether every term is in set.
func allIn(terms []string, set map[string]bool) bool {
	for _, t := range terms {
		if !set[t] {
			return false
		}
	}
	return true
}

// clip shortens s to at most n runes, at a space when there is one,
// marking the cut with "…".
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	cut := string(r[:n-1])
	if i := strings.LastIndexByte(cut, ' '); i > 0 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:") + "…"
}

// oneLine collapses s to one line of at most n runes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
