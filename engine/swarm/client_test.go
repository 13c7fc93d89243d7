package swarm

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	swarmtypes "github.com/moby/moby/api/types/swarm"

	"github.com/berth-dev/berth/engine/docker"
)

// daemon plays the parts of the Docker API the tests call; requests that
// it does not know fail the test.
func daemon(t *testing.T, routes map[string]func(w http.ResponseWriter, r *http.Request)) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", "1.41")
		path := r.URL.Path
		if i := strings.Index(path[1:], "/"); strings.HasPrefix(path, "/v1.") && i > 0 {
			path = path[i+1:]
		}
		if path == "/_ping" {
			_, _ = w.Write([]byte("OK"))
			return
		}
		h, ok := routes[r.Method+" "+path]
		if !ok {
			t.Errorf("unexpected request %s %s", r.Method, r.URL)
			http.Error(w, "not here", http.StatusInternalServerError)
			return
		}
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := New(docker.Options{Host: "tcp://" + strings.TrimPrefix(srv.URL, "http://")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func reply(t *testing.T, w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		t.Error(err)
	}
}

func notFound(w http.ResponseWriter, what string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte(`{"message":"` + what + ` not found"}`))
}

// TestListsFilterOnNamespace: every list asks for the project's label
// only, so that nothing else is ever seen.
func TestListsFilterOnNamespace(t *testing.T) {
	want := `{"label":{"com.docker.stack.namespace=shop":true}}`
	check := func(w http.ResponseWriter, r *http.Request) {
		if got := r.URL.Query().Get("filters"); got != want {
			t.Errorf("%s filters = %s, want %s", r.URL.Path, got, want)
		}
		reply(t, w, []any{})
	}
	c := daemon(t, map[string]func(http.ResponseWriter, *http.Request){
		"GET /services": check, "GET /networks": check, "GET /secrets": check, "GET /configs": check,
	})
	ctx := context.Background()
	if _, err := c.Services(ctx, "shop"); err != nil {
		t.Error(err)
	}
	if _, err := c.Networks(ctx, "shop"); err != nil {
		t.Error(err)
	}
	if _, err := c.Secrets(ctx, "shop"); err != nil {
		t.Error(err)
	}
	if _, err := c.Configs(ctx, "shop"); err != nil {
		t.Error(err)
	}
}

// TestTasksOfRemovedServices: the manager refuses a task filter on a
// service it no longer has; the tasks still shutting down are found in
// the full list.
func TestTasksOfRemovedServices(t *testing.T) {
	c := daemon(t, map[string]func(http.ResponseWriter, *http.Request){
		"GET /tasks": func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("filters") != "" {
				notFound(w, "service gone")
				return
			}
			reply(t, w, []swarmtypes.Task{{ID: "t1", ServiceID: "gone"}, {ID: "t2", ServiceID: "other"}})
		},
	})
	tasks, err := c.Tasks(context.Background(), []string{"gone"})
	if err != nil || len(tasks) != 1 || tasks[0].ID != "t1" {
		t.Errorf("Tasks = %v, %v; want t1 alone", tasks, err)
	}
}

// TestRemoveGoneIsNoError: removing what is already gone succeeds.
func TestRemoveGoneIsNoError(t *testing.T) {
	gone := func(w http.ResponseWriter, _ *http.Request) { notFound(w, "object") }
	c := daemon(t, map[string]func(http.ResponseWriter, *http.Request){
		"DELETE /services/s1": gone, "DELETE /networks/n1": gone, "DELETE /secrets/x1": gone, "DELETE /configs/c1": gone,
	})
	ctx := context.Background()
	for _, err := range []error{c.RemoveService(ctx, "s1"), c.RemoveNetwork(ctx, "n1"), c.RemoveSecret(ctx, "x1"), c.RemoveConfig(ctx, "c1")} {
		if err != nil {
			t.Error(err)
		}
	}
}

// TestManager says what to do when the daemon is no swarm manager.
func TestManager(t *testing.T) {
	tests := []struct{ state, control, want string }{
		{"inactive", "false", "docker swarm init"},
		{"active", "false", "is a swarm worker"},
		{"active", "true", ""},
	}
	for _, tt := range tests {
		c := daemon(t, map[string]func(http.ResponseWriter, *http.Request){
			"GET /info": func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"Swarm":{"LocalNodeState":"` + tt.state + `","ControlAvailable":` + tt.control + `}}`))
			},
		})
		err := c.Manager(context.Background())
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s/%s: %v", tt.state, tt.control, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s/%s: err = %v, want %q", tt.state, tt.control, err, tt.want)
		}
	}
}
