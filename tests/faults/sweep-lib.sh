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
# set by the driver with the reason) is counted apart and does not fail the
# suite; the summary prints how many runs each pattern matched and the first
# of them as "[  KNOWN   ]", so none is hidden. VERBOSE=1 prints every run.
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

# Print the pattern of KNOWN_FAILURES this failure report matches, if any.
known_pattern() {
    printf '%s\n' "$KNOWN_FAILURES" | {
        while IFS= read -r pattern; do
            [ -n "$pattern" ] || continue
            case $1 in $pattern) echo "$pattern"; exit 0 ;; esac
        done
        exit 1
    }
}

# fault_run LABEL CHECK COMMAND... — run COMMAND (the shim's variables are
# already exported; it runs pipelab through limited) and judge it. CHECK is a function that returns 0 when a
# successful run's outputs are right (printing the wrong file's name if not).
fault_run() {
    label=$1; check=$2; shift 2
    # shellcheck disable=SC2086
    rm -f $OUTPUTS
    before=$(dir_listing)
    "$@" >"$T/stdout" 2>"$T/stderr"
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
        elif ! wrong=$("$check"); then
            why="exit 0 with a wrong output ($wrong)"
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
    if pattern=$(known_pattern "$label: $report"); then
        known=$((known + 1))
        [ -n "${VERBOSE:-}" ] && echo "[  KNOWN   ] $label: $report"
        printf '%s\t%s\n' "$pattern" "$label: $report" >>"$T/known"
    else
        fail "$label" "$report"
    fi
    return 0
}

# The runs both sweeps make, in the scratch directory: `process` of a 96 KiB
# input in six 16 KiB chunks, encrypted, with every extra output, and
# `restore` of such a container (c.plab).
sweep_inputs() {
    "$P" gen in --size 96K --seed 7 >/dev/null || exit 1
    "$P" keygen k >/dev/null || exit 1
    "$P" process in "$T/c.plab" --key-file k --chunk-size 16K || exit 1
    cp "$T/c.plab" c.plab || exit 1
}
OUTPUTS="o t.json tl.csv m.json back"   # what a run may create, removed before each
# Every run goes through limited: a hang is killed and reported as one.
limited() { timeout -k 2 "$RUN_LIMIT" "$@"; }
process_run() {
    limited "$P" process in o --key-file k --chunk-size 16K --backend "$1" --workers 2 --ordered \
        --trace t.json --timeline tl.csv --metrics json --metrics-out m.json ${SYNC:-}
}
restore_run() { limited "$P" restore c.plab back --key-file k; }

# A successful process run is right: the container restores to the input
# (restored without the shim), and each extra file is complete. A check
# prints the name of the first file that is wrong.
process_ok() {
    rm -f "$T/back"
    env -u LD_PRELOAD "$P" restore o "$T/back" --key-file k 2>/dev/null &&
        cmp -s in "$T/back" || { echo o; return 1; }
    [ "$(tail -n 1 t.json)" = "]}" ] || { echo t.json; return 1; }
    head -n 1 tl.csv | grep -q '^time_s,' || { echo tl.csv; return 1; }
    [ "$(tail -n 1 m.json)" = "}" ] || { echo m.json; return 1; }
}
restore_ok() { cmp -s back in || { echo back; return 1; }; }

# fault_count KIND COMMAND...: how many calls of KIND a clean run makes (the
# shim, in counting mode, writes "KIND COUNT" lines at exit).
fault_count() {
    kind=$1; shift
    # shellcheck disable=SC2086
    rm -f $OUTPUTS
    FAULT_FAIL_AT=0 FAULT_COUNT_FILE="$T/count" "$@" >/dev/null 2>&1 || return 1
    awk -v kind="$kind" '$1 == kind { print $2 }' "$T/count"
}

# fault_sweep WHAT KIND CHECK COMMAND...: count the calls of KIND, then run
# once with each of them failing, from the first to the count plus MARGIN (a
# threaded run does not make the same calls in the same order every time).
MARGIN=${MARGIN:-10}
fault_sweep() {
    what=$1; kind=$2; check=$3; shift 3
    total=$(fault_count "$kind" "$@") || { fail "$what" "the run fails without a fault"; return 0; }
    echo "== $what: $total $kind calls, sweeping 1..$((total + MARGIN))"
    n=1
    while [ "$n" -le $((total + MARGIN)) ]; do
        FAULT_FAIL_AT=$n
        export FAULT_FAIL_AT
        fault_run "$what, $kind call $n" "$check" "$@"
        n=$((n + 1))
    done
}

# The known failures, counted by pattern with the first case of each (all of
# them with VERBOSE=1), then the counts.
sweep_summary() {
    if [ "$known" -gt 0 ]; then
        echo "$known runs failed in ways listed in KNOWN_FAILURES (not counted):"
        awk -F '\t' '!($1 in n) { first[$1] = $2; order[++k] = $1 } { n[$1]++ }
            END { for (i = 1; i <= k; i++) printf "[  KNOWN   ] %d x %s\n", n[order[i]], first[order[i]] }' "$T/known"
    fi
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
