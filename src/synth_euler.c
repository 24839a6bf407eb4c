/* synth_euler.c -- 1-qubit Euler synthesis: any 2×2 unitary into the
 * shortest gate sequence of one Euler basis (ZSX, ZSXX, U3, U, U321, ZYZ,
 * ZXZ, XYX, PSX), plus the choice of Euler basis for a target's gate set.
 *
 * Owns nothing and allocates nothing; borrows the input matrix and writes into
 * the caller's gate array. Pure functions of their arguments: safe from any
 * thread, deterministic, no global state.
 *
 * Method. Every U(2) matrix m is written once as
 *     m = e^{iα} · Rz(φ) · Ry(θ) · Rz(λ),   θ ∈ [0, π]
 * (zyz_angles below), and each basis is derived from that one triple by
 * exact identities (verified numerically by tests/unit/test_euler.cc):
 *     u3(θ,φ,λ)   = e^{i(φ+λ)/2} Rz(φ) Ry(θ) Rz(λ)
 *     Ry(θ)       = e^{-iπ/2} Rz(π) · SX · Rz(θ−π) · SX          (two sx)
 *     Ry(π/2)     = e^{-iπ/4} Rz(π/2) · SX · Rz(−π/2)              (one sx)
 *     Rx(θ)       = Rz(−π/2) Ry(θ) Rz(π/2)                        (ZXZ)
 *     Rx(a)       = Ry(π/2) Rz(a) Ry(−π/2)                        (XYX: ZYZ of
 *                                                  Ry(−π/2)·m·Ry(π/2))
 *     p(a)        = e^{ia/2} Rz(a)                                (PSX)
 * The forms and their simplifications follow Qiskit's
 * OneQubitEulerDecomposer (crates/synthesis/src/euler_one_qubit_decomposer.rs,
 * see design/ALGORITHMS.md §6.1); this is an independent implementation.
 *
 * Gate order: out[0] acts first, so the matrix product is
 * out[n-1] ··· out[1] · out[0], and that product times e^{i·phase} is m.
 *
 * Precision. The angles come from atan2 of entries whose magnitude multiplies
 * them, so an angle that is ill-defined (φ−λ when θ = 0, φ+λ when θ = π) can
 * only be wrong where it does not matter: reconstruction error stays near
 * 1e-15 for every θ including the degenerate ends. Angles are reduced into
 * (−π, π]; rz/rx/ry have period 4π, so each reduction by 2πk adds πk to the
 * global phase, which is how the phase stays exact.
 *
 * Tolerance. EULER_TOL = 1e-12 rad (Qiskit's ANGLE_ZERO_EPSILON) decides
 * "θ is 0 / π/2 / π" and "this rotation is the identity" (mod 2π). Dropping
 * or snapping by δ < 1e-12 changes the matrix by at most δ (≤ δ/2 for
 * rotations), so outputs reproduce m to ~1e-12 in the worst case and to
 * ~1e-15 away from those decision boundaries. */
#include <math.h>
#include <string.h>

#include "common.h"
#include "mat2.h"
#include "pass.h"

#define EULER_TOL 1e-12

/* ======================================================================
 * Angles
 * ====================================================================== */

typedef struct {
    double theta, phi, lam, alpha; /* m = e^{iα} Rz(φ) Ry(θ) Rz(λ) */
} zyz_t;

/* ZYZ angles of m. Rz(φ)Ry(θ)Rz(λ) is the SU(2) matrix
 *     [[ e^{-is} C, −e^{-it} S ],     s = (φ+λ)/2, t = (φ−λ)/2,
 *      [ e^{ it} S,  e^{ is} C ]]     C = cos θ/2, S = sin θ/2,
 * so we divide m by a square root e^{iσ} of its determinant, read p = e^{-is}C
 * and q = e^{it}S (each averaged over its two entries, which also absorbs
 * slight non-unitarity symmetrically), and take θ = 2·atan2(|q|, |p|), which
 * is well-conditioned over the whole range (unlike acos or asin). Either
 * square root of det is fine: the other one just flips the sign of p and q,
 * which shifts s and t by π and gives another valid triple. */
static void zyz_angles(const double m[8], zyz_t *z)
{
    double dre, dim;
    qtr_m2_det(m, &dre, &dim);
    double sigma = 0.5 * atan2(dim, dre);
    double c = cos(sigma), s = sin(sigma);
    /* v = m · e^{-iσ} */
    double v[8];
    for (int k = 0; k < 8; k += 2) {
        v[k] = m[k] * c + m[k + 1] * s;
        v[k + 1] = m[k + 1] * c - m[k] * s;
    }
    double pre = 0.5 * (v[0] + v[6]), pim = 0.5 * (v[1] - v[7]); /* (v00 + conj v11)/2 */
    double qre = 0.5 * (v[4] - v[2]), qim = 0.5 * (v[5] + v[3]); /* (v10 − conj v01)/2 */
    double hs = -atan2(pim, pre); /* s = (φ+λ)/2 */
    double ht = atan2(qim, qre);  /* t = (φ−λ)/2 */
    /* plain sqrt rather than hypot: |p|, |q| ≤ ~1, so squares cannot
     * overflow, and an underflow only happens where the angle is exact anyway */
    z->theta = 2 * atan2(sqrt(qre * qre + qim * qim), sqrt(pre * pre + pim * pim));
    z->phi = hs + ht;
    z->lam = hs - ht;
    z->alpha = sigma;
}

/* ======================================================================
 * Gate sequences under construction
 * ====================================================================== */

typedef struct {
    qtr_gate1q g[QTR_EULER_MAX_GATES];
    int n;
    double phase; /* product · e^{i·phase} = m */
} seq_t;

static void seq_init(seq_t *s, double phase)
{
    s->n = 0;
    s->phase = phase;
}

static void seq_push(seq_t *s, qtr_op op, double a, double b, double c)
{
    QTR_ASSERT(s->n < QTR_EULER_MAX_GATES);
    qtr_gate1q *g = &s->g[s->n++];
    memset(g, 0, sizeof *g); /* padding too, so outputs are byte-reproducible */
    g->op = (uint8_t)op;
    g->params[0] = a;
    g->params[1] = b;
    g->params[2] = c;
}

/* rz/rx/ry by angle a: reduce into (−π, π], paying π per 2π of reduction in
 * the phase (rot(a + 2πk) = (−1)^k rot(a)); omit it when it is the identity. */
static void seq_rot(seq_t *s, qtr_op op, double a)
{
    double k;
    a = qtr_m2_wrap(a, &k);
    s->phase += QTR_PI * k;
    if (fabs(a) < EULER_TOL) return;
    seq_push(s, op, a, 0, 0);
}

/* A z rotation Rz(a) in the rz/sx family: as rz, or (PSX) as p(a) with
 * Rz(a) = e^{-ia/2} p(a); p has period 2π, so its reduction is free. */
static void seq_z(seq_t *s, int use_p, double a)
{
    if (!use_p) {
        seq_rot(s, QTR_OP_RZ, a);
        return;
    }
    s->phase -= 0.5 * a;
    a = qtr_m2_wrap(a, NULL);
    if (fabs(a) < EULER_TOL) return;
    seq_push(s, QTR_OP_P, a, 0, 0);
}

/* ======================================================================
 * Basis families
 * ====================================================================== */

/* K(φ)·A(θ)·K(λ) bases (ZYZ, ZXZ, XYX) for m = e^{iα} K(φ) A(θ) K(λ), where
 * (K, A) behave like (Rz, Ry): A(π) K(λ) = K(−λ) A(π) and
 * K(π) A(−θ) K(π) = −A(θ). */
static void gen_kak(seq_t *best, qtr_op kop, qtr_op aop, double theta, double phi,
                    double lam, double alpha)
{
    if (theta < EULER_TOL) { /* A(θ) ≈ I: the two K merge */
        seq_init(best, alpha);
        seq_rot(best, kop, phi + lam);
        return;
    }
    if (QTR_PI - theta < EULER_TOL) { /* move K(λ) through A(π) */
        phi -= lam;
        lam = 0;
    }
    /* Two equivalent triples: (φ, θ, λ) and (φ+π, −θ, λ+π) with phase +π.
     * The second turns outer angles of ±π into 0, so it is shorter exactly
     * when more of φ, λ sit at ±π than at 0; keep whichever is shorter. */
    seq_t alt;
    seq_init(best, alpha);
    seq_rot(best, kop, lam);
    seq_rot(best, aop, theta);
    seq_rot(best, kop, phi);
    seq_init(&alt, alpha + QTR_PI);
    seq_rot(&alt, kop, lam + QTR_PI);
    seq_rot(&alt, aop, -theta);
    seq_rot(&alt, kop, phi + QTR_PI);
    if (alt.n < best->n) *best = alt;
}

/* rz·sx·rz·sx·rz with the θ = 0 and θ = π/2 short forms (ZSX, ZSXX, PSX). */
static void sx_general(seq_t *s, int use_p, int use_x, double theta, double phi,
                       double lam, double alpha)
{
    /* Rz(φ)Ry(θ)Rz(λ) = e^{-iπ/2} Rz(φ+π)·SX·Rz(θ−π)·SX·Rz(λ) */
    seq_init(s, alpha - 0.5 * QTR_PI);
    seq_z(s, use_p, lam);
    double k, mid = qtr_m2_wrap(theta - QTR_PI, &k);
    if (use_x && fabs(mid) < EULER_TOL) {
        /* SX·Rz(2πk)·SX = (−1)^k X, since SX² = X exactly */
        s->phase += QTR_PI * k;
        seq_push(s, QTR_OP_X, 0, 0, 0);
    } else {
        seq_push(s, QTR_OP_SX, 0, 0, 0);
        seq_z(s, use_p, theta - QTR_PI);
        seq_push(s, QTR_OP_SX, 0, 0, 0);
    }
    seq_z(s, use_p, phi + QTR_PI);
}

static void gen_sx(seq_t *best, int use_p, int use_x, double theta, double phi, double lam,
                   double alpha)
{
    if (theta < EULER_TOL) { /* no sx: one z rotation */
        seq_init(best, alpha);
        seq_z(best, use_p, phi + lam);
        return;
    }
    if (fabs(theta - 0.5 * QTR_PI) < EULER_TOL) { /* one sx */
        seq_init(best, alpha - 0.25 * QTR_PI);
        seq_z(best, use_p, lam - 0.5 * QTR_PI);
        seq_push(best, QTR_OP_SX, 0, 0, 0);
        seq_z(best, use_p, phi + 0.5 * QTR_PI);
        return;
    }
    if (QTR_PI - theta < EULER_TOL) { /* Ry(π)Rz(λ) = Rz(−λ)Ry(π) */
        phi -= lam;
        lam = 0;
    }
    /* as in gen_kak, (φ+π, −θ, λ+π) with phase +π is the same unitary */
    seq_t alt;
    sx_general(best, use_p, use_x, theta, phi, lam, alpha);
    sx_general(&alt, use_p, use_x, -theta, phi + QTR_PI, lam + QTR_PI, alpha + QTR_PI);
    if (alt.n < best->n) *best = alt;
}

/* m = e^{i·phase} u3(θ, φ, λ), canonical at the ends: at θ ≈ 0 only φ+λ
 * matters and goes into λ; at θ ≈ π only φ−λ matters (u3(π,φ,λ) =
 * e^{iλ} u3(π, φ−λ, 0)). φ, λ reduced into (−π, π] (u3 has period 2π in both). */
static void u3_params(const zyz_t *z, double *theta, double *phi, double *lam, double *phase)
{
    double t = z->theta, f = z->phi, l = z->lam;
    *phase = z->alpha - 0.5 * (f + l);
    if (t < EULER_TOL) {
        t = 0;
        l += f;
        f = 0;
    } else if (QTR_PI - t < EULER_TOL) {
        *phase += l;
        f -= l;
        l = 0;
    }
    *theta = t;
    *phi = qtr_m2_wrap(f, NULL);
    *lam = qtr_m2_wrap(l, NULL);
}

static void gen_u(seq_t *s, const zyz_t *z, qtr_euler_basis basis)
{
    double theta, phi, lam, phase;
    u3_params(z, &theta, &phi, &lam, &phase);
    seq_init(s, phase);
    if (theta == 0) { /* diag(1, e^{iλ}) */
        if (fabs(lam) < EULER_TOL) return;
        if (basis == QTR_EULER_U321) {
            seq_push(s, QTR_OP_U1, lam, 0, 0);
            return;
        }
    } else if (basis == QTR_EULER_U321 && fabs(theta - 0.5 * QTR_PI) < EULER_TOL) {
        seq_push(s, QTR_OP_U2, phi, lam, 0); /* u2(φ,λ) = u3(π/2, φ, λ) */
        return;
    }
    seq_push(s, basis == QTR_EULER_U ? QTR_OP_U : QTR_OP_U3, theta, phi, lam);
}

/* ======================================================================
 * API
 * ====================================================================== */

int qtr_euler_synth(const double m[8], qtr_euler_basis basis, qtr_gate1q *out, int cap,
                    double *phase)
{
    if (!m || !phase || (unsigned)basis >= QTR_EULER_COUNT) return -1;
    for (int k = 0; k < 8; k++)
        if (!isfinite(m[k])) return -1;

    zyz_t z;
    seq_t s;
    switch (basis) {
    case QTR_EULER_ZYZ:
        zyz_angles(m, &z);
        gen_kak(&s, QTR_OP_RZ, QTR_OP_RY, z.theta, z.phi, z.lam, z.alpha);
        break;
    case QTR_EULER_ZXZ:
        /* Rz(φ)Rx(θ)Rz(λ) = Rz(φ−π/2) Ry(θ) Rz(λ+π/2) */
        zyz_angles(m, &z);
        gen_kak(&s, QTR_OP_RZ, QTR_OP_RX, z.theta, z.phi + 0.5 * QTR_PI,
                z.lam - 0.5 * QTR_PI, z.alpha);
        break;
    case QTR_EULER_XYX: {
        /* Rx(a) = Ry(π/2) Rz(a) Ry(−π/2), so the XYX angles of m are the ZYZ
         * angles of m' = Ry(−π/2)·m·Ry(π/2), whose entries are real sums:
         * Ry(±π/2) = [[1, ∓1], [±1, 1]]/√2. */
        double mp[8];
        for (int k = 0; k < 2; k++) { /* k = 0 real part, 1 imaginary part */
            double a = m[k], b = m[2 + k], c = m[4 + k], d = m[6 + k];
            mp[k] = 0.5 * (a + b + c + d);
            mp[2 + k] = 0.5 * (-a + b - c + d);
            mp[4 + k] = 0.5 * (-a - b + c + d);
            mp[6 + k] = 0.5 * (a - b - c + d);
        }
        zyz_angles(mp, &z);
        gen_kak(&s, QTR_OP_RX, QTR_OP_RY, z.theta, z.phi, z.lam, z.alpha);
        break;
    }
    case QTR_EULER_ZSX:
    case QTR_EULER_ZSXX:
    case QTR_EULER_PSX:
        zyz_angles(m, &z);
        gen_sx(&s, basis == QTR_EULER_PSX, basis == QTR_EULER_ZSXX, z.theta, z.phi, z.lam,
               z.alpha);
        break;
    case QTR_EULER_U3:
    case QTR_EULER_U:
    case QTR_EULER_U321:
        zyz_angles(m, &z);
        gen_u(&s, &z, basis);
        break;
    default:
        return -1;
    }

    if (s.n > cap || (s.n > 0 && !out)) return -1;
    if (s.n > 0) memcpy(out, s.g, (size_t)s.n * sizeof *out);
    *phase = qtr_m2_wrap(s.phase, NULL);
    return s.n;
}

/* Preference when several Euler bases fit a gate set, best first.
 *  1. One-gate bases: U321 (u1 and u2 are cheaper than u3 where they apply,
 *     and Qiskit also drops U3 when U321 is available), then U3, then U
 *     (the same matrix as u3).
 *  2. Three-rotation bases, at most 3 gates: ZYZ, ZXZ, XYX.
 *  3. sx bases, at most 5 gates: ZSXX (x replaces sx·sx at θ = π, so never
 *     longer than ZSX), ZSX, then PSX (same shape as ZSX, for sets with p
 *     but not rz). */
static const struct {
    qtr_euler_basis basis;
    uint8_t nops;
    uint8_t ops[3];
} euler_pref[] = {
    {QTR_EULER_U321, 3, {QTR_OP_U1, QTR_OP_U2, QTR_OP_U3}},
    {QTR_EULER_U3, 1, {QTR_OP_U3}},
    {QTR_EULER_U, 1, {QTR_OP_U}},
    {QTR_EULER_ZYZ, 2, {QTR_OP_RZ, QTR_OP_RY}},
    {QTR_EULER_ZXZ, 2, {QTR_OP_RZ, QTR_OP_RX}},
    {QTR_EULER_XYX, 2, {QTR_OP_RX, QTR_OP_RY}},
    {QTR_EULER_ZSXX, 3, {QTR_OP_RZ, QTR_OP_SX, QTR_OP_X}},
    {QTR_EULER_ZSX, 2, {QTR_OP_RZ, QTR_OP_SX}},
    {QTR_EULER_PSX, 2, {QTR_OP_P, QTR_OP_SX}},
};

int qtr_euler_basis_for(const uint8_t basis[QTR_OP_COUNT])
{
    if (!basis) return -1;
    for (size_t i = 0; i < sizeof euler_pref / sizeof euler_pref[0]; i++) {
        int ok = 1;
        for (int j = 0; j < euler_pref[i].nops; j++)
            if (!basis[euler_pref[i].ops[j]]) ok = 0;
        if (ok) return (int)euler_pref[i].basis;
    }
    return -1;
}
