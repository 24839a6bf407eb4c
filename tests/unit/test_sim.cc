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
