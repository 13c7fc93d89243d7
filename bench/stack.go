package main

import (
	"fmt"
	"math/bits"
	"os"
	"path/filepath"
	"strconv"

	"github.com/compose-spec/compose-go/v2/types"
	"gopkg.in/yaml.v3"

	"github.com/berth-dev/berth/engine"
)

// stack is one generated project: size services in a binary dependency tree,
// on two networks, some of them sharing a named volume. The same description
// is written as a Compose file for the CLI tools and turned into engine specs
// for the floor, so both create exactly the same resources.
type stack struct {
	Project string
	Dir     string
	Image   string
	Size    int
	// Gen is the leaf's BENCH_GEN value; bumping it changes one field of one
	// service, which must recreate that service's container and nothing else.
	Gen int
	// Subnets gives each network key its subnet; nil leaves the choice to
	// the daemon (see subnets for why bench picks them itself).
	Subnets map[string]string
}

// Network and volume keys in the Compose file.
const (
	netFront = "front"
	netBack  = "back"
	volData  = "data"
)

func (s stack) file() string { return filepath.Join(s.Dir, "compose.yaml") }

// name is the service name of index i, zero-padded so that names sort in
// index order.
func (s stack) name(i int) string {
	width := max(3, len(strconv.Itoa(s.Size-1)))
	return fmt.Sprintf("svc%0*d", width, i)
}

// parent is the service i depends on, or -1 for the root.
func parent(i int) int {
	if i == 0 {
		return -1
	}
	return (i - 1) / 2
}

// level is i's depth in the tree: the root is 0, its dependents 1, …
func level(i int) int { return bits.Len(uint(i+1)) - 1 }

// levels groups service indexes by depth, so that every service comes after
// the one it depends on.
func (s stack) levels() [][]int {
	var lv [][]int
	for i := range s.Size {
		d := level(i)
		if d == len(lv) {
			lv = append(lv, nil)
		}
		lv[d] = append(lv[d], i)
	}
	return lv
}

// leaf is the index of the service the one-service change edits: the last
// one, which no other service depends on.
func (s stack) leaf() int { return s.Size - 1 }

// networks is which networks service i joins: every service is on back,
// every third also on front.
func networks(i int) []string {
	if i%3 == 0 {
		return []string{netBack, netFront}
	}
	return []string{netBack}
}

// mountsData is whether service i mounts the shared named volume.
func mountsData(i int) bool { return i%5 == 0 }

func (s stack) env(i int) map[string]string {
	env := map[string]string{"BENCH_SERVICE": s.name(i)}
	if i == s.leaf() {
		env["BENCH_GEN"] = strconv.Itoa(s.Gen)
	}
	return env
}

type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Networks map[string]composeNetwork `yaml:"networks"`
	Volumes  map[string]struct{}       `yaml:"volumes"`
}

type composeNetwork struct {
	IPAM *composeIPAM `yaml:"ipam,omitempty"`
}

type composeIPAM struct {
	Config []map[string]string `yaml:"config"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Environment map[string]string `yaml:"environment"`
	DependsOn   []string          `yaml:"depends_on,omitempty"`
	Networks    []string          `yaml:"networks"`
	Volumes     []string          `yaml:"volumes,omitempty"`
}

// compose renders the stack as a Compose file every tool accepts, docker-compose
// v1 included: short depends_on lists, no top-level version or name.
func (s stack) compose() ([]byte, error) {
	f := composeFile{
		Services: map[string]composeService{},
		Networks: map[string]composeNetwork{},
		Volumes:  map[string]struct{}{volData: {}},
	}
	for _, key := range []string{netBack, netFront} {
		var n composeNetwork
		if sub, ok := s.Subnets[key]; ok {
			n.IPAM = &composeIPAM{Config: []map[string]string{{"subnet": sub}}}
		}
		f.Networks[key] = n
	}
	for i := range s.Size {
		svc := composeService{Image: s.Image, Environment: s.env(i), Networks: networks(i)}
		if p := parent(i); p >= 0 {
			svc.DependsOn = []string{s.name(p)}
		}
		if mountsData(i) {
			svc.Volumes = []string{volData + ":/data"}
		}
		f.Services[s.name(i)] = svc
	}
	b, err := yaml.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("render compose file for %s: %w", s.Project, err)
	}
	return b, nil
}

// write (re)writes the stack's Compose file.
func (s stack) write() error {
	b, err := s.compose()
	if err != nil {
		return err
	}
	if err := os.WriteFile(s.file(), b, 0o644); err != nil {
		return fmt.Errorf("write compose file: %w", err)
	}
	return nil
}

// Engine names, as docker compose derives them.
func (s stack) networkName(key string) string { return s.Project + "_" + key }
func (s stack) volumeName() string            { return s.Project + "_" + volData }
func (s stack) containerName(i int) string    { return s.Project + "-" + s.name(i) + "-1" }

func (s stack) networkSpecs() []engine.NetworkSpec {
	var specs []engine.NetworkSpec
	for _, key := range []string{netBack, netFront} {
		name := s.networkName(key)
		cfg := types.NetworkConfig{Name: name}
		if sub, ok := s.Subnets[key]; ok {
			cfg.Ipam.Config = []*types.IPAMPool{{Subnet: sub}}
		}
		specs = append(specs, engine.NetworkSpec{
			Name:   name,
			Config: cfg,
			Labels: map[string]string{engine.LabelProject: s.Project, engine.LabelNetwork: key, engine.LabelVersion: engine.ComposeVersion},
		})
	}
	return specs
}

func (s stack) volumeSpec() engine.VolumeSpec {
	name := s.volumeName()
	return engine.VolumeSpec{
		Name:   name,
		Config: types.VolumeConfig{Name: name},
		Labels: map[string]string{engine.LabelProject: s.Project, engine.LabelVolume: volData, engine.LabelVersion: engine.ComposeVersion},
	}
}

// containerSpec is service i resolved the way a tool would hand it to the
// engine: volume sources and networks already name engine resources.
func (s stack) containerSpec(i int) engine.ContainerSpec {
	name := s.name(i)
	env := types.MappingWithEquals{}
	for k, v := range s.env(i) {
		env[k] = &v
	}
	svc := types.ServiceConfig{
		Name:        name,
		Image:       s.Image,
		Environment: env,
		Networks:    map[string]*types.ServiceNetworkConfig{},
	}
	var atts []engine.NetworkAttachment
	for _, key := range networks(i) {
		svc.Networks[key] = nil
		atts = append(atts, engine.NetworkAttachment{Network: s.networkName(key), Aliases: []string{name}})
	}
	if mountsData(i) {
		svc.Volumes = []types.ServiceVolumeConfig{{Type: types.VolumeTypeVolume, Source: s.volumeName(), Target: "/data"}}
	}
	if p := parent(i); p >= 0 {
		svc.DependsOn = types.DependsOnConfig{s.name(p): {Condition: types.ServiceConditionStarted, Required: true}}
	}
	return engine.ContainerSpec{
		Name:    s.containerName(i),
		Service: svc,
		Labels: map[string]string{
			engine.LabelProject: s.Project,
			engine.LabelService: name,
			engine.LabelNumber:  "1",
			engine.LabelOneoff:  "False",
			engine.LabelImage:   s.Image,
			engine.LabelVersion: engine.ComposeVersion,
		},
		Networks: atts,
	}
}
