//go:build !berthnonative

package main

import (
	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/native"
)

// nativeLinked says that this build runs the native engine itself; the
// full build of `make build` leaves it out (see native_absent.go).
const nativeLinked = true

// connectNative opens the native engine with the executables it runs
// besides berth (see nativeExecutables).
func connectNative(environ map[string]string) (engine.Engine, func() error, error) {
	opts := native.OptionsFromEnv(environ)
	var err error
	if opts.Exe, opts.Berth, err = nativeExecutables(); err != nil {
		return nil, nil, err
	}
	e, err := native.New(opts)
	if err != nil {
		return nil, nil, err
	}
	return e, e.Close, nil
}
