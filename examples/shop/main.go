// Command shop is the single binary behind the demo stack in this directory.
// It runs as each of the stack's three services, chosen by subcommand:
//
//	shop db     a tiny key-value store over HTTP that persists to a directory
//	shop app    counts visits by incrementing a key in db
//	shop front  the published entry point; asks app and prefixes its answer
//
// and it carries the two client commands the stack needs, so that its image
// can be FROM scratch with no shell:
//
//	shop health URL           exit 0 when URL answers 2xx (the healthcheck)
//	shop get [-wait D] URL    print URL's body, retrying for up to D
//
// Only the standard library is used: the binary is built with
// CGO_ENABLED=0 and copied into an empty image.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// SIGTERM is what `docker stop` sends; handling it lets the servers shut
	// down at once instead of waiting for the engine's kill timeout (PID 1
	// in a container does not get the default signal actions).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `usage: shop COMMAND [ARGS]

commands:
  db     [-addr :7000] [-dir /data]          key-value store persisted to -dir
  app    [-addr :8000] [-db URL]             visit counter backed by db ($DB_URL)
  front  [-addr :8080] [-app URL]            entry point that asks app ($APP_URL)
  health URL                                 exit 0 if URL answers 2xx
  get    [-wait DURATION] URL                print URL's body, retrying up to DURATION
`

// run dispatches to a subcommand and returns the process exit code. The
// environment comes in as getenv so tests never depend on the shell.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "db":
		err = runDB(ctx, rest, stderr)
	case "app":
		err = runApp(ctx, rest, getenv, stderr)
	case "front":
		err = runFront(ctx, rest, getenv, stderr)
	case "health":
		err = runHealth(ctx, rest)
	case "get":
		err = runGet(ctx, rest, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "shop: unknown command %q\n%s", cmd, usage)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "shop %s: %v\n", args[0], err)
		return 1
	}
	return 0
}
