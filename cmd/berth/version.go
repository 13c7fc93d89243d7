package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// version is set at link time: go build -ldflags "-X main.version=v1.2.3".
// It is written by the linker only, never at run time.
var version = "dev"

func newVersionCmd(stdout io.Writer) *cobra.Command {
	var opts struct {
		format string
		short  bool
	}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Show the berth version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case opts.short:
				_, err := fmt.Fprintln(stdout, version)
				return err
			case opts.format == "json":
				b, err := json.Marshal(struct {
					Version string `json:"version"`
				}{version})
				if err != nil {
					return fmt.Errorf("encode version: %w", err)
				}
				_, err = fmt.Fprintln(stdout, string(b))
				return err
			case opts.format == "" || opts.format == "pretty":
				_, err := fmt.Fprintf(stdout, "berth version %s\n", version)
				return err
			default:
				return fmt.Errorf("version --format %q: use pretty or json", opts.format)
			}
		},
	}
	cmd.Flags().StringVar(&opts.format, "format", "pretty", "Format the output: pretty or json")
	cmd.Flags().BoolVar(&opts.short, "short", false, "Show only the version number")
	return cmd
}
