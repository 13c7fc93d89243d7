package loader

import (
	"regexp"
	"testing"
)

// TestHasNameKey checks the hand-written scan against the regexp it
// replaced, which states the rule most plainly.
func TestHasNameKey(t *testing.T) {
	rule := regexp.MustCompile(`(?m)^["']?name["']?[ \t]*:`)
	for _, content := range []string{
		"", "name: x", "name:", "name :x", "name\t: x", `"name": x`, `'name' : x`, "services: {}\nname: x\n",
		" name: x", "  name: x", "x-name: y", "names: x", "name x", "nam: x", `x"name": y`, "\"name\"\n:",
		"services:\n  web:\n    name: x\n", "# name: x", "\nname", "name", "name\"", "namename: x", "\"\"name: x",
		"environment:\n  - name=x\nname:", "\r\nname: x", "name\r: x",
	} {
		if got, want := hasNameKey([]byte(content)), rule.MatchString(content); got != want {
			t.Errorf("hasNameKey(%q) got %v, want %v", content, got, want)
		}
	}
}
