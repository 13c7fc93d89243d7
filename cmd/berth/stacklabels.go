package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine"
)

// lifeFlags are up's flags for how long a stack lives: --ttl (or
// BERTH_TTL) and --reap.
type lifeFlags struct {
	ttl  time.Duration
	reap bool
}

func (f *lifeFlags) bind(cmd *cobra.Command) {
	cmd.Flags().DurationVar(&f.ttl, "ttl", 0, "Let berth gc remove the resources this up creates once this long has passed, e.g. 2h (also BERTH_TTL)")
	cmd.Flags().BoolVar(&f.reap, "reap", false, "Remove the stack (down -v --remove-orphans) when this berth exits, even when killed; with -d or --wait, when the berth process it leaves holding the lease ends")
}

// resolve applies BERTH_TTL when --ttl is not given.
func (f *lifeFlags) resolve(cmd *cobra.Command, environ map[string]string) error {
	if !cmd.Flags().Changed("ttl") {
		if v := environ["BERTH_TTL"]; v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("BERTH_TTL=%q: want a duration such as 2h or 30m", v)
			}
			f.ttl = d
		}
	}
	if f.ttl < 0 {
		return fmt.Errorf("--ttl %s: must not be negative", f.ttl)
	}
	return nil
}

// stackLabels are berth's own labels for what an up creates: its
// environment, its TTL and the lease owner. None is part of a config hash
// (see reconcile.UpOptions.Labels).
func stackLabels(env string, ttl time.Duration, now time.Time, owner string) map[string]string {
	labels := map[string]string{}
	if env != "" {
		labels[engine.LabelEnv] = env
	}
	if ttl > 0 {
		// Rounded up to the second RFC 3339 keeps, never down.
		until := now.Add(ttl + time.Second - 1).Truncate(time.Second)
		labels[engine.LabelTTLUntil] = until.UTC().Format(time.RFC3339)
	}
	if owner != "" {
		labels[engine.LabelLeaseOwner] = owner
	}
	if len(labels) == 0 {
		return nil
	}
	return labels
}
