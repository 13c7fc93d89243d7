package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/internal/itest"
)

// ciCompose is what a CI job brings up: a one-shot init that exits 0, a
// database that needs it, has a healthcheck and a fixed host port (which
// parallel copies would fight over unless ci rewrites it), and the test
// runner.
const ciCompose = `
services:
  init:
    image: @SHELL@
    command: ["sh", "-c", "echo migrated > /data/ready"]
    volumes: [data:/data]
  db:
    image: @SHELL@
    command: ["sleep", "300"]
    init: true
    ports: ["127.0.0.1:47211:80"]
    depends_on:
      init: {condition: service_completed_successfully}
    volumes: [data:/data]
    healthcheck:
      test: ["CMD", "test", "-f", "/data/ready"]
      interval: 1s
      retries: 30
  tests:
    image: @SHELL@
    depends_on: [db]
    volumes: [data:/data]
    command: ["cat", "/data/ready"]
volumes:
  data: {}
`

// ciJobVars are the variables berth ci takes a job id from; a test that
// wants a random id must not inherit them from the CI running it.
var ciJobVars = []string{"GITHUB_RUN_ID", "CI_JOB_ID", "BUILDKITE_JOB_ID", "BUILD_TAG", "JOB_NAME", "BUILD_NUMBER", "CIRCLE_WORKFLOW_JOB_ID", "CIRCLE_BUILD_NUM"}

// ciCommand prepares `berth -p PROJECT ci args...` with BERTH_CI_ID=id,
// or with no job id at all when id is empty.
func (s *stack) ciCommand(ctx context.Context, id string, args ...string) *exec.Cmd {
	cmd := berthCommand(ctx, s.dir, append([]string{"-p", s.project, "ci"}, args...)...)
	env := cmd.Env[:0:0]
	for _, kv := range cmd.Env {
		name, _, _ := strings.Cut(kv, "=")
		keep := true
		for _, v := range ciJobVars {
			keep = keep && name != v
		}
		if keep {
			env = append(env, kv)
		}
	}
	if id != "" {
		env = append(env, "BERTH_CI_ID="+id)
	}
	cmd.Env = env
	return cmd
}

// ci runs berth ci to the end with BERTH_CI_ID=id and returns the ci
// project's name; the cleanup removes that project too.
func (s *stack) ci(id string, args ...string) (result, string) {
	s.t.Helper()
	project := s.project + "-ci-" + id
	s.sibling(project)
	ctx, cancel := context.WithTimeout(context.Background(), berthTimeout)
	defer cancel()
	return runCmd(s.ciCommand(ctx, id, args...), append([]string{"berth", "ci"}, args...)), project
}

func TestCIExitCodeLeavesNothing(t *testing.T) {
	t.Parallel()
	s := shellStack(t, ciCompose)
	dir := t.TempDir()
	report, junit := filepath.Join(dir, "report.json"), filepath.Join(dir, "junit.xml")
	r, project := s.ci("e3", "--report", report, "--junit", junit, "tests", "--", "sh", "-c", "cat /data/ready; echo $BERTH_CI_PROJECT; echo port=$BERTH_PORT_DB_80; exit 3")
	if r.code != 3 {
		t.Fatalf("ci with a run that exits 3: want exit 3, got %v", r)
	}
	if !strings.Contains(r.stdout, "migrated\n"+project+"\n") {
		t.Errorf("ci stdout %q, want the run's output: what init wrote, then the project", r.stdout)
	}
	if m := regexp.MustCompile(`port=(\d+)`).FindStringSubmatch(r.stdout); m == nil || m[1] == "47211" || m[1] == "0" {
		t.Errorf("ci stdout %q, want BERTH_PORT_DB_80 set to the ephemeral port db got", r.stdout)
	}
	if err := gone(project); err != nil {
		t.Errorf("after ci: %v\n%v", err, r)
	}
	var rep struct {
		Outcome  string `json:"outcome"`
		ExitCode int    `json:"exit_code"`
		Phases   []struct{ Name string }
		Services []struct {
			Name       string
			Problem    string
			Containers []struct {
				State    string
				ExitCode int `json:"exit_code"`
			}
		}
		Run struct {
			ExitCode int `json:"exit_code"`
			Logs     []string
		}
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, b)
	}
	if rep.Outcome != "failed" || rep.ExitCode != 3 || rep.Run.ExitCode != 3 || len(rep.Phases) != 4 || len(rep.Services) != 2 {
		t.Errorf("report got %s", b)
	}
	for _, svc := range rep.Services {
		if svc.Problem != "" {
			t.Errorf("report: service %s has problem %q, want none", svc.Name, svc.Problem)
		}
		if svc.Name == "init" && (len(svc.Containers) != 1 || svc.Containers[0].State != "exited" || svc.Containers[0].ExitCode != 0) {
			t.Errorf("report: init got %+v, want exited 0", svc.Containers)
		}
	}
	if x, err := os.ReadFile(junit); err != nil || !strings.Contains(string(x), `<failure message="tests exited with code 3"`) {
		t.Errorf("junit (%v):\n%s", err, x)
	}
}

func TestCIPassesLeavesNothing(t *testing.T) {
	t.Parallel()
	s := shellStack(t, ciCompose)
	r, project := s.ci("ok", "tests")
	if r.code != 0 || !strings.Contains(r.stdout, "migrated") {
		t.Fatalf("ci tests: want exit 0 and the run's output, got %v", r)
	}
	if !strings.Contains(r.stderr, "Starting reaper") {
		t.Errorf("ci did not take the lease with the reaper:\n%s", r.stderr)
	}
	if err := gone(project); err != nil {
		t.Errorf("after ci: %v\n%v", err, r)
	}
}

func TestCINeverReady(t *testing.T) {
	t.Parallel()
	s := shellStack(t, strings.Replace(ciCompose, `["CMD", "test", "-f", "/data/ready"]`,
		`["CMD", "sh", "-c", "echo db refuses connections; exit 1"]`, 1))
	report := filepath.Join(t.TempDir(), "report.json")
	r, project := s.ci("nr", "--wait-timeout", "4", "--report", report, "tests")
	if r.code != 124 {
		t.Fatalf("ci with a db that never gets healthy: want exit 124, got %v", r)
	}
	if !strings.Contains(r.stderr, "service db: container "+project+"-db-1") || !strings.Contains(r.stderr, "db refuses connections") {
		t.Errorf("ci stderr does not name db and its probe output:\n%s", r.stderr)
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"outcome": "not-ready"`) || !strings.Contains(string(b), `"name": "db",`+"\n"+`      "problem": "container `+project+`-db-1 is still starting`) {
		t.Errorf("report does not name db as not ready:\n%s", b)
	}
	if err := gone(project); err != nil {
		t.Errorf("after ci: %v", err)
	}
}

func TestCISIGTERMTearsDown(t *testing.T) {
	t.Parallel()
	project, cmd, stderr := startCIRun(t, "term")
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if cmd.ProcessState.ExitCode() != 130 {
		t.Errorf("ci after SIGTERM: want exit 130, got %v\n%s", err, stderr.String())
	}
	if err := gone(project); err != nil {
		t.Errorf("after SIGTERM: %v\n%s", err, stderr.String())
	}
}

// TestCISIGKILLReaps kills berth ci outright mid-run: its reaper must
// remove the stack, the running one-off container included, within the
// 30 seconds issue 18 sets.
func TestCISIGKILLReaps(t *testing.T) {
	t.Parallel()
	project, cmd, _ := startCIRun(t, "kill")
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	itest.Eventually(t, 30*time.Second, "stack removed after kill -9 of berth ci", func() error { return gone(project) })
}

// startCIRun starts `berth ci tests sleep 300` and returns once the run's
// one-off container is running.
func startCIRun(t *testing.T, id string) (string, *exec.Cmd, *lockedBuffer) {
	s := shellStack(t, ciCompose)
	project := s.project + "-ci-" + id
	s.sibling(project)
	ctx, cancel := context.WithTimeout(context.Background(), berthTimeout)
	t.Cleanup(cancel)
	cmd := s.ciCommand(ctx, id, "tests", "sleep", "300")
	var stdout, stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	itest.Eventually(t, 2*time.Minute, "the run's one-off container running", func() error {
		out, err := docker("ps", "-q", "--filter", "label="+engine.LabelProject+"="+project, "--filter", "label="+engine.LabelOneoff+"=True")
		if err == nil && out == "" {
			err = fmt.Errorf("no one-off container running yet\n%s", stderr.String())
		}
		return err
	})
	return project, cmd, &stderr
}

// TestCIParallel runs eight ci of one project at once without a job id:
// each gets a random one, so none collides with another.
func TestCIParallel(t *testing.T) {
	t.Parallel()
	s := shellStack(t, ciCompose)
	const n = 8
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), berthTimeout)
			defer cancel()
			results[i] = runCmd(s.ciCommand(ctx, "", "tests"), []string{"berth", "ci", "tests"})
		}()
	}
	wg.Wait()
	projects := map[string]bool{}
	for _, r := range results {
		if r.code != 0 {
			t.Errorf("parallel ci: %v", r)
		}
		_, rest, _ := strings.Cut(r.stderr, "berth ci: project ")
		name, _, _ := strings.Cut(rest, " ")
		if !strings.HasPrefix(name, s.project+"-ci-") {
			t.Errorf("parallel ci named no project:\n%s", r.stderr)
			continue
		}
		projects[name] = true
		s.sibling(name)
	}
	if len(projects) != n && !t.Failed() {
		t.Errorf("parallel ci projects got %v, want %d different ones", projects, n)
	}
	for p := range projects {
		if err := gone(p); err != nil {
			t.Error(err)
		}
	}
}
