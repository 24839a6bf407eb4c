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
 * (x y z h s sdg sx sxdg cx cy cz swap id, and rz p u1 rx ry by multiples
 * of π/2, as phase folding leaves merged t gates; unconditioned) whose
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
 * Global phase. A tableau fixes U only up to a phase, and the circuit's
 * phase must stay exact. Both circuits are simulated on |0...0> as a
 * stabilizer state with one tracked amplitude: a basis state with a nonzero
 * amplitude, as ω^m 2^{-e/2} (ω = e^{iπ/4}). Diagonal and permutation gates
 * move it exactly; h needs the amplitude at the state with that bit flipped,
 * which a stabilizer whose X part is that bit gives (Gaussian elimination
 * over the stabilizer rows), or which is 0 when there is none. The two
 * amplitudes, brought to one basis state the same way, differ by the phase
 * the new circuit needs.
 *
 * On the device (qtr_pass_clifford_device): a circuit that is one Clifford
 * is put on a connected set of the target's qubits (a BFS prefix) and its
 * tableau eliminated along the coupling graph, after the architecture-aware
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
 * Owns while it runs: tableaus, the region's qubit list and gate list
 * (scratch from the circuit's allocator). On failure (QTR_ENOMEM) the
 * circuit is unchanged. Emits only h, s, sdg, x, y, z, cx and cz. */
#include <math.h>
#include <string.h>

#include "opt_internal.h"
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

typedef struct {
    uint32_t n, w;   /* qubits, 64-bit words per row */
    uint64_t *x, *z; /* 2n rows of w words: rows j < n image of X_j, n + j of Z_j */
    uint8_t *r;      /* row signs: (-1)^r */
} tab_t;

/* The tracked amplitude ω^m 2^{-e/2} at basis state ref. */
typedef struct {
    uint64_t *ref;
    int m, e;
} amp_t;

typedef struct {
    uint8_t op;
    uint32_t a, b;
} gate_t;

static inline int bit(const uint64_t *row, uint32_t j) { return (int)(row[j >> 6] >> (j & 63)) & 1; }
static inline void flip(uint64_t *row, uint32_t j) { row[j >> 6] ^= 1ull << (j & 63); }
static inline uint64_t *xr(const tab_t *t, uint32_t i) { return t->x + (size_t)i * t->w; }
static inline uint64_t *zr(const tab_t *t, uint32_t i) { return t->z + (size_t)i * t->w; }

static int popc(const uint64_t *a, const uint64_t *b, uint32_t w)
{
    int n = 0;
    for (uint32_t k = 0; k < w; k++) n += __builtin_popcountll(a[k] & b[k]);
    return n;
}

/* ---- tableau: conjugation by one gate (Aaronson-Gottesman rules) ------- */

static void t_h(tab_t *t, uint32_t a)
{
    for (uint32_t i = 0; i < 2 * t->n; i++) {
        int x = bit(xr(t, i), a), z = bit(zr(t, i), a);
        t->r[i] ^= (uint8_t)(x & z);
        if (x != z) flip(xr(t, i), a), flip(zr(t, i), a);
    }
}

static void t_s(tab_t *t, uint32_t a)
{
    for (uint32_t i = 0; i < 2 * t->n; i++) {
        int x = bit(xr(t, i), a), z = bit(zr(t, i), a);
        t->r[i] ^= (uint8_t)(x & z);
        if (x) flip(zr(t, i), a);
    }
}

/* Pauli conjugation: X flips the sign of rows with Z or Y on a, Z of rows
 * with X or Y, Y of rows with X or Z. */
static void t_pauli(tab_t *t, uint32_t a, int px, int pz)
{
    for (uint32_t i = 0; i < 2 * t->n; i++)
        t->r[i] ^= (uint8_t)((pz & bit(xr(t, i), a)) ^ (px & bit(zr(t, i), a)));
}

static void t_cx(tab_t *t, uint32_t a, uint32_t b)
{
    for (uint32_t i = 0; i < 2 * t->n; i++) {
        uint64_t *x = xr(t, i), *z = zr(t, i);
        int xa = bit(x, a), xb = bit(x, b), za = bit(z, a), zb = bit(z, b);
        t->r[i] ^= (uint8_t)(xa & zb & (xb ^ za ^ 1));
        if (xa) flip(x, b);
        if (zb) flip(z, a);
    }
}

static void tab_identity(tab_t *t)
{
    size_t words = (size_t)2 * t->n * t->w;
    memset(t->x, 0, words * sizeof *t->x);
    memset(t->z, 0, words * sizeof *t->z);
    memset(t->r, 0, 2 * t->n);
    for (uint32_t j = 0; j < t->n; j++) flip(xr(t, j), j), flip(zr(t, t->n + j), j);
}

static int tab_equal(const tab_t *a, const tab_t *b)
{
    size_t words = (size_t)2 * a->n * a->w;
    return !memcmp(a->x, b->x, words * sizeof *a->x) && !memcmp(a->z, b->z, words * sizeof *a->z) &&
           !memcmp(a->r, b->r, 2 * a->n);
}

/* ---- the tracked amplitude ------------------------------------------------ */

/* Scratch for amp_shift: n rows of 2w words (X part, then the combination). */
typedef struct {
    uint64_t *rows, *acc_x, *acc_z;
} elim_t;

/* For the stabilizer state of @p t (rows n..2n-1) with a nonzero amplitude
 * at @p ref: the amplitude at ref ⊕ d is i^k times the one at ref; returns
 * k (0..3), or -1 when it is 0 (d is outside the X parts' span). */
static int amp_shift(const tab_t *t, const uint64_t *ref, const uint64_t *d, elim_t *el)
{
    uint32_t n = t->n, w = t->w, w2 = 2 * w;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t *row = el->rows + (size_t)i * w2;
        memcpy(row, xr(t, n + i), w * sizeof *row);
        memset(row + w, 0, w * sizeof *row);
        flip(row + w, i);
    }
    /* reduce d against the rows in echelon form, remembering which rows */
    uint64_t *target = el->acc_x; /* X part still to cancel, then combination */
    memcpy(target, d, w * sizeof *target);
    memset(target + w, 0, w * sizeof *target);
    uint32_t rank = 0;
    for (uint32_t col = 0; col < n && rank < n; col++) {
        uint32_t p = rank;
        while (p < n && !bit(el->rows + (size_t)p * w2, col)) p++;
        if (p == n) continue;
        uint64_t *pr = el->rows + (size_t)p * w2, *rr = el->rows + (size_t)rank * w2;
        if (p != rank)
            for (uint32_t k = 0; k < w2; k++) {
                uint64_t tmp = pr[k];
                pr[k] = rr[k];
                rr[k] = tmp;
            }
        for (uint32_t i = rank + 1; i < n; i++) {
            uint64_t *ri = el->rows + (size_t)i * w2;
            if (bit(ri, col))
                for (uint32_t k = 0; k < w2; k++) ri[k] ^= rr[k];
        }
        if (bit(target, col))
            for (uint32_t k = 0; k < w2; k++) target[k] ^= rr[k];
        rank++;
    }
    for (uint32_t k = 0; k < w; k++)
        if (target[k]) return -1;
    /* multiply the chosen stabilizers: each is i^{2r + |x∧z|} X^x Z^z, and
     * (X^a Z^b)(X^c Z^d) = (-1)^{b·c} X^{a⊕c} Z^{b⊕d} */
    uint64_t *ax = el->acc_x + w2, *az = el->acc_z;
    memset(ax, 0, w * sizeof *ax);
    memset(az, 0, w * sizeof *az);
    int k = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (!bit(target + w, i)) continue;
        const uint64_t *x = xr(t, n + i), *z = zr(t, n + i);
        k += 2 * t->r[n + i] + popc(x, z, w) + 2 * popc(az, x, w);
        for (uint32_t j = 0; j < w; j++) ax[j] ^= x[j], az[j] ^= z[j];
    }
    /* <ref ⊕ d| P |ref> = i^k (-1)^{b·ref} and P|ψ> = |ψ> */
    return (k + 2 * popc(az, ref, w)) & 3;
}

/* amplitude · c / √2 for c = cr + i·ci, c one of ±2, ±2i, ±1 ± i */
static void amp_times(amp_t *a, int cr, int ci)
{
    static const int odd[2][2] = {{5, 3}, {7, 1}}; /* [cr > 0][ci > 0]: ω^m = c/√2 */
    if (cr && ci) {
        a->m += odd[cr > 0][ci > 0];
    } else {
        a->e -= 1; /* |c| = 2: c/√2 = √2 · unit */
        a->m += cr > 0 ? 0 : cr < 0 ? 4 : ci > 0 ? 2 : 6;
    }
    a->m &= 7;
}

/* h on qubit q of the state held by @p t (before the gate) and @p a */
static void amp_h(const tab_t *t, amp_t *a, uint32_t q, uint64_t *d, elim_t *el)
{
    memset(d, 0, t->w * sizeof *d);
    flip(d, q);
    int k = amp_shift(t, a->ref, d, el), b = bit(a->ref, q);
    if (k < 0) { /* a1 = 0: <ref|h ψ> = (-1)^b a0 / √2 */
        a->m = (a->m + 4 * b) & 7;
        a->e += 1;
        return;
    }
    static const int ik[4][2] = {{1, 0}, {0, 1}, {-1, 0}, {0, -1}}; /* i^k */
    int cr = (b ? -1 : 1) + ik[k][0], ci = ik[k][1];
    if (!cr && !ci) { /* 0 at ref: take ref ⊕ e_q, a0 (1 + (-1)^{1-b} i^k) / √2 */
        flip(a->ref, q);
        cr = 1 + (b ? 1 : -1) * ik[k][0];
        ci = (b ? 1 : -1) * ik[k][1];
    }
    amp_times(a, cr, ci);
}

/* ---- gates on the tableau and on the amplitude --------------------------- */

/* The gate set of this pass as h, s, Paulis and cx, on tableau @p t and
 * (when @p a is given, t then holding the state before each step) on the
 * amplitude. */
typedef struct {
    tab_t *t;
    amp_t *a; /* NULL: tableau only */
    uint64_t *d;
    elim_t *el;
} sim_t;

static void g_h(sim_t *s, uint32_t q)
{
    if (s->a) amp_h(s->t, s->a, q, s->d, s->el);
    t_h(s->t, q);
}

static void g_s(sim_t *s, uint32_t q, int dagger)
{
    if (s->a && bit(s->a->ref, q)) s->a->m = (s->a->m + (dagger ? 6 : 2)) & 7;
    t_s(s->t, q);
    if (dagger) t_pauli(s->t, q, 0, 1);
}

static void g_pauli(sim_t *s, uint32_t q, int px, int pz)
{
    if (s->a) { /* X|b> = |b⊕1>, Z|b> = (-1)^b |b>, Y|b> = i (-1)^b |b⊕1> */
        int b = bit(s->a->ref, q);
        s->a->m = (s->a->m + (px && pz ? 2 : 0) + (pz && b ? 4 : 0)) & 7;
        if (px) flip(s->a->ref, q);
    }
    t_pauli(s->t, q, px, pz);
}

static void g_cx(sim_t *s, uint32_t c, uint32_t q)
{
    if (s->a && bit(s->a->ref, c)) flip(s->a->ref, q);
    t_cx(s->t, c, q);
}

static void g_cz(sim_t *s, uint32_t a, uint32_t b)
{
    g_h(s, b);
    g_cx(s, a, b);
    g_h(s, b);
}

static int clifford_op(qtr_op op)
{
    switch (op) {
    case QTR_OP_ID: case QTR_OP_X: case QTR_OP_Y: case QTR_OP_Z: case QTR_OP_H: case QTR_OP_S:
    case QTR_OP_SDG: case QTR_OP_SX: case QTR_OP_SXDG: case QTR_OP_CX: case QTR_OP_CY:
    case QTR_OP_CZ: case QTR_OP_SWAP:
        return 1;
    default:
        return 0;
    }
}

/* 2q gates of @p op when translated (swap: 3) */
static int cost_2q(qtr_op op) { return op == QTR_OP_SWAP ? 3 : qtr_gate(op)->nqubits == 2; }

/* Apply gate @p op on local qubits a (, b): exact matrices, so the
 * amplitude follows (sx = h s h, cy = sdg(b) cx s(b), swap = 3 cx). */
static void g_apply(sim_t *s, qtr_op op, uint32_t a, uint32_t b)
{
    switch (op) {
    case QTR_OP_X: g_pauli(s, a, 1, 0); break;
    case QTR_OP_Y: g_pauli(s, a, 1, 1); break;
    case QTR_OP_Z: g_pauli(s, a, 0, 1); break;
    case QTR_OP_H: g_h(s, a); break;
    case QTR_OP_S: g_s(s, a, 0); break;
    case QTR_OP_SDG: g_s(s, a, 1); break;
    case QTR_OP_SX: case QTR_OP_SXDG:
        g_h(s, a);
        g_s(s, a, op == QTR_OP_SXDG);
        g_h(s, a);
        break;
    case QTR_OP_CX: g_cx(s, a, b); break;
    case QTR_OP_CY:
        g_s(s, b, 1);
        g_cx(s, a, b);
        g_s(s, b, 0);
        break;
    case QTR_OP_CZ: g_cz(s, a, b); break;
    case QTR_OP_SWAP:
        g_cx(s, a, b);
        g_cx(s, b, a);
        g_cx(s, a, b);
        break;
    default: break; /* id */
    }
}

/* R_axis(k π/2) on local qubit q: R_Z(k π/2) = e^{-ikπ/4} S^k, R_X = h R_Z h,
 * R_Y = s R_X sdg (in time order sdg, h, R_Z, h, s) */
static void g_quarter(sim_t *s, uint32_t q, int axis, int k)
{
    if (axis == OPT_T_Y) g_s(s, q, 1);
    if (axis != OPT_T_Z) g_h(s, q);
    switch (k & 3) {
    case 1: g_s(s, q, 0); break;
    case 2: g_pauli(s, q, 0, 1); break;
    case 3: g_s(s, q, 1); break;
    default: break;
    }
    if (s->a) s->a->m = (s->a->m - k) & 7;
    if (axis != OPT_T_Z) g_h(s, q);
    if (axis == OPT_T_Y) g_s(s, q, 0);
}

/* ---- greedy synthesis ---------------------------------------------------- */

typedef struct {
    sim_t sim;       /* the tableau being reduced (no amplitude) */
    gate_t *out;     /* gates appended so far */
    size_t nout, cap;
    uint64_t *live;  /* unreduced qubits */
    int overflow;
} synth_t;

static void emit(synth_t *y, qtr_op op, uint32_t a, uint32_t b)
{
    if (y->nout == y->cap) {
        y->overflow = 1;
        return;
    }
    y->out[y->nout++] = (gate_t){(uint8_t)op, a, b};
    g_apply(&y->sim, op, a, b);
}

/* Pauli of row i on qubit k as 2 bits: x | z << 1 (1 X, 2 Z, 3 Y) */
static int pauli_at(const tab_t *t, uint32_t i, uint32_t k)
{
    return bit(xr(t, i), k) | bit(zr(t, i), k) << 1;
}

static int anticommute(int p, int q) { return ((p & 1) & (q >> 1)) ^ ((p >> 1) & (q & 1)); }

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

/* 1q Cliffords (mod Paulis) as h/s words, in time order */
static const char *const local_words[6] = {"", "h", "s", "hs", "sh", "hsh"};

static int conj_word(const char *w, int p)
{
    for (; *w; w++)
        if (*w == 'h') p = (p == 1) ? 2 : (p == 2) ? 1 : p;
        else p = (p == 1) ? 3 : (p == 3) ? 1 : p;
    return p;
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
            for (const char *w = local_words[i]; *w; w++) emit(y, *w == 'h' ? QTR_OP_H : QTR_OP_S, k, 0);
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
        emit(y, QTR_OP_CX, cols[i], cols[i + 1]);
        emit(y, QTR_OP_H, cols[i], 0);
    }
    /* Z-only columns, by kind (Z in row j: 1, in row n + j: 2, both: 3);
     * cx(a, b) clears a when a and b are of one kind */
    uint32_t last[4] = {UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX};
    for (uint32_t k = 0; k < n; k++) {
        if (k == surv || !bit(y->live, k)) continue;
        int kind = (pauli_at(t, j, k) == 2) | (pauli_at(t, n + j, k) == 2) << 1;
        if (!kind) continue;
        if (last[kind] != UINT32_MAX) emit(y, QTR_OP_CX, last[kind], k);
        last[kind] = k;
    }
    if (last[2] != UINT32_MAX) emit(y, QTR_OP_CX, last[2], surv);
    if (last[3] != UINT32_MAX) emit(y, QTR_OP_CX, last[3], surv);
    if (last[1] != UINT32_MAX) emit(y, QTR_OP_CZ, surv, last[1]);
    if (last[3] != UINT32_MAX) emit(y, QTR_OP_CZ, surv, last[3]);
    if (surv != j) {
        emit(y, QTR_OP_CX, surv, j);
        emit(y, QTR_OP_CX, j, surv);
        emit(y, QTR_OP_CX, surv, j);
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
        if (fx || fz) emit(y, fx && fz ? QTR_OP_Y : fx ? QTR_OP_X : QTR_OP_Z, j, 0);
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
    /* sizes of the fixed tableau scratch */
    tab_t t, u;
    uint64_t *ref_a, *ref_b, *d, *live;
    elim_t el;
    uint32_t *cols;
    gate_t *tmp;
    size_t captmp;
} plan_t;

/* A numeric rz, p, u1, rx or ry by a multiple of π/2 (within
 * OPT_ANGLE_EPS): e^{i·phase} R_axis(k π/2), axis OPT_T_Z, _X or _Y. */
static int quarters(double a, int *k);

static int quarter_turn(const qtr_circuit *c, const qtr_inst *in, int *axis, int *k, double *phase)
{
    qtr_op op = (qtr_op)in->op;
    if (op != QTR_OP_RZ && op != QTR_OP_P && op != QTR_OP_U1 && op != QTR_OP_RX && op != QTR_OP_RY)
        return 0;
    double a;
    *axis = opt_rotation(op, qtr_inst_params(c, in), &a, phase);
    return isfinite(*phase) && quarters(a, k);
}

/* @p a as a whole number of quarter turns (within OPT_ANGLE_EPS) */
static int quarters(double a, int *k)
{
    if (!isfinite(a) || fabs(a) > 1e6) return 0;
    double turns = nearbyint(a / (QTR_PI / 2));
    *k = (int)turns;
    return fabs(a - turns * (QTR_PI / 2)) <= OPT_ANGLE_EPS;
}

/* u, u3, u2 with every angle a multiple of π/2: u(θ, φ, λ) =
 * e^{i(φ+λ)/2} R_Z(φ) R_Y(θ) R_Z(λ); k[] the turns of λ, θ, φ */
static int clifford_u(const qtr_circuit *c, const qtr_inst *in, int k[3], double *phase)
{
    qtr_op op = (qtr_op)in->op;
    if (op != QTR_OP_U && op != QTR_OP_U3 && op != QTR_OP_U2) return 0;
    const double *pr = qtr_inst_params(c, in);
    double th = op == QTR_OP_U2 ? QTR_PI / 2 : pr[0], ph = pr[op == QTR_OP_U2 ? 0 : 1],
           la = pr[op == QTR_OP_U2 ? 1 : 2];
    if (!quarters(la, &k[0]) || !quarters(th, &k[1]) || !quarters(ph, &k[2])) return 0;
    *phase = 0.5 * (ph + la);
    return 1;
}

static int is_clifford_record(const qtr_circuit *c, const qtr_inst *in)
{
    int axis, k[3];
    double phase;
    if (!opt_is_plain_gate(in) || (in->flags & QTR_IF_EXT)) return 0;
    return clifford_op((qtr_op)in->op) || quarter_turn(c, in, &axis, k, &phase) ||
           clifford_u(c, in, k, &phase);
}

/* Record @p in of a region on local qubits a (, b); *extra collects the
 * phases the tableau does not see (quarter turns, u). */
static void apply_record(sim_t *s, const qtr_circuit *c, const qtr_inst *in, uint32_t a,
                         uint32_t b, double *extra)
{
    int axis, k[3];
    double ph;
    if (quarter_turn(c, in, &axis, k, &ph)) {
        g_quarter(s, a, axis, k[0]);
        *extra += ph;
    } else if (clifford_u(c, in, k, &ph)) {
        g_quarter(s, a, OPT_T_Z, k[0]);
        g_quarter(s, a, OPT_T_Y, k[1]);
        g_quarter(s, a, OPT_T_Z, k[2]);
        *extra += ph;
    } else {
        g_apply(s, (qtr_op)in->op, a, b);
    }
}

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
    for (size_t i = s0; i < p->n0 && nclosed < c->nqubits && idle < IDLE_RECORDS && (open || !m);
         i++) {
        const qtr_inst *in = &c->inst[i];
        if (p->moved[i] || in->op == QTR_OP_NOP) continue;
        const uint32_t *q = qtr_inst_operands(c, in);
        uint32_t nq = in->op == QTR_OP_MEASURE ? 1 : in->nargs;
        int joins = is_clifford_record(c, in);
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
        *cost += cost_2q((qtr_op)in->op);
        idle = 0;
    }
    *width = k;
    *ntouched = nt;
    return m;
}

/* The gates that undo @p out (its reduction steps) in reverse: the
 * circuit the tableau stands for. */
static void invert_in_place(gate_t *out, size_t n)
{
    for (size_t i = 0; i < n / 2; i++) {
        gate_t g = out[i];
        out[i] = out[n - 1 - i];
        out[n - 1 - i] = g;
    }
    for (size_t i = 0; i < n; i++)
        out[i].op = out[i].op == QTR_OP_S ? QTR_OP_SDG : out[i].op == QTR_OP_SDG ? QTR_OP_S : out[i].op;
}

static void tab_copy(tab_t *dst, const tab_t *src)
{
    size_t words = (size_t)2 * src->n * src->w;
    memcpy(dst->x, src->x, words * sizeof *dst->x);
    memcpy(dst->z, src->z, words * sizeof *dst->z);
    memcpy(dst->r, src->r, 2 * (size_t)src->n);
}

/* Simulate @p out (local qubits) into p->u from |0...0>; when it is the
 * Clifford of p->t, whose amplitude @p a holds, *phase = what must be added
 * to the circuit's phase for it to replace the original exactly; 0 when
 * the tableaus differ (a bug: the caller keeps the original). */
static int replacement_phase(plan_t *p, const gate_t *out, size_t nout, const amp_t *a,
                             double *phase)
{
    amp_t b = {p->ref_b, 0, 0};
    tab_identity(&p->u);
    memset(p->ref_b, 0, p->u.w * sizeof *p->ref_b);
    sim_t e = {&p->u, &b, p->d, &p->el};
    for (size_t i = 0; i < nout; i++) g_apply(&e, (qtr_op)out[i].op, out[i].a, out[i].b);
    if (!tab_equal(&p->t, &p->u)) return 0;
    for (uint32_t i = 0; i < p->u.w; i++) p->d[i] = a->ref[i] ^ p->ref_b[i];
    int shift = amp_shift(&p->u, p->ref_b, p->d, &p->el);
    if (shift < 0 || a->e != b.e) return 0;
    *phase = (double)((a->m - b.m - 2 * shift) & 7) * (QTR_PI / 4);
    return 1;
}

static void tab_size(tab_t *t, uint32_t n)
{
    t->n = n;
    t->w = (n + 63) / 64;
}

static int count_2q(const gate_t *g, size_t n)
{
    int k = 0;
    for (size_t i = 0; i < n; i++) k += cost_2q((qtr_op)g[i].op);
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
    tab_size(&p->t, k);
    tab_size(&p->u, k);
    tab_identity(&p->t);
    memset(p->ref_a, 0, p->t.w * sizeof *p->ref_a);
    amp_t a = {p->ref_a, 0, 0};
    sim_t s = {&p->t, &a, p->d, &p->el};
    double extra = 0;
    for (size_t i = 0; i < m; i++) {
        const qtr_inst *in = &c->inst[p->members[i]];
        const uint32_t *q = qtr_inst_operands(c, in);
        apply_record(&s, c, in, p->local[q[0]], in->nargs > 1 ? p->local[q[1]] : 0, &extra);
    }
    tab_copy(&p->u, &p->t);
    size_t cap = (size_t)6 * k * k + 16 * (size_t)k;
    gate_t *out = opt_scratch(c, cap, sizeof *out);
    if (!out) return -1;
    synth_t y = {{&p->u, NULL, NULL, NULL}, out, 0, cap, p->live, 0};
    double phase = 0;
    int ok = synthesise(&y, p->cols) && count_2q(out, y.nout) < cost;
    if (ok) invert_in_place(out, y.nout);
    ok = ok && replacement_phase(p, out, y.nout, &a, &phase);
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

static int alloc_tab(qtr_circuit *c, tab_t *t, uint32_t n)
{
    tab_size(t, n);
    size_t words = (size_t)2 * n * t->w;
    t->x = opt_scratch(c, words, sizeof *t->x);
    t->z = opt_scratch(c, words, sizeof *t->z);
    t->r = opt_scratch(c, 2 * (size_t)n, 1);
    return t->x && t->z && t->r;
}

static void free_tab(qtr_circuit *c, tab_t *t, uint32_t n)
{
    size_t words = (size_t)2 * n * ((n + 63) / 64);
    opt_scratch_free(c, t->x, words, sizeof *t->x);
    opt_scratch_free(c, t->z, words, sizeof *t->z);
    opt_scratch_free(c, t->r, 2 * (size_t)n, 1);
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
    free_tab(c, &p->t, width);
    free_tab(c, &p->u, width);
    opt_scratch_free(c, p->ref_a, w, sizeof *p->ref_a);
    opt_scratch_free(c, p->ref_b, w, sizeof *p->ref_b);
    opt_scratch_free(c, p->d, w, sizeof *p->d);
    opt_scratch_free(c, p->live, w, sizeof *p->live);
    opt_scratch_free(c, p->el.rows, width, 2 * (size_t)w * sizeof(uint64_t));
    opt_scratch_free(c, p->el.acc_x, 3 * (size_t)w, sizeof(uint64_t));
    opt_scratch_free(c, p->el.acc_z, w, sizeof(uint64_t));
    opt_scratch_free(c, p->cols, width, sizeof *p->cols);
}

qtr_status qtr_pass_clifford_resynth(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx)
{
    (void)t;
    if (!c) return qtr_fail(ctx, QTR_EINVAL, "clifford_resynth: NULL circuit");
    size_t n2q = 0, n0 = c->ninst;
    for (size_t i = 0; i < n0; i++) n2q += is_clifford_record(c, &c->inst[i]) && c->inst[i].nargs == 2;
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
    p.ref_a = opt_scratch(c, w, sizeof *p.ref_a);
    p.ref_b = opt_scratch(c, w, sizeof *p.ref_b);
    p.d = opt_scratch(c, w, sizeof *p.d);
    p.live = opt_scratch(c, w, sizeof *p.live);
    p.el.rows = opt_scratch(c, width, 2 * (size_t)w * sizeof(uint64_t));
    p.el.acc_x = opt_scratch(c, 3 * (size_t)w, sizeof(uint64_t));
    p.el.acc_z = opt_scratch(c, w, sizeof(uint64_t));
    p.cols = opt_scratch(c, width, sizeof *p.cols);
    int tabs = alloc_tab(c, &p.t, width) & alloc_tab(c, &p.u, width);
    qtr_status st = QTR_OK;
    if (!tabs || !p.moved || !p.tried || !p.region || !p.state || !p.local || !p.qubits ||
        !p.touched || !p.members || !p.gstart || !p.ref_a || !p.ref_b || !p.d || !p.live ||
        !p.el.rows || !p.el.acc_x || !p.el.acc_z || !p.cols) {
        st = qtr_fail(ctx, QTR_ENOMEM, "clifford_resynth: scratch for %zu records", n0);
        goto done;
    }
    double phase0 = c->global_phase;
    for (size_t s0 = 0; s0 < n0; s0++) {
        if (p.tried[s0] || p.moved[s0] || !is_clifford_record(c, &c->inst[s0])) continue;
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

/* ======================================================================
 * On the device: a circuit that is one Clifford, synthesised along the
 * coupling graph (no routing)
 * ====================================================================== */

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
            for (const char *w = local_words[i]; *w; w++) emit(y, *w == 'h' ? QTR_OP_H : QTR_OP_S, k, 0);
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
        if (!pauli_at(t, row, v)) z ? emit(y, QTR_OP_CX, v, u) : emit(y, QTR_OP_CX, u, v);
        else if (pauli_at(t, row, v) != want) dev_local(y, row, v, want);
        z ? emit(y, QTR_OP_CX, u, v) : emit(y, QTR_OP_CX, v, u);
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
    if (pauli_at(t, j, j) == 3) emit(y, QTR_OP_S, j, 0); /* Y -> -X, Z stays */
    uint32_t r = UINT32_MAX;
    for (uint32_t e = d->nb_off[j]; e < d->nb_off[j + 1] && r == UINT32_MAX; e++)
        if (d->alive[d->nb[e]]) r = d->nb[e];
    if (r != UINT32_MAX) {
        reached = dev_bfs(d, r, j);
        dev_fold(d, j, r, reached, 1);
        if (pauli_at(t, j, r)) {
            if (pauli_at(t, j, r) != 1) dev_local(y, j, r, 1);
            emit(y, QTR_OP_CX, j, r);
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
        if (fx || fz) emit(y, fx && fz ? QTR_OP_Y : fx ? QTR_OP_X : QTR_OP_Z, j, 0);
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
    if (n < MIN_WIDTH || n > MAX_WIDTH || n > N || !t->adj_off || qtr_target_all_to_all(t))
        return QTR_OK;
    size_t n2q = 0;
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        if (in->op == QTR_OP_NOP) continue;
        if (!is_clifford_record(c, in)) return QTR_OK;
        n2q += in->nargs == 2;
    }
    if (n2q < 2 * (size_t)n) return QTR_OK;
    plan_t p = {.c = c, .n0 = 0};
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
    p.ref_a = opt_scratch(c, w, sizeof *p.ref_a);
    p.ref_b = opt_scratch(c, w, sizeof *p.ref_b);
    p.d = opt_scratch(c, w, sizeof *p.d);
    p.el.rows = opt_scratch(c, n, 2 * (size_t)w * sizeof(uint64_t));
    p.el.acc_x = opt_scratch(c, 3 * (size_t)w, sizeof(uint64_t));
    p.el.acc_z = opt_scratch(c, w, sizeof(uint64_t));
    size_t cap = (size_t)16 * n * n + 16 * (size_t)n;
    gate_t *out = opt_scratch(c, cap, sizeof *out);
    int tabs = alloc_tab(c, &p.t, n) & alloc_tab(c, &p.u, n);
    qtr_status st = QTR_OK;
    if (!tabs || !order || !local || !par || !d.nb_off || !d.nb || !d.alive || !d.parent ||
        !d.queue || !d.depth || !d.mark || !p.ref_a || !p.ref_b || !p.d || !p.el.rows ||
        !p.el.acc_x || !p.el.acc_z || !out) {
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
    tab_identity(&p.t);
    memset(p.ref_a, 0, w * sizeof *p.ref_a);
    amp_t a = {p.ref_a, 0, 0};
    sim_t s = {&p.t, &a, p.d, &p.el};
    double extra = 0;
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        if (in->op == QTR_OP_NOP) continue;
        const uint32_t *q = qtr_inst_operands(c, in);
        apply_record(&s, c, in, q[0], in->nargs > 1 ? q[1] : 0, &extra);
    }
    tab_copy(&p.u, &p.t);
    synth_t y = {{&p.u, NULL, NULL, NULL}, out, 0, cap, NULL, 0};
    d.y = &y;
    double phase;
    if (!dev_synthesise(&d, 0)) goto done;
    invert_in_place(out, y.nout);
    if (!replacement_phase(&p, out, y.nout, &a, &phase)) goto done;
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
    free_tab(c, &p.t, n);
    free_tab(c, &p.u, n);
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
    opt_scratch_free(c, p.ref_a, w, sizeof *p.ref_a);
    opt_scratch_free(c, p.ref_b, w, sizeof *p.ref_b);
    opt_scratch_free(c, p.d, w, sizeof *p.d);
    opt_scratch_free(c, p.el.rows, n, 2 * (size_t)w * sizeof(uint64_t));
    opt_scratch_free(c, p.el.acc_x, 3 * (size_t)w, sizeof(uint64_t));
    opt_scratch_free(c, p.el.acc_z, w, sizeof(uint64_t));
    opt_scratch_free(c, out, cap, sizeof *out);
    return st;
}
