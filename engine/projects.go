package engine

import "context"

// ProjectsLister looks beyond one project, for commands that list them all
// (ls).
type ProjectsLister interface {
	// ProjectContainers lists the containers that carry the project label,
	// whatever its value: only running, paused and restarting ones unless
	// all is set. No other container is listed.
	ProjectContainers(ctx context.Context, all bool) ([]Container, error)
}
