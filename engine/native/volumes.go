package native

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/berth-dev/berth/engine"
)

// volume is a volume's record, volumes/<name>/volume.json; its data is
// the _data directory beside it, or Device for a bind volume
// (driver_opts type: none, o: bind).
type volume struct {
	Name    string
	Labels  map[string]string
	Options map[string]string `json:",omitempty"`
	Device  string            `json:",omitempty"`
	Created time.Time
}

// validVolumeName is docker's rule, [a-zA-Z0-9][a-zA-Z0-9_.-]*; it also
// keeps a name inside the volumes directory. A loop rather than a package
// regexp: every berth process, whatever its engine, would compile that
// regexp at start and fault in this package's code to do it.
func validVolumeName(name string) bool {
	for i, c := range []byte(name) {
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && (i == 0 || c != '_' && c != '.' && c != '-') {
			return false
		}
	}
	return name != ""
}

func (e *Engine) readVolume(name string) (*volume, error) {
	if !validVolumeName(name) {
		return nil, fmt.Errorf("volume %q not found: %w", name, engine.ErrNotFound)
	}
	var v volume
	if err := readJSON(filepath.Join(e.volumeDir(name), "volume.json"), &v); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("volume %s not found: %w", name, engine.ErrNotFound)
		}
		return nil, fmt.Errorf("read volume %s: %w", name, err)
	}
	return &v, nil
}

// mountpoint is where the volume's data is on the host.
func (e *Engine) mountpoint(v *volume) string {
	if v.Device != "" {
		return v.Device
	}
	return filepath.Join(e.volumeDir(v.Name), "_data")
}

func (e *Engine) volumeView(v *volume) engine.Volume {
	return engine.Volume{Name: v.Name, Driver: "local", Labels: v.Labels, Mountpoint: e.mountpoint(v), Scope: "local"}
}

func (e *Engine) listVolumes(keep func(*volume) bool) ([]engine.Volume, error) {
	entries, err := os.ReadDir(filepath.Join(e.root, "volumes"))
	if err != nil {
		return nil, fmt.Errorf("list volumes: %w", err)
	}
	out := []engine.Volume{}
	for _, ent := range entries {
		v, err := e.readVolume(ent.Name())
		if errors.Is(err, engine.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if keep(v) {
			out = append(out, e.volumeView(v))
		}
	}
	return out, nil
}

// Volumes lists the project's volumes.
func (e *Engine) Volumes(ctx context.Context, project string) ([]engine.Volume, error) {
	return e.listVolumes(func(v *volume) bool { return v.Labels[engine.LabelProject] == project })
}

// ProjectVolumes lists every project's volumes.
func (e *Engine) ProjectVolumes(ctx context.Context) ([]engine.Volume, error) {
	return e.listVolumes(func(v *volume) bool { _, ok := v.Labels[engine.LabelProject]; return ok })
}

// InspectVolume finds a volume by name.
func (e *Engine) InspectVolume(ctx context.Context, name string) (engine.Volume, error) {
	v, err := e.readVolume(name)
	if err != nil {
		return engine.Volume{}, err
	}
	return e.volumeView(v), nil
}

// CreateVolume makes the volume's directory and record; a volume that
// exists is kept as is, as docker does.
func (e *Engine) CreateVolume(ctx context.Context, spec engine.VolumeSpec) error {
	_, err := e.ensureVolume(spec.Name, spec.Config.Driver, spec.Config.DriverOpts, spec.Labels)
	return err
}

// ensureVolume returns volume name, creating it if absent.
func (e *Engine) ensureVolume(name, driver string, opts, labels map[string]string) (*volume, error) {
	op := "create volume " + name
	if !validVolumeName(name) {
		return nil, fmt.Errorf("%s: invalid name: use letters, digits, _, . and -, starting with a letter or digit", op)
	}
	if driver != "" && driver != "local" {
		return nil, fmt.Errorf("%s: driver %q is %w on the native engine, which has local volumes only: use --engine docker", op, driver, engine.ErrUnsupported)
	}
	v := &volume{Name: name, Labels: labels, Options: opts, Created: time.Now().UTC()}
	if len(opts) > 0 {
		// The one local-driver form the engine can honour: a bind.
		if opts["type"] != "none" || opts["o"] != "bind" || opts["device"] == "" || len(opts) != 3 {
			return nil, fmt.Errorf("%s: driver_opts %v are %w on the native engine: only type: none, o: bind, device: PATH", op, opts, engine.ErrUnsupported)
		}
		if _, err := os.Stat(opts["device"]); err != nil {
			return nil, fmt.Errorf("%s: device: %w", op, err)
		}
		v.Device = opts["device"]
	}
	var out *volume
	err := e.locked(func() error {
		if old, err := e.readVolume(name); err == nil {
			out = old
			return nil
		}
		if err := os.MkdirAll(filepath.Join(e.volumeDir(name), "_data"), 0o755); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		if err := writeJSON(filepath.Join(e.volumeDir(name), "volume.json"), v); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		out = v
		return nil
	})
	return out, err
}

// RemoveVolume deletes a volume and its data; one a container mounts is
// refused.
func (e *Engine) RemoveVolume(ctx context.Context, name string) error {
	return e.locked(func() error {
		if _, err := e.readVolume(name); err != nil {
			return fmt.Errorf("remove volume %s: %w", name, err)
		}
		cs, err := e.allContainers()
		if err != nil {
			return err
		}
		for _, c := range cs {
			if slices.ContainsFunc(c.Reported, func(m engine.Mount) bool { return m.Type == "volume" && m.Name == name }) {
				return fmt.Errorf("remove volume %s: container %s uses it: remove the container first: %w", name, c.Name, engine.ErrConflict)
			}
		}
		// The record goes first: a removal cut short leaves data no list
		// shows rather than a record whose data is half gone.
		if err := os.Remove(filepath.Join(e.volumeDir(name), "volume.json")); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove volume %s: %w", name, err)
		}
		if err := os.RemoveAll(e.volumeDir(name)); err != nil {
			return fmt.Errorf("remove volume %s: %w", name, err)
		}
		return nil
	})
}
