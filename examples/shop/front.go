package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// front is the stack's published entry point: it greets and relays app's
// answer, so one request proves front -> app -> db all work.
type front struct {
	app     string // base URL of the app service
	message string
	client  *http.Client
}

func (f *front) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		body, err := fetch(r.Context(), f.client, http.MethodGet, f.app+"/")
		if err != nil {
			http.Error(w, "front: app unreachable: "+err.Error(), http.StatusBadGateway)
			return
		}
		fmt.Fprintf(w, "%s\n%s", f.message, body)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok\n")
	})
	return mux
}

func runFront(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	fl := flag.NewFlagSet("front", flag.ContinueOnError)
	fl.SetOutput(stderr)
	addr := fl.String("addr", ":8080", "listen address")
	appURL := fl.String("app", orDefault(getenv("APP_URL"), "http://app:8000"), "base URL of the app service")
	if err := fl.Parse(args); err != nil {
		return err
	}
	f := &front{
		app:     strings.TrimRight(*appURL, "/"),
		message: orDefault(getenv("MESSAGE"), "hello from front"),
		client:  &http.Client{Timeout: 5 * time.Second},
	}
	return serve(ctx, "front", *addr, f.handler(), stderr)
}
