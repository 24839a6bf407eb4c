// test_params.cc -- symbolic parameters (src/expr.c, src/bind.c): Qiskit's
// parameter order, expression building, simplification, parsing, printing,
// evaluation, collection, and binding checked by simulation.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "qtr.h"
#include "qtr_io.h"
#include "sim.h"

#define QTR_TEST_PI 3.14159265358979323846

namespace {

struct Ctx {
    qtr_ctx c;
    Ctx() { qtr_ctx_init(&c, 0); }
    qtr_ctx *operator&() { return &c; }
    std::string msg() const { return c.msg; }
};

struct Circuit {
    qtr_circuit *c;
    explicit Circuit(uint32_t nq = 1) : c(qtr_circuit_new(0))
    {
        Ctx ctx;
        if (nq) {
            EXPECT_EQ(qtr_circuit_add_qreg(c, "q", nq, &ctx), QTR_OK);
        }
    }
    ~Circuit() { qtr_circuit_free(c); }
    qtr_circuit *operator->() { return c; }
};

std::string text(const qtr_circuit *c, double a)
{
    char buf[512];
    size_t n = qtr_expr_print(c, a, buf, sizeof buf);
    EXPECT_LT(n, sizeof buf);
    return buf;
}

double param(qtr_circuit *c, const char *name)
{
    Ctx ctx;
    double a = 0;
    EXPECT_EQ(qtr_circuit_param(c, name, &a, &ctx), QTR_OK) << ctx.msg();
    return a;
}

double parse(qtr_circuit *c, const char *s)
{
    Ctx ctx;
    double a = 0;
    EXPECT_EQ(qtr_expr_parse(c, s, strlen(s), &a, &ctx), QTR_OK) << s << ": " << ctx.msg();
    return a;
}

std::vector<std::string> names(const qtr_circuit *c)
{
    return std::vector<std::string>(c->pnames, c->pnames + c->npnames);
}

TEST(Params, QiskitOrder)
{
    Circuit c;
    // bytewise by base name; vector elements by index; a plain name first
    for (const char *n : {"theta2", "v[10]", "theta10", "v[2]", "v", "beta", "theta1", "v[0]"})
        param(c.c, n);
    param(c.c, "v[2]");   // declared again: no new parameter
    std::vector<std::string> want = {"beta", "theta1", "theta10", "theta2", "v", "v[0]", "v[2]",
                                     "v[10]"};
    EXPECT_EQ(names(c.c), want);
    EXPECT_LT(qtr_param_name_cmp("a", "a[0]"), 0);
    EXPECT_LT(qtr_param_name_cmp("a[9]", "a[10]"), 0);
    EXPECT_LT(qtr_param_name_cmp("a10", "a9"), 0);
}

TEST(Params, DeclaringRenumbersButAnglesStay)
{
    Circuit c;
    double z = param(c.c, "z");
    double e = parse(c.c, "2*z + 1");
    param(c.c, "a");   // sorts before z: z's index moves
    double v[2] = {100, 3};   // a = 100, z = 3
    EXPECT_DOUBLE_EQ(qtr_expr_eval(c.c, z, v), 3);
    EXPECT_DOUBLE_EQ(qtr_expr_eval(c.c, e, v), 7);
}

TEST(Params, ConstantsFoldAndSumsSimplify)
{
    Circuit c;
    double t = param(c.c, "theta"), p = param(c.c, "phi");
    Ctx ctx;
    double r;
    ASSERT_EQ(qtr_expr_binary(c.c, QTR_EX_ADD, 1.5, 2.0, &r, &ctx), QTR_OK);
    EXPECT_FALSE(qtr_angle_is_sym(r));
    EXPECT_EQ(r, 3.5);
    // theta + pi - pi is theta; theta + (-theta) is the number 0
    double s = parse(c.c, "theta + pi - pi");
    EXPECT_EQ(text(c.c, s), "theta");
    double neg;
    ASSERT_EQ(qtr_expr_unary(c.c, QTR_EX_NEG, t, &neg, &ctx), QTR_OK);
    ASSERT_EQ(qtr_expr_binary(c.c, QTR_EX_ADD, t, neg, &r, &ctx), QTR_OK);
    EXPECT_FALSE(qtr_angle_is_sym(r));
    EXPECT_EQ(r, 0.0);
    // coefficients collect across nesting, parameters in order
    double e = parse(c.c, "(phi + theta)/2 + (theta - phi)/2 + 1");
    EXPECT_EQ(text(c.c, e), "theta + 1");
    e = parse(c.c, "2*phi - 3*theta");
    EXPECT_EQ(text(c.c, e), "2*phi - 3*theta");
    // an opaque subterm cancels with itself
    double sn = parse(c.c, "sin(theta)");
    double k[2] = {1, -1}, x[2] = {sn, sn};
    ASSERT_EQ(qtr_expr_affine(c.c, 0.25, k, x, 2, &r, &ctx), QTR_OK);
    EXPECT_EQ(r, 0.25);
    // products of two symbols stay products
    e = parse(c.c, "theta*phi");
    EXPECT_TRUE(qtr_angle_is_sym(e));
    EXPECT_EQ(text(c.c, e), "theta*phi");
    (void)p;
}

TEST(Params, ParsePrintRoundTrip)
{
    Circuit c;
    param(c.c, "a");
    param(c.c, "b");
    param(c.c, "w[3]");
    const char *exprs[] = {
        "a", "-a", "a*b", "a/b - 3", "sin(a) + cos(b)*2", "tan(a/4)", "arcsin(a/10)",
        "arccos(b/10)", "arctan(a) - b", "exp(a/3)", "ln(a + 20)", "sqrt(b*b + 1)",
        "-(a*b)", "(a + b)*(a - b)", "w[3] + pi", "1e-3*a", "a/(b - 30)", "-sin(-a)",
        "2*(a + b)/3", "π*a",
    };
    double v[3] = {0.7, -1.3, 0.25};
    for (const char *s : exprs) {
        double e = parse(c.c, s);
        std::string printed = text(c.c, e);
        double back = parse(c.c, printed.c_str());
        EXPECT_EQ(text(c.c, back), printed) << s;
        double x = qtr_expr_eval(c.c, e, v), y = qtr_expr_eval(c.c, back, v);
        EXPECT_NEAR(x, y, 1e-12 * (1 + std::fabs(x))) << s << " printed " << printed;
    }
    // direct evaluation against C
    EXPECT_NEAR(qtr_expr_eval(c.c, parse(c.c, "sin(a) + cos(b)*2"), v), std::sin(0.7) + 2 * std::cos(-1.3), 1e-15);
    EXPECT_NEAR(qtr_expr_eval(c.c, parse(c.c, "sqrt(b*b + 1)"), v), std::sqrt(1.3 * 1.3 + 1), 1e-15);
}

TEST(Params, ParseErrorsSayWhere)
{
    Circuit c;
    param(c.c, "a");
    Ctx ctx;
    double r;
    size_t before = c->nexpr;
    EXPECT_EQ(qtr_expr_parse(c.c, "a + zz", 6, &r, &ctx), QTR_EPARSE);
    EXPECT_NE(ctx.msg().find("column 5"), std::string::npos) << ctx.msg();
    EXPECT_NE(ctx.msg().find("zz"), std::string::npos) << ctx.msg();
    EXPECT_EQ(c->nexpr, before);
    EXPECT_EQ(qtr_expr_parse(c.c, "a * (2", 6, &r, &ctx), QTR_EPARSE);
    EXPECT_EQ(qtr_expr_parse(c.c, "foo(a)", 6, &r, &ctx), QTR_EPARSE);
    EXPECT_EQ(qtr_expr_parse(c.c, "a 3", 3, &r, &ctx), QTR_EPARSE);
    EXPECT_EQ(qtr_expr_parse(c.c, "a / 0", 5, &r, &ctx), QTR_EPARSE);
    EXPECT_EQ(qtr_expr_parse(c.c, "", 0, &r, &ctx), QTR_EPARSE);
    std::string deep(5000, '(');
    deep += "a" + std::string(5000, ')');
    EXPECT_EQ(qtr_expr_parse(c.c, deep.c_str(), deep.size(), &r, &ctx), QTR_ELIMIT);
}

TEST(Params, ValuesFromText)
{
    Circuit c;
    param(c.c, "gamma[1]");
    param(c.c, "beta");
    param(c.c, "gamma[0]");
    Ctx ctx;
    double v[3];
    const char *ok = " gamma[0]=0.5, beta = -pi/4 ,gamma[1]=2*pi/3";
    ASSERT_EQ(qtr_values_parse(c.c, ok, strlen(ok), v, &ctx), QTR_OK) << ctx.msg();
    EXPECT_DOUBLE_EQ(v[0], -QTR_TEST_PI / 4);   // beta
    EXPECT_DOUBLE_EQ(v[1], 0.5);                // gamma[0]
    EXPECT_DOUBLE_EQ(v[2], 2 * QTR_TEST_PI / 3); // gamma[1]
    struct { const char *text, *want; } bad[] = {
        {"beta=1,gamma[0]=2", "'gamma[1]' has no value"},
        {"beta=1,beta=2,gamma[0]=1,gamma[1]=1", "given twice"},
        {"beta=1,delta=2", "'delta' is not a parameter"},
        {"beta=x,gamma[0]=1,gamma[1]=1", "value of 'beta'"},
        {"beta,gamma[0]=1,gamma[1]=1", "expected NAME=VALUE"},
        {"beta=1/0,gamma[0]=1,gamma[1]=1", "value of 'beta'"},
    };
    for (const auto &b : bad) {
        EXPECT_EQ(qtr_values_parse(c.c, b.text, strlen(b.text), v, &ctx), QTR_EPARSE) << b.text;
        EXPECT_NE(ctx.msg().find(b.want), std::string::npos) << b.text << ": " << ctx.msg();
    }
    Circuit none;
    EXPECT_EQ(qtr_values_parse(none.c, "", 0, v, &ctx), QTR_OK);
    EXPECT_EQ(qtr_values_parse(none.c, "a=1", 3, v, &ctx), QTR_EPARSE);
    EXPECT_NE(ctx.msg().find("no parameters"), std::string::npos) << ctx.msg();
}

// ---- random templates ---------------------------------------------------

struct Template {
    qtr_circuit *c;       // symbolic
    std::vector<std::string> angles;   // per gate param, its expression text
};

// A random expression over the circuit's parameters, of a few shapes.
double random_angle(qtr_circuit *c, qtr_ctx *rng)
{
    static const char *const shapes[] = {
        "%s", "-%s", "%s + 0.5", "2*%s", "%s/3 - 1", "%s + %s", "%s - %s", "sin(%s)",
        "cos(%s) + %s", "%s*%s", "exp(%s/4)", "exp(%s/5)*cos(%s)", "arctan(%s) + pi",
    };
    uint64_t r = qtr_rng_next(rng);
    if (r % 3 == 0) return 4 * (qtr_rng_uniform(rng) - 0.5);   // a number
    const char *shape = shapes[(r >> 8) % (sizeof shapes / sizeof *shapes)];
    const char *a = c->pnames[(r >> 16) % c->npnames], *b = c->pnames[(r >> 24) % c->npnames];
    char buf[128];
    snprintf(buf, sizeof buf, shape, a, b, a);
    return parse(c, buf);
}

qtr_circuit *random_template(uint32_t nq, size_t ngates, unsigned nparams, uint64_t seed)
{
    static const qtr_op ops[] = {QTR_OP_RX, QTR_OP_RY, QTR_OP_RZ, QTR_OP_P, QTR_OP_U, QTR_OP_U2,
                                 QTR_OP_CX, QTR_OP_CZ, QTR_OP_H, QTR_OP_CRX, QTR_OP_CP,
                                 QTR_OP_RZZ, QTR_OP_RXX, QTR_OP_SX, QTR_OP_CU};
    qtr_circuit *c = qtr_circuit_new(0);
    Ctx ctx, rng;
    qtr_ctx_init(&rng.c, seed);
    EXPECT_EQ(qtr_circuit_add_qreg(c, "q", nq, &ctx), QTR_OK);
    for (unsigned k = 0; k < nparams; k++) param(c, ("t" + std::to_string(k)).c_str());
    for (size_t g = 0; g < ngates; g++) {
        qtr_op op = ops[qtr_rng_next(&rng.c) % (sizeof ops / sizeof *ops)];
        const qtr_gate_info *gi = qtr_gate(op);
        if (gi->nqubits > nq) continue;
        uint32_t q[2];
        q[0] = (uint32_t)(qtr_rng_next(&rng.c) % nq);
        do q[1] = (uint32_t)(qtr_rng_next(&rng.c) % nq); while (gi->nqubits == 2 && q[1] == q[0]);
        double p[4];
        for (unsigned k = 0; k < gi->nparams; k++) p[k] = random_angle(c, &rng.c);
        EXPECT_EQ(qtr_circuit_append(c, op, q, gi->nqubits, p, &ctx), QTR_OK) << ctx.msg();
    }
    return c;
}

// The template with values put in by hand: each angle evaluated on its own.
qtr_circuit *bind_by_hand(const qtr_circuit *t, const double *v)
{
    qtr_circuit *c = qtr_circuit_new(0);
    Ctx ctx;
    EXPECT_EQ(qtr_circuit_add_qreg(c, "q", t->nqubits, &ctx), QTR_OK);
    for (size_t i = 0; i < t->ninst; i++) {
        const qtr_inst *in = &t->inst[i];
        const qtr_gate_info *gi = qtr_gate((qtr_op)in->op);
        double p[4];
        const double *tp = qtr_inst_params(t, in);
        for (unsigned k = 0; k < gi->nparams; k++) p[k] = qtr_expr_eval(t, tp[k], v);
        EXPECT_EQ(qtr_circuit_append(c, (qtr_op)in->op, qtr_inst_operands(t, in), in->nargs, p,
                                     &ctx), QTR_OK);
    }
    c->global_phase = t->global_phase + qtr_expr_eval(t, t->sym_phase, v);
    return c;
}

TEST(Params, BindMatchesEvaluationBySimulation)
{
    for (uint64_t seed = 1; seed <= 6; seed++) {
        qtr_circuit *t = random_template(4, 60, 3 + (unsigned)seed % 3, seed);
        ASSERT_TRUE(qtr_circuit_is_symbolic(t));
        Ctx ctx, rng;
        ASSERT_EQ(qtr_circuit_check(t, &ctx), QTR_OK) << ctx.msg();
        qtr_ctx_init(&rng.c, seed * 77);
        qtr_circuit *bound = nullptr;
        for (int row = 0; row < 5; row++) {
            std::vector<double> v(t->npnames);
            for (double &x : v) x = 6 * (qtr_rng_uniform(&rng.c) - 0.5);
            // one output circuit reused across rows
            ASSERT_EQ(qtr_circuit_bind(t, v.data(), v.size(), &bound, &ctx), QTR_OK) << ctx.msg();
            EXPECT_FALSE(qtr_circuit_is_symbolic(bound));
            EXPECT_EQ(bound->npnames, 0u);
            EXPECT_EQ(qtr_circuit_check(bound, &ctx), QTR_OK) << ctx.msg();
            qtr_circuit *hand = bind_by_hand(t, v.data());
            EXPECT_EQ(qtr_sim_compare(hand, bound, nullptr, nullptr, 1e-9, QTR_SIM_EXACT_PHASE, &ctx),
                      QTR_OK) << "seed " << seed << " row " << row << ": " << ctx.msg();
            qtr_circuit_free(hand);
        }
        qtr_circuit_free(bound);
        qtr_circuit_free(t);
    }
}

TEST(Params, BindKeepsRecordsAndEvaluatesSharedNodesOnce)
{
    Circuit c(2);
    double t = param(c.c, "t");
    double e = parse(c.c, "2*t + 1");
    Ctx ctx;
    uint32_t q[2] = {0, 1};
    for (int i = 0; i < 100; i++) {
        ASSERT_EQ(qtr_circuit_append(c.c, QTR_OP_RZ, q + (i & 1), 1, &e, &ctx), QTR_OK);
        ASSERT_EQ(qtr_circuit_append(c.c, QTR_OP_CX, q, 2, nullptr, &ctx), QTR_OK);
    }
    size_t nodes = c->nexpr;
    double v = 0.5;
    qtr_circuit *b = nullptr;
    ASSERT_EQ(qtr_circuit_bind(c.c, &v, 1, &b, &ctx), QTR_OK) << ctx.msg();
    EXPECT_EQ(c->nexpr, nodes);   // the template is not changed
    ASSERT_EQ(b->ninst, c->ninst);
    EXPECT_EQ(0, memcmp(b->inst, c->inst, c->ninst * sizeof *c->inst));
    for (size_t i = 0; i < b->ninst; i += 2) EXPECT_EQ(qtr_inst_params(b, &b->inst[i])[0], 2.0);
    (void)t;
    qtr_circuit_free(b);
}

TEST(Params, BindErrors)
{
    Circuit c(1);
    param(c.c, "a");
    double e = parse(c.c, "ln(a)");
    Ctx ctx;
    uint32_t q = 0;
    ASSERT_EQ(qtr_circuit_append(c.c, QTR_OP_RZ, &q, 1, &e, &ctx), QTR_OK);
    qtr_circuit *b = nullptr;
    double v[2] = {-1, 0};
    EXPECT_EQ(qtr_circuit_bind(c.c, v, 2, &b, &ctx), QTR_EINVAL);
    EXPECT_NE(ctx.msg().find("2 values for 1 parameters"), std::string::npos) << ctx.msg();
    EXPECT_EQ(qtr_circuit_bind(c.c, v, 1, &b, &ctx), QTR_EINVAL);
    EXPECT_NE(ctx.msg().find("ln(a)"), std::string::npos) << ctx.msg();
    EXPECT_EQ(b, nullptr);
    v[0] = NAN;
    EXPECT_EQ(qtr_circuit_bind(c.c, v, 1, &b, &ctx), QTR_EINVAL);
    v[0] = 2;
    ASSERT_EQ(qtr_circuit_bind(c.c, v, 1, &b, &ctx), QTR_OK);
    EXPECT_DOUBLE_EQ(qtr_inst_params(b, &b->inst[0])[0], std::log(2.0));
    qtr_circuit_free(b);
}

TEST(Params, SymbolicPhaseIsBound)
{
    Circuit c(1);
    double a = param(c.c, "a");
    c->sym_phase = a;
    c->global_phase = 0.25;
    Ctx ctx;
    double v = 1.0;
    qtr_circuit *b = nullptr;
    ASSERT_EQ(qtr_circuit_bind(c.c, &v, 1, &b, &ctx), QTR_OK);
    EXPECT_DOUBLE_EQ(b->global_phase, 1.25);
    EXPECT_EQ(b->sym_phase, 0.0);
    qtr_circuit_free(b);
}

TEST(Params, CloneCollectCheck)
{
    qtr_circuit *t = random_template(3, 40, 3, 9);
    Ctx ctx;
    // garbage: nodes nothing refers to
    for (int i = 0; i < 50; i++) parse(t, "t0*t1 + sin(t2)");
    qtr_circuit *copy = nullptr;
    ASSERT_EQ(qtr_circuit_clone(t, &copy, &ctx), QTR_OK);
    EXPECT_TRUE(qtr_circuit_equal(t, copy));
    size_t before = t->nexpr;
    ASSERT_EQ(qtr_expr_collect(t, &ctx), QTR_OK);
    EXPECT_LT(t->nexpr, before);
    EXPECT_EQ(qtr_circuit_check(t, &ctx), QTR_OK) << ctx.msg();
    EXPECT_TRUE(qtr_circuit_equal(t, copy));   // same expressions by text
    double v[3] = {0.1, 0.2, 0.3};
    qtr_circuit *b1 = nullptr, *b2 = nullptr;
    ASSERT_EQ(qtr_circuit_bind(t, v, 3, &b1, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_bind(copy, v, 3, &b2, &ctx), QTR_OK);
    EXPECT_TRUE(qtr_circuit_equal(b1, b2));
    // a reference past the pool is caught
    for (size_t j = 0; j < t->nparams; j++)
        if (qtr_angle_is_sym(t->params[j])) {
            t->params[j] = qtr_angle_of_node((uint32_t)t->nexpr + 5);
            break;
        }
    EXPECT_EQ(qtr_circuit_check(t, &ctx), QTR_EINVAL);
    qtr_circuit_free(b1);
    qtr_circuit_free(b2);
    qtr_circuit_free(copy);
    qtr_circuit_free(t);
}

TEST(Params, WritersAndSimulatorRefuseUnbound)
{
    Circuit c(1);
    double a = param(c.c, "alpha");
    Ctx ctx;
    uint32_t q = 0;
    ASSERT_EQ(qtr_circuit_append(c.c, QTR_OP_RX, &q, 1, &a, &ctx), QTR_OK);
    char *out = nullptr;
    size_t len = 0;
    EXPECT_EQ(qtr_qasm_write_mem(c.c, &out, &len, &ctx), QTR_EUNSUPPORTED);
    EXPECT_NE(ctx.msg().find("unbound parameters"), std::string::npos) << ctx.msg();
    free(out);
    double *sv = nullptr;
    EXPECT_EQ(qtr_sim_statevector(c.c, &sv, &ctx), QTR_EINVAL);
    free(sv);
    // declared but unused parameters do not stop the writer
    Circuit d(1);
    param(d.c, "beta");
    const double half = 0.5;
    ASSERT_EQ(qtr_circuit_append(d.c, QTR_OP_RX, &q, 1, &half, &ctx), QTR_OK);
    out = nullptr;
    EXPECT_EQ(qtr_qasm_write_mem(d.c, &out, &len, &ctx), QTR_OK) << ctx.msg();
    free(out);
}

// ---- transpiling templates ---------------------------------------------------

// Rows per template: QTR_PARAMS_ROWS in the environment (the long
// form is 100), else a few so make check stays fast.
int rows_per_template()
{
    const char *e = getenv("QTR_PARAMS_ROWS");
    int n = e ? atoi(e) : 0;
    return n > 0 ? n : 3;
}

// Templates per (level, target): QTR_PARAMS_TEMPLATES, else 4.
int templates_per_case()
{
    const char *e = getenv("QTR_PARAMS_TEMPLATES");
    int n = e ? atoi(e) : 0;
    return n > 0 ? n : 4;
}

void check_transpiled_template(const char *target, int level, uint64_t seed, int rows)
{
    Ctx ctx;
    qtr_target *t = nullptr;
    ASSERT_EQ(qtr_target_load(target, &t, &ctx), QTR_OK) << ctx.msg();
    uint32_t nq = 3 + (uint32_t)(seed % 8);   // 3..10 qubits, within the target
    if (nq > t->nqubits) nq = t->nqubits;
    unsigned np = 3 + (unsigned)(seed % 3);
    qtr_circuit *in = random_template(nq, 12 * nq, np, seed);
    qtr_circuit *out = nullptr;
    ASSERT_EQ(qtr_circuit_clone(in, &out, &ctx), QTR_OK);
    qtr_options o;
    qtr_options_default(&o);
    o.opt_level = level;
    o.seed = seed;
    qtr_result r;
    ASSERT_EQ(qtr_transpile(out, t, &o, &r, &ctx), QTR_OK)
        << target << " level " << level << " seed " << seed << ": " << ctx.msg();
    EXPECT_EQ(qtr_target_check_circuit(t, out, &ctx), QTR_OK) << ctx.msg();
    EXPECT_EQ(qtr_circuit_check(out, &ctx), QTR_OK) << ctx.msg();
    // every input parameter, in the input's order
    EXPECT_EQ(names(out), names(in));
    Ctx rng;
    qtr_ctx_init(&rng.c, seed * 1000 + 7);
    qtr_circuit *bin = nullptr, *bout = nullptr;
    for (int row = 0; row < rows; row++) {
        std::vector<double> v(in->npnames);
        for (double &x : v) x = 2 * QTR_TEST_PI * (qtr_rng_uniform(&rng.c) - 0.5);
        ASSERT_EQ(qtr_circuit_bind(in, v.data(), v.size(), &bin, &ctx), QTR_OK) << ctx.msg();
        ASSERT_EQ(qtr_circuit_bind(out, v.data(), v.size(), &bout, &ctx), QTR_OK) << ctx.msg();
        EXPECT_EQ(qtr_target_check_circuit(t, bout, &ctx), QTR_OK) << ctx.msg();
        ASSERT_EQ(qtr_sim_compare(bin, bout, r.initial_layout, r.output_permutation, 1e-6,
                                  QTR_SIM_EXACT_PHASE, &ctx), QTR_OK)
            << target << " level " << level << " seed " << seed << " row " << row << ": "
            << ctx.msg();
    }
    qtr_circuit_free(bin);
    qtr_circuit_free(bout);
    qtr_result_free(&r);
    qtr_circuit_free(out);
    qtr_circuit_free(in);
    qtr_target_free(t);
}

TEST(ParamsTranspile, BoundTemplateEqualsBoundInput)
{
    int rows = rows_per_template(), n = templates_per_case();
    for (const char *target : {"heavy-hex:3", "grid:3x3"})
        for (int level = 0; level <= 3; level++)
            for (int k = 0; k < n; k++) {
                check_transpiled_template(target, level, 100 * (uint64_t)level + (uint64_t)k + 1, rows);
                if (HasFatalFailure()) return;
            }
}

TEST(ParamsTranspile, TranslationGivesGenericForms)
{
    Ctx ctx;
    qtr_target *t = nullptr;
    ASSERT_EQ(qtr_target_load("line:2", &t, &ctx), QTR_OK) << ctx.msg();
    Circuit c(1);
    double th = param(c.c, "theta");
    uint32_t q = 0;
    ASSERT_EQ(qtr_circuit_append(c.c, QTR_OP_RX, &q, 1, &th, &ctx), QTR_OK);
    qtr_options o;
    qtr_options_default(&o);
    o.opt_level = 1;
    ASSERT_EQ(qtr_transpile(c.c, t, &o, nullptr, &ctx), QTR_OK) << ctx.msg();
    // rx(θ) -> rz·sx·rz(θ + π)·sx·rz (the outer angles numbers)
    std::string got;
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        got += qtr_gate((qtr_op)in->op)->name;
        double a = qtr_gate((qtr_op)in->op)->nparams ? qtr_inst_params(c.c, in)[0] : 0;
        if (qtr_angle_is_sym(a)) got += "(" + text(c.c, a) + ")";
        got += " ";
    }
    EXPECT_EQ(got, "rz sx rz(theta + pi) sx rz ");
    qtr_target_free(t);
}

TEST(ParamsTranspile, MergesAndCancelsSymbolically)
{
    Ctx ctx;
    qtr_target *t = nullptr;
    ASSERT_EQ(qtr_target_load("line:2", &t, &ctx), QTR_OK) << ctx.msg();
    Circuit c(2);
    double a = param(c.c, "a"), b = param(c.c, "b"), na = parse(c.c, "-a");
    uint32_t q[2] = {0, 1};
    // rz(a)·rz(b) on q0 -> rz(a + b); rz(a)·rz(-a) on q1 -> nothing; b stays declared
    ASSERT_EQ(qtr_circuit_append(c.c, QTR_OP_RZ, q, 1, &a, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append(c.c, QTR_OP_RZ, q, 1, &b, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append(c.c, QTR_OP_RZ, q + 1, 1, &a, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append(c.c, QTR_OP_RZ, q + 1, 1, &na, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append(c.c, QTR_OP_CX, q, 2, nullptr, &ctx), QTR_OK);
    qtr_options o;
    qtr_options_default(&o);
    o.opt_level = 1;
    ASSERT_EQ(qtr_transpile(c.c, t, &o, nullptr, &ctx), QTR_OK) << ctx.msg();
    ASSERT_EQ(c->ninst, 2u);
    EXPECT_EQ(c->inst[0].op, QTR_OP_RZ);
    EXPECT_EQ(text(c.c, qtr_inst_params(c.c, &c->inst[0])[0]), "a + b");
    EXPECT_EQ(c->inst[1].op, QTR_OP_CX);
    EXPECT_EQ(names(c.c), (std::vector<std::string>{"a", "b"}));
    qtr_target_free(t);
}

TEST(ParamsTranspile, CommutationMergesAcrossControls)
{
    Ctx ctx;
    qtr_target *t = nullptr;
    ASSERT_EQ(qtr_target_load("line:2", &t, &ctx), QTR_OK) << ctx.msg();
    Circuit c(2);
    double th = param(c.c, "theta"), nth = parse(c.c, "-theta"), half = 0.5;
    uint32_t q[2] = {0, 1};
    // rz(0.5) q0; cz; rz(theta) q0  ->  rz(theta + 0.5) q0 (Z rotations pass cz)
    // p(theta) q1; cz; rz(-theta) q1 ->  nothing, phase theta/2
    ASSERT_EQ(qtr_circuit_append(c.c, QTR_OP_RZ, q, 1, &half, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append(c.c, QTR_OP_P, q + 1, 1, &th, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append(c.c, QTR_OP_CZ, q, 2, nullptr, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append(c.c, QTR_OP_RZ, q, 1, &th, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append(c.c, QTR_OP_RZ, q + 1, 1, &nth, &ctx), QTR_OK);
    qtr_circuit *in = nullptr;
    ASSERT_EQ(qtr_circuit_clone(c.c, &in, &ctx), QTR_OK);
    ASSERT_EQ(qtr_target_set_basis(t, "cz,rz,sx,x", &ctx), QTR_OK) << ctx.msg();
    qtr_options o;
    qtr_options_default(&o);
    o.opt_level = 2;
    qtr_result r;
    ASSERT_EQ(qtr_transpile(c.c, t, &o, &r, &ctx), QTR_OK) << ctx.msg();
    size_t nrz = 0;
    for (size_t i = 0; i < c->ninst; i++) nrz += c->inst[i].op == QTR_OP_RZ;
    EXPECT_EQ(nrz, 1u);
    EXPECT_EQ(c->ninst, 2u);
    for (double v : {0.3, -2.0}) {
        qtr_circuit *bi = nullptr, *bo = nullptr;
        ASSERT_EQ(qtr_circuit_bind(in, &v, 1, &bi, &ctx), QTR_OK);
        ASSERT_EQ(qtr_circuit_bind(c.c, &v, 1, &bo, &ctx), QTR_OK);
        EXPECT_EQ(qtr_sim_compare(bi, bo, r.initial_layout, r.output_permutation, 1e-9,
                                  QTR_SIM_EXACT_PHASE, &ctx), QTR_OK) << ctx.msg();
        qtr_circuit_free(bi);
        qtr_circuit_free(bo);
    }
    qtr_result_free(&r);
    qtr_circuit_free(in);
    qtr_target_free(t);
}

}  // namespace
