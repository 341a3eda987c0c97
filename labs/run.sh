#!/usr/bin/env bash
# labs/run.sh — the lab runner behind `make lab`, `make labs`, `make hint`,
# `make labs-verify` and `make handout`.
#
#   labs/run.sh lab [N]     check lab N (default: the first one not done yet)
#   labs/run.sh labs        list every lab with ✓ / ✗ and "k / 9 done"
#   labs/run.sh hint [N]    show the next hint for lab N (three levels)
#   labs/run.sh verify      instructors and CI: every starter fails, every
#                           solution passes (also under a sanitizer)
#   labs/run.sh handout     build/pipelab-handout.tar.gz, without solutions
#   labs/run.sh heal N      the answers of lab N in build/labs/heal/NN/ (to
#                           edit them: then \`labs/run.sh rediff N\`)
#
# How a lab is checked. Each lab folder has a lab.sh that names the files the
# learner edits (LAB_FILES) and says what the checks expect, and a lab.mk that
# says how to build its checks; the rules of labs/labs.mk build them (make
# decides what is out of date), linking the learner's files in front of the
# kit's library so that they replace the kit's own versions. The runner then
# runs every check in its own process under `timeout`: a check that hangs or
# crashes is reported as such, with the lab's words for it (checks.txt), and
# never hides the others.
#
# The reference answers are never a second copy of a starter: a lab's
# solution.patch turns its starters into the answers (labs-verify applies it
# to a copy under build/, and fails if it no longer applies), and a lab whose
# answer is the kit's own file names it in LAB_KIT_ANSWER.
#
# Settings (environment, or make variables passed through labs.mk):
#   RACE=1          build the checks with ThreadSanitizer
#   LAB_TIMEOUT=S   seconds a single check may run (default 20, 40 with a
#                   sanitizer, or the lab's LAB_CHECK_TIMEOUT)
#   LAB_PATIENCE=S  seconds a check waits for something that must happen
#                   (default 5, 10 with a sanitizer)
#   LAB_JOBS=N      checks run at once (default: the number of cores)
set -u
export LC_ALL=C.UTF-8 2>/dev/null || true
cd "$(dirname "$0")/.." || exit 2

PROGRESS=labs/.progress
HINTS=labs/.hints
MAKE=${MAKE:-make}
RACE=${RACE:-}
NPROC=$(nproc 2>/dev/null || echo 2)
USER_TIMEOUT=${LAB_TIMEOUT:-}       # what the user asked for, if anything
USER_PATIENCE=${LAB_PATIENCE:-}

say() { printf '%s\n' "$*"; }
die() { printf 'labs: %s\n' "$*" >&2; exit 2; }

# ---- the labs -----------------------------------------------------------

all_labs() { find labs -mindepth 1 -maxdepth 1 -type d -name '[0-9][0-9]-*' | sort; }
lab_count() { all_labs | wc -l | tr -d ' '; }
lab_num() { basename "$1" | cut -c1-2; }          # labs/03-x -> 03
lab_n() { echo $((10#$(lab_num "$1"))); }          # labs/03-x -> 3

lab_dir() {
    case $1 in
        '' | *[!0-9]*) die "N must be a lab number, like N=3 (see \`make labs\`)" ;;
    esac
    local want d
    want=$(printf '%02d' "$((10#$1))")
    for d in $(all_labs); do
        [ "$(lab_num "$d")" = "$want" ] && { echo "$d"; return 0; }
    done
    die "there is no lab $1 (labs are 1 to $(lab_count); see \`make labs\`)"
}

# Read a lab's lab.sh into this shell (always in a subshell of the caller's).
load_lab() {
    LAB_TITLE=""; LAB_TIME=""; LAB_FILES=""; LAB_REPLACES=""; LAB_SAN=""
    LAB_EXPECT_FAIL=""; LAB_TRY=""; LAB_CHECK_TIMEOUT=""; LAB_KIT_ANSWER=""
    LAB_GENERATED=""; LAB_GENERATED_BASE=""
    # shellcheck disable=SC1090,SC1091
    . "$1/lab.sh"
}

lab_title() { ( load_lab "$1"; echo "$LAB_TITLE" ); }

# ---- progress and hints -------------------------------------------------

is_done() { [ -f "$PROGRESS" ] && grep -qx "$(lab_num "$1")" "$PROGRESS"; }

mark_done() {
    local n; n=$(lab_num "$1")
    is_done "$1" || echo "$n" >>"$PROGRESS"
}

mark_not_done() {
    local n; n=$(lab_num "$1")
    [ -f "$PROGRESS" ] || return 0
    grep -vx "$n" "$PROGRESS" >"$PROGRESS.tmp"; mv "$PROGRESS.tmp" "$PROGRESS"
}

done_count() {
    local d k=0
    for d in $(all_labs); do is_done "$d" && k=$((k + 1)); done
    echo "$k"
}

first_unfinished() {
    local d
    for d in $(all_labs); do is_done "$d" || { echo "$d"; return 0; }; done
    return 1
}

hints_shown() {
    local n; n=$(lab_num "$1")
    [ -f "$HINTS" ] && awk -v n="$n" '$1 == n { print $2 }' "$HINTS" | tail -n 1
}

set_hints_shown() {
    local n; n=$(lab_num "$1")
    { [ -f "$HINTS" ] && awk -v n="$n" '$1 != n' "$HINTS"; echo "$n $2"; } >"$HINTS.tmp"
    mv "$HINTS.tmp" "$HINTS"
}

# ---- building -----------------------------------------------------------

# The variant a build uses is the kit's own SAN= (empty, tsan or asan): the
# rules in labs.mk build the kit's library and the checks with the flags of
# the top Makefile. Make prints its own "Error" lines; a learner needs only
# the compiler's words.
lab_make() {
    $MAKE --no-print-directory -s "$@" 2>&1 | grep -Ev '^make(\[[0-9]+\])?: \*\*\* '
    return "${PIPESTATUS[0]}"
}

san_of() { [ "$1" = plain ] || echo "$1"; }

# Make sure the kit's library (and main.o, for the plain variant) is built.
ensure_kit() {
    local v=$1 log rc
    log=$(mktemp)
    lab_make SAN="$(san_of "$v")" lab-kit >"$log"
    rc=$?
    if [ $rc -ne 0 ]; then
        say "The kit itself does not build (make SAN=$(san_of "$v") lab-kit):"
        sed -n '1,40p' "$log"
    fi
    rm -f "$log"
    return $rc
}

# build_lab LABDIR SRC VARIANT OUT: build a lab's checks from the files in
# SRC into OUT (and, when PIPELAB_OUT is set, its pipelab), and list them in
# OUT/checks.list.
build_lab() {
    LABDIR=$1 SRC=$2 VARIANT=$3 OUT=$4
    local vars=(LAB_DIR="$LABDIR" LAB_SRC="$SRC" LAB_OUT="$OUT"
        LAB_FILES="$LAB_FILES" LAB_REPLACES="$LAB_REPLACES")
    mkdir -p "$OUT"
    rm -f "$OUT/checks.list"
    lab_make SAN="$(san_of "$VARIANT")" "${vars[@]}" lab-checks || return 1
    if [ -n "${PIPELAB_OUT:-}" ]; then
        lab_make "${vars[@]}" LAB_PIPELAB_OUT="$PIPELAB_OUT" lab-pipelab || return 1
    fi
    lab_make SAN="$(san_of "$VARIANT")" "${vars[@]}" lab-list >"$OUT/checks.list"
    [ -s "$OUT/checks.list" ]
}

# ---- running ------------------------------------------------------------

# run_one BIN TEST LOG: one check in its own process. Prints its status:
# pass, fail, hang, race, leak, memory or crash.
run_one() {
    local bin=$1 test=$2 log=$3 rc
    # In a subshell whose stderr is the log too: a check that crashes
    # (abort, segfault) is reported here as "crash", not by bash's own
    # "Aborted" line on the terminal.
    ( LAB_DIR="$SRC" TSAN_OPTIONS="${TSAN_OPTIONS:-second_deadlock_stack=1}" \
        timeout -k 3 "$TIMEOUT" "$bin" "$test" >"$log" 2>&1 ) 2>>"$log"
    rc=$?
    echo "$rc" >"$log.rc"
    if [ $rc -eq 124 ] || [ $rc -eq 137 ] || grep -q '^LAB-HANG' "$log"; then echo hang
    elif grep -q '^\[  FAILED  \]' "$log"; then echo fail
    elif grep -q 'WARNING: ThreadSanitizer: data race' "$log"; then echo race
    elif grep -q 'WARNING: ThreadSanitizer' "$log"; then echo tsan
    elif grep -q 'ERROR: LeakSanitizer' "$log"; then echo leak
    elif grep -q 'ERROR: AddressSanitizer\|runtime error:' "$log"; then echo memory
    elif [ $rc -eq 0 ] && grep -q '^\[  PASSED  \] 1 test' "$log"; then echo pass
    else echo crash
    fi
}

# run_checks OUT: run every check of every binary listed in OUT/checks.list,
# LAB_JOBS at a time. Writes OUT/results: "status binary test" per line, in order.
run_checks() {
    local out=$1 bin test i=0 jobs=${LAB_JOBS:-$NPROC}
    rm -rf "$out/logs"; mkdir -p "$out/logs"
    : >"$out/order"
    while read -r bin; do
        for test in $("$bin" --list); do
            i=$((i + 1))
            echo "$i $(basename "$bin") $test" >>"$out/order"
            while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
            ( run_one "$bin" "$test" "$out/logs/$i.log" >"$out/logs/$i.status" ) &
        done
    done <"$out/checks.list"
    wait
    : >"$out/results"
    while read -r i bin test; do
        echo "$(cat "$out/logs/$i.status") $bin $test $out/logs/$i.log" >>"$out/results"
    done <"$out/order"
}

# explain LABDIR TEST KIND: the lab's sentence for a check (checks.txt),
# KIND is fail or hang. A check named "x/name" is looked up as "name".
explain() {
    local base=${2##*/}
    awk -v want="$base" -v kind="$3" '
        /^\[/ { name = substr($0, 2, length($0) - 2); next }
        /^[a-z]+ *=/ {
            key = $0; sub(/ *=.*/, "", key)
            text = $0; sub(/^[a-z]+ *= */, "", text)
            if (key == kind && name == want) { found = text }
            if (key == kind && name == "*") { fallback = text }
        }
        END { print (found != "" ? found : fallback) }
    ' "$1/checks.txt" | sed "s/%v/${2%%/*}/g" | fold -s -w 74 | sed 's/ *$//'
}

# The lines of a log that say what went wrong, for the learner: the check's
# own sentence (LAB-FAIL), else cmocka's; then what a sanitizer found, with
# the stack frames that are in the labs' code. A thread left unjoined by a
# check that failed anyway is not worth mentioning.
details() {
    local log=$1
    if grep -q '^LAB-FAIL: ' "$log"; then
        sed -n 's/^LAB-FAIL: //p' "$log" | head -n 3
    else
        grep -E '^\[  ERROR   \] --- |^\[   LINE   \] --- |^ERROR: [^ ]' "$log" | grep -v Sanitizer |
            sed 's/^\[  ERROR   \] --- //; s/^\[   LINE   \] --- //' | head -n 3
    fi
    local summary
    summary=$(grep -m 1 'SUMMARY: [A-Za-z]*Sanitizer' "$log" | sed 's/^SUMMARY: //')
    if [ -n "$summary" ] && ! { grep -q '^\[  FAILED  \]' "$log" && echo "$summary" | grep -q 'thread leak'; }; then
        echo "$summary"
        # Stack frames in the learner's files only (not the kit's, not the
        # checks'), as "function (file:line)", each once.
        grep -E '^ *#[0-9]+ ' "$log" | grep 'labs/' | grep -v 'labs/lib/' | grep -Ev '/check[a-z_]*\.c' |
            sed -E 's/^ *#[0-9]+ (0x[0-9a-f]+ in )?([^ ]+) ([^ ]+).*/at \2 (\3)/' | awk '!seen[$0]++' | head -n 4
    fi
    grep -m 2 'runtime error:' "$log"
}

status_word() {
    case $1 in
        hang) echo "did not finish (stopped after ${TIMEOUT}s)" ;;
        race) echo "ThreadSanitizer found a data race" ;;
        tsan) echo "ThreadSanitizer reported a problem" ;;
        leak) echo "memory was never freed (LeakSanitizer)" ;;
        memory) echo "a memory error (AddressSanitizer / UBSan)" ;;
        crash)
            if [ -z "$2" ]; then echo "crashed"
            elif [ "$2" -gt 128 ] && kill -l "$(($2 - 128))" >/dev/null 2>&1; then
                echo "crashed (signal SIG$(kill -l "$(($2 - 128))"))"
            else echo "crashed (exit status $2)"
            fi ;;
        *) echo "" ;;
    esac
}

# Print a results file for the learner. Returns 0 when every check passed.
show_results() {
    local labdir=$1 results=$2 st bin test log bad=0 total=0 words
    while read -r st bin test log; do
        total=$((total + 1))
        if [ "$st" = pass ]; then
            say "  ✓ $test"
            sed -n 's/^LAB-NOTE: /      · /p' "$log"
            continue
        fi
        bad=$((bad + 1))
        words=$(status_word "$st" "$(cat "$log.rc" 2>/dev/null)")
        say "  ✗ $test${words:+ — $words}"
        # The first two failures get the lab's full explanation; after that
        # the one-line detail is enough (fix the first one first).
        if [ $bad -le 2 ] || [ "$st" = hang ]; then
            if [ "$st" = hang ]; then
                explain "$labdir" "$test" hang | sed 's/^/      /'
            else
                explain "$labdir" "$test" fail | sed 's/^/      /'
            fi
        fi
        details "$log" | sed 's/^/      → /'
        # A crash with nothing to explain it: what the check wrote last.
        if [ "$st" = crash ] && [ -z "$(details "$log")" ]; then
            say "      the check's last words:"
            grep -v '^\[ *[A-Z]* *\]' "$log" | tail -n 6 | sed 's/^/        /'
        fi
        sed -n 's/^LAB-NOTE: /      · /p' "$log"
    done <"$results"
    PASSED=$((total - bad)); TOTAL=$total
    [ $bad -eq 0 ] && [ $total -gt 0 ]
}

# ---- commands -----------------------------------------------------------

variant_for_lab() {
    if [ -n "$RACE" ] && [ "$RACE" != 0 ]; then echo tsan
    elif [ -n "$LAB_SAN" ]; then echo "$LAB_SAN"
    else echo plain
    fi
}

set_timeouts() {
    case $1 in
        plain) TIMEOUT=${USER_TIMEOUT:-${LAB_CHECK_TIMEOUT:-20}}; export LAB_PATIENCE=${USER_PATIENCE:-5} ;;
        *) TIMEOUT=${USER_TIMEOUT:-${LAB_CHECK_TIMEOUT:-40}}; export LAB_PATIENCE=${USER_PATIENCE:-10} ;;
    esac
    export LAB_TIMEOUT=$TIMEOUT
}

next_lab_words() {
    local next
    if next=$(first_unfinished); then
        say "Next: lab $(lab_n "$next") — $(lab_title "$next")."
        say "      Read $next/README.md, then run \`make lab\`."
    else
        say "That was the last one: all $(lab_count) labs are done. Well done!"
        say "The lessons (lessons/) and \`make demo\` / \`make bench\` are there for more."
    fi
}

cmd_lab() {
    local dir
    if [ -n "${1:-}" ]; then
        dir=$(lab_dir "$1") || exit 2
    elif ! dir=$(first_unfinished); then
        say "All $(lab_count) labs are done ✓ — nothing left to check."
        say "Check one again with \`make lab N=3\`, or see them all with \`make labs\`."
        return 0
    fi
    (
        load_lab "$dir"
        local n v out
        n=$(lab_n "$dir")
        v=$(variant_for_lab)
        set_timeouts "$v"
        say "Lab $n — $LAB_TITLE    ($dir)"
        if [ -n "$LAB_GENERATED" ]; then
            generate_starters "$dir" "$dir" || { say "$GEN_MSG"; exit 2; }
            [ -n "$GEN_WROTE" ] && say "Wrote$GEN_WROTE into $dir/ (yours to edit; delete one to get it back as shipped)."
        fi
        case $v in
            tsan) say "(checks built with ThreadSanitizer${RACE:+ because RACE=1})" ;;
            asan) say "(checks built with AddressSanitizer and LeakSanitizer)" ;;
        esac
        ensure_kit "$v" || exit 2
        [ "$v" = plain ] || ensure_kit plain || exit 2
        out="build/labs/$(lab_num "$dir")"
        PIPELAB_OUT=$out                 # build/labs/NN/pipelab, for experiments
        [ "$v" = plain ] || out="$out/$v"
        local log; log=$(mktemp)
        if ! build_lab "$dir" "$dir" "$v" "$out" >"$log" 2>&1; then
            say ""
            say "Your code does not build yet. The compiler says:"
            sed -n '1,40p' "$log" | sed 's/^/  /'
            if grep -q 'multiple definition' "$log"; then
                say ""
                say "\"multiple definition\": your file and the kit's both define a function."
                say "Your file must define every function of the header it implements, so that"
                say "the linker never needs the kit's own version."
            fi
            rm -f "$log"; mark_not_done "$dir"; exit 1
        fi
        rm -f "$log"
        say "Built with your $(echo "$LAB_FILES" | sed 's/ /, /g'). Running the checks..."
        say ""
        run_checks "$out"
        if show_results "$dir" "$out/results"; then
            say ""
            say "All $TOTAL checks pass: lab $n is done ✓"
            mark_done "$dir"
            [ -n "$LAB_TRY" ] && { say ""; say "$LAB_TRY"; }
            say ""
            say "Progress: $(done_count) / $(lab_count) labs done."
            next_lab_words
            exit 0
        fi
        mark_not_done "$dir"
        local shown; shown=$(hints_shown "$dir"); shown=${shown:-0}
        say ""
        say "$PASSED of $TOTAL checks pass. Fix the first ✗ above, then run \`make lab N=$n\` again."
        if [ "$shown" -lt 3 ]; then
            say "Stuck? \`make hint N=$n\` shows hint $((shown + 1)) of 3. The lab's README explains the goal."
        fi
        [ "$v" = plain ] && say "(RACE=1 runs the same checks under ThreadSanitizer.)"
        exit 1
    )
}

cmd_labs() {
    local d n mark
    say "pipelab labs"
    say ""
    for d in $(all_labs); do
        n=$(lab_n "$d")
        if is_done "$d"; then mark="✓"; else mark="✗"; fi
        ( load_lab "$d"; printf '  %s  %d  %-40s %-10s %s\n' "$mark" "$n" "$LAB_TITLE" "$LAB_TIME" "$d" )
    done
    say ""
    say "$(done_count) / $(lab_count) done"
    if first_unfinished >/dev/null; then
        say "\`make lab\` checks lab $(lab_n "$(first_unfinished)"); \`make hint\` gives a hint for it."
    else
        say "All labs are done ✓"
    fi
}

cmd_hint() {
    local dir
    if [ -n "${1:-}" ]; then
        dir=$(lab_dir "$1") || exit 2
    elif ! dir=$(first_unfinished); then
        say "All labs are done ✓ — no hint needed. (\`make hint N=3\` shows lab 3's hints.)"
        return 0
    fi
    local shown level n
    n=$(lab_n "$dir")
    shown=$(hints_shown "$dir"); shown=${shown:-0}
    level=$((shown + 1))
    if [ "$level" -gt 3 ]; then
        say "You have seen all 3 hints for lab $n. Here is the last one again:"
        level=3
    fi
    local text
    text=$(awk -v k="$level" '
        /^## Hint / { on = ($3 == k); if (on) { print; next } }
        on { print }
    ' "$dir/hints.md")
    [ -n "$text" ] || die "no hint $level in $dir/hints.md"
    say "Lab $n — $(lab_title "$dir"), hint $level of 3"
    say ""
    printf '%s\n' "$text" | sed '1d' | sed '/./,$!d'   # drop the title and leading blank lines
    set_hints_shown "$dir" "$level"
    say ""
    if [ "$level" -lt 3 ]; then
        say "(\`make hint N=$n\` again for hint $((level + 1)): $(sed -n "s/^## Hint $((level + 1)) — //p" "$dir/hints.md").)"
    fi
}

# ---- labs-verify --------------------------------------------------------

# Sets VERIFY_MSG; returns 0 when the shipped starter is unfinished: it still
# has its TODO(lab N) places and fails its checks, including every check the
# lab expects it to fail.
verify_starter() {
    local dir=$1 n out f st bin test log failed=0 total=0 missing=""
    n=$(lab_n "$dir")
    STARTERS=$dir
    if [ -n "$LAB_GENERATED" ]; then
        STARTERS="build/labs/verify/$(lab_num "$dir")-starters"
        starter_copy "$dir" "$STARTERS" || { VERIFY_MSG=$GEN_MSG; return 1; }
    fi
    for f in $LAB_FILES; do
        if ! grep -q "TODO(lab $n)" "$STARTERS/$f"; then
            VERIFY_MSG="starter $f has no TODO(lab $n) left: is a solution copied over it?"
            return 1
        fi
    done
    out="build/labs/verify/$(lab_num "$dir")-starter"
    local v; v=${LAB_SAN:-plain}
    if ! PIPELAB_OUT=$out build_lab "$dir" "$STARTERS" "$v" "$out" >"$out.build.log" 2>&1; then
        VERIFY_MSG="the starter does not build (see $out.build.log)"
        return 1
    fi
    LAB_TIMEOUT=6 LAB_PATIENCE=1.5 TIMEOUT=6 run_checks "$out"
    while read -r st bin test log; do
        total=$((total + 1))
        [ "$st" = pass ] || failed=$((failed + 1))
    done <"$out/results"
    for test in $LAB_EXPECT_FAIL; do
        if ! awk -v t="$test" '$3 == t && $1 != "pass" { found = 1 } END { exit !found }' "$out/results"; then
            missing="$missing $test"
        fi
    done
    STARTER_SUMMARY="starter fails $failed/$total"
    if [ "$failed" -eq 0 ]; then
        VERIFY_MSG="the starter passes every check: is a solution copied over it?"
        return 1
    fi
    if [ -n "$missing" ]; then
        VERIFY_MSG="the starter should fail, but passes:$missing"
        return 1
    fi
    return 0
}

# ---- generated starters ---------------------------------------------------

# A lab may ship starters that are one base file plus a small patch each
# (LAB_GENERATED, made from a base and variants/NAME.patch): lab 8's six
# variants differ by a line or two and are written once that way, from
# variants/base.c; lab 9's starter is the kit's own file (LAB_GENERATED_BASE)
# with the bodies the learner writes taken out, so the starter cannot drift
# from the code it stands in for.

# generate_starters DIR DEST [all]: write the generated starters of DIR into
# DEST, each only if it is not there yet (or every one, with "all"). Sets
# GEN_MSG and returns 1 when a patch no longer applies.
generate_starters() {
    local dir=$1 dest=$2 every=${3:-} f
    local base=${LAB_GENERATED_BASE:-$dir/variants/base.c}
    GEN_WROTE=""
    for f in $LAB_GENERATED; do
        [ -z "$every" ] && [ -f "$dest/$f" ] && continue
        if [ ! -f "$base" ] || [ ! -f "$dir/variants/${f%.c}.patch" ]; then
            GEN_MSG="$dest/$f is missing (and this copy of the kit has no $dir/variants/ to make it from)"
            return 1
        fi
        if ! patch -s --fuzz=0 --batch -r - -o "$dest/$f.tmp" "$base" \
                "$dir/variants/${f%.c}.patch" >"$dest/$f.log" 2>&1; then
            GEN_MSG="$dir/variants/${f%.c}.patch no longer applies to $base"
            rm -f "$dest/$f.tmp"
            return 1
        fi
        rm -f "$dest/$f.log"
        mv "$dest/$f.tmp" "$dest/$f"
        GEN_WROTE="$GEN_WROTE $f"
    done
}

# The starters of a lab as shipped, in DEST: its own files, and the
# generated ones made afresh.
starter_copy() {
    local dir=$1 dest=$2 f
    rm -rf "$dest"; mkdir -p "$dest"
    for f in $LAB_FILES; do
        [ -f "$dir/$f" ] && case " $LAB_GENERATED " in *" $f "*) ;; *) cp "$dir/$f" "$dest/$f" ;; esac
    done
    generate_starters "$dir" "$dest" all
}

# ---- the answers ----------------------------------------------------------

# The kit's own file that is the answer for one of LAB_FILES, if any.
kit_answer_for() {
    local k
    for k in $LAB_KIT_ANSWER; do
        [ "$(basename "$k")" = "$1" ] && { echo "$k"; return 0; }
    done
    return 1
}

# Are the answers here? In a handout they are not: no solution.patch (and a
# lab whose answers are all the kit's own files has them everywhere).
has_answers() {
    local dir=$1 f
    [ -f "$dir/solution.patch" ] && return 0
    [ -n "$LAB_KIT_ANSWER" ] || return 1
    for f in $LAB_FILES; do kit_answer_for "$f" >/dev/null || return 1; done
}

# heal_lab DIR STARTERS DEST: the answers of lab DIR, in DEST (never in DIR):
# a copy of each starter (from STARTERS) with DIR/solution.patch applied
# exactly (no fuzz, not reversed), or the kit's own file. Sets HEAL_MSG and
# returns 1 when that fails.
heal_lab() {
    local dir=$1 starters=$2 dest=$3 f k log
    rm -rf "$dest"; mkdir -p "$dest"
    for f in $LAB_FILES; do
        cp "$starters/$f" "$dest/$f" || { HEAL_MSG="cannot copy $starters/$f"; return 1; }
    done
    if [ -f "$dir/solution.patch" ]; then
        log="$dest.patch.log"
        if ! patch -s -p1 -d "$dest" --fuzz=0 --forward --batch --no-backup-if-mismatch -r - \
                -i "$PWD/$dir/solution.patch" >"$log" 2>&1; then
            HEAL_MSG="solution.patch no longer applies to the starters (see $log)"
            return 1
        fi
    fi
    for f in $LAB_FILES; do
        k=$(kit_answer_for "$f") || continue
        cp "$k" "$dest/$f" || { HEAL_MSG="cannot copy the kit's $k"; return 1; }
    done
    for f in $LAB_FILES; do
        if ! kit_answer_for "$f" >/dev/null && ! grep -qx "+++ b/$f" <(sed 's/\t.*//' "$dir/solution.patch"); then
            HEAL_MSG="no answer for $f: neither solution.patch nor LAB_KIT_ANSWER names it"
            return 1
        fi
    done
}

# verify_solution DIR VARIANT: every check passes with the healed copy.
verify_solution() {
    local dir=$1 v=$2 out st bin test log bad="" what
    out="build/labs/verify/$(lab_num "$dir")-solution-$v"
    if ! PIPELAB_OUT=$out build_lab "$dir" "$HEALED" "$v" "$out" >"$out.build.log" 2>&1; then
        VERIFY_MSG="the solution does not build with $v (see $out.build.log)"
        return 1
    fi
    set_timeouts "$v"
    run_checks "$out"
    local total=0 ok=0
    while read -r st bin test log; do
        total=$((total + 1))
        [ "$st" = pass ] && { ok=$((ok + 1)); continue; }
        what=$(details "$log" | head -n 1)
        bad="$bad $test ($st${what:+: $what})"
    done <"$out/results"
    SOLUTION_SUMMARY="$SOLUTION_SUMMARY, $v $ok/$total"
    if [ -n "$bad" ]; then
        VERIFY_MSG="the solution fails under $v:$bad"
        return 1
    fi
    [ "$total" -gt 0 ] || { VERIFY_MSG="no checks ran"; return 1; }
}

verify_lab() {
    local dir=$1
    (
        load_lab "$dir"
        local n; n=$(lab_n "$dir")
        VERIFY_MSG=""; STARTER_SUMMARY=""; SOLUTION_SUMMARY=""
        local ok=1 v
        verify_starter "$dir" || ok=0
        HEALED="build/labs/verify/$(lab_num "$dir")-healed"
        if [ $ok -eq 1 ] && has_answers "$dir" && ! heal_lab "$dir" "$STARTERS" "$HEALED"; then
            ok=0; VERIFY_MSG=$HEAL_MSG
        fi
        if [ $ok -eq 1 ] && has_answers "$dir"; then
            # The lab's own variant first (plain, or the sanitizer it always
            # uses), then ThreadSanitizer if that was not it already.
            for v in ${LAB_SAN:-plain} $([ "$LAB_SAN" != tsan ] && echo tsan); do
                verify_solution "$dir" "$v" || { ok=0; break; }
            done
        fi
        if has_answers "$dir"; then
            SOLUTION_SUMMARY="; solution passes${SOLUTION_SUMMARY#,}"
        else
            SOLUTION_SUMMARY="; no solution.patch here (a handout): starter only"
        fi
        if [ $ok -eq 1 ]; then
            printf 'ok    lab %d  %-38s %s%s\n' "$n" "$LAB_TITLE" "$STARTER_SUMMARY" "$SOLUTION_SUMMARY"
            exit 0
        fi
        printf 'FAIL  lab %d  %-38s %s\n' "$n" "$LAB_TITLE" "$VERIFY_MSG"
        exit 1
    )
}

cmd_verify() {
    local start d passed=0 failed=0
    start=$(date +%s)
    export LAB_JOBS=${LAB_JOBS:-$NPROC}
    # Build the kit in every variant first, so that labs never race to build it.
    for v in plain tsan asan; do ensure_kit "$v" || { say "0 passed, 1 failed"; exit 1; }; done
    mkdir -p build/labs/verify
    for d in $(all_labs); do
        if verify_lab "$d"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
    done
    say "labs-verify took $(( $(date +%s) - start ))s"
    say "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

# ---- handout ------------------------------------------------------------

# The files of the kit, NUL-separated: in a git checkout, every file git
# tracks or would track (so nothing .gitignore excludes: build output,
# plots, progress); elsewhere, everything but the usual outputs. Never a
# lab's answers (solution.patch). (git is only read here: ls-files changes nothing.)
kit_files() {
    if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git ls-files -z --cached --others --exclude-standard
    else
        find . -path ./.git -prune -o -path ./build -prune -o -path ./out -prune -o \
            -path ./report -prune -o -type f ! -name '*.o' ! -name '*.d' -print0 | sed -z 's:^\./::'
    fi | while IFS= read -r -d '' f; do
        case $f in
            labs/*/solution.patch | labs/.progress | labs/.hints) ;;
            *) [ -f "$f" ] && printf '%s\0' "$f" ;;
        esac
    done
}

# ---- editing an answer ---------------------------------------------------

# heal N: lab N's answers in build/labs/heal/NN/, to read or edit.
cmd_heal() {
    local dir; dir=$(lab_dir "${1:-}") || exit 2
    ( load_lab "$dir"
      local dest starters
      dest="build/labs/heal/$(lab_num "$dir")"; starters=$dir
      if [ -n "$LAB_GENERATED" ]; then
          starters="$dest.starters"
          starter_copy "$dir" "$starters" || die "$GEN_MSG"
      fi
      has_answers "$dir" || die "$dir has no answers here (a handout?)"
      heal_lab "$dir" "$starters" "$dest" || die "$HEAL_MSG"
      say "Lab $(lab_n "$dir")'s answers are in $dest/. After editing them there,"
      say "\`labs/run.sh rediff $(lab_n "$dir")\` writes $dir/solution.patch again." )
}

# rediff N: solution.patch again, from build/labs/heal/NN/ (the files that
# are the kit's own answers are left out: they are the kit's).
cmd_rediff() {
    local dir; dir=$(lab_dir "${1:-}") || exit 2
    ( load_lab "$dir"
      local dest starters f patch
      dest="build/labs/heal/$(lab_num "$dir")"; starters=$dir
      [ -n "$LAB_GENERATED" ] && starters="$dest.starters"
      [ -d "$dest" ] || die "no $dest: run \`labs/run.sh heal $(lab_n "$dir")\` first"
      patch=$(mktemp)
      for f in $LAB_FILES; do
          kit_answer_for "$f" >/dev/null && continue
          diff -u --label "a/$f" --label "b/$f" "$starters/$f" "$dest/$f" >>"$patch"
          [ $? -le 1 ] || { rm -f "$patch"; die "diff failed on $f"; }
      done
      mv "$patch" "$dir/solution.patch"
      say "Wrote $dir/solution.patch; \`make labs-verify\` proves it." )
}

# The handout is staged in build/handout/pipelab: the kit's files, then the
# generated starters written from variants/, which stays out (it holds the
# answers too).
cmd_handout() {
    local out=build/pipelab-handout.tar.gz name=pipelab stage=build/handout d
    rm -rf "$stage"; mkdir -p "$stage/$name"
    kit_files | tar -cf - --null -T - | tar -xf - -C "$stage/$name" ||
        { rm -rf "$stage"; die "cannot copy the kit into $stage"; }
    for d in $(all_labs); do
        ( load_lab "$d"
          [ -n "$LAB_GENERATED" ] || exit 0
          generate_starters "$d" "$stage/$name/$d" all || die "$GEN_MSG"
          rm -rf "$stage/$name/$d/variants" "$stage/$name/$d/.gitignore" ) || { rm -rf "$stage"; exit 2; }
    done
    tar -czf "$out.tmp" -C "$stage" "$name" || { rm -rf "$stage" "$out.tmp"; die "tar failed"; }
    rm -rf "$stage"
    mv "$out.tmp" "$out"
    if tar -tzf "$out" | grep -qE '/solution\.patch$|/variants/'; then
        rm -f "$out"; die "an answer slipped into the handout"
    fi
    say "Wrote $out ($(du -k "$out" | cut -f1) KiB, $(tar -tzf "$out" | grep -cv '/$') files): the kit without"
    say "solutions, .git, build output or progress files."
    say "Unpack with \`tar xzf $(basename "$out")\`; learners start at 0 / $(lab_count) labs."
}

case ${1:-} in
    lab) cmd_lab "${2:-}" ;;
    labs) cmd_labs ;;
    hint) cmd_hint "${2:-}" ;;
    verify) cmd_verify ;;
    handout) cmd_handout ;;
    heal) cmd_heal "${2:-}" ;;
    rediff) cmd_rediff "${2:-}" ;;
    *) say "usage: labs/run.sh lab [N] | labs | hint [N] | verify | handout | heal N | rediff N"; exit 2 ;;
esac
