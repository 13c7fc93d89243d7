package fake

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/berth-dev/berth/engine"
)

// Hooks replaces any single method's outcome with a failure, in the manner of
// controller-runtime's interceptor.Funcs. Each hook gets the method's
// arguments (less the output writers); returning nil lets the call proceed,
// returning an error makes the method return it with no state change. A hook
// runs outside the engine's lock, so it may block on ctx or call the Engine.
//
// To fail only the second CreateContainer, count inside the hook; to fail
// once a certain state is reached, inspect the Engine from inside the hook.
type Hooks struct {
	Containers func(ctx context.Context, project string) error
	Networks   func(ctx context.Context, project string) error
	Volumes    func(ctx context.Context, project string) error

	CreateContainer func(ctx context.Context, spec engine.ContainerSpec) error
	StartContainer  func(ctx context.Context, id string) error
	StopContainer   func(ctx context.Context, id string, timeout *time.Duration) error
	RemoveContainer func(ctx context.Context, id string, opts engine.RemoveOptions) error
	RenameContainer func(ctx context.Context, id, name string) error

	InspectContainer func(ctx context.Context, id string) error
	HealthLog        func(ctx context.Context, id string) error
	WaitContainer    func(ctx context.Context, id string) error

	InspectNetwork    func(ctx context.Context, name string) error
	CreateNetwork     func(ctx context.Context, spec engine.NetworkSpec) error
	RemoveNetwork     func(ctx context.Context, id string) error
	ConnectNetwork    func(ctx context.Context, network, container string, att engine.NetworkAttachment) error
	DisconnectNetwork func(ctx context.Context, network, container string, force bool) error

	InspectVolume func(ctx context.Context, name string) error
	CreateVolume  func(ctx context.Context, spec engine.VolumeSpec) error
	RemoveVolume  func(ctx context.Context, name string) error

	Images       func(ctx context.Context) error
	InspectImage func(ctx context.Context, ref string) error
	RemoveImage  func(ctx context.Context, ref string) error
	BuildImage   func(ctx context.Context, spec engine.BuildSpec) error

	Logs func(ctx context.Context, id string, opts engine.LogOptions) error

	KillContainer     func(ctx context.Context, id, signal string) error
	PauseContainer    func(ctx context.Context, id string) error
	UnpauseContainer  func(ctx context.Context, id string) error
	TopContainer      func(ctx context.Context, id string) error
	ProjectContainers func(ctx context.Context, all bool) error
	Subnets           func(ctx context.Context) error
	AttachContainer   func(ctx context.Context, id string) error
	Exec              func(ctx context.Context, id string, spec engine.ExecSpec) error
}

// The helpers below run a hook if it is set; each method calls one right
// after recording itself, so that a failed call is still recorded. Like
// engine/docker, the fake names the operation and its resource in every
// error it returns, a hook's and a cancelled context's included, so that a
// hook returns only the cause ("boom", a sentinel) and callers add only
// what the engine cannot know.

func hook0(ctx context.Context, op string, h func(context.Context) error) error {
	var err error
	if h != nil {
		err = h(ctx)
	}
	return failed(op, orCtx(ctx, err))
}

func hook1[A any](ctx context.Context, op string, h func(context.Context, A) error, a A) error {
	var err error
	if h != nil {
		err = h(ctx, a)
	}
	return failed(op, orCtx(ctx, err))
}

func hook2[A, B any](ctx context.Context, op string, h func(context.Context, A, B) error, a A, b B) error {
	var err error
	if h != nil {
		err = h(ctx, a, b)
	}
	return failed(op, orCtx(ctx, err))
}

func hook3[A, B, C any](ctx context.Context, op string, h func(context.Context, A, B, C) error, a A, b B, c C) error {
	var err error
	if h != nil {
		err = h(ctx, a, b, c)
	}
	return failed(op, orCtx(ctx, err))
}

// orCtx returns the hook's error, or else the context's: a cancelled call
// fails as it would against a daemon.
func orCtx(ctx context.Context, err error) error {
	if err != nil {
		return err
	}
	return ctx.Err()
}

// failed puts op in front of err. An *engine.ImageNotFoundError names its
// image itself and passes through as it is, as engine/docker passes it.
func failed(op string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(*engine.ImageNotFoundError); ok {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}

// short shortens a full 64-digit ID to the 12 digits Docker shows, so that
// errors stay readable; names and short IDs are kept whole.
func short(ref string) string {
	if len(ref) == 64 && strings.Trim(ref, "0123456789abcdef") == "" {
		return ref[:12]
	}
	return ref
}
