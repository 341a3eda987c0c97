#!/bin/bash
# live.sh — the live view and replay, in real terminals.
#
#   PIPELAB=build/pipelab bash tests/live.sh              (run by `make test`)
#   PIPELAB=build/tsan/pipelab LIVE_TSAN=1 bash tests/live.sh
#                                   (make check-tsan: the cases marked [tsan])
#
# tmux runs pipelab in a detached pane of a fixed size; the test captures the
# pane while the run is in progress (polling until the text appears, bounded
# by a deadline: nothing is decided by a sleep) and checks what it shows:
#   bounded    [tsan] with a slow writer: cpu_queue full (4/4 at depth 4), the
#              reader blocked sending; the last frame stays (queues empty,
#              writer done), the metrics summary follows, the cursor is back
#   lockfree   the same full queue and blocked reader over the lock-free ring
#   unbounded  a queue deeper than 4
#   mutex      tasks waiting for a permit, the task holding the writer lock
#              and the tasks waiting for it; the writer done at the end
#   serial     the one thread's rows, a bound of 1 chunk, done at the end
#   ordered    the reader waiting for the reorder window while the window is
#              full (10/10 at depth 4, 2 workers), empty at the end
#   compare    --live: each backend's last frame in turn, each followed by
#              its row of the table, in the order of --backends
#   Ctrl-C     exit 130, the cursor back, no partial output
#   replay     a recorded --trace plays (fast) and ends on its summary, its
#              last frame with every thread done
#   keys       space pauses (the event shown stops), -> steps exactly one
#              event, twice; space plays again; q quits at once
#   small      a 60x10 pane: the short form (workers counted on one row), one
#              frame redrawn in place, never scrolled into copies; replay's
#              frame in an 11-row pane likewise (its key row counted)
#   tiny       a 60x6 pane, too short for even the short form: plain lines
#   dumb       TERM=dumb: plain lines, the cursor never hidden
#   plain      [tsan] stderr a file, every backend and --ordered: a line per
#              interval, the backend's own fields, no escape sequence
#   refusal    replay of a file that is not a trace: one line, exit 65
# Every case also checks that the run ends with exit 0 (a ThreadSanitizer
# report, halt_on_error=1, ends it with 66). LIVE_TSAN=1 runs only the [tsan]
# cases, to keep the TSan pass short; they put the view thread beside every
# backend's threads.
# Prints "[       OK ] name" or "[  FAILED  ] name: why", then "N passed, M failed".
set -u

. "$(dirname "$0")/lib.sh"
test_pipelab
if ! command -v tmux >/dev/null 2>&1; then
    fail "setup" "tmux is not installed (scripts/deps.sh installs it)"
    test_summary
fi
tsan=${LIVE_TSAN:-0}
# A report stops the run at once, with an exit code the checks notice.
export TSAN_OPTIONS="halt_on_error=1:exitcode=66${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
sock="pipelab-live-$$"               # a private tmux server, never the user's
tm() { tmux -L "$sock" -f /dev/null "$@"; }
test_scratch live 'tm kill-server 2>/dev/null'

"$P" gen "$T/in" --size 8M >/dev/null || exit 1
# 128 chunks of 64 KiB, 20 ms a write: about 2.6 s of a slow writer.
RUN="process $T/in $T/out --force --stages compress --chunk-size 64K --workers 2 --writer-delay-us 20000"

# start CMD [COLS ROWS]: run CMD in a fresh pane (100x40), session $S; "END rc=N"
# marks its end. The old session goes only once the new one exists: a server
# left without a session exits, and would race with the next start.
S=""
sessions=0
start() {
    local old=$S
    sessions=$((sessions + 1))
    S=live$sessions
    tm new-session -d -s "$S" -x "${2:-100}" -y "${3:-40}" "$1; echo \"END rc=\$?\"; sleep 60"
    [ -z "$old" ] || tm kill-session -t "$old" 2>/dev/null
}
# capture: the pane and its scrollback, wrapped lines joined, into $T/pane.
capture() { tm capture-pane -p -J -S - -t "$S" >"$T/pane" 2>/dev/null; }
# wait_for REGEX SECONDS: poll the pane until REGEX shows.
wait_for() {
    local deadline=$((SECONDS + $2))
    while [ $SECONDS -lt $deadline ]; do
        capture
        grep -Eq "$1" "$T/pane" && return 0
        sleep 0.05
    done
    return 1
}
# wait_all SECONDS REGEX...: poll until every REGEX shows in one capture (one frame).
wait_all() {
    local deadline=$((SECONDS + $1)) re missing
    shift
    while [ $SECONDS -lt $deadline ]; do
        capture
        missing=0
        for re in "$@"; do grep -Eq "$re" "$T/pane" || missing=1; done
        [ $missing -eq 0 ] && return 0
        sleep 0.05
    done
    return 1
}
# check NAME CONDITION...: ok if the command CONDITION succeeds, else fail with the pane.
check() {
    local name=$1
    shift
    if "$@"; then ok "$name"; else fail "$name" "$(cat "$T/pane")"; fi
}
# ends: the run in the pane ended with exit 0 (within 60 s).
ends() { wait_for 'END rc=[0-9]+' 60 && grep -q 'END rc=0' "$T/pane"; }
cursor_shown() { [ "$(tm display -p -t "$S" '#{cursor_flag}')" = 1 ]; }

case_bounded() {
    start "$P $RUN --backend bounded --channel-depth 4 --live --metrics table"
    check "bounded: cpu_queue shown full, 4/4" wait_for 'cpu_queue +\[#+\] 4/4' 20
    check "bounded: the reader shown blocked" wait_for 'reader +blocked sending chunk [0-9]+' 20
    check "bounded: the last frame stays (queues empty, writer done), the summary follows" \
        eval 'ends && grep -q "live (done): backend bounded" "$T/pane" &&
              grep -Eq "cpu_queue +\[\.+\] 0/4" "$T/pane" && grep -Eq "writer_queue +\[\.+\] 0/4" "$T/pane" &&
              grep -Eq "^  writer +done" "$T/pane" && grep -q throughput "$T/pane"'
    # The cursor was hidden during the run: it is shown again at the end.
    check "bounded: the cursor is restored" cursor_shown
}

case_lockfree() {
    start "$P $RUN --backend lockfree --live"
    check "lockfree: cpu_queue full and the reader blocked, in one frame" \
        wait_all 20 'pipelab live: backend lockfree' 'cpu_queue +\[#+\] 4/4' 'reader +blocked sending chunk'
    check "lockfree: ends on its last frame" eval 'ends && grep -q "live (done): backend lockfree" "$T/pane"'
}

case_unbounded() {
    start "$P $RUN --backend unbounded --live"
    check "unbounded: a queue deeper than 4" wait_for 'depth ([5-9]|[1-9][0-9]+) \(unbounded\)' 20
    check "unbounded: ends on its last frame" eval 'ends && grep -q "live (done): backend unbounded" "$T/pane"'
}

case_mutex() {
    start "$P $RUN --backend mutex --live"
    check "mutex: permit waiters, the lock's holder and its waiters, in one frame" \
        wait_all 20 'semaphore +[1-9][0-9]* tasks waiting for a permit' \
        'writer lock +held by task [0-9]+, [1-9][0-9]* waiting' 'writer +writing chunk'
    check "mutex: ends with the writer done" \
        eval 'ends && grep -q "live (done): backend mutex" "$T/pane" && grep -Eq "^  writer +done" "$T/pane"'
}

case_serial() {
    start "$P $RUN --backend serial --live"
    check "serial: the one thread's rows, bound 1 chunk" \
        wait_all 20 'pipelab live: backend serial' 'worker 0 +(running the stages on|handing on|waiting for a CPU token)' \
        'writer +(writing chunk|idle)' 'bound 1 chunks'
    check "serial: ends with the writer done" \
        eval 'ends && grep -q "live (done): backend serial" "$T/pane" && grep -Eq "^  writer +done" "$T/pane"'
}

case_ordered() {
    start "$P $RUN --backend bounded --ordered --live"
    check "ordered: the reader waits for the window, and the window is full" \
        wait_all 20 'reader +waiting for the reorder window \(chunk [0-9]+\)' \
        'reorder +10/10 chunks in the window, [0-9]+ parked out of order'
    check "ordered: the window empty at the end" \
        eval 'ends && grep -Eq "reorder +0/10 chunks in the window, 0 parked" "$T/pane"'
}

case_compare() {
    "$P" gen "$T/small" --size 2M >/dev/null || exit 1
    start "$P compare $T/small --stages compress --chunk-size 64K --workers 2 --writer-delay-us 5000 --live"
    local want="frame serial row serial frame mutex row mutex frame bounded row bounded frame unbounded row unbounded frame lockfree row lockfree"
    local got=""
    if ends; then
        got=$(grep -Eo '^(pipelab live \(done\): backend [a-z]+|[a-z]+ +[0-9.]+ +[0-9.]+x)' "$T/pane" |
              awk '{ printf "%s%s", (NR > 1 ? " " : ""), ($1 == "pipelab" ? "frame " $NF : "row " $1) }')
    fi
    if [ "$got" = "$want" ]; then ok "compare --live: each backend's last frame, then its row, in turn"
    else fail "compare --live: each backend's last frame, then its row, in turn" "got '$got': $(cat "$T/pane")"; fi
}

# Ctrl-C during a live run: the terminal is restored, the partial output removed.
case_ctrl_c() {
    rm -f "$T/out"
    start "$P $RUN --backend bounded --live"
    if wait_for 'reader +blocked' 20; then
        tm send-keys -t "$S" C-c
        if wait_for 'END rc=130' 20 && [ ! -e "$T/out" ] && cursor_shown; then
            ok "Ctrl-C: exit 130, cursor back, no partial output"
        else fail "Ctrl-C: exit 130, cursor back, no partial output" "$(cat "$T/pane"; ls "$T")"; fi
    else fail "Ctrl-C: exit 130, cursor back, no partial output" "the run never showed"; fi
}

# Replay: record a trace, play it ten times faster, see it end on its summary.
case_replay() {
    "$P" $RUN --backend bounded --trace "$T/trace.json" 2>/dev/null
    start "$P replay $T/trace.json --speed 10"
    check "replay: plays in the view" wait_for 'pipelab replay: backend bounded' 20
    check "replay: ends on its summary" \
        eval 'ends && grep -q "replay of .*: backend bounded, 128 chunks" "$T/pane"'
    check "replay: the last frame shows both workers done, as a live run ends" \
        eval 'grep -Eq "worker 0 +done" "$T/pane" && grep -Eq "worker 1 +done" "$T/pane"'
}

# paused_at: the event the paused frame shows (empty if it is not paused).
paused_at() { sed -n 's/.*event \([0-9]*\) of [0-9]*, paused.*/\1/p' "$T/pane" | tail -n 1; }
# step_from N: press ->, poll until the paused frame shows another event than N; prints it.
step_from() {
    local deadline=$((SECONDS + 20)) at
    tm send-keys -t "$S" Right
    while [ $SECONDS -lt $deadline ]; do
        capture
        at=$(paused_at)
        if [ -n "$at" ] && [ "$at" != "$1" ]; then echo "$at"; return 0; fi
        sleep 0.05
    done
    return 1
}

# Replay keys, at a speed where the playing frame moves on by several events a
# frame: a pause that did not hold would show as a step of more than one.
case_keys() {
    start "$P replay $T/trace.json --speed 0.3"
    if ! wait_for 'event [0-9]+ of [0-9]+: space pauses' 20; then
        fail "replay: space pauses" "no event line: $(cat "$T/pane")"
        return
    fi
    tm send-keys -t "$S" Space
    local n="" s1="" s2=""
    wait_for 'event [0-9]+ of [0-9]+, paused' 20 && n=$(paused_at)
    if [ -n "$n" ]; then ok "replay: space pauses (at event $n)"
    else fail "replay: space pauses" "$(cat "$T/pane")"; return; fi
    s1=$(step_from "$n") && s2=$(step_from "$s1")
    if [ "$s1" = $((n + 1)) ] && [ "$s2" = $((n + 2)) ]; then ok "replay: -> steps one event, twice"
    else fail "replay: -> steps one event, twice" "paused at $n, stepped to '$s1', then '$s2'"; fi
    tm send-keys -t "$S" Space
    check "replay: space plays again" wait_for 'event [0-9]+ of [0-9]+: space pauses' 20
    # q quits at once, even at a hundredth of real time (4 minutes of replay).
    start "$P replay $T/trace.json --speed 0.01"
    if wait_for 'q quits' 20; then
        tm send-keys -t "$S" q
        check "replay: q quits" wait_for 'END rc=0' 20
    else fail "replay: q quits" "no key line: $(cat "$T/pane")"; fi
}

# A pane too short for the full form (10 rows, the full bounded frame needs
# 10 and a row for the cursor): the short form, redrawn in place.
case_small() {
    start "$P $RUN --backend bounded --live" 60 10
    check "small pane: the workers counted on one row" \
        wait_for '^  workers +[0-9]+ (blocked sending|running the stages on|waiting for a CPU token)' 20
    check "small pane: ends, one frame redrawn in place, no worker rows" \
        eval 'ends && [ "$(grep -c "pipelab live" "$T/pane")" -eq 1 ] &&
              grep -q "live (done): backend bounded" "$T/pane" && ! grep -q "^  worker 0" "$T/pane"'
    # Replay's full frame has its key row too: 11 rows, in an 11-row pane.
    start "$P replay $T/trace.json --speed 10" 100 11
    check "small pane: replay in the short form, its key row counted, redrawn in place" \
        eval 'ends && [ "$(grep -c "pipelab replay" "$T/pane")" -eq 1 ] &&
              grep -Eq "^  workers +[0-9]+ " "$T/pane" && grep -q "q quits" "$T/pane" &&
              grep -q "replay of .*: backend bounded, 128 chunks" "$T/pane"'
}

# plain_in_pane NAME: the pane holds plain lines only, the last one done.
plain_in_pane() {
    ends && [ "$(grep -Ec '^live [0-9.]+s backend=bounded ' "$T/pane")" -ge 2 ] &&
        grep -Eq '^live \(done\) [0-9.]+s backend=bounded .*written=8\.0/8\.0MiB' "$T/pane" &&
        ! grep -q 'pipelab live' "$T/pane"
}

# A pane too short even for the short form (6 rows): redrawing would scroll
# every frame into the scrollback, so plain lines instead.
case_tiny() {
    start "$P $RUN --backend bounded --live" 60 6
    wait_for 'END rc=' 60
    check "tiny pane: plain lines, the last one done, exit 0" plain_in_pane
}

case_dumb() {
    start "TERM=dumb $P $RUN --backend bounded --live"
    wait_for '^live [0-9.]+s backend=bounded ' 20
    local hidden=0
    cursor_shown || hidden=1
    wait_for 'END rc=' 60
    check "TERM=dumb: plain lines, the last one done, exit 0" plain_in_pane
    if [ $hidden -eq 0 ]; then ok "TERM=dumb: the cursor is never hidden"
    else fail "TERM=dumb: the cursor is never hidden" "cursor_flag was 0 during the run"; fi
}

# Not a terminal: plain lines, for every backend (and the reorder window).
# 8 ms a write: at least a second, two intervals.
case_plain() {
    local spec backend extra want lines rc
    for spec in "serial" "mutex permit_waiters=[0-9]+ lock_waiters=[0-9]+" \
                "bounded cpu_queue=[0-9]/4 writer_queue=[0-9]/4" "unbounded cpu_queue=[0-9]+ writer_queue=[0-9]+" \
                "lockfree cpu_queue=[0-9]/4 writer_queue=[0-9]/4" "ordered window=[0-9]+/10 parked=[0-9]+"; do
        backend=${spec%% *}
        want=${spec#"$backend"}
        extra=""
        [ "$backend" = ordered ] && backend=bounded extra=--ordered
        "$P" $RUN --writer-delay-us 8000 --backend "$backend" $extra --live 2>"$T/plain.txt"
        rc=$?
        lines=$(grep -Ec "^live [^\"]* backend=$backend reader=\"[^\"]*\".*${want# }" "$T/plain.txt")
        if [ $rc -eq 0 ] && [ "$lines" -ge 2 ] && grep -q '^live (done)' "$T/plain.txt" &&
           ! grep -q $'\033' "$T/plain.txt" && ! grep -q ThreadSanitizer "$T/plain.txt"; then
            ok "plain: ${spec%% *}, a line per interval when stderr is a file"
        else fail "plain: ${spec%% *}, a line per interval when stderr is a file" \
                  "rc $rc, $lines lines: $(head -c 1500 "$T/plain.txt")"; fi
    done
}

case_refusal() {
    printf '{"traceEvents":[]}\n' >"$T/other.json"
    "$P" replay "$T/other.json" >"$T/out.txt" 2>"$T/err.txt"
    local rc=$?
    if [ $rc -eq 65 ] && [ "$(wc -l <"$T/err.txt")" -eq 1 ] && grep -q 'not a pipelab trace' "$T/err.txt"
    then ok "replay: a file that is not a trace, one line, exit 65"
    else fail "replay: a file that is not a trace, one line, exit 65" "rc $rc: $(cat "$T/err.txt")"; fi
}

if [ "$tsan" = 1 ]; then
    case_bounded
    case_plain
else
    case_bounded
    case_lockfree
    case_unbounded
    case_mutex
    case_serial
    case_ordered
    case_compare
    case_ctrl_c
    case_replay
    case_keys
    case_small
    case_tiny
    case_dumb
    case_plain
    case_refusal
fi
test_summary
