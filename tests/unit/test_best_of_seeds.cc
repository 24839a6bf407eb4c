// test_best_of_seeds.cc -- levels 2 and 3 run small circuits whose layout is
// SABRE's several times with other seeds, then route the kept layout again
// with other routing seeds (reroutes), and keep the output with the fewest
// 2q gates (pipeline.c, "best of seeds"). Whichever candidate wins, the
// output must be equivalent by simulation under the layouts reported with it,
// conform to the target, carry statistics that describe it, and be the same
// on every call. QTR_BEST_OF_SEEDS_SCALE=N runs N times as many random
// circuits (a long run; make check uses 1).
#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

#include "qtr.h"
#include "qtr_io.h"
#include "pass.h"
#include "random_circuit.h"
#include "sim.h"

namespace {

const std::vector<qtr_op> kCliffordT = {QTR_OP_CX, QTR_OP_H,   QTR_OP_S, QTR_OP_SDG,
                                        QTR_OP_T,  QTR_OP_TDG, QTR_OP_X, QTR_OP_CCX,
                                        QTR_OP_CZ, QTR_OP_SWAP};
const std::vector<qtr_op> kCxRzH = {QTR_OP_CX, QTR_OP_CX, QTR_OP_RZ, QTR_OP_RZ, QTR_OP_H};

struct Target {
    qtr_target *t = nullptr;
    explicit Target(const char *spec)
    {
        qtr_ctx ctx;
        qtr_ctx_init(&ctx, 0);
        EXPECT_EQ(qtr_target_load(spec, &t, &ctx), QTR_OK) << qtr_ctx_message(&ctx);
    }
    ~Target() { qtr_target_free(t); }
};

uint64_t scaled(uint64_t seeds)
{
    const char *e = getenv("QTR_BEST_OF_SEEDS_SCALE");
    long k = e ? strtol(e, nullptr, 10) : 1;
    return seeds * (uint64_t)(k > 0 ? k : 1);
}

uint64_t count_2q(const qtr_circuit *c)
{
    uint64_t n = 0;
    for (size_t i = 0; i < c->ninst; i++) n += c->inst[i].nargs == 2 && c->inst[i].op != QTR_OP_BARRIER;
    return n;
}

// Circuits that took the SABRE path with whole reruns (reseeded), with
// reroutes but no rerun (rerouted_only), and with ccx role variants among
// their runs (circuits with ccx: with_variants).
struct Paths {
    uint64_t circuits = 0, reseeded = 0, rerouted_only = 0, with_variants = 0;
};

bool has_ccx(const qtr_circuit *c)
{
    for (size_t i = 0; i < c->ninst; i++)
        if (c->inst[i].op == QTR_OP_CCX) return true;
    return false;
}

// Transpile `seeds` random circuits at `level`; each output is checked, and
// a second transpile of the same input must give the same circuit and layouts.
Paths random_runs(const std::vector<qtr_op> &ops, const char *spec, uint32_t nqubits, size_t ngates,
                  int level, uint64_t seeds)
{
    Paths p;
    Target tg(spec);
    EXPECT_NE(tg.t, nullptr);
    if (!tg.t) return p;
    uint64_t n = scaled(seeds);
    p.circuits = n;
    for (uint64_t seed = 0; seed < n; seed++) {
        qtr_ctx ctx;
        qtr_ctx_init(&ctx, seed);
        qtr_circuit *in = nullptr, *out = nullptr, *again = nullptr;
        EXPECT_EQ(qtr_random_circuit(nqubits, ngates, ops.data(), ops.size(), seed, &in, &ctx), QTR_OK);
        EXPECT_EQ(qtr_circuit_clone(in, &out, &ctx), QTR_OK);
        EXPECT_EQ(qtr_circuit_clone(in, &again, &ctx), QTR_OK);
        if (!in || !out || !again) return p;
        qtr_options o;
        qtr_options_default(&o);
        o.opt_level = level;
        o.seed = seed;
        qtr_result r, r2;
        EXPECT_EQ(qtr_transpile(out, tg.t, &o, &r, &ctx), QTR_OK) << qtr_ctx_message(&ctx);
        EXPECT_EQ(qtr_transpile(again, tg.t, &o, &r2, &ctx), QTR_OK) << qtr_ctx_message(&ctx);
        if (!r.initial_layout || !r2.initial_layout) return p;
        EXPECT_EQ(qtr_target_check_circuit(tg.t, out, &ctx), QTR_OK) << qtr_ctx_message(&ctx);
        EXPECT_EQ(qtr_sim_equivalent(in, out, r.initial_layout, r.output_permutation, 1e-6, &ctx), QTR_OK)
            << spec << " level " << level << " seed " << seed << ": " << qtr_ctx_message(&ctx);
        EXPECT_EQ(r.out.n2q, count_2q(out)) << "seed " << seed;
        EXPECT_TRUE(qtr_circuit_equal(out, again)) << "seed " << seed;
        for (uint32_t v = 0; v < nqubits; v++) {
            EXPECT_EQ(r.initial_layout[v], r2.initial_layout[v]) << "seed " << seed;
            EXPECT_EQ(r.output_permutation[v], r2.output_permutation[v]) << "seed " << seed;
        }
        EXPECT_EQ(r.swaps, r2.swaps) << "seed " << seed;
        // swaps come only from a SABRE layout here (VF2Layout's are perfect)
        // (the counts are taken on the input: init leaves these circuits' 2q
        // gates in place, and the budgets are wide)
        p.reseeded += r.swaps > 0 && qtr_pipeline_reseed_runs(in, level) > 1;
        p.rerouted_only += r.swaps > 0 && qtr_pipeline_reseed_runs(in, level) == 1 &&
                           qtr_pipeline_reroutes(in, level) > 0;
        p.with_variants += r.swaps > 0 && has_ccx(in) && qtr_pipeline_role_variants(in, level) > 0;
        qtr_result_free(&r);
        qtr_result_free(&r2);
        qtr_circuit_free(in);
        qtr_circuit_free(out);
        qtr_circuit_free(again);
    }
    return p;
}

void expect_reseeded(const Paths &p)
{
    EXPECT_GT(p.reseeded, p.circuits / 2) << "too few circuits took the best-of-seeds path";
}

}  // namespace

// grid:2x3 and line:7 have no layout for most random interaction graphs of
// 6 and 7 qubits, so SABRE lays them out and the seeds compete.
TEST(BestOfSeeds, RandomCliffordTLevel2)
{
    Paths p = random_runs(kCliffordT, "grid:2x3", 6, 40, 2, 80);
    expect_reseeded(p);
    EXPECT_GT(p.with_variants, p.circuits / 2) << "too few circuits ran ccx role variants";
}
TEST(BestOfSeeds, RandomCliffordTLevel3)
{
    Paths p = random_runs(kCliffordT, "grid:2x3", 6, 40, 3, 40);
    expect_reseeded(p);
    EXPECT_GT(p.with_variants, p.circuits / 2) << "too few circuits ran ccx role variants";
}
TEST(BestOfSeeds, RandomCxRzHLevel2) { expect_reseeded(random_runs(kCxRzH, "line:7", 7, 50, 2, 80)); }
TEST(BestOfSeeds, RandomCxRzHLevel3) { expect_reseeded(random_runs(kCxRzH, "heavy-hex:3", 7, 50, 3, 30)); }

// Circuits above level 2's rerun budget (400 2q gates) but within its
// reroute budget: only the reroutes compete with the first run.
TEST(BestOfSeeds, ReroutesOnlyCxRzHLevel2)
{
    Paths p = random_runs(kCxRzH, "line:7", 7, 1050, 2, 6);
    EXPECT_GT(p.rerouted_only, p.circuits / 2) << "too few circuits took the reroute-only path";
}
TEST(BestOfSeeds, ReroutesOnlyCliffordTLevel2)
{
    Paths p = random_runs(kCliffordT, "grid:2x3", 6, 900, 2, 6);
    EXPECT_GT(p.rerouted_only, p.circuits / 2) << "too few circuits took the reroute-only path";
}

// Dense Clifford circuits: init resynthesises them from their tableau
// (src/pass_clifford.c) before layout; the whole pipeline must stay
// equivalent, conform and repeat.
TEST(BestOfSeeds, RandomCliffordRegionsLevels2And3)
{
    const std::vector<qtr_op> clifford = {QTR_OP_CX, QTR_OP_CX, QTR_OP_CZ, QTR_OP_SWAP,
                                          QTR_OP_H,  QTR_OP_S,  QTR_OP_SDG, QTR_OP_SX,
                                          QTR_OP_X,  QTR_OP_Y,  QTR_OP_Z};
    random_runs(clifford, "grid:2x3", 6, 80, 2, 40);
    random_runs(clifford, "line:7", 7, 120, 3, 15);
}

// Wide dense Cliffords on a line: the candidate synthesised along the
// coupling graph (no swaps) beats any routing by far, so SABRE gives up
// after its probe (pipeline.c, CLIFFORD_GIVE_UP: here the probe's swaps
// cost 2.5-2.9 times the candidate's 2q gates); the output must still be
// equivalent, conform and repeat, and be that candidate.
TEST(BestOfSeeds, WideCliffordsKeepTheDeviceSynthesis)
{
    const std::vector<qtr_op> clifford = {QTR_OP_CX, QTR_OP_CX, QTR_OP_CZ, QTR_OP_H, QTR_OP_S,
                                          QTR_OP_SX};
    Target tg("line:16");
    uint64_t kept = 0, n = scaled(3);
    for (uint64_t seed = 0; seed < n; seed++) {
        qtr_ctx ctx;
        qtr_ctx_init(&ctx, seed);
        qtr_circuit *in = nullptr, *out = nullptr, *again = nullptr;
        ASSERT_EQ(qtr_random_circuit(16, 1000, clifford.data(), clifford.size(), seed, &in, &ctx),
                  QTR_OK);
        ASSERT_EQ(qtr_circuit_clone(in, &out, &ctx), QTR_OK);
        ASSERT_EQ(qtr_circuit_clone(in, &again, &ctx), QTR_OK);
        qtr_options o;
        qtr_options_default(&o);
        o.seed = seed;
        qtr_result r, r2;
        ASSERT_EQ(qtr_transpile(out, tg.t, &o, &r, &ctx), QTR_OK) << qtr_ctx_message(&ctx);
        ASSERT_EQ(qtr_transpile(again, tg.t, &o, &r2, &ctx), QTR_OK) << qtr_ctx_message(&ctx);
        EXPECT_EQ(qtr_target_check_circuit(tg.t, out, &ctx), QTR_OK) << qtr_ctx_message(&ctx);
        EXPECT_EQ(qtr_sim_equivalent(in, out, r.initial_layout, r.output_permutation, 1e-6, &ctx),
                  QTR_OK)
            << "seed " << seed << ": " << qtr_ctx_message(&ctx);
        EXPECT_EQ(r.out.n2q, count_2q(out)) << "seed " << seed;
        EXPECT_TRUE(qtr_circuit_equal(out, again)) << "seed " << seed;
        kept += r.swaps == 0;
        qtr_result_free(&r);
        qtr_result_free(&r2);
        qtr_circuit_free(in);
        qtr_circuit_free(out);
        qtr_circuit_free(again);
    }
    EXPECT_EQ(kept, n) << "a routing beat the Clifford synthesis";
}
