// test_qasm_opaque.cc -- opaque gates (OpenQASM 2 `opaque`, no definition)
// through transpilation when the target's basis names them: target loading
// with names the gate table does not know, refusals naming the gate, routed
// output on the coupling map, and simulation with the opaque gates given a
// matrix by the test (each replaced, in input and output alike, by a table
// gate that commutes with little), so that whatever the passes did around
// them is checked.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "qasm_test.h"
#include "qtr.h"
#include "qtr_io.h"
#include "sim.h"

using ::testing::HasSubstr;

namespace {

const std::string H = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\n";

using qasm_test::Circ;
using Target = qasm_test::TargetHandle;

struct Ctx : qasm_test::Ctx {
    std::string msg() const { return text(); }
};

qtr_status read(const std::string &text, Circ &out, Ctx &ctx)
{
    return qtr_qasm_read_mem(text.data(), text.size(), "t.qasm", &out.c, &ctx);
}

std::string write(const qtr_circuit *c) { return qasm_test::write_text(c); }

// A random circuit on @p n qubits: table gates and the opaque gates
// g1(θ) (1 qubit) and g2 (2 qubits), no measurements.
std::string random_program(uint32_t n, int ngates, unsigned seed)
{
    std::string s = H + "opaque g1(t) a;\nopaque g2 a,b;\nqreg q[" + std::to_string(n) + "];\n";
    srand(seed);
    char buf[96];
    for (int i = 0; i < ngates; i++) {
        uint32_t a = (uint32_t)rand() % n, b = (a + 1 + (uint32_t)rand() % (n - 1)) % n;
        double th = (rand() % 1000) / 100.0;
        switch (rand() % 8) {
        case 0: snprintf(buf, sizeof buf, "h q[%u];\n", a); break;
        case 1: snprintf(buf, sizeof buf, "t q[%u];\n", a); break;
        case 2: snprintf(buf, sizeof buf, "rz(%g) q[%u];\n", th, a); break;
        case 3: case 4: snprintf(buf, sizeof buf, "cx q[%u],q[%u];\n", a, b); break;
        case 5: snprintf(buf, sizeof buf, "g1(%g) q[%u];\n", th, a); break;
        case 6: snprintf(buf, sizeof buf, "g2 q[%u],q[%u];\n", a, b); break;
        default: snprintf(buf, sizeof buf, "cz q[%u],q[%u];\n", a, b); break;
        }
        s += buf;
    }
    return s;
}

// The circuit with every opaque gate given a matrix: g1(θ) as rx(θ), g2 as
// ch (neither symmetric nor diagonal, so a gate moved across one or a
// reversed g2 shows).
qtr_status give_matrices(const qtr_circuit *c, Circ &out, Ctx &ctx)
{
    std::string text = write(c), r;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t e = text.find('\n', pos);
        std::string line = text.substr(pos, e == std::string::npos ? std::string::npos : e - pos);
        pos = e == std::string::npos ? text.size() : e + 1;
        if (line.rfind("opaque ", 0) == 0) continue;
        if (line.rfind("g1(", 0) == 0) line = "rx(" + line.substr(3);
        else if (line.rfind("g2 ", 0) == 0) line = "ch " + line.substr(3);
        r += line + "\n";
    }
    return read(r, out, ctx);
}

size_t count_opaque(const qtr_circuit *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->ninst; i++) n += c->inst[i].op == QTR_OP_OPAQUE;
    return n;
}

qtr_status load_target(const char *spec, const char *basis, Target &t, Ctx &ctx)
{
    qtr_status st = qtr_target_load(spec, &t.t, &ctx);
    return st ? st : qtr_target_set_basis(t.t, basis, &ctx);
}

}  // namespace

TEST(Opaque, BasisKeepsNamesTheTableDoesNotKnow)
{
    Ctx ctx;
    Target t;
    ASSERT_EQ(load_target("line:3", "cx,rz,sx,x,g2,my_gate1", t, ctx), QTR_OK) << ctx.msg();
    EXPECT_TRUE(qtr_target_has_gate_named(t.t, "g2"));
    EXPECT_TRUE(qtr_target_has_gate_named(t.t, "my_gate1"));
    EXPECT_TRUE(qtr_target_has_gate_named(t.t, "cx"));
    EXPECT_FALSE(qtr_target_has_gate_named(t.t, "cz"));
    EXPECT_FALSE(qtr_target_has_gate_named(t.t, "g1"));
    EXPECT_EQ(qtr_target_2q_gate(t.t), QTR_OP_CX);
    // not identifiers, and internal names: refused, the basis unchanged
    for (const char *bad : {"cx,1g", "cx,g-2", "cx,opaque", "cx,nop"}) {
        EXPECT_EQ(qtr_target_set_basis(t.t, bad, &ctx), QTR_ETARGET) << bad;
        EXPECT_THAT(ctx.msg(), HasSubstr("is not a gate name")) << bad;
    }
    EXPECT_TRUE(qtr_target_has_gate_named(t.t, "my_gate1"));
    // replacing the basis drops the old names
    ASSERT_EQ(qtr_target_set_basis(t.t, "cz,rz,sx", &ctx), QTR_OK);
    EXPECT_FALSE(qtr_target_has_gate_named(t.t, "g2"));
}

TEST(Opaque, TranspileRefusesWhatTheTargetLacks)
{
    Ctx ctx;
    Circ c;
    ASSERT_EQ(read(H + "opaque g2 a,b;\nqreg q[2];\nh q[0];\ng2 q[0],q[1];\n", c, ctx), QTR_OK);
    Target t;
    ASSERT_EQ(load_target("line:3", "cx,rz,sx,x,g1", t, ctx), QTR_OK);
    qtr_options o;
    qtr_options_default(&o);
    EXPECT_EQ(qtr_transpile(c.c, t.t, &o, nullptr, &ctx), QTR_EUNSUPPORTED);
    EXPECT_THAT(ctx.msg(), HasSubstr("opaque gate 'g2'"));
    EXPECT_THAT(ctx.msg(), HasSubstr("not in the basis of target 'line:3'"));

    // a 3-qubit opaque gate in the basis: refused, named, at every level
    Circ c3;
    ASSERT_EQ(read(H + "opaque g3 a,b,c;\nqreg q[3];\ng3 q[0],q[1],q[2];\n", c3, ctx), QTR_OK);
    ASSERT_EQ(qtr_target_set_basis(t.t, "cx,rz,sx,x,g3", &ctx), QTR_OK);
    for (int level = 0; level <= 3; level++) {
        o.opt_level = level;
        EXPECT_EQ(qtr_transpile(c3.c, t.t, &o, nullptr, &ctx), QTR_EUNSUPPORTED);
        EXPECT_THAT(ctx.msg(), HasSubstr("opaque gate 'g3' acts on 3 qubits"));
    }
}

TEST(Opaque, TargetFileBasisNamesPassThrough)
{
    // Qiskit backend configuration and qtranspile's own format with a gate
    // of the device's own, and Qiskit's non-gate instructions beside it
    const char *conf = "opaque_conf.json", *own = "opaque_own.json";
    FILE *f = fopen(conf, "w");
    ASSERT_NE(f, nullptr);
    fputs("{\"n_qubits\": 3, \"basis_gates\": [\"cx\", \"rz\", \"sx\", \"x\", \"delay\", "
          "\"if_else\", \"measure\", \"reset\", \"g2\"], \"coupling_map\": [[0, 1], [1, 2]]}",
          f);
    fclose(f);
    f = fopen(own, "w");
    ASSERT_NE(f, nullptr);
    fputs("{\"num_qubits\": 3, \"basis\": [\"cz\", \"rz\", \"sx\", \"g2\"], "
          "\"undirected_edges\": [[0, 1], [1, 2]]}", f);
    fclose(f);
    for (const char *file : {conf, own}) {
        Ctx ctx;
        Target t;
        ASSERT_EQ(qtr_target_load(file, &t.t, &ctx), QTR_OK) << file << ": " << ctx.msg();
        EXPECT_TRUE(qtr_target_has_gate_named(t.t, "g2")) << file;
        EXPECT_FALSE(qtr_target_has_gate_named(t.t, "delay")) << file;
        Circ c;
        ASSERT_EQ(read(H + "opaque g2 a,b;\nqreg q[3];\nh q[0];\ng2 q[0],q[2];\n", c, ctx), QTR_OK);
        qtr_options o;
        qtr_options_default(&o);
        ASSERT_EQ(qtr_transpile(c.c, t.t, &o, nullptr, &ctx), QTR_OK) << file << ": " << ctx.msg();
        EXPECT_EQ(qtr_target_check_circuit(t.t, c.c, &ctx), QTR_OK) << ctx.msg();
        EXPECT_EQ(count_opaque(c.c), 1u);
    }
    // a name that cannot be a gate: the file, the key and the item
    f = fopen(conf, "w");
    ASSERT_NE(f, nullptr);
    fputs("{\"n_qubits\": 2, \"basis_gates\": [\"cx\", \"g-2\"], \"coupling_map\": [[0, 1]]}", f);
    fclose(f);
    Ctx ctx;
    Target t;
    EXPECT_EQ(qtr_target_load(conf, &t.t, &ctx), QTR_ETARGET);
    EXPECT_THAT(ctx.msg(), HasSubstr("opaque_conf.json: basis_gates[1]: 'g-2' is not a gate name"));
    remove(conf);
    remove(own);
}

// The claim of the issue: opaque 1q and 2q gates pass through every level on
// sparse targets; routed output conforms to the coupling map (2q opaque
// gates on coupled pairs); with the opaque gates given matrices, output and
// input are the same operation.
TEST(Opaque, RoutedAroundAndSimulated)
{
    const char *targets[] = {"grid:3x3", "heavy-hex:3", "line:6"};
    int checked = 0;
    for (const char *spec : targets) {
        Ctx ctx;
        Target t;
        ASSERT_EQ(load_target(spec, "cx,rz,sx,x,g1,g2", t, ctx), QTR_OK) << ctx.msg();
        for (unsigned seed = 1; seed <= 4; seed++) {
            std::string text = random_program(6, 40, seed);
            for (int level = 0; level <= 3; level++) {
                Circ in, out, in_m, out_m;
                ASSERT_EQ(read(text, in, ctx), QTR_OK) << ctx.msg();
                ASSERT_EQ(read(text, out, ctx), QTR_OK);
                size_t nopaque = count_opaque(in.c);
                ASSERT_GT(nopaque, 0u);
                qtr_options o;
                qtr_options_default(&o);
                o.opt_level = level;
                o.seed = seed;
                qtr_result r;
                ASSERT_EQ(qtr_transpile(out.c, t.t, &o, &r, &ctx), QTR_OK)
                    << spec << " level " << level << ": " << ctx.msg();
                SCOPED_TRACE(std::string(spec) + " seed " + std::to_string(seed) + " level " +
                             std::to_string(level));
                EXPECT_EQ(qtr_target_check_circuit(t.t, out.c, &ctx), QTR_OK) << ctx.msg();
                EXPECT_EQ(count_opaque(out.c), nopaque) << "opaque gates are kept as they are";
                for (size_t i = 0; i < out.c->ninst; i++) {
                    const qtr_inst *x = &out.c->inst[i];
                    if (x->op == QTR_OP_OPAQUE && x->nargs == 2) {
                        const uint32_t *q = qtr_inst_operands(out.c, x);
                        EXPECT_TRUE(qtr_target_connected(t.t, q[0], q[1])) << i;
                    }
                }
                ASSERT_EQ(give_matrices(in.c, in_m, ctx), QTR_OK) << ctx.msg();
                ASSERT_EQ(give_matrices(out.c, out_m, ctx), QTR_OK) << ctx.msg();
                EXPECT_EQ(qtr_sim_equivalent(in_m.c, out_m.c, r.initial_layout,
                                             r.output_permutation, 1e-6, &ctx),
                          QTR_OK)
                    << ctx.msg();
                qtr_result_free(&r);
                checked++;
            }
        }
    }
    EXPECT_EQ(checked, 48);
}

// The simulation above can fail: the same output with one g2 reversed is
// not equivalent to its input.
TEST(Opaque, SimulationSeesAReversedOpaqueGate)
{
    Ctx ctx;
    Circ a, b, am, bm;
    ASSERT_EQ(read(H + "opaque g2 a,b;\nqreg q[2];\nh q[0];\ng2 q[0],q[1];\n", a, ctx), QTR_OK);
    ASSERT_EQ(read(H + "opaque g2 a,b;\nqreg q[2];\nh q[0];\ng2 q[1],q[0];\n", b, ctx), QTR_OK);
    ASSERT_EQ(give_matrices(a.c, am, ctx), QTR_OK) << ctx.msg();
    ASSERT_EQ(give_matrices(b.c, bm, ctx), QTR_OK) << ctx.msg();
    EXPECT_EQ(qtr_sim_equivalent(am.c, bm.c, nullptr, nullptr, 1e-6, &ctx), QTR_EVERIFY);
}

TEST(Opaque, WrittenBackWithItsDeclaration)
{
    Ctx ctx;
    Circ c;
    ASSERT_EQ(read(random_program(4, 30, 7), c, ctx), QTR_OK);
    Target t;
    ASSERT_EQ(load_target("line:4", "cx,rz,sx,x,g1,g2", t, ctx), QTR_OK);
    qtr_options o;
    qtr_options_default(&o);
    ASSERT_EQ(qtr_transpile(c.c, t.t, &o, nullptr, &ctx), QTR_OK) << ctx.msg();
    std::string text = write(c.c);
    EXPECT_THAT(text, HasSubstr("opaque g1(p0) a0;"));
    EXPECT_THAT(text, HasSubstr("opaque g2 a0,a1;"));
    Circ back;
    ASSERT_EQ(read(text, back, ctx), QTR_OK) << ctx.msg();
    EXPECT_EQ(count_opaque(back.c), count_opaque(c.c));
}
