package lock

import "context"

// Host takes a host-wide lock that belongs to no project, such as the one
// berth holds while it picks a network subnet, in the same directory as
// the project locks. Its file is <dir>/host.<name>.lock: a compose project
// name has no dot, so no project lock can be the same file. It never
// reports waiting: holders keep it for one daemon call.
func Host(ctx context.Context, dir, name string) (release func() error, err error) {
	return Acquire(ctx, dir, "host."+name, "", nil)
}
