package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/itest"
	"github.com/berth-dev/berth/internal/testimage"
)

// sleepers is a stack of two services that run until signalled.
const sleepers = `
services:
  web:
    image: @IMAGE@
    ports: ["8080"]
  db:
    image: @IMAGE@
`

func TestKillOps(t *testing.T) {
	t.Parallel()
	s := newStack(t, sleepers)
	s.mustBerth("up", "-d")
	web, db := s.name("web", 1), s.name("db", 1)

	r := s.mustBerth("--progress", "plain", "kill", "web")
	if !strings.Contains(r.stderr, "Container "+web+"  Killed") {
		t.Errorf("kill web printed %q, want %q", r.stderr, "Container "+web+"  Killed")
	}
	if got := s.inspect(web, "{{.State.Status}}/{{.State.ExitCode}}"); got != "exited/137" {
		t.Errorf("after kill web got %s, want exited/137 (SIGKILL)", got)
	}
	if got := s.containers()[db].State; got != "running" {
		t.Errorf("kill web left db %s, want running", got)
	}
	// The test program exits 0 on SIGTERM: a code of 0 shows the signal
	// sent was the one asked for.
	s.mustBerth("kill", "-s", "TERM")
	itest.Eventually(t, 30*time.Second, "db exited on SIGTERM", func() error {
		if got := s.inspect(db, "{{.State.Status}}/{{.State.ExitCode}}"); got != "exited/0" {
			return fmt.Errorf("db is %s", got)
		}
		return nil
	})
	if r := s.mustBerth("kill"); !strings.Contains(r.stderr, "No container to kill") {
		t.Errorf("kill with nothing running printed %q, want compose's notice", r.stderr)
	}
}

func TestPauseUnpauseOps(t *testing.T) {
	t.Parallel()
	s := newStack(t, sleepers)
	s.mustBerth("up", "-d")
	web, db := s.name("web", 1), s.name("db", 1)

	s.mustBerth("pause", "web")
	if got := s.containers(); got[web].State != "paused" || got[db].State != "running" {
		t.Fatalf("after pause web got web %s, db %s, want paused and running", got[web].State, got[db].State)
	}
	r := s.mustBerth("--progress", "plain", "pause")
	if !strings.Contains(r.stderr, "Container "+db+"  Paused") || strings.Contains(r.stderr, web) {
		t.Errorf("pause with web paused printed %q, want db paused and web left alone", r.stderr)
	}
	s.mustBerth("unpause")
	if got := s.containers(); got[web].State != "running" || got[db].State != "running" {
		t.Errorf("after unpause got web %s, db %s, want both running", got[web].State, got[db].State)
	}
}

func TestPortOps(t *testing.T) {
	t.Parallel()
	s := newStack(t, sleepers)
	s.mustBerth("up", "-d")
	web := s.name("web", 1)

	r := s.mustBerth("port", "web", "8080")
	want := mustDocker(t, "inspect", "-f", `{{(index (index .NetworkSettings.Ports "8080/tcp") 0).HostPort}}`, web)
	if got := strings.TrimSpace(r.stdout); got != "0.0.0.0:"+want {
		t.Errorf("port web 8080 printed %q, want 0.0.0.0:%s, the published port", got, want)
	}
	r = s.berth("port", "web", "81")
	if r.code != 1 || !strings.Contains(r.stderr, "no port 81/tcp for container "+web+": 8080/tcp") {
		t.Errorf("port web 81: %v\nwant exit 1 and compose's no port message", r)
	}
	if r := s.berth("port", "db", "8080"); r.code != 1 || !strings.Contains(r.stderr, "no port 8080/tcp") {
		t.Errorf("port db 8080: %v\nwant exit 1", r)
	}
}

func TestTopOps(t *testing.T) {
	t.Parallel()
	s := newStack(t, sleepers)
	s.mustBerth("up", "-d")
	r := s.mustBerth("top")
	lines := nonEmptyLines(r.stdout)
	if len(lines) != 3 {
		t.Fatalf("top printed %q, want a header and one process per container", r.stdout)
	}
	head := strings.Fields(lines[0])
	if len(head) < 4 || head[0] != "SERVICE" || head[1] != "#" || head[len(head)-1] != "CMD" {
		t.Errorf("top header got %q, want SERVICE # ... CMD", lines[0])
	}
	for i, svc := range []string{"db", "web"} {
		f := strings.Fields(lines[i+1])
		if f[0] != svc || f[1] != "1" || !strings.HasSuffix(lines[i+1], testimage.Entrypoint) {
			t.Errorf("top row %d got %q, want %s 1 ... %s", i, lines[i+1], svc, testimage.Entrypoint)
		}
	}
	if r := s.mustBerth("top", "web"); len(nonEmptyLines(r.stdout)) != 2 {
		t.Errorf("top web printed %q, want web's process alone", r.stdout)
	}
}

func TestScaleOps(t *testing.T) {
	t.Parallel()
	s := newStack(t, sleepers)
	s.mustBerth("up", "-d")
	db := s.name("db", 1)
	before := s.ids()[db]

	s.mustBerth("scale", "web=3")
	s.wantRunning(s.name("web", 1), s.name("web", 2), s.name("web", 3), db)
	s.mustBerth("scale", "web=1")
	after := s.wantRunning(s.name("web", 1), db)
	if after[db] != before {
		t.Errorf("scaling web recreated db (%.12s -> %.12s)", before, after[db])
	}
}

func TestWaitOps(t *testing.T) {
	t.Parallel()
	s := newStack(t, `
services:
  job:
    image: `+testimage.EnsureShell(t)+`
    # The pause lets the exec that makes /tmp/go return before the
    # container exits, which would end that exec with 137.
    command: ["sh", "-c", "while [ ! -f /tmp/go ]; do sleep 0.1; done; sleep 1; exit 4"]
  web:
    image: @IMAGE@
`)
	s.mustBerth("up", "-d")
	job := s.name("job", 1)
	id := s.ids()[job]

	ctx, cancel := context.WithTimeout(context.Background(), berthTimeout)
	defer cancel()
	cmd := berthCommand(ctx, s.dir, "-p", s.project, "wait", "job")
	done := make(chan result, 1)
	go func() { done <- runCmd(cmd, []string{"berth", "wait", "job"}) }()
	// berth must have listed job before it exits; a wait that comes too
	// late fails with "no containers", which the checks below report.
	time.Sleep(3 * time.Second)
	mustDocker(t, "exec", job, "touch", "/tmp/go")
	r := <-done
	if r.code != 4 {
		t.Errorf("wait job: %v\nwant exit 4, the container's", r)
	}
	if want := fmt.Sprintf("container %q exited with status code 4", id); !strings.Contains(r.stdout, want) {
		t.Errorf("wait job printed %q, want %q", r.stdout, want)
	}
	if got := s.containers()[s.name("web", 1)].State; got != "running" {
		t.Errorf("wait job left web %s, want running", got)
	}

	// --down-project: the project goes once web is ended from outside.
	cmd = berthCommand(ctx, s.dir, "-p", s.project, "wait", "--down-project", "web")
	go func() { done <- runCmd(cmd, []string{"berth", "wait", "--down-project", "web"}) }()
	time.Sleep(3 * time.Second)
	mustDocker(t, "stop", s.name("web", 1))
	if r := <-done; r.code != 0 {
		t.Errorf("wait --down-project web: %v\nwant exit 0", r)
	}
	if got := s.containers(); len(got) != 0 {
		t.Errorf("after wait --down-project got containers %v, want none", got)
	}
}

func TestLsOps(t *testing.T) {
	t.Parallel()
	s := newStack(t, sleepers)
	s.mustBerth("up", "-d")
	only := "name=^" + s.project + "$"
	files, err := filepath.EvalSymlinks(filepath.Join(s.dir, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ Name, Status, ConfigFiles string }
	list := func(args ...string) []row {
		t.Helper()
		r := s.mustBerth(append([]string{"ls", "--format", "json", "--filter", only}, args...)...)
		var rows []row
		if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
			t.Fatalf("ls --format json printed %q: %v", r.stdout, err)
		}
		return rows
	}
	if got := list(); len(got) != 1 || got[0] != (row{s.project, "running(2)", files}) {
		t.Errorf("ls got %+v, want %s running(2) from %s", got, s.project, files)
	}
	if r := s.mustBerth("ls", "-q", "--filter", only); r.stdout != s.project+"\n" {
		t.Errorf("ls -q printed %q, want the project's name", r.stdout)
	}
	r := s.mustBerth("ls", "--filter", only)
	if lines := nonEmptyLines(r.stdout); len(lines) != 2 || !strings.HasPrefix(lines[0], "NAME") || !strings.Contains(lines[1], "running(2)") {
		t.Errorf("ls printed %q, want the header and the project's row", r.stdout)
	}

	s.mustBerth("stop", "db")
	if got := list(); len(got) != 1 || got[0].Status != "running(1)" {
		t.Errorf("ls after stop db got %+v, want running(1)", got)
	}
	if got := list("-a"); len(got) != 1 || got[0].Status != "exited(1), running(1)" {
		t.Errorf("ls -a after stop db got %+v, want exited(1), running(1)", got)
	}
	s.mustBerth("stop")
	if got := list(); len(got) != 0 {
		t.Errorf("ls of a stopped project got %+v, want it only under -a", got)
	}
}
