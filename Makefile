# elfloader: run unmodified Linux x86-64 programs on a small kernel in Go.
#
#   make demo    set up, build, and run a static hello world and busybox
#   make test    set up, vet, and pass every test (also on the isolated platform)
#   make test-isolated   the integration suite with --platform=isolated
#   make bench   benchmarks side by side with native runs (see bench/)
#   make conformance  Go's and CPython's own test suites, native vs elfloader
#   make fuzz    run every fuzz target for FUZZTIME (docs/robustness.md)

GO ?= go
BIN := bin/elfloader
export PATH := /usr/local/go/bin:$(PATH)

.PHONY: all deps build demo test test-isolated test-isolated-run vet fuzz bench docs clean conformance

all: build

deps:
	@scripts/deps.sh

# elfloader is a static program linked at a fixed address below the
# 1 GiB where Linux puts MAP_32BIT mappings and far above where non-PIE
# programs load (0x400000): no dynamic loader maps and binds libc, and no
# relocation pass writes a megabyte of type data at every start (a static
# PIE spent 0.45 ms of a 3 ms start relocating itself; docs/binaries.md).
# An app that needs that address range runs on the isolated platform, as
# one that collides with any of elfloader's own mappings does. Static glibc
# must not look up users or hosts through NSS modules: Go's own resolvers
# serve them (netgo, osusergo). -s -w leave out the symbol table and DWARF
# (Go's own tracebacks keep working).
LOAD_ADDRESS := 0x30000000
BUILD_TAGS := netgo,osusergo
BUILD_LDFLAGS := -s -w -linkmode=external -extldflags "-static -Wl,-Ttext-segment=$(LOAD_ADDRESS)"

# Two builds of cmd/elfloader (docs/binaries.md): bin/elfloader, the lean
# runner users call (no TCP/IP stack of the app's own, no registry client:
# half the code, a faster start and less memory), and bin/elfloader-full,
# every feature, to which the lean one hands --net=sandbox and pack.
FULL_BIN := bin/elfloader-full

build:
	$(GO) build -ldflags='$(BUILD_LDFLAGS)' -tags $(BUILD_TAGS),elfloader_lean -o $(BIN) ./cmd/elfloader
	$(GO) build -ldflags='$(BUILD_LDFLAGS)' -tags $(BUILD_TAGS) -o $(FULL_BIN) ./cmd/elfloader

demo: deps build
	@mkdir -p bin
	gcc -static -O2 -o bin/hello examples/hello.c
	@echo '--- static hello world under elfloader:'
	$(BIN) run bin/hello
	@echo '--- busybox under elfloader:'
	$(BIN) run /bin/busybox echo "busybox says hi"
	$(BIN) run /bin/busybox seq 1 3
	$(BIN) run /bin/busybox uname -sm
	@echo '--- a dynamic program (Debian python3, dynamic non-PIE):'
	$(BIN) run /usr/bin/python3 -c 'import sys, platform; print("python", sys.version.split()[0], "on", platform.system())'
	@echo '--- a trace of the first syscalls of hello:'
	$(BIN) run --trace bin/hello 2>&1 >/dev/null | head -5
	@echo '--- which syscalls hello needs, and how well elfloader serves them:'
	$(BIN) coverage --format=text -- bin/hello 2>/dev/null | head -12

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...
	$(GO) vet -tags elfloader_lean ./cmd/elfloader ./posix/socket ./kernel

test: deps vet build
	ELFLOADER=$(CURDIR)/$(BIN) $(GO) test -count=1 -timeout 30m ./...
	@$(MAKE) --no-print-directory test-isolated-run
	@$(MAKE) --no-print-directory fuzz

# The whole integration suite again, every program run with
# --platform=isolated (a stub process per app process); tests of what only
# the in-process platform has skip with the reason. About 2.5 minutes here.
test-isolated: deps build test-isolated-run

test-isolated-run:
	ELFLOADER=$(CURDIR)/$(BIN) ELFLOADER_FLAGS=--platform=isolated $(GO) test -count=1 -timeout 30m ./tests/integration

# Fuzz targets as package:FuzzName; -fuzz takes one package at a time.
# 8 targets x FUZZTIME 12s keeps CI's fuzzing under two minutes; fuzz
# longer with e.g. `make fuzz FUZZTIME=10m FUZZ_PARALLEL=2`.
FUZZ_TARGETS := ./elfloader:FuzzParse \
	./images:FuzzOpenImage ./images:FuzzImageRootfs ./images/cpio:FuzzReader \
	./images/oci:FuzzOpenArchive ./images/oci:FuzzLayers \
	./shim/strace:FuzzFormat ./shim/strace:FuzzFormatMemory
FUZZTIME ?= 12s
FUZZ_PARALLEL ?= 1

fuzz:
	@GO=$(GO) FUZZTIME=$(FUZZTIME) FUZZ_PARALLEL=$(FUZZ_PARALLEL) scripts/fuzz.sh $(FUZZ_TARGETS)

bench: deps build
	ELFLOADER=$(CURDIR)/$(BIN) $(GO) run ./bench/cmd/benchall

# Go's standard-library tests and CPython's test suite, natively and under
# elfloader: docs/conformance.md (slow: tens of minutes).
conformance: build
	scripts/deps.sh
	$(GO) run ./conformance/cmd/conformance -elfloader $(BIN) -o docs/conformance.md

docs: build
	$(FULL_BIN) syscalls --format=markdown > docs/syscalls.md

clean:
	rm -rf bin
