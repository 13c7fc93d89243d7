package main

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// TestCIStackLoads checks the CI cycle's stack the way compose-go reads it:
// ten services, the one-shot and the healthcheck waited for, and the run
// service kept out of up by its profile.
func TestCIStackLoads(t *testing.T) {
	s := newCIStack("berthbench-test-ci", t.TempDir(), "img:1", subnets(150, 3))
	b, err := s.compose()
	if err != nil {
		t.Fatal(err)
	}
	load := func(profiles ...string) *types.Project {
		t.Helper()
		p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
			WorkingDir:  s.Dir,
			ConfigFiles: []types.ConfigFile{{Filename: s.file(), Content: b}},
		}, func(o *loader.Options) { o.SetProjectName(s.Project, true); o.Profiles = profiles })
		if err != nil {
			t.Fatalf("load generated compose file: %v\n%s", err, b)
		}
		return p
	}
	all := load("*")
	if got := len(all.Services); got != ciServices {
		t.Fatalf("loaded %d services, want %d:\n%s", got, ciServices, b)
	}
	up := load()
	if got, want := slices.Sorted(maps.Keys(up.Services)), slices.Sorted(slices.Values(s.upServices())); !slices.Equal(got, want) {
		t.Errorf("services without profiles got %v, want %v", got, want)
	}

	for _, tt := range []struct {
		service, dep, condition string
	}{
		{ciDB, ciInit, types.ServiceConditionCompletedSuccessfully},
		{s.name(0), ciDB, types.ServiceConditionHealthy},
		{s.name(3), s.name(1), types.ServiceConditionStarted},
		{ciTests, ciDB, types.ServiceConditionHealthy},
		{ciTests, s.name(0), types.ServiceConditionStarted},
	} {
		if got := all.Services[tt.service].DependsOn[tt.dep].Condition; got != tt.condition {
			t.Errorf("%s depends_on %s: condition got %q, want %q", tt.service, tt.dep, got, tt.condition)
		}
	}
	if hc := all.Services[ciDB].HealthCheck; hc == nil || !slices.Equal(hc.Test, types.HealthCheckTest{"CMD", "/sleeper", "health"}) {
		t.Errorf("%s healthcheck got %+v, want CMD /sleeper health", ciDB, hc)
	}
	for _, name := range []string{ciInit, ciTests} {
		if got := all.Services[name].Command; !slices.Equal(got, types.ShellCommand{"exit"}) {
			t.Errorf("%s command got %v, want [exit] (the sleeper exits 0)", name, got)
		}
	}
	if got := all.Networks[netBack].Ipam.Config; len(got) != 1 || got[0].Subnet != "10.150.6.0/24" {
		t.Errorf("network %s IPAM got %+v, want subnet 10.150.6.0/24", netBack, got)
	}
}
