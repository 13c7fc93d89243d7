package ui

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"

	"golang.org/x/term"

	"github.com/berth-dev/berth/engine"
)

// RawTerminal hands the user's terminal to a container's TTY: keys go to
// the container unprocessed (Ctrl-C included) and the container's output is
// shown as it comes.
type RawTerminal struct {
	in    *os.File
	state *term.State
}

// MakeRaw puts the terminal behind in into raw mode. Restore must be called
// on every path, or the shell is left without echo.
func MakeRaw(in io.Reader) (*RawTerminal, error) {
	f, ok := in.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, fmt.Errorf("stdin is not a terminal")
	}
	state, err := term.MakeRaw(int(f.Fd()))
	if err != nil {
		return nil, fmt.Errorf("set terminal to raw mode: %w", err)
	}
	return &RawTerminal{in: f, state: state}, nil
}

// Restore gives the terminal back as it was.
func (t *RawTerminal) Restore() error {
	return term.Restore(int(t.in.Fd()), t.state)
}

// IsTerminalReader reports whether r is a terminal (stdin, for run's TTY).
func IsTerminalReader(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// WatchSize sends the size of the terminal behind out once start is closed
// (the container runs, so a resize can apply), then again on every
// SIGWINCH, until ctx ends. A nil channel means out is no terminal.
func WatchSize(ctx context.Context, out io.Writer, start <-chan struct{}) <-chan engine.Size {
	f, ok := out.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	// One slot: only the latest size matters, and a send never blocks the
	// signal loop for long.
	sizes := make(chan engine.Size, 1)
	winch := make(chan os.Signal, 1)
	notifyResize(winch)
	send := func() {
		w, h, err := term.GetSize(int(f.Fd()))
		if err != nil {
			return
		}
		select {
		case sizes <- engine.Size{Height: uint(h), Width: uint(w)}:
		case <-ctx.Done():
		}
	}
	go func() {
		defer signal.Stop(winch)
		select {
		case <-start:
		case <-ctx.Done():
			return
		}
		send()
		for {
			select {
			case <-ctx.Done():
				return
			case <-winch:
				send()
			}
		}
	}()
	return sizes
}
