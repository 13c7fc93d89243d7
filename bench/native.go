package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// nativeEngine is berth on its native engine (runc, no dockerd), with a
// state directory of bench's own: a temp BERTH_ROOT, removed at the end,
// into which bench's image is loaded from `docker save`.
type nativeEngine struct {
	Berth string // berth's executable
	Root  string // BERTH_ROOT
	Runc  string // the runc binary the engine runs
	// Dir is an empty directory the view's commands run in, so that they
	// find no compose file and go by the project name alone.
	Dir string
	log io.Writer
}

// setupNative checks that the native engine can run here and prepares its
// state directory. The error says why the native column is left out.
func setupNative(ctx context.Context, berth, tmp, image string, log io.Writer) (*nativeEngine, string, error) {
	if uid := os.Geteuid(); uid != 0 {
		return nil, "", fmt.Errorf("the native engine needs root (bench runs as uid %d)", uid)
	}
	runc := os.Getenv("BERTH_RUNC")
	if runc == "" {
		var err error
		if runc, err = exec.LookPath("runc"); err != nil {
			return nil, "", errors.New("runc is not on PATH (install it, or set BERTH_RUNC)")
		}
	}
	runcVersion := "runc"
	if out, err := exec.CommandContext(ctx, runc, "--version").Output(); err == nil {
		runcVersion, _, _ = strings.Cut(strings.TrimSpace(string(out)), "\n")
	}
	root, err := os.MkdirTemp("", "berth-bench-root-")
	if err != nil {
		return nil, "", fmt.Errorf("create a BERTH_ROOT: %w", err)
	}
	n := &nativeEngine{Berth: berth, Root: root, Runc: runc, Dir: filepath.Join(tmp, "native-view"), log: log}
	fail := func(err error) (*nativeEngine, string, error) {
		n.close(ctx)
		return nil, "", err
	}
	if err := os.MkdirAll(n.Dir, 0o755); err != nil {
		return fail(fmt.Errorf("create a working directory: %w", err))
	}
	// ps of a project that does not exist opens the engine and nothing
	// more: it fails as every command would where the engine cannot run.
	if _, stderr, err := n.run(ctx, "-p", "berthbench-probe", "ps"); err != nil {
		return fail(fmt.Errorf("`berth --engine native` is not available: %s", orText(tail(stderr, 1), err.Error())))
	}
	archive := filepath.Join(tmp, "native-image.tar")
	if _, err := docker(ctx, "save", "-o", archive, image); err != nil {
		return fail(fmt.Errorf("save %s for the native engine: %w", image, err))
	}
	defer os.Remove(archive)
	if _, err := n.berth(ctx, "image", "load", "-i", archive); err != nil {
		return fail(fmt.Errorf("load %s into the native engine: %w", image, err))
	}
	return n, fmt.Sprintf("berth --engine native, built from this tree; %s; state in a temp BERTH_ROOT; image loaded with `berth image load` from `docker save`", runcVersion), nil
}

// env is what every berth command on the native engine gets besides
// bench's environment.
func (n *nativeEngine) env() []string { return []string{"BERTH_ROOT=" + n.Root} }

// berth runs `berth --engine native ARGS` outside the timing and returns
// its stdout; the error carries the end of its stderr.
func (n *nativeEngine) berth(ctx context.Context, args ...string) ([]byte, error) {
	out, stderr, err := n.run(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("berth --engine native %s: %w: %s", strings.Join(args, " "), err, tail(stderr, 3))
	}
	return out, nil
}

func (n *nativeEngine) run(ctx context.Context, args ...string) (stdout []byte, stderr string, err error) {
	cmd := exec.CommandContext(ctx, n.Berth, append([]string{"--engine", "native"}, args...)...)
	cmd.Dir = n.Dir
	cmd.Env = append(os.Environ(), n.env()...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.Bytes(), strings.TrimSpace(errb.String()), err
}

func orText(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// nativeView looks at the native engine through berth's ps and down, by
// project name: the engine has no daemon another client could ask, and
// these are the commands a user would run.
type nativeView struct{ n *nativeEngine }

func (v nativeView) containers(ctx context.Context, project string) (map[string]containerState, error) {
	out, err := v.n.berth(ctx, "-p", project, "ps", "-a", "--format", "json")
	if err != nil {
		return nil, err
	}
	return parsePsJSON(out)
}

func (v nativeView) remove(ctx context.Context, project string) error {
	if _, err := v.n.berth(ctx, "-p", project, "down", "-v", "--remove-orphans"); err != nil {
		return fmt.Errorf("clean up project %s (BERTH_ROOT=%s): %w", project, v.n.Root, err)
	}
	return nil
}

// parsePsJSON reads `berth ps --format json`: one object a line, as docker
// compose writes it.
func parsePsJSON(b []byte) (map[string]containerState, error) {
	m := map[string]containerState{}
	dec := json.NewDecoder(bytes.NewReader(b))
	for dec.More() {
		var c struct{ ID, State, Service string }
		if err := dec.Decode(&c); err != nil {
			return nil, fmt.Errorf("read berth ps --format json: %w", err)
		}
		m[c.Service] = containerState{ID: c.ID, State: c.State}
	}
	return m, nil
}

// close removes the state directory once every project is down. What a
// failed down left is removed here, as far as it is under the root:
// monitors, runc's containers, mounts. Bridges and their rules are the
// engine's to remove; any left are reported with the routes to them.
func (n *nativeEngine) close(ctx context.Context) {
	var left []string
	if pids, err := findMonitors("/proc", n.Root); err == nil && len(pids) > 0 {
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		left = append(left, fmt.Sprintf("killed %d monitor(s)", len(pids)))
	}
	runcRoot := filepath.Join(n.Root, "runc")
	if out, err := exec.CommandContext(ctx, n.Runc, "--root", runcRoot, "list", "-q").Output(); err == nil {
		ids := strings.Fields(string(out))
		for _, id := range ids {
			_ = exec.CommandContext(ctx, n.Runc, "--root", runcRoot, "delete", "-f", id).Run()
		}
		if len(ids) > 0 {
			left = append(left, fmt.Sprintf("deleted %d runc container(s)", len(ids)))
		}
	}
	mnts, err := mountsUnder("/proc/self/mountinfo", n.Root)
	if err == nil && len(mnts) > 0 {
		for _, mp := range mnts {
			_ = unix.Unmount(mp, unix.MNT_DETACH)
		}
		left = append(left, fmt.Sprintf("unmounted %d mount(s)", len(mnts)))
		mnts, err = mountsUnder("/proc/self/mountinfo", n.Root)
	}
	if len(left) > 0 {
		fmt.Fprintf(n.log, "bench: the native engine's down left things under %s: %s\n", n.Root, strings.Join(left, ", "))
	}
	if err != nil || len(mnts) > 0 {
		fmt.Fprintf(n.log, "bench: left %s in place: %d mount(s) under it could not be unmounted (%v)\n", n.Root, len(mnts), err)
		return
	}
	if err := os.RemoveAll(n.Root); err != nil {
		fmt.Fprintf(n.log, "bench: remove %s: %v\n", n.Root, err)
	}
}
