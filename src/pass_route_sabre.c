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
 * can no longer win (its swap count, plus a lower bound on the swaps its
 * front layer still needs, passed the best finished trial's): that changes
 * the work done, never the winner.
 *
 * Owns: per-trial state and results (plain malloc: pass scratch). Borrows:
 * DAG and routing target (read only, shared by threads). Rewrites: the
 * circuit's instruction array in qtr_sabre_rebuild (through its allocator).
 * After qtr_pass_route_sabre every 2q gate sits on a coupling edge (either
 * direction; translation fixes directions). */
#include <stddef.h>
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
    h->absorb = 1.0;
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
    h->absorb = 1.0;
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
    double   *decay;             /* per qubit, 1.0 unless bumped since the last reset */
    uint32_t *bumped, nbumped;   /* the qubits bumped: a reset touches only them */
    uint32_t *queue, *stack;     /* nnodes each */
    uint32_t *parked, nparked;   /* ready nodes that share a qubit with a front gate (they
                                    commute with it: qtr_sabre_dag_commute); nnodes */
    uint8_t  *touched;           /* per physical qubit: moved, or its front gate moved or
                                    left, since parked[] was last looked at */
    uint32_t *tlist, ntouched;   /* those qubits (each once) */
    uint32_t (*cur)[2];          /* swaps since the last progress */
    size_t    capcur;
    uint32_t (*cand)[2];         /* tied best candidates */
    size_t    capcand;
    uint32_t *path;              /* release-valve path, n entries */
    uint32_t *last_op, op_tag;   /* per physical qubit: tag of its last 2q gate or swap (0 none) */
    /* the extended set (h->ext_size > 0): gates as virtual pairs, threaded
     * into one list per virtual qubit (entry 2i + side is gate i's end on
     * that side); several gates may share a qubit */
    uint32_t (*ext_q)[2];
    uint32_t *ext_next;          /* 2 * capext */
    uint32_t *ext_node;          /* capext: the DAG node of each gate */
    uint32_t *ext_prev;          /* capext: ext_node before the set was rebuilt */
    uint8_t  *in_ext;            /* per node, while the set is rebuilt: 1 old, 2 kept or new */
    size_t    capext;
    uint32_t  ext_len;
    uint32_t *ext_head;          /* n entries: first list entry of each virtual qubit */
    int64_t   ext_sum;           /* Σ distances of the set's gates */
    uint32_t *dec;               /* predecessor counts lent out while the set is built */
    size_t    capdec;
    /* Swap scores kept up to date instead of recomputed for every
     * candidate: for the virtual qubit on physical p and each coupling entry
     * e of p (p -> q), mv_front[e] and mv_look[e] are the changes in the
     * front's and the lookahead's distance sums if that qubit alone moved to
     * q, leaving out its gates with the qubit on q; sw_front[x] and
     * sw_look[x] are their sums over the two entries of undirected edge x:
     * the deltas of swapping its ends. A swap on p, or on a partner of p's
     * qubit, or a gate of p entering or leaving a layer, marks p dirty
     * (dirty[] / dlist), for the front's entries (DIRTY_FRONT), the
     * lookahead's (DIRTY_LOOK) or both; choose_swap refreshes what is dirty
     * first. The candidates (edges with an end in the front) are listed in
     * cand_list; cand_pos[x] is x's place there (QTR_NONE: not listed),
     * nfront[x] its ends in the front. */
    int32_t  *mv_front, *mv_look;    /* per adjacency entry */
    int32_t  *sw_front, *sw_look;    /* per undirected edge */
    uint8_t  *dirty, *nfront;
    uint32_t *dlist, ndirty;
    uint32_t *cand_list, *cand_pos, ncand_edges;
    double   *cand_score;            /* per cand_list entry, while choosing */
    struct tie { uint64_t key; size_t at; uint32_t edge; } *tie;   /* capcand: tied candidates */
    int       mv_kind;               /* lookahead in mv_look: 0 none, 1 layer, 2 extended set */
    int       cached;                /* this trial keeps the cache (choose_mode) */
    int       wide;                  /* QTR_SABRE_CACHE_QUBITS or more qubits in 2q gates; -1 not
                                        counted yet */
    int       forced;                /* cached set by qtr_sabre_state_set_cached */
    uint64_t  n_cands, n_swaps, n_steps;   /* of the trials so far: what choose_mode weighs */
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
    free(s->bumped);
    free(s->queue);
    free(s->stack);
    free(s->parked);
    free(s->touched);
    free(s->tlist);
    free(s->cur);
    free(s->cand);
    free(s->path);
    free(s->last_op);
    free(s->ext_q);
    free(s->ext_node);
    free(s->ext_prev);
    free(s->in_ext);
    free(s->ext_next);
    free(s->ext_head);
    free(s->dec);
    free(s->mv_front);
    free(s->mv_look);
    free(s->sw_front);
    free(s->sw_look);
    free(s->dirty);
    free(s->nfront);
    free(s->dlist);
    free(s->cand_list);
    free(s->cand_pos);
    free(s->cand_score);
    free(s->tie);
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
    s->bumped = malloc(n * sizeof *s->bumped);
    s->queue = malloc(nn * sizeof *s->queue);
    s->stack = malloc(nn * sizeof *s->stack);
    s->parked = malloc(nn * sizeof *s->parked);
    s->touched = calloc(n, 1);
    s->tlist = malloc(n * sizeof *s->tlist);
    s->path = malloc(n * sizeof *s->path);
    s->last_op = malloc(n * sizeof *s->last_op);
    s->ext_head = malloc(n * sizeof *s->ext_head);
    size_t ne = rt->adj_off[rt->n] ? rt->adj_off[rt->n] : 1;
    s->mv_front = malloc(ne * sizeof *s->mv_front);
    s->mv_look = malloc(ne * sizeof *s->mv_look);
    size_t nu = rt->nedges ? rt->nedges : 1;
    s->sw_front = malloc(nu * sizeof *s->sw_front);
    s->sw_look = malloc(nu * sizeof *s->sw_look);
    s->nfront = malloc(nu);
    s->cand_list = malloc(nu * sizeof *s->cand_list);
    s->cand_pos = malloc(nu * sizeof *s->cand_pos);
    s->cand_score = malloc(nu * sizeof *s->cand_score);
    s->dirty = malloc(n);
    s->in_ext = calloc(nn, 1);
    s->dlist = malloc(n * sizeof *s->dlist);
    if (!s->mv_front || !s->mv_look || !s->sw_front || !s->sw_look || !s->nfront ||
        !s->cand_list || !s->cand_pos || !s->cand_score || !s->dirty || !s->in_ext || !s->dlist || !s->ext_head || !s->v2p || !s->p2v || !s->pred || !s->pred2 || !s->nst || !s->slot || !s->front.node ||
        !s->front.other || !s->front.list || !s->look.node || !s->look.other || !s->look.list ||
        !s->decay || !s->bumped || !s->queue || !s->stack || !s->parked || !s->touched || !s->tlist || !s->path || !s->last_op) {
        qtr_sabre_state_free(s);
        return NULL;
    }
    s->wide = -1;   /* counted when first needed (choose_mode) */
    return s;
}

int qtr_sabre_state_cached(const qtr_sabre_state *s) { return s->cached; }

void qtr_sabre_state_renew(qtr_sabre_state *s)
{
    s->cached = s->forced = 0;
    s->n_cands = s->n_swaps = s->n_steps = 0;
}

void qtr_sabre_state_set_cached(qtr_sabre_state *s, int on)
{
    s->cached = on;
    s->forced = 1;
}

/* Keep the score cache for this trial? It pays when many candidates are
 * scored per swap and swaps come several per routed step (each step's layer
 * and lookahead changes cost the cache more than direct scoring); the trials
 * this state ran so far tell (the first one runs direct). Measured on torino
 * -O 1 (callgrind): QAOA 100 qubits, 23 candidates per swap and 5.3 swaps
 * per step, 12% fewer instructions cached; gf2^16_mult, 16.5 and 2.2, 12%
 * more. Either way the swaps are the same. */
static void choose_mode(qtr_sabre_state *s)
{
    if (s->forced) return;
    s->cached = s->n_swaps && s->n_cands >= QTR_SABRE_CACHE_CANDS * s->n_swaps &&
                s->n_swaps >= QTR_SABRE_CACHE_SWAPS * s->n_steps;
    if (s->cached && s->wide < 0) {   /* dirty[] is free scratch between trials */
        const qtr_sabre_dag *d = s->d;
        uint32_t active = 0;
        memset(s->dirty, 0, s->n);
        for (uint32_t k = 0; k < d->nnodes; k++)
            for (int j = 0; j < 2 && d->q[k][0] != QTR_NONE; j++)
                if (d->q[k][j] < s->n && !s->dirty[d->q[k][j]]) {
                    s->dirty[d->q[k][j]] = 1;
                    active++;
                }
        s->wide = active >= QTR_SABRE_CACHE_QUBITS;
    }
    s->cached = s->cached && s->wide > 0;
}

static inline uint32_t dist(const qtr_sabre_state *s, uint32_t a, uint32_t b)
{
    return s->rt->dist[(size_t)a * s->n + b];
}

/* ---- decay ---------------------------------------------------------------- */

static inline void decay_bump(qtr_sabre_state *s, uint32_t p, double inc)
{
    if (inc == 0.0) return;   /* so 1.0 means "not listed" */
    if (s->decay[p] == 1.0) s->bumped[s->nbumped++] = p;
    s->decay[p] += inc;
}

static void decay_reset(qtr_sabre_state *s)
{
    for (uint32_t i = 0; i < s->nbumped; i++) s->decay[s->bumped[i]] = 1.0;
    s->nbumped = 0;
}

/* ---- the score cache and the candidate edges ------------------------------ */

/* What of a qubit's cache entries is stale: a partner of its qubit moved
 * in one layer only, or the qubit itself moved (both). */
enum { DIRTY_FRONT = 1, DIRTY_LOOK = 2, DIRTY_BOTH = 3 };

static inline void mark_dirty(qtr_sabre_state *s, uint32_t p, uint8_t what)
{
    if (!s->dirty[p]) s->dlist[s->ndirty++] = p;
    s->dirty[p] |= what;
}

/* What a parked gate on p may wait for changed (route_ready looks only at
 * parked gates on touched qubits). */
static inline void touch(qtr_sabre_state *s, uint32_t p)
{
    if (!s->touched[p]) {
        s->touched[p] = 1;
        s->tlist[s->ntouched++] = p;
    }
}

/* Physical qubit p gained (@p add = 1) or lost (0) a front gate: its edges
 * enter or leave the candidates. */
static void front_change(qtr_sabre_state *s, uint32_t p, int add)
{
    const qtr_rtarget *rt = s->rt;
    for (uint32_t e = rt->adj_off[p]; e < rt->adj_off[p + 1]; e++) {
        uint32_t x = rt->edge[e];
        if (add) {
            if (s->nfront[x]++ == 0) {
                s->cand_pos[x] = s->ncand_edges;
                s->cand_list[s->ncand_edges++] = x;
            }
        } else if (--s->nfront[x] == 0) {
            uint32_t i = s->cand_pos[x], last = s->cand_list[--s->ncand_edges];
            s->cand_list[i] = last;
            s->cand_pos[last] = i;
        }
    }
}

/* A gate on a and b entered (@p add = 1) or left layer L: the cache's
 * entries of both qubits change, and for the front, the candidates. */
static void layer_changed_cached(qtr_sabre_state *s, const layer *L, uint32_t a, uint32_t b,
                                 int add)
{
    uint8_t what = L == &s->front ? DIRTY_FRONT : DIRTY_LOOK;
    mark_dirty(s, a, what);
    mark_dirty(s, b, what);
    if (L == &s->front) {
        front_change(s, a, add);
        front_change(s, b, add);
    }
}

static inline void layer_changed(qtr_sabre_state *s, const layer *L, uint32_t a, uint32_t b,
                                 int add)
{
    if (s->cached) layer_changed_cached(s, L, a, b, add);
}

/* ---- layers ------------------------------------------------------------- */

static inline void layer_insert(qtr_sabre_state *s, layer *L, uint32_t k, uint32_t a, uint32_t b)
{
    QTR_ASSERT(L->node[a] == QTR_NONE && L->node[b] == QTR_NONE);
    L->node[a] = L->node[b] = k;
    layer_changed(s, L, a, b, 1);
    L->other[a] = b;
    L->other[b] = a;
    s->slot[k] = L->len;
    L->list[L->len++] = k;
    L->sum += dist(s, a, b);
}

static inline void layer_remove(qtr_sabre_state *s, layer *L, uint32_t k)
{
    uint32_t a = s->v2p[s->d->q[k][0]], b = s->v2p[s->d->q[k][1]];
    QTR_ASSERT(L->node[a] == k && L->node[b] == k);
    if (L == &s->front && s->nparked) {
        touch(s, a);
        touch(s, b);
    }
    L->sum -= dist(s, a, b);
    L->node[a] = L->node[b] = QTR_NONE;
    layer_changed(s, L, a, b, 0);
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

/* Swap a and b in layer L; @p delta is the change in L's sum when known
 * (the score cache's), NULL to compute it. */
static void layer_swap(qtr_sabre_state *s, layer *L, uint32_t a, uint32_t b, const int32_t *delta)
{
    uint32_t na = L->node[a], nb = L->node[b];
    if (na != QTR_NONE && na == nb) return;   /* same gate: partners unchanged */
    if (s->cached && L == &s->front && (na == QTR_NONE) != (nb == QTR_NONE)) {
        front_change(s, na == QTR_NONE ? b : a, 0);
        front_change(s, na == QTR_NONE ? a : b, 1);
    }
    L->sum += delta ? *delta : layer_delta(s, L, a, b);
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

/* Stale the move cache of a and b and of every qubit holding a partner, in
 * some layer, of the qubits on a and b: a swap of a and b changes their
 * entries' distances. */
static void moves_stale_swap(qtr_sabre_state *s, uint32_t a, uint32_t b)
{
    mark_dirty(s, a, DIRTY_BOTH);
    mark_dirty(s, b, DIRTY_BOTH);
    if (s->front.node[a] != QTR_NONE) mark_dirty(s, s->front.other[a], DIRTY_FRONT);
    if (s->front.node[b] != QTR_NONE) mark_dirty(s, s->front.other[b], DIRTY_FRONT);
    if (s->mv_kind == 1) {
        if (s->look.node[a] != QTR_NONE) mark_dirty(s, s->look.other[a], DIRTY_LOOK);
        if (s->look.node[b] != QTR_NONE) mark_dirty(s, s->look.other[b], DIRTY_LOOK);
    } else if (s->mv_kind == 2) {
        for (int side = 0; side < 2; side++)
            for (uint32_t e = s->ext_head[s->p2v[side ? b : a]]; e != QTR_NONE; e = s->ext_next[e])
                mark_dirty(s, s->v2p[s->ext_q[e >> 1][!(e & 1)]], DIRTY_LOOK);
    }
}

/* p's entries of one layer (front or next layer: at most one gate of p's
 * qubit), whose partner is on @p c (QTR_NONE: no gate), and their edges'
 * sums. */
static inline void refresh_layer(qtr_sabre_state *s, uint32_t p, uint32_t c, int32_t *mv,
                                 int32_t *sw)
{
    const qtr_rtarget *rt = s->rt;
    const size_t n = s->n;
    const uint16_t *dist = rt->dist, *dp = dist + (size_t)p * n;
    for (uint32_t e = rt->adj_off[p]; e < rt->adj_off[p + 1]; e++) {
        uint32_t q = rt->adj[e];
        int32_t v = c == QTR_NONE || c == q ? 0 : (int32_t)dist[q * n + c] - (int32_t)dp[c];
        sw[rt->edge[e]] += v - mv[e];
        mv[e] = v;
    }
}

/* Refresh the stale entries of p (see qtr_sabre_state) and the sums of its
 * edges. The front and layer entries leave out the gate on (p, q) itself,
 * the extended set's every gate of p's qubit with the qubit on q, as
 * layer_delta and ext_delta do. */
static void moves_refresh(qtr_sabre_state *s, uint32_t p)
{
    const qtr_rtarget *rt = s->rt;
    const uint16_t *dist = rt->dist, *dp = dist + (size_t)p * s->n;
    const size_t n = s->n;
    const uint32_t *adj = rt->adj, *edge = rt->edge, e0 = rt->adj_off[p], e1 = rt->adj_off[p + 1];
    uint8_t what = s->dirty[p];
    s->dirty[p] = 0;
    if (what & DIRTY_FRONT)
        refresh_layer(s, p, s->front.node[p] != QTR_NONE ? s->front.other[p] : QTR_NONE,
                      s->mv_front, s->sw_front);
    if (!(what & DIRTY_LOOK) || s->mv_kind == 0) return;
    if (s->mv_kind == 1) {
        refresh_layer(s, p, s->look.node[p] != QTR_NONE ? s->look.other[p] : QTR_NONE,
                      s->mv_look, s->sw_look);
        return;
    }
    /* the extended set's partners of p's qubit, by position (the partner
     * on q is the one left out): gathered once for all of p's entries */
    uint32_t part[8], npart = 0, many = 0;
    for (uint32_t y = s->ext_head[s->p2v[p]]; y != QTR_NONE && !many; y = s->ext_next[y]) {
        if (npart == 8) many = 1;
        else part[npart++] = s->v2p[s->ext_q[y >> 1][!(y & 1)]];
    }
    for (uint32_t e = e0; e < e1; e++) {
        uint32_t q = adj[e];
        const uint16_t *dq = dist + (size_t)q * n;
        int32_t l = 0;
        if (!many) {
            for (uint32_t i = 0; i < npart; i++)
                if (part[i] != q) l += (int32_t)dq[part[i]] - (int32_t)dp[part[i]];
        } else {
            for (uint32_t y = s->ext_head[s->p2v[p]]; y != QTR_NONE; y = s->ext_next[y]) {
                uint32_t c = s->v2p[s->ext_q[y >> 1][!(y & 1)]];
                if (c != q) l += (int32_t)dq[c] - (int32_t)dp[c];
            }
        }
        s->sw_look[edge[e]] += l - s->mv_look[e];
        s->mv_look[e] = l;
    }
}

/* Swap physical qubits a and b (coupling edge @p x). With @p x !=
 * QTR_NONE the score cache is current (choose_swap just refreshed it) and
 * gives the layers' changes; otherwise they are computed. */
static void apply_swap(qtr_sabre_state *s, int look, uint32_t a, uint32_t b, uint32_t x)
{
    const int32_t *df = x != QTR_NONE ? &s->sw_front[x] : NULL;
    const int32_t *dl = x != QTR_NONE ? &s->sw_look[x] : NULL;
    if (s->cached) moves_stale_swap(s, a, b);
    if (s->nparked) {   /* the qubits moved, and the front gates on them */
        touch(s, a);
        touch(s, b);
        if (s->front.node[a] != QTR_NONE) touch(s, s->front.other[a]);
        if (s->front.node[b] != QTR_NONE) touch(s, s->front.other[b]);
    }
    if (s->ext_len)
        s->ext_sum += dl ? *dl
                         : ext_delta(s->rt->dist, s->n, s->ext_head, s->ext_next,
                                     (const uint32_t(*)[2])s->ext_q, s->v2p, s->p2v[a],
                                     s->p2v[b], a, b);
    layer_swap(s, &s->front, a, b, df);
    if (look) layer_swap(s, &s->look, a, b, dl);
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
                uint32_t a = s->v2p[s->d->q[y][0]], b = s->v2p[s->d->q[y][1]];
                /* a qubit may have several waiting gates (they commute):
                 * the layer shows the first */
                if (s->look.node[a] != QTR_NONE || s->look.node[b] != QTR_NONE) continue;
                s->nst[y] = NS_LOOK;
                layer_insert(s, &s->look, y, a, b);
            } else {
                s->nst[y] = NS_LEFT;
                s->stack[top++] = y;
            }
        }
    }
}

qtr_status qtr_sabre_result_reserve(qtr_sabre_result *r, size_t norder, size_t nswaps)
{
    if (norder > r->caporder) {
        size_t cap = r->caporder ? 2 * r->caporder : 1024;
        while (cap < norder) cap *= 2;
        uint32_t *o = realloc(r->order, cap * sizeof *o);
        if (!o) return QTR_ENOMEM;
        r->order = o;
        uint32_t *e = realloc(r->swap_end, cap * sizeof *e);
        if (!e) return QTR_ENOMEM;
        r->swap_end = e;
        r->caporder = cap;
    }
    if (nswaps > UINT32_MAX) return QTR_ELIMIT;
    if (nswaps > r->capswaps) {
        size_t cap = r->capswaps ? 2 * r->capswaps : 1024;
        while (cap < nswaps) cap *= 2;
        uint32_t(*w)[2] = realloc(r->swaps, cap * sizeof *w);
        if (!w) return QTR_ENOMEM;
        r->swaps = w;
        r->capswaps = cap;
    }
    return QTR_OK;
}

static qtr_status record_node(qtr_sabre_result *r, uint32_t k, uint64_t nswaps)
{
    if (r->norder == r->caporder && qtr_sabre_result_reserve(r, r->norder + 1, 0))
        return QTR_ENOMEM;
    r->order[r->norder] = k;
    r->swap_end[r->norder++] = (uint32_t)nswaps;
    return QTR_OK;
}

/* A 2q gate on physical (a, b): the last on both. */
static inline void mark_pair(qtr_sabre_state *s, uint32_t a, uint32_t b)
{
    s->last_op[a] = s->last_op[b] = ++s->op_tag;
}

/* A swap on (a, b): it ends whatever a later swap could merge with (a
 * second swap there would only undo it). */
static inline void mark_swap(qtr_sabre_state *s, uint32_t a, uint32_t b)
{
    s->last_op[a] = 0;
    s->last_op[b] = 0;
}

/* Does a swap on (a, b) follow a 2q gate on the same pair, nothing 2-qubit
 * on either qubit since? Then 2q block resynthesis merges them: a swap after
 * a cx costs 1 more cx instead of 3, after a 3-cx block none. */
static inline int absorbable(const qtr_sabre_state *s, uint32_t a, uint32_t b)
{
    return s->last_op[a] == s->last_op[b] && s->last_op[a];
}

/* May ready node k, on physical a and b at distance dk > 1, take the front's
 * place on them? When they are free, or (while @p evict lasts) when every
 * front gate holding one of them is farther apart: of the gates that
 * commute on a qubit, the nearest is the one to route first. */
static inline int takes_place(const qtr_sabre_state *s, uint32_t a, uint32_t b, uint32_t dk,
                              uint32_t evict)
{
    const layer *F = &s->front;
    if (F->node[a] == QTR_NONE && F->node[b] == QTR_NONE) return 1;
    if (!evict) return 0;
    if (F->node[a] != QTR_NONE && dist(s, a, F->other[a]) <= dk) return 0;
    if (F->node[b] != QTR_NONE && dist(s, b, F->other[b]) <= dk) return 0;
    return 1;
}

/* Route the ready nodes in queue[0..n) and everything that becomes ready and
 * routable after them; the rest enters the front layer, or, when a front
 * gate holds one of its qubits already (ready gates on one qubit commute),
 * waits in parked[] until it is routable or its qubits are free in the
 * front. The swaps in cur[] precede the first routed node. */
static qtr_status route_ready(qtr_sabre_state *s, int look, uint32_t n, uint32_t ncur,
                              int record, qtr_sabre_result *r)
{
    const qtr_sabre_dag *d = s->d;
    if (record && ncur) {
        qtr_status st = qtr_sabre_result_reserve(r, 0, r->nswaps + ncur);
        if (st) return st;
        memcpy(r->swaps + r->nswaps, s->cur, ncur * sizeof *s->cur);
    }
    r->nswaps += ncur;
    uint32_t head = 0, tail = n, evict = s->n;   /* evictions left: a bound, not a tuning */
    for (;;) {
        while (head < tail) {
            uint32_t k = s->queue[head++];
            if (d->q[k][0] != QTR_NONE) {
                uint32_t a = s->v2p[d->q[k][0]], b = s->v2p[d->q[k][1]], dk = dist(s, a, b);
                if (dk != 1) {
                    if (!takes_place(s, a, b, dk, evict)) {
                        s->parked[s->nparked++] = k;
                        continue;
                    }
                    for (int side = 0; side < 2; side++) {
                        uint32_t f = s->front.node[side ? b : a];
                        if (f == QTR_NONE) continue;
                        layer_remove(s, &s->front, f);
                        s->parked[s->nparked++] = f;
                        evict -= evict > 0;
                    }
                    /* out of the lookahead first: slot[] is shared by the layers */
                    if (look) mark_left(s, k);
                    layer_insert(s, &s->front, k, a, b);
                    continue;
                }
                mark_pair(s, a, b);
            }
            if (record && record_node(r, k, r->nswaps)) return QTR_ENOMEM;
            if (look) mark_left(s, k);
            for (uint32_t e = s->so[k]; e < s->so[k + 1]; e++) {
                uint32_t y = s->sa[e];
                if (--s->pred[y] == 0) s->queue[tail++] = y;
            }
        }
        /* the parked gates that became routable or may take a place in the
         * front: only those on touched qubits can (a gate entering the
         * front takes places, never gives one) */
        uint32_t m = 0;
        head = tail = 0;
        for (uint32_t i = 0; i < s->nparked; i++) {
            uint32_t k = s->parked[i], a = s->v2p[d->q[k][0]], b = s->v2p[d->q[k][1]];
            if (s->touched[a] | s->touched[b]) {
                uint32_t dk = dist(s, a, b);
                if (dk == 1 || takes_place(s, a, b, dk, evict)) {
                    s->queue[tail++] = k;
                    continue;
                }
            }
            s->parked[m++] = k;
        }
        s->nparked = m;
        for (uint32_t i = 0; i < s->ntouched; i++) s->touched[s->tlist[i]] = 0;
        s->ntouched = 0;
        if (!tail) return QTR_OK;
    }
}

/* Add DAG node y's gate to the extended set. */
static qtr_status ext_add(qtr_sabre_state *s, uint32_t y)
{
    const qtr_sabre_dag *d = s->d;
    if (s->ext_len == s->capext) {
        size_t cap = s->capext ? 2 * s->capext : 64;
        uint32_t(*q)[2] = realloc(s->ext_q, cap * sizeof *q);
        if (q) s->ext_q = q;
        uint32_t *nx = q ? realloc(s->ext_next, 2 * cap * sizeof *nx) : NULL;
        if (nx) s->ext_next = nx;
        uint32_t *no = nx ? realloc(s->ext_node, cap * sizeof *no) : NULL;
        if (no) s->ext_node = no;
        uint32_t *pr = no ? realloc(s->ext_prev, cap * sizeof *pr) : NULL;
        if (!pr) return QTR_ENOMEM;
        s->ext_prev = pr;
        s->capext = cap;
    }
    uint32_t g = s->ext_len++, va = d->q[y][0], vb = d->q[y][1];
    s->ext_q[g][0] = va;
    s->ext_q[g][1] = vb;
    s->ext_next[2 * g] = s->ext_head[va];
    s->ext_head[va] = 2 * g;
    s->ext_next[2 * g + 1] = s->ext_head[vb];
    s->ext_head[vb] = 2 * g + 1;
    s->ext_node[g] = y;
    s->ext_sum += dist(s, s->v2p[va], s->v2p[vb]);
    if (s->cached) {
        if (s->in_ext[y] != 1) {
            mark_dirty(s, s->v2p[va], DIRTY_LOOK);
            mark_dirty(s, s->v2p[vb], DIRTY_LOOK);
        }
        s->in_ext[y] = 2;
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
    /* the score cache changes only for the ends of gates that enter or
     * leave the set: in_ext tells them apart */
    uint32_t nold = s->ext_len;
    for (uint32_t i = 0; i < nold; i++) {
        s->ext_head[s->ext_q[i][0]] = s->ext_head[s->ext_q[i][1]] = QTR_NONE;
        if (!s->cached) continue;
        s->in_ext[s->ext_node[i]] = 1;
        s->ext_prev[i] = s->ext_node[i];
    }
    s->ext_len = 0;
    s->ext_sum = 0;
    uint32_t nvisit = s->front.len, ndec = 0;
    memcpy(s->queue, s->front.list, nvisit * sizeof *s->queue);
    qtr_status st = QTR_OK;
    /* parked gates are ready: the nearest future after the front (once
     * they fill the set, nothing more is visited) */
    for (uint32_t i = 0; i < s->nparked && s->ext_len < limit && !st; i++) {
        st = ext_add(s, s->parked[i]);
        s->queue[nvisit++] = s->parked[i];
    }
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
                if ((st = ext_add(s, y))) break;
                s->queue[nvisit++] = y;
            }
        }
    }
    for (uint32_t i = 0; i < ndec; i++) s->pred[s->dec[i]]++;
    for (uint32_t i = 0; i < nold && s->cached; i++) {   /* old gates still marked 1 left */
        uint32_t y = s->ext_prev[i];
        if (s->in_ext[y] == 1) {
            mark_dirty(s, s->v2p[d->q[y][0]], DIRTY_LOOK);
            mark_dirty(s, s->v2p[d->q[y][1]], DIRTY_LOOK);
        }
        s->in_ext[y] = 0;
    }
    for (uint32_t i = 0; i < s->ext_len && s->cached; i++) s->in_ext[s->ext_node[i]] = 0;
    return st;
}

/* ---- choosing a swap ------------------------------------------------------ */

static int grow_cand(qtr_sabre_state *s)
{
    size_t cap = s->capcand ? 2 * s->capcand : 64;
    uint32_t(*c)[2] = realloc(s->cand, cap * sizeof *c);
    if (!c) return -1;
    s->cand = c;
    struct tie *t = realloc(s->tie, cap * sizeof *t);
    if (!t) return -1;
    s->tie = t;
    s->capcand = cap;
    return 0;
}

/* Key the tied edges in cand[0..nc) as (scoring end, other end) by the
 * order the front-layer walk of Qiskit's SABRE (and of this file before the
 * score cache) meets them: by the front gate's place in the front list, its
 * side, then the coupling entry's place in the scoring end's row. An edge
 * between two front qubits is scored from its lower end. The random pick
 * of the tie of rank r in that order (tie_of_rank) then picks what it
 * always picked. */
static void key_ties(qtr_sabre_state *s, size_t nc)
{
    const qtr_rtarget *rt = s->rt;
    const uint32_t *fnode = s->front.node;
    for (size_t i = 0; i < nc; i++) {
        uint32_t x = s->cand[i][0], lo = rt->ends[x][0], hi = rt->ends[x][1];
        uint32_t p = fnode[lo] != QTR_NONE ? lo : hi, q = p == lo ? hi : lo;
        uint32_t k = fnode[p], side = s->v2p[s->d->q[k][0]] == p ? 0 : 1, j = 0;
        while (rt->adj[rt->adj_off[p] + j] != q) j++;
        s->tie[i].key = ((uint64_t)s->slot[k] * 2 + side) << 32 | j;   /* distinct */
        s->tie[i].at = i;
        s->tie[i].edge = x;
        s->cand[i][0] = p;
        s->cand[i][1] = q;
    }
}

/* The tie of rank @p r in key order (the keys are distinct, so it is one
 * tie whatever the method): beyond 16 of them Hoare's selection, linear on
 * average, where sorting them all (as before) cost QAOA N100 -O 2 about 3%
 * of its instructions in qsort. */
static const struct tie *tie_of_rank(struct tie *t, size_t nc, size_t r)
{
    if (nc <= 16) {   /* few: insertion sort is cheaper */
        for (size_t i = 1; i < nc; i++)
            for (size_t j = i; j > 0 && t[j].key < t[j - 1].key; j--) {
                struct tie x = t[j];
                t[j] = t[j - 1];
                t[j - 1] = x;
            }
        return &t[r];
    }
    ptrdiff_t lo = 0, hi = (ptrdiff_t)nc - 1, want = (ptrdiff_t)r;
    while (lo < hi) {
        uint64_t pivot = t[lo + (hi - lo) / 2].key;
        ptrdiff_t i = lo, j = hi;
        while (i <= j) {
            while (t[i].key < pivot) i++;
            while (t[j].key > pivot) j--;
            if (i <= j) {
                struct tie x = t[i];
                t[i++] = t[j];
                t[j--] = x;
            }
        }
        if (want <= j) hi = j;
        else if (want >= i) lo = i;
        else break;   /* between j and i: the pivot itself */
    }
    return &t[want];
}

/* layer_delta on raw arrays, for the direct scoring loop (keeps everything
 * in registers: the compiler cannot prove the layer pointers unchanged
 * across candidate pushes). */
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

static inline int push_cand(qtr_sabre_state *s, size_t *nc, uint32_t a, uint32_t b)
{
    if (QTR_UNLIKELY(*nc == s->capcand) && grow_cand(s)) return -1;
    s->cand[*nc][0] = a;
    s->cand[(*nc)++][1] = b;
    return 0;
}

/* The scan of choose_direct for one set of switches; inlined with
 * constant switches for the common case (levels 1-3 on long circuits:
 * decay and the next layer), so its loop carries no tests of them. Scores
 * and ties are computed as in the general case. */
static QTR_ALWAYS_INLINE qtr_status direct_scan(qtr_sabre_state *s, const int use_decay,
                                                const int use_look, const int use_ext, double wf,
                                                double wl, double base, double absorb,
                                                uint32_t *sa, uint32_t *sb)
{
    const layer *F = &s->front, *L = &s->look;
    const uint32_t *off = s->rt->adj_off, *adj = s->rt->adj;
    const uint32_t *fnode = F->node, *fother = F->other, *lnode = L->node, *lother = L->other;
    const uint32_t *v2p = s->v2p, (*vq)[2] = s->d->q;
    const double *decay = s->decay;
    const uint16_t *dist = s->rt->dist;
    const size_t n = s->n;
    const uint32_t *p2v = s->p2v, *ext_head = s->ext_head, *ext_next = s->ext_next;
    const uint32_t(*ext_q)[2] = (const uint32_t(*)[2])s->ext_q;
    const double eps = 1e-10;
    double best = 1.0 / 0.0;
    size_t nc = 0;
    uint64_t scored = 0;
    for (uint32_t i = 0; i < F->len; i++) {
        uint32_t k = F->list[i];
        for (int side = 0; side < 2; side++) {
            uint32_t p = v2p[vq[k][side]];
            double dp = decay[p];
            for (uint32_t e = off[p]; e < off[p + 1]; e++) {
                uint32_t q = adj[e];
                if (q < p && fnode[q] != QTR_NONE) continue;   /* scored from q's side */
                scored++;
                int32_t df = delta_raw(dist, n, fnode, fother, p, q);
                int32_t dl = use_look ? delta_raw(dist, n, lnode, lother, p, q)
                             : use_ext ? ext_delta(dist, n, ext_head, ext_next, ext_q, v2p,
                                                   p2v[p], p2v[q], p, q)
                                       : 0;
                double score;
                if (use_decay) {
                    double dq = decay[q];
                    score = (base + wf * df + wl * dl) * (dp > dq ? dp : dq);
                    if (absorbable(s, p, q)) score *= absorb;
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
    s->n_cands += scored;
    if (nc == 0) return QTR_EINVAL;   /* no coupling edge next to the front: cannot happen on a
                                         feasible layout */
    size_t pick = nc == 1 ? 0 : (size_t)(qtr_rng_next(&s->rng) % nc);
    *sa = s->cand[pick][0];
    *sb = s->cand[pick][1];
    return QTR_OK;
}

/* choose_swap without the cache, for narrow circuits whose front holds a
 * few gates: walk the front layer, score each coupling edge next to it
 * (once per pair) from the layers themselves. The same scores, in the
 * order the ties are put back in on the cached path. */
static qtr_status choose_direct(qtr_sabre_state *s, const qtr_sabre_heur *h, int look,
                                uint32_t *sa, uint32_t *sb)
{
    const layer *F = &s->front, *L = &s->look;
    const int ext = h->ext_size != 0;
    double wf = h->basic_weight, wl = look || ext ? h->look_weight : 0.0;
    if (h->basic_scaled) wf = F->len ? wf / F->len : 0.0;
    if (look && h->look_scaled) wl = L->len ? wl / L->len : 0.0;
    if (ext && h->look_scaled) wl = s->ext_len ? wl / s->ext_len : 0.0;
    const int use_look = wl != 0.0 && look, use_ext = wl != 0.0 && ext;
    double base = wf * (double)F->sum + wl * (double)(ext ? s->ext_sum : L->sum);
    if (h->decay && use_look && !use_ext)
        return direct_scan(s, 1, 1, 0, wf, wl, base, h->absorb, sa, sb);
    return direct_scan(s, h->decay, use_look, use_ext, wf, wl, base, h->absorb, sa, sb);
}

/* Score every coupling edge touching an active front qubit and pick
 * uniformly among those within 1e-10 of the best (scores that close are
 * equal but for rounding; distinct ones differ by far more). The scores' parts come
 * from the cache (qtr_sabre_state), refreshed for the qubits that changed
 * since the last call. */
static qtr_status choose_swap(qtr_sabre_state *s, const qtr_sabre_heur *h, int look,
                              uint32_t *sa, uint32_t *sb, uint32_t *sx)
{
    *sx = QTR_NONE;
    s->n_swaps++;
    if (!s->cached) return choose_direct(s, h, look, sa, sb);
    s->n_cands += s->ncand_edges;
    for (uint32_t i = 0; i < s->ndirty; i++) moves_refresh(s, s->dlist[i]);
    s->ndirty = 0;
    const layer *F = &s->front, *L = &s->look;
    const uint32_t (*ends)[2] = (const uint32_t(*)[2])s->rt->ends, *list = s->cand_list;
    const double *decay = s->decay;
    const int use_decay = h->decay;
    const int32_t *swf = s->sw_front, *swl = s->sw_look;
    const int ext = h->ext_size != 0;
    double wf = h->basic_weight, wl = look || ext ? h->look_weight : 0.0;
    if (h->basic_scaled) wf = F->len ? wf / F->len : 0.0;
    if (look && h->look_scaled) wl = L->len ? wl / L->len : 0.0;
    if (ext && h->look_scaled) wl = s->ext_len ? wl / s->ext_len : 0.0;
    const int use_l = wl != 0.0 && (look || ext);
    const double eps = 1e-10;
    double best = 1.0 / 0.0, *score = s->cand_score;
    /* the layers' current totals, the same for every candidate */
    double base = wf * (double)F->sum + wl * (double)(ext ? s->ext_sum : L->sum);
    uint32_t ncand = s->ncand_edges;
    /* two passes, the scores and their minimum, then the ties: no
     * data-dependent branch in the first, a rarely taken one in the second */
    if (use_decay && use_l) {   /* levels 1-3: the common case, without branches */
        for (uint32_t i = 0; i < ncand; i++) {
            uint32_t x = list[i];
            double dp = decay[ends[x][0]], dq = decay[ends[x][1]];
            double sc = (base + wf * swf[x] + wl * swl[x]) * (dp > dq ? dp : dq);
            if (absorbable(s, ends[x][0], ends[x][1])) sc *= h->absorb;
            score[i] = sc;
            best = sc < best ? sc : best;
        }
    } else {
        for (uint32_t i = 0; i < ncand; i++) {
            uint32_t x = list[i];
            int32_t df = swf[x], dl = use_l ? swl[x] : 0;
            double sc;
            if (use_decay) {
                double dp = decay[ends[x][0]], dq = decay[ends[x][1]];
                sc = (base + wf * df + wl * dl) * (dp > dq ? dp : dq);
                if (absorbable(s, ends[x][0], ends[x][1])) sc *= h->absorb;
            } else {
                sc = wf * df + wl * dl;
            }
            score[i] = sc;
            best = sc < best ? sc : best;
        }
    }
    size_t nc = 0;
    for (uint32_t i = 0; i < ncand; i++) {
        if (score[i] - best > eps) continue;
        if (QTR_UNLIKELY(nc == s->capcand) && grow_cand(s)) return QTR_ENOMEM;
        s->cand[nc++][0] = list[i];
    }
    if (nc == 0) return QTR_EINVAL;   /* no coupling edge next to the front: cannot happen on a
                                         feasible layout */
    key_ties(s, nc);
    const struct tie *pick =
        nc == 1 ? &s->tie[0] : tie_of_rank(s->tie, nc, (size_t)(qtr_rng_next(&s->rng) % nc));
    *sa = s->cand[pick->at][0];
    *sb = s->cand[pick->at][1];
    *sx = pick->edge;
    return QTR_OK;
}

/* A lower bound on the swaps still to come: every front gate must reach
 * distance 1 before it routes, so its distance minus 1 must be worked off,
 * and one swap moves two qubits one step each, each qubit in at most one
 * front gate (a gate whose two qubits are swapped keeps its distance). */
static inline uint64_t front_swaps_left(const layer *F)
{
    return (uint64_t)(F->sum - (int64_t)F->len + 1) / 2;
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
    for (uint32_t i = *ncur; i-- > 0;)
        apply_swap(s, look, s->cur[i][0], s->cur[i][1], QTR_NONE);
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
        apply_swap(s, look, x, y, QTR_NONE);
        mark_swap(s, x, y);
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
        s->decay[p] = 1.0;
    }
    s->nbumped = 0;
    s->nparked = 0;
    for (uint32_t i = 0; i < s->ntouched; i++) s->touched[s->tlist[i]] = 0;
    s->ntouched = 0;
    memset(s->last_op, 0, n * sizeof *s->last_op);
    s->op_tag = 0;
    s->front.len = s->look.len = 0;
    s->front.sum = s->look.sum = 0;
    s->ext_len = 0;
    s->mv_kind = ext ? 2 : look ? 1 : 0;
    choose_mode(s);
    s->ncand_edges = 0;
    s->ndirty = 0;
    if (s->cached) {
        size_t ne = s->rt->adj_off[n], nu = s->rt->nedges;
        memset(s->mv_front, 0, ne * sizeof *s->mv_front);
        memset(s->mv_look, 0, ne * sizeof *s->mv_look);
        memset(s->sw_front, 0, nu * sizeof *s->sw_front);
        memset(s->sw_look, 0, nu * sizeof *s->sw_look);
        memset(s->nfront, 0, nu);
        memset(s->dirty, 0, n);
    }
    res->nswaps = res->cost = 0;
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
    /* cost: a swap counts 1, or with absorption 3, 1 if absorbable */
    const uint64_t unit = h->absorb < 1.0 ? 3 : 1;
    while (s->front.len) {
        uint32_t ncur = 0;
        uint64_t ccur = 0;
        nroutable = 0;
        while (nroutable == 0 && ncur <= h->attempt_limit) {
            uint32_t a, b, x;
            if ((st = choose_swap(s, h, look, &a, &b, &x))) return st;
            ccur += absorbable(s, a, b) ? 1 : unit;
            apply_swap(s, look, a, b, x);
            mark_swap(s, a, b);
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
                if (trial_key(res->cost + ccur + front_swaps_left(&s->front), index) > bnd) {
                    res->aborted = 1;
                    return QTR_OK;
                }
            }
        }
        if (nroutable == 0) {
            if ((st = release_valve(s, look, &ncur, routable, &nroutable))) return st;
            ccur = (uint64_t)ncur * unit;
        }
        res->cost += ccur;
        for (uint32_t i = 0; i < nroutable; i++) {
            layer_remove(s, &s->front, routable[i]);
            s->queue[i] = routable[i];
        }
        s->n_steps++;
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
            uint64_t key = trial_key(r.cost, index0 + t);
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
    size_t n = rt->n, nn = d->nnodes;
    size_t nent = rt->adj_off[n], nu = rt->nedges;
    size_t rtb = n * n * sizeof *rt->dist + n * sizeof *rt->comp +
                 rt->ncomp * sizeof *rt->comp_size + nent * 4 * sizeof(uint32_t);
    /* qtr_sabre_state_new: 10 n-sized uint32 arrays, a double and a byte per
     * qubit, 6 nnodes-sized uint32 arrays and two bytes per node, the score
     * cache's two int32 per coupling entry and four words and a byte per
     * edge (the extended set's own lists stay near its 20 gates) */
    size_t state = sizeof(qtr_sabre_state) + n * (10 * sizeof(uint32_t) + sizeof(double) + 1) +
                   nn * (6 * sizeof(uint32_t) + 2) + nent * 2 * sizeof(int32_t) +
                   nu * (4 * sizeof(uint32_t) + 1);
    size_t result = 2 * n * sizeof(uint32_t) +
                    best->caporder * 2 * sizeof(uint32_t) + best->capswaps * sizeof *best->swaps;
    return rtb + result + (size_t)nthreads * (state + result);
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

/* Keep in @p d whichever of the strict DAG and the commutation DAG
 * (qtr_sabre_dag_commute) one trial from @p start routes cheaper, the same
 * seed for both: SABRE turns commutation into far fewer swaps on some
 * circuits and more on others (pass_layout_sabre.c: pick_dag, which
 * compares them on its own start). */
static qtr_status pick_dag(qtr_sabre_dag *d, qtr_circuit *c, const qtr_rtarget *rt,
                           const qtr_sabre_heur *h, const uint32_t *start, uint64_t seed,
                           qtr_ctx *ctx)
{
    if (d->nnodes > QTR_SABRE_COMMUTE_NODES) return QTR_OK;
    qtr_sabre_dag dc;
    int made = qtr_sabre_dag_commute_in(&dc, d, c, &c->alloc);   /* counted while it lives */
    if (made == -2) return qtr_fail_budget(ctx, "routing", c->alloc.limit);
    if (made <= 0)
        return made ? qtr_fail(ctx, QTR_ENOMEM, "routing: commutation DAG") : QTR_OK;
    qtr_sabre_result r;
    qtr_status st = qtr_sabre_result_init(&r, rt->n);
    uint64_t cost[2] = {0, 0};
    for (int k = 0; k < 2 && !st; k++) {
        qtr_sabre_state *s = qtr_sabre_state_new(k ? &dc : d, rt);
        st = s ? qtr_sabre_trial(s, h, 0, start, qtr_seed_for(seed, 0), 0, NULL, 0, &r)
               : QTR_ENOMEM;
        cost[k] = r.cost;
        qtr_sabre_state_free(s);
    }
    if (!st && cost[1] < cost[0]) {
        qtr_sabre_dag t = *d;
        *d = dc;
        dc = t;
    }
    qtr_sabre_dag_fini(&dc);
    qtr_sabre_result_fini(&r);
    return st ? qtr_fail(ctx, st, "routing: commutation probe") : QTR_OK;
}

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
    /* the DAG within the circuit's budget, weighed before it is built and
     * counted in the circuit's allocator while it lives */
    if ((st = qtr_sabre_dag_build_in(&d, c, &c->alloc, "routing", ctx))) goto done;
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
    if (o->absorb > 0.0) h.absorb = o->absorb;
    uint32_t trials = o->trials ? o->trials : 1;
    uint32_t threads = qtr_sabre_threads(trials, d.nnodes >= QTR_SABRE_PAR_NODES);
    if (qtr_sabre_budget_fits(&c->alloc, qtr_sabre_scratch_bytes(&d, &rt, &best, threads))) {
        st = qtr_fail_budget(ctx, "routing", c->alloc.limit);
        goto done;
    }
    if ((st = pick_dag(&d, c, &rt, &h, start, o->seed, ctx))) goto done;
    if ((st = qtr_sabre_swap_map(&d, &rt, &h, start, o->seed, trials, 1, NULL, 0, NULL, &best,
                                 ctx)))
        goto done;
    QTR_ASSERT(!best.aborted);
    /* while the trials ran: per-thread states and results beside the DAG
     * (the DAG itself is counted since its build); while rebuilding: the
     * winner beside the DAG and both instruction arrays */
    size_t scratch = qtr_sabre_scratch_bytes(&d, &rt, &best, threads);
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
