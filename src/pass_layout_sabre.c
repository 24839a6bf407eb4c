/* pass_layout_sabre.c -- SABRE layout (Li, Ding & Xie 2019; Qiskit's
 * SabreLayout, design/ALGORITHMS.md §3.6): each layout trial starts from a
 * random placement or a heuristic one (dense subset, trivial, reversed
 * trivial), refines it by routing the circuit forwards and backwards
 * `iterations` times (each pass starts from where the previous one ended;
 * the routed output is thrown away), then runs `swap_trials` full routing
 * trials from the refined layout (odd-numbered layout trials use another
 * lookahead than even ones: see qtr_pass_layout_sabre). The winner over
 * all layout and swap trials is the one with fewest swaps, ties to the lowest
 * (layout, swap) index, so the result is the same for any number of
 * threads. Layout trials run in parallel (OpenMP when built with it); their
 * swap trials run serially inside.
 *
 * Long circuits (opts prefix_nodes): the refinement passes, and at level 1
 * the ranking trial, route only the DAG's first prefix_nodes nodes. A start
 * layout shapes the routing of the circuit's beginning; after a few
 * thousand swap-inserting steps the placement has been permuted past
 * anything the start decided, so routing a 650,000-gate circuit forwards and
 * backwards to refine its start mostly repeats work whose outcome the start
 * no longer influences. The final swap trials always route the whole
 * circuit.
 *
 * Finalists in parts (opts chunk_nodes): instead of swap_trials whole
 * routings, a finalist's routing is built part by part: the DAG is cut
 * into ranges of consecutive nodes (node numbers are a topological order,
 * so each range is a DAG once the ranges before it are routed), each part
 * keeps the best of chunk_trials seeded trials, and the next part starts
 * from where that best ended. Whole trials of a long circuit differ by sums
 * of many independent choices; keeping the best per part keeps the best of
 * each stretch instead of the best sum (hwb12 on torino, level 2: 545,899
 * -> 525,947 cz at about half the time). A part boundary is a barrier:
 * the lookahead does not see past it and no gate of the next part is routed
 * before the part is done, which costs wide circuits more (in swaps and
 * even more in depth), hence parts of at least chunk_per_qubit nodes per
 * interacting qubit.
 *
 * Targets with several connected components: the circuit's interacting
 * qubits are placed in the largest component when they fit there; otherwise
 * the circuit's connected parts are spread over the components (largest
 * part into the roomiest component first). Qubits without 2q gates may go
 * anywhere.
 *
 * Owns: trial scratch (plain malloc). Borrows: the target. Rewrites: the
 * circuit, which afterwards acts on t->nqubits physical qubits with every 2q
 * gate on a coupling edge (either direction). */
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "pass.h"
#include "sabre.h"

#define KEY_BITS 20   /* as in pass_route_sabre.c: trial keys are swaps << 20 | index */

static void shuffle(uint32_t *a, uint32_t n, qtr_ctx *rng)
{
    for (uint32_t i = n; i > 1; i--) {
        uint32_t j = (uint32_t)(qtr_rng_next(rng) % i);
        uint32_t t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}

/* Complete a partial layout (QTR_NONE = unassigned) at random: unassigned
 * interacting virtual qubits go to free qubits of component @p comp (or,
 * when @p vcomp is given, of component vcomp[v]), then every other virtual
 * qubit (idle ones and ancillas) to what is left. @p used and @p pool are
 * n-entry scratch. Returns 0, or -1 when a component runs out (a heuristic
 * layout that does not fit). */
static int fill_layout(uint32_t *v2p, uint32_t n, const qtr_igraph *g, const qtr_rtarget *rt,
                       uint32_t comp, const uint32_t *vcomp, uint8_t *used, uint32_t *pool,
                       qtr_ctx *rng)
{
    memset(used, 0, n);
    for (uint32_t v = 0; v < n; v++)
        if (v2p[v] != QTR_NONE) used[v2p[v]] = 1;
    uint32_t m = 0;
    if (vcomp) {
        /* one shuffled pool of free qubits; each qubit takes the first
         * still-free entry in its own component */
        for (uint32_t p = 0; p < n; p++)
            if (!used[p]) pool[m++] = p;
        shuffle(pool, m, rng);
        for (uint32_t v = 0; v < g->n; v++) {
            if (!g->deg[v] || v2p[v] != QTR_NONE) continue;
            uint32_t k = 0;
            while (k < m && (used[pool[k]] || rt->comp[pool[k]] != vcomp[v])) k++;
            if (k == m) return -1;
            v2p[v] = pool[k];
            used[pool[k]] = 1;
        }
    } else {
        for (uint32_t p = 0; p < n; p++)
            if (!used[p] && rt->comp[p] == comp) pool[m++] = p;
        shuffle(pool, m, rng);
        uint32_t k = 0;
        for (uint32_t v = 0; v < g->n; v++)
            if (g->deg[v] && v2p[v] == QTR_NONE) {
                if (k == m) return -1;
                v2p[v] = pool[k++];
                used[v2p[v]] = 1;
            }
    }
    m = 0;
    for (uint32_t p = 0; p < n; p++)
        if (!used[p]) pool[m++] = p;
    shuffle(pool, m, rng);
    uint32_t take = 0;
    for (uint32_t v = 0; v < n; v++)
        if (v2p[v] == QTR_NONE) v2p[v] = pool[take++];
    return 0;
}

/* Nodes [a, b) of @p d as a DAG of their own, numbered from 0: what the
 * trials read (pairs, successor and predecessor lists), without the
 * instruction lists, which only rebuilding needs. Node numbers are a
 * topological order, so with nodes before a routed, the range is closed
 * under predecessors: edges from earlier nodes are dropped, and so are
 * edges to later ones. */
static qtr_status dag_range(const qtr_sabre_dag *d, uint32_t a, uint32_t b, qtr_sabre_dag *p,
                            qtr_alloc *acct, qtr_ctx *ctx)
{
    uint32_t k = b - a;
    memset(p, 0, sizeof *p);
    p->nnodes = k;
    p->nvirt = d->nvirt;
    size_t npred = 0, nsucc = 0;
    for (uint32_t x = a; x < b; x++) {
        for (uint32_t e = d->pred_off[x]; e < d->pred_off[x + 1]; e++) npred += d->pred[e] >= a;
        for (uint32_t e = d->succ_off[x]; e < d->succ_off[x + 1]; e++) nsucc += d->succ[e] < b;
    }
    /* its arrays (part_dag_bytes without states) within the circuit's
     * budget before they are taken; the caller counts them in its scratch */
    if (qtr_sabre_budget_fits(acct, (size_t)(k ? k : 1) * sizeof *p->q +
                                        2 * ((size_t)k + 1) * sizeof(uint32_t) +
                                        ((npred ? npred : 1) + (nsucc ? nsucc : 1)) *
                                            sizeof(uint32_t)))
        return qtr_fail_budget(ctx, "layout", acct->limit);
    p->q = malloc((size_t)(k ? k : 1) * sizeof *p->q);
    p->pred_off = malloc(((size_t)k + 1) * sizeof *p->pred_off);
    p->pred = malloc((npred ? npred : 1) * sizeof *p->pred);
    p->succ_off = malloc(((size_t)k + 1) * sizeof *p->succ_off);
    p->succ = malloc((nsucc ? nsucc : 1) * sizeof *p->succ);
    if (!p->q || !p->pred_off || !p->pred || !p->succ_off || !p->succ) {
        qtr_sabre_dag_fini(p);
        return qtr_fail(ctx, QTR_ENOMEM, "SABRE layout: a part of %u nodes", k);
    }
    memcpy(p->q, d->q + a, (size_t)k * sizeof *p->q);
    uint32_t mp = 0, ms = 0;
    for (uint32_t x = a; x < b; x++) {
        p->pred_off[x - a] = mp;
        for (uint32_t e = d->pred_off[x]; e < d->pred_off[x + 1]; e++)
            if (d->pred[e] >= a) p->pred[mp++] = d->pred[e] - a;
        p->succ_off[x - a] = ms;
        for (uint32_t e = d->succ_off[x]; e < d->succ_off[x + 1]; e++)
            if (d->succ[e] < b) p->succ[ms++] = d->succ[e] - a;
    }
    p->pred_off[k] = mp;
    p->succ_off[k] = ms;
    return QTR_OK;
}

/* Bytes of a part (or prefix) DAG built by dag_range, plus a trial state's
 * per-node arrays on it for each of @p nthreads threads. */
static size_t part_dag_bytes(const qtr_sabre_dag *p, uint32_t nthreads)
{
    return (size_t)p->nnodes * (sizeof *p->q + 2 * sizeof(uint32_t)) +
           ((size_t)p->pred_off[p->nnodes] + p->succ_off[p->nnodes]) * sizeof(uint32_t) +
           (size_t)nthreads * p->nnodes * (5 * sizeof(uint32_t) + 1);
}

/* Everything the layout trials share. */
typedef struct {
    const qtr_sabre_dag  *d;
    const qtr_sabre_dag  *dp;          /* the refinement prefix, or NULL: d */
    int                   rank_prefix; /* rank layouts by a trial on dp */
    const qtr_rtarget    *rt;
    const qtr_igraph     *g;
    const qtr_sabre_heur *h;           /* two: layout trial i uses h[i & 1] */
    const uint32_t       *dense;
    const uint32_t       *vcomp;       /* component per interacting qubit, or NULL: comp */
    uint32_t              comp, nv, n, nrandom, swap_trials, iterations;
    uint64_t              seed;
    uint64_t              bound;       /* best key of a finished trial (read atomically) */
    uint64_t              best_key;
    qtr_sabre_result     *best;
    uint8_t              *cached;      /* per layout trial: its refinement kept the score cache */
    const qtr_sabre_dag  *chunks;      /* phase 2 in parts (chunked_trial), or NULL */
    const uint32_t       *chunk_first; /* first node of each part */
    uint32_t              nchunks, chunk_trials;
    int                   mode_hint[2];  /* per lookahead (h): the scoring the first layout
                                            trial to finish refining chose, -1 none yet */
    qtr_status            err;
    uint32_t              err_trial;
    char                  err_msg[512];
} shared;

static uint64_t swap_seed(uint64_t seed, uint32_t layout, uint32_t trial)
{
    return qtr_seed_for(qtr_seed_for(seed, layout) ^ 0x5ab4e5eedull, trial);
}

static void record_error(shared *sh, uint32_t i, qtr_status st, const qtr_ctx *lctx)
{
#pragma omp critical(qtr_sabre_layout_best)
    if (i < sh->err_trial) {
        sh->err_trial = i;
        sh->err = st;
        memcpy(sh->err_msg, lctx->msg, sizeof sh->err_msg);
    }
}

/* Offer a finished trial's result: the best (swaps, index) key wins. */
static void offer(shared *sh, qtr_sabre_result *r)
{
#pragma omp critical(qtr_sabre_layout_best)
    {
        if (r->key < sh->best_key) {
            sh->best_key = r->key;
            qtr_sabre_result t = *sh->best;
            *sh->best = *r;
            *r = t;
        }
        if (sh->best_key < sh->bound) {
#pragma omp atomic write
            sh->bound = sh->best_key;
        }
    }
}

/* Phase 1 for layout trial i: the starting layout, its forward-backward
 * refinement into lay[] (on the prefix when there is one, with state @p sp),
 * then swap trial 0 from it, unbounded so its swap count (*key) ranks the
 * layout the same way on any thread count. With rank_prefix that trial
 * routes the prefix only and is not a candidate result.
 * *key = UINT64_MAX when the start does not fit the target. */
static qtr_status layout_trial(shared *sh, qtr_sabre_state *s, qtr_sabre_state *sp, uint32_t i,
                               uint32_t *lay, uint64_t *key, qtr_ctx *lctx)
{
    uint32_t n = sh->n, nv = sh->nv;
    qtr_sabre_result r;
    *key = UINT64_MAX;
    if (qtr_sabre_result_init(&r, n))
        return qtr_fail(lctx, QTR_ENOMEM, "SABRE layout trial %u", i);
    uint32_t *pool = malloc((size_t)(n ? n : 1) * sizeof *pool);
    uint8_t *used = malloc(n ? n : 1);
    qtr_status st = QTR_OK;
    if (!pool || !used) {
        st = qtr_fail(lctx, QTR_ENOMEM, "SABRE layout trial %u", i);
        goto done;
    }
    for (uint32_t v = 0; v < n; v++) lay[v] = QTR_NONE;
    if (i == sh->nrandom) {
        for (uint32_t v = 0; v < nv; v++) lay[v] = sh->dense[v];
    } else if (i == sh->nrandom + 1) {
        for (uint32_t v = 0; v < n; v++) lay[v] = v;
    } else if (i == sh->nrandom + 2) {
        for (uint32_t v = 0; v < n; v++) lay[v] = n - 1 - v;
    }
    if (fill_layout(lay, n, sh->g, sh->rt, sh->comp, sh->vcomp, used, pool, lctx) ||
        !qtr_sabre_layout_feasible(sh->d, sh->rt, lay))
        goto done;   /* a heuristic start that does not fit this target */
    qtr_sabre_state *rs = sh->dp ? sp : s;   /* refines */
    const qtr_sabre_heur *h = &sh->h[i & 1];
    /* a state decides its scoring after its first trial; later layout
     * trials take the first one's decision, so their first trial does not
     * score the slow way too (results do not depend on it) */
    int hint;
#pragma omp atomic read
    hint = sh->mode_hint[i & 1];
    if (hint >= 0) qtr_sabre_state_set_cached(rs, hint);
    for (uint32_t it = 0; it < sh->iterations && !st; it++) {
        st = qtr_sabre_trial(rs, h, 0, lay, qtr_rng_next(lctx), 0, NULL, 0, &r);
        if (!st) st = qtr_sabre_trial(rs, h, 1, r.layout1, qtr_rng_next(lctx), 0, NULL, 0, &r);
        if (!st) memcpy(lay, r.layout1, (size_t)n * sizeof *lay);
    }
    /* the refining state's choice of scoring holds for the rest of this
     * layout's trials (pass_route_sabre.c: choose_mode) */
    sh->cached[i] = (uint8_t)qtr_sabre_state_cached(rs);
    if (hint < 0 && sh->iterations) {
#pragma omp atomic write
        sh->mode_hint[i & 1] = sh->cached[i];
    }
    if (rs != s) qtr_sabre_state_set_cached(s, sh->cached[i]);
    uint64_t index = (uint64_t)i * sh->swap_trials;
    if (!st && sh->rank_prefix) {
        st = qtr_sabre_trial(sp, h, 0, lay, swap_seed(sh->seed, i, 0), 0, NULL, index, &r);
        if (!st) *key = r.cost << KEY_BITS | index;
    } else if (!st) {
        st = qtr_sabre_trial(s, h, 0, lay, swap_seed(sh->seed, i, 0), 1, NULL, index, &r);
    }
    if (st) {
        st = qtr_fail(lctx, st, "SABRE layout trial %u: %s", i,
                      st == QTR_ENOMEM ? "out of memory" : "routing failed");
        goto done;
    }
    if (!sh->rank_prefix) {
        r.key = *key = r.cost << KEY_BITS | index;
        offer(sh, &r);
    }
done:
    qtr_sabre_result_fini(&r);
    free(pool);
    free(used);
    return st;
}

/* Phase 2: swap trial j of layout trial i, from the refined layout lay[],
 * stopped early once it cannot win. */
static qtr_status swap_trial(shared *sh, qtr_sabre_state *s, uint32_t i, uint32_t j,
                             const uint32_t *lay, qtr_ctx *lctx)
{
    qtr_sabre_result r;
    if (qtr_sabre_result_init(&r, sh->n))
        return qtr_fail(lctx, QTR_ENOMEM, "SABRE swap trial %u.%u", i, j);
    uint64_t index = (uint64_t)i * sh->swap_trials + j;
    qtr_status st =
        qtr_sabre_trial(s, &sh->h[i & 1], 0, lay, swap_seed(sh->seed, i, j), 1, &sh->bound,
                        index, &r);
    if (st) {
        st = qtr_fail(lctx, st, "SABRE swap trial %u.%u: %s", i, j,
                      st == QTR_ENOMEM ? "out of memory" : "routing failed");
    } else if (!r.aborted) {
        r.key = r.cost << KEY_BITS | index;
        offer(sh, &r);
    }
    qtr_sabre_result_fini(&r);
    return st;
}

/* Append part result @p r (nodes numbered from @p first) to @p total. */
static qtr_status append_part(qtr_sabre_result *total, const qtr_sabre_result *r, uint32_t first)
{
    qtr_status st =
        qtr_sabre_result_reserve(total, total->norder + r->norder, total->nswaps + r->nswaps);
    if (st) return st;
    uint32_t base = (uint32_t)total->nswaps;
    for (size_t k = 0; k < r->norder; k++) {
        total->order[total->norder + k] = r->order[k] + first;
        total->swap_end[total->norder + k] = r->swap_end[k] + base;
    }
    total->norder += r->norder;
    if (r->nswaps) memcpy(total->swaps + total->nswaps, r->swaps, r->nswaps * sizeof *r->swaps);
    total->nswaps += r->nswaps;
    total->cost += r->cost;
    memcpy(total->layout1, r->layout1, (size_t)r->n * sizeof *r->layout1);
    return QTR_OK;
}

/* Phase 2 in parts (opts chunk_nodes): finalist i's routing is built part
 * by part, each part the best of chunk_trials trials from where the best
 * of the previous part ended. Trials of one part differ by their seeds
 * only, so the best of each part is kept instead of the best of whole
 * routings: the sum of per-part minima is at most the minimum of sums. A
 * part's trials are bounded by the best of that part; the finalist stops
 * once its swaps so far cannot beat the best finished candidate. */
static qtr_status chunked_trial(shared *sh, uint32_t i, const uint32_t *lay, qtr_ctx *lctx)
{
    uint32_t n = sh->n;
    qtr_sabre_result total, r, part;
    qtr_status st = QTR_OK;
    int ok_total = !qtr_sabre_result_init(&total, n), ok_r = !qtr_sabre_result_init(&r, n);
    int ok_part = !qtr_sabre_result_init(&part, n);
    if (!ok_total || !ok_r || !ok_part) {
        st = qtr_fail(lctx, QTR_ENOMEM, "SABRE swap trials of layout %u", i);
        goto done;
    }
    uint64_t index = (uint64_t)i * sh->swap_trials + 1;
    memcpy(total.layout0, lay, (size_t)n * sizeof *lay);
    memcpy(total.layout1, lay, (size_t)n * sizeof *lay);
    for (uint32_t c = 0; c < sh->nchunks && !st; c++) {
        qtr_sabre_state *s = qtr_sabre_state_new(&sh->chunks[c], sh->rt);
        if (!s) {
            st = qtr_fail(lctx, QTR_ENOMEM, "SABRE swap trials of layout %u", i);
            break;
        }
        qtr_sabre_state_set_cached(s, sh->cached[i]);
        uint64_t cbound = UINT64_MAX;
        part.aborted = 1;
        for (uint32_t t = 0; t < sh->chunk_trials && !st; t++) {
            /* part 0 starts as whole trials 1, 2, ... do; later parts mix
             * in their number (more trials per part keep the first ones) */
            uint64_t seed = swap_seed(sh->seed, i, 1 + t);
            if (c) seed = qtr_seed_for(seed, c);
            st = qtr_sabre_trial(s, &sh->h[i & 1], 0, total.layout1, seed, 1, &cbound, t, &r);
            if (st || r.aborted) continue;
            uint64_t key = r.cost << KEY_BITS | t;
            if (key < cbound) {
                cbound = key;
                qtr_sabre_result x = part;
                part = r;
                r = x;
            }
        }
        qtr_sabre_state_free(s);
        if (st) {
            st = qtr_fail(lctx, st, "SABRE swap trials of layout %u: %s", i,
                          st == QTR_ENOMEM ? "out of memory" : "routing failed");
            break;
        }
        if ((st = append_part(&total, &part, sh->chunk_first[c]))) {
            st = qtr_fail(lctx, st, "SABRE swap trials of layout %u: %s", i,
                          st == QTR_ENOMEM ? "out of memory" : "more than 2^32 swaps");
            break;
        }
        uint64_t bnd;
#pragma omp atomic read
        bnd = sh->bound;
        if ((total.cost << KEY_BITS | index) > bnd) goto done;   /* cannot win */
    }
    if (!st) {
        total.key = total.cost << KEY_BITS | index;
        offer(sh, &total);
    }
done:
    qtr_sabre_result_fini(&total);
    qtr_sabre_result_fini(&r);
    qtr_sabre_result_fini(&part);
    return st;
}

/* Spread the circuit's connected parts (of its interaction graph) over the
 * target's components, largest part first, each into the component with
 * the most room left (ties: lowest index), as Qiskit's disjoint layout does
 * for disconnected devices. *vcomp (g->n entries, owned by the caller) gets
 * each interacting qubit's component. QTR_ETARGET when a part fits nowhere. */
static qtr_status distribute(const qtr_igraph *g, const qtr_rtarget *rt, const char *name,
                             uint32_t **vcomp, qtr_ctx *ctx)
{
    uint32_t nv = g->n ? g->n : 1, np = 0;
    uint32_t *part = malloc(nv * sizeof *part), *queue = malloc(nv * sizeof *queue);
    uint32_t *psize = calloc(nv, sizeof *psize), *porder = malloc(nv * sizeof *porder);
    uint32_t *room = malloc((rt->ncomp ? rt->ncomp : 1) * sizeof *room);
    uint32_t *pcomp = malloc(nv * sizeof *pcomp);
    *vcomp = malloc(nv * sizeof **vcomp);
    qtr_status st = QTR_OK;
    if (!part || !queue || !psize || !porder || !room || !pcomp || !*vcomp) {
        st = qtr_fail(ctx, QTR_ENOMEM, "layout: components of %u qubits", g->n);
        goto done;
    }
    for (uint32_t v = 0; v < g->n; v++) part[v] = QTR_NONE;
    for (uint32_t s0 = 0; s0 < g->n; s0++) {   /* BFS labels the parts */
        if (!g->deg[s0] || part[s0] != QTR_NONE) continue;
        uint32_t head = 0, tail = 0;
        part[s0] = np;
        queue[tail++] = s0;
        while (head < tail) {
            uint32_t v = queue[head++];
            psize[np]++;
            for (uint32_t e = g->off[v]; e < g->off[v + 1]; e++)
                if (part[g->nbr[e]] == QTR_NONE) {
                    part[g->nbr[e]] = np;
                    queue[tail++] = g->nbr[e];
                }
        }
        porder[np] = np;
        np++;
    }
    /* largest part first (insertion sort, stable: ties by first qubit) */
    for (uint32_t i = 1; i < np; i++)
        for (uint32_t j = i; j > 0 && psize[porder[j]] > psize[porder[j - 1]]; j--) {
            uint32_t x = porder[j]; porder[j] = porder[j - 1]; porder[j - 1] = x;
        }
    for (uint32_t k = 0; k < rt->ncomp; k++) room[k] = rt->comp_size[k];
    for (uint32_t i = 0; i < np; i++) {
        uint32_t p = porder[i], best = 0;
        for (uint32_t k = 1; k < rt->ncomp; k++)
            if (room[k] > room[best]) best = k;
        if (room[best] < psize[p]) {
            st = qtr_fail(ctx, QTR_ETARGET,
                          "layout: the circuit's %u interacting qubits do not fit the connected "
                          "components of '%s': a connected group of %u of them finds no "
                          "component with %u free qubits",
                          g->ninteracting, name, psize[p], psize[p]);
            goto done;
        }
        pcomp[p] = best;
        room[best] -= psize[p];
    }
    for (uint32_t v = 0; v < g->n; v++) (*vcomp)[v] = g->deg[v] ? pcomp[part[v]] : QTR_NONE;
done:
    if (st) {
        free(*vcomp);
        *vcomp = NULL;
    }
    free(part);
    free(queue);
    free(psize);
    free(porder);
    free(room);
    free(pcomp);
    return st;
}

/* Gates that commute need not keep their order (qtr_sabre_dag_commute),
 * which SABRE turns into far fewer swaps on some circuits and more on
 * others: its greedy choice among many ready gates can scatter what the
 * circuit's own order kept local. Device benchmark, torino, level 2 (2q
 * count, the commutation DAG against the strict one): QAOA N100 8,539 ->
 * 5,986, but qft_N100 8,519 -> 10,077 and gf2^16_mult 4,572 -> 8,170. So
 * both DAGs are routed PROBE_TRIALS times from the dense layout (trial 0
 * as it is, trial 1 after one forward-backward refinement; the same seeds
 * for both) and the cheaper in sum is kept for every trial: level 2's 2q
 * geometric mean over the benchmark 0.770 -> 0.761 (one trial each from
 * the unrefined start: 0.764; four trials: 0.762). Circuits of more than
 * QTR_SABRE_COMMUTE_NODES nodes keep the strict DAG. */
#define PROBE_TRIALS 2

/* With @p least (a give-up cost is set): *least = the cost of the kept DAG's
 * cheapest probe trial, and where there is no commutation DAG to compare,
 * the strict one is still routed once for it (UINT64_MAX: no start fits). */
static qtr_status pick_dag(qtr_sabre_dag *d, qtr_circuit *c, const qtr_rtarget *rt,
                           const qtr_igraph *g, const uint32_t *dense, uint32_t comp,
                           const uint32_t *vcomp, const qtr_sabre_heur *h, uint64_t seed,
                           uint32_t ntrials, int *commuted, uint64_t *least, qtr_ctx *ctx)
{
    *commuted = 0;
    if (least) *least = UINT64_MAX;
    if (!ntrials || ntrials > PROBE_TRIALS) ntrials = PROBE_TRIALS;
    qtr_sabre_dag dc;
    memset(&dc, 0, sizeof dc);
    /* counted in the circuit's allocator while it lives */
    int made = d->nnodes > QTR_SABRE_COMMUTE_NODES ? 0
                                                  : qtr_sabre_dag_commute_in(&dc, d, c, &c->alloc);
    if (made == -2) return qtr_fail_budget(ctx, "layout", c->alloc.limit);
    if (made < 0) return qtr_fail(ctx, QTR_ENOMEM, "SABRE layout: commutation DAG");
    if (!made && !least) return QTR_OK;
    if (!made) ntrials = 1;   /* only the give-up check's routing */
    uint32_t n = rt->n;
    qtr_ctx rng;
    qtr_ctx_init(&rng, qtr_seed_for(seed, 0x0c033u));
    uint32_t *lay = malloc((size_t)(n ? n : 1) * sizeof *lay);
    uint32_t *pool = malloc((size_t)(n ? n : 1) * sizeof *pool);
    uint8_t *used = malloc(n ? n : 1);
    qtr_sabre_result r;
    memset(&r, 0, sizeof r);
    qtr_status st = QTR_OK;
    uint64_t cost[2] = {UINT64_MAX, UINT64_MAX}, low[2] = {UINT64_MAX, UINT64_MAX};
    if (!lay || !pool || !used || qtr_sabre_result_init(&r, n)) {
        st = qtr_fail(ctx, QTR_ENOMEM, "SABRE layout: commutation probe");
        goto done;
    }
    for (uint32_t v = 0; v < n; v++) lay[v] = v < c->nqubits ? dense[v] : QTR_NONE;
    if (fill_layout(lay, n, g, rt, comp, vcomp, used, pool, &rng) ||
        !qtr_sabre_layout_feasible(d, rt, lay))
        goto done;   /* no start to compare on: keep the strict DAG */
    uint64_t tseed[PROBE_TRIALS];
    for (uint32_t j = 0; j < PROBE_TRIALS; j++) tseed[j] = qtr_rng_next(&rng);   /* all drawn */
    for (int k = 0; k < 1 + made && !st; k++) {
        const qtr_sabre_dag *x = k ? &dc : d;
        qtr_sabre_state *s = qtr_sabre_state_new(x, rt);
        cost[k] = 0;
        for (uint32_t j = 0; j < ntrials && !st; j++) {
            const uint32_t *from = lay;
            if (j % 2 == 1 && s) {   /* odd trials: refined once first */
                st = qtr_sabre_trial(s, h, 0, lay, tseed[j] ^ 1, 0, NULL, 0, &r);
                if (!st) st = qtr_sabre_trial(s, h, 1, r.layout1, tseed[j] ^ 2, 0, NULL, 0, &r);
                from = r.layout1;
            }
            if (!st) st = s ? qtr_sabre_trial(s, h, 0, from, tseed[j], 0, NULL, 0, &r) : QTR_ENOMEM;
            cost[k] += r.cost;
            if (r.cost < low[k]) low[k] = r.cost;
        }
        qtr_sabre_state_free(s);
    }
    if (st) st = qtr_fail(ctx, st, "SABRE layout: commutation probe");
done:
    if (!st && made && cost[1] < cost[0]) {
        qtr_sabre_dag t = *d;
        *d = dc;
        dc = t;
        *commuted = 1;
    }
    if (!st && least) *least = low[*commuted];
    qtr_sabre_dag_fini(&dc);
    qtr_sabre_result_fini(&r);
    free(lay);
    free(pool);
    free(used);
    return st;
}

static int cmp_key_index(const void *x, const void *y)
{
    const uint64_t *a = x, *b = y;
    return a[0] < b[0] ? -1 : a[0] > b[0];
}

qtr_status qtr_pass_layout_sabre(qtr_circuit *c, const qtr_target *t,
                                 const qtr_sabre_layout_opts *o, uint32_t *initial,
                                 uint32_t *final, uint64_t *nswaps, qtr_ctx *ctx)
{
    uint32_t nv = c->nqubits, n = t->nqubits;
    *nswaps = 0;
    if (nv > n)
        return qtr_fail(ctx, QTR_ETARGET, "circuit has %u qubits, target '%s' only %u", nv,
                        t->name, n);
    qtr_rtarget rt;
    qtr_igraph g;
    qtr_sabre_dag d;
    qtr_sabre_dag dp;   /* the refinement prefix */
    qtr_sabre_result best;
    memset(&g, 0, sizeof g);
    memset(&d, 0, sizeof d);
    memset(&dp, 0, sizeof dp);
    memset(&best, 0, sizeof best);
    uint32_t *dense = NULL, *ident = NULL, *lays = NULL, *vcomp = NULL;
    uint64_t *keys = NULL, (*rank)[2] = NULL;
    uint8_t *cached = NULL;
    qtr_sabre_dag *chunks = NULL;
    uint32_t *chunk_first = NULL, nchunks = 0;
    qtr_status st = qtr_rtarget_init(&rt, t, ctx);
    if (st) return st;
    /* the interaction graph and the DAG within the circuit's budget,
     * weighed before they are built; the DAG is counted in the circuit's
     * allocator while it lives, the graph with the trials' scratch below */
    if ((st = qtr_igraph_build_in(&g, c, &c->alloc, "layout", ctx)) ||
        (st = qtr_sabre_dag_build_in(&d, c, &c->alloc, "layout", ctx)))
        goto done;

    /* the component that takes the interacting qubits: the largest; when
     * they do not fit there, the circuit's own connected parts are spread
     * over the components */
    uint32_t comp = 0;
    for (uint32_t k = 1; k < rt.ncomp; k++)
        if (rt.comp_size[k] > rt.comp_size[comp]) comp = k;
    if (g.ninteracting > rt.comp_size[comp] &&
        (st = distribute(&g, &rt, t->name, &vcomp, ctx)))
        goto done;
    uint32_t ntotal = o->layout_trials + 3;
    uint32_t swap_trials = o->swap_trials ? o->swap_trials : 1;
    if ((uint64_t)ntotal * swap_trials >= (1u << KEY_BITS)) {
        st = qtr_fail(ctx, QTR_ELIMIT, "layout: %u x %u trials are too many", ntotal, swap_trials);
        goto done;
    }
    dense = malloc((size_t)(n ? n : 1) * sizeof *dense);
    ident = malloc((size_t)(n ? n : 1) * sizeof *ident);
    lays = malloc((size_t)ntotal * (n ? n : 1) * sizeof *lays);
    keys = malloc((size_t)ntotal * sizeof *keys);
    rank = malloc((size_t)ntotal * sizeof *rank);
    cached = calloc(ntotal, 1);
    if (!dense || !ident || !lays || !keys || !rank || !cached || qtr_sabre_result_init(&best, n)) {
        st = qtr_fail(ctx, QTR_ENOMEM, "SABRE layout on %u qubits", n);
        goto done;
    }
    for (uint32_t p = 0; p < n; p++) ident[p] = p;
    if (vcomp) {
        /* no dense start across components: a random one takes its place */
        for (uint32_t v = 0; v < nv; v++) dense[v] = QTR_NONE;
    } else if ((st = qtr_layout_dense(&g, &rt, comp, dense, ctx))) {
        goto done;
    }
    /* the probe's scratch (a trial state and a result beside the buffers
     * above and the graph) within the budget before pick_dag takes it */
    size_t gbytes = (size_t)g.off[g.n] * (sizeof *g.nbr + sizeof *g.ecount + sizeof *g.efwd) +
                    (size_t)g.n * (sizeof *g.off + sizeof *g.count1q + sizeof *g.deg);
    if (qtr_sabre_budget_fits(&c->alloc,
                              (size_t)ntotal * (n * sizeof *lays + sizeof *keys + sizeof *rank + 1) +
                                  2 * (size_t)n * sizeof *dense + gbytes +
                                  qtr_sabre_scratch_bytes(&d, &rt, &best, 1))) {
        st = qtr_fail_budget(ctx, "layout", c->alloc.limit);
        goto done;
    }
    qtr_sabre_heur probe;
    qtr_sabre_heur_decay(&probe, n);
    if (o->absorb > 0.0) probe.absorb = o->absorb;
    int commuted;
    uint64_t least;
    if ((st = pick_dag(&d, c, &rt, &g, dense, comp, vcomp, &probe, o->seed, o->probe_trials,
                       &commuted, o->give_up_cost ? &least : NULL, ctx)))
        goto done;
    if (o->give_up_cost && least != UINT64_MAX && least >= o->give_up_cost) {
        *nswaps = UINT64_MAX;   /* not worth routing: the circuit stays as it was */
        goto done;
    }
    /* fewer trials where the commutation DAG routes better (the buffers
     * above keep their size) */
    uint32_t nrandom = o->layout_trials;
    if (commuted && o->commute_layout_trials && o->commute_layout_trials < nrandom) {
        nrandom = o->commute_layout_trials;
        ntotal = nrandom + 3;
    }
    if (commuted && o->commute_swap_trials && o->commute_swap_trials < swap_trials)
        swap_trials = o->commute_swap_trials;
    int prefix = o->prefix_nodes && o->prefix_nodes < d.nnodes;
    if (prefix && (st = dag_range(&d, 0, o->prefix_nodes, &dp, &c->alloc, ctx))) goto done;

    /* Odd-numbered layout trials use another lookahead than Qiskit 2.5+'s
     * next layer at 0.5/n per gate: on DAGs of up to QTR_SABRE_EXT_NODES
     * nodes, 2.2's extended set (20 gates beyond the front, total weight
     * 0.5); on longer ones, where rebuilding that set at every routed step
     * would about double the cost of level 2 (hwb12: 9.8 -> 21.1 s), the
     * next layer at 4x the weight. Neither lookahead suits every circuit: on
     * torino at level 2, square_heisenberg_N100 routes with 317 swaps under
     * the extended set and 396 under Qiskit's layer (1368 cz against 1602;
     * 1317-1431 over seeds 0-4), feynman/tof_10 with 28 against 37, while
     * clifford_100 and qft_N100 keep their Qiskit-layer winners. The winner
     * is still the fewest swaps (or their cost, with o->absorb) over all
     * trials. */
    qtr_sabre_heur h[2];
    qtr_sabre_heur_decay(&h[0], n);
    if (d.nnodes <= QTR_SABRE_EXT_NODES) {
        qtr_sabre_heur_extended(&h[1], n);
    } else {
        h[1] = h[0];
        h[1].look_weight *= 4;
    }
    if (o->absorb > 0.0) h[0].absorb = h[1].absorb = o->absorb;
    shared sh = {&d,    prefix ? &dp : NULL, prefix && o->rank_on_prefix, &rt, &g, h, dense,
                 vcomp, comp, nv, n, nrandom, swap_trials, o->iterations, o->seed,
                 UINT64_MAX, UINT64_MAX, &best, cached, NULL, NULL, 0, 0, {-1, -1}, QTR_OK,
                 UINT32_MAX, ""};

    int par = d.nnodes >= QTR_SABRE_PAR_NODES;
    size_t own = (size_t)ntotal * (n * sizeof *lays + sizeof *keys + sizeof *rank) +
                 2 * (size_t)n * sizeof *dense + gbytes;
    uint32_t nthreads = qtr_sabre_threads(ntotal, par);
    if (prefix) own += part_dag_bytes(&dp, nthreads);   /* and a state on it per thread */
    /* the trials' scratch within the circuit's budget before they take it
     * (the winner's swaps, not known yet, are counted when it is rebuilt) */
    if (qtr_sabre_budget_fits(&c->alloc, own + qtr_sabre_scratch_bytes(&d, &rt, &best, nthreads))) {
        st = qtr_fail_budget(ctx, "layout", c->alloc.limit);
        goto done;
    }
    /* phase 1: refine every starting layout and route it once */
    /* one state (and prefix state) per thread that takes a trial, renewed
     * for each (at most nthreads, as the scratch above counts) */
#pragma omp parallel if (par) num_threads(nthreads)
    {
        qtr_sabre_state *s = NULL, *sp = NULL;
#pragma omp for schedule(dynamic, 1)
        for (uint32_t i = 0; i < ntotal; i++) {
            qtr_ctx lctx;
            qtr_ctx_init(&lctx, qtr_seed_for(o->seed, i));
            if (!s) s = qtr_sabre_state_new(&d, &rt);
            if (prefix && !sp) sp = qtr_sabre_state_new(&dp, &rt);
            if (s) qtr_sabre_state_renew(s);
            if (sp) qtr_sabre_state_renew(sp);
            uint32_t *lay = lays + (size_t)i * n;
            qtr_status lst = s && (sp || !prefix)
                                 ? layout_trial(&sh, s, sp, i, lay, &keys[i], &lctx)
                                 : qtr_fail(&lctx, QTR_ENOMEM, "SABRE layout trial %u", i);
            if (lst) record_error(&sh, i, lst, &lctx);
        }
        qtr_sabre_state_free(s);
        qtr_sabre_state_free(sp);
    }
    if (sh.err) goto report;

    /* phase 2: the remaining swap trials, for the most promising layouts
     * only (o->finalists; 0: all, as Qiskit does). Ranking by each layout's
     * first trial is deterministic, so the choice is too. A ranking trial on
     * the prefix routed nothing that counts: the finalists then get all
     * their trials here. */
    for (uint32_t i = 0; i < ntotal; i++) {
        rank[i][0] = keys[i];
        rank[i][1] = i;
    }
    qsort(rank, ntotal, sizeof *rank, cmp_key_index);
    uint32_t nfinal = o->finalists && o->finalists < ntotal ? o->finalists : ntotal;
    while (nfinal && rank[nfinal - 1][0] == UINT64_MAX) nfinal--;   /* starts that did not fit */
    uint32_t j0 = sh.rank_prefix ? 0 : 1, per = swap_trials - j0;
    uint32_t npairs = nfinal * per;
    uint32_t cn = o->chunk_nodes, ct = o->chunk_trials;
    if (cn && (uint64_t)o->chunk_per_qubit * g.ninteracting > cn)
        cn = o->chunk_per_qubit * g.ninteracting;
    /* parts of cn nodes, a short last part joined to the one before; one
     * part would only be fewer whole trials */
    if (cn && ct && per && (d.nnodes + cn / 2) / cn >= 2) {
        nchunks = (d.nnodes + cn / 2) / cn;
        chunks = calloc(nchunks, sizeof *chunks);
        chunk_first = malloc(((size_t)nchunks + 1) * sizeof *chunk_first);
        if (!chunks || !chunk_first) {
            st = qtr_fail(ctx, QTR_ENOMEM, "SABRE layout: %u parts", nchunks);
            goto done;
        }
        for (uint32_t k = 0; k < nchunks; k++) chunk_first[k] = k * cn;
        chunk_first[nchunks] = d.nnodes;
        for (uint32_t k = 0; k < nchunks; k++)
            if ((st = dag_range(&d, chunk_first[k], chunk_first[k + 1], &chunks[k], &c->alloc,
                                ctx)))
                goto done;
        for (uint32_t k = 0; k < nchunks; k++)   /* the parts, a state on the last per thread */
            own += part_dag_bytes(&chunks[k], k + 1 == nchunks ? nthreads : 0);
        if (qtr_sabre_budget_fits(&c->alloc,
                                  own + qtr_sabre_scratch_bytes(&d, &rt, &best, nthreads))) {
            st = qtr_fail_budget(ctx, "layout", c->alloc.limit);
            goto done;
        }
        sh.chunks = chunks;
        sh.chunk_first = chunk_first;
        sh.nchunks = nchunks;
        sh.chunk_trials = ct;
        npairs = 0;
#pragma omp parallel for schedule(dynamic, 1) if (par)
        for (uint32_t k = 0; k < nfinal; k++) {
            uint32_t i = (uint32_t)rank[k][1];
            qtr_ctx lctx;
            qtr_ctx_init(&lctx, 0);
            qtr_status lst = chunked_trial(&sh, i, lays + (size_t)i * n, &lctx);
            if (lst) record_error(&sh, ntotal + k, lst, &lctx);
        }
    }
    /* the finalists' trials taken in turn (trial j of each, then j + 1):
     * the best of them is found sooner, so the others stop earlier (QAOA
     * N100 -O 2: 2.2% fewer instructions here). The bound is exact, so the
     * winner does not depend on the order. */
#pragma omp parallel if (par) num_threads(nthreads)
    {
        qtr_sabre_state *s = NULL;
#pragma omp for schedule(dynamic, 1)
        for (uint32_t k = 0; k < npairs; k++) {
            uint32_t i = (uint32_t)rank[k % nfinal][1], j = j0 + k / nfinal;
            qtr_ctx lctx;
            qtr_ctx_init(&lctx, 0);
            if (!s) s = qtr_sabre_state_new(&d, &rt);
            if (s) {
                qtr_sabre_state_renew(s);
                qtr_sabre_state_set_cached(s, sh.cached[i]);
            }
            qtr_status lst = s ? swap_trial(&sh, s, i, j, lays + (size_t)i * n, &lctx)
                               : qtr_fail(&lctx, QTR_ENOMEM, "SABRE swap trial %u.%u", i, j);
            if (lst) record_error(&sh, ntotal + k, lst, &lctx);
        }
        qtr_sabre_state_free(s);
    }
report:
    if (sh.err) {
        st = qtr_fail(ctx, sh.err, "%s", sh.err_msg);
        goto done;
    }
    if (sh.best_key == UINT64_MAX) {
        st = qtr_fail(ctx, QTR_ETARGET, "layout: no starting layout fits '%s'", t->name);
        goto done;
    }
    /* widen onto the physical register (operands keep their virtual
     * numbers), then lay out and insert the swaps */
    /* scratch counted in the circuit's peak: routing's, plus the refined
     * layouts, their ranks and the interaction graph */
    if (nchunks)   /* per thread, a finalist's whole result beside its part results */
        own += (size_t)nthreads * 2 * (best.caporder * 2 * sizeof(uint32_t) +
                                       best.capswaps * sizeof *best.swaps);
    size_t scratch = own + qtr_sabre_scratch_bytes(&d, &rt, &best, nthreads);
    qtr_sabre_charge_scratch(&c->alloc, scratch);   /* while the trials ran */
    qtr_sabre_release_scratch(&c->alloc, scratch);
    scratch = own + qtr_sabre_scratch_bytes(&d, &rt, &best, 0);
    qtr_sabre_charge_scratch(&c->alloc, scratch);   /* while rebuilding */
    st = qtr_circuit_remap_qubits(c, ident, n, ctx);
    if (!st) st = qtr_sabre_rebuild(c, &d, &best, ctx);
    qtr_sabre_release_scratch(&c->alloc, scratch);
    if (st) goto done;
    for (uint32_t v = 0; v < nv; v++) {
        initial[v] = best.layout0[v];
        final[v] = best.layout1[v];
    }
    *nswaps = best.nswaps;
done:
    for (uint32_t k = 0; chunks && k < nchunks; k++) qtr_sabre_dag_fini(&chunks[k]);
    free(chunks);
    free(chunk_first);
    free(vcomp);
    free(dense);
    free(ident);
    free(lays);
    free(keys);
    free(rank);
    free(cached);
    qtr_sabre_result_fini(&best);
    qtr_sabre_dag_fini(&dp);
    qtr_sabre_dag_fini(&d);
    qtr_igraph_fini(&g);
    qtr_rtarget_fini(&rt);
    return st;
}
