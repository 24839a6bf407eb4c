/* pass_vf2post.c -- VF2PostLayout (design/ALGORITHMS.md §4.1): after
 * routing, the routed circuit's interactions (swaps included) are a subgraph
 * of the coupling graph; look for another placement of that subgraph whose
 * expected error is strictly lower than the current one's, and relabel the
 * physical qubits onto it.
 *   non-strict (after routing, levels 1-3): directions are ignored (the
 *     translation stage flips gates as needed), edges cost their better
 *     direction;
 *   strict (level 3, after optimisation, on the translated circuit): every
 *     2q gate must keep an allowed direction and costs its own directed
 *     edge, so the relabelled output still conforms.
 *
 * Runs only when the target carries error rates: without them every
 * isomorphic placement is as good as another and moving would only churn.
 *
 * Owns: search scratch (plain malloc). Borrows: the target. Rewrites: the
 * circuit's qubit operands (a permutation of the physical qubits). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "pass.h"
#include "sabre.h"

static qtr_status post_layout(qtr_circuit *c, const qtr_target *t, const qtr_vf2_limits *lim,
                              int strict, uint32_t *perm, int *moved, qtr_ctx *ctx)
{
    uint32_t n = t->nqubits;
    *moved = 0;
    for (uint32_t p = 0; p < n; p++) perm[p] = p;
    if (c->nqubits != n)
        return qtr_fail(ctx, QTR_EINVAL, "VF2PostLayout: circuit has %u qubits, target '%s' %u",
                        c->nqubits, t->name, n);
    if (!t->err1q && !t->err_readout && !t->err2q) return QTR_OK;
    qtr_rtarget rt;
    qtr_igraph g;
    qtr_vf2_weights w;
    memset(&g, 0, sizeof g);
    memset(&w, 0, sizeof w);
    uint32_t *map = NULL;
    int found = 0;
    qtr_status st = qtr_rtarget_init(&rt, t, ctx);
    if (st) return st;
    if ((st = qtr_igraph_build(&g, c, ctx)) || (st = qtr_vf2_weights_init(&w, t, &rt, ctx)))
        goto done;
    if (!(map = malloc((size_t)n * sizeof *map))) {
        st = qtr_fail(ctx, QTR_ENOMEM, "VF2PostLayout on %u qubits", n);
        goto done;
    }
    /* the current placement's score is the bar to beat (Qiskit's
     * score_initial_layout); a routed circuit off the coupling map has none */
    double now = qtr_vf2_score(&g, &rt, &w, perm, strict);
    if (now == HUGE_VAL) goto done;
    /* a relative margin so rounding never counts as an improvement */
    double bar = now - 1e-12 * (now > 1 ? now : 1);
    if ((st = qtr_vf2_match(&g, &rt, &w, lim, strict, bar, map, &found, ctx)) || !found)
        goto done;
    if ((st = qtr_circuit_remap_qubits(c, map, n, ctx))) goto done;
    memcpy(perm, map, (size_t)n * sizeof *perm);
    *moved = 1;
done:
    free(map);
    qtr_vf2_weights_fini(&w);
    qtr_igraph_fini(&g);
    qtr_rtarget_fini(&rt);
    return st;
}

qtr_status qtr_pass_vf2post(qtr_circuit *c, const qtr_target *t, const qtr_vf2_limits *lim,
                            uint32_t *perm, int *moved, qtr_ctx *ctx)
{
    return post_layout(c, t, lim, 0, perm, moved, ctx);
}

qtr_status qtr_pass_vf2post_strict(qtr_circuit *c, const qtr_target *t,
                                   const qtr_vf2_limits *lim, uint32_t *perm, int *moved,
                                   qtr_ctx *ctx)
{
    return post_layout(c, t, lim, 1, perm, moved, ctx);
}
