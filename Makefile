# Acequia: the two commands a newcomer needs are `make demo` and `make test`.
# Everything else is for developers.
SHELL := /bin/bash
PRESET ?= default
BUILD_DIR := build/$(PRESET)
# ccache shares objects between checkouts (CI clones afresh) when paths are made relative.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := true

.PHONY: all setup configure build test check-all demo bench asan format reference crds clean

all: build

setup:
	@scripts/setup

configure: setup
	@cmake --preset $(PRESET) >/dev/null

build: configure
	@cmake --build --preset $(PRESET)

# Every test but the ones labelled slow (soak, fuzzing); finishes in minutes on 2 cores.
test: build
	@ctest --preset $(PRESET)

# Every test, slow ones included.
check-all: build
	@ctest --preset all

demo: build
	@scripts/demo

bench: build
	@ACEQUIA_AGENT=$(BUILD_DIR)/sidecar/acequia-agent bench/agent_throughput

# Debug build with AddressSanitizer and UndefinedBehaviorSanitizer, then the tests.
asan:
	@$(MAKE) --no-print-directory test PRESET=asan

# Regenerates docs/reference.md from the component tables in api/catalog.cc.
reference: build
	@$(BUILD_DIR)/sidecar/acequia-agent reference > docs/reference.md

# Regenerates crds/ and the chart's copy from the tables in api/ (acequia-crdgen).
crds: configure
	@cmake --build --preset $(PRESET) --target acequia-crdgen
	@$(BUILD_DIR)/tools/crdgen/acequia-crdgen --out crds --out helm/acequia/crds

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

clean:
	@rm -rf build
