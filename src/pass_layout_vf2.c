/* pass_layout_vf2.c -- VF2Layout (design/ALGORITHMS.md §4): an exact search
 * for a placement of the circuit's interaction graph as a (not necessarily
 * induced) subgraph of the coupling graph, so no swap is needed; among the
 * placements found within the call limits, the one with the lowest expected
 * error wins. Also the matching engine VF2PostLayout reuses.
 *
 * Search: depth-first over pattern qubits in VF2++ order (Jüttner & Madarasi
 * 2018: BFS from the busiest qubit; within a BFS level, most already-ordered
 * neighbours first, then degree, then lowest index), candidates drawn from
 * the neighbours of an already-placed neighbour, branch and bound on the
 * score (all costs are ≥ 0, so a partial score only grows). Cheap exact
 * tests reject impossible cases before searching: more qubits or edges than
 * the target, a degree sequence the target cannot host, an odd cycle when
 * the target is bipartite (heavy-hex, grids: any circuit with a triangle).
 *
 * Owns: weights and search scratch (plain malloc). Borrows: circuit, target. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "pass.h"
#include "sabre.h"

#define COST_MAX 1e30   /* error ≥ 1: unusable, but sums stay finite */

/* ======================================================================
 * Weights
 * ====================================================================== */

void qtr_vf2_weights_fini(qtr_vf2_weights *w)
{
    free(w->nw);
    free(w->ew);
    free(w->ewd);
    memset(w, 0, sizeof *w);
}

static double cost_of(double e)
{
    if (isnan(e) || e <= 0) return 0.0;
    if (e >= 1) return COST_MAX;
    return -log1p(-e);
}

qtr_status qtr_vf2_weights_init(qtr_vf2_weights *w, const qtr_target *t, const qtr_rtarget *rt,
                                qtr_ctx *ctx)
{
    uint32_t n = rt->n;
    size_t ne = rt->adj_off[n];
    w->nw = malloc((n ? n : 1) * sizeof *w->nw);
    w->ew = malloc((ne ? ne : 1) * sizeof *w->ew);
    w->ewd = malloc((ne ? ne : 1) * sizeof *w->ewd);
    if (!w->nw || !w->ew || !w->ewd) {
        qtr_vf2_weights_fini(w);
        return qtr_fail(ctx, QTR_ENOMEM, "layout scores for %u qubits", n);
    }
    w->from_errors = t->err1q || t->err_readout || t->err2q;
    for (uint32_t p = 0; p < n; p++) {
        if (w->from_errors) {
            /* the mean of what is known about operations on this qubit */
            double sum = 0;
            int k = 0;
            if (t->err1q && !isnan(t->err1q[p])) sum += t->err1q[p], k++;
            if (t->err_readout && !isnan(t->err_readout[p])) sum += t->err_readout[p], k++;
            w->nw[p] = cost_of(k ? sum / k : NAN);
        } else {
            /* no calibration: prefer low-degree qubits, keeping hubs free */
            w->nw[p] = (double)(rt->adj_off[p + 1] - rt->adj_off[p]) / n;
        }
    }
    for (uint32_t p = 0; p < n; p++)
        for (uint32_t e = rt->adj_off[p]; e < rt->adj_off[p + 1]; e++) {
            uint32_t q = rt->adj[e];
            long i1 = qtr_target_edge_index(t, p, q), i2 = qtr_target_edge_index(t, q, p);
            if (!w->from_errors) {
                w->ew[e] = 0.5 * (w->nw[p] + w->nw[q]);
                w->ewd[e] = i1 >= 0 ? w->ew[e] : -1.0;
                continue;
            }
            w->ewd[e] = i1 < 0 ? -1.0 : cost_of(t->err2q ? t->err2q[i1] : NAN);
            /* undirected use: the better direction (translation may flip) */
            double best = NAN;
            if (t->err2q && i1 >= 0 && !isnan(t->err2q[i1])) best = t->err2q[i1];
            if (t->err2q && i2 >= 0 && !isnan(t->err2q[i2]) && !(t->err2q[i2] >= best))
                best = t->err2q[i2];
            w->ew[e] = cost_of(best);
        }
    return QTR_OK;
}

/* Index of (p, q) in rt->adj, or -1 when they are not coupled. */
static long adj_entry(const qtr_rtarget *rt, uint32_t p, uint32_t q)
{
    uint32_t lo = rt->adj_off[p], hi = rt->adj_off[p + 1];
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (rt->adj[mid] < q) lo = mid + 1;
        else hi = mid;
    }
    return lo < rt->adj_off[p + 1] && rt->adj[lo] == q ? (long)lo : -1;
}

/* Cost of the 2q gates of g's CSR entry @p e (row qubit on p, partner on
 * q), or -1 when the placement cannot host them. Non-strict: the undirected
 * edge. Strict: the gates written (row, partner) need the directed edge
 * (p, q), the others (q, p); each costs its own direction. */
static double pair_cost(const qtr_igraph *g, const qtr_rtarget *rt, const qtr_vf2_weights *w,
                        uint32_t e, uint32_t p, uint32_t q, int strict)
{
    long k = adj_entry(rt, p, q);
    if (k < 0) return -1.0;
    if (!strict) return (double)g->ecount[e] * w->ew[k];
    uint64_t fwd = g->efwd[e], rev = g->ecount[e] - fwd;
    double c = 0;
    if (fwd) {
        if (w->ewd[k] < 0) return -1.0;
        c += (double)fwd * w->ewd[k];
    }
    if (rev) {
        long r = adj_entry(rt, q, p);
        if (r < 0 || w->ewd[r] < 0) return -1.0;
        c += (double)rev * w->ewd[r];
    }
    return c;
}

double qtr_vf2_score(const qtr_igraph *g, const qtr_rtarget *rt, const qtr_vf2_weights *w,
                     const uint32_t *map, int strict)
{
    double s = 0;
    for (uint32_t v = 0; v < g->n; v++) {
        if (!g->deg[v]) continue;
        s += (double)g->count1q[v] * w->nw[map[v]];
        for (uint32_t e = g->off[v]; e < g->off[v + 1]; e++) {
            uint32_t u = g->nbr[e];
            if (u < v) continue;   /* each pair once */
            double c = pair_cost(g, rt, w, e, map[v], map[u], strict);
            if (c < 0) return HUGE_VAL;
            s += c;
        }
    }
    return s;
}

/* ======================================================================
 * Exact rejections
 * ====================================================================== */

static int cmp_u32_desc(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a > b ? -1 : a < b;
}

/* 1 when g (its interacting part) has an odd cycle. */
static int has_odd_cycle(const qtr_igraph *g, uint8_t *colour, uint32_t *queue)
{
    memset(colour, 0, g->n);
    for (uint32_t s = 0; s < g->n; s++) {
        if (!g->deg[s] || colour[s]) continue;
        uint32_t head = 0, tail = 0;
        colour[s] = 1;
        queue[tail++] = s;
        while (head < tail) {
            uint32_t v = queue[head++];
            for (uint32_t e = g->off[v]; e < g->off[v + 1]; e++) {
                uint32_t u = g->nbr[e];
                if (!colour[u]) {
                    colour[u] = (uint8_t)(3 - colour[v]);
                    queue[tail++] = u;
                } else if (colour[u] == colour[v]) {
                    return 1;
                }
            }
        }
    }
    return 0;
}

/* 0 when no embedding can exist; 1 when the search must decide. */
static int may_embed(const qtr_igraph *g, const qtr_rtarget *rt, uint32_t *sa, uint32_t *sb,
                     uint8_t *colour)
{
    if (g->ninteracting > rt->n || g->nedges > rt->adj_off[rt->n] / 2) return 0;
    uint32_t k = 0;
    for (uint32_t v = 0; v < g->n; v++)
        if (g->deg[v]) sa[k++] = g->deg[v];
    for (uint32_t p = 0; p < rt->n; p++) sb[p] = rt->adj_off[p + 1] - rt->adj_off[p];
    qsort(sa, k, sizeof *sa, cmp_u32_desc);
    qsort(sb, rt->n, sizeof *sb, cmp_u32_desc);
    /* the i-th busiest circuit qubit needs a distinct target qubit of at
     * least its degree */
    for (uint32_t i = 0; i < k; i++)
        if (sa[i] > sb[i]) return 0;
    if (rt->bipartite && has_odd_cycle(g, colour, sa)) return 0;
    return 1;
}

/* ======================================================================
 * The search
 * ====================================================================== */

/* VF2++ order of the interacting qubits into order[]; returns their count. */
static uint32_t vf2pp_order(const qtr_igraph *g, uint32_t *order, uint32_t *conn,
                            uint8_t *visited, uint32_t *level, uint32_t *next)
{
    uint32_t n = g->n, placed = 0, np = g->ninteracting;
    memset(conn, 0, n * sizeof *conn);
    memset(visited, 0, n);
    while (placed < np) {
        uint32_t root = QTR_NONE;
        for (uint32_t v = 0; v < n; v++)
            if (g->deg[v] && !visited[v] && (root == QTR_NONE || g->deg[v] > g->deg[root]))
                root = v;
        uint32_t nl = 0;
        level[nl++] = root;
        visited[root] = 1;
        while (nl) {
            uint32_t first = placed;
            for (uint32_t left = nl; left; left--) {
                uint32_t bi = 0;
                for (uint32_t i = 1; i < left; i++) {
                    uint32_t x = level[i], b = level[bi];
                    if (conn[x] > conn[b] ||
                        (conn[x] == conn[b] &&
                         (g->deg[x] > g->deg[b] || (g->deg[x] == g->deg[b] && x < b))))
                        bi = i;
                }
                uint32_t x = level[bi];
                level[bi] = level[left - 1];
                order[placed++] = x;
                for (uint32_t e = g->off[x]; e < g->off[x + 1]; e++) conn[g->nbr[e]]++;
            }
            uint32_t nn = 0;
            for (uint32_t i = first; i < placed; i++) {
                uint32_t x = order[i];
                for (uint32_t e = g->off[x]; e < g->off[x + 1]; e++) {
                    uint32_t u = g->nbr[e];
                    if (!visited[u]) {
                        visited[u] = 1;
                        next[nn++] = u;
                    }
                }
            }
            memcpy(level, next, nn * sizeof *level);
            nl = nn;
        }
    }
    return placed;
}

/* Place qubits without 2q gates once the interacting ones are matched. */
static void map_free(const qtr_igraph *g, const qtr_rtarget *rt, const qtr_vf2_weights *w,
                     uint32_t *map, uint8_t *used, uint32_t *a, uint32_t *b)
{
    uint32_t na = 0, nb = 0;
    for (uint32_t v = 0; v < g->n; v++)
        if (!g->deg[v] && g->count1q[v]) a[na++] = v;
    for (uint32_t p = 0; p < rt->n; p++)
        if (!used[p]) b[nb++] = p;
    /* insertion sorts: busiest 1q-only qubits first, cheapest free qubits first */
    for (uint32_t i = 1; i < na; i++)
        for (uint32_t j = i; j > 0 && g->count1q[a[j]] > g->count1q[a[j - 1]]; j--) {
            uint32_t t = a[j]; a[j] = a[j - 1]; a[j - 1] = t;
        }
    for (uint32_t i = 1; i < nb; i++)
        for (uint32_t j = i; j > 0 && w->nw[b[j]] < w->nw[b[j - 1]]; j--) {
            uint32_t t = b[j]; b[j] = b[j - 1]; b[j - 1] = t;
        }
    for (uint32_t i = 0; i < na; i++) {
        map[a[i]] = b[i];
        used[b[i]] = 1;
    }
    uint32_t p = 0;
    for (uint32_t v = 0; v < g->n; v++) {
        if (g->deg[v] || g->count1q[v]) continue;
        while (used[p]) p++;
        map[v] = p;
        used[p] = 1;
    }
}

qtr_status qtr_vf2_match(const qtr_igraph *g, const qtr_rtarget *rt, const qtr_vf2_weights *w,
                         const qtr_vf2_limits *lim, int strict, double bound, uint32_t *map,
                         int *found, qtr_ctx *ctx)
{
    *found = 0;
    uint32_t n = rt->n, nv = g->n;
    if (nv > n) return QTR_OK;
    size_t big = nv > n ? nv : n;
    uint32_t *order = malloc((big + 1) * sizeof *order), *pos = malloc((big + 1) * sizeof *pos);
    uint32_t *anchor = malloc((big + 1) * sizeof *anchor), *ci = malloc((big + 1) * sizeof *ci);
    uint32_t *cur = malloc((big + 1) * sizeof *cur), *best = malloc((big + 1) * sizeof *best);
    uint32_t *s1 = malloc((big + 1) * sizeof *s1), *s2 = malloc((big + 1) * sizeof *s2);
    uint8_t *used = calloc(big + 1, 1), *flags = calloc(big + 1, 1);
    double *score = malloc((big + 2) * sizeof *score);
    qtr_status st = QTR_OK;
    if (!order || !pos || !anchor || !ci || !cur || !best || !s1 || !s2 || !used || !flags ||
        !score) {
        st = qtr_fail(ctx, QTR_ENOMEM, "VF2 search on %u qubits", n);
        goto done;
    }
    if (g->multiq || !may_embed(g, rt, s1, s2, flags)) goto done;

    uint32_t np = vf2pp_order(g, order, s1, flags, s2, anchor);
    for (uint32_t v = 0; v < nv; v++) pos[v] = QTR_NONE;
    for (uint32_t i = 0; i < np; i++) pos[order[i]] = i;
    /* each qubit's anchor: its neighbour placed earliest (candidates come
     * from that neighbour's target neighbours); none for a component root */
    for (uint32_t i = 0; i < np; i++) {
        uint32_t u = order[i], a = QTR_NONE;
        for (uint32_t e = g->off[u]; e < g->off[u + 1]; e++) {
            uint32_t x = g->nbr[e];
            if (pos[x] < i && (a == QTR_NONE || pos[x] < pos[a])) a = x;
        }
        anchor[i] = a;
    }
    uint64_t max_trials = lim->max_trials;
    if (!max_trials) {
        uint64_t ce = rt->adj_off[n] / 2;
        max_trials = 15 + (g->nedges > ce ? g->nedges : ce);
    }
    uint64_t calls = 0, accepted = 0;
    double bestscore = bound;
    uint32_t i = 0;
    score[0] = 0;
    ci[0] = 0;
    for (;;) {
        if (i == np) {
            if (score[np] < bestscore) {
                bestscore = score[np];
                memcpy(best, cur, nv * sizeof *best);
                *found = 1;
                if (++accepted >= max_trials) break;
            }
            if (np == 0) break;
            i--;
            used[cur[order[i]]] = 0;
            continue;
        }
        uint32_t u = order[i], a = anchor[i], p;
        if (a != QTR_NONE) {
            uint32_t pa = cur[a], k = rt->adj_off[pa] + ci[i];
            p = k < rt->adj_off[pa + 1] ? rt->adj[k] : QTR_NONE;
        } else {
            p = ci[i] < n ? ci[i] : QTR_NONE;
        }
        if (p == QTR_NONE) {   /* candidates exhausted: backtrack */
            if (i == 0) break;
            i--;
            used[cur[order[i]]] = 0;
            continue;
        }
        ci[i]++;
        if (++calls > (*found ? lim->call_limit_after : lim->call_limit)) break;
        if (used[p] || rt->adj_off[p + 1] - rt->adj_off[p] < g->deg[u]) continue;
        double sc = score[i] + (double)g->count1q[u] * w->nw[p];
        int ok = 1;
        for (uint32_t e = g->off[u]; e < g->off[u + 1] && ok; e++) {
            uint32_t x = g->nbr[e];
            if (pos[x] >= i) continue;
            double c = pair_cost(g, rt, w, e, p, cur[x], strict);
            if (c < 0) ok = 0;
            else sc += c;
        }
        if (!ok || !(sc < bestscore)) continue;
        cur[u] = p;
        used[p] = 1;
        score[i + 1] = sc;
        ci[++i] = 0;
    }
    if (*found) {
        memset(used, 0, n);
        for (uint32_t v = 0; v < nv; v++) {
            map[v] = g->deg[v] ? best[v] : QTR_NONE;
            if (g->deg[v]) used[best[v]] = 1;
        }
        map_free(g, rt, w, map, used, s1, s2);
    }
done:
    free(order);
    free(pos);
    free(anchor);
    free(ci);
    free(cur);
    free(best);
    free(s1);
    free(s2);
    free(used);
    free(flags);
    free(score);
    return st;
}

/* ======================================================================
 * VF2Layout
 * ====================================================================== */

qtr_status qtr_pass_layout_vf2(const qtr_circuit *c, const qtr_target *t,
                               const qtr_vf2_limits *lim, uint32_t *layout, int *found,
                               qtr_ctx *ctx)
{
    *found = 0;
    if (c->nqubits > t->nqubits) return QTR_OK;
    qtr_rtarget rt;
    qtr_igraph g;
    qtr_vf2_weights w;
    memset(&g, 0, sizeof g);
    memset(&w, 0, sizeof w);
    qtr_status st = qtr_rtarget_init(&rt, t, ctx);
    if (st) return st;
    if (!(st = qtr_igraph_build(&g, c, ctx)) && !(st = qtr_vf2_weights_init(&w, t, &rt, ctx)))
        st = qtr_vf2_match(&g, &rt, &w, lim, 0, HUGE_VAL, layout, found, ctx);
    qtr_vf2_weights_fini(&w);
    qtr_igraph_fini(&g);
    qtr_rtarget_fini(&rt);
    return st;
}
