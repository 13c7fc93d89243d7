package loader

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// mergeBomb nests merge keys levels deep, each level merging the previous
// one eight times: 10*8^levels nodes once expanded.
func mergeBomb(levels int) string {
	var b strings.Builder
	b.WriteString("x-m0: &m0 {k0: v, k1: v, k2: v, k3: v, k4: v, k5: v, k6: v, k7: v, k8: v, k9: v}\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "x-m%d: &m%d {", i, i)
		for j, k := range "abcdefgh" {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%c%d: {<<: *m%d}", k, i, i-1)
		}
		b.WriteString("}\n")
	}
	fmt.Fprintf(&b, "services:\n  web:\n    image: nginx\n    x-bomb: *m%d\n", levels)
	return b.String()
}

func TestGuardFile(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    string // "" when the file passes
	}{
		{"plain file", "services:\n  web:\n    image: nginx\n", ""},
		{"ordinary anchors and merges",
			"x-common: &common\n  restart: always\n  environment: {A: b}\nservices:\n  web:\n    <<: *common\n    image: nginx\n  db:\n    <<: *common\n    image: pg\n", ""},
		{"small merge nesting", mergeBomb(3), ""},
		{"merge-key bomb", mergeBomb(11), `YAML aliases expand to more than 1000000 nodes (a "billion laughs" document?)`},
		{"billion laughs", "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n", "YAML aliases expand to more than"},
		// The top-level mapping is the first level.
		{"deep flow nesting", "x: " + strings.Repeat("[", 1200) + strings.Repeat("]", 1200) + "\n", "compose.yaml:1:1003: YAML nesting is deeper than 1000 levels"},
		{"nesting at the limit", "x: " + strings.Repeat("[", 999) + strings.Repeat("]", 999) + "\n", ""},
		{"nesting past the parser's own limit", "x:\n  " + strings.Repeat("- ", 10001) + "x\n", "compose.yaml:2: YAML nesting is deeper than 1000 levels"},
		{"flow nesting past the parser's own limit", "x: 1\ny: " + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + "\n", "compose.yaml:2: YAML nesting is deeper than 1000 levels"},
		{"deep through an alias", "a: &a " + strings.Repeat("[", 600) + strings.Repeat("]", 600) + "\nb: " + strings.Repeat("[", 600) + "*a" + strings.Repeat("]", 600) + "\n", "YAML nesting is deeper than 1000 levels"},
		{"alias inside its own anchor", "a: &a [1, *a]\n", "YAML alias *a is used inside its own anchor &a"},
		{"syntax error is left to compose-go", "a: [\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := guardFile(&configFile{path: "/p/compose.yaml", display: "compose.yaml", content: []byte(tt.content)})
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("guardFile() got %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("guardFile() got %v, want an error containing %q", err, tt.want)
			case tt.want != "" && !errors.Is(err, ErrInvalid):
				t.Errorf("guardFile() got %v, want errors.Is ErrInvalid", err)
			}
		})
	}
}

// TestLoadRefusesMergeBomb checks that Load runs the guard, with and
// without the cache, before compose-go expands the merges.
func TestLoadRefusesMergeBomb(t *testing.T) {
	for _, cached := range []bool{false, true} {
		t.Run(fmt.Sprintf("cache=%v", cached), func(t *testing.T) {
			opts := Options{WorkingDir: tree(t, map[string]string{"compose.yaml": mergeBomb(11)})}
			if cached {
				opts.CacheDir = t.TempDir()
			}
			_, err := tryLoad(opts)
			if !contains(err, "compose.yaml:") || !contains(err, "billion laughs") {
				t.Errorf("Load(merge bomb) got %v, want a positioned billion-laughs error", err)
			}
		})
	}
}
