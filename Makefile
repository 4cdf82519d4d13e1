# Acequia: the two commands a newcomer needs are `make demo` and `make test`.
# Everything else is for developers.
SHELL := /bin/bash
PRESET ?= default
BUILD_DIR := build/$(PRESET)
# ccache shares objects between checkouts (CI clones afresh) when paths are made relative.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := true

.PHONY: all setup configure build test check-all fuzz demo bench asan format reference crds clean

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

# Every test, slow ones included, then the fuzz targets.
check-all: build
	@ctest --preset all
	@$(MAKE) --no-print-directory fuzz

# libFuzzer targets (fuzz/, clang only), each run for FUZZ_SECONDS; a crash fails the target.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := syslog http_json forward_codec flume_properties
fuzz:
	@command -v clang++ >/dev/null || { echo "fuzz: needs clang++ (libFuzzer)" >&2; exit 2; }
	@cmake -S fuzz -B build/fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build/fuzz --target acequia_fuzz_targets
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p build/fuzz/corpus/$$t build/fuzz/artifacts/$$t && \
	  echo "fuzz: $$t for $(FUZZ_SECONDS)s" && \
	  build/fuzz/acequia_$${t}_fuzz -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=build/fuzz/artifacts/$$t/ build/fuzz/corpus/$$t fuzz/corpus/$$t \
	    2> build/fuzz/$$t.log || { tail -40 build/fuzz/$$t.log >&2; exit 1; }; \
	  grep -E '^stat::number_of_executed_units' build/fuzz/$$t.log || true; \
	done

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
