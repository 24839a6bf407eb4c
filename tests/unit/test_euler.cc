// test_euler.cc -- 1-qubit Euler synthesis (src/synth_euler.c): exact
// reconstruction of Haar-random and degenerate unitaries in every basis,
// shortest-form gate counts, basis choice for gate sets, bad input.
//
// The reference gate matrices below are written here from Qiskit's
// definitions, independently of the library (the library's synthesis does not
// use qtr_gate_matrix, and these tests must not trust what they test).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "qtr.h"
extern "C" {  // pass.h is an internal C header without its own extern "C" guards
#include "mat2.h"
#include "pass.h"
}

namespace {

using cd = std::complex<double>;
struct M2 {
    cd a[2][2];
};

const double PI = QTR_PI;
const cd I1(0, 1);

M2 mul(const M2 &x, const M2 &y)
{
    M2 r;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) r.a[i][j] = x.a[i][0] * y.a[0][j] + x.a[i][1] * y.a[1][j];
    return r;
}

M2 scale(const M2 &x, cd s)
{
    M2 r;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) r.a[i][j] = s * x.a[i][j];
    return r;
}

M2 mk(cd a, cd b, cd c, cd d)
{
    M2 r;
    r.a[0][0] = a; r.a[0][1] = b; r.a[1][0] = c; r.a[1][1] = d;
    return r;
}

double maxdiff(const M2 &x, const M2 &y)
{
    double w = 0;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) w = std::max(w, std::abs(x.a[i][j] - y.a[i][j]));
    return w;
}

void to_flat(const M2 &x, double m[8])
{
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            m[2 * (2 * i + j)] = x.a[i][j].real();
            m[2 * (2 * i + j) + 1] = x.a[i][j].imag();
        }
}

// ---- reference matrices (Qiskit conventions) ------------------------------
M2 rz(double l) { return mk(std::exp(-I1 * (l / 2)), 0, 0, std::exp(I1 * (l / 2))); }
M2 ry(double t) { return mk(std::cos(t / 2), -std::sin(t / 2), std::sin(t / 2), std::cos(t / 2)); }
M2 rx(double t) { return mk(std::cos(t / 2), -I1 * std::sin(t / 2), -I1 * std::sin(t / 2), std::cos(t / 2)); }
M2 ph(double l) { return mk(1, 0, 0, std::exp(I1 * l)); }
M2 u3(double t, double f, double l)
{
    return mk(std::cos(t / 2), -std::exp(I1 * l) * std::sin(t / 2),
              std::exp(I1 * f) * std::sin(t / 2), std::exp(I1 * (f + l)) * std::cos(t / 2));
}
M2 sx() { return scale(mk(1. + I1, 1. - I1, 1. - I1, 1. + I1), 0.5); }
M2 xg() { return mk(0, 1, 1, 0); }
M2 yg() { return mk(0, -I1, I1, 0); }
M2 zg() { return mk(1, 0, 0, -1); }
M2 hg() { return scale(mk(1, 1, 1, -1), 1 / std::sqrt(2.0)); }
M2 id() { return mk(1, 0, 0, 1); }

// Matrix of one synthesised gate; fails the test on an unexpected op.
M2 gate_mat(const qtr_gate1q &g)
{
    const double *p = g.params;
    switch (g.op) {
    case QTR_OP_RZ: return rz(p[0]);
    case QTR_OP_RY: return ry(p[0]);
    case QTR_OP_RX: return rx(p[0]);
    case QTR_OP_P:
    case QTR_OP_U1: return ph(p[0]);
    case QTR_OP_U2: return u3(PI / 2, p[0], p[1]);
    case QTR_OP_U3:
    case QTR_OP_U: return u3(p[0], p[1], p[2]);
    case QTR_OP_SX: return sx();
    case QTR_OP_X: return xg();
    default: ADD_FAILURE() << "unexpected op " << int(g.op); return id();
    }
}

// Gates each basis may emit.
std::set<int> basis_ops(qtr_euler_basis b)
{
    switch (b) {
    case QTR_EULER_ZSX: return {QTR_OP_RZ, QTR_OP_SX};
    case QTR_EULER_ZSXX: return {QTR_OP_RZ, QTR_OP_SX, QTR_OP_X};
    case QTR_EULER_U3: return {QTR_OP_U3};
    case QTR_EULER_U: return {QTR_OP_U};
    case QTR_EULER_U321: return {QTR_OP_U1, QTR_OP_U2, QTR_OP_U3};
    case QTR_EULER_ZYZ: return {QTR_OP_RZ, QTR_OP_RY};
    case QTR_EULER_ZXZ: return {QTR_OP_RZ, QTR_OP_RX};
    case QTR_EULER_XYX: return {QTR_OP_RX, QTR_OP_RY};
    case QTR_EULER_PSX: return {QTR_OP_P, QTR_OP_SX};
    default: return {};
    }
}

int basis_max(qtr_euler_basis b)
{
    switch (b) {
    case QTR_EULER_U3: case QTR_EULER_U: case QTR_EULER_U321: return 1;
    case QTR_EULER_ZYZ: case QTR_EULER_ZXZ: case QTR_EULER_XYX: return 3;
    default: return 5;
    }
}

const char *basis_name(qtr_euler_basis b)
{
    static const char *n[] = {"ZSX", "ZSXX", "U3", "U", "U321", "ZYZ", "ZXZ", "XYX", "PSX"};
    return (unsigned)b < QTR_EULER_COUNT ? n[b] : "?";
}

bool in_range(double a) { return a > -PI && a <= PI; }

struct Synth {
    int n = -1;
    qtr_gate1q g[QTR_EULER_MAX_GATES];
    double phase = 0;
    double err = 0;  // max-abs entry error of product·e^{i·phase} vs input
    std::string ops;
};

// Synthesise u in basis b, check structural rules (ops in basis, angles and
// phase in (−π, π], at most basis_max gates) and measure the error.
Synth synth(const M2 &u, qtr_euler_basis b)
{
    Synth s;
    double m[8];
    to_flat(u, m);
    s.n = qtr_euler_synth(m, b, s.g, QTR_EULER_MAX_GATES, &s.phase);
    EXPECT_GE(s.n, 0);
    EXPECT_LE(s.n, basis_max(b)) << basis_name(b);
    EXPECT_TRUE(in_range(s.phase)) << s.phase;
    std::set<int> ok = basis_ops(b);
    M2 prod = id();
    for (int i = 0; i < s.n; i++) {
        EXPECT_TRUE(ok.count(s.g[i].op)) << basis_name(b) << " emitted op " << int(s.g[i].op);
        int np = qtr_gate(static_cast<qtr_op>(s.g[i].op))->nparams;
        for (int k = 0; k < np; k++) EXPECT_TRUE(in_range(s.g[i].params[k])) << s.g[i].params[k];
        if (s.g[i].op == QTR_OP_U3 || s.g[i].op == QTR_OP_U) {
            EXPECT_GE(s.g[i].params[0], 0.0);  // θ ∈ [0, π]
        }
        prod = mul(gate_mat(s.g[i]), prod);  // out[0] acts first
        if (i) s.ops += " ";
        s.ops += qtr_gate(static_cast<qtr_op>(s.g[i].op))->name;
    }
    s.err = maxdiff(scale(prod, std::exp(I1 * s.phase)), u);
    return s;
}

// Haar-random U(2): QR (Gram-Schmidt) of a 2×2 complex Gaussian matrix
// (Mezzadri 2007). Gram-Schmidt makes R's diagonal real positive, which is
// exactly the phase fix that makes Q Haar-distributed. Box-Muller normals
// from the library's seeded xoshiro generator, so runs are reproducible.
struct Haar {
    qtr_ctx ctx;
    explicit Haar(uint64_t seed) { qtr_ctx_init(&ctx, seed); }
    cd normal()
    {
        double u1 = 1.0 - qtr_rng_uniform(&ctx), u2 = qtr_rng_uniform(&ctx);
        double r = std::sqrt(-2 * std::log(u1));
        return cd(r * std::cos(2 * PI * u2), r * std::sin(2 * PI * u2));
    }
    M2 next()
    {
        cd z[2][2];
        for (auto &row : z)
            for (auto &e : row) e = normal();
        // columns c0 = (z00, z10), c1 = (z01, z11)
        double n0 = std::sqrt(std::norm(z[0][0]) + std::norm(z[1][0]));
        cd q00 = z[0][0] / n0, q10 = z[1][0] / n0;
        cd dot = std::conj(q00) * z[0][1] + std::conj(q10) * z[1][1];
        cd w0 = z[0][1] - dot * q00, w1 = z[1][1] - dot * q10;
        double n1 = std::sqrt(std::norm(w0) + std::norm(w1));
        return mk(q00, w0 / n1, q10, w1 / n1);
    }
};

const qtr_euler_basis ALL[] = {QTR_EULER_ZSX, QTR_EULER_ZSXX, QTR_EULER_U3,
                               QTR_EULER_U,   QTR_EULER_U321, QTR_EULER_ZYZ,
                               QTR_EULER_ZXZ, QTR_EULER_XYX,  QTR_EULER_PSX};

}  // namespace

// ---- the test's own reference matrices ----------------------------------

TEST(EulerReference, IdentitiesBetweenReferenceMatrices)
{
    // The synthesis tests are only as good as these; check the conventions.
    EXPECT_LT(maxdiff(mul(sx(), sx()), xg()), 1e-15);
    for (double t : {0.3, -1.2, 2.9})
        for (double f : {0.1, -2.0})
            for (double l : {0.7, 3.0}) {
                M2 zyz = mul(rz(f), mul(ry(t), rz(l)));
                EXPECT_LT(maxdiff(u3(t, f, l), scale(zyz, std::exp(I1 * ((f + l) / 2)))), 1e-15);
            }
    EXPECT_LT(maxdiff(ph(0.4), scale(rz(0.4), std::exp(I1 * 0.2))), 1e-15);
    EXPECT_LT(maxdiff(hg(), scale(u3(PI / 2, 0, PI), 1.0)), 1e-15);
    EXPECT_LT(maxdiff(rx(0.8), mul(rz(-PI / 2), mul(ry(0.8), rz(PI / 2)))), 1e-15);
}

TEST(EulerReference, HaarGeneratorIsUnitaryAndSpread)
{
    Haar h(7);
    double mean_cos2 = 0;  // E|u00|² = 1/2 for Haar U(2)
    const int N = 4000;
    for (int i = 0; i < N; i++) {
        M2 u = h.next();
        M2 uh = mk(std::conj(u.a[0][0]), std::conj(u.a[1][0]), std::conj(u.a[0][1]), std::conj(u.a[1][1]));
        EXPECT_LT(maxdiff(mul(uh, u), id()), 1e-14);
        mean_cos2 += std::norm(u.a[0][0]);
    }
    EXPECT_NEAR(mean_cos2 / N, 0.5, 0.02);
}

// ---- reconstruction ---------------------------------------------------------

TEST(EulerSynth, HaarRandomEveryBasis)
{
    for (qtr_euler_basis b : ALL) {
        Haar h(1000 + b);
        double worst = 0;
        int full = 0;
        for (int i = 0; i < 10000; i++) {
            Synth s = synth(h.next(), b);
            ASSERT_LT(s.err, 1e-12) << basis_name(b) << " sample " << i << ": " << s.ops;
            worst = std::max(worst, s.err);
            full += s.n == basis_max(b);
        }
        // Generic unitaries need the full form (no accidental degeneracy).
        EXPECT_EQ(full, 10000) << basis_name(b);
        std::printf("[ info ] %-4s worst error over 10000 Haar unitaries: %.2e\n", basis_name(b), worst);
        EXPECT_LT(worst, 1e-13) << basis_name(b);  // far from snapping boundaries: ~1e-15
    }
}

TEST(EulerSynth, DegenerateAndNearDegenerateAngles)
{
    // m = e^{iα} Rz(φ) Ry(θ) Rz(λ) over the awkward values of each angle.
    const double thetas[] = {0.0, -0.0, 1e-9, -1e-9, 1e-13, PI, -PI, PI - 1e-9, PI + 1e-9,
                             PI - 1e-13, PI / 2, PI / 2 + 1e-9, PI / 2 - 1e-13, -PI / 2,
                             3 * PI / 2, 2 * PI, 1.234};
    const double outer[] = {0.0, -0.0, PI, -PI, PI / 2, -PI / 2, 1e-9, -1e-13, PI - 1e-13,
                            2 * PI, 3 * PI, 0.77};
    const double phases[] = {0.0, PI, -PI, 2.5};
    int cases = 0;
    for (qtr_euler_basis b : ALL)
        for (double t : thetas)
            for (double f : outer)
                for (double l : outer)
                    for (double a : phases) {
                        M2 u = scale(mul(rz(f), mul(ry(t), rz(l))), std::exp(I1 * a));
                        Synth s = synth(u, b);
                        ASSERT_LT(s.err, 1e-12) << basis_name(b) << " θ=" << t << " φ=" << f
                                                << " λ=" << l << " α=" << a << ": " << s.ops;
                        cases++;
                    }
    EXPECT_EQ(cases, 9 * 17 * 12 * 12 * 4);
}

TEST(EulerSynth, NamedGatesAndSpecialAngles)
{
    std::vector<M2> mats = {id(), scale(id(), -1.0), xg(), yg(), zg(), hg(), sx(),
                            rz(PI), rz(-PI), rx(PI), ry(-PI), rz(-0.0), ph(-0.0), ph(PI),
                            u3(PI, PI, -PI), u3(-0.0, -0.0, -0.0), u3(PI / 2, -PI, PI),
                            rx(1e-9), ry(PI - 1e-9), rz(2 * PI), rz(4 * PI - 1e-9)};
    for (qtr_euler_basis b : ALL)
        for (size_t i = 0; i < mats.size(); i++) {
            Synth s = synth(mats[i], b);
            EXPECT_LT(s.err, 1e-14) << basis_name(b) << " matrix #" << i << ": " << s.ops;
        }
}

TEST(EulerSynth, NearDegenerateKeepsSmallRotation)
{
    // θ = 1e-9 is far above the 1e-12 tolerance: it must be synthesised, not
    // snapped to 0 (which would leave an error of 5e-10).
    M2 u = mul(rz(0.3), mul(ry(1e-9), rz(-1.1)));
    for (qtr_euler_basis b : ALL) {
        Synth s = synth(u, b);
        EXPECT_LT(s.err, 1e-15) << basis_name(b) << ": " << s.ops;
    }
    Synth z = synth(u, QTR_EULER_ZYZ);
    ASSERT_EQ(z.n, 3);
    EXPECT_EQ(z.ops, "rz ry rz");
    EXPECT_NEAR(std::fabs(z.g[1].params[0]), 1e-9, 1e-20);
}

// ---- shortest forms ---------------------------------------------------------

TEST(EulerSynth, IdentityGivesNoGates)
{
    for (qtr_euler_basis b : ALL)
        for (double a : {0.0, 0.3, PI, -2.0}) {
            Synth s = synth(scale(id(), std::exp(I1 * a)), b);
            EXPECT_EQ(s.n, 0) << basis_name(b) << " " << s.ops;
            EXPECT_NEAR(std::remainder(s.phase - a, 2 * PI), 0.0, 1e-15) << basis_name(b);
        }
}

TEST(EulerSynth, RzIsOneGate)
{
    for (double t : {0.5, -2.9, PI, -PI, 1e-9, 5.0}) {
        for (qtr_euler_basis b : {QTR_EULER_ZSX, QTR_EULER_ZSXX, QTR_EULER_ZYZ, QTR_EULER_ZXZ}) {
            Synth s = synth(rz(t), b);
            ASSERT_EQ(s.n, 1) << basis_name(b) << " rz(" << t << "): " << s.ops;
            EXPECT_EQ(s.g[0].op, QTR_OP_RZ);
            EXPECT_NEAR(std::remainder(s.g[0].params[0] - t, 2 * PI), 0.0, 1e-14);
        }
        Synth p = synth(rz(t), QTR_EULER_PSX);
        EXPECT_EQ(p.ops, "p");
        Synth u = synth(rz(t), QTR_EULER_U321);
        EXPECT_EQ(u.ops, "u1");
    }
}

TEST(EulerSynth, ShortFormsOfNamedGates)
{
    struct Case {
        qtr_euler_basis b;
        M2 u;
        const char *ops;
    } cases[] = {
        {QTR_EULER_ZSXX, xg(), "x"},
        {QTR_EULER_ZSX, sx(), "sx"},
        {QTR_EULER_ZSXX, sx(), "sx"},
        {QTR_EULER_PSX, sx(), "sx"},
        {QTR_EULER_ZSX, hg(), "rz sx rz"},
        {QTR_EULER_ZSXX, hg(), "rz sx rz"},
        {QTR_EULER_PSX, hg(), "p sx p"},
        {QTR_EULER_ZSX, xg(), "sx sx"},
        {QTR_EULER_ZSX, zg(), "rz"},
        {QTR_EULER_ZSXX, yg(), "x rz"},
        {QTR_EULER_ZYZ, yg(), "ry"},
        {QTR_EULER_ZYZ, xg(), "ry rz"},
        {QTR_EULER_ZXZ, xg(), "rx"},
        {QTR_EULER_XYX, xg(), "rx"},
        {QTR_EULER_XYX, yg(), "ry"},
        {QTR_EULER_ZYZ, hg(), "rz ry"},  // tie with "ry rz": the first triple wins
        {QTR_EULER_ZYZ, ry(0.4), "ry"},
        {QTR_EULER_ZXZ, rx(-0.4), "rx"},
        {QTR_EULER_XYX, rx(2.0), "rx"},
        {QTR_EULER_U321, hg(), "u2"},
        {QTR_EULER_U321, ph(PI / 4), "u1"},
        {QTR_EULER_U321, xg(), "u3"},
        {QTR_EULER_U3, hg(), "u3"},
        {QTR_EULER_U, zg(), "u"},
        {QTR_EULER_PSX, ph(PI / 4), "p"},
        {QTR_EULER_ZSXX, rx(PI), "x"},
        {QTR_EULER_ZSXX, mul(rz(0.3), mul(xg(), rz(-0.3))), "x rz"},
    };
    for (const Case &c : cases) {
        Synth s = synth(c.u, c.b);
        EXPECT_EQ(s.ops, c.ops) << basis_name(c.b);
        EXPECT_LT(s.err, 1e-14) << basis_name(c.b) << ": " << s.ops;
    }
    // t in PSX: exactly p(π/4) and no phase.
    Synth t = synth(ph(PI / 4), QTR_EULER_PSX);
    ASSERT_EQ(t.n, 1);
    EXPECT_NEAR(t.g[0].params[0], PI / 4, 1e-15);
    EXPECT_NEAR(t.phase, 0.0, 1e-15);
}

TEST(EulerSynth, PiOuterAnglesAreMerged)
{
    // Rz(π)·Ry(θ)·Rz(π) = −Ry(−θ): one gate, not three.
    Synth s = synth(mul(rz(PI), mul(ry(0.9), rz(PI))), QTR_EULER_ZYZ);
    EXPECT_EQ(s.ops, "ry");
    EXPECT_NEAR(s.g[0].params[0], -0.9, 1e-14);
    // ±π in ZSX: the outer rz(φ+π) and rz(λ) vanish for φ = λ = ±π variants.
    Synth z = synth(mul(rz(-PI), mul(ry(0.9), rz(PI))), QTR_EULER_ZSX);
    EXPECT_LE(z.n, 4) << z.ops;
    EXPECT_LT(z.err, 1e-14);
}

TEST(EulerSynth, OutputIsDeterministic)
{
    Haar h(99);
    for (int i = 0; i < 100; i++) {
        M2 u = h.next();
        Synth a = synth(u, QTR_EULER_ZSXX), b = synth(u, QTR_EULER_ZSXX);
        ASSERT_EQ(a.n, b.n);
        for (int k = 0; k < a.n; k++) {
            EXPECT_EQ(a.g[k].op, b.g[k].op);
            for (int j = 0; j < 3; j++) EXPECT_EQ(a.g[k].params[j], b.g[k].params[j]);
        }
        EXPECT_EQ(a.phase, b.phase);
    }
}

// ---- bad input --------------------------------------------------------------

TEST(EulerSynth, BadInputReturnsMinusOne)
{
    double m[8];
    to_flat(hg(), m);
    qtr_gate1q g[QTR_EULER_MAX_GATES];
    double phase = 0;
    EXPECT_EQ(qtr_euler_synth(m, QTR_EULER_ZSX, g, 2, &phase), -1);  // needs 3
    EXPECT_EQ(qtr_euler_synth(m, QTR_EULER_ZSX, g, 3, &phase), 3);
    EXPECT_EQ(qtr_euler_synth(m, QTR_EULER_ZSX, nullptr, 5, &phase), -1);
    EXPECT_EQ(qtr_euler_synth(m, QTR_EULER_ZSX, g, 5, nullptr), -1);
    EXPECT_EQ(qtr_euler_synth(nullptr, QTR_EULER_ZSX, g, 5, &phase), -1);
    EXPECT_EQ(qtr_euler_synth(m, QTR_EULER_COUNT, g, 5, &phase), -1);
    EXPECT_EQ(qtr_euler_synth(m, static_cast<qtr_euler_basis>(-1), g, 5, &phase), -1);
    for (double bad : {NAN, INFINITY, -INFINITY}) {
        double mm[8];
        std::memcpy(mm, m, sizeof mm);
        mm[5] = bad;
        EXPECT_EQ(qtr_euler_synth(mm, QTR_EULER_U3, g, 5, &phase), -1);
    }
    // Identity needs no room at all.
    double e[8];
    to_flat(id(), e);
    EXPECT_EQ(qtr_euler_synth(e, QTR_EULER_ZSX, nullptr, 0, &phase), 0);
    // Not unitary: meaningless but must not crash or write past cap.
    double z[8] = {0};
    int n = qtr_euler_synth(z, QTR_EULER_ZSX, g, QTR_EULER_MAX_GATES, &phase);
    EXPECT_LE(n, QTR_EULER_MAX_GATES);
}

// ---- basis choice -----------------------------------------------------------

namespace {
int pick(std::initializer_list<const char *> names)
{
    uint8_t b[QTR_OP_COUNT] = {0};
    for (const char *n : names) {
        int op = qtr_gate_lookup(n, std::strlen(n));
        EXPECT_GE(op, 0) << n;
        if (op >= 0) b[op] = 1;
    }
    return qtr_euler_basis_for(b);
}
}  // namespace

TEST(EulerBasisFor, PicksPreferredBasis)
{
    EXPECT_EQ(pick({"cx", "rz", "sx", "x"}), QTR_EULER_ZSXX);
    EXPECT_EQ(pick({"cz", "rz", "sx", "x"}), QTR_EULER_ZSXX);
    EXPECT_EQ(pick({"ecr", "rz", "sx", "x"}), QTR_EULER_ZSXX);
    EXPECT_EQ(pick({"cx", "rz", "sx"}), QTR_EULER_ZSX);
    EXPECT_EQ(pick({"cx", "u"}), QTR_EULER_U);
    EXPECT_EQ(pick({"cx", "u1", "u2", "u3"}), QTR_EULER_U321);
    EXPECT_EQ(pick({"cx", "u3"}), QTR_EULER_U3);
    EXPECT_EQ(pick({"cx", "u3", "rz", "sx", "x"}), QTR_EULER_U3);
    EXPECT_EQ(pick({"cx", "rx", "ry", "rz"}), QTR_EULER_ZYZ);
    EXPECT_EQ(pick({"cz", "rx", "rz"}), QTR_EULER_ZXZ);
    EXPECT_EQ(pick({"rx", "ry"}), QTR_EULER_XYX);
    EXPECT_EQ(pick({"cx", "p", "sx"}), QTR_EULER_PSX);
    EXPECT_EQ(pick({"cx", "h", "t"}), -1);
    EXPECT_EQ(pick({"cx", "rz"}), -1);
    EXPECT_EQ(pick({}), -1);
    EXPECT_EQ(qtr_euler_basis_for(nullptr), -1);
}

// ---- against the library's gate matrices (src/gate_matrix.c) ---------------

namespace {
M2 lib_mat(qtr_op op, const double *params)
{
    double m[8];
    EXPECT_EQ(qtr_gate_matrix(op, params, m), QTR_OK) << qtr_gate(op)->name;
    return mk(cd(m[0], m[1]), cd(m[2], m[3]), cd(m[4], m[5]), cd(m[6], m[7]));
}

// product · e^{i·phase} of a synthesis, built from qtr_gate_matrix only.
M2 lib_product(const Synth &s)
{
    double acc[8], g[8];
    qtr_m2_identity(acc);
    for (int i = 0; i < s.n; i++) {
        EXPECT_EQ(qtr_gate_matrix(static_cast<qtr_op>(s.g[i].op), s.g[i].params, g), QTR_OK);
        qtr_m2_mul(g, acc, acc);
    }
    qtr_m2_mul_phase(acc, s.phase);
    return mk(cd(acc[0], acc[1]), cd(acc[2], acc[3]), cd(acc[4], acc[5]), cd(acc[6], acc[7]));
}
}  // namespace

TEST(EulerLibMatrices, ReferenceMatricesAgreeWithGateMatrix)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 5);
    for (int i = 0; i < 200; i++) {
        double p[3];
        for (double &x : p) x = (qtr_rng_uniform(&ctx) - 0.5) * 4 * PI;
        qtr_gate1q g;
        std::memcpy(g.params, p, sizeof p);
        for (qtr_op op : {QTR_OP_RZ, QTR_OP_RY, QTR_OP_RX, QTR_OP_P, QTR_OP_U1, QTR_OP_U2,
                          QTR_OP_U3, QTR_OP_U, QTR_OP_SX, QTR_OP_X}) {
            g.op = static_cast<uint8_t>(op);
            EXPECT_LT(maxdiff(gate_mat(g), lib_mat(op, p)), 1e-15) << qtr_gate(op)->name;
        }
    }
}

TEST(EulerLibMatrices, EveryOneQubitTableGateInEveryBasis)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 11);
    int tried = 0;
    for (int op = 0; op < QTR_OP_COUNT; op++) {
        const qtr_gate_info *gi = qtr_gate(static_cast<qtr_op>(op));
        if (gi->nqubits != 1 || (gi->props & (QTR_GP_NONUNITARY | QTR_GP_DIRECTIVE))) continue;
        for (int rep = 0; rep < (gi->nparams ? 50 : 1); rep++) {
            double p[4] = {0, 0, 0, 0};
            for (int k = 0; k < gi->nparams; k++) p[k] = (qtr_rng_uniform(&ctx) - 0.5) * 4 * PI;
            if (rep == 1)  // and the awkward values
                for (int k = 0; k < gi->nparams; k++) p[k] = (k % 2) ? -PI : PI;
            M2 u = lib_mat(static_cast<qtr_op>(op), p);
            for (qtr_euler_basis b : ALL) {
                Synth s = synth(u, b);  // reference-matrix check
                EXPECT_LT(s.err, 1e-14) << gi->name << " in " << basis_name(b) << ": " << s.ops;
                EXPECT_LT(maxdiff(lib_product(s), u), 1e-14) << gi->name << " in " << basis_name(b);
                tried++;
            }
        }
    }
    EXPECT_GT(tried, 9 * 20);
}

TEST(EulerLibMatrices, HaarRandomRebuiltWithGateMatrix)
{
    for (qtr_euler_basis b : ALL) {
        Haar h(77 + b);
        for (int i = 0; i < 500; i++) {
            M2 u = h.next();
            Synth s = synth(u, b);
            ASSERT_LT(maxdiff(lib_product(s), u), 1e-13) << basis_name(b) << " sample " << i;
        }
    }
}
