#!/bin/sh
# plots-data.sh [PIPELAB] — collect the small data sets that `make plots` draws.
#
# Each data set is one experiment, kept small so that a fresh clone gets all
# of them in well under a minute on a 2-core machine:
#   workers.csv         bench: every backend x 1,2,4,8 workers, 32 MiB, 3 repeats
#                       (throughput and speedup against workers)
#   depths.csv          bench: mutex, bounded, unbounded x depth 1,2,4,8 with a
#                       slow writer, 32 MiB, 2 repeats (memory and queue wait
#                       against depth)
#   timeline-B.csv      process --timeline for B = mutex, bounded, unbounded with
#                       a slow writer, 48 MiB (memory over time)
#   trace-B.json        process --trace for B = mutex, bounded, 16 MiB (Gantt)
# Next to each, NAME.meta says what the experiment was (its plot title) and
# the exact commands that made it, for the report.
#
# A data set that already exists is kept (plots are redrawn from it); FRESH=1
# measures everything again. DATA_DIR (default out/data) says where it goes.
#
# "A slow writer" is --writer-delay-us: the writer sleeps before each chunk,
# like a slow disk. For the pictures to be right the writer must be clearly
# the slowest stage, even on a busy machine:
#   - the depth sweep uses the cheap checksum stage (BLAKE2b) and 10 ms per
#     1 MiB chunk: the channels stay full, so the queue waits follow Little's
#     law plainly (wait = depth x 10 ms), and each run is short;
#   - the timelines and traces use compress at level 1 (the real pipeline,
#     cheapest deflate) and 25 ms per chunk, slower than two workers.
set -eu
pipelab=${1:-${PIPELAB:-build/pipelab}}
data=${DATA_DIR:-out/data}
fresh=${FRESH:-0}
cores=$(nproc)
delay=10000        # depth sweep: microseconds the writer sleeps per chunk
slow=25000         # timelines and traces

[ -x "$pipelab" ] || { echo "plots-data.sh: $pipelab not found; run make first" >&2; exit 66; }
mkdir -p "$data"
# Generated inputs live only while we run; their `gen` commands are recorded.
inputs=$data/inputs
# A bench CSV grows row by row: one cut short must not pass for data next time.
pending=""
trap 'rm -rf "$inputs"; [ -z "$pending" ] || rm -f "$pending"' EXIT
trap 'exit 130' INT TERM
started=$(date +%s)

# wanted FILE META: is FILE (or its META description) missing, or is
# everything to be measured again?
wanted() {
    [ "$fresh" = 1 ] || [ ! -s "$data/$1" ] || [ ! -s "$data/$2.meta" ]
}

# record META CMD...: note the command in META, then run it. Bench's progress
# lines go to META's .log, not the terminal; they are shown if it fails.
record() {
    meta=$1; shift
    printf 'command: %s\n' "$*" >> "$meta"
    log=${meta%.meta}.log
    if ! "$@" >> "$log" 2>&1; then
        echo "plots-data.sh: this command failed:" >&2
        echo "  $*" >&2
        tail -n 5 "$log" >&2
        exit 70
    fi
}

# start NAME TITLE SETTINGS: begin a data set's .meta file (the plot title).
start() {
    printf 'title: %s\nsettings: %s\n' "$2" "$3" > "$data/$1.meta"
    : > "$data/$1.log"
    step_started=$(date +%s)
}

done_step() {
    echo "  $1 ($(( $(date +%s) - step_started )) s)"
}

# input SIZE: generate SIZE of text (seed 1) once, print its path.
input() {
    f=$inputs/text-$1.txt
    if [ ! -f "$f" ]; then
        mkdir -p "$inputs"
        printf 'command: %s\n' "$pipelab gen $f --size $1 --kind text --seed 1" >> "$meta_now"
        "$pipelab" gen "$f" --size "$1" --kind text --seed 1 >&2
    fi
    echo "$f"
}

echo "plots-data.sh: collecting into $data/ (existing files are kept; FRESH=1 remeasures)"

if wanted workers.csv workers; then
    start workers "Throughput against workers, per backend" \
        "32 MiB text; compress (level 1) + encrypt; 1 MiB chunks; depth 4; $cores cores; median of 3 runs"
    pending=$data/workers.csv
    record "$data/workers.meta" "$pipelab" bench --backends serial,mutex,bounded,unbounded \
        --workers-list 1,2,4,8 --depths 4 --size 32M --stages compress,encrypt --level 1 \
        --repeats 3 --csv "$data/workers.csv"
    pending=""
    done_step "workers.csv: 4 backends x 4 worker counts x 3 repeats"
fi

if wanted depths.csv depths; then
    start depths "Peak memory and queue wait against channel depth" \
        "32 MiB text; checksum stage; 1 MiB chunks; 2 workers; writer delay $((delay / 1000)) ms/chunk; median of 2 runs"
    pending=$data/depths.csv
    record "$data/depths.meta" "$pipelab" bench --backends mutex,bounded,unbounded \
        --workers-list 2 --depths 1,2,4,8 --size 32M --stages checksum \
        --writer-delays $delay --repeats 2 --csv "$data/depths.csv"
    pending=""
    done_step "depths.csv: 3 backends x 4 depths x 2 repeats"
fi

if wanted timeline-bounded.csv timeline || wanted timeline-mutex.csv timeline ||
   wanted timeline-unbounded.csv timeline; then
    start timeline "Memory over time with a slow writer" \
        "48 MiB text; compress (level 1); 1 MiB chunks; 2 workers; depth 4; writer delay $((slow / 1000)) ms/chunk"
    meta_now=$data/timeline.meta
    in=$(input 48M)
    for b in mutex bounded unbounded; do
        record "$data/timeline.meta" "$pipelab" process "$in" "$inputs/out-$b" --force --backend $b \
            --stages compress --level 1 --workers 2 --channel-depth 4 --writer-delay-us $slow \
            --timeline "$data/timeline-$b.csv"
    done
    done_step "timeline-{mutex,bounded,unbounded}.csv"
fi

for b in bounded mutex; do
    wanted trace-$b.json trace-$b || continue
    start trace-$b "Per-thread timeline of one $b run" \
        "16 MiB text; compress (level 1); 1 MiB chunks; 2 workers; depth 4; writer delay $((slow / 1000)) ms/chunk"
    meta_now=$data/trace-$b.meta
    in=$(input 16M)
    record "$data/trace-$b.meta" "$pipelab" process "$in" "$inputs/out-$b" --force --backend $b \
        --stages compress --level 1 --workers 2 --channel-depth 4 --writer-delay-us $slow \
        --trace "$data/trace-$b.json"
    done_step "trace-$b.json"
done

echo "plots-data.sh: data in $data/ ($(( $(date +%s) - started )) s)"
