/* main.c -- the qtranspile command: picks the command from the first word
 * (or, for the transpile form, from the input: a circuit or an HDF5 batch),
 * parses its options with the one table of src/cli_opts.c and runs it.
 *
 *   qtranspile IN.qasm [-o OUT.qasm] [options]     src/cli_transpile.c
 *   qtranspile BATCH.h5 -o RESULTS.h5 [options]    mpi/batch_main.c
 *   qtranspile convert | pack | unpack | info | sweep   src/cli_<command>.c
 *   qtranspile targets                             src/cli_transpile.c
 *
 * Printing and exit statuses live in the command files, never in the
 * library: it reports failures as a qtr_status plus the message in a qtr_ctx.
 * Only the batch form may start MPI.
 *
 * This file is built twice (src/cli.am): into qtranspile, which has no MPI
 * and no HDF5 and, once the options parse, hands the batch form and the HDF5
 * commands to the other build (src/cli_handoff.c); and, with
 * QTR_CLI_BATCH_PART defined, into qtranspile-batch, which runs them. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_opts.h"

/* The command named by @p word, or -1. */
static int command_of(const char *word)
{
    static const struct { const char *word; qtr_cli_cmd cmd; } words[] = {
        {"convert", QTR_CMD_CONVERT}, {"pack", QTR_CMD_PACK},   {"unpack", QTR_CMD_UNPACK},
        {"info", QTR_CMD_INFO},       {"targets", QTR_CMD_TARGETS}, {"sweep", QTR_CMD_SWEEP},
    };
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (!strcmp(word, words[i].word)) return (int)words[i].cmd;
    return -1;
}

static int run(const qtr_cli_options *o, int argc, char **argv)
{
    switch (o->cmd) {
    case QTR_CMD_TRANSPILE: return qtr_cli_transpile(o);
    case QTR_CMD_CONVERT: return qtr_cli_convert(o);
    case QTR_CMD_TARGETS: return qtr_cli_targets(o);
#ifdef QTR_CLI_BATCH_PART
    case QTR_CMD_BATCH: return qtr_cli_batch(o, argc, argv);
    case QTR_CMD_PACK: return qtr_cli_pack(o);
    case QTR_CMD_UNPACK: return qtr_cli_unpack(o);
    case QTR_CMD_INFO: return qtr_cli_info(o);
    case QTR_CMD_SWEEP: return qtr_cli_sweep(o);
#else
    case QTR_CMD_BATCH:
    case QTR_CMD_PACK:
    case QTR_CMD_UNPACK:
    case QTR_CMD_INFO:
    case QTR_CMD_SWEEP: return qtr_cli_handoff(argv);
#endif
    case QTR_NCMDS: break;
    }
    return QTR_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    int word = argc > 1 ? command_of(argv[1]) : -1;
    qtr_cli_cmd cmd = word >= 0                      ? (qtr_cli_cmd)word
                      : qtr_cli_is_batch(argc, argv) ? QTR_CMD_BATCH
                                                     : QTR_CMD_TRANSPILE;
    /* getopt reorders the array it parses (operands last): parse a copy, so
     * that the batch part is handed the command line as given. Reordered,
     * "S.h5 --progress=none --bind" became "--progress=none --bind S.h5",
     * where the batch-form test takes S.h5 for the value of the single-file
     * --bind. */
    char **args = malloc(((size_t)argc + 1) * sizeof *args);
    if (!args) {
        qtr_cli_say("out of memory");
        return QTR_EXIT_USAGE;
    }
    memcpy(args, argv, ((size_t)argc + 1) * sizeof *args);
    qtr_cli_options o;
    int rc = word >= 0 ? qtr_cli_parse(cmd, argc - 1, args + 1, &o)
                       : qtr_cli_parse(cmd, argc, args, &o);
    if (rc >= 0) {
        free(args);
        if (fflush(stdout) || ferror(stdout)) {
            qtr_cli_say("standard output: write error");
            return QTR_EXIT_FAILED;
        }
        return rc;
    }
    rc = run(&o, argc, argv);
    free(args);
    return rc;
}
