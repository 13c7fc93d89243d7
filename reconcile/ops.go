package reconcile

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"golang.org/x/sync/errgroup"

	"github.com/berth-dev/berth/engine"
)

// exec carries out one action. It returns the text of the final progress
// event when it differs from the kind's usual one.
func (r *runner) exec(ctx context.Context, i int, a Action, o *op) (string, error) {
	if err := payloadCheck(a, o); err != nil {
		return "", err
	}
	switch a.Kind {
	case CreateNetwork:
		_, err := r.createNetwork(ctx, o)
		if errors.Is(err, engine.ErrConflict) {
			// The engine names the network; the project is what it cannot know.
			err = fmt.Errorf("%w: the network does not belong to project %s: remove it, or declare it `external: true` to use it", err, projectName(r.env))
		}
		return "", err
	case CreateVolume:
		err := r.eng.CreateVolume(ctx, *o.volume)
		if errors.Is(err, engine.ErrConflict) {
			err = fmt.Errorf("%w: the volume does not belong to project %s: declare it `external: true` to use it", err, projectName(r.env))
		}
		return "", err
	case BuildImage:
		if o.buildIfMissing {
			if _, err := r.eng.InspectImage(ctx, o.build.Tag); err == nil {
				return "Skipped, pulled", nil
			}
		}
		return "", r.eng.BuildImage(ctx, *o.build, r.opts.Build)
	case PullImage, PushImage:
		return r.transfer(ctx, i, a, o)
	case CreateContainer:
		id, err := r.create(ctx, i, a, o, a.Target.Name, "", "")
		if err != nil {
			return "", err
		}
		r.ids.set(a.Target.Name, id)
		return "", nil
	case Recreate:
		if o.onlyIf != nil {
			needed, err := r.needed(ctx, i, a, o.onlyIf)
			if err != nil {
				return "", err
			}
			if !needed {
				return r.keep(ctx, i, a, o)
			}
		}
		return r.recreate(ctx, i, a, o)
	case Start:
		if err := r.waitDeps(ctx, i, a, o); err != nil {
			return "", err
		}
		id, err := r.idOf(a.Target)
		if err != nil {
			return "", err
		}
		return "", r.eng.StartContainer(ctx, id)
	case Stop:
		id, err := r.idOf(a.Target)
		if err != nil {
			return "", err
		}
		return "", ignoreNotFound(r.eng.StopContainer(ctx, id, o.timeout))
	case Restart:
		if o.onlyIf != nil {
			needed, err := r.needed(ctx, i, a, o.onlyIf)
			if err != nil {
				return "", err
			}
			if !needed {
				r.kept.add(i)
				return "Running", nil
			}
		}
		id, err := r.idOf(a.Target)
		if err != nil {
			return "", err
		}
		if err := r.eng.StopContainer(ctx, id, o.timeout); err != nil {
			return "", err
		}
		if err := r.waitDeps(ctx, i, a, o); err != nil {
			return "", err
		}
		return "", r.eng.StartContainer(ctx, id)
	case RemoveContainer:
		id, err := r.idOf(a.Target)
		if err != nil {
			return "", err
		}
		err = r.eng.RemoveContainer(ctx, id, engine.RemoveOptions{Force: true, Volumes: o.removeVolumes})
		if err := ignoreNotFound(err); err != nil {
			return "", err
		}
		r.ids.drop(a.Target.Name)
		return "", nil
	case Kill, Pause, Unpause:
		return "", r.signal(ctx, a, o)
	case RemoveNetwork:
		return r.removeNetwork(ctx, i, a, o)
	case DisconnectNetwork:
		id, err := r.idOf(a.Target)
		if err != nil {
			return "", err
		}
		return "", ignoreNotFound(r.eng.DisconnectNetwork(ctx, o.networkName, id, false))
	case ConnectNetwork:
		return "", r.connect(ctx, a, o)
	case RemoveVolume:
		return "", ignoreNotFound(r.eng.RemoveVolume(ctx, a.Target.Name))
	case RemoveImage:
		ref := o.image
		if ref == "" {
			ref = a.Target.Name
		}
		return "", ignoreNotFound(r.eng.RemoveImage(ctx, ref))
	}
	return "", fmt.Errorf("unknown action kind %q; this berth cannot apply the plan", a.Kind)
}

// payloadCheck rejects an action built by hand rather than by a Plan
// function: Apply cannot invent what to create.
func payloadCheck(a Action, o *op) error {
	missing := false
	switch a.Kind {
	case CreateNetwork:
		missing = o.network == nil
	case CreateVolume:
		missing = o.volume == nil
	case BuildImage:
		missing = o.build == nil
	case PullImage, PushImage:
		missing = o.image == ""
	case CreateContainer, Recreate:
		missing = o.service == nil
	case ConnectNetwork:
		missing = o.service == nil || o.networkName == ""
	case DisconnectNetwork:
		missing = o.networkName == ""
	}
	if missing {
		return fmt.Errorf("%s %s %s: the action carries no specification; build plans with PlanUp or PlanDown", a.Kind, a.Target.Type, a.Target.Name)
	}
	return nil
}

// ignoreNotFound treats a resource already gone as removed.
func ignoreNotFound(err error) error {
	if errors.Is(err, engine.ErrNotFound) {
		return nil
	}
	return err
}

// idOf finds the container an action targets: the observed one, or the one
// an earlier action created under that name.
func (r *runner) idOf(ref Ref) (string, error) {
	if ref.ID != "" {
		return ref.ID, nil
	}
	if id, ok := r.ids.get(ref.Name); ok {
		return id, nil
	}
	return "", fmt.Errorf("no container named %s: %w", ref.Name, engine.ErrNotFound)
}

// create creates one container of the action's service under name.
func (r *runner) create(ctx context.Context, i int, a Action, o *op, name, inherit, replaces string) (string, error) {
	if r.env.project == nil {
		return "", errors.New("plan carries no service configuration; plan it with PlanUp")
	}
	img := imageName(r.env.project.Name, *o.service)
	// A missing image comes back as engine.ImageNotFoundError, which already
	// says how to get it; wrapping it would say so twice. Only the plan
	// knows whether building is one of the ways.
	image, err := r.eng.InspectImage(ctx, img)
	if err != nil {
		var nf *engine.ImageNotFoundError
		if errors.As(err, &nf) {
			nf.Buildable = o.service.Build != nil
		}
		return "", err
	}
	files, err := fileMounts(r.env.project, *o.service, r.stateDir)
	if err != nil {
		return "", err
	}
	// The files must exist before the engine binds them.
	warnings, err := writeFileMounts(r.stateDir, files)
	if err != nil {
		return "", err
	}
	for _, w := range warnings {
		r.emit(i, a, a.Target, StatusWarning, w, nil)
	}
	spec, err := containerSpec(r.env, r.ids, specInput{
		service: *o.service, name: name, number: a.Target.Number,
		imageID: image.ID, inherit: inherit, replaces: replaces, files: files,
	})
	if err != nil {
		return "", err
	}
	return r.eng.CreateContainer(ctx, spec)
}

// recreate replaces a container as compose does: create the replacement
// under a temporary name while the old one stops, then give it the final
// name and start it. Until that rename, the old container's name stays
// valid, so an interruption leaves a state the next plan repairs: a
// container of the same number under another name is a duplicate.
//
// When the replacement starts, the old container is not removed first but
// renamed out of the way and removed while the replacement starts: the
// removal (about 10 ms on dockerd 20.10) no longer adds to the time the
// service is down. Without a start, it is simply removed first.
func (r *runner) recreate(ctx context.Context, i int, a Action, o *op) (string, error) {
	old := a.Target.ID
	if old == "" {
		return "", fmt.Errorf("no existing container to replace: %w", engine.ErrNotFound)
	}
	id, err := r.replace(ctx, i, a, o)
	if err != nil {
		return "", err
	}
	// Each engine call names its container; describe adds that they are
	// steps of this recreate.
	remove := func() error {
		return ignoreNotFound(r.eng.RemoveContainer(ctx, old, engine.RemoveOptions{Force: true}))
	}
	// The final name must be free before the replacement takes it: the old
	// container is removed, or, when the replacement starts, only renamed
	// out of the way and removed during the start.
	freeName := remove
	if o.start {
		freeName = func() error {
			return ignoreNotFound(r.eng.RenameContainer(ctx, old, retiredName(old, o.finalName)))
		}
	}
	if err := freeName(); err != nil {
		return "", err
	}
	if err := r.eng.RenameContainer(ctx, id, o.finalName); err != nil {
		return "", err
	}
	r.ids.set(o.finalName, id)
	if !o.start {
		return "", nil
	}
	// A plain group: the removal runs to its end whatever the start does.
	var removal errgroup.Group
	removal.Go(remove)
	startErr := r.startReplacement(ctx, i, a, o, id)
	if err := errors.Join(startErr, removal.Wait()); err != nil {
		return "", err
	}
	return "Started", nil
}

// retiredName is what the replaced container is called while it is
// removed: neither the final name nor the temporary one of any replacement.
func retiredName(old, finalName string) string {
	return shortID(old) + "_old_" + finalName
}

// startReplacement starts a recreate's replacement once its dependencies
// are ready.
func (r *runner) startReplacement(ctx context.Context, i int, a Action, o *op, id string) error {
	r.emit(i, a, a.Target, StatusDone, "Recreated", nil)
	if err := r.waitDeps(ctx, i, a, o); err != nil {
		return err
	}
	r.emit(i, a, a.Target, StatusWorking, "Starting", nil)
	return r.eng.StartContainer(ctx, id)
}

// replace creates the replacement of the recreated container under a
// temporary name and stops the old container, and returns the
// replacement's ID. Neither waits for the other (the replacement may take
// over the anonymous volumes of a running container), so the create is
// off a recreate's critical path, as in compose.
//
// A failure leaves nothing half done: when one step fails, the other is
// undone, best effort: the old container is started again if it was
// running when observed. Under up --no-start and create the old container
// is stopped only once its replacement exists, as compose does: nothing is
// waiting for the service, and a failed create then leaves it untouched.
// An interrupted recreate is not undone: the next plan repairs it.
func (r *runner) replace(ctx context.Context, i int, a Action, o *op) (string, error) {
	old := a.Target.ID
	tmp := shortID(old) + "_" + o.finalName
	inherit := old
	if o.renewAnon {
		inherit = ""
	}
	var id string
	var createErr, stopErr error
	create := func() {
		id, createErr = r.create(ctx, i, a, o, tmp, inherit, replaceLabel(*o.service, a.Target.Number))
	}
	stop := func() error { return r.eng.StopContainer(ctx, old, o.timeout) }
	wasRunning := o.wasRunning
	if wait, ok := r.env.early.take(old); ok {
		// The up stopped it before it observed it, so it ran.
		stop, wasRunning = wait, true
	}
	if o.start {
		// A plain group: both results are needed, so neither call may
		// cancel the other.
		var g errgroup.Group
		g.Go(func() error { create(); return nil })
		stopErr = stop()
		_ = g.Wait()
	} else {
		if create(); createErr != nil {
			return "", createErr
		}
		stopErr = stop()
	}
	// Undoing a step needs the old container, so one already gone is left gone.
	gone := errors.Is(stopErr, engine.ErrNotFound)
	stopErr = ignoreNotFound(stopErr)
	switch {
	case createErr == nil && stopErr == nil:
		return id, nil
	case ctx.Err() != nil:
		return "", cmp.Or(createErr, stopErr)
	case createErr != nil && stopErr != nil:
		return "", errors.Join(createErr, stopErr)
	case stopErr != nil:
		// The next plan would remove the replacement as a duplicate of the
		// old container, so a failure here costs nothing more.
		_ = r.eng.RemoveContainer(ctx, id, engine.RemoveOptions{Force: true})
		return "", stopErr
	}
	// Only a recreate that starts its replacement gets here: otherwise the
	// stop waited for the create.
	if gone || !wasRunning {
		return "", createErr
	}
	// Left unsaid, a failed restart would look like a service that kept
	// its old container running.
	if err := r.eng.StartContainer(ctx, old); err != nil {
		return "", errors.Join(createErr, fmt.Errorf("the old container stays stopped: %w", err))
	}
	return "", createErr
}

// connect attaches a container to a recreated network with the aliases,
// addresses and links its service asks for there, as at create.
func (r *runner) connect(ctx context.Context, a Action, o *op) error {
	id, err := r.idOf(a.Target)
	if err != nil {
		return err
	}
	for _, att := range attachments(r.env, *o.service, specInput{number: a.Target.Number}) {
		if att.Network == o.networkName {
			return r.eng.ConnectNetwork(ctx, o.networkName, id, att)
		}
	}
	return fmt.Errorf("service %s does not use network %s: the plan is corrupt", o.service.Name, o.networkName)
}

func projectName(env *planEnv) string {
	if env.project == nil {
		return "(unknown)"
	}
	return env.project.Name
}
