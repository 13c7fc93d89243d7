package fake

import (
	"context"
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
}

// The helpers below run a hook if it is set; each method calls one right
// after recording itself, so that a failed call is still recorded.

func hook0(ctx context.Context, h func(context.Context) error) error {
	if h == nil {
		return ctx.Err()
	}
	return orCtx(ctx, h(ctx))
}

func hook1[A any](ctx context.Context, h func(context.Context, A) error, a A) error {
	if h == nil {
		return ctx.Err()
	}
	return orCtx(ctx, h(ctx, a))
}

func hook2[A, B any](ctx context.Context, h func(context.Context, A, B) error, a A, b B) error {
	if h == nil {
		return ctx.Err()
	}
	return orCtx(ctx, h(ctx, a, b))
}

func hook3[A, B, C any](ctx context.Context, h func(context.Context, A, B, C) error, a A, b B, c C) error {
	if h == nil {
		return ctx.Err()
	}
	return orCtx(ctx, h(ctx, a, b, c))
}

// orCtx returns the hook's error, or else the context's: a cancelled call
// fails as it would against a daemon.
func orCtx(ctx context.Context, err error) error {
	if err != nil {
		return err
	}
	return ctx.Err()
}
