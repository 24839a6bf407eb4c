// test_stats.cc -- counts and depths (Qiskit's definitions), incremental
// accumulation over chunks, qubit remapping onto a physical register.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "qtr.h"

namespace {

qtr_circuit *make(uint32_t nq, uint32_t nc)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_circuit *c = qtr_circuit_new(0);
    EXPECT_EQ(qtr_circuit_add_qreg(c, "a", nq, &ctx), QTR_OK);
    if (nc) {
        EXPECT_EQ(qtr_circuit_add_creg(c, "c", nc, &ctx), QTR_OK);
    }
    return c;
}

void add(qtr_circuit *c, qtr_op op, std::initializer_list<uint32_t> q)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    double p[4] = {0.5, 0.25, 0.125, 1.0};
    ASSERT_EQ(qtr_circuit_append(c, op, q.begin(), (uint32_t)q.size(), p, &ctx), QTR_OK)
        << qtr_ctx_message(&ctx);
}

}  // namespace

TEST(Stats, DepthAndCounts)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_circuit *c = make(3, 3);
    add(c, QTR_OP_H, {0});          // level 1 on q0
    add(c, QTR_OP_CX, {0, 1});      // 2 ; 2q depth 1
    add(c, QTR_OP_RZ, {2});         // 1 on q2
    add(c, QTR_OP_BARRIER, {0, 1, 2});  // no depth
    add(c, QTR_OP_CX, {1, 2});      // 3 ; 2q depth 2
    add(c, QTR_OP_MEASURE, {2, 0}); // 4 (q2, c0)
    add(c, QTR_OP_MEASURE, {0, 0}); // 5: shares clbit c0 with the previous measure
    qtr_stats s;
    ASSERT_EQ(qtr_circuit_stats(c, &s, &ctx), QTR_OK);
    EXPECT_EQ(s.counts[QTR_OP_CX], 2u);
    EXPECT_EQ(s.counts[QTR_OP_BARRIER], 1u);
    EXPECT_EQ(s.n2q, 2u);
    EXPECT_EQ(s.size, 6u);
    EXPECT_EQ(s.depth, 5u);
    EXPECT_EQ(s.depth_2q, 2u);
    qtr_circuit_free(c);
}

TEST(Stats, ConditionTouchesItsRegister)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_circuit *c = make(2, 1);
    uint32_t m[] = {0, 0}, q1[] = {1};
    ASSERT_EQ(qtr_circuit_append(c, QTR_OP_MEASURE, m, 2, nullptr, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append_cond(c, QTR_OP_X, q1, 1, nullptr, 0, 1, &ctx), QTR_OK);
    qtr_stats s;
    ASSERT_EQ(qtr_circuit_stats(c, &s, &ctx), QTR_OK);
    EXPECT_EQ(s.depth, 2u);  // the x waits for the measurement through the clbit
    qtr_circuit_free(c);
}

TEST(Stats, SingleBitConditionTouchesOnlyItsClbit)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_circuit *c = make(3, 2);
    uint32_t m0[] = {0, 0}, m1[] = {1, 1}, q2[] = {2};
    ASSERT_EQ(qtr_circuit_append(c, QTR_OP_MEASURE, m0, 2, nullptr, &ctx), QTR_OK);
    // reads clbit 1 only: does not wait for the measurement into clbit 0
    ASSERT_EQ(qtr_circuit_append_cond_bit(c, QTR_OP_X, q2, 1, nullptr, 1, 1, &ctx), QTR_OK);
    qtr_stats s;
    ASSERT_EQ(qtr_circuit_stats(c, &s, &ctx), QTR_OK);
    EXPECT_EQ(s.depth, 1u);
    ASSERT_EQ(qtr_circuit_append(c, QTR_OP_MEASURE, m1, 2, nullptr, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append_cond_bit(c, QTR_OP_X, q2, 1, nullptr, 1, 0, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_stats(c, &s, &ctx), QTR_OK);
    // the measurement waits on clbit 1 for the first x (1 -> 2), the second
    // x for the measurement (3)
    EXPECT_EQ(s.depth, 3u);
    // a register condition wider than 64 bits reads every bit of its register
    qtr_circuit *w = make(2, 100);
    uint32_t m99[] = {0, 99}, q1[] = {1}, v[3] = {0, 0, 1};
    ASSERT_EQ(qtr_circuit_append(w, QTR_OP_MEASURE, m99, 2, nullptr, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append_cond_wide(w, QTR_OP_X, q1, 1, nullptr, 0, v, 3, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_stats(w, &s, &ctx), QTR_OK);
    EXPECT_EQ(s.depth, 2u);
    EXPECT_EQ(s.size, 2u);
    qtr_circuit_free(c);
    qtr_circuit_free(w);
}

TEST(Stats, AccumulatingOverChunksEqualsWhole)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_circuit *whole = make(4, 0);
    qtr_stats_acc *acc = qtr_stats_acc_new();
    ASSERT_NE(acc, nullptr);
    qtr_circuit *chunk = make(4, 0);
    for (int i = 0; i < 300; i++) {
        uint32_t a = (uint32_t)(i * 7 % 4), b = (uint32_t)((i * 7 + 1 + i % 3) % 4);
        qtr_op op = (i % 3) ? QTR_OP_CX : QTR_OP_H;
        if (op == QTR_OP_H) { add(whole, op, {a}); add(chunk, op, {a}); }
        else { add(whole, op, {a, b}); add(chunk, op, {a, b}); }
        if (chunk->ninst == 17) {
            ASSERT_EQ(qtr_stats_acc_add(acc, chunk, 0, &ctx), QTR_OK);
            qtr_circuit_clear_ops(chunk);
        }
    }
    ASSERT_EQ(qtr_stats_acc_add(acc, chunk, 0, &ctx), QTR_OK);
    qtr_stats s;
    ASSERT_EQ(qtr_circuit_stats(whole, &s, &ctx), QTR_OK);
    const qtr_stats *r = qtr_stats_acc_result(acc);
    EXPECT_EQ(r->depth, s.depth);
    EXPECT_EQ(r->depth_2q, s.depth_2q);
    EXPECT_EQ(r->n2q, s.n2q);
    EXPECT_GT(s.depth, 50u);
    qtr_stats_acc_free(acc);
    qtr_circuit_free(chunk);
    qtr_circuit_free(whole);
}

TEST(Remap, MovesOperandsAndReplacesRegisters)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_circuit *c = make(3, 1);
    add(c, QTR_OP_CX, {0, 2});
    add(c, QTR_OP_CCX, {2, 1, 0});
    add(c, QTR_OP_MEASURE, {1, 0});
    uint32_t map[] = {5, 0, 3};
    ASSERT_EQ(qtr_circuit_remap_qubits(c, map, 7, &ctx), QTR_OK);
    EXPECT_EQ(c->nqubits, 7u);
    ASSERT_EQ(c->nqregs, 1u);
    EXPECT_STREQ(c->qregs[0].name, "q");
    EXPECT_EQ(c->inst[0].q[0], 5u);
    EXPECT_EQ(c->inst[0].q[1], 3u);
    const uint32_t *q = qtr_inst_operands(c, &c->inst[1]);
    EXPECT_EQ(q[0], 3u);
    EXPECT_EQ(q[1], 0u);
    EXPECT_EQ(q[2], 5u);
    EXPECT_EQ(c->inst[2].q[0], 0u);
    EXPECT_EQ(c->inst[2].q[1], 0u);  // the clbit is not a qubit
    EXPECT_EQ(qtr_circuit_check(c, &ctx), QTR_OK) << qtr_ctx_message(&ctx);

    uint32_t dup[] = {1, 1, 2, 3, 4, 5, 6};
    EXPECT_EQ(qtr_circuit_remap_qubits(c, dup, 7, &ctx), QTR_EINVAL);
    EXPECT_THAT(qtr_ctx_message(&ctx), ::testing::HasSubstr("both to 1"));
    qtr_circuit_free(c);
}
