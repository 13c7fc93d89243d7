// Command berth runs multi-container stacks from Compose files and is
// interoperable with `docker compose`: same labels, names and config hash.
package main

import (
	"context"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	root := newRootCmd(environ(os.Environ()), os.Stdin, os.Stdout, os.Stderr)
	code := run(ctx, root, os.Args[1:], os.Stderr)
	stop()
	os.Exit(code)
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
