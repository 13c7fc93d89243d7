package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// view is bench's out-of-band look at one engine: it checks what each tool
// left behind and removes every benchmark project, whatever state the tool
// being measured left it in.
type view interface {
	// containers maps each service of project to its container's ID and
	// state ("running", "exited", …), one container per service.
	containers(ctx context.Context, project string) (map[string]containerState, error)
	// remove deletes every container, network and volume of project.
	remove(ctx context.Context, project string) error
}

// dockerView is the docker CLI's view of the daemon, which shares no code
// with the tools it checks.
type dockerView struct{}

func (dockerView) containers(ctx context.Context, project string) (map[string]containerState, error) {
	return containerIDs(ctx, project)
}

func (dockerView) remove(ctx context.Context, project string) error {
	return removeProject(ctx, project)
}

// docker runs the docker CLI and returns its trimmed stdout.
func docker(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "docker", args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("docker %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return strings.TrimSpace(out.String()), nil
}

func projectFilter(project string) string { return "label=com.docker.compose.project=" + project }

// containerIDs maps each service of project to its container's ID and state
// ("running", "exited", …), one container per service.
func containerIDs(ctx context.Context, project string) (map[string]containerState, error) {
	out, err := docker(ctx, "ps", "-a", "--no-trunc", "--filter", projectFilter(project),
		"--format", `{{.ID}} {{.State}} {{.Label "com.docker.compose.service"}}`)
	if err != nil {
		return nil, err
	}
	m := map[string]containerState{}
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		m[f[2]] = containerState{ID: f[0], State: f[1]}
	}
	return m, nil
}

type containerState struct{ ID, State string }

// checkRunning is nil when project has exactly want containers, all running.
func checkRunning(ctx context.Context, v view, project string, want int) error {
	cs, err := v.containers(ctx, project)
	if err != nil {
		return err
	}
	running := 0
	for _, c := range cs {
		if c.State == "running" {
			running++
		}
	}
	if len(cs) != want || running != want {
		return fmt.Errorf("project %s has %d containers, %d running; want %d running", project, len(cs), running, want)
	}
	return nil
}

// changed lists the services whose container ID differs between two snapshots.
func changed(before, after map[string]containerState) []string {
	var svcs []string
	for svc, a := range after {
		if b, ok := before[svc]; !ok || b.ID != a.ID {
			svcs = append(svcs, svc)
		}
	}
	return svcs
}

// removeProject deletes every container, network and volume labelled with
// project, whichever tool created them. It tries every kind even if one
// fails, so that as much as possible is cleaned up.
func removeProject(ctx context.Context, project string) error {
	var errs []error
	kinds := []struct{ list, rm []string }{
		{[]string{"ps", "-aq", "--no-trunc"}, []string{"rm", "-f", "-v"}},
		{[]string{"network", "ls", "-q", "--no-trunc"}, []string{"network", "rm"}},
		{[]string{"volume", "ls", "-q"}, []string{"volume", "rm", "-f"}},
	}
	for _, k := range kinds {
		out, err := docker(ctx, append(k.list, "--filter", projectFilter(project))...)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if ids := strings.Fields(out); len(ids) > 0 {
			if _, err := docker(ctx, append(k.rm, ids...)...); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("clean up project %s (remove its containers, networks and volumes by hand with docker rm/network rm/volume rm): %w", project, err)
	}
	return nil
}
