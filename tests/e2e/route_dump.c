/* route_dump.c -- print, as text, what SABRE layout + routing and SABRE
 * routing alone make of a few seeded random circuits on a 5x5 grid and a
 * 27-qubit heavy-hex target. tests/e2e/route_threads.sh runs it under
 * different OMP_NUM_THREADS and requires identical output: the result must
 * not depend on the thread count. Test-only program. */
#include <stdio.h>
#include <stdlib.h>
#include "pass.h"
#include "qtr.h"
#include "random_circuit.h"
#include "sabre.h"

static const uint32_t hh27[][2] = {
    {0, 1},   {1, 2},   {1, 4},   {2, 3},   {3, 5},   {4, 7},   {5, 8},   {6, 7},
    {7, 10},  {8, 9},   {8, 11},  {10, 12}, {11, 14}, {12, 13}, {12, 15}, {13, 14},
    {14, 16}, {15, 18}, {16, 19}, {17, 18}, {18, 21}, {19, 20}, {19, 22}, {21, 23},
    {22, 25}, {23, 24}, {24, 25}, {25, 26}};

static int die(const char *what, qtr_ctx *ctx)
{
    fprintf(stderr, "route_dump: %s: %s\n", what, qtr_ctx_message(ctx));
    return 1;
}

static void dump(const qtr_circuit *c)
{
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        const uint32_t *q = qtr_inst_operands(c, in);
        printf("%s", qtr_gate((qtr_op)in->op)->name);
        for (uint32_t k = 0; k < in->nargs; k++) printf(" %u", q[k]);
        putchar('\n');
    }
}

int main(void)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_target *t[2] = {NULL, NULL};
    if (qtr_target_new(&t[0], "grid:5x5", 25, &ctx) || qtr_target_new(&t[1], "hh27", 27, &ctx))
        return die("target", &ctx);
    for (uint32_t r = 0; r < 5; r++)
        for (uint32_t c = 0; c < 5; c++) {
            if (c + 1 < 5 && qtr_target_add_edge(t[0], r * 5 + c, r * 5 + c + 1, &ctx))
                return die("edge", &ctx);
            if (r + 1 < 5 && qtr_target_add_edge(t[0], r * 5 + c, r * 5 + c + 5, &ctx))
                return die("edge", &ctx);
        }
    for (size_t e = 0; e < sizeof hh27 / sizeof *hh27; e++)
        if (qtr_target_add_edge(t[1], hh27[e][0], hh27[e][1], &ctx)) return die("edge", &ctx);
    if (qtr_target_finish(t[0], &ctx) || qtr_target_finish(t[1], &ctx)) return die("finish", &ctx);
    static const qtr_op ops[] = {QTR_OP_H, QTR_OP_RZ, QTR_OP_CX, QTR_OP_CZ, QTR_OP_CX};
    for (int k = 0; k < 2; k++)
        for (uint64_t seed = 0; seed < 3; seed++) {
            uint32_t n = t[k]->nqubits - 3, init[32], fin[32], perm[32];
            uint64_t nsw;
            qtr_circuit *c = NULL, *d = NULL, *e = NULL;
            if (qtr_random_circuit(n, 1500, ops, 5, seed, &c, &ctx) ||
                qtr_circuit_clone(c, &d, &ctx) || qtr_circuit_clone(c, &e, &ctx))
                return die("circuit", &ctx);
            /* big enough that the trials really run in parallel */
            qtr_sabre_dag dag;
            if (qtr_sabre_dag_build(&dag, c, &ctx)) return die("dag", &ctx);
            if (dag.nnodes < QTR_SABRE_PAR_NODES) {
                fprintf(stderr, "route_dump: %u DAG nodes, below the parallel threshold\n",
                        dag.nnodes);
                return 1;
            }
            qtr_sabre_dag_fini(&dag);
            qtr_sabre_layout_opts lo = {.iterations = 2, .layout_trials = 6, .swap_trials = 6,
                                        .seed = seed, .finalists = 3};
            if (qtr_pass_layout_sabre(c, t[k], &lo, init, fin, &nsw, &ctx))
                return die("layout", &ctx);
            printf("# %s seed %llu layout: %llu swaps\n", t[k]->name, (unsigned long long)seed,
                   (unsigned long long)nsw);
            for (uint32_t v = 0; v < n; v++) printf("%u>%u ", init[v], fin[v]);
            putchar('\n');
            dump(c);
            uint32_t id[32];
            for (uint32_t v = 0; v < 32; v++) id[v] = v;
            qtr_route_opts ro = {.basic = 0, .trials = 12, .seed = seed};
            if (qtr_circuit_remap_qubits(d, id, t[k]->nqubits, &ctx) ||
                qtr_pass_route_sabre(d, t[k], &ro, perm, &nsw, &ctx))
                return die("route", &ctx);
            printf("# %s seed %llu routing: %llu swaps\n", t[k]->name, (unsigned long long)seed,
                   (unsigned long long)nsw);
            dump(d);
            /* finalists routed in parts of 200 nodes, 3 trials each */
            qtr_sabre_layout_opts lc = {.iterations = 2, .layout_trials = 6, .swap_trials = 6,
                                        .seed = seed, .finalists = 3, .chunk_nodes = 200,
                                        .chunk_trials = 3};
            if (qtr_pass_layout_sabre(e, t[k], &lc, init, fin, &nsw, &ctx))
                return die("layout in parts", &ctx);
            printf("# %s seed %llu layout in parts: %llu swaps\n", t[k]->name,
                   (unsigned long long)seed, (unsigned long long)nsw);
            for (uint32_t v = 0; v < n; v++) printf("%u>%u ", init[v], fin[v]);
            putchar('\n');
            dump(e);
            qtr_circuit_free(c);
            qtr_circuit_free(d);
            qtr_circuit_free(e);
        }
    qtr_target_free(t[0]);
    qtr_target_free(t[1]);
    return 0;
}
