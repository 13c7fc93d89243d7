package docker

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/client"

	"github.com/berth-dev/berth/engine"
)

var (
	_ engine.StacksLister = (*Engine)(nil)
	_ engine.Watcher      = (*Engine)(nil)
)

func anyProjectFilter() client.Filters {
	return make(client.Filters).Add("label", engine.LabelProject)
}

// ProjectNetworks lists every network carrying the project label, in one
// call filtered by the label's key alone.
func (e *Engine) ProjectNetworks(ctx context.Context) ([]engine.Network, error) {
	var res client.NetworkListResult
	err := e.call(ctx, "list networks of all projects", idempotent, func(ctx context.Context) error {
		var err error
		res, err = e.cli.NetworkList(ctx, client.NetworkListOptions{Filters: anyProjectFilter()})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]engine.Network, 0, len(res.Items))
	for _, n := range res.Items {
		out = append(out, fromNetwork(n.Network, nil))
	}
	return out, nil
}

// ProjectVolumes lists every volume carrying the project label.
func (e *Engine) ProjectVolumes(ctx context.Context) ([]engine.Volume, error) {
	var res client.VolumeListResult
	err := e.call(ctx, "list volumes of all projects", idempotent, func(ctx context.Context) error {
		var err error
		res, err = e.cli.VolumeList(ctx, client.VolumeListOptions{Filters: anyProjectFilter()})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]engine.Volume, 0, len(res.Items))
	for _, v := range res.Items {
		out = append(out, fromVolume(v))
	}
	return out, nil
}

// LeaseContainers lists the lease containers, running or not.
func (e *Engine) LeaseContainers(ctx context.Context) ([]engine.Container, error) {
	return e.listContainers(ctx, "list lease containers",
		client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("label", engine.LabelLease)})
}

// StartWatcher creates the container with an open stdin that the engine
// closes when the first attached client goes (StdinOnce), attaches to it
// and only then starts it: started first, a holder that died before the
// attach would leave a watcher whose stdin never closes. A container that
// cannot be attached, started or made ready is removed.
func (e *Engine) StartWatcher(ctx context.Context, spec engine.WatcherSpec) (engine.WatcherConn, error) {
	if _, err := e.APIVersion(ctx); err != nil {
		return nil, err
	}
	var mounts []mount.Mount
	for _, b := range spec.Binds {
		mounts = append(mounts, mount.Mount{Type: mount.TypeBind, Source: b.Source, Target: b.Destination, ReadOnly: b.ReadOnly})
	}
	var created client.ContainerCreateResult
	err := e.call(ctx, "create lease container "+spec.Name, once, func(ctx context.Context) error {
		var err error
		created, err = e.cli.ContainerCreate(ctx, client.ContainerCreateOptions{
			Name: spec.Name,
			Config: &container.Config{
				Image:        spec.Image,
				Cmd:          spec.Command,
				Labels:       spec.Labels,
				OpenStdin:    true,
				StdinOnce:    true,
				AttachStdin:  true,
				AttachStdout: true,
				AttachStderr: true,
			},
			// Mounts rather than Binds: a missing socket path must fail
			// here, not become an empty directory the reaper cannot use.
			HostConfig: &container.HostConfig{Mounts: mounts, AutoRemove: true},
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	fail := func(cause error) (engine.WatcherConn, error) {
		_, rerr := e.cli.ContainerRemove(context.WithoutCancel(ctx), created.ID, client.ContainerRemoveOptions{Force: true})
		if rerr != nil && !cerrdefs.IsNotFound(rerr) {
			return nil, fmt.Errorf("%w (and removing it failed: %v)", cause, rerr)
		}
		return nil, cause
	}
	att, err := e.cli.ContainerAttach(ctx, created.ID, client.ContainerAttachOptions{Stream: true, Stdin: true, Stdout: true, Stderr: true})
	if err != nil {
		return fail(e.wrap("attach to lease container "+spec.Name, err))
	}
	conn := &hijacked{r: &att.HijackedResponse, done: make(chan struct{})}
	err = e.call(ctx, "start lease container "+spec.Name, idempotent, func(ctx context.Context) error {
		_, err := e.cli.ContainerStart(ctx, created.ID, client.ContainerStartOptions{})
		return err
	})
	if err == nil {
		err = awaitReady(ctx, att.Reader, spec, conn.done)
	}
	if err != nil {
		_ = conn.Close()
		return fail(err)
	}
	return conn, nil
}

// awaitReady reads the watcher's output until spec.Ready appears (at once
// when there is none), then leaves a goroutine draining the rest, so that
// the watcher never blocks on a full stream; done is closed when the
// stream ends.
func awaitReady(ctx context.Context, r io.Reader, spec engine.WatcherSpec, done chan<- struct{}) error {
	pr, pw := io.Pipe()
	go func() {
		_, err := stdcopy.StdCopy(pw, pw, r)
		pw.CloseWithError(err)
		close(done)
	}()
	if spec.Ready == "" {
		go func() { _, _ = io.Copy(io.Discard, pr) }()
		return nil
	}
	found := make(chan error, 1) // one result, read once or dropped
	var out bytes.Buffer
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), spec.Ready) {
				found <- nil
				_, _ = io.Copy(io.Discard, pr)
				return
			}
			if out.Len() < 4096 {
				out.WriteString(sc.Text() + "\n")
			}
		}
		found <- fmt.Errorf("lease container %s exited before it was ready: %s", spec.Name, strings.TrimSpace(out.String()))
	}()
	select {
	case err := <-found:
		return err
	case <-ctx.Done():
		pr.CloseWithError(ctx.Err())
		return fmt.Errorf("lease container %s: not ready: %w", spec.Name, ctx.Err())
	}
}

// hijacked is a watcher's attach connection.
type hijacked struct {
	r    *client.HijackedResponse
	done chan struct{} // closed when the output stream ends
}

func (h *hijacked) Close() error { return h.r.Conn.Close() }

func (h *hijacked) Done() <-chan struct{} { return h.done }
