#!/bin/bash
# install.sh — the conventions of a C tool, checked: the manual page, bash
# completion, `make install` / `make uninstall` and `make help`.
#
#   PIPELAB=build/pipelab bash tests/install.sh   (run by `make test`)
#
# What is covered:
#   man page     man/pipelab.1 documents exactly the commands and options of
#                `pipelab --help-all` (both ways: nothing missing, nothing
#                stale), and man(1) renders it without a warning
#   completion   completion/pipelab.bash offers the commands, each command's
#                own options, backend names after --backend/--backends, the
#                values of --format/--metrics/--kind, file names elsewhere
#   install      `make install` into a scratch PREFIX (and a DESTDIR) writes
#                the binary, the page and the completion; `man -M` finds the
#                page; `make uninstall` removes all of it and nothing else
#   make help    every target the Makefiles declare has its one-line entry
# Prints "[       OK ] name" or "[  FAILED  ] name: why", then "N passed, M failed".
set -u

. "$(dirname "$0")/lib.sh"
test_pipelab
page=$root/man/pipelab.1
test_scratch install
# check NAME WHY COMMAND...: OK when COMMAND succeeds.
check() { local name=$1 why=$2; shift 2; if "$@"; then ok "$name"; else fail "$name" "$why"; fi; }
files_exist() { local f; for f in "$@"; do [ -f "$f" ] || return 1; done; }

# The make of this kit, without the jobserver or level of a calling make.
kit_make() { env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s --no-print-directory -C "$root" "$@"; }

# ---- the manual page against --help-all ---------------------------------------
help_all=$("$P" --help-all)
printf '%s\n' "$help_all" | sed -n '/^all options:/,$p' | awk '$1 ~ /^--/ { print $1 }' |
    sort -u >"$T/help.options"
printf '%s\n' "$help_all" | sed -n '/^commands:/,/^$/p' | awk 'NF && !/^commands:/ { print $1 }' |
    sort -u >"$T/help.commands"
# roff writes a hyphen as \-; an option is documented by a .TP item of OPTIONS.
sed 's/\\-/-/g' "$page" >"$T/page"
awk '/^\.SH OPTIONS/ { on = 1; next } /^\.SH / { on = 0 }
     on && item && $1 ~ /^\.BI?$/ && $2 ~ /^--/ { print $2 } { item = ($1 == ".TP") }' "$T/page" |
    sort -u >"$T/page.options"
awk '/^\.SH COMMANDS/ { on = 1; next } /^\.SH / { on = 0 }
     on && item { gsub(/"/, ""); print $2 } { item = ($1 == ".TP") }' "$T/page" |
    sort -u >"$T/page.commands"
grep -o -- '--[a-z][a-z0-9-]*' "$T/page" | sort -u >"$T/page.mentions"

missing=$(comm -23 "$T/help.options" "$T/page.options" | tr '\n' ' ')
check "man page documents every option of --help-all" "missing: $missing" [ -z "$missing" ]
stale=$(comm -13 "$T/help.options" "$T/page.options" | tr '\n' ' ')
check "man page documents no option --help-all lacks" "not in --help-all: $stale" [ -z "$stale" ]
stale=$(comm -13 <(printf '%s\n' "$help_all" | grep -o -- '--[a-z][a-z0-9-]*' | sort -u) \
        "$T/page.mentions" | tr '\n' ' ')
check "man page mentions only options that exist" "unknown: $stale" [ -z "$stale" ]
diff_commands=$(diff "$T/help.commands" "$T/page.commands" | grep '^[<>]' | tr '\n' ' ')
check "man page COMMANDS are the commands of --help" "differ: $diff_commands" [ -z "$diff_commands" ]

if command -v man >/dev/null 2>&1; then
    LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$page" \
        >/dev/null 2>"$T/man.err"
    rc=$?
    [ -s "$T/man.err" ] && rc="$rc, $(head -n 3 "$T/man.err")"
    check "man page renders without a warning" "exit $rc" [ "$rc" = 0 ]
else
    fail "man page renders without a warning" "man is not installed (scripts/deps.sh installs man-db)"
fi

# ---- bash completion -----------------------------------------------------------
# complete_words LINE: what completion offers for LINE (its last word completed),
# one per line, sorted. Runs in a child bash with the built pipelab on PATH.
complete_words() {
    (cd "$T/files" && PATH=$(dirname "$P"):$PATH bash -c '
        source "$1"
        read -r -a COMP_WORDS <<<"$2"
        case $2 in *" ") COMP_WORDS+=("") ;; esac
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        _pipelab
        [ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}"' bash "$root/completion/pipelab.bash" "$1") | sort
}
mkdir -p "$T/files" && : >"$T/files/input.bin" && : >"$T/files/other.txt"

got=$(complete_words "pipelab " | grep -v '^--' | tr '\n' ' ')
want=$(tr '\n' ' ' <"$T/help.commands")
check "completion: the commands" "got '$got', want '$want'" [ "$got" = "$want" ]
wrong=""
for cmd in $(cat "$T/help.commands"); do
    got=$(complete_words "pipelab $cmd --" | tr '\n' ' ')
    want=$("$P" "$cmd" --help | awk '$1 ~ /^--/ { print $1 }' | sort | tr '\n' ' ')
    [ "$got" = "$want" ] || wrong="$wrong $cmd (got '$got', want '$want')"
done
check "completion: each command's own options" "$wrong" [ -z "$wrong" ]
got=$(complete_words "pipelab process in out --backend " | tr '\n' ' ')
want=$("$P" backends | awk '{ print $1 }' | sort | tr '\n' ' ')
check "completion: backend names after --backend" "got '$got', want '$want'" [ "$got" = "$want" ]
got=$(complete_words "pipelab compare in --backends serial,mu" | tr '\n' ' ')
check "completion: --backends completes the last name of its list" "got '$got'" [ "$got" = "serial,mutex " ]
got=$(complete_words "pipelab gen out --kind " | tr '\n' ' ')
check "completion: the values of --kind" "got '$got'" [ "$got" = "mixed random text zeros " ]
got=$(complete_words "pipelab process in" | tr '\n' ' ')
check "completion: file names for IN" "got '$got'" [ "$got" = "input.bin " ]
got=$(complete_words "pipelab process in.bin out --key-file o" | tr '\n' ' ')
check "completion: file names after --key-file" "got '$got'" [ "$got" = "other.txt " ]
got=$(complete_words "pipelab process in out --workers " | tr '\n' ' ')
check "completion: nothing to offer for a number" "got '$got'" [ -z "$got" ]

# ---- make install / make uninstall ----------------------------------------------
prefix=$T/prefix
mkdir -p "$prefix/bin" && echo keep >"$prefix/bin/other-tool"   # not ours: must stay
if kit_make install PREFIX="$prefix" >"$T/install.log" 2>&1; then
    ok "make install PREFIX=..."
else
    fail "make install PREFIX=..." "$(tail -n 3 "$T/install.log")"
fi
check "install: the binary runs" "$prefix/bin/pipelab --version failed" \
    sh -c '"$1" --version | grep -q "^pipelab "' sh "$prefix/bin/pipelab"
check "install: the page and the completion" "missing under $prefix/share" \
    files_exist "$prefix/share/man/man1/pipelab.1" "$prefix/share/bash-completion/completions/pipelab"
if command -v man >/dev/null 2>&1; then
    check "install: man -M PREFIX/share/man pipelab shows the page" "no NAME line" \
        sh -c 'MANPAGER=cat MANWIDTH=80 man -M "$1" pipelab 2>&1 | grep -Eq "pipelab +- +a +concurrent"' \
        sh "$prefix/share/man"
fi
kit_make uninstall PREFIX="$prefix" >"$T/uninstall.log" 2>&1
left=$(cd "$prefix" && find . -mindepth 1 ! -path ./bin ! -path ./bin/other-tool | tr '\n' ' ')
check "make uninstall removes everything install wrote" "left: $left" [ -z "$left" ]
check "make uninstall leaves what was not its own" "bin/other-tool is gone" \
    [ "$(cat "$prefix/bin/other-tool" 2>/dev/null)" = keep ]

kit_make install DESTDIR="$T/stage" PREFIX=/usr >"$T/install.log" 2>&1
check "make install DESTDIR=... PREFIX=/usr stages under DESTDIR" "$(tail -n 3 "$T/install.log")" \
    files_exist "$T/stage/usr/bin/pipelab" "$T/stage/usr/share/man/man1/pipelab.1" \
        "$T/stage/usr/share/bash-completion/completions/pipelab"
kit_make uninstall DESTDIR="$T/stage" PREFIX=/usr >/dev/null 2>&1
check "make uninstall DESTDIR=... leaves nothing" "left: $(find "$T/stage" -mindepth 1 | head -n 3)" \
    [ -z "$(find "$T/stage" -mindepth 1 2>/dev/null)" ]

# ---- make help -------------------------------------------------------------------
kit_make help >"$T/help" 2>&1
# Every target a Makefile declares .PHONY must have its line in `make help`.
undocumented=""
for target in $(cd "$root" && cat Makefile ./*/*.mk 2>/dev/null | sed -n 's/^\.PHONY://p'); do
    grep -q "^  $target " "$T/help" || undocumented="$undocumented $target"
done
check "make help lists every target" "not listed:$undocumented" [ -z "$undocumented" ]

test_summary
