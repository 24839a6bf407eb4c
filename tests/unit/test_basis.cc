// test_basis.cc -- basis translation (src/equiv_rules.c, src/pass_basis.c),
// the 3+q unroller (src/pass_unroll.c) and the direction pass
// (src/pass_direction.c). Every equivalence rule and every translation is
// checked by simulation against the gate matrices, global phase included.
#include <set>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <complex>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include "basis_internal.h"
}
#include "pass.h"
#include "qtr.h"
#include "random_circuit.h"
#include "sim.h"

namespace {

const double kPi = 3.14159265358979323846;
const double kTol = 1e-7;

bool unitary_op(unsigned op)
{
    return op != QTR_OP_NOP &&
           !(qtr_gate((qtr_op)op)->props & (QTR_GP_DIRECTIVE | QTR_GP_NONUNITARY));
}

// A target that is just a basis (no edges), built by hand so these tests do
// not depend on the target loader.
struct Basis {
    std::string list;
    qtr_target t;
    explicit Basis(const char *l) : list(l)
    {
        memset(&t, 0, sizeof t);
        t.name = const_cast<char *>(list.c_str());
        std::string s(l);
        size_t a = 0;
        while (a <= s.size()) {
            size_t b = s.find(',', a);
            if (b == std::string::npos) b = s.size();
            int op = qtr_gate_lookup(s.c_str() + a, b - a);
            EXPECT_GE(op, 0) << s.substr(a, b - a);
            if (op >= 0) t.basis[op] = 1;
            a = b + 1;
        }
    }
    Basis(const Basis &) = delete;
    Basis &operator=(const Basis &) = delete;
    ~Basis() { qtr_target_drop_plans(&t); }   // the plans the passes kept in t
};

const char *const kBases[] = {
    "cx,rz,sx,x", "cz,rz,sx,x", "ecr,rz,sx,x", "cx,u", "cx,u1,u2,u3", "cx,rx,ry,rz", "cz,rx,rz",
    "iswap,rz,sx,x", "cx,rx,ry", "cx,p,sx",
};

struct CircuitPtr {
    qtr_circuit *c = nullptr;
    CircuitPtr() = default;
    explicit CircuitPtr(qtr_circuit *x) : c(x) {}
    ~CircuitPtr() { qtr_circuit_free(c); }
    CircuitPtr(const CircuitPtr &) = delete;
    CircuitPtr &operator=(const CircuitPtr &) = delete;
    qtr_circuit *operator->() const { return c; }
    operator qtr_circuit *() const { return c; }
};

qtr_circuit *new_circuit(uint32_t nq)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 1);
    qtr_circuit *c = qtr_circuit_new(0);
    EXPECT_EQ(qtr_circuit_add_qreg(c, "q", nq, &ctx), QTR_OK);
    return c;
}

qtr_circuit *clone(const qtr_circuit *c)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 1);
    qtr_circuit *d = nullptr;
    EXPECT_EQ(qtr_circuit_clone(c, &d, &ctx), QTR_OK);
    return d;
}

// Exact equality of unitaries, global phase included; on failure says what
// phase would have made them equal (or that none would).
::testing::AssertionResult same_unitary(const qtr_circuit *a, const qtr_circuit *b)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 1);
    double *ua = nullptr, *ub = nullptr;
    if (qtr_sim_unitary(a, &ua, &ctx) || qtr_sim_unitary(b, &ub, &ctx)) {
        free(ua);
        free(ub);
        return ::testing::AssertionFailure() << "simulation failed: " << ctx.msg;
    }
    size_t dim = (size_t)1 << a->nqubits;
    double maxd = 0;
    std::complex<double> ratio(0, 0);
    double best = 0;
    for (size_t i = 0; i < dim * dim; i++) {
        std::complex<double> x(ua[2 * i], ua[2 * i + 1]), y(ub[2 * i], ub[2 * i + 1]);
        maxd = std::max(maxd, std::abs(x - y));
        if (std::abs(x) > best) {
            best = std::abs(x);
            ratio = x / y;
        }
    }
    double maxp = 0;
    for (size_t i = 0; i < dim * dim; i++) {
        std::complex<double> x(ua[2 * i], ua[2 * i + 1]), y(ub[2 * i], ub[2 * i + 1]);
        maxp = std::max(maxp, std::abs(x - ratio * y));
    }
    free(ua);
    free(ub);
    if (maxd < kTol) return ::testing::AssertionSuccess();
    auto f = ::testing::AssertionFailure() << "max entry difference " << maxd;
    if (maxp < kTol)
        f << "; equal up to phase: add " << std::arg(ratio) << " (= " << std::arg(ratio) / kPi
          << " pi)";
    else
        f << "; not equal up to a phase either";
    return f;
}

double rand_angle(qtr_ctx *rng) { return (qtr_rng_uniform(rng) * 4 - 2) * kPi; }

// ---------------------------------------------------------------------------
// The rule tables
// ---------------------------------------------------------------------------

struct RuleSet {
    qtr_alloc alloc = {};
    qtr_equiv_set s;
    RuleSet() { memset(&s, 0, sizeof s), s.alloc = &alloc; }
    ~RuleSet() { qtr_equiv_free(&s); }
};

// Circuit of rule @p r with head parameters @p th on qubits 0..nq-1.
qtr_circuit *rule_circuit(const qtr_equiv_set &s, const qtr_equiv_rule &r, const double *th)
{
    unsigned nq = qtr_gate((qtr_op)r.head)->nqubits;
    unsigned np = qtr_gate((qtr_op)r.head)->nparams;
    qtr_circuit *c = new_circuit(nq);
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 1);
    for (uint32_t i = 0; i < r.count; i++) {
        const qtr_equiv_step &st = s.steps[r.first + i];
        const qtr_gate_info *g = qtr_gate((qtr_op)st.op);
        uint32_t q[5];
        double prm[4];
        for (unsigned k = 0; k < g->nqubits; k++) q[k] = st.q[k];
        for (unsigned j = 0; j < g->nparams; j++) prm[j] = qtr_affine_eval(&s.exprs[st.expr + j], th, np);
        EXPECT_EQ(qtr_circuit_append(c, (qtr_op)st.op, q, g->nqubits, prm, &ctx), QTR_OK) << ctx.msg;
    }
    c->global_phase = qtr_affine_eval(&r.phase, th, np);
    return c;
}

TEST(EquivRules, EveryRuleIsExactIncludingPhase)
{
    RuleSet rs;
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 7);
    ASSERT_EQ(qtr_equiv_load(&rs.s, QTR_EQUIV_RULES, &ctx), QTR_OK) << ctx.msg;
    ASSERT_GT(rs.s.nrules, 100u);
    for (size_t r = 0; r < rs.s.nrules; r++) {
        const qtr_equiv_rule &ru = rs.s.rules[r];
        unsigned nq = qtr_gate((qtr_op)ru.head)->nqubits;
        for (int trial = 0; trial < 3; trial++) {
            double th[4];
            for (double &x : th) x = rand_angle(&ctx);
            CircuitPtr head(new_circuit(nq)), body(rule_circuit(rs.s, ru, th));
            uint32_t q[5] = {0, 1, 2, 3, 4};
            ASSERT_EQ(qtr_circuit_append(head, (qtr_op)ru.head, q, nq, th, &ctx), QTR_OK);
            EXPECT_TRUE(same_unitary(head, body)) << "rule " << ru.text;
        }
    }
}

TEST(EquivRules, EveryGateHasARule)
{
    RuleSet rs;
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 7);
    ASSERT_EQ(qtr_equiv_load(&rs.s, QTR_EQUIV_RULES, &ctx), QTR_OK) << ctx.msg;
    std::vector<int> n(QTR_OP_COUNT, 0);
    for (size_t r = 0; r < rs.s.nrules; r++) n[rs.s.rules[r].head]++;
    for (unsigned op = 0; op < QTR_OP_COUNT; op++)
        if (unitary_op(op)) { EXPECT_GE(n[op], 1) << qtr_gate((qtr_op)op)->name; }
}

TEST(EquivRules, EveryFlipIsExactAndUsesTheReversedGate)
{
    RuleSet rs;
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 8);
    ASSERT_EQ(qtr_equiv_load(&rs.s, QTR_EQUIV_FLIPS, &ctx), QTR_OK) << ctx.msg;
    ASSERT_GE(rs.s.nrules, 4u);
    for (size_t r = 0; r < rs.s.nrules; r++) {
        const qtr_equiv_rule &ru = rs.s.rules[r];
        int reversed = 0;
        for (uint32_t i = 0; i < ru.count; i++) {
            const qtr_equiv_step &st = rs.s.steps[ru.first + i];
            if (qtr_gate((qtr_op)st.op)->nqubits == 2) {
                EXPECT_EQ(st.op, ru.head) << ru.text;
                EXPECT_TRUE(st.q[0] == 1 && st.q[1] == 0) << ru.text;
                reversed++;
            }
        }
        EXPECT_EQ(reversed, 1) << ru.text;
        for (int trial = 0; trial < 3; trial++) {
            double th[4];
            for (double &x : th) x = rand_angle(&ctx);
            CircuitPtr head(new_circuit(2)), body(rule_circuit(rs.s, ru, th));
            uint32_t q[2] = {0, 1};
            ASSERT_EQ(qtr_circuit_append(head, (qtr_op)ru.head, q, 2, th, &ctx), QTR_OK);
            EXPECT_TRUE(same_unitary(head, body)) << "flip " << ru.text;
        }
    }
}

TEST(EquivRules, MalformedRulesAreRejectedWithAReason)
{
    struct {
        const char *text, *msg;
    } bad[] = {
        {"foo: x 0", "unknown gate"},
        {"cx h 1", "':' expected"},
        {"cx: h 2", "operand index"},
        {"cx: cz 0,0", "operand used twice"},
        {"rx: rz(t1) 0", "parameter beyond"},
        {"rx: rz(t0*t0) 0", "not affine"},
        {"rx: rz(t0/t0) 0", "division"},
        {"rx: rz(t0/0) 0", "division"},
        {"rx: rz 0", "'(' expected"},
        {"rx: rz(t0 0", "')' expected"},
        {"u2: u3(t0 t1) 0", "','"},
        {"cx: cz 0 1", "','"},
        {"x: h 0 h 0", "';' or '|'"},
        {"x: h 0 | pi pi", "junk"},
        {"x: measure 0", "not a unitary"},
        {"x: rz($) 0", "number, pi"},
        {"x: rz(1.2.3) 0", "malformed number"},
    };
    for (const auto &b : bad) {
        RuleSet rs;
        qtr_ctx ctx;
        qtr_ctx_init(&ctx, 1);
        EXPECT_EQ(qtr_equiv_parse_rule(&rs.s, b.text, &ctx), QTR_EINVAL) << b.text;
        EXPECT_NE(std::string(ctx.msg).find(b.msg), std::string::npos) << b.text << " -> " << ctx.msg;
        EXPECT_NE(std::string(ctx.msg).find(b.text), std::string::npos) << ctx.msg;
        EXPECT_EQ(rs.s.nrules, 0u);
        EXPECT_EQ(rs.s.nsteps, 0u);
    }
    // and a well-formed one with every operator
    RuleSet rs;
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 1);
    ASSERT_EQ(qtr_equiv_parse_rule(&rs.s, "u3: rz(-(t1 - 2*t2)/4 + 3*pi/2 - .5) 0 | -t0*2", &ctx),
              QTR_OK)
        << ctx.msg;
    const qtr_affine &e = rs.s.exprs[rs.s.steps[0].expr];
    EXPECT_NEAR(e.c[0], 3 * kPi / 2 - 0.5, 1e-15);
    EXPECT_EQ(e.c[1], 0);
    EXPECT_EQ(e.c[2], -0.25);
    EXPECT_EQ(e.c[3], 0.5);
    EXPECT_EQ(rs.s.rules[0].phase.c[1], -2);
}

// ---------------------------------------------------------------------------
// Translation of every gate into every basis
// ---------------------------------------------------------------------------

::testing::AssertionResult only_basis(const qtr_circuit *c, const qtr_target &t)
{
    for (size_t i = 0; i < c->ninst; i++) {
        unsigned op = c->inst[i].op;
        if (op == QTR_OP_MEASURE || op == QTR_OP_RESET || op == QTR_OP_BARRIER) continue;
        if (!t.basis[op])
            return ::testing::AssertionFailure()
                   << "instruction " << i << " is '" << qtr_gate((qtr_op)op)->name
                   << "', outside the basis";
    }
    return ::testing::AssertionSuccess();
}

struct PlanPtr {
    qtr_basis_plan *p = nullptr;
    ~PlanPtr() { qtr_basis_plan_free(p); }
};

TEST(BasisTranslation, EveryGateIntoEveryBasisIsExact)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 11);
    std::string table = "gate";
    for (const char *b : kBases) table += std::string("\t{") + b + "}";
    table += "\n";
    for (unsigned op = 0; op < QTR_OP_COUNT; op++) {
        if (!unitary_op(op)) continue;
        const qtr_gate_info *g = qtr_gate((qtr_op)op);
        table += g->name;
        for (const char *bl : kBases) {
            Basis b(bl);
            PlanPtr plan;
            ASSERT_EQ(qtr_basis_plan_new(&b.t, &plan.p, &ctx), QTR_OK) << ctx.msg;
            uint32_t n1 = 0, n2 = 0, n3 = 0;
            int how = qtr_basis_plan_counts(plan.p, (qtr_op)op, &n1, &n2, &n3);
            EXPECT_NE(how, 0) << g->name << " in {" << bl << "}";
            EXPECT_EQ(n3, 0u) << g->name << " in {" << bl << "}";
            char cell[32];
            snprintf(cell, sizeof cell, "\t%u/%u", n2, n1);
            table += cell;
            for (int trial = 0; trial < 3; trial++) {
                // on qubits in a scrambled order inside a wider register
                CircuitPtr c(new_circuit(g->nqubits + 1));
                uint32_t q[5];
                for (unsigned k = 0; k < g->nqubits; k++) q[k] = (k * 3 + 1 + trial) % (g->nqubits + 1);
                for (unsigned k = 0; k < g->nqubits; k++)
                    for (unsigned j = 0; j < k; j++)
                        if (q[j] == q[k]) q[k] = (q[k] + 1) % (g->nqubits + 1), j = (unsigned)-1;
                double th[4];
                for (double &x : th) x = rand_angle(&ctx);
                ASSERT_EQ(qtr_circuit_append(c, (qtr_op)op, q, g->nqubits, th, &ctx), QTR_OK) << ctx.msg;
                CircuitPtr orig(clone(c));
                ASSERT_EQ(qtr_basis_translate(plan.p, c, 0, &ctx), QTR_OK) << ctx.msg;
                EXPECT_TRUE(only_basis(c, b.t)) << g->name << " in {" << bl << "}";
                EXPECT_TRUE(same_unitary(orig, c)) << g->name << " in {" << bl << "}";
                EXPECT_EQ(qtr_circuit_check(c, &ctx), QTR_OK) << ctx.msg;
            }
        }
        table += "\n";
    }
    // The table of 2q/1q counts per (gate, basis), for the record.
    printf("%s", table.c_str());
}

TEST(BasisTranslation, EulerSynthesisPerInstanceWhenShorter)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 1);
    Basis b("cx,rx,ry");  // XYX: u3 by rules would be 7 gates, by Euler at most 3
    PlanPtr plan;
    ASSERT_EQ(qtr_basis_plan_new(&b.t, &plan.p, &ctx), QTR_OK);
    EXPECT_EQ(plan.p->choice[QTR_OP_U3], QTR_CHOICE_EULER);
    struct {
        double th[3];
        size_t n;
    } cases[] = {{{0.4, 0, 0}, 1}, {{0, 0, 0}, 0}, {{0.4, 0.3, -0.2}, 3}};
    for (const auto &k : cases) {
        CircuitPtr c(new_circuit(1));
        uint32_t q = 0;
        ASSERT_EQ(qtr_circuit_append(c, QTR_OP_U3, &q, 1, k.th, &ctx), QTR_OK);
        CircuitPtr orig(clone(c));
        ASSERT_EQ(qtr_basis_translate(plan.p, c, 0, &ctx), QTR_OK) << ctx.msg;
        EXPECT_EQ(c->ninst, k.n);
        EXPECT_TRUE(only_basis(c, b.t));
        EXPECT_TRUE(same_unitary(orig, c));
    }
    // in {cx, rz, sx, x}, ry is synthesised per instance (4 gates < 5 by rules)
    Basis z("cx,rz,sx,x");
    PlanPtr pz;
    ASSERT_EQ(qtr_basis_plan_new(&z.t, &pz.p, &ctx), QTR_OK);
    EXPECT_EQ(pz.p->choice[QTR_OP_RY], QTR_CHOICE_EULER);
}

TEST(BasisTranslation, SwapIsThreeCxAndHIsOneU2)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 1);
    Basis b("cx,u1,u2,u3");
    CircuitPtr c(new_circuit(2));
    uint32_t q[2] = {0, 1}, r[2] = {1, 0};
    ASSERT_EQ(qtr_circuit_append(c, QTR_OP_H, q, 1, nullptr, &ctx), QTR_OK);
    for (int i = 0; i < 1000; i++)
        ASSERT_EQ(qtr_circuit_append(c, QTR_OP_SWAP, i % 2 ? r : q, 2, nullptr, &ctx), QTR_OK);
    CircuitPtr orig(clone(c));
    ASSERT_EQ(qtr_pass_basis(c, &b.t, &ctx), QTR_OK) << ctx.msg;
    ASSERT_EQ(c->ninst, 3001u);
    EXPECT_EQ(c->inst[0].op, QTR_OP_U2);
    size_t ncx = 0;
    for (size_t i = 1; i < c->ninst; i++) ncx += c->inst[i].op == QTR_OP_CX;
    EXPECT_EQ(ncx, 3000u);
    EXPECT_TRUE(same_unitary(orig, c));
}

TEST(BasisTranslation, RandomCircuitsIntoEveryBasis)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 3);
    for (const char *bl : kBases) {
        Basis b(bl);
        PlanPtr plan;
        ASSERT_EQ(qtr_basis_plan_new(&b.t, &plan.p, &ctx), QTR_OK) << ctx.msg;
        for (uint64_t seed = 1; seed <= 200; seed++) {
            qtr_circuit *raw = nullptr;
            ASSERT_EQ(qtr_random_circuit(4, 40, nullptr, 0, seed, &raw, &ctx), QTR_OK) << ctx.msg;
            CircuitPtr c(raw), orig(clone(raw));
            // alternate between the pass and a plan reused across circuits
            if (seed % 2)
                ASSERT_EQ(qtr_pass_basis(c, &b.t, &ctx), QTR_OK) << ctx.msg;
            else
                ASSERT_EQ(qtr_basis_translate(plan.p, c, 0, &ctx), QTR_OK) << ctx.msg;
            ASSERT_TRUE(only_basis(c, b.t)) << "{" << bl << "} seed " << seed;
            ASSERT_TRUE(same_unitary(orig, c)) << "{" << bl << "} seed " << seed;
            ASSERT_EQ(qtr_circuit_check(c, &ctx), QTR_OK) << ctx.msg;
        }
    }
}

TEST(BasisTranslation, ChunkedTranslationEqualsOneShot)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 5);
    Basis b("ecr,rz,sx,x");
    PlanPtr plan;
    ASSERT_EQ(qtr_basis_plan_new(&b.t, &plan.p, &ctx), QTR_OK) << ctx.msg;
    qtr_circuit *raw = nullptr;
    ASSERT_EQ(qtr_random_circuit(5, 300, nullptr, 0, 99, &raw, &ctx), QTR_OK);
    CircuitPtr whole(raw), chunked(new_circuit(5));
    qtr_circuit *w = whole;
    // streaming: append a chunk of 37 source instructions, translate [from, n)
    for (size_t i = 0; i < w->ninst; i += 37) {
        for (size_t j = i; j < w->ninst && j < i + 37; j++) {
            const qtr_inst *in = &w->inst[j];
            ASSERT_EQ(qtr_circuit_append(chunked, (qtr_op)in->op, qtr_inst_operands(w, in), in->nargs,
                                         qtr_inst_params(w, in), &ctx),
                      QTR_OK);
        }
        size_t from = i == 0 ? 0 : chunked->ninst - std::min<size_t>(37, w->ninst - i);
        ASSERT_EQ(qtr_basis_translate(plan.p, chunked, from, &ctx), QTR_OK) << ctx.msg;
    }
    ASSERT_EQ(qtr_basis_translate(plan.p, whole, 0, &ctx), QTR_OK);
    EXPECT_TRUE(qtr_circuit_equal(whole, chunked));
    EXPECT_NEAR(std::remainder(whole->global_phase - chunked->global_phase, 2 * kPi), 0, 1e-9);
}

TEST(BasisTranslation, ConditionsAreKeptAndDirectivesPassThrough)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 1);
    Basis b("cx,rz,sx,x");
    CircuitPtr c(new_circuit(3));
    ASSERT_EQ(qtr_circuit_add_creg(c, "c", 3, &ctx), QTR_OK);
    uint32_t q3[3] = {2, 0, 1}, mq[2] = {1, 2};
    double th = 0.7;
    ASSERT_EQ(qtr_circuit_append(c, QTR_OP_BARRIER, q3, 3, nullptr, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append_cond(c, QTR_OP_CRX, q3, 2, &th, 0, 0x100000005ull, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append_cond(c, QTR_OP_CCX, q3, 3, nullptr, 0, 3, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append(c, QTR_OP_MEASURE, mq, 2, nullptr, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append(c, QTR_OP_RESET, q3, 1, nullptr, &ctx), QTR_OK);
    double phase0 = c->global_phase;
    ASSERT_EQ(qtr_pass_basis(c, &b.t, &ctx), QTR_OK) << ctx.msg;
    ASSERT_EQ(qtr_circuit_check(c, &ctx), QTR_OK) << ctx.msg;
    EXPECT_TRUE(only_basis(c, b.t));
    EXPECT_EQ(c->inst[0].op, QTR_OP_BARRIER);
    EXPECT_EQ(c->inst[c->ninst - 2].op, QTR_OP_MEASURE);
    EXPECT_EQ(c->inst[c->ninst - 1].op, QTR_OP_RESET);
    size_t nv5 = 0, nv3 = 0;
    for (size_t i = 1; i + 2 < c->ninst; i++) {
        uint32_t creg = UINT32_MAX;
        uint64_t v = 0;   // set by qtr_inst_condition (asserted)
        ASSERT_TRUE(qtr_inst_condition(c, &c->inst[i], &creg, &v)) << i;
        EXPECT_EQ(creg, 0u);
        nv5 += v == 0x100000005ull;
        nv3 += v == 3;
    }
    EXPECT_GT(nv5, 4u);
    EXPECT_GT(nv3, 6u);
    // a conditioned gate's phase is not observable: not tracked
    EXPECT_EQ(c->global_phase, phase0);
    const uint32_t *mo = qtr_inst_operands(c, &c->inst[c->ninst - 2]);
    EXPECT_EQ(mo[0], 1u);
    EXPECT_EQ(mo[1], 2u);
}

TEST(BasisTranslation, UnreachableGateFailsAndLeavesTheCircuit)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 1);
    Basis b("rz,sx");
    CircuitPtr c(new_circuit(2));
    uint32_t q[2] = {0, 1};
    ASSERT_EQ(qtr_circuit_append(c, QTR_OP_H, q, 1, nullptr, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append(c, QTR_OP_CX, q, 2, nullptr, &ctx), QTR_OK);
    CircuitPtr orig(clone(c));
    EXPECT_EQ(qtr_pass_basis(c, &b.t, &ctx), QTR_ETARGET);
    EXPECT_NE(std::string(ctx.msg).find("cannot express 'cx' in basis {rz, sx}"), std::string::npos)
        << ctx.msg;
    EXPECT_TRUE(qtr_circuit_equal(orig, c));

    // a corrupt record and a bad start are reported, not followed
    PlanPtr plan;
    ASSERT_EQ(qtr_basis_plan_new(&b.t, &plan.p, &ctx), QTR_OK);
    EXPECT_EQ(qtr_basis_translate(plan.p, c, 3, &ctx), QTR_EINVAL);
    EXPECT_NE(std::string(ctx.msg).find("beyond"), std::string::npos) << ctx.msg;
    c->inst[1].op = 250;
    EXPECT_EQ(qtr_basis_translate(plan.p, c, 0, &ctx), QTR_EINVAL);
    EXPECT_NE(std::string(ctx.msg).find("out of range"), std::string::npos) << ctx.msg;
    c->inst[1].op = QTR_OP_CX;

    // an empty basis is an error for a plan, a no-op for the pass
    Basis none("measure");
    EXPECT_EQ(qtr_basis_plan_new(&none.t, &plan.p, &ctx), QTR_EINVAL);
    EXPECT_NE(std::string(ctx.msg).find("no basis gates"), std::string::npos) << ctx.msg;
    EXPECT_EQ(qtr_pass_basis(c, &none.t, &ctx), QTR_OK);
    EXPECT_TRUE(qtr_circuit_equal(orig, c));
}

TEST(BasisTranslation, OutOfMemoryLeavesTheCircuitUnchanged)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 1);
    Basis b("cx,rz,sx,x");
    PlanPtr plan;
    ASSERT_EQ(qtr_basis_plan_new(&b.t, &plan.p, &ctx), QTR_OK);
    int nfail = 0;
    for (int k = 1; k <= 3; k++) {
        qtr_circuit *raw = nullptr;
        ASSERT_EQ(qtr_random_circuit(3, 30, nullptr, 0, 17, &raw, &ctx), QTR_OK);
        CircuitPtr c(raw), orig(clone(raw));
        c->alloc.fail_at = c->alloc.calls + k;
        qtr_status st = qtr_basis_translate(plan.p, c, 0, &ctx);
        if (st == QTR_OK) {
            // fewer than k allocations were needed, or the failed one was the
            // in-place growth, which falls back to a second array: either way
            // the result must be right
            EXPECT_EQ(qtr_circuit_check(c, &ctx), QTR_OK);
            for (size_t i = 0; i < c->ninst; i++) EXPECT_TRUE(b.t.basis[c->inst[i].op]);
            continue;
        }
        nfail++;
        EXPECT_EQ(st, QTR_ENOMEM);
        EXPECT_NE(std::string(ctx.msg).find("basis translation"), std::string::npos) << ctx.msg;
        EXPECT_TRUE(qtr_circuit_equal(orig, c));
        EXPECT_EQ(qtr_circuit_check(c, &ctx), QTR_OK);
    }
    EXPECT_GE(nfail, 1);  // the pools (the instruction array has a fallback)
}

// Memory, not speed: timings belong to tests/bench (million_swap_transpile.sh),
// never to make check on a shared machine.
TEST(BasisTranslation, MillionSwapsAreLean)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 1);
    Basis b("cx,u1,u2,u3");
    const size_t n = 1000000;
    CircuitPtr c(new_circuit(2));
    uint32_t q[2] = {0, 1};
    ASSERT_EQ(qtr_circuit_append(c, QTR_OP_H, q, 1, nullptr, &ctx), QTR_OK);
    for (size_t i = 0; i < n; i++)
        ASSERT_EQ(qtr_circuit_append(c, QTR_OP_SWAP, q, 2, nullptr, &ctx), QTR_OK);
    size_t before = c->alloc.cur;
    c->alloc.peak = c->alloc.cur;
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_EQ(qtr_pass_basis(c, &b.t, &ctx), QTR_OK) << ctx.msg;
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_EQ(c->ninst, 3 * n + 1);
    size_t ncx = 0;
    for (size_t i = 0; i < c->ninst; i++) ncx += c->inst[i].op == QTR_OP_CX;
    EXPECT_EQ(ncx, 3 * n);
    // peak: the input plus the exact output array (and one u2's parameters)
    size_t out_bytes = (3 * n + 1) * sizeof(qtr_inst);
    EXPECT_LE(c->alloc.peak, before + out_bytes + 4096);
    printf("1M swaps -> 3M cx: %.3f s, peak %zu bytes (input %zu, output array %zu)\n", s,
           c->alloc.peak, before, out_bytes);
}

// ---------------------------------------------------------------------------
// Unroll 3+q
// ---------------------------------------------------------------------------

TEST(Unroll3q, EveryBigGateBecomesOneAndTwoQubitGates)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 21);
    for (unsigned op = 0; op < QTR_OP_COUNT; op++) {
        if (!unitary_op(op) || qtr_gate((qtr_op)op)->nqubits < 3) continue;
        unsigned nq = qtr_gate((qtr_op)op)->nqubits;
        CircuitPtr c(new_circuit(nq + 1));
        uint32_t q[5];
        for (unsigned k = 0; k < nq; k++) q[k] = nq - k;  // reversed, skipping 0
        uint32_t q2[2] = {0, 2};
        double th = 0.3;
        ASSERT_EQ(qtr_circuit_append(c, QTR_OP_CRZ, q2, 2, &th, &ctx), QTR_OK);
        ASSERT_EQ(qtr_circuit_append(c, (qtr_op)op, q, nq, nullptr, &ctx), QTR_OK);
        CircuitPtr orig(clone(c));
        ASSERT_EQ(qtr_pass_unroll3q(c, nullptr, &ctx), QTR_OK) << ctx.msg;
        size_t n2 = 0;
        for (size_t i = 0; i < c->ninst; i++) {
            unsigned o = c->inst[i].op;
            EXPECT_LE(qtr_gate((qtr_op)o)->nqubits, 2u) << qtr_gate((qtr_op)op)->name;
            if (qtr_gate((qtr_op)o)->nqubits == 2 && i > 0) {
                EXPECT_EQ(o, QTR_OP_CX) << qtr_gate((qtr_op)op)->name;
                n2++;
            }
        }
        EXPECT_EQ(c->inst[0].op, QTR_OP_CRZ);  // 2q gates are left alone
        if (op == QTR_OP_CCX) { EXPECT_EQ(n2, 6u); }
        if (op == QTR_OP_CCZ) { EXPECT_EQ(n2, 6u); }
        if (op == QTR_OP_RCCX) { EXPECT_EQ(n2, 3u); }
        if (op == QTR_OP_CSWAP) { EXPECT_EQ(n2, 8u); }
        EXPECT_TRUE(same_unitary(orig, c)) << qtr_gate((qtr_op)op)->name;
        printf("unroll3q %-8s -> %zu cx, %zu gates\n", qtr_gate((qtr_op)op)->name, n2, c->ninst - 1);
    }
    // a target that runs ccx natively keeps it
    Basis b("ccx,cx,u");
    CircuitPtr c(new_circuit(3));
    uint32_t q[3] = {0, 1, 2};
    ASSERT_EQ(qtr_circuit_append(c, QTR_OP_CCX, q, 3, nullptr, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append(c, QTR_OP_CSWAP, q, 3, nullptr, &ctx), QTR_OK);
    ASSERT_EQ(qtr_pass_unroll3q(c, &b.t, &ctx), QTR_OK);
    EXPECT_EQ(c->inst[0].op, QTR_OP_CCX);
    size_t nccx = 0;
    for (size_t i = 0; i < c->ninst; i++) nccx += c->inst[i].op == QTR_OP_CCX;
    EXPECT_EQ(nccx, 2u);  // cswap = cx · ccx · cx, with the native ccx
}

// ccx role variants (level 3's candidates): every seed gives the same unitary,
// 6 cx per ccx, and the seeds do not all give the same cx pairs
TEST(Unroll3q, CcxRoleVariantsKeepTheUnitary)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 22);
    const uint32_t ops[][3] = {{0, 1, 2}, {2, 3, 1}, {0, 1, 2}, {3, 0, 1}, {1, 2, 3}, {2, 3, 1}};
    CircuitPtr base(new_circuit(4));
    for (const auto &q : ops) {
        uint32_t h = q[2];
        double th = 0.1 + q[0];
        ASSERT_EQ(qtr_circuit_append(base, QTR_OP_RX, &h, 1, &th, &ctx), QTR_OK);
        ASSERT_EQ(qtr_circuit_append(base, QTR_OP_CCX, q, 3, nullptr, &ctx), QTR_OK);
    }
    std::set<std::vector<uint32_t>> pair_sequences;
    for (uint64_t seed = 0; seed < 24; seed++) {
        CircuitPtr c(clone(base));
        ASSERT_EQ(qtr_pass_unroll3q_roles(c, nullptr, seed, &ctx), QTR_OK) << ctx.msg;
        std::vector<uint32_t> pairs;
        for (size_t i = 0; i < c->ninst; i++) {
            ASSERT_LE(c->inst[i].nargs, 2u);
            if (c->inst[i].nargs != 2) continue;
            ASSERT_EQ(c->inst[i].op, QTR_OP_CX);
            const uint32_t *q = qtr_inst_operands(c, &c->inst[i]);
            pairs.push_back(q[0] * 4 + q[1]);
        }
        EXPECT_EQ(pairs.size(), 6 * (sizeof ops / sizeof ops[0])) << "seed " << seed;
        EXPECT_TRUE(same_unitary(base, c)) << "seed " << seed;
        pair_sequences.insert(pairs);
    }
    EXPECT_GE(pair_sequences.size(), 10u);
}

}  // namespace

// ---------------------------------------------------------------------------
// Direction
// ---------------------------------------------------------------------------

namespace {

struct TargetPtr {
    qtr_target *t = nullptr;
    ~TargetPtr() { qtr_target_free(t); }
};

// A target on @p nq qubits with the directed edges @p edges and basis @p basis
// ("" = none).
void make_target(TargetPtr &tp, uint32_t nq, std::vector<std::pair<uint32_t, uint32_t>> edges,
                 const char *basis)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 1);
    ASSERT_EQ(qtr_target_new(&tp.t, "directed", nq, &ctx), QTR_OK) << ctx.msg;
    for (auto &e : edges) ASSERT_EQ(qtr_target_add_edge(tp.t, e.first, e.second, &ctx), QTR_OK);
    ASSERT_EQ(qtr_target_finish(tp.t, &ctx), QTR_OK) << ctx.msg;
    Basis b(*basis ? basis : "id");
    if (*basis) memcpy(tp.t->basis, b.t.basis, sizeof b.t.basis);
}

::testing::AssertionResult on_edges(const qtr_circuit *c, const qtr_target *t)
{
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        if (qtr_gate((qtr_op)in->op)->nqubits != 2) continue;
        const uint32_t *q = qtr_inst_operands(c, in);
        if (qtr_target_edge_index(t, q[0], q[1]) < 0)
            return ::testing::AssertionFailure() << "instruction " << i << " '"
                                                 << qtr_gate((qtr_op)in->op)->name << "' on (" << q[0]
                                                 << ", " << q[1] << ")";
    }
    return ::testing::AssertionSuccess();
}

}  // namespace

TEST(Direction, EveryFlippableGateIsFlippedExactly)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 31);
    TargetPtr tp;
    make_target(tp, 2, {{0, 1}}, "");
    int nflipped = 0;
    for (unsigned op = 0; op < QTR_OP_COUNT; op++) {
        if (!unitary_op(op) || qtr_gate((qtr_op)op)->nqubits != 2) continue;
        const char *name = qtr_gate((qtr_op)op)->name;
        CircuitPtr c(new_circuit(2));
        uint32_t fwd[2] = {0, 1}, rev[2] = {1, 0};
        double th[5];  // the reversed gate reads th[1..4]
        for (double &x : th) x = rand_angle(&ctx);
        ASSERT_EQ(qtr_circuit_append(c, QTR_OP_RY, fwd, 1, th, &ctx), QTR_OK);
        ASSERT_EQ(qtr_circuit_append(c, (qtr_op)op, fwd, 2, th, &ctx), QTR_OK);
        ASSERT_EQ(qtr_circuit_append(c, (qtr_op)op, rev, 2, th + 1, &ctx), QTR_OK);
        CircuitPtr orig(clone(c));
        qtr_status st = qtr_pass_direction(c, tp.t, &ctx);
        if (st != QTR_OK) {
            EXPECT_EQ(st, QTR_ETARGET) << name;
            EXPECT_NE(std::string(ctx.msg).find("cannot be flipped"), std::string::npos) << ctx.msg;
            EXPECT_TRUE(qtr_circuit_equal(orig, c)) << name;
            printf("direction: '%s' has no flip\n", name);
            continue;
        }
        nflipped++;
        EXPECT_TRUE(on_edges(c, tp.t)) << name;
        EXPECT_TRUE(same_unitary(orig, c)) << name;
        EXPECT_EQ(c->inst[1].op, op) << name;  // the forward one is untouched
    }
    EXPECT_GE(nflipped, 21);  // all but cu3 and cu
}

TEST(Direction, FlipsStayInTheBasis)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 32);
    const char *bases[] = {"cx,rz,sx,x", "ecr,rz,sx,x", "cz,rz,sx,x", "cx,u1,u2,u3", "cx,u",
                           "cz,rx,rz", "ecr,rx,rz", "cx,rx,ry,rz"};
    for (const char *bl : bases) {
        TargetPtr tp;
        make_target(tp, 3, {{0, 1}, {2, 1}}, bl);
        for (uint64_t seed = 1; seed <= 40; seed++) {
            // random circuits on the line 0-1-2, translated first, then oriented
            qtr_op ops[] = {QTR_OP_CX, QTR_OP_H, QTR_OP_RZ, QTR_OP_SX, QTR_OP_CZ, QTR_OP_ECR,
                            QTR_OP_U3, QTR_OP_T, QTR_OP_RZZ};
            qtr_circuit *raw = nullptr;
            ASSERT_EQ(qtr_random_circuit(2, 25, ops, sizeof ops / sizeof *ops, seed, &raw, &ctx),
                      QTR_OK);
            CircuitPtr small(raw), c(new_circuit(3));
            // place virtual 0,1 on physical 1 and (seed odd ? 0 : 2)
            uint32_t map[2] = {1, (uint32_t)(seed % 2 ? 0 : 2)};
            for (size_t i = 0; i < small->ninst; i++) {
                const qtr_inst *in = &small->inst[i];
                const uint32_t *q = qtr_inst_operands(small, in);
                uint32_t pq[2] = {map[q[0]], in->nargs > 1 ? map[q[1]] : 0};
                ASSERT_EQ(qtr_circuit_append(c, (qtr_op)in->op, pq, in->nargs,
                                             qtr_inst_params(small, in), &ctx),
                          QTR_OK);
            }
            CircuitPtr orig(clone(c));
            ASSERT_EQ(qtr_pass_basis(c, tp.t, &ctx), QTR_OK) << ctx.msg;
            ASSERT_EQ(qtr_pass_direction(c, tp.t, &ctx), QTR_OK) << bl << ": " << ctx.msg;
            ASSERT_TRUE(on_edges(c, tp.t)) << bl << " seed " << seed;
            ASSERT_TRUE(only_basis(c, *tp.t)) << bl << " seed " << seed;
            ASSERT_TRUE(same_unitary(orig, c)) << bl << " seed " << seed;
            ASSERT_EQ(qtr_circuit_check(c, &ctx), QTR_OK) << ctx.msg;
        }
    }
}

TEST(Direction, GatesOffTheCouplingMapAreRejected)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 33);
    TargetPtr tp;
    make_target(tp, 3, {{0, 1}, {1, 2}}, "cx,rz,sx,x");
    uint32_t q[3] = {0, 2, 1};
    CircuitPtr c(new_circuit(3));
    ASSERT_EQ(qtr_circuit_append(c, QTR_OP_CX, q, 2, nullptr, &ctx), QTR_OK);
    CircuitPtr orig(clone(c));
    EXPECT_EQ(qtr_pass_direction(c, tp.t, &ctx), QTR_ETARGET);
    EXPECT_NE(std::string(ctx.msg).find("'cx' on qubits (0, 2)"), std::string::npos) << ctx.msg;
    EXPECT_NE(std::string(ctx.msg).find("not a coupling edge"), std::string::npos) << ctx.msg;
    EXPECT_TRUE(qtr_circuit_equal(orig, c));

    CircuitPtr c3(new_circuit(3));
    ASSERT_EQ(qtr_circuit_append(c3, QTR_OP_CCX, q, 3, nullptr, &ctx), QTR_OK);
    EXPECT_EQ(qtr_pass_direction(c3, tp.t, &ctx), QTR_ETARGET);
    EXPECT_NE(std::string(ctx.msg).find("unroll it first"), std::string::npos) << ctx.msg;

    // a controlled-U3 has no flip identity: on (1,0) it is rejected
    CircuitPtr cu(new_circuit(3));
    uint32_t r[2] = {1, 0};
    double th[3] = {0.1, 0.2, 0.3};
    ASSERT_EQ(qtr_circuit_append(cu, QTR_OP_CU3, r, 2, th, &ctx), QTR_OK);
    EXPECT_EQ(qtr_pass_direction(cu, tp.t, &ctx), QTR_ETARGET);
    EXPECT_NE(std::string(ctx.msg).find("cannot be flipped in basis {cx, rz, sx, x}"),
              std::string::npos)
        << ctx.msg;

    // no edges at all: no coupling constraint, nothing to do
    TargetPtr free_t;
    make_target(free_t, 3, {}, "cx,rz,sx,x");
    EXPECT_EQ(qtr_pass_direction(c, free_t.t, &ctx), QTR_OK);
    EXPECT_TRUE(qtr_circuit_equal(orig, c));
    EXPECT_EQ(qtr_pass_direction(c, nullptr, &ctx), QTR_EINVAL);
}

TEST(Direction, ConditionsAreKeptOnFlippedGates)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 34);
    TargetPtr tp;
    make_target(tp, 2, {{0, 1}}, "cx,rz,sx,x");
    CircuitPtr c(new_circuit(2));
    ASSERT_EQ(qtr_circuit_add_creg(c, "c", 2, &ctx), QTR_OK);
    uint32_t r[2] = {1, 0};
    ASSERT_EQ(qtr_circuit_append_cond(c, QTR_OP_CX, r, 2, nullptr, 0, 2, &ctx), QTR_OK);
    ASSERT_EQ(qtr_pass_direction(c, tp.t, &ctx), QTR_OK) << ctx.msg;
    EXPECT_GT(c->ninst, 1u);
    EXPECT_TRUE(on_edges(c, tp.t));
    for (size_t i = 0; i < c->ninst; i++) {
        uint32_t creg;
        uint64_t v;
        ASSERT_TRUE(qtr_inst_condition(c, &c->inst[i], &creg, &v)) << i;
        EXPECT_EQ(v, 2u);
    }
    EXPECT_EQ(qtr_circuit_check(c, &ctx), QTR_OK) << ctx.msg;
}
