/* pass_rtof.c -- qtr_pass_rtof_pairs: pairs of Toffoli gates on the same two
 * controls become pairs of relative-phase Toffolis, whose phases cancel
 * between them (Maslov, "Advantages of using relative-phase Toffoli gates
 * with an application to multiple control Toffoli optimization", PRA 93,
 * 022311, 2016). A ccx costs 6 cx; the two forms used here cost 4 and 3.
 *
 *   RT4(a,b,c) = ccx(a,b,c) · CS†(a,b)    h c; t c; cx b,c; tdg c; cx a,c;
 *                                         t c; cx b,c; tdg c; cx a,c; h c
 *   RT4†       = ccx(a,b,c) · CS(a,b)     the same reversed, t and tdg exchanged
 *   rccx(a,b,c) = ccx(a,b,c) · D(a,b,c)   Margolus: RT4 without its last cx,
 *                                         D diagonal with D² = I (gates.def)
 *
 * The phase of RT4 sits on the controls only: RT4(a,b,c) · U · RT4†(a,b,c')
 * = ccx(a,b,c) · U · ccx(a,b,c') whenever U commutes with CS(a,b), which
 * holds when every gate of U on a or b is diagonal there (opt_wire_type Z:
 * a control of cx or ccx, rz, t, cz, ...). The targets may differ and U may
 * do anything to them. rccx's phase also involves the target, so a pair of
 * rccx needs the same target (and control order) and U diagonal on c as
 * well (the uncompute of a compute/uncompute pair whose result was only used
 * as a control): 6 cx instead of 8.
 *
 * Method: one forward scan. Per qubit, the last record that is not diagonal
 * on it (a wall: a target, a barrier, a measure or reset, a conditioned
 * gate, any non-Z gate). Per unordered control pair, the last unpaired ccx
 * on it (open addressing). A ccx pairs with the open one of its controls when
 * no wall hit either control since; otherwise it becomes the open one. Then
 * one rewrite expands the pairs in place of their ccx; unpaired ccx stay for
 * the unroll (pass_unroll.c).
 *
 * Borrows: the circuit, rewritten through its allocator (scratch from it too);
 * the target is not used. Owns nothing after it returns. On failure
 * (QTR_ENOMEM) the circuit is unchanged. */
#include <string.h>

#include "opt_internal.h"
#include "pass.h"

enum { KEEP = 0, MARGOLUS, RT4_FIRST, RT4_SECOND };

static inline int plain_ccx(const qtr_inst *in)
{
    return in->op == QTR_OP_CCX && in->flags == QTR_IF_EXT && in->nargs == 3;
}

static inline size_t pair_slot(uint32_t lo, uint32_t hi, size_t mask)
{
    uint64_t h = (uint64_t)lo * 0x9e3779b97f4a7c15ull ^ (uint64_t)hi * 0xc2b2ae3d27d4eb4full;
    return (size_t)(h ^ (h >> 31)) & mask;
}

/* Qubit operands of a record that a scan must treat as walls: all of them,
 * except that measure's second operand is a clbit. */
static uint32_t qubit_operands(const qtr_inst *in)
{
    return in->op == QTR_OP_MEASURE ? 1 : in->nargs;
}

typedef struct {
    uint32_t (*key)[2];  /* control pair (lo, hi) */
    size_t   *open;      /* 1 + record of the open ccx, 0 for an empty slot */
    size_t    mask;
} pair_table;

/* The slot of (lo, hi): its own, or the empty one where it would go. */
static size_t find_slot(const pair_table *p, uint32_t lo, uint32_t hi)
{
    size_t h = pair_slot(lo, hi, p->mask);
    while (p->open[h] && (p->key[h][0] != lo || p->key[h][1] != hi)) h = (h + 1) & p->mask;
    return h;
}

/* Decide each ccx's form into kind[] (one byte per record); counts the
 * records the rewrite adds in *extra. */
static void plan_pairs(const qtr_circuit *c, pair_table *p, size_t *wall, uint8_t *kind,
                       size_t *extra)
{
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        const uint32_t *q = qtr_inst_operands(c, in);
        if (!plain_ccx(in)) {
            uint32_t nq = qubit_operands(in);
            int plain = opt_is_plain_gate(in);
            for (uint32_t k = 0; k < nq; k++)
                if (!plain || opt_wire_type((qtr_op)in->op, k) != OPT_T_Z) wall[q[k]] = i + 1;
            continue;
        }
        uint32_t lo = q[0] < q[1] ? q[0] : q[1], hi = q[0] < q[1] ? q[1] : q[0];
        size_t h = find_slot(p, lo, hi);
        size_t j1 = p->open[h];  /* 1 + the open ccx's record, or 0 */
        if (j1 && wall[lo] < j1 && wall[hi] < j1) {
            const uint32_t *qj = qtr_inst_operands(c, &c->inst[j1 - 1]);
            if (qj[0] == q[0] && qj[2] == q[2] && wall[q[2]] == j1) {
                kind[j1 - 1] = kind[i] = MARGOLUS;
                *extra += 2 * 8;
            } else {
                kind[j1 - 1] = RT4_FIRST;
                kind[i] = RT4_SECOND;
                *extra += 2 * 9;
            }
            p->open[h] = 0;
            /* re-insert the entries that probed past this slot */
            for (size_t k = (h + 1) & p->mask; p->open[k]; k = (k + 1) & p->mask) {
                uint32_t l2 = p->key[k][0], h2 = p->key[k][1];
                size_t o = p->open[k];
                p->open[k] = 0;
                size_t d = find_slot(p, l2, h2);
                p->key[d][0] = l2;
                p->key[d][1] = h2;
                p->open[d] = o;
            }
        } else {
            p->key[h][0] = lo;
            p->key[h][1] = hi;
            p->open[h] = i + 1;
        }
        wall[q[2]] = i + 1;
    }
}

/* The three forms as (op, operand, operand) over a = 0, b = 1, c = 2. */
static const uint8_t rt4_form[10][3] = {
    {QTR_OP_H, 2, 0}, {QTR_OP_T, 2, 0},  {QTR_OP_CX, 1, 2}, {QTR_OP_TDG, 2, 0}, {QTR_OP_CX, 0, 2},
    {QTR_OP_T, 2, 0}, {QTR_OP_CX, 1, 2}, {QTR_OP_TDG, 2, 0}, {QTR_OP_CX, 0, 2}, {QTR_OP_H, 2, 0},
};

/* Append the form of @p kind on operands @p q to out[*w...]. */
static void emit_form(qtr_inst *out, size_t *w, int kind, const uint32_t q[3])
{
    for (int j = 0; j < 10; j++) {
        const uint8_t *g;
        uint8_t op;
        if (kind == RT4_SECOND) { /* reversed, t <-> tdg */
            g = rt4_form[9 - j];
            op = g[0] == QTR_OP_T ? QTR_OP_TDG : g[0] == QTR_OP_TDG ? QTR_OP_T : g[0];
        } else {
            if (kind == MARGOLUS && j == 8) continue; /* rccx: no closing cx a,c */
            g = rt4_form[j];
            op = g[0];
        }
        int two = op == QTR_OP_CX;
        out[(*w)++] = (qtr_inst){op, 0, (uint16_t)(two ? 2 : 1), {q[g[1]], two ? q[g[2]] : 0}, 0};
    }
}

qtr_status qtr_pass_rtof_pairs(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx)
{
    (void)t;
    if (!c) return qtr_fail(ctx, QTR_EINVAL, "rtof_pairs: NULL circuit");
    size_t nccx = 0, n0 = c->ninst;
    for (size_t i = 0; i < c->ninst; i++) nccx += plain_ccx(&c->inst[i]);
    if (nccx < 2) return QTR_OK;
    size_t cap = 16;
    while (cap < 2 * nccx) cap *= 2;
    pair_table p = {opt_scratch(c, cap, sizeof *p.key), opt_scratch_zero(c, cap, sizeof *p.open),
                    cap - 1};
    size_t *wall = opt_scratch_zero(c, c->nqubits, sizeof *wall);
    uint8_t *kind = opt_scratch_zero(c, n0, 1);
    qtr_status st = QTR_OK;
    if (!p.key || !p.open || !wall || !kind) {
        st = qtr_fail(ctx, QTR_ENOMEM, "rtof_pairs: scratch for %zu ccx", nccx);
        goto done;
    }
    size_t extra = 0;
    plan_pairs(c, &p, wall, kind, &extra);
    if (!extra) goto done;
    size_t total = c->ninst + extra;
    qtr_inst *out = qtr_realloc(&c->alloc, NULL, 0, total * sizeof *out);
    if (!out) {
        st = qtr_fail(ctx, QTR_ENOMEM, "rtof_pairs: %zu records", total);
        goto done;
    }
    size_t w = 0;
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        if (!plain_ccx(in) || kind[i] == KEEP) {
            out[w++] = *in;
            continue;
        }
        uint32_t q[3];
        memcpy(q, qtr_inst_operands(c, in), sizeof q);
        emit_form(out, &w, kind[i], q);
    }
    QTR_ASSERT(w == total);
    qtr_realloc(&c->alloc, c->inst, c->capinst * sizeof *c->inst, 0);
    c->inst = out;
    c->ninst = c->capinst = total;
done:
    opt_scratch_free(c, p.key, cap, sizeof *p.key);
    opt_scratch_free(c, p.open, cap, sizeof *p.open);
    opt_scratch_free(c, wall, c->nqubits, sizeof *wall);
    opt_scratch_free(c, kind, n0, 1);
    return st;
}
