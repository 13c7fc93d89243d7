package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/follow"
	"github.com/berth-dev/berth/oneoff"
	"github.com/berth-dev/berth/ui"
)

type attachOptions struct {
	index      int
	noStdin    bool
	sigProxy   bool
	detachKeys string
}

func newAttachCmd(a *app) *cobra.Command {
	var o attachOptions
	cmd := &cobra.Command{
		Use:   "attach [OPTIONS] SERVICE",
		Short: "Attach local standard input, output, and error streams to a service's running container",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.run(cmd, func(ctx context.Context, s *session) error {
				return a.attachService(ctx, s, args[0], &o)
			})
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.index, "index", 1, "index of the container if service has multiple replicas")
	f.BoolVar(&o.noStdin, "no-stdin", false, "Do not attach STDIN")
	// Accepted for compose's sake: Ctrl-C without a TTY stops the
	// container, which is what proxying SIGINT to it amounts to.
	f.BoolVar(&o.sigProxy, "sig-proxy", true, "Proxy all received signals to the process")
	f.StringVar(&o.detachKeys, "detach-keys", "", "Override the key sequence for detaching from a container (accepted, not used)")
	return cmd
}

// attachService connects the terminal to a service's running container
// until it exits, and ends with its exit code.
func (a *app) attachService(ctx context.Context, s *session, service string, o *attachOptions) error {
	p, err := a.projectOrName(ctx, []string{service}, true)
	if err != nil {
		return err
	}
	eng, err := s.engine(ctx)
	if err != nil {
		return err
	}
	all, err := eng.Containers(ctx, p.Name)
	if err != nil {
		return err
	}
	c, err := oneoff.Pick(all, service, o.index)
	if err != nil {
		return err
	}
	// The terminal goes raw only for a container with a TTY: without one,
	// Ctrl-C must stay with berth, which stops the container.
	tty := p.Services[service].Tty && ui.IsTerminalReader(a.g.stdin)
	console := follow.Console{Stdout: a.stdout, Stderr: a.stderr, TTY: tty}
	if !o.noStdin {
		console.Stdin = a.g.stdin
	}
	code, err := follow.Container(ctx, eng, c.ID, console, false)
	if err != nil {
		return err
	}
	if code != 0 {
		return &exitError{code: code}
	}
	return nil
}
