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
		os.Exit(exitCode(run(), os.Stderr))
	}
	env := environ(os.Environ())
	memlimit.Install(memoryBase, env["GOMEMLIMIT"])
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	root := newRootCmd(env, os.Stdin, os.Stdout, os.Stderr)
	err := runCommand(ctx, root, os.Args[1:])
	if errors.Is(err, loader.ErrFullLoad) && ctx.Err() == nil {
		err = handOff(os.Args, os.Environ())
	}
	stop()
	os.Exit(exitCode(err, os.Stderr))
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

// handOff replaces this process, a front build that found no cached
// project (see loader/front.go), with the full build, which runs the same
// command line from the start: nothing has been done or printed yet. It
// returns only if the full build cannot be run.
func handOff(argv, env []string) error {
	full, err := loader.FullExecutable()
	if err != nil {
		return err
	}
	if err := syscall.Exec(full, argv, env); err != nil {
		return fmt.Errorf("run %s to load the project: %w: install it beside berth, as `make build` does in bin/", full, err)
	}
	return nil
}
