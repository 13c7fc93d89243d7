// Package errdefs holds the sentinel errors of package engine, which
// re-exports them. They live apart so that a package that must not link
// the engine's vocabulary (and compose-go with it), such as the native
// engine's monitor, can still return errors callers match with errors.Is.
package errdefs

import "errors"

// The sentinels, documented at their engine names.
var (
	ErrNotFound        = errors.New("not found")
	ErrConflict        = errors.New("conflict")
	ErrActiveEndpoints = errors.New("network has active endpoints")
)
