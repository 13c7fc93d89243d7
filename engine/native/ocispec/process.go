package ocispec

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// defaultPath is docker's PATH for a container whose environment has none.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Process returns the process of an exec in in's container, as docker
// exec builds it: cmd as given (no entrypoint), the container's
// environment with env (KEY=VALUE, or KEY to unset) on top, and the
// container's user, working directory, capabilities, no-new-privileges
// and ulimits where user and workdir are "".
func Process(in Input, cmd, env []string, user, workdir string, tty bool) (*specs.Process, error) {
	s := in.Service
	wrap := func(err error) error { return fmt.Errorf("service %q: exec: %w", s.Name, err) }
	if len(cmd) == 0 {
		return nil, wrap(errors.New("no command given"))
	}
	sec, err := parseSecurityOpts(s.SecurityOpt)
	if err != nil {
		return nil, wrap(err)
	}
	p, err := process(in, slices.Clone(cmd), env, user, workdir, tty, sec, realHost())
	if err != nil {
		return nil, wrap(err)
	}
	if p.Rlimits, err = rlimits(s.Ulimits); err != nil {
		return nil, wrap(err)
	}
	return p, nil
}

// process is what the container's process and an exec share. user and
// workdir override the service's and the image's when not "".
func process(in Input, args, env []string, user, workdir string, tty bool, sec secOpts, h host) (*specs.Process, error) {
	s := in.Service
	if user == "" {
		user = s.User
	}
	if user == "" {
		user = in.Image.User
	}
	usr, home, err := resolveUser(in.Rootfs, user, s.GroupAdd)
	if err != nil {
		return nil, err
	}
	if workdir == "" {
		workdir = s.WorkingDir
	}
	if workdir == "" {
		workdir = in.Image.WorkingDir
	}
	if workdir == "" {
		workdir = "/"
	}
	if !path.IsAbs(workdir) {
		return nil, fmt.Errorf("working_dir: %q is not an absolute path", workdir)
	}
	bound, err := h.bound()
	if err != nil {
		return nil, fmt.Errorf("reading the engine's capability bounding set: %w", err)
	}
	caps, err := capabilities(s, bound)
	if err != nil {
		return nil, err
	}
	e := replaceOrAppend(defaultEnv(in.Hostname, tty), containerEnv(s.Environment, in.Image.Env))
	e = replaceOrAppend(e, env)
	if !slices.ContainsFunc(e, func(kv string) bool { return strings.HasPrefix(kv, "HOME=") }) {
		// runc leaves HOME unset; docker's containers get the user's.
		e = append(e, "HOME="+home)
	}
	return &specs.Process{
		Terminal:        tty,
		User:            usr,
		Args:            args,
		Env:             e,
		Cwd:             path.Clean(workdir),
		Capabilities:    caps,
		NoNewPrivileges: sec.noNewPrivileges,
	}, nil
}

// command merges the service's entrypoint and command with the image's
// the way dockerd does: an entrypoint set to anything non-empty drops the
// image's CMD unless command is set too; an explicitly empty entrypoint
// ([] or "") clears the image's ENTRYPOINT but keeps its CMD.
func command(s types.ServiceConfig, img v1.Config) ([]string, error) {
	entrypoint, cmd := []string(s.Entrypoint), []string(s.Command)
	if len(entrypoint) == 0 {
		if len(cmd) == 0 {
			cmd = img.Cmd
		}
		if s.Entrypoint == nil {
			entrypoint = img.Entrypoint
		}
	}
	args := append(slices.Clone(entrypoint), cmd...)
	if len(args) == 0 {
		return nil, errors.New("no command: the image has neither ENTRYPOINT nor CMD; set command or entrypoint")
	}
	return args, nil
}

// defaultEnv is what dockerd puts before the container's own environment.
func defaultEnv(hostname string, tty bool) []string {
	env := []string{"PATH=" + defaultPath, "HOSTNAME=" + hostname}
	if tty {
		env = append(env, "TERM=xterm")
	}
	return env
}

// containerEnv is dockerd's merge of the service's environment (sorted, as
// the docker engine sends it; a key without value is "KEY", which unsets
// it) with the image's: image variables the service does not name come
// after.
func containerEnv(service types.MappingWithEquals, image []string) []string {
	out := make([]string, 0, len(service)+len(image))
	for k, v := range service {
		if v == nil {
			out = append(out, k)
		} else {
			out = append(out, k+"="+*v)
		}
	}
	sort.Strings(out)
	for _, kv := range image {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := service[k]; !ok {
			out = append(out, kv)
		}
	}
	return out
}

// replaceOrAppend overrides base with each of over: KEY=VALUE replaces the
// variable in place or is appended; KEY alone removes it.
func replaceOrAppend(base, over []string) []string {
	out := slices.Clone(base)
	index := func(key string) int {
		return slices.IndexFunc(out, func(kv string) bool {
			k, _, _ := strings.Cut(kv, "=")
			return k == key
		})
	}
	for _, kv := range over {
		k, _, hasValue := strings.Cut(kv, "=")
		i := index(k)
		switch {
		case !hasValue && i >= 0:
			out = slices.Delete(out, i, i+1)
		case !hasValue:
		case i >= 0:
			out[i] = kv
		default:
			out = append(out, kv)
		}
	}
	return out
}
