// test_target.cc -- device targets: construction, adjacency, distances,
// basis parsing, the generators (heavy-hex against rustworkx), the built-in
// IBM devices, the Qiskit and qtranspile JSON loaders and their error
// messages. Fixtures live in tests/data/targets (written for these tests);
// more malformed files are written to a temporary directory at run time.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#include "qtr.h"
#include "qtr_io.h"
#include "target_internal.h"

using ::testing::HasSubstr;
using ::testing::StartsWith;

#ifndef QTR_TEST_DATA
#define QTR_TEST_DATA "tests/data"
#endif

namespace {

const std::string kData = std::string(QTR_TEST_DATA) + "/targets/";

struct Ctx {
    qtr_ctx c;
    Ctx() { qtr_ctx_init(&c, 1); }
    qtr_ctx *operator&() { return &c; }
    std::string msg() const { return c.msg; }
};

// Owns a target for the test's lifetime.
struct Target {
    qtr_target *t = nullptr;
    ~Target() { qtr_target_free(t); }
    qtr_target *operator->() const { return t; }
};

qtr_status load(const std::string &spec, Target &out, Ctx &ctx)
{
    return qtr_target_load(spec.c_str(), &out.t, &ctx);
}

// Undirected couplings {a < b} of a finished target, from its adjacency.
std::set<std::pair<uint32_t, uint32_t>> couplings(const qtr_target *t)
{
    std::set<std::pair<uint32_t, uint32_t>> s;
    for (uint32_t p = 0; p < t->nqubits; p++)
        for (uint32_t k = t->adj_off[p]; k < t->adj_off[p + 1]; k++)
            if (p < t->adj[k]) s.insert({p, t->adj[k]});
    return s;
}

uint32_t degree(const qtr_target *t, uint32_t p) { return t->adj_off[p + 1] - t->adj_off[p]; }

std::vector<uint32_t> distances(const qtr_target *t)
{
    Ctx ctx;
    uint32_t *d = nullptr;
    EXPECT_EQ(qtr_target_distances(t, &d, &ctx), QTR_OK) << ctx.msg();
    std::vector<uint32_t> v(d, d + (size_t)t->nqubits * t->nqubits);
    free(d);
    return v;
}

bool every_edge_both_ways(const qtr_target *t)
{
    for (uint32_t i = 0; i < t->nedges; i++)
        if (qtr_target_edge_index(t, t->edges[i][1], t->edges[i][0]) < 0) return false;
    return true;
}

// Names of the unitary basis gates, sorted ("cz,id,rz,sx,x").
std::string unitary_basis(const qtr_target *t)
{
    std::string s;
    for (int op = 0; op < QTR_OP_COUNT; op++) {
        if (!t->basis[op]) continue;
        if (qtr_gate((qtr_op)op)->props & (QTR_GP_NONUNITARY | QTR_GP_DIRECTIVE)) continue;
        if (!s.empty()) s += ",";
        s += qtr_gate((qtr_op)op)->name;
    }
    std::vector<std::string> parts;
    size_t b = 0;
    while (b <= s.size() && !s.empty()) {
        size_t e = s.find(',', b);
        if (e == std::string::npos) e = s.size();
        parts.push_back(s.substr(b, e - b));
        b = e + 1;
    }
    std::sort(parts.begin(), parts.end());
    std::string out;
    for (auto &p : parts) out += (out.empty() ? "" : ",") + p;
    return out;
}

double edge_value(const qtr_target *t, const double *v, uint32_t a, uint32_t b)
{
    long e = qtr_target_edge_index(t, a, b);
    EXPECT_GE(e, 0) << "(" << a << ", " << b << ")";
    return e >= 0 ? v[e] : NAN;
}

// A scratch directory for malformed files written by the tests.
class TempDir {
  public:
    TempDir()
    {
        const char *tmp = getenv("TMPDIR");
        std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/qtr_target_XXXXXX";
        std::vector<char> buf(tmpl.begin(), tmpl.end());
        buf.push_back('\0');
        if (mkdtemp(buf.data())) dir_ = buf.data();
    }
    ~TempDir()
    {
        for (auto &f : files_) unlink(f.c_str());
        if (!dir_.empty()) rmdir(dir_.c_str());
    }
    std::string write(const std::string &name, const std::string &text)
    {
        std::string path = dir_ + "/" + name;
        FILE *f = fopen(path.c_str(), "w");
        EXPECT_NE(f, nullptr) << path;
        if (f) {
            fputs(text.c_str(), f);
            fclose(f);
        }
        files_.push_back(path);
        return path;
    }

  private:
    std::string dir_;
    std::vector<std::string> files_;
};

}  // namespace

// ---------------------------------------------------------------------------
// Core: construction, finish, queries
// ---------------------------------------------------------------------------

TEST(Target, FinishSortsDeduplicatesAndBuildsAdjacency)
{
    Ctx ctx;
    Target t;
    ASSERT_EQ(qtr_target_new(&t.t, "t", 4, &ctx), QTR_OK);
    ASSERT_EQ(qtr_target_add_edge(t.t, 2, 1, &ctx), QTR_OK);
    ASSERT_EQ(qtr_target_add_edge(t.t, 1, 0, &ctx), QTR_OK);
    ASSERT_EQ(qtr_target_add_edge(t.t, 0, 1, &ctx), QTR_OK);
    ASSERT_EQ(qtr_target_add_edge(t.t, 1, 0, &ctx), QTR_OK);   // duplicate
    // Before finish, lookups still work (linear scan, insertion order).
    EXPECT_EQ(qtr_target_edge_index(t.t, 1, 0), 1);
    EXPECT_TRUE(qtr_target_connected(t.t, 1, 2));
    ASSERT_EQ(qtr_target_finish(t.t, &ctx), QTR_OK) << ctx.msg();
    ASSERT_EQ(t->nedges, 3u);
    EXPECT_EQ(t->edges[0][0], 0u); EXPECT_EQ(t->edges[0][1], 1u);
    EXPECT_EQ(t->edges[1][0], 1u); EXPECT_EQ(t->edges[1][1], 0u);
    EXPECT_EQ(t->edges[2][0], 2u); EXPECT_EQ(t->edges[2][1], 1u);
    EXPECT_EQ(qtr_target_edge_index(t.t, 0, 1), 0);
    EXPECT_EQ(qtr_target_edge_index(t.t, 1, 0), 1);
    EXPECT_EQ(qtr_target_edge_index(t.t, 2, 1), 2);
    EXPECT_EQ(qtr_target_edge_index(t.t, 1, 2), -1);   // directed: only 2->1 exists
    EXPECT_EQ(qtr_target_edge_index(t.t, 9, 1), -1);
    EXPECT_TRUE(qtr_target_connected(t.t, 1, 2));
    EXPECT_TRUE(qtr_target_connected(t.t, 2, 1));
    EXPECT_FALSE(qtr_target_connected(t.t, 0, 2));
    EXPECT_FALSE(qtr_target_connected(t.t, 3, 0));
    EXPECT_FALSE(qtr_target_connected(t.t, 0, 99));
    // Adjacency: undirected, sorted, no duplicates.
    EXPECT_EQ(degree(t.t, 0), 1u);
    EXPECT_EQ(degree(t.t, 1), 2u);
    EXPECT_EQ(t->adj[t->adj_off[1]], 0u);
    EXPECT_EQ(t->adj[t->adj_off[1] + 1], 2u);
    EXPECT_EQ(degree(t.t, 3), 0u);
    // Measure, reset, barrier are always allowed; nothing else yet.
    EXPECT_TRUE(t->basis[QTR_OP_MEASURE] && t->basis[QTR_OP_RESET] && t->basis[QTR_OP_BARRIER]);
    EXPECT_EQ(unitary_basis(t.t), "");
    EXPECT_EQ(qtr_target_2q_gate(t.t), QTR_OP_NOP);
}

// finish keeps hop counts for sparse targets: checked against a BFS written
// here; unreachable pairs are UINT16_MAX; adding an edge drops them until
// the next finish; dense targets keep none (routing computes its own).
TEST(Target, FinishKeepsDistancesOfSparseTargets)
{
    Ctx ctx;
    Target t;
    ASSERT_EQ(load("torino", t, ctx), QTR_OK) << ctx.msg();
    ASSERT_NE(t->dist, nullptr);
    uint32_t n = t->nqubits;
    for (uint32_t s = 0; s < n; s++) {
        std::vector<uint32_t> d(n, UINT32_MAX), q{s};
        d[s] = 0;
        for (size_t h = 0; h < q.size(); h++)
            for (uint32_t k = t->adj_off[q[h]]; k < t->adj_off[q[h] + 1]; k++)
                if (d[t->adj[k]] == UINT32_MAX) {
                    d[t->adj[k]] = d[q[h]] + 1;
                    q.push_back(t->adj[k]);
                }
        for (uint32_t b = 0; b < n; b++) ASSERT_EQ(t->dist[(size_t)s * n + b], d[b]) << s << "->" << b;
    }
    uint32_t *d32 = nullptr;
    ASSERT_EQ(qtr_target_distances(t.t, &d32, &ctx), QTR_OK);
    for (size_t i = 0; i < (size_t)n * n; i++) ASSERT_EQ(d32[i], t->dist[i]);
    free(d32);

    Target two;   // two components: 0-1 and 2
    ASSERT_EQ(qtr_target_new(&two.t, "two", 3, &ctx), QTR_OK);
    ASSERT_EQ(qtr_target_add_edge(two.t, 0, 1, &ctx), QTR_OK);
    ASSERT_EQ(qtr_target_finish(two.t, &ctx), QTR_OK);
    ASSERT_NE(two->dist, nullptr);
    EXPECT_EQ(two->dist[0 * 3 + 1], 1u);
    EXPECT_EQ(two->dist[0 * 3 + 2], UINT16_MAX);
    ASSERT_EQ(qtr_target_add_edge(two.t, 1, 2, &ctx), QTR_OK);
    EXPECT_EQ(two->dist, nullptr);
    ASSERT_EQ(qtr_target_finish(two.t, &ctx), QTR_OK);
    ASSERT_NE(two->dist, nullptr);
    EXPECT_EQ(two->dist[0 * 3 + 2], 2u);

    Target all;   // all:20 has 380 directed edges, more than 8 per qubit
    ASSERT_EQ(load("all:20", all, ctx), QTR_OK) << ctx.msg();
    EXPECT_EQ(all->dist, nullptr);
}

TEST(Target, FinishCarriesPerEdgeDataThroughTheSort)
{
    Ctx ctx;
    Target t;
    ASSERT_EQ(qtr_target_new(&t.t, "t", 3, &ctx), QTR_OK);
    ASSERT_EQ(qtr_target_add_edge(t.t, 2, 1, &ctx), QTR_OK);
    ASSERT_EQ(qtr_target_add_edge(t.t, 0, 1, &ctx), QTR_OK);
    ASSERT_EQ(qtr_target_add_edge(t.t, 2, 1, &ctx), QTR_OK);
    t->err2q = (double *)malloc(3 * sizeof(double));
    t->err2q[0] = 0.21; t->err2q[1] = 0.01; t->err2q[2] = 0.99;   // the duplicate's value is dropped
    // Edges cannot be added once per-edge data exists (it would misalign).
    EXPECT_EQ(qtr_target_add_edge(t.t, 1, 0, &ctx), QTR_EINVAL);
    EXPECT_THAT(ctx.msg(), HasSubstr("after per-edge calibration data"));
    ASSERT_EQ(qtr_target_finish(t.t, &ctx), QTR_OK);
    ASSERT_EQ(t->nedges, 2u);
    EXPECT_EQ(edge_value(t.t, t->err2q, 0, 1), 0.01);
    EXPECT_EQ(edge_value(t.t, t->err2q, 2, 1), 0.21);
}

TEST(Target, RejectsBadEdgesAndSizes)
{
    Ctx ctx;
    Target t;
    EXPECT_EQ(qtr_target_new(&t.t, "zero", 0, &ctx), QTR_ETARGET);
    EXPECT_THAT(ctx.msg(), HasSubstr("at least one qubit"));
    EXPECT_EQ(t.t, nullptr);
    EXPECT_EQ(qtr_target_new(&t.t, "huge", UINT32_MAX, &ctx), QTR_ELIMIT);
    EXPECT_THAT(ctx.msg(), HasSubstr("exceeds the limit"));
    ASSERT_EQ(qtr_target_new(&t.t, "t", 3, &ctx), QTR_OK);
    EXPECT_EQ(qtr_target_add_edge(t.t, 0, 3, &ctx), QTR_EQUBIT);
    EXPECT_THAT(ctx.msg(), HasSubstr("qubit 3 out of range 0..2"));
    EXPECT_EQ(qtr_target_add_edge(t.t, 1, 1, &ctx), QTR_ETARGET);
    EXPECT_THAT(ctx.msg(), HasSubstr("joins a qubit to itself"));
    EXPECT_EQ(t->nedges, 0u);
    // distances need the adjacency from finish.
    uint32_t *d = nullptr;
    EXPECT_EQ(qtr_target_distances(t.t, &d, &ctx), QTR_EINVAL);
    EXPECT_THAT(ctx.msg(), HasSubstr("qtr_target_finish"));
    // finish re-checks the public edge array.
    ASSERT_EQ(qtr_target_add_edge(t.t, 0, 1, &ctx), QTR_OK);
    t->edges[0][1] = 7;
    EXPECT_EQ(qtr_target_finish(t.t, &ctx), QTR_EQUBIT);
    EXPECT_THAT(ctx.msg(), HasSubstr("out of range"));
    qtr_target_free(nullptr);   // no-op
}

TEST(Target, SetBasis)
{
    Ctx ctx;
    Target t;
    ASSERT_EQ(qtr_target_new(&t.t, "t", 2, &ctx), QTR_OK);
    ASSERT_EQ(qtr_target_set_basis(t.t, " cx, rz ,sx,x", &ctx), QTR_OK) << ctx.msg();
    EXPECT_EQ(unitary_basis(t.t), "cx,rz,sx,x");
    EXPECT_EQ(qtr_target_2q_gate(t.t), QTR_OP_CX);
    EXPECT_TRUE(t->basis[QTR_OP_MEASURE]);

    // Failures leave the basis as it was. (A name the table does not know
    // is a gate of the device's own: test_qasm_opaque.cc.)
    EXPECT_EQ(qtr_target_set_basis(t.t, "cz,foo-1,sx", &ctx), QTR_ETARGET);
    EXPECT_THAT(ctx.msg(), HasSubstr("'foo-1' is not a gate name"));
    EXPECT_EQ(unitary_basis(t.t), "cx,rz,sx,x");
    EXPECT_EQ(qtr_target_set_basis(t.t, "cz,,sx", &ctx), QTR_ETARGET);
    EXPECT_THAT(ctx.msg(), HasSubstr("empty gate name"));
    EXPECT_EQ(qtr_target_set_basis(t.t, "", &ctx), QTR_ETARGET);
    EXPECT_THAT(ctx.msg(), HasSubstr("empty gate list"));
    EXPECT_EQ(qtr_target_set_basis(t.t, "cx(", &ctx), QTR_ETARGET);
    EXPECT_THAT(ctx.msg(), HasSubstr("'cx(' is not a gate name"));
    EXPECT_EQ(qtr_target_set_basis(t.t, "nop", &ctx), QTR_ETARGET);  // internal, not a gate
    EXPECT_EQ(unitary_basis(t.t), "cx,rz,sx,x");

    // Replacing (not adding to) the basis, and the 2q-gate preference.
    ASSERT_EQ(qtr_target_set_basis(t.t, "rzz,cz,rz,sx", &ctx), QTR_OK);
    EXPECT_EQ(unitary_basis(t.t), "cz,rz,rzz,sx");
    EXPECT_EQ(qtr_target_2q_gate(t.t), QTR_OP_CZ);
    ASSERT_EQ(qtr_target_set_basis(t.t, "rzz,rx", &ctx), QTR_OK);
    EXPECT_EQ(qtr_target_2q_gate(t.t), QTR_OP_RZZ);
    ASSERT_EQ(qtr_target_set_basis(t.t, "iswap,ecr,u", &ctx), QTR_OK);
    EXPECT_EQ(qtr_target_2q_gate(t.t), QTR_OP_ECR);
    ASSERT_EQ(qtr_target_set_basis(t.t, "u", &ctx), QTR_OK);
    EXPECT_EQ(qtr_target_2q_gate(t.t), QTR_OP_NOP);
}

// ---------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------

TEST(Generators, LineRingGridAll)
{
    Ctx ctx;
    {
        Target t;
        ASSERT_EQ(load("line:7", t, ctx), QTR_OK) << ctx.msg();
        EXPECT_STREQ(t->name, "line:7");
        EXPECT_EQ(t->nqubits, 7u);
        EXPECT_EQ(t->nedges, 12u);
        EXPECT_EQ(couplings(t.t).size(), 6u);
        EXPECT_TRUE(every_edge_both_ways(t.t));
        EXPECT_EQ(degree(t.t, 0), 1u);
        EXPECT_EQ(degree(t.t, 3), 2u);
        EXPECT_EQ(unitary_basis(t.t), "cx,rz,sx,x");
        EXPECT_FALSE(qtr_target_all_to_all(t.t));
        auto d = distances(t.t);
        for (uint32_t a = 0; a < 7; a++) {
            for (uint32_t b = 0; b < 7; b++) {
                EXPECT_EQ(d[a * 7 + b], a > b ? a - b : b - a);
            }
        }
    }
    {
        Target t;
        ASSERT_EQ(load("ring:8", t, ctx), QTR_OK) << ctx.msg();
        EXPECT_EQ(t->nedges, 16u);
        EXPECT_TRUE(qtr_target_connected(t.t, 7, 0));
        for (uint32_t p = 0; p < 8; p++) EXPECT_EQ(degree(t.t, p), 2u);
        auto d = distances(t.t);
        for (uint32_t a = 0; a < 8; a++)
            for (uint32_t b = 0; b < 8; b++) {
                uint32_t k = a > b ? a - b : b - a;
                EXPECT_EQ(d[a * 8 + b], std::min(k, 8 - k));
            }
    }
    {
        Target t;
        ASSERT_EQ(load("grid:3x4", t, ctx), QTR_OK) << ctx.msg();
        EXPECT_EQ(t->nqubits, 12u);
        EXPECT_EQ(couplings(t.t).size(), 3u * 3 + 4u * 2);   // R(C-1) + C(R-1)
        EXPECT_EQ(degree(t.t, 0), 2u);    // corner
        EXPECT_EQ(degree(t.t, 1), 3u);    // edge
        EXPECT_EQ(degree(t.t, 5), 4u);    // interior (row 1, column 1)
        EXPECT_TRUE(qtr_target_connected(t.t, 1, 5));   // vertical: q and q + C
        EXPECT_FALSE(qtr_target_connected(t.t, 3, 4));  // row end does not wrap
        auto d = distances(t.t);
        for (uint32_t a = 0; a < 12; a++)
            for (uint32_t b = 0; b < 12; b++) {
                uint32_t dr = a / 4 > b / 4 ? a / 4 - b / 4 : b / 4 - a / 4;
                uint32_t dc = a % 4 > b % 4 ? a % 4 - b % 4 : b % 4 - a % 4;
                EXPECT_EQ(d[a * 12 + b], dr + dc);
            }
    }
    {
        Target t;
        ASSERT_EQ(load("all:6", t, ctx), QTR_OK) << ctx.msg();
        EXPECT_EQ(t->nedges, 30u);
        EXPECT_TRUE(qtr_target_all_to_all(t.t));
        for (uint32_t p = 0; p < 6; p++) EXPECT_EQ(degree(t.t, p), 5u);
    }
    {
        Target t;
        ASSERT_EQ(load("line:1", t, ctx), QTR_OK) << ctx.msg();
        EXPECT_EQ(t->nedges, 0u);
        EXPECT_TRUE(qtr_target_all_to_all(t.t));
        EXPECT_EQ(distances(t.t), std::vector<uint32_t>{0});
    }
}

// rustworkx's own test of heavy_hex_graph(3) (rustworkx-core,
// generators/heavy_hex_graph.rs, test_heavy_hex_graph_3): edges in order.
TEST(Generators, HeavyHexMatchesRustworkxD3)
{
    const std::set<std::pair<uint32_t, uint32_t>> rustworkx_d3 = {
        {0, 13}, {1, 13}, {1, 14}, {2, 14}, {3, 15}, {4, 15}, {4, 16}, {5, 16}, {6, 17}, {7, 17},
        {7, 18}, {8, 18}, {0, 9}, {3, 9}, {5, 12}, {8, 12}, {10, 14}, {10, 16}, {11, 15}, {11, 17},
    };
    Ctx ctx;
    Target t;
    ASSERT_EQ(load("heavy-hex:3", t, ctx), QTR_OK) << ctx.msg();
    EXPECT_EQ(t->nqubits, 19u);
    EXPECT_EQ(couplings(t.t), rustworkx_d3);
    EXPECT_TRUE(every_edge_both_ways(t.t));
    EXPECT_EQ(t->nedges, 40u);
}

TEST(Generators, HeavyHexCountsDegreesConnectivity)
{
    for (uint32_t d : {1u, 3u, 5u, 7u, 9u}) {
        Ctx ctx;
        Target t;
        std::string spec = "heavy-hex:" + std::to_string(d);
        ASSERT_EQ(load(spec, t, ctx), QTR_OK) << ctx.msg();
        // rustworkx's formulas: nodes (5d^2-2d-1)/2, edges 2d(d-1)+(d+1)(d-1).
        uint32_t nodes = d == 1 ? 1 : (5 * d * d - 2 * d - 1) / 2;
        uint32_t edges = 2 * d * (d - 1) + (d + 1) * (d - 1);
        EXPECT_EQ(t->nqubits, nodes) << spec;
        EXPECT_EQ(couplings(t.t).size(), edges) << spec;
        EXPECT_EQ(t->nedges, 2 * edges) << spec;
        // Heavy-hex: degree at most 3; degree-3 qubits never touch each other
        // (every coupler of a degree-3 qubit goes to a degree-2 "heavy" qubit).
        for (uint32_t p = 0; p < t->nqubits; p++) {
            EXPECT_LE(degree(t.t, p), 3u) << spec << " qubit " << p;
            if (degree(t.t, p) != 3) continue;
            for (uint32_t k = t->adj_off[p]; k < t->adj_off[p + 1]; k++) {
                EXPECT_LE(degree(t.t, t->adj[k]), 2u) << spec << " qubit " << p;
            }
        }
        auto dist = distances(t.t);
        EXPECT_EQ(std::count(dist.begin(), dist.end(), UINT32_MAX), 0) << spec << " connected";
    }
    // The d = 5 and 7 counts in figures, as rustworkx documents them.
    Ctx ctx;
    Target t5, t7;
    ASSERT_EQ(load("heavy-hex:5", t5, ctx), QTR_OK);
    ASSERT_EQ(load("heavy-hex:7", t7, ctx), QTR_OK);
    EXPECT_EQ(t5->nqubits, 57u);
    EXPECT_EQ(couplings(t5.t).size(), 64u);
    EXPECT_EQ(t7->nqubits, 115u);
    EXPECT_EQ(couplings(t7.t).size(), 132u);
}

TEST(Generators, BadSpecs)
{
    struct Case { const char *spec; qtr_status st; const char *msg; } cases[] = {
        {"line:0", QTR_ETARGET, "line:0: expected a positive qubit count"},
        {"line:abc", QTR_ETARGET, "line:abc: expected a positive qubit count"},
        {"line:", QTR_ETARGET, "expected a positive qubit count"},
        {"line:-3", QTR_ETARGET, "expected a positive qubit count"},
        {"ring:2", QTR_ETARGET, "a ring needs at least 3 qubits"},
        {"grid:3", QTR_ETARGET, "expected grid:RxC"},
        {"grid:0x4", QTR_ETARGET, "expected grid:RxC"},
        {"grid:3x", QTR_ETARGET, "expected grid:RxC"},
        {"grid:2000x2000", QTR_ELIMIT, "more than"},
        {"heavy-hex:4", QTR_ETARGET, "heavy-hex:4: the distance D must be odd"},
        {"heavy-hex:x", QTR_ETARGET, "odd integer D"},
        {"heavy-hex:999", QTR_ELIMIT, "more than"},
        {"all:5000", QTR_ELIMIT, "limited to 2048"},
        {"line:99999999999", QTR_ETARGET, "expected a positive qubit count"},
        {"line:2000000", QTR_ELIMIT, "more than"},
    };
    for (auto &c : cases) {
        Ctx ctx;
        Target t;
        EXPECT_EQ(load(c.spec, t, ctx), c.st) << c.spec;
        EXPECT_THAT(ctx.msg(), HasSubstr(c.msg)) << c.spec;
        EXPECT_EQ(t.t, nullptr);
    }
}

// ---------------------------------------------------------------------------
// Built-in devices
// ---------------------------------------------------------------------------

TEST(Builtin, Torino)
{
    Ctx ctx;
    Target t;
    ASSERT_EQ(load("torino", t, ctx), QTR_OK) << ctx.msg();
    EXPECT_STREQ(t->name, "torino");
    EXPECT_EQ(t->nqubits, 133u);
    // 'id' is in IBM's basis_gates: it is harmless (a no-op gate), so kept.
    EXPECT_EQ(unitary_basis(t.t), "cz,id,rz,sx,x");
    EXPECT_EQ(qtr_target_2q_gate(t.t), QTR_OP_CZ);
    EXPECT_EQ(t->nedges, 300u);
    EXPECT_EQ(couplings(t.t).size(), 150u);
    EXPECT_TRUE(every_edge_both_ways(t.t));
    ASSERT_NE(t->err1q, nullptr);
    ASSERT_NE(t->err_readout, nullptr);
    ASSERT_NE(t->err2q, nullptr);
    ASSERT_NE(t->dur1q, nullptr);
    ASSERT_NE(t->dur2q, nullptr);
    for (uint32_t q = 0; q < t->nqubits; q++) {
        EXPECT_TRUE(t->err1q[q] >= 0 && t->err1q[q] <= 1) << q;
        EXPECT_TRUE(t->err_readout[q] >= 0 && t->err_readout[q] <= 1) << q;
    }
    for (uint32_t e = 0; e < t->nedges; e++) EXPECT_TRUE(t->err2q[e] >= 0 && t->err2q[e] <= 1);
    // Values carried exactly from props_torino.json (cz67_68, sx0, qubit 0
    // readout, sx gate_length 32 ns).
    EXPECT_EQ(edge_value(t.t, t->err2q, 67, 68), 0.003096991047570219);
    EXPECT_EQ(t->err1q[0], 0.00034183180551021047);
    EXPECT_EQ(t->err_readout[0], 0.166748046875);
    EXPECT_EQ(t->dur1q[0], 32 * 1e-9);
    auto d = distances(t.t);
    EXPECT_EQ(std::count(d.begin(), d.end(), UINT32_MAX), 0) << "torino is connected";
}

TEST(Builtin, FezAndSherbrooke)
{
    Ctx ctx;
    Target fez, sher;
    ASSERT_EQ(load("fez", fez, ctx), QTR_OK) << ctx.msg();
    EXPECT_EQ(fez->nqubits, 156u);
    EXPECT_EQ(fez->nedges, 352u);
    EXPECT_EQ(couplings(fez.t).size(), 176u);
    EXPECT_EQ(unitary_basis(fez.t), "cz,id,rz,sx,x");
    EXPECT_NE(fez->err2q, nullptr);

    ASSERT_EQ(load("sherbrooke", sher, ctx), QTR_OK) << ctx.msg();
    EXPECT_EQ(sher->nqubits, 127u);
    EXPECT_EQ(unitary_basis(sher.t), "ecr,id,rz,sx,x");
    EXPECT_EQ(qtr_target_2q_gate(sher.t), QTR_OP_ECR);
    EXPECT_EQ(sher->nedges, 144u);
    EXPECT_EQ(couplings(sher.t).size(), 144u);   // ECR runs one way on each coupler
    for (uint32_t e = 0; e < sher->nedges; e++)
        EXPECT_EQ(qtr_target_edge_index(sher.t, sher->edges[e][1], sher->edges[e][0]), -1);
    EXPECT_NE(sher->err2q, nullptr);
    // Eagle is a heavy-hex lattice: degree at most 3.
    for (uint32_t p = 0; p < sher->nqubits; p++) EXPECT_LE(degree(sher.t, p), 3u);
    // The backend name works as an alias.
    Target alias;
    ASSERT_EQ(load("ibm_sherbrooke", alias, ctx), QTR_OK);
    EXPECT_EQ(alias->nqubits, 127u);
}

TEST(Builtin, ListMatchesWhatLoads)
{
    const qtr_target_builtin_info *b = qtr_target_builtins();
    std::set<std::string> listed;
    size_t rows = 0;
    for (; b[rows].name; rows++) {
        ASSERT_NE(b[rows].description, nullptr);
        EXPECT_GT(strlen(b[rows].description), 10u);
        listed.insert(b[rows].name);
        std::string name = b[rows].name;
        if (name.find(':') != std::string::npos) {
            // A generator row: its prefix with a small argument loads.
            std::string spec = name.substr(0, name.find(':') + 1) + (name[0] == 'g' ? "2x3" : "3");
            Ctx ctx;
            Target t;
            EXPECT_EQ(load(spec, t, ctx), QTR_OK) << spec << ": " << ctx.msg();
        } else {
            // A device row: it loads and its description states its size.
            Ctx ctx;
            Target t;
            ASSERT_EQ(load(name, t, ctx), QTR_OK) << name << ": " << ctx.msg();
            EXPECT_THAT(b[rows].description, HasSubstr(std::to_string(t->nqubits) + " qubits"));
        }
    }
    EXPECT_EQ(b[rows].description, nullptr);
    EXPECT_EQ(rows, 8u);
    for (const char *g : {"line:N", "ring:N", "grid:RxC", "heavy-hex:D", "all:N"})
        EXPECT_TRUE(listed.count(g)) << g;
    for (const qtr_target_device *d = qtr_target_devices; d->name; d++)
        EXPECT_TRUE(listed.count(d->name)) << d->name << " is compiled in but not listed";
}

// ---------------------------------------------------------------------------
// Qiskit backend JSON
// ---------------------------------------------------------------------------

TEST(QiskitJson, ConfAndPropsBeside)
{
    Ctx ctx;
    Target t;
    ASSERT_EQ(load(kData + "conf_tiny.json", t, ctx), QTR_OK) << ctx.msg();
    EXPECT_EQ(t->nqubits, 5u);
    EXPECT_EQ(std::string(t->name), kData + "conf_tiny.json");
    // delay, if_else, for_loop are not gates and are dropped; measure is kept.
    EXPECT_EQ(unitary_basis(t.t), "cx,id,rz,sx,x");
    EXPECT_TRUE(t->basis[QTR_OP_MEASURE]);
    EXPECT_EQ(t->nedges, 8u);
    EXPECT_TRUE(qtr_target_connected(t.t, 3, 4));
    EXPECT_FALSE(qtr_target_connected(t.t, 0, 4));

    // props_tiny.json, read because it sits beside conf_tiny.json.
    ASSERT_NE(t->err_readout, nullptr);
    EXPECT_EQ(t->err_readout[0], 0.01);
    EXPECT_EQ(t->err_readout[3], 0.04);
    EXPECT_TRUE(std::isnan(t->err_readout[4]));
    ASSERT_NE(t->err1q, nullptr);
    EXPECT_EQ(t->err1q[0], 0.0001);          // sx, not id's 0.0009
    EXPECT_EQ(t->err1q[2], 0.0003);
    EXPECT_TRUE(std::isnan(t->err1q[3]));    // only x calibrated: sx unknown
    ASSERT_NE(t->dur1q, nullptr);
    EXPECT_EQ(t->dur1q[0], 32 * 1e-9);
    EXPECT_EQ(t->dur1q[1], 36 * 1e-9);
    EXPECT_EQ(t->dur1q[2], 0.04 * 1e-6);     // "us"
    ASSERT_NE(t->err2q, nullptr);
    EXPECT_EQ(edge_value(t.t, t->err2q, 0, 1), 0.011);
    EXPECT_EQ(edge_value(t.t, t->err2q, 1, 0), 0.012);
    EXPECT_EQ(edge_value(t.t, t->err2q, 3, 4), 1.0);
    EXPECT_TRUE(std::isnan(edge_value(t.t, t->err2q, 1, 2)));   // rzz1_2 is not the basis cx
    EXPECT_EQ(edge_value(t.t, t->dur2q, 1, 0), 440 * 1e-9);

    // The same conf without props has no calibration data.
    Target bare;
    ASSERT_EQ(qtr_target_load_qiskit((kData + "conf_tiny.json").c_str(), nullptr, &bare.t, &ctx),
              QTR_OK) << ctx.msg();
    EXPECT_EQ(bare->err1q, nullptr);
    EXPECT_EQ(bare->err2q, nullptr);
    EXPECT_EQ(bare->err_readout, nullptr);
    // ... and with props named explicitly, the same as through qtr_target_load.
    Target both;
    ASSERT_EQ(qtr_target_load_qiskit((kData + "conf_tiny.json").c_str(),
                                     (kData + "props_tiny.json").c_str(), &both.t, &ctx),
              QTR_OK) << ctx.msg();
    for (uint32_t e = 0; e < both->nedges; e++)
        EXPECT_TRUE(both->err2q[e] == t->err2q[e] ||
                    (std::isnan(both->err2q[e]) && std::isnan(t->err2q[e])));
}

TEST(QiskitJson, OneWayEcrWithoutProps)
{
    Ctx ctx;
    Target t;
    ASSERT_EQ(load(kData + "conf_oneway.json", t, ctx), QTR_OK) << ctx.msg();
    EXPECT_EQ(qtr_target_2q_gate(t.t), QTR_OP_ECR);
    EXPECT_EQ(qtr_target_edge_index(t.t, 1, 0), 0);
    EXPECT_EQ(qtr_target_edge_index(t.t, 0, 1), -1);
    EXPECT_TRUE(qtr_target_connected(t.t, 0, 1));
    EXPECT_EQ(t->err2q, nullptr);
}

TEST(QiskitJson, ErrorsNameFileAndKey)
{
    struct Case { const char *file; qtr_status st; const char *msg; } cases[] = {
        {"bad/not_json.json", QTR_ETARGET, "bad/not_json.json:3:27: ']' expected near '\"rz\"'"},
        {"bad/conf_nomap.json", QTR_ETARGET, "bad/conf_nomap.json: missing key 'coupling_map'"},
        {"bad/conf_range.json", QTR_ETARGET,
         "bad/conf_range.json: coupling_map[17]: qubit 200 out of range 0..132"},
        {"bad/conf_gate.json", QTR_ETARGET,
         "bad/conf_gate.json: basis_gates[2]: 'foo bar' is not a gate name"},
        {"bad/conf_type.json", QTR_ETARGET,
         "bad/conf_type.json: n_qubits: expected a positive integer, got a string"},
        {"bad/missing.json", QTR_EIO, "bad/missing.json: cannot open: No such file"},
    };
    for (auto &c : cases) {
        Ctx ctx;
        Target t;
        EXPECT_EQ(load(kData + c.file, t, ctx), c.st) << c.file;
        EXPECT_THAT(ctx.msg(), HasSubstr(c.msg)) << c.file;
        EXPECT_THAT(ctx.msg(), StartsWith(kData)) << "message names the file";
        EXPECT_EQ(t.t, nullptr);
    }
}

TEST(QiskitJson, MoreMalformedConfAndProps)
{
    TempDir dir;
    const std::string conf = R"({"n_qubits": 3, "basis_gates": ["cx", "sx", "rz"],
                                 "coupling_map": [[0, 1], [1, 2]]})";
    struct Case { std::string conf, props; qtr_status st; const char *msg; } cases[] = {
        {R"([1, 2])", "", QTR_ETARGET, "expected a JSON object at the top level"},
        {R"({"n_qubits": 2, "basis_gates": "cx", "coupling_map": []})", "", QTR_ETARGET,
         "basis_gates: expected an array, got a string"},
        {R"({"n_qubits": 2, "basis_gates": ["cx", 3], "coupling_map": []})", "", QTR_ETARGET,
         "basis_gates[1]: expected a gate name, got an integer"},
        {R"({"n_qubits": 0, "basis_gates": ["cx"], "coupling_map": []})", "", QTR_ETARGET,
         "n_qubits: expected a positive integer"},
        {R"({"n_qubits": 2, "basis_gates": ["cx"], "coupling_map": [[0, 1, 2]]})", "", QTR_ETARGET,
         "coupling_map[0]: expected a pair [a, b]"},
        {R"({"n_qubits": 2, "basis_gates": ["cx"], "coupling_map": [[0, 1.5]]})", "", QTR_ETARGET,
         "coupling_map[0]: expected a qubit index, got a number"},
        {R"({"n_qubits": 2, "basis_gates": ["cx"], "coupling_map": [[-1, 1]]})", "", QTR_ETARGET,
         "coupling_map[0]: qubit -1 out of range 0..1"},
        {R"({"n_qubits": 2, "basis_gates": ["cx"], "coupling_map": [[1, 1]]})", "", QTR_ETARGET,
         "coupling_map[0]: edge joins qubit 1 to itself"},
        {R"({"n_qubits": 2, "basis_gates": ["cx"], "coupling_map": {}})", "", QTR_ETARGET,
         "coupling_map: expected an array of [a, b] pairs, got an object"},
        {R"({"n_qubits": 2, "n_qubits": 3, "basis_gates": ["cx"], "coupling_map": []})", "",
         QTR_ETARGET, "duplicate object key"},
        {R"({"n_qubits": 2, "basis_gates": ["delay"], "coupling_map": []})", "", QTR_ETARGET,
         "basis_gates: no gates"},
        {conf, R"({"qubits": [], "gates": [{"gate": "cx", "qubits": [0, 9], "parameters": []}]})",
         QTR_ETARGET, "props_x.json: gates[0].qubits[1]: qubit 9 out of range 0..2"},
        {conf, R"({"gates": [{"gate": "sx", "qubits": [0], "parameters": [{"name": "gate_error", "value": "big"}]}]})",
         QTR_ETARGET, "props_x.json: gates[0] gate_error: expected a number, got a string"},
        {conf, R"({"gates": [{"gate": "sx", "qubits": [0], "parameters": [{"name": "gate_error", "value": 1.5}]}]})",
         QTR_ETARGET, "gates[0] gate_error: 1.5 outside [0, 1]"},
        {conf, R"({"gates": [{"gate": "sx", "qubits": [0], "parameters": [{"name": "gate_length", "unit": "fortnights", "value": 1}]}]})",
         QTR_ETARGET, "gates[0] gate_length: unknown time unit 'fortnights'"},
        {conf, R"({"gates": [{"gate": "cx", "qubits": [0], "parameters": []}]})", QTR_ETARGET,
         "gates[0].qubits: 1 qubits for gate 'cx'"},
        {conf, R"({"gates": [{"qubits": [0], "parameters": []}]})", QTR_ETARGET,
         "gates[0].gate: expected a gate name, got nothing"},
        {conf, R"({"qubits": [[], [], [], []]})", QTR_ETARGET, "qubits: 4 entries for a 3-qubit"},
        {conf, R"({"qubits": [[{"name": "readout_error", "value": -0.1}]]})", QTR_ETARGET,
         "qubits[0][0].value: -0.1 outside [0, 1]"},
        {conf, R"({"qubits": 3})", QTR_ETARGET, "props_x.json: qubits: expected an array"},
        {conf, R"({"gates": [)", QTR_ETARGET, "props_x.json:1:"},
    };
    for (auto &c : cases) {
        std::string cp = dir.write("conf_x.json", c.conf);
        std::string pp = dir.write("props_x.json", c.props.empty() ? "{}" : c.props);
        Ctx ctx;
        Target t;
        EXPECT_EQ(load(cp, t, ctx), c.st) << c.conf << " / " << c.props;
        EXPECT_THAT(ctx.msg(), HasSubstr(c.msg)) << c.conf << " / " << c.props;
        EXPECT_EQ(t.t, nullptr);
    }
    // Calibrations of gates outside the basis, or of pairs the conf does not
    // couple, are ignored rather than rejected; "coupling_map": null is all-to-all.
    std::string cp = dir.write("conf_x.json", R"({"n_qubits": 3, "basis_gates": ["cz", "sx"],
                                                  "coupling_map": null})");
    dir.write("props_x.json", R"({"gates": [{"gate": "rzz", "qubits": [0, 1], "parameters": []},
                                            {"gate": "unknown_thing", "qubits": [7], "parameters": []},
                                            {"gate": "cz", "qubits": [0, 2], "parameters":
                                              [{"name": "gate_error", "value": 0.25}]}]})");
    Ctx ctx;
    Target t;
    ASSERT_EQ(load(cp, t, ctx), QTR_OK) << ctx.msg();
    EXPECT_TRUE(qtr_target_all_to_all(t.t));
    EXPECT_EQ(t->nedges, 6u);
    EXPECT_EQ(edge_value(t.t, t->err2q, 0, 2), 0.25);
    EXPECT_TRUE(std::isnan(edge_value(t.t, t->err2q, 2, 0)));
}

// ---------------------------------------------------------------------------
// qtranspile's own format
// ---------------------------------------------------------------------------

TEST(OwnJson, LoadsEdgesErrorsDurationsAndComponents)
{
    Ctx ctx;
    Target t;
    ASSERT_EQ(load(kData + "own.json", t, ctx), QTR_OK) << ctx.msg();
    EXPECT_STREQ(t->name, "two-islands");
    EXPECT_EQ(t->nqubits, 6u);
    EXPECT_EQ(unitary_basis(t.t), "cz,rz,sx,x");
    EXPECT_EQ(t->nedges, 5u);   // 0->1, and 1-2, 3-4 both ways
    EXPECT_GE(qtr_target_edge_index(t.t, 0, 1), 0);
    EXPECT_EQ(qtr_target_edge_index(t.t, 1, 0), -1);
    EXPECT_GE(qtr_target_edge_index(t.t, 2, 1), 0);
    ASSERT_NE(t->err1q, nullptr);
    EXPECT_TRUE(std::isnan(t->err1q[2]));
    EXPECT_EQ(t->err1q[5], 0.006);
    EXPECT_EQ(t->err_readout[1], 0.02);
    EXPECT_EQ(edge_value(t.t, t->err2q, 0, 1), 0.01);
    EXPECT_EQ(edge_value(t.t, t->err2q, 1, 2), 0.02);
    EXPECT_EQ(edge_value(t.t, t->err2q, 2, 1), 0.02);    // shared with its reverse
    EXPECT_EQ(edge_value(t.t, t->err2q, 4, 3), 0.03);    // each direction its own value
    EXPECT_EQ(edge_value(t.t, t->err2q, 3, 4), 0.035);
    EXPECT_EQ(t->dur1q, nullptr);
    EXPECT_EQ(edge_value(t.t, t->dur2q, 2, 1), 6.8e-8);
    EXPECT_TRUE(std::isnan(edge_value(t.t, t->dur2q, 3, 4)));

    auto d = distances(t.t);
    EXPECT_EQ(d[0 * 6 + 2], 2u);
    EXPECT_EQ(d[2 * 6 + 0], 2u);
    EXPECT_EQ(d[3 * 6 + 4], 1u);
    EXPECT_EQ(d[0 * 6 + 3], UINT32_MAX);
    EXPECT_EQ(d[4 * 6 + 1], UINT32_MAX);
    for (uint32_t q = 0; q < 6; q++) {
        EXPECT_EQ(d[q * 6 + q], 0u);
        if (q != 5) {
            EXPECT_EQ(d[5 * 6 + q], UINT32_MAX);
        }
    }
}

TEST(OwnJson, Errors)
{
    TempDir dir;
    struct Case { const char *text; const char *msg; } cases[] = {
        {R"({"num_qubits": 2, "basis": ["cx"], "edges": [[0, 1]], "edgse": []})",
         "t.json: unknown key 'edgse'"},
        {R"({"num_qubits": 2, "edges": [[0, 1]]})", "t.json: missing key 'basis'"},
        {R"({"num_qubits": 2, "basis": ["cx"]})", "missing key 'edges' (or 'undirected_edges')"},
        {R"({"num_qubits": 2, "basis": ["cx", "bo gus"], "edges": []})",
         "t.json: basis[1]: 'bo gus' is not a gate name"},
        {R"({"num_qubits": 2, "basis": "cx", "edges": []})", "basis: expected an array"},
        {R"({"num_qubits": -2, "basis": ["cx"], "edges": []})", "num_qubits: expected a positive"},
        {R"({"num_qubits": 2, "basis": ["cx"], "undirected_edges": [[0, 2]]})",
         "t.json: undirected_edges[0]: qubit 2 out of range 0..1"},
        {R"({"format": "other", "num_qubits": 2, "basis": ["cx"], "edges": []})",
         "format: expected \"qtranspile-target\""},
        {R"({"version": 2, "num_qubits": 2, "basis": ["cx"], "edges": []})", "reads version 1"},
        {R"({"num_qubits": 2, "basis": ["cx"], "edges": [[0, 1]], "errors": {"1q": [0.1]}})",
         "t.json: errors.1q: 1 values for 2 qubits"},
        {R"({"num_qubits": 2, "basis": ["cx"], "edges": [[0, 1]], "errors": {"1q": [0.1, 2]}})",
         "errors.1q[1]: 2 outside [0, 1]"},
        {R"({"num_qubits": 3, "basis": ["cx"], "edges": [[0, 1]], "errors": {"2q": [[1, 2, 0.1]]}})",
         "t.json: errors.2q[0]: (1, 2) is not an edge"},
        {R"({"num_qubits": 2, "basis": ["cx"], "edges": [[0, 1]], "errors": {"2q": [[0, 1]]}})",
         "errors.2q[0]: expected a triple [a, b, value]"},
        {R"({"num_qubits": 2, "basis": ["cx"], "edges": [[0, 1]], "errors": {"2q": [[0, 1, 0.1], [0, 1, 0.2]]}})",
         "errors.2q[1]: second value for edge (0, 1)"},
        {R"({"num_qubits": 2, "basis": ["cx"], "edges": [[0, 1]], "errors": {"3q": []}})",
         "errors.3q: unknown key"},
        {R"({"num_qubits": 2, "basis": ["cx"], "edges": [[0, 1]], "durations": {"readout": [1, 2]}})",
         "durations.readout: unknown key"},
        {R"({"num_qubits": 2, "basis": ["cx"], "edges": [[0, 1]], "durations": {"1q": [1e-8, -1]}})",
         "durations.1q[1]: -1 outside"},
        {R"({"num_qubits": 2, "basis": ["cx"], "edges": [[0, 1]], "errors": []})",
         "errors: expected an object, got an array"},
        {R"({"something": 1})", "not a target: no 'num_qubits'"},
        {R"({"qubits": [], "gates": []})", "this is a Qiskit properties file"},
        {"{\n  \"num_qubits\": 2,\n  \"basis\": [\"cx\"]\n  \"edges\": []\n}", "t.json:4:9: "},
    };
    for (auto &c : cases) {
        std::string path = dir.write("t.json", c.text);
        Ctx ctx;
        Target t;
        EXPECT_EQ(load(path, t, ctx), QTR_ETARGET) << c.text;
        EXPECT_THAT(ctx.msg(), HasSubstr(c.msg)) << c.text;
        EXPECT_EQ(t.t, nullptr);
    }
}

TEST(Load, UnknownNamesAndUnreadableFiles)
{
    Ctx ctx;
    Target t;
    EXPECT_EQ(load("nosuchdevice", t, ctx), QTR_ETARGET);
    EXPECT_THAT(ctx.msg(), HasSubstr("unknown target 'nosuchdevice'"));
    EXPECT_EQ(load("/nonexistent/dir/conf_x.json", t, ctx), QTR_EIO);
    EXPECT_THAT(ctx.msg(), HasSubstr("/nonexistent/dir/conf_x.json: cannot open"));
    EXPECT_EQ(load("", t, ctx), QTR_ETARGET);
    EXPECT_THAT(ctx.msg(), HasSubstr("empty target name"));
    // A directory opens but does not read.
    EXPECT_NE(load(kData, t, ctx), QTR_OK);
    EXPECT_THAT(ctx.msg(), HasSubstr(kData));
    EXPECT_EQ(t.t, nullptr);
}
