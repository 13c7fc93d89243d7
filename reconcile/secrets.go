package reconcile

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// Kinds of file reference, as compose names them in its messages.
const (
	kindSecret = "secret"
	kindConfig = "config"
)

// fileMount is one secret or config reference of a service, resolved to
// the read-only bind mount that implements it. docker compose (outside
// swarm) bind-mounts file: sources and copies environment:/content: ones
// into the container after create; berth writes the latter to a private
// state directory instead and bind-mounts them too, which needs nothing
// from the engine beyond a bind mount.
type fileMount struct {
	kind   string // kindSecret or kindConfig
	source string // key under the project's top-level secrets: or configs:
	target string // absolute path in the container
	// host is the host path bound at target: the declared file, or, for an
	// inline source, the file Apply writes under the state directory.
	host string
	// inline marks environment: and content: sources; content is what Apply
	// writes to host. It is never shown, logged or put in an error.
	inline  bool
	content string
	// mode, uid and gid apply to inline sources only; -1 leaves the owner
	// as is. For a file source the file is bound as it is, as compose does.
	mode     fs.FileMode
	uid, gid int
	// ownership records that the reference asked for uid, gid or mode, so
	// that PlanUp can warn when they cannot apply (file sources).
	ownership bool
}

// fileMounts resolves a service's secrets, then its configs, in the order
// they are declared. dir is the project's state directory, where inline
// sources are written; it only shapes fileMount.host. It reads nothing:
// a missing file is PlanUp's check.
//
// Errors name the service and the secret, never a value.
func fileMounts(p *types.Project, s types.ServiceConfig, dir string) ([]fileMount, error) {
	var out []fileMount
	var errs []error
	refs := make([]types.FileReferenceConfig, 0, len(s.Secrets)+len(s.Configs))
	kinds := make([]string, 0, cap(refs))
	for _, r := range s.Secrets {
		refs, kinds = append(refs, types.FileReferenceConfig(r)), append(kinds, kindSecret)
	}
	for _, r := range s.Configs {
		refs, kinds = append(refs, types.FileReferenceConfig(r)), append(kinds, kindConfig)
	}
	seen := map[string]int{} // kind/source -> references so far, to keep host paths apart
	for i, ref := range refs {
		kind := kinds[i]
		def, ok := fileObject(p, kind, ref.Source)
		if !ok {
			errs = append(errs, fmt.Errorf("service %s: %s %q is not declared under the top-level %ss: key; declare it or remove the reference",
				s.Name, kind, ref.Source, kind))
			continue
		}
		m, err := resolveFileMount(p, s.Name, kind, ref, def)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if m.inline {
			name := ref.Source
			if n := seen[kind+"/"+ref.Source]; n > 0 {
				name += "." + strconv.Itoa(n)
			}
			seen[kind+"/"+ref.Source]++
			m.host = filepath.Join(dir, s.Name, kind+"s", name)
		}
		out = append(out, m)
	}
	return out, errors.Join(errs...)
}

func fileObject(p *types.Project, kind, source string) (types.FileObjectConfig, bool) {
	if kind == kindSecret {
		d, ok := p.Secrets[source]
		return types.FileObjectConfig(d), ok
	}
	d, ok := p.Configs[source]
	return types.FileObjectConfig(d), ok
}

// resolveFileMount resolves one reference against its top-level definition
// the way compose's buildContainerSecretMounts/buildContainerConfigMounts
// and injectFileReferences do.
func resolveFileMount(p *types.Project, service, kind string, ref types.FileReferenceConfig, def types.FileObjectConfig) (fileMount, error) {
	where := fmt.Sprintf("service %s: %s %s", service, kind, ref.Source)
	switch {
	case bool(def.External):
		return fileMount{}, fmt.Errorf("%s is external, which only swarm supports; declare it with file: or environment: instead", where)
	case def.Driver != "":
		return fileMount{}, fmt.Errorf("%s sets driver, which only swarm supports; remove %ss.%s.driver", where, kind, ref.Source)
	case def.TemplateDriver != "":
		return fileMount{}, fmt.Errorf("%s sets template_driver, which only swarm supports; remove %ss.%s.template_driver", where, kind, ref.Source)
	}
	m := fileMount{kind: kind, source: ref.Source, target: fileTarget(kind, ref), host: def.File,
		mode: 0o444, uid: -1, gid: -1, ownership: ref.UID != "" || ref.GID != "" || ref.Mode != nil}
	switch {
	case def.Content != "":
		m.inline, m.content = true, def.Content
	case def.Environment != "":
		// compose-go copies the variable into Content while loading; an
		// empty Content is either an empty variable or an unset one.
		v, ok := p.Environment[def.Environment]
		if !ok {
			return fileMount{}, fmt.Errorf("%s: environment variable %s is not set; set it in the environment or the .env file", where, def.Environment)
		}
		m.inline, m.content = true, v
	case def.File == "":
		return fileMount{}, fmt.Errorf("%s declares no source; give %ss.%s a file: or environment: key", where, kind, ref.Source)
	}
	if !m.inline {
		return m, nil
	}
	if ref.Mode != nil {
		m.mode = fs.FileMode(*ref.Mode) & fs.ModePerm
	}
	var err error
	if m.uid, err = ownerID(ref.UID); err != nil {
		return fileMount{}, fmt.Errorf("%s: uid %q is not a number; use a numeric user id", where, ref.UID)
	}
	if m.gid, err = ownerID(ref.GID); err != nil {
		return fileMount{}, fmt.Errorf("%s: gid %q is not a number; use a numeric group id", where, ref.GID)
	}
	return m, nil
}

// fileTarget is where compose mounts a reference: secrets under
// /run/secrets/, configs under /, unless the target is absolute.
func fileTarget(kind string, ref types.FileReferenceConfig) string {
	base := "/"
	if kind == kindSecret {
		base = "/run/secrets/"
	}
	switch t := ref.Target; {
	case t == "":
		return base + ref.Source
	case strings.HasPrefix(t, "/") || filepath.IsAbs(t):
		return t
	default:
		return base + t
	}
}

func ownerID(s string) (int, error) {
	if s == "" {
		return -1, nil
	}
	return strconv.Atoi(s)
}

// withFileMounts adds the mounts to the service's volumes, read-only, and
// drops the secret and config references they replace. A volume already
// at a target wins, then secrets win over configs, as in compose's
// fillBindMounts. The bind never creates a missing host path: a missing
// secret must fail the create, not turn into an empty directory.
func withFileMounts(s types.ServiceConfig, mounts []fileMount) types.ServiceConfig {
	taken := map[string]bool{}
	for _, v := range s.Volumes {
		taken[v.Target] = true
	}
	for _, m := range mounts {
		if taken[m.target] {
			continue
		}
		taken[m.target] = true
		s.Volumes = append(s.Volumes, types.ServiceVolumeConfig{
			Type:     types.VolumeTypeBind,
			Source:   m.host,
			Target:   m.target,
			ReadOnly: true,
			Bind:     &types.ServiceVolumeBind{CreateHostPath: false},
		})
	}
	s.Secrets, s.Configs = nil, nil
	return s
}

// checkFileMounts resolves the secrets and configs of the services that
// get a new container in this plan and makes sure their files exist, so
// that a missing one fails the plan before anything is created. It is the
// only place planning looks at the file system. It returns warnings for
// what compose ignores with a warning too.
func (u *upPlanner) checkFileMounts() ([]string, error) {
	var warnings []string
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(u.replaced)) {
		svc := u.p.Services[name]
		mounts, err := fileMounts(u.p, svc, "")
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, m := range mounts {
			if m.inline {
				continue
			}
			if m.ownership {
				warnings = append(warnings, fmt.Sprintf(
					"service %s: %s %s: uid, gid and mode apply only to environment: sources; %s is mounted with its own owner and mode",
					name, m.kind, m.source, m.host))
			}
			if _, err := os.Stat(m.host); err != nil {
				hint := "make it readable by this user"
				if errors.Is(err, fs.ErrNotExist) {
					hint = fmt.Sprintf("create it or fix %ss.%s.file in the compose file", m.kind, m.source)
				}
				errs = append(errs, fmt.Errorf("service %s: %s %s: %w; %s", name, m.kind, m.source, err, hint))
			}
		}
	}
	return warnings, errors.Join(errs...)
}
