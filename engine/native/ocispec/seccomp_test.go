package ocispec

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// probeSyscalls are the system calls whose fate the goldens record: what
// every container needs, what docker's default profile refuses, and what
// it allows only with a capability (CAP_SYS_ADMIN for unshare, setns,
// mount and clone's namespace flags; CAP_SYS_CHROOT, CAP_BPF, …).
var probeSyscalls = []string{
	"bpf", "chroot", "clone", "clone3", "keyctl", "mount", "perf_event_open",
	"personality", "ptrace", "read", "reboot", "setns", "socket", "syslog",
	"unshare", "write",
}

// seccompSummary stands for a spec's seccomp filter in the goldens: the
// default profile is hundreds of lines, and its rules differ by host
// architecture. What matters is the default action and which of the
// probe syscalls are allowed.
type seccompSummary struct {
	DefaultAction   specs.LinuxSeccompAction `json:"defaultAction"`
	DefaultErrnoRet *uint                    `json:"defaultErrnoRet,omitempty"`
	// Syscalls gives each probe's rules, e.g. "ALLOW", "ALLOW if args"
	// or "ERRNO(38)"; "default" when no rule names it.
	Syscalls map[string]string `json:"syscalls"`
}

func summarize(f *specs.LinuxSeccomp) *seccompSummary {
	if f == nil {
		return nil
	}
	out := &seccompSummary{DefaultAction: f.DefaultAction, DefaultErrnoRet: f.DefaultErrnoRet, Syscalls: map[string]string{}}
	for _, name := range probeSyscalls {
		out.Syscalls[name] = verdict(f, name)
	}
	return out
}

// verdict lists the rules of f that name the syscall, once each: the
// default profile allows socket with one rule per address family.
func verdict(f *specs.LinuxSeccomp, name string) string {
	var rules []string
	for _, r := range f.Syscalls {
		if !slices.Contains(r.Names, name) {
			continue
		}
		v := strings.TrimPrefix(string(r.Action), "SCMP_ACT_")
		if r.ErrnoRet != nil {
			v += fmt.Sprintf("(%d)", *r.ErrnoRet)
		}
		if len(r.Args) > 0 {
			v += " if args"
		}
		if !slices.Contains(rules, v) {
			rules = append(rules, v)
		}
	}
	if len(rules) == 0 {
		return "default"
	}
	return strings.Join(rules, ", ")
}

// goldenView is spec as the goldens show it: the seccomp filter summarised.
type goldenSpec struct {
	*specs.Spec
	Linux *goldenLinux `json:"linux,omitempty"`
}

type goldenLinux struct {
	*specs.Linux
	Seccomp *seccompSummary `json:"seccomp,omitempty"`
}

func goldenView(spec *specs.Spec) goldenSpec {
	g := goldenSpec{Spec: spec}
	if spec.Linux != nil {
		g.Linux = &goldenLinux{Linux: spec.Linux, Seccomp: summarize(spec.Linux.Seccomp)}
	}
	return g
}

// TestSeccompFilter checks the filter a container gets against what
// docker's default profile is known to do, whatever the host's
// architecture: read allowed; keyctl never; unshare and setns only with
// CAP_SYS_ADMIN; none for privileged or unconfined; a profile file read
// relative to the project directory.
func TestSeccompFilter(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "p.json"), []byte(`{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	withCaps := func(caps ...string) *specs.Spec {
		return &specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{Bounding: caps}}}
	}
	for _, tc := range []struct {
		name       string
		spec       *specs.Spec
		privileged bool
		profile    string
		noKernel   bool
		allowed    []string // an unconditional ALLOW rule names each
		refused    []string // no ALLOW rule names any
		none       bool     // no filter at all
		err        string
	}{
		{name: "default", spec: withCaps(defaultCapabilities...), allowed: []string{"read", "write", "chroot"}, refused: []string{"keyctl", "unshare", "setns", "mount", "bpf", "reboot"}},
		{name: "default with CAP_SYS_ADMIN", spec: withCaps("CAP_SYS_ADMIN"), allowed: []string{"read", "unshare", "setns", "mount"}, refused: []string{"keyctl", "chroot", "reboot"}},
		{name: "privileged", spec: withCaps(), privileged: true, profile: "p.json", none: true},
		{name: "unconfined", spec: withCaps(), profile: "unconfined", none: true},
		{name: "file relative to the project", spec: withCaps(), profile: "p.json", allowed: nil, refused: []string{"mkdir"}},
		{name: "inline", spec: withCaps(), profile: `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}`, allowed: []string{"read"}, refused: []string{"write"}},
		{name: "missing file", spec: withCaps(), profile: "nope.json", err: "nope.json: no such file"},
		{name: "not a profile", spec: withCaps(), profile: `{"defaultAction": 3}`, err: "the inline profile {"},
		{name: "no kernel support", spec: withCaps(), noKernel: true, none: true},
		{name: "no kernel support, profile", spec: withCaps(), profile: "p.json", noKernel: true, err: "no seccomp support"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := seccompFilter(tc.spec, tc.privileged, tc.profile, dir, !tc.noKernel)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("seccompFilter = error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.none {
				if f != nil {
					t.Fatalf("seccompFilter = %d rules, want no filter", len(f.Syscalls))
				}
				return
			}
			if f == nil {
				t.Fatal("seccompFilter = no filter, want one")
			}
			for _, name := range tc.allowed {
				if v := verdict(f, name); !slices.Contains(strings.Split(v, ", "), "ALLOW") {
					t.Errorf("%s: %s, want an unconditional ALLOW", name, v)
				}
			}
			for _, name := range tc.refused {
				if v := verdict(f, name); strings.Contains(v, "ALLOW") || f.DefaultAction == specs.ActAllow && v == "default" {
					t.Errorf("%s: %s (default %s), want it refused", name, v, f.DefaultAction)
				}
			}
		})
	}
}
