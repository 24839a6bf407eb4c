// route_check.h -- helpers shared by the layout and routing tests: small
// targets built edge by edge, and the two checks every routed circuit must
// pass (conformity to the coupling map; the same instructions on each wire
// once the layout's and swaps' renaming is undone; the order, which routing
// may change where gates commute, is checked by simulation).
#ifndef QTR_TEST_ROUTE_CHECK_H
#define QTR_TEST_ROUTE_CHECK_H

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "qtr.h"

namespace route_test {

inline qtr_target *make_target(const char *name, uint32_t n,
                               const std::vector<std::pair<uint32_t, uint32_t>> &edges)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_target *t = nullptr;
    EXPECT_EQ(qtr_target_new(&t, name, n, &ctx), QTR_OK) << qtr_ctx_message(&ctx);
    for (auto &e : edges) EXPECT_EQ(qtr_target_add_edge(t, e.first, e.second, &ctx), QTR_OK);
    EXPECT_EQ(qtr_target_finish(t, &ctx), QTR_OK) << qtr_ctx_message(&ctx);
    return t;
}

inline qtr_target *line(uint32_t n)
{
    std::vector<std::pair<uint32_t, uint32_t>> e;
    for (uint32_t i = 0; i + 1 < n; i++) e.push_back({i, i + 1});
    return make_target(("line:" + std::to_string(n)).c_str(), n, e);
}

inline qtr_target *ring(uint32_t n)
{
    std::vector<std::pair<uint32_t, uint32_t>> e;
    for (uint32_t i = 0; i < n; i++) e.push_back({i, (i + 1) % n});
    return make_target(("ring:" + std::to_string(n)).c_str(), n, e);
}

inline qtr_target *grid(uint32_t r, uint32_t c)
{
    std::vector<std::pair<uint32_t, uint32_t>> e;
    for (uint32_t i = 0; i < r; i++)
        for (uint32_t j = 0; j < c; j++) {
            if (j + 1 < c) e.push_back({i * c + j, i * c + j + 1});
            if (i + 1 < r) e.push_back({i * c + j, (i + 1) * c + j});
        }
    return make_target(("grid:" + std::to_string(r) + "x" + std::to_string(c)).c_str(), r * c, e);
}

// IBM's 27-qubit heavy-hex (Falcon) coupling map, one direction per pair.
inline qtr_target *heavy_hex27()
{
    static const uint32_t e[][2] = {
        {0, 1},   {1, 2},   {1, 4},   {2, 3},   {3, 5},   {4, 7},   {5, 8},
        {6, 7},   {7, 10},  {8, 9},   {8, 11},  {10, 12}, {11, 14}, {12, 13},
        {12, 15}, {13, 14}, {14, 16}, {15, 18}, {16, 19}, {17, 18}, {18, 21},
        {19, 20}, {19, 22}, {21, 23}, {22, 25}, {23, 24}, {24, 25}, {25, 26}};
    std::vector<std::pair<uint32_t, uint32_t>> v;
    for (auto &x : e) v.push_back({x[0], x[1]});
    return make_target("heavy-hex27", 27, v);
}

// Every 2q gate on a coupling edge, either direction; no gate on 3+ qubits.
inline ::testing::AssertionResult conforms(const qtr_circuit *c, const qtr_target *t)
{
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        if (in->op == QTR_OP_NOP || in->op == QTR_OP_BARRIER || in->op == QTR_OP_MEASURE ||
            in->nargs < 2)
            continue;
        if (in->nargs > 2) return ::testing::AssertionFailure() << "instruction " << i << " on 3+ qubits";
        const uint32_t *q = qtr_inst_operands(c, in);
        if (!qtr_target_connected(t, q[0], q[1]))
            return ::testing::AssertionFailure()
                   << "instruction " << i << " '" << qtr_gate((qtr_op)in->op)->name << "' on ("
                   << q[0] << ", " << q[1] << "), not an edge of " << t->name;
    }
    return ::testing::AssertionSuccess();
}

// A canonical text for one instruction with its qubits renamed by `map`.
inline std::string sig(const qtr_circuit *c, const qtr_inst *in, const std::vector<uint32_t> &map)
{
    std::string s = qtr_gate((qtr_op)in->op)->name;
    const uint32_t *q = qtr_inst_operands(c, in);
    uint32_t nq = in->op == QTR_OP_MEASURE ? 1 : in->nargs;
    for (uint32_t k = 0; k < in->nargs; k++)
        s += " " + std::to_string(k < nq ? map[q[k]] : q[k]) + (k < nq ? "q" : "c");
    const double *p = qtr_inst_params(c, in);
    for (uint32_t k = 0; p && k < qtr_gate((qtr_op)in->op)->nparams; k++) {
        uint64_t bits;
        std::memcpy(&bits, &p[k], sizeof bits);
        s += " p" + std::to_string(bits);
    }
    qtr_cond k;
    if (qtr_inst_cond(c, in, &k)) {
        s += k.on_bit ? " if bit " : " if ";
        s += std::to_string(k.index) + "==";
        for (uint32_t w = k.nwords; w-- > 0;) s += " " + std::to_string(k.words[w]);
    }
    return s;
}

// Per-wire instruction sequences of `c` with qubits renamed by `map`; wires
// are the renamed qubits, then clbits (a condition reads its whole register).
inline void add_to_wires(std::vector<std::vector<std::string>> &w, const qtr_circuit *c,
                         const qtr_inst *in, const std::vector<uint32_t> &map, uint32_t nq_wires)
{
    std::string s = sig(c, in, map);
    const uint32_t *q = qtr_inst_operands(c, in);
    uint32_t nq = in->op == QTR_OP_MEASURE ? 1 : in->nargs;
    for (uint32_t k = 0; k < nq; k++) w[map[q[k]]].push_back(s);
    if (in->op == QTR_OP_MEASURE) w[nq_wires + q[1]].push_back(s);
    qtr_cond k;
    uint32_t first, count;
    if (qtr_inst_cond(c, in, &k)) {
        qtr_cond_clbits(c, &k, &first, &count);
        for (uint32_t b = 0; b < count; b++) w[nq_wires + first + b].push_back(s);
    }
}

// `out` (physical) is `in` (virtual, no swap gates of its own) with swaps
// inserted and commuting instructions reordered: undoing the initial layout
// and every swap gives, wire by wire, the same instructions (in an order
// that simulation checks), and the swaps leave virtual qubit v on final[v].
inline ::testing::AssertionResult same_per_wire(const qtr_circuit *in, const qtr_circuit *out,
                                                const uint32_t *initial, const uint32_t *final)
{
    uint32_t n = in->nqubits, N = out->nqubits;
    std::vector<uint32_t> id(n), p2v(N, UINT32_MAX);
    for (uint32_t v = 0; v < n; v++) {
        id[v] = v;
        p2v[initial[v]] = v;
    }
    // ancillas get names n, n+1, ... so gates on them are caught
    uint32_t next = n;
    for (uint32_t p = 0; p < N; p++)
        if (p2v[p] == UINT32_MAX) p2v[p] = next++;
    std::vector<std::vector<std::string>> wa(N + in->nclbits), wb(N + in->nclbits);
    for (size_t i = 0; i < in->ninst; i++)
        if (in->inst[i].op != QTR_OP_NOP) add_to_wires(wa, in, &in->inst[i], id, N);
    for (size_t i = 0; i < out->ninst; i++) {
        const qtr_inst *x = &out->inst[i];
        if (x->op == QTR_OP_NOP) continue;
        if (x->op == QTR_OP_SWAP) {
            const uint32_t *q = qtr_inst_operands(out, x);
            std::swap(p2v[q[0]], p2v[q[1]]);
            continue;
        }
        add_to_wires(wb, out, x, p2v, N);
    }
    // routing may reorder gates that commute (qtr_sabre_dag_commute): the
    // wires must carry the same instructions; their order is checked by
    // simulation where the circuit is small enough
    for (size_t w = 0; w < wa.size(); w++) {
        std::sort(wa[w].begin(), wa[w].end());
        std::sort(wb[w].begin(), wb[w].end());
    }
    for (size_t w = 0; w < wa.size(); w++)
        if (wa[w] != wb[w]) {
            size_t k = 0;
            while (k < wa[w].size() && k < wb[w].size() && wa[w][k] == wb[w][k]) k++;
            return ::testing::AssertionFailure()
                   << "wire " << w << " differs at position " << k << ": expected '"
                   << (k < wa[w].size() ? wa[w][k] : "<end>") << "', got '"
                   << (k < wb[w].size() ? wb[w][k] : "<end>") << "'";
        }
    for (uint32_t p = 0; p < N; p++)
        if (p2v[p] < n && final[p2v[p]] != p)
            return ::testing::AssertionFailure() << "virtual " << p2v[p] << " ends on " << p
                                                 << ", reported " << final[p2v[p]];
    return ::testing::AssertionSuccess();
}

// QAOA-like circuits: layers of commuting 2q terms (cx-rz-cx blocks, rzz,
// cp, cz, crz) under mixers, with non-commuting gates (h, u, cx, cy) mixed
// in. Routing reorders the commuting terms; simulation checks the result.
inline qtr_circuit *commuting_layers(uint32_t nq, uint32_t layers, uint64_t seed)
{
    qtr_ctx ctx, rng;
    qtr_ctx_init(&ctx, 0);
    qtr_ctx_init(&rng, seed);
    qtr_circuit *c = qtr_circuit_new(0);
    EXPECT_EQ(qtr_circuit_add_qreg(c, "q", nq, &ctx), QTR_OK);
    auto add = [&](qtr_op op, std::initializer_list<uint32_t> q, double p = 0.25) {
        double ps[4] = {p, p, p, p};
        EXPECT_EQ(qtr_circuit_append(c, op, q.begin(), (uint32_t)q.size(), ps, &ctx), QTR_OK);
    };
    auto pick = [&](uint32_t m) { return (uint32_t)(qtr_rng_next(&rng) % m); };
    auto angle = [&]() { return 0.1 + (double)pick(1000) / 200.0; };
    for (uint32_t v = 0; v < nq; v++) add(QTR_OP_H, {v});
    for (uint32_t l = 0; l < layers; l++) {
        uint32_t terms = nq + pick(nq);
        for (uint32_t k = 0; k < terms; k++) {
            uint32_t a = pick(nq), b = pick(nq - 1);
            if (b >= a) b++;
            switch (pick(8)) {
            case 0: add(QTR_OP_RZZ, {a, b}, angle()); break;
            case 1: add(QTR_OP_CP, {a, b}, angle()); break;
            case 2: add(QTR_OP_CZ, {a, b}); break;
            case 3: add(QTR_OP_CRZ, {a, b}, angle()); break;
            case 4: add(QTR_OP_RZ, {a}, angle()); break;
            case 5: add(QTR_OP_CX, {a, b}); break;   // X on b: orders b's terms
            default:
                add(QTR_OP_CX, {a, b});
                add(QTR_OP_RZ, {b}, angle());
                add(QTR_OP_CX, {a, b});
            }
        }
        for (uint32_t v = 0; v < nq; v++) {
            switch (pick(6)) {
            case 0: add(QTR_OP_U, {v}, angle()); break;
            case 1: add(QTR_OP_H, {v}); break;
            case 2: break;   // no mixer: the layers run together on v
            default: add(QTR_OP_RX, {v}, angle());
            }
        }
        if (pick(2)) add(QTR_OP_CY, {1 + pick(nq - 1), 0});
    }
    return c;
}

}  // namespace route_test

#endif
