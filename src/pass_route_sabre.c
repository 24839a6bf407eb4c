/* pass_route_sabre.c -- SABRE swap insertion (Li, Ding & Xie, ASPLOS 2019,
 * arXiv:1809.02573) with LightSABRE's refinements (Zou et al. 2024,
 * arXiv:2409.08368) and Qiskit's parameters (design/ALGORITHMS.md §3):
 * a front layer and one lookahead layer kept as partner arrays so a swap
 * costs O(1) to apply and O(1) to score, decay, random tie-breaks from the
 * trial's own seed, and the release valve that forces progress after
 * attempt_limit fruitless swaps. The lookahead is either that layer
 * (Qiskit 2.5+) or, with qtr_sabre_heur_extended, Qiskit 2.2's extended
 * set: the next ~20 2q gates breadth first from the front, rebuilt after
 * every routed step and kept as per-virtual-qubit lists (a qubit may carry
 * several of its gates).
 *
 * Trials: several seeded trials run in parallel (OpenMP, when built with it);
 * the winner is the one with fewest swaps, ties to the lowest trial index, so
 * the output is the same for any thread count. A trial stops early once it
 * can no longer win (its swap count passed the best finished trial's): that
 * changes the work done, never the winner.
 *
 * Owns: per-trial state and results (plain malloc: pass scratch). Borrows:
 * DAG and routing target (read only, shared by threads). Rewrites: the
 * circuit's instruction array in qtr_sabre_rebuild (through its allocator).
 * After qtr_pass_route_sabre every 2q gate sits on a coupling edge (either
 * direction; translation fixes directions). */
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "common.h"
#include "pass.h"
#include "sabre.h"

enum { NS_PENDING = 0, NS_LOOK = 1, NS_LEFT = 2 };

/* Trials are ranked by the key (swaps << KEY_BITS | trial index). */
#define KEY_BITS 20
#define MAX_TRIALS (1u << KEY_BITS)

static inline uint64_t trial_key(uint64_t swaps, uint64_t index)
{
    return swaps >= (UINT64_MAX >> KEY_BITS) ? UINT64_MAX - 1 : swaps << KEY_BITS | index;
}

/* ======================================================================
 * Heuristic presets (ALGORITHMS.md §3.5)
 * ====================================================================== */

void qtr_sabre_heur_basic(qtr_sabre_heur *h, uint32_t n)
{
    memset(h, 0, sizeof *h);
    h->basic_weight = 1.0;
    h->basic_scaled = 1;
    h->attempt_limit = 10 * (n ? n : 1);
}

void qtr_sabre_heur_decay(qtr_sabre_heur *h, uint32_t n)
{
    memset(h, 0, sizeof *h);
    h->basic_weight = 1.0;
    h->look_weight = 0.5 / (n ? n : 1);
    h->decay = 1;
    h->decay_inc = 0.001;
    h->decay_reset = 5;
    h->attempt_limit = 10 * (n ? n : 1);
}

void qtr_sabre_heur_extended(qtr_sabre_heur *h, uint32_t n)
{
    qtr_sabre_heur_decay(h, n);
    h->look_weight = 0.5;
    h->look_scaled = 1;
    h->ext_size = 20;
}

/* ======================================================================
 * Results
 * ====================================================================== */

qtr_status qtr_sabre_result_init(qtr_sabre_result *r, uint32_t n)
{
    memset(r, 0, sizeof *r);
    r->n = n;
    r->layout0 = malloc((n ? n : 1) * sizeof *r->layout0);
    r->layout1 = malloc((n ? n : 1) * sizeof *r->layout1);
    if (!r->layout0 || !r->layout1) {
        qtr_sabre_result_fini(r);
        return QTR_ENOMEM;
    }
    return QTR_OK;
}

void qtr_sabre_result_fini(qtr_sabre_result *r)
{
    free(r->layout0);
    free(r->layout1);
    free(r->order);
    free(r->swap_end);
    free(r->swaps);
    memset(r, 0, sizeof *r);
}

static void result_swap(qtr_sabre_result *a, qtr_sabre_result *b)
{
    qtr_sabre_result t = *a;
    *a = *b;
    *b = t;
}

/* ======================================================================
 * Trial state
 * ====================================================================== */

/* One layer (front or lookahead) in physical terms: node[p] is the node
 * whose gate is on physical qubit p (QTR_NONE if none) and other[p] its
 * partner; list[] holds the layer's nodes for iteration, slot[] (per node,
 * shared by both layers: a node is in at most one) its position there. */
typedef struct {
    uint32_t *node, *other, *list;
    uint32_t  len;
    int64_t   sum;      /* Σ distances of the layer's gates */
} layer;

struct qtr_sabre_state {
    const qtr_sabre_dag *d;
    const qtr_rtarget   *rt;
    uint32_t  n;                 /* physical qubits */
    uint32_t *v2p, *p2v;
    uint32_t *pred, *pred2;      /* unrouted / not-yet-left predecessors per node */
    uint8_t  *nst;               /* NS_* per node */
    uint32_t *slot;
    layer     front, look;
    double   *decay;             /* valid where dstamp[p] == epoch, else 1.0 */
    uint32_t *dstamp, epoch;     /* so a reset of all qubits is O(1) */
    uint32_t *queue, *stack;     /* nnodes each */
    uint32_t (*cur)[2];          /* swaps since the last progress */
    size_t    capcur;
    uint32_t (*cand)[2];         /* tied best candidates */
    size_t    capcand;
    uint32_t *path;              /* release-valve path, n entries */
    /* the extended set (h->ext_size > 0): gates as virtual pairs, threaded
     * into one list per virtual qubit (entry 2i + side is gate i's end on
     * that side); several gates may share a qubit */
    uint32_t (*ext_q)[2];
    uint32_t *ext_next;          /* 2 * capext */
    size_t    capext;
    uint32_t  ext_len;
    uint32_t *ext_head;          /* n entries: first list entry of each virtual qubit */
    int64_t   ext_sum;           /* Σ distances of the set's gates */
    uint32_t *dec;               /* predecessor counts lent out while the set is built */
    size_t    capdec;
    /* direction of the current trial */
    const uint32_t *so, *sa;     /* successor CSR */
    const uint32_t *po;          /* predecessor offsets (counts) */
    qtr_ctx   rng;
};

void qtr_sabre_state_free(qtr_sabre_state *s)
{
    if (!s) return;
    free(s->v2p);
    free(s->p2v);
    free(s->pred);
    free(s->pred2);
    free(s->nst);
    free(s->slot);
    free(s->front.node);
    free(s->front.other);
    free(s->front.list);
    free(s->look.node);
    free(s->look.other);
    free(s->look.list);
    free(s->decay);
    free(s->dstamp);
    free(s->queue);
    free(s->stack);
    free(s->cur);
    free(s->cand);
    free(s->path);
    free(s->ext_q);
    free(s->ext_next);
    free(s->ext_head);
    free(s->dec);
    free(s);
}

qtr_sabre_state *qtr_sabre_state_new(const qtr_sabre_dag *d, const qtr_rtarget *rt)
{
    qtr_sabre_state *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    size_t n = rt->n ? rt->n : 1, nn = d->nnodes ? d->nnodes : 1;
    s->d = d;
    s->rt = rt;
    s->n = rt->n;
    s->v2p = malloc(n * sizeof *s->v2p);
    s->p2v = malloc(n * sizeof *s->p2v);
    s->pred = malloc(nn * sizeof *s->pred);
    s->pred2 = malloc(nn * sizeof *s->pred2);
    s->nst = malloc(nn);
    s->slot = malloc(nn * sizeof *s->slot);
    s->front.node = malloc(n * sizeof(uint32_t));
    s->front.other = malloc(n * sizeof(uint32_t));
    s->front.list = malloc(n * sizeof(uint32_t));
    s->look.node = malloc(n * sizeof(uint32_t));
    s->look.other = malloc(n * sizeof(uint32_t));
    s->look.list = malloc(n * sizeof(uint32_t));
    s->decay = malloc(n * sizeof *s->decay);
    s->dstamp = malloc(n * sizeof *s->dstamp);
    s->queue = malloc(nn * sizeof *s->queue);
    s->stack = malloc(nn * sizeof *s->stack);
    s->path = malloc(n * sizeof *s->path);
    s->ext_head = malloc(n * sizeof *s->ext_head);
    if (!s->ext_head ||!s->v2p || !s->p2v || !s->pred || !s->pred2 || !s->nst || !s->slot || !s->front.node ||
        !s->front.other || !s->front.list || !s->look.node || !s->look.other || !s->look.list ||
        !s->decay || !s->dstamp || !s->queue || !s->stack || !s->path) {
        qtr_sabre_state_free(s);
        return NULL;
    }
    return s;
}

static inline uint32_t dist(const qtr_sabre_state *s, uint32_t a, uint32_t b)
{
    return s->rt->dist[(size_t)a * s->n + b];
}

/* ---- decay ---------------------------------------------------------------- */

static inline double decay_of(const qtr_sabre_state *s, uint32_t p)
{
    return s->dstamp[p] == s->epoch ? s->decay[p] : 1.0;
}

static inline void decay_bump(qtr_sabre_state *s, uint32_t p, double inc)
{
    if (s->dstamp[p] != s->epoch) {
        s->dstamp[p] = s->epoch;
        s->decay[p] = 1.0;
    }
    s->decay[p] += inc;
}

static void decay_reset(qtr_sabre_state *s)
{
    if (++s->epoch == 0) {   /* wrapped: old stamps could match again */
        memset(s->dstamp, 0, s->n * sizeof *s->dstamp);
        s->epoch = 1;
    }
}

/* ---- layers ------------------------------------------------------------- */

static void layer_insert(qtr_sabre_state *s, layer *L, uint32_t k, uint32_t a, uint32_t b)
{
    QTR_ASSERT(L->node[a] == QTR_NONE && L->node[b] == QTR_NONE);
    L->node[a] = L->node[b] = k;
    L->other[a] = b;
    L->other[b] = a;
    s->slot[k] = L->len;
    L->list[L->len++] = k;
    L->sum += dist(s, a, b);
}

static void layer_remove(qtr_sabre_state *s, layer *L, uint32_t k)
{
    uint32_t a = s->v2p[s->d->q[k][0]], b = s->v2p[s->d->q[k][1]];
    QTR_ASSERT(L->node[a] == k && L->node[b] == k);
    L->sum -= dist(s, a, b);
    L->node[a] = L->node[b] = QTR_NONE;
    uint32_t i = s->slot[k], last = L->list[--L->len];
    L->list[i] = last;
    s->slot[last] = i;
}

/* Change in the layer's distance sum if physical qubits a and b swapped. At
 * most two gates are affected, one on each qubit. */
static inline int64_t layer_delta(const qtr_sabre_state *s, const layer *L, uint32_t a, uint32_t b)
{
    int64_t t = 0;
    if (L->node[a] != QTR_NONE) {
        uint32_t c = L->other[a];
        if (c == b) return 0;   /* the gate on (a, b) itself: unchanged */
        t += (int64_t)dist(s, b, c) - dist(s, a, c);
    }
    if (L->node[b] != QTR_NONE) {
        uint32_t c = L->other[b];
        t += (int64_t)dist(s, a, c) - dist(s, b, c);
    }
    return t;
}

static void layer_swap(qtr_sabre_state *s, layer *L, uint32_t a, uint32_t b)
{
    uint32_t na = L->node[a], nb = L->node[b];
    if (na != QTR_NONE && na == nb) return;   /* same gate: partners unchanged */
    L->sum += layer_delta(s, L, a, b);
    if (na != QTR_NONE) L->other[L->other[a]] = b;
    if (nb != QTR_NONE) L->other[L->other[b]] = a;
    L->node[a] = nb;
    L->node[b] = na;
    uint32_t t = L->other[a];
    L->other[a] = L->other[b];
    L->other[b] = t;
}

/* Change in the extended set's distance sum if physical qubits a and b
 * swapped: every gate of the set on either qubit, except one on (a, b)
 * itself, whose distance does not change. */
static inline int32_t ext_delta(const uint16_t *dist, size_t n, const uint32_t *ext_head,
                                const uint32_t *ext_next, const uint32_t (*ext_q)[2],
                                const uint32_t *v2p, uint32_t va, uint32_t vb, uint32_t a,
                                uint32_t b)
{
    int32_t t = 0;
    for (uint32_t e = ext_head[va]; e != QTR_NONE; e = ext_next[e]) {
        uint32_t u = ext_q[e >> 1][!(e & 1)];
        if (u == vb) continue;
        size_t c = v2p[u];
        t += (int32_t)dist[b * n + c] - (int32_t)dist[a * n + c];
    }
    for (uint32_t e = ext_head[vb]; e != QTR_NONE; e = ext_next[e]) {
        uint32_t u = ext_q[e >> 1][!(e & 1)];
        if (u == va) continue;
        size_t c = v2p[u];
        t += (int32_t)dist[a * n + c] - (int32_t)dist[b * n + c];
    }
    return t;
}

static void apply_swap(qtr_sabre_state *s, int look, uint32_t a, uint32_t b)
{
    if (s->ext_len)
        s->ext_sum += ext_delta(s->rt->dist, s->n, s->ext_head, s->ext_next,
                                (const uint32_t(*)[2])s->ext_q, s->v2p, s->p2v[a], s->p2v[b],
                                a, b);
    layer_swap(s, &s->front, a, b);
    if (look) layer_swap(s, &s->look, a, b);
    uint32_t va = s->p2v[a], vb = s->p2v[b];
    s->p2v[a] = vb;
    s->p2v[b] = va;
    s->v2p[va] = b;
    s->v2p[vb] = a;
}

/* ---- moving nodes forward ------------------------------------------------ */

/* Node k has left the "waiting" set (it entered the front or was routed):
 * its successors may enter the lookahead layer. Sync nodes are transparent
 * to the lookahead, so their successors are looked at through them. */
static void mark_left(qtr_sabre_state *s, uint32_t k)
{
    if (s->nst[k] == NS_LEFT) return;
    if (s->nst[k] == NS_LOOK) layer_remove(s, &s->look, k);
    s->nst[k] = NS_LEFT;
    uint32_t top = 0;
    s->stack[top++] = k;
    while (top) {
        uint32_t x = s->stack[--top];
        for (uint32_t e = s->so[x]; e < s->so[x + 1]; e++) {
            uint32_t y = s->sa[e];
            if (--s->pred2[y]) continue;
            if (s->d->q[y][0] != QTR_NONE) {
                s->nst[y] = NS_LOOK;
                layer_insert(s, &s->look, y, s->v2p[s->d->q[y][0]], s->v2p[s->d->q[y][1]]);
            } else {
                s->nst[y] = NS_LEFT;
                s->stack[top++] = y;
            }
        }
    }
}

static qtr_status record_node(qtr_sabre_result *r, uint32_t k, uint64_t nswaps)
{
    if (r->norder == r->caporder) {
        size_t cap = r->caporder ? 2 * r->caporder : 1024;
        uint32_t *o = realloc(r->order, cap * sizeof *o);
        if (!o) return QTR_ENOMEM;
        r->order = o;
        uint32_t *e = realloc(r->swap_end, cap * sizeof *e);
        if (!e) return QTR_ENOMEM;
        r->swap_end = e;
        r->caporder = cap;
    }
    r->order[r->norder] = k;
    r->swap_end[r->norder++] = (uint32_t)nswaps;
    return QTR_OK;
}

/* Route the ready nodes in queue[0..n) and everything that becomes ready and
 * routable after them; the rest enters the front layer. The swaps in cur[]
 * precede the first routed node. */
static qtr_status route_ready(qtr_sabre_state *s, int look, uint32_t n, uint32_t ncur,
                              int record, qtr_sabre_result *r)
{
    const qtr_sabre_dag *d = s->d;
    if (record && ncur) {
        if (r->nswaps + ncur > UINT32_MAX) return QTR_ELIMIT;
        if (r->nswaps + ncur > r->capswaps) {
            size_t cap = r->capswaps ? 2 * r->capswaps : 1024;
            while (cap < r->nswaps + ncur) cap *= 2;
            uint32_t(*w)[2] = realloc(r->swaps, cap * sizeof *w);
            if (!w) return QTR_ENOMEM;
            r->swaps = w;
            r->capswaps = cap;
        }
        memcpy(r->swaps + r->nswaps, s->cur, ncur * sizeof *s->cur);
    }
    r->nswaps += ncur;
    uint32_t head = 0, tail = n;
    while (head < tail) {
        uint32_t k = s->queue[head++];
        if (d->q[k][0] != QTR_NONE) {
            uint32_t a = s->v2p[d->q[k][0]], b = s->v2p[d->q[k][1]];
            if (dist(s, a, b) != 1) {
                /* out of the lookahead first: slot[] is shared by the layers */
                if (look) mark_left(s, k);
                layer_insert(s, &s->front, k, a, b);
                continue;
            }
        }
        if (record && record_node(r, k, r->nswaps)) return QTR_ENOMEM;
        if (look) mark_left(s, k);
        for (uint32_t e = s->so[k]; e < s->so[k + 1]; e++) {
            uint32_t y = s->sa[e];
            if (--s->pred[y] == 0) s->queue[tail++] = y;
        }
    }
    return QTR_OK;
}

/* Qiskit 2.2's extended set (its populate_extended_set): breadth first from
 * the front layer, the 2q nodes whose predecessors would all be done once
 * the front and the set so far were, until about @p limit gates (the last
 * node visited adds all its ready successors). Nodes that need no routing
 * are walked through at once. Predecessor counts are lent and restored. */
static qtr_status ext_build(qtr_sabre_state *s, uint32_t limit)
{
    const qtr_sabre_dag *d = s->d;
    for (uint32_t i = 0; i < s->ext_len; i++)
        s->ext_head[s->ext_q[i][0]] = s->ext_head[s->ext_q[i][1]] = QTR_NONE;
    s->ext_len = 0;
    s->ext_sum = 0;
    uint32_t nvisit = s->front.len, ndec = 0;
    memcpy(s->queue, s->front.list, nvisit * sizeof *s->queue);
    qtr_status st = QTR_OK;
    for (uint32_t i = 0; i < nvisit && s->ext_len < limit && !st; i++) {
        uint32_t nnow = 1;
        s->stack[0] = s->queue[i];
        for (uint32_t j = 0; j < nnow && !st; j++) {
            uint32_t x = s->stack[j];
            for (uint32_t e = s->so[x]; e < s->so[x + 1]; e++) {
                uint32_t y = s->sa[e];
                if (ndec == s->capdec) {
                    size_t cap = s->capdec ? 2 * s->capdec : 256;
                    uint32_t *nd = realloc(s->dec, cap * sizeof *nd);
                    if (!nd) {
                        st = QTR_ENOMEM;
                        break;
                    }
                    s->dec = nd;
                    s->capdec = cap;
                }
                s->dec[ndec++] = y;
                if (--s->pred[y]) continue;
                if (d->q[y][0] == QTR_NONE) {
                    s->stack[nnow++] = y;
                    continue;
                }
                if (s->ext_len == s->capext) {
                    size_t cap = s->capext ? 2 * s->capext : 64;
                    uint32_t(*q)[2] = realloc(s->ext_q, cap * sizeof *q);
                    if (q) s->ext_q = q;
                    uint32_t *nx = q ? realloc(s->ext_next, 2 * cap * sizeof *nx) : NULL;
                    if (!nx) {
                        st = QTR_ENOMEM;
                        break;
                    }
                    s->ext_next = nx;
                    s->capext = cap;
                }
                uint32_t g = s->ext_len++, va = d->q[y][0], vb = d->q[y][1];
                s->ext_q[g][0] = va;
                s->ext_q[g][1] = vb;
                s->ext_next[2 * g] = s->ext_head[va];
                s->ext_head[va] = 2 * g;
                s->ext_next[2 * g + 1] = s->ext_head[vb];
                s->ext_head[vb] = 2 * g + 1;
                s->ext_sum += dist(s, s->v2p[va], s->v2p[vb]);
                s->queue[nvisit++] = y;
            }
        }
    }
    for (uint32_t i = 0; i < ndec; i++) s->pred[s->dec[i]]++;
    return st;
}

/* ---- choosing a swap ------------------------------------------------------ */

static int grow_cand(qtr_sabre_state *s)
{
    size_t cap = s->capcand ? 2 * s->capcand : 64;
    uint32_t(*c)[2] = realloc(s->cand, cap * sizeof *c);
    if (!c) return -1;
    s->cand = c;
    s->capcand = cap;
    return 0;
}

static inline int push_cand(qtr_sabre_state *s, size_t *nc, uint32_t a, uint32_t b)
{
    if (QTR_UNLIKELY(*nc == s->capcand) && grow_cand(s)) return -1;
    s->cand[*nc][0] = a;
    s->cand[(*nc)++][1] = b;
    return 0;
}

/* layer_delta on raw arrays, for the scoring loop (keeps everything in
 * registers: the compiler cannot prove the layer pointers unchanged across
 * candidate pushes). */
static inline int32_t delta_raw(const uint16_t *dist, size_t n, const uint32_t *node,
                                const uint32_t *other, uint32_t a, uint32_t b)
{
    int32_t t = 0;
    if (node[a] != QTR_NONE) {
        uint32_t c = other[a];
        if (c == b) return 0;   /* the gate on (a, b) itself: unchanged */
        t += (int32_t)dist[b * n + c] - (int32_t)dist[a * n + c];
    }
    if (node[b] != QTR_NONE) {
        uint32_t c = other[b];
        t += (int32_t)dist[a * n + c] - (int32_t)dist[b * n + c];
    }
    return t;
}

/* Score every coupling edge touching an active front qubit (once per
 * pair) and pick uniformly among those within 1e-10 of the best. */
static qtr_status choose_swap(qtr_sabre_state *s, const qtr_sabre_heur *h, int look,
                              uint32_t *sa, uint32_t *sb)
{
    const layer *F = &s->front, *L = &s->look;
    const uint32_t *off = s->rt->adj_off, *adj = s->rt->adj;
    const uint32_t *fnode = F->node, *fother = F->other, *lnode = L->node, *lother = L->other;
    const uint32_t *v2p = s->v2p, (*vq)[2] = s->d->q, *dstamp = s->dstamp;
    const double *decay = s->decay;
    const uint16_t *dist = s->rt->dist;
    const size_t n = s->n;
    const uint32_t epoch = s->epoch;
    const int use_decay = h->decay;
    const uint32_t *p2v = s->p2v, *ext_head = s->ext_head, *ext_next = s->ext_next;
    const uint32_t(*ext_q)[2] = (const uint32_t(*)[2])s->ext_q;
    const int ext = h->ext_size != 0;
    double wf = h->basic_weight, wl = look || ext ? h->look_weight : 0.0;
    if (h->basic_scaled) wf = F->len ? wf / F->len : 0.0;
    if (look && h->look_scaled) wl = L->len ? wl / L->len : 0.0;
    if (ext && h->look_scaled) wl = s->ext_len ? wl / s->ext_len : 0.0;
    const int use_look = wl != 0.0 && look, use_ext = wl != 0.0 && ext;
    const double eps = 1e-10;
    double best = 1.0 / 0.0;
    /* the layers' current totals, the same for every candidate */
    double base = wf * (double)F->sum + wl * (double)(ext ? s->ext_sum : L->sum);
    size_t nc = 0;
    for (uint32_t i = 0; i < F->len; i++) {
        uint32_t k = F->list[i];
        for (int side = 0; side < 2; side++) {
            uint32_t p = v2p[vq[k][side]];
            double dp = use_decay && dstamp[p] == epoch ? decay[p] : 1.0;
            for (uint32_t e = off[p]; e < off[p + 1]; e++) {
                uint32_t q = adj[e];
                if (q < p && fnode[q] != QTR_NONE) continue;   /* scored from q's side */
                int32_t df = delta_raw(dist, n, fnode, fother, p, q);
                int32_t dl = use_look ? delta_raw(dist, n, lnode, lother, p, q)
                             : use_ext ? ext_delta(dist, n, ext_head, ext_next, ext_q, v2p,
                                                   p2v[p], p2v[q], p, q)
                                       : 0;
                double score;
                if (use_decay) {
                    double dq = dstamp[q] == epoch ? decay[q] : 1.0;
                    score = (base + wf * df + wl * dl) * (dp > dq ? dp : dq);
                } else {
                    score = wf * df + wl * dl;
                }
                if (score - best < -eps) {
                    best = score;
                    nc = 0;
                } else if (!(score - best <= eps)) {
                    continue;
                }
                if (push_cand(s, &nc, p, q)) return QTR_ENOMEM;
            }
        }
    }
    if (nc == 0) return QTR_EINVAL;   /* no coupling edge next to the front: cannot happen on a
                                         feasible layout */
    size_t pick = nc == 1 ? 0 : (size_t)(qtr_rng_next(&s->rng) % nc);
    *sa = s->cand[pick][0];
    *sb = s->cand[pick][1];
    return QTR_OK;
}

static inline uint32_t routable_on(const qtr_sabre_state *s, uint32_t p)
{
    uint32_t k = s->front.node[p];
    return k != QTR_NONE && dist(s, p, s->front.other[p]) == 1 ? k : QTR_NONE;
}

static int push_cur(qtr_sabre_state *s, uint32_t ncur, uint32_t a, uint32_t b)
{
    if (ncur == s->capcur) {
        size_t cap = s->capcur ? 2 * s->capcur : 64;
        uint32_t(*c)[2] = realloc(s->cur, cap * sizeof *c);
        if (!c) return -1;
        s->cur = c;
        s->capcur = cap;
    }
    s->cur[ncur][0] = a;
    s->cur[ncur][1] = b;
    return 0;
}

/* The release valve: undo the fruitless swaps, then walk the closest front
 * gate's qubits toward each other along a shortest path, both ends moving,
 * so that gate becomes routable (and possibly one more, after a single
 * swap). Returns the number of routable nodes written to out[]. */
static qtr_status release_valve(qtr_sabre_state *s, int look, uint32_t *ncur, uint32_t *out,
                                uint32_t *nout)
{
    for (uint32_t i = *ncur; i-- > 0;) apply_swap(s, look, s->cur[i][0], s->cur[i][1]);
    *ncur = 0;
    const layer *F = &s->front;
    uint32_t best = QTR_NONE, bd = UINT32_MAX;
    for (uint32_t i = 0; i < F->len; i++) {
        uint32_t k = F->list[i];
        uint32_t dd = dist(s, s->v2p[s->d->q[k][0]], s->v2p[s->d->q[k][1]]);
        if (dd < bd) {
            bd = dd;
            best = k;
        }
    }
    uint32_t a = s->v2p[s->d->q[best][0]], b = s->v2p[s->d->q[best][1]];
    if (bd == QTR_DIST_INF) return QTR_EINVAL;
    /* shortest path by descending distance to b; lowest neighbour first */
    uint32_t len = 0, cur = a;
    s->path[len++] = a;
    while (cur != b) {
        uint32_t dc = dist(s, cur, b), next = QTR_NONE;
        for (uint32_t e = s->rt->adj_off[cur]; e < s->rt->adj_off[cur + 1]; e++)
            if (dist(s, s->rt->adj[e], b) + 1 == dc) {
                next = s->rt->adj[e];
                break;
            }
        QTR_ASSERT(next != QTR_NONE);
        s->path[len++] = cur = next;
    }
    uint32_t nsw = len - 2, left = (len - 1) / 2;
    for (uint32_t i = 0; i < nsw; i++) {
        uint32_t x, y;
        if (i < left) {
            x = s->path[i];
            y = s->path[i + 1];
        } else {
            uint32_t end = len - 1 - (i - left);
            x = s->path[end];
            y = s->path[end - 1];
        }
        if (push_cur(s, (*ncur)++, x, y)) return QTR_ENOMEM;
        apply_swap(s, look, x, y);
    }
    QTR_ASSERT(routable_on(s, s->v2p[s->d->q[best][0]]) == best);
    out[0] = best;
    *nout = 1;
    if (nsw == 1) {
        /* one swap can complete a second gate (A - B - A - B, middle swap) */
        for (int j = 0; j < 2; j++) {
            uint32_t k = routable_on(s, s->cur[0][j]);
            if (k != QTR_NONE && k != best && *nout < 2) out[(*nout)++] = k;
        }
    }
    return QTR_OK;
}

/* ======================================================================
 * One trial
 * ====================================================================== */

qtr_status qtr_sabre_trial(qtr_sabre_state *s, const qtr_sabre_heur *h, int reverse,
                           const uint32_t *start, uint64_t seed, int record,
                           const uint64_t *bound, uint64_t index, qtr_sabre_result *res)
{
    const qtr_sabre_dag *d = s->d;
    uint32_t n = s->n, nn = d->nnodes;
    int ext = h->ext_size != 0 && h->look_weight != 0.0;
    int look = h->look_weight != 0.0 && !ext;
    qtr_status st;
    s->so = reverse ? d->pred_off : d->succ_off;
    s->sa = reverse ? d->pred : d->succ;
    s->po = reverse ? d->succ_off : d->pred_off;
    qtr_ctx_init(&s->rng, seed);

    memcpy(s->v2p, start, n * sizeof *s->v2p);
    for (uint32_t v = 0; v < n; v++) s->p2v[start[v]] = v;
    memcpy(res->layout0, start, n * sizeof *start);
    for (uint32_t p = 0; p < n; p++) {
        s->front.node[p] = s->look.node[p] = s->ext_head[p] = QTR_NONE;
        s->dstamp[p] = 0;
    }
    s->epoch = 1;
    s->front.len = s->look.len = 0;
    s->front.sum = s->look.sum = 0;
    s->ext_len = 0;
    res->nswaps = 0;
    res->norder = 0;
    res->aborted = 0;
    uint32_t nready = 0;
    for (uint32_t k = 0; k < nn; k++) {
        s->pred[k] = s->pred2[k] = s->po[k + 1] - s->po[k];
        s->nst[k] = NS_PENDING;
        if (!s->pred[k]) s->queue[nready++] = k;
    }
    if ((st = route_ready(s, look, nready, 0, record, res))) return st;
    if (ext && (st = ext_build(s, h->ext_size))) return st;

    uint32_t routable[2], nroutable, since_reset = 0;
    while (s->front.len) {
        uint32_t ncur = 0;
        nroutable = 0;
        while (nroutable == 0 && ncur <= h->attempt_limit) {
            uint32_t a, b;
            if ((st = choose_swap(s, h, look, &a, &b))) return st;
            apply_swap(s, look, a, b);
            if (push_cur(s, ncur++, a, b)) return QTR_ENOMEM;
            uint32_t k;
            if ((k = routable_on(s, b)) != QTR_NONE) routable[nroutable++] = k;
            if ((k = routable_on(s, a)) != QTR_NONE && (nroutable == 0 || routable[0] != k))
                routable[nroutable++] = k;
            if (h->decay) {
                if (++since_reset >= h->decay_reset) {
                    decay_reset(s);
                    since_reset = 0;
                } else {
                    decay_bump(s, a, h->decay_inc);
                    decay_bump(s, b, h->decay_inc);
                }
            }
            if (bound) {
                uint64_t bnd;
#pragma omp atomic read
                bnd = *bound;
                if (trial_key(res->nswaps + ncur, index) > bnd) {
                    res->aborted = 1;
                    return QTR_OK;
                }
            }
        }
        if (nroutable == 0 && (st = release_valve(s, look, &ncur, routable, &nroutable)))
            return st;
        for (uint32_t i = 0; i < nroutable; i++) {
            layer_remove(s, &s->front, routable[i]);
            s->queue[i] = routable[i];
        }
        if ((st = route_ready(s, look, nroutable, ncur, record, res))) return st;
        if (ext && (st = ext_build(s, h->ext_size))) return st;
        if (h->decay) decay_reset(s);
    }
    memcpy(res->layout1, s->v2p, n * sizeof *s->v2p);
    return QTR_OK;
}

/* ======================================================================
 * Several trials
 * ====================================================================== */

qtr_status qtr_sabre_swap_map(const qtr_sabre_dag *d, const qtr_rtarget *rt,
                              const qtr_sabre_heur *h, const uint32_t *start, uint64_t seed,
                              uint32_t ntrials, int parallel, uint64_t *bound, uint64_t index0,
                              qtr_sabre_state *serial_state, qtr_sabre_result *best,
                              qtr_ctx *ctx)
{
    uint64_t local_bound = UINT64_MAX;
    if (!bound) bound = &local_bound;
    if (index0 + ntrials > MAX_TRIALS)
        return qtr_fail(ctx, QTR_ELIMIT, "routing: more than %u trials", MAX_TRIALS);
    uint64_t best_key = UINT64_MAX;
    best->aborted = 1;
    qtr_status err = QTR_OK;
    uint32_t err_trial = UINT32_MAX;
    int par = parallel && ntrials > 1 && d->nnodes >= QTR_SABRE_PAR_NODES;

#pragma omp parallel for schedule(dynamic, 1) if (par)
    for (uint32_t t = 0; t < ntrials; t++) {
        qtr_sabre_state *s = par || !serial_state ? qtr_sabre_state_new(d, rt) : serial_state;
        qtr_sabre_result r;
        qtr_status st = s ? qtr_sabre_result_init(&r, rt->n) : QTR_ENOMEM;
        if (!st) {
            st = qtr_sabre_trial(s, h, 0, start, qtr_seed_for(seed, t), 1, bound, index0 + t, &r);
            uint64_t key = trial_key(r.nswaps, index0 + t);
            if (!st && !r.aborted) {
#pragma omp critical(qtr_sabre_best)
                {
                    if (key < best_key) {
                        best_key = key;
                        r.key = key;
                        result_swap(best, &r);
                    }
                    if (key < *bound) {
#pragma omp atomic write
                        *bound = key;
                    }
                }
            }
            qtr_sabre_result_fini(&r);
        }
        if (st) {
#pragma omp critical(qtr_sabre_best)
            if (t < err_trial) {
                err_trial = t;
                err = st;
            }
        }
        if (s != serial_state) qtr_sabre_state_free(s);
    }
    if (err == QTR_ENOMEM) return qtr_fail(ctx, err, "routing: out of memory in a trial");
    if (err == QTR_ELIMIT) return qtr_fail(ctx, err, "routing: more than 2^32 swaps");
    if (err) return qtr_fail(ctx, err, "routing: internal error: no swap candidate");
    return QTR_OK;
}

/* ======================================================================
 * Scratch accounting
 * ====================================================================== */

uint32_t qtr_sabre_threads(uint32_t ntrials, int par)
{
#ifdef _OPENMP
    /* Inside a parallel region that may not nest another active one (a
     * batch worker's), the trials' region runs on one thread whatever
     * omp_get_max_threads() says. */
    if (par && ntrials > 1 && omp_get_active_level() < omp_get_max_active_levels()) {
        int m = omp_get_max_threads();
        return m < 1 ? 1 : (uint32_t)m < ntrials ? (uint32_t)m : ntrials;
    }
#endif
    (void)ntrials;
    (void)par;
    return 1;
}

size_t qtr_sabre_scratch_bytes(const qtr_sabre_dag *d, const qtr_rtarget *rt,
                               const qtr_sabre_result *best, uint32_t nthreads)
{
    size_t n = rt->n, nn = d->nnodes, ne = d->pred_off ? d->pred_off[nn] : 0;
    size_t ni = d->inst_off ? d->inst_off[nn] : 0;
    size_t dag = nn * (sizeof *d->q + 3 * sizeof(uint32_t)) + 2 * ne * sizeof(uint32_t) +
                 (ni + d->ninitial + d->nfinal) * sizeof(uint32_t);
    size_t rtb = n * n * sizeof *rt->dist + n * sizeof *rt->comp +
                 rt->ncomp * sizeof *rt->comp_size;
    /* qtr_sabre_state_new: 9 n-sized uint32 arrays, a double per qubit,
     * 5 nnodes-sized uint32 arrays and one byte per node (the extended
     * set's own lists stay near its 20 gates) */
    size_t state = sizeof(qtr_sabre_state) + n * (9 * sizeof(uint32_t) + sizeof(double)) +
                   nn * (5 * sizeof(uint32_t) + 1);
    size_t result = 2 * n * sizeof(uint32_t) +
                    best->caporder * 2 * sizeof(uint32_t) + best->capswaps * sizeof *best->swaps;
    return dag + rtb + result + (size_t)nthreads * (state + result);
}

/* ======================================================================
 * Rebuilding the circuit
 * ====================================================================== */

qtr_status qtr_sabre_rebuild(qtr_circuit *c, const qtr_sabre_dag *d, const qtr_sabre_result *r,
                             qtr_ctx *ctx)
{
    uint32_t n = r->n;
    size_t total = (size_t)d->ninst + r->nswaps, extra_words = 0;
    /* EXT records get a fresh operand block each, so a block shared by two
     * records can never be remapped twice */
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        if (in->op == QTR_OP_NOP || !(in->flags & QTR_IF_EXT)) continue;
        extra_words += qtr_inst_ext_words(c, in);
    }
    if (c->nargs + extra_words > UINT32_MAX)
        return qtr_fail(ctx, QTR_ELIMIT, "routing: operand pool exceeds 2^32 entries");
    if (extra_words && QTR_GROW(&c->alloc, c->args, c->capargs, c->nargs + extra_words))
        return qtr_fail(ctx, QTR_ENOMEM, "routing: operand pool");
    qtr_inst *out = qtr_realloc(&c->alloc, NULL, 0, (total ? total : 1) * sizeof *out);
    uint32_t *v2p = malloc((n ? n : 1) * sizeof *v2p), *p2v = malloc((n ? n : 1) * sizeof *p2v);
    if (!out || !v2p || !p2v) {
        if (out) qtr_realloc(&c->alloc, out, (total ? total : 1) * sizeof *out, 0);
        free(v2p);
        free(p2v);
        return qtr_fail(ctx, QTR_ENOMEM, "routing: %zu instructions", total);
    }
    memcpy(v2p, r->layout0, n * sizeof *v2p);
    for (uint32_t v = 0; v < n; v++) p2v[v2p[v]] = v;

    size_t w = 0;
#define EMIT(idx)                                                                           \
    do {                                                                                    \
        qtr_inst in = c->inst[(idx)];                                                       \
        uint32_t nq = in.op == QTR_OP_MEASURE ? 1u : in.nargs;                              \
        if (in.flags & QTR_IF_EXT) {                                                        \
            size_t words = qtr_inst_ext_words(c, &in);                                      \
            uint32_t *dst = c->args + c->nargs;                                             \
            memcpy(dst, c->args + in.p, words * sizeof *dst);                               \
            for (uint32_t j = 0; j < nq; j++) dst[j] = v2p[dst[j]];                         \
            in.p = (uint32_t)c->nargs;                                                      \
            c->nargs += words;                                                              \
            in.q[0] = dst[0];                                                               \
            if (in.nargs > 1 && in.op != QTR_OP_MEASURE) in.q[1] = dst[1];                  \
        } else {                                                                            \
            for (uint32_t j = 0; j < nq; j++) in.q[j] = v2p[in.q[j]];                       \
        }                                                                                   \
        out[w++] = in;                                                                      \
    } while (0)

    for (uint32_t i = 0; i < d->ninitial; i++) EMIT(d->initial[i]);
    size_t sw = 0;
    for (size_t k = 0; k < r->norder; k++) {
        for (; sw < r->swap_end[k]; sw++) {
            uint32_t a = r->swaps[sw][0], b = r->swaps[sw][1];
            out[w++] = (qtr_inst){QTR_OP_SWAP, 0, 2, {a, b}, 0};
            uint32_t va = p2v[a], vb = p2v[b];
            p2v[a] = vb;
            p2v[b] = va;
            v2p[va] = b;
            v2p[vb] = a;
        }
        uint32_t node = r->order[k];
        for (uint32_t j = d->inst_off[node]; j < d->inst_off[node + 1]; j++) EMIT(d->inst[j]);
    }
    for (uint32_t i = 0; i < d->nfinal; i++) EMIT(d->final[i]);
#undef EMIT
    QTR_ASSERT(w == total);
    QTR_ASSERT(memcmp(v2p, r->layout1, n * sizeof *v2p) == 0);
    qtr_realloc(&c->alloc, c->inst, c->capinst * sizeof *c->inst, 0);
    c->inst = out;
    c->ninst = w;
    c->capinst = total ? total : 1;
    free(v2p);
    free(p2v);
    return QTR_OK;
}

/* ======================================================================
 * The routing pass
 * ====================================================================== */

qtr_status qtr_pass_route_sabre(qtr_circuit *c, const qtr_target *t, const qtr_route_opts *o,
                                uint32_t *perm, uint64_t *nswaps, qtr_ctx *ctx)
{
    uint32_t n = t->nqubits;
    if (c->nqubits != n)
        return qtr_fail(ctx, QTR_EINVAL, "routing: circuit has %u qubits, laid out on '%s' it "
                        "must have %u", c->nqubits, t->name, n);
    *nswaps = 0;
    for (uint32_t p = 0; p < n; p++) perm[p] = p;
    qtr_rtarget rt;
    qtr_sabre_dag d;
    qtr_sabre_result best;
    memset(&best, 0, sizeof best);
    memset(&d, 0, sizeof d);
    uint32_t *start = NULL;
    qtr_status st = qtr_rtarget_init(&rt, t, ctx);
    if (st) return st;
    if ((st = qtr_sabre_dag_build(&d, c, ctx))) goto done;
    start = malloc((n ? n : 1) * sizeof *start);
    if (!start || (st = qtr_sabre_result_init(&best, n))) {
        st = qtr_fail(ctx, QTR_ENOMEM, "routing: layout of %u qubits", n);
        goto done;
    }
    for (uint32_t p = 0; p < n; p++) start[p] = p;
    for (uint32_t k = 0; k < d.nnodes; k++) {
        uint32_t a = d.q[k][0], b = d.q[k][1];
        if (a != QTR_NONE && rt.comp[a] != rt.comp[b]) {
            st = qtr_fail(ctx, QTR_ETARGET,
                          "routing: a 2-qubit gate acts on physical qubits %u and %u, which lie "
                          "in different connected components of '%s'; no swaps can join them",
                          a, b, t->name);
            goto done;
        }
    }
    qtr_sabre_heur h;
    if (o->basic) qtr_sabre_heur_basic(&h, n);
    else qtr_sabre_heur_decay(&h, n);
    uint32_t trials = o->trials ? o->trials : 1;
    if ((st = qtr_sabre_swap_map(&d, &rt, &h, start, o->seed, trials, 1, NULL, 0, NULL, &best,
                                 ctx)))
        goto done;
    QTR_ASSERT(!best.aborted);
    /* while the trials ran: per-thread states and results beside the DAG;
     * while rebuilding: the DAG and the winner beside both instruction arrays */
    size_t scratch = qtr_sabre_scratch_bytes(
        &d, &rt, &best, qtr_sabre_threads(trials, d.nnodes >= QTR_SABRE_PAR_NODES));
    qtr_sabre_charge_scratch(&c->alloc, scratch);
    qtr_sabre_release_scratch(&c->alloc, scratch);
    scratch = qtr_sabre_scratch_bytes(&d, &rt, &best, 0);
    qtr_sabre_charge_scratch(&c->alloc, scratch);
    st = qtr_sabre_rebuild(c, &d, &best, ctx);
    qtr_sabre_release_scratch(&c->alloc, scratch);
    if (st) goto done;
    memcpy(perm, best.layout1, n * sizeof *perm);
    *nswaps = best.nswaps;
done:
    free(start);
    qtr_sabre_result_fini(&best);
    qtr_sabre_dag_fini(&d);
    qtr_rtarget_fini(&rt);
    return st;
}
