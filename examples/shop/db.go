package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// store is a key-value store with one file per key under dir, so that the
// data lives in whatever volume is mounted there and survives the container.
type store struct {
	dir string
	// mu serialises writes so that incr is a safe read-modify-write even
	// when front receives concurrent requests.
	mu sync.Mutex
}

// validKey keeps keys usable as file names: no separators, no dot files.
var validKey = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Sentinels that the HTTP layer maps to status codes.
var (
	errNoKey  = errors.New("no such key")
	errBadKey = errors.New("invalid key")
)

func (s *store) path(key string) (string, error) {
	if !validKey.MatchString(key) {
		return "", fmt.Errorf("key %q: %w: use 1-64 letters, digits, '-' or '_'", key, errBadKey)
	}
	return filepath.Join(s.dir, key), nil
}

func (s *store) get(key string) (string, error) {
	p, err := s.path(key)
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("key %q: %w", key, errNoKey)
	}
	if err != nil {
		return "", fmt.Errorf("read key %q: %w", key, err)
	}
	return string(b), nil
}

func (s *store) put(key, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.putLocked(key, value)
}

// putLocked writes through a temporary file and a rename so that a crash
// never leaves a half-written value behind.
func (s *store) putLocked(key, value string) error {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(s.dir, ".tmp-"+key+"-*")
	if err != nil {
		return fmt.Errorf("write key %q: %w", key, err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.WriteString(value); err != nil {
		tmp.Close()
		return fmt.Errorf("write key %q: %w", key, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write key %q: %w", key, err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return fmt.Errorf("write key %q: %w", key, err)
	}
	return nil
}

// incr adds one to the integer stored at key (absent counts as 0).
func (s *store) incr(key string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	v, err := s.get(key)
	switch {
	case errors.Is(err, errNoKey):
	case err != nil:
		return 0, err
	default:
		if n, err = strconv.Atoi(strings.TrimSpace(v)); err != nil {
			return 0, fmt.Errorf("incr key %q: value %.40q is not a number", key, v)
		}
	}
	n++
	return n, s.putLocked(key, strconv.Itoa(n))
}

func (s *store) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /kv/{key}", func(w http.ResponseWriter, r *http.Request) {
		v, err := s.get(r.PathValue("key"))
		if err != nil {
			httpError(w, err)
			return
		}
		io.WriteString(w, v)
	})
	mux.HandleFunc("PUT /kv/{key}", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err == nil {
			err = s.put(r.PathValue("key"), string(b))
		}
		if err != nil {
			httpError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /kv/{key}/incr", func(w http.ResponseWriter, r *http.Request) {
		n, err := s.incr(r.PathValue("key"))
		if err != nil {
			httpError(w, err)
			return
		}
		fmt.Fprintln(w, n)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		// Healthy means we can still reach the data directory.
		if _, err := os.Stat(s.dir); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok\n")
	})
	return mux
}

func httpError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, errNoKey):
		http.Error(w, err.Error(), http.StatusNotFound)
	case errors.Is(err, errBadKey):
		http.Error(w, err.Error(), http.StatusBadRequest)
	default:
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

func runDB(ctx context.Context, args []string, stderr io.Writer) error {
	fl := flag.NewFlagSet("db", flag.ContinueOnError)
	fl.SetOutput(stderr)
	addr := fl.String("addr", ":7000", "listen address")
	dir := fl.String("dir", "/data", "directory that holds the data (mount a volume here)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	s := &store{dir: *dir}
	return serve(ctx, "db", *addr, s.handler(), stderr)
}
