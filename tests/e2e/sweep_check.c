/* sweep_check.c -- tests/e2e/sweep.sh's judge: every value row of a sweep
 * results file, checked by simulation against the input template bound to
 * the same values (the project's simulator, with the layout and output
 * permutation), and for conformity to the target.
 *
 *   sweep_check RESULTS.h5 TARGET
 *
 * Rows come from the results' records (--bind, --per-instance runs) or,
 * for a transpile-once run, from binding the transpiled template here.
 * Prints "checked N rows" and exits 0 when all pass, 1 otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5_store.h"
#include "h5_sweep.h"
#include "qtr_io.h"
#include "sim.h"

static int check_one(const qtr_circuit *in, const qtr_circuit *out, const uint32_t *l0,
                     const uint32_t *l1, const qtr_target *t, const char *what)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 1);
    qtr_status st = qtr_target_check_circuit(t, out, &ctx);
    if (!st) st = qtr_sim_compare(in, out, l0, l1, 1e-6, QTR_SIM_MEASURE_PHASES, &ctx);
    if (st) fprintf(stderr, "sweep_check: %s: %s\n", what, qtr_ctx_message(&ctx));
    return st ? 1 : 0;
}

static qtr_circuit *parse(const char *text, const char *name)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_circuit *c = NULL;
    if (qtr_qasm_read_mem(text, strlen(text), name, &c, &ctx)) {
        fprintf(stderr, "sweep_check: %s\n", qtr_ctx_message(&ctx));
        return NULL;
    }
    return c;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: sweep_check RESULTS.h5 TARGET\n");
        return 2;
    }
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_sweep s;
    qtr_target *tg = NULL;
    if (qtr_h5_sweep_read(argv[1], &s, &ctx) || !s.out || qtr_target_load(argv[2], &tg, &ctx)) {
        fprintf(stderr, "sweep_check: %s\n", s.out || ctx.msg[0] ? qtr_ctx_message(&ctx) : "not results");
        return 2;
    }
    size_t T = s.n;
    qtr_circuit **in = calloc(T + 1, sizeof *in), **tr = calloc(T + 1, sizeof *tr);
    int bad = 0;
    uint64_t checked = 0;
    for (size_t t = 0; t < T; t++) {
        in[t] = parse(s.t[t].text, s.t[t].name);
        if (!in[t]) bad++;
        if (s.mode != QTR_SWEEP_PER_INSTANCE && s.out[t].status == QTR_H5_OK &&
            !(tr[t] = parse(s.out[t].qasm, s.t[t].name)))
            bad++;
    }
    qtr_circuit *bi = NULL, *bo = NULL;
    char what[160];
    if (s.mode == QTR_SWEEP_ONCE) {
        for (size_t t = 0; t < T && !bad; t++)
            for (uint64_t r = 0; r < s.t[t].nrows && tr[t]; r++) {
                const double *v = s.t[t].values + r * s.t[t].nparams;
                snprintf(what, sizeof what, "%s row %llu", s.t[t].name, (unsigned long long)r);
                if (qtr_circuit_bind(in[t], v, s.t[t].nparams, &bi, &ctx) ||
                    qtr_circuit_bind(tr[t], v, s.t[t].nparams, &bo, &ctx)) {
                    fprintf(stderr, "sweep_check: %s: %s\n", what, qtr_ctx_message(&ctx));
                    bad++;
                    continue;
                }
                bad += check_one(bi, bo, s.out[t].initial_layout, s.out[t].output_permutation, tg, what);
                checked++;
            }
    } else {
        qtr_h5_file *f = NULL;
        if (qtr_h5_open(argv[1], &f, &ctx)) {
            fprintf(stderr, "sweep_check: %s\n", qtr_ctx_message(&ctx));
            return 2;
        }
        qtr_h5_block b;
        qtr_h5_block_init(&b);
        uint64_t n = qtr_h5_count(f);
        if (n != qtr_sweep_rows(&s)) {
            fprintf(stderr, "sweep_check: %llu result rows for %llu value rows\n",
                    (unsigned long long)n, (unsigned long long)qtr_sweep_rows(&s));
            bad++;
        }
        if (qtr_h5_read_rows(f, 0, (size_t)n, &b, &ctx)) {
            fprintf(stderr, "sweep_check: %s\n", qtr_ctx_message(&ctx));
            return 2;
        }
        for (size_t k = 0; k < b.n; k++) {
            uint64_t local;
            size_t t = qtr_sweep_locate(&s, b.row[k].index, &local);
            snprintf(what, sizeof what, "%s row %llu", s.t[t].name, (unsigned long long)local);
            qtr_circuit *out = NULL;
            if (b.row[k].status != QTR_H5_OK || qtr_h5_block_circuit(&b, k, qtr_h5_opmap(f), &out, &ctx) ||
                qtr_circuit_bind(in[t], s.t[t].values + local * s.t[t].nparams, s.t[t].nparams, &bi,
                                 &ctx)) {
                fprintf(stderr, "sweep_check: %s: not ok: %s %s\n", what,
                        qtr_h5_block_message(&b, k), qtr_ctx_message(&ctx));
                bad++;
                qtr_circuit_free(out);
                continue;
            }
            bad += check_one(bi, out, qtr_h5_block_initial_layout(&b, k),
                             qtr_h5_block_output_permutation(&b, k), tg, what);
            checked++;
            qtr_circuit_free(out);
        }
        qtr_h5_block_fini(&b);
        qtr_h5_close(f, &ctx);
    }
    printf("checked %llu rows, %d failed\n", (unsigned long long)checked, bad);
    for (size_t t = 0; t < T; t++) {
        qtr_circuit_free(in[t]);
        qtr_circuit_free(tr[t]);
    }
    free(in);
    free(tr);
    qtr_circuit_free(bi);
    qtr_circuit_free(bo);
    qtr_target_free(tg);
    qtr_sweep_free(&s);
    return bad ? 1 : 0;
}
