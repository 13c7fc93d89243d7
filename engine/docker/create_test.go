package docker

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/google/go-cmp/cmp"
	"github.com/moby/moby/api/types/container"

	"github.com/berth-dev/berth/engine"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// fixtureExtension is the x-test block of a testdata/create fixture.
type fixtureExtension struct {
	Service    string `json:"service"`     // which service to render; default: the only one
	APIVersion string `json:"api_version"` // default 1.41, the engine on berth's test machines
	Previous   *struct {
		Mounts       []container.MountPoint `json:"mounts"`
		ImageVolumes []string               `json:"image_volumes"`
	} `json:"previous"`
}

// TestCreateRequest renders each testdata/create/*.yaml compose file the way
// berth's reconciler would hand it over (see specFor) and compares the
// create request with testdata/create/*.golden.json.
func TestCreateRequest(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("testdata", "create"))
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures in %s (%v)", dir, err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			project, ext := loadFixture(t, dir, file)
			spec := specFor(t, project, ext.Service)
			req, err := createRequest(spec, ext.APIVersion, ext.previous())
			if err != nil {
				t.Fatalf("createRequest(%s) got error %v, want none", name, err)
			}
			got, err := json.MarshalIndent(req, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = bytes.ReplaceAll(got, []byte(dir), []byte("$FIXTURES"))
			got = append(got, '\n')
			golden := filepath.Join(dir, name+".golden.json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("createRequest(%s) differs from %s (-want +got):\n%s", name, golden, diff)
			}
		})
	}
}

func (x fixtureExtension) previous() *previous {
	if x.Previous == nil {
		return nil
	}
	return &previous{Mounts: x.Previous.Mounts, ImageVolumes: x.Previous.ImageVolumes}
}

func loadFixture(t *testing.T, dir, file string) (*types.Project, fixtureExtension) {
	t.Helper()
	content, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	project, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  dir,
		ConfigFiles: []types.ConfigFile{{Filename: file, Content: content}},
		Environment: types.Mapping{"FROM_SHELL": "shell-value", "HOME": "/home/test"},
	}, func(o *loader.Options) { o.SetProjectName("shop", true) })
	if err != nil {
		t.Fatalf("load %s: %v", file, err)
	}
	ext := fixtureExtension{APIVersion: "1.41"}
	if raw, ok := project.Extensions["x-test"]; ok {
		b, err := json.Marshal(raw)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &ext); err != nil {
			t.Fatalf("%s: x-test: %v", file, err)
		}
	}
	if ext.Service == "" {
		names := project.ServiceNames()
		if len(names) != 1 {
			t.Fatalf("%s: x-test.service must name one of %v", file, names)
		}
		ext.Service = names[0]
	}
	return project, ext
}

// specFor resolves a service the way the reconciler does before calling the
// engine (see engine.ContainerSpec): engine names for volumes and networks,
// service: references rewritten to containers, compose's aliases and links.
func specFor(t *testing.T, p *types.Project, name string) engine.ContainerSpec {
	t.Helper()
	s, ok := p.Services[name]
	if !ok {
		t.Fatalf("no service %q in fixture", name)
	}
	const number = 1
	containerName := func(service string) string { return fmt.Sprintf("%s-%s-%d", p.Name, service, number) }
	cname := containerName(s.Name)
	if s.ContainerName != "" {
		cname = s.ContainerName
	}

	var volumes []types.ServiceVolumeConfig
	for _, v := range s.Volumes {
		if v.Type == types.VolumeTypeVolume && v.Source != "" {
			if pv, ok := p.Volumes[v.Source]; ok {
				v.Source = pv.Name
			}
		}
		volumes = append(volumes, v)
	}
	s.Volumes = volumes
	serviceRef := func(mode string) string {
		if ref, ok := strings.CutPrefix(mode, types.ServicePrefix); ok {
			return "container:" + containerName(ref)
		}
		return mode
	}
	s.NetworkMode = serviceRef(s.NetworkMode)
	s.Pid = serviceRef(s.Pid)
	s.Ipc = serviceRef(s.Ipc)
	var from []string
	for _, v := range s.VolumesFrom {
		if strings.HasPrefix(v, "container:") {
			from = append(from, v)
			continue
		}
		svc, mode, _ := strings.Cut(v, ":")
		ref := containerName(svc)
		if mode != "" {
			ref += ":" + mode
		}
		from = append(from, ref)
	}
	s.VolumesFrom = from

	var links []string
	for _, l := range s.Links {
		svc, alias, ok := strings.Cut(l, ":")
		if !ok {
			alias = svc
		}
		target := containerName(svc)
		links = append(links, target+":"+alias, target+":"+svc+"-1", target+":"+target)
	}
	for _, l := range s.ExternalLinks {
		ctr, alias, ok := strings.Cut(l, ":")
		if !ok {
			alias = ctr
		}
		links = append(links, ctr+":"+alias)
	}

	var networks []engine.NetworkAttachment
	if s.NetworkMode == "" {
		for _, key := range s.NetworksByPriority() {
			att := engine.NetworkAttachment{Network: p.Networks[key].Name, Aliases: []string{cname, s.Name}, Links: links}
			if cfg := s.Networks[key]; cfg != nil {
				att.Aliases = append(att.Aliases, cfg.Aliases...)
				att.IPv4Address = cfg.Ipv4Address
				att.IPv6Address = cfg.Ipv6Address
				att.MacAddress = cfg.MacAddress
				att.LinkLocalIPs = cfg.LinkLocalIPs
				att.DriverOpts = cfg.DriverOpts
				att.GwPriority = cfg.GatewayPriority
			}
			networks = append(networks, att)
		}
	}

	labels := map[string]string{
		engine.LabelProject:    p.Name,
		engine.LabelService:    s.Name,
		engine.LabelNumber:     "1",
		engine.LabelOneoff:     "False",
		engine.LabelConfigHash: "fixture",
		engine.LabelVersion:    engine.ComposeVersion,
	}
	for k, v := range s.Labels {
		labels[k] = v
	}
	return engine.ContainerSpec{Name: cname, Service: s, Labels: labels, Networks: networks}
}

func TestCreateRequestErrors(t *testing.T) {
	svc := func(f func(*types.ServiceConfig)) engine.ContainerSpec {
		s := types.ServiceConfig{Name: "web", Image: "img"}
		f(&s)
		return engine.ContainerSpec{Name: "shop-web-1", Service: s}
	}
	dur := types.Duration(1e9)
	for _, tc := range []struct {
		name string
		spec engine.ContainerSpec
		want string
	}{
		{"bad dns", svc(func(s *types.ServiceConfig) { s.DNS = []string{"not-an-ip"} }), `service "web": dns: invalid address "not-an-ip"`},
		{"start_interval without start_period", svc(func(s *types.ServiceConfig) {
			s.HealthCheck = &types.HealthCheckConfig{Test: []string{"CMD", "true"}, StartInterval: &dur}
		}), "start_interval requires healthcheck.start_period"},
		{"bad host ip", svc(func(s *types.ServiceConfig) {
			s.Ports = []types.ServicePortConfig{{Target: 80, Published: "8080", HostIP: "localhost", Protocol: "tcp"}}
		}), `host IP "localhost"`},
		{"bad security_opt", svc(func(s *types.ServiceConfig) { s.SecurityOpt = []string{"nonsense"} }), `security_opt: invalid option "nonsense"`},
		{"image mount on old engine", svc(func(s *types.ServiceConfig) {
			s.Volumes = []types.ServiceVolumeConfig{{Type: types.VolumeTypeImage, Source: "img", Target: "/x"}}
		}), "type image needs Docker Engine 28"},
		{"conflicting mac addresses", func() engine.ContainerSpec {
			spec := svc(func(s *types.ServiceConfig) { s.MacAddress = "02:42:ac:11:00:02" })
			spec.Networks = []engine.NetworkAttachment{{Network: "shop_default", MacAddress: "02:42:ac:11:00:03"}}
			return spec
		}(), "mac_address 02:42:ac:11:00:02 differs"},
		{"interface_name on old engine", func() engine.ContainerSpec {
			spec := svc(func(*types.ServiceConfig) {})
			spec.Networks = []engine.NetworkAttachment{{Network: "shop_default", DriverOpts: map[string]string{"com.docker.network.endpoint.ifname": "eth7"}}}
			return spec
		}(), "interface_name needs Docker Engine 28.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := createRequest(tc.spec, "1.41", nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("createRequest(%s) got error %v, want one containing %q", tc.name, err, tc.want)
			}
		})
	}
}
