/* cli_info.c -- `qtranspile info FILE.h5`: what a batch or results file
 * holds (circuits, the run that made it, ok / failed / pending, totals), and
 * `info --build`: how this qtranspile was built. One process, no MPI.
 *
 * Owns: the file and block of the run. The summary goes to stdout. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_opts.h"
#include "h5_store.h"
#include "h5_sweep.h"
#include "qtr_io.h"

/* Rows per read or write window: bounds memory for batches of any size. */
#define WINDOW 256

static void print_build(void)
{
#ifdef QTR_HAVE_MPI
    const char *built_with_mpi = "yes";
#else
    const char *built_with_mpi = "no";
#endif
#if defined(QTR_HAVE_MPI) && defined(QTR_HDF5_PARALLEL)
    const char *hdf5_flavour = "parallel";
#else
    const char *hdf5_flavour = "serial";
#endif
    printf("mpi: %s\nhdf5: %s\nopenmp: %s\n", built_with_mpi,
           hdf5_flavour,
#ifdef _OPENMP
           "yes"
#else
           "no"
#endif
    );
}

int qtr_cli_info(const qtr_cli_options *o)
{
    if (o->build_info) {
        print_build();
        return QTR_EXIT_OK;
    }
    const char *path = o->input;
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_h5_file *f = NULL;
    if (qtr_h5_interrupted(path))
        qtr_cli_say("%s: its last round was cut short (a kill or a full disk); the batch command "
                    "with --resume undoes it first", path);
    int sweep = qtr_h5_is_sweep(path), sweep_rc = QTR_EXIT_OK;
    if (sweep && !qtr_h5_sweep_has_results(path)) return qtr_cli_info_sweep(o);
    if (qtr_h5_open(path, &f, &ctx)) {
        qtr_cli_say("%s", ctx.msg);
        return QTR_EXIT_USAGE;
    }
    uint64_t n = qtr_h5_count(f), ext[QTR_H5_NFILEPOOLS];
    qtr_h5_extent(f, ext);
    int results = qtr_h5_content_of(f) == QTR_H5_RESULTS;
    printf("%s: qtranspile-batch version 1, %s\n", path,
           results ? "results"
           : qtr_h5_storage_of(f) == QTR_H5_QASMTEXT ? "circuits as QASM text"
                                                     : "circuits as instruction records");
    printf("circuits: %llu\n", (unsigned long long)n);
    if (results) {
        qtr_h5_run r;
        qtr_h5_run_of(f, &r);
        printf("run: input %s, target %s%s%s, -O %d, seed %llu", r.input, r.target,
               r.basis[0] ? ", basis " : "", r.basis, r.opt_level, (unsigned long long)r.seed);
        if (r.layout_trials) printf(", layout trials %u", r.layout_trials);
        if (r.swap_trials) printf(", swap trials %u", r.swap_trials);
        if (r.approx_degree != 1) printf(", approximation degree %.15g", r.approx_degree);
        putchar('\n');
    }
    if (sweep) {
        fflush(stdout);
        sweep_rc = qtr_cli_info_sweep(o);
    }
    int rc = sweep_rc;
    if (results || qtr_h5_storage_of(f) == QTR_H5_COLUMNS)
        printf("pools: %llu instruction records, %llu parameters, %llu operand words, "
               "%llu registers\n",
               (unsigned long long)ext[QTR_H5_POOL_INST], (unsigned long long)ext[QTR_H5_POOL_PARAMS],
               (unsigned long long)ext[QTR_H5_POOL_ARGS], (unsigned long long)ext[QTR_H5_POOL_REGS]);
    if (results) {
        uint64_t ok = 0, err = 0, pend = 0, sum[QTR_H5_NSTATS] = {0}, shown = 0;
        double secs = 0;
        qtr_h5_block b;
        qtr_h5_block_init(&b);
        for (uint64_t a = 0; a < n; a += WINDOW) {
            size_t len = n - a < WINDOW ? (size_t)(n - a) : WINDOW;
            qtr_h5_block_clear(&b);
            if (qtr_h5_read_rows(f, a, len, &b, &ctx)) {
                qtr_cli_say("%s", ctx.msg);
                rc = QTR_EXIT_USAGE;
                break;
            }
            for (size_t k = 0; k < b.n; k++) {
                const qtr_h5_row *r = &b.row[k];
                if (r->status == QTR_H5_OK) ok++;
                else if (r->status == QTR_H5_PENDING) pend++;
                else {
                    err++;
                    if (shown++ < 5)
                        printf("  failed: circuit %llu (%s): %s\n", (unsigned long long)r->index,
                               r->name, qtr_h5_block_message(&b, k));
                }
                if (r->status == QTR_H5_OK)
                    for (int s = 0; s < QTR_H5_NSTATS; s++) sum[s] += r->stats[s];
                secs += r->seconds;
            }
        }
        qtr_h5_block_fini(&b);
        printf("status: %llu ok, %llu failed, %llu pending\n", (unsigned long long)ok,
               (unsigned long long)err, (unsigned long long)pend);
        /* pending rows: a run that was stopped, killed or is still going */
        if (pend && rc == QTR_EXIT_OK)
            printf("unfinished: %llu of %llu circuits pending (the run was interrupted, or is "
                   "still running); the same batch command with --resume %stranspiles them%s\n",
                   (unsigned long long)pend, (unsigned long long)n,
                   qtr_h5_interrupted(path) ? "first undoes the round cut short, then " : "",
                   ok + err ? ", keeping the circuits done" : "");
        if (ok)
            printf("totals over ok circuits: 2q gates %llu -> %llu, swaps %llu, depth %llu -> "
                   "%llu, %.3f s\n",
                   (unsigned long long)sum[QTR_H5_STAT_N2Q_IN],
                   (unsigned long long)sum[QTR_H5_STAT_N2Q],
                   (unsigned long long)sum[QTR_H5_STAT_SWAPS],
                   (unsigned long long)sum[QTR_H5_STAT_DEPTH_IN],
                   (unsigned long long)sum[QTR_H5_STAT_DEPTH], secs);
    }
    qtr_h5_close(f, &ctx);
    return rc;
}

