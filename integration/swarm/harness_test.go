// Package swarm_test runs berth --engine swarm against a one-node swarm
// that TestMain makes on the local daemon, and leaves again, when the
// daemon is not in a swarm already. Every test deploys a stack of its own
// name and removes everything labelled with it when it ends, failed or
// not.
//
// The kernel these tests run on may lack IPVS, without which the routing
// mesh and service VIPs do not work: the stacks use endpoint_mode dnsrr and
// host-mode published ports. Images are built locally (internal/testimage)
// and used by their local tag; nothing is pulled.
//
// Tests run one at a time: they share the swarm and the two cores.
package swarm_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/itest"
	"github.com/berth-dev/berth/internal/testimage"
)

var berthBin string

const (
	berthTimeout  = 3 * time.Minute
	dockerTimeout = 2 * time.Minute
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	if _, err := docker("version", "--format", "{{.Server.APIVersion}}"); err != nil {
		return itest.Unavailable("swarm", fmt.Errorf("docker daemon unreachable: %w", err))
	}
	var remove func()
	var err error
	berthBin, _, remove, err = itest.Build(context.Background(), "berth-swarm-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "swarm:", err)
		return 1
	}
	defer remove()
	leave, err := ensureSwarm()
	if err != nil {
		fmt.Fprintln(os.Stderr, "swarm:", err)
		return 1
	}
	code := m.Run()
	if err := leave(); err != nil {
		fmt.Fprintln(os.Stderr, "swarm:", err)
		code = 1
	}
	return code
}

// ensureSwarm makes the daemon a one-node swarm unless it is in one, and
// returns how to undo what it did: leave the swarm and remove the bridge
// joining it created.
func ensureSwarm() (func() error, error) {
	state, err := docker("info", "--format", "{{.Swarm.LocalNodeState}}")
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(state) == "active" {
		return func() error { return nil }, nil
	}
	_, gwErr := docker("network", "inspect", "docker_gwbridge")
	hadBridge := gwErr == nil
	if _, err := docker("swarm", "init", "--advertise-addr", "127.0.0.1"); err != nil {
		return nil, fmt.Errorf("make a one-node swarm: %w", err)
	}
	return func() error {
		if _, err := docker("swarm", "leave", "--force"); err != nil {
			return fmt.Errorf("leave the swarm this test run made: %w", err)
		}
		if !hadBridge {
			if _, err := docker("network", "rm", "docker_gwbridge"); err != nil {
				return fmt.Errorf("remove the docker_gwbridge the swarm made: %w", err)
			}
		}
		return nil
	}, nil
}

func docker(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), dockerTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("docker %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

func mustDocker(t *testing.T, args ...string) string {
	t.Helper()
	out, err := docker(args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// stack is one test's project.
type stack struct {
	t       *testing.T
	project string
	dir     string
	compose *strings.Replacer
}

// newStack writes compose as compose.yaml in a fresh directory, under a
// project name of its own, and removes everything of the project when the
// test ends. @IMAGE@ stands for the test program's image, @SHELL@ for
// busybox's, @PROJECT@ for the project name.
func newStack(t *testing.T, compose string) *stack {
	t.Helper()
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	s := &stack{t: t, project: "bsw" + hex.EncodeToString(b), dir: t.TempDir()}
	image, shell := testimage.Ensure(t), testimage.EnsureShell(t)
	s.compose = strings.NewReplacer("@IMAGE@", image, "@SHELL@", shell, "@PROJECT@", s.project)
	s.write("compose.yaml", compose)
	t.Cleanup(s.cleanup)
	return s
}

func (s *stack) write(name, content string) {
	s.t.Helper()
	if err := os.WriteFile(filepath.Join(s.dir, name), []byte(s.compose.Replace(content)), 0o644); err != nil {
		s.t.Fatal(err)
	}
}

type result struct {
	stdout, stderr string
	code           int
}

func (s *stack) berth(args ...string) result {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), berthTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, berthBin, append([]string{"--engine", "swarm", "-p", s.project, "--progress", "plain"}, args...)...)
	cmd.Dir = s.dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		s.t.Fatalf("berth %s: %v", strings.Join(args, " "), err)
	}
	return r
}

func (s *stack) mustBerth(args ...string) result {
	s.t.Helper()
	r := s.berth(args...)
	if r.code != 0 {
		s.t.Fatalf("berth %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// label is the filter that finds what belongs to the project.
func (s *stack) label() string { return "label=com.docker.stack.namespace=" + s.project }

// leftovers lists what of the project is still on the daemon.
func (s *stack) leftovers() []string {
	var left []string
	for _, kind := range [][]string{
		{"service", "ls"}, {"network", "ls"}, {"secret", "ls"}, {"config", "ls"}, {"ps", "-a"},
	} {
		out, _ := docker(append(kind, "-q", "--filter", s.label())...)
		for _, id := range strings.Fields(out) {
			left = append(left, kind[0]+" "+id)
		}
	}
	return left
}

// cleanup removes the project however the test ended: berth down first,
// then docker itself for whatever that left, waiting for the tasks.
func (s *stack) cleanup() {
	s.berth("down")
	deadline := time.Now().Add(time.Minute)
	for {
		left := s.leftovers()
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			s.t.Errorf("project %s left behind: %v", s.project, left)
			return
		}
		for _, l := range left {
			kind, id, _ := strings.Cut(l, " ")
			switch kind {
			case "ps":
				_, _ = docker("rm", "-f", id)
			default:
				_, _ = docker(kind, "rm", id)
			}
		}
		time.Sleep(time.Second)
	}
}

// container returns the ID of a running container of the service's
// task, on this node.
func (s *stack) container(service string) string {
	s.t.Helper()
	out := mustDocker(s.t, "ps", "-q", "--filter", "label=com.docker.swarm.service.name="+s.project+"_"+service, "--filter", "status=running")
	ids := strings.Fields(out)
	if len(ids) == 0 {
		s.t.Fatalf("no running container of service %s", service)
	}
	return ids[0]
}

// versions returns the spec version of each of the project's services.
func (s *stack) versions() map[string]string {
	s.t.Helper()
	out := mustDocker(s.t, "service", "ls", "-q", "--filter", s.label())
	v := map[string]string{}
	for _, id := range strings.Fields(out) {
		line := mustDocker(s.t, "service", "inspect", "--format", "{{.Spec.Name}} {{.Version.Index}}", id)
		name, version, _ := strings.Cut(strings.TrimSpace(line), " ")
		v[strings.TrimPrefix(name, s.project+"_")] = version
	}
	return v
}
