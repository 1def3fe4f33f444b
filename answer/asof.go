package answer

import (
	"regexp"

	"github.com/situationbot/bot/corpus"
	"github.com/situationbot/bot/prompts"
)

// What an answer is true as of: the articles can only say what was true
// when they were written.

// nowRe finds questions about the present: the articles can only say what
// was true when the article behind the answer was written.
var nowRe = regexp.MustCompile(`(?i)\b(now|nowadays|today|tonight|latest|currently|current|still|at the moment|at present|so far|these days|right now|recent|recently|newest|anymore|any more)\b`)

// Minimum shares of the question's weighted terms a passage of a newer,
// uncited article must hold to count as covering the same subject: at
// least newerCover, and newerShare of the best cited passage's.
const (
	newerCover = 0.5
	newerShare = 0.8
)

// asOf dates an answer by the article behind it: an answer to a question
// about the present is led by the date of the newest article it cites,
// and any answer is followed by a warning when a newer article the
// answer does not cite covers the same subject (it may have changed).
func asOf(a Answer) Answer {
	if a.Refused || len(a.Sources) == 0 {
		return a
	}
	cited := map[string]bool{}
	bestCover := 0.0
	for _, s := range a.Sources {
		cited[s.ArticleID] = true
		if s.Published.After(a.FactDate) {
			a.FactDate = s.Published
		}
	}
	for _, p := range a.Passages {
		if cited[p.ArticleID] {
			bestCover = max(bestCover, p.Coverage)
		}
	}
	for _, p := range a.Passages {
		if !cited[p.ArticleID] && p.Published.After(a.FactDate) && p.Coverage >= newerCover && p.Coverage >= newerShare*bestCover &&
			(a.Newer == nil || p.Published.After(a.Newer.Published)) {
			a.Newer = &Newer{ArticleID: p.ArticleID, Title: p.Title, Published: p.Published}
		}
	}
	if nowRe.MatchString(a.Question) {
		a.Text = "As of " + corpus.HumanDate(a.FactDate) + ", the date of the article it comes from: " + a.Text
	}
	if a.Newer != nil {
		a.Text += "\n\n(A newer article, \u201c" + prompts.DefuseCitations(a.Newer.Title) + "\u201d of " + corpus.HumanDate(a.Newer.Published) + ", also covers this; it may say more.)"
	}
	return a
}
