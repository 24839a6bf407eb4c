/* cli_pack.c -- `qtranspile pack FILE.qasm... -o BATCH.h5`: circuits into
 * an HDF5 batch (doc/hdf5-format.md), parsed into instruction records or,
 * with --qasm, stored as texts. One process, no MPI; memory is bounded by a
 * window of rows. A failed pack removes its half-written batch.
 *
 * Owns: the file and block of the run. Messages go to stderr. */
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
#include "qtr_io.h"
#include "partition.h" /* mpi/: qtr_cost_estimate */

/* Rows per read or write window: bounds memory for batches of any size. */
#define WINDOW 256

/* "dir/qft_8.qasm" (or .qasm3) -> "qft_8" (at most the format's name length). */
static void circuit_name(const char *path, char *out, size_t len)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = strlen(b);
    if (n > 5 && !strcmp(b + n - 5, ".qasm")) n -= 5;
    else if (n > 6 && !strcmp(b + n - 6, ".qasm3")) n -= 6;
    if (n >= len) n = len - 1;
    memcpy(out, b, n);
    out[n] = '\0';
}

/* Whole file into memory (malloc'ed, NUL-terminated). */
static char *slurp(const char *path, size_t *len, qtr_ctx *ctx)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        qtr_fail(ctx, QTR_EIO, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) break;
    }
    int err = ferror(f);
    fclose(f);
    if (!buf || err) {
        free(buf);
        qtr_fail(ctx, buf ? QTR_EIO : QTR_ENOMEM, "%s: %s", path, buf ? "read error" : "out of memory");
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Cost of a QASM text without parsing it: its statements (';') and the
 * qubits its qreg declarations add up to. Good enough to balance ranks. */
static double text_cost(const char *t, size_t len)
{
    uint64_t stmts = 0, qubits = 0;
    for (size_t i = 0; i < len; i++) {
        if (t[i] == ';') stmts++;
        if (t[i] == 'q' && i + 4 < len && !strncmp(t + i, "qreg", 4) &&
            (i == 0 || t[i - 1] == '\n' || t[i - 1] == ' ' || t[i - 1] == ';')) {
            const char *br = memchr(t + i, '[', len - i > 256 ? 256 : len - i);
            if (br) qubits += strtoull(br + 1, NULL, 10);
        }
    }
    return qtr_cost_estimate(stmts, qubits > UINT32_MAX ? UINT32_MAX : (uint32_t)qubits);
}

int qtr_cli_pack(const qtr_cli_options *o)
{
    const char *out = o->output;
    int text = o->pack_text, nfiles = o->ninputs;
    char **files = o->inputs;
    if (!out || !out[0]) return qtr_cli_usage("pack: missing -o BATCH.h5");

    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_h5_file *f = NULL;
    qtr_h5_block b;
    qtr_h5_block_init(&b);
    int rc = QTR_EXIT_OK;
    uint64_t base[QTR_H5_NFILEPOOLS] = {0}, end[QTR_H5_NFILEPOOLS];
    if (qtr_h5_create(out, -1, QTR_H5_CIRCUITS, text ? QTR_H5_QASMTEXT : QTR_H5_COLUMNS,
                      (uint64_t)nfiles, NULL, &f, &ctx)) {
        qtr_cli_say("%s", ctx.msg);
        return QTR_EXIT_USAGE;
    }
    for (int first = 0; first < nfiles && rc == QTR_EXIT_OK; first += WINDOW) {
        qtr_h5_block_clear(&b);
        for (int i = first; i < nfiles && i < first + WINDOW; i++) {
            char name[QTR_H5_NAME_LEN + 1];
            circuit_name(files[i], name, sizeof name);
            qtr_status st;
            if (text) {
                size_t len = 0;
                char *t = slurp(files[i], &len, &ctx);
                st = t ? qtr_h5_block_add_text(&b, (uint64_t)i, t, len, name, text_cost(t, len), &ctx)
                       : QTR_EIO;
                free(t);
            } else {
                qtr_circuit *c = NULL;
                st = qtr_qasm_read_file(files[i], &c, &ctx);
                if (!st) st = qtr_h5_block_add_circuit(&b, (uint64_t)i, c, name, &ctx);
                if (!st) b.row[b.n - 1].cost = qtr_cost_estimate(c->ninst, c->nqubits);
                qtr_circuit_free(c);
            }
            if (st) {
                qtr_cli_say("%s", ctx.msg);
                if (!text && st == QTR_EPARSE)
                    qtr_cli_say("pack: use --qasm to store texts unparsed (errors then show per circuit)");
                rc = QTR_EXIT_USAGE;
                break;
            }
        }
        if (rc) break;
        qtr_h5_block_place(&b, base, end);
        if ((!text && qtr_h5_grow(f, end, &ctx)) || qtr_h5_write_block(f, &b, -1, &ctx)) {
            qtr_cli_say("%s", ctx.msg);
            rc = QTR_EXIT_USAGE;
        }
        memcpy(base, end, sizeof base);
    }
    qtr_h5_block_fini(&b);
    if (qtr_h5_close(f, &ctx) && rc == QTR_EXIT_OK) {
        qtr_cli_say("%s", ctx.msg);
        rc = QTR_EXIT_USAGE;
    }
    if (rc != QTR_EXIT_OK) unlink(out);  /* no plausible-looking half batch */
    else fprintf(stderr, QTR_PROG ": %s: %d circuits (%s)\n", out, nfiles,
                 text ? "QASM text" : "instruction records");
    return rc;
}

