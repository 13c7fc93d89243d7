package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/internal/itest"
)

// gcCompose is a stack with one of everything gc must remove: a
// container, a network and a named volume.
const gcCompose = `
services:
  app:
    image: @IMAGE@
    command: ["sleep", "3600"]
    volumes: [data:/data]
volumes:
  data: {}
`

// leftovers lists the project's labelled containers, networks and volumes,
// and its lease container.
func leftovers(project string) (string, error) {
	var all []string
	for _, kind := range [][]string{
		{"ps", "-a", "-q", "--filter", "label=" + engine.LabelProject + "=" + project},
		{"network", "ls", "-q", "--filter", "label=" + engine.LabelProject + "=" + project},
		{"volume", "ls", "-q", "--filter", "label=" + engine.LabelProject + "=" + project},
		{"ps", "-a", "-q", "--filter", "label=" + engine.LabelLease + "=" + project},
	} {
		out, err := docker(kind...)
		if err != nil {
			return "", err
		}
		if out != "" {
			all = append(all, kind[0]+": "+strings.Join(strings.Fields(out), " "))
		}
	}
	return strings.Join(all, "; "), nil
}

func gone(project string) error {
	left, err := leftovers(project)
	if err != nil {
		return err
	}
	if left != "" {
		return fmt.Errorf("project %s still has %s", project, left)
	}
	return nil
}

// TestGcRemovesExpiredTTLOnly brings up three stacks, one with a TTL that
// passes, one with a TTL that does not and one without, and checks that
// gc removes the first, all of it, and leaves the others.
func TestGcRemovesExpiredTTLOnly(t *testing.T) {
	t.Parallel()
	expired := newStack(t, gcCompose)
	pending := expired.sibling(expired.project + "-pending")
	plain := expired.sibling(expired.project + "-plain")
	expired.mustBerth("up", "-d", "--ttl", "1s")
	pending.mustBerth("up", "-d", "--ttl", "1h")
	plain.mustBerth("up", "-d")
	// A second up without --ttl recreates nothing: the label is no part
	// of the config hash.
	before := expired.ids()
	if r := expired.mustBerth("up", "-d"); strings.Contains(r.output(), "Recreate") {
		t.Errorf("up after up --ttl recreated something:\n%s", r.output())
	}
	if after := expired.ids(); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("up after up --ttl changed the containers: %v → %v", before, after)
	}
	time.Sleep(2 * time.Second) // the TTL is rounded up to the second

	dry := expired.mustBerth("gc", "--dry-run")
	if !strings.Contains(dry.stdout, "Would remove stack "+expired.project+": TTL passed") {
		t.Errorf("gc --dry-run did not name %s:\n%v", expired.project, dry)
	}
	if err := expired.dockerHas(); err != nil {
		t.Fatalf("gc --dry-run removed something: %v", err)
	}
	r := expired.mustBerth("gc")
	if !strings.Contains(r.stdout, "Removing stack "+expired.project+": TTL passed") {
		t.Errorf("gc did not name %s:\n%v", expired.project, r)
	}
	for _, s := range []*stack{pending, plain} {
		if strings.Contains(r.stdout, s.project+":") {
			t.Errorf("gc named %s, which it must keep:\n%v", s.project, r)
		}
	}
	if err := gone(expired.project); err != nil {
		t.Error(err)
	}
	pending.wantRunning(pending.name("app", 1))
	plain.wantRunning(plain.name("app", 1))
}

// dockerHas fails unless the stack's container still exists.
func (s *stack) dockerHas() error {
	if len(s.containers()) == 0 {
		return fmt.Errorf("project %s has no containers", s.project)
	}
	return nil
}

// TestReapAfterKill runs an attached up --reap, checks that gc would keep
// the leased stack, kills berth with SIGKILL and expects the stack and its
// reaper gone within the 30 seconds issue 18 sets.
func TestReapAfterKill(t *testing.T) {
	t.Parallel()
	s := newStack(t, gcCompose)
	b := s.start("up", "--reap")
	if !b.waitFor(time.Minute, "the app running and the reaper holding the lease", func() error {
		if c := s.containers()[s.name("app", 1)]; c.State != "running" {
			return fmt.Errorf("app container %q", c.State)
		}
		out, err := docker("ps", "-q", "--filter", "label="+engine.LabelLease+"="+s.project)
		if err == nil && out == "" {
			err = fmt.Errorf("no running lease container")
		}
		return err
	}) {
		t.Fatalf("berth up --reap exited early: %v", b.wait(time.Second, ""))
	}
	s.wantRunning(s.name("app", 1))
	owner := s.inspect(s.name("app", 1), `{{index .Config.Labels "`+engine.LabelLeaseOwner+`"}}`)
	if owner == "" {
		t.Errorf("the app container of up --reap has no %s label", engine.LabelLeaseOwner)
	}

	// A dry run: a real gc here would also collect the expired stacks of
	// tests running beside this one.
	if r := s.mustBerth("gc", "--dry-run"); strings.Contains(r.stdout, s.project+":") {
		t.Errorf("gc would remove the leased stack %s:\n%v", s.project, r)
	}
	s.wantRunning(s.name("app", 1))

	if !b.signal(syscall.SIGKILL) {
		t.Fatalf("berth up --reap had exited before the kill: %v", b.wait(time.Second, ""))
	}
	b.wait(10*time.Second, " after SIGKILL")
	itest.Eventually(t, 30*time.Second, "stack removed after kill -9 of its berth", func() error { return gone(s.project) })
}

// TestReapNeedsTheSocket points the reaper at a socket the engine's host
// lacks: up --reap must fail before creating anything, and say what to set.
func TestReapNeedsTheSocket(t *testing.T) {
	t.Parallel()
	s := newStack(t, gcCompose)
	ctx, cancel := context.WithTimeout(context.Background(), berthTimeout)
	defer cancel()
	cmd := berthCommand(ctx, s.dir, "-p", s.project, "up", "--reap")
	cmd.Env = append(cmd.Env, "BERTH_REAPER_SOCKET=/nonexistent/berth-test.sock")
	r := runCmd(cmd, []string{"berth", "up", "--reap"})
	if r.code == 0 || !strings.Contains(r.stderr, "BERTH_REAPER_SOCKET") {
		t.Errorf("up --reap with a missing socket: %v\nwant a failure naming BERTH_REAPER_SOCKET", r)
	}
	if err := gone(s.project); err != nil {
		t.Errorf("up --reap that could not start its reaper created something: %v", err)
	}
}

// holderPID reads the PID of the lease holder up -d --reap reports.
func holderPID(t *testing.T, r result) int {
	t.Helper()
	m := regexp.MustCompile(`berth process (\d+) holds the lease`).FindStringSubmatch(r.stderr)
	if m == nil {
		t.Fatalf("up -d --reap named no lease holder: %v", r)
	}
	pid, _ := strconv.Atoi(m[1])
	// Whatever happens, the holder must not outlive the test.
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	return pid
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

// TestReapDetachedHolderKilled runs up -d --reap, which returns and leaves
// a berth process holding the lease; kill -9 of that process removes the
// stack within 30 seconds.
func TestReapDetachedHolderKilled(t *testing.T) {
	t.Parallel()
	s := newStack(t, gcCompose)
	r := s.mustBerth("up", "-d", "--reap")
	pid := holderPID(t, r)
	s.wantRunning(s.name("app", 1))
	time.Sleep(time.Second) // the holder outlives the up that started it
	if !alive(pid) {
		t.Fatalf("lease holder %d is gone while nobody stopped it", pid)
	}
	s.wantRunning(s.name("app", 1))
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 %d: %v", pid, err)
	}
	itest.Eventually(t, 30*time.Second, "stack removed after kill -9 of its lease holder", func() error { return gone(s.project) })
}

// TestDownEndsDetachedLease checks that down of a stack made by
// up -d --reap also ends its lease: the reaper and the holder are gone, and
// a new up --reap of the project can take the lease.
func TestDownEndsDetachedLease(t *testing.T) {
	t.Parallel()
	s := newStack(t, gcCompose)
	pid := holderPID(t, s.mustBerth("up", "-d", "--reap"))
	s.mustBerth("down", "-v")
	itest.Eventually(t, 30*time.Second, "lease holder exits after down", func() error {
		if alive(pid) {
			// A zombie until its parent, which exited, is replaced by
			// init; Kill(pid, 0) succeeds on a zombie, so ask /proc.
			if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil && !strings.Contains(string(b), ") Z ") {
				return fmt.Errorf("holder %d still runs", pid)
			}
		}
		return gone(s.project)
	})
	pid2 := holderPID(t, s.mustBerth("up", "-d", "--reap"))
	if pid2 == pid {
		t.Errorf("second up -d --reap reported the old holder %d", pid)
	}
	s.mustBerth("down", "-v")
}

// TestLsWideEnvironment checks what ls --wide reads back from the labels
// up writes: the environment, the base project and the TTL.
func TestLsWideEnvironment(t *testing.T) {
	t.Parallel()
	s := newStack(t, "name: @PROJECT@\n"+gcCompose)
	staging := s.sibling(s.project + "-staging")
	s.mustBerthIn(s.dir, "--env", "staging", "up", "-d", "--ttl", "1h")
	r := s.mustBerthIn(s.dir, "ls", "--wide", "--format", "json", "--filter", "name=^"+staging.project+"$")
	var got []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("ls --wide --format json: %v\n%v", err, r)
	}
	if len(got) != 1 || got[0]["Name"] != staging.project || got[0]["Environment"] != "staging" ||
		got[0]["BaseProject"] != s.project || got[0]["TTLUntil"] == "" || got[0]["Lease"] != "" {
		t.Errorf("ls --wide --format json got %v", got)
	}
	r = s.mustBerthIn(s.dir, "ls", "--format", "json", "--filter", "name=^"+staging.project+"$")
	if strings.Contains(r.stdout, `"Environment"`) {
		t.Errorf("ls --format json without --wide has berth's keys: %s", r.stdout)
	}
}
