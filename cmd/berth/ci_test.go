package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth-dev/berth/ci"
	"github.com/berth-dev/berth/engine"
)

// ciCompose is a CI stack: a one-shot init, a database, and the test
// runner that ci runs.
const ciCompose = `
services:
  init:
    image: app:latest
    command: ["exit", "0"]
  db:
    image: app:latest
    depends_on:
      init: {condition: service_completed_successfully}
    volumes: ["data:/var/lib/data"]
  tests:
    image: app:latest
    depends_on: [db]
volumes:
  data: {}
`

// ciHarness is a harness whose ci id is fixed, so the project is
// shop-ci-7.
func ciHarness(t *testing.T, compose string) *harness {
	h := newHarness(t, compose)
	h.env["BERTH_CI_ID"] = "7"
	return h
}

// leftovers lists whatever of project p is still in the fake engine.
func (h *harness) leftovers(p string) []string {
	h.t.Helper()
	ctx := context.Background()
	var out []string
	cs, err := h.f.Containers(ctx, p)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, c := range cs {
		out = append(out, "container "+c.Name)
	}
	ns, err := h.f.Networks(ctx, p)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, n := range ns {
		out = append(out, "network "+n.Name)
	}
	vs, err := h.f.Volumes(ctx, p)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, v := range vs {
		out = append(out, "volume "+v.Name)
	}
	return out
}

func TestCIExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		compose string
		args    []string
		want    int
		stderr  string
	}{
		{"passes", ciCompose, []string{"tests", "--", "exit", "0"}, 0, "tests passed (up "},
		{"run fails", ciCompose, []string{"tests", "--", "exit", "3"}, 3, "tests failed with exit code 3"},
		{"without --", ciCompose, []string{"tests", "exit", "5"}, 5, "tests failed with exit code 5"},
		{"init fails", strings.Replace(ciCompose, `["exit", "0"]`, `["exit", "1"]`, 1), []string{"tests", "exit", "0"}, ci.ExitNotReady,
			"service init: container shop-ci-7-init-1 exited with code 1"},
		{"no service", ciCompose, nil, ci.ExitBerthFailed, "name the service to run"},
		{"no such service", ciCompose, []string{"nope"}, ci.ExitBerthFailed, `service "nope": no such service in project shop`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := ciHarness(t, tc.compose)
			_, stderr := h.mustRun(tc.want, append([]string{"ci", "--no-reap"}, tc.args...)...)
			if !strings.Contains(stderr, tc.stderr) {
				t.Errorf("ci %v stderr:\n%s\nwant it to contain %q", tc.args, stderr, tc.stderr)
			}
			if got := h.leftovers("shop-ci-7"); len(got) != 0 {
				t.Errorf("ci %v left %v, want nothing", tc.args, got)
			}
		})
	}
}

func TestCIRunsAServiceUnderAProfile(t *testing.T) {
	h := ciHarness(t, strings.Replace(ciCompose, "    depends_on: [db]\n", "    depends_on: [db]\n    profiles: [test]\n", 1))
	_, stderr := h.mustRun(4, "ci", "--no-reap", "--keep", "tests", "exit", "4")
	want := map[string]string{"shop-ci-7-init-1": "exited", "shop-ci-7-db-1": "running"}
	cs, err := h.f.Containers(context.Background(), "shop-ci-7")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range cs {
		got[c.Name] = c.State
	}
	if !equalMaps(got, want) {
		t.Errorf("ci of a profiled service left %v, want %v\n%s", got, want, stderr)
	}
}

func TestCIRunsOneOffWithArgsAndEnvironment(t *testing.T) {
	h := ciHarness(t, ciCompose)
	var spec engine.ContainerSpec
	h.f.Hooks.StartContainer = func(_ context.Context, id string) error {
		s, err := h.f.Spec(id)
		if err == nil && s.Labels[engine.LabelOneoff] == "True" {
			spec = s
			return h.f.SetLogs(id, "ok 1 - works\n", "")
		}
		return err
	}
	stdout, _ := h.mustRun(0, "ci", "--no-reap", "-e", "K=V", "tests", "--", "exit", "0")
	if !strings.Contains(stdout, "ok 1 - works") {
		t.Errorf("ci stdout %q, want the run's output", stdout)
	}
	if got := strings.Join(spec.Service.Command, " "); got != "exit 0" {
		t.Errorf("one-off command got %q, want %q", got, "exit 0")
	}
	for _, kv := range []string{"K=V", "BERTH_CI_PROJECT=shop-ci-7", "BERTH_CI_ID=7"} {
		k, v, _ := strings.Cut(kv, "=")
		if got := spec.Service.Environment[k]; got == nil || *got != v {
			t.Errorf("one-off environment %s got %v, want %s", k, got, v)
		}
	}
}

func TestCIKeepPrintsTheCommandAndLabelsTheStack(t *testing.T) {
	for _, flag := range []string{"--keep", "--keep-on-failure"} {
		t.Run(flag, func(t *testing.T) {
			h := ciHarness(t, ciCompose)
			_, stderr := h.mustRun(3, "ci", "--no-reap", flag, "tests", "exit", "3")
			if want := "berth -p shop-ci-7 down -v --remove-orphans"; !strings.Contains(stderr, want) {
				t.Errorf("ci %s stderr:\n%s\nwant the command %q", flag, stderr, want)
			}
			cs, err := h.f.Containers(context.Background(), "shop-ci-7")
			if err != nil {
				t.Fatal(err)
			}
			if len(cs) == 0 {
				t.Fatalf("ci %s left no container", flag)
			}
			for _, c := range cs {
				if c.Labels[engine.LabelOneoff] == "True" {
					t.Errorf("ci %s kept the one-off container %s", flag, c.Name)
				}
				if got := c.Labels[engine.LabelCIID]; got != "7" {
					t.Errorf("container %s label %s got %q, want 7", c.Name, engine.LabelCIID, got)
				}
			}
			// ls --wide names the CI job of the stack.
			stdout, _ := h.mustRun(0, "ls", "--wide", "--format", "json")
			var stacks []map[string]any
			if err := json.Unmarshal([]byte(stdout), &stacks); err != nil {
				t.Fatal(err)
			}
			if len(stacks) != 1 || stacks[0]["Name"] != "shop-ci-7" || stacks[0]["CIID"] != "7" {
				t.Errorf("ls --wide --format json got %v, want shop-ci-7 with CI id 7", stacks)
			}
			// What it printed removes it.
			h.mustRun(0, "-p", "shop-ci-7", "down", "-v", "--remove-orphans")
			if got := h.leftovers("shop-ci-7"); len(got) != 0 {
				t.Errorf("the printed down left %v", got)
			}
		})
	}
}

func TestCIKeepOnFailureRemovesAPassingStack(t *testing.T) {
	h := ciHarness(t, ciCompose)
	_, stderr := h.mustRun(0, "ci", "--no-reap", "--keep-on-failure", "tests", "exit", "0")
	if strings.Contains(stderr, "down -v") {
		t.Errorf("a passing run printed a removal command:\n%s", stderr)
	}
	if got := h.leftovers("shop-ci-7"); len(got) != 0 {
		t.Errorf("ci left %v, want nothing", got)
	}
}

func TestCITearsDownWhenInterrupted(t *testing.T) {
	h := ciHarness(t, ciCompose)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	h.f.Hooks.StartContainer = func(_ context.Context, id string) error {
		if s, err := h.f.Spec(id); err == nil && s.Labels[engine.LabelOneoff] == "True" {
			// The run has started: deliver the "signal".
			once.Do(func() { time.AfterFunc(50*time.Millisecond, cancel) })
		}
		return nil
	}
	code, stdout, stderr := h.runCtx(ctx, "-f", h.file, "-p", "shop", "ci", "--no-reap", "tests", "sleep", "1000")
	if code != ci.ExitInterrupted {
		t.Fatalf("interrupted ci got exit %d, want %d\n%s%s", code, ci.ExitInterrupted, stdout, stderr)
	}
	if got := h.leftovers("shop-ci-7"); len(got) != 0 {
		t.Errorf("interrupted ci left %v, want nothing", got)
	}
}

func TestCITearsDownWhenBerthFails(t *testing.T) {
	h := ciHarness(t, ciCompose)
	h.f.Hooks.StartContainer = func(_ context.Context, id string) error {
		if s, err := h.f.Spec(id); err == nil && s.Labels[engine.LabelService] == "db" {
			return os.ErrPermission
		}
		return nil
	}
	_, stderr := h.mustRun(ci.ExitBerthFailed, "ci", "--no-reap", "tests", "exit", "0")
	if !strings.Contains(stderr, "permission denied") {
		t.Errorf("ci stderr:\n%s\nwant the failure", stderr)
	}
	if got := h.leftovers("shop-ci-7"); len(got) != 0 {
		t.Errorf("failed ci left %v, want nothing", got)
	}
}

func TestCIReports(t *testing.T) {
	h := ciHarness(t, strings.Replace(ciCompose, `["exit", "0"]`, `["exit", "1"]`, 1))
	h.f.Hooks.StartContainer = func(_ context.Context, id string) error {
		return h.f.SetLogs(id, "migrating\nboom: no table\n", "")
	}
	dir := t.TempDir()
	report, junit := filepath.Join(dir, "r.json"), filepath.Join(dir, "j.xml")
	h.mustRun(ci.ExitNotReady, "ci", "--no-reap", "--report", report, "--junit", junit, "tests", "exit", "0")
	var rep ci.Report
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("report %s: %v", b, err)
	}
	if rep.Outcome != ci.NotReady || rep.ExitCode != ci.ExitNotReady || rep.Project != "shop-ci-7" || rep.CIID != "7" {
		t.Errorf("report got outcome %q exit %d project %q id %q", rep.Outcome, rep.ExitCode, rep.Project, rep.CIID)
	}
	failing := map[string]ci.ServiceReport{}
	for _, s := range rep.Failing() {
		failing[s.Name] = s
	}
	init, db := failing["init"], failing["db"]
	if len(failing) != 2 || init.Containers[0].ExitCode != 1 || db.Problem != "container shop-ci-7-db-1 was never started" {
		t.Fatalf("report failing services got %+v, want init with exit code 1 and db never started", failing)
	}
	if logs := strings.Join(init.Containers[0].Logs, "\n"); !strings.Contains(logs, "boom: no table") {
		t.Errorf("init logs in report got %q", logs)
	}
	var phases []string
	for _, p := range rep.Phases {
		phases = append(phases, p.Name)
	}
	if got := strings.Join(phases, ","); got != "up,down" {
		t.Errorf("phases got %s, want up,down (init failed during up)", got)
	}
	x, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(x), `<skipped message="the stack never became ready">`) || !strings.Contains(string(x), `name="init"`) {
		t.Errorf("junit:\n%s", x)
	}
}

func TestCIIsolationLint(t *testing.T) {
	compose := strings.Replace(ciCompose, "  db:\n", "  db:\n    container_name: shared-db\n", 1)
	h := ciHarness(t, compose)
	_, stderr := h.mustRun(ci.ExitBerthFailed, "ci", "--no-reap", "--strict", "tests", "exit", "0")
	if !strings.Contains(stderr, "services.db.container_name") {
		t.Errorf("ci --strict stderr:\n%s\nwant the container_name finding", stderr)
	}
	if m := h.f.Mutations(); len(m) != 0 {
		t.Errorf("ci --strict with findings changed %v, want nothing", m)
	}
	_, stderr = h.mustRun(0, "ci", "--no-reap", "tests", "exit", "0")
	if !strings.Contains(stderr, "warning: services.db.container_name") {
		t.Errorf("ci stderr:\n%s\nwant the finding as a warning", stderr)
	}
}

func TestCIRewritesFixedPorts(t *testing.T) {
	compose := strings.Replace(ciCompose, "  db:\n", "  db:\n    ports: [\"127.0.0.1:5432:5432\"]\n", 1)
	for _, tc := range []struct {
		flag string
		want string
	}{{"--keep", ""}, {"--keep-ports", "5432"}} {
		t.Run(tc.flag, func(t *testing.T) {
			h := ciHarness(t, compose)
			h.mustRun(0, "ci", "--no-reap", "--keep", tc.flag, "tests", "exit", "0")
			cs, err := h.f.Containers(context.Background(), "shop-ci-7")
			if err != nil {
				t.Fatal(err)
			}
			var spec engine.ContainerSpec
			for _, c := range cs {
				if c.Name == "shop-ci-7-db-1" {
					spec, err = h.f.Spec(c.ID)
				}
			}
			if err != nil || len(spec.Service.Ports) != 1 {
				t.Fatalf("db spec %v, %v", spec.Service.Ports, err)
			}
			if got := spec.Service.Ports[0].Published; got != tc.want {
				t.Errorf("ci %s: db published %q, want %q", tc.flag, got, tc.want)
			}
		})
	}
}

func TestCIBadWaitFor(t *testing.T) {
	h := ciHarness(t, ciCompose)
	_, stderr := h.mustRun(ci.ExitBerthFailed, "ci", "--no-reap", "--wait-for", "nope=tcp:80", "tests")
	if !strings.Contains(stderr, "nope") {
		t.Errorf("ci --wait-for of an unknown service: stderr %q, want it named", stderr)
	}
	if m := h.f.Mutations(); len(m) != 0 {
		t.Errorf("ci with a bad --wait-for changed %v", m)
	}
}

func TestCITTL(t *testing.T) {
	h := ciHarness(t, ciCompose)
	h.env["BERTH_TTL"] = "1h"
	h.mustRun(0, "ci", "--no-reap", "--keep", "tests", "exit", "0")
	cs, err := h.f.Containers(context.Background(), "shop-ci-7")
	if err != nil || len(cs) == 0 {
		t.Fatalf("ci --keep left %v, %v", cs, err)
	}
	for _, c := range cs {
		if got := c.Labels[engine.LabelTTLUntil]; got != "2026-01-01T01:10:00Z" {
			t.Errorf("container %s %s got %q, want BERTH_TTL's 1h from now", c.Name, engine.LabelTTLUntil, got)
		}
	}
}
