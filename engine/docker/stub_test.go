package docker

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
)

// stub plays the daemon at the HTTP transport, as http.Transport would:
// it reports a connection through the request's trace before answering,
// and a refused dial through ConnectDone without one.
type stub struct {
	// ping answers /_ping; nil reports API 1.41.
	ping func(req *http.Request) (*http.Response, error)
	// api answers every other request; n counts them from 0.
	api func(n int, req *http.Request) (*http.Response, error)

	mu    sync.Mutex
	calls []string // "METHOD /path" of each API request, pings left out
	pings int
}

func (s *stub) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		// Like a real transport, consume and close the request body.
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	s.mu.Lock()
	if strings.HasSuffix(req.URL.Path, "/_ping") {
		s.pings++
		s.mu.Unlock()
		if s.ping != nil {
			return s.ping(req)
		}
		return pingOK(req, "1.41")
	}
	n := len(s.calls)
	s.calls = append(s.calls, req.Method+" "+req.URL.Path)
	s.mu.Unlock()
	if s.api == nil {
		return reply(req, http.StatusNotFound, `{"message":"page not found"}`)
	}
	return s.api(n, req)
}

func (s *stub) apiCalls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.calls...)
}

// stubEngine returns an engine that talks to s, with retries that record
// their backoff instead of sleeping.
func stubEngine(t *testing.T, s *stub, opts Options) (*Engine, *[]time.Duration) {
	t.Helper()
	if opts.Host == "" {
		opts.Host = "tcp://daemon.invalid:2375"
	}
	e, err := newEngine(opts, s)
	if err != nil {
		t.Fatalf("newEngine(%+v) got error %v", opts, err)
	}
	var slept []time.Duration
	e.sleep = func(ctx context.Context, d time.Duration) error {
		slept = append(slept, d)
		return ctx.Err()
	}
	return e, &slept
}

// connect tells the request's trace that a connection was made, which a
// real transport does before it sends anything.
func connect(req *http.Request) {
	if tr := httptrace.ContextClientTrace(req.Context()); tr != nil && tr.GotConn != nil {
		tr.GotConn(httptrace.GotConnInfo{})
	}
}

func reply(req *http.Request, status int, body string) (*http.Response, error) {
	connect(req)
	h := http.Header{}
	if strings.HasPrefix(body, "{") || strings.HasPrefix(body, "[") {
		h.Set("Content-Type", "application/json")
	}
	return &http.Response{
		StatusCode:    status,
		Status:        http.StatusText(status),
		Header:        h,
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}, nil
}

// daemonError answers as the daemon does when a call fails.
func daemonError(req *http.Request, status int, msg string) (*http.Response, error) {
	b, _ := json.Marshal(map[string]string{"message": msg})
	return reply(req, status, string(b))
}

func pingOK(req *http.Request, version string) (*http.Response, error) {
	resp, err := reply(req, http.StatusOK, "OK")
	resp.Header.Set("Api-Version", version)
	return resp, err
}

// refuse fails the way dialing a port nobody listens on does.
func refuse(req *http.Request) (*http.Response, error) {
	err := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	if tr := httptrace.ContextClientTrace(req.Context()); tr != nil && tr.ConnectDone != nil {
		tr.ConnectDone("tcp", "daemon.invalid:2375", err)
	}
	return nil, err
}

// deny fails the way opening a socket without permission does.
func deny(req *http.Request) (*http.Response, error) {
	err := &net.OpError{Op: "dial", Net: "unix", Err: os.NewSyscallError("connect", syscall.EACCES)}
	if tr := httptrace.ContextClientTrace(req.Context()); tr != nil && tr.ConnectDone != nil {
		tr.ConnectDone("unix", "/var/run/docker.sock", err)
	}
	return nil, err
}

// reset fails the way a connection the daemon drops after the request was
// sent does.
func reset(req *http.Request) (*http.Response, error) {
	connect(req)
	return nil, &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
}

// eof fails like a daemon closing the connection without an answer.
func eof(req *http.Request) (*http.Response, error) {
	connect(req)
	return nil, io.EOF
}

// containerJSON is an inspect answer for a container of project and service.
func containerJSON(id, name, project, service string) string {
	b, _ := json.Marshal(map[string]any{
		"Id":     id,
		"Name":   "/" + name,
		"State":  map[string]any{"Status": "created"},
		"Config": map[string]any{"Labels": map[string]string{engine.LabelProject: project, engine.LabelService: service}},
	})
	return string(b)
}

// webSpec is a minimal container of project shop.
func webSpec(image string) engine.ContainerSpec {
	return engine.ContainerSpec{
		Name:    "shop-web-1",
		Service: types.ServiceConfig{Name: "web", Image: image},
		Labels:  map[string]string{engine.LabelProject: "shop", engine.LabelService: "web", engine.LabelNumber: "1"},
	}
}
