// Package swarmfake is an in-memory swarm for unit tests of the stack
// reconciler and the CLI: tests seed services, networks, secrets, configs
// and tasks, run the code under test and read the state back.
//
// What it gets wrong, on purpose: it schedules nothing (CreateService and
// UpdateService make one running task per replica, or one for a global
// service, at once; updates never fail or roll back unless a test sets
// UpdateStatus itself); it resolves no network names to IDs in specs; it
// does not refuse to remove a secret, config or network still in use.
package swarmfake

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	swarmtypes "github.com/moby/moby/api/types/swarm"

	"github.com/berth-dev/berth/engine/swarm"
)

var _ swarm.Swarm = (*Fake)(nil)

// Fake is an in-memory swarm. Its fields are the state; tests may read
// and write them between calls. The zero value is not usable: use New.
type Fake struct {
	mu sync.Mutex

	ServiceByID    map[string]*swarmtypes.Service
	NetworkByID    map[string]*swarm.Network
	SecretByID     map[string]*swarmtypes.Secret
	ConfigByID     map[string]*swarmtypes.Config
	TasksByService map[string][]swarmtypes.Task
	// LogsByService is the text ServiceLogs writes, by service ID.
	LogsByService map[string]string
	NodeList      []swarmtypes.Node
	// NotManager makes Manager fail, as on a worker or outside a swarm.
	NotManager bool
	// Fail makes the call of that method name (e.g. "UpdateService")
	// return the error.
	Fail map[string]error
	// Calls records every mutating call as "Method name", in order.
	Calls []string

	next int
}

// New returns an empty swarm with one manager node, "node-1".
func New() *Fake {
	return &Fake{
		ServiceByID:    map[string]*swarmtypes.Service{},
		NetworkByID:    map[string]*swarm.Network{},
		SecretByID:     map[string]*swarmtypes.Secret{},
		ConfigByID:     map[string]*swarmtypes.Config{},
		TasksByService: map[string][]swarmtypes.Task{},
		LogsByService:  map[string]string{},
		NodeList:       []swarmtypes.Node{{ID: "node1", Description: swarmtypes.NodeDescription{Hostname: "node-1"}}},
		Fail:           map[string]error{},
	}
}

func (f *Fake) id(prefix string) string {
	f.next++
	return fmt.Sprintf("%s%d", prefix, f.next)
}

func (f *Fake) call(method, name string) error {
	f.Calls = append(f.Calls, method+" "+name)
	return f.Fail[method]
}

func inProject(labels map[string]string, project string) bool {
	return labels[swarm.LabelNamespace] == project
}

// Services lists project's services, by name.
func (f *Fake) Services(_ context.Context, project string) ([]swarmtypes.Service, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []swarmtypes.Service
	for _, s := range f.ServiceByID {
		if inProject(s.Spec.Labels, project) {
			out = append(out, *s)
		}
	}
	slices.SortFunc(out, func(a, b swarmtypes.Service) int { return strings.Compare(a.Spec.Name, b.Spec.Name) })
	return out, nil
}

// CreateService stores spec at version 1 with its tasks.
func (f *Fake) CreateService(_ context.Context, spec swarmtypes.ServiceSpec) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("CreateService", spec.Name); err != nil {
		return "", err
	}
	for _, s := range f.ServiceByID {
		if s.Spec.Name == spec.Name {
			return "", fmt.Errorf("service %s: name conflicts with an existing object", spec.Name)
		}
	}
	id := f.id("svc")
	f.ServiceByID[id] = &swarmtypes.Service{ID: id, Meta: swarmtypes.Meta{Version: swarmtypes.Version{Index: 1}}, Spec: spec}
	f.schedule(id, spec)
	return id, nil
}

// UpdateService replaces the spec and bumps the version, refusing a
// stale one as the manager does.
func (f *Fake) UpdateService(_ context.Context, id string, version uint64, spec swarmtypes.ServiceSpec) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("UpdateService", spec.Name); err != nil {
		return err
	}
	s, ok := f.ServiceByID[id]
	if !ok {
		return fmt.Errorf("service %s not found", id)
	}
	if s.Version.Index != version {
		return fmt.Errorf("update out of sequence: service %s is at version %d, not %d", spec.Name, s.Version.Index, version)
	}
	prev := s.Spec
	s.PreviousSpec = &prev
	s.Spec = spec
	s.Version.Index++
	f.schedule(id, spec)
	return nil
}

// schedule replaces a service's running tasks with fresh ones.
func (f *Fake) schedule(id string, spec swarmtypes.ServiceSpec) {
	n := 1
	if r := spec.Mode.Replicated; r != nil && r.Replicas != nil {
		n = int(*r.Replicas)
	}
	var tasks []swarmtypes.Task
	for _, t := range f.TasksByService[id] {
		t.DesiredState = swarmtypes.TaskStateShutdown
		t.Status.State = swarmtypes.TaskStateShutdown
		tasks = append(tasks, t)
	}
	for slot := 1; slot <= n; slot++ {
		tasks = append(tasks, swarmtypes.Task{
			ID:           f.id("task"),
			ServiceID:    id,
			Slot:         slot,
			NodeID:       "node1",
			DesiredState: swarmtypes.TaskStateRunning,
			Status:       swarmtypes.TaskStatus{State: swarmtypes.TaskStateRunning, Timestamp: time.Unix(int64(f.next), 0)},
			Spec:         spec.TaskTemplate,
		})
	}
	f.TasksByService[id] = tasks
}

// RemoveService removes a service. Its tasks stay, shut down, as the
// manager keeps them until their containers are gone.
func (f *Fake) RemoveService(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	name := id
	if s, ok := f.ServiceByID[id]; ok {
		name = s.Spec.Name
	}
	if err := f.call("RemoveService", name); err != nil {
		return err
	}
	delete(f.ServiceByID, id)
	for i := range f.TasksByService[id] {
		t := &f.TasksByService[id][i]
		t.DesiredState = swarmtypes.TaskStateRemove
		if t.Status.State == swarmtypes.TaskStateRunning {
			t.Status.State = swarmtypes.TaskStateShutdown
		}
	}
	return nil
}

// Tasks lists the tasks of the given services.
func (f *Fake) Tasks(_ context.Context, serviceIDs []string) ([]swarmtypes.Task, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []swarmtypes.Task
	for _, id := range serviceIDs {
		out = append(out, f.TasksByService[id]...)
	}
	return out, nil
}

// Networks lists project's networks, by name.
func (f *Fake) Networks(_ context.Context, project string) ([]swarm.Network, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []swarm.Network
	for _, n := range f.NetworkByID {
		if inProject(n.Labels, project) {
			out = append(out, *n)
		}
	}
	slices.SortFunc(out, func(a, b swarm.Network) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// NetworkNames maps every network's ID to its name.
func (f *Fake) NetworkNames(context.Context) (map[string]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	names := map[string]string{}
	for id, n := range f.NetworkByID {
		names[id] = n.Name
	}
	return names, nil
}

// CreateNetwork stores n under a new ID.
func (f *Fake) CreateNetwork(_ context.Context, n swarm.Network) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("CreateNetwork", n.Name); err != nil {
		return "", err
	}
	n.ID = f.id("net")
	n.Labels = maps.Clone(n.Labels)
	f.NetworkByID[n.ID] = &n
	return n.ID, nil
}

// RemoveNetwork removes network id.
func (f *Fake) RemoveNetwork(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	name := id
	if n, ok := f.NetworkByID[id]; ok {
		name = n.Name
	}
	if err := f.call("RemoveNetwork", name); err != nil {
		return err
	}
	delete(f.NetworkByID, id)
	return nil
}

// Secrets lists project's secrets without their data, as the API does.
func (f *Fake) Secrets(_ context.Context, project string) ([]swarmtypes.Secret, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []swarmtypes.Secret
	for _, s := range f.SecretByID {
		if inProject(s.Spec.Labels, project) {
			c := *s
			c.Spec.Data = nil
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b swarmtypes.Secret) int { return strings.Compare(a.Spec.Name, b.Spec.Name) })
	return out, nil
}

// SecretIDs looks secrets up by name, labelled or not.
func (f *Fake) SecretIDs(_ context.Context, names []string) (map[string]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ids := map[string]string{}
	for id, s := range f.SecretByID {
		if slices.Contains(names, s.Spec.Name) {
			ids[s.Spec.Name] = id
		}
	}
	return ids, nil
}

// ConfigIDs looks configs up by name, labelled or not.
func (f *Fake) ConfigIDs(_ context.Context, names []string) (map[string]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ids := map[string]string{}
	for id, c := range f.ConfigByID {
		if slices.Contains(names, c.Spec.Name) {
			ids[c.Spec.Name] = id
		}
	}
	return ids, nil
}

// CreateSecret stores spec under a new ID.
func (f *Fake) CreateSecret(_ context.Context, spec swarmtypes.SecretSpec) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("CreateSecret", spec.Name); err != nil {
		return "", err
	}
	id := f.id("secret")
	f.SecretByID[id] = &swarmtypes.Secret{ID: id, Spec: spec}
	return id, nil
}

// RemoveSecret removes secret id.
func (f *Fake) RemoveSecret(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	name := id
	if s, ok := f.SecretByID[id]; ok {
		name = s.Spec.Name
	}
	if err := f.call("RemoveSecret", name); err != nil {
		return err
	}
	delete(f.SecretByID, id)
	return nil
}

// Configs lists project's configs with their data.
func (f *Fake) Configs(_ context.Context, project string) ([]swarmtypes.Config, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []swarmtypes.Config
	for _, c := range f.ConfigByID {
		if inProject(c.Spec.Labels, project) {
			out = append(out, *c)
		}
	}
	slices.SortFunc(out, func(a, b swarmtypes.Config) int { return strings.Compare(a.Spec.Name, b.Spec.Name) })
	return out, nil
}

// CreateConfig stores spec under a new ID.
func (f *Fake) CreateConfig(_ context.Context, spec swarmtypes.ConfigSpec) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("CreateConfig", spec.Name); err != nil {
		return "", err
	}
	id := f.id("config")
	f.ConfigByID[id] = &swarmtypes.Config{ID: id, Spec: spec}
	return id, nil
}

// RemoveConfig removes config id.
func (f *Fake) RemoveConfig(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	name := id
	if c, ok := f.ConfigByID[id]; ok {
		name = c.Spec.Name
	}
	if err := f.call("RemoveConfig", name); err != nil {
		return err
	}
	delete(f.ConfigByID, id)
	return nil
}

// ServiceLogs writes LogsByService[id] to stdout.
func (f *Fake) ServiceLogs(_ context.Context, id string, _ swarm.LogOptions, stdout, _ io.Writer) error {
	f.mu.Lock()
	text := f.LogsByService[id]
	f.mu.Unlock()
	_, err := io.WriteString(stdout, text)
	return err
}

// Containers has one container per task of the project's services,
// named by the task's ID: running for a task that runs, else stopped;
// RemoveContainer removes the stopped ones' tasks.
func (f *Fake) Containers(_ context.Context, project string) (running, stopped []string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for id, tasks := range f.TasksByService {
		if s, ok := f.ServiceByID[id]; ok && !inProject(s.Spec.Labels, project) {
			continue
		}
		for _, t := range tasks {
			if t.Status.State == swarmtypes.TaskStateRunning {
				running = append(running, t.ID)
			} else {
				stopped = append(stopped, t.ID)
			}
		}
	}
	slices.Sort(running)
	slices.Sort(stopped)
	return running, stopped, nil
}

// RemoveContainer drops the task whose container id is.
func (f *Fake) RemoveContainer(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("RemoveContainer", id); err != nil {
		return err
	}
	for svc, tasks := range f.TasksByService {
		f.TasksByService[svc] = slices.DeleteFunc(tasks, func(t swarmtypes.Task) bool { return t.ID == id })
	}
	return nil
}

// Nodes returns NodeList.
func (f *Fake) Nodes(context.Context) ([]swarmtypes.Node, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.NodeList), nil
}

// Manager fails when NotManager is set.
func (f *Fake) Manager(context.Context) error {
	if f.NotManager {
		return fmt.Errorf("the daemon is not part of a swarm: run `docker swarm init`")
	}
	return nil
}
