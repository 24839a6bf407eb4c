// test_pipeline.cc -- whole-pipeline tests at level 0: random circuits over
// every table gate transpiled for several targets and bases are equivalent by
// simulation (with the reported layout) and conform to the target; the
// streaming driver writes the same program as the in-memory pipeline.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "qtr.h"
#include "qtr_io.h"
#include "random_circuit.h"
#include "sim.h"

using ::testing::HasSubstr;

namespace {

struct Target {
    qtr_target *t = nullptr;
    Target(const char *spec, const char *basis)
    {
        qtr_ctx ctx;
        qtr_ctx_init(&ctx, 0);
        EXPECT_EQ(qtr_target_load(spec, &t, &ctx), QTR_OK) << qtr_ctx_message(&ctx);
        if (t && basis) {
            EXPECT_EQ(qtr_target_set_basis(t, basis, &ctx), QTR_OK) << qtr_ctx_message(&ctx);
        }
    }
    ~Target() { qtr_target_free(t); }
};

const char *const kBases[] = {
    "cx,rz,sx,x", "cz,rz,sx,x", "ecr,rz,sx,x", "cx,u", "cx,u1,u2,u3", "cx,rx,ry,rz", "cz,rx,rz",
};

}  // namespace

// all:N needs no routing, so every random circuit must come through.
TEST(PipelineLevel0, RandomCircuitsEveryBasisAllToAll)
{
    for (const char *basis : kBases) {
        Target tg("all:5", basis);
        ASSERT_NE(tg.t, nullptr);
        for (uint64_t seed = 0; seed < 25; seed++) {
            qtr_ctx ctx;
            qtr_ctx_init(&ctx, seed);
            qtr_circuit *in = nullptr, *out = nullptr;
            ASSERT_EQ(qtr_random_circuit(4, 30, nullptr, 0, seed, &in, &ctx), QTR_OK);
            ASSERT_EQ(qtr_circuit_clone(in, &out, &ctx), QTR_OK);
            qtr_options o;
            qtr_options_default(&o);
            o.opt_level = 0;
            qtr_result r;
            ASSERT_EQ(qtr_transpile(out, tg.t, &o, &r, &ctx), QTR_OK)
                << basis << " seed " << seed << ": " << qtr_ctx_message(&ctx);
            EXPECT_EQ(out->nqubits, 5u);
            EXPECT_EQ(qtr_target_check_circuit(tg.t, out, &ctx), QTR_OK) << qtr_ctx_message(&ctx);
            EXPECT_EQ(qtr_sim_equivalent(in, out, r.initial_layout, r.output_permutation, 1e-7, &ctx),
                      QTR_OK)
                << basis << " seed " << seed << ": " << qtr_ctx_message(&ctx);
            EXPECT_EQ(r.out.n2q, r.out.counts[qtr_target_2q_gate(tg.t)]);
            qtr_result_free(&r);
            qtr_circuit_free(in);
            qtr_circuit_free(out);
        }
    }
}

// A directed 2-qubit target forces direction fixes; a 3-qubit line accepts
// circuits whose 2q gates touch neighbours only.
TEST(PipelineLevel0, LineTargetNeighbourGates)
{
    Target tg("line:3", "cx,rz,sx,x");
    ASSERT_NE(tg.t, nullptr);
    const qtr_op ops[] = {QTR_OP_H, QTR_OP_RX, QTR_OP_CX, QTR_OP_CZ, QTR_OP_SWAP, QTR_OP_RZZ, QTR_OP_U};
    for (uint64_t seed = 0; seed < 40; seed++) {
        qtr_ctx ctx;
        qtr_ctx_init(&ctx, seed);
        qtr_circuit *in = nullptr, *out = nullptr;
        ASSERT_EQ(qtr_random_circuit(2, 25, ops, 7, seed, &in, &ctx), QTR_OK);
        ASSERT_EQ(qtr_circuit_clone(in, &out, &ctx), QTR_OK);
        qtr_options o;
        qtr_options_default(&o);
        o.opt_level = 0;
        qtr_result r;
        ASSERT_EQ(qtr_transpile(out, tg.t, &o, &r, &ctx), QTR_OK) << qtr_ctx_message(&ctx);
        EXPECT_EQ(qtr_sim_equivalent(in, out, r.initial_layout, r.output_permutation, 1e-7, &ctx), QTR_OK)
            << "seed " << seed << ": " << qtr_ctx_message(&ctx);
        qtr_result_free(&r);
        qtr_circuit_free(in);
        qtr_circuit_free(out);
    }
}

TEST(PipelineLevel0, Errors)
{
    Target small("line:2", nullptr);
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_circuit *c = nullptr;
    ASSERT_EQ(qtr_random_circuit(3, 5, nullptr, 0, 1, &c, &ctx), QTR_OK);
    qtr_options o;
    qtr_options_default(&o);
    o.opt_level = 0;
    EXPECT_EQ(qtr_transpile(c, small.t, &o, nullptr, &ctx), QTR_ETARGET);
    EXPECT_THAT(qtr_ctx_message(&ctx), HasSubstr("3 qubits"));
    o.opt_level = 7;
    EXPECT_EQ(qtr_transpile(c, small.t, &o, nullptr, &ctx), QTR_EINVAL);
    qtr_circuit_free(c);
}

// The streaming driver and the in-memory pipeline write the same program.
TEST(PipelineLevel0, StreamMatchesInMemory)
{
    Target tg("line:3", "cx,u1,u2,u3");
    std::string text = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[3];\ncreg c[3];\nh q[0];\n";
    for (int i = 0; i < 200000; i++) text += (i % 3) ? "swap q[0],q[1];\n" : "cx q[2],q[1];\n";
    text += "measure q -> c;\n";

    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_options o;
    qtr_options_default(&o);
    o.opt_level = 0;

    qtr_circuit *c = nullptr;
    ASSERT_EQ(qtr_qasm_read_mem(text.data(), text.size(), "mem", &c, &ctx), QTR_OK) << qtr_ctx_message(&ctx);
    qtr_result r1;
    ASSERT_EQ(qtr_transpile(c, tg.t, &o, &r1, &ctx), QTR_OK) << qtr_ctx_message(&ctx);
    char *mem_out = nullptr;
    size_t mem_len = 0;
    ASSERT_EQ(qtr_qasm_write_mem(c, &mem_out, &mem_len, &ctx), QTR_OK);

    char *stream_out = nullptr;
    size_t stream_len = 0;
    FILE *f = open_memstream(&stream_out, &stream_len);
    ASSERT_NE(f, nullptr);
    qtr_qasm_reader *rd = nullptr;
    qtr_qasm_writer *wr = nullptr;
    ASSERT_EQ(qtr_qasm_reader_open_mem(&rd, text.data(), text.size(), "mem", &ctx), QTR_OK);
    ASSERT_EQ(qtr_qasm_writer_open_stream(&wr, f, "stream", &ctx), QTR_OK);
    qtr_result r2;
    ASSERT_EQ(qtr_transpile_stream(rd, wr, tg.t, &o, &r2, &ctx), QTR_OK) << qtr_ctx_message(&ctx);
    ASSERT_EQ(qtr_qasm_writer_close(wr, &ctx), QTR_OK);
    qtr_qasm_reader_free(rd);
    fclose(f);

    EXPECT_EQ(r1.out.counts[QTR_OP_CX], r2.out.counts[QTR_OP_CX]);
    EXPECT_EQ(r1.out.counts[QTR_OP_CX], 3u * 133333 + 66667);
    EXPECT_EQ(r1.out.depth, r2.out.depth);
    EXPECT_EQ(r1.out.depth_2q, r2.out.depth_2q);
    EXPECT_EQ(r1.in.size, r2.in.size);
    ASSERT_EQ(mem_len, stream_len);
    EXPECT_EQ(std::string(mem_out, mem_len), std::string(stream_out, stream_len));
    free(mem_out);
    free(stream_out);
    qtr_result_free(&r1);
    qtr_result_free(&r2);
    qtr_circuit_free(c);
}

// Conditions wider than 64 bits and on single clbits come through every level:
// each conditioned gate's translation carries its condition word for word,
// none is cancelled or merged with its unconditioned neighbours, and the
// measurement that writes a clbit stays before the gates that read it.
TEST(PipelineConditions, WideAndSingleBitConditionsSurviveEveryLevel)
{
    Target tg("line:5", "cx,rz,sx,x");
    ASSERT_NE(tg.t, nullptr);
    for (int level = 0; level <= 3; level++) {
        qtr_ctx ctx;
        qtr_ctx_init(&ctx, 1);
        qtr_circuit *c = qtr_circuit_new(0);
        ASSERT_EQ(qtr_circuit_add_qreg(c, "q", 4, &ctx), QTR_OK);
        ASSERT_EQ(qtr_circuit_add_creg(c, "c", 2, &ctx), QTR_OK);
        ASSERT_EQ(qtr_circuit_add_creg(c, "big", 151, &ctx), QTR_OK);
        uint32_t q01[] = {0, 1}, q23[] = {2, 3}, q30[] = {3, 0}, m[] = {1, 1}, q2[] = {2};
        uint32_t v[5] = {0, 0, 0, 0, 0x400000};   // 2^150
        double th = 0.7;
        ASSERT_EQ(qtr_circuit_append(c, QTR_OP_H, q01, 1, nullptr, &ctx), QTR_OK);
        ASSERT_EQ(qtr_circuit_append(c, QTR_OP_CX, q01, 2, nullptr, &ctx), QTR_OK);
        ASSERT_EQ(qtr_circuit_append(c, QTR_OP_MEASURE, m, 2, nullptr, &ctx), QTR_OK);
        // two equal conditioned gates in a row: not a cancelling pair
        ASSERT_EQ(qtr_circuit_append_cond_bit(c, QTR_OP_CX, q23, 2, nullptr, 1, 1, &ctx), QTR_OK);
        ASSERT_EQ(qtr_circuit_append_cond_bit(c, QTR_OP_CX, q23, 2, nullptr, 1, 1, &ctx), QTR_OK);
        ASSERT_EQ(qtr_circuit_append_cond_bit(c, QTR_OP_H, q2, 1, nullptr, 1, 0, &ctx), QTR_OK);
        ASSERT_EQ(qtr_circuit_append_cond_wide(c, QTR_OP_CRX, q30, 2, &th, 1, v, 5, &ctx), QTR_OK);
        ASSERT_EQ(qtr_circuit_append(c, QTR_OP_CX, q30, 2, nullptr, &ctx), QTR_OK);
        qtr_options o;
        qtr_options_default(&o);
        o.opt_level = level;
        qtr_result r;
        ASSERT_EQ(qtr_transpile(c, tg.t, &o, &r, &ctx), QTR_OK) << level << ": " << ctx.msg;
        EXPECT_EQ(qtr_circuit_check(c, &ctx), QTR_OK) << ctx.msg;
        EXPECT_EQ(qtr_target_check_circuit(tg.t, c, &ctx), QTR_OK) << ctx.msg;
        size_t bit1 = 0, bit0 = 0, wide = 0, first_bit = SIZE_MAX, meas = SIZE_MAX;
        for (size_t i = 0; i < c->ninst; i++) {
            const qtr_inst *in = &c->inst[i];
            if (in->op == QTR_OP_MEASURE && qtr_inst_operands(c, in)[1] == 1 && meas == SIZE_MAX)
                meas = i;
            qtr_cond k;
            if (!qtr_inst_cond(c, in, &k)) continue;
            if (k.on_bit) {
                EXPECT_EQ(k.index, 1u);
                (k.words[0] ? bit1 : bit0)++;
                if (first_bit == SIZE_MAX) first_bit = i;
            } else {
                EXPECT_EQ(k.index, 1u);
                ASSERT_EQ(k.nwords, 5u);
                EXPECT_EQ(k.words[4], 0x400000u);
                EXPECT_EQ(k.words[0] | k.words[1] | k.words[2] | k.words[3], 0u);
                wide++;
            }
        }
        EXPECT_GE(bit1, 2u) << "level " << level;   // both cx (possibly translated)
        EXPECT_GE(bit0, 1u) << "level " << level;
        EXPECT_GE(wide, 2u) << "level " << level;   // crx -> several basis gates
        ASSERT_NE(meas, SIZE_MAX);
        EXPECT_LT(meas, first_bit) << "level " << level;
        qtr_result_free(&r);
        qtr_circuit_free(c);
    }
}
