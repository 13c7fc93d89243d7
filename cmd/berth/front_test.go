package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/berthbuild"
)

// The front build exists to leave compose-go's loader and the JSON schema
// library it brings out of the executable (see loader/front.go); a new
// import anywhere in cmd/berth's dependencies could quietly bring them back.
func TestFrontLinksNoComposeLoader(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-tags", berthbuild.Tag, "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	for _, pkg := range []string{"github.com/compose-spec/compose-go/v2/loader", "github.com/compose-spec/compose-go/v2/schema", "github.com/santhosh-tekuri/jsonschema/v6"} {
		if slices.Contains(deps, pkg) {
			t.Errorf("the front build links %s", pkg)
		}
	}
	if !slices.Contains(deps, "github.com/berth-dev/berth/loader") {
		t.Errorf("go list -tags %s -deps . does not list berth's loader; the test no longer looks at the front build", berthbuild.Tag)
	}
}

// The full build leaves the native engine out (see native_absent.go), which
// is most of a MiB of RSS in every process it runs; a new import could
// quietly bring it back, as could a build that forgot the tag.
func TestFullLinksNoNativeEngine(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	native := []string{"github.com/berth-dev/berth/engine/native", "github.com/vishvananda/netlink"}
	for _, tc := range []struct {
		tags  []string
		links bool
	}{
		{[]string{"-tags", berthbuild.NoNativeTag}, false},
		{nil, true}, // the plain build, berth-native
		{[]string{"-tags", berthbuild.Tag}, true},
	} {
		out, err := exec.Command("go", slices.Concat([]string{"list"}, tc.tags, []string{"-deps", "."})...).Output()
		if err != nil {
			t.Fatalf("go list %v -deps: %v", tc.tags, err)
		}
		deps := strings.Fields(string(out))
		for _, pkg := range native {
			if slices.Contains(deps, pkg) != tc.links {
				t.Errorf("go list %v -deps . lists %s: %v, want %v", tc.tags, pkg, !tc.links, tc.links)
			}
		}
	}
}
