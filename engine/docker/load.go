package docker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/moby/moby/api/types/jsonstream"
	"github.com/moby/moby/client"
)

// LoadImages streams r, a `docker save` or OCI archive, to the daemon, as
// `docker load` does, and returns what the daemon loaded: the references of
// tagged images and the IDs ("sha256:…") of untagged ones. The archive is
// read once, so the call is repeated only when the daemon never saw it.
func (e *Engine) LoadImages(ctx context.Context, r io.Reader) ([]string, error) {
	var loaded []string
	err := e.call(ctx, "load images", once, func(ctx context.Context) error {
		res, err := e.cli.ImageLoad(ctx, r, client.ImageLoadWithQuiet(true))
		if err != nil {
			return err
		}
		defer res.Close()
		loaded, err = loadedImages(res)
		return err
	})
	return loaded, err
}

// loadedImages reads the daemon's answer to a load: JSON messages whose
// stream text says "Loaded image: REF" or "Loaded image ID: ID" for each
// image, or an error that ends the load.
func loadedImages(r io.Reader) ([]string, error) {
	var out []string
	dec := json.NewDecoder(r)
	for {
		var m jsonstream.Message
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return out, fmt.Errorf("read the daemon's answer: %w", err)
		}
		if m.Error != nil {
			return out, errors.New(m.Error.Message)
		}
		for line := range strings.Lines(m.Stream) {
			line = strings.TrimSpace(line)
			if id, ok := strings.CutPrefix(line, "Loaded image ID: "); ok {
				out = append(out, id)
			} else if ref, ok := strings.CutPrefix(line, "Loaded image: "); ok {
				out = append(out, ref)
			}
		}
	}
}
