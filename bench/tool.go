package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/berth-dev/berth/engine"
)

// Operations measured, in the order they run within one cycle.
const (
	// The first config -q of a run finds berth's project cache empty
	// (every run has a project of its own), as the first command after an
	// edit does; the second is every later command on unchanged files.
	opConfigCold = "config -q (cold)"
	opConfig     = "config -q"
	opColdUp     = "up -d (cold)"
	opNoopUp     = "up -d (no-op)"
	opPs         = "ps"
	opPsJSON     = "ps --format json"
	opLogs       = "logs --tail 10"
	opChange     = "up -d (one service changed)"
	opDown       = "down"
)

// allOps lists the operations in report order.
func allOps() []string {
	return []string{opConfigCold, opConfig, opColdUp, opNoopUp, opPs, opPsJSON, opLogs, opChange, opDown}
}

// opArgs is the command line of op after the global flags.
func opArgs(op string) []string {
	switch op {
	case opConfigCold, opConfig:
		return []string{"config", "-q"}
	case opColdUp, opNoopUp, opChange:
		return []string{"up", "-d"}
	case opPs:
		return []string{"ps"}
	case opPsJSON:
		return []string{"ps", "--format", "json"}
	case opLogs:
		return []string{"logs", "--tail", "10"}
	case opDown:
		return []string{"down"}
	}
	return nil
}

// cliTool is a Compose implementation run as a child process.
type cliTool struct {
	Name    string   // toolBerth, toolNative, toolCompose or toolV1
	Argv    []string // the command before the global flags, e.g. docker compose
	Version string
	// Env is added to bench's environment for every command.
	Env []string
	// Lacks lists operations the tool does not have (docker-compose v1 has
	// no ps --format json); they are reported as n/a.
	Lacks []string
	// Spawn runs the tool's commands.
	Spawn *spawner
}

func (t cliTool) supports(op string) bool {
	return !slices.Contains(t.Lacks, op)
}

// sample is one measured run of one operation.
type sample struct {
	Wall time.Duration
	// RSS is the child's peak resident set in bytes; zero for the floor,
	// which runs inside bench.
	RSS int64
}

// run executes op against s through bench/spawn and returns its wall-clock
// time and peak RSS. Output is captured rather than sent to a terminal, as
// a script would.
func (t cliTool) run(ctx context.Context, s stack, op string) (sample, error) {
	return t.runArgs(ctx, s, opArgs(op))
}

// runArgs runs the tool with cmdArgs after the global flags, and env added
// to bench's environment.
func (t cliTool) runArgs(ctx context.Context, s stack, cmdArgs []string, env ...string) (sample, error) {
	args := append([]string{}, t.Argv[1:]...)
	args = append(args, "-f", s.file(), "-p", s.Project)
	args = append(args, cmdArgs...)
	if err := ctx.Err(); err != nil {
		return sample{}, err
	}
	// Progress bars and colours are for terminals; ask for plain output so
	// that every tool does the same work.
	env = append(append(append(os.Environ(), "NO_COLOR=1", "COMPOSE_ANSI=never", "COMPOSE_PROGRESS=plain"), t.Env...), env...)
	rep, err := t.Spawn.run(append([]string{t.Argv[0]}, args...), s.Dir, env)
	if err != nil {
		if ctx.Err() != nil {
			return sample{}, ctx.Err()
		}
		return sample{}, err
	}
	smp := sample{Wall: time.Duration(rep.WallNs), RSS: rep.RSS}
	if rep.Code != 0 || rep.Err != "" {
		why := rep.Err
		if why == "" {
			why = fmt.Sprintf("exit status %d", rep.Code)
		}
		// The sample is returned too: the caller may still count it (see
		// staleEndpoint).
		return smp, fmt.Errorf("%s %s: %s\n%s", strings.Join(t.Argv, " "), strings.Join(args, " "), why, excerpt(rep.Stderr))
	}
	return smp, nil
}

// staleEndpoint is whether a failed command hit dockerd 20.10's stale
// endpoint bug (moby/moby#43286, #42119): after parallel container removal
// the daemon sometimes still counts an endpoint on a network that has no
// containers, and refuses to remove it until it restarts. docker-compose
// hits it as well. A down that fails only this way has done all its work, so
// its time is counted and the event noted rather than the figure dropped.
func staleEndpoint(err error) bool {
	return errors.Is(err, engine.ErrActiveEndpoints) || strings.Contains(err.Error(), "has active endpoints")
}

func staleNote(tool string, size int) string {
	return fmt.Sprintf("%s, %d services: down removed every container but dockerd refused to remove a network (\"has active endpoints\", moby/moby#43286); "+
		"the time is counted, and the network stays until dockerd restarts", toolTitle(tool), size)
}

// excerpt shortens a tool's stderr to its first two lines (where a panic
// says what happened) and its last five (where an error message usually is).
func excerpt(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) <= 8 {
		return strings.Join(lines, "\n")
	}
	return strings.Join(lines[:2], "\n") + "\n…\n" + strings.Join(lines[len(lines)-5:], "\n")
}

// tail keeps the last n lines of s, where a tool's error message usually is.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
