// Package integration runs the berth binary against a real Docker daemon.
//
// Every test builds nothing but its own Compose project: a unique project
// name (the test's name plus a random suffix), a compose.yaml in a temporary
// directory, and a cleanup that runs `berth down -v --remove-orphans` and then
// removes, through the docker CLI, anything still labelled with the project,
// even when the test failed. Tests use only locally built images
// (internal/testimage); nothing is pulled.
//
// The docker CLI is the independent witness: tests read container IDs,
// networks and volumes through it rather than through berth, so that a berth
// bug cannot hide itself.
//
// Without a reachable daemon the tests are skipped, unless the environment
// variable CI is set, in which case they fail: a CI run that silently skips
// them is a failure.
//
//	go test ./integration/            # all of them, a few minutes on two cores
//	go test ./integration/ -run Scale # one
package integration
