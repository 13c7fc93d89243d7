package stack

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	swarmtypes "github.com/moby/moby/api/types/swarm"
)

// TestApplyResolvesObjectIDs: services are created with the IDs of the
// secrets and configs created before them.
func TestApplyResolvesObjectIDs(t *testing.T) {
	f := deployed(t, shop)
	for _, s := range f.ServiceByID {
		cs := s.Spec.TaskTemplate.ContainerSpec
		for _, r := range cs.Secrets {
			if f.SecretByID[r.SecretID] == nil || f.SecretByID[r.SecretID].Spec.Name != r.SecretName {
				t.Errorf("%s: secret reference %s has ID %q", s.Spec.Name, r.SecretName, r.SecretID)
			}
		}
		for _, r := range cs.Configs {
			if f.ConfigByID[r.ConfigID] == nil || f.ConfigByID[r.ConfigID].Spec.Name != r.ConfigName {
				t.Errorf("%s: config reference %s has ID %q", s.Spec.Name, r.ConfigName, r.ConfigID)
			}
		}
	}
	want := []string{"CreateNetwork shop_back", "CreateSecret shop_db_password-3de4722c", "CreateConfig shop_site-8a2a5c9b", "CreateService shop_web", "CreateService shop_worker"}
	if got := strings.Join(f.Calls, ", "); got != strings.Join(want, ", ") {
		t.Errorf("calls = %s\nwant    %s", got, strings.Join(want, ", "))
	}
}

// TestApplyUpdatesOnlyChanged: an up after one service changed updates
// that one; the other keeps its version.
func TestApplyUpdatesOnlyChanged(t *testing.T) {
	f := deployed(t, shop)
	versions := map[string]uint64{}
	for _, s := range f.ServiceByID {
		versions[s.Spec.Name] = s.Version.Index
	}
	plan := PlanUp(build(t, replace(shop, "MODE: prod", "MODE: debug")), observe(t, f), UpOptions{})
	if err := Apply(context.Background(), plan, f, ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, s := range f.ServiceByID {
		changed := s.Version.Index != versions[s.Spec.Name]
		if changed != (s.Spec.Name == "shop_web") {
			t.Errorf("%s: version %d → %d", s.Spec.Name, versions[s.Spec.Name], s.Version.Index)
		}
	}
}

// TestApplyStopsAtFailure: an action that fails stops the plan, named,
// unless KeepGoing.
func TestApplyStopsAtFailure(t *testing.T) {
	for _, keepGoing := range []bool{false, true} {
		f := deployed(t, shop)
		f.Fail["RemoveService"] = errors.New("boom")
		plan := PlanDown("shop", observe(t, f))
		f.Calls = nil
		err := Apply(context.Background(), plan, f, ApplyOptions{KeepGoing: keepGoing, Sleep: func(context.Context, time.Duration) error { return nil }})
		if err == nil || !strings.Contains(err.Error(), "remove-service shop_web: boom") {
			t.Errorf("keepGoing=%v: err = %v", keepGoing, err)
		}
		if ran := len(f.Calls); (ran == len(plan.Actions)) != keepGoing {
			t.Errorf("keepGoing=%v: %d of %d actions ran", keepGoing, ran, len(plan.Actions))
		}
	}
}

// TestPlanDown removes the project's services, secrets, configs and
// networks, in that order.
func TestPlanDown(t *testing.T) {
	golden(t, "plan/down.txt", PlanDown("shop", observe(t, deployed(t, shop))).String())
}

func TestPlanScaleRestartRemove(t *testing.T) {
	st := observe(t, deployed(t, shop))
	scale, err := PlanScale("shop", st, map[string]uint64{"web": 4, "worker": 1})
	if err != nil {
		t.Fatal(err)
	}
	restart, err := PlanRestart("shop", st, []string{"worker"})
	if err != nil {
		t.Fatal(err)
	}
	rm, err := PlanRemove("shop", st, []string{"web"})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "plan/ops.txt", scale.String()+restart.String()+rm.String())
	if _, err := PlanRemove("shop", st, []string{"nope"}); err == nil || !strings.Contains(err.Error(), "no service nope") {
		t.Errorf("PlanRemove of an unknown service: %v", err)
	}
	if restart.Actions[0].op.spec.TaskTemplate.ForceUpdate != 1 {
		t.Errorf("restart does not bump ForceUpdate")
	}
}

// TestWait covers convergence and the failures Wait reports.
func TestWait(t *testing.T) {
	since := time.Unix(1000, 0)
	failed := func(slot int, err string) swarmtypes.Task {
		return swarmtypes.Task{ID: "f" + err, Slot: slot, DesiredState: swarmtypes.TaskStateShutdown,
			Meta:   swarmtypes.Meta{CreatedAt: since.Add(time.Second)},
			Status: swarmtypes.TaskStatus{State: swarmtypes.TaskStateFailed, Err: err, Timestamp: since.Add(time.Duration(len(err)) * time.Second)}}
	}
	tests := []struct {
		name   string
		mutate func(s *swarmtypes.Service, tasks []swarmtypes.Task) []swarmtypes.Task
		want   string // "" converges
	}{
		{name: "converged", mutate: func(_ *swarmtypes.Service, t []swarmtypes.Task) []swarmtypes.Task { return t }},
		{name: "rolled back", mutate: func(s *swarmtypes.Service, t []swarmtypes.Task) []swarmtypes.Task {
			s.UpdateStatus = &swarmtypes.UpdateStatus{State: swarmtypes.UpdateStateRollbackCompleted, Message: "update rolled back due to failure"}
			return t
		}, want: "service web did not converge: update rollback completed: update rolled back due to failure"},
		{name: "failing tasks", mutate: func(_ *swarmtypes.Service, t []swarmtypes.Task) []swarmtypes.Task {
			t[0].Status.State = swarmtypes.TaskStateStarting
			t = append(t, failed(1, "exit 1"), failed(1, "exit 12"), failed(1, "exit 123"))
			for i := range t {
				t[i].ServiceID = t[0].ServiceID
			}
			return t
		}, want: "3 tasks failed since the deploy\n  task shop_web.1: exit 123\n  last log lines:\n    oops"},
		{name: "timeout", mutate: func(_ *swarmtypes.Service, t []swarmtypes.Task) []swarmtypes.Task {
			t[0].Status = swarmtypes.TaskStatus{State: swarmtypes.TaskStatePending, Err: "no suitable node"}
			return t
		}, want: "not converged after 1ns (1/2 running)\n  task shop_web.1: pending: no suitable node"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := deployed(t, shop)
			var web *swarmtypes.Service
			for _, s := range f.ServiceByID {
				if s.Spec.Name == "shop_web" {
					web = s
				}
			}
			f.TasksByService[web.ID] = tt.mutate(web, f.TasksByService[web.ID])
			f.LogsByService[web.ID] = "oops\n"
			opts := WaitOptions{Services: []string{"web"}, Since: since, Poll: time.Millisecond}
			if tt.name == "timeout" {
				opts.Timeout = time.Nanosecond
			}
			err := Wait(context.Background(), f, "shop", opts)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Wait: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Wait error = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

// TestWaitGone: down waits for the tasks to stop, then removes the
// containers they left, job containers included, and nothing else.
func TestWaitGone(t *testing.T) {
	f := deployed(t, shop)
	st := observe(t, f)
	if err := Apply(context.Background(), PlanDown("shop", st), f, ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range st.Services {
		ids = append(ids, s.ID)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := WaitGone(ctx, f, "shop", ids, time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if running, stopped, _ := f.Containers(ctx, "shop"); len(running)+len(stopped) > 0 {
		t.Errorf("containers left: %v %v", running, stopped)
	}

	// A task that does not stop makes the wait fail at its deadline,
	// saying what is left.
	f = deployed(t, shop)
	st = observe(t, f)
	for id := range f.TasksByService {
		f.TasksByService[id][0].Status.State = swarmtypes.TaskStateRunning
		f.TasksByService[id][0].DesiredState = swarmtypes.TaskStateRunning
	}
	f.ServiceByID = map[string]*swarmtypes.Service{}
	short, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	err := WaitGone(short, f, "shop", []string{"svc1"}, time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "still there") {
		t.Errorf("WaitGone with a running task: %v", err)
	}
}
