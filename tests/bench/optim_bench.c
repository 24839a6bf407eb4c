/* optim_bench.c -- seconds spent by the passes beyond Qiskit's on whole
 * circuits: relative-phase Toffoli pairs (on the circuit as read), then
 * phase folding and star ladders (after unroll3q, as the pipeline runs
 * them), best of -r runs each; prints one line per file with the records
 * before and after each pass. Run on demand (tests/bench/README.md).
 *
 * usage: optim_bench_bin [-r repeat] TARGET FILE...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "pass.h"
#include "qtr_io.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef qtr_status (*pass_fn)(qtr_circuit *, const qtr_target *, qtr_ctx *);

/* Best time of @p repeat runs of @p pass on copies of @p c; the last copy's
 * record count in *after. */
static double time_pass(pass_fn pass, const qtr_circuit *c, const qtr_target *t, int repeat,
                        size_t *after, qtr_ctx *ctx)
{
    double best = 1e300;
    for (int k = 0; k < repeat; k++) {
        qtr_circuit *x = NULL;
        if (qtr_circuit_clone(c, &x, ctx)) return -1;
        double t0 = now();
        qtr_status st = pass(x, t, ctx);
        double dt = now() - t0;
        *after = x->ninst;
        qtr_circuit_free(x);
        if (st) return -1;
        if (dt < best) best = dt;
    }
    return best;
}

int main(int argc, char **argv)
{
    int repeat = 3, opt;
    while ((opt = getopt(argc, argv, "r:")) != -1) {
        if (opt == 'r') repeat = atoi(optarg) > 0 ? atoi(optarg) : 1;
        else {
            fprintf(stderr, "usage: optim_bench_bin [-r repeat] TARGET FILE...\n");
            return 2;
        }
    }
    if (argc - optind < 2) {
        fprintf(stderr, "usage: optim_bench_bin [-r repeat] TARGET FILE...\n");
        return 2;
    }
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_target *t = NULL;
    if (qtr_target_load(argv[optind], &t, &ctx)) {
        fprintf(stderr, "optim_bench: %s\n", qtr_ctx_message(&ctx));
        return 1;
    }
    int bad = 0;
    printf("# file records rtof_s rtof_records unrolled fold_s fold_records star_s star_records\n");
    for (int i = optind + 1; i < argc; i++) {
        qtr_circuit *c = NULL;
        size_t r1 = 0, r2 = 0, r3 = 0;
        double s1 = -1, s2 = -1, s3 = -1;
        size_t n0 = 0, nu = 0;
        if (!qtr_qasm_read_file(argv[i], &c, &ctx)) {
            n0 = c->ninst;
            s1 = time_pass(qtr_pass_rtof_pairs, c, t, repeat, &r1, &ctx);
            if (s1 >= 0 && !qtr_pass_unroll3q(c, t, &ctx)) {
                nu = c->ninst;
                s2 = time_pass(qtr_pass_phase_fold, c, t, repeat, &r2, &ctx);
                s3 = time_pass(qtr_pass_star_ladder, c, t, repeat, &r3, &ctx);
            }
        }
        if (s1 < 0 || s2 < 0 || s3 < 0) {
            printf("%s ERROR %s\n", argv[i], qtr_ctx_message(&ctx));
            bad = 1;
        } else {
            printf("%s %zu %.5f %zu %zu %.5f %zu %.5f %zu\n", argv[i], n0, s1, r1, nu, s2, r2, s3, r3);
        }
        fflush(stdout);
        qtr_circuit_free(c);
    }
    qtr_target_free(t);
    return bad;
}
