/* cli_output.c -- output files replaced by rename (see cli_output.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_output.h"

int qtr_cli_out_begin(qtr_cli_out *o, const char *path)
{
    o->final = path;
    o->tmp = NULL;
    if (!strcmp(path, "-")) return 0;
    /* only a regular file (or a new one) is replaced by rename: a device such
     * as /dev/null or a FIFO is written directly, never renamed over */
    struct stat s;
    if (!stat(path, &s) && !S_ISREG(s.st_mode)) return 0;
    size_t n = strlen(path) + 32;
    if (!(o->tmp = malloc(n))) return -1;
    snprintf(o->tmp, n, "%s.tmp.%ld", path, (long)getpid());
    return 0;
}

const char *qtr_cli_out_path(const qtr_cli_out *o) { return o->tmp ? o->tmp : o->final; }

qtr_status qtr_cli_out_writer(const qtr_cli_out *o, qtr_qasm_writer **w, qtr_ctx *ctx)
{
    return qtr_qasm_writer_open_as(w, qtr_cli_out_path(o), o->final, ctx);
}

int qtr_cli_out_end(qtr_cli_out *o, int ok)
{
    int rc = 0;
    if (o->tmp) {
        if (ok && rename(o->tmp, o->final)) {
            fprintf(stderr, "qtranspile: %s: cannot rename into place: ", o->final);
            perror(NULL);
            rc = -1;
        }
        if (!ok || rc) unlink(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
    }
    return rc;
}

/* "// initial_layout: [p0, p1, ...]" -- the same lists as --stats. */
qtr_status qtr_cli_layout_comment(qtr_qasm_writer *w, const char *key, const uint32_t *v,
                                  uint32_t n, qtr_ctx *ctx)
{
    size_t cap = strlen(key) + 16 + (size_t)n * 12;
    char *s = malloc(cap);
    if (!s) return qtr_fail(ctx, QTR_ENOMEM, "layout comment");
    size_t len = (size_t)snprintf(s, cap, "%s: [", key);
    for (uint32_t i = 0; i < n; i++) len += (size_t)snprintf(s + len, cap - len, "%s%u", i ? ", " : "", v[i]);
    snprintf(s + len, cap - len, "]");
    qtr_status st = qtr_qasm_writer_comment(w, s, ctx);
    free(s);
    return st;
}
