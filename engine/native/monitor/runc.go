package monitor

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/berth-dev/berth/engine/errdefs"
)

// Runc drives the runc binary for containers kept under one runc root.
type Runc struct {
	Path string // the runc binary
	Root string // runc --root: where runc keeps its containers' state
	// run runs a command to completion; the monitor routes its commands
	// through its reaper. nil: exec.Cmd.Run.
	run func(*exec.Cmd) error
}

func (r Runc) command(ctx context.Context, args ...string) *exec.Cmd {
	argv := r.argv(args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	// A runc that ignores its cancellation must not hang the caller.
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// argv is the command line of a runc subcommand.
func (r Runc) argv(args ...string) []string {
	return append([]string{r.Path, "--root", r.Root}, args...)
}

func (r Runc) exec(cmd *exec.Cmd) error {
	if r.run != nil {
		return r.run(cmd)
	}
	return cmd.Run()
}

// call runs a runc subcommand that prints little; its error carries what
// runc printed on stderr.
func (r Runc) call(ctx context.Context, args ...string) ([]byte, error) {
	cmd := r.command(ctx, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := r.exec(cmd); err != nil {
		return nil, runcError(args, errOut.String(), err)
	}
	return out.Bytes(), nil
}

// runcError names the subcommand and says what runc said; a container runc
// does not know matches errdefs.ErrNotFound.
func runcError(args []string, msg string, err error) error {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		msg = err.Error()
	}
	if strings.Contains(msg, "does not exist") {
		return fmt.Errorf("runc %s: %s: %w", args[0], msg, errdefs.ErrNotFound)
	}
	return fmt.Errorf("runc %s: %s", args[0], msg)
}

// Kill sends sig to the container's init, or with all to every process in
// it.
func (r Runc) Kill(ctx context.Context, id string, sig syscall.Signal, all bool) error {
	args := []string{"kill"}
	if all {
		args = append(args, "--all")
	}
	_, err := r.call(ctx, append(args, id, strconv.Itoa(int(sig)))...)
	return err
}

// Pause freezes every process of the container.
func (r Runc) Pause(ctx context.Context, id string) error {
	_, err := r.call(ctx, "pause", id)
	return err
}

// Resume thaws a paused container.
func (r Runc) Resume(ctx context.Context, id string) error {
	_, err := r.call(ctx, "resume", id)
	return err
}

// Ps lists the host pids of the container's processes.
func (r Runc) Ps(ctx context.Context, id string) ([]int, error) {
	out, err := r.call(ctx, "ps", "--format", "json", id)
	if err != nil {
		return nil, err
	}
	var pids []int
	if err := json.Unmarshal(out, &pids); err != nil {
		return nil, fmt.Errorf("runc ps: %w", err)
	}
	return pids, nil
}

// Has reports whether runc keeps state for container id, as it does from
// create to delete, without running runc.
func (r Runc) Has(id string) bool {
	_, err := os.Stat(filepath.Join(r.Root, id))
	return err == nil
}

// Delete removes the container from runc's state; force kills it first if
// it still runs.
func (r Runc) Delete(ctx context.Context, id string, force bool) error {
	args := []string{"delete"}
	if force {
		args = append(args, "--force")
	}
	_, err := r.call(ctx, append(args, id)...)
	return err
}

// RuncState is what `runc state` reports.
type RuncState struct {
	ID     string `json:"id"`
	Pid    int    `json:"pid"`
	Status string `json:"status"` // creating, created, running, paused, stopped
	Bundle string `json:"bundle"`
}

// State asks runc about the container; absent: errdefs.ErrNotFound.
func (r Runc) State(ctx context.Context, id string) (RuncState, error) {
	var s RuncState
	out, err := r.call(ctx, "state", id)
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(out, &s); err != nil {
		return s, fmt.Errorf("runc state: %w", err)
	}
	return s, nil
}

// Exec runs process, an OCI runtime-spec process (specs.Process) as JSON,
// in the container and returns its exit code (128+signal when signalled).
// With terminal, process's own Terminal, stdin and stdout are joined to a
// terminal in the container and stderr is unused. An error means the
// process did not run (or its output could not be copied), not that it
// failed. (The process comes as JSON so that the monitor, which links this
// package, does not link the runtime-spec package, whose initialisation
// alone formats its version string with fmt.)
func (r Runc) Exec(ctx context.Context, id string, process []byte, terminal bool, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	return r.execProcess(ctx, id, process, terminal, stdin, stdout, stderr, nil)
}

func (r Runc) execProcess(ctx context.Context, id string, process []byte, terminal bool, stdin io.Reader, stdout, stderr io.Writer, sizes <-chan TermSize) (int, error) {
	tmp, err := os.MkdirTemp("", "berth-exec-")
	if err != nil {
		return -1, fmt.Errorf("exec in %s: %w", id, err)
	}
	defer os.RemoveAll(tmp)
	procFile, logFile := filepath.Join(tmp, "process.json"), filepath.Join(tmp, "runc.log")
	if err := os.WriteFile(procFile, process, 0o600); err != nil {
		return -1, fmt.Errorf("exec in %s: %w", id, err)
	}
	cmd := r.command(ctx, "--log", logFile, "--log-format", "json", "exec", "--process", procFile, id)
	if terminal {
		closeTerm, err := withTerminal(cmd, stdin, stdout, sizes)
		if err != nil {
			return -1, fmt.Errorf("exec in %s: %w", id, err)
		}
		defer closeTerm()
	} else {
		cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	}
	return r.exitCode(cmd, "exec", logFile)
}

// exitCode runs a runc command that runs a container process in the
// foreground, and tells the process's exit code from runc's own failure,
// which runc records as an error in logFile (its --log).
func (r Runc) exitCode(cmd *exec.Cmd, sub, logFile string) (int, error) {
	err := r.exec(cmd)
	if err == nil {
		return 0, nil
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return -1, fmt.Errorf("runc %s: %w", sub, err)
	}
	if msg := lastRuncError(logFile); msg != "" {
		return -1, runcError([]string{sub}, msg, err)
	}
	return exit.ExitCode(), nil
}

// lastRuncError is the last error runc logged in its JSON log, "" if none.
func lastRuncError(logFile string) string {
	f, err := os.Open(logFile)
	if err != nil {
		return ""
	}
	defer f.Close()
	var msg string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l struct{ Level, Msg string }
		if json.Unmarshal(sc.Bytes(), &l) == nil && (l.Level == "error" || l.Level == "fatal") {
			msg = l.Msg
		}
	}
	return msg
}
