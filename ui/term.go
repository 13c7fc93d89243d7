package ui

import (
	"io"
	"os"

	"github.com/mattn/go-isatty"
)

// fder is what *os.File offers to ask about the terminal behind it.
type fder interface {
	Fd() uintptr
}

// IsTerminal reports whether w is a terminal. Anything that is not an
// *os.File (a buffer in a test, a pipe wrapper) is not.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// TerminalWidth returns the width of the terminal behind w in columns, or 0
// when w is not a terminal or the width cannot be read.
func TerminalWidth(w io.Writer) int {
	f, ok := w.(fder)
	if !ok || !IsTerminal(w) {
		return 0
	}
	return terminalWidth(f.Fd())
}
