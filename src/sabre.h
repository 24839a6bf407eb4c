/* sabre.h -- internal to the layout and routing passes: the routing view of a
 * target, the compressed SABRE DAG, one SABRE routing trial and the rebuild of
 * a routed circuit. Not installed.
 *
 * Ownership: the _init and _build functions fill a caller-provided struct
 * whose arrays the matching _fini releases (fini on a zeroed struct is a
 * no-op). Everything else borrows. A built qtr_rtarget and qtr_sabre_dag are read-only and may
 * be shared by the threads that run trials; each thread owns its own
 * qtr_sabre_state and qtr_sabre_result.
 *
 * Qubit names: "virtual" qubits are the circuit's own indices, padded with
 * ancillas up to the target's width N; "physical" qubits are the target's.
 * A layout is v2p[v] for v < N (a permutation of 0..N-1).
 */
#ifndef QTR_SABRE_H
#define QTR_SABRE_H

#include "qtr.h"
#include "pass.h"

#ifdef __cplusplus
extern "C" {
#endif

#define QTR_NONE UINT32_MAX
/* Below this many DAG nodes trials run on one thread: waking a team costs
 * more than the trials (milliseconds on a busy machine). Results do not
 * depend on it. */
#define QTR_SABRE_PAR_NODES 256
#define QTR_DIST_INF UINT16_MAX
/* SABRE layout tries the extended-set lookahead (qtr_sabre_heur_extended) on
 * routing DAGs of at most this many nodes: it rebuilds the set after every
 * routed step (a few thousand instructions each), which longer circuits
 * would pay for many times over. */
#define QTR_SABRE_EXT_NODES 2000
/* A trial keeps its swap scores in a cache (pass_route_sabre.c) only when
 * the circuit has at least QTR_SABRE_CACHE_QUBITS qubits in 2q gates (below,
 * the front holds a few gates: a 10-qubit random circuit's layout on torino
 * -O 1 took 5.6 M instructions direct, 7.8 M cached) and the state's earlier
 * trials scored at least QTR_SABRE_CACHE_CANDS candidates per swap at
 * QTR_SABRE_CACHE_SWAPS or more swaps per routed step. Results do not
 * depend on it. */
#define QTR_SABRE_CACHE_QUBITS 32
/* Routing compares the commutation DAG (qtr_sabre_dag_commute) with the
 * strict one on DAGs of at most this many nodes; longer ones keep the
 * strict DAG: whole probe routings of those would cost more than a layout
 * search does on its prefix. */
#define QTR_SABRE_COMMUTE_NODES 20000
#define QTR_SABRE_CACHE_CANDS 20
#define QTR_SABRE_CACHE_SWAPS 3

/* ---- the routing view of a target (src/layout.c) ----------------------- */

typedef struct {
    uint32_t        n;              /* physical qubits */
    const uint32_t *adj_off, *adj;  /* undirected CSR, borrowed from the target */
    uint32_t       *rev;            /* per adj entry p -> q: the entry q -> p */
    uint32_t       *edge;           /* per adj entry: its undirected edge's number */
    uint32_t      (*ends)[2];       /* per undirected edge: its ends, lower first */
    uint32_t        nedges;         /* undirected edges */
    uint16_t       *dist;           /* n×n hop counts, QTR_DIST_INF across components */
    uint32_t       *comp;           /* connected component of each qubit */
    uint32_t        ncomp;
    uint32_t       *comp_size;      /* qubits per component */
    int             bipartite;      /* 1 when every component is 2-colourable */
    uint32_t        maxdeg;         /* largest undirected degree */
} qtr_rtarget;

/** Distances (from qtr_target_distances), components and degree facts.
 *  @return QTR_OK, QTR_ENOMEM, QTR_ELIMIT (more than 65534 qubits). */
qtr_status qtr_rtarget_init(qtr_rtarget *rt, const qtr_target *t, qtr_ctx *ctx);
void qtr_rtarget_fini(qtr_rtarget *rt);

static inline uint32_t qtr_rt_dist(const qtr_rtarget *rt, uint32_t a, uint32_t b)
{
    return rt->dist[(size_t)a * rt->n + b];
}

/* ---- the compressed routing DAG (src/sabre_dag.c) ---------------------- */

/* One node per 2q gate that needs routing (consecutive 2q gates on the same
 * pair merged into one), plus "sync" nodes for instructions with several
 * routing predecessors that need no routing themselves (a barrier across
 * several nodes, a conditioned gate waiting for a measurement). Every other
 * instruction is folded into the one node it follows on all its wires, or, if
 * it follows none, into the initial list that is emitted before any swap
 * (Qiskit's SabreDAG, ALGORITHMS.md §3.1). Clbits are wires too, so
 * measurements and conditions keep their order.
 * A final measurement (unconditioned, and nothing after it on its qubit or
 * its clbit) is kept apart and emitted after all nodes, on the qubit's final
 * position: otherwise a later swap could move the measured qubit, which is
 * correct but leaves a mid-circuit measurement that simulators (and
 * --verify) cannot compare. Qiskit gets the same effect from
 * BarrierBeforeFinalMeasurements. */
typedef struct {
    uint32_t  nnodes;
    uint32_t  nvirt;                /* circuit qubits when built */
    uint32_t (*q)[2];               /* virtual pair, or {QTR_NONE, QTR_NONE} for sync */
    uint32_t *succ_off, *succ;      /* successors (CSR, nnodes + 1 offsets) */
    uint32_t *pred_off, *pred;      /* predecessors (CSR) */
    uint32_t *inst_off, *inst;      /* instructions of each node, in order */
    uint32_t *initial;              /* instructions before any node */
    uint32_t  ninitial;
    uint32_t *final;                /* final measurements: emitted after every node */
    uint32_t  nfinal;
    uint32_t  ninst;                /* live instructions covered (initial + nodes + final) */
    qtr_alloc *acct;                /* counts the arrays above while they live (held bytes),
                                       released by qtr_sabre_dag_fini; NULL: not counted */
    size_t    held;
} qtr_sabre_dag;

/** Build the DAG of @p c (any width; NOP records skipped).
 *  @return QTR_OK, QTR_ENOMEM, QTR_ELIMIT (2^32 instructions),
 *  QTR_EUNSUPPORTED (a gate on 3+ qubits: unroll first). */
qtr_status qtr_sabre_dag_build(qtr_sabre_dag *d, const qtr_circuit *c, qtr_ctx *ctx);
/** As qtr_sabre_dag_build, within the budget of @p a (the circuit's own
 *  allocator; c is read only, its accounting is not): when a->limit is set
 *  and qtr_sabre_dag_build_bytes(c) does not fit beside a->cur, fails with
 *  QTR_EMEMORY (qtr_fail_budget(@p what)) before allocating anything. The
 *  builder's real high water (its temporaries beside the growing DAG) is
 *  counted in a->peak, then the DAG's own arrays (qtr_sabre_dag_bytes) stay
 *  counted in a->cur until qtr_sabre_dag_fini. */
qtr_status qtr_sabre_dag_build_in(qtr_sabre_dag *d, const qtr_circuit *c, qtr_alloc *a,
                                  const char *what, qtr_ctx *ctx);
/** Upper bound, from one pass over @p c's records, on the bytes
 *  qtr_sabre_dag_build holds at once (sabre_dag.c says how each term maps
 *  to an array; the real figure is the same formula on the real counts). */
size_t qtr_sabre_dag_build_bytes(const qtr_circuit *c);
/** Bytes of a built DAG's arrays (the strict DAG's or the commutation
 *  DAG's): what lives from its build to its fini. */
size_t qtr_sabre_dag_bytes(const qtr_sabre_dag *d);
/** Frees the arrays and releases what d->acct counted of them. */
void qtr_sabre_dag_fini(qtr_sabre_dag *d);
/** CSR from an edge list (src/sabre_dag.c): (*off)[k]..(*off)[k+1] of *adj
 *  list the other end of every edge whose end @p key (0 or 1) is k, in edge
 *  order. @return 0, or -1 when out of memory. */
int qtr_sabre_csr(uint32_t n, const uint32_t (*e)[2], size_t ne, int key, uint32_t **off,
                  uint32_t **adj);
/** @p d (built from @p c) with its order relaxed where gates commute
 *  (src/sabre_commute.c): a node waits only for the nodes it does not
 *  commute with, so two ready nodes may share a qubit (they commute); 1q
 *  gates after a node's last 2q gate may become a node of their own (q =
 *  {QTR_NONE, QTR_NONE}). @return 1 with @p out built (qtr_sabre_dag_fini
 *  frees it), 0 when nothing in @p d commutes (@p out zeroed), -1 when out
 *  of memory. */
int qtr_sabre_dag_commute(qtr_sabre_dag *out, const qtr_sabre_dag *d, const qtr_circuit *c);
/** As qtr_sabre_dag_commute, within the budget of @p a (NULL: none): each
 *  block it takes is weighed against a's budget before it is allocated and
 *  counted in a while it lives; the new DAG's arrays stay counted until
 *  qtr_sabre_dag_fini. @return as qtr_sabre_dag_commute, or -2 (nothing
 *  left allocated, a->over set) when a block would not fit. */
int qtr_sabre_dag_commute_in(qtr_sabre_dag *out, const qtr_sabre_dag *d, const qtr_circuit *c,
                             qtr_alloc *a);

/* ---- one routing trial (src/pass_route_sabre.c) ------------------------ */

/** Heuristic settings (ALGORITHMS.md §3.5). */
typedef struct {
    double   basic_weight;   /* weight of the front layer's distance sum */
    int      basic_scaled;   /* 1: divided by the front layer's size ("basic" at L0) */
    double   look_weight;    /* per-gate weight of the lookahead; 0 = off */
    int      look_scaled;    /* 1: divided by the lookahead's size */
    uint32_t ext_size;       /* lookahead: 0 = the next layer (Qiskit 2.5+); k > 0 = the
                                extended set of about k gates beyond the front (2.2) */
    int      decay;          /* 1: multiply by the larger decay of the pair */
    double   decay_inc;      /* added per swap to both qubits' decay */
    uint32_t decay_reset;    /* swaps between decay resets */
    uint32_t attempt_limit;  /* swaps without progress before the release valve */
    double   absorb;         /* score factor (< 1 favours) for a swap on the pair whose 2q
                                gate was the last on both its qubits: 2q block resynthesis
                                merges the two (1.0 = off; < 1 also ranks trials by cost) */
} qtr_sabre_heur;

/** Qiskit's "basic" (L0 SabreSwap) and "decay" (L1-3, SabreLayout; 2.5+:
 *  the next layer as lookahead at 0.5/n per gate) settings for a target of
 *  @p n qubits; "extended": 2.1-2.4's decay settings, whose lookahead is the
 *  extended set of 20 gates with total weight 0.5. */
void qtr_sabre_heur_basic(qtr_sabre_heur *h, uint32_t n);
void qtr_sabre_heur_decay(qtr_sabre_heur *h, uint32_t n);
void qtr_sabre_heur_extended(qtr_sabre_heur *h, uint32_t n);

/** What a trial produced. Order and swaps are recorded only when @p record
 *  was set for the trial. */
typedef struct {
    uint32_t  n;                    /* layout width (physical qubits) */
    uint32_t *layout0, *layout1;    /* v2p at the start and at the end */
    uint64_t  nswaps;
    uint64_t  cost;                 /* what trials are ranked by: nswaps, or with the heuristic's
                                       absorb < 1, the CX-class gates the swaps cost at most after
                                       2q block resynthesis (3 each, 1 if absorbable) */
    uint64_t  key;                  /* cost << 20 | trial index (set by swap_map) */
    int       aborted;              /* stopped early: could not beat the bound */
    uint32_t *order;  size_t norder, caporder;     /* nodes in the order routed */
    uint32_t *swap_end;             /* swaps before order[k]: [swap_end[k-1], swap_end[k]) */
    uint32_t (*swaps)[2]; size_t capswaps;         /* physical pairs */
} qtr_sabre_result;

qtr_status qtr_sabre_result_init(qtr_sabre_result *r, uint32_t n);
void qtr_sabre_result_fini(qtr_sabre_result *r);
/** Room for @p norder routed nodes and @p nswaps swaps in @p r's recorded
 *  lists. @return QTR_OK, QTR_ENOMEM, QTR_ELIMIT (more than 2^32 swaps). */
qtr_status qtr_sabre_result_reserve(qtr_sabre_result *r, size_t norder, size_t nswaps);

/** Per-thread scratch for trials on one DAG and target. */
typedef struct qtr_sabre_state qtr_sabre_state;
qtr_sabre_state *qtr_sabre_state_new(const qtr_sabre_dag *d, const qtr_rtarget *rt);
void qtr_sabre_state_free(qtr_sabre_state *s);
/** Whether the state's last trial kept the score cache, and forcing it for
 *  the state's trials from now on (a new state for more trials on the same
 *  DAG takes the decision of one that ran some). */
int qtr_sabre_state_cached(const qtr_sabre_state *s);
void qtr_sabre_state_set_cached(qtr_sabre_state *s, int on);
/** Make @p s route as a new state would: forget its earlier trials'
 *  statistics (which choose the scoring mode) and a mode set by
 *  qtr_sabre_state_set_cached. A trial re-initialises everything else, so a
 *  thread can keep one state for many trials instead of allocating one
 *  each (on small circuits the allocation and freeing of its two dozen
 *  arrays cost a tenth of a layout search). */
void qtr_sabre_state_renew(qtr_sabre_state *s);

/** Route the DAG once (backwards when @p reverse) from layout @p start (v2p,
 *  rt->n entries; every 2q node's qubits must lie in one component). Seeded
 *  tie-breaks only. When @p bound is non-NULL the trial stops as soon as
 *  (swaps << 20 | @p index) exceeds *bound (read atomically), setting
 *  res->aborted. @return QTR_OK, QTR_ENOMEM or QTR_ELIMIT. */
qtr_status qtr_sabre_trial(qtr_sabre_state *s, const qtr_sabre_heur *h, int reverse,
                           const uint32_t *start, uint64_t seed, int record,
                           const uint64_t *bound, uint64_t index, qtr_sabre_result *res);

/** Best of @p ntrials recorded trials from @p start (seeds from @p seed),
 *  chosen by (swaps, trial index), so the answer does not depend on the
 *  thread count. Trials run in parallel when @p parallel. @p bound /
 *  @p index0 as in qtr_sabre_trial (trial k has index index0 + k); pass a
 *  bound shared across calls to let other calls' results prune these.
 *  On QTR_OK *best holds the winner, or best->aborted when every trial was
 *  pruned. */
qtr_status qtr_sabre_swap_map(const qtr_sabre_dag *d, const qtr_rtarget *rt,
                              const qtr_sabre_heur *h, const uint32_t *start, uint64_t seed,
                              uint32_t ntrials, int parallel, uint64_t *bound, uint64_t index0,
                              qtr_sabre_state *serial_state, qtr_sabre_result *best,
                              qtr_ctx *ctx);

/** Rewrite @p c (already rt->n wide, virtual indices) into the routed
 *  physical circuit described by @p r: initial instructions, then each node
 *  after its swaps. Instruction records are replaced through the circuit's
 *  allocator; registers are untouched. @return QTR_OK or QTR_ENOMEM. */
qtr_status qtr_sabre_rebuild(qtr_circuit *c, const qtr_sabre_dag *d, const qtr_sabre_result *r,
                             qtr_ctx *ctx);

/** Bytes of routing scratch live at once while trials run on @p d and
 *  @p rt: the distance matrix and components, the winner @p best, and for
 *  each of @p nthreads threads (0: after the trials) a trial state and a
 *  recorded result the size of @p best. Not the DAG itself, which its
 *  builder counts in the circuit's allocator while it lives
 *  (qtr_sabre_dag_build_in). An estimate from the array sizes (growth
 *  slack of the swap lists aside). Plain malloc, so the circuit's allocator
 *  does not see it; qtr_sabre_charge_scratch makes it count. */
size_t qtr_sabre_scratch_bytes(const qtr_sabre_dag *d, const qtr_rtarget *rt,
                               const qtr_sabre_result *best, uint32_t nthreads);

/** Threads that run @p ntrials trials in parallel (1 when @p par is 0 or
 *  without OpenMP). */
uint32_t qtr_sabre_threads(uint32_t ntrials, int par);

/** Count @p bytes of scratch in @p a: live from now (raising the peak) until
 *  the matching qtr_sabre_release_scratch. So stats' peak_bytes covers
 *  routing's own memory, rebuild of the routed circuit included. */
static inline void qtr_sabre_charge_scratch(qtr_alloc *a, size_t bytes)
{
    a->cur += bytes;
    if (a->cur > a->peak) a->peak = a->cur;
}
static inline void qtr_sabre_release_scratch(qtr_alloc *a, size_t bytes) { a->cur -= bytes; }
/** 0 when @p bytes more of scratch fit in @p a's budget (always, without
 *  one); else -1 with a->over set. Asked before the trials take their
 *  scratch (plain malloc, outside the allocator), so a circuit whose
 *  routing would outgrow its budget fails alone (qtr_fail_budget) instead
 *  of taking its rank's memory. */
static inline int qtr_sabre_budget_fits(qtr_alloc *a, size_t bytes)
{
    if (!a->limit || (a->cur <= a->limit && bytes <= a->limit - a->cur)) return 0;
    a->over = 1;
    return -1;
}

/** 1 when every 2q node of @p d has both qubits in one component under
 *  layout @p v2p. */
int qtr_sabre_layout_feasible(const qtr_sabre_dag *d, const qtr_rtarget *rt, const uint32_t *v2p);

/* ---- layout helpers (src/layout.c) ------------------------------------- */

/** Undirected interaction graph of a circuit's 2q gates, weighted by use. */
typedef struct {
    uint32_t  n;                   /* circuit qubits */
    uint32_t *off, *nbr;           /* CSR, sorted, no duplicates */
    uint64_t *ecount;              /* uses of each CSR entry's pair (2q gates) */
    uint64_t *efwd;                /* of those, gates whose first qubit is the row's */
    uint64_t *count1q;             /* 1q gates (incl. measure, reset) per qubit */
    uint32_t *deg;                 /* distinct partners per qubit */
    uint32_t  nedges;              /* undirected pairs */
    uint32_t  ninteracting;        /* qubits with at least one 2q gate */
    int       multiq;              /* 1 when a gate on 3+ qubits was seen */
} qtr_igraph;

qtr_status qtr_igraph_build(qtr_igraph *g, const qtr_circuit *c, qtr_ctx *ctx);
/** As qtr_igraph_build, within the budget of @p a (the circuit's own
 *  allocator): when a->limit is set and qtr_igraph_build_bytes(c) does not
 *  fit beside a->cur, fails with QTR_EMEMORY (qtr_fail_budget(@p what))
 *  before allocating; the builder's real high water is counted in a->peak.
 *  The finished graph is not counted in a (the layout counts it with its
 *  own scratch). */
qtr_status qtr_igraph_build_in(qtr_igraph *g, const qtr_circuit *c, qtr_alloc *a,
                               const char *what, qtr_ctx *ctx);
/** Upper bound on the bytes qtr_igraph_build holds at once (layout.c). */
size_t qtr_igraph_build_bytes(const qtr_circuit *c);
void qtr_igraph_fini(qtr_igraph *g);

/** Dense-subset layout (Qiskit's dense_layout::best_subset): among BFS balls
 *  of g->ninteracting qubits inside component @p comp (QTR_NONE: any), the
 *  one with most internal edges; interacting virtual qubits by degree onto it
 *  by internal degree. Writes v2p for interacting qubits, QTR_NONE for the
 *  rest. @return QTR_OK, QTR_ENOMEM. */
qtr_status qtr_layout_dense(const qtr_igraph *g, const qtr_rtarget *rt, uint32_t comp,
                            uint32_t *v2p, qtr_ctx *ctx);

/** 1 when each 2q gate of @p c (on physical qubits) sits on a coupling edge. */
int qtr_layout_is_perfect(const qtr_circuit *c, const qtr_target *t);

/* ---- VF2 subgraph matching (src/pass_layout_vf2.c) ---------------------- */

/** Costs of using each physical qubit (nw, n entries) and each coupling
 *  edge (ew, one per entry of rt->adj, same for both directions):
 *  −ln(1 − error) from the target's calibration data, or, when it has none,
 *  degree/n per qubit and the mean of the ends per edge (ALGORITHMS.md §4.3). */
typedef struct {
    double *nw, *ew;
    double *ewd;           /* per rt->adj entry p -> q: cost of the directed edge
                              (p, q), or -1 when the target lacks that direction */
    int     from_errors;   /* 1 when the target had error data */
} qtr_vf2_weights;

qtr_status qtr_vf2_weights_init(qtr_vf2_weights *w, const qtr_target *t, const qtr_rtarget *rt,
                                qtr_ctx *ctx);
void qtr_vf2_weights_fini(qtr_vf2_weights *w);

/** Score of placing g's qubits by @p map: Σ 1q uses × qubit cost + Σ 2q uses
 *  × edge cost, over interacting qubits and their pairs (HUGE_VAL if a pair
 *  is not an edge). @p strict: each 2q gate must find its own direction on
 *  the target and costs that directed edge (Qiskit's strict_direction). */
double qtr_vf2_score(const qtr_igraph *g, const qtr_rtarget *rt, const qtr_vf2_weights *w,
                     const uint32_t *map, int strict);

/** Find the lowest-score embedding of g's interaction graph into the
 *  coupling graph that scores strictly below @p bound (HUGE_VAL: any), within
 *  @p lim. On *found, @p map (g->n entries) places every qubit: interacting
 *  ones by the match, 1q-only ones (busiest first) on the cheapest free
 *  qubits, idle ones on the rest in index order. @return QTR_OK, QTR_ENOMEM. */
qtr_status qtr_vf2_match(const qtr_igraph *g, const qtr_rtarget *rt, const qtr_vf2_weights *w,
                         const qtr_vf2_limits *lim, int strict, double bound, uint32_t *map,
                         int *found, qtr_ctx *ctx);

/** Strict VF2PostLayout (level 3, after optimisation): as qtr_pass_vf2post
 *  on a translated circuit, but a placement is valid only if every 2q gate
 *  keeps an allowed direction, and scores use the directed edges' errors;
 *  the output still conforms to the target. Basis gates are the same on
 *  every qubit of a qtr_target, so basis matching needs no check. */
qtr_status qtr_pass_vf2post_strict(qtr_circuit *c, const qtr_target *t,
                                   const qtr_vf2_limits *lim, uint32_t *perm, int *moved,
                                   qtr_ctx *ctx);

#ifdef __cplusplus
}
#endif

#endif
