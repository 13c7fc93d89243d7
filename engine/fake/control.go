package fake

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/engine"
)

// This file holds what a daemon decides on its own (health, exits, output),
// exposed for tests to drive, plus Logs, which reads that output back.

// Spec returns the ContainerSpec a container was created from, with its
// current name and the labels it ended up with (image labels merged in).
func (f *Engine) Spec(id string) (engine.ContainerSpec, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.containerLocked("spec of", id)
	if err != nil {
		return engine.ContainerSpec{}, err
	}
	spec := c.spec
	spec.Labels = maps.Clone(spec.Labels)
	spec.Networks = slices.Clone(spec.Networks)
	return spec, nil
}

// SetHealth sets a container's health status ("starting", "healthy",
// "unhealthy") and the output of its recent probes, oldest first.
func (f *Engine) SetHealth(id, status string, log ...string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.containerLocked("set health of", id)
	if err != nil {
		return err
	}
	c.c.Health = status
	c.healthLog = slices.Clone(log)
	return nil
}

// Exit ends a running container with code, as if its process exited;
// waiters in WaitContainer return. Exiting a container that is not running
// is an error, so that a test notices its own mistake.
func (f *Engine) Exit(id string, code int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.containerLocked("exit", id)
	if err != nil {
		return err
	}
	if c.c.State != stateRunning {
		return fmt.Errorf("exit container %s: it is %s, not running: %w", c.c.Name, c.c.State, engine.ErrConflict)
	}
	c.exit(code)
	return nil
}

// SetLogs sets what Logs returns for a container.
func (f *Engine) SetLogs(id, stdout, stderr string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.containerLocked("set logs of", id)
	if err != nil {
		return err
	}
	c.stdout, c.stderr = stdout, stderr
	return nil
}

// Logs writes the output set by SetLogs (its last Tail lines when Tail is a
// number). With Follow it then waits, like Docker, until the container stops
// or ctx ends; ending by ctx is not an error.
func (f *Engine) Logs(ctx context.Context, id string, opts engine.LogOptions, stdout, stderr io.Writer) error {
	f.record("Logs", id)
	if err := hook2(ctx, "logs of container "+short(id), f.Hooks.Logs, id, opts); err != nil {
		return err
	}
	f.mu.Lock()
	c, err := f.containerLocked("logs of", id)
	if err != nil {
		f.mu.Unlock()
		return err
	}
	out, errOut, done := c.stdout, c.stderr, c.done
	f.mu.Unlock()

	n := -1
	if opts.Tail != "" && opts.Tail != "all" {
		if n, err = strconv.Atoi(opts.Tail); err != nil || n < 0 {
			return fmt.Errorf("logs of container %s: tail %q: want \"all\" or a number >= 0", id, opts.Tail)
		}
	}
	if _, err := io.WriteString(stdout, tail(out, n)); err != nil {
		return fmt.Errorf("logs of container %s: write stdout: %w", id, err)
	}
	if _, err := io.WriteString(stderr, tail(errOut, n)); err != nil {
		return fmt.Errorf("logs of container %s: write stderr: %w", id, err)
	}
	if opts.Follow && done != nil {
		select {
		case <-done:
		case <-ctx.Done():
		}
	}
	return nil
}

// tail returns the last n lines of s (all of s when n < 0).
func tail(s string, n int) string {
	if n < 0 || s == "" {
		return s
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if n < len(lines) {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "")
}
