# berth's entry points. `make test` is what CI runs (see .ci/run); `make demo`
# shows the shop example end to end against the local Docker daemon.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

GO ?= go
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
STATICCHECK := $(shell $(GO) env GOPATH)/bin/staticcheck
STATICCHECK_VERSION := v0.8.2
# The integration tests dominate `go test`; they take a few minutes on two
# cores, so this leaves room without letting a hung test run forever.
TEST_TIMEOUT ?= 10m
FUZZTIME ?= 30s

.PHONY: build shop test test-deps fmt-check vet staticcheck front-check unit bench-smoke fuzz fuzz-smoke demo swarm-3node bench clean

# Four executables (see loader/front.go): bin/berth serves cached projects
# without linking compose-go's loader, and hands every other load to
# bin/berth-full, which must sit beside it. That one leaves the native
# engine out (see cmd/berth/native_absent.go) and hands commands on it to
# bin/berth-native, the plain build, as bin/berth does with the loads it
# cannot serve on that engine. The native engine runs bin/berth-monitor
# beside berth as each container's monitor (see cmd/berth-monitor); without
# it, berth serves as the monitor, at five times the memory.
#
# All are static (CGO_ENABLED=0): berth needs nothing from libc, and
# without the dynamic loader, libc and their thread stacks every process
# maps about 1.5 MiB less and starts sooner.
build:
	CGO_ENABLED=0 $(GO) build -tags berthfront -ldflags "-X main.version=$(VERSION)" -o bin/berth ./cmd/berth
	CGO_ENABLED=0 $(GO) build -tags berthnonative -ldflags "-X main.version=$(VERSION)" -o bin/berth-full ./cmd/berth
	CGO_ENABLED=0 $(GO) build -ldflags "-X main.version=$(VERSION)" -o bin/berth-native ./cmd/berth
	CGO_ENABLED=0 $(GO) build -o bin/berth-monitor ./cmd/berth-monitor

# The demo's one binary; static so that it runs in a FROM scratch image.
shop:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w" -o examples/shop/bin/shop ./examples/shop

test: test-deps fmt-check vet staticcheck front-check unit bench-smoke fuzz-smoke

# What the tests need besides Go and Docker, checked first.
test-deps:
	@scripts/test-deps.sh

# testdata may hold deliberately odd Go files (goldens), so it is skipped.
fmt-check:
	@files=$$(find . -name '*.go' -not -path './.git/*' -not -path '*/testdata/*' -print0 | xargs -0 gofmt -l); \
	if [ -n "$$files" ]; then echo "gofmt needed on:"; echo "$$files"; echo "run: gofmt -w <files>"; exit 1; fi

vet:
	$(GO) vet ./...

staticcheck:
	@test -x $(STATICCHECK) || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	$(STATICCHECK) ./...

# The front build (see build) compiles different files of loader, and the
# full build different files of cmd/berth; their tests are those of the
# executables, in integration/. Code only the plain build calls is dead in
# the others, so U1000 (unused) is left to the plain staticcheck run.
front-check:
	$(GO) build -tags berthfront ./...
	$(STATICCHECK) -tags berthfront -tests=false -checks inherit,-U1000 ./...
	$(GO) build -tags berthnonative ./...
	$(STATICCHECK) -tags berthnonative -tests=false -checks inherit,-U1000 ./...

unit:
	$(GO) test -race -timeout $(TEST_TIMEOUT) ./...

# Benchmarks run once each, only to prove they still compile and work.
bench-smoke:
	$(GO) test -run '^$$' -bench . -benchtime=1x ./...

# A short fuzz of the loader on every test run; what it finds joins
# loader/testdata/fuzz and testdata/bad.
fuzz-smoke:
	$(MAKE) fuzz FUZZTIME=10s

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME) ./loader

# DEMO_CLEAN=1 also removes the volume (and with it the visit counter) and
# the demo's images;
# SHOP_PORT=NNNN publishes on another port than the one in examples/shop/.env.
# ENGINE=native runs it with no docker at all (as root, with runc): the
# images are packed by scripts/imagepack and loaded with `berth image load`.
ENGINE ?= docker
demo: build shop
	ENGINE=$(ENGINE) GO=$(GO) scripts/demo.sh

# A three-node swarm of extra dockerds on this machine, as root; checks
# spread, DNS and a rolling update across nodes, then removes it all. Not
# part of test: it takes about a minute and needs the kernel's netns, veth
# and vxlan. SWARM_DEPLOYER=docker deploys with docker stack instead of berth.
swarm-3node: build
	scripts/swarm-3node.sh

# BENCH_FLAGS passes flags through, e.g. BENCH_FLAGS="-sizes 10 -runs 1".
bench:
	$(GO) run ./bench $(BENCH_FLAGS)

clean:
	rm -rf bin examples/shop/bin
