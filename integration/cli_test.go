package integration

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/itest"
)

func TestLogsAndExitedContainers(t *testing.T) {
	t.Parallel()
	s := newStack(t, `
services:
  printer:
    image: @IMAGE@
    command: ["print", "to-stdout", "to-stderr"]
  failer:
    image: @IMAGE@
    command: ["exit", "3"]
`)
	s.mustBerth("up", "-d")
	printer, failer := s.name("printer", 1), s.name("failer", 1)
	itest.Eventually(t, 30*time.Second, "both containers exited", func() error {
		for _, c := range []string{printer, failer} {
			if st := s.containers()[c].State; st != "exited" {
				return fmt.Errorf("%s is %q", c, st)
			}
		}
		return nil
	})

	r := s.mustBerth("logs", "printer")
	// Both of the container's streams are the command's output, as with
	// compose, so that `berth logs | grep` finds what went to stderr.
	if out := r.stdout; !strings.Contains(out, "to-stdout") || !strings.Contains(out, "to-stderr") {
		t.Errorf("logs printer stdout %q, want both to-stdout and to-stderr", out)
	}
	if out := r.output(); strings.Contains(out, "berth-test exit") {
		t.Errorf("logs printer got %q, want only printer's output", out)
	}

	if running := s.ps(); len(running) != 0 {
		t.Errorf("ps (running only) got %d entries, want none: %+v", len(running), running)
	}
	codes := map[string]string{}
	for _, e := range s.ps("-a") {
		codes[e.Name] = fmt.Sprintf("%s/%d", e.State, e.ExitCode)
	}
	want := map[string]string{printer: "exited/0", failer: "exited/3"}
	if fmt.Sprint(codes) != fmt.Sprint(want) {
		t.Errorf("ps -a State/ExitCode got %v, want %v", codes, want)
	}
}

func TestProfilesAndEnvFile(t *testing.T) {
	t.Parallel()
	s := newStack(t, `
services:
  web:
    image: @IMAGE@
    environment:
      GREETING: ${GREETING:-default}
  debug:
    image: @IMAGE@
    profiles: [debug]
`)
	s.write("custom.env", "GREETING=from-custom\n")
	web, debug := s.name("web", 1), s.name("debug", 1)

	s.mustBerth("--env-file", "custom.env", "up", "-d")
	before := s.wantRunning(web)
	env := nonEmptyLines(s.inspect(web, "{{range .Config.Env}}{{println .}}{{end}}"))
	if !slices.Contains(env, "GREETING=from-custom") {
		t.Errorf("%s env got %q, want GREETING=from-custom from --env-file", web, env)
	}

	s.mustBerth("--env-file", "custom.env", "--profile", "debug", "up", "-d")
	after := s.wantRunning(web, debug)
	if after[web] != before[web] {
		t.Errorf("enabling a profile recreated %s (%.12s -> %.12s), want it unchanged", web, before[web], after[web])
	}
}

// berth environments: --env staging adds compose.staging.yaml and
// .env.staging and suffixes the project name, so a second copy of the stack
// runs beside the first.
func TestEnvironments(t *testing.T) {
	t.Parallel()
	s := newStack(t, `
name: @PROJECT@
services:
  web:
    image: @IMAGE@
    environment:
      GREETING: ${GREETING:-default}
`)
	s.write("compose.staging.yaml", `
services:
  web:
    environment:
      STAGE: staging
`)
	s.write(".env.staging", "GREETING=from-staging\n")
	staging := s.sibling(s.project + "-staging")

	// No -p: the name comes from the file, the suffix from --env.
	s.mustBerthIn(s.dir, "up", "-d")
	s.mustBerthIn(s.dir, "--env", "staging", "up", "-d")
	s.wantRunning(s.name("web", 1))
	web := staging.name("web", 1)
	staging.wantRunning(web)

	env := nonEmptyLines(s.inspect(web, "{{range .Config.Env}}{{println .}}{{end}}"))
	for _, want := range []string{"GREETING=from-staging", "STAGE=staging"} {
		if !slices.Contains(env, want) {
			t.Errorf("--env staging: %s env got %q, want %s", web, env, want)
		}
	}
	env = nonEmptyLines(s.inspect(s.name("web", 1), "{{range .Config.Env}}{{println .}}{{end}}"))
	if !slices.Contains(env, "GREETING=default") || slices.Contains(env, "STAGE=staging") {
		t.Errorf("default environment: %s env got %q, want GREETING=default and no STAGE", s.name("web", 1), env)
	}
}
