// test_layout.cc -- layouts: dense subset, SABRE layout (routed output checked
// against the coupling map, per wire and by simulation; determinism;
// disconnected targets), VF2Layout (finds perfect layouts when they exist,
// reports none when impossible, prefers low-error qubits) and VF2PostLayout.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
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

const qtr_op kOps[] = {QTR_OP_H, QTR_OP_RZ, QTR_OP_SX, QTR_OP_CX, QTR_OP_CZ, QTR_OP_CX,
                       QTR_OP_RZZ, QTR_OP_U};

qtr_circuit *random_circuit(uint32_t nq, size_t ng, uint64_t seed)
{
    Ctx ctx;
    qtr_circuit *c = nullptr;
    EXPECT_EQ(qtr_random_circuit(nq, ng, kOps, sizeof kOps / sizeof *kOps, seed, &c, &ctx),
              QTR_OK);
    return c;
}

qtr_circuit *clone(const qtr_circuit *c)
{
    Ctx ctx;
    qtr_circuit *d = nullptr;
    EXPECT_EQ(qtr_circuit_clone(c, &d, &ctx), QTR_OK);
    return d;
}

qtr_circuit *empty(uint32_t n)
{
    Ctx ctx;
    qtr_circuit *c = qtr_circuit_new(0);
    EXPECT_EQ(qtr_circuit_add_qreg(c, "q", n, &ctx), QTR_OK);
    return c;
}

void add(qtr_circuit *c, qtr_op op, std::initializer_list<uint32_t> q)
{
    Ctx ctx;
    double ps[4] = {0.3, 0.2, 0.1, 0.4};
    ASSERT_EQ(qtr_circuit_append(c, op, q.begin(), (uint32_t)q.size(), ps, &ctx), QTR_OK);
}

bool injective(const std::vector<uint32_t> &m, uint32_t N)
{
    std::set<uint32_t> s;
    for (uint32_t p : m)
        if (p >= N || !s.insert(p).second) return false;
    return true;
}

// SABRE layout + routing of `in`; all checks; returns swaps.
uint64_t layout_and_check(const qtr_circuit *in, const qtr_target *t, uint32_t iters,
                          uint32_t ltrials, uint32_t strials, uint64_t seed, bool simulate,
                          std::vector<uint32_t> *init_out = nullptr, uint32_t finalists = 0,
                          uint32_t prefix = 0, int rank_on_prefix = 0, uint32_t chunk = 0,
                          uint32_t chunk_trials = 0)
{
    Ctx ctx;
    qtr_circuit *out = clone(in);
    std::vector<uint32_t> init(in->nqubits), fin(in->nqubits);
    uint64_t nswaps = 0;
    qtr_sabre_layout_opts o = {iters,  ltrials,        strials, seed, finalists, prefix,
                               rank_on_prefix, chunk, 0, chunk_trials};
    EXPECT_EQ(qtr_pass_layout_sabre(out, t, &o, init.data(), fin.data(), &nswaps, &ctx), QTR_OK)
        << ctx.msg();
    EXPECT_EQ(out->nqubits, t->nqubits);
    EXPECT_EQ(qtr_circuit_check(out, &ctx), QTR_OK) << ctx.msg();
    EXPECT_TRUE(injective(init, t->nqubits));
    EXPECT_TRUE(injective(fin, t->nqubits));
    EXPECT_TRUE(conforms(out, t));
    EXPECT_TRUE(same_per_wire(in, out, init.data(), fin.data()));
    if (simulate) {
        EXPECT_EQ(qtr_sim_equivalent(in, out, init.data(), fin.data(), 1e-6, &ctx), QTR_OK)
            << ctx.msg();
    }
    if (init_out) *init_out = init;
    qtr_circuit_free(out);
    return nswaps;
}

// A chain of cx through 10 qubits in a scrambled order, `reps` times: perfect
// on a 10-qubit line once laid out along the order.
qtr_circuit *scrambled_chain(int reps)
{
    qtr_circuit *c = empty(10);
    const uint32_t order[10] = {3, 7, 1, 9, 0, 5, 2, 8, 4, 6};
    for (int rep = 0; rep < reps; rep++)
        for (int i = 0; i + 1 < 10; i++) add(c, QTR_OP_CX, {order[i], order[i + 1]});
    return c;
}

// SABRE layout of `in` with options a and with options b: the very same
// routed circuit, layouts and swap count.
void expect_same_layout(const qtr_circuit *in, const qtr_target *t, const qtr_sabre_layout_opts &oa,
                        const qtr_sabre_layout_opts &ob)
{
    Ctx ctx;
    uint32_t n = in->nqubits;
    qtr_circuit *a = clone(in), *b = clone(in);
    std::vector<uint32_t> ia(n), fa(n), ib(n), fb(n);
    uint64_t sa = 0, sb = 0;
    ASSERT_EQ(qtr_pass_layout_sabre(a, t, &oa, ia.data(), fa.data(), &sa, &ctx), QTR_OK);
    ASSERT_EQ(qtr_pass_layout_sabre(b, t, &ob, ib.data(), fb.data(), &sb, &ctx), QTR_OK);
    EXPECT_TRUE(qtr_circuit_equal(a, b));
    EXPECT_EQ(ia, ib);
    EXPECT_EQ(fa, fb);
    EXPECT_EQ(sa, sb);
    qtr_circuit_free(a);
    qtr_circuit_free(b);
}

void set_errors(qtr_target *t, double e1, double e2)
{
    t->err1q = (double *)std::malloc(t->nqubits * sizeof(double));
    t->err2q = (double *)std::malloc((t->nedges ? t->nedges : 1) * sizeof(double));
    for (uint32_t p = 0; p < t->nqubits; p++) t->err1q[p] = e1;
    for (uint32_t e = 0; e < t->nedges; e++) t->err2q[e] = e2;
}

}  // namespace

// ---- dense subset ------------------------------------------------------------

TEST(DenseLayout, PicksAConnectedBallAndBusiestQubitsOnHubs)
{
    Ctx ctx;
    qtr_target *t = heavy_hex27();
    qtr_circuit *c = empty(4);
    add(c, QTR_OP_CX, {0, 1});
    add(c, QTR_OP_CX, {0, 2});
    add(c, QTR_OP_CX, {0, 3});
    qtr_rtarget rt;
    qtr_igraph g;
    ASSERT_EQ(qtr_rtarget_init(&rt, t, &ctx), QTR_OK);
    ASSERT_EQ(qtr_igraph_build(&g, c, &ctx), QTR_OK);
    std::vector<uint32_t> v2p(4);
    ASSERT_EQ(qtr_layout_dense(&g, &rt, QTR_NONE, v2p.data(), &ctx), QTR_OK);
    EXPECT_TRUE(injective(v2p, 27));
    // the star's centre goes to a degree-3 qubit and its leaves next to it
    EXPECT_EQ(rt.adj_off[v2p[0] + 1] - rt.adj_off[v2p[0]], 3u);
    for (uint32_t v = 1; v < 4; v++) EXPECT_TRUE(qtr_target_connected(t, v2p[0], v2p[v]));
    qtr_igraph_fini(&g);
    qtr_rtarget_fini(&rt);
    qtr_circuit_free(c);
    qtr_target_free(t);
}

// ---- SABRE layout ------------------------------------------------------------

TEST(SabreLayout, ConformsAndIsEquivalentOnRandomCircuits)
{
    std::vector<qtr_target *> ts = {line(8), ring(9), grid(3, 4), heavy_hex27()};
    for (qtr_target *t : ts)
        for (uint64_t seed = 0; seed < 40; seed++) {
            uint32_t nq = 2 + (uint32_t)(seed % 7);  // 2..8
            qtr_circuit *in = random_circuit(nq, 5 + 4 * (seed % 15), seed + 1000);
            // odd seeds: only the 2 best refined layouts get every swap trial
            layout_and_check(in, t, 2, 2, 3, seed, true, nullptr, (uint32_t)(seed & 1) * 2);
            qtr_circuit_free(in);
        }
    for (qtr_target *t : ts) qtr_target_free(t);
}

// QAOA-like layers of commuting terms: the layout may route on the
// commutation DAG (pass_layout_sabre.c: pick_dag), whole, on a refinement
// prefix or in parts; every result simulates equal to the input.
TEST(SabreLayout, CommutingLayersStayEquivalent)
{
    std::vector<qtr_target *> ts = {line(8), grid(3, 3), heavy_hex27()};
    for (qtr_target *t : ts)
        for (uint64_t seed = 0; seed < 8; seed++) {
            uint32_t nq = 5 + (uint32_t)(seed % 4);   // 5..8
            qtr_circuit *in = commuting_layers(nq, 2 + (uint32_t)(seed % 3), seed + 77);
            layout_and_check(in, t, 2, 3, 3, seed, true);
            qtr_circuit_free(in);
            in = commuting_layers(nq, 12, seed + 500);   // long: a prefix and parts of 40 nodes
            layout_and_check(in, t, 1, 3, 3, seed, true, nullptr, 2, 60, 0, 40, 2);
            qtr_circuit_free(in);
        }
    for (qtr_target *t : ts) qtr_target_free(t);
}

// The commutation trial counts (commute_layout_trials, commute_swap_trials)
// apply only where the probe chooses the commutation DAG: then the layout is
// the one the smaller counts give, else the one the level's counts give.
TEST(SabreLayout, CommutationTrialCountsApplyOnlyWhereTheProbeCommutes)
{
    Ctx ctx;
    qtr_target *t = heavy_hex27();
    auto run = [&](const qtr_circuit *in, qtr_sabre_layout_opts o) {
        qtr_circuit *c = clone(in);
        std::vector<uint32_t> init(c->nqubits), fin(t->nqubits);
        uint64_t sw = 0;
        EXPECT_EQ(qtr_pass_layout_sabre(c, t, &o, init.data(), fin.data(), &sw, &ctx), QTR_OK)
            << ctx.msg();
        return c;
    };
    qtr_sabre_layout_opts few = {2, 1, 1, 0, 0, 0, 0, 0, 0, 0};
    qtr_sabre_layout_opts many = {2, 12, 6, 0, 0, 0, 0, 0, 0, 0};
    int commuted = 0, strict = 0;
    for (uint64_t seed = 0; seed < 12; seed++) {
        few.seed = many.seed = seed;
        qtr_sabre_layout_opts both = many;
        both.commute_layout_trials = 1;
        both.commute_swap_trials = 1;
        qtr_circuit *in = commuting_layers(8, 3, seed + 900);
        qtr_circuit *a = run(in, few), *b = run(in, both), *m = run(in, many);
        int as_few = qtr_circuit_equal(a, b), as_many = qtr_circuit_equal(m, b);
        EXPECT_TRUE(as_few || as_many) << "seed " << seed;
        if (as_few && !as_many) commuted++;
        if (as_many && !as_few) strict++;
        qtr_circuit_free(a);
        qtr_circuit_free(b);
        qtr_circuit_free(m);
        qtr_circuit_free(in);
    }
    EXPECT_GT(commuted, 0);   // the smaller counts took effect somewhere
    // a circuit with nothing to commute: the counts change nothing
    qtr_circuit *chain = scrambled_chain(3);
    qtr_sabre_layout_opts both = many;
    both.commute_layout_trials = 1;
    both.commute_swap_trials = 1;
    expect_same_layout(chain, t, many, both);
    qtr_circuit_free(chain);
    qtr_target_free(t);
    std::printf("commutation counts used for %d of 12 circuits, the level's for %d\n", commuted,
                strict);
}

// give_up_cost: a probe routing that costs at least that leaves the circuit
// as it was (*nswaps = UINT64_MAX); one that costs less, or no give-up
// cost, routes as usual.
TEST(SabreLayout, GivesUpOnlyWhenTheProbeCostsTheGiveUpCost)
{
    Ctx ctx;
    qtr_target *t = heavy_hex27();
    qtr_circuit *in = random_circuit(15, 400, 9);
    qtr_sabre_layout_opts o = {2, 4, 4, 77, 2, 0, 0, 0, 0, 0};
    qtr_sabre_layout_opts huge = o;
    huge.give_up_cost = UINT64_MAX;
    expect_same_layout(in, t, o, huge);
    qtr_sabre_layout_opts tiny = o;
    tiny.give_up_cost = 1;
    qtr_circuit *c = clone(in);
    std::vector<uint32_t> init(in->nqubits), fin(in->nqubits);
    uint64_t sw = 0;
    ASSERT_EQ(qtr_pass_layout_sabre(c, t, &tiny, init.data(), fin.data(), &sw, &ctx), QTR_OK)
        << ctx.msg();
    EXPECT_EQ(sw, UINT64_MAX);
    EXPECT_TRUE(qtr_circuit_equal(c, in));
    qtr_circuit_free(c);
    qtr_circuit_free(in);
    // one cx: the probe's dense start needs no swap, cost 0 < 1, so it is routed
    qtr_circuit *pair = empty(3);
    add(pair, QTR_OP_CX, {0, 2});
    qtr_target *l = line(10);
    c = clone(pair);
    std::vector<uint32_t> i2(3), f2(3);
    ASSERT_EQ(qtr_pass_layout_sabre(c, l, &tiny, i2.data(), f2.data(), &sw, &ctx), QTR_OK)
        << ctx.msg();
    EXPECT_EQ(sw, 0u);
    EXPECT_EQ(c->nqubits, 10u);
    EXPECT_TRUE(conforms(c, l));
    qtr_circuit_free(c);
    qtr_circuit_free(pair);
    qtr_target_free(l);
    qtr_target_free(t);
}

TEST(SabreLayout, BeatsTheTrivialLayoutOnAScrambledLine)
{
    qtr_target *t = line(10);
    qtr_circuit *c = scrambled_chain(3);
    uint64_t sw = layout_and_check(c, t, 2, 4, 4, 1, true);
    EXPECT_EQ(sw, 0u);
    qtr_circuit_free(c);
    qtr_target_free(t);
}

TEST(SabreLayout, SameSeedSameOutput)
{
    qtr_target *t = heavy_hex27();
    qtr_circuit *in = random_circuit(15, 400, 9);
    qtr_sabre_layout_opts o = {2, 6, 4, 77, 3, 0, 0, 0, 0, 0};
    expect_same_layout(in, t, o, o);
    qtr_circuit_free(in);
    qtr_target_free(t);
}

// Refining (and ranking) on a prefix of the routing DAG: still a conforming,
// equivalent routing of the whole circuit, whatever the prefix length.
TEST(SabreLayout, PrefixRefinementConformsAndIsEquivalent)
{
    std::vector<qtr_target *> ts = {line(8), grid(3, 4), heavy_hex27()};
    for (qtr_target *t : ts)
        for (uint64_t seed = 0; seed < 24; seed++) {
            uint32_t nq = 2 + (uint32_t)(seed % 7);
            qtr_circuit *in = random_circuit(nq, 20 + 4 * (seed % 15), seed + 2000);
            uint32_t prefix = 1 + (uint32_t)(seed % 12);
            layout_and_check(in, t, 2, 3, 3, seed, true, nullptr, (uint32_t)(seed % 3),
                             prefix, (int)(seed & 1));
            qtr_circuit_free(in);
        }
    for (qtr_target *t : ts) qtr_target_free(t);
}

// A prefix as long as the DAG (or longer) is the whole circuit, and parts so
// long that the circuit would make one part (from three quarters of it up)
// are not used: same result as neither, routing and layouts alike.
TEST(SabreLayout, PrefixOrPartsCoveringTheCircuitChangeNothing)
{
    Ctx ctx;
    qtr_target *t = heavy_hex27();
    qtr_circuit *in = random_circuit(12, 200, 5);
    qtr_sabre_dag d, dc;   // the layout may route on either DAG: nn covers both
    ASSERT_EQ(qtr_sabre_dag_build(&d, in, &ctx), QTR_OK);
    ASSERT_GE(qtr_sabre_dag_commute(&dc, &d, in), 0);
    uint32_t nn = std::max(d.nnodes, dc.nnodes);
    qtr_sabre_dag_fini(&d);
    qtr_sabre_dag_fini(&dc);
    ASSERT_GT(nn, 20u);
    qtr_sabre_layout_opts whole = {2, 4, 3, 7, 2, 0, 0, 0, 0, 0};
    qtr_sabre_layout_opts covering = {2, 4, 3, 7, 2, nn, 1, 0, 0, 0};
    expect_same_layout(in, t, whole, covering);
    qtr_sabre_layout_opts parts = {2, 4, 3, 7, 2, 0, 0, nn, 0, 2};
    expect_same_layout(in, t, whole, parts);
    qtr_sabre_layout_opts per_qubit = {2, 4, 3, 7, 2, 0, 0, 1, nn, 2};   /* nn per qubit */
    expect_same_layout(in, t, whole, per_qubit);
    qtr_sabre_layout_opts most = {2, 4, 3, 7, 2, 0, 0, nn * 3 / 4 + 1, 0, 2};
    expect_same_layout(in, t, whole, most);
    qtr_circuit_free(in);
    qtr_target_free(t);
}

// Finalists routed in parts (chunk_nodes), each part the best of a few
// trials from where the previous part's best ended: still a conforming,
// equivalent routing of the whole circuit, for parts of one node up to
// longer than the circuit, with and without ranking on a prefix.
TEST(SabreLayout, ChunkedFinalistsConformAndAreEquivalent)
{
    std::vector<qtr_target *> ts = {line(8), grid(3, 4), heavy_hex27()};
    for (qtr_target *t : ts)
        for (uint64_t seed = 0; seed < 24; seed++) {
            uint32_t nq = 2 + (uint32_t)(seed % 7);
            qtr_circuit *in = random_circuit(nq, 20 + 5 * (seed % 13), seed + 3000);
            uint32_t chunk = 1 + (uint32_t)(seed % 11) * (seed % 4 == 3 ? 20 : 1);
            uint32_t prefix = seed % 3 == 0 ? 4 + (uint32_t)(seed % 5) : 0;
            layout_and_check(in, t, 2, 3, 3, seed, true, nullptr, 1 + (uint32_t)(seed % 3),
                             prefix, (int)(seed & 1), chunk, 1 + (uint32_t)(seed % 3));
            qtr_circuit_free(in);
        }
    for (qtr_target *t : ts) qtr_target_free(t);
}

// A scrambled chain repeated many times: the first repetition (the prefix)
// already fixes the perfect placement, and the whole circuit needs no swap.
TEST(SabreLayout, PrefixFindsThePerfectLayoutOfALongChain)
{
    qtr_target *t = line(10);
    qtr_circuit *c = scrambled_chain(40);
    for (int rankp = 0; rankp < 2; rankp++)
        EXPECT_EQ(layout_and_check(c, t, 2, 4, 4, 1, true, nullptr, 1, 9, rankp), 0u);
    qtr_circuit_free(c);
    qtr_target_free(t);
}

TEST(SabreLayout, CircuitWiderThanTargetIsATargetError)
{
    Ctx ctx;
    qtr_target *t = line(3);
    qtr_circuit *c = random_circuit(4, 10, 1);
    std::vector<uint32_t> i(4), f(4);
    uint64_t s;
    qtr_sabre_layout_opts o = {1, 1, 1, 0, 0, 0, 0, 0, 0, 0};
    EXPECT_EQ(qtr_pass_layout_sabre(c, t, &o, i.data(), f.data(), &s, &ctx), QTR_ETARGET);
    EXPECT_THAT(ctx.msg(), HasSubstr("only 3"));
    qtr_circuit_free(c);
    qtr_target_free(t);
}

TEST(SabreLayout, PlacesTheCircuitInOneComponent)
{
    qtr_target *t = make_target("line3+ring5", 8,
                                {{0, 1}, {1, 2}, {3, 4}, {4, 5}, {5, 6}, {6, 7}, {7, 3}});
    for (uint64_t seed = 0; seed < 10; seed++) {
        // 4 interacting qubits (only the ring fits them) and 2 idle ones
        qtr_circuit *c = empty(6);
        add(c, QTR_OP_CX, {0, 1});
        add(c, QTR_OP_CX, {1, 2});
        add(c, QTR_OP_CX, {2, 3});
        add(c, QTR_OP_CX, {3, 0});
        add(c, QTR_OP_CX, {0, 2});
        add(c, QTR_OP_H, {4});
        std::vector<uint32_t> init;
        layout_and_check(c, t, 2, 3, 2, seed, true, &init);
        for (uint32_t v = 0; v < 4; v++) EXPECT_GE(init[v], 3u);
        qtr_circuit_free(c);
    }
    qtr_target_free(t);
}

// Four interacting qubits do not fit one 3-qubit line: the two separate
// pairs go one to each line. A connected group of four fits neither.
TEST(SabreLayout, PartsAreSpreadOverComponentsAndTooLargePartsFail)
{
    Ctx ctx;
    qtr_target *t = make_target("two-lines", 6, {{0, 1}, {1, 2}, {3, 4}, {4, 5}});
    qtr_circuit *c = empty(4);
    add(c, QTR_OP_CX, {0, 1});
    add(c, QTR_OP_CX, {2, 3});
    std::vector<uint32_t> i(4), f(4);
    uint64_t s;
    qtr_sabre_layout_opts o = {1, 2, 2, 0, 0, 0, 0, 0, 0, 0};
    qtr_circuit *d = clone(c);
    ASSERT_EQ(qtr_pass_layout_sabre(d, t, &o, i.data(), f.data(), &s, &ctx), QTR_OK) << ctx.msg();
    EXPECT_TRUE(conforms(d, t));
    EXPECT_EQ(i[0] / 3, i[1] / 3);
    EXPECT_EQ(i[2] / 3, i[3] / 3);
    EXPECT_NE(i[0] / 3, i[2] / 3);
    qtr_circuit_free(d);
    add(c, QTR_OP_CX, {1, 2});   // one connected group of 4
    EXPECT_EQ(qtr_pass_layout_sabre(c, t, &o, i.data(), f.data(), &s, &ctx), QTR_ETARGET);
    EXPECT_THAT(ctx.msg(), HasSubstr("a connected group of 4 of them finds no component"));
    qtr_circuit_free(c);
    qtr_target_free(t);
}

// ---- VF2Layout ------------------------------------------------------------

namespace {

const qtr_vf2_limits kVf2 = {5000000, 10000, 0};

// VF2 on c/t: returns found; when found checks the placement is perfect.
bool vf2(const qtr_circuit *c, const qtr_target *t, std::vector<uint32_t> *layout = nullptr)
{
    Ctx ctx;
    std::vector<uint32_t> lay(c->nqubits);
    int found = -1;
    EXPECT_EQ(qtr_pass_layout_vf2(c, t, &kVf2, lay.data(), &found, &ctx), QTR_OK) << ctx.msg();
    if (found) {
        EXPECT_TRUE(injective(lay, t->nqubits));
        qtr_circuit *d = clone(c);
        EXPECT_EQ(qtr_circuit_remap_qubits(d, lay.data(), t->nqubits, &ctx), QTR_OK);
        EXPECT_TRUE(conforms(d, t));
        qtr_circuit_free(d);
    }
    if (layout) *layout = lay;
    return found == 1;
}

}  // namespace

TEST(Vf2Layout, FindsALineInAGrid)
{
    qtr_target *t = grid(3, 3);
    qtr_circuit *c = empty(9);
    const uint32_t order[9] = {4, 0, 8, 2, 6, 1, 7, 3, 5};
    for (int i = 0; i + 1 < 9; i++) add(c, QTR_OP_CX, {order[i], order[i + 1]});
    EXPECT_TRUE(vf2(c, t));
    qtr_circuit_free(c);
    qtr_target_free(t);
}

TEST(Vf2Layout, FindsRandomSubgraphsOfHeavyHex)
{
    // circuits whose interactions are, by construction, edges of the device
    // under a hidden random placement
    qtr_target *t = heavy_hex27();
    for (uint64_t seed = 0; seed < 30; seed++) {
        qtr_ctx rng;
        qtr_ctx_init(&rng, seed);
        std::vector<uint32_t> hide(27);
        for (uint32_t i = 0; i < 27; i++) hide[i] = i;
        for (uint32_t i = 27; i > 1; i--) std::swap(hide[i - 1], hide[qtr_rng_next(&rng) % i]);
        qtr_circuit *c = empty(27);
        for (int k = 0; k < 20; k++) {
            uint32_t e = (uint32_t)(qtr_rng_next(&rng) % t->nedges);
            add(c, QTR_OP_CX, {hide[t->edges[e][0]], hide[t->edges[e][1]]});
            add(c, QTR_OP_RZ, {hide[t->edges[e][1]]});
        }
        EXPECT_TRUE(vf2(c, t)) << "seed " << seed;
        qtr_circuit_free(c);
    }
    qtr_target_free(t);
}

TEST(Vf2Layout, ReportsNoneWhenImpossible)
{
    qtr_target *g = grid(3, 3), *hh = heavy_hex27(), *l = line(6);
    qtr_circuit *tri = empty(3);  // odd cycle: not in a bipartite target
    add(tri, QTR_OP_CX, {0, 1});
    add(tri, QTR_OP_CX, {1, 2});
    add(tri, QTR_OP_CX, {2, 0});
    EXPECT_FALSE(vf2(tri, g));
    EXPECT_FALSE(vf2(tri, hh));
    qtr_circuit *star = empty(6);  // degree 5 > any grid qubit
    for (uint32_t v = 1; v < 6; v++) add(star, QTR_OP_CZ, {0, v});
    EXPECT_FALSE(vf2(star, g));
    qtr_circuit *sq = empty(4);    // a 4-cycle: heavy-hex has none (search decides)
    add(sq, QTR_OP_CX, {0, 1});
    add(sq, QTR_OP_CX, {1, 2});
    add(sq, QTR_OP_CX, {2, 3});
    add(sq, QTR_OP_CX, {3, 0});
    EXPECT_FALSE(vf2(sq, hh));
    EXPECT_TRUE(vf2(sq, g));
    EXPECT_FALSE(vf2(sq, l));
    qtr_circuit *wide = empty(7);  // more qubits than the target
    add(wide, QTR_OP_CX, {0, 6});
    EXPECT_FALSE(vf2(wide, l));
    qtr_circuit_free(tri);
    qtr_circuit_free(star);
    qtr_circuit_free(sq);
    qtr_circuit_free(wide);
    qtr_target_free(g);
    qtr_target_free(hh);
    qtr_target_free(l);
}

TEST(Vf2Layout, PrefersTheLowestErrorEdgeAndQubits)
{
    qtr_target *t = line(6);
    set_errors(t, 1e-3, 1e-2);
    t->err2q[qtr_target_edge_index(t, 3, 4)] = 1e-4;   // the best pair
    t->err1q[5] = 1e-5;                               // the best lone qubit
    qtr_circuit *c = empty(3);
    add(c, QTR_OP_CX, {0, 1});
    add(c, QTR_OP_H, {2});
    add(c, QTR_OP_H, {2});
    std::vector<uint32_t> lay;
    ASSERT_TRUE(vf2(c, t, &lay));
    EXPECT_EQ(std::min(lay[0], lay[1]), 3u);
    EXPECT_EQ(std::max(lay[0], lay[1]), 4u);
    EXPECT_EQ(lay[2], 5u);
    qtr_circuit_free(c);
    qtr_target_free(t);
}

TEST(Vf2Layout, IdleAndOneQubitOnlyCircuitsArePlaced)
{
    qtr_target *t = ring(5);
    qtr_circuit *c = empty(4);
    add(c, QTR_OP_H, {1});
    std::vector<uint32_t> lay;
    ASSERT_TRUE(vf2(c, t, &lay));
    EXPECT_TRUE(injective(lay, 5));
    qtr_circuit_free(c);
    qtr_target_free(t);
}

TEST(Vf2Layout, DisconnectedTargetsWork)
{
    qtr_target *t = make_target("two-lines", 6, {{0, 1}, {1, 2}, {3, 4}, {4, 5}});
    qtr_circuit *c = empty(4);  // two separate pairs: one per line, or both in one
    add(c, QTR_OP_CX, {0, 1});
    add(c, QTR_OP_CX, {2, 3});
    EXPECT_TRUE(vf2(c, t));
    qtr_circuit *path4 = empty(4);  // a path of 4 fits neither line
    add(path4, QTR_OP_CX, {0, 1});
    add(path4, QTR_OP_CX, {1, 2});
    add(path4, QTR_OP_CX, {2, 3});
    EXPECT_FALSE(vf2(path4, t));
    qtr_circuit_free(c);
    qtr_circuit_free(path4);
    qtr_target_free(t);
}

// ---- VF2PostLayout ------------------------------------------------------------

TEST(Vf2Post, MovesARoutedCircuitToBetterQubits)
{
    Ctx ctx;
    qtr_target *t = line(8);
    set_errors(t, 1e-3, 5e-2);
    for (uint32_t e = 0; e < t->nedges; e++)
        if (t->edges[e][0] >= 4) t->err2q[e] = 1e-3;   // the right half is better
    qtr_circuit *in = empty(8);
    add(in, QTR_OP_CX, {0, 1});
    add(in, QTR_OP_CX, {1, 2});
    add(in, QTR_OP_H, {0});
    qtr_circuit *c = clone(in);
    std::vector<uint32_t> perm(8);
    int moved = 0;
    qtr_vf2_limits lim = {50000, 50000, 2500};
    ASSERT_EQ(qtr_pass_vf2post(c, t, &lim, perm.data(), &moved, &ctx), QTR_OK);
    EXPECT_EQ(moved, 1);
    EXPECT_TRUE(injective(perm, 8));
    EXPECT_TRUE(conforms(c, t));
    EXPECT_GE(perm[0], 4u);
    EXPECT_GE(perm[1], 4u);
    EXPECT_GE(perm[2], 4u);
    EXPECT_TRUE(same_per_wire(in, c, perm.data(), perm.data()));
    EXPECT_EQ(qtr_sim_equivalent(in, c, perm.data(), perm.data(), 1e-6, &ctx), QTR_OK)
        << ctx.msg();
    // already on the best qubits: nothing moves
    std::vector<uint32_t> again(8);
    ASSERT_EQ(qtr_pass_vf2post(c, t, &lim, again.data(), &moved, &ctx), QTR_OK);
    EXPECT_EQ(moved, 0);
    for (uint32_t p = 0; p < 8; p++) EXPECT_EQ(again[p], p);
    qtr_circuit_free(in);
    qtr_circuit_free(c);
    qtr_target_free(t);
}

TEST(Vf2Post, WithoutErrorRatesNothingMoves)
{
    Ctx ctx;
    qtr_target *t = line(5);
    qtr_circuit *c = empty(5);
    add(c, QTR_OP_CX, {0, 1});
    std::vector<uint32_t> perm(5);
    int moved = 1;
    qtr_vf2_limits lim = {50000, 50000, 2500};
    ASSERT_EQ(qtr_pass_vf2post(c, t, &lim, perm.data(), &moved, &ctx), QTR_OK);
    EXPECT_EQ(moved, 0);
    qtr_circuit_free(c);
    qtr_target_free(t);
}

// Strict VF2PostLayout (level 3, after translation): on a line whose edges
// exist only as (i, i+1), the cheapest placement by undirected cost runs
// backwards (qubit 7 has the best 1q error); the strict pass must keep every
// gate's direction and still move onto the good right half.
TEST(Vf2Post, StrictKeepsDirections)
{
    Ctx ctx;
    qtr_target *t = line(8);
    set_errors(t, 1e-3, 5e-2);
    for (uint32_t e = 0; e < t->nedges; e++)
        if (t->edges[e][0] >= 4) t->err2q[e] = 1e-3;
    t->err1q[7] = 1e-5;
    qtr_circuit *in = empty(8);
    add(in, QTR_OP_CX, {0, 1});
    add(in, QTR_OP_CX, {1, 2});
    add(in, QTR_OP_CX, {0, 1});
    add(in, QTR_OP_H, {0});
    qtr_vf2_limits lim = {300000, 300000, 2500};
    auto directed = [&](const qtr_circuit *c) {
        for (size_t i = 0; i < c->ninst; i++) {
            const uint32_t *q = qtr_inst_operands(c, &c->inst[i]);
            if (c->inst[i].nargs == 2 && qtr_target_edge_index(t, q[0], q[1]) < 0) return false;
        }
        return true;
    };
    // non-strict: the reversed placement, which breaks the directions
    qtr_circuit *loose = clone(in);
    std::vector<uint32_t> lp(8);
    int moved = 0;
    ASSERT_EQ(qtr_pass_vf2post(loose, t, &lim, lp.data(), &moved, &ctx), QTR_OK);
    EXPECT_EQ(moved, 1);
    EXPECT_EQ(lp[0], 7u);
    EXPECT_FALSE(directed(loose));
    // strict: forwards on the right half
    qtr_circuit *c = clone(in);
    std::vector<uint32_t> perm(8);
    moved = 0;
    ASSERT_EQ(qtr_pass_vf2post_strict(c, t, &lim, perm.data(), &moved, &ctx), QTR_OK);
    EXPECT_EQ(moved, 1);
    EXPECT_TRUE(injective(perm, 8));
    EXPECT_TRUE(directed(c));
    EXPECT_GE(perm[0], 4u);
    EXPECT_EQ(perm[1], perm[0] + 1);
    EXPECT_EQ(perm[2], perm[1] + 1);
    EXPECT_EQ(qtr_sim_equivalent(in, c, perm.data(), perm.data(), 1e-6, &ctx), QTR_OK)
        << ctx.msg();
    // a gate written against every edge's direction: no valid placement moves it
    qtr_circuit *back = empty(8);
    add(back, QTR_OP_CX, {1, 0});
    std::vector<uint32_t> bp(8);
    ASSERT_EQ(qtr_pass_vf2post_strict(back, t, &lim, bp.data(), &moved, &ctx), QTR_OK);
    EXPECT_EQ(moved, 0);
    qtr_circuit_free(back);
    qtr_circuit_free(loose);
    qtr_circuit_free(c);
    qtr_circuit_free(in);
    qtr_target_free(t);
}

// Level 3 on a device-like target with error rates and one-way edges: the
// output (after the strict post-layout) conforms and is equivalent. (These
// random circuits happen to stay put; the device bench, where the pass moves
// about half of the level-3 outputs on torino, checks moved ones.)
TEST(Pipeline, Level3StrictPostLayoutConformsAndVerifies)
{
    Ctx ctx;
    qtr_target *t = heavy_hex27();
    ASSERT_EQ(qtr_target_set_basis(t, "ecr,rz,sx,x", &ctx), QTR_OK);
    set_errors(t, 1e-3, 1e-2);
    for (uint32_t e = 0; e < t->nedges; e++) t->err2q[e] = 1e-3 * (1 + (e * 7) % 13);
    for (uint32_t p = 0; p < t->nqubits; p++) t->err1q[p] = 1e-4 * (1 + (p * 5) % 11);
    for (uint64_t seed = 0; seed < 4; seed++) {
        qtr_circuit *in = random_circuit(10, 60, seed);
        qtr_circuit *c = clone(in);
        qtr_options o;
        qtr_options_default(&o);
        o.opt_level = 3;
        o.seed = seed;
        qtr_result r;
        ASSERT_EQ(qtr_transpile(c, t, &o, &r, &ctx), QTR_OK) << ctx.msg();
        EXPECT_EQ(qtr_target_check_circuit(t, c, &ctx), QTR_OK) << ctx.msg();
        EXPECT_EQ(qtr_sim_compare(in, c, r.initial_layout, r.output_permutation, 1e-6,
                                  QTR_SIM_MEASURE_PHASES, &ctx),
                  QTR_OK)
            << ctx.msg();
        qtr_result_free(&r);
        qtr_circuit_free(c);
        qtr_circuit_free(in);
    }
    qtr_target_free(t);
}
