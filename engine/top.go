package engine

import "context"

// Processes is a container's process table as `ps` prints it inside the
// container's namespace: column titles and one row per process.
type Processes struct {
	Titles []string
	Rows   [][]string
}

// ProcessLister reads the processes running in a container.
type ProcessLister interface {
	// TopContainer lists the processes of a running container.
	TopContainer(ctx context.Context, id string) (Processes, error)
}
