package docker

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/moby/moby/api/types/registry"
)

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func decodeAuth(t *testing.T, header string) registry.AuthConfig {
	t.Helper()
	var cfg registry.AuthConfig
	if header == "" {
		return cfg
	}
	b, err := base64.URLEncoding.DecodeString(header)
	if err != nil {
		t.Fatalf("X-Registry-Auth %q is not base64url: %v", header, err)
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatalf("X-Registry-Auth %q is not JSON: %v", b, err)
	}
	return cfg
}

// TestRegistryAuth resolves credentials from a config directory as the
// docker CLI does and encodes them as the daemon expects.
func TestRegistryAuth(t *testing.T) {
	basic := base64.StdEncoding.EncodeToString([]byte("alice:s3cret"))
	hub := base64.StdEncoding.EncodeToString([]byte("bob:hunter2"))
	dir := writeConfig(t, `{"auths": {
		"127.0.0.1:5000": {"auth": "`+basic+`"},
		"https://index.docker.io/v1/": {"auth": "`+hub+`"}
	}}`)
	// A credential helper: docker-credential-berthtest on PATH.
	bin := t.TempDir()
	helper := "#!/bin/sh\nread server\necho '{\"ServerURL\":\"'$server'\",\"Username\":\"carol\",\"Secret\":\"fromhelper\"}'\n"
	if err := os.WriteFile(filepath.Join(bin, "docker-credential-berthtest"), []byte(helper), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	helperDir := writeConfig(t, `{"credHelpers": {"helped.example:443": "berthtest"}}`)

	tests := []struct {
		name, dir, ref     string
		wantUser, wantPass string
		wantServer         string
	}{
		{name: "auths entry", dir: dir, ref: "127.0.0.1:5000/app:1", wantUser: "alice", wantPass: "s3cret", wantServer: "127.0.0.1:5000"},
		{name: "docker hub", dir: dir, ref: "library/busybox", wantUser: "bob", wantPass: "hunter2", wantServer: "https://index.docker.io/v1/"},
		{name: "no entry", dir: dir, ref: "other.example/app:1"},
		{name: "no config dir", dir: "", ref: "127.0.0.1:5000/app:1"},
		{name: "missing config file", dir: t.TempDir(), ref: "127.0.0.1:5000/app:1"},
		{name: "credential helper", dir: helperDir, ref: "helped.example:443/app", wantUser: "carol", wantPass: "fromhelper", wantServer: "helped.example:443"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header, err := registryAuth(context.Background(), configKeychain{dir: tt.dir}, tt.ref)
			if err != nil {
				t.Fatalf("registryAuth(%s): %v", tt.ref, err)
			}
			got := decodeAuth(t, header)
			if got.Username != tt.wantUser || got.Password != tt.wantPass || got.ServerAddress != tt.wantServer {
				t.Errorf("registryAuth(%s) got user %q password %q server %q, want %q %q %q",
					tt.ref, got.Username, got.Password, got.ServerAddress, tt.wantUser, tt.wantPass, tt.wantServer)
			}
		})
	}
}

func TestRegistryAuthBadConfig(t *testing.T) {
	dir := writeConfig(t, `{"auths": `)
	if _, err := registryAuth(context.Background(), configKeychain{dir: dir}, "127.0.0.1:5000/app:1"); err == nil {
		t.Error("registryAuth with a broken config.json got no error, want one naming the file")
	}
}
