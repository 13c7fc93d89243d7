package loader

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
)

// finish does what compose does after loading: select services, drop
// unused resources, merge env_file into environment, label services.
func (in *input) finish(p *types.Project) (*types.Project, error) {
	return in.finishOnly(p, nil)
}

// finishOnly is finish for a project whose services other than those named
// are finished already, as a splice's are: only the named ones (all when
// names is nil) are resolved and labelled, so that a splice copies the
// changed services rather than all of them. p must be the caller's own.
func (in *input) finishOnly(p *types.Project, names []string) (*types.Project, error) {
	p.ComposeFiles = in.paths
	var err error
	if len(in.opts.Services) > 0 {
		if p, err = in.selectServices(p); err != nil {
			return nil, err
		}
	}
	if !in.opts.AllResources {
		p = p.WithoutUnnecessaryResources()
	}
	part := *p
	if names != nil {
		part.Services = make(types.Services, len(names))
		for _, name := range names {
			part.Services[name] = p.Services[name]
		}
	}
	resolved, err := part.WithServicesEnvironmentResolved(true)
	if err != nil {
		return nil, in.envFileError(p, err)
	}
	// resolved holds fresh copies of the services it resolved: they are set
	// up and put into p, the caller's own, rather than copied once more.
	labels := in.customLabels(p)
	platform := p.Environment["DOCKER_DEFAULT_PLATFORM"]
	for name, s := range resolved.Services {
		s.CustomLabels = labels(name)
		// compose sets the default platform on built services before it
		// hashes them; the hash must see the same value.
		if platform != "" && s.Build != nil && s.Platform == "" {
			s.Platform = platform
		}
		p.Services[name] = s
	}
	if err := errors.Join(checkContainerNames(p, in.files), checkValues(p, in.files)); err != nil {
		return nil, err
	}
	return p, nil
}

// customLabels returns the labels compose puts on every container of a
// service (cmd/compose postProcessProject). They are `json:"-"`, so they do
// not enter the config hash.
func (in *input) customLabels(p *types.Project) func(service string) types.Labels {
	files := strings.Join(p.ComposeFiles, ",")
	envFiles := strings.Join(in.envFiles, ",")
	return func(service string) types.Labels {
		l := types.Labels{
			engine.LabelProject:     p.Name,
			engine.LabelService:     service,
			engine.LabelVersion:     engine.ComposeVersion,
			engine.LabelWorkingDir:  p.WorkingDir,
			engine.LabelConfigFiles: files,
			engine.LabelOneoff:      "False",
		}
		if envFiles != "" {
			l[engine.LabelEnvFile] = envFiles
		}
		return l
	}
}

// selectServices keeps the selected services (enabling them if their
// profile is off, as compose does) and, unless NoDeps, their dependencies.
func (in *input) selectServices(p *types.Project) (*types.Project, error) {
	all := p.AllServices()
	var errs []error
	for _, name := range in.opts.Services {
		if _, ok := all[name]; !ok {
			errs = append(errs, fmt.Errorf("%w: %q%s", ErrUnknownService, name, didYouMean(name, mapKeys(all))))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	p, err := p.WithServicesEnabled(in.opts.Services...)
	if err != nil {
		return nil, fmt.Errorf("enable services %s: %w", strings.Join(in.opts.Services, ", "), err)
	}
	deps := types.IncludeDependencies
	if in.opts.NoDeps {
		deps = types.IgnoreDependencies
	}
	p, err = p.WithSelectedServices(in.opts.Services, deps)
	if err != nil {
		return nil, fmt.Errorf("select services %s: %w: %w", strings.Join(in.opts.Services, ", "), ErrUnknownService, err)
	}
	return p, nil
}

// envFileError names the service and env_file behind a failed environment
// resolution, with its position.
func (in *input) envFileError(p *types.Project, err error) error {
	for _, name := range p.ServiceNames() {
		for i, f := range p.Services[name].EnvFiles {
			if _, serr := os.Stat(f.Path); serr == nil || !f.Required {
				continue
			}
			e := &Error{
				Path:  fmt.Sprintf("services.%s.env_file", name),
				Msg:   fmt.Sprintf("service %q: env_file %s not found: create it, or mark it `required: false`", name, displayPath(in.cwd, f.Path)),
				Err:   ErrInvalid,
				Cause: err,
			}
			e.File, e.Line, e.Column = locateAny(in.files, fmt.Sprintf("services.%s.env_file.%d", name, i))
			if e.File == "" {
				e.File, e.Line, e.Column = locateAny(in.files, e.Path)
			}
			return e
		}
	}
	// A file that exists but does not parse: compose-go names the file,
	// not the service that reads it.
	msg := err.Error()
	for _, name := range p.ServiceNames() {
		for i, f := range p.Services[name].EnvFiles {
			rest, ok := strings.CutPrefix(msg, "failed to read "+f.Path+": ")
			if !ok {
				continue
			}
			e := &Error{
				Path:  fmt.Sprintf("services.%s.env_file", name),
				Msg:   fmt.Sprintf("service %q: env_file %s: %s: fix that line", name, displayPath(in.cwd, f.Path), rest),
				Err:   ErrInvalid,
				Cause: err,
			}
			e.File, e.Line, e.Column = locateAny(in.files, fmt.Sprintf("services.%s.env_file.%d", name, i))
			if e.File == "" {
				e.File, e.Line, e.Column = locateAny(in.files, e.Path)
			}
			return e
		}
	}
	return &Error{File: displayNames(in.files), Msg: "resolve service environment: " + msg, Err: ErrInvalid, Cause: err}
}
