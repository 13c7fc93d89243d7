//go:build !berthfront

package loader

import (
	"context"
	"fmt"
	"strings"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// Load reads the compose files, env files and environment described by opts
// and returns the project, as `docker compose` would see it, with service
// selection applied, env_file merged into environment (and discarded, as
// compose does before hashing) and compose's custom labels set.
//
// With [Options.CacheDir] set, a project loaded before from the same inputs
// is served from the cache instead (see cache.go), with the same warnings.
func Load(ctx context.Context, opts Options) (*types.Project, error) {
	p, _, err := load(ctx, opts)
	return p, err
}

// load is Load that also says whether the project came from the cache.
func load(ctx context.Context, opts Options) (project *types.Project, cached bool, err error) {
	p, src, err := loadVia(ctx, opts)
	return p, src == fromCache, err
}

// source is where a load found its project.
type source int

const (
	fromCompose   source = iota // compose-go loaded every service
	fromCache                   // the cache had it
	fromSplice                  // compose-go loaded the changed services (splice.go)
	fromValueEdit               // the same, without its schema check (valueedit.go)
)

func loadVia(ctx context.Context, opts Options) (project *types.Project, src source, err error) {
	defer recoverLoader(&err)
	in, err := prepare(opts)
	if err != nil {
		return nil, fromCompose, err
	}
	c := in.cacheFor()
	if c == nil {
		warmSchema()
		if err := guardFiles(in.files); err != nil {
			return nil, fromCompose, err
		}
		p, err := loader.LoadWithContext(ctx, in.details(), in.loaderOptions(true))
		if err != nil {
			return nil, fromCompose, in.explain(ctx, err)
		}
		p, err = in.finish(p)
		return p, fromCompose, err
	}
	if p, ok := c.lookup(); ok {
		return p, fromCache, nil
	}
	// Only now: a hit never reaches compose-go, so it needs no guard and no
	// schema. A splice may not need the schema either, and warms it itself.
	if !in.spliceable() {
		warmSchema()
	}
	if err := guardFiles(in.files); err != nil {
		return nil, fromCompose, err
	}
	if p, src, ok := in.splice(ctx, c); ok {
		return p, src, nil
	}
	if in.spliceable() {
		// Not warmed above. A splice that failed after it had warmed the
		// schema warms it twice, which costs a goroutine and no compile.
		warmSchema()
	}
	p, err := in.loadAndStore(ctx, c)
	return p, fromCompose, err
}

// loadAndStore is a load that fills the cache: it records what compose-go
// prints and which files it reads, so that a hit can do the same.
func (in *input) loadAndStore(ctx context.Context, c *projectCache) (*types.Project, error) {
	var (
		u        uncacheable
		warnings []warning
		exact    bool
	)
	p, err := func() (*types.Project, error) {
		// Deferred, so that a panic in compose-go (recovered by load)
		// does not leave the recorder hooked to the logger.
		stop := record()
		defer func() { warnings, exact = stop() }()
		return loader.LoadWithContext(ctx, in.details(), in.loaderOptions(true), func(o *loader.Options) {
			o.Listeners = append(o.Listeners, u.listen)
		})
	}()
	if err != nil {
		return nil, in.explain(ctx, err)
	}
	late, cacheable := lateDependencies(p, &u)
	// Described now: finish prunes the top level that a splice compares.
	base, spliceable := in.newBase(p, c)
	if p, err = in.finish(p); err != nil {
		return nil, err
	}
	if cacheable && exact && c.store(p, late, warnings) && spliceable && len(warnings) == 0 {
		c.storeBase(base)
	}
	return p, nil
}

// LoadModel returns the merged compose model as a plain map, before it is
// bound to compose-go's types: what `config --no-interpolate` prints,
// since uninterpolated values such as "${PORT}:80" cannot be typed.
func LoadModel(ctx context.Context, opts Options) (model map[string]any, err error) {
	defer recoverLoader(&err)
	in, err := prepare(opts)
	if err != nil {
		return nil, err
	}
	if err := guardFiles(in.files); err != nil {
		return nil, err
	}
	model, err = loader.LoadModelWithContext(ctx, in.details(), in.loaderOptions(true))
	if err != nil {
		return nil, explain(err, in.files)
	}
	return model, nil
}

// recoverLoader turns a panic of compose-go's loader on hostile input into
// an error: a user must never see a stack trace for a bad compose file.
func recoverLoader(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%w: %v: please report this with the compose file that caused it", ErrInternal, r)
	}
}

// loaderOptions configures compose-go's loader. Environment resolution is
// left to finish, so that it runs only on the selected services, as in
// compose (a broken env_file of an unselected service is no error).
func (in *input) loaderOptions(consistency bool) func(*loader.Options) {
	return func(o *loader.Options) {
		o.SetProjectName(in.name, true)
		o.Profiles = in.profiles
		o.SkipInterpolation = in.opts.NoInterpolate
		o.SkipResolveEnvironment = true
		o.SkipConsistencyCheck = !consistency
	}
}

// explain locates a load error. compose-go reports references to unknown
// services without saying which key made them, so for those the project is
// loaded again without its consistency check and the references are checked
// here, with positions. That second load happens only on this error path.
func (in *input) explain(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return err
	}
	msg := err.Error()
	if strings.Contains(msg, "depends on undefined service") || strings.Contains(msg, "not found for network_mode") {
		if p, rerr := loader.LoadWithContext(ctx, in.details(), in.loaderOptions(false)); rerr == nil {
			if refErr := checkReferences(p, in.files); refErr != nil {
				return refErr
			}
		}
	}
	return explain(err, in.files)
}
