// test_sim.cc -- the reference simulator (src/sim.c): states, unitaries, and
// the equivalence check with layouts, ancillas and final measurements.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstdlib>
#include <vector>

#include "qtr.h"
#include "random_circuit.h"
#include "sim.h"

using ::testing::HasSubstr;

namespace {

const double kPi = 3.14159265358979323846;

struct Circ {
    qtr_circuit *c = nullptr;
    Circ(uint32_t nq, uint32_t nc = 0)
    {
        qtr_ctx ctx;
        qtr_ctx_init(&ctx, 0);
        c = qtr_circuit_new(0);
        if (nq) qtr_circuit_add_qreg(c, "q", nq, &ctx);
        if (nc) qtr_circuit_add_creg(c, "c", nc, &ctx);
    }
    explicit Circ(qtr_circuit *x) : c(x) {}
    ~Circ() { qtr_circuit_free(c); }
    Circ(const Circ &) = delete;
    Circ &operator=(const Circ &) = delete;
    Circ &g(qtr_op op, std::initializer_list<uint32_t> q, std::initializer_list<double> p = {})
    {
        qtr_ctx ctx;
        qtr_ctx_init(&ctx, 0);
        std::vector<uint32_t> qs(q);
        std::vector<double> ps(p);
        EXPECT_EQ(qtr_circuit_append(c, op, qs.data(), (uint32_t)qs.size(), ps.data(), &ctx), QTR_OK)
            << ctx.msg;
        return *this;
    }
};

}  // namespace

TEST(Sim, BellState)
{
    Circ c(2);
    c.g(QTR_OP_H, {0}).g(QTR_OP_CX, {0, 1});
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 1);
    double *s = nullptr;
    ASSERT_EQ(qtr_sim_statevector(c.c, &s, &ctx), QTR_OK) << ctx.msg;
    const double r = 1 / std::sqrt(2.0);
    EXPECT_NEAR(s[0], r, 1e-15);
    EXPECT_NEAR(s[6], r, 1e-15);
    for (int i : {1, 2, 3, 4, 5, 7}) EXPECT_EQ(s[i], 0.0);
    free(s);
}

TEST(Sim, IdenticalCircuitsAreEquivalentAndAFlippedAngleIsNot)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 1);
    qtr_circuit *a = nullptr, *b = nullptr;
    ASSERT_EQ(qtr_random_circuit(4, 60, nullptr, 0, 42, &a, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_clone(a, &b, &ctx), QTR_OK);
    Circ ca(a), cb(b);
    EXPECT_EQ(qtr_sim_equivalent(a, b, nullptr, nullptr, 1e-6, &ctx), QTR_OK) << ctx.msg;
    // flip the sign of one angle
    for (size_t i = 0; i < b->ninst; i++)
        if (qtr_gate((qtr_op)b->inst[i].op)->nparams) {
            double *p = (double *)qtr_inst_params(b, &b->inst[i]);
            p[0] = -p[0];
            break;
        }
    EXPECT_EQ(qtr_sim_equivalent(a, b, nullptr, nullptr, 1e-6, &ctx), QTR_EVERIFY);
    EXPECT_THAT(ctx.msg, HasSubstr("not equivalent"));
}

// ---- helpers for the rest ----------------------------------------------------

namespace {

struct Ctx {
    qtr_ctx c;
    Ctx(uint64_t seed = 1) { qtr_ctx_init(&c, seed); }
    qtr_ctx *operator&() { return &c; }
    const char *msg() const { return c.msg; }
};

using Cx = std::complex<double>;

// Copy of c on N qubits with circuit qubit q moved to map[q] (clbits kept).
qtr_circuit *relabel(const qtr_circuit *c, uint32_t N, const std::vector<uint32_t> &map)
{
    Ctx ctx;
    qtr_circuit *d = qtr_circuit_new(0);
    qtr_circuit_add_qreg(d, "q", N, &ctx);
    if (c->nclbits) qtr_circuit_add_creg(d, "c", c->nclbits, &ctx);
    d->global_phase = c->global_phase;
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        const uint32_t *ops = qtr_inst_operands(c, in);
        std::vector<uint32_t> q(ops, ops + in->nargs);
        uint32_t nq = in->op == QTR_OP_MEASURE ? 1 : in->nargs;
        for (uint32_t j = 0; j < nq; j++) q[j] = map[q[j]];
        EXPECT_EQ(qtr_circuit_append(d, (qtr_op)in->op, q.data(), in->nargs,
                                     qtr_inst_params(c, in), &ctx), QTR_OK) << ctx.msg();
    }
    return d;
}

qtr_circuit *random_circ(uint32_t n, size_t g, uint64_t seed, std::vector<qtr_op> ops = {})
{
    Ctx ctx;
    qtr_circuit *c = nullptr;
    EXPECT_EQ(qtr_random_circuit(n, g, ops.empty() ? nullptr : ops.data(), ops.size(), seed, &c,
                                 &ctx), QTR_OK) << ctx.msg();
    return c;
}

// Reference unitary built the slow, obvious way: embed each gate's matrix in
// the full space by reading the operand bits of row and column indices.
std::vector<Cx> reference_unitary(const qtr_circuit *c)
{
    int n = (int)c->nqubits, dim = 1 << n;
    std::vector<Cx> u(dim * dim);
    for (int i = 0; i < dim; i++) u[i * dim + i] = 1;
    for (size_t k = 0; k < c->ninst; k++) {
        const qtr_inst *in = &c->inst[k];
        const qtr_gate_info *g = qtr_gate((qtr_op)in->op);
        if (g->props & QTR_GP_DIRECTIVE) continue;
        const uint32_t *ops = qtr_inst_operands(c, in);
        int gd = 1 << g->nqubits;
        std::vector<double> m(2 * gd * gd);
        qtr_gate_matrix((qtr_op)in->op, qtr_inst_params(c, in), m.data());
        uint32_t mask = 0;
        for (int j = 0; j < g->nqubits; j++) mask |= 1u << ops[j];
        auto local = [&](int x) {
            int l = 0;
            for (int j = 0; j < g->nqubits; j++) l |= (x >> ops[j] & 1) << j;
            return l;
        };
        std::vector<Cx> full(dim * dim);
        for (int r = 0; r < dim; r++)
            for (int col = 0; col < dim; col++)
                if ((r & ~(int)mask) == (col & ~(int)mask)) {
                    int idx = local(r) * gd + local(col);
                    full[r * dim + col] = Cx(m[2 * idx], m[2 * idx + 1]);
                }
        std::vector<Cx> nu(dim * dim);
        for (int r = 0; r < dim; r++)
            for (int j = 0; j < dim; j++)
                for (int col = 0; col < dim; col++) nu[r * dim + col] += full[r * dim + j] * u[j * dim + col];
        u.swap(nu);
    }
    Cx ph = std::exp(Cx(0, c->global_phase));
    for (auto &x : u) x *= ph;
    return u;
}

}  // namespace

// ---- states and unitaries ------------------------------------------------------

TEST(Sim, UnitaryMatchesANaiveReferenceForEveryGate)
{
    Ctx ctx;
    // 5 qubits so every gate (c4x included) fits; operands in random order
    for (uint64_t seed = 1; seed <= 3; seed++) {
        qtr_circuit *c = random_circ(5, 120, seed);
        Circ hold(c);
        c->global_phase = 0.37;
        double *u = nullptr;
        ASSERT_EQ(qtr_sim_unitary(c, &u, &ctx), QTR_OK) << ctx.msg();
        auto ref = reference_unitary(c);
        double d = 0;
        for (size_t i = 0; i < ref.size(); i++) d = std::max(d, std::abs(Cx(u[2 * i], u[2 * i + 1]) - ref[i]));
        EXPECT_LT(d, 1e-11);
        // the state from |0> is column 0 of the unitary
        double *s = nullptr;
        ASSERT_EQ(qtr_sim_statevector(c, &s, &ctx), QTR_OK) << ctx.msg();
        for (int r = 0; r < 32; r++) {
            EXPECT_NEAR(s[2 * r], u[2 * (r * 32)], 1e-12);
            EXPECT_NEAR(s[2 * r + 1], u[2 * (r * 32) + 1], 1e-12);
        }
        free(s);
        free(u);
    }
}

// Transpiled-shaped circuits: runs of 1-qubit gates between 2-qubit gates
// in both operand orders, with barriers, a 3-qubit gate and repeated pairs,
// which the simulator fuses (pending 1q matrices folded into the next 2q
// gate) -- checked against the unfused naive reference.
TEST(Sim, FusedRunsMatchTheNaiveReference)
{
    Ctx ctx;
    const std::vector<qtr_op> ops = {QTR_OP_RZ, QTR_OP_SX, QTR_OP_X,   QTR_OP_H,  QTR_OP_U,
                                     QTR_OP_RZ, QTR_OP_SX, QTR_OP_CZ,  QTR_OP_CX, QTR_OP_ECR,
                                     QTR_OP_RZZ, QTR_OP_CCX};
    for (uint64_t seed = 1; seed <= 12; seed++) {
        qtr_circuit *c = random_circ(4, 60 + 10 * seed, 500 + seed, ops);
        Circ hold(c);
        // a barrier in the middle of the runs: it must not break the fusion's bookkeeping
        const uint32_t all[4] = {0, 1, 2, 3};
        ASSERT_EQ(qtr_circuit_append(c, QTR_OP_BARRIER, all, 4, nullptr, &ctx), QTR_OK);
        for (uint32_t q = 0; q < 4; q++) {
            double a = 0.1 + q;
            ASSERT_EQ(qtr_circuit_append(c, QTR_OP_RZ, &q, 1, &a, &ctx), QTR_OK);
            ASSERT_EQ(qtr_circuit_append(c, QTR_OP_SX, &q, 1, nullptr, &ctx), QTR_OK);
        }
        const uint32_t pair[2] = {3, 1};
        ASSERT_EQ(qtr_circuit_append(c, QTR_OP_CX, pair, 2, nullptr, &ctx), QTR_OK);
        double *u = nullptr;
        ASSERT_EQ(qtr_sim_unitary(c, &u, &ctx), QTR_OK) << ctx.msg();
        auto ref = reference_unitary(c);
        double d = 0;
        for (size_t i = 0; i < ref.size(); i++) d = std::max(d, std::abs(Cx(u[2 * i], u[2 * i + 1]) - ref[i]));
        EXPECT_LT(d, 1e-11) << "seed " << seed;
        free(u);
    }
}

TEST(Sim, OperandOrderFollowsQiskit)
{
    // cx q1,q0 on |q1 q0> = |10> (index 2) gives |11> (index 3)
    Circ c(2);
    c.g(QTR_OP_X, {1}).g(QTR_OP_CX, {1, 0});
    Ctx ctx;
    double *s = nullptr;
    ASSERT_EQ(qtr_sim_statevector(c.c, &s, &ctx), QTR_OK);
    EXPECT_NEAR(s[2 * 3], 1.0, 1e-15);
    free(s);
}

TEST(Sim, ApplyValidatesOperands)
{
    Ctx ctx;
    std::vector<double> st(2 * 8, 0.0);
    st[0] = 1;
    uint32_t bad[] = {3}, dup[] = {1, 1}, ok[] = {2};
    EXPECT_EQ(qtr_sim_apply_gate(st.data(), 3, QTR_OP_X, nullptr, bad, &ctx), QTR_EQUBIT);
    EXPECT_THAT(ctx.msg(), HasSubstr("qubit 3 outside 0..2"));
    EXPECT_EQ(qtr_sim_apply_gate(st.data(), 3, QTR_OP_CX, nullptr, dup, &ctx), QTR_EINVAL);
    EXPECT_THAT(ctx.msg(), HasSubstr("used twice"));
    EXPECT_EQ(qtr_sim_apply_gate(st.data(), 3, QTR_OP_MEASURE, nullptr, ok, &ctx), QTR_EUNSUPPORTED);
    EXPECT_THAT(ctx.msg(), HasSubstr("not unitary"));
    EXPECT_EQ(qtr_sim_apply_gate(st.data(), 3, QTR_OP_C4X, nullptr, ok, &ctx), QTR_EINVAL);
    EXPECT_EQ(qtr_sim_apply_gate(st.data(), 30, QTR_OP_X, nullptr, ok, &ctx), QTR_ELIMIT);
    ASSERT_EQ(qtr_sim_apply_gate(st.data(), 3, QTR_OP_X, nullptr, ok, &ctx), QTR_OK);
    EXPECT_EQ(st[2 * 4], 1.0);
    double m[8] = {0, 0, 1, 0, 1, 0, 0, 0};  // X again, through apply_matrix
    ASSERT_EQ(qtr_sim_apply_matrix(st.data(), 3, m, 1, ok, &ctx), QTR_OK);
    EXPECT_EQ(st[0], 1.0);
    EXPECT_EQ(qtr_sim_apply_matrix(st.data(), 3, m, 6, ok, &ctx), QTR_EINVAL);
}

TEST(Sim, SizeLimits)
{
    Ctx ctx;
    Circ big(25), mid(13);
    big.g(QTR_OP_X, {24});
    mid.g(QTR_OP_X, {12});
    double *p = nullptr;
    EXPECT_EQ(qtr_sim_statevector(big.c, &p, &ctx), QTR_ELIMIT);
    EXPECT_THAT(ctx.msg(), HasSubstr("25 qubits"));
    EXPECT_EQ(qtr_sim_unitary(mid.c, &p, &ctx), QTR_ELIMIT);
    EXPECT_THAT(ctx.msg(), HasSubstr("13 qubits"));
    // 25 touched qubits cannot be compared; 24 idle physical ones are skipped
    for (uint32_t q = 0; q < 24; q++) big.g(QTR_OP_H, {q});
    EXPECT_EQ(qtr_sim_equivalent(big.c, big.c, nullptr, nullptr, 1e-6, &ctx), QTR_ELIMIT);
    EXPECT_THAT(ctx.msg(), HasSubstr("active qubits"));
    EXPECT_EQ(p, nullptr);
}

TEST(Sim, RunRejectsNonUnitaryInstructions)
{
    Ctx ctx;
    Circ c(2, 2);
    c.g(QTR_OP_H, {0}).g(QTR_OP_MEASURE, {0, 0});
    double *s = nullptr;
    EXPECT_EQ(qtr_sim_statevector(c.c, &s, &ctx), QTR_EUNSUPPORTED);
    EXPECT_THAT(ctx.msg(), HasSubstr("'measure'"));
    EXPECT_EQ(s, nullptr);
}

// ---- equivalence -----------------------------------------------------------------

TEST(SimEquivalent, ReorderedCommutingGates)
{
    Ctx ctx;
    Circ a(3), b(3);
    a.g(QTR_OP_RZ, {0}, {0.3}).g(QTR_OP_CX, {0, 1}).g(QTR_OP_H, {2}).g(QTR_OP_CZ, {1, 2});
    // rz on the control commutes with cx; h on q2 with cx 0,1
    b.g(QTR_OP_H, {2}).g(QTR_OP_CX, {0, 1}).g(QTR_OP_RZ, {0}, {0.3}).g(QTR_OP_CZ, {2, 1});
    EXPECT_EQ(qtr_sim_equivalent(a.c, b.c, nullptr, nullptr, 1e-6, &ctx), QTR_OK) << ctx.msg();
    // but h does not commute with cz on the same qubit
    Circ d(3);
    d.g(QTR_OP_RZ, {0}, {0.3}).g(QTR_OP_CX, {0, 1}).g(QTR_OP_CZ, {1, 2}).g(QTR_OP_H, {2});
    EXPECT_EQ(qtr_sim_equivalent(a.c, d.c, nullptr, nullptr, 1e-6, &ctx), QTR_EVERIFY);
    EXPECT_THAT(ctx.msg(), HasSubstr("distance"));
}

TEST(SimEquivalent, GlobalPhase)
{
    Ctx ctx;
    Circ a(1), b(1);
    a.g(QTR_OP_P, {0}, {0.8});
    b.g(QTR_OP_RZ, {0}, {0.8});
    EXPECT_EQ(qtr_sim_equivalent(a.c, b.c, nullptr, nullptr, 1e-6, &ctx), QTR_OK) << ctx.msg();
    EXPECT_EQ(qtr_sim_compare(a.c, b.c, nullptr, nullptr, 1e-6, QTR_SIM_EXACT_PHASE, &ctx),
              QTR_EVERIFY);
    b.c->global_phase = 0.4;  // p(λ) = e^{iλ/2} rz(λ)
    EXPECT_EQ(qtr_sim_compare(a.c, b.c, nullptr, nullptr, 1e-6, QTR_SIM_EXACT_PHASE, &ctx), QTR_OK)
        << ctx.msg();
}

TEST(SimEquivalent, RelativePhaseBetweenBasisStatesIsCaught)
{
    // z differs from the identity only by a relative phase: every basis input
    // alone matches up to its own phase, so this needs one common phase
    Ctx ctx;
    Circ a(2), b(2);
    a.g(QTR_OP_H, {1});
    b.g(QTR_OP_H, {1}).g(QTR_OP_Z, {0});
    EXPECT_EQ(qtr_sim_equivalent(a.c, b.c, nullptr, nullptr, 1e-6, &ctx), QTR_EVERIFY);
    EXPECT_THAT(ctx.msg(), HasSubstr("basis input 1"));
}

TEST(SimEquivalent, LayoutAndOutputPermutation)
{
    Ctx ctx;
    qtr_circuit *in = random_circ(4, 50, 17);
    Circ hin(in);
    std::vector<uint32_t> L = {5, 2, 6, 0};  // virtual v starts at physical L[v]
    Circ out(relabel(in, 7, L));
    EXPECT_EQ(qtr_sim_equivalent(in, out.c, L.data(), L.data(), 1e-6, &ctx), QTR_OK) << ctx.msg();
    EXPECT_EQ(qtr_sim_equivalent(in, out.c, nullptr, nullptr, 1e-6, &ctx), QTR_EVERIFY);
    // a routing swap at the end exchanges where virtual 0 and 1 finish
    uint32_t sw[] = {L[0], L[1]};
    ASSERT_EQ(qtr_circuit_append(out.c, QTR_OP_SWAP, sw, 2, nullptr, &ctx), QTR_OK);
    std::vector<uint32_t> P = {L[1], L[0], L[2], L[3]};
    EXPECT_EQ(qtr_sim_equivalent(in, out.c, L.data(), P.data(), 1e-6, &ctx), QTR_OK) << ctx.msg();
    EXPECT_EQ(qtr_sim_equivalent(in, out.c, L.data(), L.data(), 1e-6, &ctx), QTR_EVERIFY);
    // moving virtual 2 onto an unused physical qubit (an ancilla in |0>)
    uint32_t sa[] = {L[2], 3};
    ASSERT_EQ(qtr_circuit_append(out.c, QTR_OP_SWAP, sa, 2, nullptr, &ctx), QTR_OK);
    P[2] = 3;
    EXPECT_EQ(qtr_sim_equivalent(in, out.c, L.data(), P.data(), 1e-6, &ctx), QTR_OK) << ctx.msg();
}

TEST(SimEquivalent, AncillaMustEndInZero)
{
    Ctx ctx;
    Circ in(2), out(4);
    in.g(QTR_OP_H, {0}).g(QTR_OP_CX, {0, 1});
    out.g(QTR_OP_H, {0}).g(QTR_OP_CX, {0, 1}).g(QTR_OP_CX, {1, 3});  // entangles ancilla 3
    EXPECT_EQ(qtr_sim_equivalent(in.c, out.c, nullptr, nullptr, 1e-6, &ctx), QTR_EVERIFY);
    EXPECT_THAT(ctx.msg(), HasSubstr("not equivalent"));
    EXPECT_THAT(ctx.msg(), HasSubstr("q3="));
    // borrowing the ancilla and returning it clean is fine
    out.g(QTR_OP_CX, {1, 3});
    EXPECT_EQ(qtr_sim_equivalent(in.c, out.c, nullptr, nullptr, 1e-6, &ctx), QTR_OK) << ctx.msg();
    out.g(QTR_OP_X, {2});  // an ancilla left in |1>
    EXPECT_EQ(qtr_sim_equivalent(in.c, out.c, nullptr, nullptr, 1e-6, &ctx), QTR_EVERIFY);
}

TEST(SimEquivalent, FinalMeasurementsFollowThePermutation)
{
    Ctx ctx;
    Circ in(3, 3);
    in.g(QTR_OP_H, {0}).g(QTR_OP_CX, {0, 1}).g(QTR_OP_RY, {2}, {0.4});
    in.g(QTR_OP_MEASURE, {0, 0}).g(QTR_OP_MEASURE, {1, 2}).g(QTR_OP_MEASURE, {2, 1});
    std::vector<uint32_t> L = {3, 1, 0};
    Circ out(relabel(in.c, 5, L));
    EXPECT_EQ(qtr_sim_equivalent(in.c, out.c, L.data(), L.data(), 1e-6, &ctx), QTR_OK) << ctx.msg();
    // same gates, but physical 3 measured into the wrong clbit
    Circ bad(5, 3);
    bad.g(QTR_OP_H, {3}).g(QTR_OP_CX, {3, 1}).g(QTR_OP_RY, {0}, {0.4});
    bad.g(QTR_OP_MEASURE, {3, 2}).g(QTR_OP_MEASURE, {1, 0}).g(QTR_OP_MEASURE, {0, 1});
    EXPECT_EQ(qtr_sim_equivalent(in.c, bad.c, L.data(), L.data(), 1e-6, &ctx), QTR_EVERIFY);
    EXPECT_THAT(ctx.msg(), HasSubstr("virtual qubit 0 into clbit 0"));
    // a missing measurement
    Circ miss(5, 3);
    miss.g(QTR_OP_H, {3}).g(QTR_OP_CX, {3, 1}).g(QTR_OP_RY, {0}, {0.4});
    miss.g(QTR_OP_MEASURE, {3, 0}).g(QTR_OP_MEASURE, {1, 2});
    EXPECT_EQ(qtr_sim_equivalent(in.c, miss.c, L.data(), L.data(), 1e-6, &ctx), QTR_EVERIFY);
    EXPECT_THAT(ctx.msg(), HasSubstr("does not measure physical qubit 0"));
    // an extra measurement of an ancilla
    Circ extra(relabel(in.c, 5, L));
    extra.g(QTR_OP_MEASURE, {4, 1});
    EXPECT_EQ(qtr_sim_equivalent(in.c, extra.c, L.data(), L.data(), 1e-6, &ctx), QTR_EUNSUPPORTED);
    EXPECT_THAT(ctx.msg(), HasSubstr("clbit 1 is written by more than one"));
}

TEST(SimEquivalent, ExtraOutputMeasurementIsCaught)
{
    Ctx ctx;
    Circ in(2, 2), out(3, 2);
    in.g(QTR_OP_H, {0}).g(QTR_OP_MEASURE, {0, 0});
    out.g(QTR_OP_H, {0}).g(QTR_OP_MEASURE, {0, 0}).g(QTR_OP_MEASURE, {2, 1});
    EXPECT_EQ(qtr_sim_equivalent(in.c, out.c, nullptr, nullptr, 1e-6, &ctx), QTR_EVERIFY);
    EXPECT_THAT(ctx.msg(), HasSubstr("output measures physical qubit 2 into clbit 1"));
}

TEST(SimEquivalent, DiagonalGatesBeforeMeasurement)
{
    Ctx ctx;
    Circ in(3, 2), out(3, 2), wrong(3, 2);
    in.g(QTR_OP_H, {0}).g(QTR_OP_CX, {0, 1}).g(QTR_OP_RY, {2}, {0.9}).g(QTR_OP_CX, {2, 0});
    in.g(QTR_OP_MEASURE, {0, 0}).g(QTR_OP_MEASURE, {1, 1});
    out.g(QTR_OP_H, {0}).g(QTR_OP_CX, {0, 1}).g(QTR_OP_RY, {2}, {0.9}).g(QTR_OP_CX, {2, 0});
    out.g(QTR_OP_RZ, {0}, {0.3}).g(QTR_OP_CZ, {0, 1});
    out.g(QTR_OP_MEASURE, {0, 0}).g(QTR_OP_MEASURE, {1, 1});
    EXPECT_EQ(qtr_sim_equivalent(in.c, out.c, nullptr, nullptr, 1e-6, &ctx), QTR_EVERIFY);
    EXPECT_EQ(qtr_sim_compare(in.c, out.c, nullptr, nullptr, 1e-6, QTR_SIM_MEASURE_PHASES, &ctx),
              QTR_OK) << ctx.msg();
    // a diagonal gate touching the unmeasured qubit 2 is a real difference
    Circ out2(3, 2);
    out2.g(QTR_OP_H, {0}).g(QTR_OP_CX, {0, 1}).g(QTR_OP_RY, {2}, {0.9}).g(QTR_OP_CX, {2, 0});
    out2.g(QTR_OP_RZ, {0}, {0.3}).g(QTR_OP_CZ, {0, 2});
    out2.g(QTR_OP_MEASURE, {0, 0}).g(QTR_OP_MEASURE, {1, 1});
    EXPECT_EQ(qtr_sim_compare(in.c, out2.c, nullptr, nullptr, 1e-6, QTR_SIM_MEASURE_PHASES, &ctx),
              QTR_EVERIFY);
    // and so is a bit flip before a measurement
    wrong.g(QTR_OP_H, {0}).g(QTR_OP_CX, {0, 1}).g(QTR_OP_RY, {2}, {0.9}).g(QTR_OP_CX, {2, 0});
    wrong.g(QTR_OP_X, {1}).g(QTR_OP_MEASURE, {0, 0}).g(QTR_OP_MEASURE, {1, 1});
    EXPECT_EQ(qtr_sim_compare(in.c, wrong.c, nullptr, nullptr, 1e-6, QTR_SIM_MEASURE_PHASES, &ctx),
              QTR_EVERIFY);
}

TEST(SimEquivalent, UnsupportedInstructions)
{
    Ctx ctx;
    Circ ok(2, 2);
    ok.g(QTR_OP_H, {0}).g(QTR_OP_CX, {0, 1});
    Circ mid(2, 2);
    mid.g(QTR_OP_H, {0}).g(QTR_OP_MEASURE, {0, 0}).g(QTR_OP_CX, {0, 1});
    EXPECT_EQ(qtr_sim_equivalent(mid.c, ok.c, nullptr, nullptr, 1e-6, &ctx), QTR_EUNSUPPORTED);
    EXPECT_THAT(ctx.msg(), HasSubstr("measures qubit 0 mid-circuit"));
    EXPECT_EQ(qtr_sim_equivalent(ok.c, mid.c, nullptr, nullptr, 1e-6, &ctx), QTR_EUNSUPPORTED);
    EXPECT_THAT(ctx.msg(), HasSubstr("output circuit"));
    Circ twice(2, 2);
    twice.g(QTR_OP_H, {0}).g(QTR_OP_MEASURE, {0, 0}).g(QTR_OP_MEASURE, {0, 1});
    EXPECT_EQ(qtr_sim_equivalent(twice.c, twice.c, nullptr, nullptr, 1e-6, &ctx), QTR_EUNSUPPORTED);
    EXPECT_THAT(ctx.msg(), HasSubstr("mid-circuit"));
    Circ rst(2, 2);
    rst.g(QTR_OP_RESET, {1}).g(QTR_OP_H, {0});
    EXPECT_EQ(qtr_sim_equivalent(rst.c, rst.c, nullptr, nullptr, 1e-6, &ctx), QTR_EUNSUPPORTED);
    EXPECT_THAT(ctx.msg(), HasSubstr("reset"));
    Circ cond(2, 2);
    uint32_t q[] = {1};
    ASSERT_EQ(qtr_circuit_append_cond(cond.c, QTR_OP_X, q, 1, nullptr, 0, 1, &ctx), QTR_OK);
    EXPECT_EQ(qtr_sim_equivalent(cond.c, cond.c, nullptr, nullptr, 1e-6, &ctx), QTR_EUNSUPPORTED);
    EXPECT_THAT(ctx.msg(), HasSubstr("classically conditioned"));
    // barriers are ignored
    Circ bar(2, 2);
    bar.g(QTR_OP_H, {0}).g(QTR_OP_BARRIER, {0, 1}).g(QTR_OP_CX, {0, 1}).g(QTR_OP_BARRIER, {1});
    EXPECT_EQ(qtr_sim_equivalent(ok.c, bar.c, nullptr, nullptr, 1e-6, &ctx), QTR_OK) << ctx.msg();
}

TEST(SimEquivalent, BadArguments)
{
    Ctx ctx;
    Circ in(3), out(4), small(2);
    in.g(QTR_OP_H, {0});
    out.g(QTR_OP_H, {0});
    uint32_t range[] = {0, 1, 4}, dup[] = {0, 1, 1};
    EXPECT_EQ(qtr_sim_equivalent(in.c, out.c, range, nullptr, 1e-6, &ctx), QTR_EINVAL);
    EXPECT_THAT(ctx.msg(), HasSubstr("initial_layout[2] = 4"));
    EXPECT_EQ(qtr_sim_equivalent(in.c, out.c, nullptr, dup, 1e-6, &ctx), QTR_EINVAL);
    EXPECT_THAT(ctx.msg(), HasSubstr("output_permutation sends two virtual qubits to physical qubit 1"));
    EXPECT_EQ(qtr_sim_equivalent(in.c, small.c, nullptr, nullptr, 1e-6, &ctx), QTR_EINVAL);
    EXPECT_THAT(ctx.msg(), HasSubstr("fewer than"));
    EXPECT_EQ(qtr_sim_equivalent(in.c, out.c, nullptr, nullptr, 0.0, &ctx), QTR_EINVAL);
    EXPECT_EQ(qtr_sim_equivalent(in.c, out.c, nullptr, nullptr, NAN, &ctx), QTR_EINVAL);
    EXPECT_THAT(ctx.msg(), HasSubstr("tolerance"));
    Circ e1(0u), e2(0u);
    EXPECT_EQ(qtr_sim_equivalent(e1.c, e2.c, nullptr, nullptr, 1e-6, &ctx), QTR_OK) << ctx.msg();
}

TEST(SimEquivalent, RandomStatePathDetectsSmallDifferences)
{
    // 12 active qubits: beyond the exhaustive range
    Ctx ctx;
    qtr_circuit *a = random_circ(12, 80, 5, {QTR_OP_H, QTR_OP_CX, QTR_OP_RZ, QTR_OP_SX, QTR_OP_CCX});
    Circ ha(a);
    qtr_circuit *b = nullptr;
    ASSERT_EQ(qtr_circuit_clone(a, &b, &ctx), QTR_OK);
    Circ hb(b);
    EXPECT_EQ(qtr_sim_equivalent(a, b, nullptr, nullptr, 1e-6, &ctx), QTR_OK) << ctx.msg();
    // a 5-qubit controlled flip changes 2 of 4096 amplitudes per input
    uint32_t q[] = {0, 3, 5, 7, 11};
    ASSERT_EQ(qtr_circuit_append(b, QTR_OP_C4X, q, 5, nullptr, &ctx), QTR_OK);
    EXPECT_EQ(qtr_sim_equivalent(a, b, nullptr, nullptr, 1e-6, &ctx), QTR_EVERIFY);
    EXPECT_THAT(ctx.msg(), HasSubstr("random input state 0"));
    // an angle off by 1e-4
    Circ c(12), d(12);
    c.g(QTR_OP_H, {4}).g(QTR_OP_RZ, {4}, {0.5});
    d.g(QTR_OP_H, {4}).g(QTR_OP_RZ, {4}, {0.5001});
    for (uint32_t i = 0; i < 11; i++) {
        c.g(QTR_OP_CX, {i, i + 1});
        d.g(QTR_OP_CX, {i, i + 1});
    }
    EXPECT_EQ(qtr_sim_equivalent(c.c, d.c, nullptr, nullptr, 1e-6, &ctx), QTR_EVERIFY);
}

TEST(SimEquivalent, TwentyQubitsWithPermutation)
{
    Ctx ctx;
    const uint32_t n = 20;
    qtr_circuit *in = random_circ(n, 40, 99, {QTR_OP_H, QTR_OP_CX, QTR_OP_RZ, QTR_OP_SX, QTR_OP_CZ});
    Circ hin(in);
    std::vector<uint32_t> L(n);
    for (uint32_t v = 0; v < n; v++) L[v] = (7 * v + 3) % n;
    Circ out(relabel(in, n, L));
    EXPECT_EQ(qtr_sim_equivalent(in, out.c, L.data(), L.data(), 1e-6, &ctx), QTR_OK) << ctx.msg();
    std::swap(L[0], L[1]);
    EXPECT_EQ(qtr_sim_equivalent(in, out.c, L.data(), L.data(), 1e-6, &ctx), QTR_EVERIFY);
}

// ---- gate matrices against their definitions (qelib1.inc / Qiskit) ----------------

TEST(SimDefinitions, MultiQubitGatesMatchTheirDecompositions)
{
    Ctx ctx;
    const double pi = kPi;
    {   // rccx a,b,c (qelib1.inc)
        Circ g(3), d(3);
        g.g(QTR_OP_RCCX, {0, 1, 2});
        d.g(QTR_OP_U2, {2}, {0, pi}).g(QTR_OP_U1, {2}, {pi / 4}).g(QTR_OP_CX, {1, 2});
        d.g(QTR_OP_U1, {2}, {-pi / 4}).g(QTR_OP_CX, {0, 2}).g(QTR_OP_U1, {2}, {pi / 4});
        d.g(QTR_OP_CX, {1, 2}).g(QTR_OP_U1, {2}, {-pi / 4}).g(QTR_OP_U2, {2}, {0, pi});
        EXPECT_EQ(qtr_sim_compare(g.c, d.c, nullptr, nullptr, 1e-9, QTR_SIM_EXACT_PHASE, &ctx), QTR_OK)
            << ctx.msg();
    }
    {   // rc3x a,b,c,d (qelib1.inc)
        Circ g(4), d(4);
        g.g(QTR_OP_RC3X, {0, 1, 2, 3});
        d.g(QTR_OP_U2, {3}, {0, pi}).g(QTR_OP_U1, {3}, {pi / 4}).g(QTR_OP_CX, {2, 3});
        d.g(QTR_OP_U1, {3}, {-pi / 4}).g(QTR_OP_U2, {3}, {0, pi}).g(QTR_OP_CX, {0, 3});
        d.g(QTR_OP_U1, {3}, {pi / 4}).g(QTR_OP_CX, {1, 3}).g(QTR_OP_U1, {3}, {-pi / 4});
        d.g(QTR_OP_CX, {0, 3}).g(QTR_OP_U1, {3}, {pi / 4}).g(QTR_OP_CX, {1, 3});
        d.g(QTR_OP_U1, {3}, {-pi / 4}).g(QTR_OP_U2, {3}, {0, pi}).g(QTR_OP_U1, {3}, {pi / 4});
        d.g(QTR_OP_CX, {2, 3}).g(QTR_OP_U1, {3}, {-pi / 4}).g(QTR_OP_U2, {3}, {0, pi});
        EXPECT_EQ(qtr_sim_compare(g.c, d.c, nullptr, nullptr, 1e-9, QTR_SIM_EXACT_PHASE, &ctx), QTR_OK)
            << ctx.msg();
    }
    {   // c3sqrtx a,b,c,d (qelib1.inc)
        Circ g(4), d(4);
        g.g(QTR_OP_C3SQRTX, {0, 1, 2, 3});
        auto hcu1h = [&](double l, uint32_t c) {
            d.g(QTR_OP_H, {3}).g(QTR_OP_CU1, {c, 3}, {l}).g(QTR_OP_H, {3});
        };
        hcu1h(pi / 8, 0); d.g(QTR_OP_CX, {0, 1});
        hcu1h(-pi / 8, 1); d.g(QTR_OP_CX, {0, 1});
        hcu1h(pi / 8, 1); d.g(QTR_OP_CX, {1, 2});
        hcu1h(-pi / 8, 2); d.g(QTR_OP_CX, {0, 2});
        hcu1h(pi / 8, 2); d.g(QTR_OP_CX, {1, 2});
        hcu1h(-pi / 8, 2); d.g(QTR_OP_CX, {0, 2});
        hcu1h(pi / 8, 2);
        EXPECT_EQ(qtr_sim_compare(g.c, d.c, nullptr, nullptr, 1e-9, QTR_SIM_EXACT_PHASE, &ctx), QTR_OK)
            << ctx.msg();
    }
    {   // c4x a,b,c,d,e via c3x and c3sqrtx (Barenco et al. Lemma 7.5)
        Circ g(5), d(5);
        g.g(QTR_OP_C4X, {0, 1, 2, 3, 4});
        d.g(QTR_OP_H, {4}).g(QTR_OP_CU1, {3, 4}, {pi / 2}).g(QTR_OP_H, {4});
        d.g(QTR_OP_C3X, {0, 1, 2, 3});
        d.g(QTR_OP_H, {4}).g(QTR_OP_CU1, {3, 4}, {-pi / 2}).g(QTR_OP_H, {4});
        d.g(QTR_OP_C3X, {0, 1, 2, 3}).g(QTR_OP_C3SQRTX, {0, 1, 2, 4});
        EXPECT_EQ(qtr_sim_compare(g.c, d.c, nullptr, nullptr, 1e-9, QTR_SIM_EXACT_PHASE, &ctx), QTR_OK)
            << ctx.msg();
    }
    {   // ccx a,b,c (qelib1.inc)
        Circ g(3), d(3);
        g.g(QTR_OP_CCX, {0, 1, 2});
        d.g(QTR_OP_H, {2}).g(QTR_OP_CX, {1, 2}).g(QTR_OP_TDG, {2}).g(QTR_OP_CX, {0, 2});
        d.g(QTR_OP_T, {2}).g(QTR_OP_CX, {1, 2}).g(QTR_OP_TDG, {2}).g(QTR_OP_CX, {0, 2});
        d.g(QTR_OP_T, {1}).g(QTR_OP_T, {2}).g(QTR_OP_H, {2}).g(QTR_OP_CX, {0, 1});
        d.g(QTR_OP_T, {0}).g(QTR_OP_TDG, {1}).g(QTR_OP_CX, {0, 1});
        EXPECT_EQ(qtr_sim_compare(g.c, d.c, nullptr, nullptr, 1e-9, QTR_SIM_EXACT_PHASE, &ctx), QTR_OK)
            << ctx.msg();
    }
    {   // cswap a,b,c = cx c,b; ccx a,b,c; cx c,b
        Circ g(3), d(3);
        g.g(QTR_OP_CSWAP, {0, 1, 2});
        d.g(QTR_OP_CX, {2, 1}).g(QTR_OP_CCX, {0, 1, 2}).g(QTR_OP_CX, {2, 1});
        EXPECT_EQ(qtr_sim_compare(g.c, d.c, nullptr, nullptr, 1e-9, QTR_SIM_EXACT_PHASE, &ctx), QTR_OK)
            << ctx.msg();
    }
    {   // cu(θ,φ,λ,γ) = p(γ) on the control, then cu3(θ,φ,λ)
        Circ g(2), d(2);
        g.g(QTR_OP_CU, {0, 1}, {0.3, 0.5, -0.7, 1.1});
        d.g(QTR_OP_P, {0}, {1.1}).g(QTR_OP_CU3, {0, 1}, {0.3, 0.5, -0.7});
        EXPECT_EQ(qtr_sim_compare(g.c, d.c, nullptr, nullptr, 1e-9, QTR_SIM_EXACT_PHASE, &ctx), QTR_OK)
            << ctx.msg();
    }
}

// ---- random circuits ------------------------------------------------------------

TEST(RandomCircuit, SeededAndRestrictedToTheOpList)
{
    Ctx ctx;
    Circ a(random_circ(6, 200, 1)), b(random_circ(6, 200, 1)), c(random_circ(6, 200, 2));
    EXPECT_TRUE(qtr_circuit_equal(a.c, b.c));
    EXPECT_FALSE(qtr_circuit_equal(a.c, c.c));
    EXPECT_EQ(a.c->ninst, 200u);
    EXPECT_EQ(qtr_circuit_check(a.c, &ctx), QTR_OK);
    Circ d(random_circ(3, 300, 4, {QTR_OP_RZ, QTR_OP_CX}));
    int seen[2] = {0, 0};
    for (size_t i = 0; i < d.c->ninst; i++) {
        const qtr_inst *in = &d.c->inst[i];
        ASSERT_TRUE(in->op == QTR_OP_RZ || in->op == QTR_OP_CX);
        seen[in->op == QTR_OP_CX]++;
        if (in->op == QTR_OP_RZ) {
            double th = qtr_inst_params(d.c, in)[0];
            EXPECT_GT(th, -2 * kPi);
            EXPECT_LT(th, 2 * kPi);
        }
    }
    EXPECT_GT(seen[0], 100);
    EXPECT_GT(seen[1], 100);
    // default pool on 2 qubits: only gates that fit, never directives or measure
    Circ e(random_circ(2, 500, 8));
    for (size_t i = 0; i < e.c->ninst; i++) {
        const qtr_gate_info *g = qtr_gate((qtr_op)e.c->inst[i].op);
        EXPECT_LE(g->nqubits, 2);
        EXPECT_FALSE(g->props & (QTR_GP_DIRECTIVE | QTR_GP_NONUNITARY));
    }
    qtr_circuit *bad = nullptr;
    qtr_op m[] = {QTR_OP_MEASURE}, big[] = {QTR_OP_C4X};
    EXPECT_EQ(qtr_random_circuit(3, 5, m, 1, 1, &bad, &ctx), QTR_EINVAL);
    EXPECT_THAT(ctx.msg(), HasSubstr("not a unitary gate"));
    EXPECT_EQ(qtr_random_circuit(3, 5, big, 1, 1, &bad, &ctx), QTR_EINVAL);
    EXPECT_THAT(ctx.msg(), HasSubstr("needs 5 qubits"));
    EXPECT_EQ(qtr_random_circuit(0, 5, nullptr, 0, 1, &bad, &ctx), QTR_EINVAL);
    EXPECT_EQ(bad, nullptr);
}
