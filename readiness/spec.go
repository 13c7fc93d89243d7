package readiness

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/mattn/go-shellwords"

	"github.com/berth-dev/berth/engine"
)

// Extension is the service-level key that holds a service's conditions.
const Extension = "x-berth-wait"

// DefaultInterval is how often a Probe tries its conditions when the spec
// names no interval.
const DefaultInterval = time.Second

// Engine is what the checks need beyond the container's inspection.
type Engine interface {
	engine.LogStreamer
	engine.Executor
}

// Condition is one thing that must hold for a container to be ready.
type Condition interface {
	// Check returns nil when the condition holds for c, as last inspected.
	// Its error starts with the condition's kind and says what was tried
	// and what came back: "http 127.0.0.1:32771/health: status 503".
	Check(ctx context.Context, eng Engine, c engine.Container) error
	// String is the condition in --wait-for's form: "http:8080/health".
	String() string
}

// Spec is one service's conditions.
type Spec struct {
	Conditions []Condition
	// Timeout bounds the wait for this service, on top of the overall one;
	// zero leaves only the overall one.
	Timeout time.Duration
	// Interval is the time between attempts; zero means DefaultInterval.
	Interval time.Duration
}

// ForProject returns the spec of every service of p that has conditions:
// its x-berth-wait, or the spec in overrides (from --wait-for flags), which
// replaces it whole. A bad extension or an override naming no service of p
// is an error naming the service; all are reported, sorted.
func ForProject(p *types.Project, overrides map[string]Spec) (map[string]Spec, error) {
	out := map[string]Spec{}
	var errs []error
	for _, name := range p.ServiceNames() {
		if o, ok := overrides[name]; ok {
			out[name] = o
			continue
		}
		v, ok := p.Services[name].Extensions[Extension]
		if !ok {
			continue
		}
		s, err := FromExtension(name, v)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if len(s.Conditions) > 0 {
			out[name] = s
		}
	}
	for _, name := range sortedKeys(overrides) {
		if _, ok := p.Services[name]; !ok {
			errs = append(errs, fmt.Errorf("--wait-for %s: no such service in project %s", name, p.Name))
		}
	}
	return out, errors.Join(errs...)
}

// FromExtension decodes a service's x-berth-wait value, as compose-go
// loaded it from YAML: a mapping of log, http, tcp and command (each but
// command also a list of them), timeout and interval.
func FromExtension(service string, v any) (Spec, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return Spec{}, fieldErr(service, "", "must be a mapping of log, http, tcp, command, timeout and interval, got %s", describe(v))
	}
	var s Spec
	var errs []error
	for _, k := range sortedKeys(m) {
		var err error
		val := m[k]
		switch k {
		case "log":
			err = each(service, k, val, func(key string, v any) error {
				str, ok := v.(string)
				if !ok {
					return fieldErr(service, key, "must be a regular expression, got %s", describe(v))
				}
				c, err := parseLog(str)
				if err != nil {
					return fieldErr(service, key, "%v", err)
				}
				s.Conditions = append(s.Conditions, c)
				return nil
			})
		case "http":
			err = each(service, k, val, func(key string, v any) error {
				c, err := httpFromValue(service, key, v)
				if err == nil {
					s.Conditions = append(s.Conditions, c)
				}
				return err
			})
		case "tcp":
			err = each(service, k, val, func(key string, v any) error {
				port, err := portFromValue(service, key, v)
				if err == nil {
					s.Conditions = append(s.Conditions, TCP{Port: port})
				}
				return err
			})
		case "command":
			var c Command
			if c, err = commandFromValue(service, k, val); err == nil {
				s.Conditions = append(s.Conditions, c)
			}
		case "timeout":
			s.Timeout, err = durationFromValue(service, k, val)
		case "interval":
			s.Interval, err = durationFromValue(service, k, val)
		default:
			err = fieldErr(service, k, "unknown key; use log, http, tcp, command, timeout or interval")
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Spec{}, err
	}
	if len(s.Conditions) == 0 {
		return Spec{}, fieldErr(service, "", "names no condition; add log, http, tcp or command")
	}
	return s, nil
}

// each calls fn for v, or for each element when v is a list.
func each(service, key string, v any, fn func(key string, v any) error) error {
	list, ok := v.([]any)
	if !ok {
		return fn(key, v)
	}
	if len(list) == 0 {
		return fieldErr(service, key, "is an empty list")
	}
	var errs []error
	for i, e := range list {
		errs = append(errs, fn(fmt.Sprintf("%s[%d]", key, i), e))
	}
	return errors.Join(errs...)
}

// httpFromValue reads http as a mapping {port, path, status}, a port
// number, or the shorthand "PORT/PATH[=STATUS]".
func httpFromValue(service, key string, v any) (HTTP, error) {
	switch v := v.(type) {
	case string:
		h, err := parseHTTP(v)
		if err != nil {
			return HTTP{}, fieldErr(service, key, "%v", err)
		}
		return h, nil
	case map[string]any:
		var h HTTP
		var errs []error
		for _, k := range sortedKeys(v) {
			var err error
			val := v[k]
			switch k {
			case "port":
				h.Port, err = portFromValue(service, key+".port", val)
			case "path":
				p, ok := val.(string)
				if !ok || !strings.HasPrefix(p, "/") {
					err = fieldErr(service, key+".path", "must be a path starting with /, got %s", describe(val))
				}
				h.Path = p
			case "status":
				n, ok := asInt(val)
				if !ok || n < 100 || n > 599 {
					err = fieldErr(service, key+".status", "must be an HTTP status code (100-599), got %s", describe(val))
				}
				h.Status = int(n)
			default:
				err = fieldErr(service, key+"."+k, "unknown key; use port, path or status")
			}
			errs = append(errs, err)
		}
		if _, ok := v["port"]; !ok {
			errs = append(errs, fieldErr(service, key, "names no port"))
		}
		if err := errors.Join(errs...); err != nil {
			return HTTP{}, err
		}
		if h.Path == "" {
			h.Path = "/"
		}
		return h, nil
	}
	if _, ok := asInt(v); ok {
		port, err := portFromValue(service, key, v)
		return HTTP{Port: port, Path: "/"}, err
	}
	return HTTP{}, fieldErr(service, key, "must be PORT/PATH[=STATUS] or a mapping of port, path and status, got %s", describe(v))
}

// portFromValue reads a container port given as a number or a string.
func portFromValue(service, key string, v any) (uint16, error) {
	if s, ok := v.(string); ok {
		p, err := parsePort(s)
		if err != nil {
			return 0, fieldErr(service, key, "%v", err)
		}
		return p, nil
	}
	n, ok := asInt(v)
	if !ok || n < 1 || n > 65535 {
		return 0, fieldErr(service, key, "must be a port number (1-65535), got %s", describe(v))
	}
	return uint16(n), nil
}

// commandFromValue reads command as a list (exec form) or a string split
// as a shell would split words, without running a shell.
func commandFromValue(service, key string, v any) (Command, error) {
	switch v := v.(type) {
	case string:
		c, err := parseCommand(v)
		if err != nil {
			return Command{}, fieldErr(service, key, "%v", err)
		}
		return c, nil
	case []any:
		argv := make([]string, len(v))
		for i, e := range v {
			s, ok := e.(string)
			if !ok {
				return Command{}, fieldErr(service, fmt.Sprintf("%s[%d]", key, i), "must be a string, got %s", describe(e))
			}
			argv[i] = s
		}
		if len(argv) == 0 {
			return Command{}, fieldErr(service, key, "is an empty command")
		}
		return Command{Argv: argv}, nil
	}
	return Command{}, fieldErr(service, key, "must be a list of arguments or a string, got %s", describe(v))
}

// durationFromValue reads a duration such as "60s" or "1m30s".
func durationFromValue(service, key string, v any) (time.Duration, error) {
	s, ok := v.(string)
	if !ok {
		return 0, fieldErr(service, key, "must be a duration such as \"60s\", got %s", describe(v))
	}
	d, err := parseDuration(s)
	if err != nil {
		return 0, fieldErr(service, key, "%v", err)
	}
	return d, nil
}

func parseLog(s string) (Log, error) {
	if s == "" {
		return Log{}, errors.New("an empty regular expression matches anything; name the line to wait for")
	}
	re, err := regexp.Compile(s)
	if err != nil {
		return Log{}, fmt.Errorf("bad regular expression: %w", err)
	}
	return Log{Pattern: re}, nil
}

// parseHTTP reads PORT[/PATH][=STATUS]. Only a trailing =NNN is a status,
// so that a query string may hold '='.
func parseHTTP(s string) (HTTP, error) {
	var h HTTP
	if i := strings.LastIndexByte(s, '='); i >= 0 && len(s)-i == 4 {
		if n, err := strconv.Atoi(s[i+1:]); err == nil && n >= 100 && n <= 599 {
			h.Status, s = n, s[:i]
		}
	}
	port, path, ok := strings.Cut(s, "/")
	h.Path = "/" + path
	if !ok {
		h.Path = "/"
	}
	p, err := parsePort(port)
	if err != nil {
		return HTTP{}, fmt.Errorf("%v; write PORT/PATH[=STATUS], e.g. 8080/health=200", err)
	}
	h.Port = p
	return h, nil
}

func parsePort(s string) (uint16, error) {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 16)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("%q is not a port number (1-65535)", s)
	}
	return uint16(n), nil
}

func parseCommand(s string) (Command, error) {
	argv, err := shellwords.Parse(s)
	if err != nil {
		return Command{}, fmt.Errorf("command %q: %w", s, err)
	}
	if len(argv) == 0 {
		return Command{}, errors.New("is an empty command")
	}
	return Command{Argv: argv}, nil
}

func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration such as 60s or 1m30s", s)
	}
	return d, nil
}

// asInt accepts the integer types YAML decoding produces, and whole floats.
func asInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case uint64:
		return int64(n), n < 1<<63
	case float64:
		return int64(n), n == float64(int64(n))
	}
	return 0, false
}

func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "nothing"
	case string:
		return strconv.Quote(v)
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	default:
		return fmt.Sprint(v)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// fieldErr names the service and the key under x-berth-wait.
func fieldErr(service, key, format string, args ...any) error {
	where := Extension
	if key != "" {
		where += "." + key
	}
	return fmt.Errorf("service %q: %s: %s", service, where, fmt.Sprintf(format, args...))
}
