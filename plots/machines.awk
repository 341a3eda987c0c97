# machines.awk — check the CSV files of a class report and pool their rows.
#
#   awk -F, -v out=rows.txt -f plots/machines.awk a.csv b.csv ...
#
# Each file must be a pipelab CSV (`pipelab bench --csv`, `make bench-scale`):
# a header naming at least backend, workers_set, throughput_mb_s, cpu_model
# and cores, and rows with exactly as many fields as the header (the quoted
# machine fields never hold a comma, src/app/machine.c). A file that breaks a
# rule gets one line on stdout saying why, and none of its rows is used: a
# file joined from two versions of pipelab (a second, different header, or
# rows of another width) would otherwise be averaged as if it were one
# experiment.
#
# The rows kept are those of one configuration, the plain one: no
# experiment sleeps (stage_cost_us, writer_delay_us, reader_delay_us 0 when
# the columns exist), level 6 when there is a level column, the generated
# text when there is a corpus column. They go to `out`, space separated:
#   machine_id backend workers_set throughput_mb_s
# and the machines to out.names: "machine_id<TAB>name", where the name is
# the machine fields: "CPU, N cores, compiler, zlib Z" (one series each).
FNR == 1 {
    finish()
    file = FILENAME; bad = ""; nrow = 0; delete c
    head = $0; width = NF
    for (i = 1; i <= NF; i++) c[$i] = i
    split("backend workers_set throughput_mb_s cpu_model cores", need, " ")
    for (k = 1; k <= 5; k++)
        if (!(need[k] in c))
            bad = bad (bad == "" ? "no column " : ", ") need[k]
    if (bad != "")
        bad = bad ": not a pipelab bench CSV, or from an older version"
    next
}
bad != "" { next }
$0 == head { next }                 # the same header again: files joined with cat
$1 == "run" || $1 == "round" || $1 == "backend" {
    bad = "line " FNR " is a second, different header: rows of two versions of pipelab"
    next
}
NF != width {
    bad = "line " FNR " has " NF " fields, the header " width ": a cut or mixed-version file"
    next
}
{
    if (("stage_cost_us" in c && $c["stage_cost_us"] != 0) ||
        ("writer_delay_us" in c && $c["writer_delay_us"] != 0) ||
        ("reader_delay_us" in c && $c["reader_delay_us"] != 0) ||
        ("level" in c && $c["level"] != 6) || ("corpus" in c && $c["corpus"] != "text"))
        next
    name = $c["cpu_model"] ", " $c["cores"] " cores"
    if ("compiler" in c) name = name ", " $c["compiler"]
    if ("zlib" in c) name = name ", zlib " $c["zlib"]
    gsub(/"/, "", name)
    kept[++nrow] = name SUBSEP $c["backend"] " " $c["workers_set"] " " $c["throughput_mb_s"]
}
function finish(    r, p) {
    if (file == "")
        return
    if (bad == "" && nrow == 0)
        bad = "no rows of the plain configuration (level 6, no experiment delays)"
    if (bad != "") {
        printf "report: %s: %s; skipped\n", file, bad
        return
    }
    for (r = 1; r <= nrow; r++) {
        split(kept[r], p, SUBSEP)
        if (!(p[1] in id)) { id[p[1]] = ++machines; printf "%d\t%s\n", machines, p[1] > (out ".names") }
        print id[p[1]], p[2] > out
    }
    files++
}
END {
    finish()
    if (machines == 0)
        printf "" > (out ".names")
    printf "" > out
}
