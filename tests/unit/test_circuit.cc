// test_circuit.cc -- the circuit IR: append, pools, conditions, clone,
// compact, check, the accounting allocator and allocation failure.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

#include "qtr.h"

using ::testing::HasSubstr;

namespace {

struct Ctx {
    qtr_ctx c;
    Ctx() { qtr_ctx_init(&c, 1); }
    qtr_ctx *operator&() { return &c; }
};

qtr_circuit *make(uint32_t nq, uint32_t nc, uint64_t fail_at = 0)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_circuit *c = qtr_circuit_new(fail_at);
    if (!c) return nullptr;
    if (nq && qtr_circuit_add_qreg(c, "q", nq, &ctx)) { qtr_circuit_free(c); return nullptr; }
    if (nc && qtr_circuit_add_creg(c, "c", nc, &ctx)) { qtr_circuit_free(c); return nullptr; }
    return c;
}

}  // namespace

TEST(Circuit, InstructionIsSixteenBytes) { EXPECT_EQ(sizeof(qtr_inst), 16u); }

TEST(Circuit, GateTableLookup)
{
    EXPECT_EQ(qtr_gate_lookup("cx", 2), QTR_OP_CX);
    EXPECT_EQ(qtr_gate_lookup("xx_plus_yy", 10), QTR_OP_XX_PLUS_YY);
    EXPECT_EQ(qtr_gate_lookup("nop", 3), -1);
    EXPECT_EQ(qtr_gate_lookup("cxx", 3), -1);
    for (int op = 1; op < QTR_OP_COUNT; op++) {
        const char *n = qtr_gate((qtr_op)op)->name;
        EXPECT_EQ(qtr_gate_lookup(n, strlen(n)), op) << n;
    }
    EXPECT_EQ(qtr_gate(QTR_OP_U3)->nparams, 3);
    EXPECT_EQ(qtr_gate(QTR_OP_C4X)->nqubits, 5);
}

TEST(Circuit, AppendInlineAndExtended)
{
    Ctx ctx;
    qtr_circuit *c = make(5, 3);
    ASSERT_NE(c, nullptr);
    uint32_t q01[] = {0, 1}, q012[] = {2, 0, 1}, m[] = {4, 2};
    double th[] = {0.25}, u[] = {0.1, 0.2, 0.3};
    ASSERT_EQ(qtr_circuit_append(c, QTR_OP_CX, q01, 2, nullptr, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append(c, QTR_OP_RZ, q012, 1, th, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append(c, QTR_OP_CCX, q012, 3, nullptr, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append_cond(c, QTR_OP_U3, q012 + 1, 1, u, 0, 5, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append(c, QTR_OP_MEASURE, m, 2, nullptr, &ctx), QTR_OK);
    ASSERT_EQ(c->ninst, 5u);
    EXPECT_EQ(qtr_inst_operands(c, &c->inst[2])[0], 2u);
    EXPECT_EQ(qtr_inst_operands(c, &c->inst[2])[2], 1u);
    EXPECT_DOUBLE_EQ(qtr_inst_params(c, &c->inst[1])[0], 0.25);
    EXPECT_DOUBLE_EQ(qtr_inst_params(c, &c->inst[3])[2], 0.3);
    uint32_t creg;
    uint64_t val;
    EXPECT_EQ(qtr_inst_condition(c, &c->inst[3], &creg, &val), 1);
    EXPECT_EQ(creg, 0u);
    EXPECT_EQ(val, 5u);
    EXPECT_EQ(qtr_inst_condition(c, &c->inst[0], &creg, &val), 0);
    EXPECT_EQ(qtr_circuit_check(c, &ctx), QTR_OK) << qtr_ctx_message(&ctx);

    qtr_circuit *d = nullptr;
    ASSERT_EQ(qtr_circuit_clone(c, &d, &ctx), QTR_OK);
    EXPECT_TRUE(qtr_circuit_equal(c, d));
    d->inst[0].op = QTR_OP_NOP;
    EXPECT_FALSE(qtr_circuit_equal(c, d));
    qtr_circuit_compact(d);
    EXPECT_EQ(d->ninst, 4u);
    EXPECT_EQ(qtr_circuit_check(d, &ctx), QTR_OK);
    qtr_circuit_free(d);
    qtr_circuit_free(c);
}

TEST(Circuit, AppendValidation)
{
    Ctx ctx;
    qtr_circuit *c = make(2, 1);
    ASSERT_NE(c, nullptr);
    uint32_t bad[] = {0, 2}, same[] = {1, 1}, m[] = {0, 1};
    EXPECT_EQ(qtr_circuit_append(c, QTR_OP_CX, bad, 2, nullptr, &ctx), QTR_EQUBIT);
    EXPECT_THAT(qtr_ctx_message(&ctx), HasSubstr("qubit 2 outside 0..1"));
    EXPECT_EQ(qtr_circuit_append(c, QTR_OP_CX, same, 2, nullptr, &ctx), QTR_EINVAL);
    EXPECT_THAT(qtr_ctx_message(&ctx), HasSubstr("used twice"));
    EXPECT_EQ(qtr_circuit_append(c, QTR_OP_CX, bad, 1, nullptr, &ctx), QTR_EINVAL);
    EXPECT_THAT(qtr_ctx_message(&ctx), HasSubstr("takes 2 operands"));
    EXPECT_EQ(qtr_circuit_append(c, QTR_OP_MEASURE, m, 2, nullptr, &ctx), QTR_EQUBIT);
    EXPECT_THAT(qtr_ctx_message(&ctx), HasSubstr("clbit 1"));
    EXPECT_EQ(qtr_circuit_append_cond(c, QTR_OP_X, m, 1, nullptr, 3, 1, &ctx), QTR_EQUBIT);
    EXPECT_EQ(c->ninst, 0u);
    qtr_circuit_free(c);
}

TEST(Circuit, AccountingTracksEveryByte)
{
    Ctx ctx;
    qtr_circuit *c = make(2, 0);
    ASSERT_NE(c, nullptr);
    size_t before = c->alloc.cur;
    uint32_t q[] = {0, 1};
    for (int i = 0; i < 1000; i++) ASSERT_EQ(qtr_circuit_append(c, QTR_OP_SWAP, q, 2, nullptr, &ctx), QTR_OK);
    EXPECT_GE(c->alloc.cur - before, 1000 * sizeof(qtr_inst));
    EXPECT_LE(c->alloc.cur - before, 2048 * sizeof(qtr_inst));
    EXPECT_GE(c->alloc.peak, c->alloc.cur);
    qtr_circuit_free(c);
}

// Fail each allocation in turn: every failure is reported as QTR_ENOMEM and
// leaves the circuit valid, and a later run without failures succeeds.
TEST(Circuit, EveryAllocationCanFail)
{
    for (uint64_t n = 1; n < 40; n++) {
        Ctx ctx;
        qtr_circuit *c = qtr_circuit_new(n);
        if (!c) continue;  // the circuit struct itself was the failing call
        qtr_status st = qtr_circuit_add_qreg(c, "q", 4, &ctx);
        uint32_t q[] = {0, 1, 2};
        double p[] = {1.0};
        for (int i = 0; i < 100 && st == QTR_OK; i++) {
            st = qtr_circuit_append(c, QTR_OP_RZ, q, 1, p, &ctx);
            if (!st) st = qtr_circuit_append(c, QTR_OP_CCX, q, 3, nullptr, &ctx);
        }
        if (st != QTR_OK) {
            EXPECT_EQ(st, QTR_ENOMEM) << "fail_at " << n;
            EXPECT_EQ(qtr_circuit_check(c, &ctx), QTR_OK) << "fail_at " << n;
        }
        qtr_circuit_free(c);
    }
}

TEST(Circuit, SeedForIsDeterministicAndSpread)
{
    EXPECT_EQ(qtr_seed_for(42, 7), qtr_seed_for(42, 7));
    EXPECT_NE(qtr_seed_for(42, 7), qtr_seed_for(42, 8));
    EXPECT_NE(qtr_seed_for(42, 7), qtr_seed_for(43, 7));
    qtr_ctx a, b;
    qtr_ctx_init(&a, 5);
    qtr_ctx_init(&b, 5);
    for (int i = 0; i < 10; i++) EXPECT_EQ(qtr_rng_next(&a), qtr_rng_next(&b));
    double u = qtr_rng_uniform(&a);
    EXPECT_GE(u, 0.0);
    EXPECT_LT(u, 1.0);
}

// Bulk append moves pool indices: the copy reads back the same operands,
// parameters and conditions as appending each instruction.
TEST(Circuit, AppendAllEqualsAppendingEach)
{
    Ctx ctx;
    qtr_circuit *src = make(4, 2), *a = make(4, 2), *b = make(4, 2);
    ASSERT_TRUE(src && a && b);
    uint32_t q3[] = {0, 1, 2}, q1[] = {3}, m[] = {1, 1};
    double th[] = {0.5, -1.25, 2.0};
    // pre-existing content so the destination pools are not empty
    for (qtr_circuit *d : {a, b}) {
        ASSERT_EQ(qtr_circuit_append(d, QTR_OP_U3, q1, 1, th, &ctx), QTR_OK);
        ASSERT_EQ(qtr_circuit_append(d, QTR_OP_CCX, q3, 3, nullptr, &ctx), QTR_OK);
    }
    ASSERT_EQ(qtr_circuit_append(src, QTR_OP_RZ, q1, 1, th + 1, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append(src, QTR_OP_CSWAP, q3, 3, nullptr, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append_cond(src, QTR_OP_CU3, q3, 2, th, 0, 3, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append(src, QTR_OP_MEASURE, m, 2, nullptr, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append_all(a, src, &ctx), QTR_OK);
    for (size_t i = 0; i < src->ninst; i++) {
        const qtr_inst *in = &src->inst[i];
        uint32_t creg;
        uint64_t v;
        qtr_status st = qtr_inst_condition(src, in, &creg, &v)
            ? qtr_circuit_append_cond(b, (qtr_op)in->op, qtr_inst_operands(src, in), in->nargs,
                                      qtr_inst_params(src, in), creg, v, &ctx)
            : qtr_circuit_append(b, (qtr_op)in->op, qtr_inst_operands(src, in), in->nargs,
                                 qtr_inst_params(src, in), &ctx);
        ASSERT_EQ(st, QTR_OK);
    }
    EXPECT_EQ(qtr_circuit_check(a, &ctx), QTR_OK) << qtr_ctx_message(&ctx);
    EXPECT_TRUE(qtr_circuit_equal(a, b));
    qtr_circuit *small = make(2, 0);
    EXPECT_EQ(qtr_circuit_append_all(small, src, &ctx), QTR_EINVAL);
    qtr_circuit_free(small);
    qtr_circuit_free(src);
    qtr_circuit_free(a);
    qtr_circuit_free(b);
}
