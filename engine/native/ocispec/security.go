package ocispec

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// allCapabilities are the kernel's capabilities in number order, up to
// Linux 5.9's CAP_CHECKPOINT_RESTORE, the last one defined; a privileged
// container gets them all (that the engine holds).
var allCapabilities = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
	"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
	"CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
}

// defaultCapabilities is docker's default set.
var defaultCapabilities = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// capabilities applies cap_add and cap_drop to docker's default set as
// dockerd does: ALL in cap_add grants everything but cap_drop; ALL in
// cap_drop keeps only cap_add. Like docker, the set goes into the bounding,
// effective and permitted sets, never the inheritable one.
//
// No container can have a capability the engine lacks (runc fails with a
// bare EPERM): "everything" (privileged, ALL) and the defaults mean
// everything in bound, the engine's own bounding set, and a cap_add of
// one outside it is an error naming it.
func capabilities(s types.ServiceConfig, bound []string) (*specs.LinuxCapabilities, error) {
	add, err := normalizeCaps("cap_add", s.CapAdd)
	if err != nil {
		return nil, err
	}
	drop, err := normalizeCaps("cap_drop", s.CapDrop)
	if err != nil {
		return nil, err
	}
	for _, c := range add {
		if c != "ALL" && !s.Privileged && !slices.Contains(bound, c) {
			return nil, fmt.Errorf("cap_add: %s: berth itself does not hold this capability, so it cannot grant it", c)
		}
	}
	var caps []string
	switch {
	case s.Privileged:
		caps = slices.Clone(allCapabilities)
	case slices.Contains(add, "ALL"):
		for _, c := range allCapabilities {
			if !slices.Contains(drop, c) {
				caps = append(caps, c)
			}
		}
	case slices.Contains(drop, "ALL"):
		caps = add
	default:
		for _, c := range defaultCapabilities {
			if !slices.Contains(drop, c) {
				caps = append(caps, c)
			}
		}
		caps = append(caps, add...)
	}
	caps = slices.DeleteFunc(caps, func(c string) bool { return !slices.Contains(bound, c) })
	sort.Strings(caps)
	caps = slices.Compact(caps)
	return &specs.LinuxCapabilities{Bounding: caps, Effective: slices.Clone(caps), Permitted: slices.Clone(caps)}, nil
}

// boundingSet lists the capabilities in the calling process's bounding
// set that this package knows.
func boundingSet() ([]string, error) {
	var out []string
	for i, name := range allCapabilities {
		in, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(i), 0, 0, 0)
		if errors.Is(err, unix.EINVAL) {
			break // the kernel predates this capability and the ones after it
		}
		if err != nil {
			return nil, fmt.Errorf("prctl(PR_CAPBSET_READ, %s): %w", name, err)
		}
		if in == 1 {
			out = append(out, name)
		}
	}
	return out, nil
}

// normalizeCaps accepts docker's spellings: any case, with or without
// the CAP_ prefix, and ALL.
func normalizeCaps(key string, in []string) ([]string, error) {
	var out []string
	for _, c := range in {
		n := strings.ToUpper(strings.TrimSpace(c))
		if n != "ALL" && !strings.HasPrefix(n, "CAP_") {
			n = "CAP_" + n
		}
		if n != "ALL" && !slices.Contains(allCapabilities, n) {
			return nil, fmt.Errorf("%s: unknown capability %q", key, c)
		}
		out = append(out, n)
	}
	return out, nil
}

// secOpts is what security_opt asks of the spec.
type secOpts struct {
	noNewPrivileges bool
	unconfinedPaths bool // systempaths=unconfined: no masked or read-only paths
	writableCgroups bool // writable-cgroups=true
	// seccomp is seccomp=VALUE: "" (docker's default profile, also
	// seccomp=builtin), "unconfined", a profile file or inline JSON.
	seccomp string
}

// parseSecurityOpts reads security_opt in docker's key=value and legacy
// key:value forms. Options that only loosen a confinement the native
// engine does not apply (AppArmor, SELinux) are accepted; ones that ask
// for such a profile or label cannot be honoured.
func parseSecurityOpts(opts []string) (secOpts, error) {
	var s secOpts
	for _, opt := range opts {
		k, v, ok := strings.Cut(opt, "=")
		if !ok {
			k, v, ok = strings.Cut(opt, ":")
		}
		switch {
		case k == "no-new-privileges" && (!ok || v == "true"):
			s.noNewPrivileges = true
		case k == "no-new-privileges" && v == "false":
			s.noNewPrivileges = false
		case k == "systempaths" && v == "unconfined":
			s.unconfinedPaths = true
		case k == "writable-cgroups" && (v == "true" || v == "false"):
			s.writableCgroups = v == "true"
		case k == "seccomp" && ok && v != "":
			s.seccomp = v
			if v == "builtin" {
				s.seccomp = ""
			}
		case k == "apparmor" && v == "unconfined", k == "label" && v == "disable":
			// Already so: the native engine applies no such profile.
		case k == "apparmor" || k == "label":
			return secOpts{}, &UnsupportedError{Key: "security_opt", Reason: fmt.Sprintf("%q: the native engine applies no %s profiles", opt, k)}
		default:
			return secOpts{}, fmt.Errorf("security_opt: invalid option %q", opt)
		}
	}
	return s, nil
}
