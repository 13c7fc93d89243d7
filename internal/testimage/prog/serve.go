package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// healthFile is the file `health /tmp/healthy` checks and /health/ok and
// /health/fail create and delete.
const healthFile = "/tmp/healthy"

// serve answers:
//
//	/              hello from $HOSTNAME $MESSAGE
//	/env/NAME      the value of NAME (404 if unset)
//	/get?url=U     the body of GET U, fetched from inside this container
//	/resolve?name=N  N's IP addresses, one per line
//	/health/ok     creates /tmp/healthy
//	/health/fail   removes /tmp/healthy
func serve(port string) error {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		host, _ := os.Hostname()
		fmt.Fprintf(w, "hello from %s %s\n", host, os.Getenv("MESSAGE"))
	})
	mux.HandleFunc("/env/", func(w http.ResponseWriter, r *http.Request) {
		v, ok := os.LookupEnv(strings.TrimPrefix(r.URL.Path, "/env/"))
		if !ok {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, v)
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		body, err := get(r.Context(), r.URL.Query().Get("url"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		_, _ = w.Write(body)
	})
	mux.HandleFunc("/resolve", func(w http.ResponseWriter, r *http.Request) {
		ips, err := resolve(r.URL.Query().Get("name"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		fmt.Fprintln(w, strings.Join(ips, "\n"))
	})
	mux.HandleFunc("/health/ok", func(w http.ResponseWriter, r *http.Request) {
		if err := os.WriteFile(healthFile, []byte("ok"), 0o644); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/health/fail", func(w http.ResponseWriter, r *http.Request) {
		if err := os.Remove(healthFile); err != nil && !errors.Is(err, os.ErrNotExist) {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, "ok")
	})

	srv := &http.Server{Addr: ":" + port, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	errc := make(chan error, 1) // ListenAndServe's single result; buffered so the goroutine never blocks
	go func() { errc <- srv.ListenAndServe() }()
	fmt.Printf("listening on :%s\n", port)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}
