package retrieval

import "sort"

// IndexedIDs returns the IDs of the articles indexed by the last Sync, or
// restored from the snapshot before any: what a refresh would remove if
// their files were gone. Sorted.
func (ix *Index) IndexedIDs() []string {
	ix.syncMu.Lock()
	defer ix.syncMu.Unlock()
	ids := make([]string, 0, len(ix.indexed))
	for id := range ix.indexed {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
