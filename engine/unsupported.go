package engine

import (
	"context"
	"errors"

	"github.com/compose-spec/compose-go/v2/types"
)

// ErrUnsupported is returned by an engine for an operation or a compose key
// it cannot honour; the error's text names both and the engine, so that the
// user learns what to change or which engine to use instead.
var ErrUnsupported = errors.New("not supported")

// ServiceChecker is implemented by an engine that can tell from a
// service's configuration alone that it cannot create or run the
// service's containers: a key it does not support, a seccomp profile it
// cannot read. Applying a plan asks it about every service it will create
// containers of before creating anything, so that a service that can
// never work changes nothing; engines without it (docker) are asked
// nothing, and refuse at create. workingDir is the project's directory,
// against which relative paths in s resolve.
type ServiceChecker interface {
	CheckService(ctx context.Context, s types.ServiceConfig, workingDir string) error
}
