package stack

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	swarmtypes "github.com/moby/moby/api/types/swarm"
)

// Object kinds, as plans name them.
const (
	kindSecret = "secret"
	kindConfig = "config"
)

// object is a secret or config a stack's services use. Its swarm name
// carries a hash of its content, "<project>_<key>-<hash8>": swarm objects
// are immutable, so a changed file makes a new object, the services that
// use it roll onto it, and the old one is removed once nothing refers to it.
type object struct {
	kind     string
	key      string // the compose key
	name     string // the swarm name
	labels   map[string]string
	data     []byte
	external bool
	// templating is the template driver, if any.
	templating string
}

// objectNames maps a secret's or config's compose key to the swarm name
// its references use.
type objectNames struct {
	secrets map[string]string
	configs map[string]string
}

// contentHash is the first 8 hex digits of the content's SHA-256: enough
// to tell versions of one object apart, short enough to read.
func contentHash(data []byte, templating string) string {
	h := sha256.New()
	h.Write([]byte(templating + "\x00"))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))[:8]
}

// fileObject reads a secret's or config's content from where the compose
// file says: a file, an environment variable or inline content.
func fileObject(p *types.Project, kind, key string, f types.FileObjectConfig) (object, error) {
	base := f.Name
	if base == "" {
		base = scope(p.Name, key)
	}
	o := object{kind: kind, key: key, external: bool(f.External), templating: f.TemplateDriver}
	if o.external {
		o.name = base
		return o, nil
	}
	switch {
	case f.Driver != "":
		return object{}, fmt.Errorf("%ss.%s: driver %s: berth names objects by their content and cannot read a driver's; create it with docker %s create and mark it external", kind, key, f.Driver, kind)
	case f.File != "":
		data, err := os.ReadFile(f.File)
		if err != nil {
			return object{}, fmt.Errorf("%ss.%s: %w", kind, key, err)
		}
		o.data = data
	case f.Environment != "":
		v, ok := p.Environment[f.Environment]
		if !ok {
			return object{}, fmt.Errorf("%ss.%s: environment variable %s is not set", kind, key, f.Environment)
		}
		o.data = []byte(v)
	default:
		o.data = []byte(f.Content)
	}
	o.labels = withNamespace(p.Name, f.Labels)
	o.name = base + "-" + contentHash(o.data, o.templating)
	return o, nil
}

// baseName is an object name without its content hash.
func baseName(name string) string {
	i := strings.LastIndexByte(name, '-')
	if i < 0 || len(name)-i-1 != 8 {
		return name
	}
	if _, err := hex.DecodeString(name[i+1:]); err != nil {
		return name
	}
	return name[:i]
}

func (o object) secretSpec() swarmtypes.SecretSpec {
	spec := swarmtypes.SecretSpec{Annotations: swarmtypes.Annotations{Name: o.name, Labels: o.labels}, Data: o.data}
	if o.templating != "" {
		spec.Templating = &swarmtypes.Driver{Name: o.templating}
	}
	return spec
}

func (o object) configSpec() swarmtypes.ConfigSpec {
	spec := swarmtypes.ConfigSpec{Annotations: swarmtypes.Annotations{Name: o.name, Labels: o.labels}, Data: o.data}
	if o.templating != "" {
		spec.Templating = &swarmtypes.Driver{Name: o.templating}
	}
	return spec
}

// fileTarget fills the defaults `docker stack deploy` gives a reference:
// the key as file name, root ownership, mode 0444. dir is where the swarm
// puts a relative target: a target right in it is written relative, as
// docker writes it.
func fileTarget(r types.FileReferenceConfig, dir string) (name, uid, gid string, mode os.FileMode) {
	name, uid, gid, mode = relativeTarget(r.Target, dir), r.UID, r.GID, 0o444
	if name == "" {
		name = r.Source
	}
	if uid == "" {
		uid = "0"
	}
	if gid == "" {
		gid = "0"
	}
	if r.Mode != nil {
		mode = os.FileMode(*r.Mode)
	}
	return name, uid, gid, mode
}

// Where the swarm mounts secrets and configs whose target is relative.
const (
	secretsDir = "/run/secrets/"
	configsDir = "/"
)

// relativeTarget strips dir from a target right in it: the loader makes
// targets absolute, `docker stack deploy` leaves them as the file has
// them, and the swarm reads both the same.
func relativeTarget(target, dir string) string {
	if rest, ok := strings.CutPrefix(target, dir); ok && rest != "" && !strings.Contains(rest, "/") {
		return rest
	}
	return target
}

func secretRefs(s types.ServiceConfig, names objectNames) ([]*swarmtypes.SecretReference, error) {
	var out []*swarmtypes.SecretReference
	for _, r := range s.Secrets {
		name, ok := names.secrets[r.Source]
		if !ok {
			return nil, fmt.Errorf("secrets: undefined secret %q", r.Source)
		}
		file, uid, gid, mode := fileTarget(types.FileReferenceConfig(r), secretsDir)
		out = append(out, &swarmtypes.SecretReference{
			File:       &swarmtypes.SecretReferenceFileTarget{Name: file, UID: uid, GID: gid, Mode: mode},
			SecretName: name,
		})
	}
	sortRefs(out, func(r *swarmtypes.SecretReference) string { return r.SecretName })
	return out, nil
}

func configRefs(s types.ServiceConfig, names objectNames) ([]*swarmtypes.ConfigReference, error) {
	var out []*swarmtypes.ConfigReference
	for _, r := range s.Configs {
		name, ok := names.configs[r.Source]
		if !ok {
			return nil, fmt.Errorf("configs: undefined config %q", r.Source)
		}
		file, uid, gid, mode := fileTarget(types.FileReferenceConfig(r), configsDir)
		out = append(out, &swarmtypes.ConfigReference{
			File:       &swarmtypes.ConfigReferenceFileTarget{Name: file, UID: uid, GID: gid, Mode: mode},
			ConfigName: name,
		})
	}
	sortRefs(out, func(r *swarmtypes.ConfigReference) string { return r.ConfigName })
	return out, nil
}

// sortRefs orders references by object name, as `docker stack deploy`
// does, so that the order in the file never forces an update.
func sortRefs[T any](refs []T, name func(T) string) {
	slices.SortStableFunc(refs, func(a, b T) int { return strings.Compare(name(a), name(b)) })
}
