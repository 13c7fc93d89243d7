package docker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/client"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth-dev/berth/engine"
)

func projectFilter(project string) client.Filters {
	return make(client.Filters).Add("label", engine.LabelProject+"="+project)
}

// Containers lists the project's containers, running or not, in one call.
func (e *Engine) Containers(ctx context.Context, project string) ([]engine.Container, error) {
	return e.listContainers(ctx, "list containers of project "+project,
		client.ContainerListOptions{All: true, Filters: projectFilter(project)})
}

// listContainers is one list call, named what for errors, with its
// summaries turned into berth's containers.
func (e *Engine) listContainers(ctx context.Context, what string, opts client.ContainerListOptions) ([]engine.Container, error) {
	var res client.ContainerListResult
	err := e.call(ctx, what, idempotent, func(ctx context.Context) error {
		var err error
		res, err = e.cli.ContainerList(ctx, opts)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]engine.Container, 0, len(res.Items))
	for _, c := range res.Items {
		out = append(out, fromSummary(c))
	}
	return out, nil
}

// CreateContainer creates spec's container and, on engines that take only
// one network at create, connects it to the rest before returning, so that
// it starts with all its networks. A container left half-connected is
// removed.
func (e *Engine) CreateContainer(ctx context.Context, spec engine.ContainerSpec) (string, error) {
	version, err := e.APIVersion(ctx)
	if err != nil {
		return "", err
	}
	var prev *previous
	if spec.InheritVolumesFrom != "" {
		if prev, err = e.previous(ctx, spec); err != nil {
			return "", err
		}
	}
	if spec.Service.SecurityOpt, err = resolveSeccomp(spec.Service.SecurityOpt, spec.Labels[engine.LabelWorkingDir]); err != nil {
		return "", fmt.Errorf("create container %s: service %q: %w", spec.Name, spec.Service.Name, err)
	}
	req, err := createRequest(spec, version, prev)
	if err != nil {
		return "", fmt.Errorf("create container %s: %w", spec.Name, err)
	}
	opts := client.ContainerCreateOptions{
		Name:             req.Name,
		Config:           req.Config,
		HostConfig:       req.HostConfig,
		NetworkingConfig: req.NetworkingConfig,
	}
	if p := spec.Service.Platform; p != "" {
		plat, err := parsePlatform(p)
		if err != nil {
			return "", fmt.Errorf("create container %s: service %q: %w", spec.Name, spec.Service.Name, err)
		}
		opts.Platform = &plat
	}
	var res client.ContainerCreateResult
	err = e.retry(ctx, once, func(ctx context.Context) error {
		var err error
		res, err = e.cli.ContainerCreate(ctx, opts)
		return err
	})
	if err != nil {
		return "", e.createError(ctx, spec, err)
	}
	for _, c := range req.Connect {
		err := e.retry(ctx, once, func(ctx context.Context) error {
			_, err := e.cli.NetworkConnect(ctx, c.Network, client.NetworkConnectOptions{Container: res.ID, EndpointConfig: c.Endpoint})
			return err
		})
		if err != nil {
			// Clean up even when ctx was cancelled: a container that is
			// missing a network would be mistaken for a finished one.
			cleanup, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			_, _ = e.cli.ContainerRemove(cleanup, res.ID, client.ContainerRemoveOptions{Force: true})
			cancel()
			return "", e.wrap(fmt.Sprintf("create container %s: connect network %s", spec.Name, c.Network), err)
		}
	}
	return res.ID, nil
}

// createError explains why the daemon did not create spec's container.
func (e *Engine) createError(ctx context.Context, spec engine.ContainerSpec, err error) error {
	op := "create container " + spec.Name
	if cerrdefs.IsNotFound(err) {
		if img, ok := missingImage("", err); ok {
			return fmt.Errorf("%s: %w", op, img)
		}
	}
	if cerrdefs.IsConflict(err) {
		if nc, ok := e.nameConflict(ctx, spec.Labels[engine.LabelProject], err); ok {
			return fmt.Errorf("%s: %w", op, nc)
		}
	}
	return e.wrap(op, err)
}

// previous gathers what createRequest needs to carry the anonymous volumes
// of the container being replaced; nil when it has none to carry.
//
// The mounts come from a list filtered by ID rather than an inspect: the
// old container is stopping meanwhile, and the daemon answers an inspect
// only once it has finished with the container's exit, while a list reads
// its snapshot at once.
func (e *Engine) previous(ctx context.Context, spec engine.ContainerSpec) (*previous, error) {
	var list client.ContainerListResult
	op := fmt.Sprintf("create container %s: list %s to inherit its volumes", spec.Name, shortRef(spec.InheritVolumesFrom))
	err := e.call(ctx, op, idempotent, func(ctx context.Context) error {
		var err error
		list, err = e.cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("id", spec.InheritVolumesFrom)})
		return err
	})
	if err != nil {
		return nil, err
	}
	// The daemon matches the id filter as a pattern, not only as a prefix.
	i := slices.IndexFunc(list.Items, func(c container.Summary) bool { return strings.HasPrefix(c.ID, spec.InheritVolumesFrom) })
	if i < 0 {
		return nil, fmt.Errorf("%s: %w", op, engine.ErrNotFound)
	}
	prev := &previous{}
	for _, m := range list.Items[i].Mounts {
		if m.Type != mount.TypeTmpfs {
			prev.Mounts = append(prev.Mounts, m)
		}
	}
	if len(prev.Mounts) == 0 {
		return nil, nil
	}
	image := spec.Service.Image
	if image == "" {
		image = spec.Labels[engine.LabelProject] + "-" + spec.Service.Name
	}
	img, err := e.inspectImage(ctx, image)
	if err != nil {
		return nil, fmt.Errorf("create container %s: %w", spec.Name, err)
	}
	if img.Config != nil {
		for v := range img.Config.Volumes {
			prev.ImageVolumes = append(prev.ImageVolumes, v)
		}
	}
	return prev, nil
}

// resolveSeccomp replaces seccomp=<file> with the file's compacted JSON, as
// the engine wants the profile itself; a relative path is relative to the
// project directory. It returns a new slice and leaves opts alone.
func resolveSeccomp(opts []string, projectDir string) ([]string, error) {
	var out []string
	for _, opt := range opts {
		k, v, ok := strings.Cut(opt, "=")
		if !ok {
			k, v, ok = strings.Cut(opt, ":")
		}
		if !ok || k != "seccomp" || v == "unconfined" || v == "builtin" || strings.HasPrefix(v, "{") {
			out = append(out, opt)
			continue
		}
		path := v
		if !filepath.IsAbs(path) && projectDir != "" {
			path = filepath.Join(projectDir, path)
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("security_opt: seccomp profile: %w", err)
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return nil, fmt.Errorf("security_opt: seccomp profile %s is not valid JSON: %w", path, err)
		}
		out = append(out, "seccomp="+buf.String())
	}
	return out, nil
}

func parsePlatform(p string) (ocispec.Platform, error) {
	parts := strings.Split(p, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return ocispec.Platform{}, fmt.Errorf("platform %q: want os/arch[/variant], e.g. linux/amd64", p)
	}
	plat := ocispec.Platform{OS: parts[0], Architecture: parts[1]}
	if len(parts) == 3 {
		plat.Variant = parts[2]
	}
	return plat, nil
}

// StartContainer starts id. Starting a running container succeeds, which
// makes a retry after a lost answer safe.
func (e *Engine) StartContainer(ctx context.Context, id string) error {
	if _, err := e.APIVersion(ctx); err != nil {
		return err
	}
	err := e.retry(ctx, idempotent, func(ctx context.Context) error {
		_, err := e.cli.ContainerStart(ctx, id, client.ContainerStartOptions{})
		return err
	})
	if err == nil {
		return nil
	}
	if addr, ok := takenPort(err.Error()); ok {
		return e.portInUse(ctx, id, addr, err)
	}
	return e.wrap("start container "+shortRef(id), err)
}

// StopContainer stops id gracefully; nil timeout uses the container's own
// stop timeout.
func (e *Engine) StopContainer(ctx context.Context, id string, timeout *time.Duration) error {
	var opts client.ContainerStopOptions
	if timeout != nil {
		t := int(timeout.Seconds())
		opts.Timeout = &t
	}
	return e.call(ctx, "stop container "+shortRef(id), idempotent, func(ctx context.Context) error {
		_, err := e.cli.ContainerStop(ctx, id, opts)
		return err
	})
}

// RemoveContainer removes id.
func (e *Engine) RemoveContainer(ctx context.Context, id string, opts engine.RemoveOptions) error {
	return e.call(ctx, "remove container "+shortRef(id), removal, func(ctx context.Context) error {
		_, err := e.cli.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: opts.Force, RemoveVolumes: opts.Volumes})
		return err
	})
}

// RenameContainer renames id to name.
func (e *Engine) RenameContainer(ctx context.Context, id, name string) error {
	return e.call(ctx, fmt.Sprintf("rename container %s to %s", shortRef(id), name), once, func(ctx context.Context) error {
		_, err := e.cli.ContainerRename(ctx, id, client.ContainerRenameOptions{NewName: name})
		return err
	})
}

// InspectContainer returns id with its current health and exit code.
func (e *Engine) InspectContainer(ctx context.Context, id string) (engine.Container, error) {
	res, err := e.inspectContainer(ctx, "inspect container "+shortRef(id), id)
	if err != nil {
		return engine.Container{}, err
	}
	return fromInspect(res.Container), nil
}

func (e *Engine) inspectContainer(ctx context.Context, op, id string) (client.ContainerInspectResult, error) {
	var res client.ContainerInspectResult
	err := e.call(ctx, op, idempotent, func(ctx context.Context) error {
		var err error
		res, err = e.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
		return err
	})
	return res, err
}

// HealthLog returns the outputs of the last health probes, oldest first.
func (e *Engine) HealthLog(ctx context.Context, id string) ([]string, error) {
	res, err := e.inspectContainer(ctx, "inspect container "+shortRef(id), id)
	if err != nil {
		return nil, err
	}
	st := res.Container.State
	if st == nil || st.Health == nil {
		return nil, nil
	}
	var out []string
	for _, r := range st.Health.Log {
		if r != nil {
			out = append(out, r.Output)
		}
	}
	return out, nil
}

// WaitContainer blocks until id is not running and returns its exit code.
func (e *Engine) WaitContainer(ctx context.Context, id string) (int, error) {
	if _, err := e.APIVersion(ctx); err != nil {
		return 0, err
	}
	res := e.cli.ContainerWait(ctx, id, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	select {
	case r := <-res.Result:
		if r.Error != nil && r.Error.Message != "" {
			return int(r.StatusCode), fmt.Errorf("wait for container %s: %s", shortRef(id), r.Error.Message)
		}
		return int(r.StatusCode), nil
	case err := <-res.Error:
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return 0, fmt.Errorf("wait for container %s: %w", shortRef(id), err)
		}
		return 0, e.wrap("wait for container "+shortRef(id), err)
	case <-ctx.Done():
		return 0, fmt.Errorf("wait for container %s: %w", shortRef(id), ctx.Err())
	}
}
