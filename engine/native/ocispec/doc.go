// Package ocispec turns a compose service and its image's config into the
// OCI runtime spec (config.json) that the native engine hands to runc, so
// that a service runs the same under --engine native as under docker: the
// same argv, environment, user, working directory, capabilities, limits,
// default mounts, masked paths, device rules and seccomp filter as dockerd
// would give it.
//
// Build is pure but for reading the image's /etc/passwd and /etc/group,
// the host's /dev for a privileged service, the device nodes a service's
// devices name and a seccomp profile file a service names; Mounts touches the host only to create a missing bind
// source as docker does.
//
// What this package decides and what it leaves to the engine:
//   - Keys that need something runc cannot do or that the native engine
//     does not provide (gpus, runtime, isolation, blkio_config, …)
//     are errors naming the key: see unsupported.go. Silently ignoring them
//     would run a different container from the one docker runs.
//   - Keys that are the engine's business are read elsewhere: networks,
//     ports, dns, extra_hosts, restart, healthcheck, stop_signal,
//     stop_grace_period, logging, volumes_from, links, labels. Metadata
//     with no effect on a container (build, deploy.replicas, profiles,
//     platform, …) is ignored.
//   - init: true needs a static init binary on the host (docker ships
//     tini as docker-init); the engine finds one (see FindInit) and passes
//     it as Input.Init. Without one Build fails naming the key rather than
//     running the service without the zombie reaping and signal forwarding
//     it asked for.
//   - seccomp is docker's: its default profile, from moby's own
//     github.com/moby/profiles/seccomp and filtered by the container's
//     capabilities as dockerd does, unless the service is privileged or
//     says security_opt seccomp=unconfined; seccomp=FILE (relative to the
//     project directory) or inline JSON selects another profile. runc
//     installs it.
//   - devices and device_cgroup_rules are dockerd 20.10's: each host
//     device node (or every node below a directory such as /dev/snd)
//     is created in the container with the host's numbers, mode and
//     owner, and allowed in the device cgroup with the entry's
//     permissions; each rule is one more allow rule after docker's
//     defaults. A privileged service has every device already.
//   - No AppArmor profile or SELinux label is applied: docker's default
//     AppArmor profile is not reproduced here, which leaves a native
//     container less confined than a docker one on an AppArmor host.
//     security_opt values that only loosen them (apparmor=unconfined,
//     label=disable) are therefore accepted; ones that select a profile
//     or label are errors.
package ocispec
