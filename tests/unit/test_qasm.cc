// test_qasm.cc -- the OpenQASM 2 reader and writer (io/qasm_*.c, io/qelib1.c):
// every construct, every error with its location, streaming over chunk
// boundaries, bit-exact round trips over all table gates, the built-in gate
// definitions against the table's matrices, and random byte mutations.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <cstring>
#include <string>
#include <vector>

#include "qasm_internal.h"
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

const double kPi = 3.14159265358979323846;
const std::string H = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\n";

using qasm_test::Circ;
using qasm_test::listing;
using qasm_test::Result;

Result *read_text(const std::string &text) { return qasm_test::read_stream(text, false).release(); }
Result *read_strict(const std::string &text) { return qasm_test::read_stream(text, true).release(); }

// Operands of instruction i, as a vector.
std::vector<uint32_t> operands(const qtr_circuit *c, size_t i)
{
    const qtr_inst *in = &c->inst[i];
    const uint32_t *q = qtr_inst_operands(c, in);
    return std::vector<uint32_t>(q, q + in->nargs);
}

// Expect reading @p text to fail with @p st, a message starting with
// "t.qasm:LINE:COL:" and containing @p reason.
void expect_error(const std::string &text, qtr_status st, const std::string &where,
                  const std::string &reason, bool strict = false)
{
    qasm_test::expect_failed(*qasm_test::read_stream(text, strict), text, st, where, reason);
}

std::string write_mem(const qtr_circuit *c) { return qasm_test::write_text(c); }

std::string temp_path(const char *tag)
{
    char buf[64];
    snprintf(buf, sizeof buf, "/tmp/qtr_test_qasm_%d_%s", (int)getpid(), tag);
    return buf;
}

void write_file(const std::string &path, const std::string &text)
{
    FILE *f = fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(fwrite(text.data(), 1, text.size(), f), text.size());
    fclose(f);
}

}  // namespace

// ======================================================================
// Reading: constructs
// ======================================================================

TEST(QasmRead, HeaderRegistersAndSimpleGates)
{
    std::unique_ptr<Result> r(read_text(H + "qreg a[2];\nqreg b[3];\ncreg c[4];\n"
                                            "h a[1];\ncx a[0],b[2];\nx b[0];\n"));
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    const qtr_circuit *c = r->circ.c;
    EXPECT_EQ(c->nqubits, 5u);
    EXPECT_EQ(c->nclbits, 4u);
    ASSERT_EQ(c->nqregs, 2u);
    EXPECT_STREQ(c->qregs[1].name, "b");
    EXPECT_EQ(c->qregs[1].first, 2u);
    EXPECT_EQ(c->qregs[1].size, 3u);
    ASSERT_EQ(c->ncregs, 1u);
    EXPECT_STREQ(c->cregs[0].name, "c");
    EXPECT_EQ(listing(c), "h 1;cx 0,4;x 2;");
}

TEST(QasmRead, CommentsWhitespaceAndBlockComments)
{
    std::unique_ptr<Result> r(read_text("// leading comment\n\t OPENQASM   2.0 ;\r\n"
                                        "include \"qelib1.inc\"; /* block\n comment */\n"
                                        "qreg q[1]; // trailing é ü 中 😀\n"
                                        "h q[0];// no space\n"));
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    EXPECT_EQ(listing(r->circ.c), "h 0;");
}

TEST(QasmRead, BuiltinsUAndCXNeedNoInclude)
{
    std::unique_ptr<Result> r(read_text("OPENQASM 2.0;\nqreg q[2];\nU(0.1,0.2,0.3) q[0];\nCX q[0],q[1];\n"));
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    EXPECT_EQ(listing(r->circ.c), "u(0.1,0.2,0.3) 0;cx 0,1;");
}

TEST(QasmRead, EveryQelib1GateMapsToItsTableOp)
{
    size_t n;
    const qtr_qasm_libgate *lib = qtr_qasm_libgates(&n);
    int seen = 0;
    for (size_t i = 0; i < n; i++) {
        if (!lib[i].qelib1) continue;
        seen++;
        std::string prog = H + "qreg q[5];\n" + lib[i].name;
        std::vector<double> p;
        if (lib[i].nparams) {
            prog += "(";
            for (unsigned k = 0; k < lib[i].nparams; k++) {
                p.push_back(0.25 * (k + 1));
                prog += (k ? "," : "") + std::to_string(0.25 * (k + 1));
            }
            prog += ")";
        }
        for (unsigned k = 0; k < lib[i].nqubits; k++)
            prog += std::string(k ? "," : " ") + "q[" + std::to_string(4 - k) + "]";
        prog += ";\n";
        std::unique_ptr<Result> r(read_text(prog));
        ASSERT_EQ(r->st, QTR_OK) << lib[i].name << ": " << r->msg;
        const qtr_circuit *c = r->circ.c;
        ASSERT_EQ(c->ninst, 1u) << lib[i].name;
        EXPECT_EQ(c->inst[0].op, lib[i].op) << lib[i].name;
        std::vector<uint32_t> q = operands(c, 0);
        for (unsigned k = 0; k < lib[i].nqubits; k++) EXPECT_EQ(q[k], 4 - k) << lib[i].name;
        unsigned np = qtr_gate((qtr_op)lib[i].op)->nparams;
        for (unsigned k = 0; k < np; k++)
            EXPECT_EQ(qtr_inst_params(c, &c->inst[0])[k], p[k]) << lib[i].name;
    }
    EXPECT_EQ(seen, 42);  // Qiskit's qelib1.inc: u3 ... c4x
}

TEST(QasmRead, U0MapsToIdAndDropsItsDuration)
{
    std::unique_ptr<Result> r(read_text(H + "qreg q[1];\nu0(5) q[0];\n"));
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    EXPECT_EQ(listing(r->circ.c), "id 0;");
}

TEST(QasmRead, SecondIncludeOfQelib1IsHarmless)
{
    std::unique_ptr<Result> r(read_text(H + "include \"qelib1.inc\";\nqreg q[1];\nx q[0];\n"));
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    EXPECT_EQ(listing(r->circ.c), "x 0;");
}

TEST(QasmRead, Broadcasting)
{
    std::unique_ptr<Result> r(read_text(H + "qreg a[3];\nqreg b[3];\ncreg c[3];\n"
                                            "h a;\ncx a,b;\ncx a[0],b;\ncx a,b[1];\n"
                                            "measure a -> c;\nreset b;\n"));
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    EXPECT_EQ(listing(r->circ.c),
              "h 0;h 1;h 2;"
              "cx 0,3;cx 1,4;cx 2,5;"
              "cx 0,3;cx 0,4;cx 0,5;"
              "cx 0,4;cx 1,4;cx 2,4;"
              "measure 0->0;measure 1->1;measure 2->2;"
              "reset 3;reset 4;reset 5;");
}

TEST(QasmRead, BroadcastHittingTheSameQubitIsAnError)
{
    // a[1],b[1] would be cx 4,4 in the second instance
    expect_error(H + "qreg a[3];\ncx a,a[1];\n", QTR_EPARSE, "4:1", "same qubit twice");
    expect_error(H + "qreg a[3];\ncx a[1],a[1];\n", QTR_EPARSE, "4:1", "same qubit twice");
    expect_error(H + "qreg a[3];\nccx a[0],a[1],a[0];\n", QTR_EPARSE, "4:1", "same qubit twice");
}

TEST(QasmRead, BarrierOverRegistersAndBitsOnceEach)
{
    std::unique_ptr<Result> r(read_text(H + "qreg a[2];\nqreg b[3];\nbarrier a, b[1], a[0];\nbarrier b;\n"));
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    EXPECT_EQ(listing(r->circ.c), "barrier 0,1,3;barrier 2,3,4;");
}

TEST(QasmRead, MeasureBitsAndReset)
{
    std::unique_ptr<Result> r(read_text(H + "qreg q[2];\ncreg c[2];\ncreg d[1];\n"
                                            "measure q[1] -> d[0];\nreset q[0];\n"));
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    EXPECT_EQ(listing(r->circ.c), "measure 1->2;reset 0;");
}

TEST(QasmRead, Conditions)
{
    std::unique_ptr<Result> r(read_text(
        H + "qreg q[2];\ncreg c[2];\ncreg d[3];\n"
            "if(c==1) x q[0];\nif (d == 5) rz(0.5) q;\nif(c==3) measure q[1] -> d[2];\n"
            "if(d==18446744073709551615) reset q[1];\n"
            "gate two a,b { h a; cx a,b; }\nif(c==2) two q[1],q[0];\n"));
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    EXPECT_EQ(listing(r->circ.c),
              "if(0==1) x 0;if(1==5) rz(0.5) 0;if(1==5) rz(0.5) 1;if(0==3) measure 1->4;"
              "if(1==18446744073709551615) reset 1;if(0==2) h 1;if(0==2) cx 1,0;");
}

TEST(QasmRead, ConditionValuesOfAnyWidth)
{
    // the example: 2^150 on a 151-bit register
    const std::string text = H + "qreg q[4];\ncreg c[151];\ncreg d[70];\n"
                             "if(c==1427247692705959881058285969449495136382746624) x q[3];\n"
                             "if(d==1180591620717411303423) h q[0];\n"   // 2^70 - 1
                             "if(c==18446744073709551616) cx q[0],q[1];\n"  // 2^64
                             "if(d==0) rz(0.5) q[2];\n";
    std::unique_ptr<Result> r(read_text(text));
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    EXPECT_EQ(listing(r->circ.c), "if(0==40000000000000000000000000000000000000) x 3;"
                                  "if(1==3fffffffffffffffff) h 0;"
                                  "if(0==10000000000000000) cx 0,1;"
                                  "if(1==0) rz(0.5) 2;");
    // written back in decimal, read back the same
    std::string out = write_mem(r->circ.c);
    EXPECT_THAT(out, HasSubstr("if(c==1427247692705959881058285969449495136382746624) x q[3];"));
    EXPECT_THAT(out, HasSubstr("if(d==1180591620717411303423) h q[0];"));
    EXPECT_THAT(out, HasSubstr("if(c==18446744073709551616) cx q[0],q[1];"));
    std::unique_ptr<Result> back(read_text(out));
    ASSERT_EQ(back->st, QTR_OK) << back->msg;
    EXPECT_TRUE(qtr_circuit_equal(r->circ.c, back->circ.c));
    // a value as wide as a 1024-digit token allows
    std::string nines(1024, '9');
    std::unique_ptr<Result> big(read_text(H + "qreg q[1];\ncreg c[3402];\nif(c==" + nines +
                                          ") x q[0];\n"));
    ASSERT_EQ(big->st, QTR_OK) << big->msg;
    std::string out2 = write_mem(big->circ.c);
    EXPECT_THAT(out2, HasSubstr("if(c==" + nines + ") x q[0];"));
    // the register's width bounds the value above 64 bits
    expect_error(H + "qreg q[1];\ncreg c[150];\n"
                     "if(c==1427247692705959881058285969449495136382746624) x q[0];\n",
                 QTR_EPARSE, "5:7", "does not fit in register 'c' of 150 bits");
}

TEST(QasmWrite, SingleBitConditionIsRefusedNamingTheInstruction)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_circuit *c = qtr_circuit_new(0);
    ASSERT_EQ(qtr_circuit_add_qreg(c, "q", 2, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_add_creg(c, "c", 2, &ctx), QTR_OK);
    uint32_t q[] = {0, 1};
    ASSERT_EQ(qtr_circuit_append(c, QTR_OP_H, q, 1, nullptr, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append_cond_bit(c, QTR_OP_CX, q, 2, nullptr, 1, 0, &ctx), QTR_OK);
    char *out = nullptr;
    size_t len = 0;
    EXPECT_EQ(qtr_qasm_write_mem(c, &out, &len, &ctx), QTR_EUNSUPPORTED);
    EXPECT_THAT(ctx.msg, HasSubstr("instruction 1 (cx)"));
    EXPECT_THAT(ctx.msg, HasSubstr("OpenQASM 2 cannot write a condition on the one bit c[1] of "
                                   "a wider register"));
    EXPECT_THAT(ctx.msg, HasSubstr("--format qasm3"));
    free(out);
    qtr_circuit_free(c);
}

TEST(QasmWrite, SingleBitConditionOnARegisterOfItsOwn)
{
    // a bit that is a whole register: OpenQASM 2 says it as that register's value
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_circuit *c = qtr_circuit_new(0);
    ASSERT_EQ(qtr_circuit_add_qreg(c, "q", 2, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_add_creg(c, "c", 2, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_add_creg(c, "b", 1, &ctx), QTR_OK);
    uint32_t q[] = {0, 1};
    ASSERT_EQ(qtr_circuit_append_cond_bit(c, QTR_OP_X, q, 1, nullptr, 2, 0, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append_cond_bit(c, QTR_OP_CX, q, 2, nullptr, 2, 1, &ctx), QTR_OK);
    std::string out = write_mem(c);
    EXPECT_THAT(out, HasSubstr("creg b[1];\nif(b==0) x q[0];\nif(b==1) cx q[0],q[1];\n"));
    qtr_circuit_free(c);
}

TEST(QasmRead, ParameterExpressions)
{
    struct Case {
        const char *expr;
        double value;
    } cases[] = {
        {"pi", kPi},
        {"-pi/2", -kPi / 2},
        {"1e-3", 1e-3},
        {".5", 0.5},
        {"5.", 5.0},
        {"1.5E+2", 150.0},
        {"2^3^2", 512.0},            // right-associative
        {"-2^2", -4.0},              // ^ binds tighter than unary minus
        {"2^-1", 0.5},
        {"(1+2)*3", 9.0},
        {"1+2*3", 7.0},
        {"1-2-3", -4.0},             // left-associative
        {"8/2/2", 2.0},
        {"--1", 1.0},
        {"+1", 1.0},
        {"sin(pi/6)", std::sin(kPi / 6)},
        {"cos(0.3)", std::cos(0.3)},
        {"tan(0.3)", std::tan(0.3)},
        {"exp(1)", std::exp(1.0)},
        {"ln(2)", std::log(2.0)},
        {"sqrt(2)", std::sqrt(2.0)},
        {"asin(0.5)", std::asin(0.5)},
        {"acos(0.5)", std::acos(0.5)},
        {"atan(2)", std::atan(2.0)},
        {"3*pi/4 - sqrt(2)^2", 3 * kPi / 4 - std::pow(std::sqrt(2.0), 2)},
        {"12345678901234567890", 12345678901234567890.0},
        {"1e-400", 0.0},             // underflow is a value (0), as in C and Python
        {"4.9406564584124654e-324", 4.9406564584124654e-324},
    };
    for (const Case &k : cases) {
        std::unique_ptr<Result> r(read_text(H + "qreg q[1];\nrz(" + k.expr + ") q[0];\n"));
        ASSERT_EQ(r->st, QTR_OK) << k.expr << ": " << r->msg;
        EXPECT_EQ(qtr_inst_params(r->circ.c, &r->circ->inst[0])[0], k.value) << k.expr;
    }
    std::unique_ptr<Result> r(read_text(H + "qreg q[1];\nrz(-0) q[0];\n"));
    ASSERT_EQ(r->st, QTR_OK);
    double z = qtr_inst_params(r->circ.c, &r->circ->inst[0])[0];
    EXPECT_EQ(z, 0.0);
    EXPECT_TRUE(std::signbit(z));
}

TEST(QasmRead, GateDefinitionsNestedWithParameters)
{
    std::unique_ptr<Result> r(read_text(
        H + "qreg q[3];\n"
            "gate inner(a,b) x,y { rz(a*2) x; cx x,y; ry(-b/2+pi) y; }\n"
            "gate outer(t) p,q,r { inner(t,t^2) q,p; barrier p,r; U(t,0,-t) r; }\n"
            "gate empty q { }\n"
            "outer(0.5) q[2],q[0],q[1];\nempty q[1];\ninner(1,2) q[0],q[1];\n"));
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    char want[512];
    snprintf(want, sizeof want,
             "rz(1) 0;cx 0,2;ry(%.10g) 2;barrier 2,1;u(0.5,0,-0.5) 1;"
             "rz(2) 0;cx 0,1;ry(%.10g) 1;",
             -0.25 / 2 + kPi, -2.0 / 2 + kPi);
    EXPECT_EQ(listing(r->circ.c), want);
    // values are computed exactly as the expressions say
    const qtr_circuit *c = r->circ.c;
    EXPECT_EQ(qtr_inst_params(c, &c->inst[2])[0], -(0.5 * 0.5) / 2 + kPi);
}

TEST(QasmRead, GateDefinitionBroadcastAndFormalNamesShadowRegisters)
{
    std::unique_ptr<Result> r(read_text(H + "qreg q[2];\nqreg r[2];\n"
                                            "gate g q, r { cx r, q; }\ng q, r;\n"));
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    EXPECT_EQ(listing(r->circ.c), "cx 2,0;cx 3,1;");
}

TEST(QasmRead, Qelib1GateNamesDefinedWithoutIncludeAreUserGates)
{
    // no include: "h" is the program's own gate and is inlined
    std::unique_ptr<Result> r(read_text("OPENQASM 2.0;\nqreg q[1];\n"
                                        "gate h a { U(pi/2,0,pi) a; }\nh q[0];\n"));
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    char want[128];
    snprintf(want, sizeof want, "u(%.10g,0,%.10g) 0;", kPi / 2, kPi);
    EXPECT_EQ(listing(r->circ.c), want);
}

TEST(QasmRead, DefinitionsOfNonQelib1TableGatesMapToTheTable)
{
    // as Qiskit's exporter writes them
    std::unique_ptr<Result> r(read_text(
        H + "gate rzx(param0) q0,q1 { h q1; cx q0,q1; rz(param0) q1; cx q0,q1; h q1; }\n"
            "gate ecr q0,q1 { rzx(pi/4) q0,q1; x q0; rzx(-pi/4) q0,q1; }\n"
            "gate iswap q0,q1 { s q0; s q1; h q0; cx q0,q1; cx q1,q0; h q1; }\n"
            "gate r(param0,param1) q0 { u3(param0,param1 - pi/2,-param1 + pi/2) q0; }\n"
            "gate ccz a,b,c { h c; ccx a,b,c; h c; }\n"
            "gate xx_plus_yy(param0,param1) q0,q1 { rz(param1) q0; sdg q1; sx q1; s q1; s q0; "
            "cx q1,q0; ry((-0.5)*param0) q1; ry((-0.5)*param0) q0; cx q1,q0; sdg q0; sdg q1; "
            "sxdg q1; s q1; rz(-param1) q0; }\n"
            "gate ryy(param0) q0,q1 { sxdg q0; sxdg q1; cx q0,q1; rz(param0) q1; cx q0,q1; sx q0; sx q1; }\n"
            "gate rzx_139(param0) q0,q1 { rzx(2*param0) q0,q1; }\n"
            "qreg q[3];\necr q[0],q[1];\nrzx(0.3) q[1],q[2];\niswap q[2],q[0];\nr(0.1,0.2) q[1];\n"
            "ccz q[0],q[1],q[2];\nxx_plus_yy(0.5,0.25) q[0],q[2];\nryy(1.5) q[2],q[1];\n"
            "rzx_139(0.25) q[0],q[1];\n"));
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    EXPECT_EQ(listing(r->circ.c), "ecr 0,1;rzx(0.3) 1,2;iswap 2,0;r(0.1,0.2) 1;ccz 0,1,2;"
                                  "xx_plus_yy(0.5,0.25) 0,2;ryy(1.5) 2,1;rzx(0.5) 0,1;");
}

TEST(QasmRead, TableNameWithAnotherSignatureIsInlined)
{
    // "rzx" with two parameters is not the table's rzx: inline it
    std::unique_ptr<Result> r(read_text(H + "gate rzx(a,b) x,y { rz(a+b) y; }\nqreg q[2];\n"
                                            "rzx(1,2) q[0],q[1];\n"));
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    EXPECT_EQ(listing(r->circ.c), "rz(3) 1;");
}

TEST(QasmRead, OpaqueGates)
{
    // declaring is fine; a table gate outside qelib1 may be opaque
    std::unique_ptr<Result> r(read_text(H + "opaque magic(a) q;\nopaque rzx(t) a,b;\nqreg q[2];\n"
                                            "rzx(0.5) q[0],q[1];\n"));
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    EXPECT_EQ(listing(r->circ.c), "rzx(0.5) 0,1;");
}

TEST(QasmRead, OpaqueGatesApplied)
{
    // an opaque gate qtranspile has no table entry for is a record naming it:
    // at top level, broadcast, and inside a definition's body
    std::string text = H + "opaque magic(a, b) x, y;\nopaque m q;\n"
                           "gate g(t) a, b { h a; magic(t / 2, pi) b, a; }\nqreg q[2];\n"
                           "magic(1, -0.5) q[0], q[1];\ng(0.5) q[1], q[0];\nm q;\n";
    std::unique_ptr<Result> r(read_text(text));
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    EXPECT_EQ(listing(r->circ.c), "opaque:magic(1,-0.5) 0,1;h 1;opaque:magic(0.25,3.141592654) 0,1;"
                                  "opaque:m 0;opaque:m 1;");
    ASSERT_EQ(r->circ.c->nopaques, 2u);   // one table entry per name
    EXPECT_STREQ(r->circ.c->opaques[0].name, "magic");
    EXPECT_EQ(r->circ.c->opaques[0].nqubits, 2u);
    EXPECT_EQ(r->circ.c->opaques[0].nparams, 2u);
    EXPECT_STREQ(qtr_circuit_first_opaque(r->circ.c), "magic");
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    EXPECT_EQ(qtr_circuit_check(r->circ.c, &ctx), QTR_OK) << ctx.msg;
    // written back as OpenQASM 2 with its declaration, read back the same
    std::string out = write_mem(r->circ.c);
    EXPECT_THAT(out, HasSubstr("opaque magic(p0,p1) a0,a1;\nmagic(1.0,-0.5) q[0],q[1];\nh q[1];\n"
                               "magic(0.25,3.1415926535897931) q[0],q[1];\nopaque m a0;\n"
                               "m q[0];\nm q[1];\n"));
    std::unique_ptr<Result> back(read_text(out));
    ASSERT_EQ(back->st, QTR_OK) << back->msg;
    EXPECT_TRUE(qtr_circuit_equal(back->circ.c, r->circ.c));
    EXPECT_EQ(write_mem(back->circ.c), out);
    // OpenQASM 3 has no declaration for it: applied by name, undeclared, as
    // Qiskit's exporter writes a gate of its basis_gates
    char *buf = nullptr;
    size_t len = 0;
    ASSERT_EQ(qtr_qasm_write_mem_format(r->circ.c, 3, 0, &buf, &len, &ctx), QTR_OK) << ctx.msg;
    std::string v3(buf, len);
    free(buf);
    EXPECT_THAT(v3, HasSubstr("// magic: a gate without a definition (OpenQASM 2 opaque), "
                              "qubits: 2, parameters: 2\nmagic(1.0, -0.5) q[0], q[1];\n"));
    EXPECT_THAT(v3, HasSubstr("magic(0.25, pi) q[0], q[1];\n"));
    EXPECT_EQ(v3.find("opaque m"), std::string::npos);
    // ... but not a name OpenQASM 3 reserves
    std::unique_ptr<Result> kw(read_text(H + "opaque box a;\nqreg q[1];\nbox q[0];\n"));
    ASSERT_EQ(kw->st, QTR_OK) << kw->msg;
    EXPECT_EQ(qtr_qasm_write_mem_format(kw->circ.c, 3, 0, &buf, &len, &ctx), QTR_EUNSUPPORTED);
    free(buf);
    EXPECT_THAT(ctx.msg, HasSubstr("instruction 0 applies the opaque gate 'box', a reserved "
                                   "word of OpenQASM 3"));
    // the simulator refuses it rather than skip it
    double *u = nullptr;
    EXPECT_NE(qtr_sim_unitary(r->circ.c, &u, &ctx), QTR_OK);
    free(u);
    // not under a condition
    expect_error(H + "opaque m q;\nqreg q[1];\ncreg c[1];\nif(c==1) m q[0];\n",
                 QTR_EUNSUPPORTED, "6:10", "a condition on the opaque gate 'm'");
}

TEST(QasmRead, OpaqueTableThroughCircuitCopies)
{
    std::unique_ptr<Result> a(read_text(H + "opaque k(t) x;\nopaque j x, y;\nqreg q[2];\n"
                                            "k(2) q[0];\nj q[0], q[1];\n"));
    std::unique_ptr<Result> b(read_text(H + "opaque j x, y;\nqreg q[2];\nj q[1], q[0];\n"));
    ASSERT_EQ(a->st, QTR_OK) << a->msg;
    ASSERT_EQ(b->st, QTR_OK) << b->msg;
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_circuit *copy = nullptr;
    ASSERT_EQ(qtr_circuit_clone(a->circ.c, &copy, &ctx), QTR_OK) << ctx.msg;
    EXPECT_TRUE(qtr_circuit_equal(copy, a->circ.c));
    // appending b: its 'j' is the destination's entry 1 and its parameter
    // indices move; the records read back by name
    ASSERT_EQ(qtr_circuit_append_all(copy, b->circ.c, &ctx), QTR_OK) << ctx.msg;
    EXPECT_EQ(copy->nopaques, 2u);
    EXPECT_EQ(qtr_circuit_check(copy, &ctx), QTR_OK) << ctx.msg;
    EXPECT_EQ(listing(copy), "opaque:k(2) 0;opaque:j 0,1;opaque:j 1,0;");
    // a second declaration of a name must agree with the first
    uint32_t k;
    EXPECT_EQ(qtr_circuit_declare_opaque(copy, "j", 3, 0, &k, &ctx), QTR_EINVAL);
    EXPECT_THAT(ctx.msg, HasSubstr("opaque gate 'j' declared with 2 qubits"));
    // the other append functions refuse the op: its name would be lost
    uint32_t q[] = {0};
    EXPECT_EQ(qtr_circuit_append(copy, QTR_OP_OPAQUE, q, 1, nullptr, &ctx), QTR_EINVAL);
    // a record whose table index is out of range fails the check
    copy->args[copy->inst[0].p + 1] = 7;
    EXPECT_EQ(qtr_circuit_check(copy, &ctx), QTR_EINVAL);
    EXPECT_THAT(ctx.msg, HasSubstr("record 0: opaque gate malformed"));
    qtr_circuit_free(copy);
}

TEST(QasmRead, ExpansionFollowsQubitOrderInsideBodies)
{
    std::unique_ptr<Result> r(read_text(H + "gate sw a,b { cx a,b; cx b,a; cx a,b; }\n"
                                            "gate rot a,b,c { sw b,c; sw a,b; }\nqreg q[3];\n"
                                            "rot q[2],q[0],q[1];\n"));
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    EXPECT_EQ(listing(r->circ.c), "cx 0,1;cx 1,0;cx 0,1;cx 2,0;cx 0,2;cx 2,0;");
}

// ======================================================================
// Reading: errors, each with status, location and reason
// ======================================================================

TEST(QasmReadErrors, EmptyAndHeader)
{
    // strict mode: the version line is required (Qiskit's loader does not)
    expect_error("", QTR_EPARSE, "1:1", "empty file, expected 'OPENQASM 2.0;'", true);
    expect_error("// nothing\n\n", QTR_EPARSE, "3:1", "expected 'OPENQASM 2.0;'", true);
    expect_error("qreg q[1];\n", QTR_EPARSE, "1:1", "expected 'OPENQASM 2.0;'", true);
    expect_error("OPENQASM 4.0;\n", QTR_EUNSUPPORTED, "1:10", "version 4.0");
    expect_error("OPENQASM 2.0\nqreg q[1];", QTR_EPARSE, "2:1", "expected ';'");
    expect_error(H + "OPENQASM 2.0;\n", QTR_EPARSE, "3:1", "only once");
}

TEST(QasmReadErrors, UnknownGateAndHint)
{
    expect_error(H + "qreg q[1];\nfoo q[0];\n", QTR_EPARSE, "4:1", "unknown gate 'foo'");
    expect_error("OPENQASM 2.0;\nqreg q[1];\nh q[0];\n", QTR_EPARSE, "3:1",
                 "unknown gate 'h' (missing include \"qelib1.inc\"?)");
    expect_error(H + "qreg q[1];\ngate g a { nope a; }\n", QTR_EPARSE, "4:12", "unknown gate 'nope'");
}

TEST(QasmReadErrors, WrongArityAndParameterCount)
{
    expect_error(H + "qreg q[3];\ncx q[0];\n", QTR_EPARSE, "4:1", "'cx' takes 2 qubits, got 1");
    expect_error(H + "qreg q[3];\nh q[0],q[1];\n", QTR_EPARSE, "4:1", "'h' takes 1 qubit, got 2");
    expect_error(H + "qreg q[3];\nrz q[0];\n", QTR_EPARSE, "4:1", "'rz' takes 1 parameter, got 0");
    expect_error(H + "qreg q[3];\nh(0.1) q[0];\n", QTR_EPARSE, "4:1",
                 "'h' takes 0 parameters, got 1");
    expect_error(H + "qreg q[3];\nU(1,2) q[0];\n", QTR_EPARSE, "4:1",
                 "'U' takes 3 parameters, got 2");
    expect_error(H + "gate g a { cx a; }\n", QTR_EPARSE, "3:12", "'cx' takes 2 qubits, got 1");
    expect_error(H + "gate g(t) a { rx(t,t) a; }\n", QTR_EPARSE, "3:15",
                 "'rx' takes 1 parameter, got 2");
}

TEST(QasmReadErrors, RegisterIndexOutOfRange)
{
    expect_error(H + "qreg q[3];\nh q[3];\n", QTR_EQUBIT, "4:5",
                 "index 3 out of range for register 'q' of size 3");
    expect_error(H + "qreg q[3];\nh q[ 7 ];\n", QTR_EQUBIT, "4:6", "index 7 out of range");
    expect_error(H + "qreg q[3];\nh q[99999999999999999999999];\n", QTR_EQUBIT, "4:5",
                 "out of range");
    expect_error(H + "qreg q[3];\ncreg c[2];\nmeasure q[2] -> c[2];\n", QTR_EQUBIT, "5:19",
                 "register 'c' of size 2");
}

TEST(QasmReadErrors, UndeclaredAndWrongKindOfRegister)
{
    expect_error(H + "qreg q[3];\nh r[0];\n", QTR_EPARSE, "4:3", "undeclared register 'r'");
    expect_error(H + "qreg q[3];\ncreg c[3];\nh c[0];\n", QTR_EPARSE, "5:3",
                 "'c' is a classical register");
    expect_error(H + "qreg q[3];\ncreg c[3];\nmeasure q -> q;\n", QTR_EPARSE, "5:14",
                 "'q' is a quantum register");
    expect_error(H + "qreg q[3];\nif(q==1) x q[0];\n", QTR_EPARSE, "4:4",
                 "quantum register 'q' in the condition");
    expect_error(H + "qreg q[1];\nq q[0];\n", QTR_EPARSE, "4:1", "'q' is a register, not a gate");
}

TEST(QasmReadErrors, DuplicateDeclarations)
{
    expect_error(H + "qreg q[3];\ncreg q[1];\n", QTR_EPARSE, "4:6",
                 "duplicate declaration of 'q' (first declared at 3:6)");
    expect_error(H + "gate g a { }\ngate g b { }\n", QTR_EPARSE, "4:6", "duplicate declaration of 'g'");
    expect_error(H + "gate h a { }\n", QTR_EPARSE, "3:6", "redefines the built-in gate 'h'");
    expect_error(H + "gate U a { }\n", QTR_EPARSE, "3:6", "redefines the built-in gate 'U'");
    expect_error(H + "qreg measure[1];\n", QTR_EPARSE, "3:6", "'measure' is a reserved word");
    expect_error(H + "gate g(a,a) q { }\n", QTR_EPARSE, "3:10", "already an argument");
    expect_error("OPENQASM 2.0;\ngate h a { }\ninclude \"qelib1.inc\";\n", QTR_EPARSE, "3:9",
                 "redefines 'h', declared at 2:6");
}

TEST(QasmReadErrors, GateBodies)
{
    expect_error(H + "gate g a { h a;\nqreg q[1];\n", QTR_EPARSE, "4:1",
                 "'qreg' is not allowed inside a gate body");
    expect_error(H + "gate g a { h a;\n  x a;\n", QTR_EPARSE, "5:1",
                 "unterminated body of gate 'g': the '{' at 3:10 has no matching '}'");
    expect_error(H + "gate g a { h b; }\n", QTR_EPARSE, "3:14", "'b' is not a qubit argument");
    expect_error(H + "gate g a,b { cx a,a; }\n", QTR_EPARSE, "3:19", "used twice");
    expect_error(H + "gate g a { h a[0]; }\n", QTR_EPARSE, "3:15", "cannot be indexed");
    expect_error(H + "gate g(t) a { rz(s) a; }\n", QTR_EPARSE, "3:18", "unknown identifier 's'");
    expect_error(H + "gate g a { measure a; }\n", QTR_EPARSE, "3:12", "not allowed inside a gate body");
}

TEST(QasmReadErrors, Syntax)
{
    expect_error(H + "qreg q[1];\nh q[0]\nx q[0];\n", QTR_EPARSE, "5:1", "expected ';', found 'x'");
    expect_error(H + "qreg q[1];\nrz((pi) q[0];\n", QTR_EPARSE, "4:9",
                 "expected ',' or ')' to close the '(' at 4:3, found 'q'");
    expect_error(H + "qreg q[1];\nrz((pi;\n", QTR_EPARSE, "4:7",
                 "expected ')' to close the '(' at 4:4, found ';'");
    expect_error(H + "qreg q[1];\nrz(pi)) q[0];\n", QTR_EPARSE, "4:7", "found ')'");
    expect_error(H + "qreg q[1];\nrz(sin(pi) q[0];\n", QTR_EPARSE, "4:12",
                 "expected ',' or ')' to close the '(' at 4:3");
    expect_error(H + "qreg q[1];\nrz(1 2) q[0];\n", QTR_EPARSE, "4:6", "expected ',' or ')'");
    expect_error(H + "qreg q[1];\nrz(1e) q[0];\n", QTR_EPARSE, "4:4", "exponent has no digits");
    expect_error(H + "qreg q[1];\nrz(2x) q[0];\n", QTR_EPARSE, "4:4", "malformed number '2x'");
    expect_error(H + "qreg q[1];\nrz(.) q[0];\n", QTR_EPARSE, "4:4", "'.' must be followed by digits");
    expect_error(H + "qreg q[1];\nrz(foo) q[0];\n", QTR_EPARSE, "4:4", "unknown identifier 'foo'");
    expect_error(H + "qreg q[1];\nh q[0]; @\n", QTR_EPARSE, "4:9", "unexpected character '@'");
    expect_error(H + "qreg q[1];\ncreg c[1];\nif(c=1) x q[0];\n", QTR_EPARSE, "5:5", "unexpected '='");
    expect_error(H + "creg c[1];\nqreg q[1];\nif(c==1) barrier q;\n", QTR_EPARSE, "5:10",
                 "'barrier' cannot be conditioned");
    expect_error(H + "qreg q[1];\nh q[1.0];\n", QTR_EPARSE, "4:5", "expected an integer index");
    expect_error(H + "include \"no-such-file.inc\";\n", QTR_EIO, "3:9",
                 "cannot include \"no-such-file.inc\": no-such-file.inc: No such file");
    expect_error(H + "include \"qelib1.inc;\n", QTR_EPARSE, "3:9", "unterminated string");
    expect_error(H + "/* never closed\n", QTR_EPARSE, "3:1", "unterminated comment");
    expect_error(H + "qreg q[1];\ncreg c[1];\nmeasure q -> c[0];\n", QTR_EPARSE, "5:1",
                 "two registers or two bits");
    expect_error(H + "qreg q[2];\ncreg c[3];\nmeasure q -> c;\n", QTR_EPARSE, "5:14",
                 "has size 2 but 'c' has size 3");
    expect_error(H + "qreg a[2];\nqreg b[3];\ncx a,b;\n", QTR_EPARSE, "5:6",
                 "register 'b' has size 3 but 'a' has size 2");
    expect_error(H + "qreg q[1];\ncreg c[1];\nif(c==99999999999999999999) x q[0];\n", QTR_EPARSE,
                 "5:7", "does not fit in register 'c' of 1 bits");
    expect_error(H + "qreg q[1];\ncreg c[65];\nif(c==73786976294838206464) x q[0];\n", QTR_EPARSE,
                 "5:7", "value 73786976294838206464 does not fit in register 'c' of 65 bits");
}

TEST(QasmReadErrors, NumbersAndArithmetic)
{
    expect_error(H + "qreg q[1];\nrz(1/0) q[0];\n", QTR_EPARSE, "4:4", "division by zero");
    expect_error(H + "qreg q[1];\nrz(1e400) q[0];\n", QTR_EPARSE, "4:4", "too large for a double");
    expect_error(H + "qreg q[1];\nrz(ln(0)) q[0];\n", QTR_EPARSE, "4:4", "evaluates to infinity");
    expect_error(H + "qreg q[1];\nrz(sqrt(-1)) q[0];\n", QTR_EPARSE, "4:4", "evaluates to nan");
    expect_error(H + "qreg q[1];\nrz(10^400) q[0];\n", QTR_EPARSE, "4:4", "infinity");
    // inside a gate the error is reported where the gate is applied
    expect_error(H + "gate g(t) a { rz(1/t) a; }\nqreg q[1];\ng(0) q[0];\n", QTR_EPARSE, "5:1",
                 "in gate 'g': parameter 1 of 'rz' divides by zero");
    std::string deep = H + "qreg q[1];\nrz(" + std::string(300, '(') + "1" + std::string(300, ')') +
                       ") q[0];\n";
    expect_error(deep, QTR_ELIMIT, "4:204", "nested more than 200 levels");
    std::string minus = H + "qreg q[1];\nrz(" + std::string(100000, '-') + "1) q[0];\n";
    expect_error(minus, QTR_ELIMIT, "4:204", "nested more than 200 levels");
}

TEST(QasmReadErrors, RegisterSizes)
{
    expect_error(H + "qreg q[0];\n", QTR_EPARSE, "3:8", "a register of no bits is not OpenQASM 2", true);
    expect_error(H + "qreg q[16777217];\n", QTR_ELIMIT, "3:8", "limit of 16777216 qubits");
    expect_error(H + "qreg q[16777216];\nqreg r[1];\n", QTR_ELIMIT, "4:8", "limit of 16777216");
    expect_error(H + "creg c[99999999999999999999999999];\n", QTR_ELIMIT, "3:8",
                 "limit of 16777216 classical bits");
}

TEST(QasmReadErrors, ExpansionLimit)
{
    // each level doubles: 2^30 instructions from a few lines
    std::string p = H + "qreg q[1];\ngate g0 a { x a; x a; }\n";
    for (int k = 1; k <= 30; k++)
        p += "gate g" + std::to_string(k) + " a { g" + std::to_string(k - 1) + " a; g" +
             std::to_string(k - 1) + " a; }\n";
    p += "g30 q[0];\n";
    expect_error(p, QTR_ELIMIT, "35:1", "'g30' expands to more than 67108864 instructions");
}

TEST(QasmReadErrors, NonUtf8Bytes)
{
    expect_error(H + "qreg q[1];\nh q[0]; \xc3\xa9\n", QTR_EPARSE, "4:9",
                 "unexpected byte 0xC3 (non-ASCII text is allowed only in comments)");
    expect_error(H + "// caf\xe9 au lait\n", QTR_EPARSE, "3:7",
                 "invalid UTF-8 sequence in comment: bytes E9 20");
    expect_error(H + "// ok \xe2\x82\n", QTR_EPARSE, "3:7", "bytes E2 82 0A");
    expect_error(H + "// overlong \xc0\xaf\n", QTR_EPARSE, "3:13", "invalid UTF-8 byte 0xC0 in comment");
    expect_error(H + "// surrogate \xed\xa0\x80\n", QTR_EPARSE, "3:14", "bytes ED A0");
    expect_error(H + "// too big \xf4\x90\x80\x80\n", QTR_EPARSE, "3:12", "bytes F4 90");
    expect_error(H + "// stray \x80\n", QTR_EPARSE, "3:10", "invalid UTF-8 byte 0x80 in comment");
    expect_error(H + "include \"q\xffx\";\n", QTR_EPARSE, "3:11", "invalid UTF-8 byte 0xFF in string");
    expect_error(H + "// cut \xf0\x9f\x98", QTR_EPARSE, "3:8", "truncated UTF-8 sequence");
    expect_error(H + "qreg q[1];\nh\x01 q[0];\n", QTR_EPARSE, "4:2", "control character 0x01");
    expect_error(std::string("OPENQASM 2.0;\0", 14), QTR_EPARSE, "1:14", "control character 0x00");
}

TEST(QasmReadErrors, LongTokens)
{
    std::string id(1025, 'a');
    expect_error(H + "qreg " + id + "[1];\n", QTR_EPARSE, "3:6", "identifier longer than 1024");
    std::string ok(1024, 'b');
    std::unique_ptr<Result> r(read_text(H + "qreg " + ok + "[1];\nh " + ok + "[0];\n"));
    EXPECT_EQ(r->st, QTR_OK) << r->msg;
    std::string num = "0." + std::string(1100, '1');
    expect_error(H + "qreg q[1];\nrz(" + num + ") q[0];\n", QTR_EPARSE, "4:4", "number longer than 1024");
    // a 10 MB identifier fails fast at its start
    std::string huge(10 << 20, 'x');
    expect_error(H + huge, QTR_EPARSE, "3:1", "identifier longer than 1024");
}

TEST(QasmRead, TenMegabyteLinesParseOrFailCleanly)
{
    // one line of 10 MB of statements
    std::string line;
    line.reserve(10 << 20);
    while (line.size() < (10u << 20)) line += "cx q[0],q[1]; ";
    std::unique_ptr<Result> r(read_text(H + "qreg q[2];\n" + line + "\n"));
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    EXPECT_EQ(r->circ->ninst, line.size() / 14);
    // an error at its end reports the column
    std::unique_ptr<Result> e(read_text(H + "qreg q[2];\n" + line + "cx q[0],q[2];"));
    EXPECT_EQ(e->st, QTR_EQUBIT);
    EXPECT_THAT(e->msg, HasSubstr("t.qasm:4:" + std::to_string(line.size() + 11) + ":"));
    // a 10 MB comment, also through the chunked FILE reader
    std::string path = temp_path("longcomment");
    write_file(path, H + "qreg q[1];\n//" + std::string(10 << 20, 'c') + "\nx q[0];\n");
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_circuit *c = nullptr;
    ASSERT_EQ(qtr_qasm_read_file(path.c_str(), &c, &ctx), QTR_OK) << ctx.msg;
    EXPECT_EQ(c->ninst, 1u);
    qtr_circuit_free(c);
    unlink(path.c_str());
}

TEST(QasmReadErrors, FilesAndStickyErrors)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_circuit *c = nullptr;
    EXPECT_EQ(qtr_qasm_read_file("/nonexistent/dir/x.qasm", &c, &ctx), QTR_EIO);
    EXPECT_THAT(ctx.msg, HasSubstr("/nonexistent/dir/x.qasm: cannot open"));
    EXPECT_EQ(c, nullptr);
    // a directory opens but cannot be read
    EXPECT_EQ(qtr_qasm_read_file("/tmp", &c, &ctx), QTR_EIO);
    EXPECT_THAT(ctx.msg, HasSubstr("/tmp:"));

    // after an error, every later call returns the same error
    std::string text = H + "qreg q[1];\nx q[0];\nbad q[0];\nx q[0];\n";
    qtr_qasm_reader *r = nullptr;
    ASSERT_EQ(qtr_qasm_reader_open_mem(&r, text.data(), text.size(), "s.qasm", &ctx), QTR_OK);
    Circ circ(qtr_circuit_new(0));
    int eof = 0;
    EXPECT_EQ(qtr_qasm_reader_next(r, circ.c, 0, &eof, &ctx), QTR_EPARSE);
    EXPECT_THAT(ctx.msg, HasSubstr("s.qasm:5:1: unknown gate 'bad'"));
    ctx.msg[0] = '\0';
    EXPECT_EQ(qtr_qasm_reader_next(r, circ.c, 0, &eof, &ctx), QTR_EPARSE);
    EXPECT_THAT(ctx.msg, HasSubstr("s.qasm:5:1: unknown gate 'bad'"));
    EXPECT_EQ(eof, 0);
    qtr_qasm_reader_free(r);
}

TEST(QasmReadErrors, OutOfMemoryInTheCircuitIsReportedWithItsPlace)
{
    // make each allocation of the circuit fail in turn: the reader reports
    // QTR_ENOMEM at the statement, leaks nothing (checked under ASan and
    // valgrind), and the circuit stays consistent
    std::string text = H + "qreg q[3];\ncreg c[3];\ngate g(t) a,b { rz(t) a; cx a,b; }\n";
    for (int i = 0; i < 40; i++) text += "g(0.5) q[0],q[1];\nccx q[0],q[1],q[2];\n";
    text += "measure q -> c;\nif(c==1) x q[2];\n";
    int failed = 0, ok = 0;
    for (uint64_t k = 2; k < 60; k++) {
        qtr_ctx ctx;
        qtr_ctx_init(&ctx, 0);
        Circ c(qtr_circuit_new(k));
        ASSERT_NE(c.c, nullptr);
        qtr_qasm_reader *r = nullptr;
        ASSERT_EQ(qtr_qasm_reader_open_mem(&r, text.data(), text.size(), "t.qasm", &ctx), QTR_OK);
        int eof = 0;
        qtr_status st = qtr_qasm_reader_next(r, c.c, 0, &eof, &ctx);
        qtr_qasm_reader_free(r);
        if (st == QTR_OK) {
            ok++;
            EXPECT_EQ(c->ninst, 40u * 3 + 4);
            continue;
        }
        failed++;
        EXPECT_EQ(st, QTR_ENOMEM) << ctx.msg;
        EXPECT_THAT(ctx.msg, StartsWith("t.qasm:")) << k;
        EXPECT_EQ(qtr_circuit_check(c.c, &ctx), QTR_OK) << ctx.msg;
    }
    EXPECT_GT(failed, 5);
    EXPECT_GT(ok, 0);
}

// ======================================================================
// Streaming
// ======================================================================

TEST(QasmStream, MaxInstChunksAndClearOps)
{
    std::string text = H + "qreg q[3];\ncreg c[3];\n";
    for (int i = 0; i < 10000; i++) text += "rz(" + std::to_string(i) + ") q[" + std::to_string(i % 3) + "];\n";
    text += "h q;\nmeasure q -> c;\n";
    std::unique_ptr<Result> whole(read_text(text));
    ASSERT_EQ(whole->st, QTR_OK);

    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_qasm_reader *r = nullptr;
    ASSERT_EQ(qtr_qasm_reader_open_mem(&r, text.data(), text.size(), "s.qasm", &ctx), QTR_OK);
    Circ c(qtr_circuit_new(0));
    int eof = 0, calls = 0;
    size_t total = 0;
    std::string all;
    while (!eof) {
        ASSERT_EQ(qtr_qasm_reader_next(r, c.c, 1000, &eof, &ctx), QTR_OK) << ctx.msg;
        EXPECT_TRUE(c->ninst >= 1000 || eof);
        EXPECT_LT(c->ninst, 1000u + 3);   // at most one broadcast statement over
        total += c->ninst;
        all += listing(c.c);
        qtr_circuit_clear_ops(c.c);
        calls++;
    }
    EXPECT_EQ(total, 10006u);
    EXPECT_EQ(all, listing(whole->circ.c));
    EXPECT_GE(calls, 10);
    EXPECT_EQ(c->nqregs, 1u);
    // after the end: eof again, nothing appended
    ASSERT_EQ(qtr_qasm_reader_next(r, c.c, 1000, &eof, &ctx), QTR_OK);
    EXPECT_EQ(eof, 1);
    EXPECT_EQ(c->ninst, 0u);
    qtr_qasm_reader_free(r);
}

TEST(QasmStream, TokensStraddlingChunkBoundariesReadAsFromMemory)
{
    // Shift a program across the 64 KiB chunk boundary one byte at a time so
    // that every kind of token (identifiers, numbers with exponents, "->",
    // "==", strings, comments, UTF-8 in comments) lands on it.
    std::string body =
        "include \"qelib1.inc\";\nqreg longregistername[3];\ncreg cc[3];\n"
        "gate mygate(theta) a,b { rz(theta*2.5e-1) a; cx a,b; }\n"
        "// comment with \xe4\xb8\xad\xe6\x96\x87 and \xf0\x9f\x98\x80\n"
        "mygate(1.25e+2) longregistername[2],longregistername[0];\n"
        "measure longregistername[1] -> cc[1];\nif(cc==12345) x longregistername[0];\n"
        "u3(-0.000123456789,.5,3.) longregistername[1];\n";
    std::string path = temp_path("straddle");
    for (size_t pad = 0; pad < 200; pad++) {
        std::string head = "OPENQASM 2.0;\n//";
        size_t fill = 65536 - head.size() - 80 + pad;
        std::string text = head + std::string(fill, 'p') + "\n" + body;
        std::unique_ptr<Result> m(read_text(text));
        ASSERT_EQ(m->st, QTR_OK) << "pad " << pad << ": " << m->msg;
        write_file(path, text);
        qtr_ctx ctx;
        qtr_ctx_init(&ctx, 0);
        qtr_circuit *c = nullptr;
        ASSERT_EQ(qtr_qasm_read_file(path.c_str(), &c, &ctx), QTR_OK) << "pad " << pad << ": " << ctx.msg;
        EXPECT_TRUE(qtr_circuit_equal(c, m->circ.c)) << "pad " << pad;
        EXPECT_EQ(listing(c), listing(m->circ.c));
        qtr_circuit_free(c);
        // errors near the boundary report the same place
        std::string bad = text + "h longregistername[3];\n";
        std::unique_ptr<Result> mb(read_text(bad));
        write_file(path, bad);
        qtr_ctx_init(&ctx, 0);
        ASSERT_EQ(qtr_qasm_read_file(path.c_str(), &c, &ctx), QTR_EQUBIT);
        EXPECT_EQ(std::string(ctx.msg).substr(path.size()), mb->msg.substr(6)) << pad;
    }
    unlink(path.c_str());
}

// ======================================================================
// Writing
// ======================================================================

TEST(QasmWrite, LayoutOfTheOutput)
{
    std::unique_ptr<Result> r(read_text(H + "qreg q[2];\nqreg anc[1];\ncreg c[2];\n"
                                            "h q[0];\ncx q[0],anc[0];\nrz(0.5) q[1];\n"
                                            "barrier q,anc;\nmeasure q -> c;\nif(c==3) x anc[0];\n"));
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    char *buf = nullptr;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    qtr_qasm_writer *w = nullptr;
    ASSERT_EQ(qtr_qasm_writer_open_stream(&w, f, "mem", &ctx), QTR_OK);
    ASSERT_EQ(qtr_qasm_writer_comment(w, "made by a test\nsecond line", &ctx), QTR_OK);
    ASSERT_EQ(qtr_qasm_writer_write(w, r->circ.c, 0, &ctx), QTR_OK);
    ASSERT_EQ(qtr_qasm_writer_close(w, &ctx), QTR_OK);
    fclose(f);
    EXPECT_EQ(std::string(buf, len),
              "OPENQASM 2.0;\ninclude \"qelib1.inc\";\n// made by a test\n// second line\n"
              "qreg q[2];\nqreg anc[1];\ncreg c[2];\n"
              "h q[0];\ncx q[0],anc[0];\nrz(0.5) q[1];\nbarrier q[0],q[1],anc[0];\n"
              "measure q[0] -> c[0];\nmeasure q[1] -> c[1];\nif(c==3) x anc[0];\n");
    free(buf);
}

TEST(QasmWrite, DefinitionsOnceBeforeFirstUse)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    Circ c(qtr_circuit_new(0));
    ASSERT_EQ(qtr_circuit_add_qreg(c.c, "q", 3, &ctx), QTR_OK);
    uint32_t q01[] = {0, 1}, q12[] = {1, 2}, q012[] = {0, 1, 2};
    ASSERT_EQ(qtr_circuit_append(c.c, QTR_OP_H, q01, 1, nullptr, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append(c.c, QTR_OP_ECR, q01, 2, nullptr, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append(c.c, QTR_OP_ECR, q12, 2, nullptr, &ctx), QTR_OK);
    double t = 0.25;
    ASSERT_EQ(qtr_circuit_append(c.c, QTR_OP_RZX, q12, 2, &t, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append(c.c, QTR_OP_CCZ, q012, 3, nullptr, &ctx), QTR_OK);
    std::string s = write_mem(c.c);
    size_t rzx = s.find("gate rzx("), ecr = s.find("gate ecr "), use = s.find("ecr q[0],q[1];");
    ASSERT_NE(rzx, std::string::npos) << s;
    ASSERT_NE(ecr, std::string::npos) << s;
    EXPECT_LT(rzx, ecr);                     // dependency first
    EXPECT_LT(ecr, use);                     // before first use
    EXPECT_GT(ecr, s.find("h q[0];"));       // not before it is needed
    EXPECT_EQ(s.find("gate ecr ", ecr + 1), std::string::npos);   // once
    EXPECT_EQ(s.find("gate rzx(", rzx + 1), std::string::npos);
    EXPECT_NE(s.find("gate ccz "), std::string::npos);
    EXPECT_EQ(s.find("gate h "), std::string::npos);  // qelib1 gates are never defined
    std::unique_ptr<Result> r(read_text(s));
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    EXPECT_TRUE(qtr_circuit_equal(r->circ.c, c.c)) << s;
}

TEST(QasmWrite, ParametersRoundTripBitExact)
{
    std::vector<double> vals = {0.0, -0.0, 1.0, -1.0, 0.1, 1.0 / 3, kPi, -kPi / 2, 1e-300,
                                4.9406564584124654e-324, 2.2250738585072014e-308,
                                1.7976931348623157e308, -1.7976931348623157e308, 123456789.123456789,
                                6.02214076e23, 1e16, 1e15 + 0.5, 9007199254740993.0};
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 7);
    for (int i = 0; i < 2000; i++) {
        uint64_t bits = qtr_rng_next(&ctx);
        double d;
        memcpy(&d, &bits, sizeof d);
        if (std::isfinite(d)) vals.push_back(d);
        vals.push_back((qtr_rng_uniform(&ctx) - 0.5) * 4 * kPi);
    }
    Circ c(qtr_circuit_new(0));
    ASSERT_EQ(qtr_circuit_add_qreg(c.c, "q", 1, &ctx), QTR_OK);
    uint32_t q = 0;
    for (size_t i = 0; i + 2 < vals.size(); i += 3) {
        ASSERT_EQ(qtr_circuit_append(c.c, QTR_OP_U, &q, 1, &vals[i], &ctx), QTR_OK);
    }
    std::string s = write_mem(c.c);
    std::unique_ptr<Result> r(read_text(s));
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    ASSERT_TRUE(qtr_circuit_equal(r->circ.c, c.c));   // memcmp of the doubles
    // every number is spelled as a real, the sign of zero kept
    EXPECT_NE(s.find("u(0.0,-0.0,1.0)"), std::string::npos) << s.substr(0, 200);
    EXPECT_NE(s.find("(4.9406564584124654e-324,2.2250738585072014e-308,1.7976931348623157e+308)"),
              std::string::npos);
    EXPECT_NE(s.find(",123456789.12345679,6.0221407599999999e+23)"), std::string::npos);
    EXPECT_NE(s.find("(10000000000000000.0,1000000000000000.5,9007199254740992.0)"), std::string::npos);
}

TEST(QasmWrite, NonFiniteParametersAreRefused)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    for (double bad : {INFINITY, -INFINITY, NAN}) {
        Circ c(qtr_circuit_new(0));
        ASSERT_EQ(qtr_circuit_add_qreg(c.c, "q", 1, &ctx), QTR_OK);
        uint32_t q = 0;
        double p[3] = {0.5, bad, 0};
        ASSERT_EQ(qtr_circuit_append(c.c, QTR_OP_U3, &q, 1, p, &ctx), QTR_OK);
        char *out = nullptr;
        size_t len;
        EXPECT_EQ(qtr_qasm_write_mem(c.c, &out, &len, &ctx), QTR_EINVAL);
        EXPECT_THAT(ctx.msg, HasSubstr("instruction 0 (u3): parameter 2 is"));
        EXPECT_EQ(out, nullptr);
    }
}

TEST(QasmWrite, FallbackRegistersForUncoveredBits)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    // no registers at all
    Circ c(qtr_circuit_new(0));
    c->nqubits = 3;
    c->nclbits = 1;
    uint32_t ops[] = {2, 0};
    ASSERT_EQ(qtr_circuit_append(c.c, QTR_OP_CX, ops, 2, nullptr, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append(c.c, QTR_OP_MEASURE, ops, 2, nullptr, &ctx), QTR_OK);
    std::string s = write_mem(c.c);
    EXPECT_NE(s.find("qreg q[3];\ncreg c[1];\ncx q[2],q[0];\nmeasure q[2] -> c[0];\n"),
              std::string::npos) << s;
    std::unique_ptr<Result> r(read_text(s));
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    EXPECT_EQ(listing(r->circ.c), listing(c.c));

    // registers that cover only part, one of them already called "q"
    Circ d(qtr_circuit_new(0));
    ASSERT_EQ(qtr_circuit_add_qreg(d.c, "q", 2, &ctx), QTR_OK);
    d->nqubits = 4;
    uint32_t o2[] = {3, 1};
    ASSERT_EQ(qtr_circuit_append(d.c, QTR_OP_CZ, o2, 2, nullptr, &ctx), QTR_OK);
    s = write_mem(d.c);
    EXPECT_NE(s.find("qreg q[2];\nqreg q_1[2];\ncz q_1[1],q[1];\n"), std::string::npos) << s;
    std::unique_ptr<Result> r2(read_text(s));
    ASSERT_EQ(r2->st, QTR_OK) << r2->msg;
    EXPECT_EQ(listing(r2->circ.c), listing(d.c));
}

TEST(QasmWrite, UnusableRegisterNamesAreReplaced)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    Circ c(qtr_circuit_new(0));
    ASSERT_EQ(qtr_circuit_add_qreg(c.c, "my reg", 1, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_add_qreg(c.c, "cx", 1, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_add_qreg(c.c, "Anc", 1, &ctx), QTR_OK);    // Qiskit: no capitals
    ASSERT_EQ(qtr_circuit_add_qreg(c.c, "_x", 1, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_add_qreg(c.c, "ok_1", 1, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_add_creg(c.c, "measure", 1, &ctx), QTR_OK);
    uint32_t o[] = {0, 1};
    ASSERT_EQ(qtr_circuit_append(c.c, QTR_OP_CX, o, 2, nullptr, &ctx), QTR_OK);
    std::string s = write_mem(c.c);
    EXPECT_NE(s.find("qreg qreg0[1];\nqreg qreg1[1];\nqreg qreg2[1];\nqreg qreg3[1];\n"
                     "qreg ok_1[1];\ncreg creg0[1];\ncx qreg0[0],qreg1[0];"),
              std::string::npos) << s;
    std::unique_ptr<Result> r(read_text(s));
    EXPECT_EQ(r->st, QTR_OK) << r->msg;
}

// The writer keeps a ready spelling "name[i]" for bits whose spelling fits
// its 16-byte block; longer ones are spelled from the name. Names of every
// length across that boundary, in both versions, read back as written.
TEST(QasmWrite, RegisterNamesOfEveryLengthRoundTrip)
{
    for (int version = 2; version <= 3; version++)
        for (size_t len = 1; len <= 40; len++) {
            std::string name = "a" + std::string(len - 1, 'b');
            std::string text = version == 2 ? "OPENQASM 2.0;\ninclude \"qelib1.inc\";\n"
                                            : "OPENQASM 3.0;\ninclude \"stdgates.inc\";\n";
            text += "qreg " + name + "[12];\ncreg c" + name + "[12];\n";
            text += "cx " + name + "[0]," + name + "[11];\nbarrier " + name + ";\n";
            text += "measure " + name + "[3] -> c" + name + "[10];\n";
            std::unique_ptr<Result> r(read_text(text));
            ASSERT_EQ(r->st, QTR_OK) << r->msg;
            std::string out = version == 2 ? write_mem(r->circ.c) : qasm_test::write_text(r->circ.c, 3);
            EXPECT_NE(out.find(name + "[0]"), std::string::npos) << out;
            EXPECT_EQ(out.find('\0'), std::string::npos) << "length " << len;
            std::unique_ptr<Result> back(read_text(out));
            ASSERT_EQ(back->st, QTR_OK) << back->msg << "\n" << out;
            ASSERT_EQ(back->circ.c->ninst, r->circ.c->ninst);
            for (size_t i = 0; i < r->circ.c->ninst; i++)
                EXPECT_EQ(operands(back->circ.c, i), operands(r->circ.c, i)) << "length " << len << ", " << i;
        }
}

TEST(QasmWrite, CommentsAreSanitised)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    Circ c(qtr_circuit_new(0));
    ASSERT_EQ(qtr_circuit_add_qreg(c.c, "q", 1, &ctx), QTR_OK);
    char *buf = nullptr;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    qtr_qasm_writer *w = nullptr;
    ASSERT_EQ(qtr_qasm_writer_open_stream(&w, f, "mem", &ctx), QTR_OK);
    ASSERT_EQ(qtr_qasm_writer_comment(w, "bad \xff byte, \xc3\xa9\xe4\xb8\xad\tctrl \x01 end", &ctx),
              QTR_OK);
    ASSERT_EQ(qtr_qasm_writer_write(w, c.c, 0, &ctx), QTR_OK);
    ASSERT_EQ(qtr_qasm_writer_close(w, &ctx), QTR_OK);
    fclose(f);
    std::string s(buf, len);
    free(buf);
    EXPECT_NE(s.find("// bad ? byte, ??\tctrl ? end\n"), std::string::npos) << s;
    for (unsigned char ch : s) EXPECT_LT(ch, 0x80);   // Qiskit refuses any other byte
    std::unique_ptr<Result> r(read_text(s));
    EXPECT_EQ(r->st, QTR_OK) << r->msg;
}

TEST(QasmWrite, StreamingWriterAcrossCalls)
{
    // read in chunks, write each chunk, then compare with a whole read
    std::string text = H + "qreg q[2];\ncreg c[2];\n";
    for (int i = 0; i < 3000; i++) text += i % 2 ? "rzz(0.5) q[0],q[1];\n" : "h q[1];\n";
    text += "qreg late[1];\ncx q[0],late[0];\nmeasure q -> c;\n";
    std::unique_ptr<Result> whole(read_text(text));
    ASSERT_EQ(whole->st, QTR_OK) << whole->msg;
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_qasm_reader *r = nullptr;
    ASSERT_EQ(qtr_qasm_reader_open_mem(&r, text.data(), text.size(), "s", &ctx), QTR_OK);
    char *buf = nullptr;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    qtr_qasm_writer *w = nullptr;
    ASSERT_EQ(qtr_qasm_writer_open_stream(&w, f, "mem", &ctx), QTR_OK);
    Circ c(qtr_circuit_new(0));
    int eof = 0;
    while (!eof) {
        ASSERT_EQ(qtr_qasm_reader_next(r, c.c, 100, &eof, &ctx), QTR_OK) << ctx.msg;
        ASSERT_EQ(qtr_qasm_writer_write(w, c.c, 0, &ctx), QTR_OK) << ctx.msg;
        qtr_circuit_clear_ops(c.c);
    }
    ASSERT_EQ(qtr_qasm_writer_close(w, &ctx), QTR_OK);
    fclose(f);
    qtr_qasm_reader_free(r);
    std::string s(buf, len);
    free(buf);
    std::unique_ptr<Result> back(read_text(s));
    ASSERT_EQ(back->st, QTR_OK) << back->msg;
    EXPECT_TRUE(qtr_circuit_equal(back->circ.c, whole->circ.c));
}

TEST(QasmWrite, FilesAndWriteErrors)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    std::unique_ptr<Result> r(read_text(H + "qreg q[1];\nx q[0];\n"));
    std::string path = temp_path("out.qasm");
    ASSERT_EQ(qtr_qasm_write_file(r->circ.c, path.c_str(), &ctx), QTR_OK) << ctx.msg;
    qtr_circuit *c = nullptr;
    ASSERT_EQ(qtr_qasm_read_file(path.c_str(), &c, &ctx), QTR_OK) << ctx.msg;
    EXPECT_TRUE(qtr_circuit_equal(c, r->circ.c));
    qtr_circuit_free(c);
    unlink(path.c_str());
    EXPECT_EQ(qtr_qasm_write_file(r->circ.c, "/nonexistent/dir/out.qasm", &ctx), QTR_EIO);
    EXPECT_THAT(ctx.msg, HasSubstr("/nonexistent/dir/out.qasm: cannot open for writing"));
    // disk full
    FILE *full = fopen("/dev/full", "wb");
    if (full) {
        qtr_qasm_writer *w = nullptr;
        ASSERT_EQ(qtr_qasm_writer_open_stream(&w, full, "/dev/full", &ctx), QTR_OK);
        EXPECT_EQ(qtr_qasm_writer_write(w, r->circ.c, 0, &ctx), QTR_OK);   // buffered
        EXPECT_EQ(qtr_qasm_writer_close(w, &ctx), QTR_EIO);
        EXPECT_THAT(ctx.msg, HasSubstr("/dev/full: write error"));
        fclose(full);
    }
}

// ======================================================================
// Round trips over all table gates
// ======================================================================

TEST(QasmRoundTrip, RandomCircuitsOverAllTableGates)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    for (uint64_t seed = 0; seed < 40; seed++) {
        qtr_circuit *raw = nullptr;
        ASSERT_EQ(qtr_random_circuit(6, 300, nullptr, 0, seed, &raw, &ctx), QTR_OK) << ctx.msg;
        Circ c(raw);
        // classical parts: a register, measurements, conditions, resets, barriers
        ASSERT_EQ(qtr_circuit_add_creg(c.c, "m", 3, &ctx), QTR_OK);
        ASSERT_EQ(qtr_circuit_add_creg(c.c, "flag", 2, &ctx), QTR_OK);
        uint32_t mq[] = {(uint32_t)(seed % 6), (uint32_t)(seed % 5)};
        ASSERT_EQ(qtr_circuit_append(c.c, QTR_OP_MEASURE, mq, 2, nullptr, &ctx), QTR_OK);
        uint32_t all[] = {0, 1, 2, 3, 4, 5};
        ASSERT_EQ(qtr_circuit_append(c.c, QTR_OP_BARRIER, all, 6, nullptr, &ctx), QTR_OK);
        double p[4] = {0.1 * seed, -1e-17, 3e200, -0.0};
        ASSERT_EQ(qtr_circuit_append_cond(c.c, QTR_OP_CU, all, 2, p, 1, seed * 977, &ctx), QTR_OK);
        ASSERT_EQ(qtr_circuit_append_cond(c.c, QTR_OP_C4X, all, 5, nullptr, 0, 7, &ctx), QTR_OK);
        ASSERT_EQ(qtr_circuit_append(c.c, QTR_OP_RESET, all + 3, 1, nullptr, &ctx), QTR_OK);
        std::string s = write_mem(c.c);
        std::unique_ptr<Result> r(read_text(s));
        ASSERT_EQ(r->st, QTR_OK) << "seed " << seed << ": " << r->msg;
        EXPECT_TRUE(qtr_circuit_equal(r->circ.c, c.c)) << "seed " << seed;
        // and the text is stable: writing the copy gives the same text
        EXPECT_EQ(write_mem(r->circ.c), s);
    }
}

TEST(QasmRoundTrip, EveryTableGateAtLeastOnce)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 3);
    Circ c(qtr_circuit_new(0));
    ASSERT_EQ(qtr_circuit_add_qreg(c.c, "q", 5, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_add_creg(c.c, "c", 5, &ctx), QTR_OK);
    int n = 0;
    for (int op = QTR_OP_NOP + 1; op < QTR_OP_COUNT; op++) {
        if (op == QTR_OP_OPAQUE) continue;   // needs a table entry: OpaqueGatesApplied
        const qtr_gate_info *g = qtr_gate((qtr_op)op);
        uint32_t q[5] = {4, 2, 0, 1, 3};
        double p[4] = {0.3, -1.2, 2.5, 0.7};
        uint32_t nq = op == QTR_OP_MEASURE ? 2 : g->nqubits ? g->nqubits : 3;
        ASSERT_EQ(qtr_circuit_append(c.c, (qtr_op)op, q, nq, p, &ctx), QTR_OK) << g->name;
        n++;
    }
    std::string s = write_mem(c.c);
    std::unique_ptr<Result> r(read_text(s));
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    EXPECT_TRUE(qtr_circuit_equal(r->circ.c, c.c)) << s;
    EXPECT_EQ(r->circ->ninst, (size_t)n);
}

// ======================================================================
// Built-in definitions against the table's matrices
// ======================================================================

namespace {

// Circuit with one table gate on qubits 0..n-1.
qtr_circuit *single(qtr_op op, const double *p)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_circuit *c = qtr_circuit_new(0);
    uint32_t n = qtr_gate(op)->nqubits;
    qtr_circuit_add_qreg(c, "q", n, &ctx);
    uint32_t q[5] = {0, 1, 2, 3, 4};
    EXPECT_EQ(qtr_circuit_append(c, op, q, n, p, &ctx), QTR_OK);
    return c;
}

// Replace every gate that has a definition by that definition until only the
// primitives u and cx are left.
qtr_circuit *expand_to_primitives(const qtr_circuit *in)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_circuit *cur = nullptr;
    EXPECT_EQ(qtr_circuit_clone(in, &cur, &ctx), QTR_OK);
    for (int round = 0; round < 10; round++) {
        qtr_circuit *next = qtr_circuit_new(0);
        qtr_circuit_add_qreg(next, "q", cur->nqubits, &ctx);
        int changed = 0;
        for (size_t i = 0; i < cur->ninst; i++) {
            const qtr_inst *x = &cur->inst[i];
            const uint32_t *q = qtr_inst_operands(cur, x);
            const double *p = qtr_inst_params(cur, x);
            qtr_status st = qtr_qasm_gate_definition((qtr_op)x->op, p, q, next, &ctx);
            if (st == QTR_EUNSUPPORTED) {
                EXPECT_TRUE(x->op == QTR_OP_U || x->op == QTR_OP_CX) << qtr_gate((qtr_op)x->op)->name;
                EXPECT_EQ(qtr_circuit_append(next, (qtr_op)x->op, q, x->nargs, p, &ctx), QTR_OK);
            } else {
                EXPECT_EQ(st, QTR_OK) << ctx.msg;
                changed = 1;
            }
        }
        qtr_circuit_free(cur);
        cur = next;
        if (!changed) break;
    }
    return cur;
}

}  // namespace

TEST(QasmDefinitions, EveryDefinitionMatchesTheTableMatrix)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 11);
    size_t n;
    const qtr_qasm_libgate *lib = qtr_qasm_libgates(&n);
    int checked = 0;
    for (size_t i = 0; i < n; i++) {
        if (lib[i].primitive || !strcmp(lib[i].name, "u0")) continue;
        qtr_op op = (qtr_op)lib[i].op;
        for (int trial = 0; trial < 5; trial++) {
            double p[4];
            for (double &x : p) x = (qtr_rng_uniform(&ctx) - 0.5) * 4 * kPi;
            Circ want(single(op, p));
            // one level: the definition as written
            Circ got(qtr_circuit_new(0));
            qtr_circuit_add_qreg(got.c, "q", want->nqubits, &ctx);
            uint32_t q[5] = {0, 1, 2, 3, 4};
            ASSERT_EQ(qtr_qasm_gate_definition(op, p, q, got.c, &ctx), QTR_OK) << lib[i].name << ctx.msg;
            EXPECT_GT(got->ninst, 0u);
            EXPECT_EQ(qtr_sim_equivalent(want.c, got.c, nullptr, nullptr, 1e-9, &ctx), QTR_OK)
                << lib[i].name << ": " << ctx.msg;
            // all the way down to U and CX
            Circ flat(expand_to_primitives(got.c));
            for (size_t k = 0; k < flat->ninst; k++)
                EXPECT_TRUE(flat->inst[k].op == QTR_OP_U || flat->inst[k].op == QTR_OP_CX);
            EXPECT_EQ(qtr_sim_equivalent(want.c, flat.c, nullptr, nullptr, 1e-9, &ctx), QTR_OK)
                << lib[i].name << " (flattened): " << ctx.msg;
        }
        checked++;
    }
    EXPECT_EQ(checked, 39 + 11);   // qelib1 less u, cx, u0; and the writer's gates
    // gates with a table entry but no definition
    uint32_t q[2] = {0, 1};
    Circ c(qtr_circuit_new(0));
    qtr_circuit_add_qreg(c.c, "q", 2, &ctx);
    EXPECT_EQ(qtr_qasm_gate_definition(QTR_OP_CX, nullptr, q, c.c, &ctx), QTR_EUNSUPPORTED);
    EXPECT_THAT(ctx.msg, HasSubstr("'cx' is a primitive"));
    EXPECT_EQ(qtr_qasm_gate_definition(QTR_OP_MEASURE, nullptr, q, c.c, &ctx), QTR_EUNSUPPORTED);
    EXPECT_EQ(qtr_qasm_gate_definition(QTR_OP_BARRIER, nullptr, q, c.c, &ctx), QTR_EUNSUPPORTED);
}

TEST(QasmDefinitions, EveryUnitaryTableGateHasADefinitionOrIsPrimitive)
{
    for (int op = QTR_OP_NOP + 1; op < QTR_OP_COUNT; op++) {
        const qtr_gate_info *g = qtr_gate((qtr_op)op);
        if (g->props & (QTR_GP_DIRECTIVE | QTR_GP_NONUNITARY)) continue;
        const qtr_qasm_libgate *lg = qtr_qasm_libgate_for((qtr_op)op);
        ASSERT_NE(lg, nullptr) << g->name;
        EXPECT_STREQ(lg->name, g->name);
        EXPECT_EQ(lg->nqubits, g->nqubits) << g->name;
        EXPECT_EQ(lg->nparams, g->nparams) << g->name;
        EXPECT_EQ(lg->qelib1 != 0, (g->props & QTR_GP_QELIB1) != 0) << g->name;
    }
}

TEST(QasmDefinitions, Qelib1TextReadAsUserGatesGivesTheTableUnitaries)
{
    // Without the include, the same text defines ordinary gates that the
    // reader inlines down to U and CX: each must equal the table gate.
    char *lib = qtr_qasm_qelib1_text();
    ASSERT_NE(lib, nullptr);
    std::string defs(lib);
    free(lib);
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 5);
    size_t n;
    const qtr_qasm_libgate *g = qtr_qasm_libgates(&n);
    for (size_t i = 0; i < n; i++) {
        if (!g[i].qelib1) continue;
        double p[4];
        for (double &x : p) x = (qtr_rng_uniform(&ctx) - 0.5) * 4 * kPi;
        char pbuf[128] = "";
        if (g[i].nparams) {
            std::string ps = "(";
            for (unsigned k = 0; k < g[i].nparams; k++) {
                char b[40];
                snprintf(b, sizeof b, "%s%.17g", k ? "," : "", p[k]);
                ps += b;
            }
            snprintf(pbuf, sizeof pbuf, "%s)", ps.c_str());
        }
        std::string prog = "OPENQASM 2.0;\n" + defs + "qreg q[" + std::to_string(g[i].nqubits) +
                           "];\n" + g[i].name + pbuf;
        for (unsigned k = 0; k < g[i].nqubits; k++) prog += std::string(k ? "," : " ") + "q[" + std::to_string(k) + "]";
        prog += ";\n";
        std::unique_ptr<Result> r(read_text(prog));
        ASSERT_EQ(r->st, QTR_OK) << g[i].name << ": " << r->msg;
        // the original 23 are inlined; Qiskit's additions, whose bodies here
        // are the built-in gate's unitary, map onto the table gate
        static const std::set<std::string> original = {
            "u3", "u2", "u1", "cx", "id", "x", "y", "z", "h", "s", "sdg", "t", "tdg",
            "rx", "ry", "rz", "cz", "cy", "ch", "ccx", "crz", "cu1", "cu3"};
        bool mapped = !original.count(g[i].name) && g[i].op != QTR_OP_ID;   // u0 -> id
        for (size_t k = 0; k < r->circ->ninst; k++) {
            int op = r->circ->inst[k].op;
            if (mapped)
                ASSERT_EQ(op, g[i].op) << g[i].name;
            else
                ASSERT_TRUE(op == QTR_OP_U || op == QTR_OP_CX) << g[i].name;
        }
        Circ want(single((qtr_op)g[i].op, p));
        EXPECT_EQ(qtr_sim_equivalent(want.c, r->circ.c, nullptr, nullptr, 1e-9, &ctx), QTR_OK)
            << g[i].name << ": " << ctx.msg;
    }
}

// ======================================================================
// Fixtures from the Feynman benchmark suite (tests/data, BSD-3)
// ======================================================================

TEST(QasmFixtures, FeynmanCircuitsRead)
{
    struct Fix {
        const char *file;
        size_t ninst;
        uint32_t nq, nc;
    } fixes[] = {
        {"adder.qasm", 35, 10, 5},     // gate definitions (majority, unmaj), broadcast x b
        {"qec.qasm", 14, 5, 5},        // gate, barrier, if, measure broadcast
        {"teleport.qasm", 11, 3, 3},   // if, empty gate body, u3
        {"tof_3.qasm", 15, 5, 0},
    };
    for (const Fix &f : fixes) {
        qtr_ctx ctx;
        qtr_ctx_init(&ctx, 0);
        qtr_circuit *c = nullptr;
        std::string path = std::string(QTR_TEST_DATA) + "/" + f.file;
        ASSERT_EQ(qtr_qasm_read_file(path.c_str(), &c, &ctx), QTR_OK) << ctx.msg;
        Circ h(c);
        EXPECT_EQ(c->ninst, f.ninst) << f.file;
        EXPECT_EQ(c->nqubits, f.nq) << f.file;
        EXPECT_EQ(c->nclbits, f.nc) << f.file;
        std::unique_ptr<Result> back(read_text(write_mem(c)));
        ASSERT_EQ(back->st, QTR_OK) << back->msg;
        EXPECT_TRUE(qtr_circuit_equal(back->circ.c, c)) << f.file;
    }
}

TEST(QasmFixtures, AdderComputesOnePlusFifteen)
{
    // adder.qasm adds a = 0001 to b = 1111: inline majority/unmaj and
    // simulate the unitary part; the sum 10000 must be certain.
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_circuit *c = nullptr;
    ASSERT_EQ(qtr_qasm_read_file(QTR_TEST_DATA "/adder.qasm", &c, &ctx), QTR_OK) << ctx.msg;
    Circ h(c);
    // drop the final measurements
    while (c->ninst && c->inst[c->ninst - 1].op == QTR_OP_MEASURE) c->ninst--;
    double *s = nullptr;
    ASSERT_EQ(qtr_sim_statevector(c, &s, &ctx), QTR_OK) << ctx.msg;
    // qubits: cin 0, a 1..4, b 5..8, cout 9; expect b = 0000, cout = 1, a = 0001
    size_t idx = (1u << 1) | (1u << 9);
    EXPECT_NEAR(s[2 * idx] * s[2 * idx] + s[2 * idx + 1] * s[2 * idx + 1], 1.0, 1e-12);
    free(s);
}

// ======================================================================
// Random mutations never crash, leak or leave a bad circuit
// ======================================================================

TEST(QasmFuzz, MutatedProgramsFailCleanly)
{
    const std::string seeds[] = {
        H + "qreg q[3];\ncreg c[3];\ngate g(a,b) x,y { rz(a*2+sin(b)) x; cx x,y; }\n"
            "g(pi/2,-0.5e-3) q[0],q[2];\nh q;\ncx q[0],q[1];\nbarrier q;\nmeasure q -> c;\n"
            "if(c==3) u3(1,2,3) q[1];\nopaque o q;\nreset q[2];\n",
        H + "gate rzx(param0) q0,q1 { h q1; cx q0,q1; rz(param0) q1; cx q0,q1; h q1; }\n"
            "qreg a[2];\nqreg b[2];\nrzx(0.25) a[0],b[1];\ncswap a[0],a[1],b[0];\n// c\xc3\xa9\n",
    };
    const char inserts[] = "()[]{};,->=+-*/^\"\x80\xff\n 0123456789.eE_aqxzpi";
    qtr_ctx rng;
    qtr_ctx_init(&rng, 2024);
    int ok = 0, bad = 0;
    for (int i = 0; i < 2000; i++) {
        std::string s = seeds[i % 2];
        int nmut = 1 + (int)(qtr_rng_next(&rng) % 4);
        for (int k = 0; k < nmut && !s.empty(); k++) {
            size_t pos = qtr_rng_next(&rng) % s.size();
            switch (qtr_rng_next(&rng) % 4) {
            case 0: s.erase(pos, 1 + qtr_rng_next(&rng) % 5); break;
            case 1: s.insert(pos, 1, inserts[qtr_rng_next(&rng) % (sizeof inserts - 1)]); break;
            case 2: s[pos] = (char)(qtr_rng_next(&rng) & 0xFF); break;
            default: s.insert(pos, s.substr(qtr_rng_next(&rng) % s.size(), 8)); break;
            }
        }
        std::unique_ptr<Result> r(read_text(s));
        if (r->st == QTR_OK) {
            ok++;
            qtr_ctx ctx;
            qtr_ctx_init(&ctx, 0);
            EXPECT_EQ(qtr_circuit_check(r->circ.c, &ctx), QTR_OK) << ctx.msg;
            // what was read can be written and read back identically
            std::unique_ptr<Result> back(read_text(write_mem(r->circ.c)));
            EXPECT_EQ(back->st, QTR_OK) << back->msg;
            EXPECT_TRUE(qtr_circuit_equal(back->circ.c, r->circ.c));
        } else {
            bad++;
            EXPECT_THAT(r->msg, StartsWith("t.qasm:")) << s;
            EXPECT_NE(r->st, QTR_ENOMEM);
        }
    }
    EXPECT_GT(ok, 10);
    EXPECT_GT(bad, 500);
}

// ---- OpenQASM 2 as Qiskit's loader reads it ---------------------------------

TEST(QasmQiskitForms, NonStrictFormsAreAcceptedAndStrictRefusesEach)
{
    struct Case {
        const char *relaxed, *plain, *where, *what;
    } cases[] = {
        // no version line (and an empty program)
        {"qreg q[1];\nU(0,0,0) q[0];\n", "OPENQASM 2.0;\nqreg q[1];\nU(0,0,0) q[0];\n", "1:1",
         "expected 'OPENQASM 2.0;'"},
        // bare barrier: every qubit declared so far
        {"OPENQASM 2.0;\nqreg a[2];\nqreg b[1];\nbarrier;\nqreg c[1];\n",
         "OPENQASM 2.0;\nqreg a[2];\nqreg b[1];\nbarrier a,b;\nqreg c[1];\n", "4:1",
         "'barrier' without operands"},
        // trailing commas: operands, parameters, function arguments, formals
        {"OPENQASM 2.0;\nqreg q[2];\nCX q[0], q[1],;\n", "OPENQASM 2.0;\nqreg q[2];\nCX q[0], q[1];\n",
         "3:14", "a trailing ','"},
        {"OPENQASM 2.0;\nqreg q[2];\nCX q[0],q[1],;\n", "OPENQASM 2.0;\nqreg q[2];\nCX q[0],q[1];\n",
         "3:", "a trailing ','"},
        {"OPENQASM 2.0;\nqreg q[1];\nU(0.5, 0.25, 0.125,) q[0];\n",
         "OPENQASM 2.0;\nqreg q[1];\nU(0.5, 0.25, 0.125) q[0];\n", "3:19", "a trailing ','"},
        {"OPENQASM 2.0;\nqreg q[1];\nU(sin(pi,), 0, 0) q[0];\n",
         "OPENQASM 2.0;\nqreg q[1];\nU(sin(pi), 0, 0) q[0];\n", "3:9", "a trailing ','"},
        {"OPENQASM 2.0;\ngate g(p0, p1,) a, b, { U(p0, p1, 0,) a; CX a, b,; }\nqreg q[2];\n"
         "g(1, 2) q[0], q[1];\n",
         "OPENQASM 2.0;\ngate g(p0, p1) a, b { U(p0, p1, 0) a; CX a, b; }\nqreg q[2];\n"
         "g(1, 2) q[0], q[1];\n", "2:14", "a trailing ','"},
        {"OPENQASM 2.0;\nqreg q[2];\nbarrier q[0], q[1],;\n",
         "OPENQASM 2.0;\nqreg q[2];\nbarrier q[0], q[1];\n", "3:", "a trailing ','"},
        // empty statements, and the ';' after a gate body
        {"OPENQASM 2.0;\nqreg q[1];\n;\ngate g a { U(0,0,0) a; };\n;;g q[0];\n",
         "OPENQASM 2.0;\nqreg q[1];\ngate g a { U(0,0,0) a; }\ng q[0];\n", "3:1",
         "an empty statement ';'"},
        // registers of no bits: operations on them do nothing
        {"OPENQASM 2.0;\nqreg e[0];\nqreg q[1];\nbarrier e;\nU(0,0,0) e;\nU(0,0,0) q;\n",
         "OPENQASM 2.0;\nqreg q[1];\nU(0,0,0) q;\n", "2:8", "a register of no bits"},
        // single-quoted include names
        {"OPENQASM 2.0;\ninclude 'qelib1.inc';\nqreg q[1];\nh q[0];\n", H.c_str(), "2:9",
         "a file name in single quotes"},
    };
    for (const Case &k : cases) {
        std::string plain = k.plain;
        if (plain == H) plain = H + "qreg q[1];\nh q[0];\n";
        std::unique_ptr<Result> want(read_text(plain));
        ASSERT_EQ(want->st, QTR_OK) << want->msg;
        std::unique_ptr<Result> got(read_text(k.relaxed));
        ASSERT_EQ(got->st, QTR_OK) << got->msg << "\n" << k.relaxed;
        EXPECT_EQ(listing(got->circ.c), listing(want->circ.c)) << k.relaxed;
        std::unique_ptr<Result> strict(read_strict(k.relaxed));
        EXPECT_EQ(strict->st, QTR_EPARSE) << k.relaxed;
        EXPECT_THAT(strict->msg, StartsWith(std::string("t.qasm:") + k.where)) << k.relaxed;
        EXPECT_THAT(strict->msg, HasSubstr(k.what)) << k.relaxed;
        std::unique_ptr<Result> strict_plain(read_strict(plain));
        EXPECT_EQ(strict_plain->st, QTR_OK) << strict_plain->msg;
    }
    // an empty program is an empty circuit, except in strict mode
    std::unique_ptr<Result> empty(read_text("// nothing\n"));
    ASSERT_EQ(empty->st, QTR_OK) << empty->msg;
    EXPECT_EQ(empty->circ->ninst, 0u);
    std::unique_ptr<Result> strict_empty(read_strict(""));
    EXPECT_EQ(strict_empty->st, QTR_EPARSE);
    EXPECT_THAT(strict_empty->msg, HasSubstr("empty file"));
    // a bare barrier inside a gate body holds all its qubits, a repeated one once
    std::unique_ptr<Result> body(read_text("qreg q[3];\ngate g a, b { barrier; barrier a, a; }\n"
                                           "g q[2], q[0];\n"));
    ASSERT_EQ(body->st, QTR_OK) << body->msg;
    EXPECT_EQ(listing(body->circ.c), "barrier 2,0;barrier 2;");
}

TEST(QasmQiskitForms, OwnDefinitionsOfQiskitsExtraNames)
{
    // equivalent bodies map onto the table gate (up to global phase: this
    // p is u1's definition, Qiskit's cu is cu3 with a phase)
    std::unique_ptr<Result> r(read_text(
        H + "gate cry(theta) a,b { ry(theta/2) b; cx a,b; ry(-theta/2) b; cx a,b; }\n"
            "gate sx a { sdg a; h a; sdg a; }\n"
            "gate swap a,b { cx a,b; cx b,a; cx a,b; }\n"
            "gate rzz(theta) a,b { cx a,b; u1(theta) b; cx a,b; }\n"
            "qreg q[2];\ncry(0.5) q[0],q[1];\nsx q[1];\nswap q[0],q[1];\nrzz(0.25) q[1],q[0];\n"));
    ASSERT_EQ(r->st, QTR_OK) << r->msg;
    EXPECT_EQ(listing(r->circ.c), "cry(0.5) 0,1;sx 1;swap 0,1;rzz(0.25) 1,0;");
    // a body that is not the built-in gate is the program's own gate
    std::unique_ptr<Result> own(read_text(
        H + "gate cry(theta) a,b { ry(theta) b; cx a,b; }\n"
            "gate sx a { x a; }\n"
            "qreg q[2];\ncry(0.5) q[0],q[1];\nsx q[1];\n"));
    ASSERT_EQ(own->st, QTR_OK) << own->msg;
    EXPECT_EQ(listing(own->circ.c), "ry(0.5) 1;cx 0,1;x 1;");
    // defined before the include: the include keeps the program's gate
    std::unique_ptr<Result> before(read_text(
        "OPENQASM 2.0;\ngate swap a,b { CX a,b; }\ninclude \"qelib1.inc\";\nqreg q[2];\n"
        "swap q[0],q[1];\n"));
    ASSERT_EQ(before->st, QTR_OK) << before->msg;
    EXPECT_EQ(listing(before->circ.c), "cx 0,1;");
    // a gate defined before the redefinition keeps the built-in it called
    std::unique_ptr<Result> order(read_text(
        H + "gate g a { sx a; }\ngate sx a { x a; }\nqreg q[1];\ng q[0];\nsx q[0];\n"));
    ASSERT_EQ(order->st, QTR_OK) << order->msg;
    EXPECT_EQ(listing(order->circ.c), "sx 0;x 0;");
    // the 23 gates of the original qelib1.inc stay reserved once included,
    // and a name is defined once
    expect_error(H + "gate cu3(a,b,c) x,y { }\n", QTR_EPARSE, "3:6",
                 "redefines the built-in gate 'cu3'");
    expect_error(H + "gate sx a { x a; }\ngate sx a { x a; }\n", QTR_EPARSE, "4:6",
                 "duplicate declaration of 'sx' (first declared at 3:6)");
}

TEST(QasmQiskitForms, IncludeFilesRelativeToTheIncludingFile)
{
    std::string dir = temp_path("incdir");
    ASSERT_EQ(system(("rm -rf " + dir + " && mkdir -p " + dir + "/sub").c_str()), 0);
    write_file(dir + "/sub/gates.inc", "gate bell a, b { h a; cx a, b; }\ninclude \"more.inc\";\n");
    write_file(dir + "/sub/more.inc", "OPENQASM 2.0;\ncreg c[2];\n");
    write_file(dir + "/main.qasm", H + "include \"sub/gates.inc\";\nqreg q[2];\nbell q[0],q[1];\n"
                                       "measure q -> c;\n");
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_circuit *c = nullptr;
    ASSERT_EQ(qtr_qasm_read_file((dir + "/main.qasm").c_str(), &c, &ctx), QTR_OK) << ctx.msg;
    EXPECT_EQ(listing(c), "h 0;cx 0,1;measure 0->0;measure 1->1;");
    qtr_circuit_free(c);

    // a missing file, with the place of the include
    write_file(dir + "/missing.qasm", H + "qreg q[1];\ninclude \"nowhere.inc\";\n");
    EXPECT_EQ(qtr_qasm_read_file((dir + "/missing.qasm").c_str(), &c, &ctx), QTR_EIO);
    EXPECT_THAT(ctx.msg, StartsWith(dir + "/missing.qasm:4:9: cannot include \"nowhere.inc\""));
    EXPECT_THAT(ctx.msg, HasSubstr("No such file"));
    // a cycle, reported in the file that closes it
    write_file(dir + "/a.inc", "include \"b.inc\";\n");
    write_file(dir + "/b.inc", "qreg r[1];\ninclude \"a.inc\";\n");
    write_file(dir + "/cycle.qasm", H + "include \"a.inc\";\n");
    EXPECT_EQ(qtr_qasm_read_file((dir + "/cycle.qasm").c_str(), &c, &ctx), QTR_EPARSE);
    EXPECT_THAT(ctx.msg, StartsWith(dir + "/b.inc:2:9: include \"a.inc\" forms a cycle"));
    // a file including itself
    write_file(dir + "/self.qasm", H + "include \"self.qasm\";\n");
    EXPECT_EQ(qtr_qasm_read_file((dir + "/self.qasm").c_str(), &c, &ctx), QTR_EPARSE);
    EXPECT_THAT(ctx.msg, HasSubstr("forms a cycle"));
    // an error inside an included file names that file
    write_file(dir + "/bad.inc", "qreg q[1];\nh q[5];\n");
    write_file(dir + "/usebad.qasm", H + "include \"bad.inc\";\n");
    EXPECT_EQ(qtr_qasm_read_file((dir + "/usebad.qasm").c_str(), &c, &ctx), QTR_EQUBIT);
    EXPECT_THAT(ctx.msg, StartsWith(dir + "/bad.inc:2:5: "));
    // the depth limit: a chain of 40 files
    for (int i = 0; i < 40; i++)
        write_file(dir + "/d" + std::to_string(i) + ".inc",
                   "include \"d" + std::to_string(i + 1) + ".inc\";\n");
    write_file(dir + "/d40.inc", "qreg q[1];\n");
    write_file(dir + "/deep.qasm", H + "include \"d0.inc\";\n");
    EXPECT_EQ(qtr_qasm_read_file((dir + "/deep.qasm").c_str(), &c, &ctx), QTR_ELIMIT);
    EXPECT_THAT(ctx.msg, HasSubstr("includes nested more than 32 deep"));
    ASSERT_EQ(system(("rm -rf " + dir).c_str()), 0);
}
