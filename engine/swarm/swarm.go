package swarm

import (
	"context"
	"io"

	swarmtypes "github.com/moby/moby/api/types/swarm"
)

// Labels `docker stack deploy` sets, which berth sets the same way so that
// `docker stack ps/services/rm` see a berth stack and berth adopts one
// deployed by docker.
const (
	// LabelNamespace holds the project name on services, networks, secrets
	// and configs, and on the containers of the services' tasks.
	LabelNamespace = "com.docker.stack.namespace"
	// LabelImage holds the image as the compose file names it, before any
	// digest the daemon may pin.
	LabelImage = "com.docker.stack.image"
)

// Network is an overlay network as a stack declares and observes it.
type Network struct {
	ID         string
	Name       string
	Driver     string
	Labels     map[string]string
	Options    map[string]string
	Attachable bool
	Internal   bool
	// Subnets are the IPAM subnets the file asks for, if any.
	Subnets []string
}

// LogOptions select service log output, as the docker CLI's flags do.
type LogOptions struct {
	Follow     bool
	Tail       string
	Since      string
	Until      string
	Timestamps bool
}

// Reader lists what a project owns on the swarm; each list is filtered on
// [LabelNamespace] = project.
type Reader interface {
	Services(ctx context.Context, project string) ([]swarmtypes.Service, error)
	Networks(ctx context.Context, project string) ([]Network, error)
	// NetworkNames maps the ID of every network the swarm knows to its
	// name: a service's spec names its networks by ID once stored.
	NetworkNames(ctx context.Context) (map[string]string, error)
	Secrets(ctx context.Context, project string) ([]swarmtypes.Secret, error)
	Configs(ctx context.Context, project string) ([]swarmtypes.Config, error)
	// SecretIDs and ConfigIDs look up objects by exact name, whoever made
	// them: a stack's external secrets and configs carry no label of its.
	// Names not found are absent from the map.
	SecretIDs(ctx context.Context, names []string) (map[string]string, error)
	ConfigIDs(ctx context.Context, names []string) (map[string]string, error)
}

// Writer creates and removes services and the objects they use. Removing
// what is already gone is not an error.
type Writer interface {
	CreateService(ctx context.Context, spec swarmtypes.ServiceSpec) (string, error)
	// UpdateService replaces the spec of service id at version, which must
	// be the version the spec was read at: the manager refuses a stale one.
	UpdateService(ctx context.Context, id string, version uint64, spec swarmtypes.ServiceSpec) error
	RemoveService(ctx context.Context, id string) error
	CreateNetwork(ctx context.Context, n Network) (string, error)
	RemoveNetwork(ctx context.Context, id string) error
	CreateSecret(ctx context.Context, spec swarmtypes.SecretSpec) (string, error)
	RemoveSecret(ctx context.Context, id string) error
	CreateConfig(ctx context.Context, spec swarmtypes.ConfigSpec) (string, error)
	RemoveConfig(ctx context.Context, id string) error
}

// TaskReader lists the tasks of services, current and past.
type TaskReader interface {
	Tasks(ctx context.Context, serviceIDs []string) ([]swarmtypes.Task, error)
}

// LogReader copies a service's log, all its tasks merged, to stdout and
// stderr.
type LogReader interface {
	ServiceLogs(ctx context.Context, id string, opts LogOptions, stdout, stderr io.Writer) error
}

// NodeContainers are the containers of a project's tasks on the node the
// client talks to: the one place a swarm client sees containers.
type NodeContainers interface {
	// Containers lists their IDs, those running and those stopped.
	Containers(ctx context.Context, project string) (running, stopped []string, err error)
	// RemoveContainer removes a stopped one; one already gone, or being
	// removed by the node's agent, is no error.
	RemoveContainer(ctx context.Context, id string) error
}

// NodeReader answers what the swarm is made of.
type NodeReader interface {
	Nodes(ctx context.Context) ([]swarmtypes.Node, error)
	// Manager returns nil when the daemon is a manager of an active swarm,
	// and otherwise an error that says how to get there.
	Manager(ctx context.Context) error
}

// Swarm is everything at once, as the CLI hands it out.
type Swarm interface {
	Reader
	Writer
	TaskReader
	LogReader
	NodeReader
	NodeContainers
}
