/* pass_star_ladder.c -- qtr_pass_star_ladder: a star of cx gates around one
 * hub qubit (cx m1,h; cx m2,h; ... all into h, as in a Bernstein-Vazirani
 * oracle, or cx h,m1; cx h,m2; ... all from h, as in a fan-out) becomes a
 * ladder of cx along the path m1 - m2 - ... - mk - h: 2k-1 cx instead of k,
 * but every one between neighbours of a path, which any coupling map with a
 * long enough path holds without a swap. A star of k > 3 needs routing on a
 * heavy-hex device (degree 3): SABRE moves the hub and pays about 3 cx of
 * swaps per member (tests/bench/README.md, star-shaped circuits), where the
 * ladder pays 1. The rewrite is an exact identity of CNOT circuits (the
 * staircase form of a parity or a fan-out; e.g. Kissinger and Meijer van de
 * Griend, "CNOT circuit extraction for topologically-constrained quantum
 * memories", 2019, build the same staircases along Steiner trees):
 *
 *   into h:  cx m1,m2; cx m2,m3; ... cx m(k-1),mk;   mk holds m1^...^mk
 *            cx mk,h;
 *            cx m(k-1),mk; ... cx m1,m2              the members restored
 *   from h:  cx m(k-1),mk; ... cx m1,m2;             m(i+1) holds m(i+1)^mi
 *            cx h,m1;
 *            cx m1,m2; ... cx m(k-1),mk              each mi gets h added
 *
 * Method: one forward scan. A run is a sequence of unconditioned cx sharing
 * the hub in the same role, each on a member no open run holds; from its
 * first gate on, a member or hub belongs to the run, and any other record on
 * it (a gate, measure, barrier, conditioned gate) closes the run. So between
 * a member's cx and the run's last, nothing else touches the member or the
 * hub, and every cx of the run moves to its last one's place (the cx of a
 * run commute with each other). Closed runs of at least STAR_MIN members are
 * rewritten as ladders there, members in the order they joined, when they
 * hold at least 3/4 of the circuit's cx (a star-shaped circuit: elsewhere,
 * as in clifford_100_12345, whose 300 runs of 6-28 hold 51% of its cx,
 * ladders cost more than they save: 57,637 -> 66,821 cz on torino) and when
 * the
 * target has a simple path of k+1 qubits: a ladder that does not fit routes
 * worse than the star (on heavy-hex:7, 115 qubits, the ladder of a 100-qubit
 * fan-out took 369 swaps where the star took 177). The longest path is
 * estimated by a greedy walk (Warnsdorff's rule: go to the neighbour with
 * the fewest unvisited neighbours, but not into a dead end) from every qubit of least degree.
 * A circuit whose one ladder-worthy run is this one gets a tree instead,
 * where the coupling graph has k+1 connected qubits: the staircases run
 * along a BFS tree of the coupling graph (2k-d cx, d the root's children,
 * and a depth of about twice the tree's height; see tree_root_children).
 * Two or more runs get no trees (lone_tree_only says why). No
 * target, or one without a coupling map, leaves stars alone: there a star
 * of k cx costs k.
 *
 * Borrows: the circuit, whose instruction array it replaces through its
 * allocator (scratch from it too); the target (its coupling graph, read). Owns nothing
 * after it returns. On failure (QTR_ENOMEM) the circuit is unchanged. */
#include <string.h>

#include "opt_internal.h"
#include "pass.h"

/* Runs shorter than this stay stars: a hub with up to 3 partners fits a
 * heavy-hex vertex, and 4-5 cost about as much either way. */
#define STAR_MIN 6

#define NONE UINT32_MAX

enum { UNDECIDED, INTO_HUB, FROM_HUB };
enum { NO_LADDER, LADDER_PATH, LADDER_TREE };

typedef struct {
    uint32_t hub;         /* NONE while the run has one gate */
    uint32_t first_gate;  /* index into gates[] of its first gate */
    uint32_t last_gate;
    uint32_t k;           /* gates (= members) */
    uint8_t  role;
    uint8_t  ladder;      /* closed and long enough: LADDER_PATH or LADDER_TREE */
} run_t;

typedef struct {
    size_t   rec;         /* the cx record */
    uint32_t next;        /* next gate of the same run, NONE at the end */
} gate_t;

typedef struct {
    qtr_circuit *c;
    uint32_t *owner;      /* per qubit: open run holding it, NONE if free */
    run_t    *runs;
    gate_t   *gates;
    uint32_t  nruns, ngates;
    uint32_t *ladder_at;  /* per record: 1 + run rewritten there, 0 for none */
    uint8_t  *drop;       /* per record: 1 when a ladder replaces it */
    size_t    added;      /* records the rewrite adds */
    uint32_t  fits;       /* longest ladder (members + hub) the target holds */
    uint32_t  tree_fits;  /* qubits of the tree below (0: no trees) */
    uint32_t *tree_parent;/* tree_parent[i]: BFS position of position i's parent */
    size_t    in_ladders; /* cx in the runs chosen for ladders */
} star_t;

/* Length (qubits) of the longest greedy walk over t's coupling graph;
 * seen[] is scratch of t->nqubits bytes. */
static uint32_t unvisited_degree(const qtr_target *t, const uint8_t *seen, uint32_t p)
{
    uint32_t d = 0;
    for (uint32_t e = t->adj_off[p]; e < t->adj_off[p + 1]; e++) d += !seen[t->adj[e]];
    return d;
}

static uint32_t longest_walk(const qtr_target *t, uint8_t *seen)
{
    uint32_t N = t->nqubits, best = 0, mindeg = UINT32_MAX;
    for (uint32_t p = 0; p < N; p++) {
        uint32_t d = t->adj_off[p + 1] - t->adj_off[p];
        if (d && d < mindeg) mindeg = d;
    }
    for (uint32_t start = 0; start < N; start++) {
        if (t->adj_off[start + 1] - t->adj_off[start] != mindeg) continue;
        memset(seen, 0, N);
        uint32_t p = start, len = 1;
        seen[p] = 1;
        for (;;) {
            uint32_t next = NONE, nd = UINT32_MAX;
            for (uint32_t e = t->adj_off[p]; e < t->adj_off[p + 1]; e++) {
                uint32_t q = t->adj[e];
                if (seen[q]) continue;
                /* a dead end (d = 0) only as the walk's last step */
                uint32_t d = unvisited_degree(t, seen, q);
                d = d ? d : UINT32_MAX - 1;
                if (d < nd) nd = d, next = q;
            }
            if (next == NONE) break;
            seen[next] = 1;
            p = next;
            len++;
        }
        if (len > best) best = len;
    }
    return best;
}

static inline int plain_cx(const qtr_inst *in)
{
    return in->op == QTR_OP_CX && in->flags == 0 && in->nargs == 2;
}

static uint32_t member_of(const star_t *s, const gate_t *g, const run_t *r)
{
    const uint32_t *q = s->c->inst[g->rec].q;
    return r->role == INTO_HUB ? q[0] : q[1];
}

static void close_run(star_t *s, uint32_t id)
{
    run_t *r = &s->runs[id];
    for (uint32_t g = r->first_gate; g != NONE; g = s->gates[g].next) {
        const uint32_t *q = s->c->inst[s->gates[g].rec].q;
        s->owner[q[0]] = s->owner[q[1]] = NONE;
    }
    if (r->k < STAR_MIN) return;
    if (r->k + 1 <= s->tree_fits) r->ladder = LADDER_TREE;
    else if (r->k + 1 <= s->fits) r->ladder = LADDER_PATH;
    else return;
    s->in_ladders += r->k;
}

/* Trees (where no path is long enough): a BFS tree of the coupling graph
 * from a qubit of highest degree; its first k+1 positions form a subtree
 * (position 0 the root, every other position's parent before it). The hub
 * sits at the root, member j at position j+1. Into the hub: every member not
 * next to the root adds itself into its parent, deepest first, so each child
 * of the root holds its subtree's parity; those cx into the hub; the first
 * half undone in reverse. From the hub: every member not next to the root
 * takes its parent's value, deepest first; the root's children take the hub;
 * then each member, parents first, takes its parent's value again, which
 * now carries the hub (m ^ p ^ p ^ h). 2k - d cx for d children of the root,
 * against SABRE's 3-10 per member when the hub moves (bench README). */
static uint32_t tree_root_children(const star_t *s, uint32_t k)
{
    uint32_t d = 0;
    for (uint32_t i = 1; i <= k; i++) d += s->tree_parent[i] == 0;
    return d;
}

/* The BFS tree from a qubit of highest degree: parent[] by BFS position,
 * order[] and pos[] scratch of t->nqubits; returns its size (0: no edges). */
static uint32_t bfs_tree(const qtr_target *t, uint32_t *parent, uint32_t *order, uint32_t *pos)
{
    uint32_t N = t->nqubits, best = 0, root = NONE, bestdeg = 0;
    for (uint32_t p = 0; p < N; p++) {
        uint32_t d = t->adj_off[p + 1] - t->adj_off[p];
        if (d > bestdeg) bestdeg = d, root = p;
    }
    if (root == NONE) return 0;
    for (uint32_t p = 0; p < N; p++) pos[p] = NONE;
    order[0] = root;
    pos[root] = 0;
    parent[0] = NONE;
    best = 1;
    for (uint32_t h = 0; h < best; h++) {
        uint32_t p = order[h];
        for (uint32_t e = t->adj_off[p]; e < t->adj_off[p + 1]; e++) {
            uint32_t q = t->adj[e];
            if (pos[q] != NONE) continue;
            pos[q] = best;
            parent[best] = h;
            order[best++] = q;
        }
    }
    return best;
}

/* A tree only when its run is the circuit's one ladder: the trees of two
 * runs put their members on the same tree positions, and the union of two
 * such trees has no layout without swaps (the fan-out from q[0] and then
 * from q[1] of star_gen.sh's condfix: 498 -> 769 cx on heavy-hex:5). Else
 * a path where one fits, as the members in join order make each run's own
 * path. A lone run takes the tree even where a path fits: 2k-d cx against
 * 2k-1, and a depth of about twice the tree's height, not 2k-1. */
static void lone_tree_only(star_t *s)
{
    uint32_t ladders = 0;
    for (uint32_t id = 0; id < s->nruns; id++) ladders += s->runs[id].ladder != NO_LADDER;
    if (ladders < 2) return;
    for (uint32_t id = 0; id < s->nruns; id++) {
        run_t *r = &s->runs[id];
        if (r->ladder != LADDER_TREE) continue;
        r->ladder = r->k + 1 <= s->fits ? LADDER_PATH : NO_LADDER;
        if (r->ladder == NO_LADDER) s->in_ladders -= r->k;
    }
}

/* Mark the records of every run chosen for a ladder. */
static void mark_ladders(star_t *s)
{
    for (uint32_t id = 0; id < s->nruns; id++) {
        const run_t *r = &s->runs[id];
        if (!r->ladder) continue;
        for (uint32_t g = r->first_gate; g != NONE; g = s->gates[g].next)
            s->drop[s->gates[g].rec] = 1;
        s->ladder_at[s->gates[r->last_gate].rec] = id + 1;
        s->added += r->ladder == LADDER_PATH ? r->k - 1 : r->k - tree_root_children(s, r->k);
    }
}

static void add_gate(star_t *s, uint32_t id, size_t rec, uint32_t member)
{
    run_t *r = &s->runs[id];
    uint32_t g = s->ngates++;
    s->gates[g] = (gate_t){rec, NONE};
    s->gates[r->last_gate].next = g;
    r->last_gate = g;
    r->k++;
    s->owner[member] = id;
}

/* The cx at record i joins run @p id, around @p hub in @p role, with
 * @p member as the new member: 1, or 0 when it cannot (an undecided run
 * takes either role whose hub its first gate shares). */
static int join(star_t *s, uint32_t id, size_t i, uint32_t hub, uint32_t member, uint8_t role)
{
    run_t *r = &s->runs[id];
    const uint32_t *q0 = s->c->inst[s->gates[r->first_gate].rec].q;
    uint32_t first_hub = role == INTO_HUB ? q0[1] : q0[0];
    if (!((r->role == UNDECIDED && first_hub == hub) || (r->role == role && r->hub == hub)))
        return 0;
    r->role = role;
    r->hub = hub;
    add_gate(s, id, i, member);
    return 1;
}

/* cx(c, t) at record i: joins a run or opens one. */
static void on_cx(star_t *s, size_t i, uint32_t c, uint32_t t)
{
    uint32_t rt = s->owner[t], rc = s->owner[c];
    if (rt != NONE && rc == NONE && join(s, rt, i, t, c, INTO_HUB)) return;
    if (rc != NONE && rt == NONE && join(s, rc, i, c, t, FROM_HUB)) return;
    if (rc != NONE) close_run(s, rc);
    if (rt != NONE && rt != rc) close_run(s, rt);
    uint32_t id = s->nruns++, g = s->ngates++;
    s->gates[g] = (gate_t){i, NONE};
    s->runs[id] = (run_t){NONE, g, g, 1, UNDECIDED, 0};
    s->owner[c] = s->owner[t] = id;
}

static void scan(star_t *s)
{
    qtr_circuit *c = s->c;
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        if (in->op == QTR_OP_NOP) continue;
        if (plain_cx(in)) {
            on_cx(s, i, in->q[0], in->q[1]);
            continue;
        }
        const uint32_t *q = qtr_inst_operands(c, in);
        uint32_t nq = in->op == QTR_OP_MEASURE ? 1 : in->nargs;
        for (uint32_t k = 0; k < nq; k++)
            if (s->owner[q[k]] != NONE) close_run(s, s->owner[q[k]]);
    }
    for (uint32_t q = 0; q < c->nqubits; q++)
        if (s->owner[q] != NONE) close_run(s, s->owner[q]);
}

static void put_cx(qtr_inst *out, size_t *w, uint32_t a, uint32_t b)
{
    out[(*w)++] = (qtr_inst){QTR_OP_CX, 0, 2, {a, b}, 0};
}

/* The tree of run @p r (members m[0..k) at positions 1..k) at out[*w...]. */
static void emit_tree(const run_t *r, const uint32_t *par, const uint32_t *m, qtr_inst *out,
                      size_t *w)
{
    uint32_t k = r->k;
    int into = r->role == INTO_HUB;
    for (uint32_t i = k; i >= 1; i--)
        if (par[i]) into ? put_cx(out, w, m[i - 1], m[par[i] - 1]) : put_cx(out, w, m[par[i] - 1], m[i - 1]);
    for (uint32_t i = 1; i <= k; i++)
        if (!par[i]) into ? put_cx(out, w, m[i - 1], r->hub) : put_cx(out, w, r->hub, m[i - 1]);
    for (uint32_t i = 1; i <= k; i++)
        if (par[i]) into ? put_cx(out, w, m[i - 1], m[par[i] - 1]) : put_cx(out, w, m[par[i] - 1], m[i - 1]);
}

/* The ladder of run @p r (members m[0..k)) at out[*w...]. */
static void emit_ladder(const run_t *r, const uint32_t *m, qtr_inst *out, size_t *w)
{
    uint32_t k = r->k;
    if (r->role == INTO_HUB) {
        for (uint32_t j = 0; j + 1 < k; j++) put_cx(out, w, m[j], m[j + 1]);
        put_cx(out, w, m[k - 1], r->hub);
        for (uint32_t j = k - 1; j-- > 0;) put_cx(out, w, m[j], m[j + 1]);
    } else {
        for (uint32_t j = k - 1; j-- > 0;) put_cx(out, w, m[j], m[j + 1]);
        put_cx(out, w, r->hub, m[0]);
        for (uint32_t j = 0; j + 1 < k; j++) put_cx(out, w, m[j], m[j + 1]);
    }
}

static void free_scratch(star_t *s, size_t n0)
{
    qtr_circuit *c = s->c;
    opt_scratch_free(c, s->owner, c->nqubits, sizeof *s->owner);
    opt_scratch_free(c, s->runs, n0, sizeof *s->runs);
    opt_scratch_free(c, s->gates, n0, sizeof *s->gates);
    opt_scratch_free(c, s->ladder_at, n0, sizeof *s->ladder_at);
    opt_scratch_free(c, s->drop, n0, sizeof *s->drop);
}

/* longest path and largest BFS tree of t; 0 on ENOMEM */
static int measure_target(star_t *s, const qtr_target *t)
{
    qtr_circuit *c = s->c;
    uint32_t N = t->nqubits;
    uint8_t *seen = opt_scratch(c, N, 1);
    uint32_t *order = opt_scratch(c, N, sizeof *order), *pos = opt_scratch(c, N, sizeof *pos);
    s->tree_parent = opt_scratch(c, N, sizeof *s->tree_parent);
    int ok = seen && order && pos && s->tree_parent;
    if (ok) {
        s->fits = longest_walk(t, seen);
        s->tree_fits = bfs_tree(t, s->tree_parent, order, pos);
    }
    opt_scratch_free(c, seen, N, 1);
    opt_scratch_free(c, order, N, sizeof *order);
    opt_scratch_free(c, pos, N, sizeof *pos);
    return ok;
}

qtr_status qtr_pass_star_ladder(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx)
{
    if (!c) return qtr_fail(ctx, QTR_EINVAL, "star_ladder: NULL circuit");
    size_t ncx = 0, n0 = c->ninst;
    for (size_t i = 0; i < n0; i++) ncx += plain_cx(&c->inst[i]);
    if (!t || !t->nedges || !t->adj_off || qtr_target_all_to_all(t) || ncx < STAR_MIN ||
        n0 >= UINT32_MAX)
        return QTR_OK;
    star_t s = {.c = c};
    if (!measure_target(&s, t)) {
        opt_scratch_free(c, s.tree_parent, t->nqubits, sizeof *s.tree_parent);
        return qtr_fail(ctx, QTR_ENOMEM, "star_ladder: scratch for %u qubits", t->nqubits);
    }
    if (s.fits < STAR_MIN + 1 && s.tree_fits < STAR_MIN + 1) {
        opt_scratch_free(c, s.tree_parent, t->nqubits, sizeof *s.tree_parent);
        return QTR_OK;
    }
    s.owner = opt_scratch(c, c->nqubits, sizeof *s.owner);
    s.runs = opt_scratch(c, n0, sizeof *s.runs);
    s.gates = opt_scratch(c, n0, sizeof *s.gates);
    s.ladder_at = opt_scratch_zero(c, n0, sizeof *s.ladder_at);
    s.drop = opt_scratch_zero(c, n0, sizeof *s.drop);
    qtr_status st = QTR_OK;
    uint32_t *m = NULL;
    qtr_inst *out = NULL;
    if (!s.owner || !s.runs || !s.gates || !s.ladder_at || !s.drop) goto nomem;
    for (uint32_t q = 0; q < c->nqubits; q++) s.owner[q] = NONE;
    scan(&s);
    lone_tree_only(&s);
    if (4 * s.in_ladders < 3 * ncx) goto done; /* not a star-shaped circuit */
    mark_ladders(&s);
    if (!s.added) goto done;
    size_t total = n0 + s.added;
    m = opt_scratch(c, c->nqubits, sizeof *m);
    out = qtr_realloc(&c->alloc, NULL, 0, total * sizeof *out);
    if (!m || !out) goto nomem;
    size_t w = 0;
    for (size_t i = 0; i < n0; i++) {
        if (!s.drop[i]) out[w++] = c->inst[i];
        if (!s.ladder_at[i]) continue;
        const run_t *r = &s.runs[s.ladder_at[i] - 1];
        uint32_t k = 0;
        for (uint32_t g = r->first_gate; g != NONE; g = s.gates[g].next)
            m[k++] = member_of(&s, &s.gates[g], r);
        if (r->ladder == LADDER_PATH) emit_ladder(r, m, out, &w);
        else emit_tree(r, s.tree_parent, m, out, &w);
    }
    QTR_ASSERT(w == total);
    qtr_realloc(&c->alloc, c->inst, c->capinst * sizeof *c->inst, 0);
    c->inst = out;
    c->ninst = c->capinst = total;
    out = NULL;
    goto done;
nomem:
    st = qtr_fail(ctx, QTR_ENOMEM, "star_ladder: scratch for %zu records", n0);
done:
    qtr_realloc(&c->alloc, out, out ? (n0 + s.added) * sizeof *out : 0, 0);
    opt_scratch_free(c, m, c->nqubits, sizeof *m);
    free_scratch(&s, n0);
    opt_scratch_free(c, s.tree_parent, t->nqubits, sizeof *s.tree_parent);
    return st;
}
