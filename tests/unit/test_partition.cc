// test_partition.cc -- the batch plan (mpi/partition.c): rounds, static
// blocks and dynamic chunks cover every row exactly once, balance cost, and
// depend only on the index.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

#include "partition.h"

namespace {
double sum(const std::vector<double> &c, size_t a, size_t b)
{
    return std::accumulate(c.begin() + a, c.begin() + b, 0.0);
}
}  // namespace

TEST(Partition, CostGrowsWithInstructionsAndQubits)
{
    EXPECT_LT(qtr_cost_estimate(100, 2), qtr_cost_estimate(1000, 2));
    EXPECT_LT(qtr_cost_estimate(1000, 2), qtr_cost_estimate(1000, 127));
    EXPECT_GT(qtr_cost_estimate(0, 0), 0.0);  // an empty circuit is not free
}

TEST(Partition, BlocksCoverRowsInOrderWithBalancedCost)
{
    std::mt19937_64 rng(7);
    for (int trial = 0; trial < 50; trial++) {
        size_t n = rng() % 500;
        int parts = 1 + (int)(rng() % 9);
        std::vector<double> cost(n);
        for (auto &c : cost) c = (double)(1 + rng() % 1000);
        std::vector<size_t> first(parts + 1);
        qtr_partition_blocks(cost.data(), n, parts, first.data());
        ASSERT_EQ(first[0], 0u);
        ASSERT_EQ(first[parts], n);
        double total = sum(cost, 0, n), maxc = n ? *std::max_element(cost.begin(), cost.end()) : 0;
        for (int r = 0; r < parts; r++) {
            ASSERT_LE(first[r], first[r + 1]);
            // each part is within one row's cost of its share
            EXPECT_NEAR(sum(cost, first[r], first[r + 1]), total / parts, maxc + 1e-9)
                << "trial " << trial << " part " << r;
        }
    }
}

TEST(Partition, EqualOrUnknownCostsGiveEqualRowCounts)
{
    std::vector<double> ones(100, 1.0), zeros(100, 0.0);
    std::vector<size_t> a(5), b(5);
    qtr_partition_blocks(ones.data(), 100, 4, a.data());
    qtr_partition_blocks(zeros.data(), 100, 4, b.data());
    for (int r = 0; r < 4; r++) {
        EXPECT_EQ(a[r + 1] - a[r], 25u);
        EXPECT_EQ(b[r + 1] - b[r], 25u);
    }
}

TEST(Partition, OneHeavyRowGetsAPartOfItsOwn)
{
    std::vector<double> cost(10, 1.0);
    cost[3] = 1000;
    std::vector<size_t> first(4);
    qtr_partition_blocks(cost.data(), 10, 3, first.data());
    // the part holding row 3 holds little else
    for (int r = 0; r < 3; r++)
        if (first[r] <= 3 && 3 < first[r + 1]) {
            EXPECT_LE(first[r + 1] - first[r], 4u);
        }
}

TEST(Partition, RoundLengthRespectsRowsAndWeight)
{
    std::vector<uint64_t> w = {10, 10, 10, 10, 10, 10};
    EXPECT_EQ(qtr_partition_round_len(w.data(), 6, 4, 1000), 4u);   // row limit
    EXPECT_EQ(qtr_partition_round_len(w.data(), 6, 100, 35), 3u);   // weight limit
    EXPECT_EQ(qtr_partition_round_len(w.data(), 6, 100, 1000), 6u); // the window
    EXPECT_EQ(qtr_partition_round_len(w.data(), 0, 100, 1000), 0u);
    std::vector<uint64_t> heavy = {5000, 1, 1};
    EXPECT_EQ(qtr_partition_round_len(heavy.data(), 3, 100, 100), 1u);  // never 0
    std::vector<uint64_t> huge = {UINT64_MAX, UINT64_MAX};
    EXPECT_EQ(qtr_partition_round_len(huge.data(), 2, 100, UINT64_MAX), 1u);
}

// Rounds cut by estimated cost: a heavy row ends the round before it and is
// then a round of its own, light rows fill a round up to the budget.
TEST(Partition, CutByCost)
{
    std::vector<double> c = {10, 10, 10, 500, 10, 10};
    EXPECT_EQ(qtr_partition_cut_by_cost(c.data(), 6, 100), 3u);      // stops before 500
    EXPECT_EQ(qtr_partition_cut_by_cost(c.data() + 3, 3, 100), 1u);  // 500 alone
    EXPECT_EQ(qtr_partition_cut_by_cost(c.data() + 4, 2, 100), 2u);  // the window
    EXPECT_EQ(qtr_partition_cut_by_cost(c.data(), 6, 20), 2u);       // exactly at the budget
    EXPECT_EQ(qtr_partition_cut_by_cost(c.data(), 0, 100), 0u);
    std::vector<double> zero(5, 0.0);                                // done rows cost 0
    EXPECT_EQ(qtr_partition_cut_by_cost(zero.data(), 5, 1), 5u);
}

namespace {
// Every row of the round is processed exactly once: a light row in a static
// block or a range chunk, a heavy row in its own chunk.
void expect_cover(const qtr_round_plan &p)
{
    std::vector<int> seen(p.n, 0);
    for (int r = 0; r < p.nranks; r++)
        for (size_t i = p.block[r]; i < p.block[r + 1]; i++)
            if (qtr_plan_takes(&p, (size_t)-1, i)) seen[i]++;
    ASSERT_EQ(p.block[p.nranks], p.dyn_first);
    for (size_t c = 0; c < p.nchunks; c++) {
        ASSERT_LT(p.chunk_first[c], p.chunk_end[c]);
        ASSERT_LE(p.chunk_end[c], p.n);
        for (size_t i = p.chunk_first[c]; i < p.chunk_end[c]; i++)
            if (qtr_plan_takes(&p, c, i)) seen[i]++;
    }
    for (size_t i = 0; i < p.n; i++) EXPECT_EQ(seen[i], 1) << "row " << i;
}

double chunk_cost(const qtr_round_plan &p, const std::vector<double> &cost, size_t c)
{
    double s = 0;
    for (size_t i = p.chunk_first[c]; i < p.chunk_end[c]; i++)
        if (qtr_plan_takes(&p, c, i)) s += cost[i];
    return s;
}
}  // namespace

TEST(Partition, RoundPlanSplitsStaticAndDynamic)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    std::mt19937_64 rng(11);
    for (int trial = 0; trial < 60; trial++) {
        size_t n = 1 + rng() % 300;
        int ranks = 1 + (int)(rng() % 6), threads = 1 + (int)(rng() % 4);
        std::vector<double> cost(n);
        for (auto &c : cost) c = (double)(rng() % 50);  // zeros: rows already done
        if (trial % 3 == 0) cost[rng() % n] = 5000;     // a circuit far above the rest
        qtr_round_plan p;
        ASSERT_EQ(qtr_plan_round(cost.data(), n, ranks, threads, 0.5, &p, &ctx), QTR_OK);
        expect_cover(p);
        double total = sum(cost, 0, n);
        double target = total / (ranks * threads * 2.0);
        if (ranks == 1) {
            EXPECT_EQ(p.dyn_first, n);  // one rank: nothing to balance between ranks
            EXPECT_EQ(p.nchunks, 0u);
        } else {
            double light = 0, lstatic = 0, maxl = 0;
            for (size_t i = 0; i < n; i++) {
                EXPECT_EQ(p.heavy[i], cost[i] > target / 4 && cost[i] > 0 ? 1 : 0) << "row " << i;
                if (p.heavy[i]) continue;
                light += cost[i];
                maxl = std::max(maxl, cost[i]);
                if (i < p.dyn_first) lstatic += cost[i];
            }
            EXPECT_LE(lstatic, 0.5 * light + 1e-9);
            EXPECT_GE(lstatic, 0.5 * light - maxl - 1e-9);
            for (size_t c = 0; c < p.nchunks; c++) {
                // longest first, and a range chunk is about one target's worth
                if (c) {
                    EXPECT_GE(chunk_cost(p, cost, c - 1), chunk_cost(p, cost, c));
                }
                if (!p.heavy[p.chunk_first[c]]) {
                    EXPECT_LE(chunk_cost(p, cost, c), target + maxl + 1e-9);
                }
            }
        }
        qtr_round_plan q;
        ASSERT_EQ(qtr_plan_round(cost.data(), n, ranks, threads, 0.5, &q, &ctx), QTR_OK);
        EXPECT_EQ(std::vector<size_t>(p.chunk_first, p.chunk_first + p.nchunks),
                  std::vector<size_t>(q.chunk_first, q.chunk_first + q.nchunks));  // deterministic
        qtr_round_plan_free(&p);
        qtr_round_plan_free(&q);
    }
}

TEST(Partition, HeavyRowsAreHandedOutFirstOnTheirOwn)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    std::vector<double> cost(100, 1.0);
    cost[3] = 400;   // in what would be a static block
    cost[70] = 300;  // in the dynamic part
    cost[80] = 20;   // light: below a quarter of a chunk (798 / 4 / 4)
    qtr_round_plan p;
    ASSERT_EQ(qtr_plan_round(cost.data(), 100, 2, 1, 0.5, &p, &ctx), QTR_OK);
    expect_cover(p);
    ASSERT_GE(p.nchunks, 3u);
    EXPECT_EQ(p.chunk_first[0], 3u);   // the heaviest first
    EXPECT_EQ(p.chunk_end[0], 4u);
    EXPECT_EQ(p.chunk_first[1], 70u);
    EXPECT_EQ(p.chunk_end[1], 71u);
    EXPECT_FALSE(qtr_plan_takes(&p, (size_t)-1, 3));  // not in rank 0's static block
    EXPECT_EQ(p.heavy[80], 0);
    qtr_round_plan_free(&p);
}

TEST(Partition, BigRowsMoveToTheFrontInOrder)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    std::mt19937_64 rng(5);
    for (int trial = 0; trial < 40; trial++) {
        size_t n = 20 + rng() % 200;
        std::vector<double> cost(n);
        for (auto &c : cost) c = (double)(1 + rng() % 20);
        for (int h = 0; h < 6; h++) cost[rng() % n] = 500 + (double)(rng() % 1000);
        std::vector<uint8_t> big(n);
        for (size_t i = 0; i < n; i++) big[i] = cost[i] > 400 && rng() % 2;  // some heavy rows
        big[rng() % n] = 1;  // and a light row marked big: not a chunk of its own, stays
        qtr_round_plan p, q;
        ASSERT_EQ(qtr_plan_round(cost.data(), n, 3, 2, 0.5, &p, &ctx), QTR_OK);
        ASSERT_EQ(qtr_plan_round(cost.data(), n, 3, 2, 0.5, &q, &ctx), QTR_OK);
        qtr_plan_big_first(&p, big.data());
        expect_cover(p);
        std::vector<size_t> want_big, want_rest, got;
        for (size_t c = 0; c < q.nchunks; c++) {
            size_t f = q.chunk_first[c];
            bool b = q.chunk_end[c] == f + 1 && q.heavy[f] && big[f];
            (b ? want_big : want_rest).push_back(f);
        }
        EXPECT_EQ(p.nbig, want_big.size());
        ASSERT_EQ(p.nchunks, q.nchunks);
        for (size_t c = 0; c < p.nchunks; c++) {
            got.push_back(p.chunk_first[c]);
            if (c < p.nbig) {
                EXPECT_EQ(p.chunk_end[c], p.chunk_first[c] + 1);
                EXPECT_TRUE(p.heavy[p.chunk_first[c]] && big[p.chunk_first[c]]);
            }
        }
        want_big.insert(want_big.end(), want_rest.begin(), want_rest.end());
        EXPECT_EQ(got, want_big);  // big chunks first, each part in its old order
        qtr_round_plan_free(&p);
        qtr_round_plan_free(&q);
    }
}

TEST(Partition, EmptyRoundAndAllStatic)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_round_plan p;
    ASSERT_EQ(qtr_plan_round(nullptr, 0, 4, 2, 0.5, &p, &ctx), QTR_OK);
    EXPECT_EQ(p.n, 0u);
    EXPECT_EQ(p.nchunks, 0u);
    expect_cover(p);
    qtr_round_plan_free(&p);
    std::vector<double> cost(10, 1.0);
    ASSERT_EQ(qtr_plan_round(cost.data(), 10, 3, 2, 1.0, &p, &ctx), QTR_OK);
    EXPECT_EQ(p.dyn_first, 10u);
    expect_cover(p);
    qtr_round_plan_free(&p);
}
