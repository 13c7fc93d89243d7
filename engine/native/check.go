package native

import (
	"context"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/native/ocispec"
)

var _ engine.ServiceChecker = (*Engine)(nil)

// CheckService reports what in s the native engine can tell, without an
// image, will make its containers fail to create or start.
func (e *Engine) CheckService(_ context.Context, s types.ServiceConfig, workingDir string) error {
	return ocispec.Check(s, workingDir)
}
