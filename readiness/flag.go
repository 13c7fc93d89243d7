package readiness

import (
	"errors"
	"fmt"
	"strings"
)

// ParseFlags reads `--wait-for SERVICE=SPEC` values, where SPEC is one of
//
//	log:REGEXP
//	http:PORT[/PATH][=STATUS]
//	tcp:PORT
//	cmd:COMMAND [ARG...]
//	timeout:DURATION
//	interval:DURATION
//
// Several flags for one service add up: all their conditions must hold.
// Every bad value is reported, in the order given.
func ParseFlags(values []string) (map[string]Spec, error) {
	out := map[string]Spec{}
	var errs []error
	for _, v := range values {
		service, spec, ok := strings.Cut(v, "=")
		if !ok || service == "" {
			errs = append(errs, fmt.Errorf("--wait-for %q: write SERVICE=SPEC, e.g. web=http:8080/health", v))
			continue
		}
		s := out[service]
		if err := addFlag(&s, spec); err != nil {
			errs = append(errs, fmt.Errorf("--wait-for %s: %w", v, err))
			continue
		}
		out[service] = s
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, name := range sortedKeys(out) {
		if len(out[name].Conditions) == 0 {
			errs = append(errs, fmt.Errorf("--wait-for %s: names no condition; add log:REGEXP, http:PORT, tcp:PORT or cmd:COMMAND", name))
		}
	}
	return out, errors.Join(errs...)
}

// addFlag adds one SPEC to s.
func addFlag(s *Spec, spec string) error {
	kind, arg, ok := strings.Cut(spec, ":")
	if !ok {
		return fmt.Errorf("%q has no kind; write KIND:VALUE, the kind one of log, http, tcp, cmd, timeout or interval", spec)
	}
	var c Condition
	var err error
	switch kind {
	case "log":
		c, err = parseLog(arg)
	case "http":
		c, err = parseHTTP(arg)
	case "tcp":
		var p uint16
		p, err = parsePort(arg)
		c = TCP{Port: p}
	case "cmd":
		c, err = parseCommand(arg)
	case "timeout":
		s.Timeout, err = parseDuration(arg)
		return err
	case "interval":
		s.Interval, err = parseDuration(arg)
		return err
	default:
		return fmt.Errorf("unknown kind %q; use log, http, tcp, cmd, timeout or interval", kind)
	}
	if err != nil {
		return err
	}
	s.Conditions = append(s.Conditions, c)
	return nil
}
