package ci

import (
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// Report is one ci run, as --report writes it (JSON) and --junit renders
// it. Durations are in seconds.
type Report struct {
	Project string   `json:"project"`
	CIID    string   `json:"ci_id"`
	Service string   `json:"service"`
	Command []string `json:"command,omitempty"`
	Outcome Outcome  `json:"outcome"`
	// ExitCode is berth's own exit code (see ExitCode).
	ExitCode int `json:"exit_code"`
	// Error is what went wrong when the outcome is not-ready or error,
	// as berth printed it.
	Error   string    `json:"error,omitempty"`
	Started time.Time `json:"started"`
	// Phases are up, wait, run and down, in that order, as far as the run
	// got.
	Phases   []Phase         `json:"phases"`
	Services []ServiceReport `json:"services"`
	// Run is the one-off container's result; nil when it never started.
	Run *RunReport `json:"run,omitempty"`
	// KeptCommand, when the stack was kept (--keep, --keep-on-failure),
	// is the command that removes it.
	KeptCommand string `json:"kept_command,omitempty"`
}

// Phase is one step of the cycle.
type Phase struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
	Error   string  `json:"error,omitempty"`
}

// RunReport is the test run: SERVICE's one-off container.
type RunReport struct {
	ExitCode int      `json:"exit_code"`
	Seconds  float64  `json:"seconds"`
	Logs     []string `json:"logs"`
}

// NewRun records the run's result: its exit code, how long it took and
// the last lines of its output.
func NewRun(code int, d time.Duration, logs []string) *RunReport {
	if logs == nil {
		logs = []string{}
	}
	return &RunReport{ExitCode: code, Seconds: seconds(d), Logs: logs}
}

// ServiceReport is one service of the stack; Problem is empty when all its
// containers were running (and healthy) or had exited 0.
type ServiceReport struct {
	Name       string            `json:"name"`
	Problem    string            `json:"problem,omitempty"`
	Containers []ContainerReport `json:"containers"`
}

// ContainerReport is one container as it was before teardown.
type ContainerReport struct {
	Name         string `json:"name"`
	State        string `json:"state"`
	Health       string `json:"health,omitempty"`
	ExitCode     int    `json:"exit_code"`
	RestartCount int    `json:"restart_count"`
	// Problem says why the container is not ready, e.g. "exited with
	// code 1", "is unhealthy", "is still starting (health: starting)".
	Problem string `json:"problem,omitempty"`
	// Probe is the last health probe's output, for containers with a
	// healthcheck.
	Probe string   `json:"last_probe,omitempty"`
	Logs  []string `json:"logs"`
}

// AddPhase records that phase name took d; err, when not nil, is why it
// failed.
func (r *Report) AddPhase(name string, d time.Duration, err error) {
	ph := Phase{Name: name, Seconds: seconds(d)}
	if err != nil {
		ph.Error = err.Error()
	}
	r.Phases = append(r.Phases, ph)
}

// Failing returns the services with a problem.
func (r *Report) Failing() []ServiceReport {
	var out []ServiceReport
	for _, s := range r.Services {
		if s.Problem != "" {
			out = append(out, s)
		}
	}
	return out
}

// WriteJSON writes r as indented JSON.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("encode ci report: %w", err)
	}
	return nil
}

// seconds rounds d to milliseconds, which is all a report needs.
func seconds(d time.Duration) float64 {
	return float64(d.Round(time.Millisecond)) / float64(time.Second)
}
