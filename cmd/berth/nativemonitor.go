package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine/native"
)

// newNativeMonitorCmd is the process the native engine starts for each
// container (see native.RunMonitor); hidden, as nobody else should run it.
func newNativeMonitorCmd() *cobra.Command {
	return &cobra.Command{
		Use:    native.MonitorCommand + " DIR",
		Short:  "Watch one container of the native engine (started by the engine)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			// The monitor outlives the signals berth's own commands stop
			// on: its container ends it, nothing else.
			return native.RunMonitor(context.WithoutCancel(cmd.Context()), args[0])
		},
	}
}
