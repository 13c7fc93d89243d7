package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/follow"
	"github.com/berth-dev/berth/oneoff"
	"github.com/berth-dev/berth/planner"
	"github.com/berth-dev/berth/reconcile"
	"github.com/berth-dev/berth/ui"
)

type runOptions struct {
	rm            bool
	detach        bool
	env           []string
	user          string
	workdir       string
	entrypoint    string
	noDeps        bool
	publish       []string
	servicePorts  bool
	name          string
	noTTY         bool
	interactive   bool
	volumes       []string
	labels        []string
	useAliases    bool
	build         bool
	capAdd        []string
	capDrop       []string
	removeOrphans bool
	quietPull     bool
}

func newRunCmd(a *app) *cobra.Command {
	var o runOptions
	cmd := &cobra.Command{
		Use:   "run [OPTIONS] SERVICE [COMMAND] [ARGS...]",
		Short: "Run a one-off command on a service",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runLocked(cmd, func(ctx context.Context, s *session) error {
				return a.runOneOff(ctx, cmd, s, args, &o)
			})
		},
	}
	f := cmd.Flags()
	// The command's own flags follow the service: `run web ls -l`.
	f.SetInterspersed(false)
	f.BoolVar(&o.rm, "rm", false, "Automatically remove the container when it exits")
	f.BoolVarP(&o.detach, "detach", "d", false, "Run container in background and print its name")
	f.StringArrayVarP(&o.env, "env", "e", nil, "Set environment variables (KEY=VAL, or KEY to take it from the environment)")
	f.StringVarP(&o.user, "user", "u", "", "Run as specified username or uid")
	f.StringVarP(&o.workdir, "workdir", "w", "", "Working directory inside the container")
	f.StringVar(&o.entrypoint, "entrypoint", "", "Override the entrypoint of the image")
	f.BoolVar(&o.noDeps, "no-deps", false, "Don't start linked services")
	f.StringArrayVarP(&o.publish, "publish", "p", nil, "Publish a container's port(s) to the host")
	f.BoolVar(&o.servicePorts, "service-ports", false, "Run command with all service's ports enabled and mapped to the host")
	f.StringVar(&o.name, "name", "", "Assign a name to the container")
	f.BoolVarP(&o.noTTY, "no-TTY", "T", false, "Disable pseudo-TTY allocation (default: auto-detected)")
	f.BoolVarP(&o.interactive, "interactive", "i", true, "Keep STDIN open even if not attached")
	f.StringArrayVarP(&o.volumes, "volume", "v", nil, "Bind mount a volume")
	f.StringArrayVarP(&o.labels, "label", "l", nil, "Add or override a label")
	f.BoolVar(&o.build, "build", false, "Build image before starting container")
	f.StringArrayVar(&o.capAdd, "cap-add", nil, "Add Linux capabilities")
	f.StringArrayVar(&o.capDrop, "cap-drop", nil, "Drop Linux capabilities")
	f.BoolVar(&o.removeOrphans, "remove-orphans", false, "Remove containers for services not defined in the Compose file")
	// berth never pulls; the flag is accepted so that scripts keep working.
	f.BoolVar(&o.quietPull, "quiet-pull", false, "Pull without printing progress information (berth does not pull)")
	f.BoolVar(&o.useAliases, "use-aliases", false, "Use the service's network aliases in the network(s) the container connects to")
	return cmd
}

func (a *app) runOneOff(ctx context.Context, cmd *cobra.Command, s *session, args []string, o *runOptions) error {
	service := args[0]
	p, err := a.g.load(ctx, []string{service}, o.noDeps, nil)
	if err != nil {
		return err
	}
	tty := !o.noTTY && !o.detach && ui.IsTerminalReader(a.g.stdin) && ui.IsTerminal(a.stdout)
	ro := oneoff.RunOptions{
		Command:      args[1:],
		Env:          o.env,
		User:         o.user,
		WorkingDir:   o.workdir,
		ServicePorts: o.servicePorts,
		Publish:      o.publish,
		Volumes:      o.volumes,
		Labels:       o.labels,
		Name:         o.name,
		TTY:          tty,
		Interactive:  o.interactive,
		CapAdd:       o.capAdd,
		CapDrop:      o.capDrop,
	}
	if cmd.Flags().Changed("entrypoint") {
		ro.Entrypoint = &o.entrypoint
	}
	svc, err := oneoff.Apply(p, service, ro)
	if err != nil {
		return err
	}
	code, err := a.runContainer(ctx, s, p, oneOffRun{
		service:       service,
		svc:           svc,
		noDeps:        o.noDeps,
		build:         o.build,
		removeOrphans: o.removeOrphans,
		useAliases:    o.useAliases,
		interactive:   o.interactive,
		detach:        o.detach,
		rm:            o.rm,
		tty:           tty,
	})
	if err != nil {
		return err
	}
	if code != 0 {
		return &exitError{code: code}
	}
	return nil
}

// oneOffRun is one one-off container to run: what run builds from its
// flags, and ci from its service and arguments.
type oneOffRun struct {
	service string
	svc     types.ServiceConfig // the service as oneoff.Apply changed it

	noDeps, build, removeOrphans, useAliases bool
	interactive, detach, rm, tty             bool

	// stdout and stderr, when stdout is set, receive the container's output in
	// place of the command's.
	stdout, stderr io.Writer
}

// runContainer brings up what r's service needs, waits for its
// dependencies, creates its one-off container and follows it to its exit
// code (or, detached, starts it and prints its name, with code 0).
func (a *app) runContainer(ctx context.Context, s *session, p *types.Project, r oneOffRun) (int, error) {
	service := r.service
	eng, err := a.lockedEngine(ctx, s, p)
	if err != nil {
		return 0, err
	}
	// Dependencies come up as `up` would bring them, with the networks,
	// volumes and image the service needs; the service's own containers
	// are left alone, as its one-off container is not one of them.
	g, err := planner.Build(p)
	if err != nil {
		return 0, err
	}
	if err := reconcile.CheckOneOff(ctx, eng, p, r.svc); err != nil {
		return 0, err
	}
	state, err := reconcile.Observe(ctx, eng, p.Name)
	if err != nil {
		return 0, err
	}
	plan, err := reconcile.PlanUp(p, g, state, reconcile.UpOptions{
		Services: []string{service}, NoDeps: r.noDeps, Build: r.build, RemoveOrphans: r.removeOrphans, OneOff: service,
	})
	if err != nil {
		return 0, err
	}
	if err := a.execute(ctx, eng, plan); err != nil {
		return 0, err
	}
	if a.g.dryRun {
		fmt.Fprintf(a.stdout, "would run a one-off container of service %s\n", service)
		return 0, nil
	}
	if state, err = reconcile.Observe(ctx, eng, p.Name); err != nil {
		return 0, err
	}
	if err := a.waitDependencies(ctx, eng, p, g, state, service); err != nil {
		return 0, err
	}
	slug, err := randomSlug()
	if err != nil {
		return 0, err
	}
	id, name, err := reconcile.CreateOneOff(ctx, eng, p, state, reconcile.OneOff{
		Service:     r.svc,
		Slug:        slug,
		UseAliases:  r.useAliases,
		AttachStdin: r.interactive && !r.detach,
		// Attached, berth removes the container itself once it has its
		// exit code; a daemon-side removal could race the wait for it.
		AutoRemove: r.rm && r.detach,
	}, runtimeDir(a.g.environ))
	if err != nil {
		return 0, fmt.Errorf("service %q: %w", service, err)
	}
	// The container is the user's from here on, and may run for hours.
	if err := s.unlock(); err != nil {
		return 0, err
	}
	if r.detach {
		if err := eng.StartContainer(ctx, id); err != nil {
			return 0, err
		}
		fmt.Fprintln(a.stdout, name)
		return 0, nil
	}
	console := follow.Console{Stdout: a.stdout, Stderr: a.stderr, TTY: r.tty}
	if r.stdout != nil {
		console.Stdout, console.Stderr = r.stdout, r.stderr
	}
	if r.interactive {
		console.Stdin = a.g.stdin
	}
	code, err := follow.Container(ctx, eng, id, console, true)
	if r.rm {
		rmErr := eng.RemoveContainer(context.WithoutCancel(ctx), id, engine.RemoveOptions{Force: true, Volumes: true})
		err = errors.Join(err, rmErr)
	}
	return code, err
}

// waitDependencies waits for the service's depends_on conditions, with
// progress once there is something to wait for.
func (a *app) waitDependencies(ctx context.Context, eng reconcile.Engine, p *types.Project, g *planner.Graph, state reconcile.State, service string) error {
	var prog ui.Progress
	err := reconcile.WaitDependencies(ctx, eng, p, g, state, service, func(e reconcile.Event) {
		if prog == nil {
			var err error
			if prog, _, err = a.newProgress(); err != nil {
				// The flags were checked when the command started.
				return
			}
		}
		prog.Event(progressEvent(e))
	})
	if prog != nil {
		if ctx.Err() != nil {
			prog.Interrupt()
		}
		prog.Close()
	}
	return err
}

// randomSlug is compose's one-off ID: 32 random bytes in hex.
func randomSlug() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("one-off container ID: %w", err)
	}
	return hex.EncodeToString(b), nil
}
