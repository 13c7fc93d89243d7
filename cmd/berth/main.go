// Command berth runs multi-container stacks from Compose files and is
// interoperable with `docker compose`: same labels, names and config hash.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/berth-dev/berth/internal/memlimit"
	"github.com/berth-dev/berth/loader"
)

// memoryBase is the soft memory limit every berth process starts with (see
// internal/memlimit): a little above what loading a 200-service project
// needs, so that it binds only where the collector's timing would
// otherwise decide the peak. It was 16 MiB until the native and swarm
// engines were linked in: their code added about 2 MiB of executable pages
// to every process's RSS, and the same 0.1 s cold load of 200 services
// peaks 1.5 MiB lower with 14 (24.4 against 25.9 MiB, same time).
const memoryBase = 14 << 20

func main() {
	if run := nativeHidden(os.Args); run != nil {
		err := run()
		if errors.Is(err, errNativeBuild) {
			err = handOff(loader.NativeExecutable, os.Args, os.Environ())
		}
		os.Exit(exitCode(err, os.Stderr))
	}
	env := environ(os.Environ())
	memlimit.Install(memoryBase, env["GOMEMLIMIT"])
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	root, g := newRoot(env, os.Stdin, os.Stdout, os.Stderr)
	err := runCommand(ctx, root, os.Args[1:])
	switch {
	case ctx.Err() != nil:
	case errors.Is(err, loader.ErrFullLoad):
		err = handOff(loaderFor(g.engineName), os.Args, os.Environ())
	case errors.Is(err, errNativeBuild):
		err = handOff(loader.NativeExecutable, os.Args, os.Environ())
	}
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// loaderFor is the build a front hands a load over to: the full build, or
// for a command on the native engine, which the full build leaves out, the
// native build beside it, so that the command is not handed on a second
// time. An installation without a native build keeps the full build,
// which is then the plain build with every engine.
func loaderFor(engineName string) func() (string, error) {
	if engineName != "native" {
		return loader.FullExecutable
	}
	return func() (string, error) {
		exe, err := loader.NativeExecutable()
		if err != nil {
			return "", err
		}
		if fi, err := os.Stat(exe); err != nil || !fi.Mode().IsRegular() {
			return loader.FullExecutable()
		}
		return exe, nil
	}
}

// environ turns KEY=VALUE pairs into the map every layer of berth takes;
// this is the only place the process environment is read.
func environ(kv []string) map[string]string {
	env := make(map[string]string, len(kv))
	for _, e := range kv {
		if k, v, ok := strings.Cut(e, "="); ok && k != "" {
			env[k] = v
		}
	}
	return env
}

// handOff replaces this process with the build exe names, which runs the
// same command line from the start: nothing has been done or printed yet.
// That is a front build that found no cached project (see loader/front.go)
// handing over to the full build, or a build without the native engine
// handing over to the one with it. It returns only if exe cannot be run.
func handOff(exe func() (string, error), argv, env []string) error {
	path, err := exe()
	if err != nil {
		return err
	}
	if err := syscall.Exec(path, argv, env); err != nil {
		return fmt.Errorf("run %s: %w: install it beside berth, as `make build` does in bin/", path, err)
	}
	return nil
}
