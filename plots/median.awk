# median.awk — median, minimum and maximum of some columns of a pipelab CSV
# (from `bench --csv` or `compare --csv`), one line per group of rows.
#
#   awk -F, -v by=workers_set -v cols=throughput_mb_s,peak_rss_kib \
#       -v where=backend=bounded -f plots/median.awk bench.csv
#
# prints, for each group, in the order the groups first appear:
#   <by values...>  <median min max of cols[1]>  <median min max of cols[2]> ...
# separated by spaces (groups are numbers or backend names: no spaces inside).
# Options:
#   by=         (empty) every row in one group; the line starts with the numbers
#   count=1     the number of rows of the group follows its by values
#   header=1    a first line names the fields: the by columns, n (with
#               count=1), then COL COL_min COL_max for each of cols, so that
#               another awk program (plots/verdicts.awk) reads them by name
#
# This is the one median of the kit: the plots, the report, the benchmarks
# (bench/*.sh) and the lessons (lessons/tools/medians) all call it.
#
# Why the median: bench repeats each configuration, and one run slowed down
# by a busy neighbour moves the mean a lot but the median hardly at all. The
# minimum and maximum are printed too so the plots can show the spread:
# a difference smaller than the spread is not a difference.
#
# Columns are found by their header name, never by position, so new metrics
# columns do not break the plots. Rows are split on every comma: the quoted
# machine fields (cpu_model, compiler) never hold one (src/machine.c), and
# they come last in bench rows.

BEGIN {
    nby = split(by, BY, ",")
    ncol = split(cols, COL, ",")
    if (where != "")
        split(where, W, "=")
    if (header) {
        line = ""
        for (i = 1; i <= nby; i++)
            line = line " " BY[i]
        if (count)
            line = line " n"
        for (j = 1; j <= ncol; j++)
            line = line " " COL[j] " " COL[j] "_min " COL[j] "_max"
        print substr(line, 2)
    }
}

NR == 1 {
    for (i = 1; i <= NF; i++)
        idx[$i] = i
    for (i = 1; i <= nby; i++) need(BY[i])
    for (i = 1; i <= ncol; i++) need(COL[i])
    if (where != "") need(W[1])
    next
}

function need(name) {
    if (!(name in idx)) {
        printf "median.awk: %s has no column '%s'\n", FILENAME, name > "/dev/stderr"
        bad = 1
        exit 1
    }
}

# A repeated header (CSV files joined with cat) is skipped, not averaged.
$1 == "backend" || $1 == "run" { next }
where != "" && $(idx[W[1]]) != W[2] { next }

{
    key = ""
    for (i = 1; i <= nby; i++)
        key = key " " $(idx[BY[i]])
    if (!(key in nrows))
        order[++groups] = key
    k = ++nrows[key]
    for (j = 1; j <= ncol; j++)
        val[key, j, k] = $(idx[COL[j]]) + 0
}

# Insertion sort: the groups are a handful of runs; mawk has no asort().
function sort_values(a, n,    i, j, t) {
    for (i = 2; i <= n; i++) {
        t = a[i]
        for (j = i - 1; j >= 1 && a[j] > t; j--)
            a[j + 1] = a[j]
        a[j + 1] = t
    }
}

END {
    if (bad)
        exit 1
    for (g = 1; g <= groups; g++) {
        key = order[g]
        n = nrows[key]
        line = key
        if (count)
            line = line " " n
        for (j = 1; j <= ncol; j++) {
            for (i = 1; i <= n; i++)
                a[i] = val[key, j, i]
            sort_values(a, n)
            med = (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
            line = line " " med " " a[1] " " a[n]
        }
        print substr(line, 2)
    }
}
