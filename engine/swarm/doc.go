// Package swarm speaks the Docker API calls a stack needs on a swarm
// manager: services, tasks, overlay networks, secrets, configs, service
// logs and nodes. It is the service-level counterpart of engine/docker,
// which works on containers; nothing here decides anything.
//
// Everything a stack owns carries the label [LabelNamespace] with the
// project name, as `docker stack deploy` sets it, and every list call
// filters on it, so that berth never sees, let alone touches, what other
// tools put on the swarm.
//
// The calls are grouped into small interfaces ([Reader], [Writer],
// [TaskReader], [LogReader], [NodeReader]) so that a consumer asks only for
// what it uses; [Client] implements them all against a daemon and
// package swarmfake implements them in memory for unit tests.
package swarm
