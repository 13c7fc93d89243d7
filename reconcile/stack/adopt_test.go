package stack

import (
	"testing"

	swarmtypes "github.com/moby/moby/api/types/swarm"

	"github.com/berth-dev/berth/engine/swarm"
	"github.com/berth-dev/berth/engine/swarm/swarmfake"
)

// asStored rewrites a spec the way the manager stores and returns it, and
// the way `docker stack deploy` sends it, where either differs from what
// berth sends for the same file.
func asStored(spec swarmtypes.ServiceSpec, netIDs map[string]string) swarmtypes.ServiceSpec {
	spec = clone(spec)
	tt := &spec.TaskTemplate
	tt.Runtime = "container"
	for i := range tt.Networks {
		tt.Networks[i].Target = netIDs[tt.Networks[i].Target]
	}
	cs := tt.ContainerSpec
	cs.Image += "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	cs.Isolation = "default"
	cs.Privileges = &swarmtypes.Privileges{}
	for _, r := range cs.Secrets {
		r.SecretID = "id-" + r.SecretName
		r.File.Name = "/run/secrets/" + r.File.Name
	}
	for _, r := range cs.Configs {
		r.ConfigID = "id-" + r.ConfigName
	}
	if tt.Resources == nil {
		tt.Resources = &swarmtypes.ResourceRequirements{}
	}
	if spec.Mode.Replicated != nil && spec.Mode.Replicated.Replicas == nil {
		one := uint64(1)
		spec.Mode.Replicated.Replicas = &one
	}
	if spec.EndpointSpec.Mode == "" {
		spec.EndpointSpec.Mode = swarmtypes.ResolutionModeVIP
	}
	for i := range spec.EndpointSpec.Ports {
		if spec.EndpointSpec.Ports[i].Protocol == "" {
			spec.EndpointSpec.Ports[i].Protocol = "tcp"
		}
	}
	if u := spec.UpdateConfig; u != nil {
		u.FailureAction = swarmtypes.UpdateFailureActionPause
	}
	return spec
}

// TestAdoptStoredSpecs: services whose stored specs carry only what the
// manager fills in, or what docker stack deploy writes differently, plan
// nothing.
func TestAdoptStoredSpecs(t *testing.T) {
	d := build(t, shop)
	f := swarmfake.New()
	netIDs := map[string]string{}
	for _, n := range d.Networks {
		n.ID = "net-" + n.Name
		netIDs[n.Name] = n.ID
		f.NetworkByID[n.ID] = &n
	}
	for _, o := range d.objects {
		switch o.kind {
		case kindSecret:
			f.SecretByID["id-"+o.name] = &swarmtypes.Secret{ID: "id-" + o.name, Spec: o.secretSpec()}
		case kindConfig:
			f.ConfigByID["id-"+o.name] = &swarmtypes.Config{ID: "id-" + o.name, Spec: o.configSpec()}
		}
	}
	for i, s := range d.Services {
		id := "svc" + s.Name
		f.ServiceByID[id] = &swarmtypes.Service{ID: id, Meta: swarmtypes.Meta{Version: swarmtypes.Version{Index: uint64(10 + i)}}, Spec: asStored(s.Spec, netIDs)}
	}
	if plan := PlanUp(d, observe(t, f), UpOptions{}); !plan.Empty() {
		t.Errorf("plan for stored specs is not empty:\n%s", plan)
	}
}

// TestAdoptConfigByContent: a config docker stack deploy named without a
// hash, with the content the file asks for, is kept.
func TestAdoptConfigByContent(t *testing.T) {
	d := build(t, shop)
	f := deployed(t, shop)
	for id, c := range f.ConfigByID {
		delete(f.ConfigByID, id)
		c.Spec.Name = "shop_site"
		f.ConfigByID[id] = c
	}
	for _, s := range f.ServiceByID {
		for _, r := range s.Spec.TaskTemplate.ContainerSpec.Configs {
			r.ConfigName = "shop_site"
		}
	}
	if plan := PlanUp(d, observe(t, f), UpOptions{}); !plan.Empty() {
		t.Errorf("plan with the adopted config is not empty:\n%s", plan)
	}
	// An update for another reason keeps the adopted config too.
	scaled := build(t, replace(shop, "replicas: 2", "replicas: 3"))
	plan := PlanUp(scaled, observe(t, f), UpOptions{})
	for _, a := range plan.Actions {
		if a.Kind == CreateConfig || a.Kind == RemoveConfig {
			t.Errorf("scaling renames the adopted config:\n%s", plan)
		}
	}
}

// TestNoForeignObjects: what lacks the project's label is never observed,
// so never planned for.
func TestNoForeignObjects(t *testing.T) {
	f := deployed(t, shop)
	f.ServiceByID["foreign"] = &swarmtypes.Service{ID: "foreign", Spec: swarmtypes.ServiceSpec{Annotations: swarmtypes.Annotations{Name: "shop_other"}}}
	f.NetworkByID["foreignnet"] = &swarm.Network{ID: "foreignnet", Name: "shop_x"}
	st := observe(t, f)
	for _, plan := range []Plan{PlanDown("shop", st), PlanUp(build(t, withoutWorker(shop)), st, UpOptions{RemoveOrphans: true})} {
		for _, a := range plan.Actions {
			if a.Name == "shop_other" || a.Name == "shop_x" {
				t.Errorf("plan touches unlabelled %s:\n%s", a.Name, plan)
			}
		}
	}
}
