package watch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/fsnotify/fsnotify"
)

// QuietPeriod is how long the files must stay unchanged before a batch is
// handed over: an editor's save or a `git checkout` is many events, and
// compose waits as long.
const QuietPeriod = 500 * time.Millisecond

// Notify watches the rules' paths, recursively, and calls batch with the
// changed paths (sorted, each once) whenever the files have been quiet for
// quiet. Directories created later are watched too. It returns when ctx
// ends, or with the first error of the watcher itself; batch runs on
// Notify's goroutine, so changes that come while it runs form the next
// batch. ready, when not nil, is called once every path is watched.
func Notify(ctx context.Context, rules []Rule, quiet time.Duration, ready func(), batch func(paths []string)) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch files: %w", err)
	}
	defer w.Close()
	var roots []string
	for _, r := range rules {
		if !slices.Contains(roots, r.Trigger.Path) {
			roots = append(roots, r.Trigger.Path)
		}
	}
	for _, root := range roots {
		if err := addTree(w, root); err != nil {
			return err
		}
	}
	if ready != nil {
		ready()
	}
	pending := map[string]bool{}
	timer := time.NewTimer(quiet)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			return fmt.Errorf("watch files: %w", err)
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if ev.Has(fsnotify.Create) {
				if fi, err := os.Stat(ev.Name); err == nil && fi.IsDir() {
					// A new directory's files may already be there when
					// its watch begins: count them as changed too.
					_ = addTree(w, ev.Name)
					_ = filepath.WalkDir(ev.Name, func(p string, d fs.DirEntry, err error) error {
						if err == nil && !d.IsDir() {
							pending[p] = true
						}
						return nil
					})
				}
			}
			if ev.Op == fsnotify.Chmod {
				continue
			}
			pending[ev.Name] = true
			timer.Reset(quiet)
		case <-timer.C:
			paths := make([]string, 0, len(pending))
			for p := range pending {
				paths = append(paths, p)
			}
			slices.Sort(paths)
			clear(pending)
			batch(paths)
		}
	}
}

// addTree watches dir and every directory below it. A trigger path may be
// a single file, which is watched as it is.
func addTree(w *fsnotify.Watcher, root string) error {
	fi, err := os.Stat(root)
	if err != nil {
		return fmt.Errorf("watch %s: %w", root, err)
	}
	if !fi.IsDir() {
		return w.Add(root)
	}
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if d.Name() == ".git" && p != root {
			return filepath.SkipDir
		}
		if err := w.Add(p); err != nil {
			return fmt.Errorf("watch %s: %w", p, err)
		}
		return nil
	})
}
