package answer

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/situationbot/bot/llm"
	"github.com/situationbot/bot/prompts"
)

// Turn is one exchange of a conversation: a question and the answer given.
type Turn struct {
	Question string
	Answer   string
}

// maxTurns is how many of the latest turns a follow-up is read with.
const maxTurns = 3

// Condense turns a follow-up message into a standalone question, using the
// last few turns of the conversation. With a chat model the model rewrites
// it; without one, or when the model fails, the follow-up is combined with
// the previous question, which keeps its subject in play for retrieval
// ("And who said so?" after a question about evacuations from Homs).
// A follow-up that already stands alone is still combined: retrieval only
// gains from the context, and the question's own words come first.
func (e *Engine) Condense(ctx context.Context, history []Turn, followUp string) (string, error) {
	followUp, err := CheckQuestion(followUp)
	if err != nil {
		return "", err
	}
	if len(history) == 0 {
		return followUp, nil
	}
	if len(history) > maxTurns {
		history = history[len(history)-maxTurns:]
	}
	if e.chat != nil {
		q, err := e.condenseWithModel(ctx, history, followUp)
		if err == nil {
			return q, nil
		}
		e.lg.Warn("chat model failed to condense a follow-up, combining instead", "err", err)
	}
	return combine(history[len(history)-1].Question, followUp), nil
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
	q, err := e.chat.Stream(ctx, []llm.Message{{Role: "system", Content: system}, {Role: "user", Content: user}}, nil)
	if err != nil {
		return "", err
	}
	q = strings.TrimSpace(strings.SplitN(strings.TrimSpace(q), "\n", 2)[0])
	q = strings.TrimPrefix(q, "Question: ")
	if q == "" || utf8.RuneCountInString(q) > MaxQuestionRunes {
		return combine(history[len(history)-1].Question, followUp), nil
	}
	return q, nil
}

// combine joins a follow-up with the question before it, without letting
// the result exceed the question limit.
func combine(previous, followUp string) string {
	q := followUp + " (following up on: " + previous + ")"
	if utf8.RuneCountInString(q) > MaxQuestionRunes {
		return followUp
	}
	return q
}

// oneLine collapses s to one line of at most n runes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
