package ci

import (
	"fmt"
	"io"
	"strings"
)

// WriteFailures prints each failing service of r, grouped by service: what
// is wrong, then per container its state, exit code, restart count, last
// health probe and last log lines. It prints nothing when no service
// failed.
func WriteFailures(w io.Writer, r *Report) {
	for _, s := range r.Failing() {
		fmt.Fprintf(w, "\nservice %s: %s\n", s.Name, s.Problem)
		for _, c := range s.Containers {
			state := c.State
			if c.Health != "" {
				state += " (health: " + c.Health + ")"
			}
			fmt.Fprintf(w, "  container %s: %s, exit code %d, restarts %d\n", c.Name, state, c.ExitCode, c.RestartCount)
			if c.Probe != "" {
				fmt.Fprintf(w, "    last health probe: %s\n", strings.ReplaceAll(c.Probe, "\n", "\n      "))
			}
			if len(c.Logs) == 0 {
				fmt.Fprintln(w, "    no log output")
				continue
			}
			fmt.Fprintf(w, "    last %d log lines:\n", len(c.Logs))
			for _, l := range c.Logs {
				fmt.Fprintf(w, "      %s\n", l)
			}
		}
	}
}

// Summary is the one line that ends a ci run: its outcome and the time
// each phase took.
func Summary(r *Report) string {
	var b strings.Builder
	switch r.Outcome {
	case Passed:
		fmt.Fprintf(&b, "%s passed", r.Service)
	case Failed:
		fmt.Fprintf(&b, "%s failed with exit code %d", r.Service, r.ExitCode)
	case NotReady:
		fmt.Fprintf(&b, "the stack never became ready: exit code %d", r.ExitCode)
	case Interrupted:
		fmt.Fprintf(&b, "interrupted: exit code %d", r.ExitCode)
	default:
		fmt.Fprintf(&b, "berth failed: exit code %d", r.ExitCode)
	}
	var phases []string
	for _, p := range r.Phases {
		phases = append(phases, fmt.Sprintf("%s %.1fs", p.Name, p.Seconds))
	}
	if len(phases) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(phases, ", "))
	}
	return b.String()
}
