package planner

import (
	"cmp"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// EdgeKind names the Compose attribute an edge comes from.
type EdgeKind string

// The attributes that make one service depend on another.
const (
	KindDependsOn   EdgeKind = "depends_on"
	KindLinks       EdgeKind = "links"
	KindNetworkMode EdgeKind = "network_mode"
	KindPid         EdgeKind = "pid"
	KindIpc         EdgeKind = "ipc"
	KindVolumesFrom EdgeKind = "volumes_from"
)

// Edge says that service From depends on service To.
type Edge struct {
	From, To string
	Kind     EdgeKind
	// Condition is what From waits for: types.ServiceConditionStarted,
	// ServiceConditionHealthy or ServiceConditionCompletedSuccessfully.
	// Edges other than depends_on always wait for service_started.
	Condition string
	// Required is false only for depends_on with required: false.
	Required bool
	// Restart is depends_on's restart: true. Implicit edges use the value the
	// compose-go loader infers for them (true for links and shared
	// namespaces, false for volumes_from), so a project built by hand plans
	// the same as a loaded one.
	Restart bool
}

// edgesOf lists the edges of one service, sorted by To then Kind, with
// duplicates (links: [db, "db:alias"]) folded into one.
func edgesOf(name string, s types.ServiceConfig) []Edge {
	var edges []Edge
	implicit := func(kind EdgeKind, to string, restart bool) {
		edges = append(edges, Edge{
			From: name, To: to, Kind: kind,
			Condition: types.ServiceConditionStarted,
			Required:  true,
			Restart:   restart,
		})
	}

	for to, dep := range s.DependsOn {
		cond := dep.Condition
		if cond == "" {
			cond = types.ServiceConditionStarted
		}
		edges = append(edges, Edge{
			From: name, To: to, Kind: KindDependsOn,
			Condition: cond, Required: dep.Required, Restart: dep.Restart,
		})
	}
	for _, link := range s.Links {
		// "svc:alias": the alias is only a host name inside the container.
		to, _, _ := strings.Cut(link, ":")
		implicit(KindLinks, to, true)
	}
	namespaces := []struct {
		kind EdgeKind
		mode string
	}{{KindNetworkMode, s.NetworkMode}, {KindPid, s.Pid}, {KindIpc, s.Ipc}}
	for _, ns := range namespaces {
		if to, ok := strings.CutPrefix(ns.mode, types.ServicePrefix); ok {
			implicit(ns.kind, to, true)
		}
	}
	for _, vf := range s.VolumesFrom {
		// "container:NAME" shares volumes with a container outside the
		// project, which orders nothing.
		if strings.HasPrefix(vf, types.ContainerPrefix) {
			continue
		}
		to, _, _ := strings.Cut(vf, ":") // "db:ro" / "db:rw"
		implicit(KindVolumesFrom, to, false)
	}

	slices.SortFunc(edges, compareEdges)
	return slices.CompactFunc(edges, func(a, b Edge) bool {
		return a.To == b.To && a.Kind == b.Kind
	})
}

func compareEdges(a, b Edge) int {
	return cmp.Or(cmp.Compare(a.To, b.To), cmp.Compare(a.Kind, b.Kind))
}
