# Authkeep. Two commands set everything up on a fresh Debian 12 machine:
#   make demo    install what is missing, build, and run the demo
#   make check   install what is missing, build, and run every test
# Other targets: make build, make bench, make fuzz, make format, make clean.
# `make build` is a release build (real key-derivation costs only); `make
# check` makes build/ and build-asan/ test builds (-Dtest_costs=true), which
# also accept AUTHKEEP_KDF_COST=min. The demo runs at the real costs in
# either (scripts/demo.sh unsets AUTHKEEP_KDF_COST): a few seconds in all.

.PHONY: all deps build check demo bench fuzz format clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@[ -f build/build.ninja ] || meson setup build
	ninja -C build

check: deps
	@scripts/check.sh

demo: build
	@scripts/demo.sh

bench: build
	@bench/run.sh

# Longer fuzzing with libFuzzer: make fuzz FUZZ_SECONDS=300
FUZZ_SECONDS ?= 60
fuzz: deps
	@[ -f build-asan/build.ninja ] || CC=clang meson setup build-asan -Db_sanitize=address,undefined \
		-Db_lundef=false -Dtest_costs=true -Dfuzzer=libfuzzer -Dbuildtype=debug -Doptimization=1
	ninja -C build-asan
	@for t in build-asan/fuzz/fuzz_*; do [ -x "$$t" ] || continue; n=$${t##*/fuzz_}; \
		echo "== $$n"; fuzz/run.sh libfuzzer "$$t" fuzz/corpus/$$n build-asan/fuzz/scratch-$$n $(FUZZ_SECONDS) || exit 1; done

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-asan build.*.log build-asan.*.log
