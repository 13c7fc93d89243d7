package planner

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/berth-dev/berth/internal/editdist"
)

// ErrCycle is wrapped by the error [Build] returns when services depend on
// each other in a loop.
var ErrCycle = errors.New("dependency cycle")

// ErrUnknownService is wrapped by errors about a service name that the
// project does not define (or defines but has disabled by profile).
var ErrUnknownService = errors.New("unknown service")

// unknownServiceError is a complete message that still matches
// ErrUnknownService with errors.Is, without ": unknown service" tacked on
// after a sentence that already says so.
type unknownServiceError string

func (e unknownServiceError) Error() string { return string(e) }
func (e unknownServiceError) Unwrap() error { return ErrUnknownService }

// unknownRefError describes an edge to a service that is not active.
// disabled maps services turned off by profile to those profiles.
func unknownRefError(e Edge, known []string, disabled map[string][]string) error {
	if profiles, ok := disabled[e.To]; ok {
		return unknownServiceError(fmt.Sprintf("service %q depends on service %q via %s, but %q is disabled: %s",
			e.From, e.To, e.Kind, e.To, enableHint(profiles)))
	}
	// A service depending on itself is a cycle, never the intended fix.
	others := slices.DeleteFunc(slices.Clone(known), func(k string) bool { return k == e.From })
	return unknownServiceError(fmt.Sprintf("service %q depends on unknown service %q via %s%s",
		e.From, e.To, e.Kind, didYouMean(e.To, others)))
}

// unknownNameError describes a service name given by the user (a command
// line argument) that is not active.
func unknownNameError(name string, known []string, disabled map[string][]string) error {
	if profiles, ok := disabled[name]; ok {
		return unknownServiceError(fmt.Sprintf("service %q is disabled: %s", name, enableHint(profiles)))
	}
	return unknownServiceError(fmt.Sprintf("no such service %q%s", name, didYouMean(name, known)))
}

// enableHint tells the user how to turn a disabled service on.
func enableHint(profiles []string) string {
	if len(profiles) == 0 {
		return "enable the profile that defines it"
	}
	flags := make([]string, len(profiles))
	for i, p := range profiles {
		flags[i] = "--profile " + p
	}
	return "enable it with " + strings.Join(flags, " or ")
}

// didYouMean suggests the closest known name when it is a plausible typo,
// so "dbb" points at "db" instead of leaving the user to scan the file.
func didYouMean(name string, known []string) string {
	// One edit per three characters, at least one, and never all of them:
	// enough for typos, too little to turn "a" into "z".
	best, bestDist := "", max(1, len(name)/3)+1
	for _, k := range known {
		if d := editdist.Distance(name, k); d < bestDist && d < len(name) {
			best, bestDist = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}
