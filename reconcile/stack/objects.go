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
// docker writes it. A config's target has the same fields as a secret's.
func fileTarget(r types.FileReferenceConfig, dir string) swarmtypes.SecretReferenceFileTarget {
	t := swarmtypes.SecretReferenceFileTarget{Name: relativeTarget(r.Target, dir), UID: r.UID, GID: r.GID, Mode: 0o444}
	if t.Name == "" {
		t.Name = r.Source
	}
	if t.UID == "" {
		t.UID = "0"
	}
	if t.GID == "" {
		t.GID = "0"
	}
	if r.Mode != nil {
		t.Mode = os.FileMode(*r.Mode)
	}
	return t
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
	return fileRefs("secret", s.Secrets, names.secrets, secretsDir,
		func(name string, file swarmtypes.SecretReferenceFileTarget) *swarmtypes.SecretReference {
			return &swarmtypes.SecretReference{File: &file, SecretName: name}
		},
		func(r *swarmtypes.SecretReference) string { return r.SecretName })
}

func configRefs(s types.ServiceConfig, names objectNames) ([]*swarmtypes.ConfigReference, error) {
	return fileRefs("config", s.Configs, names.configs, configsDir,
		func(name string, file swarmtypes.SecretReferenceFileTarget) *swarmtypes.ConfigReference {
			return &swarmtypes.ConfigReference{File: (*swarmtypes.ConfigReferenceFileTarget)(&file), ConfigName: name}
		},
		func(r *swarmtypes.ConfigReference) string { return r.ConfigName })
}

// fileRefs resolves a service's references to secrets or configs (kind)
// to the stack's objects, whose names names has, each with the file
// target fileTarget gives it; ref makes one reference and object names
// its object, for sortRefs.
func fileRefs[C types.ServiceSecretConfig | types.ServiceConfigObjConfig, R any](kind string, in []C, names map[string]string, dir string,
	ref func(object string, file swarmtypes.SecretReferenceFileTarget) R, object func(R) string) ([]R, error) {
	var out []R
	for _, c := range in {
		r := types.FileReferenceConfig(c)
		name, ok := names[r.Source]
		if !ok {
			return nil, fmt.Errorf("%ss: undefined %s %q", kind, kind, r.Source)
		}
		out = append(out, ref(name, fileTarget(r, dir)))
	}
	sortRefs(out, object)
	return out, nil
}

// sortRefs orders references by object name, as `docker stack deploy`
// does, so that the order in the file never forces an update.
func sortRefs[T any](refs []T, name func(T) string) {
	slices.SortStableFunc(refs, func(a, b T) int { return strings.Compare(name(a), name(b)) })
}
