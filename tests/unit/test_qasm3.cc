// test_qasm3.cc -- the OpenQASM 3 reader and writer (io/qasm3_*.c and the
// version-3 mode of io/qasm_write.c): each accepted construct, each refused
// one with its message and place, gate modifiers checked by simulation with
// the global phase, streaming, and bit-exact round trips over every table
// gate, in Qiskit's exporter's style.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "qasm_test.h"
#include "qtr.h"
#include "qtr_io.h"
#include "random_circuit.h"
#include "sim.h"

using ::testing::HasSubstr;
using ::testing::StartsWith;

#ifndef QTR_TEST_DATA
#define QTR_TEST_DATA "tests/data"
#endif

namespace {

const std::string H3 = "OPENQASM 3.0;\ninclude \"stdgates.inc\";\n";

using qasm_test::Circ;

std::unique_ptr<qasm_test::Result> read_text(const std::string &text)
{
    return qasm_test::read_whole(text);
}

std::string listing(const qtr_circuit *c) { return qasm_test::listing(c, 6); }

std::string list_of(const std::string &text)
{
    auto r = read_text(text);
    EXPECT_EQ(r->st, QTR_OK) << r->msg;
    return r->circ.c ? listing(r->circ.c) : "";
}

void expect_error(const std::string &text, qtr_status st, const std::string &where,
                  const std::string &reason)
{
    qasm_test::expect_failed(*read_text(text), text, st, where, reason);
}

void expect_refused(const std::string &body, const std::string &where, const std::string &what)
{
    expect_error(H3 + body, QTR_EUNSUPPORTED, where, "unsupported in this version: " + what);
}

std::string write3(const qtr_circuit *c, unsigned flags = 0)
{
    return qasm_test::write_text(c, 3, flags);
}

typedef std::complex<double> cd;

// The unitary of a circuit (global phase included), as complex entries.
std::vector<cd> unitary(const qtr_circuit *c)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    double *u = nullptr;
    EXPECT_EQ(qtr_sim_unitary(c, &u, &ctx), QTR_OK) << ctx.msg;
    size_t dim = (size_t)1 << c->nqubits;
    std::vector<cd> v(dim * dim);
    for (size_t i = 0; u && i < v.size(); i++) v[i] = cd(u[2 * i], u[2 * i + 1]);
    free(u);
    return v;
}

// The matrix of table gate op on its own qubits, as complex entries.
std::vector<cd> gate_unitary(qtr_op op, const double *p)
{
    size_t dim = (size_t)1 << qtr_gate(op)->nqubits;
    std::vector<double> m(2 * dim * dim);
    EXPECT_EQ(qtr_gate_matrix(op, p, m.data()), QTR_OK);
    std::vector<cd> v(dim * dim);
    for (size_t i = 0; i < v.size(); i++) v[i] = cd(m[2 * i], m[2 * i + 1]);
    return v;
}

// @p g (on k qubits) under n controls on qubits 0..n-1 (open where
// negated[i]), acting on qubits n..n+k-1: the expected unitary.
std::vector<cd> controlled(const std::vector<cd> &g, unsigned k, unsigned n,
                           const std::vector<int> &negated = {})
{
    size_t dim = (size_t)1 << (n + k), gd = (size_t)1 << k;
    std::vector<cd> v(dim * dim);
    unsigned want = 0;
    for (unsigned i = 0; i < n; i++)
        if (i >= negated.size() || !negated[i]) want |= 1u << i;
    for (size_t col = 0; col < dim; col++) {
        size_t cbits = col & (((size_t)1 << n) - 1);
        if (cbits != want) {
            v[col * dim + col] = 1;
            continue;
        }
        for (size_t t = 0; t < gd; t++)
            v[((t << n) | cbits) * dim + col] = g[t * gd + (col >> n)];
    }
    return v;
}

std::vector<cd> dagger(const std::vector<cd> &g)
{
    size_t dim = (size_t)std::llround(std::sqrt((double)g.size()));
    std::vector<cd> v(g.size());
    for (size_t r = 0; r < dim; r++)
        for (size_t c = 0; c < dim; c++) v[c * dim + r] = std::conj(g[r * dim + c]);
    return v;
}

// The program's unitary equals @p want exactly (phase included).
void expect_unitary(const std::string &text, const std::vector<cd> &want)
{
    auto r = read_text(text);
    ASSERT_EQ(r->st, QTR_OK) << r->msg << "\n" << text;
    std::vector<cd> u = unitary(r->circ.c);
    ASSERT_EQ(u.size(), want.size()) << text;
    double worst = 0;
    for (size_t i = 0; i < u.size(); i++) worst = std::max(worst, std::abs(u[i] - want[i]));
    EXPECT_LT(worst, 1e-9) << text << listing(r->circ.c);
}

// ---- programs as Qiskit's exporter writes them ------------------------------------

TEST(Qasm3Read, QiskitExporterStyle)
{
    std::string s = H3 +
                    "bit[2] c;\n"
                    "qubit[2] q;\n"
                    "h q[0];\n"
                    "cx q[0], q[1];\n"
                    "U(2*pi, 3*pi, -5*pi) q[0];\n"
                    "rz(pi/2) q[1];\n"
                    "barrier q[0], q[1];\n"
                    "c[0] = measure q[0];\n"
                    "c[1] = measure q[1];\n";
    auto r = read_text(s);
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    EXPECT_EQ(listing(r->circ.c), "h 0;cx 0,1;u(6.28319,9.42478,-15.708) 0;rz(1.5708) 1;"
                                  "barrier 0,1;measure 0->0;measure 1->1;");
    ASSERT_EQ(r->circ.c->nqregs, 1u);
    EXPECT_STREQ(r->circ.c->qregs[0].name, "q");
    ASSERT_EQ(r->circ.c->ncregs, 1u);
    EXPECT_STREQ(r->circ.c->cregs[0].name, "c");
}

TEST(Qasm3Read, VersionLineForms)
{
    EXPECT_EQ(list_of("OPENQASM 3;\nqubit q;\nU(0,0,0) q;\n"), "u(0,0,0) 0;");
    EXPECT_EQ(list_of("OPENQASM 3.0;\nqubit q;\nU(0,0,0) q;\n"), "u(0,0,0) 0;");
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    std::string s = H3 + "qubit q;\nx q;\n";
    qtr_qasm_reader *rd = nullptr;
    ASSERT_EQ(qtr_qasm_reader_open_mem(&rd, s.data(), s.size(), "t", &ctx), QTR_OK);
    EXPECT_EQ(qtr_qasm_reader_version(rd), 0);
    Circ c(qtr_circuit_new(0));
    int eof = 0;
    ASSERT_EQ(qtr_qasm_reader_next(rd, c.c, 0, &eof, &ctx), QTR_OK) << ctx.msg;
    EXPECT_EQ(qtr_qasm_reader_version(rd), 3);
    EXPECT_EQ(qtr_qasm_reader_physical(rd), 0);
    qtr_qasm_reader_free(rd);
}

TEST(Qasm3Read, Declarations)
{
    auto r = read_text("OPENQASM 3;\nqubit a;\nqubit[3] b;\nqreg c[2];\nbit d;\nbit[4] e;\n"
                       "creg f[1];\nU(0,0,0) c[1];\n");
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    const qtr_circuit *c = r->circ.c;
    ASSERT_EQ(c->nqregs, 3u);
    EXPECT_STREQ(c->qregs[0].name, "a");
    EXPECT_EQ(c->qregs[0].size, 1u);
    EXPECT_EQ(c->qregs[1].size, 3u);
    EXPECT_EQ(c->qregs[2].first, 4u);
    ASSERT_EQ(c->ncregs, 3u);
    EXPECT_EQ(c->nclbits, 6u);
    EXPECT_EQ(listing(c), "u(0,0,0) 5;");
}

TEST(Qasm3Read, StandardGatesAndAliases)
{
    std::string s = H3 + "qubit[3] q;\n"
                         "p(1) q[0]; x q[0]; y q[0]; z q[0]; h q[0]; s q[0]; sdg q[0]; t q[0];\n"
                         "tdg q[0]; sx q[0]; rx(1) q[0]; ry(1) q[0]; rz(1) q[0]; cx q[0], q[1];\n"
                         "cy q[0], q[1]; cz q[0], q[1]; cp(1) q[0], q[1]; crx(1) q[0], q[1];\n"
                         "cry(1) q[0], q[1]; crz(1) q[0], q[1]; ch q[0], q[1]; swap q[0], q[1];\n"
                         "ccx q[0], q[1], q[2]; cswap q[0], q[1], q[2]; cu(1,2,3,4) q[0], q[1];\n"
                         "CX q[0], q[1]; phase(1) q[0]; cphase(1) q[0], q[1]; id q[0];\n"
                         "u1(1) q[0]; u2(1,2) q[0]; u3(1,2,3) q[0]; U(1,2,3) q[0];\n";
    EXPECT_EQ(list_of(s),
              "p(1) 0;x 0;y 0;z 0;h 0;s 0;sdg 0;t 0;tdg 0;sx 0;rx(1) 0;ry(1) 0;rz(1) 0;cx 0,1;"
              "cy 0,1;cz 0,1;cp(1) 0,1;crx(1) 0,1;cry(1) 0,1;crz(1) 0,1;ch 0,1;swap 0,1;"
              "ccx 0,1,2;cswap 0,1,2;cu(1,2,3,4) 0,1;cx 0,1;p(1) 0;cp(1) 0,1;id 0;u1(1) 0;"
              "u2(1,2) 0;u3(1,2,3) 0;u(1,2,3) 0;");
    // without the include the standard gates are unknown, U is not
    expect_error("OPENQASM 3;\nqubit q;\nh q;\n", QTR_EPARSE, "3:1",
                 "unknown gate 'h' (missing include \"stdgates.inc\"?)");
}

TEST(Qasm3Read, AngleExpressions)
{
    auto r = read_text(H3 + "qubit q;\n"
                            "rz(pi) q; rz(π) q; rz(tau) q; rz(τ) q; rz(euler) q; rz(ℯ) q;\n"
                            "rz(2**3) q; rz(-2**2) q; rz(sin(pi/2)) q; rz(cos(0)) q; rz(tan(0)) q;\n"
                            "rz(arcsin(1)) q; rz(arccos(1)) q; rz(arctan(1)) q; rz(exp(1)) q;\n"
                            "rz(ln(euler)) q; rz(sqrt(4)) q; rz(1.5e1 - 3*(2 + 1)/2) q;\n");
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    const double want[] = {M_PI, M_PI, 2 * M_PI, 2 * M_PI, M_E, M_E, 8, -4, 1, 1, 0,
                           M_PI / 2, 0, M_PI / 4, M_E, 1, 2, 10.5};
    ASSERT_EQ(r->circ.c->ninst, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < r->circ.c->ninst; i++)
        EXPECT_NEAR(qtr_inst_params(r->circ.c, &r->circ.c->inst[i])[0], want[i], 1e-15) << i;
}

TEST(Qasm3Read, GateDefinitions)
{
    // a user gate is inlined with its parameters; a definition named like a
    // table gate (Qiskit defines the gates stdgates.inc lacks) maps to it
    std::string s = H3 +
                    "gate rzz(p0) _gate_q_0, _gate_q_1 {\n"
                    "  cx _gate_q_0, _gate_q_1;\n  rz(p0) _gate_q_1;\n  cx _gate_q_0, _gate_q_1;\n"
                    "}\n"
                    "gate mine(a, b) x0, x1 { rx(a/2) x0; ctrl @ ry(b) x1, x0; gphase(a); }\n"
                    "qubit[2] q;\n"
                    "rzz(0.5) q[0], q[1];\n"
                    "mine(1, 2) q[1], q[0];\n";
    auto r = read_text(s);
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    EXPECT_EQ(listing(r->circ.c), "rzz(0.5) 0,1;rx(0.5) 1;cry(2) 0,1;");
    EXPECT_DOUBLE_EQ(r->circ.c->global_phase, 1.0);
}

// ---- modifiers, against the expected unitaries ------------------------------------

TEST(Qasm3Modifiers, TableControlledForms)
{
    EXPECT_EQ(list_of(H3 + "qubit[6] q;\n"
                           "ctrl @ x q[0], q[1]; ctrl(2) @ x q[0], q[1], q[2];\n"
                           "ctrl(3) @ x q[0], q[1], q[2], q[3]; ctrl @ ctrl @ ctrl @ ctrl @ x q[0], "
                           "q[1], q[2], q[3], q[4];\n"
                           "ctrl @ z q[0], q[1]; ctrl @ cz q[0], q[1], q[2]; ctrl @ rz(1) q[0], q[1];\n"
                           "ctrl @ swap q[0], q[1], q[2]; ctrl @ p(1) q[0], q[1]; ctrl @ h q[0], q[1];\n"
                           "ctrl @ U(1,2,3) q[0], q[1]; inv @ s q[0]; inv @ rx(1) q[0]; pow(2) @ t "
                           "q[0]; pow(-1) @ t q[0]; pow(0.5) @ z q[0];\n"),
              "cx 0,1;ccx 0,1,2;c3x 0,1,2,3;c4x 0,1,2,3,4;cz 0,1;ccz 0,1,2;crz(1) 0,1;"
              "cswap 0,1,2;cp(1) 0,1;ch 0,1;cu(1,2,3,0) 0,1;sdg 0;rx(-1) 0;t 0;t 0;tdg 0;"
              "p(1.5708) 0;");
}

TEST(Qasm3Modifiers, ControlsOnAnyGateExact)
{
    double theta[] = {0.7, -0.4, 1.3};
    // one control on a 1q gate with no controlled table gate: cu with the phase
    expect_unitary(H3 + "qubit[2] q;\nctrl @ t q[0], q[1];\n",
                   controlled(gate_unitary(QTR_OP_T, nullptr), 1, 1));
    expect_unitary(H3 + "qubit[2] q;\nctrl @ U(0.7, -0.4, 1.3) q[0], q[1];\n",
                   controlled(gate_unitary(QTR_OP_U, theta), 1, 1));
    // several controls: Barenco's recursion
    expect_unitary(H3 + "qubit[3] q;\nctrl(2) @ h q[0], q[1], q[2];\n",
                   controlled(gate_unitary(QTR_OP_H, nullptr), 1, 2));
    expect_unitary(H3 + "qubit[4] q;\nctrl(3) @ ry(0.7) q[0], q[1], q[2], q[3];\n",
                   controlled(gate_unitary(QTR_OP_RY, theta), 1, 3));
    expect_unitary(H3 + "qubit[6] q;\nctrl(5) @ x q[0], q[1], q[2], q[3], q[4], q[5];\n",
                   controlled(gate_unitary(QTR_OP_X, nullptr), 1, 5));
    // multi-qubit gates through their definitions, phase kept
    expect_unitary(H3 + "gate rzz(a) x, y { cx x, y; rz(a) y; cx x, y; }\n"
                        "qubit[3] q;\nctrl @ rzz(0.7) q[0], q[1], q[2];\n",
                   controlled(gate_unitary(QTR_OP_RZZ, theta), 2, 1));
    expect_unitary(H3 + "gate rzx(t) a, b { h b; cx a, b; rz(t) b; cx a, b; h b; }\n"
                        "gate ecr a, b { rzx(pi/4) a, b; x a; rzx(-pi/4) a, b; }\n"
                        "qubit[3] q;\nctrl @ ecr q[0], q[1], q[2];\n",
                   controlled(gate_unitary(QTR_OP_ECR, nullptr), 2, 1));
    // negctrl: open controls
    expect_unitary(H3 + "qubit[3] q;\nnegctrl @ ctrl @ rx(-0.4) q[0], q[1], q[2];\n",
                   controlled(gate_unitary(QTR_OP_RX, theta + 1), 1, 2, {1, 0}));
    // gphase under a control is a phase gate
    double a = 0.7;
    expect_unitary(H3 + "qubit q;\nctrl @ gphase(0.7) q;\n", gate_unitary(QTR_OP_P, &a));
    // a user gate under control: each call controlled, its gphase too
    std::vector<cd> g = gate_unitary(QTR_OP_RX, &a);
    for (auto &e : g) e *= std::polar(1.0, a / 2);
    expect_unitary(H3 + "gate g(a) x { rx(a) x; gphase(a/2); }\nqubit[2] q;\n"
                        "ctrl @ g(0.7) q[0], q[1];\n",
                   controlled(g, 1, 1));
}

TEST(Qasm3Modifiers, InverseAndPowerExact)
{
    double th = 0.7;
    // inverses with no single table inverse go through the definition
    // (a definition named like a table gate stands for it: its body is only checked)
    expect_unitary(H3 + "gate rc3x a, b, c, d { }\nqubit[4] q;\ninv @ rc3x q[0], q[1], q[2], q[3];\n",
                   dagger(gate_unitary(QTR_OP_RC3X, nullptr)));
    expect_unitary(H3 + "gate csx a, b { ctrl @ sx a, b; }\nqubit[2] q;\n"
                   "inv @ csx q[0], q[1];\n",
                   dagger(gate_unitary(QTR_OP_CSX, nullptr)));
    // inverse of a user gate: the calls reversed and inverted, phase negated
    expect_unitary(H3 + "gate g a, b { h a; cx a, b; t b; gphase(0.3); }\nqubit[2] q;\n"
                        "g q[0], q[1];\ninv @ g q[0], q[1];\n",
                   controlled(gate_unitary(QTR_OP_ID, nullptr), 1, 1));
    // powers: square roots on the principal branch
    expect_unitary(H3 + "qubit q;\npow(0.5) @ x q;\n", gate_unitary(QTR_OP_SX, nullptr));
    expect_unitary(H3 + "qubit q;\npow(1/4) @ z q;\n", gate_unitary(QTR_OP_T, nullptr));
    expect_unitary(H3 + "qubit q;\npow(-0.5) @ x q;\n", gate_unitary(QTR_OP_SXDG, nullptr));
    expect_unitary(H3 + "qubit q;\npow(0.5) @ pow(0.5) @ rx(0.7) q;\n",
                   [&] { double h = th / 4; return gate_unitary(QTR_OP_RX, &h); }());
    // pow of a controlled gate raises its target gate
    expect_unitary(H3 + "qubit[2] q;\npow(0.5) @ cx q[0], q[1];\n",
                   controlled(gate_unitary(QTR_OP_SX, nullptr), 1, 1));
    // two-qubit gates: the matrix raised on the principal branch, then
    // synthesised (cx and 1-qubit gates), global phase included. swap's
    // eigenvalues are 1, 1, 1, -1: its square root is i on the singlet.
    const cd i(0, 1), a = (1.0 + i) / 2.0, b = (1.0 - i) / 2.0;
    std::vector<cd> sqrt_swap = {1, 0, 0, 0, 0, a, b, 0, 0, b, a, 0, 0, 0, 0, 1};
    expect_unitary(H3 + "qubit[2] q;\npow(0.5) @ swap q[0], q[1];\n", sqrt_swap);
    expect_unitary(H3 + "qubit[2] q;\npow(0.25) @ swap q[0], q[1];\npow(0.75) @ swap q[1], q[0];\n",
                   gate_unitary(QTR_OP_SWAP, nullptr));
    expect_unitary(H3 + "qubit[3] q;\nctrl @ pow(0.5) @ swap q[0], q[1], q[2];\n",
                   controlled(sqrt_swap, 2, 1));
    expect_unitary(H3 + "gate iswap a, b { s a; s b; h a; cx a, b; cx b, a; h b; }\nqubit[2] q;\n"
                        "pow(1.5) @ iswap q[0], q[1];\npow(-1.0/2) @ iswap q[0], q[1];\n",
                   gate_unitary(QTR_OP_ISWAP, nullptr));
    expect_unitary(H3 + "gate g a, b { cx a, b; h b; t a; }\nqubit[2] q;\n"
                        "pow(0.3) @ g q[1], q[0];\npow(0.7) @ g q[1], q[0];\ng q[1], q[0];\n"
                        "inv @ pow(2) @ g q[1], q[0];\n",
                   controlled(gate_unitary(QTR_OP_ID, nullptr), 1, 1));
    // integer powers repeat; a one-qubit user gate takes real powers
    expect_unitary(H3 + "gate g a { h a; }\nqubit q;\npow(0.5) @ g q;\npow(0.5) @ g q;\n",
                   gate_unitary(QTR_OP_H, nullptr));
    EXPECT_EQ(list_of(H3 + "gate g a, b { cx a, b; }\nqubit[2] q;\npow(3) @ g q[0], q[1];\n"),
              "cx 0,1;cx 0,1;cx 0,1;");
}

// ---- classical parts ----------------------------------------------------------------

TEST(Qasm3Read, MeasureResetBarrier)
{
    EXPECT_EQ(list_of(H3 + "qubit[2] q;\nbit[2] c;\nbit b;\n"
                           "c[0] = measure q[1];\nc = measure q;\nmeasure q -> c;\n"
                           "measure q[0] -> b;\nb = measure q[1];\nreset q;\nreset q[1];\n"
                           "barrier;\nbarrier q[1];\n"),
              "measure 1->0;measure 0->0;measure 1->1;measure 0->0;measure 1->1;measure 0->2;"
              "measure 1->2;reset 0;reset 1;reset 1;barrier 0,1;barrier 1;");
}

// Slices and negative indices: ends inclusive, a step, omitted bounds mean
// the register's ends, negative indices count from the end.
TEST(Qasm3Read, SlicesAndNegativeIndices)
{
    const std::string q = H3 + "qubit[5] q;\nqubit[3] r;\nbit[5] c;\n";
    EXPECT_EQ(list_of(q + "x q[1:3];\nh q[0:2:4];\nz q[3:];\ns q[:1];\nt q[-1];\n"
                          "sx q[4:-2:0];\ny q[-2:];\n"),
              "x 1;x 2;x 3;h 0;h 2;h 4;z 3;z 4;s 0;s 1;t 4;sx 4;sx 2;sx 0;y 3;y 4;");
    // a slice broadcasts against a register of its size and with single bits
    EXPECT_EQ(list_of(q + "cx q[0:2], r;\ncx q[-1], q[0:1];\nswap q[0:1], q[3:4];\n"),
              "cx 0,5;cx 1,6;cx 2,7;cx 4,0;cx 4,1;swap 0,3;swap 1,4;");
    EXPECT_EQ(list_of(q + "c[1:2] = measure q[3:4];\nmeasure q[0:1] -> c[3:];\n"
                          "reset q[1:2:];\nbarrier q[4], q[2:4], r[0];\n"),
              "measure 3->1;measure 4->2;measure 0->3;measure 1->4;reset 1;reset 3;"
              "barrier 4,2,3,5;");
    // a step beyond the register selects its start alone; the same bit twice
    // in one instance is found whatever names it
    EXPECT_EQ(list_of(q + "x q[1:7:4];\n"), "x 1;");
    expect_error(q + "cx q[0:1], q[0:2:2];\n", QTR_EPARSE, "6:1", "same qubit twice");
    expect_error(q + "ccx q[0:1], q[2:3], q[4:-3:1];\n", QTR_EPARSE, "6:1", "same qubit twice");
    expect_error(q + "cx q[0:1], r;\n", QTR_EPARSE, "6:12",
                 "registers of sizes 3 and 2 in one statement: broadcast needs equal sizes");
    expect_error(q + "x q[5];\n", QTR_EQUBIT, "6:5", "index 5 out of range for register 'q' of size 5");
    expect_error(q + "x q[-6];\n", QTR_EQUBIT, "6:5", "index -6 out of range for register 'q' of size 5");
    expect_error(q + "x q[1:9];\n", QTR_EQUBIT, "6:7", "index 9 out of range for register 'q'");
    expect_error(q + "x q[0:0:4];\n", QTR_EPARSE, "6:7", "a range of register 'q' with step 0");
    expect_error(q + "x q[3:1];\n", QTR_EPARSE, "6:7", "the range selects no bit of register 'q'");
    expect_error(q + "x q[0:1:2:3];\n", QTR_EPARSE, "6:10", "at most three parts");
    expect_error(q + "x q[];\n", QTR_EPARSE, "6:5", "expected an integer index");
    expect_error(q + "c[0:1] = measure q[0:2];\n", QTR_EPARSE, "6:1", "measure of 3 qubits into 2 bits");
}

TEST(Qasm3Read, IfOnARegister)
{
    EXPECT_EQ(list_of(H3 + "qubit[2] q;\nbit[2] c;\nbit b;\n"
                           "if (c == 2) { x q[0]; c[1] = measure q[1]; }\n"
                           "if (c == 1) h q[1];\n"
                           "if (b) { z q[0]; }\nif (!b) y q[0];\nif (b == 0) y q[1];\n"),
              "if(0==2) x 0;if(0==2) measure 1->1;if(0==1) h 1;if(1==1) z 0;if(1==0) y 0;"
              "if(1==0) y 1;");
}

TEST(Qasm3Read, IfOnOneBitAndElse)
{
    // c[k] / !c[k] / c[k] == v / c[k] != v hold as conditions on one clbit;
    // an else branch is the negated condition
    EXPECT_EQ(list_of(H3 + "qubit[2] q;\nbit[2] c;\n"
                           "if (c[0]) { x q[1]; } else { h q[1]; cx q[0], q[1]; }\n"
                           "if (!c[1]) z q[0];\nelse y q[0];\n"
                           "if (c[1] == 0) s q[0];\nif (c[1] != 0) t q[0];\n"
                           "if (c[0] != 1) { sx q[1]; }\n"),
              "if(bit 0==1) x 1;if(bit 0==0) h 1;if(bit 0==0) cx 0,1;if(bit 1==0) z 0;"
              "if(bit 1==1) y 0;if(bit 1==0) s 0;if(bit 1==1) t 0;if(bit 0==0) sx 1;");
    // a one-bit register: its value, negated by else and by !=
    EXPECT_EQ(list_of(H3 + "qubit q;\nbit[2] c;\nbit b;\n"
                           "if (b == 1) x q; else h q;\nif (b != 1) z q;\nif (!b) s q;\n"),
              "if(1==1) x 0;if(1==0) h 0;if(1==0) z 0;if(1==0) s 0;");
}

TEST(Qasm3Read, IfOnARegisterWiderThan64Bits)
{
    // 2^69 + 1 and 2^70 - 1 on a 70-bit register, held in the pool's wide form
    EXPECT_EQ(list_of(H3 + "qubit q;\nbit[70] w;\n"
                           "if (w == 590295810358705651713) x q;\n"
                           "if (w == 1180591620717411303423) { h q; }\n"
                           "if (w == 5) z q;\n"),
              "if(0==200000000000000001) x 0;if(0==3fffffffffffffffff) h 0;"
              "if(0==5) z 0;");
    expect_error(H3 + "qubit q;\nbit[70] w;\nif (w == 1180591620717411303424) x q;\n",
                 QTR_EPARSE, "5:10", "register 'w' of 70 bits never equals 1180591620717411303424");
    expect_error(H3 + "qubit q;\nbit[2] c;\nif (c[0] == 2) x q;\n", QTR_EPARSE, "5:13",
                 "a bit compared with 2");
}

TEST(Qasm3Read, NegatedRegisterConditions)
{
    // the IR holds "register == value": a branch under "register != value"
    // (2+ bits, any width) is applied and then undone, in reverse order, under
    // the equality
    std::string q = "qubit[2] q;\nbit[2] c;\nbit[70] w;\n";
    EXPECT_EQ(list_of(H3 + q + "if (c == 2) { x q[0]; } else { h q[1]; cx q[1], q[0]; }\n"),
              "if(0==2) x 0;h 1;cx 1,0;if(0==2) cx 1,0;if(0==2) h 1;");
    EXPECT_EQ(list_of(H3 + q + "if (c != 2) { rz(0.5) q[0]; s q[1]; } else x q[1];\n"),
              "rz(0.5) 0;s 1;if(0==2) sdg 1;if(0==2) rz(-0.5) 0;if(0==2) x 1;");
    // wider than 64 bits: the equality in the pool's wide form; a defined
    // gate is undone gate by gate; barriers need no undoing
    EXPECT_EQ(list_of(H3 + "gate d a, b { cx a, b; cx b, a; }\n" + q +
                      "if (w != 590295810358705651713) { d q[0], q[1]; barrier q; }\n"),
              "cx 0,1;cx 1,0;barrier 0,1;if(1==200000000000000001) cx 1,0;"
              "if(1==200000000000000001) cx 0,1;");
    EXPECT_EQ(list_of(H3 + q + "if (w == 590295810358705651713) x q[0]; else t q[1];\n"),
              "if(1==200000000000000001) x 0;t 1;"
              "if(1==200000000000000001) tdg 1;");
}

TEST(Qasm3Refused, NegatedRegisterConditions)
{
    // what cannot be undone: a measurement, a reset, a gate without a
    // single-gate inverse, an angle of an input parameter
    std::string q = "qubit[2] q;\nbit[2] c;\ninput float[64] th;\n";
    expect_refused(q + "if (c == 2) { x q[0]; } else { c[0] = measure q[1]; }\n", "6:30",
                   "a measurement in a branch taken when register 'c' of 2 bits differs from a "
                   "value (!= or else)");
    expect_refused(q + "if (c != 2) reset q[0];\n", "6:13", "a reset in a branch taken when "
                   "register 'c' of 2 bits differs");
    expect_refused(q + "if (c != 2) { h q[0]; ctrl @ sx q[0], q[1]; }\n", "6:13",
                   "'csx' in a branch taken when register 'c' of 2 bits differs");
    expect_refused(q + "if (c != 2) rz(th) q[0];\n", "6:13",
                   "'rz' on an input parameter in a branch taken when register 'c'");
    expect_refused(q + "if (!c[0] == 1) x q[0];\n", "6:11", "'!' before a comparison");
}

TEST(Qasm3Read, PhysicalQubits)
{
    std::string s = "OPENQASM 3.0;\ninclude \"stdgates.inc\";\nbit[2] c;\n"
                    "rz(pi/2) $3;\nsx $0;\ncx $3, $0;\nc[0] = measure $3;\n";
    auto r = read_text(s);
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    EXPECT_EQ(listing(r->circ.c), "rz(1.5708) 3;sx 0;cx 3,0;measure 3->0;");
    EXPECT_EQ(r->circ.c->nqubits, 4u);
    ASSERT_EQ(r->circ.c->nqregs, 1u);   // merged for a whole-file read
    EXPECT_STREQ(r->circ.c->qregs[0].name, "q");
    // the writer gives the same program back on physical qubits
    EXPECT_EQ(write3(r->circ.c, QTR_QASM_PHYSICAL),
              "OPENQASM 3.0;\ninclude \"stdgates.inc\";\nbit[2] c;\n"
              "rz(pi/2) $3;\nsx $0;\ncx $3, $0;\nc[0] = measure $3;\n");
    expect_refused("qubit q;\nx $1;\n", "4:3", "physical qubit '$1' in a program that declares");
    expect_refused("x $1;\nqubit q;\n", "4:7", "declaring qubits in a program that uses physical");
}

TEST(Qasm3Read, InputParameters)
{
    // inputs become the circuit's named parameters; angles over them stay symbolic
    std::string s = H3 + "input float[64] theta;\ninput float[64] φ;\nqubit[2] q;\n"
                         "rz(theta/2) q[0];\nrx(φ + pi) q[1];\nctrl @ ry(2*theta) q[0], q[1];\n"
                         "gate g(a) x { rz(a - theta) x; }\ng(φ) q[0];\n";
    auto r = read_text(s);
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    const qtr_circuit *c = r->circ.c;
    ASSERT_EQ(c->npnames, 2u);
    EXPECT_STREQ(c->pnames[0], "theta");
    EXPECT_STREQ(c->pnames[1], "φ");
    EXPECT_TRUE(qtr_circuit_is_symbolic(c));
    EXPECT_EQ(c->ninst, 4u);
    EXPECT_EQ(c->inst[2].op, QTR_OP_CRY);
    // bound, the angles are the expressions' values
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    double v[2] = {0.5, 0.25};
    qtr_circuit *b = nullptr;
    ASSERT_EQ(qtr_circuit_bind(c, v, 2, &b, &ctx), QTR_OK) << ctx.msg;
    Circ bound(b);
    EXPECT_EQ(listing(b), "rz(0.25) 0;rx(3.39159) 1;cry(1) 0,1;rz(-0.25) 0;");
    // written in OpenQASM 3 with the inputs declared, and read back the same
    std::string text = write3(c);
    EXPECT_THAT(text, HasSubstr("input float[64] theta;\ninput float[64] φ;\n"));
    auto again = read_text(text);
    ASSERT_EQ(again->st, QTR_OK) << again->msg << "\n" << text;
    EXPECT_EQ(write3(again->circ.c), text);
    // arithmetic this version cannot do on a parameter is refused
    expect_refused("input float[64] w;\nqubit q;\ninv @ rz(w) q;\n", "5:1",
                   "a modifier with an input parameter");
    expect_refused("input float[64] w;\nqubit q;\nrz(w**2) q;\n", "5:1", "'**' on an input");
}

TEST(Qasm3Read, Comments)
{
    EXPECT_EQ(list_of("OPENQASM 3; // version\n/* a\n block π */ include \"stdgates.inc\";\n"
                      "qubit q; // θ in a comment\nx q;\n"),
              "x 0;");
}

TEST(Qasm3Read, StreamsInChunks)
{
    std::string s = H3 + "qubit[3] q;\nbit[3] c;\n";
    for (int i = 0; i < 500; i++) s += "cx q[0], q[1];\nctrl @ h q[2], q[0];\nc[2] = measure q[1];\n";
    auto whole = read_text(s);
    ASSERT_EQ(whole->st, QTR_OK) << whole->msg;
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_qasm_reader *rd = nullptr;
    ASSERT_EQ(qtr_qasm_reader_open_mem(&rd, s.data(), s.size(), "t", &ctx), QTR_OK);
    Circ c(qtr_circuit_new(0));
    std::string got;
    int eof = 0, chunks = 0;
    while (!eof) {
        ASSERT_EQ(qtr_qasm_reader_next(rd, c.c, 7, &eof, &ctx), QTR_OK) << ctx.msg;
        got += listing(c.c);
        qtr_circuit_clear_ops(c.c);
        chunks++;
    }
    qtr_qasm_reader_free(rd);
    EXPECT_GT(chunks, 100);
    EXPECT_EQ(got, listing(whole->circ.c));
}

// ---- what is refused, where -----------------------------------------------------------

TEST(Qasm3Refused, RestOfTheLanguage)
{
    std::string q = "qubit[2] q;\nbit[2] c;\n";
    expect_refused(q + "for uint i in [0:2] { x q[0]; }\n", "5:1", "'for'");
    expect_refused(q + "while (c == 0) { x q[0]; }\n", "5:1", "'while'");
    expect_refused(q + "def f(qubit a) { x a; }\n", "5:1", "'def'");
    expect_refused(q + "switch (c) { case 0 { } }\n", "5:1", "'switch'");
    expect_refused(q + "box { x q[0]; }\n", "5:1", "'box'");
    expect_refused(q + "delay[100ns] q[0];\n", "5:1", "'delay'");
    expect_refused(q + "extern f(int) -> int;\n", "5:1", "'extern'");
    expect_refused(q + "const float a = 2 * pi;\n", "5:1", "'const'");
    expect_refused(q + "let r = q[0];\n", "5:1", "'let'");
    expect_refused(q + "int i = 3;\n", "5:1", "'int'");
    expect_refused(q + "float f;\n", "5:1", "classical variables ('float')");
    expect_refused(q + "output bit r;\n", "5:1", "'output'");
    expect_refused(q + "c = 1;\n", "5:5", "classical assignment");
    expect_refused(q + "c[0] = 1;\n", "5:8", "classical assignment");
    expect_refused(q + "c += 1;\n", "5:3", "classical assignment ('+=')");
    expect_refused(q + "#pragma foo\n", "5:1", "'#pragma'");
    expect_refused(q + "@bind x\nx q[0];\n", "5:1", "annotations");
    expect_refused("include \"mygates.inc\";\n", "3:9", "include \"mygates.inc\"");
    expect_refused(q + "x q[{0, 1}];\n", "5:5", "index sets");
    expect_refused(q + "x q[0, 1];\n", "5:6", "several indices in one operand");
    expect_refused(q + "x q[c];\n", "5:5", "an index that is not an integer literal");
    expect_refused(q + "if (c[0:0] == 1) x q[0];\n", "5:5", "a condition on a slice of register 'c'");
    expect_refused(q + "if (c > 1) x q[0];\n", "5:7", "operator '>' in a condition");
    expect_refused(q + "if (c == 1) { if (c == 2) x q[0]; }\n", "5:15", "an if inside an if");
    expect_refused(q + "rz(1 ^ 2) q[0];\n", "5:6", "operator '^' in an expression ('^' is bitwise xor");
    expect_refused(q + "rz(3 % 2) q[0];\n", "5:6", "operator '%'");
    expect_refused(q + "measure q[0];\n", "5:13", "a measure whose result is not stored");
    expect_refused(q + "rz(c) q[0];\n", "5:4", "the value of register 'c'");
    expect_refused(q + "rz(floor(2.5)) q[0];\n", "5:4", "'floor' in an expression");
    expect_refused(q + "gate g a { if (c == 0) x a; }\n", "5:12", "'if' inside a gate body");
    expect_refused("qubit[n] q;\n", "3:7", "a register size given by 'n'");
    expect_refused("input int[8] n;\n", "3:7", "input of type 'int'");
    expect_refused(q + "{ x q[0]; }\n", "5:1", "a block statement");
    expect_refused(q + "x q[0];\nbarrier q[0];\nif (c == 1) barrier q[0];\n", "7:13",
                   "'barrier' inside an if");
}

TEST(Qasm3Refused, ModifierLimits)
{
    // two qubits are raised through their matrix; three are not
    expect_refused("gate g a, b, c { ccx a, b, c; h c; }\nqubit[3] q;\npow(0.5) @ g q[0], q[1], q[2];\n",
                   "5:1", "a non-integer power of the 3-qubit gate 'g'");
    expect_refused("gate rccx a, b, c { }\nqubit[3] q;\npow(0.5) @ rccx q[0], q[1], q[2];\n",
                   "5:1", "a non-integer power of 'rccx'");
}

TEST(Qasm3Errors, PlacesAndReasons)
{
    std::string q = H3 + "qubit[2] q;\nbit[2] c;\n";
    expect_error(q + "x q[2];\n", QTR_EQUBIT, "5:5", "index 2 out of range for register 'q'");
    expect_error(q + "cx q[0], q[0];\n", QTR_EPARSE, "5:1", "same qubit twice");
    expect_error(q + "ctrl @ x q[0];\n", QTR_EPARSE, "5:1", "with its controls takes 2 qubits, got 1");
    expect_error(q + "ctrl(0) @ x q[0], q[1];\n", QTR_EPARSE, "5:5", "from 1 to 64");
    expect_error(q + "ctrl x q[0], q[1];\n", QTR_EPARSE, "5:6", "expected '@' after a gate modifier");
    expect_error(q + "gate h a { x a; }\n", QTR_EPARSE, "5:6",
                 "redefines the built-in gate 'h' of stdgates.inc");
    expect_error(q + "qubit q;\n", QTR_EPARSE, "5:7", "duplicate declaration of 'q'");
    expect_error(q + "rz(1/0) q[0];\n", QTR_EPARSE, "5:1", "divides by zero");
    expect_error(q + "c = measure q[0];\n", QTR_EPARSE, "5:1", "measure of 1 qubit into 2 bits");
    expect_error(q + "if (c == 4) x q[0];\n", QTR_EPARSE, "5:10", "never equals 4");
    expect_error(q + "x q[0]\n", QTR_EPARSE, "6:1", "expected ';'");
    expect_error(q + "qubit for;\n", QTR_EPARSE, "5:7", "reserved word");
    expect_error(H3 + "OPENQASM 3;\n", QTR_EPARSE, "3:1", "only once");
    expect_error("OPENQASM 3;\nqubit q;\nU(0,0,0) q; x€ q;\n", QTR_EPARSE, "3:13", "unknown gate");
}

// ---- the writer ---------------------------------------------------------------------

TEST(Qasm3Write, QiskitStyle)
{
    auto r = read_text("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\ncreg c[2];\n"
                       "h q[0];\ncx q[0],q[1];\nrz(pi/2) q[1];\nu(0.5,-3*pi/4,1) q[0];\n"
                       "rzz(0.25) q[0],q[1];\nbarrier q[0],q[1];\nmeasure q[0] -> c[0];\n"
                       "if(c==1) x q[1];\n");
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    EXPECT_EQ(write3(r->circ.c),
              "OPENQASM 3.0;\ninclude \"stdgates.inc\";\nqubit[2] q;\nbit[2] c;\n"
              "h q[0];\ncx q[0], q[1];\nrz(pi/2) q[1];\nU(0.5, -3*pi/4, 1.0) q[0];\n"
              "gate rzz(theta) a,b { cx a,b; u1(theta) b; cx a,b; }\n"
              "rzz(0.25) q[0], q[1];\nbarrier q[0], q[1];\nc[0] = measure q[0];\n"
              "if (c == 1) {\n  x q[1];\n}\n");
}

// The circuit as it runs when clbit k holds bits[k]: the instructions whose
// condition holds, unconditioned (registers and qubits as in @p c).
qtr_circuit *resolved(const qtr_circuit *c, const std::vector<int> &bits)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_circuit *d = qtr_circuit_new(0);
    EXPECT_EQ(qtr_circuit_add_qreg(d, "q", c->nqubits, &ctx), QTR_OK);
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        qtr_cond k;
        if (qtr_inst_cond(c, in, &k)) {
            uint32_t first = 0, count = 0;
            qtr_cond_clbits(c, &k, &first, &count);
            bool holds = true;
            for (uint32_t b = 0; b < count; b++) {
                uint32_t want = b / 32 < k.nwords ? (k.words[b / 32] >> (b % 32)) & 1u : 0u;
                if ((uint32_t)bits.at(first + b) != want) holds = false;
            }
            if (!holds) continue;
        }
        EXPECT_EQ(qtr_circuit_append(d, (qtr_op)in->op, qtr_inst_operands(c, in), in->nargs,
                                     qtr_inst_params(c, in), &ctx),
                  QTR_OK)
            << ctx.msg;
    }
    return d;
}

// For each clbit state in @p states, the program's circuit resolved under it
// has the unitary of @p plain(state) (a program without conditions).
void expect_conditions_act(const qtr_circuit *c, const std::vector<std::vector<int>> &states,
                           std::string (*plain)(const std::vector<int> &))
{
    for (const auto &bits : states) {
        Circ got(resolved(c, bits));
        auto want = read_text(plain(bits));
        ASSERT_EQ(want->st, QTR_OK) << want->msg;
        std::vector<cd> u = unitary(got.c), v = unitary(want->circ.c);
        ASSERT_EQ(u.size(), v.size());
        double worst = 0;
        for (size_t i = 0; i < u.size(); i++) worst = std::max(worst, std::abs(u[i] - v[i]));
        EXPECT_LT(worst, 1e-12) << "state " << ::testing::PrintToString(bits) << ": "
                                << listing(got.c);
    }
}

const std::string COND3 = H3 + "qubit[2] q;\nbit[2] c;\nbit[70] w;\n"
                               "if (c[0]) { x q[1]; } else { h q[1]; }\n"
                               "if (!c[1]) { z q[0]; }\n"
                               "if (c == 2) { cx q[0], q[1]; }\n"
                               "if (w == 590295810358705651713) { rz(pi/4) q[0]; }\n";

std::string cond3_plain(const std::vector<int> &b)
{
    std::string s = H3 + "qubit[2] q;\n";
    s += b[0] ? "x q[1];\n" : "h q[1];\n";
    if (!b[1]) s += "z q[0];\n";
    if (!b[0] && b[1]) s += "cx q[0], q[1];\n";
    bool w = b[2] && b[2 + 69];
    for (int i = 1; i < 69; i++) w = w && !b[2 + i];
    if (w) s += "rz(pi/4) q[0];\n";
    return s;
}

std::vector<std::vector<int>> cond3_states()
{
    std::vector<std::vector<int>> states;
    for (int c = 0; c < 4; c++)
        for (int w = 0; w < 3; w++) {
            std::vector<int> b(72, 0);
            b[0] = c & 1;
            b[1] = c >> 1;
            if (w >= 1) b[2] = b[2 + 69] = 1;   // w == 2^69 + 1
            if (w == 2) b[2 + 30] = 1;         // one bit more: no longer equal
            states.push_back(b);
        }
    return states;
}

TEST(Qasm3Write, ConditionsInQiskitStyle)
{
    auto r = read_text(COND3);
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    std::string s = write3(r->circ.c);
    EXPECT_EQ(s, H3 + "qubit[2] q;\nbit[2] c;\nbit[70] w;\n"
                      "if (c[0]) {\n  x q[1];\n}\nif (!c[0]) {\n  h q[1];\n}\n"
                      "if (!c[1]) {\n  z q[0];\n}\nif (c == 2) {\n  cx q[0], q[1];\n}\n"
                      "if (w == 590295810358705651713) {\n  rz(pi/4) q[0];\n}\n");
    // 3 -> 3: the same records and the same text
    auto back = read_text(s);
    ASSERT_EQ(back->st, QTR_OK) << back->msg;
    EXPECT_TRUE(qtr_circuit_equal(back->circ.c, r->circ.c));
    EXPECT_EQ(write3(back->circ.c), s);
}

TEST(Qasm3Sim, ConditionsActAsWritten)
{
    // under every state of the bits read, the conditioned circuit does what
    // the program says, before and after a round trip through the writer
    auto r = read_text(COND3);
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    expect_conditions_act(r->circ.c, cond3_states(), cond3_plain);
    auto back = read_text(write3(r->circ.c));
    ASSERT_EQ(back->st, QTR_OK) << back->msg;
    expect_conditions_act(back->circ.c, cond3_states(), cond3_plain);
}

TEST(Qasm3Write, ConditionsTwoToThreeToTwo)
{
    // what OpenQASM 2 says (a register of any width, a one-bit register)
    // survives 2 -> 3 -> 2 as records and as text
    std::string two = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\ncreg c[2];\n"
                      "creg b[1];\ncreg w[70];\nif(c==2) cx q[0],q[1];\nif(b==0) x q[0];\n"
                      "if(w==590295810358705651713) rz(0.25) q[0];\n";
    auto r = read_text(two);
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    auto three = read_text(write3(r->circ.c));
    ASSERT_EQ(three->st, QTR_OK) << three->msg;
    EXPECT_TRUE(qtr_circuit_equal(three->circ.c, r->circ.c));
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    char *buf = nullptr;
    size_t len = 0;
    ASSERT_EQ(qtr_qasm_write_mem(three->circ.c, &buf, &len, &ctx), QTR_OK) << ctx.msg;
    std::string again(buf, len);
    free(buf);
    EXPECT_THAT(again, HasSubstr("if(c==2) cx q[0],q[1];\nif(b==0) x q[0];\n"
                                 "if(w==590295810358705651713) rz(0.25) q[0];\n"));
    // OpenQASM 3's condition on one bit of a wider register has no OpenQASM 2 form
    auto bit = read_text(COND3);
    ASSERT_EQ(bit->st, QTR_OK);
    EXPECT_EQ(qtr_qasm_write_mem(bit->circ.c, &buf, &len, &ctx), QTR_EUNSUPPORTED);
    free(buf);
    EXPECT_THAT(ctx.msg, HasSubstr("instruction 0 (x): OpenQASM 2 cannot write a condition on "
                                   "the one bit c[0] of a wider register"));
}

TEST(Qasm3Write, RoundTripEveryTableGateBitExact)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    for (uint64_t seed = 0; seed < 20; seed++) {
        qtr_circuit *raw = nullptr;
        ASSERT_EQ(qtr_random_circuit(6, 300, nullptr, 0, seed, &raw, &ctx), QTR_OK) << ctx.msg;
        Circ c(raw);
        ASSERT_EQ(qtr_circuit_add_creg(c.c, "m", 3, &ctx), QTR_OK);
        uint32_t mq[] = {(uint32_t)(seed % 6), 2};
        ASSERT_EQ(qtr_circuit_append(c.c, QTR_OP_MEASURE, mq, 2, nullptr, &ctx), QTR_OK);
        uint32_t all[] = {0, 1, 2, 3, 4, 5};
        double p[4] = {0.1 * (double)seed, -1e-17, 3e200, -0.0};
        ASSERT_EQ(qtr_circuit_append_cond(c.c, QTR_OP_CU, all, 2, p, 0, seed % 8, &ctx), QTR_OK);
        ASSERT_EQ(qtr_circuit_append(c.c, QTR_OP_RESET, all + 3, 1, nullptr, &ctx), QTR_OK);
        ASSERT_EQ(qtr_circuit_append(c.c, QTR_OP_BARRIER, all, 6, nullptr, &ctx), QTR_OK);
        std::string s = write3(c.c);
        auto r = read_text(s);
        ASSERT_EQ(r->st, QTR_OK) << "seed " << seed << ": " << r->msg << "\n" << s.substr(0, 2000);
        EXPECT_TRUE(qtr_circuit_equal(r->circ.c, c.c)) << "seed " << seed;
        EXPECT_EQ(write3(r->circ.c), s);
    }
}

// Names OpenQASM 3 allows and OpenQASM 2 does not (the exporter's loose
// bits "_bit0", capitals, non-ASCII letters) are kept in OpenQASM 3 output
// and replaced in OpenQASM 2 output.
TEST(Qasm3Write, NamesOnlyOpenQasm3Allows)
{
    auto r = read_text(H3 + "bit _bit0;\nbit[2] Cr;\nqubit _qubit0;\nqubit[2] θr;\n"
                            "h _qubit0;\ncx θr[0], θr[1];\n_bit0 = measure _qubit0;\n"
                            "Cr = measure θr;\n");
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    std::string v3 = write3(r->circ.c);
    EXPECT_THAT(v3, HasSubstr("qubit[1] _qubit0;\nqubit[2] θr;\nbit[1] _bit0;\nbit[2] Cr;\n"));
    EXPECT_THAT(v3, HasSubstr("Cr[1] = measure θr[1];"));
    auto back = read_text(v3);
    ASSERT_EQ(back->st, QTR_OK) << back->msg;
    EXPECT_TRUE(qtr_circuit_equal(r->circ.c, back->circ.c)) << v3;
    std::string v2 = qasm_test::write_text(r->circ.c, 2, 0);
    EXPECT_THAT(v2, HasSubstr("qreg qreg0[1];\nqreg qreg1[2];\ncreg creg0[1];\ncreg creg1[2];\n"));
}

TEST(Qasm3Write, FormatOnlyBeforeWriting)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_qasm_writer *w = nullptr;
    FILE *f = tmpfile();
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(qtr_qasm_writer_open_stream(&w, f, "x", &ctx), QTR_OK);
    EXPECT_EQ(qtr_qasm_writer_set_format(w, 2, QTR_QASM_PHYSICAL, &ctx), QTR_EINVAL);
    EXPECT_EQ(qtr_qasm_writer_set_format(w, 3, 0, &ctx), QTR_OK);
    ASSERT_EQ(qtr_qasm_writer_comment(w, "hello", &ctx), QTR_OK);
    EXPECT_EQ(qtr_qasm_writer_set_format(w, 2, 0, &ctx), QTR_EINVAL);
    EXPECT_EQ(qtr_qasm_writer_close(w, &ctx), QTR_OK);
    fclose(f);
}

}  // namespace
