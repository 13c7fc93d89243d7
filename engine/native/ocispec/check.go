package ocispec

import (
	"errors"
	"fmt"

	"github.com/compose-spec/compose-go/v2/types"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Check reports what would make Build refuse the service s and needs
// neither its image nor a mounted root: compose keys the native engine
// cannot honour, security options it cannot apply, a seccomp profile it
// cannot read or parse (a relative path is from projectDir), and devices
// or device cgroup rules it cannot give (a host path that is missing or
// no device, a malformed entry). The engine runs it for every service an
// up will create containers of, before the first create, so that such a
// service changes nothing.
func Check(s types.ServiceConfig, projectDir string) error {
	return check(s, projectDir, realHost())
}

func check(s types.ServiceConfig, projectDir string, h host) error {
	var errs []error
	if err := unsupported(s); err != nil {
		errs = append(errs, err)
	}
	if _, _, err := serviceDevices(s); err != nil {
		errs = append(errs, err)
	}
	sec, err := parseSecurityOpts(s.SecurityOpt)
	if err != nil {
		errs = append(errs, err)
	} else if !s.Privileged && sec.seccomp != "" && sec.seccomp != seccompUnconfined {
		hasSeccomp, err := h.seccomp()
		if err != nil {
			return fmt.Errorf("service %q: %w", s.Name, err)
		}
		// Capabilities only decide which of the profile's rules apply;
		// whether it reads and parses does not depend on them.
		spec := &specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{}}}
		if _, err := seccompFilter(spec, false, sec.seccomp, projectDir, hasSeccomp); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("service %q: %w", s.Name, errors.Join(errs...))
}
