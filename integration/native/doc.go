// Package native runs the berth binary end to end on the native engine
// (`--engine native`): berth and runc, no dockerd in the path of a container.
//
// TestMain builds berth as `make build` does (the front and the full build
// beside it) and gives the whole package one state directory, BERTH_ROOT,
// under the system's temporary directory. Images are built with docker
// (internal/testimage, the shop's Dockerfile), saved with `docker save` and
// loaded with `berth image load`; nothing is pulled.
//
// The witnesses are independent of berth's own output: the state directory's
// records name what a project made, and the kernel is asked what is there
// (`ip -j link`, /proc/self/mountinfo, the processes whose command line runs
// native-monitor, runc's own state, cgroups, iptables-save), the network
// namespaces are entered with nsenter, and published ports are tried with
// plain HTTP clients from the host. Every test's cleanup runs
// `berth down -v --remove-orphans` and fails the test if anything its
// project made is still there; the package ends by checking that the state
// directory holds no container, mount or monitor, and by sweeping whatever
// a failed test left before removing it.
//
// The tests need root, runc, docker (to build the images) and
// /bin/busybox. Without them they are skipped, unless the environment
// variable CI is set, in which case they fail.
//
//	go test -count=1 ./integration/native/
package native
