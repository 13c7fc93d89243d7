package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/running"
)

func newPortCmd(a *app) *cobra.Command {
	var q running.PortQuery
	cmd := &cobra.Command{
		Use:   "port [OPTIONS] SERVICE PRIVATE_PORT",
		Short: "Print the public port for a port binding",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			port, err := strconv.ParseUint(args[1], 10, 16)
			if err != nil || port == 0 {
				return fmt.Errorf("PRIVATE_PORT %q: want a port number from 1 to 65535", args[1])
			}
			q.Service, q.Port = args[0], uint16(port)
			return a.run(cmd, func(ctx context.Context, s *session) error {
				p, err := a.projectOrName(ctx, nil, true)
				if err != nil {
					return err
				}
				if !nameOnly(p) {
					if _, err := p.GetService(q.Service); err != nil {
						return fmt.Errorf("no such service %q in project %s", q.Service, p.Name)
					}
				}
				eng, err := s.engine(ctx)
				if err != nil {
					return err
				}
				cs, err := eng.Containers(ctx, p.Name)
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
	return cmd
}
