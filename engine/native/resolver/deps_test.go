package resolver

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsStayLean checks that the package, which every container's
// monitor process links, pulls in nothing beyond the standard library and
// three small x/ packages: miekg/dns and vishvananda/netlink each cost the
// monitor megabytes of touched pages, against a budget of 3 MiB.
func TestImportsStayLean(t *testing.T) {
	gotool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go tool is not on PATH")
	}
	out, err := exec.Command(gotool, "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	allowed := map[string]bool{
		"github.com/berth-dev/berth/engine/native/resolver": true,
		"golang.org/x/net/dns/dnsmessage":                   true,
		"golang.org/x/sync/errgroup":                        true,
		"golang.org/x/sys/unix":                             true,
	}
	for _, pkg := range strings.Fields(string(out)) {
		if !allowed[pkg] {
			t.Errorf("resolver depends on %s: only the standard library and %v may be linked into the monitor", pkg, allowed)
		}
	}
}
