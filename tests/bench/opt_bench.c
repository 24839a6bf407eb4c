/* opt_bench.c -- figures for the optimisation stage: reads QASM files,
 * translates them for an all-to-all target with the given basis (unroll3q +
 * basis translation, no routing needed), then runs, as Qiskit's init and
 * optimisation stages do, unroll3q + qtr_optimize_init + translation +
 * qtr_optimize_loop at levels 1-3 and prints gate counts, 2q counts, depth
 * and seconds per level. Not a test; a noinst program.
 *
 * usage: opt_bench_bin BASIS FILE.qasm...    e.g. cz,rz,sx,x feynman/adder_8.qasm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pass.h"
#include "qtr.h"
#include "qtr_io.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int translate(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx)
{
    return qtr_pass_unroll3q(c, t, ctx) || qtr_pass_basis(c, t, ctx);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s BASIS FILE.qasm...\n", argv[0]);
        return 2;
    }
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 1);
    printf("%-28s %5s | %8s %7s %7s | level: size 2q depth seconds (init+translate+loop)\n",
           "circuit", "n", "size", "2q", "depth");
    for (int f = 2; f < argc; f++) {
        qtr_circuit *in = NULL;
        qtr_target *t = NULL;
        char spec[32];
        if (qtr_qasm_read_file(argv[f], &in, &ctx)) {
            fprintf(stderr, "%s: %s\n", argv[f], qtr_ctx_message(&ctx));
            continue;
        }
        snprintf(spec, sizeof spec, "all:%u", in->nqubits < 2 ? 2 : in->nqubits);
        if (qtr_target_load(spec, &t, &ctx) || qtr_target_set_basis(t, argv[1], &ctx)) {
            fprintf(stderr, "%s: %s\n", spec, qtr_ctx_message(&ctx));
            return 1;
        }
        const char *name = strrchr(argv[f], '/') ? strrchr(argv[f], '/') + 1 : argv[f];
        qtr_circuit *base = NULL;
        qtr_stats s;
        if (qtr_circuit_clone(in, &base, &ctx) || translate(base, t, &ctx) ||
            qtr_circuit_stats(base, &s, &ctx)) {
            fprintf(stderr, "%s: %s\n", name, qtr_ctx_message(&ctx));
            goto next;
        }
        printf("%-28s %5u | %8llu %7llu %7llu |", name, in->nqubits, (unsigned long long)s.size,
               (unsigned long long)s.n2q, (unsigned long long)s.depth);
        for (int level = 1; level <= 3; level++) {
            qtr_circuit *c = NULL;
            double t0 = now();
            uint32_t *perm = calloc(in->nqubits + 1, sizeof *perm);
            if (qtr_circuit_clone(in, &c, &ctx) || qtr_pass_unroll3q(c, t, &ctx) ||
                qtr_optimize_init(c, t, level, perm, &ctx) || translate(c, t, &ctx) || qtr_optimize_loop(c, t, level, &ctx) ||
                qtr_circuit_stats(c, &s, &ctx)) {
                printf(" L%d: error %s", level, qtr_ctx_message(&ctx));
            } else {
                printf(" L%d: %llu %llu %llu %.3f", level, (unsigned long long)s.size,
                       (unsigned long long)s.n2q, (unsigned long long)s.depth, now() - t0);
            }
            free(perm);
            qtr_circuit_free(c);
        }
        printf("\n");
        fflush(stdout);
    next:
        qtr_circuit_free(base);
        qtr_circuit_free(in);
        qtr_target_free(t);
    }
    return 0;
}
