/* pass_clifford.c -- qtr_pass_clifford_resynth: Clifford regions of a circuit
 * resynthesised from their tableau by a greedy elimination, kept where the
 * result has fewer 2q gates.
 *
 * Borrows: the idea and the cost model of greedy Clifford synthesis from
 * Bravyi, Shaydulin, Hu, Maslov, "Clifford circuit optimization with
 * templates and symbolic Pauli gates", Quantum 5, 580 (2021), §4 (the
 * method Qiskit's synth_clifford_greedy implements); the tableau and its
 * update rules from Aaronson, Gottesman, "Improved simulation of stabilizer
 * circuits", PRA 70, 052328 (2004). The code and the elimination steps
 * below are this project's.
 *
 * Regions. A scan from a Clifford record takes every later Clifford record
 * (x y z h s sdg sx sxdg cx cy cz swap id, and rz p u1 rx ry u u2 u3 by
 * multiples of π/2, as phase folding and 2q block resynthesis leave them;
 * unconditioned) whose
 * qubits no gate outside the region has touched since the scan began; any
 * other record closes its qubits. The region is convex, so it can be moved
 * whole to its first record. Scans end when every qubit of the region is
 * closed (what joins later on other qubits would be a region of its own)
 * or nothing joined for a while; a record of a region that was replaced is
 * skipped by later scans (it sits at that region's start now).
 *
 * Synthesis. The region's unitary U is held as a tableau: the images
 * U X_j U† and U Z_j U† as bit rows with signs. Gates are appended to U
 * until it is the identity; U is then their inverses in reverse. Each step
 * picks the unreduced qubit j whose pair (U X_j U†, U Z_j U†) is cheapest to
 * reduce to (X_j, Z_j), by Bravyi et al.'s count: per other qubit the pair
 * restricted to it anticommutes (a), commutes without being trivial (c) or
 * is trivial; 1q Cliffords make the a columns (X, Z) and the c columns Z or
 * I in both rows; one cx turns two a columns into two c columns; c columns
 * of the same kind merge with one cx each; the last of each kind costs one
 * cx or cz into j (two for Z in both rows). When j's own column is not an a
 * column, a swap (3 cx) brings the surviving one there. Then j is done:
 * every other row commutes with X_j and Z_j, so it is I on j. Paulis fix
 * the signs at the end.
 *
 * The tableau, the tracked amplitude that keeps the global phase exact and
 * the gate set read are clifford_tab.c's.
 *
 * Owns while it runs: the region's qubit list and gate lists, the plan of
 * replacements (scratch from the circuit's allocator). On failure
 * (QTR_ENOMEM) the circuit is unchanged. Emits only h, s, sdg, x, y, z, cx
 * and cz. */
#include <string.h>

#include "clifford_tab.h"
#include "pass.h"

#define MAX_WIDTH 256     /* widest region; elimination costs width^3 / 64 */
#define MIN_WIDTH 3       /* 2q blocks are resynthesised elsewhere */
#define MIN_COST 3        /* fewer 2q gates in a region: not worth a tableau */
/* Sparse regions (fewer than 1.5 2q gates per qubit) are skipped too. Most
 * regions are sparse (hwb10: 2,734 of 3,295 have fewer 2q gates than
 * qubits, and 39 of those got fewer, 41 gates in all), and where a sparse
 * one got fewer 2q gates, routing lost more than that: device benchmark,
 * level 2, all regions: adder_8 588 -> 632 cz (one region on 18 qubits, 18
 * -> 15 cx), ham15-low 684 -> 703, hwb6 179 -> 181; with the 1.5 rule only
 * hwb8-12 change, all for the better (tests/bench/README.md). */
#define IDLE_RECORDS 4096 /* a scan ends after this many records without a joiner */
/* Most records in one region (and in a circuit the device synthesis
 * takes): the phase tracking costs up to width^3 / 64 per h, so a region
 * of 50,000 records on 100 qubits takes about half a second. */
#define MAX_MEMBERS 50000

/* ---- greedy synthesis ---------------------------------------------------- */

/* Reduction cost of pivot j (see the file's head). */
static int pivot_cost(const tab_t *t, const uint64_t *live, uint32_t j)
{
    int na = 0, nc = 0, same = 0;
    for (uint32_t k = 0; k < t->n; k++) {
        if (!bit(live, k)) continue;
        int p = pauli_at(t, j, k), q = pauli_at(t, t->n + j, k);
        if (!p && !q) continue;
        if (anticommute(p, q)) na++;
        else nc++, same |= p == q;
    }
    int own = anticommute(pauli_at(t, j, j), pauli_at(t, t->n + j, j));
    return 3 * (na - 1) / 2 + nc + same + (own ? 0 : 3);
}

/* 1q Cliffords on column k so that (p, q) = (X, Z) when they anticommute,
 * else both in {I, Z}. */
static void canonical_column(synth_t *y, uint32_t j, uint32_t k)
{
    const tab_t *t = y->sim.t;
    int p = pauli_at(t, j, k), q = pauli_at(t, t->n + j, k), anti = anticommute(p, q);
    for (int i = 0; i < 6; i++) {
        int pp = conj_word(local_words[i], p), qq = conj_word(local_words[i], q);
        if (anti ? pp == 1 && qq == 2 : (pp | 2) == 2 && (qq | 2) == 2) {
            for (const char *w = local_words[i]; *w; w++) cliff_emit(y, *w == 'h' ? QTR_OP_H : QTR_OP_S, k, 0);
            return;
        }
    }
}

/* Reduce pivot j: afterwards rows j and n + j are ±X_j and ±Z_j. */
static void reduce_pivot(synth_t *y, uint32_t j, uint32_t *cols)
{
    const tab_t *t = y->sim.t;
    uint32_t n = t->n, na = 0, surv = j;
    for (uint32_t k = 0; k < n; k++)
        if (bit(y->live, k) && (pauli_at(t, j, k) || pauli_at(t, n + j, k))) canonical_column(y, j, k);
    if (!anticommute(pauli_at(t, j, j), pauli_at(t, n + j, j)))
        for (uint32_t k = 0; k < n && surv == j; k++)
            if (bit(y->live, k) && anticommute(pauli_at(t, j, k), pauli_at(t, n + j, k))) surv = k;
    /* pair the other (X, Z) columns: cx(k, l) leaves (X, I) on k, (I, Z) on l */
    for (uint32_t k = 0; k < n; k++)
        if (k != surv && bit(y->live, k) && pauli_at(t, j, k) == 1 && pauli_at(t, n + j, k) == 2)
            cols[na++] = k;
    for (uint32_t i = 0; i + 1 < na; i += 2) {
        cliff_emit(y, QTR_OP_CX, cols[i], cols[i + 1]);
        cliff_emit(y, QTR_OP_H, cols[i], 0);
    }
    /* Z-only columns, by kind (Z in row j: 1, in row n + j: 2, both: 3);
     * cx(a, b) clears a when a and b are of one kind */
    uint32_t last[4] = {UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX};
    for (uint32_t k = 0; k < n; k++) {
        if (k == surv || !bit(y->live, k)) continue;
        int kind = (pauli_at(t, j, k) == 2) | (pauli_at(t, n + j, k) == 2) << 1;
        if (!kind) continue;
        if (last[kind] != UINT32_MAX) cliff_emit(y, QTR_OP_CX, last[kind], k);
        last[kind] = k;
    }
    if (last[2] != UINT32_MAX) cliff_emit(y, QTR_OP_CX, last[2], surv);
    if (last[3] != UINT32_MAX) cliff_emit(y, QTR_OP_CX, last[3], surv);
    if (last[1] != UINT32_MAX) cliff_emit(y, QTR_OP_CZ, surv, last[1]);
    if (last[3] != UINT32_MAX) cliff_emit(y, QTR_OP_CZ, surv, last[3]);
    if (surv != j) {
        cliff_emit(y, QTR_OP_CX, surv, j);
        cliff_emit(y, QTR_OP_CX, j, surv);
        cliff_emit(y, QTR_OP_CX, surv, j);
    }
}

/* Gates that take tableau y->sim.t to the identity; 0 when the steps went
 * wrong (a bug: the caller keeps the region) or the list overflowed. */
static int synthesise(synth_t *y, uint32_t *cols)
{
    const tab_t *t = y->sim.t;
    uint32_t n = t->n;
    memset(y->live, 0, t->w * sizeof *y->live);
    for (uint32_t k = 0; k < n; k++) flip(y->live, k);
    for (uint32_t step = 0; step < n && !y->overflow; step++) {
        uint32_t best = UINT32_MAX;
        int best_cost = 0;
        for (uint32_t j = 0; j < n; j++) {
            if (!bit(y->live, j)) continue;
            int c = pivot_cost(t, y->live, j);
            if (best == UINT32_MAX || c < best_cost) best = j, best_cost = c;
        }
        reduce_pivot(y, best, cols);
        for (uint32_t k = 0; k < n; k++)
            if (k != best && (pauli_at(t, best, k) || pauli_at(t, n + best, k))) return 0;
        if (pauli_at(t, best, best) != 1 || pauli_at(t, n + best, best) != 2) return 0;
        flip(y->live, best);
    }
    for (uint32_t j = 0; j < n; j++) {
        int fx = t->r[n + j], fz = t->r[j]; /* X fixes Z's sign, Z fixes X's */
        if (fx || fz) cliff_emit(y, fx && fz ? QTR_OP_Y : fx ? QTR_OP_X : QTR_OP_Z, j, 0);
    }
    return !y->overflow;
}

/* ---- regions ---------------------------------------------------------------- */

typedef struct {
    qtr_circuit *c;
    size_t n0;
    uint8_t *moved;     /* per record: in a replaced region (emitted at its start) */
    uint8_t *tried;     /* per record: in a scanned region (never starts one) */
    uint32_t *region;   /* per record: 1 + index of its replaced region at its start */
    uint8_t *state;     /* per qubit during a scan: 0 untouched, 1 in, 2 closed */
    uint32_t *local;    /* per qubit during a scan: its local index */
    uint32_t *qubits;   /* the region's qubits by local index */
    uint32_t *touched;  /* qubits whose state a scan set */
    size_t *members;    /* the region's records */
    gate_t *gates;      /* replacement gates of all replaced regions */
    size_t ngates, capgates;
    size_t *gstart;     /* per replaced region: first gate, then count */
    size_t nreplaced;
    cliff_scratch s;    /* tableaus and amplitudes, for the widest region */
    uint64_t *live;     /* the greedy's unreduced qubits */
    uint32_t *cols;
} plan_t;

/* A numeric rz, p, u1, rx or ry by a multiple of π/2 (within
 * OPT_ANGLE_EPS): e^{i·phase} R_axis(k π/2), axis OPT_T_Z, _X or _Y. */
static void reset_scan(plan_t *p, uint32_t ntouched)
{
    for (uint32_t i = 0; i < ntouched; i++) p->state[p->touched[i]] = 0;
}

/* Scan the region starting at record @p s0 (see the file's head): fills
 * p->members (returned count), p->qubits and p->local (*width of them) and
 * *cost (its 2q gates). The caller resets the scan state (*ntouched). */
static size_t scan_region(plan_t *p, size_t s0, uint32_t *width, int *cost, uint32_t *ntouched)
{
    qtr_circuit *c = p->c;
    uint32_t k = 0, nclosed = 0, nt = 0, open = 0;
    size_t m = 0, idle = 0;
    *cost = 0;
    for (size_t i = s0; i < p->n0 && nclosed < c->nqubits && idle < IDLE_RECORDS && (open || !m) &&
                        m < MAX_MEMBERS;
         i++) {
        const qtr_inst *in = &c->inst[i];
        if (p->moved[i] || in->op == QTR_OP_NOP) continue;
        const uint32_t *q = qtr_inst_operands(c, in);
        uint32_t nq = in->op == QTR_OP_MEASURE ? 1 : in->nargs;
        int joins = cliff_is_record(c, in);
        uint32_t fresh = 0;
        for (uint32_t a = 0; a < nq && joins; a++) {
            joins &= p->state[q[a]] != 2;
            fresh += p->state[q[a]] == 0;
        }
        if (joins && k + fresh > MAX_WIDTH) joins = 0;
        idle++;
        for (uint32_t a = 0; a < nq; a++) {
            uint8_t *s = &p->state[q[a]];
            if (*s == 2 || (joins && *s == 1)) continue;
            if (!*s) p->touched[nt++] = q[a];
            if (!joins) {
                open -= *s == 1;
                *s = 2;
                nclosed++;
                continue;
            }
            *s = 1;
            open++;
            p->local[q[a]] = k;
            p->qubits[k++] = q[a];
        }
        if (!joins) continue;
        p->members[m++] = i;
        *cost += cliff_cost_2q((qtr_op)in->op);
        idle = 0;
    }
    *width = k;
    *ntouched = nt;
    return m;
}

static int count_2q(const gate_t *g, size_t n)
{
    int k = 0;
    for (size_t i = 0; i < n; i++) k += cliff_cost_2q((qtr_op)g[i].op);
    return k;
}

/* Room for @p more gates in p->gates; 0 on ENOMEM. */
static int reserve_gates(plan_t *p, size_t more)
{
    if (p->ngates + more <= p->capgates) return 1;
    size_t cap = 2 * (p->ngates + more);
    gate_t *g = opt_scratch(p->c, cap, sizeof *g);
    if (!g) return 0;
    if (p->ngates) memcpy(g, p->gates, p->ngates * sizeof *g);
    opt_scratch_free(p->c, p->gates, p->capgates, sizeof *g);
    p->gates = g;
    p->capgates = cap;
    return 1;
}

/* Resynthesise the scanned region of @p m records on @p k qubits; replaced
 * (1) when it needs fewer 2q gates, its gates appended to p->gates and the
 * phase difference added to the circuit's. -1 on ENOMEM. */
static int try_region(plan_t *p, size_t m, uint32_t k, int cost)
{
    qtr_circuit *c = p->c;
    cliff_scratch_size(&p->s, k);
    cliff_tab_identity(&p->s.t);
    memset(p->s.ref_a, 0, p->s.t.w * sizeof *p->s.ref_a);
    amp_t a = {p->s.ref_a, 0, 0};
    sim_t s = {&p->s.t, &a, p->s.d, &p->s.el};
    double extra = 0;
    for (size_t i = 0; i < m; i++) {
        const qtr_inst *in = &c->inst[p->members[i]];
        const uint32_t *q = qtr_inst_operands(c, in);
        cliff_apply_record(&s, c, in, p->local[q[0]], in->nargs > 1 ? p->local[q[1]] : 0, &extra);
    }
    cliff_tab_copy(&p->s.u, &p->s.t);
    size_t cap = (size_t)6 * k * k + 16 * (size_t)k;
    gate_t *out = opt_scratch(c, cap, sizeof *out);
    if (!out) return -1;
    synth_t y = {{&p->s.u, NULL, NULL, NULL}, out, 0, cap, p->live, 0};
    double phase = 0;
    int ok = synthesise(&y, p->cols) && count_2q(out, y.nout) < cost;
    if (ok) cliff_invert(out, y.nout);
    ok = ok && cliff_replacement_phase(&p->s, out, y.nout, &a, &phase);
    if (ok && !reserve_gates(p, y.nout)) ok = -1;
    if (ok == 1) {
        opt_add_phase(c, phase + extra);
        p->gstart[2 * p->nreplaced] = p->ngates;
        p->gstart[2 * p->nreplaced + 1] = y.nout;
        for (size_t i = 0; i < y.nout; i++)
            p->gates[p->ngates++] = (gate_t){out[i].op, p->qubits[out[i].a],
                                             qtr_gate((qtr_op)out[i].op)->nqubits > 1 ? p->qubits[out[i].b] : 0};
        p->region[p->members[0]] = (uint32_t)++p->nreplaced;
        for (size_t i = 0; i < m; i++) p->moved[p->members[i]] = 1;
    }
    opt_scratch_free(c, out, cap, sizeof *out);
    return ok;
}

static qtr_status rewrite(plan_t *p, qtr_ctx *ctx)
{
    qtr_circuit *c = p->c;
    size_t total = 0;
    for (size_t i = 0; i < p->n0; i++) total += !p->moved[i];
    total += p->ngates;
    qtr_inst *out = qtr_realloc(&c->alloc, NULL, 0, (total ? total : 1) * sizeof *out);
    if (!out) return qtr_fail(ctx, QTR_ENOMEM, "clifford_resynth: %zu records", total);
    size_t w = 0;
    for (size_t i = 0; i < p->n0; i++) {
        if (p->region[i]) {
            size_t r = p->region[i] - 1, g0 = p->gstart[2 * r], ng = p->gstart[2 * r + 1];
            for (size_t g = g0; g < g0 + ng; g++) {
                const gate_t *x = &p->gates[g];
                int two = qtr_gate((qtr_op)x->op)->nqubits == 2;
                out[w++] = (qtr_inst){x->op, 0, (uint16_t)(two ? 2 : 1), {x->a, two ? x->b : 0}, 0};
            }
        }
        if (!p->moved[i]) out[w++] = c->inst[i];
    }
    QTR_ASSERT(w == total);
    qtr_realloc(&c->alloc, c->inst, c->capinst * sizeof *c->inst, 0);
    c->inst = out;
    c->ninst = c->capinst = total;
    return QTR_OK;
}

static void free_plan(plan_t *p, uint32_t width)
{
    qtr_circuit *c = p->c;
    uint32_t nq = c->nqubits, w = (width + 63) / 64;
    opt_scratch_free(c, p->moved, p->n0, 1);
    opt_scratch_free(c, p->tried, p->n0, 1);
    opt_scratch_free(c, p->region, p->n0, sizeof *p->region);
    opt_scratch_free(c, p->state, nq, 1);
    opt_scratch_free(c, p->local, nq, sizeof *p->local);
    opt_scratch_free(c, p->qubits, nq, sizeof *p->qubits);
    opt_scratch_free(c, p->touched, nq, sizeof *p->touched);
    opt_scratch_free(c, p->members, p->n0, sizeof *p->members);
    opt_scratch_free(c, p->gates, p->capgates, sizeof *p->gates);
    opt_scratch_free(c, p->gstart, p->n0, 2 * sizeof *p->gstart);
    cliff_scratch_free(c, &p->s);
    opt_scratch_free(c, p->live, w, sizeof *p->live);
    opt_scratch_free(c, p->cols, width, sizeof *p->cols);
}

qtr_status qtr_pass_clifford_resynth(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx)
{
    (void)t;
    if (!c) return qtr_fail(ctx, QTR_EINVAL, "clifford_resynth: NULL circuit");
    size_t n2q = 0, n0 = c->ninst;
    for (size_t i = 0; i < n0; i++) n2q += cliff_is_record(c, &c->inst[i]) && c->inst[i].nargs == 2;
    if (n2q < MIN_COST || c->nqubits < MIN_WIDTH) return QTR_OK;
    uint32_t nq = c->nqubits, width = nq < MAX_WIDTH ? nq : MAX_WIDTH, w = (width + 63) / 64;
    plan_t p = {.c = c, .n0 = n0};
    p.moved = opt_scratch_zero(c, n0, 1);
    p.tried = opt_scratch_zero(c, n0, 1);
    p.region = opt_scratch_zero(c, n0, sizeof *p.region);
    p.state = opt_scratch_zero(c, nq, 1);
    p.local = opt_scratch(c, nq, sizeof *p.local);
    p.qubits = opt_scratch(c, nq, sizeof *p.qubits);
    p.touched = opt_scratch(c, nq, sizeof *p.touched);
    p.members = opt_scratch(c, n0, sizeof *p.members);
    p.gstart = opt_scratch(c, n0, 2 * sizeof *p.gstart);
    p.live = opt_scratch(c, w, sizeof *p.live);
    p.cols = opt_scratch(c, width, sizeof *p.cols);
    int tabs = cliff_scratch_alloc(c, &p.s, width);
    qtr_status st = QTR_OK;
    if (!tabs || !p.moved || !p.tried || !p.region || !p.state || !p.local || !p.qubits ||
        !p.touched || !p.members || !p.gstart || !p.live || !p.cols) {
        st = qtr_fail(ctx, QTR_ENOMEM, "clifford_resynth: scratch for %zu records", n0);
        goto done;
    }
    double phase0 = c->global_phase;
    for (size_t s0 = 0; s0 < n0; s0++) {
        if (p.tried[s0] || p.moved[s0] || !cliff_is_record(c, &c->inst[s0])) continue;
        uint32_t k, ntouched;
        int cost;
        size_t m = scan_region(&p, s0, &k, &cost, &ntouched);
        reset_scan(&p, ntouched);
        for (size_t i = 0; i < m; i++) p.tried[p.members[i]] = 1;
        if (k < MIN_WIDTH || cost < MIN_COST || 2 * (size_t)cost < 3 * (size_t)k) continue;
        if (try_region(&p, m, k, cost) < 0) {
            c->global_phase = phase0;
            st = qtr_fail(ctx, QTR_ENOMEM, "clifford_resynth: a region of %u qubits", k);
            goto done;
        }
    }
    if (p.nreplaced && (st = rewrite(&p, ctx))) c->global_phase = phase0;
done:
    free_plan(&p, width);
    return st;
}

