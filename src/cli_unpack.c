/* cli_unpack.c -- `qtranspile unpack FILE.h5 -o DIR`: each circuit of a
 * batch, or each result of a results file, to DIR/NAME.qasm under a name
 * made safe and unique. Failed and unfinished rows are listed, not written.
 * One process, no MPI; memory is bounded by a window of rows.
 *
 * Owns: the file, block and the set of names written. */
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

/* A set of file names already written (open addressing, FNV-1a). */
typedef struct {
    char  **slot;
    size_t  cap, n;
} name_set;

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* 1 if added, 0 if present, -1 out of memory. */
static int name_add(name_set *ns, const char *s)
{
    if (2 * (ns->n + 1) > ns->cap) {
        size_t cap = ns->cap ? 2 * ns->cap : 1024;
        char **slot = calloc(cap, sizeof *slot);
        if (!slot) return -1;
        for (size_t i = 0; i < ns->cap; i++)
            if (ns->slot[i]) {
                size_t j = fnv(ns->slot[i]) & (cap - 1);
                while (slot[j]) j = (j + 1) & (cap - 1);
                slot[j] = ns->slot[i];
            }
        free(ns->slot);
        ns->slot = slot;
        ns->cap = cap;
    }
    size_t j = fnv(s) & (ns->cap - 1);
    for (; ns->slot[j]; j = (j + 1) & (ns->cap - 1))
        if (!strcmp(ns->slot[j], s)) return 0;
    if (!(ns->slot[j] = strdup(s))) return -1;
    ns->n++;
    return 1;
}

static void name_set_free(name_set *ns)
{
    for (size_t i = 0; i < ns->cap; i++) free(ns->slot[i]);
    free(ns->slot);
}

/* A file name for row @p i: its circuit name made safe (no '/', no leading
 * '.', printable ASCII), "circuit_<i>" when empty, "_<i>" appended when an
 * earlier row took the name. */
static int file_name(name_set *ns, const char *name, uint64_t i, char *out, size_t len)
{
    char safe[QTR_H5_NAME_LEN + 1];
    size_t k = 0;
    for (const char *p = name; *p && k < sizeof safe - 1; p++) {
        unsigned char ch = (unsigned char)*p;
        int bad = ch < 0x21 || ch > 0x7e || ch == '/' || (k == 0 && ch == '.');
        safe[k++] = bad ? '_' : (char)ch;
    }
    safe[k] = '\0';
    if (!k) snprintf(out, len, "circuit_%06llu", (unsigned long long)i);
    else snprintf(out, len, "%s", safe);
    int r = name_add(ns, out);
    if (r == 0) {
        size_t l = strlen(out);
        snprintf(out + l, len - l, "_%llu", (unsigned long long)i);
        r = name_add(ns, out);
    }
    return r < 0 ? -1 : 0;
}

static int write_text(const char *path, const char *t, size_t len, qtr_ctx *ctx)
{
    FILE *f = fopen(path, "wb");
    if (!f) return qtr_fail(ctx, QTR_EIO, "%s: %s", path, strerror(errno)), -1;
    int bad = fwrite(t, 1, len, f) != len;
    bad |= fclose(f) != 0;
    if (bad) return qtr_fail(ctx, QTR_EIO, "%s: write error", path), -1;
    return 0;
}

int qtr_cli_unpack(const qtr_cli_options *o)
{
    const char *dir = o->output, *path = o->input;
    if (!dir || !dir[0]) return qtr_cli_usage("unpack: missing -o DIR");
    if (qtr_h5_is_sweep(path)) return qtr_cli_unpack_sweep(o);
    if (o->bind_rows) return qtr_cli_usage("unpack: --bind is for sweeps; %s is not one", path);
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_h5_file *f = NULL;
    if (qtr_h5_open(path, &f, &ctx)) {
        qtr_cli_say("%s", ctx.msg);
        return QTR_EXIT_USAGE;
    }
    if (mkdir(dir, 0777) && errno != EEXIST) {
        qtr_cli_say("%s: %s", dir, strerror(errno));
        qtr_h5_close(f, &ctx);
        return QTR_EXIT_USAGE;
    }
    int results = qtr_h5_content_of(f) == QTR_H5_RESULTS;
    uint64_t n = qtr_h5_count(f), written = 0, failed = 0, pending = 0, bad = 0;
    qtr_h5_block b;
    qtr_h5_block_init(&b);
    name_set ns = {0};
    int rc = QTR_EXIT_OK;
    size_t dlen = strlen(dir), plen = dlen + QTR_H5_NAME_LEN + 40;
    char *fpath = malloc(plen), *fname = malloc(QTR_H5_NAME_LEN + 32);
    if (!fpath || !fname) rc = QTR_EXIT_USAGE;
    for (uint64_t a = 0; a < n && rc == QTR_EXIT_OK; a += WINDOW) {
        size_t len = n - a < WINDOW ? (size_t)(n - a) : WINDOW;
        qtr_h5_block_clear(&b);
        if (qtr_h5_read_rows(f, a, len, &b, &ctx)) {
            qtr_cli_say("%s", ctx.msg);
            rc = QTR_EXIT_USAGE;
            break;
        }
        for (size_t k = 0; k < b.n && rc == QTR_EXIT_OK; k++) {
            const qtr_h5_row *r = &b.row[k];
            if (results && r->status != QTR_H5_OK) {
                if (r->status == QTR_H5_PENDING) pending++;
                else {
                    failed++;
                    fprintf(stderr, QTR_PROG ": circuit %llu (%s): failed: %s\n",
                            (unsigned long long)r->index, r->name, qtr_h5_block_message(&b, k));
                }
                continue;
            }
            if (file_name(&ns, r->name, r->index, fname, QTR_H5_NAME_LEN + 32)) {
                rc = QTR_EXIT_USAGE;
                break;
            }
            /* "out/" names files out/NAME.qasm, not out//NAME.qasm */
            snprintf(fpath, plen, "%s%s%s.qasm", dir, dlen && dir[dlen - 1] == '/' ? "" : "/",
                     fname);
            int err;
            if (qtr_h5_storage_of(f) == QTR_H5_QASMTEXT) {
                /* a text the reader could not take from the file: not written */
                err = r->defect ? (int)qtr_fail(&ctx, QTR_EPARSE, "%s", qtr_h5_block_defect(&b, k))
                                : write_text(fpath, qtr_h5_block_text(&b, k),
                                             r->count[QTR_H5_POOL_TEXT], &ctx);
            } else {
                qtr_circuit *c = NULL;
                err = qtr_h5_block_circuit(&b, k, qtr_h5_opmap(f), &c, &ctx) ||
                      qtr_qasm_write_file_format(c, fpath, qtr_cli_out_version(o, NULL, 2),
                                                 o->physical ? QTR_QASM_PHYSICAL : 0, &ctx);
                qtr_circuit_free(c);
            }
            if (err) {
                qtr_cli_say("%s", ctx.msg);
                bad++;
                continue;
            }
            written++;
        }
    }
    if (rc == QTR_EXIT_OK) {
        fprintf(stderr, QTR_PROG ": %s: %llu circuits written to %s%s", path,
                (unsigned long long)written, dir, dlen && dir[dlen - 1] == '/' ? "" : "/");
        if (failed) fprintf(stderr, ", %llu failed", (unsigned long long)failed);
        if (pending) fprintf(stderr, ", %llu not done yet", (unsigned long long)pending);
        if (bad) fprintf(stderr, ", %llu could not be written", (unsigned long long)bad);
        fputc('\n', stderr);
        if (failed || pending || bad) rc = QTR_EXIT_FAILED;
    }
    free(fpath);
    free(fname);
    name_set_free(&ns);
    qtr_h5_block_fini(&b);
    qtr_h5_close(f, &ctx);
    return rc;
}

