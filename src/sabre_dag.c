/* sabre_dag.c -- the compressed DAG SABRE routes over (design: ALGORITHMS.md
 * §3.1, after Qiskit's SabreDAG). One pass over the instruction list with a
 * "last node on this wire" array; qubits and clbits are both wires, so a
 * measurement stays before the conditioned gate that reads its bit.
 *
 * Owns: the DAG's flat arrays (plain malloc: pass scratch, not circuit
 * memory; freed by qtr_sabre_dag_fini). Borrows: the circuit (read only).
 * Budget: qtr_sabre_dag_build_in weighs an upper bound of the builder's
 * memory (qtr_sabre_dag_build_bytes) against the circuit's budget before
 * it allocates, then counts the real figure (the same formula, high_water,
 * on the real counts) in the circuit's allocator: the builder's high water
 * in its peak, the DAG's arrays in cur while the DAG lives.
 * Invariant after build: nodes are numbered in a topological order, every
 * live instruction appears exactly once (initial list, one node, or final
 * list), and the instructions of a node are in circuit order. */
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "sabre.h"

/* node_of[] markers beside real node ids */
#define OF_INITIAL (QTR_NONE - 1)
#define OF_SKIP    (QTR_NONE - 2)
#define OF_FINAL   (QTR_NONE - 3)
#define MAX_NODES  (QTR_NONE - 4)

void qtr_sabre_dag_fini(qtr_sabre_dag *d)
{
    if (d->acct) qtr_sabre_release_scratch(d->acct, d->held);
    free(d->q);
    free(d->succ_off);
    free(d->succ);
    free(d->pred_off);
    free(d->pred);
    free(d->inst_off);
    free(d->inst);
    free(d->initial);
    free(d->final);
    memset(d, 0, sizeof *d);
}

size_t qtr_sabre_dag_bytes(const qtr_sabre_dag *d)
{
    size_t nn = d->nnodes, ne = d->pred_off ? d->pred_off[nn] : 0;
    size_t ni = d->inst_off ? d->inst_off[nn] : 0;
    return (nn ? nn : 1) * sizeof *d->q + 3 * (nn + 1) * sizeof(uint32_t) +
           2 * (ne ? ne : 1) * sizeof(uint32_t) +
           ((d->ninitial ? d->ninitial : 1) + (d->nfinal ? d->nfinal : 1) + ni + 1) *
               sizeof(uint32_t);
}

/* Capacity grow() reaches for a largest request of @p need (0: none). */
static size_t grown_cap(size_t need)
{
    size_t n = 64;
    if (!need) return 0;
    while (n < need) n *= 2;
    return n;
}

/* Growable arrays of the builder (plain realloc; doubling). */
static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 0;
    size_t n = *cap ? *cap : 64;
    while (n < need) n *= 2;
    void *q = realloc(*p, n * elem);
    if (!q) return -1;
    *p = q;
    *cap = n;
    return 0;
}

int qtr_sabre_csr(uint32_t n, const uint32_t (*e)[2], size_t ne, int key, uint32_t **off_out,
               uint32_t **adj_out)
{
    uint32_t *off = calloc((size_t)n + 1, sizeof *off);
    uint32_t *adj = malloc((ne ? ne : 1) * sizeof *adj);
    if (!off || !adj) {
        free(off);
        free(adj);
        return -1;
    }
    for (size_t i = 0; i < ne; i++) off[e[i][key] + 1]++;
    for (uint32_t k = 0; k < n; k++) off[k + 1] += off[k];
    for (size_t i = 0; i < ne; i++) adj[off[e[i][key]]++] = e[i][!key];
    /* off[k] now holds the end of row k: shift back */
    for (uint32_t k = n; k > 0; k--) off[k] = off[k - 1];
    off[0] = 0;
    *off_out = off;
    *adj_out = adj;
    return 0;
}

/* Bytes the builder holds at once. Nothing is freed before the fill
 * cursors replace stamp, so the high water is every array then live:
 *   last        (wires ?: 1) words     node_of   (records ?: 1) words
 *   wires       capw words             stamp     caps words (caps: the larger
 *                                                of its capacity and the cursors)
 *   q           capq pairs             edges     cape pairs
 *   succ, pred  offsets 2 (nodes + 1) words, lists 2 (edges ?: 1) words
 *   inst_off    nodes + 1 words
 *   initial, final, inst: @p lists words ((ninitial ?: 1) + (nfinal ?: 1) +
 *               instructions in nodes + 1).
 * The bound (qtr_sabre_dag_build_bytes) and the real figure (build) both
 * call it; realloc's copy while an array grows is not counted, as in
 * qtr_realloc. */
static size_t high_water(uint64_t nwires, size_t nrec, size_t capw, size_t caps, size_t capq,
                         size_t cape, size_t nodes, size_t edges, size_t lists)
{
    return ((size_t)(nwires ? nwires : 1) + (nrec ? nrec : 1) + capw + caps + 3 * (nodes + 1) +
            2 * (edges ? edges : 1) + lists) * sizeof(uint32_t) +
           (capq + cape) * 2 * sizeof(uint32_t);
}

/* The wires a record is ordered on: its qubits, a measurement's clbit, a
 * condition's clbits. */
static uint32_t record_wires(const qtr_circuit *c, const qtr_inst *in, uint32_t *nq)
{
    qtr_op op = (qtr_op)in->op;
    uint32_t cfirst = 0, csize = 0;
    qtr_cond k;
    if (qtr_inst_cond(c, in, &k)) qtr_cond_clbits(c, &k, &cfirst, &csize);
    *nq = op == QTR_OP_MEASURE ? 1 : in->nargs;
    return *nq + (op == QTR_OP_MEASURE) + csize;
}

/* The bound: a node is made only by a 2q gate or by a record with several
 * wires (a sync node needs two predecessors), so at most `nodes` of them;
 * a new node gets an edge from each distinct predecessor, at most one per
 * wire of its record; every live record lands in one of the lists. */
size_t qtr_sabre_dag_build_bytes(const qtr_circuit *c)
{
    size_t live = 0, nodes = 0, edges = 0, maxw = 0;
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        if (in->op == QTR_OP_NOP) continue;
        live++;
        uint32_t nq, nw = record_wires(c, in, &nq);
        if ((nq == 2 && in->op != QTR_OP_BARRIER) || nw >= 2) {
            nodes++;
            edges += nw;
        }
        if (nw > maxw) maxw = nw;
    }
    return high_water((uint64_t)c->nqubits + c->nclbits, c->ninst, grown_cap(maxw),
                      grown_cap(nodes + 1), grown_cap(nodes), grown_cap(edges), nodes, edges,
                      live + 3);
}

static qtr_status build(qtr_sabre_dag *d, const qtr_circuit *c, size_t *high, qtr_ctx *ctx);

qtr_status qtr_sabre_dag_build(qtr_sabre_dag *d, const qtr_circuit *c, qtr_ctx *ctx)
{
    size_t high;
    return build(d, c, &high, ctx);
}

qtr_status qtr_sabre_dag_build_in(qtr_sabre_dag *d, const qtr_circuit *c, qtr_alloc *a,
                                  const char *what, qtr_ctx *ctx)
{
    size_t bound = 0, high = 0;
    if (a && a->limit) {
        bound = qtr_sabre_dag_build_bytes(c);
        if (qtr_sabre_budget_fits(a, bound)) {
            memset(d, 0, sizeof *d);
            return qtr_fail_budget(ctx, what, a->limit);
        }
    }
    qtr_status st = build(d, c, &high, ctx);
    if (st || !a) return st;
    QTR_ASSERT(!a->limit || high <= bound);
    qtr_sabre_charge_scratch(a, high);   /* while it was built */
    qtr_sabre_release_scratch(a, high);
    d->acct = a;                         /* and the DAG until its fini */
    d->held = qtr_sabre_dag_bytes(d);
    qtr_sabre_charge_scratch(a, d->held);
    return QTR_OK;
}

/* The build; *high: the bytes it held at once (high_water). */
static qtr_status build(qtr_sabre_dag *d, const qtr_circuit *c, size_t *high, qtr_ctx *ctx)
{
    memset(d, 0, sizeof *d);
    qtr_status st = QTR_OK;
    if (c->ninst >= MAX_NODES)
        return qtr_fail(ctx, QTR_ELIMIT, "routing: %zu instructions exceed 2^32 - 4", c->ninst);
    uint64_t nwires = (uint64_t)c->nqubits + c->nclbits;
    uint32_t *last = malloc((nwires ? nwires : 1) * sizeof *last);
    uint32_t *node_of = malloc((c->ninst ? c->ninst : 1) * sizeof *node_of);
    uint32_t *wires = NULL, *stamp = NULL;
    size_t capwires = 0, capstamp = 0, capq = 0, capedges = 0, nedges = 0;
    uint32_t (*edges)[2] = NULL;
    if (!last || !node_of) goto nomem;
    /* first pass: the last instruction on each wire (qubit, or clbit by a
     * measurement or a condition), to recognise final measurements */
    for (uint64_t w = 0; w < nwires; w++) last[w] = QTR_NONE;
    for (size_t i = 0; i < c->ninst; i++) node_of[i] = QTR_NONE;
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        qtr_op op = (qtr_op)in->op;
        if (op == QTR_OP_NOP) continue;
        const uint32_t *ops = qtr_inst_operands(c, in);
        uint32_t nq = op == QTR_OP_MEASURE ? 1 : in->nargs;
        for (uint32_t j = 0; j < nq; j++) last[ops[j]] = (uint32_t)i;
        if (op == QTR_OP_MEASURE) last[c->nqubits + ops[1]] = (uint32_t)i;
        qtr_cond k;
        uint32_t cfirst, csize;
        if (qtr_inst_cond(c, in, &k)) {
            qtr_cond_clbits(c, &k, &cfirst, &csize);
            for (uint32_t j = 0; j < csize; j++) last[c->nqubits + cfirst + j] = (uint32_t)i;
        }
    }
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        if (in->op != QTR_OP_MEASURE || (in->flags & QTR_IF_COND)) continue;
        const uint32_t *ops = qtr_inst_operands(c, in);
        if (last[ops[0]] == (uint32_t)i && last[c->nqubits + ops[1]] == (uint32_t)i) {
            node_of[i] = OF_FINAL;
            d->nfinal++;
        }
    }
    for (uint64_t w = 0; w < nwires; w++) last[w] = QTR_NONE;

    uint32_t nn = 0;
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        qtr_op op = (qtr_op)in->op;
        if (op == QTR_OP_NOP) {
            node_of[i] = OF_SKIP;
            continue;
        }
        if (node_of[i] == OF_FINAL) continue;   /* nothing follows it on any wire */
        const uint32_t *ops = qtr_inst_operands(c, in);
        uint32_t nq = op == QTR_OP_MEASURE ? 1 : in->nargs;
        int two = nq == 2 && op != QTR_OP_BARRIER;
        if (nq > 2 && op != QTR_OP_BARRIER) {
            st = qtr_fail(ctx, QTR_EUNSUPPORTED,
                          "routing: instruction %zu '%s' acts on %u qubits; gates on 3 or more "
                          "qubits must be unrolled before routing",
                          i, qtr_gate(op)->name, nq);
            goto done;
        }
        /* the wires: qubits, the measured clbit, the condition's register */
        uint32_t cfirst = 0, csize = 0;
        qtr_cond cond;
        if (qtr_inst_cond(c, in, &cond)) qtr_cond_clbits(c, &cond, &cfirst, &csize);
        size_t nw = nq + (op == QTR_OP_MEASURE) + csize;
        if (grow((void **)&wires, &capwires, nw, sizeof *wires)) goto nomem;
        size_t k = 0;
        for (uint32_t j = 0; j < nq; j++) wires[k++] = ops[j];
        if (op == QTR_OP_MEASURE) wires[k++] = c->nqubits + ops[1];
        for (uint32_t j = 0; j < csize; j++) wires[k++] = c->nqubits + cfirst + j;
        if (grow((void **)&stamp, &capstamp, (size_t)nn + 1, sizeof *stamp)) goto nomem;
        /* distinct predecessor nodes, in wire order; stamp[] marks seen ones */
        uint32_t np = 0, pfirst = QTR_NONE;
        for (size_t j = 0; j < nw; j++) {
            uint32_t p = last[wires[j]];
            if (p == QTR_NONE || stamp[p] == (uint32_t)i + 1) continue;
            stamp[p] = (uint32_t)i + 1;
            if (np == 0) pfirst = p;
            np++;
        }
        uint32_t target;
        if (two) {
            uint32_t a = ops[0], b = ops[1];
            if (np == 1 && d->q[pfirst][0] != QTR_NONE &&
                ((d->q[pfirst][0] == a && d->q[pfirst][1] == b) ||
                 (d->q[pfirst][0] == b && d->q[pfirst][1] == a))) {
                target = pfirst;   /* another gate on the same pair: merge */
            } else {
                target = QTR_NONE;
            }
        } else if (np == 0) {
            node_of[i] = OF_INITIAL;
            d->ninitial++;
            continue;
        } else if (np == 1) {
            target = pfirst;       /* follows one node on all its wires: fold in */
        } else {
            target = QTR_NONE;     /* joins several nodes: a sync node */
        }
        if (target == QTR_NONE) {
            if (nn >= MAX_NODES) {
                st = qtr_fail(ctx, QTR_ELIMIT, "routing: too many DAG nodes");
                goto done;
            }
            if (grow((void **)&d->q, &capq, (size_t)nn + 1, sizeof *d->q) ||
                grow((void **)&edges, &capedges, nedges + np, sizeof *edges) ||
                grow((void **)&stamp, &capstamp, (size_t)nn + 1, sizeof *stamp))
                goto nomem;
            target = nn++;
            stamp[target] = 0;
            d->q[target][0] = two ? ops[0] : QTR_NONE;
            d->q[target][1] = two ? ops[1] : QTR_NONE;
            /* edges from each distinct predecessor, again in wire order */
            for (size_t j = 0; j < nw; j++) {
                uint32_t p = last[wires[j]];
                if (p == QTR_NONE || stamp[p] != (uint32_t)i + 1) continue;
                stamp[p] = 0;     /* emit each once */
                edges[nedges][0] = p;
                edges[nedges][1] = target;
                nedges++;
            }
        }
        node_of[i] = target;
        for (size_t j = 0; j < nw; j++) last[wires[j]] = target;
    }
    d->nnodes = nn;
    d->nvirt = c->nqubits;

    if (nedges > UINT32_MAX - 1) {
        st = qtr_fail(ctx, QTR_ELIMIT, "routing: too many DAG edges");
        goto done;
    }
    if (qtr_sabre_csr(nn, (const uint32_t(*)[2])edges, nedges, 0, &d->succ_off, &d->succ) ||
        qtr_sabre_csr(nn, (const uint32_t(*)[2])edges, nedges, 1, &d->pred_off, &d->pred))
        goto nomem;

    /* instructions per node, stable in circuit order */
    d->inst_off = calloc((size_t)nn + 1, sizeof *d->inst_off);
    d->initial = malloc((d->ninitial ? d->ninitial : 1) * sizeof *d->initial);
    d->final = malloc((d->nfinal ? d->nfinal : 1) * sizeof *d->final);
    if (!d->inst_off || !d->initial || !d->final) goto nomem;
    uint32_t covered = 0, ni = 0, nf = 0;
    for (size_t i = 0; i < c->ninst; i++) {
        if (node_of[i] == OF_SKIP) continue;
        covered++;
        if (node_of[i] == OF_INITIAL) d->initial[ni++] = (uint32_t)i;
        else if (node_of[i] == OF_FINAL) d->final[nf++] = (uint32_t)i;
        else d->inst_off[node_of[i] + 1]++;
    }
    d->ninst = covered;
    for (uint32_t k = 0; k < nn; k++) d->inst_off[k + 1] += d->inst_off[k];
    d->inst = malloc(((size_t)d->inst_off[nn] + 1) * sizeof *d->inst);
    if (!d->inst) goto nomem;
    /* a fill cursor per node */
    free(stamp);
    stamp = malloc(((size_t)nn + 1) * sizeof *stamp);
    if (!stamp) goto nomem;
    memcpy(stamp, d->inst_off, ((size_t)nn + 1) * sizeof *stamp);
    for (size_t i = 0; i < c->ninst; i++)
        if (node_of[i] < OF_FINAL) d->inst[stamp[node_of[i]]++] = (uint32_t)i;
    *high = high_water(nwires, c->ninst, capwires, capstamp > (size_t)nn + 1 ? capstamp : (size_t)nn + 1,
                       capq, capedges, nn, nedges,
                       (d->ninitial ? d->ninitial : 1) + (d->nfinal ? d->nfinal : 1) +
                           (size_t)d->inst_off[nn] + 1);
    /* q to its node count, as qtr_sabre_dag_bytes counts it */
    if (!nn) {
        free(d->q);
        d->q = malloc(sizeof *d->q);
        if (!d->q) goto nomem;
    } else if (nn < capq) {
        uint32_t(*q)[2] = realloc(d->q, (size_t)nn * sizeof *d->q);
        if (q) d->q = q;   /* a failed shrink keeps the larger block */
    }
    goto done;

nomem:
    st = qtr_fail(ctx, QTR_ENOMEM, "routing DAG of %zu instructions", c->ninst);
done:
    free(last);
    free(node_of);
    free(wires);
    free(stamp);
    free(edges);
    if (st) qtr_sabre_dag_fini(d);
    return st;
}
