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
        qtr_cond k;
        qtr_status st = qtr_circuit_append_if(b, (qtr_op)in->op, qtr_inst_operands(src, in),
                                              in->nargs, qtr_inst_params(src, in),
                                              qtr_inst_cond(src, in, &k) ? &k : nullptr, &ctx);
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

// ---- conditions of any width, and on one clbit ---------------------------

TEST(CircuitConditions, WideValueKeptInThePoolAndReadBack)
{
    Ctx ctx;
    qtr_circuit *c = make(2, 0);
    ASSERT_NE(c, nullptr);
    ASSERT_EQ(qtr_circuit_add_creg(c, "small", 3, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_add_creg(c, "big", 151, &ctx), QTR_OK);
    uint32_t q[] = {0, 1};
    // 2^150: five words, the top one 0x400000
    uint32_t v[6] = {0, 0, 0, 0, 0x400000, 0};
    double th = 0.5;
    ASSERT_EQ(qtr_circuit_append_cond_wide(c, QTR_OP_RZ, q, 1, &th, 1, v, 6, &ctx), QTR_OK);
    // a value that fits 64 bits given with extra zero words: the short form
    uint32_t small[4] = {7, 1, 0, 0};
    ASSERT_EQ(qtr_circuit_append_cond_wide(c, QTR_OP_CX, q, 2, nullptr, 0, small, 4, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_check(c, &ctx), QTR_OK) << ctx.c.msg;

    qtr_cond k;
    ASSERT_EQ(qtr_inst_cond(c, &c->inst[0], &k), 1);
    EXPECT_EQ(k.on_bit, 0);
    EXPECT_EQ(k.index, 1u);
    ASSERT_EQ(k.nwords, 5u);   // canonical: the zero top word dropped
    EXPECT_EQ(k.words[4], 0x400000u);
    EXPECT_EQ(k.words[0], 0u);
    EXPECT_EQ(qtr_inst_params(c, &c->inst[0])[0], 0.5);
    uint32_t creg = 99;
    uint64_t val = 0;
    EXPECT_EQ(qtr_inst_condition(c, &c->inst[0], &creg, &val), 2);   // not a 64-bit one
    EXPECT_EQ(qtr_inst_condition(c, &c->inst[1], &creg, &val), 1);
    EXPECT_EQ(creg, 0u);
    EXPECT_EQ(val, 7u + (1ull << 32));
    EXPECT_EQ(qtr_inst_ext_words(c, &c->inst[0]), 1u + 1u + 7u);  // operand, param index, 2+5
    EXPECT_EQ(qtr_inst_ext_words(c, &c->inst[1]), 2u + 3u);

    // clone, append_all and equality carry the value word for word
    qtr_circuit *d = nullptr;
    ASSERT_EQ(qtr_circuit_clone(c, &d, &ctx), QTR_OK);
    EXPECT_TRUE(qtr_circuit_equal(c, d));
    qtr_circuit *e = make(2, 0);
    ASSERT_EQ(qtr_circuit_add_creg(e, "small", 3, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_add_creg(e, "big", 151, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append(e, QTR_OP_H, q, 1, nullptr, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append(e, QTR_OP_U1, q, 1, &th, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append_all(e, c, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_check(e, &ctx), QTR_OK) << ctx.c.msg;
    ASSERT_EQ(qtr_inst_cond(e, &e->inst[2], &k), 1);
    EXPECT_EQ(k.nwords, 5u);
    EXPECT_EQ(k.words[4], 0x400000u);
    EXPECT_EQ(qtr_inst_params(e, &e->inst[2])[0], 0.5);
    // a different value of the same width is a different circuit
    v[0] = 1;
    qtr_circuit *f = make(2, 0);
    ASSERT_EQ(qtr_circuit_add_creg(f, "small", 3, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_add_creg(f, "big", 151, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append_cond_wide(f, QTR_OP_RZ, q, 1, &th, 1, v, 6, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append_cond_wide(f, QTR_OP_CX, q, 2, nullptr, 0, small, 2, &ctx), QTR_OK);
    EXPECT_FALSE(qtr_circuit_equal(c, f));
    qtr_circuit_free(c);
    qtr_circuit_free(d);
    qtr_circuit_free(e);
    qtr_circuit_free(f);
}

TEST(CircuitConditions, SingleClbitAndItsNegation)
{
    Ctx ctx;
    qtr_circuit *c = make(2, 4);
    ASSERT_NE(c, nullptr);
    uint32_t q[] = {1, 0};
    ASSERT_EQ(qtr_circuit_append_cond_bit(c, QTR_OP_X, q, 1, nullptr, 3, 1, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append_cond_bit(c, QTR_OP_CX, q, 2, nullptr, 2, 0, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_check(c, &ctx), QTR_OK) << ctx.c.msg;
    qtr_cond k;
    ASSERT_EQ(qtr_inst_cond(c, &c->inst[0], &k), 1);
    EXPECT_EQ(k.on_bit, 1);
    EXPECT_EQ(k.index, 3u);
    ASSERT_EQ(k.nwords, 1u);
    EXPECT_EQ(k.words[0], 1u);
    uint32_t first = 0, count = 0;
    qtr_cond_clbits(c, &k, &first, &count);
    EXPECT_EQ(first, 3u);
    EXPECT_EQ(count, 1u);
    ASSERT_EQ(qtr_inst_cond(c, &c->inst[1], &k), 1);
    EXPECT_EQ(k.words[0], 0u);   // if (!c[2])
    EXPECT_EQ(qtr_inst_operands(c, &c->inst[1])[0], 1u);
    // append_if copies a condition read from another record
    ASSERT_EQ(qtr_circuit_append_if(c, QTR_OP_H, q, 1, nullptr, &k, &ctx), QTR_OK);
    qtr_cond k2;
    ASSERT_EQ(qtr_inst_cond(c, &c->inst[2], &k2), 1);
    EXPECT_EQ(k2.on_bit, 1);
    EXPECT_EQ(k2.index, 2u);
    EXPECT_EQ(k2.words[0], 0u);

    // refused: a clbit out of range, a value other than 0/1, a register out of range
    EXPECT_EQ(qtr_circuit_append_cond_bit(c, QTR_OP_X, q, 1, nullptr, 4, 1, &ctx), QTR_EQUBIT);
    EXPECT_THAT(ctx.c.msg, HasSubstr("clbit 4"));
    EXPECT_EQ(qtr_circuit_append_cond_bit(c, QTR_OP_X, q, 1, nullptr, 0, 2, &ctx), QTR_EINVAL);
    uint32_t w[3] = {1, 2, 3};
    EXPECT_EQ(qtr_circuit_append_cond_wide(c, QTR_OP_X, q, 1, nullptr, 1, w, 3, &ctx), QTR_EQUBIT);
    EXPECT_EQ(c->ninst, 3u);

    // the checker refuses malformed stored forms
    uint32_t *cw = c->args + c->inst[0].p + 1;
    cw[2] = 5;
    EXPECT_EQ(qtr_circuit_check(c, &ctx), QTR_EINVAL);
    cw[2] = 1;
    cw[0] = QTR_COND_BIT | 1;
    EXPECT_EQ(qtr_circuit_check(c, &ctx), QTR_EINVAL);
    EXPECT_THAT(ctx.c.msg, HasSubstr("record 0"));
    cw[0] = QTR_COND_BIT;
    EXPECT_EQ(qtr_circuit_check(c, &ctx), QTR_OK) << ctx.c.msg;
    qtr_circuit_free(c);
}

TEST(CircuitConditions, WideFormMustBeShortest)
{
    Ctx ctx;
    qtr_circuit *c = make(1, 0);
    ASSERT_EQ(qtr_circuit_add_creg(c, "c", 100, &ctx), QTR_OK);
    uint32_t q[] = {0}, v[3] = {1, 2, 3};
    ASSERT_EQ(qtr_circuit_append_cond_wide(c, QTR_OP_X, q, 1, nullptr, 0, v, 3, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_check(c, &ctx), QTR_OK) << ctx.c.msg;
    uint32_t *cw = c->args + c->inst[0].p + 1;
    EXPECT_EQ(cw[0], QTR_COND_WIDE | 3u);
    cw[4] = 0;   // top word zero: not the shortest form
    EXPECT_EQ(qtr_circuit_check(c, &ctx), QTR_EINVAL);
    cw[4] = 3;
    cw[0] = QTR_COND_WIDE | 2u;   // a 2-word value must take the first form
    EXPECT_EQ(qtr_circuit_check(c, &ctx), QTR_EINVAL);
    cw[0] = QTR_COND_WIDE | 1000u;   // runs past the pool
    EXPECT_EQ(qtr_circuit_check(c, &ctx), QTR_EINVAL);
    qtr_circuit_free(c);
}
