package watch

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/compose-spec/compose-go/v2/types"
)

// Batch is what one batch of changes asks for, per service. Every list is
// sorted, so the same changes always give the same batch.
type Batch struct {
	Rebuild []string
	Sync    map[string][]Mapping
	Restart []string
	Exec    []Hook
}

// Hook is a sync+exec trigger's command, run once per batch per trigger.
type Hook struct {
	Service string
	Hook    types.ServiceHook
}

// Empty reports whether the batch asks for nothing.
func (b Batch) Empty() bool {
	return len(b.Rebuild) == 0 && len(b.Sync) == 0 && len(b.Restart) == 0 && len(b.Exec) == 0
}

// Plan maps changed host paths to the actions their rules ask for. A path
// several rules match counts for each of them, as in compose.
func Plan(rules []Rule, paths []string) Batch {
	rebuild, restart := map[string]bool{}, map[string]bool{}
	sync := map[string][]Mapping{}
	execs := map[int]bool{}
	for _, p := range paths {
		for i, r := range rules {
			m, ok := r.match(p)
			if !ok {
				continue
			}
			switch r.Trigger.Action {
			case types.WatchActionRebuild:
				rebuild[r.Service] = true
			case types.WatchActionRestart:
				restart[r.Service] = true
			case types.WatchActionSync:
				sync[r.Service] = append(sync[r.Service], m)
			case types.WatchActionSyncRestart:
				sync[r.Service] = append(sync[r.Service], m)
				restart[r.Service] = true
			case types.WatchActionSyncExec:
				sync[r.Service] = append(sync[r.Service], m)
				execs[i] = true
			}
		}
	}
	b := Batch{Rebuild: slices.Sorted(maps.Keys(rebuild)), Restart: slices.Sorted(maps.Keys(restart))}
	// A rebuilt service gets new containers from the new image; syncing
	// into or restarting the old ones would be undone at once.
	for svc, ms := range sync {
		if rebuild[svc] {
			continue
		}
		if b.Sync == nil {
			b.Sync = map[string][]Mapping{}
		}
		slices.SortFunc(ms, func(x, y Mapping) int { return cmp.Compare(x.Host, y.Host) })
		b.Sync[svc] = slices.CompactFunc(ms, func(x, y Mapping) bool { return x == y })
	}
	b.Restart = slices.DeleteFunc(b.Restart, func(s string) bool { return rebuild[s] })
	for _, i := range slices.Sorted(maps.Keys(execs)) {
		if !rebuild[rules[i].Service] {
			b.Exec = append(b.Exec, Hook{Service: rules[i].Service, Hook: rules[i].Trigger.Exec})
		}
	}
	return b
}

// Actions carry out a batch; the caller provides them over its engine.
type Actions interface {
	// Rebuild builds the services' images and recreates their containers.
	Rebuild(ctx context.Context, services []string) error
	// Sync copies the files to every running container of the service
	// and removes there those that no longer exist on the host.
	Sync(ctx context.Context, service string, files []Mapping) error
	// Restart restarts the services' containers.
	Restart(ctx context.Context, services []string) error
	// Exec runs a hook in the service's containers.
	Exec(ctx context.Context, service string, hook types.ServiceHook) error
}

// Apply carries out b in compose's order (rebuilds, syncs, restarts, then
// hooks) and says what it does through log, with compose's messages. It
// stops at the first failure: the next batch starts from the files as
// they are then.
func Apply(ctx context.Context, b Batch, act Actions, log func(string)) error {
	if len(b.Rebuild) > 0 {
		log(fmt.Sprintf("Rebuilding service(s) %q after changes were detected...", b.Rebuild))
		if err := act.Rebuild(ctx, b.Rebuild); err != nil {
			return fmt.Errorf("rebuild %v: %w", b.Rebuild, err)
		}
		log(fmt.Sprintf("service(s) %q successfully built", b.Rebuild))
	}
	for _, svc := range slices.Sorted(maps.Keys(b.Sync)) {
		files := b.Sync[svc]
		log(fmt.Sprintf("Syncing service %q after %d changes were detected", svc, len(files)))
		if err := act.Sync(ctx, svc, files); err != nil {
			return fmt.Errorf("sync %s: %w", svc, err)
		}
	}
	if len(b.Restart) > 0 {
		if err := act.Restart(ctx, b.Restart); err != nil {
			return fmt.Errorf("restart %v: %w", b.Restart, err)
		}
		log(fmt.Sprintf("service(s) %q restarted", b.Restart))
	}
	for _, h := range b.Exec {
		if err := act.Exec(ctx, h.Service, h.Hook); err != nil {
			return fmt.Errorf("exec in %s: %w", h.Service, err)
		}
	}
	return nil
}
