// Package monitor is the native engine's per-container process, in the role
// of podman's conmon: one monitor per container starts it with runc, copies
// its output to a docker json-file log, waits for it, records every state
// change in state.json, restarts it by its restart policy and runs its
// healthcheck. It also holds the runc driver (Runc) and the log reader
// (ReadLogs) that the engine uses.
//
// # Files in the container directory
//
// The engine writes monitor.json (Config) before it starts a monitor and
// creates the stop file when a user stops the container. The monitor holds
// the lock on monitor.lock (Claim) and writes monitor.pid, state.json (State,
// replaced atomically), init.pid (runc's pid file), runc.log (runc's own
// log, where start errors are read from) and, with Config.Stdin, creates the
// stdin fifo the engine may write to.
//
// # Signals
//
// A monitor is stopped by stopping its container: the engine creates the stop
// file and signals the container with Runc.Kill; the monitor sees the exit,
// does not restart, writes the final state and returns. Run ignores SIGTERM,
// SIGINT and SIGHUP, so that a monitor outlives the terminal and session that
// started it and never leaves its container without a parent that records
// its exit.
//
// # Memory
//
// Hundreds of monitors may run on one host, so Run keeps its heap small: a
// low GC percent, 4 KiB read buffers, lines capped at 16 KiB as docker's
// json-file driver does. The package imports neither compose-go nor the
// engine's vocabulary, which the monitor executable must not link (see
// engine/native/monitorproc), and Run lets go of the executable's pages
// after each one-time step (see engine/native/exepages).
package monitor

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Names of the files in a container directory that the engine and the
// monitor share.
const (
	ConfigFile     = "monitor.json"
	StateFile      = "state.json"
	StopFile       = "stop"
	StdinFile      = "stdin"
	MonitorPidFile = "monitor.pid"
	initPidFile    = "init.pid"
	runcLogFile    = "runc.log"
)

// Config is what the engine tells a monitor about its container.
type Config struct {
	ID, Bundle, RuncRoot, Runc string  // Runc = path of the runc binary
	Restart                    string  // "no", "always", "on-failure[:N]", "unless-stopped"
	Health                     *Health // nil: no healthcheck
	Tty, Stdin                 bool
	LogPath                    string
	// Berth is the berth executable that removes the container once it
	// has exited for good (AutoRemove): teardown needs the whole engine,
	// which a monitor does not link (see engine/native/monitorproc).
	Berth string `json:",omitempty"`
}

// Health is a container's healthcheck as the engine resolved it, the
// service's over the image's. Zero durations and retries take docker's
// defaults.
type Health struct {
	Test                                          []string // CMD ..., CMD-SHELL ..., or NONE
	Interval, Timeout, StartPeriod, StartInterval time.Duration
	Retries                                       int
}

// Container statuses, as docker names them.
const (
	StatusCreated    = "created"
	StatusRunning    = "running"
	StatusRestarting = "restarting"
	StatusPaused     = "paused"
	StatusExited     = "exited"
)

// Health statuses, as docker names them.
const (
	HealthStarting  = "starting"
	HealthHealthy   = "healthy"
	HealthUnhealthy = "unhealthy"
)

// State is what the monitor reports in state.json.
type State struct {
	Status                                  string // created, running, restarting, paused, exited
	Pid, MonitorPid, ExitCode, RestartCount int
	StartedAt, FinishedAt                   time.Time
	Health                                  string   // "", starting, healthy, unhealthy
	HealthLog                               []string // last outputs, oldest first
	Error                                   string   // why it could not start
}

// ReadState reads dir/state.json. Before a monitor has written it the error
// matches fs.ErrNotExist.
func ReadState(dir string) (State, error) {
	var s State
	b, err := os.ReadFile(filepath.Join(dir, StateFile))
	if err != nil {
		return s, fmt.Errorf("read container state: %w", err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("read container state %s: %w (the monitor writes it atomically; remove the file if it was edited by hand)", filepath.Join(dir, StateFile), err)
	}
	return s, nil
}

// ReadConfig reads and checks dir/monitor.json.
func ReadConfig(dir string) (Config, error) {
	var c Config
	b, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if err != nil {
		return c, fmt.Errorf("read monitor config: %w", err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("read monitor config %s: %w", filepath.Join(dir, ConfigFile), err)
	}
	if c.ID == "" || c.Bundle == "" || c.RuncRoot == "" || c.Runc == "" || c.LogPath == "" {
		return c, fmt.Errorf("monitor config %s: ID, Bundle, RuncRoot, Runc and LogPath are required", filepath.Join(dir, ConfigFile))
	}
	return c, nil
}

// writeFileAtomic replaces path so that readers see the old or the new
// content, never a partial one.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func writeState(dir string, s State) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, StateFile), b); err != nil {
		return fmt.Errorf("write container state: %w", err)
	}
	return nil
}
