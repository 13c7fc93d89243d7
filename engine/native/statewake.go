package native

import (
	"path/filepath"

	"github.com/fsnotify/fsnotify"

	"github.com/berth-dev/berth/engine/native/monitor"
)

// stateChanges wakes a wait on the monitor of container directory dir:
// the returned channel receives (coalesced) each time the monitor replaces
// its state file, which it does by a rename into dir. The returned func
// stops the watch. Should inotify be unavailable the channel is nil, and
// the caller's slow poll alone serves.
func stateChanges(dir string) (<-chan struct{}, func()) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, func() {}
	}
	if err := w.Add(dir); err != nil {
		w.Close()
		return nil, func() {}
	}
	ch := make(chan struct{}, 1)
	wake := func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	go func() {
		for {
			select {
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				if filepath.Base(ev.Name) == monitor.StateFile && ev.Has(fsnotify.Create) {
					wake()
				}
			case _, ok := <-w.Errors:
				if !ok {
					return
				}
				// An overflowed queue may have lost the event: look.
				wake()
			}
		}
	}()
	return ch, func() { w.Close() }
}
