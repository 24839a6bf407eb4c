/* qasm3_gates.c -- OpenQASM 3's gate modifiers (inv @, pow(k) @, ctrl @,
 * negctrl @ is ctrl between two x gates, done by the caller) resolved into
 * table gates, exactly: global phase included, since a phase becomes a
 * relative phase once the gate is controlled.
 *
 * How a gate G (table op with parameters) under (inverse?, power k, controls
 * C) becomes instructions:
 *  - integer k: G repeated |k| times, inverted when k < 0;
 *  - other k: rotations scale their angle (Qiskit's power of a rotation),
 *    z/s/t/sdg/tdg become p(k*angle), a controlled table gate raises its
 *    target gate, and any other 1- or 2-qubit gate goes through its matrix
 *    raised on the principal branch (2 qubits: eigenvectors by LAPACK's
 *    complex Schur form, then the KAK synthesis of src/synth_kak.c into cx
 *    and 1-qubit gates); gates of 3+ qubits without such a form are refused;
 *  - inverse: qtr_gate_inverse, or the inverse of the gate's definition;
 *  - controls: the table's controlled gate when there is one (x -> cx, ccx,
 *    c3x, c4x; z -> cz, ccz; rz -> crz; swap -> cswap; ...); else a 1-qubit
 *    gate with one control is one cu(theta, phi, lambda, gamma) from its
 *    matrix's Euler angles and phase, with more controls Barenco et al.'s
 *    lemma 7.5 (Phys. Rev. A 52, 3457, 1995): C^n(U) from C(V), C(V^-1),
 *    C^(n-1)(V) and two C^(n-1)(X), V^2 = U; a multi-qubit gate goes through
 *    its definition (io/qelib1.c), each gate controlled, plus the phase by
 *    which the definition differs from the table's matrix (simulated once).
 *
 * Owns nothing; allocates only a scratch circuit while decomposing by
 * definition. */
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lapacke.h>
#include "common.h"
#include "mat2.h"
#include "pass.h"
#include "qasm3_internal.h"
#include "qasm_internal.h"
#include "qtr_io.h"
#include "sim.h"

/* Controls one gate may carry (the operand list of a table gate is short;
 * beyond this the decomposition would be astronomically long anyway). */
#define MAX_CONTROLS 64

typedef double complex cplx;

static cplx entry(const double *m, int i) { return CMPLX(m[2 * i], m[2 * i + 1]); }

static void set_entry(double *m, int i, cplx v)
{
    m[2 * i] = creal(v);
    m[2 * i + 1] = cimag(v);
}

/* The eigenphase of unit-modulus @p l in (-pi, pi]. */
static double phase_of(cplx l)
{
    double t = carg(l);
    return t <= -QTR_PI ? t + 2 * QTR_PI : t;
}

void qtr_q3_matrix_power(const double m[8], double k, double out[8])
{
    cplx a = entry(m, 0), b = entry(m, 1), c = entry(m, 2), d = entry(m, 3);
    cplx tr = a + d, det = a * d - b * c;
    cplx disc = csqrt(tr * tr - 4 * det);
    cplx l1 = (tr + disc) / 2, l2 = (tr - disc) / 2;
    cplx f1 = cexp(CMPLX(0, k * phase_of(l1))), f2 = cexp(CMPLX(0, k * phase_of(l2)));
    if (cabs(l1 - l2) < 1e-9) {
        /* a unitary with one eigenvalue is that multiple of the identity */
        set_entry(out, 0, f1);
        set_entry(out, 1, 0);
        set_entry(out, 2, 0);
        set_entry(out, 3, f1);
        return;
    }
    /* spectral projectors: P1 = (M - l2)/(l1 - l2), P2 = (M - l1)/(l2 - l1) */
    cplx w1 = f1 / (l1 - l2), w2 = f2 / (l2 - l1);
    set_entry(out, 0, w1 * (a - l2) + w2 * (a - l1));
    set_entry(out, 1, (w1 + w2) * b);
    set_entry(out, 2, (w1 + w2) * c);
    set_entry(out, 3, w1 * (d - l2) + w2 * (d - l1));
}

static qtr_status unsupported(qtr_q3_sink *s, const char *what, qtr_op op)
{
    return qtr_fail(s->ctx, QTR_EUNSUPPORTED, "unsupported in this version: %s of '%s'", what,
                    qtr_gate(op)->name);
}

/* ---- controlled table gates -------------------------------------------------- */

/* The table gate that is @p op under @p k more controls (controls first), or
 * QTR_OP_NOP. */
static qtr_op controlled(qtr_op op, uint32_t k)
{
    static const qtr_op mcx[] = {QTR_OP_X, QTR_OP_CX, QTR_OP_CCX, QTR_OP_C3X, QTR_OP_C4X};
    uint32_t have;
    switch (op) {
    case QTR_OP_X: have = 0; break;
    case QTR_OP_CX: have = 1; break;
    case QTR_OP_CCX: have = 2; break;
    case QTR_OP_C3X: have = 3; break;
    case QTR_OP_Z: return k == 1 ? QTR_OP_CZ : k == 2 ? QTR_OP_CCZ : QTR_OP_NOP;
    case QTR_OP_CZ: return k == 1 ? QTR_OP_CCZ : QTR_OP_NOP;
    case QTR_OP_SX: return k == 1 ? QTR_OP_CSX : k == 3 ? QTR_OP_C3SQRTX : QTR_OP_NOP;
    case QTR_OP_CSX: return k == 2 ? QTR_OP_C3SQRTX : QTR_OP_NOP;
    default: {
        static const qtr_op one[][2] = {
            {QTR_OP_Y, QTR_OP_CY},     {QTR_OP_H, QTR_OP_CH},     {QTR_OP_S, QTR_OP_CS},
            {QTR_OP_SDG, QTR_OP_CSDG}, {QTR_OP_SWAP, QTR_OP_CSWAP}, {QTR_OP_P, QTR_OP_CP},
            {QTR_OP_U1, QTR_OP_CU1},   {QTR_OP_RX, QTR_OP_CRX},   {QTR_OP_RY, QTR_OP_CRY},
            {QTR_OP_RZ, QTR_OP_CRZ},   {QTR_OP_U3, QTR_OP_CU3},
        };
        if (k != 1) return QTR_OP_NOP;
        for (size_t i = 0; i < sizeof one / sizeof one[0]; i++)
            if (one[i][0] == op) return one[i][1];
        return QTR_OP_NOP;
    }
    }
    return have + k < sizeof mcx / sizeof mcx[0] ? mcx[have + k] : QTR_OP_NOP;
}

/* The inverse of controlled(): a table gate that is @p *base under its first
 * @p *m qubits as controls. 0 when @p op is not one. */
static int decontrolled(qtr_op op, qtr_op *base, uint32_t *m)
{
    static const struct { qtr_op op, base; uint8_t m; } rows[] = {
        {QTR_OP_CX, QTR_OP_X, 1},     {QTR_OP_CCX, QTR_OP_X, 2},    {QTR_OP_C3X, QTR_OP_X, 3},
        {QTR_OP_C4X, QTR_OP_X, 4},    {QTR_OP_CY, QTR_OP_Y, 1},     {QTR_OP_CZ, QTR_OP_Z, 1},
        {QTR_OP_CCZ, QTR_OP_Z, 2},    {QTR_OP_CH, QTR_OP_H, 1},     {QTR_OP_CSX, QTR_OP_SX, 1},
        {QTR_OP_C3SQRTX, QTR_OP_SX, 3}, {QTR_OP_CS, QTR_OP_S, 1},   {QTR_OP_CSDG, QTR_OP_SDG, 1},
        {QTR_OP_CSWAP, QTR_OP_SWAP, 1}, {QTR_OP_CP, QTR_OP_P, 1},   {QTR_OP_CU1, QTR_OP_U1, 1},
        {QTR_OP_CRX, QTR_OP_RX, 1},   {QTR_OP_CRY, QTR_OP_RY, 1},   {QTR_OP_CRZ, QTR_OP_RZ, 1},
        {QTR_OP_CU3, QTR_OP_U3, 1},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (rows[i].op == op) {
            *base = rows[i].base;
            *m = rows[i].m;
            return 1;
        }
    return 0;
}

/* Controls @p ctrl followed by @p q[0 .. m) into @p out. */
static qtr_status join_controls(qtr_q3_sink *s, const uint32_t *ctrl, uint32_t nctrl,
                                const uint32_t *q, uint32_t m, uint32_t *out)
{
    if (nctrl + m > MAX_CONTROLS)
        return qtr_fail(s->ctx, QTR_ELIMIT, "more than %d controls on one gate", MAX_CONTROLS);
    memcpy(out, ctrl, nctrl * sizeof *ctrl);
    memcpy(out + nctrl, q, m * sizeof *q);
    return QTR_OK;
}

/* ---- 1-qubit matrices ---------------------------------------------------------- */

/* m = exp(i*gamma) * U(theta, phi, lambda): the angles in p[0..2], gamma in p[3]. */
static qtr_status euler_angles(qtr_q3_sink *s, const double m[8], double p[4])
{
    qtr_gate1q g[QTR_EULER_MAX_GATES];
    double phase = 0;
    int n = qtr_euler_synth(m, QTR_EULER_U, g, QTR_EULER_MAX_GATES, &phase);
    if (n < 0 || n > 1)
        return qtr_fail(s->ctx, QTR_EINVAL, "a matrix under a gate modifier is not unitary");
    p[0] = p[1] = p[2] = 0;
    if (n == 1) memcpy(p, g[0].params, 3 * sizeof *p);
    p[3] = phase;
    return QTR_OK;
}

qtr_status qtr_q3_gphase(qtr_q3_sink *s, double a, const uint32_t *ctrl, uint32_t nctrl)
{
    if (!nctrl) {
        *s->phase += a;
        return QTR_OK;
    }
    /* ctrl(n) @ gphase(a) is a phase gate on the last control under the rest */
    return qtr_q3_apply(s, QTR_OP_P, &a, &ctrl[nctrl - 1], ctrl, nctrl - 1, 0, 1);
}

qtr_status qtr_q3_apply_matrix(qtr_q3_sink *s, const double m[8], uint32_t q, const uint32_t *ctrl,
                               uint32_t nctrl)
{
    qtr_status st;
    double p[4];
    if (nctrl <= 1) {
        if ((st = euler_angles(s, m, p))) return st;
        if (!nctrl) {
            *s->phase += p[3];
            return s->append(s->user, QTR_OP_U, &q, 1, p);
        }
        uint32_t qq[2] = {ctrl[0], q};
        return s->append(s->user, QTR_OP_CU, qq, 2, p);
    }
    /* Barenco lemma 7.5 with V = sqrt(m) */
    double v[8], vd[8];
    qtr_q3_matrix_power(m, 0.5, v);
    qtr_m2_dagger(v, vd);
    uint32_t last = ctrl[nctrl - 1];
    if ((st = qtr_q3_apply_matrix(s, v, q, &last, 1)) ||
        (st = qtr_q3_apply(s, QTR_OP_X, NULL, &last, ctrl, nctrl - 1, 0, 1)) ||
        (st = qtr_q3_apply_matrix(s, vd, q, &last, 1)) ||
        (st = qtr_q3_apply(s, QTR_OP_X, NULL, &last, ctrl, nctrl - 1, 0, 1)))
        return st;
    return qtr_q3_apply_matrix(s, v, q, ctrl, nctrl - 1);
}

/* ---- through a definition --------------------------------------------------------- */

/* The phase d with body = exp(i d) * gate, from the largest entry of the
 * gate's matrix. */
static double definition_phase(const double *gate, const double *body, size_t n)
{
    size_t best = 0;
    double big = -1;
    for (size_t i = 0; i < n; i++) {
        double a = hypot(gate[2 * i], gate[2 * i + 1]);
        if (a > big) {
            big = a;
            best = i;
        }
    }
    return carg(entry(body, (int)best) / entry(gate, (int)best));
}

/* @p op through its definition in io/qelib1.c, each gate of the body under
 * the controls (in reverse and inverted when @p inv). */
static qtr_status by_definition(qtr_q3_sink *s, qtr_op op, const double *params, const uint32_t *q,
                                const uint32_t *ctrl, uint32_t nctrl, int inv)
{
    const qtr_gate_info *g = qtr_gate(op);
    qtr_circuit *d = qtr_circuit_new(0);
    if (!d) return qtr_fail(s->ctx, QTR_ENOMEM, "out of memory");
    uint32_t idx[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    double *u = NULL, *gm = NULL;
    size_t dim = (size_t)1 << g->nqubits;
    qtr_status st = qtr_circuit_add_qreg(d, "q", g->nqubits, s->ctx);
    if (!st) st = qtr_qasm_gate_definition(op, params, idx, d, s->ctx);
    if (st == QTR_EUNSUPPORTED) st = unsupported(s, "this modifier", op);
    if (!st) st = qtr_sim_unitary(d, &u, s->ctx);
    if (!st && !(gm = malloc(dim * dim * 2 * sizeof *gm))) st = qtr_fail(s->ctx, QTR_ENOMEM, "out of memory");
    if (!st) st = qtr_gate_matrix(op, params, gm);
    double delta = st ? 0 : definition_phase(gm, u, dim * dim);
    free(u);
    free(gm);
    for (size_t k = 0; k < d->ninst && !st; k++) {
        const qtr_inst *in = &d->inst[inv ? d->ninst - 1 - k : k];
        const uint32_t *o = qtr_inst_operands(d, in);
        uint32_t mapped[8];
        for (uint32_t j = 0; j < in->nargs; j++) mapped[j] = q[o[j]];
        st = qtr_q3_apply(s, (qtr_op)in->op, qtr_inst_params(d, in), mapped, ctrl, nctrl, inv, 1);
    }
    /* body = exp(i delta) gate, so gate = exp(-i delta) body */
    if (!st) st = qtr_q3_gphase(s, (inv ? 1 : -1) * delta, ctrl, nctrl);
    qtr_circuit_free(d);
    return st;
}

/* ---- powers -------------------------------------------------------------------------- */

/* @p m (a 4x4 unitary) to the real power @p k on the principal branch
 * (eigenphases in (-pi, pi], as for one qubit): Z diag(l^k) Z* from its
 * complex Schur form m = Z T Z*, T diagonal for a unitary. @return 0, or -1
 * when the eigensolver fails or T is not diagonal. */
static int matrix4_power(const double m[32], double k, double out[32])
{
    cplx a[16], w[4], z[16], d[4];
    for (int i = 0; i < 16; i++) a[i] = entry(m, i);
    lapack_int sdim = 0;
    if (LAPACKE_zgees(LAPACK_ROW_MAJOR, 'V', 'N', NULL, 4, a, 4, &sdim, w, z, 4)) return -1;
    for (int i = 0; i < 4; i++)
        for (int j = i + 1; j < 4; j++)
            if (cabs(a[i * 4 + j]) > 1e-9) return -1;
    for (int i = 0; i < 4; i++) d[i] = cexp(I * k * phase_of(w[i]));
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            cplx e = 0;
            for (int l = 0; l < 4; l++) e += z[i * 4 + l] * d[l] * conj(z[j * 4 + l]);
            set_entry(out, i * 4 + j, e);
        }
    return 0;
}

qtr_status qtr_q3_apply_matrix4(qtr_q3_sink *s, const double m[32], const uint32_t q[2],
                                const uint32_t *ctrl, uint32_t nctrl)
{
    qtr_kak_basis kb;
    qtr_kak_synthesis syn;
    qtr_status st;
    if ((st = qtr_kak_basis_init(&kb, QTR_OP_CX, s->ctx)) ||
        (st = qtr_kak_synth(m, &kb, 1.0, &syn, s->ctx)))
        return st;
    for (int i = 0; i <= syn.n2q; i++) {
        if (i && (st = qtr_q3_apply(s, QTR_OP_CX, NULL, q, ctrl, nctrl, 0, 1))) return st;
        if ((st = qtr_q3_apply_matrix(s, syn.layer[i][0], q[0], ctrl, nctrl)) ||
            (st = qtr_q3_apply_matrix(s, syn.layer[i][1], q[1], ctrl, nctrl)))
            return st;
    }
    return syn.phase != 0 ? qtr_q3_gphase(s, syn.phase, ctrl, nctrl) : QTR_OK;
}

qtr_status qtr_q3_matrix4_power(qtr_q3_sink *s, const double m[32], double k, const char *what,
                                double out[32])
{
    if (matrix4_power(m, k, out))
        return qtr_fail(s->ctx, QTR_EUNSUPPORTED, "unsupported in this version: a non-integer "
                        "power of %s (its eigenvalues were not found)", what);
    return QTR_OK;
}

/* A non-integer power @p k of op(p). */
static qtr_status fractional(qtr_q3_sink *s, qtr_op op, double *p, const uint32_t *q,
                             const uint32_t *ctrl, uint32_t nctrl, double k)
{
    double angle;
    switch (op) {
    case QTR_OP_RX: case QTR_OP_RY: case QTR_OP_RZ: case QTR_OP_P: case QTR_OP_U1:
    case QTR_OP_CRX: case QTR_OP_CRY: case QTR_OP_CRZ: case QTR_OP_CP: case QTR_OP_CU1:
    case QTR_OP_RXX: case QTR_OP_RYY: case QTR_OP_RZZ: case QTR_OP_RZX:
    case QTR_OP_R: case QTR_OP_XX_PLUS_YY: case QTR_OP_XX_MINUS_YY:
        p[0] *= k;
        return qtr_q3_apply(s, op, p, q, ctrl, nctrl, 0, 1);
    case QTR_OP_ID: return qtr_q3_apply(s, op, p, q, ctrl, nctrl, 0, 1);
    case QTR_OP_Z: angle = QTR_PI; break;
    case QTR_OP_S: angle = QTR_PI / 2; break;
    case QTR_OP_SDG: angle = -QTR_PI / 2; break;
    case QTR_OP_T: angle = QTR_PI / 4; break;
    case QTR_OP_TDG: angle = -QTR_PI / 4; break;
    default: {
        qtr_op base;
        uint32_t m;
        uint32_t all[MAX_CONTROLS];
        qtr_status st;
        if (decontrolled(op, &base, &m)) {
            if ((st = join_controls(s, ctrl, nctrl, q, m, all))) return st;
            return fractional(s, base, p, q + m, all, nctrl + m, k);
        }
        double mat[8], mk[8];
        if (op == QTR_OP_CU) {   /* exp(i gamma) U(theta, phi, lambda) under one control */
            if ((st = qtr_gate_matrix(QTR_OP_U, p, mat))) return st;
            qtr_m2_mul_phase(mat, p[3]);
            if ((st = join_controls(s, ctrl, nctrl, q, 1, all))) return st;
            qtr_q3_matrix_power(mat, k, mk);
            return qtr_q3_apply_matrix(s, mk, q[1], all, nctrl + 1);
        }
        if (qtr_gate(op)->nqubits == 2) {   /* its matrix raised, synthesised */
            double m4[32], mk4[32];
            char what[48];
            snprintf(what, sizeof what, "'%s'", qtr_gate(op)->name);
            if ((st = qtr_gate_matrix(op, p, m4)) ||
                (st = qtr_q3_matrix4_power(s, m4, k, what, mk4)))
                return st;
            return qtr_q3_apply_matrix4(s, mk4, q, ctrl, nctrl);
        }
        if (qtr_gate(op)->nqubits != 1)
            return unsupported(s, "a non-integer power", op);
        if ((st = qtr_gate_matrix(op, p, mat))) return st;
        qtr_q3_matrix_power(mat, k, mk);
        return qtr_q3_apply_matrix(s, mk, q[0], ctrl, nctrl);
    }
    }
    double a = angle * k;
    return qtr_q3_apply(s, QTR_OP_P, &a, q, ctrl, nctrl, 0, 1);
}

qtr_status qtr_q3_apply(qtr_q3_sink *s, qtr_op op, const double *params, const uint32_t *q,
                        const uint32_t *ctrl, uint32_t nctrl, int inv, double pw)
{
    const qtr_gate_info *g = qtr_gate(op);
    double p[4] = {0, 0, 0, 0};
    if (params && g->nparams) memcpy(p, params, g->nparams * sizeof *p);
    qtr_status st = QTR_OK;
    for (unsigned k = 0; k < g->nparams; k++) {
        /* an input parameter's angle takes no arithmetic here: only the
         * gate itself or its controlled table gate */
        if (qtr_angle_is_sym(p[k]) && (inv || pw != 1 || (nctrl && controlled(op, nctrl) == QTR_OP_NOP &&
                                                          !(op == QTR_OP_U && nctrl == 1))))
            return unsupported(s, "a modifier with an input parameter", op);
    }
    if (pw != 1) {
        if (pw != floor(pw)) return fractional(s, op, p, q, ctrl, nctrl, inv ? -pw : pw);
        if (fabs(pw) > (double)QTR_QASM_MAX_EXPANSION)
            return qtr_fail(s->ctx, QTR_ELIMIT, "pow(%g) expands to more than %llu instructions",
                            pw, (unsigned long long)QTR_QASM_MAX_EXPANSION);
        uint64_t n = (uint64_t)fabs(pw);
        if (pw < 0) inv = !inv;
        for (uint64_t i = 0; i < n && !st; i++) st = qtr_q3_apply(s, op, p, q, ctrl, nctrl, inv, 1);
        return st;
    }
    if (inv) {
        qtr_op iop;
        double ip[4];
        int swap = 0;
        double ph = 0;
        memcpy(ip, p, sizeof ip);
        st = qtr_gate_inverse(op, p, &iop, ip, &swap, &ph);
        if (st == QTR_EUNSUPPORTED) return by_definition(s, op, p, q, ctrl, nctrl, 1);
        if (st) return qtr_fail(s->ctx, st, "the inverse of '%s'", g->name);
        uint32_t qq[8];
        memcpy(qq, q, g->nqubits * sizeof *q);
        if (swap) {
            qq[0] = q[1];
            qq[1] = q[0];
        }
        if (ph != 0 && (st = qtr_q3_gphase(s, ph, ctrl, nctrl))) return st;
        return qtr_q3_apply(s, iop, ip, qq, ctrl, nctrl, 0, 1);
    }
    if (!nctrl || op == QTR_OP_ID) return s->append(s->user, op, q, g->nqubits, p);
    uint32_t all[MAX_CONTROLS + 8];
    if (op == QTR_OP_U && nctrl == 1) {
        uint32_t qq[2] = {ctrl[0], q[0]};
        p[3] = 0;
        return s->append(s->user, QTR_OP_CU, qq, 2, p);
    }
    qtr_op cop = controlled(op, nctrl);
    if (cop != QTR_OP_NOP) {
        if ((st = join_controls(s, ctrl, nctrl, q, g->nqubits, all))) return st;
        return s->append(s->user, cop, all, nctrl + g->nqubits, p);
    }
    if (g->nqubits == 1) {
        double m[8];
        if ((st = qtr_gate_matrix(op, p, m))) return st;
        return qtr_q3_apply_matrix(s, m, q[0], ctrl, nctrl);
    }
    qtr_op base;
    uint32_t m;
    if (decontrolled(op, &base, &m)) {
        if ((st = join_controls(s, ctrl, nctrl, q, m, all))) return st;
        return qtr_q3_apply(s, base, p, q + m, all, nctrl + m, 0, 1);
    }
    return by_definition(s, op, p, q, ctrl, nctrl, 0);
}
