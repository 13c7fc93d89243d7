package native

import (
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine/native/monitor"
)

// monitorHealth is a resolved healthcheck (see healthcheck) in the
// monitor's own terms, which do not link compose-go; nil stays nil.
func monitorHealth(h *types.HealthCheckConfig) *monitor.Health {
	if h == nil {
		return nil
	}
	d := func(v *types.Duration) time.Duration {
		if v == nil {
			return 0
		}
		return time.Duration(*v)
	}
	out := &monitor.Health{
		Test:          h.Test,
		Interval:      d(h.Interval),
		Timeout:       d(h.Timeout),
		StartPeriod:   d(h.StartPeriod),
		StartInterval: d(h.StartInterval),
	}
	if h.Retries != nil {
		out.Retries = int(*h.Retries)
	}
	return out
}
