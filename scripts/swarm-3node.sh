#!/usr/bin/env bash
# Makes a three-node Docker Swarm on this one machine and checks, across the
# nodes, what a stack deployed to a swarm relies on. It is not part of
# `make test`: run it as root with `make swarm-3node` or directly.
#
# Each node is an extra dockerd in a network namespace of its own (with its
# own UTS and mount namespaces, data root, exec root, socket and containerd),
# plugged by a veth pair into one bridge in the host's namespace on a private
# /24. node1 inits the swarm, node2 and node3 join as workers; the image is
# made on node1 from /bin/busybox and copied to the others by docker
# save/load, so no registry is needed. The kernel here has no IPVS, so the
# stack (scripts/swarm/stack.yml) uses endpoint_mode dnsrr and host-mode
# ports instead of VIPs and the routing mesh.
#
# Checks: replicas spread over all nodes; a host-mode port answering on each
# node's address; DNS by name from a task on node1 to the tasks on the other
# nodes over the overlay network, and a request to each; a rolling update
# with a worker drained mid-update that completes with no task left there.
# With berth also: its plan names only the changed service, the others keep
# their versions, it adopts a docker stack deploy of the same file, and its
# down leaves nothing.
#
# Deploys and updates go through bin/berth --engine swarm when that build has
# it (SWARM_DEPLOYER=berth|docker overrides); assertions use the docker CLI.
#
# Everything is torn down on exit, whatever happened: the dockerds and their
# containers, namespaces, veths, the bridge, the one host iptables rule, the
# cgroups and the temp dir. The host's dockerd and its swarm state are never
# touched. `scripts/swarm-3node.sh clean` only tears down what a killed run
# left.
#
# BERTH (default bin/berth) is the berth to deploy with.
# SWARM_SUBNET (default 10.197.0) is the first three octets of the nodes'
# /24; SWARM_KEEP_LOGS=1 keeps the dockerd logs (printed path).
set -euo pipefail
cd "$(dirname "$0")/.."

net=${SWARM_SUBNET:-10.197.0}
berth=${BERTH:-bin/berth}
run=/run/berth-swarm
bridge=bsw0
nodes=(1 2 3)
stack=bsw
compose=scripts/swarm/stack.yml
image=berth-swarm-busybox:1
rule=(FORWARD -i "$bridge" -o "$bridge" -m comment --comment berth-swarm-3node -j ACCEPT)

sock() { echo "unix://$run/node$1.sock"; }
dk() { local n=$1; shift; docker -H "$(sock "$n")" "$@"; }
say() { printf '%s %s\n' "$(date +%T)" "$*"; }
die() { say "error: $*" >&2; exit 1; }

# ---------------------------------------------------------------- teardown

# kill_cgroup kills every process left in one node's cgroup (containers and
# shims that outlived their dockerd) and removes the cgroup from each
# hierarchy, deepest first.
kill_cgroup() {
	local cg=berth-swarm-node$1 procs
	if [ -d "/sys/fs/cgroup/pids/$cg" ]; then
		procs=$(find "/sys/fs/cgroup/pids/$cg" -name cgroup.procs -exec cat {} + 2>/dev/null || true)
		[ -z "$procs" ] || kill -KILL $procs 2>/dev/null || true
	fi
	local d
	for d in /sys/fs/cgroup/*/"$cg"; do
		[ -d "$d" ] || continue
		for _ in 1 2 3 4 5; do
			find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
			[ -d "$d" ] || break
			sleep 0.5
		done
	done
}

stop_node() {
	local n=$1 pidf=$run/node$1.pid pid
	[ -f "$pidf" ] || return 0
	pid=$(cat "$pidf")
	# --shutdown-timeout makes dockerd stop its containers quickly.
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 40); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.5
	done
	kill -KILL "$pid" 2>/dev/null || true
}

# teardown goes on past any error: each step undoes what it finds.
teardown() {
	set +e +o pipefail
	local n pids stops=()
	for n in "${nodes[@]}"; do
		stop_node "$n" &
		stops+=($!)
	done
	wait "${stops[@]}"
	for n in "${nodes[@]}"; do
		# containerd and the shims live in the node's namespace.
		if [ -e "/run/netns/berth-swarm-node$n" ]; then
			pids=$(ip netns pids "berth-swarm-node$n" 2>/dev/null || true)
			[ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
		fi
		kill_cgroup "$n"
		ip netns del "berth-swarm-node$n" 2>/dev/null || true
		ip link del "bsw$n" 2>/dev/null || true
	done
	ip link del "$bridge" 2>/dev/null || true
	while iptables -D "${rule[@]}" 2>/dev/null; do :; done
	# dockerd mounts only in its own mount namespace, gone with it; this is
	# for a run killed half-way through starting one.
	grep -o " $run[^ ]*\| /tmp/berth-swarm\.[^ ]*" /proc/self/mounts | sort -r |
		while read -r m; do umount -l "$m"; done
	# The mount point start_node needed, if this run made it.
	if [ -f "$run/made-run-containerd" ]; then rmdir /run/containerd 2>/dev/null; fi
	rm -rf "$run"
	if [ -n "${tmp:-}" ] && [ -d "$tmp" ]; then
		if [ "${SWARM_KEEP_LOGS:-}" = 1 ]; then
			find "$tmp" -mindepth 2 -maxdepth 2 ! -name dockerd.log -exec rm -rf {} +
			say "dockerd logs kept in $tmp"
		else
			rm -rf "$tmp"
		fi
	fi
}

# leftovers prints what of a run is still there; nothing when all is gone.
leftovers() {
	local n
	for n in "${nodes[@]}"; do
		[ ! -e "/run/netns/berth-swarm-node$n" ] || echo "netns berth-swarm-node$n"
		! ip link show "bsw$n" >/dev/null 2>&1 || echo "link bsw$n"
		[ ! -d "/sys/fs/cgroup/pids/berth-swarm-node$n" ] || echo "cgroup berth-swarm-node$n"
	done
	! ip link show "$bridge" >/dev/null 2>&1 || echo "bridge $bridge"
	! iptables -C "${rule[@]}" 2>/dev/null || echo "iptables rule ${rule[*]}"
	[ ! -e "$run" ] || echo "$run"
	! grep -q " $run" /proc/self/mounts || echo "mounts under $run"
	pgrep -f -- "--exec-root $run/" >/dev/null && echo "dockerd processes" || true
}

if [ "${1:-}" = clean ]; then
	tmp=
	teardown
	rm -rf /tmp/berth-swarm.*/
	exit 0
fi

[ "$(id -u)" = 0 ] || die "run as root: it makes namespaces, links and dockerds"
for c in dockerd docker ip iptables nsenter unshare busybox; do
	command -v "$c" >/dev/null || die "$c is missing (scripts/test-deps.sh lists what to install)"
done
[ -f /bin/busybox ] || die "/bin/busybox is missing: apt-get install busybox-static"
# mkdir is the lock: a second run, or leftovers of a killed one, stop here.
mkdir "$run" 2>/dev/null ||
	die "$run exists: another run is going on, or a killed one left it; scripts/swarm-3node.sh clean removes it"
tmp=$(mktemp -d /tmp/berth-swarm.XXXXXX)
started=$(date +%s)

failed=0
results=()
finish() {
	local status=$?
	# Nothing may cut the teardown short: not an error, nor a second ^C.
	set +e +o pipefail
	trap - EXIT
	trap '' INT TERM
	if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then
		for n in "${nodes[@]}"; do
			[ -f "$tmp/node$n/dockerd.log" ] || continue
			say "--- node$n dockerd.log, last errors"
			grep -E 'level=(error|fatal)' "$tmp/node$n/dockerd.log" | grep -v 'ipv4\.vs\.\|ipv4\.neigh\|default vlan\|default_pvid' | tail -n 8 || true
		done
	fi
	say "tearing down"
	teardown
	local left
	left=$(leftovers)
	if [ -n "$left" ]; then
		results+=("FAIL teardown left: $(tr '\n' ',' <<<"$left")")
		failed=$((failed + 1))
	else
		results+=("PASS teardown left nothing (namespaces, links, rule, cgroups, dockerds, $run)")
	fi
	say "summary: ${#results[@]} checks, $failed failed, $(($(date +%s) - started))s${status:+$([ "$status" = 0 ] || echo ", stopped early (exit $status)")}"
	printf '  %s\n' "${results[@]}"
	[ "$status" -ne 0 ] && exit "$status"
	[ "$failed" -eq 0 ] || exit 1
	exit 0
}
trap finish EXIT
trap 'exit 130' INT TERM

# check NAME CMD... runs CMD and records PASS or FAIL; CMD prints why.
check() {
	local name=$1
	shift
	if "$@"; then
		results+=("PASS $name")
		say "PASS $name"
	else
		results+=("FAIL $name")
		say "FAIL $name"
		failed=$((failed + 1))
	fi
}

# wait_until SECONDS DESC CMD... polls CMD once a second.
wait_until() {
	local limit=$1 desc=$2 i
	shift 2
	for ((i = 0; i < limit; i++)); do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 1
	done
	say "timed out after ${limit}s waiting for $desc"
	return 1
}

# settle SECONDS CMD... gives CMD, silenced, up to SECONDS to pass, so that
# a check that then runs it with its output is not failed by gossip or
# port set-up still under way.
settle() {
	local limit=$1
	shift
	wait_until "$limit" "$*" "$@" || true
}

# ---------------------------------------------------------------- network

ip -4 addr show | grep -q "inet $net\." && die "$net.0/24 is in use on this host; set SWARM_SUBNET"
say "network: bridge $bridge $net.254/24, nodes $net.1-3"
ip link add "$bridge" type bridge
ip addr add "$net.254/24" dev "$bridge"
ip link set "$bridge" up
# The host's FORWARD policy is DROP and br_netfilter hands bridged frames
# to it, so traffic between the nodes needs this one rule.
iptables -I "${rule[@]}"
for n in "${nodes[@]}"; do
	ns=berth-swarm-node$n
	ip netns add "$ns"
	ip link add "bsw$n" type veth peer name eth0 netns "$ns"
	ip link set "bsw$n" master "$bridge" up
	ip -n "$ns" addr add "$net.$n/24" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" link set lo up
done

# ---------------------------------------------------------------- dockerds

# start_node runs node N's dockerd. nsenter puts it in the node's network
# namespace without `ip netns exec`'s remount of /sys (which would drop the
# cgroup mounts); unshare gives it a hostname (its swarm node name) and a
# mount namespace where a fresh sysfs shows the node's own links and where
# every mount it makes stays, to vanish with it. A tmpfs on /run/containerd
# hides any system containerd socket, so that each dockerd starts its own,
# and keeps the shims' sockets (/run/containerd/s) off the host.
start_node() {
	local n=$1 d=$tmp/node$1
	mkdir -p "$d" "$run/node$n"
	echo '{}' >"$d/daemon.json"
	DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 \
		nsenter --net="/run/netns/berth-swarm-node$n" \
		unshare --uts --mount --propagation slave \
		sh -c '
			set -e
			hostname "node$1"
			mkdir -p "$2/cg"
			mount --rbind /sys/fs/cgroup "$2/cg"
			mount -t sysfs sysfs /sys
			mount --move "$2/cg" /sys/fs/cgroup
			mount -t tmpfs tmpfs /run/containerd
			exec dockerd --config-file "$2/daemon.json" \
				--data-root "$2/data" --exec-root "$3/node$1" \
				--pidfile "$3/node$1.pid" -H "unix://$3/node$1.sock" \
				--bip "10.199.$1.1/24" --storage-driver vfs \
				--cgroup-parent "/berth-swarm-node$1" \
				--shutdown-timeout 2 --log-level info
		' sh "$n" "$d" "$run" >"$d/dockerd.log" 2>&1 &
}

if [ ! -e /run/containerd ]; then
	mkdir /run/containerd
	touch "$run/made-run-containerd"
fi
for n in "${nodes[@]}"; do start_node "$n"; done
for n in "${nodes[@]}"; do
	wait_until 60 "node$n's dockerd" dk "$n" version ||
		{ tail -n 20 "$tmp/node$n/dockerd.log"; die "node$n's dockerd did not start"; }
done
say "dockerds up: $(for n in "${nodes[@]}"; do printf 'node%s ' "$n"; done)"

# ---------------------------------------------------------------- swarm

# The overlay subnets come from 10.198/16 so that they cannot meet the
# nodes' own /24.
dk 1 swarm init --advertise-addr "$net.1" --listen-addr "$net.1:2377" \
	--default-addr-pool 10.198.0.0/16 >/dev/null
token=$(dk 1 swarm join-token -q worker)
for n in 2 3; do
	dk "$n" swarm join --advertise-addr "$net.$n" --listen-addr "$net.$n:2377" \
		--token "$token" "$net.1:2377" >/dev/null
done
nodes_ready() {
	[ "$(dk 1 node ls --format '{{.Status}}' | grep -c '^Ready$')" = 3 ]
}
wait_until 60 "3 ready nodes" nodes_ready || die "the workers did not join"
say "swarm: $(dk 1 node ls --format '{{.Hostname}}/{{.ManagerStatus}}{{if not .ManagerStatus}}worker{{end}}' | sort | tr '\n' ' ')"

# The image: /bin/busybox and its applets, imported on node1, then copied.
mkdir -p "$tmp/image/bin" "$tmp/image/tmp"
cp /bin/busybox "$tmp/image/bin/busybox"
for a in $(/bin/busybox --list | grep -vx busybox); do ln -s busybox "$tmp/image/bin/$a"; done
tar -C "$tmp/image" -c . | dk 1 import -c 'ENV PATH=/bin' -c 'CMD ["sh"]' - "$image" >/dev/null
for n in 2 3; do dk 1 save "$image" | dk "$n" load -q >/dev/null; done
say "image $image on every node"

# ---------------------------------------------------------------- deploy

deployer=${SWARM_DEPLOYER:-}
if [ -z "$deployer" ]; then
	deployer=docker
	# ps connects, so it fails where this build has no swarm engine.
	if [ -x "$berth" ] && DOCKER_HOST=$(sock 1) "$berth" --engine swarm -f "$compose" -p "$stack" ps >/dev/null 2>&1; then
		deployer=berth
	fi
fi
# Newer docker CLIs warn unless told that stack deploy returns at once.
detach=()
docker stack deploy --help 2>/dev/null | grep -q -- --detach && detach=(--detach=true)
# b REV ARGS... runs berth on the swarm with web's REV set to REV.
b() {
	local rev=$1
	shift
	REV=$rev DOCKER_HOST=$(sock 1) "$berth" --engine swarm -f "$compose" -p "$stack" "$@"
}
# deploy REV [ARGS...] deploys the stack with web's REV set to REV; ARGS go
# to berth up.
deploy() {
	local rev=$1
	shift
	case $deployer in
	berth) b "$rev" up -d "$@" ;;
	docker) REV=$rev dk 1 stack deploy "${detach[@]}" --resolve-image never -c "$compose" "$stack" >/dev/null ;;
	*) die "SWARM_DEPLOYER=$deployer: use berth or docker" ;;
	esac
}
svc_ls() { dk 1 service ls --filter "label=com.docker.stack.namespace=$stack" --format '{{.Name}} {{.Replicas}}'; }
# converged: every service of the stack runs as many tasks as it wants.
converged() {
	local out
	out=$(svc_ls)
	[ "$(wc -l <<<"$out")" = 3 ] || return 1
	awk '{split($2, r, "/"); if (r[1] != r[2] || r[2] == 0) bad = 1} END {exit bad}' <<<"$out"
}

say "deploy with $deployer (REV=1)"
if [ "$deployer" = berth ]; then deploy 1 --wait; else deploy 1; fi || die "the first deploy failed"
wait_until 90 "the stack to converge" converged || {
	svc_ls
	dk 1 stack ps "$stack" --format '{{.Name}} {{.Node}} {{.CurrentState}} {{.Error}}' | head -n 10
	die "the stack did not converge"
}
say "services: $(svc_ls | tr '\n' ',')"

# ------------------------------------------------------------ check: spread

check_spread() {
	local per
	per=$(dk 1 service ps "${stack}_web" --filter desired-state=running --format '{{.Node}} {{.CurrentState}}' |
		awk '$2 == "Running" {c[$1]++} END {for (n in c) print n "=" c[n]}' | sort | tr '\n' ' ')
	say "  web tasks per node: $per"
	[ "$(wc -w <<<"$per")" = 3 ] && [ "$(tr ' =' '\n\n' <<<"$per" | awk 'NR % 2 == 0 {s += $1} END {print s}')" = 6 ]
}
check "6 replicas of web spread over node1, node2 and node3" check_spread

# ------------------------------------------------- check: host-mode ports

# task_ids N SERVICE prints the short ids (= hostnames) of SERVICE's
# containers on node N.
task_ids() { dk "$1" ps -q --filter "label=com.docker.swarm.service.name=${stack}_$2"; }

check_host_ports() {
	local n got want ok=0
	for n in "${nodes[@]}"; do
		got=$(timeout 5 busybox wget -q -O - "http://$net.$n:18080/" 2>/dev/null || echo none)
		want=$(task_ids "$n" edge)
		say "  $net.$n:18080 answered by $got; edge on node$n is ${want:-none}"
		[ -n "$want" ] && [ "$got" = "$want" ] || ok=1
	done
	return "$ok"
}
settle 20 check_host_ports
check "host-mode port 18080 answers on each node from that node's edge task" check_host_ports

# ----------------------------------------------------- check: DNS by name

probe=$(task_ids 1 probe)
[ -n "$probe" ] || die "no probe task on node1"
# ips N prints the mesh addresses of web's tasks on node N, one a line.
ips() {
	local id
	for id in $(task_ids "$1" web); do
		dk "$1" inspect -f "{{(index .NetworkSettings.Networks \"${stack}_mesh\").IPAddress}}" "$id"
	done
}
# resolve NAME prints the A records the probe gets for NAME, sorted.
resolve() {
	dk 1 exec "$probe" nslookup -type=a "$1" 2>/dev/null |
		awk '/^Name:/ {on = 1} on && /^Address/ {sub(/^Address( [0-9]+)?:[ \t]*/, ""); print}' | sort
}
want_ips=$(for n in "${nodes[@]}"; do ips "$n"; done | sort)

check_dns() {
	local name got ok=0
	for name in web tasks.web "tasks.${stack}_web"; do
		got=$(resolve "$name")
		say "  $name -> $(tr '\n' ' ' <<<"$got")"
		[ -n "$got" ] && [ "$got" = "$want_ips" ] || ok=1
	done
	[ "$(wc -l <<<"$want_ips")" = 6 ] || { say "  expected 6 task addresses, have: $want_ips"; ok=1; }
	return "$ok"
}
settle 20 check_dns
check "from node1, web and tasks.web resolve to all 6 task addresses on the 3 nodes (dnsrr)" check_dns

check_reach() {
	local n ip id got ok=0
	for n in 2 3; do
		for ip in $(ips "$n"); do
			got=$(dk 1 exec "$probe" timeout 5 wget -q -O - "http://$ip:8080/" 2>/dev/null || echo none)
			if task_ids "$n" web | grep -qx "$got"; then
				say "  probe on node1 -> $ip:8080 answered by $got, a web task on node$n"
			else
				say "  probe on node1 -> $ip:8080 answered by $got, not a web task on node$n"
				ok=1
			fi
		done
	done
	return "$ok"
}
settle 20 check_reach
check "from node1, a request to each web task on node2 and node3 over the overlay is answered by that task" check_reach

# --------------------------------------- check: rolling update with drain

version() { dk 1 service inspect -f '{{.Version.Index}}' "${stack}_$1"; }
update_state() { dk 1 service inspect -f '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}' "${stack}_web"; }
# some_updated: a task of web runs REV=2 somewhere.
some_updated() {
	local n
	for n in "${nodes[@]}"; do [ "$(updated_on "$n")" = 0 ] || return 0; done
	return 1
}
completed() { [ "$(update_state)" = completed ]; }

# updated_on N counts web's containers on node N that run REV=2.
updated_on() {
	local id c=0
	for id in $(task_ids "$1" web); do
		dk "$1" inspect -f '{{.Config.Env}}' "$id" | grep -q 'REV=2' && c=$((c + 1))
	done
	echo "$c"
}

v_probe=$(version probe)
v_edge=$(version edge)

check_plan() {
	local out actions
	out=$(b 2 plan) || return 1
	sed 's/^/  | /' <<<"$out"
	actions=$(grep '^#' <<<"$out")
	[ "$actions" = "#0 update-service ${stack}_web" ] && grep -q 'REV' <<<"$out"
}
if [ "$deployer" = berth ]; then
	check "berth plan for REV=2 names one action, the update of web, for its environment" check_plan
fi
say "deploy with $deployer (REV=2): web rolls one task at a time"
deploy 2 || die "the update's deploy failed"
wait_until 60 "web's update to start a first task" some_updated || true
# Drain a worker none of whose tasks is updated yet, so that the drain
# sends old tasks away and the update has to finish elsewhere.
drained=node3
[ "$(updated_on 3)" = 0 ] || drained=node2
say "  update $(update_state), tasks updated per node: $(for n in "${nodes[@]}"; do printf 'node%s=%s ' "$n" "$(updated_on "$n")"; done); draining $drained"
dk 1 node update --availability drain "$drained" >/dev/null
check_rolled() {
	local per envs bad=0 t
	wait_until 180 "web's update to complete" completed || bad=1
	wait_until 60 "the stack to converge" converged || bad=1
	per=$(dk 1 service ps "${stack}_web" --filter desired-state=running --format '{{.Node}} {{.CurrentState}}' |
		awk '$2 == "Running" {c[$1]++} END {for (n in c) print n "=" c[n]}' | sort | tr '\n' ' ')
	say "  update $(update_state); web tasks per node: $per"
	grep -q "$drained" <<<"$per" && bad=1
	[ -z "$(task_ids "${drained#node}" web)" ] || { say "  web containers still on $drained"; bad=1; }
	[ "$(wc -w <<<"$per")" = 2 ] || bad=1
	for t in $(dk 1 service ps -q --filter desired-state=running "${stack}_web"); do
		envs=$(dk 1 inspect --type task -f '{{.Spec.ContainerSpec.Env}}' "$t")
		grep -q 'REV=2' <<<"$envs" || { say "  task $t runs $envs"; bad=1; }
	done
	return "$bad"
}
check "rolling update of web with $drained drained mid-update completes: all 6 tasks REV=2, none on $drained" check_rolled

check_untouched() {
	local p e
	p=$(version probe)
	e=$(version edge)
	say "  versions: probe $v_probe -> $p, edge $v_edge -> $e"
	[ "$p" = "$v_probe" ] && [ "$e" = "$v_edge" ]
}
if [ "$deployer" = berth ]; then
	check "the update left the other services' versions unchanged" check_untouched
else
	check_untouched || say "  (docker stack deploy updates every service; berth should not)"
fi

# ------------------------------------------- check: adopting docker stack

# docker stack deploy of the same file sends every service again; berth
# must find nothing to change in what it converted the file to.
check_adopt() {
	local out
	REV=2 dk 1 stack deploy "${detach[@]}" --resolve-image never -c "$compose" "$stack" >/dev/null || return 1
	out=$(b 2 plan) || return 1
	sed 's/^/  | /' <<<"$out"
	[ "$out" = "stack $stack: nothing to do" ]
}
if [ "$deployer" = berth ]; then
	check "after docker stack deploy of the same file, berth plan has nothing to do" check_adopt
fi

# ------------------------------------------------------- check: berth down

# stack_left lists what of the stack is still on the swarm.
stack_left() {
	dk 1 service ls -q --filter "label=com.docker.stack.namespace=$stack"
	dk 1 network ls -q --filter "label=com.docker.stack.namespace=$stack"
}
gone() { [ -z "$(stack_left)" ]; }
check_down() {
	b 2 down || return 1
	wait_until 30 "the stack's services and networks to go" gone || { stack_left; return 1; }
}
if [ "$deployer" = berth ]; then
	check "berth down removes the stack's services and network from the swarm" check_down
fi
