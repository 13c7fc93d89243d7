package main

import (
	"context"
	"fmt"
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

// detectTools prepares each tool asked for. A tool that cannot run is
// recorded in absent with the reason, and its version (or the reason) in
// versions; the floor's engine is returned with its close function.
func detectTools(ctx context.Context, cfg config, root, tmp string, versions, absent map[string]string) (map[string]cliTool, floorEngine, func()) {
	tools := map[string]cliTool{}
	closeEng := func() {}
	var eng floorEngine
	setAbsent := func(tool, why string) {
		absent[tool] = why
		versions[tool] = "not measured: " + why
	}
	for _, t := range cfg.Tools {
		switch t {
		case toolBerth:
			bin, err := berthbuild.Build(ctx, root, tmp)
			if err != nil {
				setAbsent(t, fmt.Sprintf("building berth failed: %s", tail(err.Error(), 3)))
				continue
			}
			tools[t] = cliTool{Name: t, Argv: []string{bin}}
			versions[t] = "built from this tree as `make build` does (front and full build)"
		case toolCompose:
			v, err := exec.CommandContext(ctx, "docker", "compose", "version", "--short").Output()
			if err != nil {
				setAbsent(t, "docker compose v2+ is not installed: `docker compose version` failed")
				continue
			}
			tools[t] = cliTool{Name: t, Argv: []string{"docker", "compose"}, Version: strings.TrimSpace(string(v))}
			versions[t] = tools[t].Version
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
			tools[t] = cliTool{Name: t, Argv: []string{path}, Version: strings.TrimSpace(string(v)), Lacks: []string{opPsJSON}}
			versions[t] = tools[t].Version
		case toolFloor:
			e, err := enginedocker.New(ctx, enginedocker.OptionsFromEnv(environ()))
			if err == nil {
				var v string
				if v, err = e.APIVersion(ctx); err == nil {
					eng, closeEng = e, func() { _ = e.Close() }
					versions[t] = "engine/docker, API " + v
					continue
				}
				_ = e.Close()
			}
			setAbsent(t, fmt.Sprintf("engine/docker cannot reach the daemon: %v", err))
		}
	}
	return tools, eng, closeEng
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
