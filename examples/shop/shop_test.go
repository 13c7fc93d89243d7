package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// stack runs db, app and front as in-process servers wired like compose.yaml.
func stack(t *testing.T, dir string) *httptest.Server {
	t.Helper()
	db := httptest.NewServer((&store{dir: dir}).handler())
	t.Cleanup(db.Close)
	a := httptest.NewServer((&app{db: db.URL, message: "hello from app", client: db.Client()}).handler())
	t.Cleanup(a.Close)
	f := httptest.NewServer((&front{app: a.URL, message: "welcome", client: a.Client()}).handler())
	t.Cleanup(f.Close)
	return f
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

func TestFrontCountsVisitsThroughAppAndDB(t *testing.T) {
	dir := t.TempDir()
	f := stack(t, dir)
	for _, want := range []string{
		"welcome\nhello from app (visit #1, counted by db)\n",
		"welcome\nhello from app (visit #2, counted by db)\n",
	} {
		if code, got := get(t, f.URL+"/"); code != 200 || got != want {
			t.Errorf("GET front / got %d %q, want 200 %q", code, got, want)
		}
	}

	// The count lives in the directory, not in the process: a new stack on
	// the same directory (a recreated container on the same volume) goes on.
	f2 := stack(t, dir)
	want := "welcome\nhello from app (visit #3, counted by db)\n"
	if code, got := get(t, f2.URL+"/"); code != 200 || got != want {
		t.Errorf("GET front / after restart got %d %q, want 200 %q", code, got, want)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "visits")); err != nil || string(b) != "3" {
		t.Errorf("ReadFile(visits) got %q, %v, want \"3\"", b, err)
	}
}

func TestFrontReportsUnreachableApp(t *testing.T) {
	f := httptest.NewServer((&front{app: "http://127.0.0.1:1", message: "m", client: http.DefaultClient}).handler())
	defer f.Close()
	code, body := get(t, f.URL+"/")
	if code != http.StatusBadGateway || !strings.Contains(body, "app unreachable") {
		t.Errorf("GET front / with no app got %d %q, want 502 naming the app", code, body)
	}
}

func TestStoreHTTP(t *testing.T) {
	db := httptest.NewServer((&store{dir: t.TempDir()}).handler())
	defer db.Close()

	do := func(method, path, body string) (int, string) {
		req, err := http.NewRequest(method, db.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := db.Client().Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return resp.StatusCode, b.String()
	}
	steps := []struct {
		name, method, path, body string
		wantCode                 int
		wantBody                 string
	}{
		{"missing key", "GET", "/kv/colour", "", 404, ""},
		{"put", "PUT", "/kv/colour", "blue", 204, ""},
		{"get after put", "GET", "/kv/colour", "", 200, "blue"},
		{"incr non-number", "POST", "/kv/colour/incr", "", 500, ""},
		{"incr new key", "POST", "/kv/n/incr", "", 200, "1\n"},
		{"incr again", "POST", "/kv/n/incr", "", 200, "2\n"},
		{"dot key rejected", "GET", "/kv/.hidden", "", 400, ""},
		{"traversal rejected", "PUT", "/kv/..%2Fetc", "x", 400, ""},
		{"healthz", "GET", "/healthz", "", 200, "ok\n"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			code, body := do(s.method, s.path, s.body)
			if code != s.wantCode || (s.wantBody != "" && body != s.wantBody) {
				t.Errorf("%s %s got %d %q, want %d %q", s.method, s.path, code, body, s.wantCode, s.wantBody)
			}
		})
	}
}

func TestHealth(t *testing.T) {
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer ok.Close()
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "disk gone", http.StatusServiceUnavailable)
	}))
	defer bad.Close()

	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"2xx", []string{ok.URL}, ""},
		{"503", []string{bad.URL}, "disk gone"},
		{"no url", nil, "usage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := runHealth(context.Background(), tt.args)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("runHealth(%q) got %v, want error containing %q", tt.args, err, tt.wantErr)
			}
		})
	}
}

func TestGetWaitsForServer(t *testing.T) {
	// The server fails twice before answering, like a service still starting.
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready"))
	}))
	defer srv.Close()

	var out bytes.Buffer
	if err := runGet(context.Background(), []string{"-wait", "10s", srv.URL}, &out); err != nil || out.String() != "ready" {
		t.Errorf("runGet(-wait 10s) got %q, %v, want \"ready\", nil", out.String(), err)
	}

	out.Reset()
	err := runGet(context.Background(), []string{srv.URL + "/x"}, &out)
	if err != nil || out.String() != "ready" {
		t.Errorf("runGet without -wait on a ready server got %q, %v, want \"ready\", nil", out.String(), err)
	}

	err = runGet(context.Background(), []string{"-wait", "600ms", "http://127.0.0.1:1/"}, &out)
	if err == nil || !strings.Contains(err.Error(), "no answer within 600ms") {
		t.Errorf("runGet(-wait 600ms, closed port) got %v, want a timeout error", err)
	}
}

func TestRunUsage(t *testing.T) {
	tests := []struct {
		args     []string
		wantCode int
	}{
		{nil, 2},
		{[]string{"nope"}, 2},
		{[]string{"help"}, 0},
		{[]string{"health"}, 1},
	}
	for _, tt := range tests {
		var out, errw bytes.Buffer
		if got := run(context.Background(), tt.args, func(string) string { return "" }, &out, &errw); got != tt.wantCode {
			t.Errorf("run(%q) got %d, want %d (stderr %q)", tt.args, got, tt.wantCode, errw.String())
		}
	}
}
