package docker

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/engine"
)

// failThen answers the first n API requests with fail and the rest with ok.
func failThen(n int, fail func(*http.Request) (*http.Response, error), ok func(*http.Request) (*http.Response, error)) func(int, *http.Request) (*http.Response, error) {
	return func(i int, req *http.Request) (*http.Response, error) {
		if i < n {
			return fail(req)
		}
		return ok(req)
	}
}

func unavailable(req *http.Request) (*http.Response, error) {
	return daemonError(req, http.StatusServiceUnavailable, "daemon is shutting down")
}

func internal(req *http.Request) (*http.Response, error) {
	return daemonError(req, http.StatusInternalServerError, "could not get container for abc: a transient failure")
}

func badGateway(req *http.Request) (*http.Response, error) {
	return reply(req, http.StatusBadGateway, "<html>502 Bad Gateway</html>")
}

func answer(status int, body string) func(*http.Request) (*http.Response, error) {
	return func(req *http.Request) (*http.Response, error) { return reply(req, status, body) }
}

// TestRetry checks which failures are retried for which calls: transient
// ones on calls that are safe to repeat, and on create only a refused
// connection, which proves the daemon never saw the request.
func TestRetry(t *testing.T) {
	list := func(ctx context.Context, e *Engine) error {
		_, err := e.Containers(ctx, "shop")
		return err
	}
	create := func(ctx context.Context, e *Engine) error {
		_, err := e.CreateContainer(ctx, webSpec("berth-test"))
		return err
	}
	start := func(ctx context.Context, e *Engine) error { return e.StartContainer(ctx, "abc") }
	stop := func(ctx context.Context, e *Engine) error { return e.StopContainer(ctx, "abc", nil) }
	remove := func(ctx context.Context, e *Engine) error {
		return e.RemoveContainer(ctx, "abc", engine.RemoveOptions{Force: true})
	}
	rename := func(ctx context.Context, e *Engine) error { return e.RenameContainer(ctx, "abc", "shop-web-1") }
	createNetwork := func(ctx context.Context, e *Engine) error {
		_, err := e.CreateNetwork(ctx, engine.NetworkSpec{Name: "shop_default"})
		return err
	}
	ms := time.Millisecond
	for _, tc := range []struct {
		name    string
		run     func(context.Context, *Engine) error
		api     func(int, *http.Request) (*http.Response, error)
		calls   int             // API requests made
		slept   []time.Duration // backoff between them
		wantErr bool
		is      error
	}{
		{"list after two resets", list, failThen(2, reset, answer(200, "[]")), 3, []time.Duration{100 * ms, 200 * ms}, false, nil},
		{"list after EOF", list, failThen(1, eof, answer(200, "[]")), 2, []time.Duration{100 * ms}, false, nil},
		{"list after 503 and 502", list, func(n int, req *http.Request) (*http.Response, error) {
			switch n {
			case 0:
				return unavailable(req)
			case 1:
				return badGateway(req)
			}
			return reply(req, 200, "[]")
		}, 3, []time.Duration{100 * ms, 200 * ms}, false, nil},
		{"list gives up after three retries", list, failThen(9, internal, answer(200, "[]")), 4, []time.Duration{100 * ms, 200 * ms, 400 * ms}, true, nil},
		{"list after a refused connection", list, failThen(1, refuse, answer(200, "[]")), 2, []time.Duration{100 * ms}, false, nil},
		{"list: 400 is not retried", list, failThen(9, func(req *http.Request) (*http.Response, error) {
			return daemonError(req, http.StatusBadRequest, "invalid filter")
		}, answer(200, "[]")), 1, nil, true, nil},
		{"list: 501 is not retried", list, failThen(9, func(req *http.Request) (*http.Response, error) {
			return daemonError(req, http.StatusNotImplemented, "not implemented")
		}, answer(200, "[]")), 1, nil, true, nil},
		{"create after two refused connections", create, failThen(2, refuse, answer(201, `{"Id":"abc","Warnings":[]}`)), 3, []time.Duration{100 * ms, 200 * ms}, false, nil},
		{"create: a reset after sending is not retried", create, failThen(1, reset, answer(201, `{"Id":"abc","Warnings":[]}`)), 1, nil, true, ErrUnreachable},
		{"create: EOF after sending is not retried", create, failThen(1, eof, answer(201, `{"Id":"abc","Warnings":[]}`)), 1, nil, true, ErrUnreachable},
		{"create: 500 is not retried", create, failThen(1, internal, answer(201, `{"Id":"abc","Warnings":[]}`)), 1, nil, true, nil},
		{"start after EOF", start, failThen(1, eof, answer(204, "")), 2, []time.Duration{100 * ms}, false, nil},
		{"start of a started container", start, failThen(1, reset, answer(304, "")), 2, []time.Duration{100 * ms}, false, nil},
		{"stop after 503", stop, failThen(1, unavailable, answer(204, "")), 2, []time.Duration{100 * ms}, false, nil},
		{"remove whose answer was lost", remove, failThen(1, reset, func(req *http.Request) (*http.Response, error) {
			return daemonError(req, http.StatusNotFound, "No such container: abc")
		}), 2, []time.Duration{100 * ms}, false, nil},
		{"remove of a missing container", remove, failThen(9, func(req *http.Request) (*http.Response, error) {
			return daemonError(req, http.StatusNotFound, "No such container: abc")
		}, answer(204, "")), 1, nil, true, engine.ErrNotFound},
		{"rename: a reset is not retried", rename, failThen(1, reset, answer(204, "")), 1, nil, true, ErrUnreachable},
		{"network create: 500 is not retried", createNetwork, func(_ int, req *http.Request) (*http.Response, error) {
			if req.Method == http.MethodGet { // the pre-1.44 duplicate check
				return daemonError(req, http.StatusNotFound, "network shop_default not found")
			}
			return internal(req)
		}, 2, nil, true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &stub{api: tc.api}
			e, slept := stubEngine(t, s, Options{APIVersion: "1.41"})
			err := tc.run(context.Background(), e)
			if (err != nil) != tc.wantErr {
				t.Errorf("%s got error %v, want error: %v", tc.name, err, tc.wantErr)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("%s got %v, want errors.Is %v", tc.name, err, tc.is)
			}
			if got := len(s.apiCalls()); got != tc.calls {
				t.Errorf("%s made %d API calls %v, want %d", tc.name, got, s.apiCalls(), tc.calls)
			}
			if diff := cmp.Diff(tc.slept, *slept); diff != "" {
				t.Errorf("%s backoff mismatch (-want +got):\n%s", tc.name, diff)
			}
		})
	}
}

// TestRetryPing checks that version negotiation, the first contact with
// the daemon, rides out a restart too.
func TestRetryPing(t *testing.T) {
	var refused int
	s := &stub{ping: func(req *http.Request) (*http.Response, error) {
		// The client falls back from HEAD to GET within one ping, so two
		// refusals make one failed attempt.
		if refused < 2 {
			refused++
			return refuse(req)
		}
		return pingOK(req, "1.41")
	}}
	e, slept := stubEngine(t, s, Options{})
	v, err := e.APIVersion(context.Background())
	if err != nil || v != "1.41" {
		t.Fatalf("APIVersion after one refused attempt got %q, %v, want 1.41", v, err)
	}
	if diff := cmp.Diff([]time.Duration{100 * time.Millisecond}, *slept); diff != "" {
		t.Errorf("APIVersion backoff mismatch (-want +got):\n%s", diff)
	}
	if _, err := e.APIVersion(context.Background()); err != nil || s.pings != 3 {
		t.Errorf("second APIVersion got %v after %d pings, want the cached version and no new ping", err, s.pings)
	}
}

// TestRetryStopsWhenCancelled checks that a cancelled context ends the
// backoff instead of waiting it out.
func TestRetryStopsWhenCancelled(t *testing.T) {
	s := &stub{api: failThen(9, reset, answer(200, "[]"))}
	e, _ := stubEngine(t, s, Options{APIVersion: "1.41"})
	ctx, cancel := context.WithCancel(context.Background())
	e.sleep = func(ctx context.Context, d time.Duration) error {
		cancel()
		return sleepCtx(ctx, time.Hour)
	}
	_, err := e.Containers(ctx, "shop")
	if err == nil {
		t.Fatal("Containers with a cancelled backoff got no error, want the last failure")
	}
	if got := len(s.apiCalls()); got != 1 {
		t.Errorf("Containers with a cancelled backoff made %d calls, want 1", got)
	}
}

// TestOnceCallOutlivesCancel checks that a create whose context is
// cancelled while the daemon works on it still waits for the answer, up to
// the grace, so that berth never exits with a create in flight.
func TestOnceCallOutlivesCancel(t *testing.T) {
	created := `{"Id":"abc","Warnings":[]}`
	for _, tc := range []struct {
		name   string
		grace  time.Duration
		answer time.Duration // how long the daemon takes after the cancel
		wantID string
	}{
		{"answer within the grace", time.Minute, 20 * time.Millisecond, "abc"},
		{"daemon slower than the grace", 20 * time.Millisecond, time.Minute, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			s := &stub{api: func(_ int, req *http.Request) (*http.Response, error) {
				cancel()
				select {
				case <-time.After(tc.answer):
					return reply(req, http.StatusCreated, created)
				case <-req.Context().Done():
					return nil, req.Context().Err()
				}
			}}
			e, _ := stubEngine(t, s, Options{APIVersion: "1.41"})
			e.grace = tc.grace
			id, err := e.CreateContainer(ctx, webSpec("berth-test"))
			if id != tc.wantID || (err == nil) != (tc.wantID != "") {
				t.Errorf("CreateContainer cancelled mid-call got %q, %v, want ID %q", id, err, tc.wantID)
			}
			if got := len(s.apiCalls()); got != 1 {
				t.Errorf("CreateContainer cancelled mid-call made %d API calls, want 1", got)
			}
		})
	}
}
