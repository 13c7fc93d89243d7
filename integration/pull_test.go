package integration

import (
	"context"
	"encoding/base64"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/berth-dev/berth/engine"
)

// startRegistry serves an in-memory registry on 127.0.0.1, which dockerd
// treats as insecure (plain HTTP), and returns its host:port. wrap, when
// set, sits in front of it (to demand credentials, say).
func startRegistry(t *testing.T, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	var h http.Handler = registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// seed pushes the test image to ref with the docker CLI (under config, a
// docker config directory, when set), then removes the local tag so that
// only a pull can bring it back. The tag is removed again at cleanup,
// whatever pulled it; the test image itself is never removed.
func (s *stack) seed(ref, config string) {
	s.t.Helper()
	s.forgetImage(ref)
	mustDocker(s.t, "tag", s.image, ref)
	args := []string{"push", ref}
	if config != "" {
		args = append([]string{"--config", config}, args...)
	}
	mustDocker(s.t, args...)
	mustDocker(s.t, "rmi", ref)
}

// forgetImage removes the local tag ref when the test ends, once the
// project is down: an image its containers still use cannot be removed.
func (s *stack) forgetImage(ref string) {
	s.afterDown = append(s.afterDown, func() { _, _ = docker("rmi", ref) })
}

func imagePresent(ref string) bool {
	_, err := docker("image", "inspect", "--format", "{{.Id}}", ref)
	return err == nil
}

func TestUpPullsFromRegistry(t *testing.T) {
	t.Parallel()
	reg := startRegistry(t, nil)
	s := newStack(t, "")
	ref := reg + "/" + s.project + ":1"
	s.seed(ref, "")
	s.write("compose.yaml", "services:\n  app:\n    image: "+ref+"\n    command: [\"serve\", \"8080\"]\n")

	r := s.mustBerth("--progress", "plain", "up", "-d")
	if !strings.Contains(r.stderr, "Image "+ref+"  Pulled") {
		t.Errorf("up -d did not report the pull:\n%v", r)
	}
	s.wantRunning(s.name("app", 1))
	// Converged, with the image local: nothing to pull, nothing to do.
	if r := s.berth("plan", "--detailed-exitcode"); r.code != 0 {
		t.Errorf("plan after up got exit %d, want 0\n%v", r.code, r)
	}

	// berth pull fetches it again; -q prints nothing; --policy missing
	// skips it because it is present.
	if r := s.mustBerth("--progress", "plain", "pull"); !strings.Contains(r.stderr, "Pulled") {
		t.Errorf("pull did not report the pull:\n%v", r)
	}
	if r := s.mustBerth("pull", "-q"); r.stderr != "" || r.stdout != "" {
		t.Errorf("pull -q printed something:\n%v", r)
	}
	if r := s.mustBerth("--progress", "plain", "pull", "--policy", "missing"); !strings.Contains(r.stderr, "Skipped - Image is already present locally") {
		t.Errorf("pull --policy missing did not skip the present image:\n%v", r)
	}

	// pull_policy: always pulls on every up, and leaves a container of an
	// unchanged image alone.
	before := s.ids()
	s.write("compose.yaml", "services:\n  app:\n    image: "+ref+"\n    command: [\"serve\", \"8080\"]\n    pull_policy: always\n")
	r = s.mustBerth("--progress", "plain", "up", "-d")
	if !strings.Contains(r.stderr, "Image "+ref+"  Pulled") {
		t.Errorf("up -d with pull_policy: always did not pull:\n%v", r)
	}
	if after := s.ids(); after[s.name("app", 1)] != before[s.name("app", 1)] {
		t.Errorf("re-pulling an unchanged image recreated the container: %v -> %v", before, after)
	}
}

func TestUpMissingInRegistryCreatesNothing(t *testing.T) {
	t.Parallel()
	reg := startRegistry(t, nil)
	s := newStack(t, "")
	ref := reg + "/" + s.project + "-absent:1"
	s.forgetImage(ref)
	s.write("compose.yaml", "volumes:\n  data: {}\nservices:\n  app:\n    image: "+ref+"\n    volumes: [data:/data]\n  other:\n    image: @IMAGE@\n")
	r := s.berth("up", "-d")
	if r.code != 18 || !strings.Contains(r.stderr, `service "app": pull `+ref) {
		t.Fatalf("up -d with an image the registry lacks: want exit 18 (compose's pull failure) naming service app and %s\n%v", ref, r)
	}
	for _, kind := range []string{"network", "volume"} {
		if out := mustDocker(t, kind, "ls", "-q", "--filter", "label="+engine.LabelProject+"="+s.project); out != "" {
			t.Errorf("failed up left %ss %s", kind, out)
		}
	}
	if got := s.containers(); len(got) != 0 {
		t.Errorf("failed up left containers %v", got)
	}
	if r := s.berth("pull"); r.code != 18 {
		t.Errorf("pull of an absent image got exit %d, want 18\n%v", r.code, r)
	}
	if r := s.berth("pull", "--ignore-pull-failures"); r.code != 0 {
		t.Errorf("pull --ignore-pull-failures got exit %d, want 0\n%v", r.code, r)
	}
}

func TestPushThenPull(t *testing.T) {
	t.Parallel()
	reg := startRegistry(t, nil)
	s := newStack(t, "")
	ref := reg + "/" + s.project + ":2"
	s.forgetImage(ref)
	mustDocker(t, "tag", s.image, ref)
	s.write("Dockerfile", "FROM "+s.image+"\n")
	s.write("compose.yaml", "services:\n  app:\n    image: "+ref+"\n    build: .\n")
	if r := s.mustBerth("--progress", "plain", "push"); !strings.Contains(r.stderr, "Image "+ref+"  Pushed") {
		t.Errorf("push did not report the push:\n%v", r)
	}
	mustDocker(t, "rmi", ref)
	s.mustBerth("pull", "-q")
	if !imagePresent(ref) {
		t.Errorf("after push and pull %s is not local", ref)
	}
}

// TestPullWithCredentials: a registry demanding basic auth is pulled from
// with the credentials of DOCKER_CONFIG's config.json, and refused
// without them.
func TestPullWithCredentials(t *testing.T) {
	t.Parallel()
	const user, pass = "berth", "s3cret-pull"
	reg := startRegistry(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
				w.Header().Set("WWW-Authenticate", `Basic realm="berth-test"`)
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	config := t.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	if err := os.WriteFile(filepath.Join(config, "config.json"), []byte(`{"auths":{"`+reg+`":{"auth":"`+auth+`"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	s := newStack(t, "")
	ref := reg + "/" + s.project + ":1"
	s.seed(ref, config)
	s.write("compose.yaml", "services:\n  app:\n    image: "+ref+"\n")

	anonymous := t.TempDir() // an empty config: no credentials
	pull := func(configDir string) result {
		ctx, cancel := context.WithTimeout(context.Background(), berthTimeout)
		defer cancel()
		cmd := berthCommand(ctx, s.dir, "-p", s.project, "pull")
		cmd.Env = append(cmd.Env, "DOCKER_CONFIG="+configDir)
		return runCmd(cmd, []string{"berth", "pull"})
	}
	if r := pull(anonymous); r.code != 18 || !strings.Contains(r.stderr, `service "app": pull `+ref) {
		t.Errorf("pull without credentials: want exit 18 naming the service\n%v", r)
	}
	if r := pull(config); r.code != 0 {
		t.Fatalf("pull with DOCKER_CONFIG credentials failed\n%v", r)
	}
	if !imagePresent(ref) {
		t.Errorf("after an authenticated pull %s is not local", ref)
	}
}

// TestPullAlwaysRecreatesChangedImage: when a pull brings a new image for
// the tag, up recreates the containers of the old one, as compose does.
func TestPullAlwaysRecreatesChangedImage(t *testing.T) {
	t.Parallel()
	reg := startRegistry(t, nil)
	s := newStack(t, "")
	ref := reg + "/" + s.project + ":1"
	s.seed(ref, "")
	s.write("compose.yaml", "services:\n  app:\n    image: "+ref+"\n    command: [\"serve\", \"8080\"]\n")
	s.mustBerth("up", "-d")
	before := s.ids()[s.name("app", 1)]

	// A second image under the same tag in the registry; locally the tag
	// goes back to the first.
	build := t.TempDir()
	if err := os.WriteFile(filepath.Join(build, "Dockerfile"), []byte("FROM "+s.image+"\nLABEL berth.test.variant="+s.project+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustDocker(t, "build", "-q", "-t", ref, build)
	v2 := mustDocker(t, "image", "inspect", "--format", "{{.Id}}", ref)
	s.forgetImage(v2)
	mustDocker(t, "push", ref)
	mustDocker(t, "tag", s.image, ref)

	// Without --pull the local image is used: nothing changes.
	s.mustBerth("up", "-d")
	if now := s.ids()[s.name("app", 1)]; now != before {
		t.Fatalf("up -d without a pull recreated the container")
	}
	r := s.mustBerth("--progress", "plain", "up", "-d", "--pull", "always", "--quiet-pull")
	after := s.ids()[s.name("app", 1)]
	if after == before {
		t.Fatalf("up -d --pull always with a changed image kept the old container\n%v", r)
	}
	if got := s.inspect(after, "{{.Image}}"); got != v2 {
		t.Errorf("recreated container runs image %s, want the pulled %s", got, v2)
	}
}
