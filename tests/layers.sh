#!/bin/sh
# layers.sh — the layers' one-way dependencies hold (run by `make layers`).
#
#   src/prim  <-  src/core  <-  backends  <-  src/app
#
# The Makefile compiles each layer with the include paths of its own folder
# and of the layers below it only. This suite compiles tiny files the way a
# file of each layer is compiled: one that includes a header of its own layer
# and of the layers below must compile; one that includes a header of a layer
# above must not. So that such a refusal cannot pass for the wrong reason (a
# header renamed, broken flags), the same file must compile with every
# layer's include path. The make variables come in the environment:
#   CC CFLAGS PRIM_INC CORE_INC LIB_INC APP_INC
# Prints one line per check, then "N passed, M failed".
set -u
: "${CC:=cc}" "${CFLAGS:=-std=c11 -Wall -Wextra -Wpedantic -Werror}"
: "${PRIM_INC:=-Isrc/prim}" "${CORE_INC:=$PRIM_INC -Isrc/core}"
: "${LIB_INC:=$CORE_INC -Ibackends}" "${APP_INC:=$LIB_INC -Isrc/app}"
cd "$(dirname "$0")/.." || exit 2

passed=0
failed=0
scratch=$(mktemp -d "${TMPDIR:-/tmp}/layers-XXXXXX") || exit 2
trap 'rm -rf "$scratch"' EXIT

ok()  { passed=$((passed + 1)); printf 'ok    %s\n' "$1"; }
bad() { failed=$((failed + 1)); printf 'FAIL  %s\n' "$1"; sed 's/^/      | /' "$scratch/log"; }

# compiles INC HEADER...: does a file including each HEADER compile with INC?
# (POSIX sh has no local variables: each function names its own.)
compiles() {
    probe_inc=$1; shift
    : >"$scratch/probe.c"
    for h in "$@"; do printf '#include "%s"\n' "$h" >>"$scratch/probe.c"; done
    printf 'int layers_probe;\n' >>"$scratch/probe.c"
    # shellcheck disable=SC2086  # flag lists are split on purpose
    $CC $CFLAGS $probe_inc -c "$scratch/probe.c" -o "$scratch/probe.o" >"$scratch/log" 2>&1
}

# allowed LAYER INC HEADER...: a file of LAYER may include these.
allowed() {
    layer=$1 inc=$2; shift 2
    if compiles "$inc" "$@"; then ok "$layer includes $*"; else bad "$layer includes $* (must compile)"; fi
}

# refused LAYER INC HEADER: a file of LAYER including HEADER fails to compile,
# and only because HEADER is out of its reach.
refused() {
    layer=$1 inc=$2 header=$3
    if ! compiles "$APP_INC" "$header"; then
        bad "$layer cannot include $header: $header itself does not compile with every layer's paths"
    elif compiles "$inc" "$header"; then
        : >"$scratch/log"
        bad "$layer cannot include $header (it compiled: the include paths let it through)"
    elif ! grep -q "$header" "$scratch/log"; then
        bad "$layer cannot include $header (it failed, but not on $header)"
    else
        ok "$layer cannot include $header"
    fi
}

allowed primitives "$PRIM_INC" util.h chan.h output.h
refused primitives "$PRIM_INC" chunk.h
allowed core "$CORE_INC" util.h job.h pipeline.h
refused core "$CORE_INC" backend.h
refused core "$CORE_INC" cli.h
allowed backends "$LIB_INC" job.h backend.h worker_pool.h
refused backends "$LIB_INC" commands.h
allowed application "$APP_INC" backend.h cli.h commands.h

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
