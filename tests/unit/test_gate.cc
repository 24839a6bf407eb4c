// test_gate.cc -- gate matrices and inverses (src/gate_matrix.c) and the
// property flags of src/gates.def, each checked against the matrix.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <vector>

#include "qtr.h"

namespace {

using C = std::complex<double>;
using Mat = std::vector<C>;
const double kPi = 3.14159265358979323846;

struct Gate {
    qtr_op op;
    int nq, dim;
};

bool unitary_op(int op)
{
    const qtr_gate_info *g = qtr_gate((qtr_op)op);
    return !(g->props & (QTR_GP_DIRECTIVE | QTR_GP_NONUNITARY));
}

Mat matrix(qtr_op op, const double *p)
{
    int nq = qtr_gate(op)->nqubits, dim = 1 << nq;
    std::vector<double> m(2 * dim * dim, NAN);
    EXPECT_EQ(qtr_gate_matrix(op, p, m.data()), QTR_OK) << qtr_gate(op)->name;
    Mat r(dim * dim);
    for (int i = 0; i < dim * dim; i++) r[i] = C(m[2 * i], m[2 * i + 1]);
    return r;
}

Mat mul(const Mat &a, const Mat &b, int dim)
{
    Mat r(dim * dim);
    for (int i = 0; i < dim; i++)
        for (int k = 0; k < dim; k++)
            for (int j = 0; j < dim; j++) r[i * dim + j] += a[i * dim + k] * b[k * dim + j];
    return r;
}

Mat dagger(const Mat &a, int dim)
{
    Mat r(dim * dim);
    for (int i = 0; i < dim; i++)
        for (int j = 0; j < dim; j++) r[j * dim + i] = std::conj(a[i * dim + j]);
    return r;
}

Mat eye(int dim)
{
    Mat r(dim * dim);
    for (int i = 0; i < dim; i++) r[i * dim + i] = 1;
    return r;
}

double maxdiff(const Mat &a, const Mat &b)
{
    double d = 0;
    for (size_t i = 0; i < a.size(); i++) d = std::max(d, std::abs(a[i] - b[i]));
    return d;
}

// max |a - e^{iφ} b| for the best global phase φ (taken from the largest entry)
double diff_up_to_phase(const Mat &a, const Mat &b)
{
    size_t k = 0;
    for (size_t i = 0; i < b.size(); i++)
        if (std::abs(b[i]) > std::abs(b[k])) k = i;
    if (std::abs(a[k]) < 1e-12) return 1e9;
    C ph = a[k] / b[k];
    ph /= std::abs(ph);
    Mat bb(b);
    for (auto &x : bb) x *= ph;
    return maxdiff(a, bb);
}

// Matrix with operands i and j exchanged: M'[r][c] = M[σ(r)][σ(c)].
Mat swap_operands(const Mat &m, int nq, int i, int j)
{
    int dim = 1 << nq;
    auto sw = [&](int x) {
        int bi = x >> i & 1, bj = x >> j & 1;
        x &= ~((1 << i) | (1 << j));
        return x | (bi << j) | (bj << i);
    };
    Mat r(dim * dim);
    for (int a = 0; a < dim; a++)
        for (int b = 0; b < dim; b++) r[a * dim + b] = m[sw(a) * dim + sw(b)];
    return r;
}

// Kronecker product placing 1-qubit matrix u on operand q of an n-qubit space.
Mat on_qubit(const Mat &u, int q, int nq)
{
    int dim = 1 << nq;
    Mat r(dim * dim);
    for (int a = 0; a < dim; a++)
        for (int b = 0; b < dim; b++) {
            if ((a & ~(1 << q)) != (b & ~(1 << q))) continue;
            r[a * dim + b] = u[(a >> q & 1) * 2 + (b >> q & 1)];
        }
    return r;
}

std::vector<double> random_params(qtr_ctx *rng)
{
    std::vector<double> p(4);
    for (auto &x : p) x = (2 * qtr_rng_uniform(rng) - 1) * 2 * kPi;
    return p;
}

Mat from_rows(std::initializer_list<C> l) { return Mat(l); }

}  // namespace

// ---- every gate ---------------------------------------------------------

TEST(GateMatrix, EveryGateIsUnitary)
{
    qtr_ctx rng;
    qtr_ctx_init(&rng, 7);
    for (int op = 0; op < QTR_OP_COUNT; op++) {
        if (!unitary_op(op)) continue;
        int dim = 1 << qtr_gate((qtr_op)op)->nqubits;
        ASSERT_LE(dim, 32);
        for (int t = 0; t < 5; t++) {
            auto p = random_params(&rng);
            Mat m = matrix((qtr_op)op, p.data());
            EXPECT_LT(maxdiff(mul(m, dagger(m, dim), dim), eye(dim)), 1e-12)
                << qtr_gate((qtr_op)op)->name;
        }
    }
}

TEST(GateMatrix, NonUnitaryAndDirectivesHaveNoMatrix)
{
    double m[8];
    for (qtr_op op : {QTR_OP_MEASURE, QTR_OP_RESET, QTR_OP_BARRIER, QTR_OP_NOP})
        EXPECT_EQ(qtr_gate_matrix(op, nullptr, m), QTR_EINVAL) << qtr_gate(op)->name;
    EXPECT_EQ(qtr_gate_matrix((qtr_op)QTR_OP_COUNT, nullptr, m), QTR_EINVAL);
}

// ---- inverses -------------------------------------------------------------

TEST(GateInverse, InverseTimesGateIsIdentity)
{
    qtr_ctx rng;
    qtr_ctx_init(&rng, 11);
    int checked = 0;
    for (int op = 0; op < QTR_OP_COUNT; op++) {
        if (!unitary_op(op)) continue;
        const qtr_gate_info *g = qtr_gate((qtr_op)op);
        int nq = g->nqubits, dim = 1 << nq;
        for (int t = 0; t < 4; t++) {
            auto p = random_params(&rng);
            qtr_op inv;
            double ip[4] = {NAN, NAN, NAN, NAN}, phase = 0;
            int sw = -1;
            qtr_status st = qtr_gate_inverse((qtr_op)op, p.data(), &inv, ip, &sw, &phase);
            if (op == QTR_OP_CSX || op == QTR_OP_C3SQRTX || op == QTR_OP_RC3X) {
                EXPECT_EQ(st, QTR_EUNSUPPORTED) << g->name;
                continue;
            }
            ASSERT_EQ(st, QTR_OK) << g->name;
            ASSERT_EQ(qtr_gate(inv)->nqubits, nq) << g->name;
            Mat mi = matrix(inv, ip);
            if (sw) mi = swap_operands(mi, nq, 0, 1);
            Mat prod = mul(mi, matrix((qtr_op)op, p.data()), dim);
            // the inverses in the table are exact, so no phase is reported
            EXPECT_EQ(phase, 0.0) << g->name;
            EXPECT_LT(maxdiff(prod, eye(dim)), 1e-12) << g->name << " inverse " << qtr_gate(inv)->name;
            EXPECT_EQ(sw, op == QTR_OP_DCX ? 1 : 0) << g->name;
            checked++;
        }
    }
    EXPECT_GT(checked, 4 * 45);
}

TEST(GateInverse, SpecificPairs)
{
    qtr_op inv;
    double ip[4], phase = 0, p[4] = {0.3, 0.2, 0.1, 0.4};
    int sw;
    struct { qtr_op a, b; } pairs[] = {{QTR_OP_S, QTR_OP_SDG}, {QTR_OP_T, QTR_OP_TDG},
                                       {QTR_OP_SX, QTR_OP_SXDG}, {QTR_OP_CS, QTR_OP_CSDG},
                                       {QTR_OP_U2, QTR_OP_U3}, {QTR_OP_ISWAP, QTR_OP_XX_PLUS_YY},
                                       {QTR_OP_ECR, QTR_OP_ECR}, {QTR_OP_RCCX, QTR_OP_RCCX}};
    for (auto pr : pairs) {
        ASSERT_EQ(qtr_gate_inverse(pr.a, p, &inv, ip, &sw, &phase), QTR_OK);
        EXPECT_EQ(inv, pr.b) << qtr_gate(pr.a)->name;
    }
    ASSERT_EQ(qtr_gate_inverse(QTR_OP_ISWAP, p, &inv, ip, &sw, &phase), QTR_OK);
    EXPECT_DOUBLE_EQ(ip[0], kPi);
    EXPECT_DOUBLE_EQ(ip[1], 0);
    ASSERT_EQ(qtr_gate_inverse(QTR_OP_U3, p, &inv, ip, &sw, &phase), QTR_OK);
    EXPECT_EQ(ip[0], -0.3);
    EXPECT_EQ(ip[1], -0.1);
    EXPECT_EQ(ip[2], -0.2);
    EXPECT_EQ(qtr_gate_inverse(QTR_OP_MEASURE, p, &inv, ip, &sw, &phase), QTR_EINVAL);
    EXPECT_EQ(qtr_gate_inverse(QTR_OP_RESET, p, &inv, ip, &sw, &phase), QTR_EINVAL);
    ASSERT_EQ(qtr_gate_inverse(QTR_OP_BARRIER, p, &inv, ip, &sw, &phase), QTR_OK);
    EXPECT_EQ(inv, QTR_OP_BARRIER);
}

// ---- property flags against the matrix -----------------------------------------

namespace {

bool is_diag(const Mat &m, int dim)
{
    for (int i = 0; i < dim; i++)
        for (int j = 0; j < dim; j++)
            if (i != j && std::abs(m[i * dim + j]) > 1e-12) return false;
    return true;
}

bool is_symmetric(const Mat &m, int nq)
{
    for (int i = 0; i + 1 < nq; i++)  // adjacent transpositions generate all permutations
        if (maxdiff(swap_operands(m, nq, i, i + 1), m) > 1e-12) return false;
    return true;
}

// U P U† is ± a Pauli string for every single-qubit X_k and Z_k (which
// generate the Pauli group): the definition of a Clifford.
bool is_clifford(const Mat &u, int nq)
{
    int dim = 1 << nq;
    Mat ud = dagger(u, dim);
    for (int k = 0; k < nq; k++)
        for (int which = 0; which < 2; which++) {
            Mat pm = on_qubit(which ? Mat{1, 0, 0, -1} : Mat{0, 1, 1, 0}, k, nq);
            Mat r = mul(mul(u, pm, dim), ud, dim);
            // x mask from row 0: the column of its nonzero entry
            int x = -1;
            for (int c = 0; c < dim; c++)
                if (std::abs(r[c]) > 1e-9) { if (x >= 0) return false; x = c; }
            if (x < 0) return false;
            bool found = false;
            for (int z = 0; z < dim && !found; z++) {
                // Pauli X^x Z^z has entry (r ^ x, r) = (-1)^{popcount(z & r)}
                C ov = 0;
                for (int c = 0; c < dim; c++)
                    ov += r[(c ^ x) * dim + c] * double(__builtin_popcount(z & c) & 1 ? -1 : 1);
                if (std::abs(std::abs(ov) - dim) < 1e-9) found = true;
            }
            if (!found) return false;
        }
    return true;
}

}  // namespace

TEST(GateFlags, EachFlagMatchesTheMatrix)
{
    qtr_ctx rng;
    qtr_ctx_init(&rng, 3);
    for (int op = 0; op < QTR_OP_COUNT; op++) {
        if (!unitary_op(op)) continue;
        const qtr_gate_info *g = qtr_gate((qtr_op)op);
        int nq = g->nqubits, dim = 1 << nq;
        // a property "holds" when it holds for several random parameter sets
        // (for parametric gates a flag must hold for every value)
        bool selfinv = true, diag = true, sym = true, cliff = true;
        for (int t = 0; t < 4; t++) {
            auto p = random_params(&rng);
            Mat m = matrix((qtr_op)op, p.data());
            selfinv &= maxdiff(mul(m, m, dim), eye(dim)) < 1e-12;
            diag &= is_diag(m, dim);
            sym &= nq >= 2 && is_symmetric(m, nq);
            cliff &= is_clifford(m, nq);
        }
        EXPECT_EQ(!!(g->props & QTR_GP_SELFINV), selfinv) << g->name << " SELFINV";
        EXPECT_EQ(!!(g->props & QTR_GP_DIAG), diag) << g->name << " DIAG";
        EXPECT_EQ(!!(g->props & QTR_GP_SYMMETRIC), sym) << g->name << " SYMMETRIC";
        EXPECT_EQ(!!(g->props & QTR_GP_CLIFFORD), cliff) << g->name << " CLIFFORD";
        EXPECT_FALSE(g->props & (QTR_GP_DIRECTIVE | QTR_GP_NONUNITARY)) << g->name;
    }
}

TEST(GateFlags, CliffordCheckerRejectsT)
{
    // guard against a checker that accepts everything
    EXPECT_FALSE(is_clifford(matrix(QTR_OP_T, nullptr), 1));
    EXPECT_FALSE(is_clifford(matrix(QTR_OP_CCX, nullptr), 3));
    EXPECT_TRUE(is_clifford(matrix(QTR_OP_ECR, nullptr), 2));
}

// ---- known matrices written out by hand -------------------------------------

TEST(GateMatrix, TextbookMatrices)
{
    const double r = 1 / std::sqrt(2.0);
    const C i(0, 1);
    EXPECT_LT(maxdiff(matrix(QTR_OP_X, nullptr), from_rows({0, 1, 1, 0})), 1e-15);
    EXPECT_LT(maxdiff(matrix(QTR_OP_H, nullptr), from_rows({r, r, r, -r})), 1e-15);
    // cx q0,q1: control q0 = bit 0, so |q1 q0> = |01> (index 1) ↔ |11> (index 3)
    EXPECT_LT(maxdiff(matrix(QTR_OP_CX, nullptr),
                      from_rows({1, 0, 0, 0,  0, 0, 0, 1,  0, 0, 1, 0,  0, 1, 0, 0})), 1e-15);
    EXPECT_LT(maxdiff(matrix(QTR_OP_SWAP, nullptr),
                      from_rows({1, 0, 0, 0,  0, 0, 1, 0,  0, 1, 0, 0,  0, 0, 0, 1})), 1e-15);
    Mat ccx = eye(8);
    ccx[3 * 8 + 3] = ccx[7 * 8 + 7] = 0;
    ccx[3 * 8 + 7] = ccx[7 * 8 + 3] = 1;
    EXPECT_LT(maxdiff(matrix(QTR_OP_CCX, nullptr), ccx), 1e-15);
    double th = 0.7;
    C e = std::exp(-i * th / 2.0), f = std::exp(i * th / 2.0);
    EXPECT_LT(maxdiff(matrix(QTR_OP_RZZ, &th),
                      from_rows({e, 0, 0, 0,  0, f, 0, 0,  0, 0, f, 0,  0, 0, 0, e})), 1e-15);
    // ECR = (IX - XY)/√2 (Qiskit's documentation)
    EXPECT_LT(maxdiff(matrix(QTR_OP_ECR, nullptr),
                      from_rows({0, r, 0, i * r,  r, 0, -i * r, 0,
                                 0, i * r, 0, r,  -i * r, 0, r, 0})), 1e-15);
    // RZX(θ) = exp(-iθ/2 X⊗Z), Z on q0 (Qiskit's documentation)
    double c = std::cos(th / 2), s = std::sin(th / 2);
    EXPECT_LT(maxdiff(matrix(QTR_OP_RZX, &th),
                      from_rows({c, 0, -i * s, 0,  0, c, 0, i * s,
                                 -i * s, 0, c, 0,  0, i * s, 0, c})), 1e-15);
    EXPECT_LT(maxdiff(matrix(QTR_OP_ISWAP, nullptr),
                      from_rows({1, 0, 0, 0,  0, 0, i, 0,  0, i, 0, 0,  0, 0, 0, 1})), 1e-15);
    // DCX = CX(q0→q1) then CX(q1→q0)
    Mat cx01 = matrix(QTR_OP_CX, nullptr), cx10 = swap_operands(cx01, 2, 0, 1);
    EXPECT_LT(maxdiff(matrix(QTR_OP_DCX, nullptr), mul(cx10, cx01, 4)), 1e-15);
}

TEST(GateMatrix, U3SpecialCases)
{
    qtr_ctx rng;
    qtr_ctx_init(&rng, 5);
    for (int t = 0; t < 10; t++) {
        auto p = random_params(&rng);
        double a = p[0], b = p[1], l = p[2];
        double u2as3[3] = {kPi / 2, a, b}, u1as3[3] = {0, 0, a}, rxas3[3] = {a, -kPi / 2, kPi / 2},
               ryas3[3] = {a, 0, 0}, ab[2] = {a, b}, u3p[3] = {a, b, l};
        EXPECT_LT(maxdiff(matrix(QTR_OP_U2, ab), matrix(QTR_OP_U3, u2as3)), 1e-14);
        EXPECT_LT(maxdiff(matrix(QTR_OP_U1, &a), matrix(QTR_OP_U3, u1as3)), 1e-14);
        EXPECT_LT(maxdiff(matrix(QTR_OP_P, &a), matrix(QTR_OP_U1, &a)), 1e-14);
        EXPECT_LT(maxdiff(matrix(QTR_OP_U, u3p), matrix(QTR_OP_U3, u3p)), 1e-14);
        EXPECT_LT(diff_up_to_phase(matrix(QTR_OP_RZ, &a), matrix(QTR_OP_P, &a)), 1e-14);
        EXPECT_LT(diff_up_to_phase(matrix(QTR_OP_RX, &a), matrix(QTR_OP_U3, rxas3)), 1e-14);
        EXPECT_LT(maxdiff(matrix(QTR_OP_RY, &a), matrix(QTR_OP_U3, ryas3)), 1e-14);
        // R(θ, φ) = U(θ, φ - π/2, π/2 - φ) exactly (Qiskit's RGate definition)
        double rp[2] = {a, b}, ras3[3] = {a, b - kPi / 2, kPi / 2 - b};
        EXPECT_LT(maxdiff(matrix(QTR_OP_R, rp), matrix(QTR_OP_U3, ras3)), 1e-14);
        // cu(θ,φ,λ,0) = cu3(θ,φ,λ)
        double cu[4] = {a, b, l, 0};
        EXPECT_LT(maxdiff(matrix(QTR_OP_CU, cu), matrix(QTR_OP_CU3, u3p)), 1e-14);
        EXPECT_LT(maxdiff(matrix(QTR_OP_CP, &a), matrix(QTR_OP_CU1, &a)), 1e-14);
    }
    double half = kPi / 2, quarter = kPi / 4, h2[2] = {0, kPi};
    EXPECT_LT(maxdiff(matrix(QTR_OP_S, nullptr), matrix(QTR_OP_P, &half)), 1e-15);
    EXPECT_LT(maxdiff(matrix(QTR_OP_T, nullptr), matrix(QTR_OP_P, &quarter)), 1e-15);
    EXPECT_LT(maxdiff(matrix(QTR_OP_H, nullptr), matrix(QTR_OP_U2, h2)), 1e-15);
    EXPECT_LT(diff_up_to_phase(matrix(QTR_OP_SX, nullptr), matrix(QTR_OP_RX, &half)), 1e-15);
    Mat sx = matrix(QTR_OP_SX, nullptr);
    EXPECT_LT(maxdiff(mul(sx, sx, 2), matrix(QTR_OP_X, nullptr)), 1e-15);
}

TEST(GateMatrix, TwoQubitFamiliesMatchTheirDefinitions)
{
    qtr_ctx rng;
    qtr_ctx_init(&rng, 9);
    for (int t = 0; t < 6; t++) {
        auto p = random_params(&rng);
        double th = p[0], be = p[1], half = th / 2, mhalf = -th / 2, mbe = -be;
        // XX+YY(θ,β) = RZ_0(-β) · exp(-iθ/4 (XX+YY)) · RZ_0(β); XX and YY commute
        Mat core = mul(matrix(QTR_OP_RXX, &half), matrix(QTR_OP_RYY, &half), 4);
        Mat want = mul(mul(on_qubit(matrix(QTR_OP_RZ, &mbe), 0, 2), core, 4),
                       on_qubit(matrix(QTR_OP_RZ, &be), 0, 2), 4);
        double xy[2] = {th, be};
        EXPECT_LT(maxdiff(matrix(QTR_OP_XX_PLUS_YY, xy), want), 1e-13);
        // XX-YY(θ,β) = RZ_1(β) · exp(-iθ/4 (XX-YY)) · RZ_1(-β) (note the signs: this
        // is what Qiskit's XXMinusYYGate matrix equals)
        core = mul(matrix(QTR_OP_RXX, &half), matrix(QTR_OP_RYY, &mhalf), 4);
        want = mul(mul(on_qubit(matrix(QTR_OP_RZ, &be), 1, 2), core, 4),
                   on_qubit(matrix(QTR_OP_RZ, &mbe), 1, 2), 4);
        EXPECT_LT(maxdiff(matrix(QTR_OP_XX_MINUS_YY, xy), want), 1e-13);
        // RZX(θ) = (I⊗H) RZZ(θ) (I⊗H) with H on the X operand (q1)
        Mat h1 = on_qubit(matrix(QTR_OP_H, nullptr), 1, 2);
        EXPECT_LT(maxdiff(matrix(QTR_OP_RZX, &th), mul(mul(h1, matrix(QTR_OP_RZZ, &th), 4), h1, 4)),
                  1e-13);
        // controlled rotations: control q0
        Mat crz = eye(4);
        Mat rz = matrix(QTR_OP_RZ, &th);
        crz[1 * 4 + 1] = rz[0];
        crz[3 * 4 + 3] = rz[3];
        EXPECT_LT(maxdiff(matrix(QTR_OP_CRZ, &th), crz), 1e-14);
    }
    // cz = (H on q1) cx (H on q1)
    Mat h1 = on_qubit(matrix(QTR_OP_H, nullptr), 1, 2);
    EXPECT_LT(maxdiff(matrix(QTR_OP_CZ, nullptr), mul(mul(h1, matrix(QTR_OP_CX, nullptr), 4), h1, 4)),
              1e-15);
    // swap = cx01 cx10 cx01
    Mat cx01 = matrix(QTR_OP_CX, nullptr), cx10 = swap_operands(cx01, 2, 0, 1);
    EXPECT_LT(maxdiff(matrix(QTR_OP_SWAP, nullptr), mul(mul(cx01, cx10, 4), cx01, 4)), 1e-15);
    // cs = diag(1,1,1,i); ccz = diag(1,..,1,-1)
    Mat cs = eye(4);
    cs[15] = C(0, 1);
    EXPECT_LT(maxdiff(matrix(QTR_OP_CS, nullptr), cs), 1e-15);
    Mat ccz = eye(8);
    ccz[63] = -1;
    EXPECT_LT(maxdiff(matrix(QTR_OP_CCZ, nullptr), ccz), 1e-15);
    // c4x flips operand 4 when operands 0-3 are set: indices 15 ↔ 31
    Mat c4x = eye(32);
    c4x[15 * 32 + 15] = c4x[31 * 32 + 31] = 0;
    c4x[15 * 32 + 31] = c4x[31 * 32 + 15] = 1;
    EXPECT_LT(maxdiff(matrix(QTR_OP_C4X, nullptr), c4x), 1e-15);
    // cswap: control q0 exchanges q1 and q2 → |011> (3) ↔ |101> (5)
    Mat cswap = eye(8);
    cswap[3 * 8 + 3] = cswap[5 * 8 + 5] = 0;
    cswap[3 * 8 + 5] = cswap[5 * 8 + 3] = 1;
    EXPECT_LT(maxdiff(matrix(QTR_OP_CSWAP, nullptr), cswap), 1e-15);
}
