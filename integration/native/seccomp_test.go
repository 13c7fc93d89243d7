package native

import (
	"strings"
	"testing"
)

// TestSeccompProfileCheckedFirst: a service whose seccomp profile is
// missing or not a profile fails up and run before anything is created,
// with the service, the file and what to do.
func TestSeccompProfileCheckedFirst(t *testing.T) {
	t.Parallel()
	s := newStack(t, `
services:
  db:
    image: berth-busybox:latest
    command: ["sleep", "1000"]
    volumes: [data:/data]
  web:
    image: berth-busybox:latest
    command: ["sleep", "1000"]
    security_opt: ["seccomp=web.json"]
    depends_on: [db]
volumes:
  data: {}
`)
	nothingMade := func(t *testing.T) {
		t.Helper()
		cs, err := containerRecords(s.project)
		if err != nil {
			t.Fatal(err)
		}
		ns, err := networkRecords(s.project)
		if err != nil {
			t.Fatal(err)
		}
		vs, err := volumeRecords(s.project)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs)+len(ns)+len(vs) > 0 {
			t.Errorf("a refused up made %d containers, %d networks and volumes %v, want nothing", len(cs), len(ns), vs)
		}
	}
	for _, tc := range []struct {
		name    string
		profile string // written as web.json; "" writes none
		want    []string
	}{
		{"missing", "", []string{`service "web"`, "seccomp=web.json", s.dir + "/web.json", "no such file", "fix the path"}},
		{"not a profile", `{"defaultAction": 3}`, []string{`service "web"`, s.dir + "/web.json", "not a seccomp profile", "fix it"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := s.with(t)
			if tc.profile != "" {
				s.write("web.json", tc.profile)
			}
			for _, args := range [][]string{{"up", "-d"}, {"run", "--rm", "web", "true"}} {
				r := s.berth(args...)
				if r.code == 0 {
					t.Fatalf("berth %s succeeded, want the profile refused: %v", strings.Join(args, " "), r)
				}
				for _, w := range tc.want {
					if !strings.Contains(r.stderr, w) {
						t.Errorf("berth %s: stderr lacks %q:\n%s", strings.Join(args, " "), w, r.stderr)
					}
				}
				nothingMade(t)
			}
		})
	}
}
