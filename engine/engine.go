// Package engine is berth's vocabulary for a container engine: the resources
// it observes and creates (Container, Network, Volume, Image), the specs it
// creates them from, the labels that mark them as a project's, and small role
// interfaces that consumers pick from.
//
// Nothing here imports Docker types. engine/docker translates these values to
// the Docker Engine API; engine/fake keeps them in memory for unit tests; a
// native engine can implement the same interfaces later.
package engine

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine/errdefs"
)

// Sentinel errors every engine maps its own failures to, so that callers can
// use errors.Is without knowing which engine they talk to. They are
// defined in engine/errdefs (see there why).
var (
	ErrNotFound = errdefs.ErrNotFound
	ErrConflict = errdefs.ErrConflict
	// ErrActiveEndpoints is returned when a network still has containers attached.
	ErrActiveEndpoints = errdefs.ErrActiveEndpoints
)

// ImageNotFoundError is an image that is not in the engine's local store
// when a container is created from it; the message says how to get it. It
// matches ErrNotFound. Every engine returns this one type, so that callers
// print it as is rather than adding advice of their own.
type ImageNotFoundError struct {
	Ref string // the reference as asked for, e.g. "shop-web" or "postgres:16"
	// Buildable is set by a caller that knows the image's service has a
	// build section, so that the advice includes building it.
	Buildable bool
}

func (e *ImageNotFoundError) Error() string {
	if e.Buildable {
		return fmt.Sprintf("image %q not found locally: build it (berth up --build), pull it (berth pull) or load it (docker load)", e.Ref)
	}
	return fmt.Sprintf("image %q not found locally: pull it (berth pull) or load it (docker load)", e.Ref)
}

// Is makes errors.Is(err, ErrNotFound) hold.
func (e *ImageNotFoundError) Is(target error) bool { return target == ErrNotFound }

// Container is one container as observed in a single list call: enough to
// decide what to do without inspecting it.
type Container struct {
	ID      string
	Name    string // without the leading slash
	Image   string // the image reference it was created from
	ImageID string
	Command string
	Labels  map[string]string
	State   string // created, running, paused, restarting, removing, exited, dead
	Status  string // human text from the engine, e.g. "Up 3 seconds (healthy)"
	Health  string // "", starting, healthy, unhealthy
	// ExitCode is only meaningful when State is "exited".
	ExitCode int
	Created  time.Time
	// Networks maps the engine name of each attached network to the
	// container's endpoint on it.
	Networks map[string]Endpoint
	Ports    []Port
	Mounts   []Mount

	// RestartCount is how often the engine restarted it; only
	// inspections fill it.
	RestartCount int
}

// Endpoint is a container's attachment to one network.
type Endpoint struct {
	NetworkID string
	IPAddress string
	Aliases   []string
}

// Port is a published or exposed port as the engine reports it.
type Port struct {
	HostIP        string
	HostPort      uint16 // zero when only exposed
	ContainerPort uint16
	Protocol      string // tcp, udp, sctp
}

// Mount is a mount as the engine reports it.
type Mount struct {
	Type        string // volume, bind, tmpfs
	Name        string // volume name, for volume mounts
	Source      string
	Destination string
	ReadOnly    bool
}

// Network is a network as observed.
type Network struct {
	ID       string
	Name     string
	Driver   string
	Labels   map[string]string
	Internal bool
	// Containers lists the IDs of attached containers when the engine reports them.
	Containers []string
}

// Volume is a volume as observed.
type Volume struct {
	Name   string
	Driver string
	Labels map[string]string
	// Mountpoint is where the volume's data lives on the engine's host and
	// Scope is "local" or "global"; both as the engine reports them.
	Mountpoint string
	Scope      string
}

// Image is a local image.
type Image struct {
	ID     string
	Tags   []string
	Labels map[string]string
	// Size is in bytes; Created is zero when the engine does not say.
	Size    int64
	Created time.Time
	// Platform is os/arch[/variant], e.g. "linux/amd64"; "" when unknown.
	Platform string
	// Digests are the registry references the image was pulled or pushed
	// as, e.g. "postgres@sha256:…".
	Digests []string
	// LastTagTime is when the image was last tagged (pulled, built or
	// tagged); only InspectImage fills it, and only engines that record it.
	LastTagTime time.Time
}

// ContainerSpec is everything needed to create one container. Service is the
// desired compose configuration with project-level references already
// resolved by the caller:
//   - volume sources name the engine volume (e.g. "shop_data", or the external name),
//   - network_mode / pid / ipc "service:X" are rewritten to "container:ID",
//   - volumes_from entries name containers ("container:ID" or a container name).
//
// Networks lists the engine networks to attach, in priority order; an engine
// that cannot attach several at create time attaches the first at create and
// connects the rest before start.
type ContainerSpec struct {
	Name     string
	Service  types.ServiceConfig
	Labels   map[string]string // complete label set: service labels plus berth/compose labels
	Networks []NetworkAttachment
	// InheritVolumesFrom, when set, is a container whose anonymous volumes the
	// new container takes over (recreate without --renew-anon-volumes).
	InheritVolumesFrom string
	// AttachStdin prepares the container for a client that attaches its
	// input (berth run -i): with the service's stdin_open, the input closes
	// when that client's does.
	AttachStdin bool
	// AutoRemove has the engine remove the container once it exits (run -d
	// --rm, where no berth stays to do it).
	AutoRemove bool
}

// NetworkAttachment attaches a container to one engine network.
type NetworkAttachment struct {
	Network      string // engine name, e.g. "shop_default"
	Aliases      []string
	IPv4Address  string
	IPv6Address  string
	MacAddress   string
	LinkLocalIPs []string
	Links        []string // "container:alias", legacy links on a user network
	DriverOpts   map[string]string
	GwPriority   int
}

// NetworkSpec is everything needed to create one network.
type NetworkSpec struct {
	Name   string // engine name, e.g. "shop_default"
	Config types.NetworkConfig
	Labels map[string]string
	// Subnet, when valid, is the network's only IPv4 subnet: one berth
	// picked from its pool for a network whose Config names none. It is
	// kept out of Config so that nothing derived from the compose
	// configuration (its config hash, drift checks) ever sees it.
	Subnet netip.Prefix
}

// VolumeSpec is everything needed to create one volume.
type VolumeSpec struct {
	Name   string // engine name, e.g. "shop_data"
	Config types.VolumeConfig
	Labels map[string]string
}

// RemoveOptions control container removal.
type RemoveOptions struct {
	Force   bool // kill a running container first
	Volumes bool // remove its anonymous volumes
}

// LogOptions select what Logs returns.
type LogOptions struct {
	Follow     bool
	Tail       string // "all" or a number
	Since      string
	Until      string
	Timestamps bool
}

// Lister is all that observing a project needs: one call per resource kind,
// filtered by the project label.
type Lister interface {
	Containers(ctx context.Context, project string) ([]Container, error)
	Networks(ctx context.Context, project string) ([]Network, error)
	Volumes(ctx context.Context, project string) ([]Volume, error)
}

// ContainerRuntime creates and drives containers.
type ContainerRuntime interface {
	CreateContainer(ctx context.Context, spec ContainerSpec) (id string, err error)
	StartContainer(ctx context.Context, id string) error
	// StopContainer stops gracefully; a nil timeout uses the container's own.
	StopContainer(ctx context.Context, id string, timeout *time.Duration) error
	RemoveContainer(ctx context.Context, id string, opts RemoveOptions) error
	RenameContainer(ctx context.Context, id, name string) error
}

// Inspector answers questions a list call cannot.
type Inspector interface {
	// InspectContainer returns the container with Health and ExitCode current.
	InspectContainer(ctx context.Context, id string) (Container, error)
	// HealthLog returns the output of the most recent health probes, oldest first.
	HealthLog(ctx context.Context, id string) ([]string, error)
	// WaitContainer blocks until the container exits and returns its exit code.
	WaitContainer(ctx context.Context, id string) (int, error)
}

// NetworkManager creates, inspects and removes networks.
type NetworkManager interface {
	// InspectNetwork finds a network by name, project or not; ErrNotFound if absent.
	InspectNetwork(ctx context.Context, name string) (Network, error)
	CreateNetwork(ctx context.Context, spec NetworkSpec) (id string, err error)
	RemoveNetwork(ctx context.Context, id string) error
	ConnectNetwork(ctx context.Context, network, container string, att NetworkAttachment) error
	DisconnectNetwork(ctx context.Context, network, container string, force bool) error
}

// VolumeManager creates, inspects and removes volumes.
type VolumeManager interface {
	// InspectVolume finds a volume by name, project or not; ErrNotFound if absent.
	InspectVolume(ctx context.Context, name string) (Volume, error)
	CreateVolume(ctx context.Context, spec VolumeSpec) error
	RemoveVolume(ctx context.Context, name string) error
}

// ImageManager finds and removes local images; [ImagePuller] talks to
// registries.
type ImageManager interface {
	// Images lists all local images in one call.
	Images(ctx context.Context) ([]Image, error)
	// InspectImage resolves a reference to a local image; an
	// *ImageNotFoundError (ErrNotFound) if absent.
	InspectImage(ctx context.Context, ref string) (Image, error)
	RemoveImage(ctx context.Context, ref string) error
}

// LogStreamer streams a container's output.
type LogStreamer interface {
	// Logs copies the container's stdout and stderr until done (or ctx ends,
	// when following).
	Logs(ctx context.Context, id string, opts LogOptions, stdout, stderr io.Writer) error
}

// Engine is the full surface, for wiring in cmd/berth. Consumers ask for the
// narrowest role interfaces above instead.
type Engine interface {
	Lister
	ContainerRuntime
	Inspector
	NetworkManager
	VolumeManager
	ImageManager
	ImageBuilder
	ImagePuller
	LogStreamer
	Signaller
	ProcessLister
	ProjectsLister
	StacksLister
	Watcher
	EndpointLister
	EventStreamer
	StatsReader
	Copier
	SubnetLister
	Attacher
	Executor
}

// BuildSpec is everything needed to build one image from a Dockerfile.
type BuildSpec struct {
	Tag        string
	ContextDir string // absolute path of the build context
	Dockerfile string // relative to ContextDir
	Args       map[string]*string
	Target     string
	Labels     map[string]string
	// NoCache builds every step again instead of reusing cached layers.
	NoCache bool
	// Pull fetches a newer version of the base image first.
	Pull bool
}

// ImageBuilder builds images locally.
type ImageBuilder interface {
	// BuildImage builds spec and streams the engine's progress text to out.
	BuildImage(ctx context.Context, spec BuildSpec, out io.Writer) error
}
