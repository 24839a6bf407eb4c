/* euler_bench.c -- time qtr_euler_synth per Euler basis.
 *
 * Usage: tests/bench/euler_bench_bin [count]   (built by make)   (default 1000000)
 * Builds `count` Haar-random 2×2 unitaries first (QR of a complex Gaussian
 * matrix, seed 1, so every run synthesises the same matrices), then times one
 * pass over them per basis and prints ns per synthesis (wall clock, and
 * process CPU time, which is steadier on a shared machine) and the mean gate
 * count.
 * Not part of `make check`'s TESTS. Owns the matrix array; frees it on exit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "mat2.h"
#include "pass.h"
#include "qtr.h"

static double now_s(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void normal2(qtr_ctx *ctx, double *re, double *im)
{
    double u1 = 1.0 - qtr_rng_uniform(ctx), u2 = qtr_rng_uniform(ctx);
    double r = sqrt(-2 * log(u1));
    *re = r * cos(2 * QTR_PI * u2);
    *im = r * sin(2 * QTR_PI * u2);
}

/* Gram-Schmidt on the columns of a complex Gaussian matrix (Mezzadri 2007). */
static void haar(qtr_ctx *ctx, double m[8])
{
    double z[8];
    for (int k = 0; k < 8; k += 2) normal2(ctx, &z[k], &z[k + 1]);
    /* column 0: entries 0 and 2 (indices 0-1, 4-5); column 1: 2-3, 6-7 */
    double n0 = sqrt(z[0] * z[0] + z[1] * z[1] + z[4] * z[4] + z[5] * z[5]);
    double a0 = z[0] / n0, b0 = z[1] / n0, a1 = z[4] / n0, b1 = z[5] / n0;
    /* dot = conj(q0) · c1 */
    double dre = a0 * z[2] + b0 * z[3] + a1 * z[6] + b1 * z[7];
    double dim = a0 * z[3] - b0 * z[2] + a1 * z[7] - b1 * z[6];
    double w0r = z[2] - (dre * a0 - dim * b0), w0i = z[3] - (dre * b0 + dim * a0);
    double w1r = z[6] - (dre * a1 - dim * b1), w1i = z[7] - (dre * b1 + dim * a1);
    double n1 = sqrt(w0r * w0r + w0i * w0i + w1r * w1r + w1i * w1i);
    m[0] = a0; m[1] = b0; m[2] = w0r / n1; m[3] = w0i / n1;
    m[4] = a1; m[5] = b1; m[6] = w1r / n1; m[7] = w1i / n1;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
    if (n <= 0) {
        fprintf(stderr, "usage: %s [count > 0]\n", argv[0]);
        return 2;
    }
    double *mats = malloc((size_t)n * 8 * sizeof *mats);
    if (!mats) {
        fprintf(stderr, "out of memory for %ld matrices\n", n);
        return 1;
    }
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 1);
    for (long i = 0; i < n; i++) haar(&ctx, mats + 8 * i);

    static const char *names[QTR_EULER_COUNT] = {"ZSX", "ZSXX", "U3", "U", "U321",
                                                 "ZYZ", "ZXZ", "XYX", "PSX"};
    printf("%-5s %10s %10s %10s %12s\n", "basis", "wall ns", "cpu ns", "gates/avg", "checksum");
    for (int b = 0; b < QTR_EULER_COUNT; b++) {
        qtr_gate1q g[QTR_EULER_MAX_GATES];
        double phase, sum = 0;
        long gates = 0;
        double t0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
        for (long i = 0; i < n; i++) {
            int k = qtr_euler_synth(mats + 8 * i, (qtr_euler_basis)b, g, QTR_EULER_MAX_GATES, &phase);
            gates += k;
            sum += phase + (k > 0 ? g[0].params[0] : 0); /* keep the work observable */
        }
        double dt = now_s(CLOCK_MONOTONIC) - t0, dc = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
        printf("%-5s %10.1f %10.1f %10.3f %12.4f\n", names[b], 1e9 * dt / (double)n,
               1e9 * dc / (double)n, (double)gates / (double)n, sum);
    }
    free(mats);
    return 0;
}
