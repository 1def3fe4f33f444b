package corpus

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
)

// ErrTooManyRemovals means a refresh would remove more than half of the
// articles, or all of them: more likely an unmounted disk or a bad copy
// than an editor's decision, so it is refused unless forced.
var ErrTooManyRemovals = errors.New("refresh refused")

// Reconciled is what a refresh should index.
type Reconciled struct {
	Articles []Article // what to index, sorted as Load sorts
	// Kept are the IDs of articles whose file failed to load this time:
	// their previous version stays indexed.
	Kept []string
	// Removed are the IDs indexed before that are gone from the folder.
	Removed []string
}

// Reconcile merges a fresh load of the corpus folder (loaded, with the
// errors of the files it skipped) with what is indexed: an article whose
// file failed to load keeps its previous version (a half-written or
// unreadable file does not remove an article); an article whose file is
// gone is removed. When that would remove more than half of the indexed
// articles, or all of them, it returns an error wrapping
// ErrTooManyRemovals, unless force. indexedIDs are the IDs indexed now
// (known even when previous lacks their text, after a restart); previous
// are the indexed articles whose text is at hand.
func Reconcile(indexedIDs []string, previous, loaded []Article, loadErrs []error, force bool) (Reconciled, error) {
	var r Reconciled
	have := map[string]bool{}
	for _, a := range loaded {
		have[a.ID] = true
	}
	prev := map[string]Article{}
	for _, a := range previous {
		prev[a.ID] = a
	}
	r.Articles = append(r.Articles, loaded...)
	for _, e := range loadErrs {
		var fe *FileError
		if !errors.As(e, &fe) {
			continue
		}
		id := strings.TrimSuffix(path.Base(fe.File), ".md")
		if a, ok := prev[id]; ok && !have[id] {
			have[id] = true
			r.Articles = append(r.Articles, a)
			r.Kept = append(r.Kept, id)
		}
	}
	for _, id := range indexedIDs {
		if !have[id] {
			r.Removed = append(r.Removed, id)
		}
	}
	sort.Strings(r.Removed)
	sortArticles(r.Articles)
	n := len(indexedIDs)
	if !force && n > 0 && len(r.Removed) > 0 && (len(r.Removed) == n || 2*len(r.Removed) > n) {
		return r, fmt.Errorf("%w: it would remove %d of the %d articles (%s)", ErrTooManyRemovals, len(r.Removed), n, strings.Join(r.Removed, ", "))
	}
	return r, nil
}
