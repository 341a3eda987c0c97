#!/bin/bash
# live.sh — the live view and replay, in real terminals.
#
#   PIPELAB=build/pipelab bash tests/live.sh   (run by `make test`)
#
# tmux runs pipelab in a detached pane of a fixed size; the test captures the
# pane while the run is in progress (polling until the text appears, bounded
# by a deadline: nothing is decided by a sleep) and checks what it shows:
#   bounded    with a slow writer: cpu_queue full (4/4 at depth 4), the
#              reader blocked sending, the metrics summary after the last frame
#   unbounded  a queue deeper than 4
#   mutex      tasks waiting for the writer lock
#   replay     a recorded --trace plays (fast) and ends on its summary
#   plain      --live with stderr in a file: one plain line per interval
#   refusal    replay of a file that is not a trace: one line, exit 65
# Prints "[       OK ] name" or "[  FAILED  ] name: why", then "N passed, M failed".
set -u

. "$(dirname "$0")/lib.sh"
test_pipelab
if ! command -v tmux >/dev/null 2>&1; then
    fail "setup" "tmux is not installed (scripts/deps.sh installs it)"
    test_summary
fi
sock="pipelab-live-$$"               # a private tmux server, never the user's
tm() { tmux -L "$sock" -f /dev/null "$@"; }
test_scratch live 'tm kill-server 2>/dev/null'

"$P" gen "$T/in" --size 8M >/dev/null || exit 1
# 128 chunks of 64 KiB, 20 ms a write: about 2.6 s of a slow writer.
RUN="process $T/in $T/out --force --stages compress --chunk-size 64K --workers 2 --writer-delay-us 20000"

# start CMD: run CMD in a fresh 100x40 pane; "echo END" marks its end.
start() {
    tm kill-session -t live 2>/dev/null
    tm new-session -d -s live -x 100 -y 40 "$1; echo \"END rc=\$?\"; sleep 60"
}
# wait_for REGEX SECONDS: poll the pane until REGEX shows; the pane is in $T/pane.
wait_for() {
    local deadline=$((SECONDS + $2))
    while [ $SECONDS -lt $deadline ]; do
        tm capture-pane -p -S - -t live >"$T/pane" 2>/dev/null
        grep -Eq "$1" "$T/pane" && return 0
        sleep 0.05
    done
    return 1
}

start "$P $RUN --backend bounded --channel-depth 4 --live --metrics table"
if wait_for 'cpu_queue +\[#+\] 4/4' 20; then ok "bounded: cpu_queue shown full, 4/4"
else fail "bounded: cpu_queue shown full, 4/4" "$(cat "$T/pane")"; fi
if wait_for 'reader +blocked sending chunk [0-9]+' 20; then ok "bounded: the reader shown blocked"
else fail "bounded: the reader shown blocked" "$(cat "$T/pane")"; fi
if wait_for 'END rc=0' 60 && grep -q 'live (done): backend bounded' "$T/pane" &&
   grep -q 'throughput' "$T/pane"; then ok "bounded: the last frame stays, the summary follows"
else fail "bounded: the last frame stays, the summary follows" "$(cat "$T/pane")"; fi
# The cursor was hidden during the run: it is shown again at the end.
if tm display -p -t live '#{cursor_flag}' | grep -q 1; then ok "bounded: the cursor is restored"
else fail "bounded: the cursor is restored" "cursor_flag $(tm display -p -t live '#{cursor_flag}')"; fi

start "$P $RUN --backend unbounded --live"
if wait_for 'depth ([5-9]|[1-9][0-9]+) \(unbounded\)' 20; then ok "unbounded: a queue deeper than 4"
else fail "unbounded: a queue deeper than 4" "$(cat "$T/pane")"; fi
wait_for 'END rc=0' 60 || fail "unbounded: the run ends" "$(cat "$T/pane")"

start "$P $RUN --backend mutex --live"
if wait_for 'writer lock +held by task [0-9]+, [1-9][0-9]* waiting' 20; then ok "mutex: lock waiters shown"
else fail "mutex: lock waiters shown" "$(cat "$T/pane")"; fi
wait_for 'END rc=0' 60 || fail "mutex: the run ends" "$(cat "$T/pane")"

# Ctrl-C during a live run: the terminal is restored, the partial output removed.
rm -f "$T/out"
start "$P $RUN --backend bounded --live"
if wait_for 'reader +blocked' 20; then
    tm send-keys -t live C-c
    if wait_for 'END rc=130' 20 && [ ! -e "$T/out" ] &&
       [ "$(tm display -p -t live '#{cursor_flag}')" = 1 ]; then
        ok "Ctrl-C: exit 130, cursor back, no partial output"
    else fail "Ctrl-C: exit 130, cursor back, no partial output" "$(cat "$T/pane"; ls "$T")"; fi
else fail "Ctrl-C: exit 130, cursor back, no partial output" "the run never showed"; fi

# Replay: record a trace, play it ten times faster, see it end on its summary.
"$P" $RUN --backend bounded --trace "$T/trace.json" 2>/dev/null
start "$P replay $T/trace.json --speed 10"
if wait_for 'pipelab replay: backend bounded' 20; then ok "replay: plays in the view"
else fail "replay: plays in the view" "$(cat "$T/pane")"; fi
if wait_for 'END rc=0' 60 && grep -q 'replay of .*: backend bounded, 128 chunks' "$T/pane"; then
    ok "replay: ends on its summary"
else fail "replay: ends on its summary" "$(cat "$T/pane")"; fi

# Replay keys: q quits at once, even at real speed.
start "$P replay $T/trace.json --speed 0.01"
if wait_for 'q quits' 20; then
    tm send-keys -t live q
    if wait_for 'END rc=0' 20; then ok "replay: q quits"; else fail "replay: q quits" "$(cat "$T/pane")"; fi
else fail "replay: q quits" "no key line: $(cat "$T/pane")"; fi

# Not a terminal: plain lines.
"$P" $RUN --backend bounded --live 2>"$T/plain.txt"
rc=$?
lines=$(grep -c '^live .* backend=bounded reader=".*" cpu_queue=[0-9]/4 ' "$T/plain.txt")
if [ $rc -eq 0 ] && [ "$lines" -ge 2 ] && grep -q '^live (done)' "$T/plain.txt" &&
   ! grep -q $'\033' "$T/plain.txt"; then ok "plain: a line per interval when stderr is a file"
else fail "plain: a line per interval when stderr is a file" "rc $rc, $lines lines: $(head -c 600 "$T/plain.txt")"; fi

printf '{"traceEvents":[]}\n' >"$T/other.json"
"$P" replay "$T/other.json" >"$T/out.txt" 2>"$T/err.txt"
rc=$?
if [ $rc -eq 65 ] && [ "$(wc -l <"$T/err.txt")" -eq 1 ] && grep -q 'not a pipelab trace' "$T/err.txt"
then ok "replay: a file that is not a trace, one line, exit 65"
else fail "replay: a file that is not a trace, one line, exit 65" "rc $rc: $(cat "$T/err.txt")"; fi

test_summary
