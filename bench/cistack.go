package main

import (
	"fmt"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"
)

// The CI cycle's stack has ciServices services: a one-shot (ciInit) that
// the rest waits for, a service with a healthcheck (ciDB) that the tree
// waits for, ciTree services in the binary tree of stack.go, and the
// service the cycle runs (ciTests). ciTests has a profile, as in a CI setup:
// up leaves it out, run (and berth ci) runs it anyway.
const (
	ciServices = 10
	ciTree     = ciServices - 3
	ciInit     = "init"
	ciDB       = "db"
	ciTests    = "tests"
	ciProfile  = "test"
)

// ciStack is the CI cycle's stack; it shares stack's names, networks,
// volume and subnets.
type ciStack struct {
	stack
}

func newCIStack(project, dir, image string, subnets map[string]string) ciStack {
	return ciStack{stack{Project: project, Dir: dir, Image: image, Size: ciTree, Subnets: subnets}}
}

// ciService is a service in long syntax: depends_on conditions and a
// healthcheck, which the short form of stack.go cannot say.
type ciService struct {
	Image       string                 `yaml:"image"`
	Command     []string               `yaml:"command,omitempty"`
	Environment map[string]string      `yaml:"environment,omitempty"`
	DependsOn   map[string]ciDependsOn `yaml:"depends_on,omitempty"`
	Healthcheck *ciHealthcheck         `yaml:"healthcheck,omitempty"`
	Networks    []string               `yaml:"networks"`
	Volumes     []string               `yaml:"volumes,omitempty"`
	Profiles    []string               `yaml:"profiles,omitempty"`
}

type ciDependsOn struct {
	Condition string `yaml:"condition"`
}

type ciHealthcheck struct {
	Test     []string `yaml:"test"`
	Interval string   `yaml:"interval"`
	Timeout  string   `yaml:"timeout"`
	Retries  int      `yaml:"retries"`
}

type ciFile struct {
	Services map[string]ciService      `yaml:"services"`
	Networks map[string]composeNetwork `yaml:"networks"`
	Volumes  map[string]struct{}       `yaml:"volumes"`
}

// upServices are the services up brings up and waits for: all but ciTests.
func (s ciStack) upServices() []string {
	names := []string{ciInit, ciDB}
	for i := range s.Size {
		names = append(names, s.name(i))
	}
	return names
}

// compose renders the stack. The sleeper image's `exit` and `health`
// arguments end at once with status 0. The healthcheck probes often, so
// that the wait measures the tools' polling rather than a long interval.
func (s ciStack) compose() ([]byte, error) {
	base, err := s.stack.compose()
	if err != nil {
		return nil, err
	}
	var tree composeFile
	if err := yaml.Unmarshal(base, &tree); err != nil {
		return nil, fmt.Errorf("render CI stack for %s: %w", s.Project, err)
	}
	f := ciFile{Services: map[string]ciService{}, Networks: tree.Networks, Volumes: tree.Volumes}
	completed := map[string]ciDependsOn{ciInit: {Condition: "service_completed_successfully"}}
	f.Services[ciInit] = ciService{Image: s.Image, Command: []string{"exit"}, Networks: []string{netBack}}
	f.Services[ciDB] = ciService{
		Image:     s.Image,
		DependsOn: completed,
		Healthcheck: &ciHealthcheck{
			Test: []string{"CMD", "/sleeper", "health"}, Interval: "250ms", Timeout: "5s", Retries: 20,
		},
		Networks: []string{netBack},
		Volumes:  []string{volData + ":/data"},
	}
	for name, svc := range tree.Services {
		deps := map[string]ciDependsOn{}
		for _, d := range svc.DependsOn {
			deps[d] = ciDependsOn{Condition: "service_started"}
		}
		if name == s.name(0) {
			deps[ciDB] = ciDependsOn{Condition: "service_healthy"}
		}
		f.Services[name] = ciService{Image: svc.Image, Environment: svc.Environment, DependsOn: deps, Networks: svc.Networks, Volumes: svc.Volumes}
	}
	f.Services[ciTests] = ciService{
		Image:     s.Image,
		Command:   []string{"exit"},
		DependsOn: map[string]ciDependsOn{s.name(0): {Condition: "service_started"}, ciDB: {Condition: "service_healthy"}},
		Networks:  []string{netBack},
		Profiles:  []string{ciProfile},
	}
	b, err := yaml.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("render CI stack for %s: %w", s.Project, err)
	}
	return b, nil
}

// write (re)writes the stack's Compose file.
func (s ciStack) write() error {
	b, err := s.compose()
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(s.Dir, "compose.yaml"), b, 0o644); err != nil {
		return fmt.Errorf("write compose file: %w", err)
	}
	return nil
}
