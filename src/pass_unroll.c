/* pass_unroll.c -- qtr_pass_unroll3q: every gate on 3+ qubits into 1q and 2q
 * gates through the same equivalence rules and search as basis translation.
 * The search may end on any 1q gate and on cx (so ccx becomes the standard
 * 6-cx form and cswap, c3x, ... their cx forms); gates on ≤ 2 qubits are
 * copied unchanged, and so is a 3+q gate the target lists as native.
 *
 * ccx gets one refinement first: the standard form's 2q gates run on the
 * pairs (b,c) (a,c) (b,c) (a,c) (a,b) (a,b), so routing leaves a and b
 * adjacent at its end. When the same ccx appears again (the uncompute of a
 * compute/uncompute pair, as in Toffoli ladders), its mirror image (the
 * gates reversed, t and tdg exchanged: (a,b) (a,b) (a,c) (b,c) (a,c) (b,c);
 * the same unitary since ccx is its own inverse) starts on the pair the
 * earlier one ended on, and routing can retrace its swaps instead of adding
 * new ones: feynman/tof_10 from a path layout on torino routes with 25 swaps
 * in the standard form and 17 (one per ccx) mirrored; a standard ccx and its
 * mirror next to each other also cancel gate by gate. Occurrences of one
 * (controls, target) alternate between the two forms.
 *
 * Owns only scratch (the plan is kept by the target, qtr_target_plan);
 * rewrites the circuit's instruction array through its allocator.
 */
#include <stdlib.h>
#include <string.h>
#include "basis_internal.h"
#include "common.h"

/* Qiskit's ccx definition (equiv_rules.c, Nielsen & Chuang Fig. 4.9), on
 * operands 0 = a, 1 = b (controls), 2 = c (target). */
static const uint8_t ccx_form[15][3] = {
    {QTR_OP_H, 2, 0},   {QTR_OP_CX, 1, 2}, {QTR_OP_TDG, 2, 0}, {QTR_OP_CX, 0, 2},
    {QTR_OP_T, 2, 0},   {QTR_OP_CX, 1, 2}, {QTR_OP_TDG, 2, 0}, {QTR_OP_CX, 0, 2},
    {QTR_OP_T, 1, 0},   {QTR_OP_T, 2, 0},  {QTR_OP_H, 2, 0},   {QTR_OP_CX, 0, 1},
    {QTR_OP_T, 0, 0},   {QTR_OP_TDG, 1, 0}, {QTR_OP_CX, 0, 1},
};

static inline int plain_ccx(const qtr_inst *in)
{
    return in->op == QTR_OP_CCX && in->flags == QTR_IF_EXT && in->nargs == 3;
}

static inline uint64_t triple_hash(uint32_t lo, uint32_t hi, uint32_t t)
{
    uint64_t h = ((uint64_t)lo * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)hi * 0xc2b2ae3d27d4eb4full) ^
                 ((uint64_t)t * 0x165667b19e3779f9ull);
    return h ^ (h >> 29);
}

/* Expand every unconditioned ccx from index @p from on in place, each
 * repeated (controls, target) alternately mirrored. Leaves the circuit
 * unchanged when no ccx repeats (the generic rewrite then gives the same
 * result). Conditioned ccx are left to the generic rewrite. */
static const uint8_t role_perms[6][3] = {{0, 1, 2}, {1, 0, 2}, {0, 2, 1},
                                         {2, 0, 1}, {1, 2, 0}, {2, 1, 0}};

/* Gate j of ccx(q[0], q[1], q[2]) in the form @p roles (0: Qiskit's; r > 0:
 * h on the target, the ccz form on the operands permuted by role_perms[r],
 * h on the target), mirrored when @p m. */
static qtr_inst ccx_gate(const uint32_t *q, int roles, int m, int j)
{
    static const uint8_t ccz_rows[13] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14};
    int jj = m ? 14 - j : j;
    const uint8_t *g;
    uint32_t a, b;
    if (!roles) {
        g = ccx_form[jj];
        a = q[g[1]];
        b = q[g[2]];
    } else if (jj == 0 || jj == 14) {
        g = ccx_form[0];
        a = q[2];
        b = 0;
    } else {
        g = ccx_form[ccz_rows[jj - 1]];
        a = q[role_perms[roles][g[1]]];
        b = q[role_perms[roles][g[2]]];
    }
    uint8_t op = g[0];
    if (m && op == QTR_OP_T) op = QTR_OP_TDG;
    else if (m && op == QTR_OP_TDG) op = QTR_OP_T;
    int two = op == QTR_OP_CX;
    return (qtr_inst){op, 0, (uint16_t)(two ? 2 : 1), {a, two ? b : 0}, 0};
}

static qtr_status expand_ccx(qtr_circuit *c, size_t from, uint64_t roles_seed, qtr_ctx *ctx)
{
    size_t nccx = 0;
    for (size_t i = from; i < c->ninst; i++) nccx += plain_ccx(&c->inst[i]);
    if (!nccx) return QTR_OK;
    size_t cap = 16;
    while (cap < 2 * nccx) cap *= 2;
    uint32_t (*keys)[3] = malloc(cap * sizeof *keys);
    uint8_t *used = calloc(cap, 1);     /* 0 empty, 1 next is standard, 2 next is mirrored */
    uint8_t *mirror = malloc(nccx), *roles = calloc(nccx, 1);
    if (!keys || !used || !mirror || !roles) {
        free(keys);
        free(used);
        free(mirror);
        free(roles);
        return qtr_fail(ctx, QTR_ENOMEM, "unrolling %zu ccx gates", nccx);
    }
    size_t k = 0, nmirror = 0;
    for (size_t i = from; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        if (!plain_ccx(in)) continue;
        const uint32_t *q = qtr_inst_operands(c, in);
        uint32_t lo = q[0] < q[1] ? q[0] : q[1], hi = q[0] < q[1] ? q[1] : q[0];
        size_t h = (size_t)triple_hash(lo, hi, q[2]) & (cap - 1);
        while (used[h] && (keys[h][0] != lo || keys[h][1] != hi || keys[h][2] != q[2]))
            h = (h + 1) & (cap - 1);
        if (!used[h]) {
            keys[h][0] = lo;
            keys[h][1] = hi;
            keys[h][2] = q[2];
            used[h] = 1;
        }
        mirror[k] = used[h] == 2;
        if (roles_seed) {
            uint64_t r = triple_hash(lo, hi, q[2]) ^ (roles_seed * 0xd6e8feb86659fd93ull);
            r = (r ^ (r >> 32)) * 0xd6e8feb86659fd93ull;
            roles[k] = (uint8_t)((r >> 32) % 6);
        }
        nmirror += mirror[k] || roles[k];
        k++;
        used[h] = used[h] == 1 ? 2 : 1;
    }
    free(keys);
    free(used);
    if (!nmirror) {
        free(mirror);
        free(roles);
        return QTR_OK;
    }
    size_t total = c->ninst + 14 * nccx;
    qtr_inst *out = qtr_realloc(&c->alloc, NULL, 0, total * sizeof *out);
    if (!out) {
        free(mirror);
        return qtr_fail(ctx, QTR_ENOMEM, "unrolling %zu ccx gates", nccx);
    }
    size_t w = 0;
    k = 0;
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        if (i < from || !plain_ccx(in)) {
            out[w++] = *in;
            continue;
        }
        const uint32_t *q = qtr_inst_operands(c, in);
        for (int j = 0; j < 15; j++) out[w++] = ccx_gate(q, roles[k], mirror[k], j);
        k++;
    }
    QTR_ASSERT(w == total);
    free(mirror);
    free(roles);
    qtr_realloc(&c->alloc, c->inst, c->capinst * sizeof *c->inst, 0);
    c->inst = out;
    c->ninst = c->capinst = total;
    return QTR_OK;
}

/* What the unroller ends on and keeps: 1q gates, cx and every gate on up to
 * 2 qubits, plus the gates on 3+ qubits native to @p t (may be NULL). */
static void unroll_sets(const qtr_target *t, uint8_t leaves[QTR_OP_COUNT], uint8_t keep[QTR_OP_COUNT])
{
    for (unsigned op = 0; op < QTR_OP_COUNT; op++) {
        const qtr_gate_info *g = qtr_gate((qtr_op)op);
        int native_big = t && t->basis[op] && g->nqubits > 2;
        leaves[op] = g->nqubits == 1 || op == QTR_OP_CX || native_big;
        /* barrier has nqubits 0: kept whatever its width */
        keep[op] = op != QTR_OP_NOP && (g->nqubits <= 2 || native_big);
    }
}

static qtr_status unroll_plan(const qtr_target *t, qtr_basis_plan **out, qtr_ctx *ctx)
{
    uint8_t leaves[QTR_OP_COUNT], keep[QTR_OP_COUNT];
    unroll_sets(t, leaves, keep);
    return qtr_basis_plan_build(leaves, keep, -1, "1q and cx gates", out, ctx);
}

qtr_status qtr_pass_unroll3q(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx)
{
    return qtr_pass_unroll3q_roles(c, t, 0, ctx);
}

qtr_status qtr_pass_unroll3q_roles(qtr_circuit *c, const qtr_target *t, uint64_t roles_seed,
                                   qtr_ctx *ctx)
{
    if (!c) return qtr_fail(ctx, QTR_EINVAL, "qtr_pass_unroll3q: NULL circuit");
    uint8_t leaves[QTR_OP_COUNT], keep[QTR_OP_COUNT];
    unroll_sets(t, leaves, keep);
    size_t i = 0;
    while (i < c->ninst && c->inst[i].op < QTR_OP_COUNT && keep[c->inst[i].op]) i++;
    if (i == c->ninst) return QTR_OK;
    qtr_status st;
    if (!keep[QTR_OP_CCX] && (st = expand_ccx(c, i, roles_seed, ctx))) return st;
    const qtr_basis_plan *p = NULL;
    qtr_basis_plan *own = NULL;
    /* kept by the target when there is one */
    st = t ? qtr_target_plan(t, QTR_PLAN_UNROLL, unroll_plan, &p, &own, ctx)
           : unroll_plan(NULL, &own, ctx);
    if (!st) st = qtr_basis_rewrite(t ? p : own, c, i, NULL, ctx);
    qtr_basis_plan_free(own);
    return st;
}
