// qasm_test.h -- what the OpenQASM tests (test_qasm*.cc, test_sim_cond.cc)
// share: owning handles for a context, a circuit and a target; reading a
// program from a string (display name "t.qasm"); a one-line listing of a
// circuit's records; the expectation of a read error with its message and
// place; writing a circuit back. Header only: each test binary links the
// library alone.
#ifndef QTR_TEST_QASM_TEST_H
#define QTR_TEST_QASM_TEST_H

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "qtr.h"
#include "qtr_io.h"

namespace qasm_test {

struct Ctx : qtr_ctx {
    Ctx() { qtr_ctx_init(this, 0); }
    std::string text() const { return qtr_ctx_message(this); }
};

struct Circ {
    qtr_circuit *c = nullptr;
    Circ() = default;
    explicit Circ(qtr_circuit *x) : c(x) {}
    ~Circ() { qtr_circuit_free(c); }
    Circ(const Circ &) = delete;
    Circ &operator=(const Circ &) = delete;
    qtr_circuit *operator->() const { return c; }
};

struct TargetHandle {
    qtr_target *t = nullptr;
    TargetHandle() = default;
    TargetHandle(const TargetHandle &) = delete;
    TargetHandle &operator=(const TargetHandle &) = delete;
    ~TargetHandle() { qtr_target_free(t); }
};

// A read: its status, message and circuit (NULL on failure).
struct Result {
    qtr_status st;
    std::string msg;
    Circ circ;
};

// Read @p text whole as a program named "t.qasm": the way `convert` reads a
// file (qtr_qasm_read_mem; physical qubits merged into one register).
inline std::unique_ptr<Result> read_whole(const std::string &text)
{
    std::unique_ptr<Result> r(new Result);
    Ctx ctx;
    qtr_circuit *c = nullptr;
    r->st = qtr_qasm_read_mem(text.data(), text.size(), "t.qasm", &c, &ctx);
    r->msg = ctx.msg;
    r->circ.c = c;
    return r;
}

// Read @p text through the streaming reader in one chunk, in strict mode
// when @p strict.
inline std::unique_ptr<Result> read_stream(const std::string &text, bool strict)
{
    std::unique_ptr<Result> r(new Result);
    Ctx ctx;
    qtr_qasm_reader *rd = nullptr;
    r->st = qtr_qasm_reader_open_mem(&rd, text.data(), text.size(), "t.qasm", &ctx);
    if (!r->st) {
        qtr_qasm_reader_set_strict(rd, strict);
        qtr_circuit *c = qtr_circuit_new(0);
        int eof = 0;
        r->st = qtr_qasm_reader_next(rd, c, 0, &eof, &ctx);
        if (r->st) qtr_circuit_free(c);
        else r->circ.c = c;
    }
    qtr_qasm_reader_free(rd);
    r->msg = ctx.msg;
    return r;
}

// Expect @p r (of @p text) to have failed with @p st, a message starting
// with "t.qasm:WHERE: " and containing @p reason.
inline void expect_failed(const Result &r, const std::string &text, qtr_status st,
                          const std::string &where, const std::string &reason)
{
    EXPECT_EQ(r.st, st) << r.msg << "\n--- program:\n" << text.substr(0, 400);
    EXPECT_THAT(r.msg, ::testing::StartsWith("t.qasm:" + where + ": ")) << text.substr(0, 400);
    EXPECT_THAT(r.msg, ::testing::HasSubstr(reason));
    EXPECT_EQ(r.circ.c, nullptr);
}

// One line per instruction: "name(p,..) a,b;" / "measure q->c;" with a
// condition first: "if(creg==value) " (up to 64 bits), "if(bit k==v) ",
// or a wider value in hex "if(creg==1ffffffff...) "; an opaque gate as
// "opaque:name(p) q;". Parameters with @p digits significant digits.
inline std::string listing(const qtr_circuit *c, int digits = 10)
{
    std::string s;
    char buf[64];
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        uint32_t creg;
        uint64_t val;
        qtr_cond k;
        if (qtr_inst_condition(c, in, &creg, &val) == 1) {
            snprintf(buf, sizeof buf, "if(%u==%llu) ", creg, (unsigned long long)val);
            s += buf;
        } else if (qtr_inst_cond(c, in, &k)) {
            snprintf(buf, sizeof buf, "if(%s%u==", k.on_bit ? "bit " : "", k.index);
            s += buf;
            for (uint32_t w = k.nwords; w-- > 0;) {
                snprintf(buf, sizeof buf, w + 1 == k.nwords ? "%x" : "%08x", k.words[w]);
                s += buf;
            }
            s += ") ";
        }
        const qtr_gate_info *g = qtr_gate((qtr_op)in->op);
        const double *p = qtr_inst_params(c, in);
        unsigned np = g->nparams;
        if (in->op == QTR_OP_OPAQUE) {
            const qtr_opaque *o = qtr_inst_opaque(c, in, &p);
            s += std::string("opaque:") + o->name;
            np = o->nparams;
        } else {
            s += g->name;
        }
        if (np) {
            s += "(";
            for (unsigned j = 0; j < np; j++) {
                snprintf(buf, sizeof buf, "%s%.*g", j ? "," : "", digits, p[j]);
                s += buf;
            }
            s += ")";
        }
        const uint32_t *q = qtr_inst_operands(c, in);
        for (uint32_t j = 0; j < in->nargs; j++) {
            if (in->op == QTR_OP_MEASURE && j == 1)
                snprintf(buf, sizeof buf, "->%u", q[j]);
            else
                snprintf(buf, sizeof buf, "%s%u", j ? "," : " ", q[j]);
            s += buf;
        }
        s += ";";
    }
    return s;
}

// @p c written as OpenQASM @p version (2 or 3) with writer @p flags.
inline std::string write_text(const qtr_circuit *c, int version = 2, unsigned flags = 0)
{
    Ctx ctx;
    char *out = nullptr;
    size_t len = 0;
    EXPECT_EQ(qtr_qasm_write_mem_format(c, version, flags, &out, &len, &ctx), QTR_OK) << ctx.msg;
    std::string s(out ? out : "", out ? len : 0);
    free(out);
    return s;
}

}  // namespace qasm_test

#endif
