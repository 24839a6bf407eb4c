/* main.c -- the qtranspile command: a thin client of the public API
 * (src/qtr.h, io/qtr_io.h). It parses the command line, then runs one of
 *
 *   qtranspile convert IN.qasm [-o OUT.qasm]      read and rewrite OpenQASM 2
 *   qtranspile IN.qasm [-o OUT.qasm] [options]    transpile for a target
 *
 * Owns: the reader, writer and circuit of one run, all released before exit.
 * Borrows: argv. Printing and exit codes live here and only here: the library
 * reports failures as a qtr_status plus the message in a qtr_ctx, which this
 * file prefixes with "qtranspile: " on stderr.
 *
 * Exit codes: 0 ok; 1 some circuits failed (could not be processed or
 * written); 2 usage or input error (bad option, unreadable or malformed input).
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qtr.h"
#include "qtr_io.h"
#include "cli_batch.h" /* batch commands: mpi/ */
#include "cli_output.h"
#include "cli_parse.h"
#include "cli_transpile.h"

#define PROG "qtranspile"

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

/* Instructions held in memory at once while converting. 65,536 records are
 * 1 MiB of qtr_inst: large enough that the per-chunk overhead is noise, small
 * enough that memory does not grow with the circuit (Qiskit #5895's 6.5 GB
 * for a million swaps is what this bound rules out). */
#define CONVERT_CHUNK 65536

/* Everything the command line can say. Paths are borrowed from argv. */
typedef struct {
    const char *input;       /* "-" is standard input */
    const char *output;      /* "-" is standard output (the default) */
    const char *target;      /* -t; NULL = no device constraints */
    const char *stats_path;  /* --stats; NULL = none */
    const char *basis;       /* --basis; NULL = the target's */
    int         opt_level;   /* -O, 0..3 */
    uint64_t    seed;        /* --seed */
    int         verify;      /* --verify */
    int         stream;      /* 1 --stream, -1 --no-stream, 0 automatic */
    uint32_t    layout_trials; /* --layout-trials; 0 = the level's */
    uint32_t    swap_trials;   /* --swap-trials; 0 = the level's */
    double      approx;      /* --approximation-degree; 0 = not given (exact) */
} cli_options;

/* ======================================================================
 * Messages
 * ====================================================================== */

static void say(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* "qtranspile: <message>" on stderr. */
static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs(PROG ": ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* A usage error: the message, a pointer to --help, exit code 2. */
static int usage_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs(PROG ": ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fputs("Try '" PROG " --help' for more information.\n", stderr);
    return EXIT_USAGE;
}

/* The library's message for a failure; its status text when the message is
 * empty (a function that failed without detail should not print nothing). */
static void say_ctx(const qtr_ctx *ctx, qtr_status st)
{
    const char *m = qtr_ctx_message(ctx);
    say("%s", m[0] ? m : qtr_status_text(st));
}

static void print_help(FILE *f)
{
    fputs(
"Usage: " PROG " IN.qasm [-o OUT.qasm] [options]     transpile a circuit\n"
"       " PROG " convert IN.qasm [-o OUT.qasm]       read and rewrite OpenQASM 2\n"
"       " PROG " BATCH.h5 -o RESULTS.h5 -t TARGET [options]   transpile a batch\n"
"       " PROG " pack|unpack|info ...                HDF5 batches (see doc/batch.md)\n"
"       " PROG " targets                             list the built-in targets\n"
"       " PROG " --help | --version\n"
"\n"
"IN and OUT may be '-' for standard input and output; OUT defaults to '-'.\n"
"\n"
"Transpile options:\n"
"  -o, --output FILE          write the result to FILE\n"
"  -t, --target TARGET        device: a built-in name (torino, fez, sherbrooke),\n"
"                             a generator (line:N, ring:N, grid:RxC, heavy-hex:D,\n"
"                             all:N) or a target JSON file\n"
"  -O, --optimization-level N 0..3, as Qiskit's preset levels (default 2)\n"
"      --basis LIST           comma-separated basis gates, e.g. cx,rz,sx,x\n"
"                             (replaces the target's)\n"
"      --seed N               seed for layout and routing trials (default 0)\n"
QTR_CLI_HELP_TRIALS_APPROX
"      --stats FILE.json      write statistics (gate counts, depth, swaps,\n"
"                             time, peak bytes) to FILE.json\n"
"      --verify               check the result is equivalent to the input\n"
"                             (small circuits; reference simulator)\n"
"      --stream               transpile in bounded memory, chunk by chunk\n"
"                             (level 0, trivial layout; automatic for inputs\n"
"                             of 256 MiB or more at level 0)\n"
"      --no-stream            never stream\n"
"\n"
"Common options:\n"
"  -h, --help                 show this help and exit\n"
"  -V, --version              show the version and exit\n"
"\n"
"Exit status: 0 ok, 1 some circuits failed, 2 usage or input error.\n"
"Errors name the place in the input: FILE:LINE:COL: reason.\n"
"See qtranspile(1).\n", f);
}

static void print_version(void)
{
    printf(PROG " %s\n", QTR_VERSION_STRING);
#ifdef _OPENMP
    puts("OpenMP: yes");
#else
    puts("OpenMP: no");
#endif
}

/* ======================================================================
 * Argument checks
 * ====================================================================== */

/* A trial count for @p opt; 0 on success, else the usage error's exit
 * code. The cap (QTR_CLI_MAX_TRIALS) keeps (layout trials + 3) x swap
 * trials below the router's 2^20 trial indices for any pair of values. */
static int parse_trials(const char *opt, const char *s, uint32_t *out)
{
    if (qtr_cli_parse_trials(s, out))
        return usage_error("%s: expected a whole number of trials from 1 to %d, not '%s'", opt,
                           QTR_CLI_MAX_TRIALS, s);
    return 0;
}

/* Every name in a comma-separated list is a gate of the table; 0 if so.
 * The target later decides whether the set can express a circuit. */
static int check_basis(const char *list)
{
    if (!list[0]) return usage_error("--basis: empty list");
    const char *p = list;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 0) return usage_error("--basis: empty gate name in '%s'", list);
        if (qtr_gate_lookup(p, len) < 0)
            return usage_error("--basis: unknown gate '%.*s'", (int)len, p);
        if (!e) return 0;
        p = e + 1;
    }
}

/* 1 when paths @p a and @p b name the same existing file: converting a file
 * onto itself would truncate the input before it is read. */
static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (!strcmp(a, "-") || !strcmp(b, "-")) return 0;
    if (stat(a, &sa) || stat(b, &sb)) return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino && S_ISREG(sa.st_mode);
}


/* ======================================================================
 * convert: stream IN to OUT through the reader and writer
 * ====================================================================== */

/* Read a chunk of instructions, write it, drop it, repeat: memory is bounded
 * by CONVERT_CHUNK records and the registers, whatever the input length.
 * OUT is written under a temporary name and renamed into place at the end,
 * so a missing, malformed or truncated input never changes what OUT held. */
static int run_convert(const cli_options *o)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, o->seed);
    qtr_qasm_reader *r = NULL;
    qtr_qasm_writer *w = NULL;
    qtr_circuit *c = NULL;
    qtr_cli_out out = {o->output, NULL};
    int rc = EXIT_OK, opened = 0, eof = 0;
    qtr_status st;

    if ((st = qtr_qasm_reader_open_file(&r, o->input, &ctx)) != QTR_OK) {
        say_ctx(&ctx, st);
        rc = EXIT_USAGE;
        goto done;
    }
    if (!(c = qtr_circuit_new(0))) {
        say("out of memory");
        rc = EXIT_FAILED;
        goto done;
    }
    while (!eof) {
        if ((st = qtr_qasm_reader_next(r, c, CONVERT_CHUNK, &eof, &ctx)) != QTR_OK) {
            say_ctx(&ctx, st);
            rc = st == QTR_ENOMEM ? EXIT_FAILED : EXIT_USAGE;
            goto done;
        }
        if (!opened) {
            if (qtr_cli_out_begin(&out, o->output)) {
                say("out of memory");
                rc = EXIT_FAILED;
                goto done;
            }
            opened = 1;
            if ((st = qtr_qasm_writer_open(&w, qtr_cli_out_path(&out), &ctx)) != QTR_OK) {
                say_ctx(&ctx, st);
                rc = EXIT_USAGE;
                goto done;
            }
        }
        if ((st = qtr_qasm_writer_write(w, c, 0, &ctx)) != QTR_OK) {
            say_ctx(&ctx, st);
            rc = EXIT_FAILED;
            goto done;
        }
        qtr_circuit_clear_ops(c);
    }
    st = qtr_qasm_writer_close(w, &ctx);
    w = NULL;
    if (st != QTR_OK) {
        say_ctx(&ctx, st);
        rc = EXIT_FAILED;
    }
done:
    if (w) {
        qtr_ctx scratch; /* keep the first failure's message in ctx */
        qtr_ctx_init(&scratch, 0);
        qtr_qasm_writer_close(w, &scratch);
    }
    if (opened && qtr_cli_out_end(&out, rc == EXIT_OK) && rc == EXIT_OK) rc = EXIT_FAILED;
    qtr_qasm_reader_free(r);
    qtr_circuit_free(c);
    return rc;
}

/* ======================================================================
 * transpile
 * ====================================================================== */

/* The transpile run: load the target, read the circuit (or stream it with
 * --stream), run the pipeline at level o->opt_level, optionally verify, write
 * OUT and --stats. The work is done by src/cli_transpile.c. */
static int run_transpile(const cli_options *o)
{
    qtr_cli_transpile_args a = {o->input,     o->output, o->target, o->stats_path, o->basis,
                                o->opt_level, o->seed,   o->verify, o->stream,
                                o->layout_trials, o->swap_trials, .approx_degree = o->approx};
    return qtr_cli_transpile(&a);
}

/* ======================================================================
 * Command line
 * ====================================================================== */

enum { OPT_STATS = 256, OPT_BASIS, OPT_SEED, OPT_VERIFY, OPT_STREAM, OPT_NO_STREAM, OPT_APPROX,
       OPT_LAYOUT_TRIALS, OPT_SWAP_TRIALS };

static const struct option long_opts[] = {
    {"output",             required_argument, NULL, 'o'},
    {"target",             required_argument, NULL, 't'},
    {"optimization-level", required_argument, NULL, 'O'},
    {"stats",              required_argument, NULL, OPT_STATS},
    {"basis",              required_argument, NULL, OPT_BASIS},
    {"seed",               required_argument, NULL, OPT_SEED},
    {"verify",             no_argument,       NULL, OPT_VERIFY},
    {"stream",             no_argument,       NULL, OPT_STREAM},
    {"no-stream",          no_argument,       NULL, OPT_NO_STREAM},
    {"layout-trials",      required_argument, NULL, OPT_LAYOUT_TRIALS},
    {"swap-trials",        required_argument, NULL, OPT_SWAP_TRIALS},
    {"approximation-degree", required_argument, NULL, OPT_APPROX},
    {"help",               no_argument,       NULL, 'h'},
    {"version",            no_argument,       NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* How option @p val is spelled ("-t", "--stats"), for messages. */
static const char *opt_name(int val, char buf[3])
{
    for (const struct option *l = long_opts; l->name; l++)
        if (l->val == val && val >= OPT_STATS) return l->name; /* long-only: caller adds "--" */
    buf[0] = (char)val;
    buf[1] = '\0';
    return buf;
}

/* Parse argv (after the command word, if any) into @p o.
 * @return -1 to go on, or an exit code (help, version, usage error). */
static int parse_args(int argc, char **argv, int convert, cli_options *o)
{
    int transpile_opt = 0; /* first transpile-only option seen, for convert's message */
    char buf[3];
    opterr = 0; /* messages are ours, named "qtranspile", not argv[0] */
    optind = 1;
    for (;;) {
        int ch = getopt_long(argc, argv, ":o:t:O:hV", long_opts, NULL);
        if (ch == -1) break;
        switch (ch) {
        case 'h': print_help(stdout); return EXIT_OK;
        case 'V': print_version(); return EXIT_OK;
        case 'o': o->output = optarg; break;
        case 't':
            if (!optarg[0]) return usage_error("-t: empty target");
            o->target = optarg;
            break;
        case 'O':
            if (!(optarg[0] >= '0' && optarg[0] <= '3' && optarg[1] == '\0'))
                return usage_error("-O: optimization level must be 0, 1, 2 or 3, not '%s'", optarg);
            o->opt_level = optarg[0] - '0';
            break;
        case OPT_STATS:
            if (!optarg[0]) return usage_error("--stats: empty file name");
            o->stats_path = optarg;
            break;
        case OPT_BASIS:
            if (check_basis(optarg)) return EXIT_USAGE;
            o->basis = optarg;
            break;
        case OPT_SEED:
            if (qtr_cli_parse_u64(optarg, &o->seed))
                return usage_error("--seed: expected a non-negative integer below 2^64, not '%s'",
                                   optarg);
            break;
        case OPT_LAYOUT_TRIALS:
            if (parse_trials("--layout-trials", optarg, &o->layout_trials)) return EXIT_USAGE;
            break;
        case OPT_SWAP_TRIALS:
            if (parse_trials("--swap-trials", optarg, &o->swap_trials)) return EXIT_USAGE;
            break;
        case OPT_APPROX:
            if (qtr_cli_parse_degree(optarg, &o->approx))
                return usage_error("--approximation-degree: expected a number in (0, 1], not '%s'",
                                   optarg);
            break;
        case OPT_VERIFY: o->verify = 1; break;
        case OPT_STREAM: o->stream = 1; break;
        case OPT_NO_STREAM: o->stream = -1; break;
        case ':':
            return usage_error("option '%s%s' needs an argument", optopt >= OPT_STATS ? "--" : "-",
                               opt_name(optopt, buf));
        default:
            if (optopt > 0 && optopt < OPT_STATS) return usage_error("unknown option '-%c'", optopt);
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
        if (ch != 'o' && !transpile_opt) transpile_opt = ch;
    }
    if (convert && transpile_opt)
        return usage_error("convert: option '%s%s' is for transpiling only",
                           transpile_opt >= OPT_STATS ? "--" : "-", opt_name(transpile_opt, buf));
    int npos = argc - optind;
    if (npos == 0) return usage_error(convert ? "convert: missing input file" : "missing input file");
    if (npos > 1)
        return usage_error("expected one input file, got %d ('%s', '%s'%s)", npos, argv[optind],
                           argv[optind + 1], npos > 2 ? ", ..." : "");
    o->input = argv[optind];
    if (!o->input[0]) return usage_error("empty input file name");
    if (!o->output[0]) return usage_error("-o: empty output file name");
    if (same_file(o->input, o->output))
        return usage_error("output '%s' is the input file; choose another name", o->output);
    return -1;
}

int main(int argc, char **argv)
{
    cli_options o = {.output = "-", .opt_level = 2};
    /* HDF5 batches (mpi/cli_batch.h); only the batch form may start MPI */
    if (argc > 1 && !strcmp(argv[1], "pack")) return qtr_cli_pack(argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "unpack")) return qtr_cli_unpack(argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "info")) return qtr_cli_info(argc - 1, argv + 1);
    if (qtr_cli_is_batch(argc, argv)) return qtr_cli_batch(argc, argv);
    int convert = argc > 1 && !strcmp(argv[1], "convert");
    if (argc < 2) return usage_error("missing input file");
    if (!strcmp(argv[1], "targets")) {
        if (argc > 2) return usage_error("targets: takes no arguments");
        return qtr_cli_targets();
    }

    int rc = convert ? parse_args(argc - 1, argv + 1, 1, &o) : parse_args(argc, argv, 0, &o);
    if (rc >= 0) {
        if (fflush(stdout) || ferror(stdout)) {
            say("standard output: write error");
            return EXIT_FAILED;
        }
        return rc;
    }
    return convert ? run_convert(&o) : run_transpile(&o);
}
