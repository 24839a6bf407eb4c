// test_kak.cc -- two-qubit synthesis (src/synth_kak.c) and the 2q block
// resynthesis pass (src/pass_consolidate.c).
//
// The synthesis is checked against matrices built here, independently of the
// library: gate matrices written from Qiskit's definitions, Can(a,b,c) as the
// product of cos·I + i·sin·PP factors. The pass is checked by the reference
// simulator (global phase included) on thousands of seeded random circuits.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "mat2.h"
#include "pass.h"
#include "qtr.h"
#include "random_circuit.h"
#include "sim.h"

using ::testing::HasSubstr;

namespace {

using cd = std::complex<double>;
using M2 = std::array<cd, 4>;   // row-major 2×2
using M4 = std::array<cd, 16>;  // row-major 4×4, index = 2·bit1 + bit0
const double PI = QTR_PI;
const cd I1(0, 1);

// ---- small algebra ------------------------------------------------------------

M4 mul(const M4 &a, const M4 &b)
{
    M4 r{};
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            for (int k = 0; k < 4; k++) r[4 * i + j] += a[4 * i + k] * b[4 * k + j];
    return r;
}

M4 eye4()
{
    M4 r{};
    for (int i = 0; i < 4; i++) r[5 * i] = 1;
    return r;
}

// A on operand 1 (bit 1), B on operand 0 (bit 0).
M4 kron(const M2 &a, const M2 &b)
{
    M4 r{};
    for (int i1 = 0; i1 < 2; i1++)
        for (int i0 = 0; i0 < 2; i0++)
            for (int j1 = 0; j1 < 2; j1++)
                for (int j0 = 0; j0 < 2; j0++)
                    r[4 * (2 * i1 + i0) + 2 * j1 + j0] = a[2 * i1 + j1] * b[2 * i0 + j0];
    return r;
}

M4 scale(const M4 &a, cd s)
{
    M4 r = a;
    for (auto &x : r) x *= s;
    return r;
}

double maxdiff(const M4 &a, const M4 &b)
{
    double w = 0;
    for (int i = 0; i < 16; i++) w = std::max(w, std::abs(a[i] - b[i]));
    return w;
}

// max |a − e^{iθ} b| with θ aligning the largest entry of b with a.
double diff_up_to_phase(const M4 &a, const M4 &b)
{
    cd tr = 0;
    for (int i = 0; i < 16; i++) tr += std::conj(b[i]) * a[i];
    cd ph = std::abs(tr) > 0 ? tr / std::abs(tr) : cd(1);
    return maxdiff(a, scale(b, ph));
}

M2 from8(const double f[8])
{
    M2 r;
    for (int k = 0; k < 4; k++) r[k] = cd(f[2 * k], f[2 * k + 1]);
    return r;
}

void to32(const M4 &m, double f[32])
{
    for (int k = 0; k < 16; k++) {
        f[2 * k] = m[k].real();
        f[2 * k + 1] = m[k].imag();
    }
}

M4 from32(const double f[32])
{
    M4 r;
    for (int k = 0; k < 16; k++) r[k] = cd(f[2 * k], f[2 * k + 1]);
    return r;
}

// ---- reference matrices (Qiskit conventions) ------------------------------------

const M2 PX = {0, 1, 1, 0}, PY = {0, -I1, I1, 0}, PZ = {1, 0, 0, -1}, P0 = {1, 0, 0, 1};

M4 pp(const M2 &p) { return kron(p, p); }

// Can(a,b,c) = exp(i(aXX + bYY + cZZ)); the three terms commute, and
// exp(iθ PP) = cos θ I + i sin θ PP since (PP)² = I.
M4 can(double a, double b, double c)
{
    M4 r = eye4();
    const M2 *ps[3] = {&PX, &PY, &PZ};
    double th[3] = {a, b, c};
    for (int k = 0; k < 3; k++) {
        M4 e = pp(*ps[k]), f{};
        for (int i = 0; i < 16; i++) f[i] = std::sin(th[k]) * I1 * e[i] + (i % 5 == 0 ? std::cos(th[k]) : 0.0);
        r = mul(f, r);
    }
    return r;
}

M2 rz(double l) { return {std::exp(-I1 * (l / 2)), 0, 0, std::exp(I1 * (l / 2))}; }
M2 rx(double t) { return {std::cos(t / 2), -I1 * std::sin(t / 2), -I1 * std::sin(t / 2), std::cos(t / 2)}; }
M2 ry(double t) { return {std::cos(t / 2), -std::sin(t / 2), std::sin(t / 2), std::cos(t / 2)}; }
M2 u3(double t, double f, double l)
{
    return {std::cos(t / 2), -std::exp(I1 * l) * std::sin(t / 2), std::exp(I1 * f) * std::sin(t / 2),
            std::exp(I1 * (f + l)) * std::cos(t / 2)};
}

// Matrix of a 1q op from the Euler bases, written here from Qiskit's definitions.
bool ref1q(int op, const double *p, M2 &m)
{
    switch (op) {
    case QTR_OP_RZ: m = rz(p[0]); return true;
    case QTR_OP_RX: m = rx(p[0]); return true;
    case QTR_OP_RY: m = ry(p[0]); return true;
    case QTR_OP_P:
    case QTR_OP_U1: m = {1, 0, 0, std::exp(I1 * p[0])}; return true;
    case QTR_OP_X: m = PX; return true;
    case QTR_OP_SX: m = {0.5 * (1.0 + I1), 0.5 * (1.0 - I1), 0.5 * (1.0 - I1), 0.5 * (1.0 + I1)}; return true;
    case QTR_OP_U:
    case QTR_OP_U3: m = u3(p[0], p[1], p[2]); return true;
    case QTR_OP_U2: m = u3(PI / 2, p[0], p[1]); return true;
    default: return false;
    }
}

// 2q gates with their first operand on bit 0.
bool ref2q(int op, M4 &m)
{
    const double r = 1 / std::sqrt(2.0);
    switch (op) {
    case QTR_OP_CX: /* |b1 b0> -> |b1^b0, b0> */
        m = M4{};
        m[0] = m[4 * 3 + 1] = m[4 * 2 + 2] = m[4 * 1 + 3] = 1;
        return true;
    case QTR_OP_CZ: m = eye4(); m[15] = -1; return true;
    case QTR_OP_ECR: { /* (IX − XY)/√2, rightmost Pauli on operand 0 */
        M4 a = kron(P0, PX), b = kron(PX, PY);
        for (int i = 0; i < 16; i++) m[i] = r * (a[i] - b[i]);
        return true;
    }
    case QTR_OP_SWAP:
        m = M4{};
        m[0] = m[4 * 1 + 2] = m[4 * 2 + 1] = m[15] = 1;
        return true;
    case QTR_OP_ISWAP:
        m = M4{};
        m[0] = m[15] = 1;
        m[4 * 1 + 2] = m[4 * 2 + 1] = I1;
        return true;
    default: return false;
    }
}

M4 swap_frame(const M4 &m)
{
    const int s[4] = {0, 2, 1, 3};
    M4 r;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) r[4 * s[i] + s[j]] = m[4 * i + j];
    return r;
}

// The product of a gate sequence, out[0] first.
M4 product(const qtr_kak_gate *g, int n)
{
    M4 u = eye4();
    for (int k = 0; k < n; k++) {
        M4 gm;
        if (qtr_gate((qtr_op)g[k].op)->nqubits == 1) {
            M2 m;
            EXPECT_TRUE(ref1q(g[k].op, g[k].params, m)) << qtr_gate((qtr_op)g[k].op)->name;
            gm = g[k].q[0] == 0 ? kron(P0, m) : kron(m, P0);
        } else {
            EXPECT_TRUE(ref2q(g[k].op, gm));
            if (g[k].q[0] == 1) gm = swap_frame(gm);
        }
        u = mul(gm, u);
    }
    return u;
}

// ---- random unitaries -------------------------------------------------------------

void gauss(qtr_ctx *c, double &re, double &im)
{
    double u1 = 1.0 - qtr_rng_uniform(c), u2 = qtr_rng_uniform(c);
    double r = std::sqrt(-2 * std::log(u1));
    re = r * std::cos(2 * PI * u2);
    im = r * std::sin(2 * PI * u2);
}

// Haar-random U(n) (n = 2, 4): Gram-Schmidt on a complex Gaussian matrix
// (Mezzadri 2007: QR with a positive diagonal of R).
std::vector<cd> haar(qtr_ctx *c, int n)
{
    std::vector<cd> z(n * n);
    for (auto &x : z) {
        double a, b;
        gauss(c, a, b);
        x = cd(a, b);
    }
    for (int j = 0; j < n; j++) {
        for (int k = 0; k < j; k++) {
            cd d = 0;
            for (int i = 0; i < n; i++) d += std::conj(z[n * i + k]) * z[n * i + j];
            for (int i = 0; i < n; i++) z[n * i + j] -= d * z[n * i + k];
        }
        double nn = 0;
        for (int i = 0; i < n; i++) nn += std::norm(z[n * i + j]);
        for (int i = 0; i < n; i++) z[n * i + j] /= std::sqrt(nn);
    }
    return z;
}

M4 haar4(qtr_ctx *c)
{
    auto v = haar(c, 4);
    M4 r;
    std::copy(v.begin(), v.end(), r.begin());
    return r;
}

M2 haar2(qtr_ctx *c)
{
    auto v = haar(c, 2);
    return {v[0], v[1], v[2], v[3]};
}

M4 rand_local(qtr_ctx *c) { return kron(haar2(c), haar2(c)); }

// L1 · m · L2 with random local unitaries and a random global phase.
M4 dress(qtr_ctx *c, const M4 &m)
{
    return scale(mul(rand_local(c), mul(m, rand_local(c))), std::exp(I1 * (2 * PI * qtr_rng_uniform(c))));
}

struct Synth {
    int n2q = -1;
    int ngates = -1;
    double err = 1e9;        // max |U − e^{iφ}·product|
    double err_phase = 1e9;  // max |U − e^{iθ}·product| for the best θ
    double fidelity = 0;
    std::vector<qtr_kak_gate> gates;
};

Synth synth(const M4 &u, qtr_op basis, qtr_euler_basis eb = QTR_EULER_ZSXX, double degree = 1.0)
{
    Synth r;
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_kak_basis kb;
    EXPECT_EQ(qtr_kak_basis_init(&kb, basis, &ctx), QTR_OK) << ctx.msg;
    double f[32];
    to32(u, f);
    qtr_kak_synthesis s;
    EXPECT_EQ(qtr_kak_synth(f, &kb, degree, &s, &ctx), QTR_OK) << ctx.msg;
    qtr_kak_gate g[QTR_KAK_MAX_GATES];
    double ph = 0;
    int n = qtr_kak_gates(&s, &kb, eb, g, QTR_KAK_MAX_GATES, &ph);
    EXPECT_GE(n, 0);
    if (n < 0) return r;
    int n2 = 0;
    for (int k = 0; k < n; k++) n2 += qtr_gate((qtr_op)g[k].op)->nqubits == 2;
    EXPECT_EQ(n2, s.n2q);
    M4 p = product(g, n);
    r.n2q = s.n2q;
    r.ngates = n;
    r.err = maxdiff(u, scale(p, std::exp(I1 * ph)));
    r.err_phase = diff_up_to_phase(u, p);
    r.fidelity = s.fidelity;
    r.gates.assign(g, g + n);
    return r;
}

qtr_kak decompose(const M4 &u)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    double f[32];
    to32(u, f);
    qtr_kak k;
    EXPECT_EQ(qtr_kak_decompose(f, &k, &ctx), QTR_OK) << ctx.msg;
    return k;
}

M4 rebuild(const qtr_kak &k)
{
    M4 k1 = kron(from8(k.k1[1]), from8(k.k1[0])), k2 = kron(from8(k.k2[1]), from8(k.k2[0]));
    return scale(mul(k1, mul(can(k.a, k.b, k.c), k2)), std::exp(I1 * k.phase));
}

// average gate fidelity of v against u
double fidelity(const M4 &u, const M4 &v)
{
    cd tr = 0;
    for (int i = 0; i < 16; i++) tr += std::conj(u[i]) * v[i];
    return (4 + std::norm(tr)) / 20;
}

const qtr_op kBases[] = {QTR_OP_CX, QTR_OP_CZ, QTR_OP_ECR};

}  // namespace

// ==== the decomposition =============================================================

TEST(KakDecompose, ReconstructsHaarRandomAndLandsInTheChamber)
{
    qtr_ctx rng;
    qtr_ctx_init(&rng, 11);
    double worst = 0;
    for (int it = 0; it < 10000; it++) {
        M4 u = haar4(&rng);
        qtr_kak k = decompose(u);
        worst = std::max(worst, maxdiff(u, rebuild(k)));
        ASSERT_LE(k.a, PI / 4 + 1e-12);
        ASSERT_GE(k.a, k.b - 1e-15);
        ASSERT_GE(k.b, std::fabs(k.c) - 1e-15);
        // the outer factors are unitary 2×2 matrices
        for (int q = 0; q < 2; q++) {
            double d1r, d1i;
            qtr_m2_det(k.k1[q], &d1r, &d1i);
            ASSERT_NEAR(std::hypot(d1r, d1i), 1.0, 1e-12);
        }
    }
    std::printf("KAK reconstruction of 10000 Haar-random unitaries: worst entry error %.3g\n", worst);
    EXPECT_LT(worst, 1e-12);
}

TEST(KakDecompose, KnownCoordinates)
{
    struct {
        const char *name;
        M4 u;
        double a, b, c;
    } cases[] = {
        {"identity", eye4(), 0, 0, 0},
        {"cx", M4{}, PI / 4, 0, 0},
        {"iswap", M4{}, PI / 4, PI / 4, 0},
        {"swap", M4{}, PI / 4, PI / 4, PI / 4},
        {"sqrt-swap class", can(PI / 8, PI / 8, PI / 8), PI / 8, PI / 8, PI / 8},
        // outside the chamber: sorted by size, then signs moved onto c
        {"Can(0.1, 0.3, -0.2)", can(0.1, 0.3, -0.2), 0.3, 0.2, -0.1},
        // shifts by π/2 are local; an odd number of negative signs stays on c
        {"Can(0.1+pi/2, -0.3, 0.2-pi)", can(0.1 + PI / 2, -0.3, 0.2 - PI), 0.3, 0.2, -0.1},
        {"Can(-0.1, -0.3, -0.2)", can(-0.1, -0.3, -0.2), 0.3, 0.2, -0.1},
        {"Can(0.1, -0.3, -0.2)", can(0.1, -0.3, -0.2), 0.3, 0.2, 0.1},
        // a = π/4 face: (π/4, b, c) ~ (π/4, b, −c), chamber takes c ≥ 0
        {"Can(pi/4, 0.2, -0.1)", can(PI / 4, 0.2, -0.1), PI / 4, 0.2, 0.1},
    };
    ref2q(QTR_OP_CX, cases[1].u);
    ref2q(QTR_OP_ISWAP, cases[2].u);
    ref2q(QTR_OP_SWAP, cases[3].u);
    qtr_ctx rng;
    qtr_ctx_init(&rng, 5);
    for (auto &cs : cases) {
        for (int rep = 0; rep < 20; rep++) {
            M4 u = rep ? dress(&rng, cs.u) : cs.u;  // coordinates are local invariants
            qtr_kak k = decompose(u);
            EXPECT_NEAR(k.a, cs.a, 1e-12) << cs.name;
            EXPECT_NEAR(k.b, cs.b, 1e-12) << cs.name;
            EXPECT_NEAR(k.c, cs.c, 1e-12) << cs.name;
            EXPECT_LT(maxdiff(u, rebuild(k)), 1e-12) << cs.name;
        }
    }
}

TEST(KakDecompose, RejectsBadInput)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_kak k;
    double f[32];
    to32(eye4(), f);
    EXPECT_EQ(qtr_kak_decompose(nullptr, &k, &ctx), QTR_EINVAL);
    EXPECT_THAT(ctx.msg, HasSubstr("NULL"));
    EXPECT_EQ(qtr_kak_decompose(f, nullptr, &ctx), QTR_EINVAL);
    f[7] = NAN;
    EXPECT_EQ(qtr_kak_decompose(f, &k, &ctx), QTR_EINVAL);
    EXPECT_THAT(ctx.msg, HasSubstr("not finite"));
    to32(scale(eye4(), 1.01), f);
    EXPECT_EQ(qtr_kak_decompose(f, &k, &ctx), QTR_EINVAL);
    EXPECT_THAT(ctx.msg, HasSubstr("not unitary"));
    to32(M4{}, f);
    EXPECT_EQ(qtr_kak_decompose(f, &k, &ctx), QTR_EINVAL);
    EXPECT_THAT(ctx.msg, HasSubstr("not unitary"));
}

// ==== basis gates ====================================================================

TEST(KakBasis, CxClassGatesDecomposeAroundCanPi4)
{
    for (qtr_op op : {QTR_OP_CX, QTR_OP_CY, QTR_OP_CZ, QTR_OP_CH, QTR_OP_ECR}) {
        qtr_ctx ctx;
        qtr_ctx_init(&ctx, 0);
        qtr_kak_basis kb;
        ASSERT_EQ(qtr_kak_basis_init(&kb, op, &ctx), QTR_OK) << ctx.msg;
        EXPECT_EQ(kb.op, op);
        double g[32];
        ASSERT_EQ(qtr_gate_matrix(op, nullptr, g), QTR_OK);
        M4 rebuilt = scale(mul(kron(from8(kb.b1[1]), from8(kb.b1[0])),
                               mul(can(PI / 4, 0, 0), kron(from8(kb.b2[1]), from8(kb.b2[0])))),
                           std::exp(I1 * kb.beta));
        EXPECT_LT(maxdiff(from32(g), rebuilt), 1e-13) << qtr_gate(op)->name;
    }
}

TEST(KakBasis, RejectsOtherGates)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_kak_basis kb;
    EXPECT_EQ(qtr_kak_basis_init(&kb, QTR_OP_ISWAP, &ctx), QTR_EUNSUPPORTED);
    EXPECT_THAT(ctx.msg, HasSubstr("CX-class"));
    EXPECT_EQ(qtr_kak_basis_init(&kb, QTR_OP_SWAP, &ctx), QTR_EUNSUPPORTED);
    EXPECT_THAT(ctx.msg, HasSubstr("swap"));
    EXPECT_EQ(qtr_kak_basis_init(&kb, QTR_OP_RZ, &ctx), QTR_EINVAL);
    EXPECT_THAT(ctx.msg, HasSubstr("not a parameterless 2-qubit gate"));
    EXPECT_EQ(qtr_kak_basis_init(&kb, QTR_OP_RZZ, &ctx), QTR_EINVAL);
    EXPECT_THAT(ctx.msg, HasSubstr("rzz"));
    EXPECT_EQ(qtr_kak_basis_init(&kb, (qtr_op)QTR_OP_COUNT, &ctx), QTR_EINVAL);
    EXPECT_EQ(qtr_kak_basis_init(nullptr, QTR_OP_CX, &ctx), QTR_EINVAL);
    EXPECT_THAT(ctx.msg, HasSubstr("NULL"));
}

// ==== synthesis ======================================================================

class KakSynthBasis : public ::testing::TestWithParam<qtr_op> {};

TEST_P(KakSynthBasis, ReproducesHaarRandomUnitaries)
{
    qtr_op basis = GetParam();
    qtr_ctx rng;
    qtr_ctx_init(&rng, 100 + basis);
    double worst = 0, worst_ph = 0;
    long total = 0;
    for (int it = 0; it < 10000; it++) {
        M4 u = haar4(&rng);
        Synth s = synth(u, basis);
        ASSERT_EQ(s.n2q, 3) << "a Haar-random unitary needs 3 (iteration " << it << ")";
        worst = std::max(worst, s.err);
        worst_ph = std::max(worst_ph, s.err_phase);
        total += s.ngates;
    }
    std::printf("%s: 10000 Haar-random unitaries, worst error %.3g (with phase), %.3g (up to "
                "phase), %.2f gates on average\n",
                qtr_gate(basis)->name, worst, worst_ph, total / 10000.0);
    EXPECT_LT(worst, 1e-9);
    EXPECT_LT(worst_ph, 1e-9);
}

TEST_P(KakSynthBasis, MinimalCountsOnKnownClasses)
{
    qtr_op basis = GetParam();
    qtr_ctx rng;
    qtr_ctx_init(&rng, 7);
    M4 cx, cz, iswap, swap;
    ref2q(QTR_OP_CX, cx);
    ref2q(QTR_OP_CZ, cz);
    ref2q(QTR_OP_ISWAP, iswap);
    ref2q(QTR_OP_SWAP, swap);
    auto cp = [](double t) {
        M4 m = eye4();
        m[15] = std::exp(I1 * t);
        return m;
    };
    for (int rep = 0; rep < 50; rep++) {
        struct {
            const char *name;
            M4 u;
            int n2q;
        } cases[] = {
            {"identity", eye4(), 0},
            {"local", rand_local(&rng), 0},
            {"cx", dress(&rng, cx), 1},
            {"cx reversed", dress(&rng, swap_frame(cx)), 1},
            {"cz", dress(&rng, cz), 1},
            {"cp(pi)", dress(&rng, cp(PI)), 1},
            {"Can(pi/4,0,0)", dress(&rng, can(PI / 4, 0, 0)), 1},
            {"iswap", dress(&rng, iswap), 2},
            {"cp(theta)", dress(&rng, cp(0.1 + 2.9 * qtr_rng_uniform(&rng))), 2},
            {"Can(a,b,0)", dress(&rng, can(PI / 4 * qtr_rng_uniform(&rng), 0.3 * qtr_rng_uniform(&rng) + 0.01, 0)), 2},
            {"swap", dress(&rng, swap), 3},
            {"sqrt-swap", dress(&rng, can(PI / 8, PI / 8, PI / 8)), 3},
            {"Can(a,b,c)", dress(&rng, can(0.7, 0.4, -0.2)), 3},
        };
        for (auto &cs : cases) {
            Synth s = synth(cs.u, basis);
            EXPECT_EQ(s.n2q, cs.n2q) << cs.name;
            EXPECT_LT(s.err, 1e-9) << cs.name;
            EXPECT_EQ(s.fidelity, 1.0) << cs.name;
            if (!std::strcmp(cs.name, "identity")) {
                EXPECT_EQ(s.ngates, 0);
            }
        }
    }
}

TEST_P(KakSynthBasis, EveryEulerBasisWorks)
{
    qtr_ctx rng;
    qtr_ctx_init(&rng, 3);
    for (int eb = 0; eb < QTR_EULER_COUNT; eb++)
        for (int it = 0; it < 200; it++) {
            Synth s = synth(haar4(&rng), GetParam(), (qtr_euler_basis)eb);
            ASSERT_LT(s.err, 1e-9) << "Euler basis " << eb;
        }
}

INSTANTIATE_TEST_SUITE_P(Bases, KakSynthBasis, ::testing::ValuesIn(kBases),
                         [](const ::testing::TestParamInfo<qtr_op> &i) {
                             return std::string(qtr_gate(i.param)->name);
                         });

// Coordinates a small distance d from the special classes make the magic-basis
// matrix nearly degenerate, the hard case for the eigensolver: the
// decomposition must stay exact, and synthesis exact up to the snapping
// band QTR_KAK_EXACT_TOL (dropping a coordinate ≤ 1e-11 costs ≤ ~3e-11).
TEST(KakSynth, NearSpecialClassesStayAccurate)
{
    qtr_ctx rng;
    qtr_ctx_init(&rng, 21);
    const double base[6][3] = {{0, 0, 0},           {PI / 4, 0, 0},   {PI / 4, PI / 4, 0},
                               {PI / 4, PI / 4, PI / 4}, {0.5, 0.5, 0.5}, {0.6, 0.3, 0.3}};
    for (double d : {1e-4, 1e-7, 1e-9, 1e-11, 1e-13, 0.0}) {
        double worst_kak = 0, worst_syn = 0;
        for (int it = 0; it < 600; it++) {
            const double *x = base[it % 6];
            double e[3];
            for (double &v : e) v = d * (2 * qtr_rng_uniform(&rng) - 1);
            M4 u = dress(&rng, can(x[0] + e[0], x[1] + e[1], x[2] + e[2]));
            worst_kak = std::max(worst_kak, maxdiff(u, rebuild(decompose(u))));
            Synth s = synth(u, QTR_OP_CX);
            worst_syn = std::max(worst_syn, s.err);
            static const int exact_count[6] = {0, 1, 2, 3, 3, 3};
            if (d == 0.0) {
                EXPECT_EQ(s.n2q, exact_count[it % 6]);
            }
        }
        EXPECT_LT(worst_kak, 1e-12) << "d = " << d;
        EXPECT_LT(worst_syn, 5e-11) << "d = " << d;
    }
}

TEST(KakSynth, ApproximationDropsGatesWithinTheFidelityBound)
{
    qtr_ctx rng;
    qtr_ctx_init(&rng, 9);
    for (int rep = 0; rep < 20; rep++) {
        // one coordinate small: 3 exactly, 2 when 1 − 1e-4 is good enough
        M4 u = dress(&rng, can(0.6, 0.3, 1e-3));
        Synth exact = synth(u, QTR_OP_CX);
        EXPECT_EQ(exact.n2q, 3);
        Synth approx = synth(u, QTR_OP_CX, QTR_EULER_ZSXX, 0.9999);
        EXPECT_EQ(approx.n2q, 2);
        qtr_ctx ctx;
        qtr_ctx_init(&ctx, 0);
        // the reported fidelity is the measured one, and meets the bound
        M4 v = product(approx.gates.data(), (int)approx.gates.size());
        EXPECT_NEAR(approx.fidelity, fidelity(u, v), 1e-9);
        EXPECT_GE(fidelity(u, v), 0.9999);
        EXPECT_LT(approx.fidelity, 1.0);
        // a tighter bound keeps all three
        EXPECT_EQ(synth(u, QTR_OP_CX, QTR_EULER_ZSXX, 1 - 1e-8).n2q, 3);

        // near a CX: 1 gate; near the identity: none
        M4 w = dress(&rng, can(PI / 4 - 2e-3, 1e-3, 0));
        EXPECT_EQ(synth(w, QTR_OP_CZ).n2q, 2);
        Synth a1 = synth(w, QTR_OP_CZ, QTR_EULER_ZSXX, 0.999);
        EXPECT_EQ(a1.n2q, 1);
        EXPECT_GE(fidelity(w, product(a1.gates.data(), (int)a1.gates.size())), 0.999);
        M4 z = dress(&rng, can(2e-3, 1e-3, 1e-3));
        EXPECT_EQ(synth(z, QTR_OP_ECR).n2q, 3);
        Synth a0 = synth(z, QTR_OP_ECR, QTR_EULER_U3, 0.999);
        EXPECT_EQ(a0.n2q, 0);
        EXPECT_GE(fidelity(z, product(a0.gates.data(), (int)a0.gates.size())), 0.999);
    }
}

TEST(KakSynth, GateCountFunction)
{
    qtr_kak k = decompose(can(0.6, 0.3, 1e-3));
    double f = 0;
    EXPECT_EQ(qtr_kak_num_basis_gates(&k, 1.0, &f), 3);
    EXPECT_EQ(f, 1.0);
    EXPECT_EQ(qtr_kak_num_basis_gates(&k, 0.9999, &f), 2);
    EXPECT_NEAR(f, (4 + 16 * std::cos(1e-3) * std::cos(1e-3)) / 20, 1e-12);
    EXPECT_EQ(qtr_kak_num_basis_gates(&k, 0.1, &f), 0);  // anything goes
    EXPECT_EQ(qtr_kak_num_basis_gates(nullptr, 1.0, &f), -1);
}

TEST(KakSynth, RejectsBadInput)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_kak_basis kb;
    ASSERT_EQ(qtr_kak_basis_init(&kb, QTR_OP_CX, &ctx), QTR_OK);
    double f[32];
    to32(eye4(), f);
    qtr_kak_synthesis s;
    EXPECT_EQ(qtr_kak_synth(f, nullptr, 1.0, &s, &ctx), QTR_EINVAL);
    EXPECT_THAT(ctx.msg, HasSubstr("NULL"));
    EXPECT_EQ(qtr_kak_synth(f, &kb, 0.0, &s, &ctx), QTR_EINVAL);
    EXPECT_THAT(ctx.msg, HasSubstr("approximation degree"));
    EXPECT_EQ(qtr_kak_synth(f, &kb, NAN, &s, &ctx), QTR_EINVAL);
    f[0] = INFINITY;
    EXPECT_EQ(qtr_kak_synth(f, &kb, 1.0, &s, &ctx), QTR_EINVAL);
    EXPECT_THAT(ctx.msg, HasSubstr("not finite"));
    // too little room for the gates: nothing written, -1
    qtr_ctx rng;
    qtr_ctx_init(&rng, 1);
    to32(haar4(&rng), f);
    ASSERT_EQ(qtr_kak_synth(f, &kb, 1.0, &s, &ctx), QTR_OK);
    qtr_kak_gate g[QTR_KAK_MAX_GATES];
    double ph;
    EXPECT_EQ(qtr_kak_gates(&s, &kb, QTR_EULER_ZSX, g, 4, &ph), -1);
    EXPECT_EQ(qtr_kak_gates(&s, &kb, (qtr_euler_basis)QTR_EULER_COUNT, g, QTR_KAK_MAX_GATES, &ph), -1);
    EXPECT_EQ(qtr_kak_gates(nullptr, &kb, QTR_EULER_ZSX, g, QTR_KAK_MAX_GATES, &ph), -1);
    EXPECT_GT(qtr_kak_gates(&s, &kb, QTR_EULER_ZSX, g, QTR_KAK_MAX_GATES, &ph), 3);
}

// ==== the pass ======================================================================

namespace {

struct Target {
    qtr_target *t = nullptr;
    Target(uint32_t n, const char *basis, bool all_to_all, bool directed_line = false)
    {
        qtr_ctx ctx;
        qtr_ctx_init(&ctx, 0);
        EXPECT_EQ(qtr_target_new(&t, "test", n, &ctx), QTR_OK);
        EXPECT_EQ(qtr_target_set_basis(t, basis, &ctx), QTR_OK) << ctx.msg;
        for (uint32_t a = 0; a < n; a++)
            for (uint32_t b = 0; b < n; b++) {
                if (a == b) continue;
                if (all_to_all || (directed_line && b == a + 1)) {
                    EXPECT_EQ(qtr_target_add_edge(t, a, b, &ctx), QTR_OK);
                }
            }
        EXPECT_EQ(qtr_target_finish(t, &ctx), QTR_OK) << ctx.msg;
    }
    ~Target() { qtr_target_free(t); }
};

struct Circ {
    qtr_circuit *c = nullptr;
    explicit Circ(uint32_t nq, uint32_t nc = 0)
    {
        qtr_ctx ctx;
        qtr_ctx_init(&ctx, 0);
        c = qtr_circuit_new(0);
        qtr_circuit_add_qreg(c, "q", nq, &ctx);
        if (nc) qtr_circuit_add_creg(c, "c", nc, &ctx);
    }
    explicit Circ(qtr_circuit *x) : c(x) {}
    ~Circ() { qtr_circuit_free(c); }
    Circ(const Circ &) = delete;
    Circ &operator=(const Circ &) = delete;
    Circ &g(qtr_op op, std::vector<uint32_t> q, std::vector<double> p = {})
    {
        qtr_ctx ctx;
        qtr_ctx_init(&ctx, 0);
        EXPECT_EQ(qtr_circuit_append(c, op, q.data(), (uint32_t)q.size(), p.data(), &ctx), QTR_OK)
            << ctx.msg;
        return *this;
    }
    Circ clone() const
    {
        qtr_ctx ctx;
        qtr_ctx_init(&ctx, 0);
        qtr_circuit *d = nullptr;
        EXPECT_EQ(qtr_circuit_clone(c, &d, &ctx), QTR_OK);
        return Circ(d);
    }
    Circ(Circ &&o) noexcept : c(o.c) { o.c = nullptr; }
};

qtr_stats stats(const qtr_circuit *c)
{
    qtr_stats s;
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    EXPECT_EQ(qtr_circuit_stats(c, &s, &ctx), QTR_OK);
    return s;
}

uint64_t n1q(const qtr_circuit *c)
{
    qtr_stats s = stats(c);
    return s.size - s.n2q;
}

void run_pass(qtr_circuit *c, const qtr_target *t)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    ASSERT_EQ(qtr_pass_resynth_2q(c, t, &ctx), QTR_OK) << ctx.msg;
    ASSERT_EQ(qtr_circuit_check(c, &ctx), QTR_OK) << ctx.msg;
}

void expect_equivalent(const qtr_circuit *a, const qtr_circuit *b)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    EXPECT_EQ(qtr_sim_compare(a, b, nullptr, nullptr, 1e-8, QTR_SIM_EXACT_PHASE, &ctx), QTR_OK)
        << ctx.msg;
}

}  // namespace

TEST(ResynthPass, RandomCircuitsStayEquivalentAndNeverGrow)
{
    const qtr_op ops[] = {QTR_OP_CX, QTR_OP_RZ, QTR_OP_SX, QTR_OP_X};
    Target t5(5, "cx,rz,sx,x", true);
    uint64_t in2 = 0, out2 = 0, in1 = 0, out1 = 0;
    for (int it = 0; it < 2000; it++) {
        qtr_ctx ctx;
        qtr_ctx_init(&ctx, 0);
        qtr_ctx rng;
        qtr_ctx_init(&rng, 1000 + it);
        uint32_t nq = 3 + (uint32_t)(qtr_rng_next(&rng) % 3);
        size_t ng = 30 + qtr_rng_next(&rng) % 31;
        qtr_circuit *raw = nullptr;
        ASSERT_EQ(qtr_random_circuit(nq, ng, ops, 4, 1000 + it, &raw, &ctx), QTR_OK) << ctx.msg;
        Circ in(raw);
        Circ out = in.clone();
        run_pass(out.c, t5.t);
        qtr_stats si = stats(in.c), so = stats(out.c);
        ASSERT_LE(so.n2q, si.n2q) << "circuit " << it;
        if (so.n2q == si.n2q) {
            ASSERT_LE(so.size, si.size) << "circuit " << it;
        }
        for (size_t i = 0; i < out.c->ninst; i++) {
            int op = out.c->inst[i].op;
            ASSERT_TRUE(op == QTR_OP_CX || op == QTR_OP_RZ || op == QTR_OP_SX || op == QTR_OP_X)
                << qtr_gate((qtr_op)op)->name;
        }
        expect_equivalent(in.c, out.c);
        in2 += si.n2q;
        out2 += so.n2q;
        in1 += si.size - si.n2q;
        out1 += so.size - so.n2q;
    }
    std::printf("2000 random {cx,rz,sx,x} circuits: cx %llu -> %llu, 1q %llu -> %llu\n",
                (unsigned long long)in2, (unsigned long long)out2, (unsigned long long)in1,
                (unsigned long long)out1);
    EXPECT_LT(out2, in2);
}

TEST(ResynthPass, DirectedTargetsGetGatesInAllowedDirections)
{
    // a directed line 0→1→2→3 with cz and ecr; inputs use only allowed edges
    for (const char *basis : {"cx,rz,sx,x", "ecr,rz,sx,x", "cz,u3", "cx,u"}) {
        Target t(4, basis, false, true);
        qtr_op g2 = qtr_target_2q_gate(t.t);
        uint64_t in2 = 0, out2 = 0;
        for (int it = 0; it < 200; it++) {
            qtr_ctx rng;
            qtr_ctx_init(&rng, 77 + it);
            Circ in(4);
            for (int k = 0; k < 40; k++) {
                uint32_t a = (uint32_t)(qtr_rng_next(&rng) % 4);
                switch (qtr_rng_next(&rng) % 3) {
                case 0:
                    if (a < 3) in.g(g2, {a, a + 1});
                    break;
                case 1: in.g(QTR_OP_RZ, {a}, {4 * PI * qtr_rng_uniform(&rng)}); break;
                default: in.g(QTR_OP_SX, {a}); break;
                }
            }
            Circ out = in.clone();
            run_pass(out.c, t.t);
            qtr_ctx ctx;
            qtr_ctx_init(&ctx, 0);
            // 1q gates outside the basis (sx in the u3 target) stay as they were,
            // so check only the 2q gates' direction
            for (size_t i = 0; i < out.c->ninst; i++) {
                const qtr_inst *in_ = &out.c->inst[i];
                if (in_->nargs == 2) {
                    ASSERT_EQ(in_->op, g2);
                    ASSERT_GE(qtr_target_edge_index(t.t, in_->q[0], in_->q[1]), 0)
                        << basis << ": " << in_->q[0] << "," << in_->q[1];
                }
            }
            expect_equivalent(in.c, out.c);
            in2 += stats(in.c).n2q;
            out2 += stats(out.c).n2q;
            ASSERT_LE(stats(out.c).n2q, stats(in.c).n2q);
        }
        std::printf("directed line, basis %s: 2q %llu -> %llu\n", basis,
                    (unsigned long long)in2, (unsigned long long)out2);
        EXPECT_LT(out2, in2);
    }
}

TEST(ResynthPass, CxCxCancels)
{
    Target t(2, "cx,rz,sx,x", true);
    Circ c(2);
    c.g(QTR_OP_CX, {0, 1}).g(QTR_OP_CX, {0, 1});
    Circ orig = c.clone();
    run_pass(c.c, t.t);
    EXPECT_EQ(c.c->ninst, 0u);
    expect_equivalent(orig.c, c.c);
}

TEST(ResynthPass, SwapAsThreeCxStaysThree)
{
    Target t(2, "cx,rz,sx,x", true);
    Circ c(2);
    c.g(QTR_OP_CX, {0, 1}).g(QTR_OP_CX, {1, 0}).g(QTR_OP_CX, {0, 1});
    Circ orig = c.clone();
    run_pass(c.c, t.t);
    EXPECT_EQ(stats(c.c).n2q, 3u);
    EXPECT_TRUE(qtr_circuit_equal(orig.c, c.c));  // not better: untouched
}

TEST(ResynthPass, DeepRunsOnOnePairReduceToAtMostThree)
{
    Target t(3, "cx,rz,sx,x", true);
    qtr_ctx rng;
    qtr_ctx_init(&rng, 4242);
    for (int it = 0; it < 50; it++) {
        Circ c(3);
        c.g(QTR_OP_SX, {2});
        for (int k = 0; k < 200; k++) {
            uint32_t a = (uint32_t)(qtr_rng_next(&rng) % 2);
            switch (qtr_rng_next(&rng) % 4) {
            case 0: c.g(QTR_OP_CX, {a, 1 - a}); break;
            case 1: c.g(QTR_OP_RZ, {a}, {4 * PI * qtr_rng_uniform(&rng) - 2 * PI}); break;
            case 2: c.g(QTR_OP_SX, {a}); break;
            default: c.g(QTR_OP_X, {a}); break;
            }
        }
        c.g(QTR_OP_CX, {2, 0});
        Circ orig = c.clone();
        run_pass(c.c, t.t);
        EXPECT_LE(stats(c.c).n2q, 4u);  // ≤ 3 on (0,1) plus the cx on (2,0)
        uint64_t on01 = 0;
        for (size_t i = 0; i < c.c->ninst; i++)
            if (c.c->inst[i].nargs == 2 && c.c->inst[i].q[0] + c.c->inst[i].q[1] == 1) on01++;
        EXPECT_LE(on01, 3u);
        EXPECT_LE(n1q(c.c), 4u * 5 + 2u + 10);  // 4 layers × 2 runs × ≤5, the sx, slack
        expect_equivalent(orig.c, c.c);
    }
}

// A block whose only 2q gate is the basis gate cannot lose it, so the pass
// leaves it to the 1q passes (merge1q, commute_cancel), as Qiskit's
// ConsolidateBlocks does; the same 1q runs around a 2q gate that is NOT the
// basis gate are resynthesised, and then they shrink too.
TEST(ResynthPass, SingleQubitRunsAroundOneCxAreLeftToThe1qPasses)
{
    Target t(2, "cx,rz,sx,x", true);
    for (qtr_op g2 : {QTR_OP_CX, QTR_OP_CZ}) {
        Circ c(2);
        for (int k = 0; k < 6; k++) c.g(QTR_OP_SX, {0}).g(QTR_OP_RZ, {0}, {0.3 + k}).g(QTR_OP_SX, {1});
        c.g(g2, {0, 1});
        for (int k = 0; k < 6; k++) c.g(QTR_OP_RZ, {1}, {0.7 * k + 0.1}).g(QTR_OP_SX, {1});
        Circ orig = c.clone();
        run_pass(c.c, t.t);
        if (g2 == QTR_OP_CX) {
            EXPECT_TRUE(qtr_circuit_equal(orig.c, c.c));
            continue;
        }
        EXPECT_EQ(stats(c.c).n2q, 1u);
        EXPECT_EQ(stats(c.c).counts[QTR_OP_CX], 1u);
        EXPECT_LT(n1q(c.c), n1q(orig.c));
        expect_equivalent(orig.c, c.c);
    }
}

TEST(ResynthPass, NonUnitaryAndConditionedInstructionsEndBlocks)
{
    Target t(3, "cx,rz,sx,x", true);
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    {   // barrier between two cx: both stay
        Circ c(2);
        c.g(QTR_OP_CX, {0, 1}).g(QTR_OP_BARRIER, {0}).g(QTR_OP_CX, {0, 1});
        Circ orig = c.clone();
        run_pass(c.c, t.t);
        EXPECT_TRUE(qtr_circuit_equal(orig.c, c.c));
    }
    for (qtr_op op : {QTR_OP_RESET, QTR_OP_MEASURE}) {  // reset and measure end blocks too
        Circ c(2, 2);
        c.g(QTR_OP_CX, {0, 1});
        if (op == QTR_OP_RESET) c.g(op, {1});
        else c.g(op, {0, 1});
        c.g(QTR_OP_CX, {0, 1});
        Circ orig = c.clone();
        run_pass(c.c, t.t);
        EXPECT_TRUE(qtr_circuit_equal(orig.c, c.c)) << qtr_gate(op)->name;
    }
    {   // a conditioned cx is not part of any block; the pairs around it still merge
        Circ c(2, 1);
        c.g(QTR_OP_CX, {0, 1}).g(QTR_OP_CX, {0, 1});
        uint32_t q[2] = {0, 1};
        ASSERT_EQ(qtr_circuit_append_cond(c.c, QTR_OP_CX, q, 2, nullptr, 0, 1, &ctx), QTR_OK);
        c.g(QTR_OP_CX, {1, 0}).g(QTR_OP_CX, {1, 0});
        run_pass(c.c, t.t);
        ASSERT_EQ(c.c->ninst, 1u);
        EXPECT_TRUE(c.c->inst[0].flags & QTR_IF_COND);
    }
    {   // a 3-qubit gate ends the blocks on its wires
        Circ c(3);
        c.g(QTR_OP_CX, {0, 1}).g(QTR_OP_CCX, {0, 1, 2}).g(QTR_OP_CX, {0, 1});
        Circ orig = c.clone();
        run_pass(c.c, t.t);
        EXPECT_TRUE(qtr_circuit_equal(orig.c, c.c));
    }
    {   // a gate on another pair interrupts a block; waiting 1q gates join the next
        Circ c(3);
        c.g(QTR_OP_CX, {0, 1}).g(QTR_OP_CX, {1, 2}).g(QTR_OP_CX, {0, 1});
        Circ orig = c.clone();
        run_pass(c.c, t.t);
        EXPECT_TRUE(qtr_circuit_equal(orig.c, c.c));
    }
}

TEST(ResynthPass, GlobalPhaseIsTracked)
{
    Target t(2, "cx,rz,sx,x", true);
    qtr_ctx rng;
    qtr_ctx_init(&rng, 8);
    for (int it = 0; it < 100; it++) {
        Circ c(2);
        c.c->global_phase = 0.25;
        for (int k = 0; k < 12; k++) {
            c.g(QTR_OP_CX, {k % 2u, 1 - k % 2u});
            c.g(QTR_OP_RZ, {0}, {4 * PI * qtr_rng_uniform(&rng)});
            c.g(QTR_OP_SX, {1});
        }
        Circ orig = c.clone();
        run_pass(c.c, t.t);
        EXPECT_LE(stats(c.c).n2q, 3u);
        expect_equivalent(orig.c, c.c);  // compared with QTR_SIM_EXACT_PHASE
    }
}

TEST(ResynthPass, TargetsItCannotServeLeaveTheCircuitAlone)
{
    Circ c(2);
    c.g(QTR_OP_CX, {0, 1}).g(QTR_OP_CX, {0, 1});
    Circ orig = c.clone();
    for (const char *basis : {"iswap,rz,sx,x", "rz,sx,x", "cx"}) {
        Target t(2, basis, true);
        run_pass(c.c, t.t);
        EXPECT_TRUE(qtr_circuit_equal(orig.c, c.c)) << basis;
    }
}

TEST(ResynthPass, RejectsBadArguments)
{
    Target t(2, "cx,rz,sx,x", true);
    Circ c(2);
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    EXPECT_EQ(qtr_pass_resynth_2q(nullptr, t.t, &ctx), QTR_EINVAL);
    EXPECT_THAT(ctx.msg, HasSubstr("NULL"));
    EXPECT_EQ(qtr_pass_resynth_2q(c.c, nullptr, &ctx), QTR_EINVAL);
    EXPECT_EQ(qtr_pass_resynth_2q_approx(c.c, t.t, 1.5, &ctx), QTR_EINVAL);
    EXPECT_THAT(ctx.msg, HasSubstr("approximation degree"));
    EXPECT_EQ(qtr_pass_resynth_2q_approx(c.c, t.t, 0.0, &ctx), QTR_EINVAL);
}

TEST(ResynthPass, NanAnglesKeepTheirBlock)
{
    Target t(2, "cx,rz,sx,x", true);
    Circ c(2);
    c.g(QTR_OP_CX, {0, 1}).g(QTR_OP_RZ, {1}, {NAN}).g(QTR_OP_CX, {0, 1});
    run_pass(c.c, t.t);
    EXPECT_EQ(c.c->ninst, 3u);
}

TEST(ResynthPass, ApproximateModeTradesFidelityForGates)
{
    Target t(2, "cx,rz,sx,x", true);
    // rxx·ryy·rzz = Can(-0.6, -0.3, -1e-3): three 2q gates outside the basis
    // that translation would make 2 cx each (6), exactly a 3-cx class (so
    // exact mode makes them 3 cx), 2 cx to fidelity 1 − 8e-7
    Circ c(2);
    c.g(QTR_OP_RXX, {0, 1}, {1.2}).g(QTR_OP_RYY, {0, 1}, {0.6}).g(QTR_OP_RZZ, {0, 1}, {2e-3});
    Circ exact = c.clone();
    run_pass(exact.c, t.t);
    EXPECT_EQ(stats(exact.c).counts[QTR_OP_CX], 3u);
    EXPECT_EQ(stats(exact.c).n2q, 3u);
    expect_equivalent(c.c, exact.c);
    Circ approx = c.clone();
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    ASSERT_EQ(qtr_pass_resynth_2q_approx(approx.c, t.t, 0.999, &ctx), QTR_OK) << ctx.msg;
    EXPECT_EQ(stats(approx.c).n2q, 2u);
    EXPECT_EQ(stats(approx.c).counts[QTR_OP_CX], 2u);
    double *ua = nullptr, *ub = nullptr;
    ASSERT_EQ(qtr_sim_unitary(c.c, &ua, &ctx), QTR_OK);
    ASSERT_EQ(qtr_sim_unitary(approx.c, &ub, &ctx), QTR_OK);
    EXPECT_GE(fidelity(from32(ua), from32(ub)), 0.999);
    EXPECT_LT(fidelity(from32(ua), from32(ub)), 1 - 1e-9);
    free(ua);
    free(ub);
}

TEST(ResynthPass, OutOfMemoryLeavesTheCircuitUnchanged)
{
    Target t(3, "cx,rz,sx,x", true);
    const qtr_op ops[] = {QTR_OP_CX, QTR_OP_RZ, QTR_OP_SX, QTR_OP_X};
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_circuit *raw = nullptr;
    ASSERT_EQ(qtr_random_circuit(3, 60, ops, 4, 5, &raw, &ctx), QTR_OK);
    Circ ref(raw);
    int failures = 0;
    for (uint64_t k = 1; k < 40; k++) {
        Circ c = ref.clone();
        c.c->alloc.fail_at = c.c->alloc.calls + k;
        qtr_status st = qtr_pass_resynth_2q(c.c, t.t, &ctx);
        c.c->alloc.fail_at = 0;
        if (st == QTR_ENOMEM) {
            failures++;
            EXPECT_THAT(ctx.msg, HasSubstr("2q resynthesis"));
            EXPECT_TRUE(qtr_circuit_equal(ref.c, c.c));
            EXPECT_EQ(c.c->global_phase, ref.c->global_phase);
        } else {
            ASSERT_EQ(st, QTR_OK) << ctx.msg;
            expect_equivalent(ref.c, c.c);
        }
    }
    EXPECT_GT(failures, 3);
}

// Regression: rebuild() reads every record's link word, including records no
// block ever takes (measures, barriers). They used to be left uninitialised,
// so a scratch block reused from an earlier call (same size: glibc hands it
// straight back) still said "member of a replaced block" there, and the
// measures vanished: the batch driver, which transpiles many circuits in one
// process, lost final measurements on some circuits and not on others
// depending on what ran before (mpirun -n 2 != 1 process). Valgrind reported
// the uninitialised read even on fresh memory (NonUnitaryAndConditioned...).
TEST(ResynthPass, RecordsNoBlockTakesSurviveReusedScratch)
{
    Target t(2, "cx,rz,sx,x", true);
    for (int round = 0; round < 3; round++) {
        // both circuits are built first, so nothing allocates between the
        // two passes (glibc returns a's freed link array for b's)
        // a: 100 records (an 800-byte link array, a size no other scratch of
        // the pass has), all in one replaced block: every link word "deleted"
        Circ a(2);
        for (int k = 0; k < 50; k++) a.g(QTR_OP_CX, {0, 1}).g(QTR_OP_RZ, {1}, {0.1 + k});
        // b: 100 records, one replaced block (cx cx), then 98 measures and barriers
        Circ b(2, 2);
        b.g(QTR_OP_CX, {0, 1}).g(QTR_OP_CX, {0, 1});
        for (uint32_t k = 0; k < 49; k++) b.g(QTR_OP_MEASURE, {k % 2, k % 2}).g(QTR_OP_BARRIER, {0, 1});
        ASSERT_EQ(b.c->ninst, 100u);
        qtr_ctx ctx;
        qtr_ctx_init(&ctx, 0);
        ASSERT_EQ(qtr_pass_resynth_2q(a.c, t.t, &ctx), QTR_OK);
        ASSERT_EQ(qtr_pass_resynth_2q(b.c, t.t, &ctx), QTR_OK);
        ASSERT_EQ(qtr_circuit_check(b.c, &ctx), QTR_OK) << ctx.msg;
        EXPECT_LE(stats(a.c).n2q, 3u);
        EXPECT_EQ(b.c->ninst, 98u) << "round " << round;
        EXPECT_EQ(stats(b.c).n2q, 0u);
    }
}
