//go:build unix

package ui

import (
	"os"
	"os/signal"
	"syscall"
)

// notifyResize subscribes c to terminal size changes.
func notifyResize(c chan<- os.Signal) { signal.Notify(c, syscall.SIGWINCH) }
