# verdicts.awk — the report's verdicts on the design note's "Expected
# Results", computed from the measured medians, never written in advance.
# plots/report.sh runs it and pastes what it prints into REPORT.md.
#
#   awk -v load_avg="0.52 0.40 0.31" -f plots/verdicts.awk \
#       table=seed seed.med table=depths depths.med table=depth depth.med
#
# Each input is a table that plots/median.awk wrote with count=1 header=1, so
# every figure is read by its column name, never by its position:
#   seed    the design note's experiment (bench: 4 backends, 10 workers,
#           100 MiB, 8 MiB chunks), by=backend
#   depths  the channel-depth experiment (slow writer), by=backend
#   depth   the same experiment, by=backend,channel_depth_set
# The settings (workers, channel depth, chunk size, cores, repeats) come from
# the same tables: a report run with other settings says so in its verdicts.
# load_avg is the load average when the run started (/proc/loadavg, 3 fields).
#
# The claims themselves are the design note's figures: they are the only
# numbers written here.

BEGIN {
    claim_mutex_mbs = 150       # "Throughput: ~150 MB/s (write bottleneck)"
    claim_chan_mbs = 250        # "Throughput: ~250 MB/s (I/O bound, not mutex bound)"
    claim_ratio = 1.667         # 250 / 150
    claim_stage_chunks = 4      # "Max 4 chunks buffered per stage (32MB)"
    claim_stage_mib = 32
}

# A table's header: the columns before "n" are its by columns (the row key).
FNR == 1 {
    nkeys = 0
    for (i = 1; i <= NF; i++) {
        name[i] = $i
        if ($i == "n")
            nkeys = i - 1
    }
    if (nkeys == 0) {
        printf "verdicts.awk: %s has no column n (run median.awk with count=1 header=1)\n", \
            FILENAME > "/dev/stderr"
        failed = 1
        exit 1
    }
    next
}

{
    key = $1
    for (i = 2; i <= nkeys; i++)
        key = key " " $i
    for (i = nkeys + 1; i <= NF; i++)
        V[table, key, name[i]] = $i
}

# get(TABLE, KEY, COLUMN): one figure; a missing one stops the report.
function get(t, k, c) {
    if (!((t, k, c) in V)) {
        printf "verdicts.awk: no %s for %s in the %s table\n", c, k, t > "/dev/stderr"
        failed = 1
        exit 1
    }
    return V[t, k, c]
}

function mib(kib) { return kib / 1024 }

END {
    if (failed)
        exit 1
    read_figures()
    throughput()
    why()
    memory_mutex()
    memory_channels()
}

function read_figures() {
    S = get("seed", "serial", "throughput_mb_s")
    cores = get("seed", "serial", "cores")
    chunk_b = get("seed", "serial", "chunk_size_b")
    bytes_in = get("seed", "serial", "bytes_in_b")
    chunks = get("seed", "serial", "chunks")
    Srss = get("seed", "serial", "peak_rss_kib")
    workers = get("seed", "mutex", "workers_set")
    depth = get("seed", "bounded", "channel_depth_set")
    reps = get("seed", "mutex", "n")
    M = get("seed", "mutex", "throughput_mb_s")
    Mlo = get("seed", "mutex", "throughput_mb_s_min")
    Mhi = get("seed", "mutex", "throughput_mb_s_max")
    Mwall = get("seed", "mutex", "wall_time_s")
    Mhold = get("seed", "mutex", "lock_hold_total_ms")
    Mwait = get("seed", "mutex", "lock_wait_total_ms")
    Mrss = get("seed", "mutex", "peak_rss_kib")
    Min = get("seed", "mutex", "peak_chunks_in_flight_chunks")
    B = get("seed", "bounded", "throughput_mb_s")
    Blo = get("seed", "bounded", "throughput_mb_s_min")
    Bhi = get("seed", "bounded", "throughput_mb_s_max")
    Bwall = get("seed", "bounded", "wall_time_s")
    Bbusy = get("seed", "bounded", "worker_busy_total_ms")
    Brss = get("seed", "bounded", "peak_rss_kib")
    Bin = get("seed", "bounded", "peak_chunks_in_flight_chunks")
    Bqc = get("seed", "bounded", "cpu_queue_depth_max_items")
    Bqw = get("seed", "bounded", "writer_queue_depth_max_items")
    U = get("seed", "unbounded", "throughput_mb_s")
    Urss = get("seed", "unbounded", "peak_rss_kib")
    # The depth experiment at the seed's depth, against mutex (no depth).
    Dm = get("depths", "mutex", "peak_rss_kib")
    Dbytes = get("depths", "mutex", "bytes_in_b")
    Dworkers = get("depths", "mutex", "workers_set")
    Dchunk = get("depths", "mutex", "chunk_size_b")
    Db = get("depth", "bounded " depth, "peak_rss_kib")
    chunk_mib = chunk_b / 1048576; in_mib = bytes_in / 1048576
}

function throughput(    r, overlap) {
    r = B / M
    overlap = (Blo <= Mhi && Mlo <= Bhi)
    printf "**Throughput.** The design note expected about %d MB/s for mutex and about %d MB/s ", \
        claim_mutex_mbs, claim_chan_mbs
    printf "for channels, channels about %.2fx faster. Measured here: mutex %.1f MB/s, ", claim_ratio, M
    printf "bounded %.1f MB/s, unbounded %.1f MB/s (medians of %d), so bounded/mutex = %.2fx. ", B, U, reps, r
    # A direction counts only if the spreads of the repeats do not overlap.
    if (r >= 1.10 && !overlap) {
        printf "The direction of the claim holds: the channels were faster in every repeat. "
        if (r / claim_ratio >= 0.8 && r / claim_ratio <= 1.2)
            printf "Its size (%.2fx) holds too, within 20%%.\n\n", claim_ratio
        else
            printf "Its size does not: %.2fx measured against %.2fx claimed.\n\n", r, claim_ratio
    } else if (r <= 0.91 && !overlap) {
        printf "The claim is reversed here: mutex was faster in every repeat, so neither its direction nor its size holds.\n\n"
    } else {
        printf "The claim is not confirmed: the repeats overlap (mutex %.1f-%.1f, bounded %.1f-%.1f MB/s), ", Mlo, Mhi, Blo, Bhi
        printf "so this run cannot tell the two apart and the %.2fx between the medians is within the noise; neither the direction nor the size (%.2fx) is established.\n\n", r, claim_ratio
    }
}

function why(    hold_pct, busy, usable, L) {
    hold_pct = 100 * Mhold / 1000 / Mwall
    busy = Bbusy / 1000 / Bwall         # worker-seconds of processing per second
    usable = cores < workers ? cores : workers
    printf "*Why.* Serial (one thread doing everything) reached %.1f MB/s, so with %d cores no backend can beat about %d x %.1f = %.0f MB/s. ", \
        S, cores, cores, S, cores * S
    printf "mutex reached %.2fx serial and bounded %.2fx. ", M / S, B / S
    printf "bounded\047s workers spent %.1f seconds processing per second of the run (at most %d can run at once: --cpu-tokens defaults to the cores). ", busy, usable
    printf "The writer mutex was held for %.0f ms in all, %.1f %% of the mutex run, and tasks waited %.0f ms in total for it. ", Mhold, hold_pct, Mwait
    if (hold_pct < 20 && busy >= 0.8 * usable)
        printf "So this machine is CPU-bound on deflate, not on the writer: the lock sat idle most of the time, so it cannot be what limits mutex, and removing it cannot buy the %.2fx the design note expected; a difference between mutex and the channel backends here comes from elsewhere (scheduling, other programs on the machine), not from writer contention. The design note\047s \"write bottleneck\" needs a writer slower than the compressors together (try `--writer-delay-us`, or more cores than here). ", claim_ratio
    else if (hold_pct < 20)
        printf "The lock sat idle most of the time, so it is not what limits mutex here; the cores were not kept busy either, which points at the reader or at other programs competing for the CPUs. "
    else
        printf "That is a large share of the run: the shared writer is close to saturation here and its lock is a real bottleneck. "
    printf "The absolute figures (%d and %d MB/s) describe its author\047s machine, which it does not name; only the ratios compare.\n\n", \
        claim_mutex_mbs, claim_chan_mbs
    split(load_avg, L, " ")
    if (L[1] + 0 >= 0.5 * cores)
        printf "*Caution.* When this run started the 1-minute load average was %s on %d cores: other programs were using the CPUs too, so every throughput here is lower and noisier than on an idle machine. The spread (min-max) says how much to trust a difference.\n\n", L[1], cores
}

function memory_mutex() {
    printf "**Memory, mutex.** The design note expected \"100MB+\" because the legacy design loads every chunk first. "
    printf "Measured: mutex peaked at %.0f MiB RSS with %d of %d chunks in memory at once (the input is %.0f MiB). ", \
        mib(Mrss), Min, chunks, in_mib
    if (Min >= chunks && mib(Mrss) >= 0.9 * in_mib)
        printf "The claim holds: memory grows with the file, not with the work in progress.\n\n"
    else
        printf "The claim does not hold as stated: not every chunk was in memory at once.\n\n"
}

# The bound on chunks in flight in bounded: two channels of DEPTH, one chunk
# per worker (waiting for a token or for room), one each in reader and writer.
function bounded_cap(d, w) { return 2 * d + w + 2 }

function memory_channels(    cap, dcap) {
    cap = bounded_cap(depth, workers)
    printf "**Memory, channels.** The design note expected \"max %d chunks buffered per stage (%dMB)\". ", \
        claim_stage_chunks, claim_stage_mib
    printf "Measured for bounded: at most %d chunks in the reader-to-workers channel and %d in the workers-to-writer channel, ", Bqc, Bqw
    if (Bqc <= depth && Bqw <= depth)
        printf "so \"max %d per stage\" holds for the channels themselves; ", claim_stage_chunks
    else
        printf "more than the depth of %d (a bug worth reporting); ", depth
    printf "but peak RSS was %.0f MiB (unbounded %.0f MiB, mutex %.0f MiB, serial %.0f MiB) with %d chunks in flight. ", \
        mib(Brss), mib(Urss), mib(Mrss), mib(Srss), Bin
    if (mib(Brss) <= 1.25 * claim_stage_mib)
        printf "The %dMB figure holds. ", claim_stage_mib
    else
        printf "The %dMB figure does not hold (%.1fx it). ", claim_stage_mib, mib(Brss) / claim_stage_mib
    printf "The channels are not the only place a chunk can wait: each of the %d workers holds one while it waits for a CPU token or for room in the writer\047s channel, ", workers
    printf "and the reader and the writer hold one each, so bounded can have up to (2 x %d + %d + 2) = %d chunks of %.0f MiB = %.0f MiB in flight. ", \
        depth, workers, cap, chunk_mib, cap * chunk_mib
    if (cap * chunk_mib >= in_mib)
        printf "That is more than the whole %.0f MiB input, so with %d workers and %.0f MiB chunks the bound never binds and bounded can use about as much memory as mutex (here %.0f%% of it). ", \
            in_mib, workers, chunk_mib, 100 * Brss / Mrss
    else
        printf "That is less than the %.0f MiB input, so the bound binds: bounded used %.0f%% of mutex\047s memory. ", in_mib, 100 * Brss / Mrss
    dcap = bounded_cap(depth, Dworkers)
    if (dcap * Dchunk < Dbytes)
        printf "Where the bound is below the file size, as in the channel-depth experiment below "
    else
        printf "In the channel-depth experiment below "
    printf "(%.0f MiB input, %g MiB chunks, %d workers, a slow writer), bounded at depth %d can hold at most %d chunks (%g MiB); it peaked at %.0f MiB RSS against %.0f MiB for mutex", \
        Dbytes / 1048576, Dchunk / 1048576, Dworkers, depth, dcap, dcap * Dchunk / 1048576, mib(Db), mib(Dm)
    if (Db <= 0.5 * Dm)
        printf ": there the direction of the design note\047s memory claim holds clearly.\n"
    else
        printf ": even there the difference is smaller than the design note suggests.\n"
}
