/* clifford_tab.c -- Clifford tableaus with a tracked amplitude for the
 * Clifford passes (clifford_tab.h says what it borrows and how the phase
 * is kept exact). Owns nothing between calls; scratch comes from the
 * circuit's allocator. */
#include <math.h>
#include <string.h>

#include "clifford_tab.h"

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

void cliff_tab_identity(tab_t *t)
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
int cliff_cost_2q(qtr_op op) { return op == QTR_OP_SWAP ? 3 : qtr_gate(op)->nqubits == 2; }

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

int cliff_is_record(const qtr_circuit *c, const qtr_inst *in)
{
    int axis, k[3];
    double phase;
    if (!opt_is_plain_gate(in) || (in->flags & QTR_IF_EXT)) return 0;
    return clifford_op((qtr_op)in->op) || quarter_turn(c, in, &axis, k, &phase) ||
           clifford_u(c, in, k, &phase);
}

/* Record @p in of a region on local qubits a (, b); *extra collects the
 * phases the tableau does not see (quarter turns, u). */
void cliff_apply_record(sim_t *s, const qtr_circuit *c, const qtr_inst *in, uint32_t a,
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


void cliff_emit(synth_t *y, qtr_op op, uint32_t a, uint32_t b)
{
    if (y->nout == y->cap) {
        y->overflow = 1;
        return;
    }
    y->out[y->nout++] = (gate_t){(uint8_t)op, a, b};
    g_apply(&y->sim, op, a, b);
}


/* The gates that undo @p out (its reduction steps) in reverse: the
 * circuit the tableau stands for. */
void cliff_invert(gate_t *out, size_t n)
{
    for (size_t i = 0; i < n / 2; i++) {
        gate_t g = out[i];
        out[i] = out[n - 1 - i];
        out[n - 1 - i] = g;
    }
    for (size_t i = 0; i < n; i++)
        out[i].op = out[i].op == QTR_OP_S ? QTR_OP_SDG : out[i].op == QTR_OP_SDG ? QTR_OP_S : out[i].op;
}

void cliff_tab_copy(tab_t *dst, const tab_t *src)
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
int cliff_replacement_phase(cliff_scratch *p, const gate_t *out, size_t nout, const amp_t *a,
                            double *phase)
{
    amp_t b = {p->ref_b, 0, 0};
    cliff_tab_identity(&p->u);
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

int cliff_scratch_alloc(qtr_circuit *c, cliff_scratch *s, uint32_t width)
{
    uint32_t w = (width + 63) / 64;
    s->width = width;
    s->ref_a = opt_scratch(c, w, sizeof *s->ref_a);
    s->ref_b = opt_scratch(c, w, sizeof *s->ref_b);
    s->d = opt_scratch(c, w, sizeof *s->d);
    s->el.rows = opt_scratch(c, width, 2 * (size_t)w * sizeof(uint64_t));
    s->el.acc_x = opt_scratch(c, 3 * (size_t)w, sizeof(uint64_t));
    s->el.acc_z = opt_scratch(c, w, sizeof(uint64_t));
    int tabs = alloc_tab(c, &s->t, width) & alloc_tab(c, &s->u, width);
    return tabs && s->ref_a && s->ref_b && s->d && s->el.rows && s->el.acc_x && s->el.acc_z;
}

void cliff_scratch_free(qtr_circuit *c, cliff_scratch *s)
{
    uint32_t width = s->width, w = (width + 63) / 64;
    free_tab(c, &s->t, width);
    free_tab(c, &s->u, width);
    opt_scratch_free(c, s->ref_a, w, sizeof *s->ref_a);
    opt_scratch_free(c, s->ref_b, w, sizeof *s->ref_b);
    opt_scratch_free(c, s->d, w, sizeof *s->d);
    opt_scratch_free(c, s->el.rows, width, 2 * (size_t)w * sizeof(uint64_t));
    opt_scratch_free(c, s->el.acc_x, 3 * (size_t)w, sizeof(uint64_t));
    opt_scratch_free(c, s->el.acc_z, w, sizeof(uint64_t));
}

void cliff_scratch_size(cliff_scratch *s, uint32_t n)
{
    tab_size(&s->t, n);
    tab_size(&s->u, n);
}
