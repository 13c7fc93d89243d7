package reconcile

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine/fake"
)

// checkingEngine is the fake with an engine.ServiceChecker that refuses
// the services in bad and records what it was asked.
type checkingEngine struct {
	*fake.Engine
	bad   map[string]bool
	asked []string
	dirs  []string
}

func (c *checkingEngine) CheckService(_ context.Context, s types.ServiceConfig, dir string) error {
	c.asked = append(c.asked, s.Name)
	c.dirs = append(c.dirs, dir)
	if c.bad[s.Name] {
		return fmt.Errorf("service %q: cannot run here", s.Name)
	}
	return nil
}

func TestApplyChecksServicesFirst(t *testing.T) {
	yaml := "services:\n  web:\n    image: busybox\n    depends_on: [db]\n  db:\n    image: busybox\n    volumes: [data:/data]\n  worker:\n    image: busybox\n    scale: 2\nvolumes:\n  data: {}\n"
	for _, tc := range []struct {
		name    string
		bad     []string
		wantErr []string
	}{
		{"all good", nil, nil},
		{"one bad", []string{"web"}, []string{`service "web": cannot run here`}},
		{"two bad", []string{"db", "worker"}, []string{`service "db"`, `service "worker"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &checkingEngine{Engine: newFake(), bad: map[string]bool{}}
			for _, b := range tc.bad {
				c.bad[b] = true
			}
			p := load(t, yaml)
			plan := planUp(t, p, observe(t, c.Engine), UpOptions{})
			err := Apply(context.Background(), plan, c, ApplyOptions{})
			slices.Sort(c.asked)
			if want := []string{"db", "web", "worker"}; !slices.Equal(c.asked, want) {
				t.Errorf("services checked got %v, want %v (each once)", c.asked, want)
			}
			for _, d := range c.dirs {
				if d != p.WorkingDir {
					t.Errorf("working directory got %q, want the project's %q", d, p.WorkingDir)
				}
			}
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Apply: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Apply succeeded, want the check's error")
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Apply got %v, want it to contain %q", err, w)
				}
			}
			if m := c.Mutations(); len(m) != 0 {
				t.Errorf("Apply with a refused service got mutations %v, want none", m)
			}
		})
	}
}

func TestCheckOneOff(t *testing.T) {
	p := load(t, "services:\n  web:\n    image: busybox\n")
	c := &checkingEngine{Engine: newFake(), bad: map[string]bool{"web": true}}
	if err := CheckOneOff(context.Background(), c, p, p.Services["web"]); err == nil || !strings.Contains(err.Error(), "cannot run here") {
		t.Errorf("CheckOneOff of a refused service got %v, want its error", err)
	}
	if err := CheckOneOff(context.Background(), newFake(), p, p.Services["web"]); err != nil {
		t.Errorf("CheckOneOff on an engine without checks got %v, want nil", err)
	}
}
