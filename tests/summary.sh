#!/bin/sh
# summary.sh RESULTS — add up every suite's counts and print one line.
# Exits non-zero when any test failed, so `make test` fails too.
set -u
awk '
    $3 > 0 { printf "failed: %s (%d)\n", $1, $3 }
    { p += $2; f += $3 }
    END { printf "%d passed, %d failed\n", p, f; exit (f > 0 || NR == 0) }
' "$1"
