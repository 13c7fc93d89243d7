#!/usr/bin/env bash
# Runs the shop demo (examples/shop) with bin/berth: up, one request through
# front -> app -> db on the published port, ps, down. `make demo` builds
# bin/berth and examples/shop/bin/shop first.
#
# DEMO_CLEAN=1 also removes the data volume (which resets the visit counter)
# and the images berth built.
set -euo pipefail
cd "$(dirname "$0")/.."

# ENGINE=native runs the demo without docker (see the README's "native
# engine"): the images cannot be built there, so they are packed from the
# shop binary and loaded first.
engine=${ENGINE:-docker}
berth=(bin/berth --engine "$engine" -f examples/shop/compose.yaml)
# The process environment wins over .env in interpolation, as in compose.
port=${SHOP_PORT:-$(sed -n 's/^SHOP_PORT=//p' examples/shop/.env)}
url="http://127.0.0.1:${port}/"

step() { printf '\n==> %s\n' "$*"; }

finish() {
	local status=$?
	if [ "$status" -ne 0 ]; then
		step "demo failed; last logs"
		"${berth[@]}" logs --tail 20 || true
	fi
	if [ "${DEMO_CLEAN:-}" = 1 ]; then
		step "berth down -v --rmi local"
		"${berth[@]}" down -v --rmi local || status=1
	else
		step "berth down (the volume shop_data is kept; DEMO_CLEAN=1 removes it)"
		"${berth[@]}" down || status=1
	fi
	exit "$status"
}
trap finish EXIT

if [ "$engine" = native ]; then
	step "pack and load the shop images (native engine)"
	archive=$(mktemp --suffix .tar)
	"${GO:-go}" run ./scripts/imagepack -o "$archive" -entrypoint /shop \
		-tag shop-front -tag shop-app -tag shop-db examples/shop/bin/shop:/shop
	bin/berth --engine native image load -i "$archive"
	rm -f "$archive"
	step "berth up -d"
	"${berth[@]}" up -d
else
	step "berth up -d --build"
	"${berth[@]}" up -d --build
fi

step "GET $url"
examples/shop/bin/shop get -wait 60s "$url"

step "berth ps"
"${berth[@]}" ps
