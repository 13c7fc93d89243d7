#!/usr/bin/env bash
# Checks, before `make test` spends minutes building, that the machine has
# what the tests need beyond Go and Docker, and stops at once with the one
# command that installs what is missing. .ci/run installs it itself; on a
# developer's machine this message comes instead of a failure deep in the
# integration tests.
set -u
# The shell test image (internal/testimage.EnsureShell) is built FROM scratch
# around Debian's static busybox; a dynamic one cannot run there.
if [ ! -x /bin/busybox ]; then
	echo "make test: /bin/busybox is missing (the tests' shell image is built from it); install it with:" >&2
	echo "  apt-get install -y busybox-static" >&2
	exit 1
fi
