package docker

import (
	"context"
	"errors"
	"io"
	"maps"
	"time"

	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/client"

	"github.com/berth-dev/berth/engine"
)

var _ engine.EventStreamer = (*Engine)(nil)

// Events streams the daemon's container events for project's containers.
// The stream is never retried: events missed while reconnecting could not
// be told apart from none.
func (e *Engine) Events(ctx context.Context, project string, opts engine.EventOptions, fn func(engine.Event) error) error {
	if _, err := e.APIVersion(ctx); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	res := e.cli.Events(ctx, client.EventsListOptions{
		Since:   opts.Since,
		Until:   opts.Until,
		Filters: projectFilter(project).Add("type", string(events.ContainerEventType)),
	})
	for {
		select {
		case m := <-res.Messages:
			if m.Type != events.ContainerEventType {
				continue
			}
			if err := fn(toEvent(m)); err != nil {
				return err
			}
		case err := <-res.Err:
			if errors.Is(err, io.EOF) || ctx.Err() != nil {
				return nil
			}
			return e.wrap("stream events", err)
		}
	}
}

func toEvent(m events.Message) engine.Event {
	t := time.Unix(m.Time, 0)
	if m.TimeNano != 0 {
		t = time.Unix(0, m.TimeNano)
	}
	return engine.Event{Time: t, Action: string(m.Action), ID: m.Actor.ID, Attributes: maps.Clone(m.Actor.Attributes)}
}
