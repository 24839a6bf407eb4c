/* bind_bench.c -- instructions bound per second by qtr_circuit_bind.
 *
 * Usage: tests/bench/bind_bench_bin [rows] [repeats]   (defaults 20000, 5)
 * Builds a transpiled-looking QAOA template (100 qubits, a random 3-regular-ish
 * graph, 3 layers: per edge cx·rz(w·γ_l)·cx, per qubit
 * rz(π/2)·sx·rz(2β_l + π)·sx·rz(π/2), 6 parameters), then binds `rows` random
 * value rows into one reused output circuit, `repeats` times, and prints the
 * instructions bound per second (process CPU time, steadier than wall time on
 * a shared machine) of each repeat and their median.
 * Not part of `make check`. Frees what it built. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qtr.h"

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void die(qtr_status st, qtr_ctx *ctx)
{
    if (!st) return;
    fprintf(stderr, "bind_bench: %s\n", qtr_ctx_message(ctx));
    exit(1);
}

static qtr_circuit *qaoa_template(qtr_ctx *ctx)
{
    enum { NQ = 100, LAYERS = 3, EDGES = 150 };
    qtr_circuit *c = qtr_circuit_new(0);
    die(qtr_circuit_add_qreg(c, "q", NQ, ctx), ctx);
    double gamma[LAYERS], beta[LAYERS];
    for (int l = 0; l < LAYERS; l++) {
        char name[16];
        snprintf(name, sizeof name, "gamma[%d]", l);
        die(qtr_circuit_param(c, name, &gamma[l], ctx), ctx);
        snprintf(name, sizeof name, "beta[%d]", l);
        die(qtr_circuit_param(c, name, &beta[l], ctx), ctx);
    }
    uint32_t edges[EDGES][2];
    for (int e = 0; e < EDGES; e++) {
        edges[e][0] = (uint32_t)(qtr_rng_next(ctx) % NQ);
        do edges[e][1] = (uint32_t)(qtr_rng_next(ctx) % NQ); while (edges[e][1] == edges[e][0]);
    }
    const double half_pi = 1.5707963267948966;
    for (int l = 0; l < LAYERS; l++) {
        double mixer;
        die(qtr_expr_affine(c, 3.141592653589793, (double[]){2}, &beta[l], 1, &mixer, ctx), ctx);
        for (int e = 0; e < EDGES; e++) {
            double w = 1 + (double)(e % 3), cost;
            die(qtr_expr_affine(c, 0, &w, &gamma[l], 1, &cost, ctx), ctx);
            die(qtr_circuit_append(c, QTR_OP_CX, edges[e], 2, NULL, ctx), ctx);
            die(qtr_circuit_append(c, QTR_OP_RZ, &edges[e][1], 1, &cost, ctx), ctx);
            die(qtr_circuit_append(c, QTR_OP_CX, edges[e], 2, NULL, ctx), ctx);
        }
        for (uint32_t q = 0; q < NQ; q++) {
            die(qtr_circuit_append(c, QTR_OP_RZ, &q, 1, &half_pi, ctx), ctx);
            die(qtr_circuit_append(c, QTR_OP_SX, &q, 1, NULL, ctx), ctx);
            die(qtr_circuit_append(c, QTR_OP_RZ, &q, 1, &mixer, ctx), ctx);
            die(qtr_circuit_append(c, QTR_OP_SX, &q, 1, NULL, ctx), ctx);
            die(qtr_circuit_append(c, QTR_OP_RZ, &q, 1, &half_pi, ctx), ctx);
        }
    }
    return c;
}

int main(int argc, char **argv)
{
    long rows = argc > 1 ? atol(argv[1]) : 20000, reps = argc > 2 ? atol(argv[2]) : 5;
    if (rows < 1 || reps < 1 || reps > 99) {
        fprintf(stderr, "usage: bind_bench_bin [rows >= 1] [repeats 1..99]\n");
        return 2;
    }
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 1);
    qtr_circuit *t = qaoa_template(&ctx);
    size_t np = t->npnames;
    double *values = malloc((size_t)rows * np * sizeof *values);
    if (!values) return 1;
    for (long i = 0; i < rows * (long)np; i++) values[i] = 6 * qtr_rng_uniform(&ctx) - 3;
    qtr_circuit *out = NULL;
    double rate[99], check = 0;
    for (long r = 0; r < reps; r++) {
        double t0 = cpu_s();
        for (long i = 0; i < rows; i++) {
            die(qtr_circuit_bind(t, values + i * np, np, &out, &ctx), &ctx);
            check += out->params[out->nparams - 2];
        }
        rate[r] = (double)rows * (double)t->ninst / (cpu_s() - t0);
        printf("repeat %ld: %.1f million instructions/s\n", r + 1, rate[r] / 1e6);
    }
    qsort(rate, (size_t)reps, sizeof *rate, cmp_double);
    printf("template: %zu instructions, %zu angles (%zu parameters); %ld rows per repeat\n",
           t->ninst, t->nparams, np, rows);
    printf("median: %.1f million instructions/s per core (%.0f rows/s)  [checksum %.3f]\n",
           rate[reps / 2] / 1e6, rate[reps / 2] / (double)t->ninst, check);
    qtr_circuit_free(out);
    qtr_circuit_free(t);
    free(values);
    return 0;
}
