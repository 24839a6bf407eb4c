/* sabre_commute.c -- relaxes the routing DAG's order where gates commute, so
 * SABRE may route any gate that commutes with everything still before it on
 * its qubits (a QAOA cost layer's RZZ blocks in any order).
 *
 * Borrows the commutation rule of Qiskit's CommutationAnalysis and of the
 * commutation-aware routers (e.g. Itoko et al., "Optimization of quantum
 * circuit mapping using gate transformation and commutation", Integration
 * 2020): a gate that commutes with Z on qubit w is block diagonal there,
 * sum_k |k><k|_w (x) A_k; two such gates whose only shared qubits are of
 * this kind (or all of the X kind) commute, whatever else they do. So each
 * node gets a kind per qubit wire -- Z, X or "other" -- from its own
 * 4x4 unitary (cx-rz-cx is Z on both qubits though cx is X on its target),
 * and along each wire the nodes fall into blocks: maximal runs of one kind
 * (Z or X), "other" nodes alone. A node depends on every node of the block
 * before its own on each of its wires, not on its block-mates. Unordered
 * nodes then share only wires where they sit in one block, so they commute
 * and every topological order of the DAG is the circuit.
 *
 * 1q gates after a node's last 2q gate (a QAOA mixer folded into the last
 * RZZ of its qubit) would make that node "other" on the wire and pin it
 * last among its block-mates: when they are not of the core's kind, they
 * leave the node as a node of their own (q = {QTR_NONE, QTR_NONE}, like a
 * sync node), numbered right after it.
 *
 * Strict order is kept (kind "other") for nodes with a measurement, reset,
 * condition, barrier, opaque gate or symbolic angle, and on clbit wires.
 * Blocks hold at most BLOCK_MAX nodes, which bounds the edges per node.
 *
 * Owns nothing beyond the rebuilt arrays it hands to the DAG. Budget
 * (qtr_sabre_dag_commute_in): the edge list's length is known only once
 * built, so instead of a bound up front every block is weighed against the
 * circuit's budget just before it is allocated (a growing list at each
 * doubling) and counted in the circuit's allocator while it lives; the new
 * DAG's arrays stay counted until its qtr_sabre_dag_fini. */
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "sabre.h"

typedef double complex cplx;

enum { KIND_OTHER = 0, KIND_Z = 1, KIND_X = 2 };

#define BLOCK_MAX 64
#define TOL 1e-9

/* A gate whose matrix is a function of its numeric angles only. */
static int plain_gate(const qtr_circuit *c, const qtr_inst *in)
{
    qtr_op op = (qtr_op)in->op;
    const qtr_gate_info *g = qtr_gate(op);
    if ((in->flags & QTR_IF_COND) || (g->props & (QTR_GP_NONUNITARY | QTR_GP_DIRECTIVE)) ||
        op == QTR_OP_OPAQUE || g->nqubits != in->nargs || g->nqubits > 2)
        return 0;
    const double *p = qtr_inst_params(c, in);
    for (uint32_t j = 0; j < g->nparams; j++)
        if (qtr_angle_is_sym(p[j])) return 0;
    return 1;
}

/* u := G u, G the gate @p in on the node's pair (qa = bit 0, qb = bit 1);
 * @p u is 4x4 (dim 4) or, for a 1q run on one wire, 2x2 (dim 2, bit 0). */
static int apply_gate(const qtr_circuit *c, const qtr_inst *in, uint32_t qa, cplx *u, int dim)
{
    double m[32];
    if (qtr_gate_matrix((qtr_op)in->op, qtr_inst_params(c, in), m) != QTR_OK) return -1;
    const uint32_t *ops = qtr_inst_operands(c, in);
    cplx t[16];
    if (in->nargs == 1) {
        int s = dim == 2 || ops[0] == qa ? 0 : 1;
        cplx a = CMPLX(m[0], m[1]), b = CMPLX(m[2], m[3]), cc = CMPLX(m[4], m[5]),
             dd = CMPLX(m[6], m[7]);
        for (int i = 0; i < dim; i++) {
            if (i & (1 << s)) continue;
            cplx *r0 = u + dim * i, *r1 = u + dim * (i | (1 << s));
            for (int j = 0; j < dim; j++) {
                cplx x = r0[j], y = r1[j];
                r0[j] = a * x + b * y;
                r1[j] = cc * x + dd * y;
            }
        }
        return 0;
    }
    /* the gate's operand 0 is bit 0 of its matrix; flip the bits when its
     * operand 0 is the node's qb */
    int flip = ops[0] != qa;
    cplx g[16];
    for (int r = 0; r < 4; r++)
        for (int k = 0; k < 4; k++) {
            int rr = flip ? ((r & 1) << 1 | r >> 1) : r, kk = flip ? ((k & 1) << 1 | k >> 1) : k;
            g[rr * 4 + kk] = CMPLX(m[2 * (r * 4 + k)], m[2 * (r * 4 + k) + 1]);
        }
    for (int r = 0; r < 4; r++)
        for (int j = 0; j < 4; j++) {
            cplx acc = 0;
            for (int k = 0; k < 4; k++) acc += g[r * 4 + k] * u[k * 4 + j];
            t[r * 4 + j] = acc;
        }
    memcpy(u, t, sizeof t);
    return 0;
}

/* The kind of a dim x dim unitary on bit s: Z when it commutes with Z
 * there (no entry joins rows and columns that differ in bit s), X when it
 * commutes with X there (u[i][j] = u[i^m][j^m]). */
static int kind_on(const cplx *u, int dim, int s)
{
    int m = 1 << s, z = 1, x = 1;
    for (int i = 0; i < dim; i++)
        for (int j = 0; j < dim; j++) {
            if (((i ^ j) & m) && cabs(u[i * dim + j]) > TOL) z = 0;
            if (cabs(u[i * dim + j] - u[(i ^ m) * dim + (j ^ m)]) > TOL) x = 0;
        }
    return z ? KIND_Z : x ? KIND_X : KIND_OTHER;
}

static void unit_matrix(cplx *u, int dim)
{
    for (int i = 0; i < dim * dim; i++) u[i] = 0;
    for (int i = 0; i < dim; i++) u[i * dim + i] = 1;
}

/* What becomes of one old node: its kinds on its pair, and the 1q tails
 * that leave it (tail[s] = 1: the instructions after its last 2q gate on
 * side s form a node of their own, of kind tkind[s]). */
typedef struct {
    uint32_t last;   /* inst[] index of its last 2q gate, when a tail leaves */
    uint8_t  kind[2], tail[2], tkind[2];
} node_plan;

static void plan_node(const qtr_sabre_dag *d, const qtr_circuit *c, uint32_t k, node_plan *pl)
{
    memset(pl, 0, sizeof *pl);
    uint32_t qa = d->q[k][0], i0 = d->inst_off[k], i1 = d->inst_off[k + 1], last = i0;
    if (qa == QTR_NONE) return;
    for (uint32_t j = i0; j < i1; j++) {
        const qtr_inst *in = &c->inst[d->inst[j]];
        if (!plain_gate(c, in)) return;
        if (in->nargs == 2) last = j;
    }
    cplx u[16], t[2][4];
    unit_matrix(u, 4);
    unit_matrix(t[0], 2);
    unit_matrix(t[1], 2);
    int ntail[2] = {0, 0};
    for (uint32_t j = i0; j < i1; j++) {
        const qtr_inst *in = &c->inst[d->inst[j]];
        int side = in->nargs == 1 && qtr_inst_operands(c, in)[0] != qa;
        int r = j <= last ? apply_gate(c, in, qa, u, 4) : apply_gate(c, in, qa, t[side], 2);
        if (r) return;
        if (j > last) ntail[side]++;
    }
    for (int s = 0; s < 2; s++) {
        int core = kind_on(u, 4, s);
        pl->kind[s] = (uint8_t)core;
        if (!ntail[s] || core == KIND_OTHER) continue;
        int tk = kind_on(t[s], 2, 0);
        if (tk == core) continue;   /* the tail keeps the node's kind: it stays */
        pl->last = last;
        pl->tail[s] = 1;
        pl->tkind[s] = (uint8_t)tk;
    }
}

/* Per wire: the current block and the one before it, as lists threaded
 * through the entry arrays. */
typedef struct {
    uint32_t cur, ncur, prev, nprev;
    uint8_t  kind;
} wire_state;

/* Bytes taken from an allocator's budget (none when a is NULL): each block
 * is weighed before it is allocated and counted while the build runs. */
typedef struct {
    qtr_alloc *a;
    size_t     live;   /* counted in a->cur by this build */
    int        over;   /* a block did not fit */
} meter;

static int take(meter *m, size_t bytes)
{
    if (!m->a) return 0;
    if (qtr_sabre_budget_fits(m->a, bytes)) {
        m->over = 1;
        return -1;
    }
    qtr_sabre_charge_scratch(m->a, bytes);
    m->live += bytes;
    return 0;
}

int qtr_sabre_dag_commute(qtr_sabre_dag *out, const qtr_sabre_dag *d, const qtr_circuit *c)
{
    return qtr_sabre_dag_commute_in(out, d, c, NULL);
}

int qtr_sabre_dag_commute_in(qtr_sabre_dag *out, const qtr_sabre_dag *d, const qtr_circuit *c,
                             qtr_alloc *a)
{
    uint32_t nn = d->nnodes;
    int ret = -1;
    meter m = {a, 0, 0};
    memset(out, 0, sizeof *out);
    node_plan *plan = NULL;
    uint32_t *nid = NULL;
    if (take(&m, (nn ? nn : 1) * sizeof *plan + ((size_t)nn + 1) * sizeof *nid)) goto out0;
    plan = malloc((nn ? nn : 1) * sizeof *plan);
    nid = malloc(((size_t)nn + 1) * sizeof *nid);
    if (!plan || !nid) goto out0;
    uint32_t total = 0, any = 0;
    for (uint32_t k = 0; k < nn; k++) {
        plan_node(d, c, k, &plan[k]);
        nid[k] = total;
        total += 1 + plan[k].tail[0] + plan[k].tail[1];
        any |= plan[k].kind[0] | plan[k].kind[1];
    }
    nid[nn] = total;
    if (!any) {   /* nothing commutes: no second DAG */
        ret = 0;
        goto out0;
    }
    if (total > QTR_NONE - 8) goto out0;

    /* the new nodes: pairs and instructions */
    uint32_t nw = d->nvirt + (uint32_t)c->nclbits;
    uint32_t(*q)[2] = NULL, *inst_off = NULL, *inst = NULL;
    uint8_t(*kind)[2] = NULL;
    wire_state *ws = NULL;
    uint32_t *ent_node = NULL, *ent_next = NULL, *stamp = NULL, (*edges)[2] = NULL;
    size_t nent = 0, capent = 0, nedges = 0, capedges = 0;
    if (take(&m, ((size_t)total ? total : 1) * (sizeof *q + sizeof *kind + sizeof *stamp) +
                     ((size_t)total + 1) * sizeof *inst_off +
                     ((size_t)d->inst_off[nn] + 1) * sizeof *inst +
                     ((size_t)nw + 1) * sizeof *ws))
        goto out;
    q = malloc(((size_t)total ? total : 1) * sizeof *q);
    inst_off = malloc(((size_t)total + 1) * sizeof *inst_off);
    inst = malloc(((size_t)d->inst_off[nn] + 1) * sizeof *inst);
    kind = malloc(((size_t)total ? total : 1) * sizeof *kind);
    ws = calloc((size_t)nw + 1, sizeof *ws);
    if (!q || !inst || !inst_off || !kind || !ws) goto out;
    uint32_t w = 0;
    inst_off[0] = 0;
    for (uint32_t k = 0; k < nn; k++) {
        const node_plan *pl = &plan[k];
        uint32_t id = nid[k], i0 = d->inst_off[k], i1 = d->inst_off[k + 1];
        uint32_t last = pl->tail[0] || pl->tail[1] ? pl->last : i1;
        q[id][0] = d->q[k][0];
        q[id][1] = d->q[k][1];
        kind[id][0] = pl->kind[0];
        kind[id][1] = pl->kind[1];
        /* the node keeps its instructions but the tails that leave */
        for (uint32_t j = i0; j < i1; j++) {
            const qtr_inst *in = &c->inst[d->inst[j]];
            int side = j > last && in->nargs == 1 && qtr_inst_operands(c, in)[0] != d->q[k][0];
            if (j > last && pl->tail[side]) continue;
            inst[w++] = d->inst[j];
        }
        inst_off[id + 1] = w;
        uint32_t t = id + 1;
        for (int s = 0; s < 2; s++) {
            if (!pl->tail[s]) continue;
            q[t][0] = q[t][1] = QTR_NONE;
            kind[t][0] = pl->tkind[s];
            kind[t][1] = KIND_OTHER;
            for (uint32_t j = last + 1; j < i1; j++) {
                const qtr_inst *in = &c->inst[d->inst[j]];
                if ((qtr_inst_operands(c, in)[0] != d->q[k][0]) == s) inst[w++] = d->inst[j];
            }
            inst_off[t + 1] = w;
            t++;
        }
    }
    stamp = malloc(((size_t)total ? total : 1) * sizeof *stamp);
    if (!stamp) goto out;
    for (uint32_t k = 0; k < total; k++) stamp[k] = QTR_NONE;
    for (uint32_t k = 0; k < nw; k++) ws[k].cur = ws[k].prev = QTR_NONE;

    /* edges: each node after every node of the block before its own, on
     * each of its wires (qubits of its instructions, measured clbits and
     * conditions' clbits) */
    for (uint32_t id = 0; id < total; id++) {
        for (uint32_t j = inst_off[id]; j < inst_off[id + 1]; j++) {
            const qtr_inst *in = &c->inst[inst[j]];
            const uint32_t *ops = qtr_inst_operands(c, in);
            uint32_t nq = in->op == QTR_OP_MEASURE ? 1 : in->nargs;
            uint32_t cfirst = 0, csize = 0;
            qtr_cond cond;
            if (qtr_inst_cond(c, in, &cond)) qtr_cond_clbits(c, &cond, &cfirst, &csize);
            uint32_t nwires = nq + (in->op == QTR_OP_MEASURE) + csize;
            for (uint32_t x = 0; x < nwires; x++) {
                uint32_t wire = x < nq                              ? ops[x]
                                : in->op == QTR_OP_MEASURE && x == nq ? d->nvirt + ops[1]
                                : d->nvirt + cfirst + (x - nq - (in->op == QTR_OP_MEASURE));
                wire_state *s = &ws[wire];
                if (s->cur != QTR_NONE && ent_node[s->cur] == id) continue;   /* seen */
                uint8_t kd = KIND_OTHER;
                if (q[id][0] != QTR_NONE && wire < d->nvirt)
                    kd = wire == q[id][0] ? kind[id][0] : wire == q[id][1] ? kind[id][1] : 0;
                else if (q[id][0] == QTR_NONE && x < nq && nq == 1 && wire < d->nvirt &&
                         inst_off[id + 1] - inst_off[id] > 0)
                    kd = kind[id][0];   /* a tail (its one wire); sync nodes: 0 */
                if (!(kd != KIND_OTHER && kd == s->kind && s->ncur < BLOCK_MAX)) {
                    s->prev = s->cur;
                    s->nprev = s->ncur;
                    s->cur = QTR_NONE;
                    s->ncur = 0;
                    s->kind = kd;
                }
                if (nent == capent) {
                    size_t cap = capent ? 2 * capent : 1024;
                    if (take(&m, (cap - capent) * 2 * sizeof *ent_node)) goto out;
                    uint32_t *a = realloc(ent_node, cap * sizeof *a);
                    if (!a) goto out;
                    ent_node = a;
                    a = realloc(ent_next, cap * sizeof *a);
                    if (!a) goto out;
                    ent_next = a;
                    capent = cap;
                }
                for (uint32_t e = s->prev; e != QTR_NONE; e = ent_next[e]) {
                    uint32_t p = ent_node[e];
                    if (stamp[p] == id) continue;
                    stamp[p] = id;
                    if (nedges == capedges) {
                        size_t cap = capedges ? 2 * capedges : 1024;
                        if (take(&m, (cap - capedges) * sizeof *edges)) goto out;
                        uint32_t(*a)[2] = realloc(edges, cap * sizeof *a);
                        if (!a) goto out;
                        edges = a;
                        capedges = cap;
                    }
                    edges[nedges][0] = p;
                    edges[nedges][1] = id;
                    nedges++;
                }
                ent_node[nent] = id;
                ent_next[nent] = s->cur;
                s->cur = (uint32_t)nent++;
                s->ncur++;
            }
        }
    }
    if (nedges > UINT32_MAX - 1) goto out;
    if (take(&m, ((d->ninitial ? d->ninitial : 1) + (d->nfinal ? d->nfinal : 1) +
                  2 * ((size_t)total + 1) + 2 * (nedges ? nedges : 1)) * sizeof(uint32_t)))
        goto out;
    uint32_t *so = NULL, *sa = NULL, *po = NULL, *pa = NULL;
    uint32_t *ini = malloc((d->ninitial ? d->ninitial : 1) * sizeof *ini);
    uint32_t *fin = malloc((d->nfinal ? d->nfinal : 1) * sizeof *fin);
    if (!ini || !fin || qtr_sabre_csr(total, (const uint32_t(*)[2])edges, nedges, 0, &so, &sa) ||
        qtr_sabre_csr(total, (const uint32_t(*)[2])edges, nedges, 1, &po, &pa)) {
        free(so);
        free(po);
        free(sa);
        free(pa);
        free(ini);
        free(fin);
        goto out;
    }
    memcpy(ini, d->initial, d->ninitial * sizeof *ini);
    memcpy(fin, d->final, d->nfinal * sizeof *fin);
    out->nnodes = total;
    out->nvirt = d->nvirt;
    out->q = q;
    out->inst_off = inst_off;
    out->inst = inst;
    out->succ_off = so;
    out->succ = sa;
    out->pred_off = po;
    out->pred = pa;
    out->initial = ini;
    out->ninitial = d->ninitial;
    out->final = fin;
    out->nfinal = d->nfinal;
    out->ninst = d->ninst;
    q = NULL;
    inst_off = inst = NULL;
    ret = 1;
out:
    free(q);
    free(inst_off);
    free(inst);
    free(kind);
    free(ws);
    free(ent_node);
    free(ent_next);
    free(stamp);
    free(edges);
out0:
    free(plan);
    free(nid);
    if (m.a) {   /* the build's blocks are gone; the new DAG's stay counted */
        qtr_sabre_release_scratch(m.a, m.live);
        if (ret == 1) {
            out->acct = m.a;
            out->held = qtr_sabre_dag_bytes(out);
            qtr_sabre_charge_scratch(m.a, out->held);
        }
    }
    return m.over ? -2 : ret;
}
