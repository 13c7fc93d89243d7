package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// app answers each visit by asking db to count it.
type app struct {
	db      string // base URL of the db service
	message string
	client  *http.Client
}

func (a *app) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		body, err := fetch(r.Context(), a.client, http.MethodPost, a.db+"/kv/visits/incr")
		if err != nil {
			http.Error(w, "app: db unreachable: "+err.Error(), http.StatusBadGateway)
			return
		}
		n, err := strconv.Atoi(strings.TrimSpace(body))
		if err != nil {
			http.Error(w, fmt.Sprintf("app: db answered %.40q, want a number", body), http.StatusBadGateway)
			return
		}
		fmt.Fprintf(w, "%s (visit #%d, counted by db)\n", a.message, n)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok\n")
	})
	return mux
}

func runApp(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	fl := flag.NewFlagSet("app", flag.ContinueOnError)
	fl.SetOutput(stderr)
	addr := fl.String("addr", ":8000", "listen address")
	db := fl.String("db", orDefault(getenv("DB_URL"), "http://db:7000"), "base URL of the db service")
	if err := fl.Parse(args); err != nil {
		return err
	}
	a := &app{
		db:      strings.TrimRight(*db, "/"),
		message: orDefault(getenv("MESSAGE"), "hello from app"),
		client:  &http.Client{Timeout: 5 * time.Second},
	}
	return serve(ctx, "app", *addr, a.handler(), stderr)
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
