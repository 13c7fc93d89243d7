package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// execute runs berth in-process with env and returns exit code and output.
func execute(t *testing.T, env map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRootCmd(env, strings.NewReader(stdin), &out, &errOut)
	code = run(context.Background(), root, args, &errOut)
	return code, out.String(), errOut.String()
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		want       int
		wantStderr string
	}{
		{"success", nil, 0, ""},
		{"plain error", errors.New("boom"), 1, "berth: boom\n"},
		{"chosen code, silent", &exitError{code: 2}, 2, ""},
		{"chosen code with message", &exitError{code: 3, err: errors.New("changes pending")}, 3, "berth: changes pending\n"},
		{"wrapped exitError", errors.Join(&exitError{code: 2}), 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			if got := exitCode(tt.err, &stderr); got != tt.want {
				t.Errorf("exitCode(%v) got %d, want %d", tt.err, got, tt.want)
			}
			if stderr.String() != tt.wantStderr {
				t.Errorf("exitCode(%v) printed %q, want %q", tt.err, stderr.String(), tt.wantStderr)
			}
		})
	}
}

func TestRootErrors(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"unknown command", nil, []string{"frobnicate"}, `berth: unknown command "frobnicate"`},
		{"bad flag", nil, []string{"version", "--nope"}, "berth: unknown flag: --nope"},
		{"bad --ansi", nil, []string{"--ansi", "sometimes", "version"}, `berth: --ansi "sometimes"`},
		{"bad COMPOSE_PROGRESS", map[string]string{"COMPOSE_PROGRESS": "fancy"}, []string{"version"}, `berth: --progress "fancy"`},
		{"bad COMPOSE_PARALLEL_LIMIT", map[string]string{"COMPOSE_PARALLEL_LIMIT": "many"}, []string{"version"}, "berth: COMPOSE_PARALLEL_LIMIT=\"many\": must be an integer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := execute(t, tt.env, "", tt.args...)
			if code != 1 || !strings.HasPrefix(stderr, tt.want) {
				t.Errorf("berth %v got code %d stderr %q, want 1 and %q", tt.args, code, stderr, tt.want)
			}
			if strings.Contains(stderr, "Usage:") || strings.Contains(stdout, "Usage:") {
				t.Errorf("berth %v printed usage on error:\n%s%s", tt.args, stdout, stderr)
			}
		})
	}
}

func TestGlobalOptions(t *testing.T) {
	tests := []struct {
		name         string
		env          map[string]string
		args         []string
		wantParallel int
		wantEnv      string
		wantAnsi     string
		wantProgress string
	}{
		{"defaults", nil, nil, -1, "", "auto", "auto"},
		{"environment", map[string]string{"COMPOSE_PARALLEL_LIMIT": "4", "BERTH_ENV": "staging", "COMPOSE_ANSI": "never", "COMPOSE_PROGRESS": "plain"}, nil, 4, "staging", "never", "plain"},
		{"flags win", map[string]string{"COMPOSE_PARALLEL_LIMIT": "4", "BERTH_ENV": "staging", "COMPOSE_ANSI": "never", "COMPOSE_PROGRESS": "plain"},
			[]string{"--parallel", "2", "--env", "prod", "--ansi", "always", "--progress", "json"}, 2, "prod", "always", "json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			root, g := newRoot(tt.env, nil, &out, &out)
			root.AddCommand(&cobra.Command{Use: "probe", RunE: func(*cobra.Command, []string) error { return nil }})
			if code := run(context.Background(), root, append(tt.args, "probe"), &out); code != 0 {
				t.Fatalf("berth %v probe got code %d: %s", tt.args, code, out.String())
			}
			if g.parallel != tt.wantParallel || g.env != tt.wantEnv || g.ansi != tt.wantAnsi || g.progress != tt.wantProgress {
				t.Errorf("berth %v: got parallel=%d env=%q ansi=%q progress=%q, want %d %q %q %q",
					tt.args, g.parallel, g.env, g.ansi, g.progress, tt.wantParallel, tt.wantEnv, tt.wantAnsi, tt.wantProgress)
			}
		})
	}
}

func TestLoaderOptions(t *testing.T) {
	var out bytes.Buffer
	root, g := newRoot(map[string]string{"X": "1"}, nil, &out, &out)
	root.AddCommand(&cobra.Command{Use: "probe", RunE: func(*cobra.Command, []string) error { return nil }})
	args := []string{"-f", "a.yaml", "-f", "b.yaml", "-p", "proj", "--project-directory", "dir", "--env-file", "x.env", "--profile", "p1", "--profile", "p2", "--env", "qa", "probe"}
	if code := run(context.Background(), root, args, &out); code != 0 {
		t.Fatalf("berth %v got code %d: %s", args, code, out.String())
	}
	lo := g.loaderOptions([]string{"web"}, true)
	got := []string{strings.Join(lo.ConfigFiles, ","), lo.ProjectName, lo.ProjectDir, strings.Join(lo.EnvFiles, ","), strings.Join(lo.Profiles, ","), lo.Env, lo.Environ["X"], strings.Join(lo.Services, ",")}
	want := []string{"a.yaml,b.yaml", "proj", "dir", "x.env", "p1,p2", "qa", "1", "web"}
	for i := range want {
		if got[i] != want[i] || !lo.NoDeps {
			t.Errorf("loaderOptions(%v) got %q (NoDeps %v), want %q", args, got, lo.NoDeps, want)
			break
		}
	}
}

// TestLoaderCacheDir checks that the loader caches where the environment
// says, and not at all when BERTH_NO_CACHE is set or nothing names a home.
func TestLoaderCacheDir(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"no home", map[string]string{}, ""},
		{"home", map[string]string{"HOME": "/home/u"}, "/home/u/.cache/berth"},
		{"xdg", map[string]string{"HOME": "/home/u", "XDG_CACHE_HOME": "/xdg"}, "/xdg/berth"},
		{"disabled", map[string]string{"HOME": "/home/u", "BERTH_NO_CACHE": "1"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, g := newRoot(tt.env, nil, io.Discard, io.Discard)
			if got := g.loaderOptions(nil, false).CacheDir; got != tt.want {
				t.Errorf("loaderOptions(env %v).CacheDir got %q, want %q", tt.env, got, tt.want)
			}
		})
	}
}

// TestRootCommandLine checks the root alone and with a mistyped command:
// with project flags traversed, cobra no longer rejects the latter itself.
func TestRootCommandLine(t *testing.T) {
	tests := []struct {
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{nil, 0, "Usage:", ""},
		{[]string{"upp"}, 1, "", `berth: unknown command "upp": run 'berth --help' for the list (did you mean "up"?)` + "\n"},
		{[]string{"-p", "shop", "frobnicate", "x"}, 1, "", `berth: unknown command "frobnicate": run 'berth --help' for the list` + "\n"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := execute(t, nil, "", tt.args...)
			if code != tt.wantCode || !strings.Contains(stdout, tt.wantStdout) || stderr != tt.wantStderr {
				t.Errorf("berth %v got exit %d, stdout %q, stderr %q; want %d, stdout containing %q, stderr %q",
					tt.args, code, stdout, stderr, tt.wantCode, tt.wantStdout, tt.wantStderr)
			}
		})
	}
}
