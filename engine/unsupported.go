package engine

import "errors"

// ErrUnsupported is returned by an engine for an operation or a compose key
// it cannot honour; the error's text names both and the engine, so that the
// user learns what to change or which engine to use instead.
var ErrUnsupported = errors.New("not supported")
