package reconcile

import (
	"context"
	"fmt"
	"time"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/readiness"
)

// probes holds, by container name, the readiness probe of each waited-for
// container whose service has conditions (x-berth-wait or --wait-for).
type probes map[string]*readiness.Probe

func newProbes(pending []Ref, specs map[string]readiness.Spec, start time.Time) probes {
	out := probes{}
	for _, ref := range pending {
		if spec, ok := specs[ref.Service]; ok {
			out[ref.Name] = readiness.NewProbe(spec, start)
		}
	}
	return out
}

// judge refines judge's verdict on a container with conditions: done (the
// container runs, or exited 0 for good) stays done, as "Ready", only once
// its conditions hold. A non-empty what is a failure that waiting longer
// cannot fix, continuing "container NAME …", with one detail line per unmet
// condition: the service's own timeout passed, or it exited 0 before its
// conditions held. Conditions are tried while the container runs, even
// before its healthcheck passes, so that a timeout reports both.
func (ps probes) judge(ctx context.Context, eng readiness.Engine, ref Ref, c engine.Container, done string) (string, string, []string) {
	p := ps[ref.Name]
	if p == nil {
		return done, "", nil
	}
	now := time.Now()
	if done == "Exited" {
		// A log line may have been all it had to print.
		if p.Try(ctx, eng, c) {
			return done, "", nil
		}
		return "", fmt.Sprintf("exited with code %d before its readiness conditions held", c.ExitCode), ps.report(ref)
	}
	if c.State == "running" && p.Poll(ctx, eng, c, now) && done != "" {
		return "Ready", "", nil
	}
	if p.Expired(now) {
		return "", fmt.Sprintf("was not ready within its own timeout of %s (%s)", p.Timeout(), readiness.Extension), ps.report(ref)
	}
	return "", "", nil
}

// report is one line per condition of ref's container unmet at the last
// attempt; nil without conditions.
func (ps probes) report(ref Ref) []string {
	p := ps[ref.Name]
	if p == nil {
		return nil
	}
	var out []string
	for _, u := range p.Unmet() {
		out = append(out, "waiting for "+u.String())
	}
	return out
}
