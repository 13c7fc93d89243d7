package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/running"
	"github.com/berth-dev/berth/ui"
)

func newPortCmd(a *app) *cobra.Command {
	var q running.PortQuery
	var all bool
	var format string
	cmd := &cobra.Command{
		Use:   "port [OPTIONS] SERVICE PRIVATE_PORT",
		Short: "Print the public port for a port binding",
		Long: `Print the public port for a port binding.

With --all (berth), print every published port of the project's running
service containers, or of the SERVICEs named, as a table or, with
--format json, as an array of objects with the keys service, index,
container, container_port, protocol, host_ip and host_port.`,
		Example: "  berth port web 80\n  berth port --all --format json",
		Args: func(cmd *cobra.Command, args []string) error {
			if all {
				if cmd.Flags().Changed("index") || cmd.Flags().Changed("protocol") {
					return errors.New("--index and --protocol pick one port: drop them with --all")
				}
				return nil
			}
			if cmd.Flags().Changed("format") {
				return errors.New("--format applies to --all: add --all to list every published port")
			}
			return cobra.ExactArgs(2)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if all {
				if format != "table" && format != "json" {
					return fmt.Errorf("--format %q: use table or json", format)
				}
				return a.run(cmd, func(ctx context.Context, s *session) error {
					return a.portAll(ctx, s, args, format)
				})
			}
			port, err := strconv.ParseUint(args[1], 10, 16)
			if err != nil || port == 0 {
				return fmt.Errorf("PRIVATE_PORT %q: want a port number from 1 to 65535", args[1])
			}
			q.Service, q.Port = args[0], uint16(port)
			return a.run(cmd, func(ctx context.Context, s *session) error {
				cs, err := a.serviceContainers(ctx, s, []string{q.Service})
				if err != nil {
					return err
				}
				addr, err := running.Port(cs, q)
				if err != nil {
					return err
				}
				_, err = fmt.Fprintln(a.stdout, addr)
				return err
			})
		},
	}
	cmd.Flags().StringVar(&q.Protocol, "protocol", "tcp", "tcp or udp")
	cmd.Flags().IntVar(&q.Index, "index", 0, "Index of the container if service has multiple replicas")
	cmd.Flags().BoolVar(&all, "all", false, "Print every published port of the project's running containers, or of the SERVICEs named (berth)")
	cmd.Flags().StringVar(&format, "format", "table", "With --all: format the output. Values: [table | json]")
	return cmd
}

// portAll is port --all: every published port of the project's running
// service containers, optionally of some services only.
func (a *app) portAll(ctx context.Context, s *session, services []string, format string) error {
	cs, err := a.serviceContainers(ctx, s, services)
	if err != nil {
		return err
	}
	rows := running.Published(cs)
	if len(services) > 0 {
		rows = slices.DeleteFunc(rows, func(b running.Binding) bool { return !slices.Contains(services, b.Service) })
	}
	return ui.WritePorts(a.stdout, rows, format)
}

// serviceContainers lists the project's containers after checking that the
// services named are the project's (a project known by name alone cannot
// tell, and lists whatever its containers say).
func (a *app) serviceContainers(ctx context.Context, s *session, services []string) ([]engine.Container, error) {
	p, err := a.projectOrName(ctx, nil, true)
	if err != nil {
		return nil, err
	}
	if !nameOnly(p) {
		for _, name := range services {
			if _, err := p.GetService(name); err != nil {
				return nil, fmt.Errorf("no such service %q in project %s", name, p.Name)
			}
		}
	}
	eng, err := s.engine(ctx)
	if err != nil {
		return nil, err
	}
	return eng.Containers(ctx, p.Name)
}
