package engine

import "context"

// NetworkEndpoint is one endpoint a network reports. Name is the name of
// the container it was made for, which is how an engine finds an endpoint
// whose container no longer exists.
type NetworkEndpoint struct {
	ContainerID string
	Name        string
}

// EndpointLister reports a network's endpoints, stale ones included.
//
// dockerd 20.10 can keep an endpoint after its container was removed
// (moby/moby#43286, after parallel removals), and then refuses to remove
// the network. Such an endpoint can be deleted by force-disconnecting its
// name (NetworkManager.DisconnectNetwork with force), which is why the
// name is needed: the engine no longer knows the container's ID.
type EndpointLister interface {
	NetworkEndpoints(ctx context.Context, network string) ([]NetworkEndpoint, error)
}
