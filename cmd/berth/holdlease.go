package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/reaper"
)

// newHoldLeaseCmd is the process `up -d --reap` leaves behind: it holds
// the project's lease, so the stack lives as long as it does. It is hidden
// because only up starts it.
func newHoldLeaseCmd(a *app) *cobra.Command {
	var project, owner string
	var readyFD int
	cmd := &cobra.Command{
		Use:    "hold-lease --project NAME --owner ID",
		Short:  "Hold a project's lease until killed (started by up -d --reap)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if project == "" || owner == "" {
				return fmt.Errorf("hold-lease: --project and --owner are required")
			}
			ready := os.NewFile(uintptr(readyFD), "ready")
			if ready == nil {
				return fmt.Errorf("hold-lease: --ready-fd %d is no open file", readyFD)
			}
			return a.run(cmd, func(ctx context.Context, s *session) error {
				return a.holdLease(ctx, s, project, owner, ready)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&project, "project", "", "Project whose lease to hold")
	f.StringVar(&owner, "owner", "", "Lease owner to record")
	f.IntVar(&readyFD, "ready-fd", 3, "File descriptor to report readiness (or the error) on, then close")
	return cmd
}

// holdLease takes the lease and says so on ready, then holds it until a
// signal ends this process, which releases it (the reaper removes the
// stack), or until the reaper goes on its own (berth down removes it).
func (a *app) holdLease(ctx context.Context, s *session, project, owner string, ready io.WriteCloser) error {
	eng, err := s.engine(ctx)
	var lease *reaper.Lease
	if err == nil {
		lease, err = a.takeLease(ctx, eng, project, owner)
	}
	if err != nil {
		fmt.Fprintln(ready, err)
		ready.Close()
		return err
	}
	fmt.Fprintln(ready, reaper.ReadyLine)
	ready.Close()
	select {
	case <-ctx.Done():
		return lease.Release(context.WithoutCancel(ctx))
	case <-lease.Done():
		return nil
	}
}

// spawnHolder starts `berth hold-lease` for up -d --reap and waits until
// it holds the lease. The holder gets a process group of its own, so that
// a Ctrl-C meant for a later command in the same terminal does not end the
// stack, and no stdio: it reports on a pipe, then stays silent.
func (a *app) spawnHolder(ctx context.Context, project, owner string) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("--reap: find berth's own executable: %w", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("--reap: %w", err)
	}
	defer r.Close()
	cmd := exec.Command(exe, "hold-lease", "--project", project, "--owner", owner, "--ready-fd", "3")
	cmd.Env = envList(a.g.environ)
	cmd.ExtraFiles = []*os.File{w} // fd 3
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = cmd.Start()
	w.Close()
	if err != nil {
		return fmt.Errorf("--reap: start the lease holder: %w", err)
	}
	report := make(chan []byte, 1) // one report, read once
	go func() {
		b, _ := io.ReadAll(r)
		report <- b
	}()
	var out string
	select {
	case b := <-report:
		out = strings.TrimSpace(string(b))
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return ctx.Err()
	}
	if out != reaper.ReadyLine {
		_ = cmd.Wait()
		return fmt.Errorf("--reap: the lease holder failed: %s", out)
	}
	fmt.Fprintf(a.stderr, "berth process %d holds the lease of %s: the stack is removed when it ends (kill %d, or berth down)\n", cmd.Process.Pid, project, cmd.Process.Pid)
	return cmd.Process.Release()
}

func envList(environ map[string]string) []string {
	out := make([]string, 0, len(environ))
	for _, k := range slices.Sorted(maps.Keys(environ)) {
		out = append(out, k+"="+environ[k])
	}
	return out
}

// endLease removes the project's lease container, if any: after a down
// nothing is left to guard, and a holder left by up -d --reap exits when
// its reaper goes.
func (a *app) endLease(ctx context.Context, eng engine.Engine, project string) error {
	leases, err := eng.LeaseContainers(ctx)
	if err != nil {
		return err
	}
	for _, l := range leases {
		if l.Labels[engine.LabelLease] != project {
			continue
		}
		if err := eng.RemoveContainer(ctx, l.ID, engine.RemoveOptions{Force: true}); err != nil && !errors.Is(err, engine.ErrNotFound) {
			return fmt.Errorf("end the lease of %s: %w", project, err)
		}
	}
	return nil
}
