package loader

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"
)

// compose-go accepts some values that the engine rejects only when it
// creates the container or network, after other resources have been made.
// checkValues rejects them while loading, where the message can say where
// they are. Each check is on a plain value: no file system, no engine.

var (
	// exposeRe is PORT[-PORT][/PROTOCOL], as the engine parses expose.
	exposeRe = lazyRegexp(`^[0-9]+(-[0-9]+)?(/(tcp|udp|sctp))?$`)
	// containerNameRe is the engine's rule for container names.
	containerNameRe = lazyRegexp(`^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$`)
	// windowsPathRe is an absolute Windows path, a valid target in a
	// Windows container.
	windowsPathRe = lazyRegexp(`^([a-zA-Z]:[\\/]|\\\\)`)
)

// checkValues reports the values of p the engine would refuse, sorted by
// service, then network.
func checkValues(p *types.Project, files []*configFile) error {
	var errs []error
	add := func(path, msg string) {
		e := &Error{Path: path, Msg: msg, Err: ErrInvalid}
		e.File, e.Line, e.Column = locate(files, path, true)
		if e.File == "" {
			e.File = displayNames(files)
		}
		errs = append(errs, e)
	}
	for _, name := range p.ServiceNames() {
		s := p.Services[name]
		at := "services." + name
		for i, x := range s.Expose {
			if !exposeRe().MatchString(x) {
				add(fmt.Sprintf("%s.expose.%d", at, i),
					fmt.Sprintf("%s.expose[%d]: %q is not a port: use PORT[-PORT][/PROTOCOL], e.g. 8080 or 8080/udp", at, i, x))
			}
		}
		for i, v := range s.Volumes {
			if validTarget(v.Target) {
				continue
			}
			path := fmt.Sprintf("%s.volumes.%d", at, i)
			text := v.Target
			if f, _, n := nodeAt(files, path); f != nil {
				if n.Kind == yaml.ScalarNode {
					text = n.Value
				} else if _, t := child(n, "target"); t != nil {
					path, text = path+".target", t.Value
				}
			}
			add(path, fmt.Sprintf("%s.volumes[%d]: %q has no valid container path: the target must be absolute, e.g. /data", at, i, text))
		}
		if c := s.ContainerName; c != "" && !containerNameRe().MatchString(c) {
			add(at+".container_name", fmt.Sprintf("%s.container_name: %q is not a valid container name: use letters, digits, '_', '.' and '-', starting with a letter or digit", at, c))
		}
		if r := s.Restart; r != "" && !validRestart(r) {
			add(at+".restart", fmt.Sprintf("%s.restart: %q is not a restart policy: use no, always, on-failure[:MAX_RETRIES] or unless-stopped", at, r))
		}
	}
	for _, name := range mapKeys(p.Networks) {
		n := p.Networks[name]
		at := "networks." + name
		if bool(n.External) && n.Driver != "" {
			add(at+".driver", fmt.Sprintf("%s: an external network cannot set driver %q (berth never creates it): remove driver, or external to let berth create the network", at, n.Driver))
		}
		for i, c := range n.Ipam.Config {
			for _, kv := range [][2]string{{"subnet", c.Subnet}, {"ip_range", c.IPRange}} {
				key, v := kv[0], kv[1]
				if v == "" {
					continue
				}
				if _, err := netip.ParsePrefix(v); err != nil {
					add(fmt.Sprintf("%s.ipam.config.%d.%s", at, i, key),
						fmt.Sprintf("%s.ipam.config[%d].%s: %q is not a valid subnet: use CIDR notation, e.g. 10.0.0.0/24", at, i, key, v))
				}
			}
		}
	}
	return errors.Join(errs...)
}

// validTarget: the engine mounts only at absolute container paths; "." is
// what compose-go makes of an empty target.
func validTarget(t string) bool {
	return strings.HasPrefix(t, "/") || windowsPathRe().MatchString(t)
}

// validRestart is the engine's list of restart policies.
func validRestart(r string) bool {
	switch r {
	case "no", "always", "unless-stopped", "on-failure":
		return true
	}
	n, ok := strings.CutPrefix(r, "on-failure:")
	if !ok {
		return false
	}
	i, err := strconv.Atoi(n)
	return err == nil && i >= 0
}
