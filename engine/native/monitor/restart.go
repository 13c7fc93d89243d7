package monitor

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// restartPolicy is a parsed Config.Restart.
type restartPolicy struct {
	name string // no, always, on-failure, unless-stopped
	max  int    // on-failure's retry limit; 0 = unlimited
}

func parseRestart(s string) (restartPolicy, error) {
	name, count, hasCount := strings.Cut(s, ":")
	switch name {
	case "", "no":
		name = "no"
	case "always", "unless-stopped":
	case "on-failure":
		if !hasCount {
			return restartPolicy{name: name}, nil
		}
		n, err := strconv.Atoi(count)
		if err != nil || n < 0 {
			return restartPolicy{}, fmt.Errorf("restart policy %q: the retry count must be a number ≥ 0", s)
		}
		return restartPolicy{name: name, max: n}, nil
	default:
		return restartPolicy{}, fmt.Errorf("restart policy %q: use no, always, on-failure[:N] or unless-stopped", s)
	}
	if hasCount {
		return restartPolicy{}, fmt.Errorf("restart policy %q: only on-failure takes a retry count", s)
	}
	return restartPolicy{name: name}, nil
}

// shouldRestart is docker's decision after an exit: never after a stop the
// user asked for; always for always and unless-stopped; for on-failure only
// after a non-zero exit and while fewer than max restarts were made.
func shouldRestart(p restartPolicy, exitCode, restartCount int, stopped bool) bool {
	if stopped {
		return false
	}
	switch p.name {
	case "always", "unless-stopped":
		return true
	case "on-failure":
		return exitCode != 0 && (p.max == 0 || restartCount < p.max)
	}
	return false
}

// Restart backoff, as dockerd's restart manager: the delay starts at
// 100ms, doubles after each quick exit up to a minute, and starts over once
// the container has run for 10 seconds.
const (
	firstDelay = 100 * time.Millisecond
	maxDelay   = time.Minute
	steadyRun  = 10 * time.Second
)

// nextDelay is the wait before the next start, given the previous wait (0
// before the first restart) and how long the container ran this time.
func nextDelay(prev, ran time.Duration) time.Duration {
	if prev == 0 || ran >= steadyRun {
		return firstDelay
	}
	return min(2*prev, maxDelay)
}
