// test_sim_cond.cc -- circuits with mid-circuit measurements and classical
// conditions: the branching simulator (qtr_sim_branches in src/sim.c) on
// cases with known outcomes, then transpiled circuits against their input,
// outcome by outcome: random OpenQASM 3 programs with measurements and
// conditions of every form the reader takes (a register's value, one bit,
// else, != on a register) through levels 0-3 on heavy-hex and grid targets.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "qasm_test.h"
#include "qtr.h"
#include "qtr_io.h"
#include "sim.h"

namespace {

using cplx = std::complex<double>;

using qasm_test::Circ;

struct Ctx : qasm_test::Ctx {
    std::string msg() const { return text(); }
};

// One branch: its probability and state, keyed by its classical bits.
struct Leaf {
    double prob;
    std::vector<cplx> state;
};
using Leaves = std::map<std::string, Leaf>;

struct Collect {
    Leaves leaves;
    uint32_t nclbits;
    int duplicates = 0;
};

void collect(void *user, const uint8_t *bits, double prob, const double *state, uint32_t nq)
{
    auto *c = static_cast<Collect *>(user);
    std::string key;
    for (uint32_t k = 0; k < c->nclbits; k++) key += char('0' + bits[k]);
    const cplx *s = reinterpret_cast<const cplx *>(state);
    if (c->leaves.count(key)) c->duplicates++;
    c->leaves[key] = Leaf{prob, std::vector<cplx>(s, s + (size_t(1) << nq))};
}

// The branches of @p c run from |0...0> on the state qubits map[q].
Leaves branches(const qtr_circuit *c, uint32_t nq, const uint32_t *map)
{
    Ctx ctx;
    std::vector<cplx> zero(size_t(1) << nq);
    zero[0] = 1;
    Collect col{{}, c->nclbits};
    EXPECT_EQ(qtr_sim_branches(c, reinterpret_cast<const double *>(zero.data()), nq, map, 1e-12,
                               collect, &col, &ctx),
              QTR_OK)
        << ctx.msg();
    EXPECT_EQ(col.duplicates, 0) << "each clbit is written once: outcomes tell branches apart";
    return col.leaves;
}

qtr_status read(const std::string &text, Circ &out, Ctx &ctx)
{
    return qtr_qasm_read_mem(text.data(), text.size(), "t.qasm", &out.c, &ctx);
}

double prob_of(const Leaves &l, const std::string &key)
{
    auto it = l.find(key);
    return it == l.end() ? 0 : it->second.prob;
}

const std::string H3 = "OPENQASM 3.0;\ninclude \"stdgates.inc\";\n";

// A random program on 5 qubits: random starting states, gates, every clbit
// of a[3], b[2] measured once (at a random time, from a random qubit), and
// conditioned statements of every form between.
std::string random_program(unsigned seed)
{
    srand(seed);
    auto angle = [] { return std::to_string((rand() % 628) / 100.0); };
    auto qubit = [](int k) { return "q[" + std::to_string(k) + "]"; };
    std::string s = H3 + "qubit[5] q;\nbit[3] a;\nbit[2] b;\n";
    for (int k = 0; k < 5; k++)
        s += "U(" + angle() + ", " + angle() + ", " + angle() + ") " + qubit(k) + ";\n";
    const char *g1[] = {"h", "t", "sx", "x", "s"};
    std::vector<std::string> clbits = {"a[0]", "a[1]", "a[2]", "b[0]", "b[1]"};
    size_t measured = 0;
    auto gate = [&](void) {
        int a = rand() % 5, b = (a + 1 + rand() % 4) % 5;
        switch (rand() % 4) {
        case 0: return std::string(g1[rand() % 5]) + " " + qubit(a) + ";";
        case 1: return "rz(" + angle() + ") " + qubit(a) + ";";
        case 2: return "cx " + qubit(a) + ", " + qubit(b) + ";";
        default: return "cz " + qubit(a) + ", " + qubit(b) + ";";
        }
    };
    for (int step = 0; step < 40; step++) {
        int r = rand() % 12;
        if (r < 2 && measured < clbits.size()) {
            s += clbits[measured++] + " = measure " + qubit(rand() % 5) + ";\n";
        } else if (r < 6 && measured) {
            std::string cond;
            switch (rand() % 5) {
            case 0: cond = "a == " + std::to_string(rand() % 8); break;
            case 1: cond = "a != " + std::to_string(rand() % 8); break;
            case 2: cond = "b == " + std::to_string(rand() % 4); break;
            case 3: cond = clbits[rand() % measured]; break;
            default: cond = "!" + clbits[rand() % measured]; break;
            }
            s += "if (" + cond + ") { " + gate() + " " + gate() + " }";
            if (rand() % 2) s += " else { " + gate() + " }";
            s += "\n";
        } else {
            s += gate() + "\n";
        }
    }
    while (measured < clbits.size()) s += clbits[measured++] + " = measure " + qubit(rand() % 5) + ";\n";
    return s;
}

// Every branch of @p out (on the target's physical qubits, laid out by
// @p r) has the probability of the input's branch with the same outcomes,
// and its state is the input's, placed at the output permutation (every
// other qubit |0>), up to a phase of its own.
void expect_same_branches(const qtr_circuit *in, const qtr_circuit *out, const qtr_result &r)
{
    Leaves want = branches(in, in->nqubits, nullptr);
    // the physical qubits that matter, renumbered densely
    // (a circuit read back from physical qubits may be narrower than the
    // device: an idle virtual qubit can sit beyond its last $n)
    uint32_t width = out->nqubits;
    for (uint32_t v = 0; v < in->nqubits; v++)
        width = std::max(width, r.output_permutation[v] + 1);
    std::vector<uint32_t> dense(width, UINT32_MAX);
    uint32_t na = 0;
    auto use = [&](uint32_t p) {
        if (dense[p] == UINT32_MAX) dense[p] = na++;
    };
    for (uint32_t v = 0; v < in->nqubits; v++) use(r.output_permutation[v]);
    for (size_t i = 0; i < out->ninst; i++) {
        const qtr_inst *x = &out->inst[i];
        if (x->op == QTR_OP_BARRIER || x->op == QTR_OP_NOP) continue;
        const uint32_t *q = qtr_inst_operands(out, x);
        uint32_t nq = x->op == QTR_OP_MEASURE ? 1 : x->nargs;
        for (uint32_t j = 0; j < nq; j++) use(q[j]);
    }
    ASSERT_LE(na, 16u) << "active qubits";
    Leaves got = branches(out, na, dense.data());
    double total = 0;
    for (auto &kv : got) {
        total += kv.second.prob;
        auto it = want.find(kv.first);
        ASSERT_NE(it, want.end()) << "outcome " << kv.first << " (p " << kv.second.prob
                                  << ") not possible in the input";
        EXPECT_NEAR(kv.second.prob, it->second.prob, 1e-9) << "outcome " << kv.first;
        const std::vector<cplx> &psi = it->second.state;
        cplx overlap = 0;
        for (size_t x = 0; x < psi.size(); x++) {
            size_t y = 0;
            for (uint32_t v = 0; v < in->nqubits; v++)
                if (x >> v & 1) y |= size_t(1) << dense[r.output_permutation[v]];
            overlap += std::conj(psi[x]) * kv.second.state[y];
        }
        EXPECT_NEAR(std::abs(overlap), 1.0, 1e-7) << "outcome " << kv.first;
    }
    EXPECT_NEAR(total, 1.0, 1e-9);
    for (auto &kv : want) {
        if (kv.second.prob > 1e-9) {
            EXPECT_TRUE(got.count(kv.first)) << "outcome " << kv.first << " lost";
        }
    }
}

}  // namespace

TEST(SimBranches, BellPairMeasuredBothWays)
{
    Ctx ctx;
    Circ c;
    ASSERT_EQ(read(H3 + "qubit[2] q;\nbit[2] c;\nh q[0];\ncx q[0], q[1];\nc = measure q;\n", c, ctx),
              QTR_OK);
    Leaves l = branches(c.c, 2, nullptr);
    ASSERT_EQ(l.size(), 2u);
    EXPECT_NEAR(prob_of(l, "00"), 0.5, 1e-12);
    EXPECT_NEAR(prob_of(l, "11"), 0.5, 1e-12);
    EXPECT_NEAR(std::abs(l["11"].state[3]), 1.0, 1e-12);   // collapsed onto |11>
}

TEST(SimBranches, ConditionsReadTheBranchsBits)
{
    // teleportation with corrections by conditions: q[2] ends in q[0]'s
    // state whatever the outcomes, each of probability 1/4
    Ctx ctx;
    Circ c;
    ASSERT_EQ(read(H3 + "qubit[3] q;\nbit[2] m;\nry(0.7) q[0];\n"
                        "h q[1];\ncx q[1], q[2];\ncx q[0], q[1];\nh q[0];\n"
                        "m[0] = measure q[0];\nm[1] = measure q[1];\n"
                        "if (m[1]) x q[2];\nif (m == 1) z q[2];\nif (m == 3) z q[2];\n",
                   c, ctx),
              QTR_OK)
        << ctx.msg();
    Leaves l = branches(c.c, 3, nullptr);
    ASSERT_EQ(l.size(), 4u);
    for (auto &kv : l) {
        EXPECT_NEAR(kv.second.prob, 0.25, 1e-12) << kv.first;
        // q[0], q[1] hold the outcomes; q[2] = ry(0.7)|0>
        size_t base = size_t(kv.first[0] - '0') | size_t(kv.first[1] - '0') << 1;
        EXPECT_NEAR(std::abs(kv.second.state[base]), std::cos(0.35), 1e-12) << kv.first;
        EXPECT_NEAR(std::abs(kv.second.state[base | 4]), std::sin(0.35), 1e-12) << kv.first;
    }
}

TEST(SimBranches, ResetAndRefusals)
{
    Ctx ctx;
    Circ c;
    ASSERT_EQ(read(H3 + "qubit q;\nbit b;\nh q;\nreset q;\nb = measure q;\n", c, ctx), QTR_OK);
    Leaves l;
    Collect col{{}, 1};
    std::vector<cplx> zero(2);
    zero[0] = 1;
    ASSERT_EQ(qtr_sim_branches(c.c, reinterpret_cast<const double *>(zero.data()), 1, nullptr,
                               1e-12, collect, &col, &ctx),
              QTR_OK);
    // two branches of the reset, both reading 0 (the same key, so one kept)
    EXPECT_EQ(col.duplicates, 1);
    EXPECT_NEAR(col.leaves["0"].prob, 0.5, 1e-12);
    EXPECT_EQ(qtr_sim_branches(c.c, reinterpret_cast<const double *>(zero.data()), 0, nullptr,
                               1e-12, collect, &col, &ctx),
              QTR_ELIMIT);
}

// The claim: transpiled circuits with measurements and conditions do, outcome
// by outcome, what their input does.
TEST(SimBranches, TranspiledConditionedCircuits)
{
    const char *targets[] = {"heavy-hex:3", "grid:3x3"};
    int checked = 0, conditioned = 0;
    for (const char *spec : targets) {
        Ctx ctx;
        qtr_target *t = nullptr;
        ASSERT_EQ(qtr_target_load(spec, &t, &ctx), QTR_OK) << ctx.msg();
        for (unsigned seed = 1; seed <= 5; seed++) {
            std::string text = random_program(seed);
            for (int level = 0; level <= 3; level++) {
                SCOPED_TRACE(std::string(spec) + " seed " + std::to_string(seed) + " level " +
                             std::to_string(level) + "\n" + text);
                Circ in, out;
                ASSERT_EQ(read(text, in, ctx), QTR_OK) << ctx.msg();
                ASSERT_EQ(read(text, out, ctx), QTR_OK);
                qtr_options o;
                qtr_options_default(&o);
                o.opt_level = level;
                o.seed = seed;
                qtr_result r;
                ASSERT_EQ(qtr_transpile(out.c, t, &o, &r, &ctx), QTR_OK) << ctx.msg();
                EXPECT_EQ(qtr_target_check_circuit(t, out.c, &ctx), QTR_OK) << ctx.msg();
                for (size_t i = 0; i < out.c->ninst; i++)
                    conditioned += (out.c->inst[i].flags & QTR_IF_COND) != 0;
                expect_same_branches(in.c, out.c, r);
                qtr_result_free(&r);
                checked++;
            }
        }
        qtr_target_free(t);
    }
    EXPECT_EQ(checked, 40);
    EXPECT_GT(conditioned, 40) << "the outputs keep conditioned gates";
}

// OpenQASM 3 as Qiskit's exporter writes it (tests/data/qasm3/: composite
// and defined gates, input parameters, loose bits, conditions with else,
// physical qubits) -> transpile -> OpenQASM 3 on physical qubits -> read
// back: the text holds the transpiled records, and the circuit read back
// does, outcome by outcome, what the input does (input parameters bound to
// the same values on both sides).
TEST(SimBranches, ExporterStyleFilesThroughTranspileAndBack)
{
    const char *files[] = {"bell_measure", "composite_gates", "conditions",
                           "defined_two_qubit_gates", "input_parameters", "loose_bits",
                           "physical_qubits", "qft5"};
    Ctx ctx;
    qtr_target *t = nullptr;
    ASSERT_EQ(qtr_target_load("heavy-hex:3", &t, &ctx), QTR_OK) << ctx.msg();
    int checked = 0;
    for (const char *name : files) {
        std::string path = std::string(QTR_TEST_DATA) + "/qasm3/" + name + ".qasm";
        for (int level = 1; level <= 3; level += 2) {
            SCOPED_TRACE(path + " level " + std::to_string(level));
            Circ in, out, back, back_logical;
            ASSERT_EQ(qtr_qasm_read_file(path.c_str(), &in.c, &ctx), QTR_OK) << ctx.msg();
            ASSERT_EQ(qtr_qasm_read_file(path.c_str(), &out.c, &ctx), QTR_OK);
            qtr_options o;
            qtr_options_default(&o);
            o.opt_level = level;
            qtr_result r;
            ASSERT_EQ(qtr_transpile(out.c, t, &o, &r, &ctx), QTR_OK) << ctx.msg();
            std::string logical = qasm_test::write_text(out.c, 3, 0);
            std::string physical = qasm_test::write_text(out.c, 3, QTR_QASM_PHYSICAL);
            EXPECT_THAT(physical, ::testing::HasSubstr("$"));
            ASSERT_EQ(read(logical, back_logical, ctx), QTR_OK) << ctx.msg() << "\n" << logical;
            // records equal (symbolic angles are numbered by each circuit's
            // expression pool: there the text must come back the same)
            if (!qtr_circuit_is_symbolic(out.c)) {
                EXPECT_TRUE(qtr_circuit_equal(out.c, back_logical.c)) << logical;
            }
            EXPECT_EQ(qasm_test::write_text(back_logical.c, 3, 0), logical);
            ASSERT_EQ(read(physical, back, ctx), QTR_OK) << ctx.msg() << "\n" << physical;
            EXPECT_EQ(qasm_test::listing(back.c), qasm_test::listing(out.c));
            // bind input parameters alike on both sides, by name
            Circ in_b, back_b;
            std::vector<double> v_in, v_back;
            for (size_t k = 0; k < in.c->npnames; k++) v_in.push_back(0.3 + 0.7 * k);
            ASSERT_EQ(back.c->npnames, in.c->npnames);
            for (size_t k = 0; k < back.c->npnames; k++) {
                size_t j = 0;
                while (j < in.c->npnames && strcmp(in.c->pnames[j], back.c->pnames[k])) j++;
                ASSERT_LT(j, in.c->npnames) << back.c->pnames[k];
                v_back.push_back(v_in[j]);
            }
            ASSERT_EQ(qtr_circuit_bind(in.c, v_in.data(), v_in.size(), &in_b.c, &ctx), QTR_OK)
                << ctx.msg();
            ASSERT_EQ(qtr_circuit_bind(back.c, v_back.data(), v_back.size(), &back_b.c, &ctx), QTR_OK)
                << ctx.msg();
            expect_same_branches(in_b.c, back_b.c, r);
            qtr_result_free(&r);
            checked++;
        }
    }
    qtr_target_free(t);
    EXPECT_EQ(checked, 16);
}

// The check can fail: an output whose condition reads another value differs.
TEST(SimBranches, CheckSeesAWrongCondition)
{
    Ctx ctx;
    Circ a, b;
    std::string p = H3 + "qubit[2] q;\nbit[2] c;\nh q[0];\nc[0] = measure q[0];\n";
    ASSERT_EQ(read(p + "if (c == 1) x q[1];\nc[1] = measure q[1];\n", a, ctx), QTR_OK);
    ASSERT_EQ(read(p + "if (c == 0) x q[1];\nc[1] = measure q[1];\n", b, ctx), QTR_OK);
    Leaves la = branches(a.c, 2, nullptr), lb = branches(b.c, 2, nullptr);
    EXPECT_NEAR(prob_of(la, "11"), 0.5, 1e-12);
    EXPECT_NEAR(prob_of(lb, "11"), 0.0, 1e-12);
    EXPECT_NEAR(prob_of(lb, "01"), 0.5, 1e-12);
}
