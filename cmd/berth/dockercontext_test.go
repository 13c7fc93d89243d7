package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/testimage"
)

// contextProject writes a one-service compose file and returns its path.
func contextProject(t *testing.T) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "compose.yaml")
	if err := os.WriteFile(file, []byte("services:\n  web:\n    image: berth-test\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestContextFlagErrors checks that --context reaches every engine that
// talks to a daemon, and is refused by the one that does not.
func TestContextFlagErrors(t *testing.T) {
	file := contextProject(t)
	cfg := t.TempDir()
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string // all of stderr
	}{
		{"docker engine", map[string]string{"DOCKER_CONFIG": cfg},
			[]string{"--context", "nope", "-f", file, "ps"},
			"berth: context \"nope\" does not exist: list them with docker context ls\n"},
		{"swarm engine", map[string]string{"DOCKER_CONFIG": cfg},
			[]string{"--engine", "swarm", "--context", "nope", "-f", file, "ps"},
			"berth: context \"nope\" does not exist: list them with docker context ls\n"},
		{"DOCKER_CONTEXT", map[string]string{"DOCKER_CONFIG": cfg, "DOCKER_CONTEXT": "nope"},
			[]string{"-f", file, "ps"},
			"berth: DOCKER_CONTEXT: context \"nope\" does not exist: list them with docker context ls\n"},
		{"native engine", map[string]string{"DOCKER_CONFIG": cfg},
			[]string{"--engine", "native", "--context", "nope", "-f", file, "ps"},
			"berth: --context \"nope\": the native engine runs containers itself and has no daemon to reach: drop --context, or use --engine docker or swarm\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := execute(t, tc.env, "", tc.args...)
			if code != 1 || stderr != tc.want {
				t.Errorf("berth %v got code %d stderr %q, want 1 and %q", tc.args, code, stderr, tc.want)
			}
		})
	}
}

// TestContextFlagDaemon runs `berth --context NAME ps` against the local
// daemon through a context the docker CLI created, with DOCKER_HOST
// pointing nowhere: the flag must win over it, as with the docker CLI.
func TestContextFlagDaemon(t *testing.T) {
	testimage.RequireDocker(t)
	docker, err := exec.LookPath("docker")
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("the docker CLI is not installed (set CI=1 to make this a failure)")
		}
		t.Fatal(err)
	}
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	name := "berthtest-" + hex.EncodeToString(suffix)
	// A config directory of the test's own, so that neither the user's
	// contexts nor their current context are touched.
	cfg := t.TempDir()
	dockerCLI := func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, docker, append([]string{"--config", cfg}, args...)...).CombinedOutput()
		return string(out), err
	}
	if out, err := dockerCLI("context", "create", name, "--docker", "host=unix:///var/run/docker.sock"); err != nil {
		t.Fatalf("docker context create: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := dockerCLI("context", "rm", "--force", name); err != nil {
			t.Errorf("docker context rm %s: %v: %s", name, err, out)
		}
	})

	file := contextProject(t)
	project := name
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"--context beats DOCKER_HOST", map[string]string{"DOCKER_CONFIG": cfg, "DOCKER_HOST": "unix:///nonexistent/docker.sock"},
			[]string{"--context", name, "-f", file, "-p", project, "ps"}},
		{"DOCKER_CONTEXT", map[string]string{"DOCKER_CONFIG": cfg, "DOCKER_CONTEXT": name},
			[]string{"-f", file, "-p", project, "ps"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := execute(t, tc.env, "", tc.args...)
			if code != 0 || !strings.HasPrefix(stdout, "NAME") {
				t.Errorf("berth %v got code %d stdout %q stderr %q, want 0 and the ps header", tc.args, code, stdout, stderr)
			}
		})
	}
}
