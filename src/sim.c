/* sim.c -- reference statevector / unitary simulator and the equivalence
 * check behind the tests and --verify (API and conventions: sim.h).
 *
 * Owns only scratch: state vectors, maps and flags, malloc()ed and freed
 * within each call (qtr_sim_statevector/qtr_sim_unitary hand their result to
 * the caller). Borrows the circuits, read-only.
 *
 * The kernels favour clarity over speed: gather the 2^k amplitudes a gate
 * touches, multiply, scatter. 1- and 2-qubit gates (diagonal or dense) have
 * direct loops because they dominate transpiled circuits (rz, sx, cz), and
 * monomial gates on 3+ qubits (ccx) one multiply per amplitude. Runs of
 * 1-qubit gates are fused into the next 2-qubit gate (see run_circuit): a
 * 23-qubit --verify of ham15-med at level 1 on torino took 129 s before the
 * fusion and the direct 2-qubit loop, 58 s after. The kernels are serial on
 * purpose: they are memory-bound (a 20-qubit state is 16 MiB, streamed once
 * per gate), the batch driver already runs one circuit per thread, and on a
 * shared machine OpenMP threads here cost more CPU than they saved.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "common.h"
#include "sim.h"

/* Complex numbers as a plain pair: GCC's double complex multiply calls
 * __muldc3 (NaN/Inf handling) unless -fcx-limited-range, 5-10x slower in the
 * kernels. The layout matches the interleaved public arrays. */
typedef struct {
    double re, im;
} cx;

static inline cx cmul(cx a, cx b) { return (cx){a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re}; }
static inline cx cadd(cx a, cx b) { return (cx){a.re + b.re, a.im + b.im}; }
static inline cx cconjmul(cx a, cx b) /* conj(a)·b */
{
    return (cx){a.re * b.re + a.im * b.im, a.re * b.im - a.im * b.re};
}

/* Insert a zero bit at position b of x (bits ≥ b move up one). */
static inline uint64_t insert_zero(uint64_t x, uint32_t b)
{
    uint64_t low = x & ((UINT64_C(1) << b) - 1);
    return ((x >> b) << (b + 1)) | low;
}

/* ---- kernels ------------------------------------------------------------- */

/* The 1- and 2-qubit kernels walk the amplitude pairs (quadruples) with
 * nested loops over the blocks the target bits split the index into, rather
 * than inserting zero bits into every index. */
static void apply1(cx *st, uint32_t nq, const cx m[4], uint32_t q)
{
    const uint64_t dim = UINT64_C(1) << nq, s = UINT64_C(1) << q;
    const cx m0 = m[0], m1 = m[1], m2 = m[2], m3 = m[3];
    for (uint64_t a = 0; a < dim; a += 2 * s)
        for (uint64_t i = a; i < a + s; i++) {
            cx a0 = st[i], a1 = st[i + s];
            st[i] = cadd(cmul(m0, a0), cmul(m1, a1));
            st[i + s] = cadd(cmul(m2, a0), cmul(m3, a1));
        }
}

static void diag1(cx *st, uint32_t nq, const cx d[2], uint32_t q)
{
    const uint64_t dim = UINT64_C(1) << nq, s = UINT64_C(1) << q;
    const cx d0 = d[0], d1 = d[1];
    for (uint64_t a = 0; a < dim; a += 2 * s)
        for (uint64_t i = a; i < a + s; i++) {
            st[i] = cmul(d0, st[i]);
            st[i + s] = cmul(d1, st[i + s]);
        }
}

/* Dense 4×4 (or diagonal, when d is given) on qubits qs[0] (local bit 0)
 * and qs[1] (local bit 1). */
static void apply2(cx *st, uint32_t nq, const cx *m, const cx *d, const uint32_t qs[2])
{
    const uint64_t dim = UINT64_C(1) << nq;
    const uint64_t s0 = UINT64_C(1) << qs[0], s1 = UINT64_C(1) << qs[1];
    const uint64_t lo = s0 < s1 ? s0 : s1, hi = s0 < s1 ? s1 : s0;
    const uint64_t off[4] = {0, s0, s1, s0 + s1};
    for (uint64_t a = 0; a < dim; a += 2 * hi)
        for (uint64_t b = a; b < a + hi; b += 2 * lo)
            for (uint64_t i = b; i < b + lo; i++) {
                if (d) {
                    for (int r = 0; r < 4; r++) st[i + off[r]] = cmul(d[r], st[i + off[r]]);
                    continue;
                }
                cx v[4] = {st[i], st[i + s0], st[i + s1], st[i + s0 + s1]};
                for (int r = 0; r < 4; r++) {
                    const cx *row = m + 4 * r;
                    st[i + off[r]] = cadd(cadd(cmul(row[0], v[0]), cmul(row[1], v[1])),
                                          cadd(cmul(row[2], v[2]), cmul(row[3], v[3])));
                }
            }
}

/* Diagonal gate: d[local index] multiplies each amplitude. */
static void apply_diag(cx *st, uint32_t nq, const cx *d, uint32_t k, const uint32_t *qs)
{
    const uint64_t dim = UINT64_C(1) << nq;
    for (uint64_t i = 0; i < dim; i++) {
        uint32_t loc = 0;
        for (uint32_t j = 0; j < k; j++) loc |= (uint32_t)((i >> qs[j]) & 1) << j;
        st[i] = cmul(d[loc], st[i]);
    }
}

static void applyk(cx *st, uint32_t nq, const cx *m, uint32_t k, const uint32_t *qs)
{
    uint32_t sorted[5];
    uint64_t off[32];
    const uint32_t d = 1u << k;
    for (uint32_t j = 0; j < k; j++) sorted[j] = qs[j];
    for (uint32_t a = 1; a < k; a++) /* insertion sort of ≤ 5 positions */
        for (uint32_t b = a; b > 0 && sorted[b - 1] > sorted[b]; b--) {
            uint32_t t = sorted[b];
            sorted[b] = sorted[b - 1];
            sorted[b - 1] = t;
        }
    for (uint32_t r = 0; r < d; r++) {
        off[r] = 0;
        for (uint32_t j = 0; j < k; j++)
            if (r >> j & 1) off[r] |= UINT64_C(1) << qs[j];
    }
    const uint64_t count = UINT64_C(1) << (nq - k);
    /* Monomial matrices (one nonzero per row: cx, swap, ccx, ecr, iswap...)
     * need one multiply per amplitude instead of 2^k. */
    uint32_t src[32];
    cx val[32];
    int monomial = 1;
    for (uint32_t r = 0; r < d && monomial; r++) {
        int nz = 0;
        for (uint32_t col = 0; col < d; col++)
            if (m[r * d + col].re != 0 || m[r * d + col].im != 0) {
                nz++;
                src[r] = col;
                val[r] = m[r * d + col];
            }
        monomial = nz == 1;
    }
    if (monomial) {
        for (uint64_t c = 0; c < count; c++) {
            cx v[32];
            uint64_t base = c;
            for (uint32_t j = 0; j < k; j++) base = insert_zero(base, sorted[j]);
            for (uint32_t r = 0; r < d; r++) v[r] = st[base + off[r]];
            for (uint32_t r = 0; r < d; r++) st[base + off[r]] = cmul(val[r], v[src[r]]);
        }
        return;
    }
    for (uint64_t c = 0; c < count; c++) {
        cx v[32];
        uint64_t base = c;
        for (uint32_t j = 0; j < k; j++) base = insert_zero(base, sorted[j]);
        for (uint32_t r = 0; r < d; r++) v[r] = st[base + off[r]];
        for (uint32_t r = 0; r < d; r++) {
            cx acc = {0, 0};
            const cx *row = m + (size_t)r * d;
            for (uint32_t col = 0; col < d; col++) acc = cadd(acc, cmul(row[col], v[col]));
            st[base + off[r]] = acc;
        }
    }
}

static int is_diagonal(const cx *m, uint32_t d)
{
    for (uint32_t r = 0; r < d; r++)
        for (uint32_t c = 0; c < d; c++)
            if (r != c && (m[r * d + c].re != 0 || m[r * d + c].im != 0)) return 0;
    return 1;
}

/* Unchecked: k in 1..5, qubits distinct and < nq. */
static void apply_any(cx *st, uint32_t nq, const cx *m, uint32_t k, const uint32_t *qs)
{
    const uint32_t d = 1u << k;
    if (is_diagonal(m, d)) {
        cx diag[32];
        for (uint32_t r = 0; r < d; r++) diag[r] = m[r * d + r];
        if (k == 1)
            diag1(st, nq, diag, qs[0]);
        else if (k == 2)
            apply2(st, nq, NULL, diag, qs);
        else
            apply_diag(st, nq, diag, k, qs);
    } else if (k == 1) {
        apply1(st, nq, m, qs[0]);
    } else if (k == 2) {
        apply2(st, nq, m, NULL, qs);
    } else {
        applyk(st, nq, m, k, qs);
    }
}

static void apply_phase(cx *st, uint64_t dim, double phase)
{
    if (phase == 0) return;
    const cx f = {cos(phase), sin(phase)};
    for (uint64_t i = 0; i < dim; i++) st[i] = cmul(f, st[i]);
}

/* ---- public single-gate functions ------------------------------------------ */

static qtr_status check_targets(uint32_t nqubits, uint32_t k, const uint32_t *qs, const char *fn,
                                qtr_ctx *ctx)
{
    if (nqubits == 0 || nqubits > QTR_SIM_MAX_QUBITS)
        return qtr_fail(ctx, QTR_ELIMIT, "%s: %u state qubits (1..%d supported)", fn, nqubits,
                        QTR_SIM_MAX_QUBITS);
    if (k < 1 || k > 5 || k > nqubits)
        return qtr_fail(ctx, QTR_EINVAL, "%s: %u-qubit matrix on %u qubits", fn, k, nqubits);
    for (uint32_t j = 0; j < k; j++) {
        if (qs[j] >= nqubits)
            return qtr_fail(ctx, QTR_EQUBIT, "%s: qubit %u outside 0..%u", fn, qs[j], nqubits - 1);
        for (uint32_t i = 0; i < j; i++)
            if (qs[i] == qs[j])
                return qtr_fail(ctx, QTR_EINVAL, "%s: qubit %u used twice", fn, qs[j]);
    }
    return QTR_OK;
}

qtr_status qtr_sim_apply_matrix(double *state, uint32_t nqubits, const double *m, uint32_t k,
                                const uint32_t *qubits, qtr_ctx *ctx)
{
    qtr_status st = check_targets(nqubits, k, qubits, __func__, ctx);
    if (st) return st;
    apply_any((cx *)state, nqubits, (const cx *)m, k, qubits);
    return QTR_OK;
}

qtr_status qtr_sim_apply_gate(double *state, uint32_t nqubits, qtr_op op, const double *params,
                              const uint32_t *qubits, qtr_ctx *ctx)
{
    if ((unsigned)op >= QTR_OP_COUNT)
        return qtr_fail(ctx, QTR_EINVAL, "%s: invalid operation code %d", __func__, (int)op);
    const qtr_gate_info *g = qtr_gate(op);
    if (g->props & QTR_GP_DIRECTIVE) return QTR_OK;
    if (g->props & QTR_GP_NONUNITARY)
        return qtr_fail(ctx, QTR_EUNSUPPORTED, "%s: '%s' is not unitary", __func__, g->name);
    qtr_status st = check_targets(nqubits, g->nqubits, qubits, __func__, ctx);
    if (st) return st;
    double m[2 * 32 * 32];
    if (qtr_gate_matrix(op, params, m) != QTR_OK)
        return qtr_fail(ctx, QTR_EINVAL, "%s: no matrix for '%s'", __func__, g->name);
    apply_any((cx *)state, nqubits, (const cx *)m, g->nqubits, qubits);
    return QTR_OK;
}

/* ---- running circuits ------------------------------------------------------ */

/* Gate fusion for run_circuit. The state is streamed once per applied
 * matrix, and a transpiled circuit has two or three 1-qubit gates per
 * 2-qubit gate, so a wire's consecutive 1-qubit gates are multiplied into
 * one pending 2×2 matrix, which then goes into the next 2-qubit gate on the
 * wire (one 4×4 pass instead of up to three passes), or is applied alone
 * when the wire meets anything else or the circuit ends. */
typedef struct {
    cx      m[QTR_SIM_MAX_QUBITS][4];
    uint8_t has[QTR_SIM_MAX_QUBITS];
} pending1q;

static void m2_mul(const cx a[4], const cx b[4], cx out[4]) /* out = a·b */
{
    cx r[4] = {cadd(cmul(a[0], b[0]), cmul(a[1], b[2])), cadd(cmul(a[0], b[1]), cmul(a[1], b[3])),
               cadd(cmul(a[2], b[0]), cmul(a[3], b[2])), cadd(cmul(a[2], b[1]), cmul(a[3], b[3]))};
    memcpy(out, r, sizeof r);
}

static void pend(pending1q *p, uint32_t q, const cx g[4])
{
    if (p->has[q]) {
        m2_mul(g, p->m[q], p->m[q]);
    } else {
        memcpy(p->m[q], g, sizeof p->m[q]);
        p->has[q] = 1;
    }
}

static void flush(pending1q *p, cx *st, uint32_t nq, uint32_t q)
{
    if (!p->has[q]) return;
    apply_any(st, nq, p->m[q], 1, &q);
    p->has[q] = 0;
}

/* m (4×4, local bit j = qubit qs[j]) := m · (P1 ⊗ P0), P_j the pending
 * matrix of qs[j] or the identity. */
static void fold2(pending1q *p, cx m[16], const uint32_t qs[2])
{
    static const cx id[4] = {{1, 0}, {0, 0}, {0, 0}, {1, 0}};
    const cx *p0 = p->has[qs[0]] ? p->m[qs[0]] : id, *p1 = p->has[qs[1]] ? p->m[qs[1]] : id;
    cx out[16];
    for (uint32_t r = 0; r < 4; r++)
        for (uint32_t c = 0; c < 4; c++) {
            cx acc = {0, 0};
            for (uint32_t k = 0; k < 4; k++) {
                /* K[k][c] = P1[k1][c1] · P0[k0][c0] */
                cx kk = cmul(p1[(k >> 1) * 2 + (c >> 1)], p0[(k & 1) * 2 + (c & 1)]);
                acc = cadd(acc, cmul(m[r * 4 + k], kk));
            }
            out[r * 4 + c] = acc;
        }
    memcpy(m, out, sizeof out);
    p->has[qs[0]] = p->has[qs[1]] = 0;
}

/* Apply c's instructions to st, mapping circuit qubit q to map[q] (or q when
 * map is NULL). skip (may be NULL) marks instructions to leave out: final
 * measurements stripped by the equivalence check. Validation was done by the
 * caller except for what only this loop sees (non-unitary ops, conditions). */
static qtr_status run_circuit(const qtr_circuit *c, cx *st, uint32_t nq, const uint32_t *map,
                              const uint8_t *skip, const char *what, qtr_ctx *ctx)
{
    double m[2 * 32 * 32];
    pending1q pend1;
    memset(pend1.has, 0, sizeof pend1.has);
    if (qtr_circuit_is_symbolic(c))
        return qtr_fail(ctx, QTR_EINVAL, "%s: the circuit has unbound parameters; bind them "
                        "before simulating", what);
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        const qtr_gate_info *g = qtr_gate((qtr_op)in->op);
        if ((g->props & QTR_GP_DIRECTIVE) || (skip && skip[i])) continue;
        if (in->flags & QTR_IF_COND)
            return qtr_fail(ctx, QTR_EUNSUPPORTED,
                            "%s: instruction %zu ('%s') is classically conditioned; the "
                            "simulator handles unitary circuits only", what, i, g->name);
        if (g->props & QTR_GP_NONUNITARY)
            return qtr_fail(ctx, QTR_EUNSUPPORTED,
                            "%s: instruction %zu is a mid-circuit '%s'; the simulator handles "
                            "only final measurements", what, i, g->name);
        const uint32_t *ops = qtr_inst_operands(c, in);
        uint32_t qs[5];
        for (uint32_t j = 0; j < g->nqubits; j++) {
            uint32_t q = map ? map[ops[j]] : ops[j];
            if (q >= nq)
                return qtr_fail(ctx, QTR_EQUBIT, "%s: instruction %zu ('%s') uses qubit %u, "
                                "which is not simulated", what, i, g->name, ops[j]);
            qs[j] = q;
        }
        qtr_gate_matrix((qtr_op)in->op, qtr_inst_params(c, in), m);
        if (g->nqubits == 1) {
            pend(&pend1, qs[0], (const cx *)m);
            continue;
        }
        if (g->nqubits == 2 && (pend1.has[qs[0]] || pend1.has[qs[1]])) {
            fold2(&pend1, (cx *)m, qs);
        } else {
            for (uint32_t j = 0; j < g->nqubits; j++) flush(&pend1, st, nq, qs[j]);
        }
        apply_any(st, nq, (const cx *)m, g->nqubits, qs);
    }
    for (uint32_t q = 0; q < nq; q++) flush(&pend1, st, nq, q);
    apply_phase(st, UINT64_C(1) << nq, c->global_phase);
    return QTR_OK;
}

qtr_status qtr_sim_run(const qtr_circuit *c, double *state, uint32_t nqubits,
                       const uint32_t *qubit_map, qtr_ctx *ctx)
{
    qtr_status st = qtr_circuit_check(c, ctx);
    if (st) return st;
    if (nqubits == 0 || nqubits > QTR_SIM_MAX_QUBITS)
        return qtr_fail(ctx, QTR_ELIMIT, "%s: %u state qubits (1..%d supported)", __func__,
                        nqubits, QTR_SIM_MAX_QUBITS);
    if (!qubit_map && c->nqubits > nqubits)
        return qtr_fail(ctx, QTR_EINVAL, "%s: circuit has %u qubits, state %u", __func__,
                        c->nqubits, nqubits);
    if (qubit_map) { /* used entries must be distinct state qubits */
        uint32_t seen = 0;
        for (uint32_t q = 0; q < c->nqubits; q++) {
            uint32_t s = qubit_map[q];
            if (s == UINT32_MAX) continue;
            if (s >= nqubits)
                return qtr_fail(ctx, QTR_EQUBIT, "%s: qubit_map[%u] = %u outside 0..%u",
                                __func__, q, s, nqubits - 1);
            if (seen >> s & 1)
                return qtr_fail(ctx, QTR_EINVAL, "%s: qubit_map sends two qubits to %u",
                                __func__, s);
            seen |= UINT32_C(1) << s;
        }
    }
    return run_circuit(c, (cx *)state, nqubits, qubit_map, NULL, __func__, ctx);
}

qtr_status qtr_sim_statevector(const qtr_circuit *c, double **state, qtr_ctx *ctx)
{
    uint32_t n = c->nqubits ? c->nqubits : 1;
    if (n > QTR_SIM_MAX_QUBITS)
        return qtr_fail(ctx, QTR_ELIMIT, "%s: %u qubits, at most %d", __func__, c->nqubits,
                        QTR_SIM_MAX_QUBITS);
    cx *s = calloc((size_t)1 << n, sizeof *s);
    if (!s) return qtr_fail(ctx, QTR_ENOMEM, "%s: state of %u qubits", __func__, n);
    s[0].re = 1;
    qtr_status st = qtr_sim_run(c, (double *)s, n, NULL, ctx);
    if (st) {
        free(s);
        return st;
    }
    *state = (double *)s;
    return QTR_OK;
}

qtr_status qtr_sim_unitary(const qtr_circuit *c, double **u, qtr_ctx *ctx)
{
    /* U is row-major, so U[r][col] sits at index r·2^n + col: a state on 2n
     * qubits whose high n bits are the row. Left-multiplying by a gate acts
     * on the row index, i.e. on qubits n..2n-1 of that state. */
    uint32_t n = c->nqubits;
    if (n == 0 || n > QTR_SIM_MAX_UNITARY_QUBITS)
        return qtr_fail(ctx, QTR_ELIMIT, "%s: %u qubits (1..%d supported)", __func__, n,
                        QTR_SIM_MAX_UNITARY_QUBITS);
    size_t dim = (size_t)1 << n;
    uint32_t map[QTR_SIM_MAX_UNITARY_QUBITS];
    for (uint32_t q = 0; q < n; q++) map[q] = q + n;
    cx *m = calloc(dim * dim, sizeof *m);
    if (!m) return qtr_fail(ctx, QTR_ENOMEM, "%s: %zu x %zu unitary", __func__, dim, dim);
    for (size_t i = 0; i < dim; i++) m[i * dim + i].re = 1;
    qtr_status st = qtr_sim_run(c, (double *)m, 2 * n, map, ctx);
    if (st) {
        free(m);
        return st;
    }
    *u = (double *)m;
    return QTR_OK;
}

/* ---- equivalence ------------------------------------------------------------ */

/* Final measurements of one circuit: meas[q] = clbit measured from qubit q at
 * the end, or -1; skip[i] = 1 for those measure records. A measurement is
 * final when no later non-directive instruction touches its qubit. */
typedef struct {
    long    *meas;   /* per circuit qubit */
    uint8_t *skip;   /* per instruction */
    uint32_t nmeas;
} finals;

static void finals_free(finals *f)
{
    free(f->meas);
    free(f->skip);
}

static qtr_status find_finals(const qtr_circuit *c, const char *what, finals *f, qtr_ctx *ctx)
{
    uint8_t *touched = calloc(c->nqubits ? c->nqubits : 1, 1);
    uint8_t *clbit_used = calloc(c->nclbits ? c->nclbits : 1, 1);
    f->meas = malloc((c->nqubits ? c->nqubits : 1) * sizeof *f->meas);
    f->skip = calloc(c->ninst ? c->ninst : 1, 1);
    f->nmeas = 0;
    qtr_status st = QTR_OK;
    if (!touched || !clbit_used || !f->meas || !f->skip) {
        st = qtr_fail(ctx, QTR_ENOMEM, "%s: measurement tables", what);
        goto done;
    }
    for (uint32_t q = 0; q < c->nqubits; q++) f->meas[q] = -1;
    for (size_t i = c->ninst; i-- > 0;) {
        const qtr_inst *in = &c->inst[i];
        const qtr_gate_info *g = qtr_gate((qtr_op)in->op);
        if (g->props & QTR_GP_DIRECTIVE) continue;
        if (in->flags & QTR_IF_COND) {
            st = qtr_fail(ctx, QTR_EUNSUPPORTED,
                          "%s: instruction %zu ('%s') is classically conditioned; "
                          "equivalence checking handles unitary circuits with final "
                          "measurements only", what, i, g->name);
            goto done;
        }
        const uint32_t *ops = qtr_inst_operands(c, in);
        if (in->op == QTR_OP_RESET) {
            st = qtr_fail(ctx, QTR_EUNSUPPORTED,
                          "%s: instruction %zu is a reset of qubit %u; equivalence checking "
                          "handles unitary circuits with final measurements only", what, i,
                          ops[0]);
            goto done;
        }
        if (in->op == QTR_OP_MEASURE) {
            if (touched[ops[0]]) {
                st = qtr_fail(ctx, QTR_EUNSUPPORTED,
                              "%s: instruction %zu measures qubit %u mid-circuit (it is used "
                              "afterwards); only final measurements are supported", what, i,
                              ops[0]);
                goto done;
            }
            if (clbit_used[ops[1]]) {
                st = qtr_fail(ctx, QTR_EUNSUPPORTED,
                              "%s: clbit %u is written by more than one final measurement",
                              what, ops[1]);
                goto done;
            }
            clbit_used[ops[1]] = 1;
            f->meas[ops[0]] = ops[1];
            f->skip[i] = 1;
            f->nmeas++;
        }
        for (uint32_t j = 0; j < g->nqubits; j++) touched[ops[j]] = 1;
    }
done:
    free(touched);
    free(clbit_used);
    return st;
}

/* Fill n-entry map from an optional layout, validating it against N qubits. */
static qtr_status check_layout(const uint32_t *layout, uint32_t n, uint32_t N, uint8_t *seen,
                               const char *name, qtr_ctx *ctx)
{
    memset(seen, 0, N);
    for (uint32_t v = 0; v < n; v++) {
        uint32_t p = layout ? layout[v] : v;
        if (p >= N)
            return qtr_fail(ctx, QTR_EINVAL, "%s[%u] = %u, but the output circuit has %u qubits",
                            name, v, p, N);
        if (seen[p])
            return qtr_fail(ctx, QTR_EINVAL, "%s sends two virtual qubits to physical qubit %u",
                            name, p);
        seen[p] = 1;
    }
    return QTR_OK;
}

/* Everything one comparison needs; freed by cmp_free. */
typedef struct {
    uint32_t  n, N, A;        /* virtual, physical, active qubits */
    uint32_t *dense;          /* physical → dense index or UINT32_MAX (N entries) */
    uint32_t *phys;           /* dense → physical (A entries) */
    uint32_t *in_map;         /* virtual v → dense(P[v]) */
    uint32_t *lpos, *ppos;    /* virtual v → dense(L[v]), dense(P[v]) */
    uint32_t  gpos[QTR_SIM_MAX_QUBITS], ng; /* dense qubits whose values split phase groups */
    cx       *a, *b, *gov;    /* expected, actual, per-group overlaps */
    finals    fin, fout;
} cmp_state;

static void cmp_free(cmp_state *s)
{
    free(s->dense);
    free(s->phys);
    free(s->in_map);
    free(s->lpos);
    free(s->ppos);
    free(s->a);
    free(s->b);
    free(s->gov);
    finals_free(&s->fin);
    finals_free(&s->fout);
}

/* Dense index of the virtual basis state j placed at positions pos[]. */
static uint64_t scatter(uint64_t j, const uint32_t *pos, uint32_t n)
{
    uint64_t x = 0;
    for (uint32_t v = 0; v < n; v++)
        if (j >> v & 1) x |= UINT64_C(1) << pos[v];
    return x;
}

static uint64_t group_of(uint64_t i, const cmp_state *s)
{
    uint64_t g = 0;
    for (uint32_t k = 0; k < s->ng; k++) g |= ((i >> s->gpos[k]) & 1) << k;
    return g;
}

/* Compare a (expected) and b (actual), both normalised: choose the phase of
 * each group (one group unless QTR_SIM_MEASURE_PHASES; phase 0 with
 * QTR_SIM_EXACT_PHASE, or *fixed when given), and return the Euclidean
 * distance. *overlap receives |<a|b>| summed over groups. */
static double distance(cmp_state *s, unsigned flags, const cx *fixed, cx *phase_out,
                       double *overlap, uint64_t *worst)
{
    const uint64_t dim = UINT64_C(1) << s->A, ngroups = UINT64_C(1) << s->ng;
    memset(s->gov, 0, ngroups * sizeof *s->gov);
    for (uint64_t i = 0; i < dim; i++) {
        uint64_t g = group_of(i, s);
        s->gov[g] = cadd(s->gov[g], cconjmul(s->a[i], s->b[i]));
    }
    double ov = 0;
    for (uint64_t g = 0; g < ngroups; g++) {
        double mag = hypot(s->gov[g].re, s->gov[g].im);
        ov += mag;
        /* replace each overlap by the unit phase to apply to a */
        if (fixed) s->gov[g] = *fixed;
        else if ((flags & QTR_SIM_EXACT_PHASE) || mag < 1e-300) s->gov[g] = (cx){1, 0};
        else s->gov[g] = (cx){s->gov[g].re / mag, s->gov[g].im / mag};
    }
    if (phase_out) *phase_out = s->gov[0];
    double d2 = 0, wmax = -1;
    for (uint64_t i = 0; i < dim; i++) {
        cx e = cmul(s->gov[group_of(i, s)], s->a[i]);
        double dr = s->b[i].re - e.re, di = s->b[i].im - e.im, w = dr * dr + di * di;
        d2 += w;
        if (w > wmax) {
            wmax = w;
            *worst = i;
        }
    }
    *overlap = ov;
    return sqrt(d2);
}

/* "|q3=1 q7=0 ...>" for dense index i, in physical qubit numbers. */
static void describe(const cmp_state *s, uint64_t i, char *buf, size_t len)
{
    size_t w = 0;
    w += (size_t)snprintf(buf + w, len - w, "|");
    for (uint32_t d = s->A; d-- > 0 && w < len;)
        w += (size_t)snprintf(buf + w, len - w, "%sq%u=%u", d + 1 == s->A ? "" : " ", s->phys[d],
                              (unsigned)(i >> d & 1));
    if (w < len) snprintf(buf + w, len - w, ">");
}

/* Gaussian deviate (Box–Muller), for Haar-random states. */
static double gauss(qtr_ctx *r)
{
    double u1 = qtr_rng_uniform(r), u2 = qtr_rng_uniform(r);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2 * log(u1)) * cos(2 * QTR_PI * u2);
}

qtr_status qtr_sim_compare(const qtr_circuit *in, const qtr_circuit *out,
                           const uint32_t *initial_layout, const uint32_t *output_permutation,
                           double tol, unsigned flags, qtr_ctx *ctx)
{
    cmp_state s;
    memset(&s, 0, sizeof s);
    uint8_t *seen = NULL;
    qtr_status st;
    char where[256];

    if (!(tol > 0) || !isfinite(tol))
        return qtr_fail(ctx, QTR_EINVAL, "equivalence check: tolerance %g is not positive", tol);
    if ((st = qtr_circuit_check(in, ctx)) || (st = qtr_circuit_check(out, ctx))) return st;
    s.n = in->nqubits;
    s.N = out->nqubits;
    if (s.N < s.n)
        return qtr_fail(ctx, QTR_EINVAL,
                        "equivalence check: output has %u qubits, fewer than the input's %u",
                        s.N, s.n);
    if ((st = find_finals(in, "input circuit", &s.fin, ctx)) ||
        (st = find_finals(out, "output circuit", &s.fout, ctx)))
        goto done;

    /* ---- layouts and the active qubits ---- */
    seen = malloc(s.N ? s.N : 1);
    s.dense = malloc((s.N ? s.N : 1) * sizeof *s.dense);
    s.in_map = malloc((s.n ? s.n : 1) * sizeof *s.in_map);
    s.lpos = malloc((s.n ? s.n : 1) * sizeof *s.lpos);
    s.ppos = malloc((s.n ? s.n : 1) * sizeof *s.ppos);
    if (!seen || !s.dense || !s.in_map || !s.lpos || !s.ppos) {
        st = qtr_fail(ctx, QTR_ENOMEM, "equivalence check: qubit maps");
        goto done;
    }
    if ((st = check_layout(initial_layout, s.n, s.N, seen, "initial_layout", ctx)) ||
        (st = check_layout(output_permutation, s.n, s.N, seen, "output_permutation", ctx)))
        goto done;
    memset(seen, 0, s.N);
    for (uint32_t v = 0; v < s.n; v++) {
        seen[initial_layout ? initial_layout[v] : v] = 1;
        seen[output_permutation ? output_permutation[v] : v] = 1;
    }
    for (size_t i = 0; i < out->ninst; i++) {
        const qtr_inst *r = &out->inst[i];
        const qtr_gate_info *g = qtr_gate((qtr_op)r->op);
        if (g->props & QTR_GP_DIRECTIVE) continue;
        const uint32_t *ops = qtr_inst_operands(out, r);
        for (uint32_t j = 0; j < g->nqubits; j++) seen[ops[j]] = 1;
    }
    s.A = 0;
    for (uint32_t p = 0; p < s.N; p++) {
        s.dense[p] = seen[p] ? s.A : UINT32_MAX;
        if (seen[p] && ++s.A > QTR_SIM_MAX_QUBITS) {
            st = qtr_fail(ctx, QTR_ELIMIT,
                          "equivalence check: more than %d active qubits (touched by the output "
                          "circuit or in its layouts)", QTR_SIM_MAX_QUBITS);
            goto done;
        }
    }
    if (s.A == 0) s.A = 1; /* empty circuits: compare global phases on one qubit */
    s.phys = malloc(s.A * sizeof *s.phys);
    if (!s.phys) {
        st = qtr_fail(ctx, QTR_ENOMEM, "equivalence check: qubit maps");
        goto done;
    }
    s.phys[0] = 0;
    for (uint32_t p = 0; p < s.N; p++)
        if (s.dense[p] != UINT32_MAX) s.phys[s.dense[p]] = p;
    for (uint32_t v = 0; v < s.n; v++) {
        s.lpos[v] = s.dense[initial_layout ? initial_layout[v] : v];
        s.ppos[v] = s.in_map[v] = s.dense[output_permutation ? output_permutation[v] : v];
    }

    /* ---- final measurements must correspond ---- */
    for (uint32_t v = 0; v < s.n; v++) {
        if (s.fin.meas[v] < 0) continue;
        uint32_t p = output_permutation ? output_permutation[v] : v;
        if (s.fout.meas[p] != s.fin.meas[v]) {
            st = qtr_fail(ctx, QTR_EVERIFY,
                          "not equivalent: input measures virtual qubit %u into clbit %ld at the "
                          "end, but the output %s physical qubit %u%s", v, s.fin.meas[v],
                          s.fout.meas[p] < 0 ? "does not measure" : "measures", p,
                          s.fout.meas[p] < 0 ? "" : " into another clbit");
            goto done;
        }
        if (flags & QTR_SIM_MEASURE_PHASES) s.gpos[s.ng++] = s.ppos[v];
    }
    if (s.fout.nmeas != s.fin.nmeas) {
        for (uint32_t p = 0; p < s.N; p++) {
            if (s.fout.meas[p] < 0) continue;
            uint32_t v = 0;
            while (v < s.n && (output_permutation ? output_permutation[v] : v) != p) v++;
            if (v == s.n || s.fin.meas[v] != s.fout.meas[p]) {
                st = qtr_fail(ctx, QTR_EVERIFY,
                              "not equivalent: output measures physical qubit %u into clbit %ld, "
                              "which the input does not", p, s.fout.meas[p]);
                goto done;
            }
        }
    }

    /* ---- simulate ---- */
    const uint64_t dim = UINT64_C(1) << s.A;
    s.a = malloc(dim * sizeof *s.a);
    s.b = malloc(dim * sizeof *s.b);
    s.gov = malloc(((size_t)1 << s.ng) * sizeof *s.gov);
    if (!s.a || !s.b || !s.gov) {
        st = qtr_fail(ctx, QTR_ENOMEM, "equivalence check: two states of %u qubits", s.A);
        goto done;
    }
    /* Exhaustive over the 2^n basis inputs when that is cheap: it checks the
     * whole unitary on the layout's subspace, with one common phase. Basis
     * inputs cannot see the per-outcome phases QTR_SIM_MEASURE_PHASES allows,
     * so that mode always uses random states. */
    double work = ldexp((double)(in->ninst + out->ninst + 1), (int)(s.n + s.A));
    int exhaustive = !(flags & QTR_SIM_MEASURE_PHASES) && s.A <= 10 && work <= 0x1p28;
    if (exhaustive) {
        cx phase = {1, 0};
        for (uint64_t j = 0; j < (UINT64_C(1) << s.n); j++) {
            memset(s.a, 0, dim * sizeof *s.a);
            memset(s.b, 0, dim * sizeof *s.b);
            s.a[scatter(j, s.ppos, s.n)].re = 1;
            s.b[scatter(j, s.lpos, s.n)].re = 1;
            if ((st = run_circuit(in, s.a, s.A, s.in_map, s.fin.skip, "input circuit", ctx)) ||
                (st = run_circuit(out, s.b, s.A, s.dense, s.fout.skip, "output circuit", ctx)))
                goto done;
            double ov;
            uint64_t worst = 0;
            /* the first column fixes the global phase for all the others */
            double d = distance(&s, flags, j ? &phase : NULL, j ? NULL : &phase, &ov, &worst);
            if (d > tol) {
                describe(&s, worst, where, sizeof where);
                st = qtr_fail(ctx, QTR_EVERIFY,
                              "not equivalent: virtual basis input %llu (of %llu) gives output "
                              "distance %.3g (|overlap| %.9f, tolerance %g), largest difference "
                              "at %s", (unsigned long long)j,
                              (unsigned long long)(UINT64_C(1) << s.n), d, ov, tol, where);
                goto done;
            }
        }
    } else {
        /* Random inputs. For unitaries (isometries, with ancillas) V and W
         * that differ by more than a global phase, |<Vψ|Wψ>| = 1 holds only
         * when ψ is an eigenvector of V†W restricted to the input space, and
         * those lie in a finite union of proper subspaces: a set of measure
         * zero. So one Haar-random ψ detects the difference with probability
         * 1; up to 16 active qubits a second one (cheap there) guards against
         * an unlucky draw whose distance happens to fall below the tolerance. With QTR_SIM_MEASURE_PHASES the same
         * argument applies per outcome block, which is exactly equality of
         * the measured channel on ψ (pure inputs span all density matrices).
         * The seed is derived from ctx's seed, not drawn from ctx's stream, so
         * a check does not perturb the caller's random numbers. */
        qtr_ctx rng;
        qtr_ctx_init(&rng, qtr_seed_for(ctx ? ctx->seed : 0, 0x5157u));
        int nstates = s.A > 16 ? 1 : 2;
        for (int t = 0; t < nstates; t++) {
            memset(s.a, 0, dim * sizeof *s.a);
            memset(s.b, 0, dim * sizeof *s.b);
            double norm = 0;
            for (uint64_t j = 0; j < (UINT64_C(1) << s.n); j++) {
                cx z = {gauss(&rng), gauss(&rng)};
                norm += z.re * z.re + z.im * z.im;
                s.a[scatter(j, s.ppos, s.n)] = z;
                s.b[scatter(j, s.lpos, s.n)] = z;
            }
            norm = 1 / sqrt(norm);
            for (uint64_t i = 0; i < dim; i++) {
                s.a[i].re *= norm; s.a[i].im *= norm;
                s.b[i].re *= norm; s.b[i].im *= norm;
            }
            if ((st = run_circuit(in, s.a, s.A, s.in_map, s.fin.skip, "input circuit", ctx)) ||
                (st = run_circuit(out, s.b, s.A, s.dense, s.fout.skip, "output circuit", ctx)))
                goto done;
            double ov;
            uint64_t worst = 0;
            double d = distance(&s, flags, NULL, NULL, &ov, &worst);
            if (d > tol) {
                describe(&s, worst, where, sizeof where);
                st = qtr_fail(ctx, QTR_EVERIFY,
                              "not equivalent: random input state %d gives output distance %.3g "
                              "(fidelity %.9f, tolerance %g), largest difference at %s", t, d,
                              ov * ov, tol, where);
                goto done;
            }
        }
    }
    st = QTR_OK;
done:
    free(seen);
    cmp_free(&s);
    return st;
}

qtr_status qtr_sim_equivalent(const qtr_circuit *in, const qtr_circuit *out,
                              const uint32_t *initial_layout, const uint32_t *output_permutation,
                              double tol, qtr_ctx *ctx)
{
    return qtr_sim_compare(in, out, initial_layout, output_permutation, tol, 0, ctx);
}

/* ---- classical control: every measurement outcome ------------------------------
 *
 * A circuit with mid-circuit measurements, resets and conditions is a tree
 * of branches, one per sequence of outcomes. qtr_sim_branches walks it depth
 * first: at a measurement (or reset) the state is projected onto each outcome
 * of probability above min_prob, renormalised, and the rest of the circuit
 * run on it; conditions are read from the branch's classical bits. One state
 * copy per level of depth. */

typedef struct {
    const qtr_circuit *c;
    uint32_t nq;
    const uint32_t *map;
    double min_prob;
    qtr_sim_leaf_fn leaf;
    void *user;
    uint8_t *clbits;
    qtr_ctx *ctx;
} branch_walk;

static int cond_holds(const qtr_circuit *c, const qtr_inst *in, const uint8_t *clbits)
{
    qtr_cond k;
    if (!qtr_inst_cond(c, in, &k)) return 1;
    uint32_t first, size;
    qtr_cond_clbits(c, &k, &first, &size);
    for (uint32_t j = 0; j < size; j++) {
        unsigned want = j / 32 < k.nwords ? k.words[j / 32] >> (j % 32) & 1u : 0;
        if (clbits[first + j] != want) return 0;
    }
    return 1;
}

/* Probability of reading 1 on state qubit q. */
static double prob_one(const cx *st, uint32_t nq, uint32_t q)
{
    double p = 0;
    for (uint64_t i = 0; i < (UINT64_C(1) << nq); i++)
        if (i >> q & 1) p += st[i].re * st[i].re + st[i].im * st[i].im;
    return p;
}

/* Project onto qubit q = b with probability p, renormalised; a reset then
 * moves the amplitudes of |1> to |0>. */
static void project(cx *st, uint32_t nq, uint32_t q, unsigned b, double p, int reset)
{
    double s = 1 / sqrt(p);
    for (uint64_t i = 0; i < (UINT64_C(1) << nq); i++) {
        if ((i >> q & 1) != b) {
            st[i] = (cx){0, 0};
        } else {
            st[i].re *= s;
            st[i].im *= s;
        }
    }
    if (reset && b)
        for (uint64_t i = 0; i < (UINT64_C(1) << nq); i++)
            if (i >> q & 1) {
                st[i ^ (UINT64_C(1) << q)] = st[i];
                st[i] = (cx){0, 0};
            }
}

static qtr_status walk_from(branch_walk *w, cx *st, size_t from, double prob);

/* Instruction i measures or resets: each outcome in turn. */
static qtr_status walk_outcomes(branch_walk *w, cx *st, size_t i, double prob, uint32_t q)
{
    const qtr_inst *in = &w->c->inst[i];
    int reset = in->op == QTR_OP_RESET;
    uint32_t cl = reset ? 0 : qtr_inst_operands(w->c, in)[1];
    size_t dim = (size_t)1 << w->nq;
    double p1 = prob_one(st, w->nq, q), p[2] = {1 - p1, p1};
    qtr_status s = QTR_OK;
    uint8_t saved = reset ? 0 : w->clbits[cl];
    if (p[0] > w->min_prob && p[1] > w->min_prob) {   /* both: outcome 0 on a copy */
        cx *copy = malloc(dim * sizeof *copy);
        if (!copy) return qtr_fail(w->ctx, QTR_ENOMEM, "%s: a state of %u qubits", __func__, w->nq);
        memcpy(copy, st, dim * sizeof *copy);
        project(copy, w->nq, q, 0, p[0], reset);
        if (!reset) w->clbits[cl] = 0;
        s = walk_from(w, copy, i + 1, prob * p[0]);
        free(copy);
        if (s) return s;
    }
    unsigned b = p[1] > w->min_prob;   /* the one outcome left, on st itself */
    if (p[b] <= w->min_prob) return QTR_OK;   /* min_prob >= 1/2: nothing to follow */
    project(st, w->nq, q, b, p[b], reset);
    if (!reset) w->clbits[cl] = (uint8_t)b;
    s = walk_from(w, st, i + 1, prob * p[b]);
    if (!reset) w->clbits[cl] = saved;
    return s;
}

static qtr_status walk_from(branch_walk *w, cx *st, size_t from, double prob)
{
    const qtr_circuit *c = w->c;
    double m[2 * 32 * 32];
    for (size_t i = from; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        const qtr_gate_info *g = qtr_gate((qtr_op)in->op);
        if (g->props & QTR_GP_DIRECTIVE) continue;
        if (in->op == QTR_OP_OPAQUE)
            return qtr_fail(w->ctx, QTR_EUNSUPPORTED, "%s: instruction %zu applies a gate "
                            "without a definition", __func__, i);
        if (!cond_holds(c, in, w->clbits)) continue;
        const uint32_t *ops = qtr_inst_operands(c, in);
        uint32_t nq = in->op == QTR_OP_MEASURE ? 1 : g->nqubits, qs[5];
        for (uint32_t j = 0; j < nq; j++) {
            qs[j] = w->map ? w->map[ops[j]] : ops[j];
            if (qs[j] >= w->nq)
                return qtr_fail(w->ctx, QTR_EQUBIT, "%s: instruction %zu ('%s') uses qubit %u, "
                                "which is not simulated", __func__, i, g->name, ops[j]);
        }
        if (g->props & QTR_GP_NONUNITARY) return walk_outcomes(w, st, i, prob, qs[0]);
        qtr_gate_matrix((qtr_op)in->op, qtr_inst_params(c, in), m);
        apply_any(st, w->nq, (const cx *)m, g->nqubits, qs);
    }
    apply_phase(st, UINT64_C(1) << w->nq, c->global_phase);
    w->leaf(w->user, w->clbits, prob, (const double *)st, w->nq);
    return QTR_OK;
}

qtr_status qtr_sim_branches(const qtr_circuit *c, const double *state, uint32_t nqubits,
                            const uint32_t *qubit_map, double min_prob, qtr_sim_leaf_fn leaf,
                            void *user, qtr_ctx *ctx)
{
    if (nqubits == 0 || nqubits > QTR_SIM_MAX_QUBITS)
        return qtr_fail(ctx, QTR_ELIMIT, "%s: %u qubits, 1..%d", __func__, nqubits,
                        QTR_SIM_MAX_QUBITS);
    if (qtr_circuit_is_symbolic(c))
        return qtr_fail(ctx, QTR_EINVAL, "%s: the circuit has unbound parameters", __func__);
    if (!qubit_map && c->nqubits > nqubits)
        return qtr_fail(ctx, QTR_EQUBIT, "%s: circuit of %u qubits on a state of %u", __func__,
                        c->nqubits, nqubits);
    size_t dim = (size_t)1 << nqubits;
    cx *st = malloc(dim * sizeof *st);
    uint8_t *bits = calloc(c->nclbits ? c->nclbits : 1, 1);
    qtr_status s = QTR_OK;
    if (!st || !bits) {
        s = qtr_fail(ctx, QTR_ENOMEM, "%s: a state of %u qubits", __func__, nqubits);
    } else {
        memcpy(st, state, dim * sizeof *st);
        branch_walk w = {c, nqubits, qubit_map, min_prob, leaf, user, bits, ctx};
        s = walk_from(&w, st, 0, 1.0);
    }
    free(st);
    free(bits);
    return s;
}
