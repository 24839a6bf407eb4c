// test_route.cc -- SABRE routing: the compressed DAG, single trials (release
// valve included), the routing pass on line / ring / grid / heavy-hex targets
// checked against the coupling map, per wire and by simulation, determinism,
// classical bits, disconnected targets.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "qtr.h"
#include "random_circuit.h"
#include "route_check.h"
#include "sim.h"
#include "pass.h"
#include "sabre.h"

using namespace route_test;
using ::testing::HasSubstr;

namespace {

struct Ctx {
    qtr_ctx c;
    Ctx() { qtr_ctx_init(&c, 0); }
    qtr_ctx *operator&() { return &c; }
    const char *msg() const { return c.msg; }
};

// 1q and 2q gates, no swap (so inserted swaps are recognisable).
const qtr_op kOps[] = {QTR_OP_H, QTR_OP_X, QTR_OP_RZ, QTR_OP_SX, QTR_OP_T, QTR_OP_CX,
                       QTR_OP_CZ, QTR_OP_CX, QTR_OP_RZZ, QTR_OP_CP, QTR_OP_U};

qtr_circuit *random_circuit(uint32_t nq, size_t ng, uint64_t seed)
{
    Ctx ctx;
    qtr_circuit *c = nullptr;
    EXPECT_EQ(qtr_random_circuit(nq, ng, kOps, sizeof kOps / sizeof *kOps, seed, &c, &ctx),
              QTR_OK)
        << ctx.msg();
    return c;
}

qtr_circuit *clone(const qtr_circuit *c)
{
    Ctx ctx;
    qtr_circuit *d = nullptr;
    EXPECT_EQ(qtr_circuit_clone(c, &d, &ctx), QTR_OK);
    return d;
}

void add(qtr_circuit *c, qtr_op op, std::initializer_list<uint32_t> q, double p = 0.25)
{
    Ctx ctx;
    double ps[4] = {p, p, p, p};
    ASSERT_EQ(qtr_circuit_append(c, op, q.begin(), (uint32_t)q.size(), ps, &ctx), QTR_OK)
        << ctx.msg();
}

// Put a virtual circuit on the first physical qubits (trivial layout).
void widen(qtr_circuit *c, uint32_t N)
{
    Ctx ctx;
    std::vector<uint32_t> id(c->nqubits);
    for (uint32_t v = 0; v < c->nqubits; v++) id[v] = v;
    ASSERT_EQ(qtr_circuit_remap_qubits(c, id.data(), N, &ctx), QTR_OK);
}

// Route `in` laid out trivially on t; check conformity, per-wire equality and
// (when small) simulation. Returns the swaps inserted.
uint64_t route_and_check(const qtr_circuit *in, const qtr_target *t, int basic, uint32_t trials,
                         uint64_t seed, bool simulate, double absorb = 0.0)
{
    Ctx ctx;
    qtr_circuit *out = clone(in);
    widen(out, t->nqubits);
    std::vector<uint32_t> perm(t->nqubits), init(in->nqubits), fin(in->nqubits);
    uint64_t nswaps = 0;
    qtr_route_opts o = {basic, trials, seed, absorb};
    EXPECT_EQ(qtr_pass_route_sabre(out, t, &o, perm.data(), &nswaps, &ctx), QTR_OK) << ctx.msg();
    EXPECT_EQ(qtr_circuit_check(out, &ctx), QTR_OK) << ctx.msg();
    EXPECT_TRUE(conforms(out, t));
    for (uint32_t v = 0; v < in->nqubits; v++) {
        init[v] = v;
        fin[v] = perm[v];
    }
    EXPECT_TRUE(same_per_wire(in, out, init.data(), fin.data()));
    uint64_t counted = 0;
    for (size_t i = 0; i < out->ninst; i++) counted += out->inst[i].op == QTR_OP_SWAP;
    EXPECT_EQ(counted, nswaps);
    if (simulate) {
        EXPECT_EQ(qtr_sim_equivalent(in, out, init.data(), fin.data(), 1e-6, &ctx), QTR_OK)
            << ctx.msg();
    }
    qtr_circuit_free(out);
    return nswaps;
}

}  // namespace

// ---- the DAG ------------------------------------------------------------

TEST(SabreDag, MergesPairsFoldsOneQubitGatesAndKeepsEveryInstruction)
{
    Ctx ctx;
    qtr_circuit *c = qtr_circuit_new(0);
    ASSERT_EQ(qtr_circuit_add_qreg(c, "q", 4, &ctx), QTR_OK);
    add(c, QTR_OP_H, {3});          // no predecessor: initial
    add(c, QTR_OP_CX, {0, 1});      // node 0
    add(c, QTR_OP_H, {0});          // folded into node 0
    add(c, QTR_OP_CZ, {1, 0});      // same pair: merged into node 0
    add(c, QTR_OP_CX, {1, 2});      // node 1
    add(c, QTR_OP_BARRIER, {0, 1, 2, 3});  // joins nodes 0 and 1: sync node 2
    add(c, QTR_OP_CX, {2, 3});      // node 3
    qtr_sabre_dag d;
    ASSERT_EQ(qtr_sabre_dag_build(&d, c, &ctx), QTR_OK);
    EXPECT_EQ(d.nnodes, 4u);
    EXPECT_EQ(d.ninitial, 1u);
    EXPECT_EQ(d.initial[0], 0u);
    EXPECT_EQ(d.ninst, 7u);
    EXPECT_EQ(d.inst_off[1] - d.inst_off[0], 3u);  // cx, h, cz
    EXPECT_EQ(d.q[2][0], QTR_NONE);                // the barrier
    EXPECT_EQ(d.pred_off[3] - d.pred_off[2], 2u);
    EXPECT_EQ(d.pred_off[4] - d.pred_off[3], 1u);
    EXPECT_EQ(d.pred[d.pred_off[3]], 2u);          // cx(2,3) waits for the barrier
    qtr_sabre_dag_fini(&d);
    qtr_circuit_free(c);
}

// A measurement with nothing after it on its qubit or clbit is final: kept
// out of the nodes and emitted last, so no swap can follow it. One that a
// condition reads, or that its qubit outlives, stays in place.
TEST(SabreDag, FinalMeasurementsAreKeptForTheEnd)
{
    Ctx ctx;
    qtr_circuit *c = qtr_circuit_new(0);
    ASSERT_EQ(qtr_circuit_add_qreg(c, "q", 4, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_add_creg(c, "c", 4, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_add_creg(c, "f", 1, &ctx), QTR_OK);   // clbit 4
    add(c, QTR_OP_CX, {0, 1});       // 0
    add(c, QTR_OP_MEASURE, {0, 0});  // 1: final
    add(c, QTR_OP_MEASURE, {1, 1});  // 2: qubit 1 is used again
    add(c, QTR_OP_CX, {1, 2});       // 3
    add(c, QTR_OP_MEASURE, {2, 4});  // 4: its clbit is read by the condition
    uint32_t q[2] = {3, 1};
    ASSERT_EQ(qtr_circuit_append_cond(c, QTR_OP_CX, q, 2, nullptr, 1, 1, &ctx), QTR_OK);  // 5
    add(c, QTR_OP_MEASURE, {3, 3});  // 6: final
    qtr_sabre_dag d;
    ASSERT_EQ(qtr_sabre_dag_build(&d, c, &ctx), QTR_OK);
    ASSERT_EQ(d.nfinal, 2u);
    EXPECT_EQ(d.final[0], 1u);
    EXPECT_EQ(d.final[1], 6u);
    EXPECT_EQ(d.ninst, 7u);
    for (uint32_t k = 0; k < d.inst_off[d.nnodes]; k++) {
        EXPECT_NE(d.inst[k], 1u);
        EXPECT_NE(d.inst[k], 6u);
    }
    qtr_sabre_dag_fini(&d);
    qtr_circuit_free(c);
}

// Routed with final measurements on every qubit: nothing follows a
// measurement on its physical qubit, so the simulator can compare the output.
TEST(RouteSabre, NoSwapAfterAFinalMeasurement)
{
    qtr_target *t = line(6);
    for (uint64_t seed = 0; seed < 4; seed++) {
        qtr_circuit *in = random_circuit(6, 60, seed);
        Ctx ctx;
        ASSERT_EQ(qtr_circuit_add_creg(in, "c", 6, &ctx), QTR_OK);
        for (uint32_t v = 0; v < 6; v++) add(in, QTR_OP_MEASURE, {v, v});
        qtr_circuit *out = clone(in);
        widen(out, 6);
        std::vector<uint32_t> perm(6);
        uint64_t ns;
        qtr_route_opts o = {0, 3, seed};
        ASSERT_EQ(qtr_pass_route_sabre(out, t, &o, perm.data(), &ns, &ctx), QTR_OK);
        EXPECT_GT(ns, 0u);
        std::vector<int> measured(6, 0);
        for (size_t i = 0; i < out->ninst; i++) {
            const qtr_inst *x = &out->inst[i];
            const uint32_t *q = qtr_inst_operands(out, x);
            if (x->op == QTR_OP_MEASURE) {
                measured[q[0]] = 1;
                continue;
            }
            for (uint32_t j = 0; j < x->nargs; j++)
                EXPECT_FALSE(measured[q[j]]) << "instruction " << i << " after a measurement";
        }
        qtr_circuit_free(out);
        qtr_circuit_free(in);
    }
    qtr_target_free(t);
}

// Gates that commute wait only for what they do not commute with: a QAOA
// layer's RZZ blocks (cx-rz-cx, cz) are all ready at once, and the mixer
// folded after the last block of its qubit leaves that block as a node of
// its own that waits for every block on the qubit.
TEST(SabreDag, CommutingBlocksWaitOnlyForWhatTheyDoNotCommuteWith)
{
    Ctx ctx;
    qtr_circuit *c = qtr_circuit_new(0);
    ASSERT_EQ(qtr_circuit_add_qreg(c, "q", 4, &ctx), QTR_OK);
    add(c, QTR_OP_CX, {0, 1});   // A: cx-rz-cx, diagonal
    add(c, QTR_OP_RZ, {1});
    add(c, QTR_OP_CX, {0, 1});
    add(c, QTR_OP_CX, {0, 2});   // B: diagonal, shares qubit 0 with A
    add(c, QTR_OP_RZ, {2});
    add(c, QTR_OP_CX, {0, 2});
    add(c, QTR_OP_CZ, {1, 2});   // C: diagonal, shares 1 with A and 2 with B
    add(c, QTR_OP_RX, {0});      // the mixer on 0: after A and B
    add(c, QTR_OP_CX, {0, 3});   // D: after the mixer
    qtr_sabre_dag strict, d;
    ASSERT_EQ(qtr_sabre_dag_build(&strict, c, &ctx), QTR_OK);
    EXPECT_EQ(strict.nnodes, 4u);   // the strict DAG: A, B with the mixer, C, D
    ASSERT_EQ(qtr_sabre_dag_commute(&d, &strict, c), 1);
    ASSERT_EQ(d.nnodes, 5u);      // A, B, the mixer, C, D
    EXPECT_EQ(d.ninst, 9u);
    EXPECT_EQ(d.inst_off[5], 9u);
    auto npred = [&](uint32_t k) { return d.pred_off[k + 1] - d.pred_off[k]; };
    EXPECT_EQ(d.inst_off[2] - d.inst_off[1], 3u);   // B without the mixer
    EXPECT_EQ(d.q[2][0], QTR_NONE);                 // the mixer alone
    ASSERT_EQ(d.inst_off[3] - d.inst_off[2], 1u);
    EXPECT_EQ(d.inst[d.inst_off[2]], 7u);
    EXPECT_EQ(npred(0), 0u);
    EXPECT_EQ(npred(1), 0u);   // B commutes with A
    EXPECT_EQ(npred(3), 0u);   // C commutes with A and B
    EXPECT_EQ(npred(2), 2u);   // the mixer waits for A and B
    ASSERT_EQ(npred(4), 1u);   // D waits for the mixer only
    EXPECT_EQ(d.pred[d.pred_off[4]], 2u);
    qtr_sabre_dag_fini(&d);
    qtr_sabre_dag_fini(&strict);
    qtr_circuit_free(c);
}

// Nothing commutes (swap and iswap move Z and X to the other qubit, so
// they are of neither kind on either): no second DAG.
TEST(SabreDag, NoCommutationDagWhenNothingCommutes)
{
    Ctx ctx;
    qtr_circuit *c = qtr_circuit_new(0);
    ASSERT_EQ(qtr_circuit_add_qreg(c, "q", 3, &ctx), QTR_OK);
    add(c, QTR_OP_SWAP, {0, 1});
    add(c, QTR_OP_H, {0});
    add(c, QTR_OP_ISWAP, {1, 2});
    add(c, QTR_OP_SWAP, {2, 0});
    qtr_sabre_dag d, dc;
    ASSERT_EQ(qtr_sabre_dag_build(&d, c, &ctx), QTR_OK);
    EXPECT_EQ(qtr_sabre_dag_commute(&dc, &d, c), 0);
    EXPECT_EQ(dc.nnodes, 0u);
    qtr_sabre_dag_fini(&d);
    qtr_circuit_free(c);
}

TEST(SabreDag, RejectsGatesOnThreeQubits)
{
    Ctx ctx;
    qtr_circuit *c = qtr_circuit_new(0);
    ASSERT_EQ(qtr_circuit_add_qreg(c, "q", 3, &ctx), QTR_OK);
    add(c, QTR_OP_CCX, {0, 1, 2});
    qtr_sabre_dag d;
    EXPECT_EQ(qtr_sabre_dag_build(&d, c, &ctx), QTR_EUNSUPPORTED);
    EXPECT_THAT(ctx.msg(), HasSubstr("unrolled before routing"));
    qtr_circuit_free(c);
}

// ---- single trials ------------------------------------------------------------

// attempt_limit 0 sends every step through the release valve.
TEST(SabreTrial, ReleaseValveAloneStillRoutes)
{
    qtr_target *t = grid(3, 4);
    for (uint64_t seed = 0; seed < 30; seed++) {
        Ctx ctx;
        qtr_circuit *in = random_circuit(8, 60, seed);
        qtr_circuit *out = clone(in);
        widen(out, t->nqubits);
        qtr_rtarget rt;
        qtr_sabre_dag d;
        ASSERT_EQ(qtr_rtarget_init(&rt, t, &ctx), QTR_OK);
        ASSERT_EQ(qtr_sabre_dag_build(&d, out, &ctx), QTR_OK);
        qtr_sabre_heur h;
        qtr_sabre_heur_decay(&h, t->nqubits);
        h.attempt_limit = 0;
        qtr_sabre_state *s = qtr_sabre_state_new(&d, &rt);
        ASSERT_NE(s, nullptr);
        qtr_sabre_result r;
        ASSERT_EQ(qtr_sabre_result_init(&r, t->nqubits), QTR_OK);
        std::vector<uint32_t> start(t->nqubits);
        // a shuffled start makes most gates need swaps
        for (uint32_t p = 0; p < t->nqubits; p++) start[p] = (p * 5 + (uint32_t)seed) % 12;
        ASSERT_EQ(qtr_sabre_trial(s, &h, 0, start.data(), seed, 1, nullptr, 0, &r), QTR_OK);
        EXPECT_FALSE(r.aborted);
        ASSERT_EQ(qtr_sabre_rebuild(out, &d, &r, &ctx), QTR_OK);
        EXPECT_TRUE(conforms(out, t));
        EXPECT_TRUE(same_per_wire(in, out, r.layout0, r.layout1)) << "seed " << seed;
        qtr_sabre_result_fini(&r);
        qtr_sabre_state_free(s);
        qtr_sabre_dag_fini(&d);
        qtr_rtarget_fini(&rt);
        qtr_circuit_free(in);
        qtr_circuit_free(out);
    }
    qtr_target_free(t);
}

// The backward pass routes the reversed DAG: the swaps it records, replayed
// in reverse order from its final layout, lead back to its start.
TEST(SabreTrial, ReverseTrialEndsOnAPermutationOfTheStart)
{
    Ctx ctx;
    qtr_target *t = ring(9);
    qtr_circuit *c = random_circuit(9, 80, 7);
    qtr_rtarget rt;
    qtr_sabre_dag d;
    ASSERT_EQ(qtr_rtarget_init(&rt, t, &ctx), QTR_OK);
    ASSERT_EQ(qtr_sabre_dag_build(&d, c, &ctx), QTR_OK);
    qtr_sabre_heur h;
    qtr_sabre_heur_decay(&h, 9);
    qtr_sabre_state *s = qtr_sabre_state_new(&d, &rt);
    qtr_sabre_result r;
    ASSERT_EQ(qtr_sabre_result_init(&r, 9), QTR_OK);
    std::vector<uint32_t> start = {3, 1, 4, 0, 5, 2, 6, 8, 7};
    ASSERT_EQ(qtr_sabre_trial(s, &h, 1, start.data(), 1, 1, nullptr, 0, &r), QTR_OK);
    std::vector<uint32_t> v2p(r.layout1, r.layout1 + 9), p2v(9);
    for (uint32_t v = 0; v < 9; v++) p2v[v2p[v]] = v;
    for (size_t k = r.nswaps; k-- > 0;) {
        uint32_t a = r.swaps[k][0], b = r.swaps[k][1];
        EXPECT_TRUE(qtr_target_connected(t, a, b));
        std::swap(p2v[a], p2v[b]);
    }
    for (uint32_t p = 0; p < 9; p++) EXPECT_EQ(start[p2v[p]], p);
    EXPECT_EQ(r.norder, d.nnodes);
    qtr_sabre_result_fini(&r);
    qtr_sabre_state_free(s);
    qtr_sabre_dag_fini(&d);
    qtr_rtarget_fini(&rt);
    qtr_circuit_free(c);
    qtr_target_free(t);
}

// One trial of `c` (3 qubits) on the line 0-1-2 from the trivial layout:
// the swap it inserts (lower qubit first) and its cost.
void one_swap_trial(const qtr_circuit *c, double absorb, uint64_t seed, uint32_t *pair,
                    uint64_t *cost)
{
    Ctx ctx;
    qtr_target *t = line(3);
    qtr_rtarget rt;
    qtr_sabre_dag d;
    ASSERT_EQ(qtr_rtarget_init(&rt, t, &ctx), QTR_OK);
    ASSERT_EQ(qtr_sabre_dag_build(&d, c, &ctx), QTR_OK);
    qtr_sabre_heur h;
    qtr_sabre_heur_decay(&h, 3);
    h.absorb = absorb;
    qtr_sabre_state *s = qtr_sabre_state_new(&d, &rt);
    ASSERT_NE(s, nullptr);
    qtr_sabre_result r;
    ASSERT_EQ(qtr_sabre_result_init(&r, 3), QTR_OK);
    const uint32_t start[3] = {0, 1, 2};
    ASSERT_EQ(qtr_sabre_trial(s, &h, 0, start, seed, 1, nullptr, 0, &r), QTR_OK);
    ASSERT_EQ(r.nswaps, 1u);
    pair[0] = std::min(r.swaps[0][0], r.swaps[0][1]);
    pair[1] = std::max(r.swaps[0][0], r.swaps[0][1]);
    *cost = r.cost;
    qtr_sabre_result_fini(&r);
    qtr_sabre_state_free(s);
    qtr_sabre_dag_fini(&d);
    qtr_rtarget_fini(&rt);
    qtr_target_free(t);
}

// cx(0,1) then cx(0,2) on the line 0-1-2: a swap on (0,1) or on (1,2)
// brings 0 and 2 together, with the same score. With absorb < 1 the trial
// takes (0,1), which 2q block resynthesis merges with cx(0,1) (1 more cx,
// not 3), and counts it 1 in its cost; without, the random tie-break takes
// either and the cost is the swap count. cx(0,2) alone has no gate to merge
// with: cost 3 with absorb.
TEST(SabreTrial, AbsorbPicksTheSwapAfterAGateOnThePair)
{
    Ctx ctx;
    qtr_circuit *c = qtr_circuit_new(0), *lone = qtr_circuit_new(0);
    ASSERT_EQ(qtr_circuit_add_qreg(c, "q", 3, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_add_qreg(lone, "q", 3, &ctx), QTR_OK);
    add(c, QTR_OP_CX, {0, 1});
    add(c, QTR_OP_CX, {0, 2});
    add(lone, QTR_OP_CX, {0, 2});
    int other_pair = 0;
    for (uint64_t seed = 0; seed < 16; seed++) {
        uint32_t pair[2];
        uint64_t cost;
        one_swap_trial(c, 0.9, seed, pair, &cost);
        EXPECT_EQ(pair[0], 0u) << "seed " << seed;
        EXPECT_EQ(pair[1], 1u) << "seed " << seed;
        EXPECT_EQ(cost, 1u);
        one_swap_trial(c, 1.0, seed, pair, &cost);
        EXPECT_EQ(cost, 1u);
        other_pair += pair[0] == 1;
        one_swap_trial(lone, 0.9, seed, pair, &cost);
        EXPECT_EQ(cost, 3u);
    }
    EXPECT_GT(other_pair, 0);
    qtr_circuit_free(c);
    qtr_circuit_free(lone);
}

// Qiskit 2.2's extended-set lookahead: forwards and backwards, with and
// without the release valve, one state reused across heuristics (the set's
// lists must be reset between trials), every trial a valid routing; and on
// the same start it differs from the layer lookahead somewhere.
TEST(SabreTrial, ExtendedSetLookaheadRoutes)
{
    qtr_target *t = heavy_hex27();
    int differs = 0;
    for (uint64_t seed = 0; seed < 12; seed++) {
        Ctx ctx;
        qtr_circuit *in = random_circuit(14, 120, seed + 100);
        widen(in, t->nqubits);
        qtr_rtarget rt;
        qtr_sabre_dag d;
        ASSERT_EQ(qtr_rtarget_init(&rt, t, &ctx), QTR_OK);
        ASSERT_EQ(qtr_sabre_dag_build(&d, in, &ctx), QTR_OK);
        qtr_sabre_heur he, hl;
        qtr_sabre_heur_extended(&he, t->nqubits);
        qtr_sabre_heur_decay(&hl, t->nqubits);
        EXPECT_EQ(he.ext_size, 20u);
        qtr_sabre_state *s = qtr_sabre_state_new(&d, &rt);
        ASSERT_NE(s, nullptr);
        std::vector<uint32_t> start(t->nqubits);
        for (uint32_t p = 0; p < t->nqubits; p++) start[p] = (p * 11 + (uint32_t)seed) % 27;
        uint64_t sw[2] = {0, 0};
        for (int k = 0; k < 6; k++) {
            const qtr_sabre_heur *h = k % 3 == 1 ? &hl : &he;
            qtr_sabre_heur hv = *h;
            if (k == 2) hv.attempt_limit = 0;   // release valve at every step
            int reverse = k == 3;
            qtr_sabre_result r;
            ASSERT_EQ(qtr_sabre_result_init(&r, t->nqubits), QTR_OK);
            ASSERT_EQ(qtr_sabre_trial(s, &hv, reverse, start.data(), seed, 1, nullptr, 0, &r),
                      QTR_OK);
            EXPECT_FALSE(r.aborted);
            EXPECT_EQ(r.norder, d.nnodes);
            if (k == 0) sw[0] = r.nswaps;
            if (k == 1) sw[1] = r.nswaps;
            if (k >= 4) {   // the state reused: the same trial gives the same answer
                EXPECT_EQ(r.nswaps, sw[k == 4 ? 1 : 0]) << "k " << k;
            }
            if (!reverse) {
                qtr_circuit *out = clone(in);
                ASSERT_EQ(qtr_sabre_rebuild(out, &d, &r, &ctx), QTR_OK);
                EXPECT_TRUE(conforms(out, t));
                EXPECT_TRUE(same_per_wire(in, out, r.layout0, r.layout1)) << "seed " << seed;
                qtr_circuit_free(out);
            }
            qtr_sabre_result_fini(&r);
        }
        differs += sw[0] != sw[1];
        qtr_sabre_state_free(s);
        qtr_sabre_dag_fini(&d);
        qtr_rtarget_fini(&rt);
        qtr_circuit_free(in);
    }
    EXPECT_GT(differs, 0);
    qtr_target_free(t);
}

// ---- the routing pass ------------------------------------------------------------

TEST(RouteSabre, ConformsAndIsEquivalentOnRandomCircuits)
{
    std::vector<qtr_target *> ts = {line(7), ring(8), grid(3, 3), heavy_hex27()};
    int checked = 0;
    for (qtr_target *t : ts)
        for (uint64_t seed = 0; seed < 60; seed++) {
            uint32_t nq = 3 + (uint32_t)(seed % 6);  // 3..8 virtual qubits
            if (nq > t->nqubits) nq = t->nqubits;
            qtr_circuit *in = random_circuit(nq, 10 + 3 * (seed % 20), seed * 31 + 5);
            route_and_check(in, t, (int)(seed & 1), 3, seed, true);
            qtr_circuit_free(in);
            checked++;
        }
    EXPECT_EQ(checked, 240);
    for (qtr_target *t : ts) qtr_target_free(t);
}

// Trials on the commutation DAG (qtr_sabre_dag_commute) from a shuffled
// start, under each lookahead, the release valve alone, backwards, and with
// swap absorption: every result conforms and simulates equal to the input.
TEST(SabreTrial, CommutingLayersRouteEquivalently)
{
    std::vector<qtr_target *> ts = {line(8), grid(3, 3), ring(9)};   // simulated whole
    int made = 0;
    for (qtr_target *t : ts)
        for (uint64_t seed = 0; seed < 20; seed++) {
            Ctx ctx;
            uint32_t nq = 4 + (uint32_t)(seed % 5);   // 4..8
            qtr_circuit *in = commuting_layers(nq, 1 + (uint32_t)(seed % 3), seed);
            qtr_circuit *wide = clone(in);
            widen(wide, t->nqubits);
            qtr_rtarget rt;
            qtr_sabre_dag strict, d;
            ASSERT_EQ(qtr_rtarget_init(&rt, t, &ctx), QTR_OK);
            ASSERT_EQ(qtr_sabre_dag_build(&strict, wide, &ctx), QTR_OK);
            int r = qtr_sabre_dag_commute(&d, &strict, wide);
            ASSERT_GE(r, 0);
            made += r;
            if (r == 0) {   // nothing commutes: the strict DAG stands in
                d = strict;
                memset(&strict, 0, sizeof strict);
            }
            qtr_sabre_state *s = qtr_sabre_state_new(&d, &rt);
            ASSERT_NE(s, nullptr);
            std::vector<uint32_t> start(t->nqubits);
            for (uint32_t p = 0; p < t->nqubits; p++)
                start[p] = (p * 7 + (uint32_t)seed) % t->nqubits;   // 7: prime to 8 and 9
            for (int k = 0; k < 5; k++) {
                qtr_sabre_heur h;
                if (k == 1) qtr_sabre_heur_extended(&h, t->nqubits);
                else qtr_sabre_heur_decay(&h, t->nqubits);
                if (k == 2) h.attempt_limit = 0;   // release valve at every step
                if (k == 4) h.absorb = 0.9;
                int reverse = k == 3;
                qtr_sabre_result res;
                ASSERT_EQ(qtr_sabre_result_init(&res, t->nqubits), QTR_OK);
                ASSERT_EQ(qtr_sabre_trial(s, &h, reverse, start.data(), seed + k, 1, nullptr, 0,
                                          &res),
                          QTR_OK);
                EXPECT_FALSE(res.aborted);
                EXPECT_EQ(res.norder, d.nnodes);
                if (!reverse) {
                    qtr_circuit *out = clone(wide);
                    ASSERT_EQ(qtr_sabre_rebuild(out, &d, &res, &ctx), QTR_OK);
                    EXPECT_TRUE(conforms(out, t));
                    EXPECT_TRUE(same_per_wire(in, out, res.layout0, res.layout1))
                        << "seed " << seed << " k " << k;
                    EXPECT_EQ(qtr_sim_equivalent(in, out, res.layout0, res.layout1, 1e-6, &ctx),
                              QTR_OK)
                        << "seed " << seed << " k " << k << ": " << ctx.msg();
                    qtr_circuit_free(out);
                }
                qtr_sabre_result_fini(&res);
            }
            qtr_sabre_state_free(s);
            qtr_sabre_dag_fini(&d);
            qtr_sabre_dag_fini(&strict);
            qtr_rtarget_fini(&rt);
            qtr_circuit_free(wide);
            qtr_circuit_free(in);
        }
    EXPECT_GE(made, 55);
    for (qtr_target *t : ts) qtr_target_free(t);
}

// Commutation lets the router take whichever commuting term is nearest: on a
// line, a star of commuting terms around qubit 0 needs fewer swaps than the
// same star with an h between the terms, which fixes their order.
TEST(SabreTrial, CommutingTermsNeedFewerSwapsThanTheirOrder)
{
    qtr_target *t = line(8);
    qtr_circuit *diag = qtr_circuit_new(0), *ordered = qtr_circuit_new(0);
    Ctx ctx;
    ASSERT_EQ(qtr_circuit_add_qreg(diag, "q", 8, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_add_qreg(ordered, "q", 8, &ctx), QTR_OK);
    const uint32_t far_near[] = {7, 1, 6, 2, 5, 3, 4};
    for (int rep = 0; rep < 3; rep++)
        for (uint32_t b : far_near) {
            add(diag, QTR_OP_RZZ, {0, b}, 0.3 + rep);
            add(ordered, QTR_OP_RZZ, {0, b}, 0.3 + rep);
            add(ordered, QTR_OP_H, {0});
        }
    qtr_rtarget rt;
    ASSERT_EQ(qtr_rtarget_init(&rt, t, &ctx), QTR_OK);
    std::vector<uint32_t> start(8);
    for (uint32_t p = 0; p < 8; p++) start[p] = p;
    uint64_t swaps[2];
    for (int k = 0; k < 2; k++) {
        qtr_circuit *c = k ? ordered : diag;
        qtr_sabre_dag strict, d;
        ASSERT_EQ(qtr_sabre_dag_build(&strict, c, &ctx), QTR_OK);
        EXPECT_EQ(qtr_sabre_dag_commute(&d, &strict, c), 1);   // ordered: h's kinds differ
        qtr_sabre_state *s = qtr_sabre_state_new(&d, &rt);
        qtr_sabre_heur h;
        qtr_sabre_heur_decay(&h, 8);
        qtr_sabre_result res;
        ASSERT_EQ(qtr_sabre_result_init(&res, 8), QTR_OK);
        ASSERT_EQ(qtr_sabre_trial(s, &h, 0, start.data(), 1, 1, nullptr, 0, &res), QTR_OK);
        swaps[k] = res.nswaps;
        qtr_circuit *out = clone(c);
        ASSERT_EQ(qtr_sabre_rebuild(out, &d, &res, &ctx), QTR_OK);
        EXPECT_EQ(qtr_sim_equivalent(c, out, res.layout0, res.layout1, 1e-6, &ctx), QTR_OK)
            << ctx.msg();
        qtr_circuit_free(out);
        qtr_sabre_result_fini(&res);
        qtr_sabre_state_free(s);
        qtr_sabre_dag_fini(&d);
        qtr_sabre_dag_fini(&strict);
    }
    EXPECT_LT(swaps[0], swaps[1]);
    qtr_rtarget_fini(&rt);
    qtr_circuit_free(diag);
    qtr_circuit_free(ordered);
    qtr_target_free(t);
}

TEST(RouteSabre, LargerCircuitsConformPerWire)
{
    qtr_target *t = heavy_hex27();
    for (uint64_t seed = 0; seed < 10; seed++) {
        qtr_circuit *in = random_circuit(27, 2000, seed);
        uint64_t swaps = route_and_check(in, t, 0, 4, seed, false);
        EXPECT_GT(swaps, 0u);
        qtr_circuit_free(in);
    }
    qtr_target_free(t);
}

TEST(RouteSabre, NothingToDoOnAPerfectLayout)
{
    Ctx ctx;
    qtr_target *t = line(5);
    qtr_circuit *c = qtr_circuit_new(0);
    ASSERT_EQ(qtr_circuit_add_qreg(c, "q", 5, &ctx), QTR_OK);
    for (uint32_t i = 0; i + 1 < 5; i++) add(c, QTR_OP_CX, {i, i + 1});
    EXPECT_EQ(route_and_check(c, t, 0, 5, 1, true), 0u);
    qtr_circuit_free(c);
    qtr_target_free(t);
}

TEST(RouteSabre, SameSeedSameOutput)
{
    Ctx ctx;
    qtr_target *t = heavy_hex27();
    for (uint64_t seed = 0; seed < 5; seed++) {
        qtr_circuit *in = random_circuit(20, 500, 100 + seed);
        qtr_circuit *a = clone(in), *b = clone(in);
        widen(a, 27);
        widen(b, 27);
        std::vector<uint32_t> pa(27), pb(27);
        uint64_t sa, sb;
        qtr_route_opts o = {0, 8, 42};
        ASSERT_EQ(qtr_pass_route_sabre(a, t, &o, pa.data(), &sa, &ctx), QTR_OK);
        ASSERT_EQ(qtr_pass_route_sabre(b, t, &o, pb.data(), &sb, &ctx), QTR_OK);
        EXPECT_TRUE(qtr_circuit_equal(a, b));
        EXPECT_EQ(pa, pb);
        EXPECT_EQ(sa, sb);
        qtr_circuit_free(in);
        qtr_circuit_free(a);
        qtr_circuit_free(b);
    }
    qtr_target_free(t);
}

// Favouring mergeable swaps (levels 2-3) changes which swaps, never whether
// the result is a routing: conforming, equal per wire, equivalent.
TEST(RouteSabre, AbsorbingRoutesStayEquivalent)
{
    qtr_target *g = grid(3, 3), *hh = heavy_hex27();
    for (uint64_t seed = 0; seed < 12; seed++) {
        qtr_circuit *small = random_circuit(9, 80, 300 + seed);
        qtr_circuit *large = random_circuit(20, 500, 400 + seed);
        route_and_check(small, g, 0, 4, seed, true, 0.9);
        route_and_check(large, hh, 0, 4, seed, false, 0.9);
        qtr_circuit_free(small);
        qtr_circuit_free(large);
    }
    qtr_target_free(g);
    qtr_target_free(hh);
}

// More trials can only help: the best of 8 is never worse than trial 0 alone.
TEST(RouteSabre, MoreTrialsNeverWorse)
{
    qtr_target *t = grid(4, 4);
    for (uint64_t seed = 0; seed < 8; seed++) {
        qtr_circuit *in = random_circuit(16, 300, seed);
        uint64_t one = route_and_check(in, t, 0, 1, seed, false);
        uint64_t eight = route_and_check(in, t, 0, 8, seed, false);
        EXPECT_LE(eight, one);
        qtr_circuit_free(in);
    }
    qtr_target_free(t);
}

// Routing's scratch (plain malloc) is counted in the circuit's peak: at
// least the DAG's instruction lists and the n x n distance matrix on top of
// the input and the routed instruction array; nothing stays counted after.
TEST(RouteSabre, ScratchCountsInThePeak)
{
    Ctx ctx;
    qtr_target *t = heavy_hex27();
    qtr_circuit *c = random_circuit(20, 2000, 5);
    widen(c, 27);
    size_t before = c->alloc.cur, ninst = c->ninst;
    c->alloc.peak = before;
    std::vector<uint32_t> perm(27);
    uint64_t ns = 0;
    qtr_route_opts o = {0, 4, 1};
    ASSERT_EQ(qtr_pass_route_sabre(c, t, &o, perm.data(), &ns, &ctx), QTR_OK) << ctx.msg();
    ASSERT_GT(ns, 0u);
    size_t routed = (ninst + ns) * sizeof(qtr_inst);
    size_t floor = 27 * 27 * sizeof(uint16_t) + ninst * sizeof(uint32_t);
    EXPECT_GE(c->alloc.peak, before + routed + floor);
    // released again: cur is the circuit's own blocks only
    EXPECT_LT(c->alloc.cur, before + routed);
    qtr_circuit_free(c);
    qtr_target_free(t);
}

// The SABRE DAG and the layout's interaction graph are weighed against the
// circuit's budget before they are built, by a bound from the circuit
// (qtr_sabre_dag_build_bytes, qtr_igraph_build_bytes), and counted after by
// the real figure: the bound is never below the real high water (what the
// peak rises by), the DAG's arrays stay counted in cur until its fini, the
// commutation DAG's too, and a commutation DAG that does not fit gives -2
// leaving nothing counted. Random circuits with measurements, conditions
// and barriers; the bound stays within 3x of the real figure.
TEST(SabreDag, BudgetBoundCoversTheBuild)
{
    Ctx ctx;
    double worst = 0;
    for (uint64_t seed = 0; seed < 24; seed++) {
        uint32_t nq = 3 + (uint32_t)(seed % 17);
        qtr_circuit *c = random_circuit(nq, 40 + 211 * seed, seed);
        ASSERT_EQ(qtr_circuit_add_creg(c, "m", 4, &ctx), QTR_OK);
        if (seed % 3 == 1) {
            add(c, QTR_OP_MEASURE, {0, 1});
            uint32_t q[2] = {1, 2};
            ASSERT_EQ(qtr_circuit_append_cond(c, QTR_OP_CX, q, 2, nullptr, 0, 3, &ctx), QTR_OK);
            add(c, QTR_OP_BARRIER, {0, 1, 2});
            add(c, QTR_OP_H, {2});
        }
        if (seed % 2 == 0)
            for (uint32_t v = 0; v < 4 && v < nq; v++) add(c, QTR_OP_MEASURE, {v, v});
        qtr_alloc *a = &c->alloc;
        a->limit = SIZE_MAX / 2;
        size_t cur = a->cur;
        a->peak = cur;
        qtr_sabre_dag d, dc;
        ASSERT_EQ(qtr_sabre_dag_build_in(&d, c, a, "routing", &ctx), QTR_OK) << ctx.msg();
        size_t high = a->peak - cur, bound = qtr_sabre_dag_build_bytes(c);
        EXPECT_LE(high, bound) << "seed " << seed;
        EXPECT_EQ(a->cur - cur, qtr_sabre_dag_bytes(&d)) << "seed " << seed;
        EXPECT_GE(high, qtr_sabre_dag_bytes(&d));
        worst = std::max(worst, (double)bound / (double)high);
        int made = qtr_sabre_dag_commute_in(&dc, &d, c, a);
        ASSERT_GE(made, 0);
        if (made) {
            EXPECT_EQ(a->cur - cur, qtr_sabre_dag_bytes(&d) + qtr_sabre_dag_bytes(&dc));
            qtr_sabre_dag_fini(&dc);
            a->limit = a->cur + 64;   // the commutation DAG's first block cannot fit
            EXPECT_EQ(qtr_sabre_dag_commute_in(&dc, &d, c, a), -2);
            EXPECT_EQ(a->cur - cur, qtr_sabre_dag_bytes(&d));
            a->limit = SIZE_MAX / 2;
        }
        qtr_sabre_dag_fini(&d);
        EXPECT_EQ(a->cur, cur);

        qtr_igraph g;
        a->peak = cur;
        ASSERT_EQ(qtr_igraph_build_in(&g, c, a, "layout", &ctx), QTR_OK);
        EXPECT_LE(a->peak - cur, qtr_igraph_build_bytes(c)) << "seed " << seed;
        EXPECT_GT(a->peak, cur);
        EXPECT_EQ(a->cur, cur);
        qtr_igraph_fini(&g);

        // refused before building, with nothing counted
        a->limit = cur + bound - 1;
        a->peak = cur;
        EXPECT_EQ(qtr_sabre_dag_build_in(&d, c, a, "routing", &ctx), QTR_EMEMORY);
        EXPECT_THAT(ctx.c.msg, HasSubstr("routing: the circuit needs more than its memory budget"));
        EXPECT_EQ(a->peak, cur);
        qtr_circuit_free(c);
    }
    EXPECT_LT(worst, 3.0);
}

#ifdef _OPENMP
// A caller's own OpenMP threads (as the batch's workers) call the library
// inside a parallel region that cannot nest an active one: SABRE's trials
// then run on one thread, and the routing states counted in the reported
// peak must be one, not omp_get_max_threads() of them.
TEST(RouteSabre, ThreadsCountedInsideTheCallersParallelRegion)
{
    EXPECT_EQ(qtr_sabre_threads(20, 1), (uint32_t)std::min(omp_get_max_threads(), 20));
    EXPECT_EQ(qtr_sabre_threads(20, 0), 1u);
    int levels = omp_get_max_active_levels();
    omp_set_max_active_levels(1);
    uint32_t inside[2] = {0, 0};
#pragma omp parallel num_threads(2)
    inside[omp_get_thread_num()] = qtr_sabre_threads(20, 1);
    omp_set_max_active_levels(levels);
    EXPECT_EQ(inside[0], 1u);
    EXPECT_EQ(inside[1], 1u);
}
#endif

TEST(RouteSabre, MeasurementsAndConditionsKeepTheirBits)
{
    Ctx ctx;
    qtr_target *t = line(5);
    qtr_circuit *c = qtr_circuit_new(0);
    ASSERT_EQ(qtr_circuit_add_qreg(c, "q", 5, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_add_creg(c, "c", 5, &ctx), QTR_OK);
    add(c, QTR_OP_H, {0});
    add(c, QTR_OP_CX, {0, 4});
    add(c, QTR_OP_MEASURE, {4, 3});
    uint32_t q[2] = {1, 3};
    ASSERT_EQ(qtr_circuit_append_cond(c, QTR_OP_CX, q, 2, nullptr, 0, 8, &ctx), QTR_OK);
    add(c, QTR_OP_CZ, {2, 0});
    add(c, QTR_OP_BARRIER, {0, 1, 2, 3, 4});
    for (uint32_t v = 0; v < 5; v++) add(c, QTR_OP_MEASURE, {v, 4 - v});
    route_and_check(c, t, 0, 5, 3, false);
    // the measure of virtual 4 into clbit 3 still comes before the condition
    qtr_circuit *out = clone(c);
    widen(out, 5);
    std::vector<uint32_t> perm(5);
    uint64_t ns;
    qtr_route_opts o = {0, 5, 3};
    ASSERT_EQ(qtr_pass_route_sabre(out, t, &o, perm.data(), &ns, &ctx), QTR_OK);
    size_t meas = SIZE_MAX, cond = SIZE_MAX;
    for (size_t i = 0; i < out->ninst; i++) {
        uint32_t creg;
        uint64_t val;
        if (out->inst[i].op == QTR_OP_MEASURE && qtr_inst_operands(out, &out->inst[i])[1] == 3 &&
            meas == SIZE_MAX)
            meas = i;
        if (qtr_inst_condition(out, &out->inst[i], &creg, &val)) cond = i;
    }
    ASSERT_NE(meas, SIZE_MAX);
    ASSERT_NE(cond, SIZE_MAX);
    EXPECT_LT(meas, cond);
    qtr_circuit_free(out);
    qtr_circuit_free(c);
    qtr_target_free(t);
}

TEST(RouteSabre, WideAndSingleBitConditionsKeepTheirBitsAndValues)
{
    Ctx ctx;
    qtr_target *t = line(5);
    qtr_circuit *c = qtr_circuit_new(0);
    ASSERT_EQ(qtr_circuit_add_qreg(c, "q", 5, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_add_creg(c, "c", 3, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_add_creg(c, "big", 130, &ctx), QTR_OK);
    add(c, QTR_OP_H, {0});
    add(c, QTR_OP_CX, {0, 4});
    add(c, QTR_OP_MEASURE, {4, 1});
    add(c, QTR_OP_MEASURE, {2, 100});
    uint32_t q[2] = {1, 3}, v[5] = {1, 0, 0, 0, 2};
    double th = 0.3;
    ASSERT_EQ(qtr_circuit_append_cond_bit(c, QTR_OP_CX, q, 2, nullptr, 1, 1, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_append_cond_wide(c, QTR_OP_CRX, q, 2, &th, 1, v, 5, &ctx), QTR_OK);
    add(c, QTR_OP_CZ, {2, 0});
    uint32_t q40[2] = {4, 0};
    ASSERT_EQ(qtr_circuit_append_cond_bit(c, QTR_OP_CX, q40, 2, nullptr, 1, 0, &ctx), QTR_OK);
    for (uint32_t v = 0; v < 3; v++) add(c, QTR_OP_MEASURE, {v, v});
    // same_per_wire compares conditions word for word on every wire they read
    route_and_check(c, t, 0, 5, 3, false);
    route_and_check(c, t, 1, 5, 7, false);
    qtr_circuit_free(c);
    qtr_target_free(t);
}

// ---- disconnected targets ------------------------------------------------------------

TEST(RouteSabre, GateAcrossComponentsIsATargetError)
{
    Ctx ctx;
    qtr_target *t = make_target("two-lines", 6, {{0, 1}, {1, 2}, {3, 4}, {4, 5}});
    qtr_circuit *c = qtr_circuit_new(0);
    ASSERT_EQ(qtr_circuit_add_qreg(c, "q", 6, &ctx), QTR_OK);
    add(c, QTR_OP_CX, {0, 2});   // routable inside the first line
    add(c, QTR_OP_CX, {2, 3});   // never: different components
    std::vector<uint32_t> perm(6);
    uint64_t ns;
    qtr_route_opts o = {0, 2, 0};
    EXPECT_EQ(qtr_pass_route_sabre(c, t, &o, perm.data(), &ns, &ctx), QTR_ETARGET);
    EXPECT_THAT(ctx.msg(), HasSubstr("different connected components"));
    qtr_circuit_free(c);
    qtr_target_free(t);
}

TEST(RouteSabre, RoutesWithinEachComponent)
{
    qtr_target *t = make_target("two-lines", 8, {{0, 1}, {1, 2}, {2, 3}, {4, 5}, {5, 6}, {6, 7}});
    Ctx ctx;
    qtr_circuit *c = qtr_circuit_new(0);
    ASSERT_EQ(qtr_circuit_add_qreg(c, "q", 8, &ctx), QTR_OK);
    add(c, QTR_OP_CX, {0, 3});
    add(c, QTR_OP_CX, {7, 4});
    add(c, QTR_OP_CX, {1, 3});
    add(c, QTR_OP_H, {5});
    add(c, QTR_OP_CX, {5, 7});
    route_and_check(c, t, 0, 3, 0, true);
    qtr_circuit_free(c);
    qtr_target_free(t);
}

TEST(RouteSabre, RejectsAnUnlaidCircuit)
{
    Ctx ctx;
    qtr_target *t = line(5);
    qtr_circuit *c = random_circuit(3, 10, 1);
    std::vector<uint32_t> perm(5);
    uint64_t ns;
    qtr_route_opts o = {0, 1, 0};
    EXPECT_EQ(qtr_pass_route_sabre(c, t, &o, perm.data(), &ns, &ctx), QTR_EINVAL);
    EXPECT_THAT(ctx.msg(), HasSubstr("must have 5"));
    qtr_circuit_free(c);
    qtr_target_free(t);
}

// ---- the pipeline ------------------------------------------------------------

namespace {

qtr_target *with_basis(qtr_target *t, const char *basis)
{
    Ctx ctx;
    EXPECT_EQ(qtr_target_set_basis(t, basis, &ctx), QTR_OK) << ctx.msg();
    return t;
}

// Transpile at `level`; the output must conform to t (qtr_transpile checks
// that itself) and be equivalent to `in` under the reported layouts.
qtr_result transpile_and_check(const qtr_circuit *in, const qtr_target *t, int level,
                               uint64_t seed)
{
    Ctx ctx;
    qtr_circuit *c = clone(in);
    qtr_options o;
    qtr_options_default(&o);
    o.opt_level = level;
    o.seed = seed;
    qtr_result r;
    EXPECT_EQ(qtr_transpile(c, t, &o, &r, &ctx), QTR_OK) << ctx.msg();
    EXPECT_EQ(qtr_target_check_circuit(t, c, &ctx), QTR_OK) << ctx.msg();
    EXPECT_EQ(r.nvirtual, in->nqubits);
    EXPECT_EQ(qtr_sim_equivalent(in, c, r.initial_layout, r.output_permutation, 1e-6, &ctx),
              QTR_OK)
        << "level " << level << " seed " << seed << ": " << ctx.msg();
    qtr_circuit_free(c);
    return r;
}

}  // namespace

TEST(Pipeline, EveryLevelRoutesAndStaysEquivalent)
{
    std::vector<qtr_target *> ts = {with_basis(line(6), "cx,rz,sx,x"),
                                    with_basis(grid(3, 3), "cz,rz,sx,x"),
                                    with_basis(heavy_hex27(), "ecr,rz,sx,x")};
    for (qtr_target *t : ts)
        for (int level = 0; level <= 3; level++)
            for (uint64_t seed = 0; seed < 8; seed++) {
                qtr_circuit *in = random_circuit(3 + (uint32_t)(seed % 4), 25, seed * 7 + level);
                qtr_result r = transpile_and_check(in, t, level, seed);
                qtr_result_free(&r);
                qtr_circuit_free(in);
            }
    for (qtr_target *t : ts) qtr_target_free(t);
}

TEST(Pipeline, ThreeQubitGatesAreUnrolledThenRouted)
{
    qtr_target *t = with_basis(line(5), "cx,rz,sx,x");
    qtr_circuit *c = qtr_circuit_new(0);
    Ctx ctx;
    ASSERT_EQ(qtr_circuit_add_qreg(c, "q", 5, &ctx), QTR_OK);
    add(c, QTR_OP_H, {0});
    add(c, QTR_OP_CCX, {0, 4, 2});
    add(c, QTR_OP_CSWAP, {3, 0, 1});
    for (int level = 0; level <= 3; level++) {
        qtr_result r = transpile_and_check(c, t, level, 1);
        if (level == 0) {
            EXPECT_GT(r.swaps, 0u);
        }
        qtr_result_free(&r);
    }
    qtr_circuit_free(c);
    qtr_target_free(t);
}

TEST(Pipeline, PerfectLayoutsNeedNoSwaps)
{
    qtr_target *t = with_basis(grid(3, 3), "cx,rz,sx,x");
    // a path through the grid in a scrambled qubit order: VF2 finds it (L2)
    qtr_circuit *c = qtr_circuit_new(0);
    Ctx ctx;
    ASSERT_EQ(qtr_circuit_add_qreg(c, "q", 9, &ctx), QTR_OK);
    const uint32_t order[9] = {4, 0, 8, 2, 6, 1, 7, 3, 5};
    for (int i = 0; i + 1 < 9; i++) add(c, QTR_OP_CX, {order[i], order[i + 1]});
    qtr_result r2 = transpile_and_check(c, t, 2, 0);
    EXPECT_EQ(r2.swaps, 0u);
    for (uint32_t v = 0; v < 9; v++) EXPECT_EQ(r2.initial_layout[v], r2.output_permutation[v]);
    qtr_result_free(&r2);
    // level 1 keeps the trivial layout when it already fits
    qtr_circuit *d = qtr_circuit_new(0);
    ASSERT_EQ(qtr_circuit_add_qreg(d, "q", 3, &ctx), QTR_OK);
    add(d, QTR_OP_CX, {0, 1});
    add(d, QTR_OP_CX, {1, 2});
    qtr_result r1 = transpile_and_check(d, t, 1, 0);
    EXPECT_EQ(r1.swaps, 0u);
    for (uint32_t v = 0; v < 3; v++) EXPECT_EQ(r1.initial_layout[v], v);
    qtr_result_free(&r1);
    qtr_circuit_free(c);
    qtr_circuit_free(d);
    qtr_target_free(t);
}

TEST(Pipeline, DisconnectedTargets)
{
    Ctx ctx;
    qtr_target *t = with_basis(make_target("two-lines", 6, {{0, 1}, {1, 2}, {3, 4}, {4, 5}}),
                               "cx,rz,sx,x");
    qtr_circuit *c = qtr_circuit_new(0);
    ASSERT_EQ(qtr_circuit_add_qreg(c, "q", 4, &ctx), QTR_OK);
    add(c, QTR_OP_CX, {0, 3});   // trivially on qubits of different lines
    add(c, QTR_OP_CX, {3, 1});
    for (int level = 1; level <= 3; level++) {   // a layout puts them in one line
        qtr_result r = transpile_and_check(c, t, level, 0);
        qtr_result_free(&r);
    }
    qtr_circuit *d = clone(c);
    qtr_options o;
    qtr_options_default(&o);
    o.opt_level = 0;   // trivial layout: cannot be routed
    qtr_result r;
    EXPECT_EQ(qtr_transpile(d, t, &o, &r, &ctx), QTR_ETARGET);
    EXPECT_THAT(ctx.msg(), HasSubstr("different connected components"));
    qtr_circuit_free(d);
    // four interacting qubits fit neither line, at any level
    add(c, QTR_OP_CX, {1, 2});
    for (int level = 1; level <= 3; level++) {
        qtr_circuit *e = clone(c);
        o.opt_level = level;
        EXPECT_EQ(qtr_transpile(e, t, &o, &r, &ctx), QTR_ETARGET);
        EXPECT_THAT(ctx.msg(), HasSubstr("connected component"));
        qtr_circuit_free(e);
    }
    qtr_circuit_free(c);
    qtr_target_free(t);
}

TEST(Pipeline, TrialOptionsAreHonoured)
{
    qtr_target *t = with_basis(heavy_hex27(), "cx,rz,sx,x");
    qtr_circuit *in = random_circuit(12, 150, 3);
    Ctx ctx;
    qtr_options o;
    qtr_options_default(&o);
    EXPECT_EQ(o.opt_level, 2);
    EXPECT_EQ(o.layout_trials, 0u);
    EXPECT_EQ(o.swap_trials, 0u);
    uint64_t swaps[2];
    for (int k = 0; k < 2; k++) {
        qtr_circuit *c = clone(in);
        o.layout_trials = 8;
        o.swap_trials = k ? 10 : 1;
        qtr_result r;
        ASSERT_EQ(qtr_transpile(c, t, &o, &r, &ctx), QTR_OK) << ctx.msg();
        swaps[k] = r.swaps;
        qtr_result_free(&r);
        qtr_circuit_free(c);
    }
    // the same 11 refined layouts; 10 swap trials include the 1
    EXPECT_LE(swaps[1], swaps[0]);
    qtr_circuit_free(in);
    qtr_target_free(t);
}

// A circuit made of two separate parts: two
// triangles (which no line can host without swaps) on a target of two
// 4-qubit lines. The 6 interacting qubits do not fit one line, so SABRE
// layout puts one triangle on each line; every level above 0 must route it,
// and the parts must not share a line. A part larger than every line still
// fails with a clear message.
TEST(Pipeline, CircuitPartsAreSpreadOverComponents)
{
    Ctx ctx;
    qtr_target *t = with_basis(
        make_target("two-lines", 8, {{0, 1}, {1, 2}, {2, 3}, {4, 5}, {5, 6}, {6, 7}}),
        "cx,rz,sx,x");
    qtr_circuit *c = qtr_circuit_new(0);
    ASSERT_EQ(qtr_circuit_add_qreg(c, "q", 6, &ctx), QTR_OK);
    for (uint32_t b : {0u, 3u}) {
        add(c, QTR_OP_H, {b});
        add(c, QTR_OP_CX, {b, b + 1});
        add(c, QTR_OP_CX, {b + 1, b + 2});
        add(c, QTR_OP_CX, {b + 2, b});
        add(c, QTR_OP_RZ, {b + 1});
        add(c, QTR_OP_CX, {b, b + 1});
    }
    for (int level = 1; level <= 3; level++)
        for (uint64_t seed = 0; seed < 3; seed++) {
            qtr_result r = transpile_and_check(c, t, level, seed);
            ASSERT_NE(r.initial_layout, nullptr);
            for (uint32_t v : {1u, 2u}) EXPECT_EQ(r.initial_layout[v] / 4, r.initial_layout[0] / 4);
            for (uint32_t v : {4u, 5u}) EXPECT_EQ(r.initial_layout[v] / 4, r.initial_layout[3] / 4);
            EXPECT_NE(r.initial_layout[0] / 4, r.initial_layout[3] / 4);
            EXPECT_GT(r.swaps, 0u);
            qtr_result_free(&r);
        }
    // one connected part of 6 qubits: no line has room
    add(c, QTR_OP_CX, {2, 3});
    add(c, QTR_OP_CX, {3, 5});   // parts {0..5}: 6 qubits, lines of 4
    qtr_options o;
    qtr_options_default(&o);
    o.opt_level = 2;
    qtr_result r;
    EXPECT_EQ(qtr_transpile(c, t, &o, &r, &ctx), QTR_ETARGET);
    EXPECT_THAT(ctx.msg(), HasSubstr("a connected group of 6 of them finds no component"));
    qtr_circuit_free(c);
    qtr_target_free(t);
}

namespace {

// The Toffoli ladder of feynman/tof_<k>: controls 0..k-1, ancillas
// k..2k-2; ccx(0, 1, k), then ccx(i, k+i-2, k+i-1) for i = 2..k-1, then the
// same gates but the last in reverse order (the uncompute).
qtr_circuit *toffoli_ladder(uint32_t k)
{
    Ctx ctx;
    qtr_circuit *c = qtr_circuit_new(0);
    EXPECT_EQ(qtr_circuit_add_qreg(c, "q", 2 * k - 1, &ctx), QTR_OK);
    std::vector<std::array<uint32_t, 3>> g = {{0, 1, k}};
    for (uint32_t i = 2; i < k; i++) g.push_back({i, k + i - 2, k + i - 1});
    for (size_t j = g.size() - 1; j-- > 0;) g.push_back(g[j]);
    for (auto &x : g) {
        const uint32_t q[3] = {x[0], x[1], x[2]};
        EXPECT_EQ(qtr_circuit_append(c, QTR_OP_CCX, q, 3, nullptr, &ctx), QTR_OK);
    }
    return c;
}

// The pairs of the 2q gates of c, in order.
std::vector<std::pair<uint32_t, uint32_t>> pairs_of(const qtr_circuit *c)
{
    std::vector<std::pair<uint32_t, uint32_t>> p;
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        if (in->op == QTR_OP_NOP || qtr_gate((qtr_op)in->op)->nqubits != 2) continue;
        const uint32_t *q = qtr_inst_operands(c, in);
        p.push_back({q[0], q[1]});
    }
    return p;
}

}  // namespace

// A ccx that repeats (same controls, either order, same target) is unrolled
// as the mirror image of the one before: its 2q gates start on the pair the
// earlier one ended on. Occurrences alternate; a conditioned ccx keeps the
// standard form; the unitary is the same.
TEST(Unroll, RepeatedToffolisAlternateMirroredForms)
{
    Ctx ctx;
    qtr_circuit *c = qtr_circuit_new(0);
    ASSERT_EQ(qtr_circuit_add_qreg(c, "q", 4, &ctx), QTR_OK);
    ASSERT_EQ(qtr_circuit_add_creg(c, "m", 1, &ctx), QTR_OK);
    add(c, QTR_OP_H, {0});
    add(c, QTR_OP_H, {1});
    add(c, QTR_OP_CCX, {0, 1, 2});
    add(c, QTR_OP_RZ, {2});
    add(c, QTR_OP_CCX, {1, 0, 2});   // the same gate: mirrored
    add(c, QTR_OP_CCX, {0, 1, 3});   // another target: standard
    add(c, QTR_OP_CCX, {0, 1, 2});   // third occurrence: standard again
    // the unitary is unchanged
    qtr_circuit *u = clone(c);
    ASSERT_EQ(qtr_pass_unroll3q(u, nullptr, &ctx), QTR_OK) << ctx.msg();
    std::vector<uint32_t> id = {0, 1, 2, 3};
    EXPECT_EQ(qtr_sim_equivalent(c, u, id.data(), id.data(), 1e-9, &ctx), QTR_OK) << ctx.msg();
    qtr_circuit_free(u);
    const uint32_t q[3] = {0, 1, 3};
    ASSERT_EQ(qtr_circuit_append_cond(c, QTR_OP_CCX, q, 3, nullptr, 0, 1, &ctx), QTR_OK);
    u = clone(c);
    ASSERT_EQ(qtr_pass_unroll3q(u, nullptr, &ctx), QTR_OK) << ctx.msg();
    ASSERT_EQ(qtr_circuit_check(u, &ctx), QTR_OK) << ctx.msg();
    typedef std::pair<uint32_t, uint32_t> P;
    std::vector<P> want = {
        P{1, 2}, P{0, 2}, P{1, 2}, P{0, 2}, P{0, 1}, P{0, 1},   // ccx(0,1,2) standard
        P{1, 0}, P{1, 0}, P{1, 2}, P{0, 2}, P{1, 2}, P{0, 2},   // ccx(1,0,2) mirrored
        P{1, 3}, P{0, 3}, P{1, 3}, P{0, 3}, P{0, 1}, P{0, 1},   // ccx(0,1,3)
        P{1, 2}, P{0, 2}, P{1, 2}, P{0, 2}, P{0, 1}, P{0, 1},   // ccx(0,1,2) again
        P{1, 3}, P{0, 3}, P{1, 3}, P{0, 3}, P{0, 1}, P{0, 1},   // conditioned: standard
    };
    EXPECT_EQ(pairs_of(u), want);
    qtr_circuit_free(u);
    qtr_circuit_free(c);
}

// Toffoli ladders on heavy-hex (no triangles: every ccx needs a swap).
// feynman/tof_10 on IBM torino took 37 swaps at level 2 (179 cz; Qiskit 2.2:
// 158) before repeated ccx were unrolled mirrored and the odd SABRE layout
// trials got another lookahead; now 28 (144 cz; from a path layout, 17 swaps
// are enough: one per ccx). On the 27-qubit heavy-hex, 5 and 10 controls (7
// and 17 ccx) took 11 and 39 swaps at levels 2 and 3 before, 5 and 20 after
// (35 and 108 cx). Since compute/uncompute pairs become relative-phase
// Toffolis (pass_rtof.c) the circuits routed differ: 37 and 115 cx (5 and
// 25 swaps at level 2, 21 at level 3), so the bound is on 2q gates, at
// most 7 per ccx (the 6 of a ccx and one swap every three). The smaller one
// is also simulated.
TEST(Pipeline, ToffoliLaddersNeedAboutOneSwapPerToffoli)
{
    qtr_target *t = with_basis(heavy_hex27(), "cx,rz,sx,x");
    for (uint32_t k : {5u, 10u}) {
        qtr_circuit *c = toffoli_ladder(k);
        uint64_t nccx = 2 * k - 3;
        for (int level = 2; level <= 3; level++) {
            qtr_result r;
            if (k == 5) {
                r = transpile_and_check(c, t, level, 0);
            } else {
                Ctx ctx;
                qtr_circuit *e = clone(c);
                qtr_options o;
                qtr_options_default(&o);
                o.opt_level = level;
                ASSERT_EQ(qtr_transpile(e, t, &o, &r, &ctx), QTR_OK) << ctx.msg();
                qtr_circuit_free(e);
            }
            EXPECT_LE(r.out.n2q, nccx * 7) << k << " controls, level " << level;
            EXPECT_GT(r.swaps, 0u);
            qtr_result_free(&r);
        }
        qtr_circuit_free(c);
    }
    qtr_target_free(t);
}
