package monitor

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/berth-dev/berth/engine/native/journal"
)

// Docker's healthcheck defaults and limits.
const (
	defaultInterval      = 30 * time.Second
	defaultTimeout       = 30 * time.Second
	defaultStartInterval = 5 * time.Second
	defaultRetries       = 3
	healthLogSize        = 5    // results kept in State.HealthLog
	maxProbeOutput       = 4096 // bytes of a probe's output kept
)

// healthConfig is a healthcheck with docker's defaults filled in.
type healthConfig struct {
	cmd                                           []string
	interval, timeout, startPeriod, startInterval time.Duration
	retries                                       int
}

// parseHealth fills in a healthcheck's defaults; nil when there is none to
// run.
func parseHealth(h *Health) (*healthConfig, error) {
	if h == nil || len(h.Test) == 0 || h.Test[0] == "NONE" {
		return nil, nil
	}
	c := &healthConfig{
		interval:      durationOr(h.Interval, defaultInterval),
		timeout:       durationOr(h.Timeout, defaultTimeout),
		startPeriod:   durationOr(h.StartPeriod, 0),
		startInterval: durationOr(h.StartInterval, defaultStartInterval),
		retries:       defaultRetries,
	}
	if h.Retries > 0 {
		c.retries = h.Retries
	}
	switch h.Test[0] {
	case "CMD":
		c.cmd = h.Test[1:]
	case "CMD-SHELL":
		if len(h.Test) > 1 {
			c.cmd = []string{"/bin/sh", "-c", strings.Join(h.Test[1:], " ")}
		}
	default:
		return nil, fmt.Errorf("healthcheck test %q: it must start with CMD, CMD-SHELL or NONE", h.Test)
	}
	if len(c.cmd) == 0 {
		return nil, fmt.Errorf("healthcheck test %q: no command to run", h.Test)
	}
	return c, nil
}

func durationOr(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// wait is the time before the next probe: start_interval while the
// container is starting within its start period, interval otherwise.
func (c *healthConfig) wait(status string, sinceStart time.Duration) time.Duration {
	if status == HealthStarting && sinceStart < c.startPeriod {
		return c.startInterval
	}
	return c.interval
}

// health is a container's health as its probes found it.
type health struct {
	status string
	streak int // failures in a row that count
	log    []string
}

// record applies one probe's result as docker does: a success makes the
// container healthy; a failure counts unless the container is still
// starting within its start period, and retries failures in a row make it
// unhealthy.
func (h *health) record(c *healthConfig, ok bool, output string, sinceStart time.Duration) {
	output = strings.TrimSpace(output)
	h.log = append(h.log, output)
	if len(h.log) > healthLogSize {
		h.log = append(h.log[:0], h.log[len(h.log)-healthLogSize:]...)
	}
	if ok {
		h.streak = 0
		h.status = HealthHealthy
		return
	}
	if h.status == HealthStarting && sinceStart < c.startPeriod {
		return
	}
	if h.streak++; h.streak >= c.retries {
		h.status = HealthUnhealthy
	}
}

// watchHealth probes the container from started until ctx ends, and
// records each result in the state.
func (m *monitor) watchHealth(ctx context.Context, started time.Time) {
	h := health{status: HealthStarting}
	timer := time.NewTimer(m.health.wait(h.status, 0))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		ok, out := m.probe(ctx)
		if ctx.Err() != nil {
			return
		}
		h.record(m.health, ok, out, time.Since(started))
		m.update(func(s *State) {
			s.Health = h.status
			s.HealthLog = append([]string(nil), h.log...)
		})
		timer.Reset(m.health.wait(h.status, time.Since(started)))
	}
}

// probe runs the healthcheck command once in the container, noted in the
// container's journal as an exec; a probe that outlives the timeout is
// killed and fails.
func (m *monitor) probe(ctx context.Context) (ok bool, output string) {
	pctx, cancel := context.WithTimeout(ctx, m.health.timeout)
	defer cancel()
	pidFile, logFile := filepath.Join(m.dir, "probe.pid"), filepath.Join(m.dir, "probe.log")
	os.Remove(pidFile)
	os.Remove(logFile)
	args := append([]string{"--log", logFile, "--log-format", "json", "exec", "--pid-file", pidFile, m.cfg.ID}, m.health.cmd...)
	cmd := m.runc.command(pctx, args...)
	out := &limitedBuffer{max: maxProbeOutput}
	cmd.Stdout, cmd.Stderr = out, out
	// Killing runc would leave the probe running in the container: kill the
	// probe, and runc, which waits for it, follows.
	cmd.Cancel = func() error {
		b, _ := os.ReadFile(pidFile)
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
			return syscall.Kill(pid, syscall.SIGKILL)
		}
		return cmd.Process.Kill()
	}
	// docker runs a probe as an exec, and reports it as one; killed on
	// timeout, it dies with 137 there too.
	died := journal.Exec(m.dir, m.health.cmd)
	code, err := m.runc.exitCode(cmd, "exec", logFile)
	if err == nil {
		died(code)
	}
	switch {
	case pctx.Err() == context.DeadlineExceeded:
		return false, fmt.Sprintf("Health check exceeded timeout (%s)", m.health.timeout)
	case err != nil:
		return false, err.Error()
	}
	return code == 0, out.String()
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	max int
	b   []byte
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - len(l.b); room > 0 {
		l.b = append(l.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (l *limitedBuffer) String() string { return string(l.b) }
