package ocispec

import (
	"errors"
	"fmt"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
)

// UnsupportedError is a compose key the native engine cannot honour.
type UnsupportedError struct {
	Key    string // the compose key, e.g. "gpus" or "deploy.resources.reservations.devices"
	Reason string
}

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("%s: not supported by the native engine (%s); remove it or use --engine docker", e.Key, e.Reason)
}

// Is makes errors.Is(err, engine.ErrUnsupported) hold, as it does for every
// other refusal of an engine, so callers need not know this type.
func (e *UnsupportedError) Is(target error) bool { return target == engine.ErrUnsupported }

// unsupported reports every key of s that needs something the native
// engine does not have. Running the service without them would give a
// container other than the one the file describes.
func unsupported(s types.ServiceConfig) error {
	var errs []error
	no := func(set bool, key, reason string) {
		if set {
			errs = append(errs, &UnsupportedError{Key: key, Reason: reason})
		}
	}
	no(len(s.Gpus) > 0, "gpus", "there is no GPU or CDI support")
	if s.Deploy != nil {
		if r := s.Deploy.Resources.Reservations; r != nil {
			no(len(r.Devices) > 0, "deploy.resources.reservations.devices", "there is no GPU or CDI support")
			no(len(r.GenericResources) > 0, "deploy.resources.reservations.generic_resources", "generic resources are a swarm feature")
		}
	}
	no(s.Runtime != "" && s.Runtime != "runc", "runtime", "containers run under runc only")
	no(s.Isolation != "" && s.Isolation != "default", "isolation", "isolation modes are a Windows feature")
	no(s.UserNSMode != "" && s.UserNSMode != "host", "userns_mode", "user namespaces are not used")
	no(len(s.StorageOpt) > 0, "storage_opt", "the overlay root has no size or driver options")
	no(s.CredentialSpec != nil, "credential_spec", "credential specs are a Windows feature")
	no(s.CPUCount != 0, "cpu_count", "a Windows-only limit")
	no(s.CPUPercent != 0, "cpu_percent", "a Windows-only limit")
	no(s.BlkioConfig != nil, "blkio_config", "block I/O limits are not set")
	no(s.CgroupParent != "", "cgroup_parent", "containers live under the engine's own cgroup")
	no(s.UseAPISocket, "use_api_socket", "there is no docker API socket to mount")
	no(len(s.Models) > 0, "models", "there is no model runner")
	return errors.Join(errs...)
}
