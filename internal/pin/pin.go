//go:build tools

// Package pin keeps go.mod's requirements while packages that import them
// are being written. Remove once every module here is imported for real.
package pin

import (
	_ "github.com/compose-spec/compose-go/v2/cli"
	_ "github.com/docker/go-connections/nat"
	_ "github.com/docker/go-units"
	_ "github.com/fatih/color"
	_ "github.com/google/go-cmp/cmp"
	_ "github.com/mattn/go-isatty"
	_ "github.com/moby/moby/api/types/container"
	_ "github.com/moby/moby/client"
	_ "github.com/spf13/cobra"
	_ "golang.org/x/sync/errgroup"
	_ "gopkg.in/yaml.v3"
)
