package reconcile

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/engine"
)

// project writes files (compose.yaml, .env, secret files…) into a fresh
// directory and loads it as docker compose would, .env included, without
// the process environment.
func project(t testing.TB, dir string, files map[string]string) *types.Project {
	t.Helper()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	opts, err := cli.NewProjectOptions([]string{filepath.Join(dir, "compose.yaml")},
		cli.WithWorkingDirectory(dir), cli.WithName("shop"),
		cli.WithEnvFiles(filepath.Join(dir, ".env")), cli.WithDotEnv)
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("load project in %s: %v", dir, err)
	}
	return p
}

const secretsYAML = `
secrets:
  db_password: {file: ./db_password.txt}
  api_token: {environment: API_TOKEN}
configs:
  app_conf: {content: "level=debug"}
  nginx: {file: ./nginx.conf}
services:
  web:
    image: busybox
    volumes: ["./override:/run/secrets/shadowed"]
    secrets:
      - db_password
      - {source: api_token, target: token, mode: 0400}
      - {source: db_password, target: shadowed}
      - {source: api_token, target: /etc/abs_token}
    configs:
      - app_conf
      - {source: nginx, target: /etc/nginx/nginx.conf}
`

func secretsFiles() map[string]string {
	return map[string]string{
		"compose.yaml":    secretsYAML,
		".env":            "API_TOKEN=tok-from-dotenv\n",
		"db_password.txt": "pw-from-file",
		"nginx.conf":      "events {}",
	}
}

func TestApplyMountsSecretsAndConfigs(t *testing.T) {
	dir, state := t.TempDir(), t.TempDir()
	p := project(t, dir, secretsFiles())
	f := newFake()
	plan := planUp(t, p, observe(t, f), UpOptions{})
	if err := Apply(context.Background(), plan, f, ApplyOptions{StateDir: state}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	web := containerNamed(t, observe(t, f), "shop-web-1")
	spec, err := f.Spec(web.ID)
	if err != nil {
		t.Fatal(err)
	}

	inline := filepath.Join(state, "berth-shop", "web")
	noCreate := &types.ServiceVolumeBind{CreateHostPath: false}
	bind := func(src, target string) types.ServiceVolumeConfig {
		return types.ServiceVolumeConfig{Type: types.VolumeTypeBind, Source: src, Target: target, ReadOnly: true, Bind: noCreate}
	}
	want := []types.ServiceVolumeConfig{
		{Type: types.VolumeTypeBind, Source: filepath.Join(dir, "override"), Target: "/run/secrets/shadowed", Bind: &types.ServiceVolumeBind{CreateHostPath: true}},
		bind(filepath.Join(dir, "db_password.txt"), "/run/secrets/db_password"),
		bind(filepath.Join(inline, "secrets", "api_token"), "/run/secrets/token"),
		// The volume at /run/secrets/shadowed wins over the secret, as in compose.
		bind(filepath.Join(inline, "secrets", "api_token.1"), "/etc/abs_token"),
		bind(filepath.Join(inline, "configs", "app_conf"), "/app_conf"),
		bind(filepath.Join(dir, "nginx.conf"), "/etc/nginx/nginx.conf"),
	}
	if d := cmp.Diff(want, spec.Service.Volumes); d != "" {
		t.Errorf("CreateContainer(web) volumes (-want +got):\n%s", d)
	}
	if spec.Service.Secrets != nil || spec.Service.Configs != nil {
		t.Errorf("CreateContainer(web) got secrets %v, configs %v; want none left for the engine", spec.Service.Secrets, spec.Service.Configs)
	}

	for _, file := range []struct {
		path, content string
		mode          fs.FileMode
	}{
		{filepath.Join(inline, "secrets", "api_token"), "tok-from-dotenv", 0o400},
		{filepath.Join(inline, "secrets", "api_token.1"), "tok-from-dotenv", 0o444},
		{filepath.Join(inline, "configs", "app_conf"), "level=debug", 0o444},
	} {
		b, err := os.ReadFile(file.path)
		if err != nil {
			t.Errorf("inline file: %v", err)
			continue
		}
		fi, _ := os.Stat(file.path)
		if string(b) != file.content || fi.Mode().Perm() != file.mode {
			t.Errorf("%s got %q mode %04o, want %q mode %04o", file.path, b, fi.Mode().Perm(), file.content, file.mode)
		}
	}
	if fi, err := os.Stat(filepath.Join(state, "berth-shop")); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("state directory got %v (err %v), want mode 0700", fi, err)
	}

	// The hash is compose's: computed on the service as written, secrets unresolved.
	wantHash, err := ServiceHash(p.Services["web"])
	if err != nil {
		t.Fatal(err)
	}
	if got := web.Labels[engine.LabelConfigHash]; got != wantHash {
		t.Errorf("web config-hash got %s, want ServiceHash(web as written) %s", got, wantHash)
	}
	if again := planUp(t, p, observe(t, f), UpOptions{}); !again.Empty() {
		t.Errorf("PlanUp after Apply got\n%s\nwant nothing to do", again)
	}

	// down removes what berth wrote.
	down, err := PlanDown(p, observe(t, f), DownOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := Apply(context.Background(), down, f, ApplyOptions{StateDir: state}); err != nil {
		t.Fatalf("Apply(down): %v", err)
	}
	if _, err := os.Stat(filepath.Join(state, "berth-shop")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after down, state directory stat got %v, want it removed", err)
	}
}

func TestPlanUpRejectsUnusableSecrets(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(files map[string]string)
		wants []string // substrings of the error
	}{
		{name: "missing file",
			edit:  func(files map[string]string) { delete(files, "db_password.txt") },
			wants: []string{"service web: secret db_password: stat ", "db_password.txt: no such file or directory; create it or fix secrets.db_password.file"}},
		{name: "missing config file",
			edit:  func(files map[string]string) { delete(files, "nginx.conf") },
			wants: []string{"service web: config nginx: stat ", "nginx.conf: no such file or directory; create it or fix configs.nginx.file"}},
		{name: "unset variable",
			edit:  func(files map[string]string) { files[".env"] = "" },
			wants: []string{"service web: secret api_token: environment variable API_TOKEN is not set"}},
		{name: "external",
			edit: func(files map[string]string) {
				files["compose.yaml"] = strings.Replace(files["compose.yaml"], "db_password: {file: ./db_password.txt}", "db_password: {external: true}", 1)
			},
			wants: []string{"service web: secret db_password is external"}},
		{name: "bad uid",
			edit: func(files map[string]string) {
				files["compose.yaml"] = strings.Replace(files["compose.yaml"], "target: token, mode: 0400", `target: token, uid: "app"`, 1)
			},
			wants: []string{`service web: secret api_token: uid "app" is not a number`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := secretsFiles()
			tt.edit(files)
			p := project(t, t.TempDir(), files)
			f := newFake()
			_, err := PlanUp(p, graph(t, p), observe(t, f), UpOptions{})
			if err == nil {
				t.Fatalf("PlanUp(%s) got no error", tt.name)
			}
			for _, want := range tt.wants {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("PlanUp(%s) got error %q, want it to contain %q", tt.name, err, want)
				}
			}
		})
	}
}

func TestPlanUpWarnsAboutIgnoredOwnership(t *testing.T) {
	files := secretsFiles()
	files["compose.yaml"] = strings.Replace(files["compose.yaml"], "      - db_password\n", "      - {source: db_password, uid: \"1000\"}\n", 1)
	p := project(t, t.TempDir(), files)
	plan := planUp(t, p, observe(t, newFake()), UpOptions{})
	want := "service web: secret db_password: uid, gid and mode apply only to environment: sources"
	if !strings.Contains(plan.String(), want) {
		t.Errorf("PlanUp(file secret with uid).String() got\n%s\nwant a warning %q", plan, want)
	}
}

func TestPlanUpChecksOnlyNewContainers(t *testing.T) {
	dir := t.TempDir()
	p := project(t, dir, secretsFiles())
	f := newFake()
	if err := Apply(context.Background(), planUp(t, p, observe(t, f), UpOptions{}), f, ApplyOptions{StateDir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	// An up-to-date container does not need its secret file again.
	if err := os.Remove(filepath.Join(dir, "db_password.txt")); err != nil {
		t.Fatal(err)
	}
	if plan := planUp(t, p, observe(t, f), UpOptions{}); !plan.Empty() {
		t.Errorf("PlanUp(up to date, secret file gone) got\n%s\nwant nothing to do", plan)
	}
	_, err := PlanUp(p, graph(t, p), observe(t, f), UpOptions{ForceRecreate: true})
	if err == nil || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "db_password.txt") {
		t.Errorf("PlanUp(--force-recreate, secret file gone) got error %v, want db_password.txt not found", err)
	}
}

func TestApplyRefusesSharedStateDir(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "berth-shop")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil { // umask may have narrowed it
		t.Fatal(err)
	}
	p := project(t, t.TempDir(), secretsFiles())
	f := newFake()
	err := Apply(context.Background(), planUp(t, p, observe(t, f), UpOptions{}), f, ApplyOptions{StateDir: base})
	if err == nil || !strings.Contains(err.Error(), "is not private to this user") {
		t.Fatalf("Apply(state directory mode 0755) got %v, want not private to this user", err)
	}
	if got := callIndex(f, "CreateContainer", "shop-web-1"); got >= 0 {
		t.Errorf("Apply(state directory mode 0755) created shop-web-1, want nothing created")
	}

	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(t.TempDir(), dir); err != nil {
		t.Fatal(err)
	}
	f = newFake()
	err = Apply(context.Background(), planUp(t, p, observe(t, f), UpOptions{}), f, ApplyOptions{StateDir: base})
	if err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("Apply(state directory is a symlink) got %v, want an error naming the symbolic link", err)
	}
}

// TestFileTarget checks compose's placement rules.
func TestFileTarget(t *testing.T) {
	tests := []struct {
		kind, source, target, want string
	}{
		{kindSecret, "pw", "", "/run/secrets/pw"},
		{kindSecret, "pw", "db", "/run/secrets/db"},
		{kindSecret, "pw", "/etc/pw", "/etc/pw"},
		{kindConfig, "conf", "", "/conf"},
		{kindConfig, "conf", "app/conf", "/app/conf"},
		{kindConfig, "conf", "/etc/conf", "/etc/conf"},
	}
	for _, tt := range tests {
		got := fileTarget(tt.kind, types.FileReferenceConfig{Source: tt.source, Target: tt.target})
		if got != tt.want {
			t.Errorf("fileTarget(%s, %q, %q) got %q, want %q", tt.kind, tt.source, tt.target, got, tt.want)
		}
	}
}
