/* device_bench.c -- transpile OpenQASM 2 files for a device target and print
 * one line per file: 2q gate count, 2q depth, swaps inserted, seconds spent
 * in qtr_transpile (best of --repeat runs), and the layout and routing
 * stages' share. Driven by tests/bench/device.sh; run on demand, never by
 * make check. With -c the seconds are the process's CPU time (all
 * threads), which a busy machine inflates far less than wall time.
 *
 * usage: device_bench_bin [-O level] [-s seed] [-r repeat] [-c] TARGET FILE...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "qtr.h"
#include "qtr_io.h"

static int cpu_time;   /* -c */

static double now(void)
{
    struct timespec ts;
    clock_gettime(cpu_time ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    qtr_options o;
    qtr_options_default(&o);
    int repeat = 1, opt;
    while ((opt = getopt(argc, argv, "O:s:r:c")) != -1) {
        if (opt == 'O') o.opt_level = atoi(optarg);
        else if (opt == 's') o.seed = strtoull(optarg, NULL, 10);
        else if (opt == 'r') repeat = atoi(optarg) > 0 ? atoi(optarg) : 1;
        else if (opt == 'c') cpu_time = 1;
        else {
            fprintf(stderr,
                    "usage: device_bench [-O level] [-s seed] [-r repeat] [-c] TARGET FILE...\n");
            return 2;
        }
    }
    if (argc - optind < 2) {
        fprintf(stderr,
                "usage: device_bench [-O level] [-s seed] [-r repeat] [-c] TARGET FILE...\n");
        return 2;
    }
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, o.seed);
    qtr_target *t = NULL;
    if (qtr_target_load(argv[optind], &t, &ctx)) {
        fprintf(stderr, "device_bench: %s\n", qtr_ctx_message(&ctx));
        return 1;
    }
    int bad = 0;
    printf("# file n2q depth2q swaps seconds layout_s routing_s\n");
    for (int i = optind + 1; i < argc; i++) {
        double best = 1e300;
        qtr_result r;
        memset(&r, 0, sizeof r);
        qtr_status st = QTR_OK;
        for (int k = 0; k < repeat && !st; k++) {
            qtr_circuit *c = NULL;
            if ((st = qtr_qasm_read_file(argv[i], &c, &ctx))) break;
            qtr_result_free(&r);
            double t0 = now();
            st = qtr_transpile(c, t, &o, &r, &ctx);
            double dt = now() - t0;
            if (dt < best) best = dt;
            qtr_circuit_free(c);
        }
        if (st) {
            printf("%s ERROR %s\n", argv[i], qtr_ctx_message(&ctx));
            bad = 1;
            continue;
        }
        printf("%s %llu %llu %llu %.5f %.5f %.5f\n", argv[i], (unsigned long long)r.out.n2q,
               (unsigned long long)r.out.depth_2q, (unsigned long long)r.swaps, best,
               r.seconds[QTR_STAGE_LAYOUT], r.seconds[QTR_STAGE_ROUTING]);
        fflush(stdout);
        qtr_result_free(&r);
    }
    qtr_target_free(t);
    return bad;
}
