/* pass_clifford_device.c -- qtr_pass_clifford_device: a circuit that is one
 * Clifford, synthesised along the target's coupling graph (no routing).
 *
 * The circuit is put on a connected set of the target's qubits (a BFS
 * prefix from the qubit with the least distance sum) and its tableau
 * eliminated along the coupling graph, after the architecture-aware
 * synthesis of Winderl, Huang, Meijer-van de Griend, Yeung (2023) and the
 * Steiner-tree CNOT synthesis of Kissinger, Meijer-van de Griend (2019),
 * with BFS trees as Steiner trees: the pivot is a leaf of a BFS tree of the
 * qubits left (the rest stays connected); the Z image's support is made Z
 * by 1q Cliffords and folded into the pivot along the tree (cx(child,
 * parent) clears a child whose parent holds Z; a parent holding nothing
 * gets it first by cx(parent, child)); then the X image's support, without
 * the pivot, is made X and folded the same way into a neighbour of the
 * pivot, and cx(pivot, neighbour) clears it, which keeps Z on the pivot.
 * Every 2q gate is on a coupled pair, so the result needs no routing.
 *
 * The tableau, the tracked amplitude that keeps the global phase exact and
 * the gate set read are clifford_tab.c's.
 *
 * Borrows: the target (read only). Owns while it runs: the tableaus, the
 * induced coupling graph, BFS trees and the gate list (scratch from the
 * circuit's allocator). On failure (QTR_ENOMEM) and when it does not apply
 * the circuit is unchanged. */
#include <string.h>

#include "clifford_tab.h"
#include "pass.h"

#define MIN_WIDTH 3
#define MAX_WIDTH 256     /* the phase tracking costs width^3 / 64 per h */
#define MAX_RECORDS 50000

/* Local qubits 0..n-1 sit on physical qubits order[0..n) (a BFS prefix, so
 * connected); nb[] the induced neighbour lists (CSR in nb_off). */
typedef struct {
    synth_t *y;
    uint32_t n, *nb_off, *nb;
    uint8_t *alive;   /* not yet reduced */
    uint32_t *parent, *queue, *depth;
    uint8_t *mark;    /* in the Steiner tree */
} dev_t;

/* BFS over the alive qubits (except @p skip) from @p root: parent, depth,
 * queue order; returns how many it reached. */
static uint32_t dev_bfs(dev_t *d, uint32_t root, uint32_t skip)
{
    for (uint32_t v = 0; v < d->n; v++) d->parent[v] = UINT32_MAX;
    uint32_t head = 0, tail = 0;
    d->queue[tail++] = root;
    d->parent[root] = root;
    d->depth[root] = 0;
    while (head < tail) {
        uint32_t u = d->queue[head++];
        for (uint32_t e = d->nb_off[u]; e < d->nb_off[u + 1]; e++) {
            uint32_t v = d->nb[e];
            if (!d->alive[v] || v == skip || d->parent[v] != UINT32_MAX) continue;
            d->parent[v] = u;
            d->depth[v] = d->depth[u] + 1;
            d->queue[tail++] = v;
        }
    }
    return tail;
}

/* Row @p row's Pauli to @p want (1 X, 2 Z) on qubit k by a 1q Clifford. */
static void dev_local(synth_t *y, uint32_t row, uint32_t k, int want)
{
    int p = pauli_at(y->sim.t, row, k);
    for (int i = 0; i < 6; i++)
        if (conj_word(local_words[i], p) == want) {
            for (const char *w = local_words[i]; *w; w++) cliff_emit(y, *w == 'h' ? QTR_OP_H : QTR_OP_S, k, 0);
            return;
        }
}

/* Clear row @p row on the tree of the BFS from @p root (d->queue order)
 * except at the root, with cx along tree edges: @p want is the Pauli
 * (1 X, 2 Z) every support column was made first. A Z moves to the parent
 * with cx(child, parent) (after cx(parent, child) when the parent has
 * none); an X with cx(parent, child) (after cx(child, parent)). */
static void dev_fold(dev_t *d, uint32_t row, uint32_t root, uint32_t reached, int want)
{
    synth_t *y = d->y;
    const tab_t *t = y->sim.t;
    /* the Steiner tree: support columns and their paths to the root */
    for (uint32_t i = 0; i < reached; i++) d->mark[d->queue[i]] = 0;
    for (uint32_t i = reached; i-- > 0;) {
        uint32_t u = d->queue[i];
        if (u != root && pauli_at(t, row, u)) d->mark[u] = 1;
        if (d->mark[u] && u != root) d->mark[d->parent[u]] = 1;
    }
    for (uint32_t i = 0; i < reached; i++) {
        uint32_t u = d->queue[i];
        if (d->mark[u] && u != root && pauli_at(t, row, u)) dev_local(y, row, u, want);
    }
    for (uint32_t i = reached; i-- > 1;) {
        uint32_t u = d->queue[i], v = d->parent[u];
        if (!d->mark[u] || !pauli_at(t, row, u)) continue;
        int z = want == 2;
        if (!pauli_at(t, row, v)) z ? cliff_emit(y, QTR_OP_CX, v, u) : cliff_emit(y, QTR_OP_CX, u, v);
        else if (pauli_at(t, row, v) != want) dev_local(y, row, v, want);
        z ? cliff_emit(y, QTR_OP_CX, u, v) : cliff_emit(y, QTR_OP_CX, v, u);
    }
}

/* Reduce qubit j (a leaf of the alive set's BFS tree, so the rest stays
 * connected): row n + j to Z_j, then row j to X_j with gates that keep Z_j. */
static int dev_reduce(dev_t *d, uint32_t j)
{
    synth_t *y = d->y;
    const tab_t *t = y->sim.t;
    uint32_t n = d->n;
    uint32_t reached = dev_bfs(d, j, UINT32_MAX);
    if (pauli_at(t, n + j, j)) dev_local(y, n + j, j, 2);
    dev_fold(d, n + j, j, reached, 2);
    if (pauli_at(t, n + j, j) != 2) return 0;
    if (pauli_at(t, j, j) == 3) cliff_emit(y, QTR_OP_S, j, 0); /* Y -> -X, Z stays */
    uint32_t r = UINT32_MAX;
    for (uint32_t e = d->nb_off[j]; e < d->nb_off[j + 1] && r == UINT32_MAX; e++)
        if (d->alive[d->nb[e]]) r = d->nb[e];
    if (r != UINT32_MAX) {
        reached = dev_bfs(d, r, j);
        dev_fold(d, j, r, reached, 1);
        if (pauli_at(t, j, r)) {
            if (pauli_at(t, j, r) != 1) dev_local(y, j, r, 1);
            cliff_emit(y, QTR_OP_CX, j, r);
        }
    }
    for (uint32_t k = 0; k < n; k++)
        if (k != j && (pauli_at(t, j, k) || pauli_at(t, n + j, k))) return 0;
    return pauli_at(t, j, j) == 1 && pauli_at(t, n + j, j) == 2;
}

/* Pivot: among leaves of the alive set's BFS tree from @p root, the one
 * whose two rows have the least weight, then the deepest. */
static uint32_t dev_pivot(dev_t *d, uint32_t root)
{
    const tab_t *t = d->y->sim.t;
    uint32_t reached = dev_bfs(d, root, UINT32_MAX), best = root, n = d->n;
    int best_w = -1;
    for (uint32_t i = 0; i < reached; i++) d->mark[d->queue[i]] = 1;
    for (uint32_t i = 1; i < reached; i++) d->mark[d->parent[d->queue[i]]] = 0;
    for (uint32_t i = 0; i < reached; i++) {
        uint32_t u = d->queue[i];
        if (!d->mark[u] || (u == root && reached > 1)) continue;
        int w = 0;
        for (uint32_t k = 0; k < n; k++) w += d->alive[k] && (pauli_at(t, u, k) || pauli_at(t, n + u, k));
        if (best_w < 0 || w < best_w || (w == best_w && d->depth[u] > d->depth[best])) best = u, best_w = w;
    }
    return best;
}

static int dev_synthesise(dev_t *d, uint32_t root)
{
    synth_t *y = d->y;
    const tab_t *t = y->sim.t;
    for (uint32_t v = 0; v < d->n; v++) d->alive[v] = 1;
    for (uint32_t step = 0; step < d->n && !y->overflow; step++) {
        uint32_t j = dev_pivot(d, root);
        if (!dev_reduce(d, j)) return 0;
        d->alive[j] = 0;
        if (j == root)
            for (uint32_t v = 0; v < d->n; v++)
                if (d->alive[v]) root = v;
    }
    for (uint32_t j = 0; j < d->n; j++) {
        int fx = t->r[d->n + j], fz = t->r[j];
        if (fx || fz) cliff_emit(y, fx && fz ? QTR_OP_Y : fx ? QTR_OP_X : QTR_OP_Z, j, 0);
    }
    return !y->overflow;
}

/* The connected set: BFS from the qubit with the least distance sum. */
static uint32_t device_root(const qtr_target *t)
{
    uint32_t N = t->nqubits, best = 0;
    uint64_t best_sum = UINT64_MAX;
    if (!t->dist) return 0;
    for (uint32_t a = 0; a < N; a++) {
        uint64_t sum = 0;
        for (uint32_t b = 0; b < N; b++) sum += t->dist[(size_t)a * N + b];
        if (sum < best_sum) best_sum = sum, best = a;
    }
    return best;
}

qtr_status qtr_pass_clifford_device(qtr_circuit *c, const qtr_target *t, uint32_t *layout,
                                    int *done, qtr_ctx *ctx)
{
    *done = 0;
    if (!c || !t) return qtr_fail(ctx, QTR_EINVAL, "clifford_device: NULL circuit or target");
    uint32_t n = c->nqubits, N = t->nqubits;
    if (n < MIN_WIDTH || n > MAX_WIDTH || n > N || !t->adj_off || qtr_target_all_to_all(t) ||
        c->ninst > MAX_RECORDS)
        return QTR_OK;
    size_t n2q = 0;
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        if (in->op == QTR_OP_NOP) continue;
        if (!cliff_is_record(c, in)) return QTR_OK;
        n2q += in->nargs == 2;
    }
    if (n2q < 2 * (size_t)n) return QTR_OK;
    cliff_scratch p = {0};
    uint32_t w = (n + 63) / 64;
    uint32_t *order = opt_scratch(c, N, sizeof *order), *local = opt_scratch(c, N, sizeof *local);
    uint32_t *par = opt_scratch(c, N, sizeof *par);
    dev_t d = {.n = n};
    d.nb_off = opt_scratch(c, n + 1, sizeof *d.nb_off);
    d.nb = opt_scratch(c, t->adj_off[N] + 1, sizeof *d.nb);
    d.alive = opt_scratch(c, n, 1);
    d.parent = opt_scratch(c, n, sizeof *d.parent);
    d.queue = opt_scratch(c, n, sizeof *d.queue);
    d.depth = opt_scratch(c, n, sizeof *d.depth);
    d.mark = opt_scratch(c, n, 1);
    size_t cap = (size_t)16 * n * n + 16 * (size_t)n;
    gate_t *out = opt_scratch(c, cap, sizeof *out);
    int tabs = cliff_scratch_alloc(c, &p, n);
    qtr_status st = QTR_OK;
    if (!tabs || !order || !local || !par || !d.nb_off || !d.nb || !d.alive || !d.parent ||
        !d.queue || !d.depth || !d.mark || !out) {
        st = qtr_fail(ctx, QTR_ENOMEM, "clifford_device: scratch for %u qubits", n);
        goto done;
    }
    /* n connected physical qubits: a BFS prefix */
    for (uint32_t a = 0; a < N; a++) par[a] = UINT32_MAX, local[a] = UINT32_MAX;
    uint32_t head = 0, tail = 0, root = device_root(t);
    order[tail++] = root;
    par[root] = root;
    while (head < tail && tail < n) {
        uint32_t u = order[head++];
        for (uint32_t e = t->adj_off[u]; e < t->adj_off[u + 1] && tail < n; e++)
            if (par[t->adj[e]] == UINT32_MAX) par[t->adj[e]] = u, order[tail++] = t->adj[e];
    }
    if (tail < n) goto done;
    for (uint32_t v = 0; v < n; v++) local[order[v]] = v;
    uint32_t ne = 0;
    for (uint32_t v = 0; v < n; v++) {
        d.nb_off[v] = ne;
        for (uint32_t e = t->adj_off[order[v]]; e < t->adj_off[order[v] + 1]; e++)
            if (local[t->adj[e]] != UINT32_MAX) d.nb[ne++] = local[t->adj[e]];
    }
    d.nb_off[n] = ne;
    /* the circuit's tableau and amplitude; virtual qubit v is local v */
    cliff_tab_identity(&p.t);
    memset(p.ref_a, 0, w * sizeof *p.ref_a);
    amp_t a = {p.ref_a, 0, 0};
    sim_t s = {&p.t, &a, p.d, &p.el};
    double extra = 0;
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        if (in->op == QTR_OP_NOP) continue;
        const uint32_t *q = qtr_inst_operands(c, in);
        cliff_apply_record(&s, c, in, q[0], in->nargs > 1 ? q[1] : 0, &extra);
    }
    cliff_tab_copy(&p.u, &p.t);
    synth_t y = {{&p.u, NULL, NULL, NULL}, out, 0, cap, NULL, 0};
    d.y = &y;
    double phase;
    if (!dev_synthesise(&d, 0)) goto done;
    cliff_invert(out, y.nout);
    if (!cliff_replacement_phase(&p, out, y.nout, &a, &phase)) goto done;
    /* replace the records (the pools keep what they held; nothing refers to it) */
    if (QTR_GROW(&c->alloc, c->inst, c->capinst, y.nout ? y.nout : 1)) {
        st = qtr_fail(ctx, QTR_ENOMEM, "clifford_device: %zu records", y.nout);
        goto done;
    }
    for (size_t i = 0; i < y.nout; i++) {
        int two = qtr_gate((qtr_op)out[i].op)->nqubits == 2;
        c->inst[i] = (qtr_inst){out[i].op, 0, (uint16_t)(two ? 2 : 1), {out[i].a, two ? out[i].b : 0}, 0};
    }
    c->ninst = y.nout;
    opt_add_phase(c, phase + extra);
    for (uint32_t v = 0; v < n; v++) layout[v] = order[v];
    *done = 1;
done:
    cliff_scratch_free(c, &p);
    opt_scratch_free(c, order, N, sizeof *order);
    opt_scratch_free(c, local, N, sizeof *local);
    opt_scratch_free(c, par, N, sizeof *par);
    opt_scratch_free(c, d.nb_off, n + 1, sizeof *d.nb_off);
    opt_scratch_free(c, d.nb, t->adj_off[N] + 1, sizeof *d.nb);
    opt_scratch_free(c, d.alive, n, 1);
    opt_scratch_free(c, d.parent, n, sizeof *d.parent);
    opt_scratch_free(c, d.queue, n, sizeof *d.queue);
    opt_scratch_free(c, d.depth, n, sizeof *d.depth);
    opt_scratch_free(c, d.mark, n, 1);
    opt_scratch_free(c, out, cap, sizeof *out);
    return st;
}

