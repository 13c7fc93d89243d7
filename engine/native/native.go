// Package native is a berth engine with no daemon: it runs containers with
// runc, an overlayfs root over the layers of engine/native/store, a Linux
// bridge per network (engine/native/netctl), an embedded DNS server per
// container (engine/native/resolver) and a small monitor process per
// container (engine/native/monitor) that holds its stdio, writes its log and
// applies its restart policy and healthcheck.
//
// # State
//
// Everything lives under one root directory (BERTH_ROOT, by default
// /var/lib/berth): a directory per container holding its record
// (container.json), its OCI bundle and what its monitor writes; a record
// per network and per volume; the image store; the init layer every
// container's root has above its image's (see initLayer); runc's own
// state. The engine keeps nothing in memory between calls: every call
// reads what exists from the root and the kernel, so that a berth killed
// at any point is followed by one whose calls converge, and several berth
// processes can share one root. Changes that must not race (a name
// taken, an address allocated) happen under a flock on <root>/lock, held
// for a few file writes only.
//
// # Monitors
//
// StartContainer runs `berth-monitor native-monitor DIR` (Options.Exe) in a
// session of its own (see engine/native/monitorproc), so that the container
// outlives the berth that started it; the monitor writes state.json, which
// is how every later call learns the container's state. A monitor links
// only the lean parts of the engine; to remove an auto-remove container it
// runs `berth native-teardown DIR` (Options.Berth, see AutoRemove).
package native

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/native/monitor"
	"github.com/berth-dev/berth/engine/native/monitorproc"
	"github.com/berth-dev/berth/engine/native/netctl"
	"github.com/berth-dev/berth/engine/native/store"
)

// DefaultRoot is where the engine keeps its state unless BERTH_ROOT says
// otherwise.
const DefaultRoot = "/var/lib/berth"

// MonitorCommand is the command a monitor runs as: `EXE native-monitor
// DIR`.
const MonitorCommand = monitorproc.Command

// Options configure an Engine.
type Options struct {
	// Root is the state directory; "" is DefaultRoot.
	Root string
	// Runc is the OCI runtime binary; "" looks runc up in PATH.
	Runc string
	// Exe is the executable that runs monitors as `Exe native-monitor
	// DIR` (monitorproc.Main): berth-monitor, or berth itself, which also
	// serves that command; "" is berth's own executable.
	Exe string
	// Berth is the berth executable a monitor runs as `Berth
	// native-teardown DIR` to remove an auto-remove container (see
	// AutoRemove); "" is berth's own executable.
	Berth string
	// Keychain resolves registry credentials; nil is authn.DefaultKeychain.
	Keychain authn.Keychain
}

// OptionsFromEnv reads the engine's settings from berth's environment map:
// BERTH_ROOT and BERTH_RUNC.
func OptionsFromEnv(environ map[string]string) Options {
	return Options{Root: environ["BERTH_ROOT"], Runc: environ["BERTH_RUNC"]}
}

// Engine is the native engine. Its methods may be called concurrently.
type Engine struct {
	root  string
	exe   string // runs monitors (Options.Exe)
	berth string // removes auto-remove containers (Options.Berth)
	runc  monitor.Runc
	kc    authn.Keychain
	// cgroup2 is whether /sys/fs/cgroup is the unified hierarchy, which
	// gives containers a cgroup namespace by default (privateCgroupNS).
	cgroup2 bool
	store   *store.Store
	// mu orders this process's own record changes before the flock,
	// which orders them across processes.
	mu sync.Mutex
	// bridges are the bridges this process has set up.
	bridges bridges
	// claims caches the names, ports and addresses of the records.
	claims claims
	// reaper reaps the monitors this process started.
	reaper monitorReaper
	// unbridged are the host ends of the veth pairs this process left to
	// the kernel to delete (see teardown), for Close to wait for.
	unbridged struct {
		sync.Mutex
		names []string
	}
}

var _ engine.Engine = (*Engine)(nil)

// New opens (creating if needed) the state directory and checks that
// what the engine needs is there: root, and runc.
func New(opts Options) (*Engine, error) {
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("--engine native: needs root (it mounts overlayfs, creates network namespaces and bridges): run berth as root, or use --engine docker: %w", engine.ErrUnsupported)
	}
	root := opts.Root
	if root == "" {
		root = DefaultRoot
	}
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("native engine: state directory %s: %w", opts.Root, err)
	}
	runc := opts.Runc
	if runc == "" {
		if runc, err = exec.LookPath("runc"); err != nil {
			return nil, fmt.Errorf("native engine: runc not found in PATH: install it (apt-get install runc) or set BERTH_RUNC to its path: %w", err)
		}
	}
	exe, berth := opts.Exe, opts.Berth
	if exe == "" || berth == "" {
		self, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("native engine: find berth's own executable to run monitors: %w", err)
		}
		exe, berth = cmp.Or(exe, self), cmp.Or(berth, self)
	}
	for _, d := range []string{"containers", "networks", "volumes", "netns", "runc", "images"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o711); err != nil {
			return nil, fmt.Errorf("native engine: create state directory: %w (BERTH_ROOT chooses another)", err)
		}
	}
	// Each holds a directory a container (ours, runc's): see spreadSubdirs.
	spreadSubdirs(filepath.Join(root, "containers"))
	spreadSubdirs(filepath.Join(root, "runc"))
	st, err := store.Open(filepath.Join(root, "images"))
	if err != nil {
		return nil, fmt.Errorf("native engine: open the image store: %w", err)
	}
	kc := opts.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	return &Engine{
		root:    root,
		exe:     exe,
		berth:   berth,
		runc:    monitor.Runc{Path: runc, Root: filepath.Join(root, "runc")},
		kc:      kc,
		store:   st,
		cgroup2: unifiedCgroups("/sys/fs/cgroup"),
	}, nil
}

// unbridgedWait bounds Close's wait for the veth pairs of removed
// containers: tens of ms, unless a process still holds a namespace (a
// container that joined it with network_mode), in which case its pair
// goes when that process does.
const unbridgedWait = time.Second

// Close holds no connection to release: it waits for the veth pairs of
// the containers this process removed to be gone (see teardown), so that
// a berth that exits has left none behind.
func (e *Engine) Close() error {
	e.unbridged.Lock()
	names := e.unbridged.names
	e.unbridged.names = nil
	e.unbridged.Unlock()
	netctl.WaitGone(names, unbridgedWait)
	return nil
}

// Root is the engine's state directory.
func (e *Engine) Root() string { return e.root }

func (e *Engine) containerDir(id string) string { return filepath.Join(e.root, "containers", id) }
func (e *Engine) netnsPath(id string) string    { return filepath.Join(e.root, "netns", id) }
func (e *Engine) networkPath(id string) string  { return filepath.Join(e.root, "networks", id+".json") }
func (e *Engine) volumeDir(name string) string  { return filepath.Join(e.root, "volumes", name) }

// locked runs fn holding the engine's lock: this process's mutex, then an
// exclusive flock on <root>/lock, which the kernel releases however the
// process ends.
func (e *Engine) locked(fn func() error) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	f, err := os.OpenFile(filepath.Join(e.root, "lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("native engine: lock the state directory: %w", err)
	}
	defer f.Close()
	if err := flockRetry(f, unix.LOCK_EX); err != nil {
		return fmt.Errorf("native engine: lock the state directory: %w", err)
	}
	return fn()
}

// newID returns 64 random lowercase hex digits, as docker's IDs.
func newID() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// writeJSON writes v to path atomically: a reader sees the old file or
// the new one, never a part.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(path, b, 0o644)
}

func writeFile(path string, b []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// shortID is the first 12 digits of an ID, for messages.
func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
