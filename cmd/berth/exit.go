package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// exitError lets a command choose its exit code, e.g. 2 for
// `plan --detailed-exitcode` when there are changes. err, when set, is
// printed like any other error; a bare code prints nothing.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// run executes the command line and maps its outcome to an exit code. It is
// the one place where errors become exit codes and get printed.
func run(ctx context.Context, root *cobra.Command, args []string, stderr io.Writer) int {
	return exitCode(runCommand(ctx, root, args), stderr)
}

// runCommand runs the command line and returns its error, before it becomes
// an exit code: main hands loader.ErrFullLoad over to the full build.
func runCommand(ctx context.Context, root *cobra.Command, args []string) error {
	root.SetArgs(args)
	return root.ExecuteContext(ctx)
}

// exitCode: 0 for success, the exitError's code when a command chose one,
// 18 for a failed pull (as compose), 1 for any other error; messages are printed as "berth: <message>".
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	code := 1
	if isPullFailure(err) {
		code = exitPullFailure
	}
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
		if ee.err == nil {
			return code
		}
	}
	fmt.Fprintf(stderr, "berth: %s\n", err)
	return code
}
