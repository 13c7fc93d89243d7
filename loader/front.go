//go:build berthfront

package loader

import (
	"context"

	"github.com/compose-spec/compose-go/v2/types"
)

// A front build serves projects from the cache and nothing else. Linking
// compose-go's loader costs every berth process about 5 ms before main
// runs, mostly the JSON schema library compiling its meta-schemas in an
// init function; that is a third of a `ps` on 50 services, which needs no
// loader at all once the project is cached. So `make build` makes
// executables from cmd/berth: berth, the front, without compose.go,
// load.go and splice.go, and berth-full, the full build (and berth-native,
// the full build with the native engine, see cmd/berth/native_absent.go).
// On a miss the front returns ErrFullLoad before anything else happens and
// cmd/berth replaces the process with berth-full, or berth-native for the
// native engine, which runs the same command.

// Load returns the cached project for opts, or ErrFullLoad.
func Load(ctx context.Context, opts Options) (*types.Project, error) {
	// Reading standard input would leave nothing for the full build.
	opts.Stdin = handOffStdin{}
	in, err := prepare(opts)
	if err != nil {
		return nil, err
	}
	if c := in.cacheFor(); c != nil {
		if p, ok := c.lookup(); ok {
			return p, nil
		}
	}
	return nil, ErrFullLoad
}

// LoadModel is never cached.
func LoadModel(context.Context, Options) (map[string]any, error) {
	return nil, ErrFullLoad
}

// handOffStdin stands in for standard input: a compose file read from it
// is for the full build to read.
type handOffStdin struct{}

func (handOffStdin) Read([]byte) (int, error) { return 0, ErrFullLoad }

// composeSchema is empty: only compose-go's errors are explained with the
// schema, and a front build has no compose-go loader to make them.
func composeSchema() string { return "" }

// loaderExecutable is the full build, whose code loads what this one reads
// from the cache.
func loaderExecutable() (string, error) { return FullExecutable() }
