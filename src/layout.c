/* layout.c -- shared pieces of the layout and routing passes: the routing
 * view of a target (hop distances, connected components, bipartiteness), the
 * circuit's interaction graph, the dense-subset layout and the "is the
 * current placement already routed" check.
 *
 * Owns: the arrays of qtr_rtarget and qtr_igraph (plain malloc: pass
 * scratch, freed by their fini). Borrows: target and circuit, read only.
 * Budget: qtr_igraph_build_in weighs the graph builder's bytes (one
 * formula, igraph_high: a bound from the circuit's 2q count before, the
 * real figure after) against the circuit's budget before it allocates. */
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "sabre.h"

/* ======================================================================
 * The routing target
 * ====================================================================== */

void qtr_rtarget_fini(qtr_rtarget *rt)
{
    free(rt->dist);
    free(rt->comp);
    free(rt->comp_size);
    free(rt->rev);
    free(rt->edge);
    free(rt->ends);
    memset(rt, 0, sizeof *rt);
}

qtr_status qtr_rtarget_init(qtr_rtarget *rt, const qtr_target *t, qtr_ctx *ctx)
{
    memset(rt, 0, sizeof *rt);
    uint32_t n = t->nqubits;
    if (!t->adj_off || !t->adj)
        return qtr_fail(ctx, QTR_EINVAL, "target '%s' was not finished (no adjacency)", t->name);
    /* 16-bit hop counts keep the matrix in cache for real devices; a target
     * this wide would need gigabytes of distances anyway */
    if (n >= QTR_DIST_INF)
        return qtr_fail(ctx, QTR_ELIMIT, "routing: target '%s' has %u qubits, more than %u",
                        t->name, n, QTR_DIST_INF - 1);
    uint32_t *d32 = NULL, *queue = NULL;
    if (!t->dist) {   /* not kept by the target (too wide or too dense) */
        qtr_status st = qtr_target_distances(t, &d32, ctx);
        if (st) return st;
    }
    rt->n = n;
    rt->adj_off = t->adj_off;
    rt->adj = t->adj;
    rt->dist = malloc((size_t)n * n * sizeof *rt->dist);
    rt->comp = malloc((size_t)n * sizeof *rt->comp);
    rt->comp_size = calloc(n, sizeof *rt->comp_size);
    size_t nent = (size_t)t->adj_off[n] + 1;
    rt->rev = malloc(nent * sizeof *rt->rev);
    rt->edge = malloc(nent * sizeof *rt->edge);
    rt->ends = malloc(nent * sizeof *rt->ends);
    queue = malloc((size_t)n * sizeof *queue);
    uint8_t *colour = calloc(n, 1);
    if (!rt->dist || !rt->comp || !rt->comp_size || !rt->rev || !rt->edge || !rt->ends || !queue ||
        !colour) {
        free(d32);
        free(queue);
        free(colour);
        qtr_rtarget_fini(rt);
        return qtr_fail(ctx, QTR_ENOMEM, "routing: distances of %u qubits", n);
    }
    if (t->dist)
        memcpy(rt->dist, t->dist, (size_t)n * n * sizeof *rt->dist);
    else
        for (size_t i = 0; i < (size_t)n * n; i++)
            rt->dist[i] = d32[i] >= QTR_DIST_INF ? QTR_DIST_INF : (uint16_t)d32[i];
    free(d32);

    /* components and 2-colouring by BFS */
    rt->bipartite = 1;
    for (uint32_t p = 0; p < n; p++) rt->comp[p] = QTR_NONE;
    for (uint32_t s = 0; s < n; s++) {
        if (rt->comp[s] != QTR_NONE) continue;
        uint32_t head = 0, tail = 0, id = rt->ncomp++;
        rt->comp[s] = id;
        colour[s] = 1;
        queue[tail++] = s;
        while (head < tail) {
            uint32_t p = queue[head++];
            rt->comp_size[id]++;
            for (uint32_t k = rt->adj_off[p]; k < rt->adj_off[p + 1]; k++) {
                uint32_t q = rt->adj[k];
                if (rt->comp[q] == QTR_NONE) {
                    rt->comp[q] = id;
                    colour[q] = (uint8_t)(3 - colour[p]);
                    queue[tail++] = q;
                } else if (colour[q] == colour[p]) {
                    rt->bipartite = 0;
                }
            }
        }
    }
    for (uint32_t p = 0; p < n; p++) {
        uint32_t deg = rt->adj_off[p + 1] - rt->adj_off[p];
        if (deg > rt->maxdeg) rt->maxdeg = deg;
        for (uint32_t k = rt->adj_off[p]; k < rt->adj_off[p + 1]; k++) {
            uint32_t q = rt->adj[k], r = rt->adj_off[q];
            while (rt->adj[r] != p) r++;   /* the CSR is symmetric */
            rt->rev[k] = r;
            if (p < q) {
                rt->ends[rt->nedges][0] = p;
                rt->ends[rt->nedges][1] = q;
                rt->edge[k] = rt->nedges++;
            } else {
                rt->edge[k] = rt->edge[r];   /* numbered from q's row, seen first */
            }
        }
    }
    free(queue);
    free(colour);
    return QTR_OK;
}

/* ======================================================================
 * The interaction graph
 * ====================================================================== */

void qtr_igraph_fini(qtr_igraph *g)
{
    free(g->off);
    free(g->nbr);
    free(g->ecount);
    free(g->efwd);
    free(g->count1q);
    free(g->deg);
    memset(g, 0, sizeof *g);
}

/* Sort k qubit pairs (a << 32 | b, a and b < n) by (a, b): two stable
 * counting-sort passes, b then a, O(k + n). qsort took a tenth of level 1's
 * time on long circuits (hwb12: 650,000 pairs, sorted three times). */
static int sort_pairs(uint64_t *p, size_t k, uint32_t n)
{
    uint64_t *tmp = malloc((k ? k : 1) * sizeof *tmp);
    size_t *at = malloc(((size_t)n + 1) * sizeof *at);
    if (!tmp || !at) {
        free(tmp);
        free(at);
        return -1;
    }
    uint64_t *src = p, *dst = tmp;
    for (int shift = 0; shift <= 32; shift += 32) {
        memset(at, 0, ((size_t)n + 1) * sizeof *at);
        for (size_t i = 0; i < k; i++) at[(uint32_t)(src[i] >> shift) + 1]++;
        for (uint32_t v = 0; v < n; v++) at[v + 1] += at[v];
        for (size_t i = 0; i < k; i++) dst[at[(uint32_t)(src[i] >> shift)]++] = src[i];
        uint64_t *x = src;
        src = dst;
        dst = x;
    }
    free(tmp);   /* two passes: the sorted pairs are back in p */
    free(at);
    return 0;
}

/* Bytes the graph's builder holds at once, for n qubits, np records that
 * may be 2q gates (pairs, dpairs), k 2q gates (cnt; the sort's tmp) and u
 * distinct pairs: the high water is the second sort_pairs, when every array
 * is live: pairs, dpairs, off, count1q, deg, cnt, nbr, ecount, efwd, fill,
 * and the sort's tmp and at. */
static size_t igraph_high(size_t n, size_t np, size_t k, size_t u)
{
    return 2 * (np ? np : 1) * sizeof(uint64_t) + 2 * (n + 1) * sizeof(uint32_t) +
           (n ? n : 1) * (sizeof(uint64_t) + sizeof(uint32_t)) +
           2 * (k ? k : 1) * sizeof(uint64_t) +
           (2 * u + 1) * (sizeof(uint32_t) + 2 * sizeof(uint64_t)) + (n + 1) * sizeof(size_t);
}

/* Records that may be 2q gates, as the builder counts them. */
static size_t count_pairs(const qtr_circuit *c)
{
    size_t npairs = 0;
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        if (in->op != QTR_OP_BARRIER && in->op != QTR_OP_MEASURE && in->nargs == 2) npairs++;
    }
    return npairs;
}

size_t qtr_igraph_build_bytes(const qtr_circuit *c)
{
    size_t np = count_pairs(c);
    return igraph_high(c->nqubits, np, np, np);
}

static qtr_status igraph_build(qtr_igraph *g, const qtr_circuit *c, size_t *high, qtr_ctx *ctx);

qtr_status qtr_igraph_build(qtr_igraph *g, const qtr_circuit *c, qtr_ctx *ctx)
{
    size_t high;
    return igraph_build(g, c, &high, ctx);
}

qtr_status qtr_igraph_build_in(qtr_igraph *g, const qtr_circuit *c, qtr_alloc *a,
                               const char *what, qtr_ctx *ctx)
{
    size_t bound = 0, high = 0;
    if (a->limit) {
        bound = qtr_igraph_build_bytes(c);
        if (qtr_sabre_budget_fits(a, bound)) {
            memset(g, 0, sizeof *g);
            return qtr_fail_budget(ctx, what, a->limit);
        }
    }
    qtr_status st = igraph_build(g, c, &high, ctx);
    if (st) return st;
    QTR_ASSERT(!a->limit || high <= bound);
    qtr_sabre_charge_scratch(a, high);   /* while it was built */
    qtr_sabre_release_scratch(a, high);
    return QTR_OK;
}

static qtr_status igraph_build(qtr_igraph *g, const qtr_circuit *c, size_t *high, qtr_ctx *ctx)
{
    memset(g, 0, sizeof *g);
    uint32_t n = c->nqubits;
    g->n = n;
    size_t npairs = count_pairs(c);
    uint64_t *pairs = malloc((npairs ? npairs : 1) * sizeof *pairs);
    uint64_t *dpairs = malloc((npairs ? npairs : 1) * sizeof *dpairs);   /* as written */
    g->off = calloc((size_t)n + 1, sizeof *g->off);
    g->count1q = calloc(n ? n : 1, sizeof *g->count1q);
    g->deg = calloc(n ? n : 1, sizeof *g->deg);
    if (!pairs || !dpairs || !g->off || !g->count1q || !g->deg) goto nomem;
    size_t k = 0;
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        if (in->op == QTR_OP_NOP || in->op == QTR_OP_BARRIER) continue;
        const uint32_t *q = qtr_inst_operands(c, in);
        if (in->op == QTR_OP_MEASURE || in->nargs == 1) {
            g->count1q[q[0]]++;
        } else if (in->nargs == 2) {
            uint32_t a = q[0] < q[1] ? q[0] : q[1], b = q[0] < q[1] ? q[1] : q[0];
            dpairs[k] = (uint64_t)q[0] << 32 | q[1];
            pairs[k++] = (uint64_t)a << 32 | b;
        } else {
            g->multiq = 1;
        }
    }
    if (sort_pairs(pairs, k, n)) goto nomem;
    /* unique pairs with counts, kept in pairs[] / a parallel count array */
    uint64_t *cnt = malloc((k ? k : 1) * sizeof *cnt);
    if (!cnt) goto nomem;
    size_t u = 0;
    for (size_t i = 0; i < k; i++) {
        if (u && pairs[u - 1] == pairs[i]) {
            cnt[u - 1]++;
        } else {
            pairs[u] = pairs[i];
            cnt[u++] = 1;
        }
    }
    g->nedges = (uint32_t)u;
    for (size_t i = 0; i < u; i++) {
        g->off[(pairs[i] >> 32) + 1]++;
        g->off[(uint32_t)pairs[i] + 1]++;
    }
    for (uint32_t v = 0; v < n; v++) g->off[v + 1] += g->off[v];
    g->nbr = malloc((2 * u + 1) * sizeof *g->nbr);
    g->ecount = malloc((2 * u + 1) * sizeof *g->ecount);
    g->efwd = calloc(2 * u + 1, sizeof *g->efwd);
    uint32_t *fill = malloc(((size_t)n + 1) * sizeof *fill);
    if (!g->nbr || !g->ecount || !g->efwd || !fill) {
        free(fill);
        free(cnt);
        goto nomem;
    }
    memcpy(fill, g->off, ((size_t)n + 1) * sizeof *fill);
    /* pairs are sorted by (a, b): row a gets b in order; row b gets a in
     * order of a, which is also ascending, so rows come out sorted */
    for (size_t i = 0; i < u; i++) {
        uint32_t a = (uint32_t)(pairs[i] >> 32), b = (uint32_t)pairs[i];
        g->nbr[fill[a]] = b;
        g->ecount[fill[a]++] = cnt[i];
        g->nbr[fill[b]] = a;
        g->ecount[fill[b]++] = cnt[i];
    }
    /* directed uses: each gate (a, b) counts on row a's entry for b */
    if (sort_pairs(dpairs, k, n)) {
        free(fill);
        free(cnt);
        goto nomem;
    }
    for (size_t i = 0; i < k; i++) {
        uint32_t a = (uint32_t)(dpairs[i] >> 32), b = (uint32_t)dpairs[i];
        uint32_t lo = g->off[a], hi = g->off[a + 1];
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (g->nbr[mid] < b) lo = mid + 1;
            else hi = mid;
        }
        g->efwd[lo]++;
    }
    *high = igraph_high(n, npairs, k, u);
    free(fill);
    free(cnt);
    free(pairs);
    free(dpairs);
    for (uint32_t v = 0; v < n; v++) {
        g->deg[v] = g->off[v + 1] - g->off[v];
        if (g->deg[v]) g->ninteracting++;
    }
    return QTR_OK;
nomem:
    free(pairs);
    free(dpairs);
    qtr_igraph_fini(g);
    return qtr_fail(ctx, QTR_ENOMEM, "interaction graph of %u qubits", n);
}

/* ======================================================================
 * Dense subset
 * ====================================================================== */

typedef struct {
    uint32_t key, tie, id;
} rank3;

static int cmp_rank_desc(const void *x, const void *y)
{
    const rank3 *a = x, *b = y;
    if (a->key != b->key) return a->key > b->key ? -1 : 1;
    return a->tie < b->tie ? -1 : a->tie > b->tie;
}

qtr_status qtr_layout_dense(const qtr_igraph *g, const qtr_rtarget *rt, uint32_t comp,
                            uint32_t *v2p, qtr_ctx *ctx)
{
    uint32_t n = rt->n, k = g->ninteracting;
    for (uint32_t v = 0; v < g->n; v++) v2p[v] = QTR_NONE;
    if (k == 0) return QTR_OK;
    uint32_t *order = malloc((size_t)n * sizeof *order);
    uint32_t *best = malloc((size_t)k * sizeof *best);
    uint32_t *mark = calloc(n, sizeof *mark), *member = calloc(n, sizeof *member);
    rank3 *vr = malloc((size_t)g->n * sizeof *vr), *pr = malloc((size_t)k * sizeof *pr);
    qtr_status st = QTR_OK;
    if (!order || !best || !mark || !member || !vr || !pr) {
        st = qtr_fail(ctx, QTR_ENOMEM, "dense layout on %u qubits", n);
        goto done;
    }
    /* BFS ball of k qubits from each start; most internal edges wins, the
     * lowest start on ties */
    long best_edges = -1;
    for (uint32_t s = 0; s < n; s++) {
        if (comp != QTR_NONE && rt->comp[s] != comp) continue;
        if (rt->comp_size[rt->comp[s]] < k) continue;
        uint32_t stampv = s + 1, head = 0, tail = 0;
        mark[s] = stampv;
        order[tail++] = s;
        while (head < tail && tail < k) {
            uint32_t p = order[head++];
            for (uint32_t e = rt->adj_off[p]; e < rt->adj_off[p + 1] && tail < k; e++) {
                uint32_t q = rt->adj[e];
                if (mark[q] != stampv) {
                    mark[q] = stampv;
                    order[tail++] = q;
                }
            }
        }
        if (tail < k) continue;
        /* BFS marks also cover qubits queued beyond the first k: mark the
         * members apart (stamps never repeat between starts) */
        for (uint32_t i = 0; i < k; i++) member[order[i]] = stampv;
        long edges = 0;
        for (uint32_t i = 0; i < k; i++) {
            uint32_t p = order[i];
            for (uint32_t e = rt->adj_off[p]; e < rt->adj_off[p + 1]; e++)
                edges += member[rt->adj[e]] == stampv;
        }
        if (edges > best_edges) {
            best_edges = edges;
            memcpy(best, order, (size_t)k * sizeof *best);
        }
    }
    if (best_edges < 0) {
        st = qtr_fail(ctx, QTR_ETARGET, "dense layout: no connected set of %u qubits", k);
        goto done;
    }
    /* busiest virtual qubits onto the best-connected physical ones */
    uint32_t best_stamp = n + 1;   /* no start used this stamp */
    for (uint32_t i = 0; i < k; i++) member[best[i]] = best_stamp;
    uint32_t nv = 0;
    for (uint32_t v = 0; v < g->n; v++)
        if (g->deg[v]) vr[nv++] = (rank3){g->deg[v], v, v};
    for (uint32_t i = 0; i < k; i++) {
        uint32_t p = best[i], deg = 0;
        for (uint32_t e = rt->adj_off[p]; e < rt->adj_off[p + 1]; e++)
            deg += member[rt->adj[e]] == best_stamp;
        pr[i] = (rank3){deg, i, p};
    }
    qsort(vr, nv, sizeof *vr, cmp_rank_desc);
    qsort(pr, k, sizeof *pr, cmp_rank_desc);
    for (uint32_t i = 0; i < k; i++) v2p[vr[i].id] = pr[i].id;
done:
    free(order);
    free(best);
    free(mark);
    free(member);
    free(vr);
    free(pr);
    return st;
}

/* ======================================================================
 * Checks
 * ====================================================================== */

int qtr_layout_is_perfect(const qtr_circuit *c, const qtr_target *t)
{
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        if (in->op == QTR_OP_NOP || in->op == QTR_OP_BARRIER || in->op == QTR_OP_MEASURE ||
            in->nargs < 2)
            continue;
        if (in->nargs > 2) return 0;
        const uint32_t *q = qtr_inst_operands(c, in);
        if (q[0] >= t->nqubits || q[1] >= t->nqubits || !qtr_target_connected(t, q[0], q[1]))
            return 0;
    }
    return 1;
}

int qtr_sabre_layout_feasible(const qtr_sabre_dag *d, const qtr_rtarget *rt, const uint32_t *v2p)
{
    for (uint32_t k = 0; k < d->nnodes; k++) {
        if (d->q[k][0] == QTR_NONE) continue;
        if (rt->comp[v2p[d->q[k][0]]] != rt->comp[v2p[d->q[k][1]]]) return 0;
    }
    return 1;
}
