package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

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
	root.SetArgs(args)
	return exitCode(root.ExecuteContext(ctx), stderr)
}

// exitCode: 0 for success, the exitError's code when a command chose one,
// 1 for any other error; messages are printed as "berth: <message>".
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	code := 1
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
		if ee.err == nil {
			return code
		}
	}
	fmt.Fprintf(stderr, "berth: %s\n", tidyMessage(err.Error()))
	return code
}

// tidy wraps err, if any, so that it shows through tidyMessage.
func tidy(err error) error {
	if err == nil {
		return nil
	}
	return tidyError{err}
}

// tidyError shows an error through tidyMessage and still unwraps to it.
type tidyError struct{ err error }

func (e tidyError) Error() string { return tidyMessage(e.err.Error()) }
func (e tidyError) Unwrap() error { return e.err }

// tidyMessage drops an operation that an error names twice in a row. Both
// reconcile and the engines start their errors with what they were doing
// ("create container shop-web-1: "), each rightly so when used alone, and
// together they would print "create container shop-web-1: create container
// shop-web-1: ...". A segment goes when it repeats the one before it, or
// names the same operation on another spelling of the target ("start
// container shop-web-1: start container 4f0a…: ..."). Each line of a joined
// error is tidied on its own.
func tidyMessage(msg string) string {
	lines := strings.Split(msg, "\n")
	for i, line := range lines {
		segs := strings.Split(line, ": ")
		out := segs[:1]
		for _, seg := range segs[1:] {
			if !sameOperation(out[len(out)-1], seg) {
				out = append(out, seg)
			}
		}
		lines[i] = strings.Join(out, ": ")
	}
	return strings.Join(lines, "\n")
}

// sameOperation reports whether two message segments name the same
// operation: equal, or three words or more ("create container X") that
// differ only in the last one, the target. Two-word segments such as
// "service web" and "service db" name different things and are kept.
func sameOperation(a, b string) bool {
	if a == b {
		return true
	}
	wa, wb := strings.Fields(a), strings.Fields(b)
	if len(wa) < 3 || len(wa) != len(wb) {
		return false
	}
	return slices.Equal(wa[:len(wa)-1], wb[:len(wb)-1])
}
