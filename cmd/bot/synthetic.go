package main

import (
	"hash/fnv"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/situationbot/bot/corpus"
	"github.com/situationbot/bot/question"
)

var (
	digitsRe = regexp.MustCompile(`\b\d+\b`)
	auxRe    = regexp.MustCompile(`(?i)\b(did|does|do|is|was|were|are|can|could|would|will|has|have|had)\b`)
)

// corpusText is the articles' titles and bodies, lower case, for telling
// whether a name occurs in them.
func corpusText(arts []corpus.Article) string {
	var b strings.Builder
	for _, a := range arts {
		b.WriteString(strings.ToLower(a.Title + "\n" + a.Body + "\n"))
	}
	return b.String()
}

// syntheticUnanswerable makes unanswerable questions from a set's
// answerable ones, the way SQuAD 2.0's writers did and the way users go
// off the articles' ground: a number changed; a name swapped for one the
// articles never use (taken from other sets' questions); a negation
// added; and, as off-topic questions, other sets' answerable questions
// asked of these articles (as many as the set has answerable ones).
// Choices follow hashes of the questions, so the set is the same on
// every run.
func syntheticUnanswerable(qs, others []evalQuestion, text string) []evalQuestion {
	var foreign []string
	seen := map[string]bool{}
	for _, q := range others {
		for _, n := range question.Parse(q.Question).Names {
			if l := strings.ToLower(n); !seen[l] && len(n) > 2 && !strings.Contains(text, l) {
				seen[l] = true
				foreign = append(foreign, n)
			}
		}
	}
	sort.Strings(foreign)
	var out []evalQuestion
	answerable := 0
	for _, q := range qs {
		if !q.Answerable {
			continue
		}
		answerable++
		seed := hash(q.Question)
		var text2 string
		names := question.Parse(q.Question).Names
		switch {
		case digitsRe.MatchString(q.Question) && seed%3 == 0:
			loc := digitsRe.FindStringIndex(q.Question)
			n, _ := strconv.Atoi(q.Question[loc[0]:loc[1]])
			text2 = q.Question[:loc[0]] + strconv.Itoa(n+1+int(seed%7)) + q.Question[loc[1]:]
		case len(names) > 0 && len(foreign) > 0 && seed%3 != 2:
			from := names[int(seed/3)%len(names)]
			text2 = strings.Replace(q.Question, from, foreign[int(seed/11)%len(foreign)], 1)
		default:
			if loc := auxRe.FindStringIndex(q.Question); loc != nil {
				text2 = q.Question[:loc[1]] + " not" + q.Question[loc[1]:]
			}
		}
		if text2 != "" && text2 != q.Question {
			out = append(out, evalQuestion{ID: q.ID + "-syn", Question: text2})
		}
	}
	// Off-topic: the other sets' answerable questions, in hash order.
	var off []evalQuestion
	for _, q := range others {
		if q.Answerable {
			off = append(off, evalQuestion{ID: q.ID + "-off", Question: q.Question})
		}
	}
	sort.Slice(off, func(i, j int) bool {
		hi, hj := hash(off[i].Question), hash(off[j].Question)
		if hi != hj {
			return hi < hj
		}
		return off[i].ID < off[j].ID
	})
	if len(off) > answerable {
		off = off[:answerable]
	}
	return append(out, off...)
}

func hash(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}
