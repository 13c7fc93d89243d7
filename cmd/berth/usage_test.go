package main

import (
	"strings"
	"testing"
)

// Every subcommand's --help lists the global flags, which are the root's
// own rather than persistent ones, and --version works on the root.
func TestHelpListsGlobalFlags(t *testing.T) {
	root := newRootCmd(nil, strings.NewReader(""), &strings.Builder{}, &strings.Builder{})
	for _, c := range root.Commands() {
		if c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		t.Run(c.Name(), func(t *testing.T) {
			code, stdout, _ := execute(t, nil, "", c.Name(), "--help")
			if code != 0 {
				t.Fatalf("berth %s --help exited %d", c.Name(), code)
			}
			_, globals, ok := strings.Cut(stdout, "\nGlobal Flags:\n")
			if !ok {
				t.Fatalf("berth %s --help has no Global Flags section:\n%s", c.Name(), stdout)
			}
			for _, f := range []string{"-f, --file", "-p, --project-name", "--env-file", "--profile", "--env ", "--dry-run"} {
				if !strings.Contains(globals, f) {
					t.Errorf("berth %s --help global flags lack %q:\n%s", c.Name(), f, globals)
				}
			}
			// A command with subcommands ends with cobra's hint, which
			// names --help itself.
			globals, _, _ = strings.Cut(globals, "\n\nUse \"")
			if strings.Contains(globals, "--help") {
				t.Errorf("berth %s --help lists --help among the global flags", c.Name())
			}
		})
	}
}

func TestVersionFlag(t *testing.T) {
	code, stdout, _ := execute(t, nil, "", "--version")
	if code != 0 || stdout != "berth version "+version+"\n" {
		t.Errorf("berth --version got %d %q, want 0 %q", code, stdout, "berth version "+version+"\n")
	}
}

// berth --help lists every docker compose command berth takes over, so that
// a user switching finds each of them; the README's table has the same list.
func TestHelpListsComposeCommands(t *testing.T) {
	code, stdout, _ := execute(t, nil, "", "--help")
	if code != 0 {
		t.Fatalf("berth --help exited %d", code)
	}
	for _, name := range []string{
		"attach", "build", "config", "cp", "create", "down", "events", "exec", "images", "kill",
		"logs", "ls", "pause", "port", "ps", "pull", "push", "restart", "rm", "run", "scale",
		"start", "stats", "stop", "top", "unpause", "up", "version", "volumes", "wait", "watch",
		"plan",
	} {
		if !strings.Contains(stdout, "\n  "+name+" ") {
			t.Errorf("berth --help does not list %q", name)
		}
	}
}
