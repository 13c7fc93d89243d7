package ui

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/engine"
)

var psNow = time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)

func psContainer(name, service, state string, age time.Duration) engine.Container {
	return engine.Container{
		ID:      fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(name))),
		Name:    name,
		Image:   "shop-" + service,
		Command: "/bin/" + service + " --serve --verbose",
		Labels: map[string]string{
			engine.LabelProject: "shop",
			engine.LabelService: service,
			engine.LabelNumber:  "1",
		},
		State:   state,
		Created: psNow.Add(-age),
	}
}

func psSample() []engine.Container {
	web := psContainer("shop-web-1", "web", "running", 5*time.Minute)
	web.Status = "Up 5 minutes (healthy)"
	web.Health = "healthy"
	web.Ports = []engine.Port{
		{HostIP: "127.0.0.1", HostPort: 8080, ContainerPort: 80, Protocol: "tcp"},
		{HostIP: "::", HostPort: 8080, ContainerPort: 80, Protocol: "tcp"},
		{ContainerPort: 9000, Protocol: "tcp"},
		{ContainerPort: 9001, Protocol: "tcp"},
		{HostIP: "0.0.0.0", HostPort: 53, ContainerPort: 53, Protocol: "udp"},
	}
	web.Networks = map[string]engine.Endpoint{"shop_front": {}, "shop_default": {}}
	db := psContainer("shop-db-1", "db", "exited", 2*time.Hour)
	db.Status = "Exited (3) 1 hour ago"
	db.ExitCode = 3
	db.Health = "unhealthy" // stale: not shown for a stopped container
	db.Mounts = []engine.Mount{
		{Type: "volume", Name: "shop_pgdata_with_a_long_name", Destination: "/var/lib/postgresql"},
		{Type: "bind", Source: "/srv/conf", Destination: "/etc/pg"},
	}
	db.Networks = map[string]engine.Endpoint{"shop_default": {}}
	return []engine.Container{web, db}
}

func TestWritePsTable(t *testing.T) {
	var out bytes.Buffer
	if err := WritePsTable(&out, FilterPs(psSample(), PsFilter{Stopped: true, OneOff: true}), PsOptions{Now: psNow, Location: time.UTC}); err != nil {
		t.Fatal(err)
	}
	golden(t, "ps_table.golden", out.String())
}

func TestWritePsJSON(t *testing.T) {
	var out bytes.Buffer
	if err := WritePsJSON(&out, FilterPs(psSample(), PsFilter{Stopped: true, OneOff: true}), PsOptions{Now: psNow, Location: time.UTC}); err != nil {
		t.Fatal(err)
	}
	golden(t, "ps_json.golden", out.String())
}

// TestPsJSONFieldNames pins the key set of docker compose ps --format json
// (v2.21+, v5), so that scripts written for compose read berth's output.
func TestPsJSONFieldNames(t *testing.T) {
	var out bytes.Buffer
	if err := WritePsJSON(&out, psSample()[:1], PsOptions{Now: psNow}); err != nil {
		t.Fatal(err)
	}
	var rec map[string]json.RawMessage
	if err := json.Unmarshal(out.Bytes(), &rec); err != nil {
		t.Fatalf("ps json %q: %v", out.String(), err)
	}
	var got []string
	for k := range rec {
		got = append(got, k)
	}
	slices.Sort(got)
	want := []string{
		"Command", "CreatedAt", "Engine", "ExitCode", "Health", "ID", "Image", "Labels", "LocalVolumes",
		"Mounts", "Name", "Names", "Networks", "Ports", "Project", "Publishers", "RunningFor", "Service",
		"Size", "State", "Status",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ps json keys (-want +got):\n%s", diff)
	}
	var pubs []map[string]any
	if err := json.Unmarshal(rec["Publishers"], &pubs); err != nil || len(pubs) == 0 {
		t.Fatalf("Publishers %s: %v", rec["Publishers"], err)
	}
	var pubKeys []string
	for k := range pubs[0] {
		pubKeys = append(pubKeys, k)
	}
	slices.Sort(pubKeys)
	if diff := cmp.Diff([]string{"Protocol", "PublishedPort", "TargetPort", "URL"}, pubKeys); diff != "" {
		t.Errorf("Publishers keys (-want +got):\n%s", diff)
	}
}

func TestPsJSONEmptyPublishersIsArray(t *testing.T) {
	var out bytes.Buffer
	c := psContainer("shop-x-1", "x", "running", time.Second)
	if err := WritePsJSON(&out, []engine.Container{c}, PsOptions{Now: psNow}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"Publishers":[]`) {
		t.Errorf("ps json got %s, want \"Publishers\":[] as compose prints", out.String())
	}
}

func TestFilterPs(t *testing.T) {
	oneoff := psContainer("shop-run-1", "web", "running", time.Minute)
	oneoff.Labels[engine.LabelOneoff] = "True"
	all := []engine.Container{
		psContainer("shop-web-1", "web", "running", time.Minute),
		psContainer("shop-db-1", "db", "exited", time.Minute),
		psContainer("shop-cache-1", "cache", "paused", time.Minute),
		psContainer("shop-new-1", "new", "created", time.Minute),
		oneoff,
	}
	tests := []struct {
		name   string
		filter PsFilter
		want   []string
	}{
		{name: "running by default, sorted", want: []string{"shop-cache-1", "shop-web-1"}},
		{name: "all", filter: PsFilter{Stopped: true, OneOff: true}, want: []string{"shop-cache-1", "shop-db-1", "shop-new-1", "shop-run-1", "shop-web-1"}},
		{name: "stopped without one-offs", filter: PsFilter{Stopped: true}, want: []string{"shop-cache-1", "shop-db-1", "shop-new-1", "shop-web-1"}},
		{name: "status implies stopped", filter: PsFilter{Statuses: []string{"exited", "created"}}, want: []string{"shop-db-1", "shop-new-1"}},
		{name: "services", filter: PsFilter{Stopped: true, OneOff: true, Services: []string{"db", "web"}}, want: []string{"shop-db-1", "shop-run-1", "shop-web-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, c := range FilterPs(all, tt.filter) {
				got = append(got, c.Name)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("FilterPs(%+v) (-want +got):\n%s", tt.filter, diff)
			}
		})
	}
}

func TestPsServices(t *testing.T) {
	cs := FilterPs([]engine.Container{
		psContainer("shop-web-2", "web", "running", 0),
		psContainer("shop-db-1", "db", "running", 0),
		psContainer("shop-web-1", "web", "running", 0),
	}, PsFilter{})
	if diff := cmp.Diff([]string{"db", "web"}, PsServices(cs)); diff != "" {
		t.Errorf("PsServices (-want +got):\n%s", diff)
	}
}

func TestDisplayPorts(t *testing.T) {
	tests := []struct {
		name  string
		ports []engine.Port
		want  string
	}{
		{name: "none", want: ""},
		{name: "exposed", ports: []engine.Port{{ContainerPort: 80, Protocol: "tcp"}}, want: "80/tcp"},
		{name: "published", ports: []engine.Port{{HostIP: "127.0.0.1", HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}}, want: "127.0.0.1:8080->80/tcp"},
		{name: "ipv6 host", ports: []engine.Port{{HostIP: "::", HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}}, want: "[::]:8080->80/tcp"},
		{
			name: "exposed range collapses",
			ports: []engine.Port{
				{ContainerPort: 8002, Protocol: "tcp"}, {ContainerPort: 8000, Protocol: "tcp"}, {ContainerPort: 8001, Protocol: "tcp"},
				{ContainerPort: 9000, Protocol: "tcp"},
			},
			want: "8000-8002/tcp, 9000/tcp",
		},
		{
			name: "same number published range",
			ports: []engine.Port{
				{HostIP: "0.0.0.0", HostPort: 5000, ContainerPort: 5000, Protocol: "udp"},
				{HostIP: "0.0.0.0", HostPort: 5001, ContainerPort: 5001, Protocol: "udp"},
			},
			want: "0.0.0.0:5000-5001->5000-5001/udp",
		},
		{
			name: "mappings after groups",
			ports: []engine.Port{
				{HostIP: "0.0.0.0", HostPort: 8080, ContainerPort: 80, Protocol: "tcp"},
				{ContainerPort: 443, Protocol: "tcp"},
			},
			want: "443/tcp, 0.0.0.0:8080->80/tcp",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := displayPorts(tt.ports); got != tt.want {
				t.Errorf("displayPorts(%v) got %q, want %q", tt.ports, got, tt.want)
			}
		})
	}
}

// TestJoinLabelsDropsV1Config: the configuration early berth versions
// recorded holds environment values and is never printed.
func TestJoinLabelsDropsV1Config(t *testing.T) {
	got := joinLabels(map[string]string{engine.LabelBerthConfigV1: `{"environment":{"SECRET":"hunter2"}}`, "a": "b"})
	if got != "a=b" {
		t.Errorf("joinLabels(with %s) got %q, want %q", engine.LabelBerthConfigV1, got, "a=b")
	}
}
