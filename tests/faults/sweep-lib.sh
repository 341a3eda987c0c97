# sweep-lib.sh — what the fault sweeps share: a scratch directory, one run
# under an injected fault, and the oracle every such run must satisfy.
#
# Sourced by alloc-sweep.sh and io-sweep.sh. A run with a fault injected must
# either succeed with a correct output (the program worked around the fault)
# or exit non-zero with exactly one line on stderr and leave its directory as
# it was: no output, no temporary, no extra file. A signal (crash) or the
# timeout (hang) is always a failure.
#
# Counts follow cli.sh: "[       OK ] name", "[  FAILED  ] name: why", and a
# last line "N passed, M failed". A failure whose report ("label: why:
# stderr") matches one of the shell patterns in KNOWN_FAILURES (one a line,
# set by the driver with the reason) is printed as "[  KNOWN   ]" and counted
# apart: it does not fail the suite, and it is never hidden.
set -u

P=${PIPELAB:-build/pipelab}
RUN_LIMIT=${RUN_LIMIT:-10}        # seconds one run may take before it is a hang
KNOWN_FAILURES=${KNOWN_FAILURES:-}

passed=0
failed=0
known=0
ok()   { passed=$((passed + 1)); [ -n "${VERBOSE:-}" ] && echo "[       OK ] $1"; return 0; }
fail() { failed=$((failed + 1)); echo "[  FAILED  ] $1: $2"; }

sweep_setup() {
    case $P in /*) ;; *) P=$(pwd)/$P ;; esac
    for f in "$P" "$SHIM"; do
        if [ ! -f "$f" ]; then
            echo "[  FAILED  ] setup: $f is missing (run make first)"
            echo "0 passed, 1 failed"
            exit 1
        fi
    done
    case $SHIM in /*) ;; *) SHIM=$(pwd)/$SHIM ;; esac
    T=$(mktemp -d "${TMPDIR:-/tmp}/pipelab-faults-XXXXXX") || exit 1
    trap 'rm -rf "$T"' EXIT
    trap 'exit 130' INT TERM
    mkdir "$T/d" || exit 1
    cd "$T/d" || exit 1
    unset PIPELAB_PASSPHRASE
}

# Every name in the scratch directory, dot files included (temporaries are
# ".name.XXXXXX"), on one line.
dir_listing() {
    names=""
    for f in .[!.]* *; do
        [ -e "$f" ] && names="$names${names:+ }$f"
    done
    echo "$names"
}

# Is this failure report one of KNOWN_FAILURES?
is_known() {
    printf '%s\n' "$KNOWN_FAILURES" | {
        while IFS= read -r pattern; do
            [ -n "$pattern" ] || continue
            case $1 in $pattern) exit 0 ;; esac
        done
        exit 1
    }
}

# fault_run LABEL CHECK COMMAND... — run COMMAND (the shim's variables are
# already exported) and judge it. CHECK is a function that returns 0 when a
# successful run's outputs are right; OUTPUTS (a variable) names the files a
# run may create, removed before it.
fault_run() {
    label=$1; check=$2; shift 2
    # shellcheck disable=SC2086
    rm -f $OUTPUTS
    before=$(dir_listing)
    timeout -k 2 "$RUN_LIMIT" "$@" >"$T/stdout" 2>"$T/stderr"
    rc=$?
    lines=$(wc -l <"$T/stderr")
    why=""
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        why="hang (killed after ${RUN_LIMIT}s)"
    elif [ "$rc" -gt 128 ]; then
        why="crash (signal $((rc - 128)))"
    elif [ "$rc" -eq 0 ]; then
        if [ "$lines" -ne 0 ]; then
            why="exit 0 with $lines lines on stderr"
        elif ! "$check"; then
            why="exit 0 with a wrong output"
        fi
    else
        after=$(dir_listing)
        if [ "$lines" -ne 1 ]; then
            why="exit $rc with $lines lines on stderr"
        elif [ "$after" != "$before" ]; then
            why="exit $rc left files: $after (was: $before)"
        fi
    fi
    if [ -z "$why" ]; then
        ok "$label"
        return 0
    fi
    report="$why: $(head -n 3 "$T/stderr" | tr '\n' '|' | cut -c 1-300)"
    if is_known "$label: $report"; then
        known=$((known + 1))
        echo "[  KNOWN   ] $label: $report"
    else
        fail "$label" "$report"
    fi
    return 0
}

sweep_summary() {
    [ "$known" -gt 0 ] && echo "($known known failures listed in KNOWN_FAILURES, not counted)"
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
