package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/berth-dev/berth/internal/berthbuild"

	enginedocker "github.com/berth-dev/berth/engine/docker"
	"github.com/berth-dev/berth/internal/testimage"
)

// sleeperImage is bench's own image: a static program that prints twenty
// lines, so that logs --tail 10 has work to do, and exits on SIGTERM.
const sleeperImage = "berth-bench:latest"

// ensureImage returns the image the stacks run: image if it is given (it
// must exist locally, as nothing is pulled), else bench's sleeper, built
// once and reused while its source is unchanged.
func ensureImage(ctx context.Context, root, image string) (string, error) {
	if image != "" {
		if _, err := docker(ctx, "image", "inspect", "--format", "{{.Id}}", image); err != nil {
			return "", fmt.Errorf("-image %s is not a local image (bench never pulls): build or load it first: %w", image, err)
		}
		return image, nil
	}
	if err := testimage.Build(ctx, filepath.Join(root, "bench", "testdata", "sleeper"), sleeperImage); err != nil {
		return "", fmt.Errorf("build the benchmark image: %w", err)
	}
	return sleeperImage, nil
}

// toolset is what detectTools prepared: the CLI tools, the floor's engine
// and the native engine's state directory.
type toolset struct {
	cli    map[string]cliTool
	floor  floorEngine
	native *nativeEngine
	closer []func(ctx context.Context)
}

// close releases the floor's engine and removes the native engine's state
// directory; it runs after the sweeper has removed every project.
func (ts toolset) close(ctx context.Context) {
	for _, c := range ts.closer {
		c(ctx)
	}
}

// detectTools prepares each tool asked for. A tool that cannot run is
// recorded in absent with the reason, and its version (or the reason) in
// versions.
func detectTools(ctx context.Context, cfg config, root, tmp, image string, log io.Writer, versions, absent map[string]string) toolset {
	ts := toolset{cli: map[string]cliTool{}}
	setAbsent := func(tool, why string) {
		absent[tool] = why
		versions[tool] = "not measured: " + why
	}
	var bin string
	var buildErr error
	berth := func() (string, error) {
		if bin == "" && buildErr == nil {
			bin, buildErr = berthbuild.Build(ctx, root, tmp)
		}
		return bin, buildErr
	}
	for _, t := range cfg.Tools {
		switch t {
		case toolBerth:
			bin, err := berth()
			if err != nil {
				setAbsent(t, fmt.Sprintf("building berth failed: %s", tail(err.Error(), 3)))
				continue
			}
			// The environment must not move this column off dockerd.
			ts.cli[t] = cliTool{Name: t, Argv: []string{bin}, Env: []string{"BERTH_ENGINE=docker"}}
			versions[t] = "built from this tree as `make build` does (front and full build)"
		case toolNative:
			bin, err := berth()
			if err != nil {
				setAbsent(t, fmt.Sprintf("building berth failed: %s", tail(err.Error(), 3)))
				continue
			}
			n, version, err := setupNative(ctx, bin, tmp, image, log)
			if err != nil {
				setAbsent(t, oneLine(err.Error()))
				continue
			}
			ts.native = n
			ts.closer = append(ts.closer, n.close)
			ts.cli[t] = cliTool{Name: t, Argv: []string{bin, "--engine", "native"}, Env: n.env()}
			versions[t] = version
		case toolCompose:
			v, err := exec.CommandContext(ctx, "docker", "compose", "version", "--short").Output()
			if err != nil {
				setAbsent(t, "docker compose v2+ is not installed: `docker compose version` failed")
				continue
			}
			ts.cli[t] = cliTool{Name: t, Argv: []string{"docker", "compose"}, Version: strings.TrimSpace(string(v))}
			versions[t] = ts.cli[t].Version
		case toolV1:
			path, err := exec.LookPath("docker-compose")
			if err != nil {
				setAbsent(t, "docker-compose is not on PATH")
				continue
			}
			v, err := exec.CommandContext(ctx, path, "version", "--short").Output()
			if err != nil {
				setAbsent(t, fmt.Sprintf("`docker-compose version` failed: %v", err))
				continue
			}
			// v1 names containers with underscores (shop_web_1); each tool
			// has its own project, so that does not matter here.
			ts.cli[t] = cliTool{Name: t, Argv: []string{path}, Version: strings.TrimSpace(string(v)), Lacks: []string{opPsJSON}}
			versions[t] = ts.cli[t].Version
		case toolFloor:
			opts, err := enginedocker.OptionsFromEnv(environ(), "")
			var e *enginedocker.Engine
			if err == nil {
				e, err = enginedocker.New(ctx, opts)
			}
			if err == nil {
				var v string
				if v, err = e.APIVersion(ctx); err == nil {
					ts.floor = e
					ts.closer = append(ts.closer, func(context.Context) { _ = e.Close() })
					versions[t] = "engine/docker, API " + v
					continue
				}
				_ = e.Close()
			}
			setAbsent(t, fmt.Sprintf("engine/docker cannot reach the daemon: %v", err))
		}
	}
	return ts
}

// view is bench's look at the engine tool runs on.
func (ts toolset) view(tool string) view {
	if tool == toolNative && ts.native != nil {
		return nativeView{ts.native}
	}
	return dockerView{}
}

// environ is the process environment as engine/docker takes it.
func environ() map[string]string {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return env
}
