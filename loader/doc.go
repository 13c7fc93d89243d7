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
// # Immutability
//
// The returned project is fresh and shared with nobody; later stages must
// treat it as read-only and use compose-go's With… copies to derive others.
package loader
