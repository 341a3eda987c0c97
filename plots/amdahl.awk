# amdahl.awk — the serial fraction that best fits each speedup curve.
#
#   awk -v group=backend,corpus,level -v cores=16 -f plots/amdahl.awk speedup.txt
#
# reads plots/speedup.awk's table (space separated, a header line, fields
# found by name: the group fields, workers_set, speedup) and prints, per group,
#   <group values...> s points
# with a header line, where s is the serial fraction of Amdahl's law
#   speedup(N) = 1 / (s + (1 - s) / N)
# fitted by least squares on 1 / speedup, which is linear in s:
#   1/speedup - 1/N = s * (1 - 1/N),  so  s = sum(x z) / sum(x x)
# with x = 1 - 1/N and z = 1/speedup - 1/N. Only N = 2 .. cores count: at
# N = 1 the law says nothing (x = 0), and past the cores the threads share
# CPUs, which is not what Amdahl's law describes. points says how many
# worker counts the fit rests on; with one point the fit is exact and tests
# nothing. s near 0: the tool scales; s = 0.1 caps it at 10x on any machine;
# a negative s is a curve above the ideal (noise, or a base run slowed down).
BEGIN {
    ng = split(group, G, ",")
    if (cores + 0 < 2)
        cores = 1000000
}

NR == 1 {
    for (i = 1; i <= NF; i++)
        idx[$i] = i
    for (i = 1; i <= ng; i++) need(G[i])
    need("workers_set"); need("speedup")
    line = ""
    for (i = 1; i <= ng; i++)
        line = line G[i] " "
    print line "s points"
    next
}

function need(name) {
    if (!(name in idx)) {
        printf "amdahl.awk: no field '%s' in the speedup table\n", name > "/dev/stderr"
        bad = 1
        exit 1
    }
}

{
    key = ""
    for (i = 1; i <= ng; i++)
        key = key $(idx[G[i]]) " "
    if (!(key in seen)) { order[++groups] = key; seen[key] = 1 }
    n = $(idx["workers_set"]) + 0
    sp = $(idx["speedup"]) + 0
    if (n < 2 || n > cores || sp <= 0)
        next
    x = 1 - 1 / n
    z = 1 / sp - 1 / n
    sxz[key] += x * z; sxx[key] += x * x; pts[key]++
}

END {
    if (bad)
        exit 1
    for (g = 1; g <= groups; g++) {
        k = order[g]
        if (pts[k] == 0)
            printf "%s- 0\n", k
        else
            printf "%s%.3f %d\n", k, sxz[k] / sxx[k], pts[k]
    }
}
