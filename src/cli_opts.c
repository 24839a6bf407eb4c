/* cli_opts.c -- the option table of every qtranspile command, and the one
 * parser that reads it (cli_opts.h).
 *
 * Borrows argv; owns nothing. Each option is one row: its names, the
 * commands that take it, its value's name and its help text. getopt_long's
 * table, the help of each command, the refusal of an option a command does
 * not take and the skipping of option values when guessing the batch form
 * are all derived from these rows, so no command spells its options again.
 * Values are checked here, in parse_value(), so that the same option means
 * the same thing in every command. */
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

#include "cli_opts.h"
#include "qtr.h"

enum {
    OPT_OUTPUT = 'o', OPT_TARGET = 't', OPT_LEVEL = 'O', OPT_HELP = 'h', OPT_VERSION = 'V',
    OPT_BASIS = 256, OPT_SEED, OPT_LAYOUT_TRIALS, OPT_SWAP_TRIALS, OPT_APPROX,
    OPT_STATS, OPT_VERIFY, OPT_STREAM, OPT_NO_STREAM, OPT_MAX_MEMORY,
    OPT_RESUME, OPT_PROGRESS, OPT_THREADS, OPT_ROUND, OPT_WRITER, OPT_VERBOSE,
    OPT_QASM, OPT_BUILD, OPT_BIND, OPT_FORMAT, OPT_PHYSICAL, OPT_STRICT,
    OPT_VALUES, OPT_BIND_ROWS, OPT_PER_INSTANCE
};

/* Which commands take an option. */
#define C_T (1u << QTR_CMD_TRANSPILE)
#define C_B (1u << QTR_CMD_BATCH)
#define C_C (1u << QTR_CMD_CONVERT)
#define C_P (1u << QTR_CMD_PACK)
#define C_U (1u << QTR_CMD_UNPACK)
#define C_I (1u << QTR_CMD_INFO)
#define C_S (1u << QTR_CMD_SWEEP)
#define C_ALL ((1u << QTR_NCMDS) - 1)

typedef struct {
    const char *name;  /* long name, without "--" */
    int         id;    /* getopt's value; a printable id is also the short name */
    const char *arg;   /* the value's name in help, NULL for a flag */
    unsigned    cmds;  /* C_* of the commands taking it */
    const char *help;  /* lines of help, '\n' between them */
} cli_opt;

static const cli_opt table[] = {
    {"output", OPT_OUTPUT, "FILE", C_T | C_B | C_C | C_P | C_U | C_S,
     "write the result to FILE (unpack: a directory)"},
    {"target", OPT_TARGET, "TARGET", C_T | C_B,
     "device: a built-in name (torino, fez, sherbrooke),\n"
     "a generator (line:N, ring:N, grid:RxC, heavy-hex:D,\n"
     "all:N) or a target JSON file"},
    {"optimization-level", OPT_LEVEL, "N", C_T | C_B,
     "0..3, as Qiskit's preset levels (default 2)"},
    {"basis", OPT_BASIS, "LIST", C_T | C_B,
     "comma-separated basis gates, e.g. cx,rz,sx,x\n(replaces the target's)"},
    {"seed", OPT_SEED, "N", C_T | C_B,
     "seed for layout and routing trials (default 0; in a\n"
     "batch circuit i uses a seed derived from it and i)"},
    {"layout-trials", OPT_LAYOUT_TRIALS, "N", C_T | C_B,
     "SABRE layout: random starting layouts, 1..1000\n"
     "(default: the level's, 5 at -O 1, 20 at -O 2/3)"},
    {"swap-trials", OPT_SWAP_TRIALS, "N", C_T | C_B,
     "SABRE routing trials per layout, 1..1000\n"
     "(default: the level's, 5 at -O 0/1, 20 at -O 2/3)"},
    {"approximation-degree", OPT_APPROX, "X", C_T | C_B,
     "0 < X <= 1: levels 2-3 may replace a 2-qubit\n"
     "block by fewer 2-qubit gates when the average\n"
     "gate fidelity stays >= X (default 1: exact)"},
    {"max-memory", OPT_MAX_MEMORY, "BYTES", C_T | C_B,
     "memory budget of each circuit, e.g. 512M, 2G; one\n"
     "that needs more fails alone (default: 3/4 of the\n"
     "node's memory / ranks on the node / threads)"},
    {"stats", OPT_STATS, "FILE.json", C_T,
     "write statistics (gate counts, depth, swaps,\n"
     "time, peak bytes) to FILE.json"},
    {"strict", OPT_STRICT, NULL, C_T | C_C | C_P,
     "read OpenQASM 2 as the specification says:\n"
     "refuse the forms Qiskit's loader also takes (no\n"
     "version line, bare 'barrier;', trailing commas,\n"
     "empty statements, single-quoted include names)"},
    {"verify", OPT_VERIFY, NULL, C_T,
     "check the result is equivalent to the input\n(small circuits; reference simulator)"},
    {"bind", OPT_BIND, "NAME=VALUE,...", C_T,
     "put values in the circuit's parameters after\n"
     "transpiling (each parameter once; values may be\n"
     "constant expressions such as pi/4)"},
    {"stream", OPT_STREAM, NULL, C_T,
     "transpile in bounded memory, chunk by chunk\n"
     "(level 0, trivial layout; the default at level 0\n"
     "from a file to a file, same output as in memory)"},
    {"no-stream", OPT_NO_STREAM, NULL, C_T, "never stream: read the whole circuit first"},
    {"resume", OPT_RESUME, NULL, C_B, "keep the rows RESULTS.h5 already has, do the rest"},
    {"progress", OPT_PROGRESS, "MODE", C_B,
     "auto (bar on a terminal, else log lines), bar,\nlog, none (default auto)"},
    {"threads", OPT_THREADS, "N", C_B,
     "OpenMP worker threads per rank (default\nOMP_NUM_THREADS, else all cores)"},
    {"round", OPT_ROUND, "N", C_B,
     "at most N circuits per rank per round (default\n"
     "1024 x threads; fewer when their estimated cost\n"
     "passes about a second of work per thread; 4\n"
     "rounds are in flight at once)"},
    {"writer", OPT_WRITER, "WHO", C_B,
     "rank0: rank 0 writes every rank's results while\n"
     "the others go on (default); all: every rank\n"
     "writes its own, collectively (parallel HDF5)"},
    {"verbose", OPT_VERBOSE, NULL, C_B,
     "at the end, also where each rank's time went\n"
     "(transpiling, reading, each commit phase)"},
    {"values", OPT_VALUES, "FILE", C_S,
     "the values: a CSV file (a header naming every\n"
     "parameter, any order; a row of numbers per line)\n"
     "or an HDF5 sweep file (its first template's)"},
    /* the same name as the single-file --bind, without a value: the
     * command's own rows come first in getopt's table (build_getopt) */
    {"bind", OPT_BIND_ROWS, NULL, C_B | C_U,
     "sweep: also store (unpack: write) every row's\n"
     "bound circuit, from the template transpiled once"},
    {"per-instance", OPT_PER_INSTANCE, NULL, C_B,
     "sweep: bind every row first, then transpile each\n"
     "on its own (one result per row)"},
    {"qasm", OPT_QASM, NULL, C_P,
     "store the texts as they are (parsed when\n"
     "transpiled, so a malformed file fails alone);\n"
     "default: parse now, store instruction records"},
    {"format", OPT_FORMAT, "FMT", C_T | C_C | C_U,
     "qasm2 or qasm3: the OpenQASM version written\n"
     "(default: qasm3 for an output name ending in\n"
     ".qasm3, else the input's version)"},
    {"physical-qubits", OPT_PHYSICAL, NULL, C_T | C_C | C_U,
     "write OpenQASM 3 on physical qubits $0, $1, ...\n"
     "(a transpiled circuit's qubit n is device qubit n)"},
    {"build", OPT_BUILD, NULL, C_I, "say how this qtranspile was built (MPI, HDF5, OpenMP)"},
    {"help", OPT_HELP, NULL, C_ALL, "show this help and exit"},
    {"version", OPT_VERSION, NULL, C_ALL, "show the version and exit"},
};
#define NOPTS (sizeof table / sizeof *table)

static const char *const cmd_word[QTR_NCMDS] = {
    [QTR_CMD_TRANSPILE] = NULL,      [QTR_CMD_BATCH] = NULL,
    [QTR_CMD_CONVERT] = "convert",   [QTR_CMD_PACK] = "pack",
    [QTR_CMD_UNPACK] = "unpack",     [QTR_CMD_INFO] = "info",
    [QTR_CMD_TARGETS] = "targets",   [QTR_CMD_SWEEP] = "sweep",
};

/* ======================================================================
 * Messages
 * ====================================================================== */

static void vsay(const char *fmt, va_list ap)
{
    fputs(QTR_PROG ": ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void qtr_cli_say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay(fmt, ap);
    va_end(ap);
}

int qtr_cli_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay(fmt, ap);
    va_end(ap);
    fputs("Try '" QTR_PROG " --help' for more information.\n", stderr);
    return QTR_EXIT_USAGE;
}

/* ======================================================================
 * Help
 * ====================================================================== */

/* Where the help text of an option starts. */
#define HELP_COL 29

static void print_option(const cli_opt *op, FILE *f)
{
    int w = op->id < 256 ? fprintf(f, "  -%c, --%s", op->id, op->name)
                         : fprintf(f, "      --%s", op->name);
    if (op->arg) w += fprintf(f, " %s", op->arg);
    if (w >= HELP_COL - 1) {
        fputc('\n', f);
        w = 0;
    }
    for (const char *line = op->help; line;) {
        const char *nl = strchr(line, '\n');
        int len = nl ? (int)(nl - line) : (int)strlen(line);
        fprintf(f, "%*s%.*s\n", HELP_COL - w, "", len, line);
        w = 0;
        line = nl ? nl + 1 : NULL;
    }
}

/* Under @p title, the options that command @p cmd takes and, when @p but
 * is set, the commands in @p but do not. */
static void print_options(unsigned cmd, unsigned but, const char *title, FILE *f)
{
    fprintf(f, "\n%s:\n", title);
    for (size_t i = 0; i < NOPTS; i++)
        if ((table[i].cmds & cmd) && !(table[i].cmds & but) && table[i].cmds != C_ALL)
            print_option(&table[i], f);
}

static void print_common(FILE *f)
{
    fputs("\nCommon options:\n", f);
    for (size_t i = 0; i < NOPTS; i++)
        if (table[i].cmds == C_ALL) print_option(&table[i], f);
}

void qtr_cli_help(qtr_cli_cmd cmd, FILE *f)
{
    switch (cmd) {
    case QTR_CMD_TRANSPILE:
        fputs("Usage: " QTR_PROG " IN.qasm [-o OUT.qasm] [options]     transpile a circuit\n"
              "       " QTR_PROG " BATCH.h5 -o RESULTS.h5 -t TARGET [options]   transpile a batch\n"
              "       " QTR_PROG " convert IN.qasm [-o OUT.qasm]       read and rewrite OpenQASM 2 or 3\n"
              "       " QTR_PROG " pack [--qasm] FILE.qasm... -o BATCH.h5   make a batch\n"
              "       " QTR_PROG " unpack FILE.h5 -o DIR               write a batch's circuits\n"
              "       " QTR_PROG " info FILE.h5 | --build              describe a batch or results\n"
              "       " QTR_PROG " sweep TEMPLATE.qasm --values V.csv -o SWEEP.h5   make a sweep\n"
              "       " QTR_PROG " targets                             list the built-in targets\n"
              "       " QTR_PROG " --help | --version\n"
              "\n"
              "IN and OUT may be '-' for standard input and output; OUT defaults to '-'.\n"
              "'" QTR_PROG " COMMAND --help' shows a command's options.\n", f);
        print_options(C_T, 0, "Transpile options", f);
        print_options(C_B, C_T, "Batch options (an HDF5 input; doc/batch.md)", f);
        break;
    case QTR_CMD_BATCH:
        fputs("Usage: " QTR_PROG " BATCH.h5 -o RESULTS.h5 -t TARGET [options]   transpile a batch\n"
              "       mpirun -n RANKS " QTR_PROG " BATCH.h5 -o RESULTS.h5 -t TARGET [options]\n", f);
        print_options(C_B, 0, "Options", f);
        break;
    case QTR_CMD_CONVERT:
        fputs("Usage: " QTR_PROG " convert IN.qasm [-o OUT.qasm]\n"
              "Read and rewrite OpenQASM 2 or 3 (--format to translate), streamed in bounded memory.\n", f);
        print_options(C_C, 0, "Options", f);
        break;
    case QTR_CMD_PACK:
        fputs("Usage: " QTR_PROG " pack [--qasm] FILE.qasm... -o BATCH.h5\n"
              "Pack OpenQASM files into an HDF5 batch (doc/hdf5-format.md).\n", f);
        print_options(C_P, 0, "Options", f);
        break;
    case QTR_CMD_UNPACK:
        fputs("Usage: " QTR_PROG " unpack FILE.h5 -o DIR\n"
              "Write each circuit of a batch, or each result of a results file, to\n"
              "DIR/NAME.qasm. Failed and unfinished results are listed, not written.\n", f);
        print_options(C_U, 0, "Options", f);
        break;
    case QTR_CMD_INFO:
        fputs("Usage: " QTR_PROG " info FILE.h5\n"
              "       " QTR_PROG " info --build\n"
              "Describe a batch or results file: circuits, the run, ok / failed / pending.\n", f);
        print_options(C_I, 0, "Options", f);
        break;
    case QTR_CMD_SWEEP:
        fputs("Usage: " QTR_PROG " sweep TEMPLATE.qasm --values VALUES.csv|VALUES.h5 -o SWEEP.h5\n"
              "Make a sweep file: a template with parameters (OpenQASM 3, 'input float[64]\n"
              "NAME;') and a table of values, for '" QTR_PROG " SWEEP.h5 -o RESULTS.h5 -t T'\n"
              "(transpile once; --bind: also every bound row; --per-instance).\n", f);
        print_options(C_S, 0, "Options", f);
        break;
    case QTR_CMD_TARGETS:
    case QTR_NCMDS:
        fputs("Usage: " QTR_PROG " targets\nList the built-in targets and generators.\n", f);
        break;
    }
    print_common(f);
    fputs("\nExit status: 0 ok; 1 some circuits failed; 2 usage, input or I/O error;\n"
          "3 a batch stopped by a signal (run again with --resume).\n"
          "Errors name the place in the input: FILE:LINE:COL: reason.\n"
          "See qtranspile(1) and doc/batch.md.\n", f);
}

static void print_version(void)
{
    printf(QTR_PROG " %s\n", QTR_VERSION_STRING);
#ifdef _OPENMP
    puts("OpenMP: yes");
#else
    puts("OpenMP: no");
#endif
}

/* ======================================================================
 * Values
 * ====================================================================== */

/* A whole decimal number below 2^64 (no sign, no spaces); 0 ok, -1 not. */
static int parse_u64(const char *s, uint64_t *out)
{
    if (!s || s[0] < '0' || s[0] > '9') return -1;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) return -1;
    *out = (uint64_t)v;
    return 0;
}

/* A whole number in [lo, hi]; 0 ok, -1 not. */
static int parse_range(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    return parse_u64(s, out) || *out < lo || *out > hi ? -1 : 0;
}

/* Every name in a comma-separated list can name a gate (a table gate, or a
 * device's own gate that opaque gates of the circuit may name); 0 if so.
 * The target later decides whether the set can express a circuit. */
static int check_basis(const char *list)
{
    if (!list[0]) return qtr_cli_usage("--basis: empty list");
    const char *p = list;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 0) return qtr_cli_usage("--basis: empty gate name in '%s'", list);
        if (!qtr_gate_name_valid(p, len))
            return qtr_cli_usage("--basis: '%.*s' is not a gate name", (int)len, p);
        if (!e) return 0;
        p = e + 1;
    }
}

static int parse_trials(const char *opt, const char *s, uint32_t *out)
{
    uint64_t v;
    if (parse_range(s, 1, QTR_CLI_MAX_TRIALS, &v))
        return qtr_cli_usage("%s: expected a whole number of trials from 1 to %d, not '%s'", opt,
                             QTR_CLI_MAX_TRIALS, s);
    *out = (uint32_t)v;
    return 0;
}

static int parse_progress(const char *s, qtr_progress_mode *m)
{
    static const char *const names[] = {"auto", "bar", "log", "none"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(s, names[i])) {
            *m = (qtr_progress_mode)i;
            return 0;
        }
    return qtr_cli_usage("--progress: expected auto, bar, log or none, not '%s'", s);
}

/* Store option @p id's value @p v in @p o. 0, or the usage error's status. */
static int parse_value(int id, const char *v, qtr_cli_options *o)
{
    uint64_t n;
    char *end;
    switch (id) {
    case OPT_OUTPUT: o->output = v; return 0;
    case OPT_TARGET:
        if (!v[0]) return qtr_cli_usage("-t: empty target");
        o->target = v;
        return 0;
    case OPT_LEVEL:
        if (!(v[0] >= '0' && v[0] <= '3' && v[1] == '\0'))
            return qtr_cli_usage("-O: optimization level must be 0, 1, 2 or 3, not '%s'", v);
        o->opt_level = v[0] - '0';
        return 0;
    case OPT_BASIS:
        if (check_basis(v)) return QTR_EXIT_USAGE;
        o->basis = v;
        return 0;
    case OPT_SEED:
        if (parse_u64(v, &o->seed))
            return qtr_cli_usage("--seed: expected a non-negative integer below 2^64, not '%s'", v);
        return 0;
    case OPT_LAYOUT_TRIALS: return parse_trials("--layout-trials", v, &o->layout_trials);
    case OPT_SWAP_TRIALS: return parse_trials("--swap-trials", v, &o->swap_trials);
    case OPT_APPROX:
        errno = 0;
        o->approx = strtod(v, &end);
        if (!v[0] || *end || errno || !(o->approx > 0 && o->approx <= 1))
            return qtr_cli_usage("--approximation-degree: expected a number in (0, 1], not '%s'", v);
        return 0;
    case OPT_STATS:
        if (!v[0]) return qtr_cli_usage("--stats: empty file name");
        o->stats_path = v;
        return 0;
    case OPT_MAX_MEMORY:
        if (qtr_parse_bytes(v, &o->max_memory))
            return qtr_cli_usage("--max-memory: expected a byte count such as 512M or 2G, not '%s'",
                                 v);
        return 0;
    case OPT_VERIFY: o->verify = 1; return 0;
    case OPT_STRICT: o->strict = 1; return 0;
    case OPT_BIND: o->bind = v; return 0;
    case OPT_BIND_ROWS: o->bind_rows = 1; return 0;
    case OPT_PER_INSTANCE: o->per_instance = 1; return 0;
    case OPT_VALUES:
        if (!v[0]) return qtr_cli_usage("--values: empty file name");
        o->values_path = v;
        return 0;
    case OPT_STREAM: o->stream = 1; return 0;
    case OPT_NO_STREAM: o->stream = -1; return 0;
    case OPT_RESUME: o->resume = 1; return 0;
    case OPT_VERBOSE: o->verbose = 1; return 0;
    case OPT_PROGRESS: return parse_progress(v, &o->progress);
    case OPT_THREADS:
        if (parse_range(v, 1, 4096, &n)) return qtr_cli_usage("--threads: expected 1..4096, not '%s'", v);
        o->threads = (int)n;
        return 0;
    case OPT_ROUND:
        if (parse_range(v, 1, 1u << 24, &n))
            return qtr_cli_usage("--round: expected 1..16777216 circuits, not '%s'", v);
        o->round_rows = (size_t)n;
        return 0;
    case OPT_WRITER:
        if (strcmp(v, "rank0") && strcmp(v, "all"))
            return qtr_cli_usage("--writer: expected rank0 or all, not '%s'", v);
        o->writer_all = !strcmp(v, "all");
        return 0;
    case OPT_QASM: o->pack_text = 1; return 0;
    case OPT_BUILD: o->build_info = 1; return 0;
    case OPT_FORMAT:
        if (strcmp(v, "qasm2") && strcmp(v, "qasm3"))
            return qtr_cli_usage("--format: expected qasm2 or qasm3, not '%s'", v);
        o->out_version = v[4] - '0';
        return 0;
    case OPT_PHYSICAL: o->physical = 1; return 0;
    default: return qtr_cli_usage("unhandled option %d", id); /* a row without a case */
    }
}

/* ======================================================================
 * Parsing
 * ====================================================================== */

static const cli_opt *find_id(int id)
{
    for (size_t i = 0; i < NOPTS; i++)
        if (table[i].id == id) return &table[i];
    return NULL;
}

/* "-t" or "--stats", for messages. */
static const char *spelled(const cli_opt *op, char buf[64])
{
    if (op->id < 256) snprintf(buf, 64, "-%c", op->id);
    else snprintf(buf, 64, "--%s", op->name);
    return buf;
}

/* The option rejected for @p cmd: name what it is for. */
static int not_for(qtr_cli_cmd cmd, const cli_opt *op)
{
    char buf[64];
    const char *for_what = (op->cmds & (C_T | C_B)) == (C_T | C_B) ? "transpiling"
                           : op->cmds & C_T                       ? "single circuits"
                           : op->cmds & C_B                       ? "batches"
                           : op->cmds & C_P                       ? "pack"
                           : op->cmds & C_I                       ? "info"
                                                                  : "other commands";
    if (cmd == QTR_CMD_BATCH && op->cmds == C_T)
        return qtr_cli_usage("option '%s' is for single circuits; a batch records statistics "
                             "and checks routing in its results file", spelled(op, buf));
    return qtr_cli_usage("%s%soption '%s' is for %s only", cmd_word[cmd] ? cmd_word[cmd] : "",
                         cmd_word[cmd] ? ": " : "", spelled(op, buf), for_what);
}

static void set_defaults(qtr_cli_cmd cmd, qtr_cli_options *o)
{
    memset(o, 0, sizeof *o);
    o->cmd = cmd;
    o->opt_level = 2;
    o->progress = QTR_PROGRESS_AUTO;
    if (cmd == QTR_CMD_TRANSPILE || cmd == QTR_CMD_CONVERT) o->output = "-";
}

/* getopt_long's tables from the rows; @p shorts gets "o:t:O:hV" and the like.
 * The rows @p cmd takes come first: getopt_long takes the first row of a
 * name, so a name two rows share (--bind) means what this command says. */
static void build_getopt(qtr_cli_cmd cmd, struct option *lo, char *shorts)
{
    char *s = shorts;
    *s++ = ':';
    size_t n = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < NOPTS; i++) {
            int takes = (table[i].cmds & (1u << cmd)) != 0;
            if (takes == pass) continue;
            lo[n++] = (struct option){table[i].name, table[i].arg ? required_argument : no_argument,
                                      NULL, table[i].id};
            if (table[i].id < 256) {
                *s++ = (char)table[i].id;
                if (table[i].arg) *s++ = ':';
            }
        }
    lo[NOPTS] = (struct option){NULL, 0, NULL, 0};
    *s = '\0';
}

/* The operands after the options: one input, or (pack) several. */
static int read_operands(qtr_cli_cmd cmd, int argc, char **argv, qtr_cli_options *o)
{
    int npos = argc - optind;
    const char *prefix = cmd_word[cmd] ? cmd_word[cmd] : "";
    const char *sep = cmd_word[cmd] ? ": " : "";
    if (cmd == QTR_CMD_TARGETS)
        return npos ? qtr_cli_usage("targets: takes no arguments") : -1;
    if (cmd == QTR_CMD_INFO && o->build_info) return -1;
    if (cmd == QTR_CMD_PACK) {
        if (npos <= 0) return qtr_cli_usage("pack: no input files");
        o->inputs = argv + optind;
        o->ninputs = npos;
        return -1;
    }
    if (npos == 0)
        return qtr_cli_usage("%s%smissing input %s", prefix, sep,
                             cmd == QTR_CMD_BATCH ? "batch"
                             : cmd == QTR_CMD_UNPACK || cmd == QTR_CMD_INFO ? "HDF5 file" : "file");
    if (npos > 1)
        return qtr_cli_usage("%s%sexpected one input file, got %d ('%s', '%s'%s)", prefix, sep, npos,
                             argv[optind], argv[optind + 1], npos > 2 ? ", ..." : "");
    o->input = argv[optind];
    if (!o->input[0]) return qtr_cli_usage("empty input file name");
    return -1;
}

int qtr_cli_parse(qtr_cli_cmd cmd, int argc, char **argv, qtr_cli_options *o)
{
    struct option lo[NOPTS + 1];
    char shorts[2 * NOPTS + 2];
    char buf[64];
    set_defaults(cmd, o);
    build_getopt(cmd, lo, shorts);
    opterr = 0; /* messages are ours, named "qtranspile", not argv[0] */
    optind = 1;
    for (;;) {
        int ch = getopt_long(argc, argv, shorts, lo, NULL);
        if (ch == -1) break;
        if (ch == ':') {
            const cli_opt *op = find_id(optopt);
            return qtr_cli_usage("option '%s' needs an argument",
                                 op ? spelled(op, buf) : argv[optind - 1]);
        }
        const cli_opt *op = find_id(ch);
        if (!op) {
            if (optopt > 0 && optopt < 256) return qtr_cli_usage("unknown option '-%c'", optopt);
            return qtr_cli_usage("unknown option '%s'", argv[optind - 1]);
        }
        if (!(op->cmds & (1u << cmd))) return not_for(cmd, op);
        if (ch == OPT_HELP) {
            qtr_cli_help(cmd, stdout);
            return QTR_EXIT_OK;
        }
        if (ch == OPT_VERSION) {
            print_version();
            return QTR_EXIT_OK;
        }
        if (parse_value(ch, optarg, o)) return QTR_EXIT_USAGE;
    }
    int rc = read_operands(cmd, argc, argv, o);
    if (rc >= 0) return rc;
    if (o->output && !o->output[0]) return qtr_cli_usage("-o: empty output file name");
    if (cmd == QTR_CMD_SWEEP && !o->values_path)
        return qtr_cli_usage("sweep: missing --values VALUES.csv|VALUES.h5");
    if (cmd == QTR_CMD_SWEEP && !o->output)
        return qtr_cli_usage("sweep: missing -o SWEEP.h5");
    if (o->bind_rows && o->per_instance)
        return qtr_cli_usage("--bind and --per-instance are two sweep modes; choose one");
    if (o->physical && o->out_version == 2)
        return qtr_cli_usage("--physical-qubits writes OpenQASM 3; it cannot go with --format qasm2");
    if (o->input && o->output && qtr_cli_same_file(o->input, o->output))
        return qtr_cli_usage("output '%s' is the input %s; choose another name", o->output,
                             cmd == QTR_CMD_BATCH ? "batch" : "file");
    for (int i = 0; i < o->ninputs; i++)
        if (o->output && qtr_cli_same_file(o->inputs[i], o->output))
            return qtr_cli_usage("pack: output '%s' is one of the inputs", o->output);
    return -1;
}

int qtr_cli_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (!strcmp(a, "-") || !strcmp(b, "-")) return 0;
    if (stat(a, &sa) || stat(b, &sb)) return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino && S_ISREG(sa.st_mode);
}

/* ======================================================================
 * The batch form
 * ====================================================================== */

/* 1 when @p a is an option of the table that takes a separate value
 * ("-t", "--target"; not "--target=x" nor "-tx"). */
static int takes_separate_value(const char *a)
{
    for (size_t i = 0; i < NOPTS; i++) {
        if (!table[i].arg) continue;
        if (a[1] != '-' && table[i].id < 256 && a[1] == table[i].id && !a[2]) return 1;
        if (a[1] == '-' && !strcmp(a + 2, table[i].name)) return 1;
    }
    return 0;
}

int qtr_cli_is_batch(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            a = i + 1 < argc ? argv[i + 1] : NULL;
            if (!a) return 0;
        } else if (a[0] == '-' && a[1]) {
            if (takes_separate_value(a)) i++;
            continue;
        }
        size_t n = strlen(a);
        if ((n > 3 && !strcmp(a + n - 3, ".h5")) || (n > 5 && !strcmp(a + n - 5, ".hdf5")))
            return 1;
        /* the HDF5 signature at offset 0 (files with a user block put it
         * at 512, 1024, ...; those need the .h5 name) */
        FILE *f = fopen(a, "rb");
        if (!f) return 0;
        unsigned char sig[8] = {0};
        size_t got = fread(sig, 1, 8, f);
        fclose(f);
        return got == 8 && !memcmp(sig, "\211HDF\r\n\032\n", 8);
    }
    return 0;
}

int qtr_cli_out_version(const qtr_cli_options *o, const char *path, int input_version)
{
    if (o->out_version) return o->out_version;
    size_t n = path ? strlen(path) : 0;
    if (o->physical || (n >= 6 && !strcmp(path + n - 6, ".qasm3"))) return 3;
    return input_version ? input_version : 2;
}
