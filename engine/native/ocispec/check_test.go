package ocispec

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
)

// TestCheck runs the checks done before anything is created: a seccomp
// profile that cannot be read or parsed, a device that is not there or a
// malformed device cgroup rule is reported with the service, the file or
// entry and what to do; what Build would take passes.
func TestCheck(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"good.json": `{"defaultAction":"SCMP_ACT_ALLOW"}`,
		"bad.json":  `{"defaultAction": 3}`,
		"junk.json": `not json`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	noSeccomp := fakeHost
	noSeccomp.seccomp = func() (bool, error) { return false, nil }
	for _, tc := range []struct {
		name        string
		s           types.ServiceConfig
		h           host
		want        []string // all in the error; none: no error
		unsupported bool     // the error is an engine.ErrUnsupported
	}{
		{name: "no options", s: types.ServiceConfig{Name: "web"}},
		{name: "good file", s: types.ServiceConfig{Name: "web", SecurityOpt: []string{"seccomp=good.json"}}},
		{name: "good file, absolute", s: types.ServiceConfig{Name: "web", SecurityOpt: []string{"seccomp=" + filepath.Join(dir, "good.json")}}},
		{name: "unconfined", s: types.ServiceConfig{Name: "web", SecurityOpt: []string{"seccomp=unconfined"}}},
		{name: "builtin", s: types.ServiceConfig{Name: "web", SecurityOpt: []string{"seccomp:builtin"}}},
		{name: "missing file, privileged", s: types.ServiceConfig{Name: "web", Privileged: true, SecurityOpt: []string{"seccomp=nope.json"}}},
		{name: "missing file", s: types.ServiceConfig{Name: "web", SecurityOpt: []string{"seccomp=nope.json"}},
			want: []string{`service "web"`, "seccomp=nope.json", filepath.Join(dir, "nope.json"), "no such file", "fix the path", "remove the option"}},
		{name: "not a profile", s: types.ServiceConfig{Name: "db", SecurityOpt: []string{"seccomp=bad.json"}},
			want: []string{`service "db"`, filepath.Join(dir, "bad.json"), "not a seccomp profile", "fix it"}},
		{name: "not JSON", s: types.ServiceConfig{Name: "db", SecurityOpt: []string{"seccomp:junk.json"}},
			want: []string{`service "db"`, filepath.Join(dir, "junk.json"), "not a seccomp profile"}},
		{name: "bad inline", s: types.ServiceConfig{Name: "db", SecurityOpt: []string{`seccomp={"defaultAction": 3}`}},
			want: []string{`service "db"`, "the inline profile", "not a seccomp profile"}},
		{name: "no kernel seccomp", s: types.ServiceConfig{Name: "web", SecurityOpt: []string{"seccomp=good.json"}}, h: noSeccomp,
			want: []string{`service "web"`, "no seccomp support"}},
		{name: "invalid option", s: types.ServiceConfig{Name: "web", SecurityOpt: []string{"sekcomp=x"}},
			want: []string{`service "web"`, `invalid option "sekcomp=x"`}},
		{name: "devices and rules", s: types.ServiceConfig{Name: "web",
			Devices: []types.DeviceMapping{{Source: "/dev/null", Target: "/dev/null", Permissions: "rwm"}}, DeviceCgroupRules: []string{"c 10:200 rwm"}}},
		{name: "missing device", s: types.ServiceConfig{Name: "web", Devices: []types.DeviceMapping{{Source: "/dev/berth-no-such-device", Target: "/dev/x", Permissions: "rwm"}}},
			want: []string{`service "web"`, `devices: "/dev/berth-no-such-device:/dev/x:rwm"`, "no such file", "fix the path or remove the entry"}},
		{name: "missing device, privileged", s: types.ServiceConfig{Name: "web", Privileged: true, Devices: []types.DeviceMapping{{Source: "/dev/berth-no-such-device", Target: "/dev/x", Permissions: "rwm"}}}},
		{name: "bad rule", s: types.ServiceConfig{Name: "db", DeviceCgroupRules: []string{"c 10:200 rwm", "c 10:200 rwx"}},
			want: []string{`service "db"`, `device_cgroup_rules: "c 10:200 rwx"`, `access "rwx"`}},
		{name: "unsupported keys and a bad profile", unsupported: true,
			s:    types.ServiceConfig{Name: "gpu", Runtime: "nvidia", SecurityOpt: []string{"seccomp=nope.json"}},
			want: []string{`service "gpu"`, "runtime: not supported", "seccomp=nope.json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.h
			if h.seccomp == nil {
				h = fakeHost
			}
			err := check(tc.s, dir, h)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("check got %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("check got nil, want an error containing %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("check got %q, want it to contain %q", err, w)
				}
			}
			if got := errors.Is(err, engine.ErrUnsupported); got != tc.unsupported {
				t.Errorf("errors.Is(check(...), ErrUnsupported) got %t, want %t", got, tc.unsupported)
			}
		})
	}
}
