package main

import "sync"

// cacheWrites holds the loader's cache writes (loader.Options.Background)
// until the command has made its plan, then runs them while it applies it
// (ps and logs: once they have listed the containers).
// Until then every millisecond of berth's own work delays the first engine
// call, and encoding a large project for the cache would compete with it
// for the CPU; once the plan is applied berth mostly waits on the daemon.
type cacheWrites struct {
	mu      sync.Mutex
	started bool
	pending []func()
	wg      sync.WaitGroup
}

// Go runs write once the writes have started.
func (w *cacheWrites) Go(write func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.started {
		w.wg.Go(write)
		return
	}
	w.pending = append(w.pending, write)
}

// Start lets the writes run, those held and those to come.
func (w *cacheWrites) Start() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.started = true
	for _, write := range w.pending {
		w.wg.Go(write)
	}
	w.pending = nil
}

// Wait starts the writes if nothing has and waits for all of them.
func (w *cacheWrites) Wait() {
	w.Start()
	w.wg.Wait()
}
