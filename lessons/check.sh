#!/bin/bash
# check.sh — keep the course true to the code (run by `make lessons-check`).
#
#   lessons/check.sh [FILE.md ...]     (default: every page under lessons/)
#   lessons/check.sh --quotes [FILE.md ...]   only the quote checks (no build needed)
#
# Five kinds of check, one line each, then "N passed, M failed":
#   run    every block marked runnable runs and exits 0. A fenced ```sh block
#          whose previous line is `<!-- run -->` is runnable; `<!-- run
#          needs=PROGRAM -->` (gnuplot, python3) is runnable where PROGRAM is
#          installed and skipped (reported, not counted) elsewhere. The blocks of one page run in
#          order, each in its own `bash -e -o pipefail`, in one fresh scratch
#          directory: files carry over from block to block, shell variables
#          do not. Environment: build/ first on PATH, KIT = the repository,
#          SIZE = 4M (LESSONS_SIZE overrides) so that everything stays fast.
#   link   every relative link in a page names a file that exists.
#   flag   every --option a page mentions exists in `pipelab --help-all`.
#   ref    reference/cli.md names every command and option of --help-all;
#          reference/metrics.md names every metric `--metrics json` prints.
#   quote  every ```c block is a quote of the kit or says it is a sketch.
#          A quote has `<!-- quote: FILE NAME -->` on the line above its
#          fence, and FILE (src/, backends/, labs/) marks the lines it shows:
#              /* lesson:NAME begin */
#              ...the quoted lines...
#              /* lesson:NAME end */
#          each tag alone on its line. The block must equal the lines between
#          the tags exactly, once the indentation common to all lines of each
#          side is removed (a quote from inside a function may start at column
#          0; indentation within it must match). A mismatch prints a diff.
#          `<!-- sketch -->` above a ```c block marks code that is not the
#          kit's (simplified, or another design): not compared, and the text
#          must call it a sketch. An unmarked ```c block fails. With no FILE
#          arguments, every tag in the kit's C must be quoted by some page,
#          and a self-test on a copy proves that a changed tagged line fails.
#          (C inside runnable sh blocks is the reader's own program: it is
#          compiled and run, not compared.)
# Exit status: 0 when nothing failed.
set -u

quotes_only=no
if [ "${1:-}" = --quotes ]; then
    quotes_only=yes
    shift
fi
kit=$(cd "$(dirname "$0")/.." && pwd)
bin=${PIPELAB_BIN:-$kit/build}
size=${LESSONS_SIZE:-4M}
block_timeout=${LESSONS_BLOCK_TIMEOUT:-120}
passed=0
failed=0

ok()   { passed=$((passed + 1)); printf 'ok    %s\n' "$1"; }
bad()  { failed=$((failed + 1)); printf 'FAIL  %s\n' "$1"; [ -z "${2:-}" ] || printf '%s\n' "$2" | sed 's/^/      | /'; }
skip() { printf 'skip  %s\n' "$1"; }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }

if [ "$quotes_only" = no ] && [ ! -x "$bin/pipelab" ]; then
    bad "setup: $bin/pipelab is missing (run make first)"
    finish
fi

if [ $# -gt 0 ]; then
    pages=("$@")
else
    mapfile -t pages < <(cd "$kit" && find lessons -name '*.md' | sort)
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/lessons-check-XXXXXX") || exit 1
trap 'rm -rf "$scratch"' EXIT
trap 'exit 130' INT TERM

: >"$scratch/quoted"
help_all="" known_flags="" have_gnuplot=no
if [ "$quotes_only" = no ]; then
    help_all=$("$bin/pipelab" --help-all)
    known_flags=$(printf '%s\n' "$help_all" | grep -o -- '--[a-z][a-z0-9-]*' | sort -u)
    command -v gnuplot >/dev/null 2>&1 && have_gnuplot=yes
fi
# Long options of other programs that the pages call (pkg-config, this script).
other_flags="--cflags --libs --quotes"

# Split a page into its runnable blocks: dir/NN.sh (the code), dir/NN.meta
# ("LINE NEEDS"). Prints how many blocks there were.
extract_blocks() {
    awk -v dir="$2" '
        /^<!-- run( needs=[a-z0-9]+)? -->[ \t]*$/ {
            marked = NR; needs = "-"
            if (match($0, /needs=[a-z0-9]+/)) needs = substr($0, RSTART + 6, RLENGTH - 6)
            next
        }
        /^```/ && !inside {
            if (marked == NR - 1 && $0 ~ /^```(sh|bash)[ \t]*$/) {
                n++; inside = 1; file = sprintf("%s/%02d.sh", dir, n)
                printf "%d %s\n", NR, needs > sprintf("%s/%02d.meta", dir, n)
                printf "" > file
            } else if (marked == NR - 1) {
                printf "%d %s\n", NR, "bad-fence" > sprintf("%s/%02d.meta", dir, ++n)
            } else {
                other = 1
            }
            marked = 0
            next
        }
        /^```/ && inside { inside = 0; close(file); next }
        /^```/ && other { other = 0; next }
        inside { print >> file }
        { if (marked && marked != NR) marked = 0 }
        END { print n + 0 }
    ' "$1"
}

run_page() {
    local page=$1 name work blocks i meta line needs start rc log
    name=$(basename "$page" .md)
    work=$scratch/$(echo "$page" | tr '/' '_')
    mkdir -p "$work/blocks" "$work/run"
    blocks=$(extract_blocks "$kit/$page" "$work/blocks")
    for ((i = 1; i <= blocks; i++)); do
        meta=$(printf '%s/blocks/%02d.meta' "$work" "$i")
        read -r line needs <"$meta"
        if [ "$needs" = bad-fence ]; then
            bad "run   $page:$line a <!-- run --> marker must sit right above a \`\`\`sh fence"
            continue
        fi
        if [ "$needs" != - ] && ! command -v "$needs" >/dev/null 2>&1; then
            skip "run   $page:$line (needs $needs, not installed)"
            continue
        fi
        log=$work/block$i.log
        start=$(date +%s.%N)
        ( cd "$work/run" &&
          env -u PIPELAB_PASSPHRASE PATH="$bin:$PATH" KIT="$kit" SIZE="$size" \
              timeout -k 5 "$block_timeout" bash -e -o pipefail \
              "$(printf '%s/blocks/%02d.sh' "$work" "$i")" ) >"$log" 2>&1 </dev/null
        rc=$?
        local secs
        secs=$(echo "$(date +%s.%N) - $start" | bc 2>/dev/null || echo '?')
        secs=$(printf '%.1f' "$secs" 2>/dev/null || echo "$secs")
        if [ "$rc" -eq 0 ]; then
            ok "run   $page:$line (${secs}s)"
        else
            local why="exit status $rc"
            [ "$rc" -eq 124 ] && why="timed out after ${block_timeout}s"
            bad "run   $page:$line $why" "$(tail -n 15 "$log")"
        fi
    done
    [ "$blocks" -gt 0 ] || true
}

# The anchors of a Markdown file's headings, as GitHub makes them: lower case,
# punctuation dropped, spaces as hyphens.
anchors() {
    grep -E '^#{1,6} ' "$1" | sed -E 's/^#+ +//' | tr 'A-Z' 'a-z' |
        sed -E 's/[^a-z0-9 _-]//g; s/ /-/g'
}

check_links() {
    local page=$1 dir target path missing=0 count=0 list=""
    dir=$(dirname "$kit/$page")
    # Inline links [text](target); external and same-page anchors are skipped.
    while IFS= read -r target; do
        case $target in
            http://*|https://*|mailto:*|'#'*) continue ;;
        esac
        path=${target%%#*}
        count=$((count + 1))
        if [ ! -e "$dir/$path" ]; then
            missing=$((missing + 1))
            list="$list $target"
        elif [ "$path" != "$target" ] && [ -f "$dir/$path" ] &&
             ! anchors "$dir/$path" | grep -qxF -- "${target#*#}"; then
            missing=$((missing + 1))
            list="$list $target(no such heading)"
        fi
    done < <(grep -o '\](\([^)]*\))' "$kit/$page" | sed 's/^](//; s/)$//; s/ .*//')
    if [ "$missing" -eq 0 ]; then
        ok "link  $page ($count relative links)"
    else
        bad "link  $page: $missing broken:$list"
    fi
}

check_flags() {
    local page=$1 unknown
    unknown=$(grep -o -- '--[a-z][a-z0-9-]*' "$kit/$page" | sort -u |
              grep -vxF -f <(printf '%s\n' $known_flags $other_flags) | tr '\n' ' ')
    if [ -z "$unknown" ]; then
        ok "flag  $page"
    else
        bad "flag  $page: not in pipelab --help-all: $unknown"
    fi
}

check_cli_reference() {
    local ref=lessons/reference/cli.md missing="" word
    [ -f "$kit/$ref" ] || { bad "ref   $ref is missing"; return; }
    for word in $known_flags; do
        grep -qF -- "\`$word" "$kit/$ref" || missing="$missing $word"
    done
    for word in $(printf '%s\n' "$help_all" | sed -n '/^commands:/,/^$/p' | awk 'NF {print $1}' | grep -v '^commands:'); do
        grep -q "^## \`pipelab $word" "$kit/$ref" || missing="$missing $word"
    done
    if [ -z "$missing" ]; then
        ok "ref   $ref covers every command and option of --help-all"
    else
        bad "ref   $ref does not cover:$missing"
    fi
}

check_metrics_reference() {
    local ref=lessons/reference/metrics.md missing="" name dir
    [ -f "$kit/$ref" ] || { bad "ref   $ref is missing"; return; }
    dir=$scratch/metrics
    mkdir -p "$dir"
    if ! "$bin/pipelab" gen "$dir/in" --size 64K >/dev/null 2>&1 ||
       ! "$bin/pipelab" process "$dir/in" "$dir/out" --stages compress --chunk-size 16K \
            --metrics json --metrics-out "$dir/m.json" >/dev/null 2>&1; then
        bad "ref   cannot make a --metrics json run to check $ref against"
        return
    fi
    for name in $(grep -o '^  "[a-z_0-9]*"' "$dir/m.json" | tr -d ' "'); do
        grep -qF "\`$name\`" "$kit/$ref" || missing="$missing $name"
    done
    if [ -z "$missing" ]; then
        ok "ref   $ref names every metric of --metrics json"
    else
        bad "ref   $ref does not name:$missing"
    fi
}

# ---- quotes: code shown in a lesson is the code of the kit -----------------

# The C blocks of a page, with their markers: one line "LINE KIND FILE NAME"
# per ```c block into $2/list, the block itself into $2/NN.c. KIND is quote
# (FILE NAME from `<!-- quote: FILE NAME -->`), sketch, unmarked, bad-marker
# (a quote or sketch marker not right above a ```c fence), or bare-c (a fence
# without a language whose lines end in ; { or }, as C does and the course's
# diagrams and outputs never do).
extract_c_blocks() {
    awk -v dir="$2" '
        function flush_marker() {
            if (marked) printf "%d bad-marker - -\n", marked >> list
            marked = 0
        }
        BEGIN { list = dir "/list"; printf "" > list }
        !inside && /^<!-- quote: [^ ]+ [a-z0-9-]+ -->[ \t]*$/ {
            flush_marker(); marked = NR; kind = "quote"; file = $3; name = $4; next
        }
        !inside && /^<!-- sketch -->[ \t]*$/ {
            flush_marker(); marked = NR; kind = "sketch"; file = "-"; name = "-"; next
        }
        /^```/ && !inside {
            inside = 1
            if ($0 ~ /^```[cCh][ \t]*$/) {
                n++; block = sprintf("%s/%02d.c", dir, n); printf "" > block; bare = 0
                if (marked == NR - 1) printf "%d %s %s %s\n", NR, kind, file, name >> list
                else printf "%d unmarked - -\n", NR >> list
                marked = 0
            } else {
                block = ""; bare = ($0 ~ /^```[ \t]*$/) ? NR : 0
                flush_marker()
            }
            next
        }
        /^```/ && inside { inside = 0; if (block != "") close(block); next }
        inside && bare && /[;{}][ \t]*$/ { printf "%d bare-c - -\n", bare >> list; bare = 0 }
        inside { if (block != "") print >> block; next }
        marked && marked != NR { flush_marker() }
        END { flush_marker() }
    ' "$1"
}

# Remove the indentation that all non-blank lines of a file share.
dedent() {
    awk '
        { line[NR] = $0 }
        /[^ \t]/ { match($0, /^[ \t]*/); if (min == "" || RLENGTH < min) min = RLENGTH }
        END { for (i = 1; i <= NR; i++) print substr(line[i], min + 1) }
    ' "$1"
}

# The lines strictly between `/* lesson:NAME begin */` and `/* lesson:NAME
# end */` (each alone on its line) of FILE, into OUT. Prints "FIRST LAST", the
# region's line numbers, or a reason why there is no region (exit 1).
quote_region() {
    awk -v name="$2" -v out="$3" '
        { t = $0; gsub(/^[ \t]+|[ \t]+$/, "", t) }
        t == "/* lesson:" name " begin */" {
            if (begun++) { print "its begin tag appears twice"; bad = 1; exit }
            first = NR + 1; inside = 1; printf "" > out; next
        }
        t == "/* lesson:" name " end */" && inside { last = NR - 1; inside = 0; next }
        inside { print > out }
        END {
            if (bad) exit 1
            if (!begun) { print "no /* lesson:" name " begin */ tag"; exit 1 }
            if (inside) { print "no /* lesson:" name " end */ tag"; exit 1 }
            print first, last
        }
    ' "$1"
}

# Every quote of a page is compared with its tagged lines; every other C
# block must say it is a sketch. Records "FILE NAME" of each quote in
# $scratch/quoted, for the unused-tag check.
check_quotes() {
    local page=$1 work line kind file name block n=0 where lines
    work=$scratch/quotes/$(echo "$page" | tr '/' '_')
    mkdir -p "$work"
    extract_c_blocks "$kit/$page" "$work"
    while read -r line kind file name; do
        case $kind in
            bad-marker)
                bad "quote $page:$line a quote or sketch marker must sit right above a \`\`\`c fence"
                continue ;;
            bare-c)
                bad "quote $page:$line this block looks like C: fence it as \`\`\`c, with a quote or sketch marker"
                continue ;;
        esac
        n=$((n + 1))
        block=$(printf '%s/%02d.c' "$work" "$n")
        case $kind in
            sketch) continue ;;
            unmarked)
                bad "quote $page:$line a \`\`\`c block needs <!-- quote: FILE NAME --> or <!-- sketch --> on the line above"
                continue ;;
        esac
        echo "$file $name" >>"$scratch/quoted"
        if [ ! -f "$kit/$file" ]; then
            bad "quote $page:$line $file does not exist"
            continue
        fi
        if ! where=$(quote_region "$kit/$file" "$name" "$work/region"); then
            bad "quote $page:$line $file: $where"
            continue
        fi
        lines=${where/ /-}
        if diff -u --label "$page:$line (the lesson)" --label "$file:$lines (the code)" \
                <(dedent "$block") <(dedent "$work/region") >"$work/diff"; then
            ok "quote $page:$line = $file:$lines ($name)"
        else
            local more
            more=$(($(wc -l <"$work/diff") - 22))
            bad "quote $page:$line differs from $file:$lines ($name); - is the lesson, + the code:" \
                "$(tail -n +3 "$work/diff" | head -n 20; [ "$more" -le 0 ] || echo "... ($more more lines)")"
        fi
    done <"$work/list"
}

# Every tag in the kit's C is quoted by some page: a tag that nothing quotes
# only distracts the student who reads that file.
check_unused_tags() {
    local file name count=0 unused=""
    while IFS=: read -r file name; do
        count=$((count + 1))
        grep -qxF "$file $name" "$scratch/quoted" || unused="$unused $file:$name"
    done < <(cd "$kit" && grep -rEo --include='*.c' --include='*.h' \
                 '/\* lesson:[a-z0-9-]+ begin \*/' src backends labs 2>/dev/null |
             sed -E 's#:/\* lesson:([a-z0-9-]+) begin \*/$#:\1#' | sort -u)
    if [ -z "$unused" ]; then
        ok "quote every lesson tag in the kit's C is quoted ($count tags)"
    else
        bad "quote tagged in the code but quoted by no page:$unused"
    fi
}

# The check must fail when the code changes under a quote. On a copy of the
# pages and of the quoted files: change one tagged line and expect a FAIL
# naming that quote; then drop a quote marker and expect the block to be
# reported as unmarked and its tag as unused.
self_test_quotes() {
    local copy=$scratch/selftest file name page out rc
    read -r file name <"$scratch/quoted" || { bad "quote self-test: no page quotes the kit"; return; }
    page=$(cd "$kit" && grep -rlF -- "<!-- quote: $file $name -->" lessons | head -n 1)
    mkdir -p "$copy"
    # shellcheck disable=SC2046  # the file lists are paths without spaces
    (cd "$kit" && cp --parents lessons/check.sh $(find lessons -name '*.md') \
                            $(cut -d' ' -f1 "$scratch/quoted" | sort -u) "$copy") || {
        bad "quote self-test: cannot copy the pages and the quoted files"; return; }

    # 1. Drift: the first non-blank tagged line gains a comment.
    awk -v name="$name" '
        { t = $0; gsub(/^[ \t]+|[ \t]+$/, "", t) }
        t == "/* lesson:" name " begin */" { armed = 1; print; next }
        armed && /[^ \t]/ { $0 = $0 " /* drifted */"; armed = 0 }
        { print }
    ' "$kit/$file" >"$copy/$file"
    out=$(LESSONS_QUOTE_SELF_TEST=no bash "$copy/lessons/check.sh" --quotes 2>&1); rc=$?
    if [ "$rc" -ne 0 ] && printf '%s\n' "$out" | grep -q "^FAIL  quote $page:[0-9]* differs from $file" &&
       printf '%s\n' "$out" | grep -qF '/* drifted */'; then
        ok "quote self-test: a changed line in $file ($name) fails the check, with a diff"
    else
        bad "quote self-test: a changed line in $file ($name) was not caught (exit $rc)" "$out"
    fi

    # 2. A quote whose marker is gone: unmarked block, unused tag.
    cp "$kit/$file" "$copy/$file"
    grep -vxF -- "<!-- quote: $file $name -->" "$kit/$page" >"$copy/$page"
    out=$(LESSONS_QUOTE_SELF_TEST=no bash "$copy/lessons/check.sh" --quotes 2>&1); rc=$?
    if [ "$rc" -ne 0 ] && printf '%s\n' "$out" | grep -q "^FAIL  quote $page:[0-9]* a \`\`\`c block needs" &&
       printf '%s\n' "$out" | grep -q "^FAIL  quote tagged in the code but quoted by no page: .*$file:$name"; then
        ok "quote self-test: a C block without a marker, and a tag nothing quotes, fail the check"
    else
        bad "quote self-test: a dropped quote marker was not caught (exit $rc)" "$out"
    fi
}

if [ "$quotes_only" = yes ]; then
    echo "lessons-check --quotes: $kit"
else
    echo "lessons-check: $bin/pipelab, SIZE=${size}, gnuplot: $have_gnuplot"
fi
t0=$(date +%s)
for page in "${pages[@]}"; do
    page=${page#"$kit"/}
    page=${page#./}
    if [ ! -f "$kit/$page" ]; then
        bad "page  $page does not exist"
        continue
    fi
    check_quotes "$page"
    [ "$quotes_only" = yes ] && continue
    run_page "$page"
    check_links "$page"
    check_flags "$page"
done
if [ $# -eq 0 ]; then
    check_unused_tags
    [ "${LESSONS_QUOTE_SELF_TEST:-yes}" = no ] || self_test_quotes
fi
if [ $# -eq 0 ] && [ "$quotes_only" = no ]; then
    check_cli_reference
    check_metrics_reference
fi
echo "lessons-check took $(($(date +%s) - t0)) s"
finish
