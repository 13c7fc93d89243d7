package swarm_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/itest"
)

// freePort returns a TCP port nothing listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestDeploy: replicas answer by DNS over an overlay network, a host-mode
// port answers from the host, a secret is readable by the service that
// declares it, and ps lists the tasks.
func TestDeploy(t *testing.T) {
	port := freePort(t)
	s := newStack(t, fmt.Sprintf(`
services:
  web:
    image: @IMAGE@
    command: ["serve", "8080"]
    networks: [back]
    deploy:
      replicas: 2
      endpoint_mode: dnsrr
  front:
    image: @IMAGE@
    command: ["serve", "8080"]
    environment:
      MESSAGE: front
    networks: [back]
    ports:
      - target: 8080
        published: %d
        mode: host
    secrets: [token]
    deploy:
      endpoint_mode: dnsrr
networks:
  back: {}
secrets:
  token:
    file: ./token.txt
`, port))
	s.write("token.txt", "s3cret\n")
	s.mustBerth("up", "-d", "--wait", "--wait-timeout", "120")

	t.Run("dns", func(t *testing.T) {
		front := s.container("front")
		itest.Eventually(t, 30*time.Second, "both web replicas in DNS", func() error {
			for _, name := range []string{"web", "tasks.web"} {
				out, err := docker("exec", front, "/berth-test", "resolve", name)
				if err != nil {
					return err
				}
				if n := len(strings.Fields(out)); n != 2 {
					return fmt.Errorf("%s resolves to %d addresses, want 2: %q", name, n, out)
				}
			}
			return nil
		})
		out := mustDocker(t, "exec", front, "/berth-test", "get", "http://web:8080/")
		if !strings.HasPrefix(out, "hello from") {
			t.Errorf("GET http://web:8080/ from front: %q", out)
		}
	})

	t.Run("host port", func(t *testing.T) {
		var body string
		itest.Eventually(t, 30*time.Second, "the host-mode port answers", func() error {
			resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", port))
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			body = string(b)
			return err
		})
		if !strings.Contains(body, "front") {
			t.Errorf("host port %d answered %q, want front's hello", port, body)
		}
	})

	t.Run("secret", func(t *testing.T) {
		out := mustDocker(t, "exec", s.container("front"), "/berth-test", "cat", "/run/secrets/token")
		if out != "s3cret\n" {
			t.Errorf("/run/secrets/token = %q", out)
		}
	})

	t.Run("ps", func(t *testing.T) {
		var tasks []struct{ Service, Name, Node, State, Error string }
		out := s.mustBerth("ps", "--format", "json").stdout
		if err := json.Unmarshal([]byte(out), &tasks); err != nil {
			t.Fatalf("ps --format json: %v\n%s", err, out)
		}
		running := map[string]int{}
		for _, task := range tasks {
			if task.State == "running" && task.Node != "" {
				running[task.Service]++
			}
		}
		if running["web"] != 2 || running["front"] != 1 {
			t.Errorf("running tasks by service = %v, want web 2, front 1\n%s", running, out)
		}
		// docker stack sees berth's stack.
		if out := mustDocker(t, "stack", "services", "--format", "{{.Name}}", s.project); len(strings.Fields(out)) != 2 {
			t.Errorf("docker stack services %s: %q", s.project, out)
		}
	})
}

// TestRollingUpdate: plan names only the changed service and field; up
// updates that service alone, whose tasks then run the new spec.
func TestRollingUpdate(t *testing.T) {
	compose := `
services:
  api:
    image: @IMAGE@
    command: ["serve", "8080"]
    environment:
      MESSAGE: v1
    deploy:
      replicas: 2
      endpoint_mode: dnsrr
      update_config:
        parallelism: 1
        order: start-first
  db:
    image: @IMAGE@
    deploy:
      endpoint_mode: dnsrr
`
	s := newStack(t, compose)
	s.mustBerth("up", "-d", "--wait", "--wait-timeout", "120")
	before := s.versions()
	if r := s.mustBerth("plan", "--detailed-exitcode"); !strings.Contains(r.stdout, "nothing to do") {
		t.Fatalf("plan right after up:\n%s", r.stdout)
	}

	s.write("compose.yaml", strings.Replace(compose, "MESSAGE: v1", "MESSAGE: v2", 1))
	plan := s.berth("plan", "--detailed-exitcode")
	if plan.code != 2 {
		t.Fatalf("plan --detailed-exitcode: exit %d, want 2\n%s%s", plan.code, plan.stdout, plan.stderr)
	}
	want := fmt.Sprintf("stack %s: 1 action\n#0 update-service %s_api\n    env-changed: environment.MESSAGE changed\n", s.project, s.project)
	if plan.stdout != want {
		t.Errorf("plan:\n%s\nwant:\n%s", plan.stdout, want)
	}

	s.mustBerth("up", "-d", "--wait", "--wait-timeout", "120")
	after := s.versions()
	if after["db"] != before["db"] {
		t.Errorf("db's version went from %s to %s; only api changed", before["db"], after["db"])
	}
	if after["api"] == before["api"] {
		t.Errorf("api's version stayed %s", after["api"])
	}
	itest.Eventually(t, 60*time.Second, "every api task runs v2", func() error {
		out := mustDocker(t, "ps", "-q", "--filter", "label=com.docker.swarm.service.name="+s.project+"_api", "--filter", "status=running")
		ids := strings.Fields(out)
		if len(ids) != 2 {
			return fmt.Errorf("%d api containers running", len(ids))
		}
		for _, id := range ids {
			env, err := docker("inspect", "--format", "{{json .Config.Env}}", id)
			if err != nil {
				return err
			}
			if !strings.Contains(env, "MESSAGE=v2") {
				return fmt.Errorf("container %s: env %s", id, env)
			}
		}
		return nil
	})
	if r := s.mustBerth("plan"); !strings.Contains(r.stdout, "nothing to do") {
		t.Errorf("plan after the update:\n%s", r.stdout)
	}

	t.Run("logs", func(t *testing.T) {
		if out := s.mustBerth("logs", "api").stdout; !strings.Contains(out, "api  | listening on :8080") && !strings.Contains(out, "api | listening on :8080") {
			t.Errorf("logs api:\n%s", out)
		}
	})
	t.Run("scale", func(t *testing.T) {
		s.mustBerth("scale", "api=3")
		itest.Eventually(t, 60*time.Second, "three api tasks running", func() error {
			var tasks []struct{ Service, State string }
			if err := json.Unmarshal([]byte(s.mustBerth("ps", "--format", "json", "api").stdout), &tasks); err != nil {
				return err
			}
			running := 0
			for _, task := range tasks {
				if task.State == "running" {
					running++
				}
			}
			if running != 3 {
				return fmt.Errorf("%d running", running)
			}
			return nil
		})
	})
	t.Run("restart and rm", func(t *testing.T) {
		before := s.versions()["db"]
		s.mustBerth("restart", "db")
		if after := s.versions()["db"]; after == before {
			t.Errorf("restart db left its version at %s", before)
		}
		s.mustBerth("rm", "-f", "db")
		if v := s.versions(); v["db"] != "" || v["api"] == "" {
			t.Errorf("services after rm db: %v", v)
		}
	})
}

// TestAdoptStackDeploy: a stack deployed by docker stack deploy from the
// same file plans nothing, and up leaves every service's version as it
// was, where docker stack deploy itself would update them.
func TestAdoptStackDeploy(t *testing.T) {
	s := newStack(t, `
services:
  web:
    image: @IMAGE@
    command: ["serve", "8080"]
    environment:
      MESSAGE: hi
    labels:
      tier: front
    networks:
      back:
        aliases: [www]
    configs: [site]
    deploy:
      replicas: 2
      endpoint_mode: dnsrr
      labels:
        owner: team
      update_config:
        parallelism: 1
        order: start-first
  worker:
    image: @SHELL@
    command: ["sleep", "3600"]
    stop_grace_period: 2s
    healthcheck:
      test: ["CMD", "true"]
      interval: 5s
    deploy:
      endpoint_mode: dnsrr
      restart_policy:
        condition: on-failure
networks:
  back:
    attachable: true
configs:
  site:
    file: ./site.txt
`)
	s.write("site.txt", "welcome\n")
	mustDocker(t, "stack", "deploy", "--resolve-image", "never", "-c", s.dir+"/compose.yaml", s.project)
	before := s.versions()
	if len(before) != 2 {
		t.Fatalf("services after docker stack deploy: %v", before)
	}
	if r := s.berth("plan", "--detailed-exitcode"); r.code != 0 || !strings.Contains(r.stdout, "nothing to do") {
		t.Errorf("plan of the adopted stack: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	s.mustBerth("up", "-d", "--wait", "--wait-timeout", "120")
	if after := s.versions(); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("up changed versions of the adopted stack: %v → %v", before, after)
	}
	// And docker stack sees the stack berth now manages.
	if out := mustDocker(t, "stack", "ps", "--filter", "desired-state=running", "--format", "{{.Name}}", s.project); len(strings.Fields(out)) != 3 {
		t.Errorf("docker stack ps %s: %q, want 3 tasks", s.project, out)
	}
}

// TestWaitFailure: up --wait on a service whose tasks keep failing names
// the service, the task's error and its last log lines.
func TestWaitFailure(t *testing.T) {
	s := newStack(t, `
services:
  broken:
    image: @SHELL@
    command: ["sh", "-c", "echo starting; echo cannot open database >&2; exit 3"]
    deploy:
      endpoint_mode: dnsrr
      restart_policy:
        delay: 1s
`)
	r := s.berth("up", "-d", "--wait", "--wait-timeout", "120")
	if r.code == 0 {
		t.Fatalf("up --wait of a failing service succeeded:\n%s", r.stderr)
	}
	for _, want := range []string{"service broken did not converge", "non-zero exit (3)", "cannot open database"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("up --wait error lacks %q:\n%s", want, r.stderr)
		}
	}
}

// TestDownLeavesNothing: down removes the project's services, networks,
// secrets and configs, waits for the tasks, and leaves what is not the
// project's alone.
func TestDownLeavesNothing(t *testing.T) {
	s := newStack(t, `
services:
  app:
    image: @SHELL@
    command: ["sleep", "3600"]
    secrets: [pw, ext]
    configs: [conf]
    deploy:
      endpoint_mode: dnsrr
secrets:
  pw:
    file: ./pw.txt
  ext:
    external: true
    name: @PROJECT@_ext
configs:
  conf:
    content: x=1
`)
	s.write("pw.txt", "hunter2")
	foreign := s.project + "_foreign"
	mustDocker(t, "network", "create", "--driver", "overlay", foreign)
	t.Cleanup(func() { _, _ = docker("network", "rm", foreign) })
	// An external secret, made by hand without the project's label.
	ext := s.project + "_ext"
	mustDocker(t, "secret", "create", ext, s.dir+"/pw.txt")
	t.Cleanup(func() { _, _ = docker("secret", "rm", ext) })
	s.mustBerth("up", "-d", "--wait", "--wait-timeout", "120")
	s.mustBerth("down")
	if left := s.leftovers(); len(left) > 0 {
		t.Errorf("down left %v", left)
	}
	if _, err := docker("network", "inspect", foreign); err != nil {
		t.Errorf("down removed the unlabelled network %s: %v", foreign, err)
	}
	if _, err := docker("secret", "inspect", ext); err != nil {
		t.Errorf("down removed the external secret %s: %v", ext, err)
	}
}

// TestJob: up --wait on a replicated job returns once its completions
// are done.
func TestJob(t *testing.T) {
	s := newStack(t, `
services:
  migrate:
    image: @SHELL@
    command: ["sh", "-c", "echo migrated"]
    deploy:
      mode: replicated-job
      replicas: 2
      endpoint_mode: dnsrr
`)
	s.mustBerth("up", "-d", "--wait", "--wait-timeout", "120")
	var tasks []struct{ Service, State string }
	out := s.mustBerth("ps", "--format", "json").stdout
	if err := json.Unmarshal([]byte(out), &tasks); err != nil {
		t.Fatal(err)
	}
	complete := 0
	for _, task := range tasks {
		if task.State == "complete" {
			complete++
		}
	}
	if complete != 2 {
		t.Errorf("completed job tasks: %d, want 2\n%s", complete, out)
	}
	if r := s.mustBerth("plan"); !strings.Contains(r.stdout, "nothing to do") {
		t.Errorf("plan after the job ran:\n%s", r.stdout)
	}
}
