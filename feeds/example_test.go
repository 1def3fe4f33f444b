package feeds_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/situationbot/bot/feeds"
)

// errDuplicate and errNoText stand for the errors of the package that
// fetches articles.
var (
	errDuplicate = errors.New("already in the corpus as 2014-01-25-geneva")
	errNoText    = errors.New("no article text")
)

// fetchArticle stands for the function that fetches an article and writes it
// to the corpus.
func fetchArticle(ctx context.Context, link string) (string, error) {
	switch {
	case strings.Contains(link, "geneva"):
		return "", errDuplicate
	case strings.Contains(link, "evacuation"):
		return "", errNoText
	}
	return "2014-02-08-aid-convoy-homs", nil
}

// The caller's AddFunc tells the follower what happened by the error it
// returns: a duplicate wrapped into ErrAlreadyThere, a failure that will not
// go away wrapped with Permanent, anything else tried again next round.
func ExampleFollower_Poll() {
	body, _ := os.ReadFile("testdata/three.rss")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(body)
	}))
	defer srv.Close()
	dir, _ := os.MkdirTemp("", "feeds")
	defer os.RemoveAll(dir)

	add := func(ctx context.Context, it feeds.Item) (string, error) {
		id, err := fetchArticle(ctx, it.Link)
		switch {
		case errors.Is(err, errDuplicate):
			return "", fmt.Errorf("%w: %w", feeds.ErrAlreadyThere, err)
		case errors.Is(err, errNoText):
			return "", feeds.Permanent(err)
		}
		return id, err
	}
	f, err := feeds.New(feeds.Config{Feeds: []string{srv.URL}, DataDir: dir, Add: add})
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := f.Poll(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fr := rep.Feeds[0]
	fmt.Println(fr.Title)
	for _, a := range fr.Added {
		fmt.Println("added:", a.ID, a.Item.Published.Format("2006-01-02"))
	}
	for _, it := range fr.AlreadyThere {
		fmt.Println("already there:", it.Title)
	}
	for _, x := range fr.Failed {
		fmt.Println("failed:", x.Item.Title, "-", x.Reason, "- retry:", x.Retry)
	}
	// Output:
	// Syria Watch
	// added: 2014-02-08-aid-convoy-homs 2014-02-08
	// already there: Geneva talks: delegations meet face to face
	// failed: Civilians leave besieged Homs during truce - no article text - retry: false
}
