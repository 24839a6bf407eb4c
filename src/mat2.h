/* mat2.h -- small inline helpers for 2×2 complex matrices and rotation
 * angles, shared by 1-qubit synthesis (synth_euler.c) and the 1q
 * optimisation passes. Internal, not installed.
 *
 * Layout: a matrix is double[8], row-major, interleaved (re, im):
 * m[2*(2*r+c)] is Re m(r,c) and m[2*(2*r+c)+1] is Im m(r,c) -- the same
 * layout as qtr_gate_matrix. Nothing here allocates or keeps state; every
 * function borrows its arguments and outputs may alias inputs (results are
 * computed into locals first). Plain doubles, no _Complex, so C++ tests can
 * include this header too.
 */
#ifndef QTR_MAT2_H
#define QTR_MAT2_H

#include <math.h>

#ifndef QTR_PI
#define QTR_PI 3.14159265358979323846
#endif

/* Real / imaginary part of entry (r, c). */
#define QTR_M2_RE(m, r, c) ((m)[2 * (2 * (r) + (c))])
#define QTR_M2_IM(m, r, c) ((m)[2 * (2 * (r) + (c)) + 1])

/** m = I. */
static inline void qtr_m2_identity(double m[8])
{
    m[0] = 1; m[1] = 0; m[2] = 0; m[3] = 0;
    m[4] = 0; m[5] = 0; m[6] = 1; m[7] = 0;
}

/** out = a · b (matrix product; out may alias a or b). */
static inline void qtr_m2_mul(const double a[8], const double b[8], double out[8])
{
    double r[8];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            const double *x0 = a + 4 * i, *x1 = a + 4 * i + 2; /* a(i,0), a(i,1) */
            const double *y0 = b + 2 * j, *y1 = b + 4 + 2 * j; /* b(0,j), b(1,j) */
            r[4 * i + 2 * j]     = x0[0] * y0[0] - x0[1] * y0[1] + x1[0] * y1[0] - x1[1] * y1[1];
            r[4 * i + 2 * j + 1] = x0[0] * y0[1] + x0[1] * y0[0] + x1[0] * y1[1] + x1[1] * y1[0];
        }
    for (int k = 0; k < 8; k++) out[k] = r[k];
}

/** out = a† (conjugate transpose; out may alias a). */
static inline void qtr_m2_dagger(const double a[8], double out[8])
{
    double r[8] = {a[0], -a[1], a[4], -a[5], a[2], -a[3], a[6], -a[7]};
    for (int k = 0; k < 8; k++) out[k] = r[k];
}

/** m *= exp(i·phase). */
static inline void qtr_m2_mul_phase(double m[8], double phase)
{
    double c = cos(phase), s = sin(phase);
    for (int k = 0; k < 8; k += 2) {
        double re = m[k] * c - m[k + 1] * s;
        m[k + 1] = m[k] * s + m[k + 1] * c;
        m[k] = re;
    }
}

/** Determinant as (*re, *im). */
static inline void qtr_m2_det(const double m[8], double *re, double *im)
{
    *re = (m[0] * m[6] - m[1] * m[7]) - (m[2] * m[4] - m[3] * m[5]);
    *im = (m[0] * m[7] + m[1] * m[6]) - (m[2] * m[5] + m[3] * m[4]);
}

/** Largest |a(r,c) − b(r,c)| over the four entries. */
static inline double qtr_m2_maxdiff(const double a[8], const double b[8])
{
    double worst = 0;
    for (int k = 0; k < 8; k += 2) {
        double d = hypot(a[k] - b[k], a[k + 1] - b[k + 1]);
        if (!(d <= worst)) worst = d; /* a NaN entry makes the result NaN */
    }
    return worst;
}

/** @p a reduced modulo 2π into (−π, π]. *@p turns (may be NULL) receives the
 *  integer k with a = result + 2πk, which callers need because rz/rx/ry have
 *  period 4π: rot(a) = (−1)^k · rot(result). Angles already in range come
 *  back bit-identical (k = 0 subtracts nothing), and −0.0 becomes +0.0. */
static inline double qtr_m2_wrap(double a, double *turns)
{
    if (a > -QTR_PI && a <= QTR_PI) {
        if (turns) *turns = 0;
        return a + 0.0;
    }
    double k = floor((a + QTR_PI) / (2 * QTR_PI));
    double r = a - 2 * QTR_PI * k;
    /* rounding can leave r just outside the interval at either end */
    if (r <= -QTR_PI) { r += 2 * QTR_PI; k -= 1; }
    else if (r > QTR_PI) { r -= 2 * QTR_PI; k += 1; }
    if (turns) *turns = k;
    return r + 0.0;
}

#endif
