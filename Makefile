# pipelab — the one entry point.
#
#   make            build build/pipelab
#   make test       every test suite: plain, AddressSanitizer+UBSan, ThreadSanitizer
#   make demo       the main job: data, every backend side by side, table, plots
#   make bench      the benchmarks (speed targets are checked here, not in tests)
#   make install    PREFIX=/usr/local DESTDIR=
#
# Variants: SAN=asan or SAN=tsan builds everything into build/asan or build/tsan.
# Dependencies come from Debian packages through pkg-config; scripts/deps.sh
# installs them when run as root, or prints the one command to run.

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
SAN     ?=

NO_DEPS_GOALS := clean help
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

WARN    := -Wall -Wextra -Wpedantic -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS  ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) $(CFLAGS) -pthread -Isrc -Ibackends $(PKG_CFLAGS)
LDLIBS  := $(PKG_LIBS) -pthread -lm

ifeq ($(SAN),asan)
  B := build/asan
  ALL_CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
  LDFLAGS += -fsanitize=address,undefined
else ifeq ($(SAN),tsan)
  B := build/tsan
  ALL_CFLAGS += -O1 -fsanitize=thread -fno-omit-frame-pointer
  LDFLAGS += -fsanitize=thread
else
  B := build
endif

CORE_SRC := $(filter-out src/main.c,$(wildcard src/*.c)) $(wildcard backends/*.c)
CORE_OBJ := $(CORE_SRC:%.c=$(B)/obj/%.o)
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(B)/tests/%)
# The suites that exercise threads; they also run under ThreadSanitizer.
TSAN_TESTS := $(filter $(B)/tests/test_chan $(B)/tests/test_backends $(B)/tests/test_reorder \
                         $(B)/tests/test_tokens $(B)/tests/test_metrics,$(TEST_BIN))

.PHONY: all test test-tsan check-unit check-tsan clean install demo bench bench-serial bench-pigz help
all: $(B)/pipelab

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(B)/libpipelab.a: $(CORE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/pipelab: $(B)/obj/src/main.o $(B)/libpipelab.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/%: tests/%.c tests/testutil.h $(B)/libpipelab.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) -Itests $(LDFLAGS) -o $@ $< $(B)/libpipelab.a $(CMOCKA_LIBS) $(LDLIBS)

-include $(CORE_OBJ:.o=.d) $(B)/obj/src/main.d

# ---- tests -------------------------------------------------------------
RESULTS := $(CURDIR)/build/test-results.txt

# One suite list per variant; tests/run-suites.sh runs each under a timeout and
# appends "suite passed failed" lines to $(RESULTS).
check-unit: $(B)/pipelab $(TEST_BIN)
	@PIPELAB=$(CURDIR)/$(B)/pipelab tests/run-suites.sh $(RESULTS) "$(SAN)" $(TEST_BIN) tests/cli.sh tests/measure.sh tests/plots.sh

check-tsan: $(B)/pipelab $(TSAN_TESTS)
	@PIPELAB=$(CURDIR)/$(B)/pipelab tests/run-suites.sh $(RESULTS) tsan $(TSAN_TESTS)

test-tsan:
	@mkdir -p build && rm -f $(RESULTS)
	@$(MAKE) --no-print-directory SAN=tsan check-tsan
	@tests/summary.sh $(RESULTS)

test:
	@mkdir -p build && rm -f $(RESULTS)
	@$(MAKE) --no-print-directory check-unit
	@$(MAKE) --no-print-directory SAN=asan check-unit
	@$(MAKE) --no-print-directory SAN=tsan check-tsan
	@if [ -f labs/labs.mk ]; then tests/run-suites.sh $(RESULTS) labs "$(MAKE) --no-print-directory labs-verify"; fi
	@if [ -f lessons/lessons.mk ]; then tests/run-suites.sh $(RESULTS) lessons "$(MAKE) --no-print-directory lessons-check"; fi
	@tests/summary.sh $(RESULTS)

-include labs/labs.mk
-include plots/plots.mk
-include lessons/lessons.mk

# ---- the main job and benchmarks ---------------------------------------
demo: $(B)/pipelab
	@scripts/demo.sh $(B)/pipelab

bench-serial: $(B)/pipelab build/bench/bench_deflate
	@bench/serial.sh $(B)/pipelab build/bench/bench_deflate

build/bench/bench_deflate: bench/deflate.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LDLIBS)

bench-pigz: $(B)/pipelab
	@bench/pigz.sh $(B)/pipelab

# Speed and memory targets are checked here, never in timed tests.
bench: bench-serial bench-pigz

install: $(B)/pipelab
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(B)/pipelab $(DESTDIR)$(PREFIX)/bin/pipelab

clean:
	rm -rf build

help:
	@sed -n '1,12p' Makefile
