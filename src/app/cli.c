/*
 * cli.c — parsing the command line and dispatching commands. See cli.h.
 */
#include "cli.h"
#include "backend.h"
#include "commands.h"
#include "keys.h"
#include "machine.h"
#include "stages.h"
#include "util.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define PIPELAB_VERSION "1.0.0"

/* A number macro as text, for help lines that name a constant: "6", "32". */
#define CLI_TEXT_(x) #x
#define CLI_TEXT(x) CLI_TEXT_(x)

enum {
    C_PROCESS = 1 << 0, C_RESTORE = 1 << 1, C_VERIFY = 1 << 2, C_INSPECT = 1 << 3,
    C_GEN = 1 << 4, C_KEYGEN = 1 << 5, C_BACKENDS = 1 << 6, C_COMPARE = 1 << 7,
    C_BENCH = 1 << 8, C_CHANBENCH = 1 << 9, C_REPLAY = 1 << 10,
};
#define C_RUNS (C_PROCESS | C_COMPARE | C_BENCH)   /* commands that run the pipeline */
#define C_ONE (C_PROCESS | C_COMPARE)   /* settings bench sweeps as lists instead */

/* T_UINT fills an unsigned field, T_U64 a uint64_t, T_INT64 an int64_t. */
enum option_type { T_STRING, T_UINT, T_U64, T_INT64, T_SIZE, T_FLAG, T_NOFLAG, T_FORMAT, T_KIND,
                   T_LIVE /* a flag that may take =plain */ };

struct cli_option {
    const char *name;
    const char *arg;          /* NULL for a flag */
    enum option_type type;
    size_t offset;            /* of the field in struct options */
    uint64_t min, max;
    unsigned commands;
    const char *help;
};

#define F(field) offsetof(struct options, field)
#define ANY UINT64_MAX

static const struct cli_option cli_options[] = {
    { "backend", "NAME", T_STRING, F(backend), 0, 0, C_PROCESS,
      "serial, mutex, bounded (default), unbounded or lockfree (see `pipelab backends`)" },
    { "stages", "LIST", T_STRING, F(stages), 0, 0, C_RUNS,
      "processing stages in order (default compress,encrypt); also checksum, spin:MS" },
    { "level", "N", T_UINT, F(level), 1, 9, C_RUNS,
      "zlib compression level 1..9 (default " CLI_TEXT(STAGE_DEFAULT_LEVEL) ")" },
    { "chunk-size", "SIZE", T_SIZE, F(chunk_size), 1, 256u << 20, C_ONE,
      "bytes per chunk, with K/M/G (default 1M)" },
    { "format", "FMT", T_FORMAT, F(format), 0, 0, C_PROCESS | C_COMPARE,
      "container (default) or gzip (compress stage only, always ordered)" },
    { "key-file", "FILE", T_STRING, F(key_file), 0, 0, C_RUNS | C_RESTORE | C_VERIFY,
      CLI_TEXT(KEY_BYTES) "-byte key from `pipelab keygen` (or set PIPELAB_PASSPHRASE)" },
    { "force", NULL, T_FLAG, F(force), 0, 0, C_PROCESS | C_RESTORE | C_GEN,
      "replace OUT if it exists (a regular file only: never a device, FIFO or link)" },
    { "sync", NULL, T_FLAG, F(sync), 0, 0, C_PROCESS | C_RESTORE,
      "fsync the output before renaming it into place" },
    { "workers", "N", T_UINT, F(workers), 1, OPTIONS_MAX_WORKERS, C_ONE | C_CHANBENCH,
      "worker threads (default: number of cores; chanbench: 2)" },
    { "channel-depth", "N", T_UINT, F(channel_depth), 1, OPTIONS_MAX_DEPTH, C_ONE,
      "capacity of each bounded channel in chunks (default 4, more for chunks under 64 KiB: 256 KiB)" },
    { "cpu-tokens", "N", T_UINT, F(cpu_tokens), 1, OPTIONS_MAX_WORKERS, C_RUNS,
      "chunks processed at once, at most (default: number of cores)" },
    { "ordered", NULL, T_FLAG, F(ordered), 0, 0, C_RUNS,
      "write chunks in index order through a bounded reorder window" },
    { "window", "N", T_UINT, F(window), 1, OPTIONS_MAX_DEPTH, C_RUNS,
      "reorder window in chunks (default 2 x depth + workers)" },
    { "reader-delay-us", "US", T_U64, F(reader_delay_us), 0, 10000000, C_RUNS,
      "experiment: sleep before reading each chunk" },
    { "writer-delay-us", "US", T_U64, F(writer_delay_us), 0, 10000000, C_ONE,
      "experiment: sleep before writing each chunk (a slow disk)" },
    { "stage-cost-us", "US", T_U64, F(stage_cost_us), 0, 10000000, C_ONE,
      "experiment: sleep in the worker after the stages (a slow stage)" },
    { "fail-at-chunk", "K", T_INT64, F(fail_at_chunk), 0, INT64_MAX, C_PROCESS,
      "experiment: make the stages fail on chunk K" },
    { "metrics", "FMT", T_STRING, F(metrics), 0, 0, C_PROCESS,
      "print the run's metrics: none (default), table, csv or json" },
    { "metrics-out", "FILE", T_STRING, F(metrics_out), 0, 0, C_PROCESS,
      "write the metrics to FILE instead of standard output" },
    { "timeline", "FILE", T_STRING, F(timeline), 0, 0, C_PROCESS,
      "sample RSS, chunks in flight and channel depths every 10 ms into a CSV" },
    { "trace", "FILE", T_STRING, F(trace), 0, 0, C_PROCESS,
      "write per-chunk spans as Chrome trace-event JSON (open in Perfetto)" },
    { "no-progress", NULL, T_NOFLAG, F(progress), 0, 0, C_PROCESS,
      "no progress bar (it is shown only when stderr is a terminal anyway)" },
    { "live", NULL, T_LIVE, F(live), 0, 0, C_PROCESS | C_COMPARE,
      "watch the pipeline run on stderr (--live=plain: a line every 0.5 s)" },
    { "speed", "X", T_STRING, F(speed), 0, 0, C_REPLAY,
      "replay: times real time (default 1; 10 plays ten times faster)" },
    { "backends", "LIST", T_STRING, F(backends), 0, 0, C_COMPARE | C_BENCH,
      "backends to run (default serial,mutex,bounded,unbounded,lockfree)" },
    { "csv", "FILE", T_STRING, F(csv), 0, 0, C_COMPARE | C_BENCH | C_CHANBENCH,
      "also write every run's metrics as CSV rows to FILE" },
    { "input", "FILE", T_STRING, F(in), 0, 0, C_BENCH,
      "bench this file instead of generated text (--size of it)" },
    { "workers-list", "LIST", T_STRING, F(workers_list), 0, 0, C_BENCH,
      "bench: worker counts to sweep (default 1,2,4)" },
    { "depths", "LIST", T_STRING, F(depths), 0, 0, C_BENCH,
      "bench: channel depths to sweep (default: each chunk size's default depth)" },
    { "chunk-sizes", "LIST", T_STRING, F(chunk_sizes), 0, 0, C_BENCH,
      "bench: chunk sizes to sweep (default 1M)" },
    { "stage-costs", "LIST", T_STRING, F(stage_costs), 0, 0, C_BENCH,
      "bench: --stage-cost-us values to sweep (default 0)" },
    { "writer-delays", "LIST", T_STRING, F(writer_delays), 0, 0, C_BENCH,
      "bench: --writer-delay-us values to sweep (default 0)" },
    { "reader-delays", "LIST", T_STRING, F(reader_delays), 0, 0, C_BENCH,
      "bench: --reader-delay-us values to sweep (default 0)" },
    { "levels", "LIST", T_STRING, F(levels), 0, 0, C_BENCH,
      "bench: zlib levels to sweep (default: the one --level)" },
    { "repeats", "N", T_UINT, F(repeats), 1, 100, C_BENCH | C_CHANBENCH,
      "runs of each configuration, interleaved (bench: default 3, chanbench: 5)" },
    { "impls", "LIST", T_STRING, F(impls), 0, 0, C_CHANBENCH,
      "chanbench: channel implementations (default mutex,lockfree)" },
    { "capacities", "LIST", T_STRING, F(capacities), 0, 0, C_CHANBENCH,
      "chanbench: channel capacities (default 1,4,64,1024)" },
    { "shapes", "LIST", T_STRING, F(shapes), 0, 0, C_CHANBENCH,
      "chanbench: 1p1c, 4p4c, pipeline (default all three)" },
    { "messages", "N", T_U64, F(messages), 100, 1000000000, C_CHANBENCH,
      "chanbench: messages per run (default 200000)" },
    { "size", "SIZE", T_SIZE, F(size), 1, 1ull << 40, C_GEN | C_BENCH,
      "bytes to generate, with K/M/G (bench default 32M)" },
    { "kind", "KIND", T_KIND, F(kind), 0, 0, C_GEN, "text (default), random, zeros or mixed" },
    { "seed", "N", T_U64, F(seed), 0, ANY, C_GEN, "generator seed (default 1)" },
};
#define CLI_OPTION_COUNT (sizeof cli_options / sizeof cli_options[0])

struct cli_command {
    const char *name;
    unsigned bit;
    int operands;              /* how many positional arguments */
    const char *usage;
    const char *summary;
    int (*run)(const struct options *o);
};

static const struct cli_command cli_commands[] = {
    { "process", C_PROCESS, 2, "process IN OUT", "run the pipeline: IN -> container (or gzip) OUT",
      command_process },
    { "restore", C_RESTORE, 2, "restore IN OUT", "verify a container and write back its input",
      command_restore },
    { "verify", C_VERIFY, 1, "verify IN", "check a container completely, write nothing",
      command_verify },
    { "inspect", C_INSPECT, 1, "inspect IN", "show a container's header, records and footer",
      command_inspect },
    { "gen", C_GEN, 1, "gen OUT --size SIZE", "write deterministic test data", command_gen },
    { "keygen", C_KEYGEN, 1, "keygen FILE",
      "write a new random " CLI_TEXT(KEY_BYTES) "-byte key (mode 0600)",
      command_keygen },
    { "compare", C_COMPARE, 1, "compare IN", "run every backend on IN side by side, one process each",
      command_compare },
    { "bench", C_BENCH, 0, "bench", "sweep backends x workers x depths x ... into a CSV",
      command_bench },
    { "chanbench", C_CHANBENCH, 0, "chanbench", "what one channel handoff costs: ns, context "
      "switches, CPU per message", command_chanbench },
    { "backends", C_BACKENDS, 0, "backends", "list the synchronisation backends",
      command_backends },
    { "replay", C_REPLAY, 1, "replay TRACE", "play a recorded --trace in the live view",
      command_replay },
};
#define CLI_COMMAND_COUNT (sizeof cli_commands / sizeof cli_commands[0])

/* ---- help ------------------------------------------------------------ */

static void cli_usage(FILE *out)
{
    fprintf(out, "usage: pipelab COMMAND [OPTIONS] [ARGS]\n\n"
                 "A concurrent file-processing pipeline to run, measure and compare.\n\ncommands:\n");
    for (size_t i = 0; i < CLI_COMMAND_COUNT; i++)
        fprintf(out, "  %-22s %s\n", cli_commands[i].usage, cli_commands[i].summary);
    fprintf(out, "\nIN or OUT `-` is standard input or output; an existing OUT is replaced only "
                 "with --force.\n");
    fprintf(out, "\n`pipelab COMMAND --help` lists a command's options; `pipelab --help-all` "
                 "lists every option.\n");
}

static void cli_print_option(const struct cli_option *opt, FILE *out)
{
    char left[48];
    snprintf(left, sizeof left, "--%s%s%s", opt->name, opt->arg ? " " : "", opt->arg ? opt->arg : "");
    fprintf(out, "  %-26s %s\n", left, opt->help);
}

static void cli_command_help(const struct cli_command *cmd, FILE *out)
{
    fprintf(out, "usage: pipelab %s [OPTIONS]\n\n%s\n", cmd->usage, cmd->summary);
    bool any = false;
    for (size_t i = 0; i < CLI_OPTION_COUNT; i++) {
        if (!(cli_options[i].commands & cmd->bit))
            continue;
        if (!any)
            fprintf(out, "\noptions:\n");
        any = true;
        cli_print_option(&cli_options[i], out);
    }
    fprintf(out, "  %-26s %s\n", "--help", "show this help");
}

static void cli_help_all(FILE *out)
{
    cli_usage(out);
    fprintf(out, "\nall options:\n");
    for (size_t i = 0; i < CLI_OPTION_COUNT; i++)
        cli_print_option(&cli_options[i], out);
    fprintf(out, "  %-26s %s\n  %-26s %s\n", "--help", "show help", "--version", "show the version");
    fprintf(out, "  %-26s %s\n", "--machine", "name the machine (CPU, cores, kernel, compiler, libraries)");
}

/* `pipelab --machine`: the line the scripts print above their figures. */
static void cli_machine(FILE *out)
{
    struct machine m;
    char line[512];
    machine_describe(&m);
    machine_line(&m, line, sizeof line);
    fprintf(out, "%s\n", line);
}

/* ---- parsing --------------------------------------------------------- */

/* The defaults that differ from options_defaults for one command. chanbench's
 * runs are short and noisy, so 5 repeats; its pipeline shape has 2 workers,
 * not one per core, so that the same command measures the same shape on every
 * machine. */
static void cli_command_defaults(const struct cli_command *cmd, struct options *o)
{
    if (cmd->bit == C_CHANBENCH) {
        o->repeats = 5;
        o->workers = 2;
    }
}

static const struct cli_option *cli_find_option(const char *name, size_t len)
{
    for (size_t i = 0; i < CLI_OPTION_COUNT; i++)
        if (strlen(cli_options[i].name) == len && strncmp(cli_options[i].name, name, len) == 0)
            return &cli_options[i];
    return NULL;
}

/* Store one option's value into its field, checking its range. */
static int cli_set(const struct cli_option *opt, const char *value, struct options *o)
{
    char *field = (char *)o + opt->offset;
    uint64_t v;
    switch (opt->type) {
    case T_STRING:
        *(const char **)field = value;
        return 0;
    case T_FLAG:
    case T_NOFLAG:
        *(bool *)field = opt->type == T_FLAG;
        return 0;
    case T_SIZE:
        if (parse_size(value, opt->max, &v) != 0 || v < opt->min)
            break;
        *(uint64_t *)field = v;
        return 0;
    case T_UINT:
    case T_U64:
    case T_INT64:
        if (parse_uint(value, opt->min, opt->max, &v) != 0)
            break;
        if (opt->type == T_UINT)
            *(unsigned *)field = (unsigned)v;
        else if (opt->type == T_U64)
            *(uint64_t *)field = v;
        else
            *(int64_t *)field = (int64_t)v;
        return 0;
    case T_FORMAT:
        if (strcmp(value, "container") != 0 && strcmp(value, "gzip") != 0)
            break;
        *(enum writer_format *)field = value[0] == 'g' ? WRITER_GZIP : WRITER_CONTAINER;
        return 0;
    case T_KIND:
        if (gen_kind_parse(value, (enum gen_kind *)field) != 0)
            break;
        return 0;
    case T_LIVE:
        if (value != NULL && strcmp(value, "plain") != 0) {
            warnx_msg("--live=%s: the only value --live takes is plain", value);
            return EX_USAGE;
        }
        *(enum live_mode *)field = value == NULL ? LIVE_MODE_AUTO : LIVE_MODE_PLAIN;
        return 0;
    }
    if (opt->type == T_SIZE)
        warnx_msg("--%s: '%s' is not a size from 1 to %llu bytes (use K, M or G)", opt->name,
                  value, (unsigned long long)opt->max);
    else if (opt->type == T_UINT || opt->type == T_U64 || opt->type == T_INT64)
        warnx_msg("--%s: '%s' is not a whole number from %llu to %llu", opt->name, value,
                  (unsigned long long)opt->min, (unsigned long long)opt->max);
    else
        warnx_msg("--%s: '%s' is not one of: %s", opt->name, value, opt->help);
    return EX_USAGE;
}

/* One "--name value" or "--name=value" at argv[*i]. */
static int cli_parse_option(const struct cli_command *cmd, int argc, char **argv, int *i,
                            struct options *o)
{
    const char *text = argv[*i] + 2;
    const char *eq = strchr(text, '=');
    size_t len = eq ? (size_t)(eq - text) : strlen(text);
    const struct cli_option *opt = cli_find_option(text, len);
    if (opt == NULL || !(opt->commands & cmd->bit)) {
        warnx_msg("%s: %s option --%.*s (see `pipelab %s --help`)", cmd->name,
                  opt == NULL ? "unknown" : "does not take the", (int)len, text, cmd->name);
        return EX_USAGE;
    }
    const char *value = NULL;
    if (opt->type == T_LIVE) /* --live or --live=plain */
        return cli_set(opt, eq ? eq + 1 : NULL, o);
    if (opt->arg == NULL && eq != NULL) { /* a flag such as --ordered */
        warnx_msg("--%s takes no value", opt->name);
        return EX_USAGE;
    }
    if (opt->arg != NULL) {
        value = eq ? eq + 1 : (*i + 1 < argc ? argv[++*i] : NULL);
        /* "--key-file --sync" is a forgotten value, not a file named --sync
         * (one really named so can be given as --key-file=--sync). */
        if (value == NULL || (eq == NULL && strncmp(value, "--", 2) == 0)) {
            warnx_msg("--%s needs a value (%s)", opt->name, opt->arg);
            return EX_USAGE;
        }
    }
    return cli_set(opt, value, o);
}

static int cli_parse(const struct cli_command *cmd, int argc, char **argv, struct options *o,
                     bool *help)
{
    int operands = 0;
    bool options_done = false;     /* after "--", everything is an operand */
    for (int i = 2; i < argc; i++) {
        if (!options_done && strcmp(argv[i], "--") == 0) {
            options_done = true;
            continue;
        }
        if (!options_done && (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)) {
            *help = true;
            return 0;
        }
        if (!options_done && strncmp(argv[i], "--", 2) == 0) {
            int rc = cli_parse_option(cmd, argc, argv, &i, o);
            if (rc != 0)
                return rc;
            continue;
        }
        if (operands == cmd->operands) {
            warnx_msg("%s: unexpected argument '%s' (usage: pipelab %s)", cmd->name, argv[i],
                      cmd->usage);
            return EX_USAGE;
        }
        *(operands++ == 0 ? &o->in : &o->out) = argv[i];
    }
    if (operands < cmd->operands) {
        warnx_msg("%s: missing argument (usage: pipelab %s)", cmd->name, cmd->usage);
        return EX_USAGE;
    }
    return 0;
}

int cli_main(int argc, char **argv)
{
    if (argc < 2) {
        cli_usage(stderr);
        return EX_USAGE;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("pipelab %s\n", PIPELAB_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "--machine") == 0) {
        cli_machine(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        cli_usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--help-all") == 0) {
        cli_help_all(stdout);
        return 0;
    }
    for (size_t c = 0; c < CLI_COMMAND_COUNT; c++) {
        const struct cli_command *cmd = &cli_commands[c];
        if (strcmp(argv[1], cmd->name) != 0)
            continue;
        struct options o;
        bool help = false;
        options_defaults(&o);
        cli_command_defaults(cmd, &o);
        o.command = cmd->name;
        int rc = cli_parse(cmd, argc, argv, &o, &help);
        if (help) {
            cli_command_help(cmd, stdout);
            return 0;
        }
        return rc != 0 ? rc : cmd->run(&o);
    }
    warnx_msg("unknown command '%s' (see `pipelab --help`)", argv[1]);
    return EX_USAGE;
}
