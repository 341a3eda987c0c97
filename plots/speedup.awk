# speedup.awk — speedup and efficiency against workers, from a median table.
#
#   awk -F, -v by=backend,corpus,level,workers_set -v cols=throughput_mb_s \
#       -v header=1 -f plots/median.awk scale.csv |
#   awk -v group=backend,corpus,level -f plots/speedup.awk
#
# reads median.awk's output with header=1 (space separated, fields found by
# name: workers_set and throughput_mb_s with its _min and _max), and prints,
# with a header line:
#   <group values...> workers_set speedup speedup_min speedup_max efficiency
# where speedup = the median throughput at N workers / the same group's median
# at 1 worker (each tool against itself: pigz -p N against pigz -p 1), the
# min and max are the slowest and fastest run over that same base, and
# efficiency = speedup / N (1 is perfect scaling). A group without a 1-worker
# row has no base: it is named on stderr and left out.
BEGIN {
    ng = split(group, G, ",")
}

NR == 1 {
    for (i = 1; i <= NF; i++)
        idx[$i] = i
    for (i = 1; i <= ng; i++) need(G[i])
    need("workers_set"); need("throughput_mb_s")
    need("throughput_mb_s_min"); need("throughput_mb_s_max")
    line = ""
    for (i = 1; i <= ng; i++)
        line = line G[i] " "
    print line "workers_set speedup speedup_min speedup_max efficiency"
    next
}

function need(name) {
    if (!(name in idx)) {
        printf "speedup.awk: no field '%s' in the median table\n", name > "/dev/stderr"
        bad = 1
        exit 1
    }
}

{
    key = ""
    for (i = 1; i <= ng; i++)
        key = key $(idx[G[i]]) " "
    n = $(idx["workers_set"]) + 0
    row[++rows] = key; workers[rows] = n
    med[rows] = $(idx["throughput_mb_s"]); lo[rows] = $(idx["throughput_mb_s_min"])
    hi[rows] = $(idx["throughput_mb_s_max"])
    if (n == 1)
        base[key] = med[rows]
}

END {
    if (bad)
        exit 1
    for (r = 1; r <= rows; r++) {
        k = row[r]
        if (!(k in base) || base[k] <= 0) {
            if (!(k in named)) printf "speedup.awk: no 1-worker run for %s\n", k > "/dev/stderr"
            named[k] = 1
            continue
        }
        s = med[r] / base[k]
        printf "%s%d %.4f %.4f %.4f %.4f\n", k, workers[r], s, lo[r] / base[k], hi[r] / base[k],
            s / workers[r]
    }
}
