// Package loader turns Compose files, env files and the environment into one
// project model. It is the only package in berth that reads them.
//
// [Load] behaves like `docker compose`: it discovers compose.yaml and its
// override in the working directory or a parent, honours -f, COMPOSE_FILE,
// --project-directory, .env, --env-file, COMPOSE_ENV_FILES, profiles,
// include and extends, and names the project as compose does. On top of
// that it implements berth environments ([Options.Env]): compose.<env>.yaml
// and .env.<env> overlays and a "-<env>" suffix on the project name.
//
// # Environment
//
// The loader never reads the process environment: the caller passes it in
// [Options.Environ]. Process variables win over every env file, as in
// compose.
//
// # Errors
//
// Problems found in a compose file are returned as [*Error], which carries
// the file, line and column when they can be found and unwraps to one of the
// sentinels ([ErrSyntax], [ErrInvalid], [ErrUnknownService],
// [ErrMissingVariable] …) so that callers can use errors.Is.
//
// # Limits
//
// Before compose-go parses a compose file, the loader refuses YAML whose
// aliases and merge keys would expand to more than a million nodes (a
// "billion laughs" document) or that nests deeper than 1000 levels (see
// guard.go). Values the engine would only reject at create time, such as a
// restart policy or a subnet, are checked after loading (validate.go).
//
// # Cache
//
// Almost all of a load is compose-go's work, and its result depends only on
// inputs that are cheap to read. With [Options.CacheDir] set (cmd/berth
// uses [DefaultCacheDir]), Load keeps each project it loads in that
// directory, keyed by a digest of its inputs: berth's build, the options,
// the compose files' paths and bytes, the variables they may read, and
// then, checked on each hit, the env_file and label_file contents and the
// variables those may read. A hit decodes the project instead of loading
// it (about 30 times faster for 50 services) and prints the warnings the
// real load printed. Loads that read what cannot be listed (include,
// extends from another file, develop.watch paths) are not cached.
// BERTH_NO_CACHE=1 turns the cache off. See cache.go, cachevars.go and
// codec.go. After an edit of some services of a single compose file, only
// those go through compose-go and replace their old versions in the cached
// project (splice.go); anything that links services across the file falls
// back to the full load. An edit of values only that compose's schema takes
// whatever they are skips compose-go's schema check (valueedit.go). With [Options.Background] set, the cache writes
// run while the caller goes on.
//
// # Front builds
//
// Built with -tags berthfront, the package leaves out compose-go's loader
// (compose.go, load.go, splice.go) and [Load] only serves the cache,
// returning [ErrFullLoad] for anything else; see front.go for why and how
// cmd/berth then hands the command to the full build.
//
// # Immutability
//
// The returned project is fresh and shared with nobody; later stages must
// treat it as read-only and use compose-go's With… copies to derive others.
package loader
