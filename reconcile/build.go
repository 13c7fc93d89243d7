package reconcile

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
)

// planBuilds builds the images of selected services that have a build
// section and whose image is missing (or all of them with opts.Build or
// pull_policy: build). A missing image that a pull may bring is built only
// if the pull did not. A build that opts.NoBuild forbids, or whose context
// or Dockerfile is missing, is an error, so that nothing is created for a
// plan that would fail at its first build. Services that are not built are
// not checked: down and ps must work on a project whose context is gone.
func (u *upPlanner) planBuilds(selected []string) error {
	var errs []error
	for _, name := range slices.Sorted(slices.Values(selected)) {
		svc := u.p.Services[name]
		if svc.GetScale() == 0 || svc.Build == nil {
			continue
		}
		img := imageName(u.p.Name, svc)
		_, local := u.images[normalizeImage(img)]
		pull, pulling := u.pulls[img]
		d := u.pullBuild[name]
		var reason Reason
		switch {
		case !local && u.opts.NoBuild && !pulling:
			errs = append(errs, fmt.Errorf("service %q: image %q not found locally and --no-build given: drop --no-build to build it, or load it (docker load)", name, img))
			continue
		case u.opts.NoBuild:
			continue
		case u.opts.Build:
			reason = Reason{Code: codeBuildRequested, Detail: "--build requested"}
		case d.build:
			reason = d.reason
		case !local:
			reason = Reason{Code: codeMissing, Detail: "image " + img + " not found locally"}
		default:
			continue
		}
		if err := checkBuildContext(u.p, svc); err != nil {
			errs = append(errs, err)
			continue
		}
		spec := buildSpec(u.p, svc, img)
		o := &op{build: &spec, image: img}
		var after []int
		if pulling && !local && !d.build && !u.opts.Build {
			o.buildIfMissing = true
			reason.Detail += ", unless the pull brings it"
			after = []int{pull}
		}
		u.build[name] = u.add(Action{
			Kind:    BuildImage,
			Target:  Ref{Type: RefImage, Name: img, Service: name},
			Reasons: []Reason{reason},
			After:   after,
			op:      o,
		})
	}
	return errors.Join(errs...)
}

func buildSpec(p *types.Project, svc types.ServiceConfig, tag string) engine.BuildSpec {
	b := svc.Build
	labels := map[string]string{}
	maps.Copy(labels, b.Labels)
	labels[engine.LabelProject] = p.Name
	labels[engine.LabelService] = svc.Name
	args := map[string]*string{}
	maps.Copy(args, b.Args)
	return engine.BuildSpec{
		Tag:        tag,
		ContextDir: b.Context,
		Dockerfile: cmpOr(b.Dockerfile, "Dockerfile"),
		Args:       args,
		Target:     b.Target,
		Labels:     labels,
	}
}

// checkBuildContext makes sure a service's build context is a directory
// holding its Dockerfile. Remote contexts (URLs, git) are the builder's
// business and are not checked.
func checkBuildContext(p *types.Project, svc types.ServiceConfig) error {
	b := svc.Build
	dir := b.Context
	if remoteContext(dir) {
		return nil
	}
	if dir == "" {
		dir = "."
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(p.WorkingDir, dir)
	}
	where := composeFileNames(p)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("service %q: build context %q does not exist: fix build.context in %s", svc.Name, dir, where)
	case err != nil:
		return fmt.Errorf("service %q: build context: %w", svc.Name, err)
	case !st.IsDir():
		return fmt.Errorf("service %q: build context %q is not a directory: fix build.context in %s", svc.Name, dir, where)
	}
	if b.DockerfileInline != "" {
		return nil
	}
	file := cmpOr(b.Dockerfile, "Dockerfile")
	if !filepath.IsAbs(file) {
		file = filepath.Join(dir, file)
	}
	st, err = os.Stat(file)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("service %q: Dockerfile %q does not exist: add it, or fix build.dockerfile in %s", svc.Name, file, where)
	case err != nil:
		return fmt.Errorf("service %q: Dockerfile: %w", svc.Name, err)
	case st.IsDir():
		return fmt.Errorf("service %q: Dockerfile %q is a directory: fix build.dockerfile in %s", svc.Name, file, where)
	}
	return nil
}

// remoteContext recognises the contexts a builder fetches itself: URLs
// and git remotes.
func remoteContext(ctx string) bool {
	return strings.Contains(ctx, "://") || strings.HasPrefix(ctx, "git@") || strings.HasPrefix(ctx, "github.com/")
}

// composeFileNames names the project's compose files for a message, by
// their base names: "compose.yaml", or "compose.yaml or compose.override.yaml".
func composeFileNames(p *types.Project) string {
	var names []string
	for _, f := range p.ComposeFiles {
		if f == "-" {
			names = append(names, "the compose file on stdin")
			continue
		}
		names = append(names, filepath.Base(f))
	}
	if len(names) == 0 {
		return "the compose file"
	}
	return strings.Join(names, " or ")
}
