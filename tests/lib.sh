# lib.sh — what the shell test suites share; each one sources it first:
#     . "$(dirname "$0")/lib.sh"
#
#   root               the top of the kit
#   test_pipelab       set P to pipelab's absolute path ($PIPELAB, or
#                      build/pipelab); a suite without a binary fails at once,
#                      with its one counted failure
#   test_scratch NAME [CLEANUP]
#                      make T, a fresh folder under $TMPDIR, and cd into it;
#                      at exit run CLEANUP (if any) and remove T, whatever is
#                      in it (read-only files included); Ctrl-C exits 130
#   ok NAME, fail NAME WHY
#                      one "[       OK ]" or "[  FAILED  ]" line, counted
#   test_summary       the closing "N passed, M failed" line that
#                      tests/run-suites.sh reads; exits 0 only if none failed
# shellcheck shell=sh

root=$(cd "$(dirname "$0")/.." && pwd)
passed=0
failed=0

ok()   { passed=$((passed + 1)); echo "[       OK ] $1"; }
fail() { failed=$((failed + 1)); echo "[  FAILED  ] $1: $2"; }

test_summary() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}

test_pipelab() {
    P=${PIPELAB:-build/pipelab}
    case $P in /*) ;; *) P=$root/$P ;; esac
    if [ ! -x "$P" ]; then
        fail "setup" "$P is not an executable (run make first)"
        test_summary
    fi
}

test_scratch() {
    T=$(mktemp -d "${TMPDIR:-/tmp}/pipelab-$1-XXXXXX") || exit 1
    # shellcheck disable=SC2064 # T and the cleanup are fixed now, on purpose
    trap "${2:+$2; }chmod -R u+w '$T' 2>/dev/null; rm -rf '$T'" EXIT
    trap 'exit 130' INT TERM
    cd "$T" || exit 1
}
