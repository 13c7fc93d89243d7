package docker

import (
	"context"
	"errors"
	"iter"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/jsonstream"
	"github.com/moby/moby/client"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth-dev/berth/engine"
)

var _ engine.ImagePuller = (*Engine)(nil)

// PullImage pulls ref with the credentials config.json has for its
// registry, turning the daemon's JSON message stream into progress events.
// A pull is not retried: the daemon resumes nothing, and a registry that
// failed once is better reported than hammered.
func (e *Engine) PullImage(ctx context.Context, ref string, opts engine.PullOptions) error {
	pull := client.ImagePullOptions{}
	if opts.Platform != "" {
		p, err := parsePlatform(opts.Platform)
		if err != nil {
			return &engine.PullError{Op: "pull", Ref: ref, Err: err}
		}
		pull.Platforms = []ocispec.Platform{p}
	}
	return e.transfer(ctx, "pull", ref, opts.Progress, func(ctx context.Context, auth string) (messages, error) {
		pull.RegistryAuth = auth
		return e.cli.ImagePull(ctx, ref, pull)
	})
}

// PushImage pushes the local image ref to its registry, as PullImage pulls.
func (e *Engine) PushImage(ctx context.Context, ref string, progress func(engine.PullEvent)) error {
	return e.transfer(ctx, "push", ref, progress, func(ctx context.Context, auth string) (messages, error) {
		return e.cli.ImagePush(ctx, ref, client.ImagePushOptions{RegistryAuth: auth})
	})
}

// messages is the part of the client's pull and push responses a transfer reads.
type messages interface {
	JSONMessages(ctx context.Context) iter.Seq2[jsonstream.Message, error]
}

func (e *Engine) transfer(ctx context.Context, op, ref string, progress func(engine.PullEvent), start func(context.Context, string) (messages, error)) error {
	if _, err := e.APIVersion(ctx); err != nil {
		return err
	}
	auth, err := registryAuth(ctx, configKeychain{dir: e.configDir}, ref)
	if err != nil {
		return &engine.PullError{Op: op, Ref: ref, Err: err}
	}
	res, err := start(ctx, auth)
	if err != nil {
		return e.transferError(op, ref, err)
	}
	for m, err := range res.JSONMessages(ctx) {
		if err != nil {
			return e.transferError(op, ref, err)
		}
		if m.Error != nil {
			return &engine.PullError{Op: op, Ref: ref, Err: registryError(m.Error.Message)}
		}
		if progress != nil {
			if ev, ok := pullEvent(m); ok {
				progress(ev)
			}
		}
	}
	return nil
}

// transferError classifies a failure to start or read a transfer: the
// daemon being unreachable stays a daemon error; anything else is the
// registry's, and names the reference.
func (e *Engine) transferError(op, ref string, err error) error {
	if client.IsErrConnectionFailed(err) {
		return e.wrap(op+" "+ref, err)
	}
	if cerrdefs.IsNotFound(err) {
		return &engine.PullError{Op: op, Ref: ref, Err: engine.NotInRegistry(err.Error())}
	}
	return &engine.PullError{Op: op, Ref: ref, Err: registryError(err.Error())}
}

// registryError keeps the daemon's message and marks the ones that say
// the registry does not have the image, so that callers can tell "no such
// image" from "registry down".
func registryError(msg string) error {
	lower := strings.ToLower(msg)
	for _, s := range []string{"manifest unknown", "not found", "name unknown", "does not exist"} {
		if strings.Contains(lower, s) {
			return engine.NotInRegistry(msg)
		}
	}
	return errors.New(msg)
}

// pullEvent turns one message into a progress event; messages without a
// layer or status carry nothing to show.
func pullEvent(m jsonstream.Message) (engine.PullEvent, bool) {
	if m.Status == "" {
		return engine.PullEvent{}, false
	}
	ev := engine.PullEvent{Layer: m.ID, Status: m.Status}
	if m.Progress != nil {
		ev.Current, ev.Total = m.Progress.Current, m.Progress.Total
	}
	switch m.Status {
	case "Pull complete", "Already exists", "Download complete", "Pushed", "Layer already exists":
		ev.Done = true
	default:
		ev.Done = strings.HasPrefix(m.Status, "Mounted from")
	}
	return ev, true
}
