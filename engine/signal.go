package engine

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Signaller sends signals to containers and freezes or thaws them: what
// kill, pause and unpause need.
type Signaller interface {
	// KillContainer sends signal (as [ParseSignal] returns it) to the
	// container's main process.
	KillContainer(ctx context.Context, id, signal string) error
	// PauseContainer freezes every process of a running container.
	PauseContainer(ctx context.Context, id string) error
	// UnpauseContainer thaws a paused container.
	UnpauseContainer(ctx context.Context, id string) error
}

// Linux signal numbers by name, as containers see them whatever the host
// berth runs on.
var linuxSignals = map[string]int{
	"HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "IOT": 6,
	"BUS": 7, "FPE": 8, "KILL": 9, "USR1": 10, "SEGV": 11, "USR2": 12,
	"PIPE": 13, "ALRM": 14, "TERM": 15, "STKFLT": 16, "CHLD": 17, "CONT": 18,
	"STOP": 19, "TSTP": 20, "TTIN": 21, "TTOU": 22, "URG": 23, "XCPU": 24,
	"XFSZ": 25, "VTALRM": 26, "PROF": 27, "WINCH": 28, "IO": 29, "POLL": 29,
	"PWR": 30, "SYS": 31, "RTMIN": 34, "RTMAX": 64,
}

// ParseSignal checks a signal given as a name ("SIGKILL", "kill",
// "RTMIN+3") or a number ("9") the way the daemon reads it, so that a typo
// fails before any container is touched. It returns the signal's canonical
// name ("SIGKILL") and its Linux number.
func ParseSignal(s string) (string, int, error) {
	bad := fmt.Errorf("invalid signal %q: use a name such as SIGTERM or KILL, or a number from 1 to 64", s)
	if n, err := strconv.Atoi(s); err == nil {
		if n < 1 || n > 64 {
			return "", 0, bad
		}
		for name, num := range linuxSignals {
			if num == n && name != "IOT" && name != "POLL" {
				return "SIG" + name, n, nil
			}
		}
		return strconv.Itoa(n), n, nil
	}
	name := strings.TrimPrefix(strings.ToUpper(s), "SIG")
	if n, ok := linuxSignals[name]; ok {
		return "SIG" + name, n, nil
	}
	for base, sign := range map[string]int{"RTMIN+": 1, "RTMAX-": -1} {
		if off, ok := strings.CutPrefix(name, base); ok {
			k, err := strconv.Atoi(off)
			n := linuxSignals[base[:5]] + sign*k
			if err != nil || k < 0 || n < 34 || n > 64 {
				return "", 0, bad
			}
			return "SIG" + name, n, nil
		}
	}
	return "", 0, bad
}
