/* synth_kak.c -- two-qubit synthesis: the Weyl (KAK, Cartan) decomposition of
 * any 4×4 unitary, and its synthesis into the fewest (0-3) applications of a
 * CX-class gate (cx, cy, cz, ch, ecr) with 1-qubit gates in between.
 *
 * Owns nothing and keeps no state: every function works on the caller's
 * buffers and locals (LAPACK's dsyev_work is called with a stack workspace,
 * so nothing is allocated). Safe from any thread; deterministic.
 *
 * ---- The decomposition (Kraus & Cirac, quant-ph/0011050; Tucci,
 * quant-ph/0507171; the numerical recipe follows Qiskit's
 * TwoQubitWeylDecomposition, crates/synthesis/src/two_qubit_decompose/,
 * ALGORITHMS.md §6.4; this is an independent implementation).
 *
 * In the magic basis M (columns: Bell states with phases), local unitaries
 * SU(2)⊗SU(2) become real orthogonal SO(4) and Can(a,b,c) = exp(i(aXX + bYY +
 * cZZ)) becomes diagonal:
 *     M† Can M = diag(e^{i(a−b+c)}, e^{i(−a+b+c)}, e^{i(a+b−c)}, e^{−i(a+b+c)}).
 * For u scaled into SU(4) and up = M† u M, the matrix m2 = upᵀ up is
 * symmetric and unitary, so its real and imaginary parts are commuting real
 * symmetric matrices with a common real orthogonal eigenbasis P (found with
 * LAPACK dsyev on a generic real combination of the two, retried with other
 * combinations until Pᵀ m2 P is diagonal to ~1e-13, as Qiskit does). With
 * Pᵀ m2 P = diag(e^{−2i d}) and det P = +1, K1m = up P diag(e^{i d}) is real
 * orthogonal and up = K1m diag(e^{−i d}) Pᵀ, i.e.
 *     u = e^{iφ} (M K1m M†) · Can(a, b, c) · (M Pᵀ M†),
 *     a = −(d0+d2)/2, b = −(d1+d2)/2, c = −(d0+d1)/2.
 * The two outer factors are tensor products, split by reading one 2×2 block.
 * Finally (a, b, c) is moved into the Weyl chamber π/4 ≥ a ≥ b ≥ |c| by
 * local moves, each exact and each folded into K1/K2/φ:
 *     shift:  Can(x) = Can(x − (π/2)e_j) · i·P_jP_j            (P_j = X, Y, Z)
 *     swap:   Can(a,b,c) = V Can(b,a,c) V†, V = S⊗S (X→Y, Y→−X); likewise
 *             Rx(π/2)⊗Rx(π/2) swaps b,c and Ry(π/2)⊗Ry(π/2) swaps a,c
 *     negate: Can(a,b,c) = (Z⊗I) Can(−a,−b,c) (Z⊗I); Y⊗I negates a,c, X⊗I b,c.
 *
 * ---- Synthesis. Write C = Can(π/4, 0, 0). The basis gate is decomposed once
 * (qtr_kak_basis_init) as G = e^{iβ} B1 C B2, so C = e^{−iβ} B1† G B2†, and it
 * suffices to write Can(a, b, c) with k copies of C and local gates:
 *   k = 0:  Can(0,0,0) = I.
 *   k = 1:  Can(π/4,0,0) = C.
 *   k = 2:  for P anticommuting with XX, C e^{iθP} C† = e^{iθ·iXX·P}, so
 *           C (Rz(−2a)⊗Rz(−2b)) C = e^{i(a·YX + b·XY)} · iXX, and with
 *           V = Hxy⊗I (Hxy = (X+Y)/√2 swaps X and Y):
 *           Can(a,b,0) = −i · V · C · (Rz(−2a)⊗Rz(−2b)) · C · (X·Hxy ⊗ X).
 *           This is exact whenever c = 0: Vatan & Williams (quant-ph/0308006)
 *           and Shende, Bullock & Markov (quant-ph/0308045) show c = 0 is
 *           exactly the 2-CX class.
 *   k = 3:  with G = Y⊗Z (commutes with XX, anticommutes with I⊗X and X⊗I):
 *           e^{i(bYY + cZZ)} = e^{iπ/4 G} (Rx(−2c)⊗Rx(2b)) e^{−iπ/4 G}, so
 *           Can(a,b,c) = e^{i(aXX + π/4 G)} (Rx(−2c)⊗Rx(2b)) e^{−iπ/4 G}; the
 *           first factor is W† Can(a, π/4, 0) W (W = I⊗Rx(−π/2) maps Z→Y on
 *           operand 0), two C by the k = 2 form, and the last is one C:
 *           e^{−iπ/4 YY} = −i (S⊗S) C (X·S†⊗X·S†). Three C in all, which is
 *           optimal for the general case (Vatan & Williams 2004).
 * Every local in these formulas is built below as a pair of 2×2 matrices;
 * tests/unit/test_kak.cc checks the products against the target matrices.
 *
 * Gate counts and approximation: ALGORITHMS.md §6.4. Exact synthesis uses
 * the fewest k whose class the coordinates lie in (to QTR_KAK_EXACT_TOL);
 * approximate synthesis the fewest k whose projection has average gate
 * fidelity (4 + |Tr|²)/20 ≥ the approximation degree. */
#include <complex.h>
#include <math.h>
#include <string.h>

#include <lapacke.h>

#include "common.h"
#include "mat2.h"
#include "pass.h"

typedef double complex cplx;

/* Chamber boundary snapping: a within this of π/4 counts as on the face
 * a = π/4, where (π/4, b, c) and (π/4, b, −c) are the same class. */
#define KAK_FACE_TOL 1e-12
/* Largest off-diagonal entry accepted after the simultaneous diagonalisation;
 * the best of several real combinations is used if none reaches it. */
#define KAK_DIAG_TOL 1e-13
#define KAK_DIAG_TRIES 16
/* Largest accepted |U†U − I| entry at the API boundary. */
#define KAK_UNITARY_TOL 1e-6

/* ======================================================================
 * 2×2 matrices (cplx[4], row-major) and local pairs
 * ====================================================================== */

typedef struct {
    cplx m[2][4]; /* m[q]: the factor on operand q; the 4×4 matrix is m[1] ⊗ m[0] */
} loc_t;

static void m2_mul(const cplx a[4], const cplx b[4], cplx r[4])
{
    cplx t[4] = {a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
                 a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3]};
    memcpy(r, t, sizeof t);
}

static void m2_dag(const cplx a[4], cplx r[4])
{
    cplx t[4] = {conj(a[0]), conj(a[2]), conj(a[1]), conj(a[3])};
    memcpy(r, t, sizeof t);
}

static void m2_set(cplx r[4], cplx a, cplx b, cplx c, cplx d)
{
    r[0] = a;
    r[1] = b;
    r[2] = c;
    r[3] = d;
}

static void m2_eye(cplx r[4]) { m2_set(r, 1, 0, 0, 1); }

/* Rotations exp(-iθσ/2), Qiskit's rx / ry / rz. */
static void m2_rx(cplx r[4], double t)
{
    m2_set(r, cos(t / 2), -I * sin(t / 2), -I * sin(t / 2), cos(t / 2));
}
static void m2_ry(cplx r[4], double t) { m2_set(r, cos(t / 2), -sin(t / 2), sin(t / 2), cos(t / 2)); }
static void m2_rz(cplx r[4], double t) { m2_set(r, cexp(-I * t / 2), 0, 0, cexp(I * t / 2)); }

/* Paulis by index: 0 X, 1 Y, 2 Z (the axis of coordinate a, b, c). */
static void m2_pauli(cplx r[4], int j)
{
    if (j == 0) m2_set(r, 0, 1, 1, 0);
    else if (j == 1) m2_set(r, 0, -I, I, 0);
    else m2_set(r, 1, 0, 0, -1);
}

static void m2_from_flat(const double f[8], cplx r[4])
{
    for (int k = 0; k < 4; k++) r[k] = CMPLX(f[2 * k], f[2 * k + 1]);
}

static void m2_to_flat(const cplx a[4], double f[8])
{
    for (int k = 0; k < 4; k++) {
        f[2 * k] = creal(a[k]);
        f[2 * k + 1] = cimag(a[k]);
    }
}

/* r = a · b factor by factor (r may alias a or b). */
static void loc_mul(const loc_t *a, const loc_t *b, loc_t *r)
{
    for (int q = 0; q < 2; q++) m2_mul(a->m[q], b->m[q], r->m[q]);
}

static void loc_dag(const loc_t *a, loc_t *r)
{
    for (int q = 0; q < 2; q++) m2_dag(a->m[q], r->m[q]);
}

static void loc_eye(loc_t *r)
{
    m2_eye(r->m[0]);
    m2_eye(r->m[1]);
}

/* ======================================================================
 * 4×4 matrices (cplx[16], row-major)
 * ====================================================================== */

static void m4_mul(const cplx a[16], const cplx b[16], cplx r[16])
{
    cplx t[16];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            cplx s = 0;
            for (int k = 0; k < 4; k++) s += a[4 * i + k] * b[4 * k + j];
            t[4 * i + j] = s;
        }
    memcpy(r, t, sizeof t);
}

/* Determinant by Gaussian elimination with partial pivoting. */
static cplx m4_det(const cplx a[16])
{
    cplx m[16];
    memcpy(m, a, sizeof m);
    cplx det = 1;
    for (int col = 0; col < 4; col++) {
        int piv = col;
        for (int r = col + 1; r < 4; r++)
            if (cabs(m[4 * r + col]) > cabs(m[4 * piv + col])) piv = r;
        if (m[4 * piv + col] == 0) return 0;
        if (piv != col) {
            for (int k = 0; k < 4; k++) {
                cplx t = m[4 * col + k];
                m[4 * col + k] = m[4 * piv + k];
                m[4 * piv + k] = t;
            }
            det = -det;
        }
        det *= m[4 * col + col];
        for (int r = col + 1; r < 4; r++) {
            cplx f = m[4 * r + col] / m[4 * col + col];
            for (int k = col; k < 4; k++) m[4 * r + k] -= f * m[4 * col + k];
        }
    }
    return det;
}

/* The magic basis (Qiskit's B_NON_NORMALIZED / √2): columns |Φ+>, i|Φ->,
 * i|Ψ+>, |Ψ->, in the little-endian index order (index = 2·bit1 + bit0). */
static void magic(cplx b[16], cplx bd[16])
{
    const double h = 1.0 / sqrt(2.0);
    const cplx v[16] = {h, I * h, 0, 0,  0, 0, I * h, h,
                        0, 0, I * h, -h, h, -I * h, 0, 0};
    memcpy(b, v, sizeof v);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) bd[4 * i + j] = conj(v[4 * j + i]);
}

/* Split a tensor product k = A ⊗ B (A on operand 1, B on operand 0) exactly:
 * the 2×2 block (i, j) of k is A_ij·B; take the largest block, scale it to
 * determinant 1 to get B, then A_ij = Tr(B† block_ij)/2, so A ⊗ B reproduces
 * k itself (phase included) whenever k is a product. */
static void split_product(const cplx k[16], loc_t *out)
{
    int bi = 0, bj = 0;
    double best = -1;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            double n = 0;
            for (int r = 0; r < 2; r++)
                for (int c = 0; c < 2; c++) {
                    cplx x = k[4 * (2 * i + r) + 2 * j + c];
                    n += creal(x) * creal(x) + cimag(x) * cimag(x);
                }
            if (n > best) {
                best = n;
                bi = i;
                bj = j;
            }
        }
    cplx blk[4];
    for (int r = 0; r < 2; r++)
        for (int c = 0; c < 2; c++) blk[2 * r + c] = k[4 * (2 * bi + r) + 2 * bj + c];
    cplx s = csqrt(blk[0] * blk[3] - blk[1] * blk[2]);
    for (int x = 0; x < 4; x++) out->m[0][x] = blk[x] / s;
    cplx bd[4];
    m2_dag(out->m[0], bd);
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            cplx t = 0;
            for (int r = 0; r < 2; r++)
                for (int c = 0; c < 2; c++) t += bd[2 * c + r] * k[4 * (2 * i + r) + 2 * j + c];
            out->m[1][2 * i + j] = t / 2;
        }
}

/* ======================================================================
 * The decomposition
 * ====================================================================== */

typedef struct {
    double x[3];  /* a, b, c */
    double phase;
    loc_t k1, k2;
} kak_t;

/* Pᵀ m2 P for real P (row-major, P[4i+j] = component i of vector j): its
 * diagonal into d, and the largest off-diagonal modulus returned. */
static double rotate_check(const cplx m2[16], const double p[16], cplx d[4])
{
    double off = 0;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            cplx s = 0;
            for (int r = 0; r < 4; r++) {
                cplx t = 0;
                for (int c = 0; c < 4; c++) t += m2[4 * r + c] * p[4 * c + j];
                s += p[4 * r + i] * t;
            }
            if (i == j) d[i] = s;
            else if (cabs(s) > off) off = cabs(s);
        }
    return off;
}

/* A real orthogonal P with Pᵀ m2 P diagonal. Returns the off-diagonal size
 * reached (≤ KAK_DIAG_TOL normally), or INFINITY if LAPACK failed. The
 * combination angles are fixed (golden-angle sequence), so the result is a
 * pure function of m2. */
static double diagonalise(const cplx m2[16], double p[16], cplx d[4])
{
    double best = INFINITY;
    for (int t = 0; t < KAK_DIAG_TRIES; t++) {
        double th = 0.3 + 2.399963229728653 * t;
        double cr = cos(th), ci = sin(th);
        double a[16], w[4], work[64];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++) {
                cplx s = 0.5 * (m2[4 * i + j] + m2[4 * j + i]);
                a[i + 4 * j] = cr * creal(s) + ci * cimag(s); /* column-major */
            }
        lapack_int info = LAPACKE_dsyev_work(LAPACK_COL_MAJOR, 'V', 'U', 4, a, 4, w, work, 64);
        if (info != 0) continue;
        double pt[16];
        cplx dt[4];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++) pt[4 * i + j] = a[i + 4 * j];
        double off = rotate_check(m2, pt, dt);
        if (off < best) {
            best = off;
            memcpy(p, pt, sizeof pt);
            memcpy(d, dt, sizeof dt);
        }
        if (best <= KAK_DIAG_TOL) break;
    }
    return best;
}

/* Local moves (see the file comment), each keeping
 * u = e^{iφ} K1 Can(x) K2 true. */
static void move_shift(kak_t *k, int j, double n)
{
    k->x[j] -= n * (QTR_PI / 2);
    k->phase += n * (QTR_PI / 2);
    if (fmod(fabs(n), 2.0) == 1.0) {
        cplx p[4];
        m2_pauli(p, j);
        for (int q = 0; q < 2; q++) m2_mul(k->k1.m[q], p, k->k1.m[q]);
    }
}

static void move_swap(kak_t *k, int i, int j)
{
    /* the axis left alone: rotating about it by π/2 exchanges the other two */
    int fixed = 3 - i - j;
    cplx v[4];
    if (fixed == 2) m2_set(v, 1, 0, 0, I);  /* S */
    else if (fixed == 0) m2_rx(v, QTR_PI / 2);
    else m2_ry(v, QTR_PI / 2);
    loc_t V = {{{v[0], v[1], v[2], v[3]}, {v[0], v[1], v[2], v[3]}}}, Vd;
    loc_dag(&V, &Vd);
    loc_mul(&k->k1, &V, &k->k1);
    loc_mul(&Vd, &k->k2, &k->k2);
    double t = k->x[i];
    k->x[i] = k->x[j];
    k->x[j] = t;
}

static void move_negate(kak_t *k, int i, int j)
{
    int fixed = 3 - i - j; /* conjugating by P_fixed ⊗ I flips the other two */
    cplx p[4];
    m2_pauli(p, fixed);
    m2_mul(k->k1.m[1], p, k->k1.m[1]);
    m2_mul(p, k->k2.m[1], k->k2.m[1]);
    k->x[i] = -k->x[i];
    k->x[j] = -k->x[j];
}

static void canonicalise(kak_t *k)
{
    for (int j = 0; j < 3; j++) {
        double n = nearbyint(k->x[j] / (QTR_PI / 2));
        if (n != 0) move_shift(k, j, n);
    }
    if (fabs(k->x[0]) < fabs(k->x[1])) move_swap(k, 0, 1);
    if (fabs(k->x[1]) < fabs(k->x[2])) move_swap(k, 1, 2);
    if (fabs(k->x[0]) < fabs(k->x[1])) move_swap(k, 0, 1);
    if (k->x[0] < 0 && k->x[1] < 0) move_negate(k, 0, 1);
    else if (k->x[0] < 0) move_negate(k, 0, 2);
    else if (k->x[1] < 0) move_negate(k, 1, 2);
    if (k->x[0] > QTR_PI / 4 - KAK_FACE_TOL && k->x[2] < 0) {
        /* (π/4, b, c) ~ (π/4, b, −c): a → a − π/2 ≈ −π/4, then negate a, c */
        move_shift(k, 0, 1);
        move_negate(k, 0, 2);
    }
    k->phase = qtr_m2_wrap(k->phase, NULL);
}

static qtr_status check_unitary(const double u[32], cplx m[16], const char *who, qtr_ctx *ctx)
{
    for (int i = 0; i < 32; i++)
        if (!isfinite(u[i]))
            return qtr_fail(ctx, QTR_EINVAL, "%s: matrix entry %d is not finite", who, i / 2);
    for (int i = 0; i < 16; i++) m[i] = CMPLX(u[2 * i], u[2 * i + 1]);
    double worst = 0;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            cplx s = 0;
            for (int r = 0; r < 4; r++) s += conj(m[4 * r + i]) * m[4 * r + j];
            double e = cabs(s - (i == j ? 1.0 : 0.0));
            if (e > worst) worst = e;
        }
    if (!(worst <= KAK_UNITARY_TOL))
        return qtr_fail(ctx, QTR_EINVAL, "%s: matrix is not unitary (|U†U - I| entry %.3g > %g)",
                        who, worst, KAK_UNITARY_TOL);
    return QTR_OK;
}

static qtr_status kak_core(const cplx u[16], kak_t *k, const char *who, qtr_ctx *ctx)
{
    cplx det = m4_det(u);
    double ph = carg(det) / 4;
    cplx s = cexp(-I * ph), us[16];
    for (int i = 0; i < 16; i++) us[i] = u[i] * s;

    cplx b[16], bd[16], up[16], upt[16], m2[16];
    magic(b, bd);
    m4_mul(bd, us, up);
    m4_mul(up, b, up);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) upt[4 * i + j] = up[4 * j + i];
    m4_mul(upt, up, m2);

    double p[16];
    cplx dg[4];
    double off = diagonalise(m2, p, dg);
    if (!(off <= 1e-7))
        return qtr_fail(ctx, QTR_EUNSUPPORTED,
                        "%s: could not diagonalise the magic-basis matrix (residual %.3g)", who, off);
    /* det P = +1, so that both outer factors are in SO(4) */
    cplx pc[16];
    for (int i = 0; i < 16; i++) pc[i] = p[i];
    if (creal(m4_det(pc)) < 0)
        for (int i = 0; i < 4; i++) p[4 * i + 3] = -p[4 * i + 3];

    double d[4];
    for (int j = 0; j < 3; j++) d[j] = -carg(dg[j]) / 2;
    d[3] = -(d[0] + d[1] + d[2]);

    /* K1m = up · P · diag(e^{id}); K1 = M K1m M†; K2 = M Pᵀ M† */
    cplx k1m[16], k2m[16], k1[16], k2[16];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            cplx t = 0;
            for (int r = 0; r < 4; r++) t += up[4 * i + r] * p[4 * r + j];
            k1m[4 * i + j] = t * cexp(I * d[j]);
            k2m[4 * i + j] = p[4 * j + i];
        }
    m4_mul(b, k1m, k1);
    m4_mul(k1, bd, k1);
    m4_mul(b, k2m, k2);
    m4_mul(k2, bd, k2);
    split_product(k1, &k->k1);
    split_product(k2, &k->k2);
    k->x[0] = -(d[0] + d[2]) / 2;
    k->x[1] = -(d[1] + d[2]) / 2;
    k->x[2] = -(d[0] + d[1]) / 2;
    k->phase = ph;
    canonicalise(k);
    return QTR_OK;
}

static void kak_to_public(const kak_t *k, qtr_kak *out)
{
    out->a = k->x[0];
    out->b = k->x[1];
    out->c = k->x[2];
    out->phase = k->phase;
    for (int q = 0; q < 2; q++) {
        m2_to_flat(k->k1.m[q], out->k1[q]);
        m2_to_flat(k->k2.m[q], out->k2[q]);
    }
}

qtr_status qtr_kak_decompose(const double u[32], qtr_kak *out, qtr_ctx *ctx)
{
    if (!u || !out) return qtr_fail(ctx, QTR_EINVAL, "qtr_kak_decompose: NULL argument");
    cplx m[16];
    qtr_status st = check_unitary(u, m, "qtr_kak_decompose", ctx);
    if (st) return st;
    kak_t k;
    st = kak_core(m, &k, "qtr_kak_decompose", ctx);
    if (st) return st;
    kak_to_public(&k, out);
    return QTR_OK;
}

/* ======================================================================
 * Basis gates and gate counts
 * ====================================================================== */

qtr_status qtr_kak_basis_init(qtr_kak_basis *kb, qtr_op op, qtr_ctx *ctx)
{
    if (!kb) return qtr_fail(ctx, QTR_EINVAL, "qtr_kak_basis_init: NULL basis");
    if ((unsigned)op >= QTR_OP_COUNT || qtr_gate(op)->nqubits != 2 || qtr_gate(op)->nparams != 0)
        return qtr_fail(ctx, QTR_EINVAL,
                        "qtr_kak_basis_init: '%s' is not a parameterless 2-qubit gate",
                        (unsigned)op < QTR_OP_COUNT ? qtr_gate(op)->name : "?");
    double g[32];
    if (qtr_gate_matrix(op, NULL, g) != QTR_OK)
        return qtr_fail(ctx, QTR_EINVAL, "qtr_kak_basis_init: no matrix for '%s'", qtr_gate(op)->name);
    cplx m[16];
    for (int i = 0; i < 16; i++) m[i] = CMPLX(g[2 * i], g[2 * i + 1]);
    kak_t k;
    qtr_status st = kak_core(m, &k, "qtr_kak_basis_init", ctx);
    if (st) return st;
    if (fabs(k.x[0] - QTR_PI / 4) > 1e-9 || fabs(k.x[1]) > 1e-9 || fabs(k.x[2]) > 1e-9)
        return qtr_fail(ctx, QTR_EUNSUPPORTED,
                        "qtr_kak_basis_init: '%s' has Weyl coordinates (%.4f, %.4f, %.4f), not "
                        "CX's (pi/4, 0, 0): only CX-class basis gates are supported",
                        qtr_gate(op)->name, k.x[0], k.x[1], k.x[2]);
    memset(kb, 0, sizeof *kb);
    kb->op = (uint8_t)op;
    kb->beta = k.phase;
    for (int q = 0; q < 2; q++) {
        m2_to_flat(k.k1.m[q], kb->b1[q]);
        m2_to_flat(k.k2.m[q], kb->b2[q]);
    }
    return QTR_OK;
}

/* Tr Can(x) = Σ of its four eigenvalues (see the file comment). */
static cplx can_trace(double a, double b, double c)
{
    return cexp(I * (a - b + c)) + cexp(I * (-a + b + c)) + cexp(I * (a + b - c)) +
           cexp(-I * (a + b + c));
}

static double trace_fid(cplx tr) { return (4 + creal(tr) * creal(tr) + cimag(tr) * cimag(tr)) / 20; }

/* Projected coordinates of the k-gate approximation of (a, b, c). */
static void project(int n, const double x[3], double y[3])
{
    switch (n) {
    case 0: y[0] = y[1] = y[2] = 0; break;
    case 1: y[0] = QTR_PI / 4; y[1] = y[2] = 0; break;
    case 2: y[0] = x[0]; y[1] = x[1]; y[2] = 0; break;
    default: y[0] = x[0]; y[1] = x[1]; y[2] = x[2]; break;
    }
}

static int count_gates(const double x[3], double degree, double *fid)
{
    for (int n = 0; n < 3; n++) {
        double y[3];
        project(n, x, y);
        double dev = fmax(fabs(y[0] - x[0]), fmax(fabs(y[1] - x[1]), fabs(y[2] - x[2])));
        double f = trace_fid(can_trace(y[0] - x[0], y[1] - x[1], y[2] - x[2]));
        if (dev <= QTR_KAK_EXACT_TOL || (degree < 1 && f >= degree)) {
            if (fid) *fid = dev <= QTR_KAK_EXACT_TOL ? 1.0 : f;
            return n;
        }
    }
    if (fid) *fid = 1.0;
    return 3;
}

int qtr_kak_num_basis_gates(const qtr_kak *k, double approx_degree, double *fidelity)
{
    if (!k) return -1;
    double x[3] = {k->a, k->b, k->c};
    return count_gates(x, approx_degree, fidelity);
}

/* ======================================================================
 * Synthesis
 * ====================================================================== */

/* Can(y) = e^{iψ} L[n] · C · L[n−1] · ... · C · L[0], for the n-gate class
 * coordinates y (the formulas of the file comment). */
static void template_locals(int n, const double y[3], loc_t L[4], double *psi)
{
    cplx hxy[4], x[4], t[4], s[4], sdg[4], r[4];
    const double h = 1.0 / sqrt(2.0);
    m2_set(hxy, 0, h * (1 - I), h * (1 + I), 0); /* (X + Y)/√2 */
    m2_pauli(x, 0);
    m2_set(s, 1, 0, 0, I);
    m2_set(sdg, 1, 0, 0, -I);
    for (int i = 0; i <= n; i++) loc_eye(&L[i]);
    *psi = 0;
    if (n == 2) {
        /* −i · (Hxy⊗I) · C · (Rz(−2a)⊗Rz(−2b)) · C · (X·Hxy ⊗ X) */
        memcpy(L[2].m[1], hxy, sizeof hxy);
        m2_rz(L[1].m[1], -2 * y[0]);
        m2_rz(L[1].m[0], -2 * y[1]);
        m2_mul(x, hxy, L[0].m[1]);
        memcpy(L[0].m[0], x, sizeof x);
        *psi = -QTR_PI / 2;
    } else if (n == 3) {
        /* −1 · (Hxy⊗Rx(π/2)) · C · (Rz(−2a)⊗Rz(−π/2)) · C
         *    · (X·Hxy·Rx(−2c)·S ⊗ X·Rx(2b)·S) · C · (X·S† ⊗ X·S†·Rx(−π/2)) */
        memcpy(L[3].m[1], hxy, sizeof hxy);
        m2_rx(L[3].m[0], QTR_PI / 2);
        m2_rz(L[2].m[1], -2 * y[0]);
        m2_rz(L[2].m[0], -QTR_PI / 2);
        m2_rx(r, -2 * y[2]);
        m2_mul(x, hxy, t);
        m2_mul(t, r, t);
        m2_mul(t, s, L[1].m[1]);
        m2_rx(r, 2 * y[1]);
        m2_mul(x, r, t);
        m2_mul(t, s, L[1].m[0]);
        m2_mul(x, sdg, L[0].m[1]);
        m2_rx(r, -QTR_PI / 2);
        m2_mul(x, sdg, t);
        m2_mul(t, r, L[0].m[0]);
        *psi = QTR_PI;
    }
}

qtr_status qtr_kak_synth(const double u[32], const qtr_kak_basis *kb, double approx_degree,
                         qtr_kak_synthesis *out, qtr_ctx *ctx)
{
    if (!u || !kb || !out) return qtr_fail(ctx, QTR_EINVAL, "qtr_kak_synth: NULL argument");
    if (!(approx_degree > 0))
        return qtr_fail(ctx, QTR_EINVAL, "qtr_kak_synth: approximation degree %g is not > 0",
                        approx_degree);
    cplx m[16];
    qtr_status st = check_unitary(u, m, "qtr_kak_synth", ctx);
    if (st) return st;
    kak_t k;
    st = kak_core(m, &k, "qtr_kak_synth", ctx);
    if (st) return st;

    double fid, y[3], psi;
    int n = count_gates(k.x, approx_degree, &fid);
    project(n, k.x, y);
    loc_t L[4];
    template_locals(n, y, L, &psi);

    memset(out, 0, sizeof *out);
    out->n2q = n;
    out->fidelity = fid;
    loc_t lay[4];
    if (n == 0) {
        loc_mul(&k.k1, &k.k2, &lay[0]);
        out->phase = k.phase;
    } else {
        /* C = e^{−iβ} B1† G B2†: layer 0 = B2† L0 K2, middle layers
         * B2† Lj B1†, last layer K1 Ln B1† */
        loc_t b1, b2, b1d, b2d;
        for (int q = 0; q < 2; q++) {
            m2_from_flat(kb->b1[q], b1.m[q]);
            m2_from_flat(kb->b2[q], b2.m[q]);
        }
        loc_dag(&b1, &b1d);
        loc_dag(&b2, &b2d);
        for (int j = 0; j <= n; j++) {
            loc_t t;
            if (j == 0) loc_mul(&L[0], &k.k2, &t);
            else loc_mul(&L[j], &b1d, &t);
            if (j == n) loc_mul(&k.k1, &t, &lay[j]);
            else loc_mul(&b2d, &t, &lay[j]);
        }
        out->phase = qtr_m2_wrap(k.phase + psi - n * kb->beta, NULL);
    }
    for (int j = 0; j <= n; j++)
        for (int q = 0; q < 2; q++) m2_to_flat(lay[j].m[q], out->layer[j][q]);
    return QTR_OK;
}

int qtr_kak_gates(const qtr_kak_synthesis *s, const qtr_kak_basis *kb, qtr_euler_basis eb,
                  qtr_kak_gate *out, int cap, double *phase)
{
    if (!s || !kb || !out || !phase || s->n2q < 0 || s->n2q > 3 || (unsigned)eb >= QTR_EULER_COUNT)
        return -1;
    qtr_kak_gate buf[QTR_KAK_MAX_GATES];
    int n = 0;
    double ph = s->phase;
    for (int j = 0; j <= s->n2q; j++) {
        for (int q = 0; q < 2; q++) {
            qtr_gate1q g[QTR_EULER_MAX_GATES];
            double e;
            int m = qtr_euler_synth(s->layer[j][q], eb, g, QTR_EULER_MAX_GATES, &e);
            if (m < 0) return -1;
            ph += e;
            for (int i = 0; i < m; i++) {
                qtr_kak_gate *o = &buf[n++];
                memset(o, 0, sizeof *o);
                o->op = g[i].op;
                o->q[0] = (uint8_t)q;
                memcpy(o->params, g[i].params, sizeof o->params);
            }
        }
        if (j < s->n2q) {
            qtr_kak_gate *o = &buf[n++];
            memset(o, 0, sizeof *o);
            o->op = kb->op;
            o->q[0] = 0;
            o->q[1] = 1;
        }
    }
    if (n > cap) return -1;
    memcpy(out, buf, (size_t)n * sizeof *out);
    *phase = qtr_m2_wrap(ph, NULL);
    return n;
}
