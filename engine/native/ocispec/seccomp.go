package ocispec

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// seccompUnconfined is security_opt's seccomp=unconfined: no filter.
const seccompUnconfined = "unconfined"

// seccompFilter returns the seccomp filter of spec, whose process and
// capabilities are already set, as dockerd chooses it: none for a
// privileged container or seccomp=unconfined; the profile named by
// seccomp=FILE (relative to the project directory, as compose reads it)
// or given inline as JSON; otherwise docker's default profile. Both go
// through moby's conversion, which keeps a rule only when the container
// has the capabilities it needs (unshare, mount, setns… for
// CAP_SYS_ADMIN) and the host's architecture and kernel match, so the
// filter is the one dockerd would install.
//
// On a kernel without seccomp a container gets none, as with dockerd,
// unless it asked for a profile: that one cannot be honoured.
func seccompFilter(spec *specs.Spec, privileged bool, profile, projectDir string, kernelHasSeccomp bool) (*specs.LinuxSeccomp, error) {
	if privileged || profile == seccompUnconfined {
		return nil, nil
	}
	if !kernelHasSeccomp {
		if profile != "" {
			return nil, errors.New("security_opt: seccomp: the kernel has no seccomp support, so the profile cannot be applied; remove the option or use seccomp=unconfined")
		}
		return nil, nil
	}
	if profile == "" {
		f, err := seccomp.GetDefaultProfile(spec)
		if err != nil {
			return nil, fmt.Errorf("docker's default seccomp profile: %w", err)
		}
		return f, nil
	}
	return loadSeccompProfile(profile, projectDir, spec)
}

// loadSeccompProfile converts the profile of seccomp=VALUE, a file or
// inline JSON, for spec. Its errors name the option and say what to do:
// they reach the user before anything is created (see Check).
func loadSeccompProfile(profile, projectDir string, spec *specs.Spec) (*specs.LinuxSeccomp, error) {
	body, name := []byte(profile), "the inline profile "+shorten(profile)
	if !strings.HasPrefix(profile, "{") {
		path := profile
		if !filepath.IsAbs(path) && projectDir != "" {
			path = filepath.Join(projectDir, path)
		}
		var err error
		if body, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("security_opt: seccomp=%s: cannot read the profile: %w: fix the path (a relative one is from the project directory) or remove the option to get docker's default profile", profile, err)
		}
		name = path
	}
	f, err := seccomp.LoadProfile(string(body), spec)
	if err != nil {
		return nil, fmt.Errorf("security_opt: seccomp=%s: %s is not a seccomp profile docker takes: %w: fix it (docker's default profile shows the format) or remove the option", shorten(profile), name, err)
	}
	return f, nil
}

// shorten keeps an inline profile from filling an error message.
func shorten(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

// kernelSeccomp reports whether the kernel filters system calls: it
// then shows a Seccomp line in /proc/self/status.
func kernelSeccomp() (bool, error) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return false, fmt.Errorf("reading /proc/self/status: %w", err)
	}
	return bytes.Contains(status, []byte("\nSeccomp:")), nil
}
