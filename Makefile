# pipelab — the one entry point. `make help` lists every target: each target
# line carries its one-line description after "## ", and help prints those.
#
# Variants: SAN=asan or SAN=tsan builds everything into build/asan or build/tsan;
# SAN=fuzz builds the library with clang for libFuzzer into build/fuzz.
# Dependencies come from Debian packages through pkg-config; scripts/deps.sh
# installs them when run as root, or prints the one command to run.

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
SAN     ?=

NO_DEPS_GOALS := clean help uninstall dist
ifeq ($(filter-out $(NO_DEPS_GOALS),$(or $(MAKECMDGOALS),all)),)
else
DEPS_STATUS := $(shell scripts/deps.sh >&2 && echo ok)
ifneq ($(DEPS_STATUS),ok)
$(error missing dependencies (see the message above))
endif
endif

PKGS     := zlib libsodium
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_CFLAGS := $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   := $(shell pkg-config --libs cmocka 2>/dev/null)

# NDEBUG is never defined, in any variant: the assert()s that state the
# invariants (no chunk astray once a backend returns, a reorder slot empty
# before it is filled, no thread left waiting on a channel being destroyed)
# run in every build the tests use. Keep it so.
WARN    := -Wall -Wextra -Wpedantic -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS  ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) $(CFLAGS) -pthread $(PKG_CFLAGS)

# The layers, one folder each; dependencies run one way:
#   src/prim  <-  src/core  <-  backends  <-  src/app
# Each layer is compiled with the include paths of its own folder and of the
# layers below it only, so an include that runs upwards fails to compile
# (`make layers` shows it). LIB_INC is everything below the application: what
# a file linked against libpipelab.a (a lab, a test) may include.
PRIM_INC := -Isrc/prim
CORE_INC := $(PRIM_INC) -Isrc/core
LIB_INC  := $(CORE_INC) -Ibackends
APP_INC  := $(LIB_INC) -Isrc/app
LDLIBS  := $(PKG_LIBS) -pthread -lm

ifeq ($(SAN),asan)
  B := build/asan
  ALL_CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
  LDFLAGS += -fsanitize=address,undefined
else ifeq ($(SAN),tsan)
  B := build/tsan
  ALL_CFLAGS += -O1 -fsanitize=thread -fno-omit-frame-pointer
  LDFLAGS += -fsanitize=thread
else ifeq ($(SAN),fuzz)
  B := build/fuzz
  CC := clang
  ALL_CFLAGS += -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
  LDFLAGS += -fsanitize=fuzzer,address,undefined
else
  B := build
endif

# libpipelab.a: primitives, core and backends, what labs and tests link.
# libpipelab-app.a: the command line and the commands, for build/pipelab.
LIB_SRC  := $(wildcard src/prim/*.c src/core/*.c backends/*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/obj/%.o)
APP_SRC  := $(filter-out src/app/main.c,$(wildcard src/app/*.c))
APP_OBJ  := $(APP_SRC:%.c=$(B)/obj/%.o)
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(B)/tests/%)
# The suites that exercise threads; they also run under ThreadSanitizer.
TSAN_TESTS := $(filter $(B)/tests/test_chan $(B)/tests/test_backends $(B)/tests/test_reorder \
                         $(B)/tests/test_chunk_spares $(B)/tests/test_tokens \
                         $(B)/tests/test_metrics,$(TEST_BIN))

.PHONY: all test test-tsan check-unit check-tsan check-faults check-fuzz test-faults fuzz demo bench bench-serial bench-pigz bench-scale bench-regimes bench-chan bench-grain bench-live layers
all: $(B)/pipelab ## build build/pipelab (SAN=asan or SAN=tsan: build/asan, build/tsan)

# Which include paths an object is compiled with: those of its layer.
$(B)/obj/src/prim/%.o: LAYER_INC = $(PRIM_INC)
$(B)/obj/src/core/%.o: LAYER_INC = $(CORE_INC)
$(B)/obj/backends/%.o: LAYER_INC = $(LIB_INC)
$(B)/obj/src/app/%.o:  LAYER_INC = $(APP_INC)

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LAYER_INC) -MMD -MP -c $< -o $@

$(B)/libpipelab.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/libpipelab-app.a: $(APP_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/pipelab: $(B)/obj/src/app/main.o $(B)/libpipelab-app.a $(B)/libpipelab.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Tests see every layer; one that exercises application code finds it in
# libpipelab-app.a.
$(B)/tests/%: tests/%.c tests/testutil.h $(B)/libpipelab-app.a $(B)/libpipelab.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(APP_INC) $(CMOCKA_CFLAGS) -Itests $(LDFLAGS) -o $@ $< \
	    $(B)/libpipelab-app.a $(B)/libpipelab.a $(CMOCKA_LIBS) $(LDLIBS)

-include $(LIB_OBJ:.o=.d) $(APP_OBJ:.o=.d) $(B)/obj/src/app/main.d

# A file of one layer that includes a header of a layer above must not
# compile: tests/layers.sh tries, with the flags each layer is built with.
layers: ## prove the layering: an include from a higher layer fails to compile
	@CC="$(CC)" CFLAGS="$(ALL_CFLAGS)" PRIM_INC="$(PRIM_INC)" CORE_INC="$(CORE_INC)" \
	    LIB_INC="$(LIB_INC)" APP_INC="$(APP_INC)" tests/layers.sh

# ---- tests -------------------------------------------------------------
RESULTS := $(CURDIR)/build/test-results.txt

# One suite list per variant; tests/run-suites.sh runs each under a timeout and
# appends "suite passed failed" lines to $(RESULTS).
check-unit: $(B)/pipelab $(TEST_BIN) ## the unit suites and tests/*.sh of one variant (SAN=...)
	@PIPELAB=$(CURDIR)/$(B)/pipelab tests/run-suites.sh $(RESULTS) "$(SAN)" $(TEST_BIN) tests/cli.sh tests/measure.sh tests/plots.sh tests/live.sh

# With them, tests/live.sh's [tsan] cases: the --live view thread beside every
# backend's threads, in this build (a report fails the case).
check-tsan: $(B)/pipelab $(TSAN_TESTS) ## the threaded suites and the live view's thread, to run with SAN=tsan
	@PIPELAB=$(CURDIR)/$(B)/pipelab tests/run-suites.sh $(RESULTS) tsan $(TSAN_TESTS) "LIVE_TSAN=1 tests/live.sh"

test-tsan: ## only the ThreadSanitizer suites
	@mkdir -p build && rm -f $(RESULTS)
	@$(MAKE) --no-print-directory SAN=tsan check-tsan
	@tests/summary.sh $(RESULTS)

test: ## every test suite: plain, ASan+UBSan, TSan, labs, lessons, install; ends "N passed, N failed"
	@mkdir -p build && rm -f $(RESULTS)
	@$(MAKE) --no-print-directory check-unit
	@$(MAKE) --no-print-directory SAN=asan check-unit
	@$(MAKE) --no-print-directory SAN=tsan check-tsan
	@$(MAKE) --no-print-directory check-faults
	@$(MAKE) --no-print-directory check-fuzz
	@tests/run-suites.sh $(RESULTS) layers "$(MAKE) --no-print-directory layers"
	@PIPELAB=$(CURDIR)/build/pipelab tests/run-suites.sh $(RESULTS) conventions tests/install.sh
	@if [ -f labs/labs.mk ]; then tests/run-suites.sh $(RESULTS) labs "$(MAKE) --no-print-directory labs-verify"; fi
	@if [ -f lessons/lessons.mk ]; then tests/run-suites.sh $(RESULTS) lessons "$(MAKE) --no-print-directory lessons-check"; fi
	@tests/summary.sh $(RESULTS)

# ---- fault injection and fuzzing ----------------------------------------
# tests/faults: LD_PRELOAD shims make the N-th allocation, or the N-th read,
# write, fsync, close or rename fail, and two sweeps run process (every
# backend) and restore once per N (plain build: the sanitizers have their
# own allocator). tests/fuzz: a libFuzzer target for restore and inspect,
# built with clang (SAN=fuzz); make test runs it for FUZZ_TEST_SECONDS over
# the seed corpus, make fuzz for FUZZ_SECONDS, keeping what it finds in
# build/fuzz/corpus.
FAULT_SHIMS := build/faults/alloc_shim.so build/faults/io_shim.so
FUZZ_SECONDS ?= 60
FUZZ_TEST_SECONDS ?= 20

build/faults/%.so: tests/faults/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(WARN) -O2 -fPIC -shared -o $@ $< -ldl

$(B)/fuzz_restore: tests/fuzz/fuzz_restore.c $(B)/libpipelab.a
	$(CC) $(ALL_CFLAGS) $(LIB_INC) $(LDFLAGS) -o $@ $< $(B)/libpipelab.a $(LDLIBS)

check-faults: build/pipelab $(FAULT_SHIMS) ## the allocation and I/O failure sweeps (part of make test)
	@PIPELAB=$(CURDIR)/build/pipelab tests/run-suites.sh $(RESULTS) faults \
	    "SHIM=$(CURDIR)/build/faults/alloc_shim.so tests/faults/alloc-sweep.sh" \
	    "SHIM=$(CURDIR)/build/faults/io_shim.so tests/faults/io-sweep.sh"

check-fuzz: ## a short fuzz pass over the seed corpus (part of make test)
	@$(MAKE) --no-print-directory SAN=fuzz build/fuzz/fuzz_restore
	@tests/run-suites.sh $(RESULTS) fuzz \
	    "FUZZER=$(CURDIR)/build/fuzz/fuzz_restore FUZZ_SECONDS=$(FUZZ_TEST_SECONDS) tests/fuzz/run.sh"

test-faults: ## only the failure sweeps and the short fuzz pass, with a summary
	@mkdir -p build && rm -f $(RESULTS)
	@$(MAKE) --no-print-directory check-faults
	@$(MAKE) --no-print-directory check-fuzz
	@tests/summary.sh $(RESULTS)

fuzz: ## fuzz the container reader and restore for FUZZ_SECONDS (default 60)
	@$(MAKE) --no-print-directory SAN=fuzz build/fuzz/fuzz_restore
	@mkdir -p build/fuzz/corpus
	@FUZZER=$(CURDIR)/build/fuzz/fuzz_restore FUZZ_SECONDS=$(FUZZ_SECONDS) \
	    FUZZ_WORK=$(CURDIR)/build/fuzz/corpus tests/fuzz/run.sh

-include labs/labs.mk
-include plots/plots.mk
-include lessons/lessons.mk

# ---- the main job and benchmarks ---------------------------------------
demo: $(B)/pipelab ## the main job: 256 MiB of text, every backend side by side, table, plots (FRESH=1: new plot data)
	@FRESH='$(FRESH)' scripts/demo.sh $(B)/pipelab

bench-serial: $(B)/pipelab build/bench/bench_deflate ## serial pipelab against plain single-thread zlib
	@bench/serial.sh $(B)/pipelab build/bench/bench_deflate

build/bench/bench_deflate: bench/deflate.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LDLIBS)

bench-pigz: $(B)/pipelab ## bounded pipelab against pigz, and the memory and metrics targets
	@bench/pigz.sh $(B)/pipelab

bench-scale: $(B)/pipelab ## every backend and pigz -p N, N = 1,2,4.. to 1.5x the cores: speedup, efficiency, Amdahl fit (SCALE_SIZE, SCALE_REPEATS)
	@bench/scale.sh $(B)/pipelab

bench-regimes: $(B)/pipelab ## where mutex loses to bounded: a map over read and write cost at 16 and 64 workers (sleeps; a few minutes)
	@bench/regimes.sh $(B)/pipelab

bench-chan: $(B)/pipelab $(B)/libpipelab.a ## channel handoff: naive (lab 1) vs teaching vs lock-free, and the oversubscribed check
	@MAKE="$(MAKE)" bench/chan.sh $(B)/pipelab

bench-grain: $(B)/pipelab ## speedup over serial against chunk size, every backend: out/data/grain.csv, out/plots/grain.svg
	@bench/grain.sh $(B)/pipelab

bench-live: $(B)/pipelab ## the cost of --live: off against on (plain lines to a file), interleaved; the ratio
	@bench/live.sh $(B)/pipelab

# Speed and memory targets are checked here, never in timed tests.
bench: bench-serial bench-pigz ## both benchmarks (the speed targets live here, not in tests)

# ---- install, dist, help -------------------------------------------------
# The GNU names: PREFIX (default /usr/local) and DESTDIR (a staging root for
# packagers, prepended to every path).
VERSION  := $(shell sed -n 's/^\#define PIPELAB_VERSION "\(.*\)"$$/\1/p' src/app/cli.c)
BINDIR   := $(PREFIX)/bin
MANDIR   := $(PREFIX)/share/man
COMPDIR  := $(PREFIX)/share/bash-completion/completions
# The folders install may create, deepest first: uninstall removes those it
# leaves empty (so a scratch prefix ends up gone); one holding anything else stays.
INSTALL_DIRS := $(BINDIR) $(MANDIR)/man1 $(MANDIR) $(COMPDIR) $(PREFIX)/share/bash-completion \
                $(PREFIX)/share $(PREFIX)

.PHONY: install uninstall check dist distcheck clean help
install: $(B)/pipelab ## install pipelab, its man page and bash completion (PREFIX=/usr/local DESTDIR=)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(COMPDIR)
	install -m 0755 $(B)/pipelab $(DESTDIR)$(BINDIR)/pipelab
	install -m 0644 man/pipelab.1 $(DESTDIR)$(MANDIR)/man1/pipelab.1
	install -m 0644 completion/pipelab.bash $(DESTDIR)$(COMPDIR)/pipelab

uninstall: ## remove what install wrote, and the folders that leaves empty (same PREFIX, DESTDIR)
	rm -f $(DESTDIR)$(BINDIR)/pipelab $(DESTDIR)$(MANDIR)/man1/pipelab.1 $(DESTDIR)$(COMPDIR)/pipelab
	@for dir in $(INSTALL_DIRS); do rmdir "$(DESTDIR)$$dir" 2>/dev/null || true; done

check: test ## the same as make test

dist: ## write build/pipelab-VERSION.tar.gz: every file of the kit (scripts/dist.sh)
	@scripts/dist.sh dist $(VERSION)

distcheck: ## make dist, then build, test, install and uninstall from the tarball alone
	@MAKE="$(MAKE)" scripts/dist.sh check $(VERSION)

clean: ## remove build/ (out/ and report/ hold measurements: remove them by hand)
	rm -rf build

help: ## this list
	@echo "pipelab $(VERSION): make TARGET, where TARGET is one of"
	@awk -F ':[^#]*## ' '/^[a-z][a-z0-9-]*:.*## / { printf "  %-14s %s\n", $$1, $$2 }' \
	    $(filter %Makefile %.mk,$(MAKEFILE_LIST))
