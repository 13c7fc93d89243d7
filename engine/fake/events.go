package fake

import (
	"context"
	"maps"
	"sync"

	"github.com/berth-dev/berth/engine"
)

var _ engine.EventStreamer = (*Engine)(nil)

// eventLog holds the events a test emitted. The fake does not emit events
// for its own state changes: tests say which events happened.
type eventLog struct {
	mu     sync.Mutex
	events []engine.Event
	// more is closed and replaced whenever an event is added.
	more chan struct{}
}

func (f *Engine) eventLog() *eventLog {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.events == nil {
		f.events = &eventLog{more: make(chan struct{})}
	}
	return f.events
}

// Emit adds an event to the engine's log, as if the engine had reported
// it. Its Attributes carry the labels that tie it to a project.
func (f *Engine) Emit(e engine.Event) {
	l := f.eventLog()
	l.mu.Lock()
	defer l.mu.Unlock()
	e.Attributes = maps.Clone(e.Attributes)
	l.events = append(l.events, e)
	close(l.more)
	l.more = make(chan struct{})
}

// Events replays every event emitted so far for project's containers,
// then waits for more until ctx ends; with opts.Until set it returns once
// the log is replayed instead. Since is ignored.
func (f *Engine) Events(ctx context.Context, project string, opts engine.EventOptions, fn func(engine.Event) error) error {
	f.record("Events", project)
	l := f.eventLog()
	for next := 0; ; {
		l.mu.Lock()
		pending := l.events[next:]
		more := l.more
		l.mu.Unlock()
		for _, e := range pending {
			next++
			if !hasProject(e.Attributes, project) {
				continue
			}
			e.Attributes = maps.Clone(e.Attributes)
			if err := fn(e); err != nil {
				return err
			}
		}
		if opts.Until != "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-more:
		}
	}
}
