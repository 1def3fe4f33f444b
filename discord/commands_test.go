package discord

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/situationbot/bot/corpus"
)

// articleList is a Library of fixed articles.
type articleList []corpus.Article

func (l articleList) Articles() []corpus.Article { return l }

func TestSourcesPageFits(t *testing.T) {
	long := func(n int) articleList {
		var l articleList
		for i := 0; i < n; i++ {
			l = append(l, corpus.Article{
				Title:     strings.Repeat("*Homs* ", 60),
				Published: time.Date(2014, 2, 1+i, 0, 0, 0, 0, time.UTC),
				Source:    strings.Repeat("_", 80),
				URL:       "https://example.com/" + strings.Repeat("a", maxURLRunes-20),
			})
		}
		return l
	}
	tests := []struct {
		name     string
		articles int
		footer   string
	}{
		{"one page", sourcesPerPage, ""},
		{"first of two pages", sourcesPerPage + 1, "\n\nPage 1 of 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := &Bot{lib: long(tc.articles)}
			text, _ := b.sourcesPage(0)
			if n := utf8.RuneCountInString(text); n > MaxMessage || !strings.HasSuffix(text, tc.footer) || !strings.Contains(text, "…") {
				t.Errorf("sourcesPage(0) of %d long articles: %d characters, ends %q; want at most %d, cut, ending %q", tc.articles, n, text[max(0, len(text)-30):], MaxMessage, tc.footer)
			}
		})
	}
}
