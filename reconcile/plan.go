package reconcile

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/internal/subnet"
)

// Kind is what an action does. The values are stable: they appear in
// `--format json` output.
type Kind string

// Action kinds.
const (
	CreateNetwork   Kind = "create-network"
	CreateVolume    Kind = "create-volume"
	BuildImage      Kind = "build"
	CreateContainer Kind = "create"
	Recreate        Kind = "recreate"
	Start           Kind = "start"
	Stop            Kind = "stop"
	Restart         Kind = "restart"
	RemoveContainer Kind = "remove"
	RemoveNetwork   Kind = "remove-network"
	RemoveVolume    Kind = "remove-volume"
	RemoveImage     Kind = "remove-image"
	Kill            Kind = "kill"
	Pause           Kind = "pause"
	Unpause         Kind = "unpause"
	// DisconnectNetwork and ConnectNetwork move a container off a network
	// that is recreated, and back onto its replacement.
	DisconnectNetwork Kind = "disconnect-network"
	ConnectNetwork    Kind = "connect-network"
)

// Resource types a Ref can name.
const (
	RefNetwork   = "network"
	RefVolume    = "volume"
	RefImage     = "image"
	RefContainer = "container"
)

// Ref names the resource an action works on.
type Ref struct {
	Type    string `json:"type"`              // RefNetwork, RefVolume, RefImage or RefContainer
	Name    string `json:"name"`              // engine name, e.g. shop-web-1 or shop_default
	Service string `json:"service,omitempty"` // owning service, for containers and built images
	Number  int    `json:"number,omitempty"`  // container-number, for service containers
	ID      string `json:"id,omitempty"`      // engine ID of the existing resource, if any
}

// Reason explains an action. Reasons are for people (and `--format json`
// consumers) only: Apply never reads them.
type Reason struct {
	// Code is stable: new-service, scale-up, config-changed, env-changed,
	// image-changed, image-rebuilt, renamed, orphan, scale-down, duplicate,
	// parent-recreated, dependency-restarted, forced, stopped, missing,
	// build-requested, down, requested, network-changed, pull-policy,
	// refresh-due.
	Code string `json:"code"`
	// Field is the service field that changed, e.g. "environment.DB_HOST"
	// or "secrets.db_password". It never carries a value.
	Field string `json:"field,omitempty"`
	// Detail is one human sentence. Environment values, secret contents and
	// anything that may come from a .env file are never part of it: a new
	// command, entrypoint or label value is shown only when it contains
	// none of them.
	Detail string `json:"detail"`
}

// Action is one step of a plan.
type Action struct {
	Kind    Kind
	Target  Ref
	Reasons []Reason
	// After lists the indexes of actions that must finish before this one starts.
	After []int
	// Destructive is set when the action removes or replaces something that
	// holds state (a container, a volume, a network, an image), so that the
	// CLI can ask before applying.
	Destructive bool

	// op is what Apply needs to execute the action; it is never shown.
	op *op
}

// op is an action's payload. Apply reads only this (and Kind, Target, After).
type op struct {
	// service is the desired service, with service references unresolved:
	// Apply resolves them against the container IDs known at that moment.
	service *types.ServiceConfig
	// finalName is the container's name once a recreate is done.
	finalName string
	network   *engine.NetworkSpec
	volume    *engine.VolumeSpec
	build     *engine.BuildSpec
	image     string // image reference, for RemoveImage and to resolve the image ID at create
	timeout   *time.Duration
	// start makes a Recreate start the replacement.
	start bool
	// wasRunning is whether a Recreate's old container was running when
	// observed: a failed recreate starts it again only then.
	wasRunning bool
	// renewAnon drops the old container's anonymous volumes on recreate.
	renewAnon bool
	// removeVolumes removes a container's anonymous volumes with it.
	removeVolumes bool
	// waits are the depends_on conditions to honour before starting.
	waits []wait
	// signal is what a Kill sends, as engine.ParseSignal names it.
	signal string
	// networkName is the engine network a ConnectNetwork or
	// DisconnectNetwork acts on.
	networkName string
	// mustRemove makes a RemoveNetwork fail, rather than keep the network,
	// when containers outside the plan still use it: the network is
	// recreated next.
	mustRemove bool
	// onlyIf, when set, makes a Recreate or Restart conditional on what
	// the actions before it did; see [condition].
	onlyIf *condition

	// pull is a PullImage's payload.
	pull *pullOp
	// buildIfMissing makes a build a no-op when the pull before it brought
	// the image; set only on builds that back a pull.
	buildIfMissing bool
	// subnetPool, when set, is the pool a CreateNetwork picks the
	// network's subnet from.
	subnetPool *subnet.Pool
}

// condition is what a Recreate or Restart waits to learn before it acts:
// whether a build of this plan really changed the container's image, or a
// parent's conditional recreate really replaced its container. Planning
// cannot know either, as the build runs during Apply; Apply keeps the
// container when neither happened, as compose leaves an up-to-date
// container running after `up --build`.
type condition struct {
	// image is the reference the container runs, and imageID the ID it was
	// created from; the action goes ahead when the reference now resolves
	// to another ID. An empty image leaves only parents to decide.
	image, imageID string
	// parents are conditional actions: the action goes ahead when one of
	// them went ahead.
	parents []int
}

// wait is one depends_on condition a start has to honour.
type wait struct {
	service   string
	condition string
	required  bool
}

// Plan is an ordered list of actions, with what Apply needs to carry them out.
type Plan struct {
	Project string
	Actions []Action
	// Warnings are things the user should know that need no action, such as
	// orphan containers kept or a network whose configuration drifted.
	Warnings []string

	env *planEnv
}

// planEnv is the context Apply resolves references in.
type planEnv struct {
	project *types.Project
	// ids maps observed container names to their IDs.
	ids map[string]string
	// replicas maps a service to the names of its containers once the plan
	// is applied, lowest container-number first.
	replicas map[string][]string
	// externalNetworks and externalVolumes name the external resources the
	// plan's containers use; Apply checks they exist before anything else.
	externalNetworks []string
	externalVolumes  []string
	// dropState makes Apply remove the project's state directory once the
	// plan succeeded: set by PlanDown, after which no container uses it.
	dropState bool
	// keepGoing makes Apply run every action even after one failed, the
	// failed action counting as done for those after it: set by PlanDown,
	// so that one container that will not go, or a network dockerd will not
	// let go of, never keeps the rest of the project from being removed.
	// The failures are returned, joined, once everything has run.
	keepGoing bool
	// early holds the stops an up began before planning (see StopEarly).
	early *EarlyStops
	// labels are UpOptions.Labels, for the containers the plan creates.
	labels map[string]string
}

// Empty reports whether applying the plan would change nothing.
func (p Plan) Empty() bool { return len(p.Actions) == 0 }

// String renders the plan for people, deterministically: one line per
// action, its reasons indented below it, then the warnings.
func (p Plan) String() string {
	var b strings.Builder
	if p.Empty() {
		fmt.Fprintf(&b, "project %s: nothing to do\n", p.Project)
	} else {
		fmt.Fprintf(&b, "project %s: %d action%s\n", p.Project, len(p.Actions), plural(len(p.Actions)))
	}
	for i, a := range p.Actions {
		fmt.Fprintf(&b, "#%d %s %s %s", i, a.Kind, a.Target.Type, a.Target.Name)
		if len(a.After) > 0 {
			deps := make([]string, len(a.After))
			for j, d := range a.After {
				deps[j] = fmt.Sprintf("#%d", d)
			}
			fmt.Fprintf(&b, " after %s", strings.Join(deps, ","))
		}
		if a.Destructive {
			b.WriteString(" [destructive]")
		}
		b.WriteByte('\n')
		for _, r := range a.Reasons {
			fmt.Fprintf(&b, "    %s: %s\n", r.Code, r.Detail)
		}
	}
	for _, w := range p.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	return b.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// jsonAction and jsonPlan fix the field names of `--format json`; slices are
// never null so that consumers need no special case.
type jsonAction struct {
	Index       int      `json:"index"`
	Kind        Kind     `json:"kind"`
	Target      Ref      `json:"target"`
	Reasons     []Reason `json:"reasons"`
	After       []int    `json:"after"`
	Destructive bool     `json:"destructive"`
}

type jsonPlan struct {
	Project  string       `json:"project"`
	Actions  []jsonAction `json:"actions"`
	Warnings []string     `json:"warnings"`
}

// MarshalJSON renders the plan with stable field names for `--format json`.
func (p Plan) MarshalJSON() ([]byte, error) {
	out := jsonPlan{Project: p.Project, Actions: []jsonAction{}, Warnings: []string{}}
	out.Warnings = append(out.Warnings, p.Warnings...)
	for i, a := range p.Actions {
		ja := jsonAction{
			Index: i, Kind: a.Kind, Target: a.Target,
			Reasons: []Reason{}, After: []int{}, Destructive: a.Destructive,
		}
		ja.Reasons = append(ja.Reasons, a.Reasons...)
		ja.After = append(ja.After, a.After...)
		out.Actions = append(out.Actions, ja)
	}
	return json.Marshal(out)
}
