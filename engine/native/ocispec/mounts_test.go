package ocispec

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// fakeVolumes resolves named volumes as the engine lays them out and
// names anonymous ones after their target.
func fakeVolumes() (func(string) (string, error), func(string) (string, error)) {
	volume := func(name string) (string, error) {
		if name == "missing" {
			return "", errors.New("volume missing not found")
		}
		return "/var/lib/berth/volumes/" + name + "/_data", nil
	}
	anon := func(target string) (string, error) {
		return "/var/lib/berth/volumes/anon" + strings.ReplaceAll(target, "/", "-") + "/_data", nil
	}
	return volume, anon
}

// TestMounts compares Mounts of each testdata/mounts/*.yaml with its
// golden file. Bind sources are relative to the fixture directory, which
// the golden calls $DIR; every one of them exists.
func TestMounts(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "mounts", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures in testdata/mounts (%v)", err)
	}
	dir, err := filepath.Abs(filepath.Join("testdata", "mounts"))
	if err != nil {
		t.Fatal(err)
	}
	volume, anon := fakeVolumes()
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			s, fx := load(t, file)
			got, err := Mounts(s, volume, anon)
			if fx.Error != "" {
				if err == nil || !strings.Contains(err.Error(), fx.Error) {
					t.Fatalf("Mounts(%s) = error %v, want one containing %q", name, err, fx.Error)
				}
				checkUnsupported(t, err, s.Name)
				return
			}
			if err != nil {
				t.Fatalf("Mounts(%s) got error %v, want none", name, err)
			}
			compareGolden(t, strings.TrimSuffix(file, ".yaml")+".golden.json", got, dir)
		})
	}
}

// TestMountsBindSource: a missing bind source is created for the short
// syntax (create_host_path defaults to true) and is an error naming the
// path when create_host_path is false.
func TestMountsBindSource(t *testing.T) {
	volume, anon := fakeVolumes()
	for _, tc := range []struct {
		name, yaml string
		wantErr    string
	}{
		{name: "short syntax creates it", yaml: "    volumes: [\"SRC:/data\"]\n"},
		{name: "long syntax creates it by default", yaml: "    volumes: [{type: bind, source: SRC, target: /data}]\n"},
		{name: "create_host_path false", yaml: "    volumes: [{type: bind, source: SRC, target: /data, bind: {create_host_path: false}}]\n",
			wantErr: "does not exist; create it or set bind.create_host_path: true"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			src := filepath.Join(dir, "missing", "deep")
			file := filepath.Join(dir, "compose.yaml")
			content := "services:\n  app:\n    image: x\n" + strings.ReplaceAll(tc.yaml, "SRC", src)
			if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			s, _ := load(t, file)
			got, err := Mounts(s, volume, anon)
			_, statErr := os.Stat(src)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), src) {
					t.Fatalf("Mounts = %v, want an error naming %s and containing %q", err, src, tc.wantErr)
				}
				if statErr == nil {
					t.Errorf("Mounts created %s although create_host_path is false", src)
				}
				return
			}
			if err != nil {
				t.Fatalf("Mounts: %v", err)
			}
			if statErr != nil {
				t.Errorf("bind source not created: %v", statErr)
			}
			want := []specs.Mount{{Destination: "/data", Type: "bind", Source: src, Options: []string{"rbind", "rprivate"}}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Mounts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMergeTmpfsOptions(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"noexec,nosuid,nodev,rprivate", "noexec,nosuid,nodev,rprivate"},
		{"noexec,nosuid,nodev,rprivate,exec,size=1m", "nosuid,nodev,rprivate,exec,size=1m"},
		{"size=1m,mode=700,size=2m,ro,rw", "mode=700,size=2m,rw"},
		{"noatime,strictatime, ,tmpcopyup", "strictatime,tmpcopyup"},
	} {
		got := strings.Join(mergeTmpfsOptions(strings.Split(tc.in, ",")), ",")
		if got != tc.want {
			t.Errorf("mergeTmpfsOptions(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestImageVolumes(t *testing.T) {
	img := v1.Config{Volumes: map[string]struct{}{"/var/lib/postgresql/data": {}, "/logs/": {}, "/cache": {}}}
	mounts := []specs.Mount{{Destination: "/var/lib/postgresql/data"}, {Destination: "/tmp"}}
	got := ImageVolumes(img, mounts)
	if diff := cmp.Diff([]string{"/cache", "/logs"}, got); diff != "" {
		t.Errorf("ImageVolumes (-want +got):\n%s", diff)
	}
}
