/* conform_bench.c -- every circuit on every target at every level: transpile,
 * check the output conforms to the target (basis, coupling edges,
 * directions: qtr_target_check_circuit), and, when the input has at most
 * -q active qubits, check by simulation that it is equivalent to the input
 * under the reported layouts (qtr_sim_compare, phases of final measurement
 * outcomes allowed to differ, as --verify does). Driven by
 * tests/bench/conform.sh; run on demand, never by make check.
 *
 * One line per run, in input order:
 *   FILE TARGET LEVEL STATUS active n2q seconds [reason]
 * STATUS is one of
 *   verified     conforms, and equal by simulation
 *   conforms     conforms; not simulated (more than -q active qubits)
 *   unsimulated  conforms; the simulator cannot run it (reset, mid-circuit
 *                measurement, classical condition) -- the reason says which
 *   skipped      not a transpile failure: the circuit is wider than the
 *                target, or the file is not a circuit (unreadable, empty)
 *   FAIL         transpile error, output not conforming, or not equivalent
 * then the counts. Exit status 0 when nothing failed.
 *
 * Runs are independent, so they are spread over OpenMP threads (largest
 * files first); each qtr_transpile then runs its own trials serially
 * (nested parallelism is off), and the results do not depend on the thread
 * count. Seconds are wall time per run, so they grow with the load.
 *
 * usage: conform_bench_bin [-L levels] [-s seed] [-q max_active] TARGETS FILE...
 *   TARGETS comma-separated target names; -L e.g. 0123 (default); -q 12. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "qtr.h"
#include "qtr_io.h"
#include "sim.h"

enum { VERIFIED, CONFORMS, UNSIMULATED, SKIPPED, FAILED, NKINDS };
static const char *const kind_name[NKINDS] = {"verified", "conforms", "unsimulated", "skipped",
                                              "FAIL"};

typedef struct {
    const char *file;
    int         target, level;
    double      cost;        /* file size × level weight: largest first */
    int         kind;
    uint32_t    active;
    uint64_t    n2q;
    double      seconds;
    char        why[200];
} run;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Qubits touched by an instruction other than a barrier. */
static uint32_t active_qubits(const qtr_circuit *c)
{
    uint8_t *seen = calloc(c->nqubits ? c->nqubits : 1, 1);
    uint32_t n = 0;
    if (!seen) return c->nqubits;
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        if (in->op == QTR_OP_NOP || in->op == QTR_OP_BARRIER) continue;
        const uint32_t *q = qtr_inst_operands(c, in);
        uint32_t nq = in->op == QTR_OP_MEASURE ? 1 : in->nargs;
        for (uint32_t j = 0; j < nq; j++)
            if (!seen[q[j]]) seen[q[j]] = 1, n++;
    }
    free(seen);
    return n;
}

static void one(run *r, const qtr_target *t, uint64_t seed, uint32_t max_active)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, seed);
    qtr_circuit *c = NULL, *orig = NULL;
    qtr_result res;
    memset(&res, 0, sizeof res);
    qtr_status st = qtr_qasm_read_file(r->file, &c, &ctx);
    if (st) {
        r->kind = SKIPPED;
        snprintf(r->why, sizeof r->why, "unreadable: %s", qtr_ctx_message(&ctx));
        goto done;
    }
    r->active = active_qubits(c);
    if (c->nqubits > t->nqubits) {
        r->kind = SKIPPED;
        snprintf(r->why, sizeof r->why, "%u qubits, target %u", c->nqubits, t->nqubits);
        goto done;
    }
    int sim = r->active <= max_active;
    if (sim && (st = qtr_circuit_clone(c, &orig, &ctx))) {
        r->kind = FAILED;
        snprintf(r->why, sizeof r->why, "clone: %s", qtr_ctx_message(&ctx));
        goto done;
    }
    qtr_options o;
    qtr_options_default(&o);
    o.opt_level = r->level;
    o.seed = seed;
    double t0 = now();
    st = qtr_transpile(c, t, &o, &res, &ctx);
    r->seconds = now() - t0;
    if (st) {
        r->kind = FAILED;
        snprintf(r->why, sizeof r->why, "transpile: %s", qtr_ctx_message(&ctx));
        goto done;
    }
    r->n2q = res.out.n2q;
    /* checked here again, not trusted to the pipeline's own check */
    if ((st = qtr_target_check_circuit(t, c, &ctx))) {
        r->kind = FAILED;
        snprintf(r->why, sizeof r->why, "does not conform: %s", qtr_ctx_message(&ctx));
        goto done;
    }
    if (!sim) {
        r->kind = CONFORMS;
        goto done;
    }
    st = qtr_sim_compare(orig, c, res.initial_layout, res.output_permutation, 1e-6,
                         QTR_SIM_MEASURE_PHASES, &ctx);
    if (st == QTR_OK) {
        r->kind = VERIFIED;
    } else if (st == QTR_EUNSUPPORTED || st == QTR_ELIMIT) {
        r->kind = UNSIMULATED;
        snprintf(r->why, sizeof r->why, "%s", qtr_ctx_message(&ctx));
    } else {
        r->kind = FAILED;
        snprintf(r->why, sizeof r->why, "not equivalent: %s", qtr_ctx_message(&ctx));
    }
done:
    qtr_result_free(&res);
    qtr_circuit_free(c);
    qtr_circuit_free(orig);
}

static int by_cost_desc(const void *x, const void *y)
{
    const run *a = *(run *const *)x, *b = *(run *const *)y;
    if (a->cost != b->cost) return a->cost > b->cost ? -1 : 1;
    return a < b ? -1 : a > b;
}

static int usage(void)
{
    fprintf(stderr, "usage: conform_bench_bin [-L levels] [-s seed] [-q max_active] "
                    "TARGET[,TARGET...] FILE...\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *levels = "0123";
    uint64_t seed = 0;
    uint32_t max_active = 12;
    int opt;
    while ((opt = getopt(argc, argv, "L:s:q:")) != -1) {
        if (opt == 'L') levels = optarg;
        else if (opt == 's') seed = strtoull(optarg, NULL, 10);
        else if (opt == 'q') max_active = (uint32_t)strtoul(optarg, NULL, 10);
        else return usage();
    }
    if (argc - optind < 2 || !levels[0] || strspn(levels, "0123") != strlen(levels))
        return usage();
    /* targets */
    char *names = strdup(argv[optind]);
    qtr_target *targets[16];
    const char *tname[16];
    int nt = 0;
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, seed);
    for (char *s = strtok(names, ","); s; s = strtok(NULL, ",")) {
        if (nt == 16) return usage();
        if (qtr_target_load(s, &targets[nt], &ctx)) {
            fprintf(stderr, "conform_bench: %s\n", qtr_ctx_message(&ctx));
            return 1;
        }
        tname[nt++] = s;
    }
    int nf = argc - optind - 1, nl = (int)strlen(levels);
    size_t nr = (size_t)nf * nt * nl;
    run *runs = calloc(nr, sizeof *runs);
    run **order = malloc(nr * sizeof *order);
    if (!runs || !order) return 1;
    size_t k = 0;
    for (int f = 0; f < nf; f++) {
        struct stat sb;
        double size = stat(argv[optind + 1 + f], &sb) ? 0 : (double)sb.st_size;
        for (int ti = 0; ti < nt; ti++)
            for (int li = 0; li < nl; li++, k++) {
                runs[k].file = argv[optind + 1 + f];
                runs[k].target = ti;
                runs[k].level = levels[li] - '0';
                runs[k].cost = size * (1 + runs[k].level);
                order[k] = &runs[k];
            }
    }
    qsort(order, nr, sizeof *order, by_cost_desc);
    double t0 = now();
    size_t done = 0;
#pragma omp parallel for schedule(dynamic, 1)
    for (size_t i = 0; i < nr; i++) {
        run *r = order[i];
        one(r, targets[r->target], seed, max_active);
#pragma omp critical(conform_progress)
        {
            done++;
            if (r->kind == FAILED)
                fprintf(stderr, "FAIL %s %s -O %d: %s\n", r->file, tname[r->target], r->level,
                        r->why);
            if (done % 50 == 0)
                fprintf(stderr, "[%zu/%zu runs, %.0f s]\n", done, nr, now() - t0);
        }
    }
    size_t count[NKINDS] = {0};
    double total = 0;
    printf("# file target level status active n2q seconds [reason]\n");
    for (size_t i = 0; i < nr; i++) {
        run *r = &runs[i];
        count[r->kind]++;
        total += r->seconds;
        printf("%s %s %d %s %u %llu %.3f%s%s\n", r->file, tname[r->target], r->level,
               kind_name[r->kind], r->active, (unsigned long long)r->n2q, r->seconds,
               r->why[0] ? " " : "", r->why);
    }
    printf("\nruns %zu (%d files x %d targets x %d levels), wall %.1f s, transpile %.1f s\n", nr,
           nf, nt, nl, now() - t0, total);
    printf("conforming %zu (verified %zu, conforms only: > %u active qubits %zu, "
           "simulator cannot run %zu)\n",
           count[VERIFIED] + count[CONFORMS] + count[UNSIMULATED], count[VERIFIED], max_active,
           count[CONFORMS], count[UNSIMULATED]);
    printf("failures %zu\nskipped %zu\n", count[FAILED], count[SKIPPED]);
    for (int ti = 0; ti < nt; ti++) qtr_target_free(targets[ti]);
    free(names);
    free(runs);
    free(order);
    return count[FAILED] ? 1 : 0;
}
