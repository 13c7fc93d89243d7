package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"
)

// healthTimeout stays under the healthcheck's own timeout in compose.yaml, so
// a hung server is reported by us rather than killed by the engine.
const healthTimeout = 2 * time.Second

// runHealth is the healthcheck: the image has no shell or curl, so the
// binary probes itself.
func runHealth(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return errors.New("usage: shop health URL")
	}
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	_, err := fetch(ctx, http.DefaultClient, http.MethodGet, args[0])
	return err
}

// retryEvery is the pause between attempts of `get -wait`.
const retryEvery = 250 * time.Millisecond

// runGet prints a URL's body. With -wait it retries until the URL answers
// 2xx or the time is up: services that were just started need a moment to
// listen, and `make demo` should not depend on guessing how long.
func runGet(ctx context.Context, args []string, stdout io.Writer) error {
	fl := flag.NewFlagSet("get", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	wait := fl.Duration("wait", 0, "keep retrying for this long")
	if err := fl.Parse(args); err != nil {
		return fmt.Errorf("%w (usage: shop get [-wait DURATION] URL)", err)
	}
	if fl.NArg() != 1 {
		return errors.New("usage: shop get [-wait DURATION] URL")
	}
	url := fl.Arg(0)
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(*wait)
	for {
		body, err := fetch(ctx, client, http.MethodGet, url)
		if err == nil {
			_, err = io.WriteString(stdout, body)
			return err
		}
		if !time.Now().Before(deadline) {
			if *wait > 0 {
				return fmt.Errorf("no answer within %s: %w", *wait, err)
			}
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %w)", ctx.Err(), err)
		case <-time.After(retryEvery):
		}
	}
}
