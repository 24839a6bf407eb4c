/* stats.c -- gate counts, size and depth of a circuit (Qiskit's definitions).
 * The accumulator form takes a circuit chunk by chunk (streaming); its wire
 * levels are plain malloc scratch owned by the accumulator. They are the
 * circuit's scratch all the same: weighed against its budget before they
 * are taken, and counted in its allocator (cur and peak) while a call reads
 * the circuit with them, so a wide register shows in peak_bytes. */
#include <stdlib.h>
#include <string.h>
#include "common.h"

/* Levels per wire: all ops (lvl) and 2q ops only (lvl2); qubit and clbit
 * wires kept apart so either count may grow between chunks. */
typedef struct {
    uint64_t *lvl, *lvl2;
    size_t n;
} wires;

static int wires_fit(wires *w, size_t n)
{
    if (n <= w->n) return 0;
    uint64_t *a = realloc(w->lvl, n * sizeof *a), *b;
    if (!a) return -1;
    w->lvl = a;
    b = realloc(w->lvl2, n * sizeof *b);
    if (!b) return -1;
    w->lvl2 = b;
    memset(a + w->n, 0, (n - w->n) * sizeof *a);
    memset(b + w->n, 0, (n - w->n) * sizeof *b);
    w->n = n;
    return 0;
}

struct qtr_stats_acc {
    qtr_stats s;
    wires q, cl;
};

qtr_stats_acc *qtr_stats_acc_new(void) { return calloc(1, sizeof(qtr_stats_acc)); }

void qtr_stats_acc_free(qtr_stats_acc *a)
{
    if (!a) return;
    free(a->q.lvl); free(a->q.lvl2); free(a->cl.lvl); free(a->cl.lvl2);
    free(a);
}

const qtr_stats *qtr_stats_acc_result(const qtr_stats_acc *a) { return &a->s; }

/* Deepest level among the wires an instruction touches, then set them all. */
static void visit(wires *w, uint32_t i, uint64_t *d, uint64_t *d2)
{
    if (w->lvl[i] > *d) *d = w->lvl[i];
    if (w->lvl2[i] > *d2) *d2 = w->lvl2[i];
}

static void set(wires *w, uint32_t i, uint64_t d, uint64_t d2)
{
    w->lvl[i] = d;
    w->lvl2[i] = d2;
}

qtr_status qtr_stats_acc_add(qtr_stats_acc *a, const qtr_circuit *c, size_t from, qtr_ctx *ctx)
{
    /* the levels are the circuit's scratch: within its budget (a short
     * file can declare 2^24 qubits: 512 MiB of levels) */
    size_t need = ((size_t)(c->nqubits > a->q.n ? c->nqubits : a->q.n) +
                   (c->nclbits > a->cl.n ? c->nclbits : a->cl.n)) * 2 * sizeof(uint64_t);
    if (c->alloc.limit && (c->alloc.cur > c->alloc.limit || need > c->alloc.limit - c->alloc.cur))
        return qtr_fail_budget(ctx, "statistics", c->alloc.limit);
    if (wires_fit(&a->q, c->nqubits) || wires_fit(&a->cl, c->nclbits))
        return qtr_fail(ctx, QTR_ENOMEM, "depth scratch for %u+%u wires", c->nqubits, c->nclbits);
    /* need is now exactly the levels' bytes (wires_fit keeps q.n, cl.n at
     * the larger of the old and new counts): counted in the circuit's
     * allocator while this call uses them. The allocator is bookkeeping
     * beside the circuit, not its content (circuits are never defined
     * const), so a const reader may count in it. */
    qtr_alloc *acct = (qtr_alloc *)&c->alloc;
    acct->cur += need;
    if (acct->cur > acct->peak) acct->peak = acct->cur;
    /* restrict: the level stores cannot change the circuit or the counts,
     * so the loop need not reload them after each store */
    qtr_stats *restrict s = &a->s;
    uint64_t *restrict ql = a->q.lvl, *restrict ql2 = a->q.lvl2;
    const qtr_inst *restrict inst = c->inst;
    const size_t ninst = c->ninst;
    uint64_t depth = s->depth, depth2 = s->depth_2q;
    for (size_t i = from; i < ninst; i++) {
        const qtr_inst *in = &inst[i];
        qtr_op op = (qtr_op)in->op;
        if (op == QTR_OP_NOP) continue;
        s->counts[op]++;
        if (op == QTR_OP_BARRIER) continue; /* directives add no depth (Qiskit) */
        s->size++;
        /* The common case, an unconditioned 1q or 2q gate with its operands
         * in the record, without the general loops below. */
        if (QTR_LIKELY(!(in->flags & (QTR_IF_EXT | QTR_IF_COND)) && op != QTR_OP_MEASURE &&
                       in->nargs - 1u < 2u)) {   /* 1 or 2 operands */
            uint32_t a0 = in->q[0];
            if (in->nargs == 2) {
                uint32_t a1 = in->q[1];
                uint64_t d = (ql[a0] > ql[a1] ? ql[a0] : ql[a1]) + 1;
                uint64_t d2 = (ql2[a0] > ql2[a1] ? ql2[a0] : ql2[a1]) + 1;
                ql[a0] = ql[a1] = d;
                ql2[a0] = ql2[a1] = d2;
                s->n2q++;
                if (d > depth) depth = d;
                if (d2 > depth2) depth2 = d2;
            } else {
                uint64_t d = ql[a0] + 1;
                ql[a0] = d;
                if (d > depth) depth = d;
            }
            continue;
        }
        int is2q = op != QTR_OP_MEASURE && in->nargs == 2;
        s->n2q += (uint64_t)is2q;

        /* wires touched: its qubits, measure's clbit, a condition's register */
        const uint32_t *q = qtr_inst_operands(c, in);
        uint32_t nq = op == QTR_OP_MEASURE ? 1 : in->nargs;
        uint32_t cfirst = 0, csize = 0;
        uint64_t d = 0, d2 = 0;
        qtr_cond k;
        if (qtr_inst_cond(c, in, &k)) qtr_cond_clbits(c, &k, &cfirst, &csize);
        for (uint32_t k = 0; k < nq; k++) visit(&a->q, q[k], &d, &d2);
        if (op == QTR_OP_MEASURE) visit(&a->cl, q[1], &d, &d2);
        for (uint32_t k = 0; k < csize; k++) visit(&a->cl, cfirst + k, &d, &d2);
        d += 1;
        d2 += (uint64_t)is2q;
        for (uint32_t k = 0; k < nq; k++) set(&a->q, q[k], d, d2);
        if (op == QTR_OP_MEASURE) set(&a->cl, q[1], d, d2);
        for (uint32_t k = 0; k < csize; k++) set(&a->cl, cfirst + k, d, d2);
        if (d > depth) depth = d;
        if (d2 > depth2) depth2 = d2;
    }
    s->depth = depth;
    s->depth_2q = depth2;
    acct->cur -= need;
    return QTR_OK;
}

qtr_status qtr_circuit_stats(const qtr_circuit *c, qtr_stats *s, qtr_ctx *ctx)
{
    qtr_stats_acc *a = qtr_stats_acc_new();
    if (!a) return qtr_fail(ctx, QTR_ENOMEM, "statistics");
    qtr_status st = qtr_stats_acc_add(a, c, 0, ctx);
    *s = a->s;
    qtr_stats_acc_free(a);
    return st;
}
