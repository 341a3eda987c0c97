#!/bin/bash
# check.sh — keep the course true to the code (run by `make lessons-check`).
#
#   lessons/check.sh [FILE.md ...]     (default: every page under lessons/)
#
# Four kinds of check, one line each, then "N passed, M failed":
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
# Exit status: 0 when nothing failed.
set -u

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

if [ ! -x "$bin/pipelab" ]; then
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

help_all=$("$bin/pipelab" --help-all)
known_flags=$(printf '%s\n' "$help_all" | grep -o -- '--[a-z][a-z0-9-]*' | sort -u)
# Long options of other programs that the pages call (pkg-config).
other_flags="--cflags --libs"
have_gnuplot=no
command -v gnuplot >/dev/null 2>&1 && have_gnuplot=yes

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

echo "lessons-check: $bin/pipelab, SIZE=${size}, gnuplot: $have_gnuplot"
t0=$(date +%s)
for page in "${pages[@]}"; do
    page=${page#"$kit"/}
    page=${page#./}
    if [ ! -f "$kit/$page" ]; then
        bad "page  $page does not exist"
        continue
    fi
    run_page "$page"
    check_links "$page"
    check_flags "$page"
done
if [ $# -eq 0 ]; then
    check_cli_reference
    check_metrics_reference
fi
echo "lessons-check took $(($(date +%s) - t0)) s"
finish
