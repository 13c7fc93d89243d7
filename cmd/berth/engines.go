package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/docker"
)

// monitorCommand and teardownCommand are the hidden commands the native
// engine runs berth with (monitorproc.Command and TeardownCommand), which a
// build without that engine must recognise too, to hand them over.
const (
	monitorCommand  = "native-monitor"
	teardownCommand = "native-teardown"
)

// errNativeBuild is what a build without the native engine (see
// native_absent.go) returns for a command on that engine, before it has
// done anything: main hands the command over to the native build.
var errNativeBuild = errors.New("this build of berth has no native engine; berth-native runs its commands")

// connectEngine opens the engine --engine (or BERTH_ENGINE) names and
// returns how to close it. Every command reaches its engine through here.
// dockerContext is --context, for the engines that talk to a daemon.
func connectEngine(ctx context.Context, name, dockerContext string, environ map[string]string) (engine.Engine, func() error, error) {
	switch name {
	case "docker":
		opts, err := docker.OptionsFromEnv(environ, dockerContext)
		if err != nil {
			return nil, nil, err
		}
		e, err := docker.New(ctx, opts)
		if err != nil {
			return nil, nil, err
		}
		return e, e.Close, nil
	case "swarm":
		// The swarm commands dispatch before they reach a container engine
		// (see swarm.go); one that gets here works on containers.
		return nil, nil, fmt.Errorf("--engine swarm: this command works on containers, and a swarm runs services: use --engine docker")
	case "native":
		return connectNative(environ)
	default:
		return nil, nil, fmt.Errorf("--engine %s: not available in this build of berth; use --engine docker or native", name)
	}
}
