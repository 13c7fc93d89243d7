package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/follow"
	"github.com/berth-dev/berth/oneoff"
	"github.com/berth-dev/berth/ui"
)

type execOptions struct {
	detach      bool
	noTTY       bool
	interactive bool
	env         []string
	user        string
	workdir     string
	index       int
	privileged  bool
}

func newExecCmd(a *app) *cobra.Command {
	var o execOptions
	cmd := &cobra.Command{
		Use:   "exec [OPTIONS] SERVICE COMMAND [ARGS...]",
		Short: "Execute a command in a running container",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.run(cmd, func(ctx context.Context, s *session) error {
				return a.exec(ctx, s, args, &o)
			})
		},
	}
	f := cmd.Flags()
	// The command's own flags follow the service: `exec web ls -l`.
	f.SetInterspersed(false)
	f.BoolVarP(&o.detach, "detach", "d", false, "Detached mode: Run command in the background")
	f.BoolVarP(&o.noTTY, "no-TTY", "T", false, "Disable pseudo-TTY allocation (default: auto-detected)")
	f.BoolVarP(&o.interactive, "interactive", "i", true, "Keep STDIN open even if not attached")
	f.StringArrayVarP(&o.env, "env", "e", nil, "Set environment variables (KEY=VAL, or KEY to take it from the environment)")
	f.StringVarP(&o.user, "user", "u", "", "Run the command as this user")
	f.StringVarP(&o.workdir, "workdir", "w", "", "Path to workdir directory for this command")
	f.IntVar(&o.index, "index", 1, "Index of the container if service has multiple replicas")
	f.BoolVar(&o.privileged, "privileged", false, "Give extended privileges to the process")
	return cmd
}

func (a *app) exec(ctx context.Context, s *session, args []string, o *execOptions) error {
	service := args[0]
	eng, all, err := a.projectContainers(ctx, s, []string{service})
	if err != nil {
		return err
	}
	c, err := oneoff.Pick(all, service, o.index)
	if err != nil {
		return err
	}
	if a.g.dryRun {
		fmt.Fprintf(a.stdout, "would run %q in container %s\n", strings.Join(args[1:], " "), c.Name)
		return nil
	}
	tty := !o.noTTY && !o.detach && ui.IsTerminalReader(a.g.stdin) && ui.IsTerminal(a.stdout)
	spec := engine.ExecSpec{
		Cmd:        args[1:],
		Env:        resolveEnv(o.env, a.g.environ),
		User:       o.user,
		WorkingDir: o.workdir,
		Privileged: o.privileged,
		Detach:     o.detach,
	}
	console := follow.Console{Stdout: a.stdout, Stderr: a.stderr, TTY: tty}
	if o.interactive && !o.detach {
		console.Stdin = a.g.stdin
	}
	code, err := follow.Exec(ctx, eng, c.ID, spec, console)
	if err != nil {
		return fmt.Errorf("service %q: %w", service, err)
	}
	if code != 0 {
		return &exitError{code: code}
	}
	return nil
}

// resolveEnv gives -e KEY (no value) the value of KEY in environ, as the
// docker CLI does; a KEY set nowhere is dropped.
func resolveEnv(env []string, environ map[string]string) []string {
	var out []string
	for _, e := range env {
		if strings.Contains(e, "=") {
			out = append(out, e)
		} else if v, ok := environ[e]; ok {
			out = append(out, e+"="+v)
		}
	}
	return out
}
