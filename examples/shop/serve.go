package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// shutdownGrace bounds how long in-flight requests may finish after SIGTERM;
// it stays well under the engine's default 10 s stop timeout.
const shutdownGrace = 3 * time.Second

// serve runs h on addr until ctx ends, then shuts down gracefully.
func serve(ctx context.Context, name, addr string, h http.Handler, logw io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another process using the port?)", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1) // buffered: Serve's result is read at most once, maybe never
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(logw, "%s listening on %s\n", name, ln.Addr())

	select {
	case err := <-errc:
		return fmt.Errorf("serve %s: %w", addr, err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shut down %s: %w", name, err)
	}
	fmt.Fprintf(logw, "%s stopped\n", name)
	return nil
}

// fetch performs one request and returns the body of a 2xx answer; anything
// else is an error that quotes the start of the body, which is where our
// servers explain what went wrong.
func fetch(ctx context.Context, c *http.Client, method, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", method, url, err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err // already names method and URL
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("%s %s: read body: %w", method, url, err)
	}
	if resp.StatusCode/100 != 2 {
		return "", fmt.Errorf("%s %s: %s: %.200s", method, url, resp.Status, body)
	}
	return string(body), nil
}
