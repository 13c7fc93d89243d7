package ui

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/docker/go-units"

	"github.com/berth-dev/berth/engine"
)

// PsFilter selects containers for ps and logs. The zero value keeps what
// `docker ps` lists: running, paused and restarting service containers.
type PsFilter struct {
	// Stopped also keeps created, exited and dead containers.
	Stopped bool
	// OneOff also keeps one-off containers (from `run`).
	OneOff bool
	// Statuses keeps only containers in one of these states (--status,
	// --filter status=); giving any implies Stopped, as in compose.
	Statuses []string
	// Services keeps only containers of these services; empty keeps all.
	Services []string
}

// FilterPs applies f to containers from one list call and sorts the result
// by name.
func FilterPs(containers []engine.Container, f PsFilter) []engine.Container {
	stopped := f.Stopped || len(f.Statuses) > 0
	var out []engine.Container
	for _, c := range containers {
		if !f.OneOff && c.Labels[engine.LabelOneoff] == "True" {
			continue
		}
		if !stopped && !listedByDefault(c.State) {
			continue
		}
		if len(f.Statuses) > 0 && !slices.Contains(f.Statuses, c.State) {
			continue
		}
		if len(f.Services) > 0 && !slices.Contains(f.Services, c.Labels[engine.LabelService]) {
			continue
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b engine.Container) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// listedByDefault mirrors the engine's own "running" list filter, which
// keeps paused and restarting containers too.
func listedByDefault(state string) bool {
	return state == "running" || state == "paused" || state == "restarting"
}

// PsServices returns the services of containers, once each, in the order
// they first appear (for ps --services).
func PsServices(containers []engine.Container) []string {
	var out []string
	for _, c := range containers {
		if s := c.Labels[engine.LabelService]; !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// PsOptions carry what formatting needs from outside: the time, so that
// "5 minutes ago" is testable, and the zone CreatedAt is printed in.
type PsOptions struct {
	Now      time.Time
	Location *time.Location // nil means time.Local
}

// WritePsTable writes compose's default ps table.
func WritePsTable(w io.Writer, containers []engine.Container, opts PsOptions) error {
	// docker's formatter uses these tabwriter settings; matching them keeps
	// columns where scripts that cut them expect.
	// The tabwriter writes each cell on its own; a buffer makes that one
	// write to a pipe or terminal instead of several per container.
	bw := bufio.NewWriter(w)
	tw := tabwriter.NewWriter(bw, 10, 1, 3, ' ', 0)
	fmt.Fprintln(tw, "NAME\tIMAGE\tCOMMAND\tSERVICE\tCREATED\tSTATUS\tPORTS")
	for _, c := range containers {
		r := newPsRecord(c, opts)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.Image, r.Command, r.Service, r.RunningFor, r.Status, r.Ports)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write ps table: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write ps table: %w", err)
	}
	return nil
}

// WritePsJSON writes one JSON object per container per line, as docker
// compose v2.21 and later do for ps --format json.
func WritePsJSON(w io.Writer, containers []engine.Container, opts PsOptions) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, c := range containers {
		if err := enc.Encode(newPsRecord(c, opts)); err != nil {
			return fmt.Errorf("write ps json for %s: %w", c.Name, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write ps json: %w", err)
	}
	return nil
}

// psRecord is one ps --format json object. Field names and their
// alphabetical order are those of docker compose, which marshals every
// getter of its formatter into a map. Values are formatted as compose's
// truncating defaults do (short ID, command cut at 20 characters).
type psRecord struct {
	Command      string
	CreatedAt    string
	Engine       string
	ExitCode     int
	Health       string
	ID           string
	Image        string
	Labels       string
	LocalVolumes string
	Mounts       string
	Name         string
	Names        string
	Networks     string
	Ports        string
	Project      string
	Publishers   []psPublisher
	RunningFor   string
	Service      string
	Size         string
	State        string
	Status       string
}

type psPublisher struct {
	URL           string
	TargetPort    int
	PublishedPort int
	Protocol      string
}

// engineLabel is compose's com.docker.compose.engine, shown in the Engine field.
const engineLabel = "com.docker.compose.engine"

func newPsRecord(c engine.Container, opts PsOptions) psRecord {
	loc := opts.Location
	if loc == nil {
		loc = time.Local
	}
	created := time.Unix(c.Created.Unix(), 0)
	r := psRecord{
		Command:      strconv.Quote(ellipsis(c.Command, 20)),
		CreatedAt:    created.In(loc).String(),
		Engine:       c.Labels[engineLabel],
		ID:           truncateID(c.ID),
		Image:        c.Image,
		Labels:       joinLabels(c.Labels),
		LocalVolumes: "0",
		Name:         c.Name,
		Names:        c.Name,
		Ports:        displayPorts(c.Ports),
		Project:      c.Labels[engine.LabelProject],
		Publishers:   publishers(c.Ports),
		RunningFor:   units.HumanDuration(opts.Now.UTC().Sub(created)) + " ago",
		Service:      c.Labels[engine.LabelService],
		// A list call does not compute sizes; compose prints 0B then too.
		Size:   units.HumanSizeWithPrecision(0, 3),
		State:  c.State,
		Status: c.Status,
	}
	// Compose reports health only while running and an exit code only once
	// stopped, since the engine keeps stale values otherwise.
	switch c.State {
	case "running":
		r.Health = c.Health
	case "exited", "dead":
		r.ExitCode = c.ExitCode
	}
	var mounts []string
	local := 0
	for _, m := range c.Mounts {
		name := m.Name
		if name == "" {
			name = m.Source
		}
		// engine.Mount does not carry the driver; every volume counts as
		// local, which is what berth creates.
		if m.Type == "volume" {
			local++
		}
		mounts = append(mounts, ellipsis(name, 15))
	}
	r.Mounts = strings.Join(mounts, ",")
	r.LocalVolumes = strconv.Itoa(local)
	nets := make([]string, 0, len(c.Networks))
	for n := range c.Networks {
		nets = append(nets, n)
	}
	slices.Sort(nets)
	r.Networks = strings.Join(nets, ",")
	return r
}

// truncateID shortens an ID to docker's 12 characters, dropping an
// algorithm prefix such as "sha256:".
func truncateID(id string) string {
	if _, after, ok := strings.Cut(id, ":"); ok {
		id = after
	}
	if len(id) > 12 {
		id = id[:12]
	}
	return id
}

// joinLabels renders labels as compose does, but sorted so output is stable.
// The configuration early berth versions recorded is left out: it holds
// environment values.
func joinLabels(labels map[string]string) string {
	kv := make([]string, 0, len(labels))
	for k, v := range labels {
		if k == engine.LabelBerthConfigV1 {
			continue
		}
		kv = append(kv, k+"="+v)
	}
	slices.Sort(kv)
	return strings.Join(kv, ",")
}

func sortPorts(ports []engine.Port) []engine.Port {
	return slices.SortedFunc(slices.Values(ports), func(a, b engine.Port) int {
		return cmp.Or(
			cmp.Compare(a.ContainerPort, b.ContainerPort),
			cmp.Compare(a.HostIP, b.HostIP),
			cmp.Compare(a.HostPort, b.HostPort),
			cmp.Compare(a.Protocol, b.Protocol),
		)
	})
}

func publishers(ports []engine.Port) []psPublisher {
	out := make([]psPublisher, 0, len(ports))
	for _, p := range sortPorts(ports) {
		out = append(out, psPublisher{URL: p.HostIP, TargetPort: int(p.ContainerPort), PublishedPort: int(p.HostPort), Protocol: p.Protocol})
	}
	return out
}

// displayPorts renders ports as docker ps does: consecutive ports that are
// only exposed, or published on the same number, collapse into ranges
// ("8000-8002/tcp"); other mappings follow as "127.0.0.1:8080->80/tcp".
func displayPorts(ports []engine.Port) string {
	type group struct {
		ip, proto   string
		first, last uint16
	}
	var groups []*group
	open := map[string]*group{}
	var rendered, mappings []string
	render := func(g *group) string {
		span := strconv.Itoa(int(g.first))
		if g.last != g.first {
			span += "-" + strconv.Itoa(int(g.last))
		}
		if g.ip != "" {
			return net.JoinHostPort(g.ip, span) + "->" + span + "/" + g.proto
		}
		return span + "/" + g.proto
	}
	for _, p := range sortPorts(ports) {
		if p.HostIP != "" && p.HostPort != p.ContainerPort {
			mappings = append(mappings, fmt.Sprintf("%s->%d/%s", net.JoinHostPort(p.HostIP, strconv.Itoa(int(p.HostPort))), p.ContainerPort, p.Protocol))
			continue
		}
		key := p.HostIP + "/" + p.Protocol
		g := open[key]
		switch {
		case g == nil:
			g = &group{ip: p.HostIP, proto: p.Protocol, first: p.ContainerPort, last: p.ContainerPort}
			open[key] = g
			groups = append(groups, g)
		case p.ContainerPort == g.last+1:
			g.last = p.ContainerPort
		default:
			rendered = append(rendered, render(g))
			ng := &group{ip: p.HostIP, proto: p.Protocol, first: p.ContainerPort, last: p.ContainerPort}
			open[key] = ng
			groups[slices.Index(groups, g)] = ng
		}
	}
	for _, g := range groups {
		rendered = append(rendered, render(g))
	}
	return strings.Join(append(rendered, mappings...), ", ")
}
