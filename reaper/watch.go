package reaper

import (
	"context"
	"io"
	"time"
)

// Watch is the reaper's side: it blocks until stdin ends, which means the
// owner is gone, then calls remove, retrying a failed removal a few times
// (a container still stopping, a network the engine frees late). A
// cancelled ctx (the lease container was stopped by hand) returns without
// removing anything: gc collects the stack later, by its owner label.
func Watch(ctx context.Context, stdin io.Reader, remove func(context.Context) error) error {
	eof := make(chan struct{}) // closed when stdin ends
	go func() {
		_, _ = io.Copy(io.Discard, stdin)
		close(eof)
	}()
	select {
	case <-ctx.Done():
		return nil
	case <-eof:
	}
	var err error
	for attempt := range removeAttempts {
		if err = remove(ctx); err == nil || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt+1) * time.Second):
		}
	}
	return err
}

// removeAttempts bounds the retries of a failed removal.
const removeAttempts = 3
