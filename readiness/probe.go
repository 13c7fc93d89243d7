package readiness

import (
	"context"
	"fmt"
	"time"

	"github.com/berth-dev/berth/engine"
)

// AttemptTimeout bounds one check, so that a container that accepts a
// connection and never answers cannot hold up the others.
const AttemptTimeout = 5 * time.Second

// Unmet is a condition that did not hold at the last attempt, and why.
type Unmet struct {
	Condition Condition
	Err       error
}

func (u Unmet) String() string { return u.Condition.String() + ": " + u.Err.Error() }

// Probe follows one container's Spec across attempts.
type Probe struct {
	spec     Spec
	deadline time.Time // zero: no timeout of its own
	next     time.Time // the earliest next attempt
	unmet    []Unmet   // from the last attempt; every condition before the first
	held     bool
}

// NewProbe starts following spec at start, which Spec.Timeout counts from.
func NewProbe(spec Spec, start time.Time) *Probe {
	p := &Probe{spec: spec, next: start}
	if spec.Timeout > 0 {
		p.deadline = start.Add(spec.Timeout)
	}
	for _, c := range spec.Conditions {
		p.unmet = append(p.unmet, Unmet{Condition: c, Err: fmt.Errorf("not tried yet")})
	}
	return p
}

// Poll tries the conditions against c when the interval since the last
// attempt has passed, and reports whether they all held at the last
// attempt. An attempt cut short by ctx is forgotten: its errors say only
// that the wait ended.
func (p *Probe) Poll(ctx context.Context, eng Engine, c engine.Container, now time.Time) bool {
	if now.Before(p.next) {
		return p.held
	}
	interval := p.spec.Interval
	if interval <= 0 {
		interval = DefaultInterval
	}
	p.next = now.Add(interval)
	return p.Try(ctx, eng, c)
}

// Try runs every condition once against c, now, and reports whether all
// held.
func (p *Probe) Try(ctx context.Context, eng Engine, c engine.Container) bool {
	var unmet []Unmet
	for _, cond := range p.spec.Conditions {
		actx, cancel := context.WithTimeout(ctx, AttemptTimeout)
		err := cond.Check(actx, eng, c)
		cancel()
		if ctx.Err() != nil {
			return p.held
		}
		if err != nil {
			unmet = append(unmet, Unmet{Condition: cond, Err: err})
		}
	}
	p.unmet, p.held = unmet, len(unmet) == 0
	return p.held
}

// Expired reports whether the spec's own timeout has passed at now.
func (p *Probe) Expired(now time.Time) bool {
	return !p.deadline.IsZero() && !now.Before(p.deadline)
}

// Timeout is the spec's own timeout; zero when it has none.
func (p *Probe) Timeout() time.Duration { return p.spec.Timeout }

// Unmet returns the conditions that did not hold at the last attempt.
func (p *Probe) Unmet() []Unmet { return p.unmet }
