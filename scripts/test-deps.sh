#!/usr/bin/env bash
# Checks, before `make test` spends minutes building, that the machine has
# what the tests need beyond Go and Docker, and stops at once with the one
# command that installs what is missing. .ci/run installs it itself; on a
# developer's machine this message comes instead of a failure deep in the
# integration tests.
set -u
missing=()
# The shell test image (internal/testimage.EnsureShell) is built FROM scratch
# around Debian's static busybox; a dynamic one cannot run there.
[ -x /bin/busybox ] || missing+=(busybox-static)
# The native engine's tests run containers with runc and wire their
# networks with iptables and ip.
command -v runc >/dev/null || missing+=(runc)
command -v iptables >/dev/null || missing+=(iptables)
command -v ip >/dev/null || missing+=(iproute2)
if [ "${#missing[@]}" -gt 0 ]; then
	echo "make test: missing ${missing[*]} (see README, Requirements); install with:" >&2
	echo "  apt-get install -y ${missing[*]}" >&2
	exit 1
fi
