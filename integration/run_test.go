package integration

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/testimage"
)

// shellStack is a stack whose services run busybox: @SHELL@ in compose
// stands for the image.
func shellStack(t *testing.T, compose string) *stack {
	t.Helper()
	return newStack(t, strings.ReplaceAll(compose, "@SHELL@", testimage.EnsureShell(t)))
}

// oneOffs lists the names of the project's one-off containers.
func (s *stack) oneOffs() []string {
	s.t.Helper()
	return nonEmptyLines(mustDocker(s.t, "ps", "-a", "--format", "{{.Names}}",
		"--filter", "label=com.docker.compose.project="+s.project,
		"--filter", "label=com.docker.compose.oneoff=True"))
}

const runCompose = `
services:
  db:
    image: @SHELL@
    command: ["sleep", "300"]
    init: true
  app:
    image: @SHELL@
    command: ["sleep", "300"]
    init: true
    depends_on: [db]
    ports: ["127.0.0.1::80"]
    environment: {MODE: prod}
`

func TestRunRmExitCodeAndDependencies(t *testing.T) {
	t.Parallel()
	s := shellStack(t, runCompose)
	r := s.berth("run", "--rm", "app", "sh", "-c", "echo out; echo err >&2; exit 3")
	if r.code != 3 || !strings.Contains(r.stdout, "out\n") || !strings.Contains(r.stderr, "err\n") {
		t.Fatalf("run --rm app exit 3: want exit 3, out on stdout, err on stderr; got %v", r)
	}
	if left := s.oneOffs(); len(left) != 0 {
		t.Errorf("run --rm left %v", left)
	}
	s.wantRunning(s.name("db", 1))
}

func TestRunOverrides(t *testing.T) {
	t.Parallel()
	s := shellStack(t, runCompose)
	r := s.mustBerth("run", "--rm", "--no-deps", "-e", "MODE=test", "-w", "/tmp", "-u", "1234", "app", "sh", "-c", "echo $MODE $(pwd) $(id -u)")
	if got := strings.TrimSpace(r.stdout); got != "test /tmp 1234" {
		t.Errorf("run -e -w -u printed %q, want %q", got, "test /tmp 1234")
	}
	r = s.mustBerth("run", "--rm", "--no-deps", "--entrypoint", "echo hello", "app")
	if got := strings.TrimSpace(r.stdout); got != "hello" {
		t.Errorf("run --entrypoint 'echo hello' printed %q, want hello", got)
	}
	r = s.mustBerth("run", "--rm", "--no-deps", "-T", "app", "sh", "-c", "test -t 0 || echo no-tty")
	if got := strings.TrimSpace(r.stdout); got != "no-tty" {
		t.Errorf("run -T printed %q, want no-tty", got)
	}
	if _, ok := s.containers()[s.name("db", 1)]; ok {
		t.Error("run --no-deps started db")
	}
}

func TestRunServicePorts(t *testing.T) {
	t.Parallel()
	s := shellStack(t, runCompose)
	for _, tc := range []struct {
		args      []string
		published bool
	}{
		{[]string{"run", "-d", "--no-deps", "app"}, false},
		{[]string{"run", "-d", "--no-deps", "--service-ports", "app"}, true},
	} {
		r := s.mustBerth(tc.args...)
		name := strings.TrimSpace(r.stdout)
		if !strings.HasPrefix(name, s.project+"-app-run-") || len(name) != len(s.project+"-app-run-")+12 {
			t.Fatalf("%v printed %q, want the one-off container's name", tc.args, name)
		}
		ports := s.inspect(name, `{{range $p, $b := .NetworkSettings.Ports}}{{$p}}={{range $b}}{{.HostPort}}{{end}};{{end}}`)
		if got := strings.Contains(ports, "80/tcp=") && !strings.Contains(ports, "80/tcp=;"); got != tc.published {
			t.Errorf("%v ports %q: published %v, want %v", tc.args, ports, got, tc.published)
		}
		if got := s.inspect(name, `{{index .Config.Labels "com.docker.compose.oneoff"}}`); got != "True" {
			t.Errorf("%v oneoff label %q, want True", tc.args, got)
		}
		mustDocker(t, "rm", "-f", name)
	}
}

func TestExec(t *testing.T) {
	t.Parallel()
	s := shellStack(t, runCompose+`    deploy: {replicas: 2}
`)
	s.mustBerth("up", "-d")
	r := s.berth("exec", "-T", "app", "sh", "-c", "exit 4")
	if r.code != 4 {
		t.Errorf("exec app exit 4: got %v", r)
	}
	r = s.mustBerth("exec", "-T", "-e", "X=2", "app", "sh", "-c", "echo $X $MODE")
	if got := strings.TrimSpace(r.stdout); got != "2 prod" {
		t.Errorf("exec -e X=2 printed %q, want %q", got, "2 prod")
	}
	r = s.mustBerth("exec", "-T", "--index", "2", "app", "hostname")
	id := s.containers()[s.name("app", 2)].ID
	if got := strings.TrimSpace(r.stdout); got == "" || !strings.HasPrefix(id, got) {
		t.Errorf("exec --index 2 ran in host %q, want %s (id %s)", got, s.name("app", 2), id)
	}
	r = s.berth("exec", "-T", "--index", "3", "app", "true")
	if r.code == 0 || !strings.Contains(r.stderr, `service "app"`) {
		t.Errorf("exec --index 3: want an error naming service app, got %v", r)
	}
}

func TestUpExitCodeFromServiceStoppedByAbort(t *testing.T) {
	t.Parallel()
	s := shellStack(t, `
services:
  check:
    image: @SHELL@
    command: ["sh", "-c", "sleep 1; exit 3"]
  server:
    image: @SHELL@
    command: ["sh", "-c", "trap 'exit 42' TERM; sleep 300 & wait"]
`)
	r := s.berth("up", "--exit-code-from", "server")
	if r.code != 42 {
		t.Fatalf("up --exit-code-from server after check's exit aborted the stack: want server's 42, got %v", r)
	}
	if !strings.Contains(r.stderr, "Aborting on container exit...") {
		t.Errorf("up --exit-code-from stderr %q, want the abort notice", r.stderr)
	}
}

func TestRunAndExecPipeStdin(t *testing.T) {
	t.Parallel()
	s := shellStack(t, runCompose)
	s.mustBerth("up", "-d", "--no-deps", "app")
	for _, args := range [][]string{
		{"run", "--rm", "--no-deps", "app", "sh", "-c", "tr a-z A-Z"},
		{"exec", "app", "sh", "-c", "tr a-z A-Z"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), berthTimeout)
		cmd := berthCommand(ctx, s.dir, append([]string{"-p", s.project}, args...)...)
		cmd.Stdin = strings.NewReader("piped in\n")
		r := runCmd(cmd, args)
		cancel()
		if r.code != 0 || r.stdout != "PIPED IN\n" {
			t.Errorf("%v with stdin: want exit 0 and PIPED IN, got %v", args, r)
		}
	}
}

func TestAttach(t *testing.T) {
	t.Parallel()
	s := shellStack(t, `
services:
  app:
    image: @SHELL@
    command: ["sh", "-c", "read x; echo got $$x; exit 6"]
    stdin_open: true
`)
	s.mustBerth("up", "-d")
	ctx, cancel := context.WithTimeout(context.Background(), berthTimeout)
	defer cancel()
	args := []string{"-p", s.project, "attach", "app"}
	cmd := berthCommand(ctx, s.dir, args...)
	// The input stays open: like docker attach, berth detaches when its
	// input ends on a container created without stdin_once.
	in, typed, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer typed.Close()
	cmd.Stdin = in
	if _, err := typed.WriteString("hello\n"); err != nil {
		t.Fatal(err)
	}
	r := runCmd(cmd, args)
	in.Close()
	if r.code != 6 || r.stdout != "got hello\n" {
		t.Errorf("attach app fed hello: want exit 6 and got hello, got %v", r)
	}
	r = s.berth("attach", "app")
	if r.code == 0 || !strings.Contains(r.stderr, `service "app" is not running`) {
		t.Errorf("attach to an exited service: want an error naming it, got %v", r)
	}
}

func TestUpAbortOnContainerFailure(t *testing.T) {
	t.Parallel()
	s := shellStack(t, `
services:
  ok:
    image: @SHELL@
    command: ["sh", "-c", "echo ok-out; exit 0"]
  bad:
    image: @SHELL@
    command: ["sh", "-c", "sleep 2; echo bad-out; exit 4"]
  server:
    image: @SHELL@
    command: ["sleep", "300"]
    init: true
`)
	r := s.berth("up", "--abort-on-container-failure", "--no-attach", "ok", "--timestamps")
	if r.code != 4 || !strings.Contains(r.stderr, "Aborting on container exit...") {
		t.Fatalf("up --abort-on-container-failure: want exit 4 after bad's failure and the abort notice, got %v", r)
	}
	if strings.Contains(r.stdout, "ok-out") || !strings.Contains(r.stdout, "bad-out") {
		t.Errorf("up --no-attach ok stdout\n%s\nwant bad's output and none of ok's", r.stdout)
	}
	if !strings.Contains(r.stdout, "Z bad-out") {
		t.Errorf("up --timestamps stdout\n%s\nwant each line to start with its RFC 3339 time", r.stdout)
	}
	if got := s.containers()[s.name("server", 1)].State; got != "exited" {
		t.Errorf("after the abort server is %q, want exited", got)
	}
}
