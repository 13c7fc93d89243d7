package main

import (
	"os/exec"
	"strings"
	"testing"
)

// forbidden are the import paths (and their subpackages) that must never
// reach the monitor: each runs package initialisation or holds tables that
// would stay mapped in every monitor for its container's whole life.
var forbidden = []string{
	"github.com/compose-spec/",
	"github.com/berth-dev/berth/engine", // the vocabulary; its leaf subpackages are checked below
	"github.com/berth-dev/berth/engine/native",
	"github.com/vishvananda/netlink",
	"github.com/vishvananda/netns",
	"github.com/miekg/dns",
	"github.com/google/go-containerregistry",
	"github.com/docker/",
	"github.com/moby/",
	"github.com/spf13/cobra",
	"gopkg.in/yaml",
	"go.yaml.in/",
	"sigs.k8s.io/yaml",
}

// allowed are the berth packages a monitor may link, below the forbidden
// engine and engine/native.
var allowed = []string{
	"github.com/berth-dev/berth/cmd/berth-monitor/internal/early",
	"github.com/berth-dev/berth/engine/errdefs",
	"github.com/berth-dev/berth/engine/native/exepages",
	"github.com/berth-dev/berth/engine/native/journal",
	"github.com/berth-dev/berth/engine/native/monitor",
	"github.com/berth-dev/berth/engine/native/monitorproc",
	"github.com/berth-dev/berth/engine/native/portproxy",
	"github.com/berth-dev/berth/engine/native/resolver",
}

// TestLeanImports fails when berth-monitor links a package that makes
// monitors big (see the package comment).
func TestLeanImports(t *testing.T) {
	// go test puts its own go tool first on PATH.
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("find the go tool: %v", err)
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps listed only %q", deps)
	}
	for _, d := range deps {
		if bad := forbiddenBy(d); bad != "" {
			t.Errorf("berth-monitor links %s (forbidden: %s)", d, bad)
		}
	}
}

// forbiddenBy returns the forbidden entry that dep falls under, "" when it
// is allowed.
func forbiddenBy(dep string) string {
	for _, a := range allowed {
		if dep == a {
			return ""
		}
	}
	for _, f := range forbidden {
		if dep == f || strings.HasPrefix(dep, strings.TrimSuffix(f, "/")+"/") {
			return f
		}
	}
	return ""
}

func TestForbiddenBy(t *testing.T) {
	for _, tc := range []struct{ dep, want string }{
		{"github.com/compose-spec/compose-go/v2/types", "github.com/compose-spec/"},
		{"github.com/berth-dev/berth/engine", "github.com/berth-dev/berth/engine"},
		{"github.com/berth-dev/berth/engine/native", "github.com/berth-dev/berth/engine"},
		{"github.com/berth-dev/berth/engine/native/netctl", "github.com/berth-dev/berth/engine"},
		{"github.com/berth-dev/berth/engine/native/monitor", ""},
		{"github.com/vishvananda/netlink/nl", "github.com/vishvananda/netlink"},
		{"github.com/miekg/dns", "github.com/miekg/dns"},
		{"go.yaml.in/yaml/v4", "go.yaml.in/"},
		{"golang.org/x/net/dns/dnsmessage", ""},
		{"net/http", ""},
	} {
		if got := forbiddenBy(tc.dep); got != tc.want {
			t.Errorf("forbiddenBy(%q) = %q, want %q", tc.dep, got, tc.want)
		}
	}
}
