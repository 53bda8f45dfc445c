# AltNet gateway: build, test and measure. `make help` lists the targets.
#
# Everything here needs only Go (see go.mod for the version) and, for the ARM
# half of `make test`, qemu-arm-static (Debian package qemu-user-static).

GO       ?= go
DIST     := dist
PKG      := ./cmd/altnet
# Reproducible firmware: no cgo, no paths, no build id. Two builds of one
# commit are byte-identical (check with `make reproducible`).
export CGO_ENABLED := 0
# -buildvcs=auto puts the commit into `altnet version` when built from git,
# whatever GOFLAGS the machine sets.
export GOFLAGS := -buildvcs=auto
LDFLAGS  := -s -w -buildid=
BUILD    := $(GO) build -trimpath -ldflags '$(LDFLAGS)'

STATICCHECK_VERSION := v0.8.2
STATICCHECK := $(CURDIR)/bin/staticcheck-$(STATICCHECK_VERSION)

# FUZZTIME is how long each fuzz target runs in `make fuzz` (CI: seconds).
FUZZTIME ?= 5s
# BENCHTIME is passed to -benchtime by `make bench`.
BENCHTIME ?= 1s
# Set ALTNET_REQUIRE_QEMU=1 to make a missing qemu-arm-static an error
# (.ci/run does) instead of a skipped ARM test half.
ALTNET_REQUIRE_QEMU ?=
QEMU_ARM ?= qemu-arm-static
# Tests that start a second copy of a test binary (subprocess drivers, the
# command-line tests) run it through this wrapper under the ARM half.
export ALTNET_EXEC_WRAPPER :=

.PHONY: all help build cross reproducible check test test-host test-arm lint fuzz bench demo clean

all: build

help:
	@echo "make build         host binary in $(DIST)/altnet"
	@echo "make cross         static ARM binaries: $(DIST)/altnet-linux-{armv6,armv7,arm64}"
	@echo "make reproducible  build cross twice and compare sha256 sums"
	@echo "make check         what CI runs: lint, test and fuzz"
	@echo "make test          go test -race on the host, then the suite again on linux/arm (GOARM=6) under qemu"
	@echo "make lint          gofmt, go vet, staticcheck $(STATICCHECK_VERSION)"
	@echo "make fuzz          every fuzz target for FUZZTIME=$(FUZZTIME)"
	@echo "make bench         benchmarks and the figure tables (uses ../shared/data when present)"
	@echo "make demo          the simulated gateway, receivers and emergency sender"

build:
	@mkdir -p $(DIST)
	$(BUILD) -o $(DIST)/altnet $(PKG)

cross:
	@mkdir -p $(DIST)
	GOOS=linux GOARCH=arm GOARM=6 $(BUILD) -o $(DIST)/altnet-linux-armv6 $(PKG)
	GOOS=linux GOARCH=arm GOARM=7 $(BUILD) -o $(DIST)/altnet-linux-armv7 $(PKG)
	GOOS=linux GOARCH=arm64 $(BUILD) -o $(DIST)/altnet-linux-arm64 $(PKG)
	@cd $(DIST) && sha256sum altnet-linux-armv6 altnet-linux-armv7 altnet-linux-arm64

reproducible:
	@scripts/reproducible.sh

check: lint test fuzz

test: test-host test-arm

test-host:
	CGO_ENABLED=1 $(GO) test -race -count=1 ./...

test-arm:
	@scripts/test-arm.sh "$(QEMU_ARM)" "$(ALTNET_REQUIRE_QEMU)"

lint: $(STATICCHECK)
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=6 $(GO) vet ./...
	$(STATICCHECK) ./...

$(STATICCHECK):
	@mkdir -p bin
	GOBIN=$(CURDIR)/bin $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	mv bin/staticcheck $(STATICCHECK)

fuzz:
	@scripts/fuzz.sh "$(FUZZTIME)"

bench:
	@scripts/bench.sh "$(BENCHTIME)"

# DEMO_FLAGS are passed to `altnet sim demo` (e.g. DEMO_FLAGS="--seed 2 --plain").
demo: build
	$(DIST)/altnet sim demo $(DEMO_FLAGS)

clean:
	rm -rf $(DIST) bin
