package fake

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/berth-dev/berth/engine"
)

var _ engine.Engine = (*Engine)(nil)

// Engine is an in-memory engine. Create one with [New]; the zero value is not
// usable. All state lives behind one mutex, so an Engine is safe for
// concurrent use. Set Hooks before the Engine is shared between goroutines.
type Engine struct {
	// Hooks inject failures: a non-nil hook runs before the method and a
	// non-nil error from it is returned without changing any state.
	Hooks Hooks

	mu          sync.Mutex
	now         func() time.Time
	startHealth func(engine.ContainerSpec) (string, []string)
	containers  map[string]*container // by ID
	networks    map[string]*engine.Network
	volumes     map[string]*volume // by name
	images      map[string]*engine.Image
	uses        map[string]int // "kind/name" → IDs derived so far, see newID
	calls       []Call
	exec        ExecFunc                        // see SetExec; nil plays the default process
	events      *eventLog                       // see Emit
	stats       map[string][]engine.StatsSample // see SetStats
	files       *files                          // see WriteFile

	// stale holds, by network ID, endpoints without a container.
	stale map[string][]engine.NetworkEndpoint

	// registry maps a normalized reference to what PullImage gets; see pull.go.
	registry map[string]registryImage
	// subnets maps a network ID to its IPAM subnets.
	subnets map[string][]netip.Prefix
}

// container is one container record. Fields are guarded by Engine.mu.
type container struct {
	c    engine.Container
	spec engine.ContainerSpec
	// done is closed when the container stops running; nil unless running.
	done           chan struct{}
	stdout, stderr string
	healthLog      []string
	// attached are closed when the container's run ends, for
	// AttachContainer's waits; stdin is what attached clients fed it.
	attached []chan struct{}
	stdin    string
}

type volume struct {
	v engine.Volume
	// anonymous volumes are removed with their container when asked to, and
	// taken over by a replacement container (ContainerSpec.InheritVolumesFrom).
	anonymous bool
}

// Builder seeds an Engine with state. Build it once.
type Builder struct {
	images     []engine.Image
	containers []engine.Container
	networks   []engine.Network
	volumes    []engine.Volume
	now        func() time.Time
	health     func(engine.ContainerSpec) (string, []string)
}

// New starts a Builder for an empty engine.
func New() *Builder { return &Builder{} }

// WithImage adds local images. An image without an ID gets one derived from
// its first tag.
func (b *Builder) WithImage(imgs ...engine.Image) *Builder {
	b.images = append(b.images, imgs...)
	return b
}

// WithContainer adds existing containers, for example ones "created by
// docker compose". A container without an ID gets one derived from its name;
// an empty State means "created". Its Spec holds only Name, Labels and the
// service's Image.
func (b *Builder) WithContainer(cs ...engine.Container) *Builder {
	b.containers = append(b.containers, cs...)
	return b
}

// WithNetwork adds existing networks. A network without an ID gets one
// derived from its name; an empty Driver means "bridge".
func (b *Builder) WithNetwork(ns ...engine.Network) *Builder {
	b.networks = append(b.networks, ns...)
	return b
}

// WithVolume adds existing volumes. An empty Driver means "local".
func (b *Builder) WithVolume(vs ...engine.Volume) *Builder {
	b.volumes = append(b.volumes, vs...)
	return b
}

// WithClock sets the clock that stamps Created. The default starts at
// 2026-01-01T00:00:00Z and advances one second per reading, so that creation
// order is visible and stable.
func (b *Builder) WithClock(now func() time.Time) *Builder {
	b.now = now
	return b
}

// WithStartHealth decides the health status, and the probe log, that a
// container with an enabled healthcheck reports as soon as it starts (by
// default "starting", until SetHealth). It lets a test make "db" healthy or
// unhealthy without a goroutine racing the code under test. It is called
// with the engine locked, so it must not call the Engine.
func (b *Builder) WithStartHealth(health func(spec engine.ContainerSpec) (status string, log []string)) *Builder {
	b.health = health
	return b
}

// Build returns the seeded Engine. It panics when the seed contradicts itself
// (two resources of one kind with the same name or ID): that is a bug in the
// test, not a state a daemon can be in.
func (b *Builder) Build() *Engine {
	f := &Engine{
		now:         b.now,
		startHealth: b.health,
		containers:  map[string]*container{},
		networks:    map[string]*engine.Network{},
		volumes:     map[string]*volume{},
		images:      map[string]*engine.Image{},
		uses:        map[string]int{},
	}
	if f.now == nil {
		f.now = steppingClock()
	}
	for _, img := range b.images {
		img = cloneImage(img)
		if img.ID == "" {
			first := ""
			if len(img.Tags) > 0 {
				first = img.Tags[0]
			}
			img.ID = "sha256:" + f.newID("image", first)
		}
		for i, t := range img.Tags {
			img.Tags[i] = normalizeRef(t)
		}
		if _, dup := f.images[img.ID]; dup {
			panic(fmt.Sprintf("fake: seeded image ID %s twice", img.ID))
		}
		f.images[img.ID] = &img
	}
	for _, n := range b.networks {
		n = cloneNetwork(n)
		n.Containers = nil // derived from the containers, see networkView
		if n.ID == "" {
			n.ID = f.newID("network", n.Name)
		}
		if n.Driver == "" {
			n.Driver = "bridge"
		}
		if f.networkByExactName(n.Name) != nil || f.networks[n.ID] != nil {
			panic(fmt.Sprintf("fake: seeded network %s (%s) twice", n.Name, n.ID))
		}
		f.networks[n.ID] = &n
	}
	for _, v := range b.volumes {
		v = cloneVolume(v)
		if v.Driver == "" {
			v.Driver = "local"
		}
		if f.volumes[v.Name] != nil {
			panic(fmt.Sprintf("fake: seeded volume %s twice", v.Name))
		}
		f.volumes[v.Name] = &volume{v: v, anonymous: anonymousName(v.Name)}
	}
	for _, c := range b.containers {
		c = cloneContainer(c)
		if c.ID == "" {
			c.ID = f.newID("container", c.Name)
		}
		if c.State == "" {
			c.State = stateCreated
		}
		if c.Created.IsZero() {
			c.Created = f.now()
		}
		if c.ImageID == "" {
			if img := f.findImageLocked(c.Image); img != nil {
				c.ImageID = img.ID
			}
		}
		if f.containerByExactName(c.Name) != nil || f.containers[c.ID] != nil {
			panic(fmt.Sprintf("fake: seeded container %s (%s) twice", c.Name, c.ID))
		}
		rec := &container{c: c, spec: engine.ContainerSpec{Name: c.Name, Labels: maps.Clone(c.Labels)}}
		rec.spec.Service.Image = c.Image
		if c.State == stateRunning || c.State == statePaused {
			rec.done = make(chan struct{})
		}
		f.containers[c.ID] = rec
	}
	return f
}

// steppingClock returns a deterministic clock that advances one second per
// reading. Callers hold Engine.mu, which serialises the readings.
func steppingClock() func() time.Time {
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time {
		t = t.Add(time.Second)
		return t
	}
}

// newID derives a 64-hex ID from the resource kind, its name and how often
// that name was used before. Deriving from the name rather than from a global
// counter keeps IDs stable when a test creates resources in parallel.
// Callers hold f.mu (or own f exclusively, as Build does).
func (f *Engine) newID(kind, name string) string {
	key := kind + "/" + name
	n := f.uses[key]
	f.uses[key] = n + 1
	sum := sha256.Sum256(fmt.Appendf(nil, "%s/%d", key, n))
	return hex.EncodeToString(sum[:])
}

// Call is one recorded method call: the method's name and its string
// arguments in order (IDs and names as passed, spec names for Create*, the
// tag for BuildImage, network then container for Connect/DisconnectNetwork).
type Call struct {
	Method string
	Args   []string
}

func (c Call) String() string { return fmt.Sprintf("%s%q", c.Method, c.Args) }

// Mutating reports whether the method changes engine state.
func (c Call) Mutating() bool {
	switch c.Method {
	case "CreateContainer", "StartContainer", "StopContainer", "RemoveContainer", "RenameContainer",
		"CreateNetwork", "RemoveNetwork", "ConnectNetwork", "DisconnectNetwork",
		"CreateVolume", "RemoveVolume", "RemoveImage", "BuildImage", "CopyToContainer",
		"KillContainer", "PauseContainer", "UnpauseContainer", "PullImage", "PushImage", "Exec":
		return true
	}
	return false
}

// Calls returns every call made so far, in the order they were made.
func (f *Engine) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// Mutations returns the calls that change state; a dry run must make none.
func (f *Engine) Mutations() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Call
	for _, c := range f.calls {
		if c.Mutating() {
			out = append(out, c)
		}
	}
	return out
}

// ResetCalls forgets the recorded calls, for tests that first bring the
// engine into a state and then assert on what a second step does.
func (f *Engine) ResetCalls() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = nil
}

func (f *Engine) record(method string, args ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, Call{Method: method, Args: args})
}

func cloneContainer(c engine.Container) engine.Container {
	c.Labels = maps.Clone(c.Labels)
	if c.Networks != nil {
		eps := make(map[string]engine.Endpoint, len(c.Networks))
		for k, ep := range c.Networks {
			ep.Aliases = slices.Clone(ep.Aliases)
			eps[k] = ep
		}
		c.Networks = eps
	}
	c.Ports = slices.Clone(c.Ports)
	c.Mounts = slices.Clone(c.Mounts)
	return c
}

func cloneNetwork(n engine.Network) engine.Network {
	n.Labels = maps.Clone(n.Labels)
	n.Containers = slices.Clone(n.Containers)
	return n
}

func cloneVolume(v engine.Volume) engine.Volume {
	v.Labels = maps.Clone(v.Labels)
	return v
}

func cloneImage(img engine.Image) engine.Image {
	img.Tags = slices.Clone(img.Tags)
	img.Digests = slices.Clone(img.Digests)
	img.Labels = maps.Clone(img.Labels)
	return img
}

// anonymousName reports whether a seeded volume's name looks like one Docker
// generated for an anonymous volume: 64 hex digits.
func anonymousName(name string) bool {
	if len(name) != 64 {
		return false
	}
	_, err := hex.DecodeString(name)
	return err == nil
}

// hasProject reports whether labels mark a resource as the project's; an
// empty project matches any project.
func hasProject(labels map[string]string, project string) bool {
	v, ok := labels[engine.LabelProject]
	return ok && (project == "" || v == project)
}
