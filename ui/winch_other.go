//go:build !unix

package ui

import "os"

// notifyResize does nothing where there is no SIGWINCH: the size is sent
// once, when the container starts.
func notifyResize(chan<- os.Signal) {}
