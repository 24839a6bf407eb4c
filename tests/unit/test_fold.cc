// test_fold.cc -- the passes beyond Qiskit's (src/pass_rtof.c,
// src/pass_phase_fold.c): equivalence by simulation, global phase included,
// on thousands of seeded random circuits (Clifford+T with Toffolis, {cx, rz,
// h}, every gate of the table), the counts they must reach on targeted
// cases, walls that must block them, and out-of-memory behaviour.
#include <gtest/gtest.h>

#include <cmath>
#include <algorithm>
#include <set>
#include <vector>

#include "qtr.h"
#include "qtr_io.h"
#include "random_circuit.h"
#include "sim.h"
extern "C" {
#include "pass.h"
}

namespace {

const double kPi = 3.14159265358979323846;
using Pass = qtr_status (*)(qtr_circuit *, const qtr_target *, qtr_ctx *);

qtr_ctx mkctx(uint64_t seed = 0)
{
    qtr_ctx c;
    qtr_ctx_init(&c, seed);
    return c;
}

struct Circ {
    qtr_circuit *c = nullptr;
    explicit Circ(uint32_t nq, uint32_t nc = 0)
    {
        qtr_ctx ctx = mkctx();
        c = qtr_circuit_new(0);
        EXPECT_EQ(qtr_circuit_add_qreg(c, "q", nq, &ctx), QTR_OK);
        if (nc) { EXPECT_EQ(qtr_circuit_add_creg(c, "c", nc, &ctx), QTR_OK); }
    }
    explicit Circ(qtr_circuit *x) : c(x) {}
    Circ(const Circ &o)
    {
        qtr_ctx ctx = mkctx();
        EXPECT_EQ(qtr_circuit_clone(o.c, &c, &ctx), QTR_OK);
    }
    Circ &operator=(const Circ &) = delete;
    ~Circ() { qtr_circuit_free(c); }
    Circ &g(qtr_op op, std::initializer_list<uint32_t> q, std::initializer_list<double> p = {})
    {
        std::vector<uint32_t> qs(q);
        std::vector<double> ps(p);
        qtr_ctx ctx = mkctx();
        EXPECT_EQ(qtr_circuit_append(c, op, qs.data(), (uint32_t)qs.size(), ps.data(), &ctx), QTR_OK)
            << ctx.msg;
        return *this;
    }
    size_t count(qtr_op o) const
    {
        size_t n = 0;
        for (size_t i = 0; i < c->ninst; i++) n += c->inst[i].op == o;
        return n;
    }
};

::testing::AssertionResult equivalent(const qtr_circuit *in, const qtr_circuit *out)
{
    qtr_ctx ctx = mkctx(7);
    qtr_status st = qtr_sim_compare(in, out, nullptr, nullptr, 1e-9, QTR_SIM_EXACT_PHASE, &ctx);
    if (st == QTR_OK) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << qtr_status_text(st) << ": " << ctx.msg;
}

Circ run(Pass pass, const Circ &in)
{
    Circ out(in);
    qtr_ctx ctx = mkctx();
    EXPECT_EQ(pass(out.c, nullptr, &ctx), QTR_OK) << ctx.msg;
    qtr_ctx cc = mkctx();
    EXPECT_EQ(qtr_circuit_check(out.c, &cc), QTR_OK) << cc.msg;
    for (size_t i = 0; i < out.c->ninst; i++) EXPECT_NE(out.c->inst[i].op, QTR_OP_NOP);
    return out;
}

Circ random_circ(uint32_t nq, size_t ng, const std::vector<qtr_op> &ops, uint64_t seed)
{
    qtr_ctx ctx = mkctx();
    qtr_circuit *c = nullptr;
    EXPECT_EQ(qtr_random_circuit(nq, ng, ops.data(), ops.size(), seed, &c, &ctx), QTR_OK) << ctx.msg;
    return Circ(c);
}

// `count` seeds: a random circuit of 3-5 qubits and 10-60 gates from ops,
// then pass; equivalent by simulation. Returns gates removed + added.
size_t random_equivalence(Pass pass, const std::vector<qtr_op> &ops, int count, uint64_t seed0,
                          qtr_op watch)
{
    size_t changed = 0;
    for (int k = 0; k < count; k++) {
        uint64_t seed = seed0 + (uint64_t)k;
        uint32_t nq = 3 + (uint32_t)(seed % 3);
        size_t ng = 10 + (size_t)(qtr_seed_for(seed, 1) % 51);
        Circ in = random_circ(nq, ng, ops, seed);
        Circ out = run(pass, in);
        EXPECT_TRUE(equivalent(in.c, out.c)) << "seed " << seed;
        changed += in.count(watch) != out.count(watch);
        if (::testing::Test::HasFailure()) return changed;
    }
    return changed;
}

const std::vector<qtr_op> kCliffordT = {QTR_OP_CX, QTR_OP_H,   QTR_OP_S,  QTR_OP_SDG, QTR_OP_T,
                                        QTR_OP_TDG, QTR_OP_X,  QTR_OP_Z,  QTR_OP_CCX, QTR_OP_CCX,
                                        QTR_OP_CCX, QTR_OP_CZ, QTR_OP_SWAP};
const std::vector<qtr_op> kCxRzH = {QTR_OP_CX, QTR_OP_CX, QTR_OP_RZ, QTR_OP_RZ, QTR_OP_H};

// Every unitary table gate on at most 3 qubits (the random circuits have 3+).
std::vector<qtr_op> all_gates()
{
    std::vector<qtr_op> ops;
    for (int op = 0; op < QTR_OP_COUNT; op++) {
        const qtr_gate_info *g = qtr_gate((qtr_op)op);
        if (g->props & (QTR_GP_DIRECTIVE | QTR_GP_NONUNITARY) || g->nqubits > 3) continue;
        ops.push_back((qtr_op)op);
    }
    return ops;
}

}  // namespace

// =============================================================================
// Relative-phase Toffoli pairs
// =============================================================================

TEST(RtofPairs, RandomCliffordTEquivalent)
{
    size_t changed = random_equivalence(qtr_pass_rtof_pairs, kCliffordT, 3000, 1000, QTR_OP_CCX);
    EXPECT_GT(changed, 300u);  // pairs were found, not just left alone
}

TEST(RtofPairs, RandomAllGatesEquivalent)
{
    std::vector<qtr_op> ops = all_gates();
    for (int k = 0; k < 6; k++) ops.push_back(QTR_OP_CCX);
    random_equivalence(qtr_pass_rtof_pairs, ops, 1000, 50000, QTR_OP_CCX);
}

TEST(RtofPairs, ComputeUncomputeBecomesTwoMargolus)
{
    // ccx(0,1,3) · cx(3,2) · ccx(0,1,3): 3 is only a control between: 3 + 3 cx
    Circ in(4);
    in.g(QTR_OP_CCX, {0, 1, 3}).g(QTR_OP_CX, {3, 2}).g(QTR_OP_T, {0}).g(QTR_OP_CCX, {0, 1, 3});
    Circ out = run(qtr_pass_rtof_pairs, in);
    EXPECT_EQ(out.count(QTR_OP_CCX), 0u);
    EXPECT_EQ(out.count(QTR_OP_CX), 7u);
    EXPECT_TRUE(equivalent(in.c, out.c));
}

TEST(RtofPairs, DifferentTargetsBecomeRt4Pair)
{
    // the targets differ and 2 is rotated in between: 4 + 4 cx
    Circ in(4);
    in.g(QTR_OP_CCX, {0, 1, 2}).g(QTR_OP_H, {2}).g(QTR_OP_CCX, {1, 0, 3});
    Circ out = run(qtr_pass_rtof_pairs, in);
    EXPECT_EQ(out.count(QTR_OP_CCX), 0u);
    EXPECT_EQ(out.count(QTR_OP_CX), 8u);
    EXPECT_TRUE(equivalent(in.c, out.c));
}

TEST(RtofPairs, WallsOnControlsBlock)
{
    for (int wall = 0; wall < 4; wall++) {
        Circ in(4, 1);
        in.g(QTR_OP_CCX, {0, 1, 2});
        if (wall == 0) in.g(QTR_OP_H, {1});
        if (wall == 1) in.g(QTR_OP_BARRIER, {0});
        if (wall == 2) in.g(QTR_OP_MEASURE, {0, 0});
        if (wall == 3) in.g(QTR_OP_CX, {3, 0});  // a control is a target in between
        in.g(QTR_OP_CCX, {0, 1, 2});
        Circ out = run(qtr_pass_rtof_pairs, in);
        EXPECT_EQ(out.count(QTR_OP_CCX), 2u) << "wall " << wall;
    }
}

TEST(RtofPairs, ThreeOnOnePairLeavesOne)
{
    Circ in(3);
    in.g(QTR_OP_CCX, {0, 1, 2}).g(QTR_OP_CCX, {0, 1, 2}).g(QTR_OP_CCX, {0, 1, 2});
    Circ out = run(qtr_pass_rtof_pairs, in);
    EXPECT_EQ(out.count(QTR_OP_CCX), 1u);
    EXPECT_TRUE(equivalent(in.c, out.c));
}

// =============================================================================
// Phase folding
// =============================================================================

TEST(PhaseFold, RandomCxRzHEquivalent)
{
    size_t changed = random_equivalence(qtr_pass_phase_fold, kCxRzH, 4000, 7000, QTR_OP_RZ);
    EXPECT_GT(changed, 1000u);
}

TEST(PhaseFold, RandomCliffordTEquivalent)
{
    std::vector<qtr_op> ops = kCliffordT;
    ops.push_back(QTR_OP_P);
    ops.push_back(QTR_OP_U1);
    ops.push_back(QTR_OP_Y);
    size_t changed = random_equivalence(qtr_pass_phase_fold, ops, 3000, 90000, QTR_OP_T);
    EXPECT_GT(changed, 300u);
}

TEST(PhaseFold, RandomAllGatesEquivalent)
{
    random_equivalence(qtr_pass_phase_fold, all_gates(), 1000, 30000, QTR_OP_RZ);
}

TEST(PhaseFold, MergesAcrossCnotsAndHadamardsElsewhere)
{
    // t on q0; cx 0,1; h 2; cx 0,1; t on q0 again: one s-angle rz remains
    Circ in(3);
    in.g(QTR_OP_T, {0}).g(QTR_OP_CX, {0, 1}).g(QTR_OP_H, {2}).g(QTR_OP_X, {1});
    in.g(QTR_OP_CX, {1, 0}).g(QTR_OP_CX, {1, 0}).g(QTR_OP_T, {0});
    Circ out = run(qtr_pass_phase_fold, in);
    EXPECT_EQ(out.count(QTR_OP_T), 0u);
    EXPECT_EQ(out.count(QTR_OP_RZ), 1u);
    EXPECT_TRUE(equivalent(in.c, out.c));
}

TEST(PhaseFold, ParityWithConstantFlipsTheSign)
{
    // t on a ⊕ b, then tdg on a ⊕ b ⊕ 1: the same parity, angles add to π/2
    Circ in(2);
    in.g(QTR_OP_CX, {0, 1}).g(QTR_OP_T, {1}).g(QTR_OP_X, {1}).g(QTR_OP_TDG, {1});
    Circ out = run(qtr_pass_phase_fold, in);
    ASSERT_EQ(out.count(QTR_OP_RZ), 1u);
    EXPECT_TRUE(equivalent(in.c, out.c));
    for (size_t i = 0; i < out.c->ninst; i++) {
        if (out.c->inst[i].op != QTR_OP_RZ) continue;
        EXPECT_NEAR(std::fabs(qtr_inst_params(out.c, &out.c->inst[i])[0]), kPi / 2, 1e-12);
    }
}

TEST(PhaseFold, OppositeRotationsVanish)
{
    Circ in(2);
    in.g(QTR_OP_RZ, {0}, {0.3}).g(QTR_OP_CX, {0, 1}).g(QTR_OP_CX, {0, 1}).g(QTR_OP_P, {0}, {-0.3});
    Circ out = run(qtr_pass_phase_fold, in);
    EXPECT_EQ(out.count(QTR_OP_RZ) + out.count(QTR_OP_P), 0u);
    EXPECT_TRUE(equivalent(in.c, out.c));
}

TEST(PhaseFold, WallsBlock)
{
    for (int wall = 0; wall < 3; wall++) {
        Circ in(2, 1);
        in.g(QTR_OP_T, {0});
        if (wall == 0) in.g(QTR_OP_H, {0});
        if (wall == 1) in.g(QTR_OP_BARRIER, {1});
        if (wall == 2) in.g(QTR_OP_MEASURE, {1, 0});
        in.g(QTR_OP_T, {0});
        Circ out = run(qtr_pass_phase_fold, in);
        EXPECT_EQ(out.count(QTR_OP_T), 2u) << "wall " << wall;
    }
}

// =============================================================================
// Both: out of memory leaves the circuit unchanged
// =============================================================================

namespace {

// Each allocation of `pass` on `base` in turn fails: the pass reports
// QTR_ENOMEM and leaves the circuit as it was, without a leak.
void expect_oom_unchanged(Pass pass, const Circ &base, const qtr_target *t = nullptr)
{
    for (uint64_t k = 1;; k++) {
        ASSERT_LT(k, 200u);
        Circ c(base);
        c.c->alloc.fail_at = c.c->alloc.calls + k;
        size_t cur = c.c->alloc.cur;
        qtr_ctx ctx = mkctx();
        qtr_status st = pass(c.c, t, &ctx);
        if (st == QTR_OK) break;
        EXPECT_EQ(st, QTR_ENOMEM);
        EXPECT_TRUE(qtr_circuit_equal(c.c, base.c)) << "failing call " << k;
        EXPECT_EQ(c.c->alloc.cur, cur) << "leak at failing call " << k;
    }
}

}  // namespace

TEST(FoldPasses, OutOfMemoryLeavesCircuitUnchanged)
{
    Circ base(3);
    base.g(QTR_OP_CCX, {0, 1, 2}).g(QTR_OP_T, {0}).g(QTR_OP_CCX, {0, 1, 2}).g(QTR_OP_T, {0});
    for (Pass pass : {qtr_pass_rtof_pairs, qtr_pass_phase_fold}) expect_oom_unchanged(pass, base);
}

// =============================================================================
// Star ladders
// =============================================================================

namespace {

struct Dev {
    qtr_target *t = nullptr;
    explicit Dev(const char *name)
    {
        qtr_ctx ctx = mkctx();
        EXPECT_EQ(qtr_target_load(name, &t, &ctx), QTR_OK) << ctx.msg;
    }
    ~Dev() { qtr_target_free(t); }
    Dev(const Dev &) = delete;
    Dev &operator=(const Dev &) = delete;
};

Circ run_on(Pass pass, const Circ &in, const qtr_target *t)
{
    Circ out(in);
    qtr_ctx ctx = mkctx();
    EXPECT_EQ(pass(out.c, t, &ctx), QTR_OK) << ctx.msg;
    qtr_ctx cc = mkctx();
    EXPECT_EQ(qtr_circuit_check(out.c, &cc), QTR_OK) << cc.msg;
    return out;
}

// A star of k cx around hub h (into it or from it) on members m.
void star(Circ &c, uint32_t h, const std::vector<uint32_t> &m, bool into)
{
    for (uint32_t q : m) {
        if (into) c.g(QTR_OP_CX, {q, h});
        else c.g(QTR_OP_CX, {h, q});
    }
}

}  // namespace

TEST(StarLadder, BothRolesBecomeLadders)
{
    Dev line("line:12");
    for (bool into : {true, false}) {
        Circ in(9);
        for (uint32_t q = 0; q < 9; q++) in.g(QTR_OP_H, {q});
        star(in, 4, {0, 1, 2, 3, 5, 6, 7, 8}, into);
        Circ out = run_on(qtr_pass_star_ladder, in, line.t);
        // a lone run takes the BFS tree from qubit 1, two paths from the
        // root: 2 * 8 - 2 cx (a single path from the end: 2 * 8 - 1)
        EXPECT_EQ(out.count(QTR_OP_CX), 14u) << into;
        EXPECT_TRUE(equivalent(in.c, out.c)) << into;
    }
}

TEST(StarLadder, ShortStarsAndAllToAllStay)
{
    Dev line("line:12"), all("all:12");
    Circ in(9);
    star(in, 0, {1, 2, 3, 4, 5}, true);
    EXPECT_EQ(run_on(qtr_pass_star_ladder, in, line.t).count(QTR_OP_CX), 5u);
    Circ big(9);
    star(big, 0, {1, 2, 3, 4, 5, 6, 7, 8}, true);
    EXPECT_EQ(run_on(qtr_pass_star_ladder, big, all.t).count(QTR_OP_CX), 8u);
    EXPECT_EQ(run_on(qtr_pass_star_ladder, big, nullptr).count(QTR_OP_CX), 8u);
    Dev small("line:6");  // no path of 9 qubits: the ladder would not fit
    EXPECT_EQ(run_on(qtr_pass_star_ladder, big, small.t).count(QTR_OP_CX), 8u);
    for (uint32_t q = 1; q + 1 < 9; q++) big.g(QTR_OP_CX, {q, q + 1});  // 8 of 15 cx: not a star circuit
    EXPECT_EQ(run_on(qtr_pass_star_ladder, big, line.t).count(QTR_OP_CX), 15u);
}

TEST(StarLadder, GateOnMemberClosesTheRun)
{
    Dev line("line:12");
    Circ in(9);
    star(in, 0, {1, 2, 3}, true);
    in.g(QTR_OP_H, {2});  // 2 is touched: the run so far (3) closes
    star(in, 0, {4, 5, 6}, true);
    Circ out = run_on(qtr_pass_star_ladder, in, line.t);
    EXPECT_EQ(out.count(QTR_OP_CX), 6u);
    EXPECT_TRUE(equivalent(in.c, out.c));
}

// Random circuits around stars: a random prefix, a star of 6-8 members with
// random gates on the other qubits between its cx (and now and then on a
// member, which closes the run), a random suffix. Returns how many changed.
size_t random_stars(const qtr_target *t, uint64_t seeds)
{
    const std::vector<qtr_op> ops = {QTR_OP_CX, QTR_OP_H, QTR_OP_T, QTR_OP_X, QTR_OP_RZ, QTR_OP_CZ};
    size_t rewritten = 0;
    for (uint64_t seed = 0; seed < seeds; seed++) {
        qtr_ctx rng = mkctx(seed), ctx = mkctx();
        uint32_t n = 7 + (uint32_t)(seed % 2);
        Circ in = random_circ(n, 3 + seed % 6, ops, seed);
        uint32_t h = (uint32_t)(qtr_rng_next(&rng) % n);
        bool into = qtr_rng_next(&rng) & 1;
        uint32_t k = 6 + (uint32_t)(qtr_rng_next(&rng) % (n - 6));
        std::vector<uint32_t> others;
        for (uint32_t q = 0; q < n; q++)
            if (q != h) others.push_back(q);
        for (uint32_t j = 0; j < k; j++) {
            uint32_t q = others[j];
            if (into) in.g(QTR_OP_CX, {q, h});
            else in.g(QTR_OP_CX, {h, q});
            uint64_t r = qtr_rng_next(&rng) % 8;
            if (r == 0 && k + 1 < n) in.g(QTR_OP_T, {others[k + (uint32_t)(qtr_rng_next(&rng) % (n - 1 - k))]});
            if (r == 1) in.g(QTR_OP_H, {others[(uint32_t)(qtr_rng_next(&rng) % (j + 1))]});
        }
        EXPECT_EQ(qtr_random_append(in.c, 6, ops.data(), ops.size(), &rng, &ctx), QTR_OK);
        Circ out = run_on(qtr_pass_star_ladder, in, t);
        rewritten += out.count(QTR_OP_CX) != in.count(QTR_OP_CX);
        EXPECT_TRUE(equivalent(in.c, out.c)) << "seed " << seed;
    }
    return rewritten;
}

TEST(StarLadder, RandomCircuitsWithStarsEquivalent)
{
    Dev line("line:12");
    size_t rewritten = random_stars(line.t, 500);
    EXPECT_GT(rewritten, 100u) << rewritten;
}

// A comb: the path 0-1-2-3-4 with a leaf on each of 1, 2, 3. Its longest
// path has 5 qubits, so a star of 6 or 7 members gets a tree.
struct Comb {
    qtr_target *t = nullptr;
    Comb()
    {
        qtr_ctx ctx = mkctx();
        EXPECT_EQ(qtr_target_new(&t, "comb", 8, &ctx), QTR_OK);
        const uint32_t e[][2] = {{0, 1}, {1, 2}, {2, 3}, {3, 4}, {1, 5}, {2, 6}, {3, 7}};
        for (auto &p : e) EXPECT_EQ(qtr_target_add_edge(t, p[0], p[1], &ctx), QTR_OK);
        EXPECT_EQ(qtr_target_finish(t, &ctx), QTR_OK) << ctx.msg;
    }
    ~Comb() { qtr_target_free(t); }
    Comb(const Comb &) = delete;
    Comb &operator=(const Comb &) = delete;
};

// pairs of qubits the circuit's 2q gates act on
size_t distinct_pairs(const Circ &c)
{
    std::set<std::pair<uint32_t, uint32_t>> pairs;
    for (size_t i = 0; i < c.c->ninst; i++) {
        const qtr_inst *in = &c.c->inst[i];
        if (in->nargs == 2) pairs.insert({std::min(in->q[0], in->q[1]), std::max(in->q[0], in->q[1])});
    }
    return pairs.size();
}

TEST(StarLadder, TreesWhereNoPathFits)
{
    Comb comb;
    for (bool into : {true, false}) {
        Circ in(8);
        for (uint32_t q = 0; q < 8; q++) in.g(QTR_OP_H, {q});
        star(in, 3, {0, 1, 2, 4, 5, 6, 7}, into);
        Circ out = run_on(qtr_pass_star_ladder, in, comb.t);
        // the BFS tree from qubit 1 (degree 3): 2 * 7 - 3 cx on 7 tree edges
        EXPECT_EQ(out.count(QTR_OP_CX), 11u) << into;
        EXPECT_EQ(distinct_pairs(out), 7u) << into;
        EXPECT_TRUE(equivalent(in.c, out.c)) << into;
    }
    Circ two(8);  // two runs: their trees would not share one layout
    star(two, 3, {0, 1, 2, 4, 5, 6, 7}, true);
    two.g(QTR_OP_H, {3});
    star(two, 3, {0, 1, 2, 4, 5, 6, 7}, false);
    EXPECT_EQ(run_on(qtr_pass_star_ladder, two, comb.t).count(QTR_OP_CX), 14u);
}

TEST(StarLadder, RandomCircuitsWithStarsOnATreeEquivalent)
{
    Comb comb;
    size_t rewritten = random_stars(comb.t, 300);
    EXPECT_GT(rewritten, 50u) << rewritten;
}

TEST(StarLadder, OutOfMemoryLeavesCircuitUnchanged)
{
    Dev line("line:12");
    Circ base(9);
    star(base, 8, {0, 1, 2, 3, 4, 5, 6, 7}, true);
    expect_oom_unchanged(qtr_pass_star_ladder, base, line.t);
}

// =============================================================================
// Symbolic angles are left alone
// =============================================================================

TEST(PhaseFold, SymbolicAnglesStayAndDoNotBlock)
{
    Circ in(2);
    qtr_ctx ctx = mkctx();
    double theta = 0;
    ASSERT_EQ(qtr_circuit_param(in.c, "theta", &theta, &ctx), QTR_OK) << ctx.msg;
    ASSERT_TRUE(qtr_angle_is_sym(theta));
    in.g(QTR_OP_T, {0}).g(QTR_OP_CX, {0, 1});
    ASSERT_EQ(qtr_circuit_append(in.c, QTR_OP_RZ, std::vector<uint32_t>{0}.data(), 1, &theta, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append(in.c, QTR_OP_P, std::vector<uint32_t>{1}.data(), 1, &theta, &ctx), QTR_OK);
    in.g(QTR_OP_CX, {0, 1}).g(QTR_OP_T, {0});
    Circ out = run(qtr_pass_phase_fold, in);
    EXPECT_EQ(out.count(QTR_OP_T), 0u);  // the two t merged into one rz(π/2)
    size_t sym = 0, num = 0;
    for (size_t i = 0; i < out.c->ninst; i++) {
        const qtr_inst *g = &out.c->inst[i];
        if (g->op != QTR_OP_RZ && g->op != QTR_OP_P) continue;
        double a = qtr_inst_params(out.c, g)[0];
        if (qtr_angle_is_sym(a)) {
            sym++;
            EXPECT_EQ(qtr_angle_node(a), qtr_angle_node(theta));
        } else {
            num++;
            EXPECT_NEAR(a, kPi / 2, 1e-12);
        }
    }
    EXPECT_EQ(sym, 2u);
    EXPECT_EQ(num, 1u);
}

// =============================================================================
// Clifford resynthesis (src/pass_clifford.c)
// =============================================================================

namespace {

const std::vector<qtr_op> kClifford = {QTR_OP_CX,   QTR_OP_CX, QTR_OP_CZ,   QTR_OP_CY, QTR_OP_SWAP,
                                       QTR_OP_H,    QTR_OP_H,  QTR_OP_S,    QTR_OP_SDG, QTR_OP_SX,
                                       QTR_OP_SXDG, QTR_OP_X,  QTR_OP_Y,    QTR_OP_Z,  QTR_OP_ID};

// 2q gates as translation counts them (swap: 3)
size_t cost_2q(const Circ &c)
{
    size_t n = 0;
    for (size_t i = 0; i < c.c->ninst; i++) {
        const qtr_inst *in = &c.c->inst[i];
        if (in->op == QTR_OP_BARRIER || in->op == QTR_OP_MEASURE) continue;
        n += in->op == QTR_OP_SWAP ? 3 : in->nargs == 2;
    }
    return n;
}

// `count` seeds of random circuits on lo..hi qubits with ng0..ng0+span
// gates from ops: equivalent by simulation (global phase included), never
// more 2q gates; returns how many got fewer.
size_t clifford_random(const std::vector<qtr_op> &ops, int count, uint64_t seed0, uint32_t lo,
                       uint32_t hi, size_t ng0, size_t span)
{
    size_t fewer = 0;
    for (int k = 0; k < count; k++) {
        uint64_t seed = seed0 + (uint64_t)k;
        uint32_t nq = lo + (uint32_t)(seed % (hi - lo + 1));
        size_t ng = ng0 + (size_t)(qtr_seed_for(seed, 1) % (span + 1));
        Circ in = random_circ(nq, ng, ops, seed);
        Circ out = run(qtr_pass_clifford_resynth, in);
        EXPECT_TRUE(equivalent(in.c, out.c)) << "seed " << seed << ", " << nq << " qubits";
        EXPECT_LE(cost_2q(out), cost_2q(in)) << "seed " << seed;
        fewer += cost_2q(out) < cost_2q(in);
        if (::testing::Test::HasFailure()) return fewer;
    }
    return fewer;
}

}  // namespace

namespace {

// Random Clifford gates, with u and rz by multiples of π/2 among them.
Circ random_clifford_u(uint32_t nq, size_t ng, uint64_t seed)
{
    Circ c = random_circ(nq, ng, kClifford, seed);
    for (uint64_t i = 0; i < ng / 8; i++) {
        uint64_t r = qtr_seed_for(seed, 1000 + i);
        auto quarter = [&](int shift) { return (double)((int)((r >> shift) % 9) - 4) * kPi / 2; };
        if (r & 1) c.g(QTR_OP_U, {(uint32_t)((r >> 1) % nq)}, {quarter(8), quarter(16), quarter(24)});
        else c.g(QTR_OP_RZ, {(uint32_t)((r >> 1) % nq)}, {quarter(8)});
    }
    return c;
}

}  // namespace

TEST(CliffordResynth, RandomCliffordCircuitsStayEquivalent)
{
    // 3-7 qubits, 20-220 gates: most have more 2q gates than a greedy
    // synthesis of their tableau needs
    size_t fewer = clifford_random(kClifford, 3000, 1000, 3, 7, 20, 200);
    EXPECT_GT(fewer, 2000u);
}

TEST(CliffordResynth, CliffordUGatesJoinRegions)
{
    // u and rz by multiples of π/2, as 2q block resynthesis leaves them
    size_t fewer = 0;
    for (uint64_t seed = 0; seed < 500; seed++) {
        Circ in = random_clifford_u(3 + (uint32_t)(seed % 5), 120, seed);
        Circ out = run(qtr_pass_clifford_resynth, in);
        EXPECT_TRUE(equivalent(in.c, out.c)) << "seed " << seed;
        fewer += cost_2q(out) < cost_2q(in);
        if (HasFailure()) return;
    }
    EXPECT_GT(fewer, 400u);
}

TEST(CliffordResynth, RandomCliffordTCircuitsStayEquivalent)
{
    std::vector<qtr_op> ops = kClifford;
    for (qtr_op op : {QTR_OP_T, QTR_OP_TDG, QTR_OP_RZ, QTR_OP_CCX, QTR_OP_RX}) ops.push_back(op);
    size_t fewer = clifford_random(ops, 1500, 50000, 3, 7, 20, 150);
    EXPECT_GT(fewer, 100u);
    // every table gate: the pass must leave what it does not know alone
    clifford_random(all_gates(), 300, 90000, 3, 5, 10, 60);
}

TEST(CliffordResynth, QuarterTurnRotationsJoinRegions)
{
    // rz, p, u1, rx, ry by k π/2 (k in -5..5, as phase folding leaves merged
    // t gates) among random Clifford gates: Clifford regions, phase exact
    const qtr_op rot[] = {QTR_OP_RZ, QTR_OP_P, QTR_OP_U1, QTR_OP_RX, QTR_OP_RY};
    size_t fewer = 0;
    for (uint64_t seed = 0; seed < 600; seed++) {
        uint32_t nq = 3 + (uint32_t)(seed % 4);
        Circ in(nq);
        for (uint64_t i = 0; i < 80; i++) {
            uint64_t r = qtr_seed_for(seed, i);
            uint32_t a = (uint32_t)(r % nq), b = (a + 1 + (uint32_t)((r >> 8) % (nq - 1))) % nq;
            switch ((r >> 16) % 4) {
            case 0: in.g(QTR_OP_CX, {a, b}); break;
            case 1: in.g(QTR_OP_H, {a}); break;
            default: {
                double k = (double)((int)((r >> 24) % 11) - 5);
                in.g(rot[(r >> 32) % 5], {a}, {k * kPi / 2});
            }
            }
        }
        Circ out = run(qtr_pass_clifford_resynth, in);
        EXPECT_TRUE(equivalent(in.c, out.c)) << "seed " << seed;
        fewer += cost_2q(out) < cost_2q(in);
        if (HasFailure()) return;
    }
    EXPECT_GT(fewer, 400u);
    // pi/2 + 1e-9 is no Clifford: the region stops there
    Circ in(3);
    for (int r = 0; r < 4; r++) in.g(QTR_OP_CX, {0, 1}).g(QTR_OP_CX, {1, 2}).g(QTR_OP_CX, {2, 0});
    in.g(QTR_OP_RZ, {0}, {kPi / 2 + 1e-9});
    for (int r = 0; r < 4; r++) in.g(QTR_OP_CX, {0, 1}).g(QTR_OP_CX, {1, 2}).g(QTR_OP_CX, {2, 0});
    Circ out = run(qtr_pass_clifford_resynth, in);
    EXPECT_TRUE(equivalent(in.c, out.c));
    EXPECT_EQ(out.count(QTR_OP_RZ), 1u);
}

TEST(CliffordResynth, WideRegions)
{
    // 12-14 qubits: several greedy steps per region, long h sequences for
    // the tracked amplitude
    size_t fewer = clifford_random(kClifford, 12, 7000, 12, 14, 300, 300);
    EXPECT_EQ(fewer, 12u);
}

TEST(CliffordResynth, ShrinksLongRegionsAndKeepsWalls)
{
    // a 6-qubit Clifford of 400 random gates needs at most a few dozen cx
    Circ in = random_circ(6, 400, kClifford, 42);
    Circ out = run(qtr_pass_clifford_resynth, in);
    EXPECT_TRUE(equivalent(in.c, out.c));
    EXPECT_LT(cost_2q(out), 40u) << "from " << cost_2q(in);

    // a block and its inverse vanish, unless a barrier stands between them
    auto block = [](Circ &c, bool inverse) {
        if (!inverse) c.g(QTR_OP_CX, {0, 1}).g(QTR_OP_CX, {1, 2}).g(QTR_OP_CX, {2, 3}).g(QTR_OP_H, {3});
        else c.g(QTR_OP_H, {3}).g(QTR_OP_CX, {2, 3}).g(QTR_OP_CX, {1, 2}).g(QTR_OP_CX, {0, 1});
    };
    Circ whole(4), walled(4);
    block(whole, false);
    block(whole, true);
    block(walled, false);
    walled.g(QTR_OP_BARRIER, {0, 1, 2, 3});
    block(walled, true);
    Circ a = run(qtr_pass_clifford_resynth, whole), b = run(qtr_pass_clifford_resynth, walled);
    EXPECT_TRUE(equivalent(whole.c, a.c));
    EXPECT_TRUE(equivalent(walled.c, b.c));
    EXPECT_EQ(cost_2q(a), 0u);
    EXPECT_EQ(cost_2q(b), 6u);
    EXPECT_EQ(b.count(QTR_OP_BARRIER), 1u);
}

TEST(CliffordResynth, NonCliffordGateSplitsRegionsCorrectly)
{
    // t on qubit 1 between two Clifford stretches: the stretch after it on
    // qubits 0 and 2 may join the region before it, the one on 1 may not
    Circ in(3);
    for (int r = 0; r < 3; r++)
        in.g(QTR_OP_CX, {0, 1}).g(QTR_OP_CX, {1, 2}).g(QTR_OP_CX, {0, 2}).g(QTR_OP_H, {0});
    in.g(QTR_OP_T, {1});
    for (int r = 0; r < 3; r++) in.g(QTR_OP_CX, {0, 2}).g(QTR_OP_S, {2}).g(QTR_OP_CX, {2, 0});
    in.g(QTR_OP_CX, {1, 0});
    Circ out = run(qtr_pass_clifford_resynth, in);
    EXPECT_TRUE(equivalent(in.c, out.c));
    EXPECT_EQ(out.count(QTR_OP_T), 1u);
}

TEST(CliffordResynth, OutOfMemoryLeavesCircuitUnchanged)
{
    expect_oom_unchanged(qtr_pass_clifford_resynth, random_circ(5, 120, kClifford, 3));
}

// =============================================================================
// Clifford synthesis on the device (qtr_pass_clifford_device)
// =============================================================================


TEST(CliffordDevice, RandomCliffordsNeedNoRouting)
{
    for (const char *spec : {"line:8", "grid:3x3", "heavy-hex:3"}) {
        Dev dev(spec);
        ASSERT_NE(dev.t, nullptr);
        for (uint64_t seed = 0; seed < 150; seed++) {
            uint32_t nq = 3 + (uint32_t)(seed % 6);
            Circ in = random_clifford_u(nq, 40 + 10 * nq, seed);
            Circ out(in);
            std::vector<uint32_t> layout(nq, UINT32_MAX);
            int done = 0;
            qtr_ctx ctx = mkctx();
            ASSERT_EQ(qtr_pass_clifford_device(out.c, dev.t, layout.data(), &done, &ctx), QTR_OK);
            ASSERT_EQ(done, 1) << spec << " seed " << seed;
            EXPECT_EQ(qtr_circuit_check(out.c, &ctx), QTR_OK) << ctx.msg;
            std::set<uint32_t> used(layout.begin(), layout.end());
            EXPECT_EQ(used.size(), nq);
            for (size_t i = 0; i < out.c->ninst; i++) {
                const qtr_inst *g = &out.c->inst[i];
                if (g->nargs != 2) continue;
                EXPECT_TRUE(qtr_target_connected(dev.t, layout[g->q[0]], layout[g->q[1]]))
                    << spec << " seed " << seed << ": " << g->q[0] << "-" << g->q[1];
            }
            EXPECT_TRUE(equivalent(in.c, out.c)) << spec << " seed " << seed;
            if (HasFailure()) return;
        }
    }
}

TEST(CliffordDevice, LeavesOtherCircuitsAlone)
{
    Dev dev("line:8");
    Circ in = random_circ(5, 80, kClifford, 9);
    in.g(QTR_OP_T, {2});
    Circ out(in);
    std::vector<uint32_t> layout(5);
    int done = 1;
    qtr_ctx ctx = mkctx();
    ASSERT_EQ(qtr_pass_clifford_device(out.c, dev.t, layout.data(), &done, &ctx), QTR_OK);
    EXPECT_EQ(done, 0);
    EXPECT_TRUE(qtr_circuit_equal(in.c, out.c));
    Dev all("all:8");   // nothing to route on an all-to-all device
    Circ cl = random_circ(5, 80, kClifford, 9), cl2(cl);
    ASSERT_EQ(qtr_pass_clifford_device(cl2.c, all.t, layout.data(), &done, &ctx), QTR_OK);
    EXPECT_EQ(done, 0);
}

TEST(CliffordDevice, OutOfMemoryLeavesCircuitUnchanged)
{
    Dev dev("grid:3x3");
    Circ base = random_clifford_u(6, 90, 5);
    std::vector<uint32_t> layout(6);
    expect_oom_unchanged(
        [](qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx) {
            uint32_t l[6];
            int done;
            return qtr_pass_clifford_device(c, t, l, &done, ctx);
        },
        base, dev.t);
}
