/* kak_bench.c -- time two-qubit synthesis (src/synth_kak.c).
 *
 * Usage: tests/bench/kak_bench_bin [count]   (built by make; default 100000)
 * Builds `count` Haar-random 4×4 unitaries first (Gram-Schmidt of a complex
 * Gaussian matrix, seed 1, so every run uses the same matrices), then times
 * one pass over them for: the Weyl decomposition alone (qtr_kak_decompose);
 * synthesis to matrices (qtr_kak_synth) with cx; and synthesis plus gate
 * expansion (qtr_kak_gates, ZSXX Euler basis) with cx, cz and ecr. Prints
 * microseconds per unitary (wall clock and process CPU time, the steadier on
 * a shared machine), the mean gate count and the worst reconstruction error
 * of the decomposition. Not part of `make check`.
 * Owns the matrix array; frees it on exit. */
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mat2.h"
#include "pass.h"
#include "qtr.h"

typedef double complex cplx;

static double now_s(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static cplx gauss(qtr_ctx *ctx)
{
    double u1 = 1.0 - qtr_rng_uniform(ctx), u2 = qtr_rng_uniform(ctx);
    double r = sqrt(-2 * log(u1));
    return CMPLX(r * cos(2 * QTR_PI * u2), r * sin(2 * QTR_PI * u2));
}

static void haar4(qtr_ctx *ctx, double out[32])
{
    cplx z[16];
    for (int i = 0; i < 16; i++) z[i] = gauss(ctx);
    for (int j = 0; j < 4; j++) {
        for (int k = 0; k < j; k++) {
            cplx d = 0;
            for (int i = 0; i < 4; i++) d += conj(z[4 * i + k]) * z[4 * i + j];
            for (int i = 0; i < 4; i++) z[4 * i + j] -= d * z[4 * i + k];
        }
        double n = 0;
        for (int i = 0; i < 4; i++) n += creal(z[4 * i + j] * conj(z[4 * i + j]));
        for (int i = 0; i < 4; i++) z[4 * i + j] /= sqrt(n);
    }
    for (int i = 0; i < 16; i++) {
        out[2 * i] = creal(z[i]);
        out[2 * i + 1] = cimag(z[i]);
    }
}

/* |u − e^{iφ} (k1[1]⊗k1[0]) Can (k2[1]⊗k2[0])| max entry, Can through its
 * three commuting factors cos θ + i sin θ PP. */
static double kak_error(const double u[32], const qtr_kak *k)
{
    static const cplx pauli[3][4] = {{0, 1, 1, 0}, {0, -I, I, 0}, {1, 0, 0, -1}};
    double th[3] = {k->a, k->b, k->c};
    cplx can[16] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}, t[16];
    for (int f = 0; f < 3; f++) {
        cplx e[16];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
                e[4 * i + j] = I * sin(th[f]) * pauli[f][2 * (i >> 1) + (j >> 1)] *
                                   pauli[f][2 * (i & 1) + (j & 1)] +
                               (i == j ? cos(th[f]) : 0);
        for (int i = 0; i < 16; i++) {
            t[i] = 0;
            for (int x = 0; x < 4; x++) t[i] += e[4 * (i / 4) + x] * can[4 * x + i % 4];
        }
        memcpy(can, t, sizeof t);
    }
    cplx k1[16], k2[16];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            int a = 2 * (2 * (i >> 1) + (j >> 1)), b = 2 * (2 * (i & 1) + (j & 1));
            k1[4 * i + j] = CMPLX(k->k1[1][a], k->k1[1][a + 1]) * CMPLX(k->k1[0][b], k->k1[0][b + 1]);
            k2[4 * i + j] = CMPLX(k->k2[1][a], k->k2[1][a + 1]) * CMPLX(k->k2[0][b], k->k2[0][b + 1]);
        }
    double worst = 0;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            cplx s = 0;
            for (int x = 0; x < 4; x++)
                for (int y = 0; y < 4; y++) s += k1[4 * i + x] * can[4 * x + y] * k2[4 * y + j];
            s *= cexp(I * k->phase);
            double d = cabs(s - CMPLX(u[2 * (4 * i + j)], u[2 * (4 * i + j) + 1]));
            if (d > worst) worst = d;
        }
    return worst;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
    if (n <= 0) {
        fprintf(stderr, "usage: %s [count > 0]\n", argv[0]);
        return 2;
    }
    double *mats = malloc((size_t)n * 32 * sizeof *mats);
    if (!mats) {
        fprintf(stderr, "out of memory for %ld matrices\n", n);
        return 1;
    }
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 1);
    for (long i = 0; i < n; i++) haar4(&ctx, mats + 32 * i);

    printf("%ld Haar-random 4x4 unitaries\n", n);
    printf("%-26s %10s %10s %10s %12s\n", "what", "wall us", "cpu us", "gates/avg", "worst err");

    /* decomposition only */
    double worst = 0, t0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
    double sum = 0;
    for (long i = 0; i < n; i++) {
        qtr_kak k;
        if (qtr_kak_decompose(mats + 32 * i, &k, &ctx) != QTR_OK) {
            fprintf(stderr, "matrix %ld: %s\n", i, ctx.msg);
            free(mats);
            return 1;
        }
        sum += k.a + k.b + k.c;
    }
    double dt = now_s(CLOCK_MONOTONIC) - t0, dc = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    for (long i = 0; i < n && i < 10000; i++) { /* accuracy, outside the timing */
        qtr_kak k;
        qtr_kak_decompose(mats + 32 * i, &k, &ctx);
        double e = kak_error(mats + 32 * i, &k);
        if (e > worst) worst = e;
    }
    printf("%-26s %10.2f %10.2f %10s %12.3g   (checksum %.6f)\n", "kak_decompose", 1e6 * dt / n,
           1e6 * dc / n, "-", worst, sum);

    static const qtr_op bases[] = {QTR_OP_CX, QTR_OP_CZ, QTR_OP_ECR};
    for (int pass = 0; pass < 4; pass++) {
        qtr_op op = bases[pass == 0 ? 0 : pass - 1];
        int expand = pass > 0;
        qtr_kak_basis kb;
        if (qtr_kak_basis_init(&kb, op, &ctx) != QTR_OK) {
            fprintf(stderr, "%s\n", ctx.msg);
            free(mats);
            return 1;
        }
        long gates = 0;
        sum = 0;
        t0 = now_s(CLOCK_MONOTONIC);
        c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
        for (long i = 0; i < n; i++) {
            qtr_kak_synthesis s;
            if (qtr_kak_synth(mats + 32 * i, &kb, 1.0, &s, &ctx) != QTR_OK) {
                fprintf(stderr, "matrix %ld: %s\n", i, ctx.msg);
                free(mats);
                return 1;
            }
            sum += s.phase;
            if (expand) {
                qtr_kak_gate g[QTR_KAK_MAX_GATES];
                double ph;
                int m = qtr_kak_gates(&s, &kb, QTR_EULER_ZSXX, g, QTR_KAK_MAX_GATES, &ph);
                gates += m;
                sum += ph;
            }
        }
        dt = now_s(CLOCK_MONOTONIC) - t0;
        dc = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
        char label[64];
        snprintf(label, sizeof label, "%s %s", expand ? "synth+gates" : "synth (matrices)",
                 qtr_gate(op)->name);
        char avg[32] = "-";
        if (expand) snprintf(avg, sizeof avg, "%.2f", (double)gates / (double)n);
        printf("%-26s %10.2f %10.2f %10s %12s   (checksum %.6f)\n", label, 1e6 * dt / n,
               1e6 * dc / n, avg, "-", sum);
    }
    free(mats);
    return 0;
}
