/* cli_opts.h -- the qtranspile command line: its commands, every option they
 * take (one table, src/cli_opts.c), the values parsed into one struct, the
 * exit statuses and the message helpers shared by every command file.
 *
 * Program code, not library: it prints and returns exit statuses. Each
 * command lives in a file of its own (src/cli_<command>.c; the batch driver
 * in mpi/batch_main.c) and receives the parsed qtr_cli_options. Adding an
 * option is one row in the table, one field here and one case in
 * parse_value() (cli_opts.c); the help text, the check that a command takes
 * it and the batch-form detection follow from the table. */
#ifndef QTR_CLI_OPTS_H
#define QTR_CLI_OPTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define QTR_PROG "qtranspile"

/* Exit statuses of every command (doc/qtranspile.1). */
enum {
    QTR_EXIT_OK = 0,      /* done, every circuit ok */
    QTR_EXIT_FAILED = 1,  /* done, but some circuits failed (or a write failed) */
    QTR_EXIT_USAGE = 2,   /* usage, input or I/O error */
    QTR_EXIT_STOPPED = 3  /* a batch stopped by a signal: run again with --resume */
};

/* The commands. TRANSPILE and BATCH share the command word (none): the
 * input decides (qtr_cli_is_batch). */
typedef enum {
    QTR_CMD_TRANSPILE, QTR_CMD_BATCH, QTR_CMD_CONVERT, QTR_CMD_PACK, QTR_CMD_UNPACK,
    QTR_CMD_INFO, QTR_CMD_TARGETS, QTR_CMD_SWEEP, QTR_NCMDS
} qtr_cli_cmd;

/* How a batch reports progress (mpi/progress.c). */
typedef enum {
    QTR_PROGRESS_AUTO, QTR_PROGRESS_BAR, QTR_PROGRESS_LOG, QTR_PROGRESS_NONE
} qtr_progress_mode;

/* Most trials --layout-trials / --swap-trials take: it keeps (layout trials
 * + 3) x swap trials below the router's 2^20 trial indices. */
#define QTR_CLI_MAX_TRIALS 1000

/* Everything the command line can say. Strings are borrowed from argv.
 * Zero means "not given" unless said otherwise. */
typedef struct {
    qtr_cli_cmd cmd;
    const char *input;          /* transpile, batch, convert, unpack, info: "-" = stdin */
    char      **inputs;         /* pack: the files (argv) */
    int         ninputs;
    const char *output;         /* -o; transpile/convert default "-" (stdout) */
    /* transpiling (single circuit and batch) */
    const char *target;         /* -t */
    const char *basis;          /* --basis */
    int         opt_level;      /* -O, default 2 */
    uint64_t    seed;           /* --seed */
    uint32_t    layout_trials;  /* --layout-trials; 0 = the level's */
    uint32_t    swap_trials;    /* --swap-trials; 0 = the level's */
    double      approx;         /* --approximation-degree, (0, 1]; 0 = exact */
    size_t      max_memory;     /* --max-memory, bytes per circuit; 0 = the default
                                   (qtr_cli_memory_budget) */
    /* single circuit */
    const char *stats_path;     /* --stats */
    int         verify;         /* --verify */
    int         strict;         /* --strict: OpenQASM 2 by the specification */
    const char *bind;           /* --bind NAME=VALUE,... */
    int         stream;         /* 1 --stream, -1 --no-stream, 0 automatic */
    /* batch */
    int         resume;         /* --resume */
    qtr_progress_mode progress; /* --progress */
    int         threads;        /* --threads; 0 = the OpenMP default */
    size_t      round_rows;     /* --round; 0 = the driver's default */
    int         writer_all;     /* --writer=all */
    int         verbose;        /* --verbose: per-rank figures at the end */
    /* sweeps (doc/batch.md, "Sweeps") */
    const char *values_path;    /* sweep --values VALUES.csv|VALUES.h5 */
    int         bind_rows;      /* batch, unpack: --bind (every row's bound circuit) */
    int         per_instance;   /* batch: --per-instance */
    /* OpenQASM output (transpile, convert, unpack) */
    int         out_version;    /* --format: 2 or 3; 0 = the output name's (.qasm3) or the input's */
    int         physical;       /* --physical-qubits: OpenQASM 3 on $0, $1, ... */
    /* pack / info */
    int         pack_text;      /* pack --qasm */
    int         build_info;     /* info --build */
} qtr_cli_options;

/** Parse @p argv (argv[0] is the program or the command word) for command
 *  @p cmd into @p o (set to its defaults first). Rejects options the command
 *  does not take, checks every value, and reads the operands.
 *  @return -1 to go on, or an exit status to return at once (after --help,
 *  --version, or a usage error already printed). */
int qtr_cli_parse(qtr_cli_cmd cmd, int argc, char **argv, qtr_cli_options *o);

/** 1 when the program's argv (no command word) names an HDF5 file as its
 *  input, so the transpile form runs as a batch: a name ending in .h5 or
 *  .hdf5, or a file starting with HDF5's signature. Looks at the first
 *  operand only, skipping option values as the table says. */
int qtr_cli_is_batch(int argc, char **argv);

/** Print the help of @p cmd (the whole program's for QTR_CMD_TRANSPILE). */
void qtr_cli_help(qtr_cli_cmd cmd, FILE *f);

/** "qtranspile: <message>" on stderr. */
void qtr_cli_say(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/** A usage error: the message, a pointer to --help; returns QTR_EXIT_USAGE. */
int qtr_cli_usage(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/** The OpenQASM version to write to @p path: --format, else 3 with
 *  --physical-qubits or a name ending in ".qasm3", else @p input_version
 *  (2 when 0). */
int qtr_cli_out_version(const qtr_cli_options *o, const char *path, int input_version);

/** 1 when paths @p a and @p b name the same existing regular file: writing
 *  one would destroy the other before it is read. "-" is never the same. */
int qtr_cli_same_file(const char *a, const char *b);

/** The commands, each in its own file. @return the exit status. */
int qtr_cli_transpile(const qtr_cli_options *o);  /* src/cli_transpile.c */
int qtr_cli_targets(const qtr_cli_options *o);    /* src/cli_transpile.c */
int qtr_cli_convert(const qtr_cli_options *o);    /* src/cli_convert.c */
int qtr_cli_pack(const qtr_cli_options *o);       /* src/cli_pack.c */
int qtr_cli_unpack(const qtr_cli_options *o);     /* src/cli_unpack.c */
int qtr_cli_info(const qtr_cli_options *o);       /* src/cli_info.c */
int qtr_cli_sweep(const qtr_cli_options *o);      /* src/cli_sweep.c */
/** unpack and info of sweep results and sweep files (src/cli_sweep_out.c). */
int qtr_cli_unpack_sweep(const qtr_cli_options *o);
int qtr_cli_info_sweep(const qtr_cli_options *o);
/** The batch driver (mpi/batch_main.c). @p argc/@p argv are the program's,
 *  for MPI_Init; the options are already parsed. Only it may start MPI. */
int qtr_cli_batch(const qtr_cli_options *o, int argc, char **argv);

/** Replace this process with the batch part of the program (qtranspile-batch,
 *  which links MPI and HDF5) run on the same @p argv (src/cli_handoff.c).
 *  Returns only on failure, with the exit status after saying why. */
int qtr_cli_handoff(char **argv);

/** Memory this process may use on its node: physical memory, or the
 *  cgroup's limit when lower; 0 when unknown (src/cli_memory.c). */
size_t qtr_cli_node_memory(void);
/** Each circuit's memory budget: --max-memory, else 3/4 of the node's
 *  memory shared by @p ranks_on_node ranks of @p threads worker threads
 *  each (at least 64 MiB; 0 = none when the memory is unknown). */
size_t qtr_cli_memory_budget(const qtr_cli_options *o, int ranks_on_node, int threads);

#ifdef __cplusplus
}
#endif
#endif
