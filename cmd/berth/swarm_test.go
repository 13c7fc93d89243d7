package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/berth-dev/berth/engine/swarm/swarmfake"
)

// swarmCompose is a stack for a swarm: images only, dnsrr.
const swarmCompose = `
services:
  web:
    image: app:latest
    environment:
      MODE: prod
    deploy:
      replicas: 2
      endpoint_mode: dnsrr
  db:
    image: app:latest
    deploy:
      endpoint_mode: dnsrr
`

func newSwarmHarness(t *testing.T, compose string) *harness {
	h := newHarness(t, compose)
	h.sw = swarmfake.New()
	return h
}

// TestSwarmCommands runs the swarm commands on the fake, one after the
// other, as a user would.
func TestSwarmCommands(t *testing.T) {
	h := newSwarmHarness(t, swarmCompose)
	stdout, _ := h.mustRun(2, "--engine", "swarm", "plan", "--detailed-exitcode")
	if !strings.Contains(stdout, "#2 create-service shop_web") {
		t.Errorf("plan:\n%s", stdout)
	}
	h.mustRun(0, "--engine", "swarm", "up", "-d")
	if stdout, _ := h.mustRun(0, "--engine", "swarm", "plan"); stdout != "stack shop: nothing to do\n" {
		t.Errorf("plan after up:\n%s", stdout)
	}

	stdout, _ = h.mustRun(0, "--engine", "swarm", "ps", "--format", "json")
	var tasks []psTask
	if err := json.Unmarshal([]byte(stdout), &tasks); err != nil {
		t.Fatalf("ps --format json: %v\n%s", err, stdout)
	}
	if len(tasks) != 3 || tasks[0].Name != "shop_db.1" || tasks[0].Service != "db" || tasks[0].Node != "node-1" || tasks[0].State != "running" {
		t.Errorf("ps --format json:\n%s", stdout)
	}

	h.mustRun(0, "--engine", "swarm", "scale", "web=3")
	stdout, _ = h.mustRun(0, "--engine", "swarm", "plan")
	if !strings.Contains(stdout, "scale: replicas 3 → 2") {
		t.Errorf("plan after scale web=3:\n%s", stdout)
	}

	h.sw.Calls = nil
	h.mustRun(0, "--engine", "swarm", "restart", "db")
	if strings.Join(h.sw.Calls, ",") != "UpdateService shop_db" {
		t.Errorf("restart db made %v", h.sw.Calls)
	}

	h.sw.Calls = nil
	h.mustRun(0, "--engine", "swarm", "down")
	want := "RemoveService shop_db,RemoveService shop_web,RemoveNetwork shop_default,RemoveContainer"
	if got := strings.Join(h.sw.Calls, ","); !strings.HasPrefix(got, want) {
		t.Errorf("down made %s, want %s…", got, want)
	}
	if running, stopped, _ := h.sw.Containers(context.Background(), "shop"); len(running)+len(stopped) != 0 {
		t.Errorf("down left containers %v %v", running, stopped)
	}
	if m := h.f.Mutations(); len(m) != 0 {
		t.Errorf("the container engine was changed: %v", m)
	}
}

// TestSwarmRefusesContainerCommands: a command that works on containers
// fails with --engine swarm, naming the command and engine, before
// anything is loaded or reached.
func TestSwarmRefusesContainerCommands(t *testing.T) {
	for _, args := range [][]string{{"exec", "web", "ls"}, {"start"}, {"volumes"}, {"run", "web"}} {
		h := newSwarmHarness(t, swarmCompose)
		code, _, stderr := h.run(append([]string{"--engine", "swarm"}, args...)...)
		want := "berth " + args[0] + ": not available with --engine swarm"
		if code == 0 || !strings.Contains(stderr, want) {
			t.Errorf("berth --engine swarm %s: exit %d, stderr %q; want an error containing %q", strings.Join(args, " "), code, stderr, want)
		}
		if len(h.sw.Calls) != 0 {
			t.Errorf("%s reached the swarm: %v", args[0], h.sw.Calls)
		}
	}
	h := newSwarmHarness(t, swarmCompose)
	h.env["BERTH_ENGINE"] = "swarm"
	if code, _, stderr := h.run("up", "-d", "--build"); code == 0 || !strings.Contains(stderr, "up --build: not available with --engine swarm") {
		t.Errorf("BERTH_ENGINE=swarm up --build: exit %d, %s", code, stderr)
	}
}

// TestSwarmNotManager: a daemon outside a swarm is reported with what to
// do.
func TestSwarmNotManager(t *testing.T) {
	h := newSwarmHarness(t, swarmCompose)
	h.sw.NotManager = true
	if code, _, stderr := h.run("--engine", "swarm", "up", "-d"); code == 0 || !strings.Contains(stderr, "docker swarm init") {
		t.Errorf("up on a non-manager: exit %d, %s", code, stderr)
	}
}

// TestSwarmSelection: up of one service leaves the others alone and
// calls none of them an orphan; plan --format json names the engine.
func TestSwarmSelection(t *testing.T) {
	h := newSwarmHarness(t, swarmCompose)
	h.mustRun(0, "--engine", "swarm", "up", "-d")
	h.writeCompose(strings.Replace(swarmCompose, "MODE: prod", "MODE: dev", 1))
	stdout, _ := h.mustRun(0, "--engine", "swarm", "plan", "--format", "json", "db")
	if stdout != `{"project":"shop","engine":"swarm","actions":[],"warnings":[]}`+"\n" {
		t.Errorf("plan --format json db:\n%s", stdout)
	}
	h.sw.Calls = nil
	_, stderr := h.mustRun(0, "--engine", "swarm", "up", "-d", "web")
	if strings.Join(h.sw.Calls, ",") != "UpdateService shop_web" || strings.Contains(stderr, "orphan") || strings.Contains(stderr, "not in the compose file") {
		t.Errorf("up -d web made %v\n%s", h.sw.Calls, stderr)
	}
}
