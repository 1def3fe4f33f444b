// Package atomicfile writes files so that a crash leaves either the old
// content or the new, never a torn mix: a temporary file in the same
// directory, fsynced, renamed over the target, then the directory fsynced.
// A process killed before the rename leaves its temporary file behind;
// RemoveStale clears those.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// tempPattern names the temporary files Write creates for a target with
// base name base: "." + base + "." + random digits + ".tmp". It is both the
// os.CreateTemp pattern and, with base a glob, the filepath.Glob pattern
// matching them.
func tempPattern(base string) string { return "." + base + ".*.tmp" }

// Write creates or replaces path with what write produces.
func Write(path string, write func(w io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, tempPattern(filepath.Base(path)))
	if err != nil {
		return fmt.Errorf("create temporary file: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	w := bufio.NewWriterSize(f, 1<<20)
	if err := write(w); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("rename %s: %w", path, err)
	}
	SyncDir(dir) // best effort: make the rename durable
	return nil
}

// RemoveStale removes the temporary files that Write left in dir, for
// targets whose base name matches the glob target, when they were last
// modified at least olderThan ago, and returns their paths. A Write in
// progress streams into its temporary file and renames it as soon as it is
// synced, so a file untouched for that long belongs to a process that died;
// the age spares the file of a Write running in another process.
func RemoveStale(dir, target string, olderThan time.Duration) ([]string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, tempPattern(target)))
	if err != nil {
		return nil, fmt.Errorf("remove stale temporary files: %w", err)
	}
	var removed []string
	var errs []error
	for _, p := range paths {
		st, err := os.Lstat(p)
		if err != nil || !st.Mode().IsRegular() || time.Since(st.ModTime()) < olderThan {
			continue
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, p)
	}
	return removed, errors.Join(errs...)
}

// SyncDir flushes a directory's entries (a rename, a link, a new file) to
// disk, best effort: a failure only means the change may not survive a
// power cut.
func SyncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
