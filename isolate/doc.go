// Package isolate makes a stack safe to run beside copies of itself on one
// engine, as parallel CI jobs do, and says what it cannot make safe.
//
// Everything here is a pure function over a loaded project or observed
// containers; nothing reads files or calls the engine. The three steps a
// caller (berth ci, up --ephemeral-ports) takes:
//
//	if !keepPorts {
//		p, rewritten = isolate.RewritePorts(p) // before planning
//	}
//	findings := isolate.Lint(p, !keepPorts) // warn, or isolate.Fail under --strict
//	...                                     // up
//	env := isolate.PortEnv(containers)      // after up, for the test run
//
// # Ports
//
// A fixed host port ("8080:80") lets one stack per host bind it; the second
// fails with "port is already allocated". [RewritePorts] turns every fixed
// host port into one the engine picks when the container starts, keeping
// the host IP and protocol, so two stacks never ask for the same one.
// Ports are part of a service's config hash: a project brought up with
// rewritten ports is recreated by a later up without them, and the other
// way round. Rewriting is deterministic, so repeated rewritten ups plan
// nothing.
//
// # Port variables
//
// [PortEnv] tells the tests where the engine put each port, as
// BERTH_PORT_<SERVICE>_<PORT>[_UDP|_SCTP][_<N>] and BERTH_HOST_… variables;
// see its doc for the naming rules.
//
// # Lint
//
// Some parts of a file share state between stacks whatever the project
// name: a container_name, a fixed host port, an external or explicitly
// named network or volume, a fixed subnet, host networking. [Lint] lists
// them as findings ([Finding]) that name the key and say what to do; [Fail] turns
// them into one error for callers that refuse to start (--strict).
package isolate
