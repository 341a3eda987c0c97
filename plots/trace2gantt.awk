# trace2gantt.awk — turn a `pipelab process --trace` file into rows gnuplot can
# draw as a Gantt chart: one horizontal lane per thread, one box per span.
#
#   awk -v lanes=LANES.gp -f plots/trace2gantt.awk trace.json > gantt.dat
#
# gantt.dat, one row per span:   lane  start_ms  end_ms  kind  chunk
#   kind is read, process or write; lane 0 is the reader (top), then one lane
#   per worker thread that did any work, then the writer (bottom), so a chunk
#   travels down the picture as it travels through the pipeline.
# LANES.gp: gnuplot commands naming the lanes on the y axis (with the names
# the trace gives its threads), the y range, and the run's length in ms.
#
# The trace writes one event per line (see src/core/trace.c), so plain awk is
# enough: no JSON parser, no python. Only complete spans ("ph":"X") are drawn;
# the queue waits between threads ("b"/"e" events) are the gaps between boxes.

# The value of "key": in this line (the first occurrence: "name" is the
# event's own name, the thread's name is under "args").
function field(key,    s) {
    if (!match($0, "\"" key "\":(\"[^\"]*\"|[^,}]*)"))
        return ""
    s = substr($0, RSTART + length(key) + 3, RLENGTH - length(key) - 3)
    gsub(/"/, "", s)
    return s
}

# {"name":"thread_name","ph":"M",...,"tid":10,"args":{"name":"worker 0"}}
/"name":"thread_name"/ {
    t = field("tid") + 0
    s = $0
    sub(/.*"args":\{"name":"/, "", s)
    sub(/".*/, "", s)
    thread[t] = s
}

/"ph":"X"/ {
    n++
    name[n] = field("name")
    tid[n] = field("tid") + 0
    start[n] = field("ts") / 1000.0
    stop[n] = start[n] + field("dur") / 1000.0
    chunk[n] = field("chunk")
    seen[tid[n]] = 1
    if (stop[n] > tmax)
        tmax = stop[n]
}

function label(t, fallback) {
    return (t in thread) ? thread[t] : fallback
}

END {
    if (n == 0) {
        print "trace2gantt.awk: no spans (\"ph\":\"X\" events) in " FILENAME > "/dev/stderr"
        exit 1
    }
    # Worker threads are tids 10, 11, ...; give the ones that worked
    # consecutive lanes in tid order, between the reader and the writer.
    lane[1] = 0
    workers = 0
    for (t = 10; t < 10 + 4096; t++)
        if (t in seen)
            lane[t] = ++workers
    lane[2] = workers + 1
    for (i = 1; i <= n; i++)
        printf "%d %.3f %.3f %s %s\n", lane[tid[i]], start[i], stop[i], name[i], chunk[i]

    ytics = "\"" label(1, "reader") "\" 0"
    for (t = 10; t < 10 + 4096; t++)
        if (t in seen)
            ytics = ytics sprintf(", \"%s\" %d", label(t, "worker " (t - 10)), lane[t])
    ytics = ytics sprintf(", \"%s\" %d", label(2, "writer"), workers + 1)
    print "set ytics (" ytics ")" > lanes
    # Reversed: the reader on top, the writer at the bottom.
    printf "set yrange [%g:%g]\n", workers + 1.6, -1.0 > lanes
    printf "lanes_count = %d\n", workers + 2 > lanes
    printf "run_ms = %.3f\n", tmax > lanes
}
