package readiness

import (
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"gopkg.in/yaml.v3"
)

// describeSpec prints a spec as one line, for comparisons.
func describeSpec(s Spec) string {
	var parts []string
	for _, c := range s.Conditions {
		parts = append(parts, c.String())
	}
	if s.Timeout != 0 {
		parts = append(parts, "timeout="+s.Timeout.String())
	}
	if s.Interval != 0 {
		parts = append(parts, "interval="+s.Interval.String())
	}
	return strings.Join(parts, " ")
}

func TestFromExtension(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       string // describeSpec, or the error
	}{
		{name: "every key", yaml: `
log: "ready to accept connections"
http: {port: 8080, path: /health, status: 200}
tcp: 5432
command: ["pg_isready", "-U", "app"]
timeout: 60s
interval: 1s`,
			want: "cmd:pg_isready -U app http:8080/health=200 log:ready to accept connections tcp:5432 timeout=1m0s interval=1s"},
		{name: "http shorthand", yaml: `http: "8080/health"`, want: "http:8080/health"},
		{name: "http shorthand with status", yaml: `http: "8080/v1/ping?x=1=204"`, want: "http:8080/v1/ping?x=1=204"},
		{name: "http port only", yaml: `http: 8080`, want: "http:8080/"},
		{name: "http mapping without path", yaml: `http: {port: "9000"}`, want: "http:9000/"},
		{name: "lists", yaml: `{log: [a, b], tcp: [1, "2"]}`, want: "log:a log:b tcp:1 tcp:2"},
		{name: "command string", yaml: `command: "pg_isready -h 'local host'"`, want: "cmd:pg_isready -h local host"},

		{name: "not a mapping", yaml: `"log:ready"`,
			want: `service "web": x-berth-wait: must be a mapping of log, http, tcp, command, timeout and interval, got "log:ready"`},
		{name: "no condition", yaml: `timeout: 5s`, want: `service "web": x-berth-wait: names no condition; add log, http, tcp or command`},
		{name: "unknown key", yaml: `{log: x, htp: 80}`, want: `service "web": x-berth-wait.htp: unknown key; use log, http, tcp, command, timeout or interval`},
		{name: "bad regexp", yaml: `log: "a("`, want: "service \"web\": x-berth-wait.log: bad regular expression: error parsing regexp: missing closing ): `a(`"},
		{name: "empty regexp", yaml: `log: ""`, want: `service "web": x-berth-wait.log: an empty regular expression matches anything; name the line to wait for`},
		{name: "bad port", yaml: `tcp: 70000`, want: `service "web": x-berth-wait.tcp: must be a port number (1-65535), got 70000`},
		{name: "bad port in list", yaml: `tcp: [80, x]`, want: `service "web": x-berth-wait.tcp[1]: "x" is not a port number (1-65535)`},
		{name: "http errors together", yaml: `http: {path: health, status: 999, verb: GET}`,
			want: `service "web": x-berth-wait.http.path: must be a path starting with /, got "health"` + "\n" +
				`service "web": x-berth-wait.http.status: must be an HTTP status code (100-599), got 999` + "\n" +
				`service "web": x-berth-wait.http.verb: unknown key; use port, path or status` + "\n" +
				`service "web": x-berth-wait.http: names no port`},
		{name: "http bad shorthand", yaml: `http: "health"`,
			want: `service "web": x-berth-wait.http: "health" is not a port number (1-65535); write PORT/PATH[=STATUS], e.g. 8080/health=200`},
		{name: "timeout as a number", yaml: `{tcp: 1, timeout: 60}`, want: `service "web": x-berth-wait.timeout: must be a duration such as "60s", got 60`},
		{name: "bad interval", yaml: `{tcp: 1, interval: soon}`, want: `service "web": x-berth-wait.interval: "soon" is not a positive duration such as 60s or 1m30s`},
		{name: "empty command", yaml: `command: []`, want: `service "web": x-berth-wait.command: is an empty command`},
		{name: "command of numbers", yaml: `command: [sleep, 1]`, want: `service "web": x-berth-wait.command[1]: must be a string, got 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v any
			if err := yaml.Unmarshal([]byte(tt.yaml), &v); err != nil {
				t.Fatal(err)
			}
			s, err := FromExtension("web", v)
			got := describeSpec(s)
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("FromExtension(%s)\ngot  %s\nwant %s", tt.yaml, got, tt.want)
			}
		})
	}
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name  string
		flags []string
		want  string // "service: spec" lines, or the error
	}{
		{name: "each kind", flags: []string{"web=http:8080/health=200", "web=log:listening on :\\d+", "db=tcp:5432", "db=cmd:pg_isready -U app", "db=timeout:30s", "db=interval:250ms"},
			want: "db: tcp:5432 cmd:pg_isready -U app timeout=30s interval=250ms\nweb: http:8080/health=200 log:listening on :\\d+"},
		{name: "http port only", flags: []string{"web=http:80"}, want: "web: http:80/"},
		{name: "no service", flags: []string{"http:80"}, want: `--wait-for "http:80": write SERVICE=SPEC, e.g. web=http:8080/health`},
		{name: "no kind", flags: []string{"web=8080"}, want: `--wait-for web=8080: "8080" has no kind; write KIND:VALUE, the kind one of log, http, tcp, cmd, timeout or interval`},
		{name: "unknown kind", flags: []string{"web=https:443"}, want: `--wait-for web=https:443: unknown kind "https"; use log, http, tcp, cmd, timeout or interval`},
		{name: "several errors", flags: []string{"web=tcp:0", "db=timeout:-1s"},
			want: `--wait-for web=tcp:0: "0" is not a port number (1-65535)` + "\n" + `--wait-for db=timeout:-1s: "-1s" is not a positive duration such as 60s or 1m30s`},
		{name: "timeout alone", flags: []string{"web=timeout:5s"}, want: `--wait-for web: names no condition; add log:REGEXP, http:PORT, tcp:PORT or cmd:COMMAND`},
		{name: "unbalanced quote", flags: []string{"web=cmd:sh -c 'x"}, want: `--wait-for web=cmd:sh -c 'x: command "sh -c 'x": invalid command line string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			specs, err := ParseFlags(tt.flags)
			var got string
			if err != nil {
				got = err.Error()
			} else {
				var lines []string
				for _, name := range sortedKeys(specs) {
					lines = append(lines, name+": "+describeSpec(specs[name]))
				}
				got = strings.Join(lines, "\n")
			}
			if got != tt.want {
				t.Errorf("ParseFlags(%q)\ngot  %s\nwant %s", tt.flags, got, tt.want)
			}
		})
	}
}

func TestForProject(t *testing.T) {
	p := &types.Project{Name: "shop", Services: types.Services{
		"web": {Name: "web", Extensions: types.Extensions{Extension: map[string]any{"tcp": 80}}},
		"db":  {Name: "db", Extensions: types.Extensions{Extension: map[string]any{"log": "ready"}}},
		"bad": {Name: "bad", Extensions: types.Extensions{Extension: "yes"}},
		"app": {Name: "app"},
	}}
	override := map[string]Spec{"db": {Conditions: []Condition{TCP{Port: 5432}}, Timeout: time.Second}}

	_, err := ForProject(p, override)
	want := `service "bad": x-berth-wait: must be a mapping of log, http, tcp, command, timeout and interval, got "yes"`
	if err == nil || err.Error() != want {
		t.Fatalf("ForProject with a bad extension got %v, want %s", err, want)
	}

	delete(p.Services, "bad")
	specs, err := ForProject(p, override)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, name := range sortedKeys(specs) {
		got = append(got, name+": "+describeSpec(specs[name]))
	}
	if g, w := strings.Join(got, "; "), "db: tcp:5432 timeout=1s; web: tcp:80"; g != w {
		t.Errorf("ForProject got %s, want %s (the override replaces db's log)", g, w)
	}

	_, err = ForProject(p, map[string]Spec{"wbe": {}, "api": {}})
	want = "--wait-for api: no such service in project shop\n--wait-for wbe: no such service in project shop"
	if err == nil || err.Error() != want {
		t.Errorf("ForProject with unknown services got %v, want %s", err, want)
	}
}
