package integration

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

func TestUpIsIdempotent(t *testing.T) {
	t.Parallel()
	s := newStack(t, `
services:
  db:
    image: @IMAGE@
  web:
    image: @IMAGE@
    command: ["serve", "8080"]
    depends_on: [db]
`)
	// plan only plans: changes pending (exit 2), nothing created.
	if r := s.berth("plan", "--detailed-exitcode"); r.code != 2 {
		t.Errorf("plan --detailed-exitcode before up got exit %d, want 2 (changes)\n%v", r.code, r)
	}
	if got := s.containers(); len(got) != 0 {
		t.Fatalf("after plan, containers got %v, want none", got)
	}

	s.mustBerth("up", "-d")
	first := s.wantRunning(s.name("db", 1), s.name("web", 1))

	s.mustBerth("up", "-d")
	second := s.wantRunning(s.name("db", 1), s.name("web", 1))
	if !maps.Equal(first, second) {
		t.Errorf("container IDs after second up got %v, want unchanged %v", second, first)
	}
	if r := s.berth("plan", "--detailed-exitcode"); r.code != 0 {
		t.Errorf("plan --detailed-exitcode after up got exit %d, want 0 (no changes)\n%v", r.code, r)
	}
	if p := s.plan(); len(p.Actions) != 0 {
		t.Errorf("plan after up got actions %v, want none", p.byService())
	}
}

func TestChangedEnvRecreatesOnlyThatService(t *testing.T) {
	t.Parallel()
	const compose = `
services:
  a:
    image: @IMAGE@
    environment:
      COLOUR: red
  b:
    image: @IMAGE@
    environment:
      COLOUR: %s
  c:
    image: @IMAGE@
    depends_on: [b]
`
	s := newStack(t, fmt.Sprintf(compose, "blue"))
	s.mustBerth("up", "-d")
	before := s.wantRunning(s.name("a", 1), s.name("b", 1), s.name("c", 1))

	s.write("compose.yaml", fmt.Sprintf(compose, "green"))
	p := s.plan()
	recreated := false
	for _, a := range p.Actions {
		switch {
		case a.Target.Service == "b" && a.Kind == "recreate":
			recreated = true
			var fields []string
			for _, r := range a.Reasons {
				fields = append(fields, r.Field)
			}
			if !slices.Contains(fields, "environment.COLOUR") {
				t.Errorf("plan: recreate b reasons name fields %q, want environment.COLOUR", fields)
			}
		case a.Target.Service == "a", a.Target.Service == "c" && a.Kind != "stop" && a.Kind != "start":
			// A dependent may be stopped and started around b, never replaced.
			t.Errorf("plan: unexpected %s of %s (only b changed)", a.Kind, a.Target.Name)
		}
	}
	if !recreated {
		t.Errorf("plan got %v, want a recreate of b", p.byService())
	}

	s.mustBerth("up", "-d")
	after := s.wantRunning(s.name("a", 1), s.name("b", 1), s.name("c", 1))
	for _, svc := range []string{"a", "c"} {
		if n := s.name(svc, 1); after[n] != before[n] {
			t.Errorf("%s: ID got %.12s, want unchanged %.12s", n, after[n], before[n])
		}
	}
	if n := s.name("b", 1); after[n] == before[n] {
		t.Errorf("%s: ID unchanged (%.12s), want a new container", n, after[n])
	}
	env := s.inspect(s.name("b", 1), "{{range .Config.Env}}{{println .}}{{end}}")
	if !slices.Contains(nonEmptyLines(env), "COLOUR=green") {
		t.Errorf("%s env got %q, want COLOUR=green", s.name("b", 1), env)
	}
	if r := s.berth("plan", "--detailed-exitcode"); r.code != 0 {
		t.Errorf("plan --detailed-exitcode after up got exit %d, want 0\n%v", r.code, r)
	}
}

func TestScale(t *testing.T) {
	t.Parallel()
	const compose = `
services:
  web:
    image: @IMAGE@
    scale: %d
  other:
    image: @IMAGE@
`
	s := newStack(t, fmt.Sprintf(compose, 3))
	s.mustBerth("up", "-d")
	three := s.wantRunning(s.name("web", 1), s.name("web", 2), s.name("web", 3), s.name("other", 1))

	// Down to one: the highest numbers go, replica 1 and the other service stay.
	s.write("compose.yaml", fmt.Sprintf(compose, 1))
	s.mustBerth("up", "-d")
	one := s.wantRunning(s.name("web", 1), s.name("other", 1))
	for n, id := range one {
		if three[n] != id {
			t.Errorf("scale 3 -> 1: %s ID got %.12s, want unchanged %.12s", n, id, three[n])
		}
	}

	// And up to two: replica 1 is kept, replica 2 is new.
	s.write("compose.yaml", fmt.Sprintf(compose, 2))
	s.mustBerth("up", "-d")
	two := s.wantRunning(s.name("web", 1), s.name("web", 2), s.name("other", 1))
	if n := s.name("web", 1); two[n] != one[n] {
		t.Errorf("scale 1 -> 2: %s ID got %.12s, want unchanged %.12s", n, two[n], one[n])
	}
	if n := s.name("web", 2); two[n] == three[n] {
		t.Errorf("scale 1 -> 2: %s has the ID of the removed replica %.12s", n, three[n])
	}
}

func TestOrphans(t *testing.T) {
	t.Parallel()
	s := newStack(t, `
services:
  keep:
    image: @IMAGE@
  gone:
    image: @IMAGE@
`)
	s.mustBerth("up", "-d")
	before := s.wantRunning(s.name("keep", 1), s.name("gone", 1))

	s.write("compose.yaml", `
services:
  keep:
    image: @IMAGE@
`)
	// Without --remove-orphans the orphan stays, with a warning naming it.
	r := s.mustBerth("up", "-d")
	orphan := s.name("gone", 1)
	if out := r.output(); !strings.Contains(strings.ToLower(s.redact(out)), "orphan") || !strings.Contains(out, orphan) {
		t.Errorf("up -d after removing a service: output %q, want an orphan warning naming %s", r.output(), orphan)
	}
	if got := s.ids(); got[orphan] != before[orphan] {
		t.Errorf("up -d without --remove-orphans: %s got ID %q, want it kept (%.12s)", orphan, got[orphan], before[orphan])
	}

	s.mustBerth("up", "-d", "--remove-orphans")
	after := s.wantRunning(s.name("keep", 1))
	if n := s.name("keep", 1); after[n] != before[n] {
		t.Errorf("up -d --remove-orphans: %s ID got %.12s, want unchanged %.12s", n, after[n], before[n])
	}
}

// TestFailedUpAfterEditKeepsOldContainer edits b straight before each up,
// so that berth stops b's old container while it still observes the
// project. The first edit recreates b. Before the second, the external
// network b uses is removed: the up fails before it replaces b, and b's
// old container, stopped early, must run again with its old config.
func TestFailedUpAfterEditKeepsOldContainer(t *testing.T) {
	t.Parallel()
	const compose = `
services:
  a:
    image: @IMAGE@
  b:
    image: @IMAGE@
    networks: [default, ext]
    environment:
      COLOUR: %s
networks:
  ext:
    external: true
    name: @PROJECT@-ext
`
	s := newStack(t, fmt.Sprintf(compose, "blue"))
	ext := s.project + "-ext"
	mustDocker(t, "network", "create", ext)
	t.Cleanup(func() { _, _ = docker("network", "rm", ext) })
	s.mustBerth("up", "-d")
	before := s.wantRunning(s.name("a", 1), s.name("b", 1))

	s.write("compose.yaml", fmt.Sprintf(compose, "green"))
	s.mustBerth("up", "-d")
	recreated := s.wantRunning(s.name("a", 1), s.name("b", 1))
	if n := s.name("b", 1); recreated[n] == before[n] {
		t.Fatalf("%s: ID unchanged (%.12s) after its edit, want a new container", n, before[n])
	}

	mustDocker(t, "network", "disconnect", ext, s.name("b", 1))
	mustDocker(t, "network", "rm", ext)
	s.write("compose.yaml", fmt.Sprintf(compose, "red"))
	if r := s.berth("up", "-d"); r.code == 0 || !strings.Contains(r.stderr, ext) {
		t.Fatalf("up -d without the external network got exit %d, want a failure naming %s\n%v", r.code, ext, r)
	}
	after := s.wantRunning(s.name("a", 1), s.name("b", 1))
	for n, id := range recreated {
		if after[n] != id {
			t.Errorf("%s after the failed up got %.12s, want %.12s", n, after[n], id)
		}
	}
	env := s.inspect(s.name("b", 1), "{{range .Config.Env}}{{println .}}{{end}}")
	if !slices.Contains(nonEmptyLines(env), "COLOUR=green") {
		t.Errorf("%s env got %q, want COLOUR=green", s.name("b", 1), env)
	}
}
