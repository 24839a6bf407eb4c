/* pass_consolidate.c -- ConsolidateBlocks + 2-qubit resynthesis as one pass
 * (Qiskit's ConsolidateBlocks and UnitarySynthesis, ALGORITHMS.md §6.2-§6.3,
 * without DAG objects): maximal runs of unconditioned 1q/2q gates on one
 * qubit pair are multiplied into a 4×4 unitary, resynthesised with the
 * target's CX-class gate (src/synth_kak.c) in an allowed direction and its
 * best Euler basis, and replaced when that lowers the run's 2q cost (each 2q
 * gate counted as the CX-class gates its translation needs, cx_cost), or
 * keeps it and lowers its 1q count. Never worse, by construction. The same
 * scan serves the init stage (opt_resynth_2q_virtual: virtual circuit, cx +
 * u, any direction, only when the 2q cost drops).
 *
 * Collecting runs is one flat scan with per-wire state: the block open on
 * each wire (at most one) and the run of 1q gates waiting on each wire since
 * anything else last touched it. A 2q gate on (p, q) joins the block open on
 * both, or closes whatever is open on p and q and opens a new block that takes
 * the waiting 1q runs of p and q. A 1q gate joins its wire's block, or waits.
 * Anything else on a wire (measure, reset, barrier, a conditioned gate, a
 * gate on 3+ qubits) closes its block and drops its waiting run. Between a
 * block's first and last member no other instruction touches p or q, so the
 * whole block may be re-emitted at its last member's position.
 *
 * Memory: the scan's scratch (one link word per instruction, a few words per
 * qubit) and the replacement gates come from the circuit's allocator, so they
 * count towards its peak, and are freed before returning. On success the
 * instruction array is rebuilt once (with NOP records dropped); on failure
 * (QTR_ENOMEM) the circuit is unchanged.
 *
 * Borrows the target (read only); rewrites the circuit. */
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "opt_internal.h"
#include "pass.h"

typedef double complex cplx;

#define LINK_END SIZE_MAX          /* end of a member chain */
#define LINK_DEL (SIZE_MAX - 1)    /* member of a replaced block */
#define NO_BLOCK UINT32_MAX

/* Largest |entry| difference accepted between a replacement and the block it
 * replaces (exact mode): synthesis reproduces blocks to ~1e-13, so this only
 * catches a numerical failure, in which case the block is kept. */
#define VERIFY_TOL 1e-9

typedef struct {
    uint32_t p, q;       /* the block's wires; p is operand 0 of its unitary */
    size_t   head, tail; /* member chain through link[] */
    uint32_t n1, n2;     /* 1q and 2q members */
    uint32_t w2;         /* the 2q members' cost in CX-class gates (cx_cost) */
} block_t;

typedef struct {
    size_t   pos;        /* the block's last member: where the new gates go */
    uint32_t w[2];       /* wires of the new gates' operands 0 and 1 */
    size_t   first;      /* first gate in the gate array */
    uint32_t count;
} repl_t;

typedef struct {
    qtr_circuit *c;
    const qtr_target *t;
    qtr_ctx *ctx;
    qtr_kak_basis kb;
    qtr_euler_basis eb;
    double degree;
    int strict;                    /* replace only when the 2q cost drops */
    size_t *link;                  /* per instruction */
    uint32_t *open;                /* per wire: slot of its open block or NO_BLOCK */
    size_t *phead, *ptail;         /* per wire: waiting 1q run */
    block_t *blk;                  /* per slot (slot = smaller wire of the pair) */
    repl_t *rep;         size_t nrep, caprep;
    qtr_kak_gate *gates; size_t ngates, capgates;
    size_t ndel, nnewparams;
    double phase;
} scan_t;

/* ---- 4×4 algebra ---------------------------------------------------------- */

static void m4_eye(cplx u[16])
{
    memset(u, 0, 16 * sizeof *u);
    for (int i = 0; i < 4; i++) u[5 * i] = 1;
}

/* u = G·u for gate @p op with @p prm on local operands @p lq (0/1; two of
 * them for a 2q gate) of the 4×4 frame. Returns 0 when the gate has no
 * matrix (not expected for table gates). */
static int m4_apply(cplx u[16], qtr_op op, const double *prm, const uint8_t *lq)
{
    /* the usual basis gates by their action on rows: cz negates |11>, cx
     * swaps the target's rows where the control bit is set */
    if (op == QTR_OP_CZ) {
        for (int j = 0; j < 4; j++) u[12 + j] = -u[12 + j];
        return 1;
    }
    if (op == QTR_OP_CX) {
        int cb = 1 << lq[0], tb = 1 << lq[1];
        cplx *r0 = u + 4 * cb, *r1 = u + 4 * (cb | tb);
        for (int j = 0; j < 4; j++) {
            cplx x = r0[j];
            r0[j] = r1[j];
            r1[j] = x;
        }
        return 1;
    }
    double m[32];
    if (qtr_gate_matrix(op, prm, m) != QTR_OK) return 0;
    if (qtr_gate(op)->nqubits == 1) {
        /* G = m on bit s: mix the row pairs (i, i | 1<<s) with i's bit s clear */
        int s = lq[0];
        cplx a = CMPLX(m[0], m[1]), b = CMPLX(m[2], m[3]), c = CMPLX(m[4], m[5]),
             d = CMPLX(m[6], m[7]);
        for (int i = 0; i < 4; i++) {
            if (i & (1 << s)) continue;
            cplx *r0 = u + 4 * i, *r1 = u + 4 * (i | (1 << s));
            for (int j = 0; j < 4; j++) {
                cplx x = r0[j], y = r1[j];
                r0[j] = a * x + b * y;
                r1[j] = c * x + d * y;
            }
        }
        return 1;
    }
    static const int swapbits[4] = {0, 2, 1, 3};
    cplx g[16], t[16];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            int r = lq[0] == 0 ? i : swapbits[i], c = lq[0] == 0 ? j : swapbits[j];
            g[4 * r + c] = CMPLX(m[2 * (4 * i + j)], m[2 * (4 * i + j) + 1]);
        }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            cplx s = 0;
            for (int k = 0; k < 4; k++) s += g[4 * i + k] * u[4 * k + j];
            t[4 * i + j] = s;
        }
    memcpy(u, t, sizeof t);
    return 1;
}

/* Determinant by the Laplace expansion along the first two rows. */
static cplx m4_det(const cplx u[16])
{
    static const int pr[6][2] = {{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}};
    cplx d = 0;
    for (int k = 0; k < 6; k++) {
        int a = pr[k][0], b = pr[k][1], c = pr[5 - k][0], e = pr[5 - k][1];
        /* sign of the permutation (a b c e) */
        double sg = (k == 1 || k == 4) ? -1 : 1;
        cplx top = u[a] * u[4 + b] - u[b] * u[4 + a];
        cplx bot = u[8 + c] * u[12 + e] - u[8 + e] * u[12 + c];
        d += sg * top * bot;
    }
    return d;
}

/* Exact mode's cheap filter: 1 when u certainly needs 3 CX-class gates.
 * With u/det(u)^{1/4} = k1·Can(a, b, c)·k2, the trace of
 * γ = u·(Y⊗Y)·uᵀ·(Y⊗Y)/√det u is a local invariant, and (from the magic-basis
 * eigenvalues e^{±2i(a∓b±c)} of γ) Im Tr γ = ±4 sin 2a sin 2b sin 2c: it
 * vanishes exactly on the classes with a, b or c = 0, i.e. those that 2 or
 * fewer gates reach (Shende, Bullock & Markov, quant-ph/0308045, Prop. III.3).
 * |Im Tr γ| > 8·QTR_KAK_EXACT_TOL forces |c| > QTR_KAK_EXACT_TOL, which is
 * qtr_kak_synth's own test for 3 gates; anything closer goes the full way.
 * Y⊗Y is the anti-diagonal (−1, 1, 1, −1), so Tr γ needs 16 products. */
static int needs_three(const cplx u[16])
{
    static const double sg[4] = {-1, 1, 1, -1};
    cplx tr = 0;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) tr += sg[i] * sg[j] * u[4 * i + j] * u[4 * (3 - i) + 3 - j];
    cplx r = csqrt(m4_det(u));
    double n = cabs(r);
    if (!(n > 0.5)) return 0; /* not unitary enough to say: the full check decides */
    return fabs(cimag(tr * conj(r)) / n) > 8 * QTR_KAK_EXACT_TOL * 1.01 + 1e-12;
}

/* CX-class gates a 2q gate costs after translation (ALGORITHMS.md §5.4):
 * what a block's 2q count is compared against, so that before translation
 * (the init stage) a block of, say, a swap and a cp (3 + 2 cx) counts as 5,
 * not 2. Unknown 2q gates count 3, the most any 2q unitary needs. */
static uint32_t cx_cost(qtr_op op)
{
    switch (op) {
    case QTR_OP_CX: case QTR_OP_CY: case QTR_OP_CZ: case QTR_OP_CH: case QTR_OP_ECR:
        return 1;
    case QTR_OP_ISWAP: case QTR_OP_DCX: case QTR_OP_CRX: case QTR_OP_CRY: case QTR_OP_CRZ:
    case QTR_OP_CP: case QTR_OP_CU1: case QTR_OP_CU3: case QTR_OP_CU: case QTR_OP_CSX:
    case QTR_OP_CS: case QTR_OP_CSDG: case QTR_OP_RXX: case QTR_OP_RYY: case QTR_OP_RZZ:
    case QTR_OP_RZX: case QTR_OP_XX_PLUS_YY: case QTR_OP_XX_MINUS_YY:
        return 2;
    default:
        return 3;
    }
}

/* ---- blocks ---------------------------------------------------------------- */

static void chain_push(scan_t *s, size_t *head, size_t *tail, size_t i)
{
    s->link[i] = LINK_END;
    if (*head == LINK_END) *head = i;
    else s->link[*tail] = i;
    *tail = i;
}

/* Allowed frame for the basis gate on wires (p, q): 1 if it must act as
 * (q, p), 0 for (p, q) (allowed, or no direction known). */
static int frame_reversed(const qtr_target *t, uint32_t p, uint32_t q)
{
    if (t->nedges == 0 || p >= t->nqubits || q >= t->nqubits) return 0;
    if (qtr_target_has_edge(t, p, q)) return 0;
    return qtr_target_has_edge(t, q, p);
}

/* Decide on a closed block; record a replacement when it is better.
 * Returns QTR_OK or QTR_ENOMEM. */
static qtr_status evaluate(scan_t *s, const block_t *b)
{
    const qtr_circuit *c = s->c;
    /* A block whose only 2q gate is the basis gate (CX-class, so never
     * local) cannot lose it; only its 1q gates could shrink, and merge1q and
     * commute_cancel already leave little there (on the device benchmark's
     * hwb8 such blocks were 44% of all evaluated, 7% of them improved, by 2
     * 1q gates each). Qiskit's ConsolidateBlocks skips them too (it replaces
     * a block only when that lowers the 2q count). */
    if (b->n2 == 1 && s->strict) return QTR_OK; /* one gate: translation's job */
    if (b->n2 == 1) {
        for (size_t i = b->head; i != LINK_END; i = s->link[i])
            if (c->inst[i].nargs == 2 && c->inst[i].op == s->kb.op) return QTR_OK;
    }
    cplx u[16];
    m4_eye(u);
    for (size_t i = b->head; i != LINK_END; i = s->link[i]) {
        const qtr_inst *in = &c->inst[i];
        const uint32_t *w = qtr_inst_operands(c, in);
        uint8_t lq[2] = {w[0] == b->p ? 0 : 1, 0};
        if (in->nargs == 2) lq[1] = (uint8_t)(1 - lq[0]);
        /* a symbolic angle has no matrix: the block stays as it is */
        if (qtr_inst_is_symbolic(c, in) || !m4_apply(u, (qtr_op)in->op, qtr_inst_params(c, in), lq))
            return QTR_OK;
    }
    /* blocks that already hold exactly 3 2q gates and need 3 cannot lose
     * a 2q gate; their 1q count is left alone (no such block was improved
     * in 1q on the device benchmark), which saves the full synthesis for
     * most of the blocks of routed circuits */
    if (s->degree >= 1 && b->w2 <= 3 && needs_three(u)) return QTR_OK;
    int rev = frame_reversed(s->t, b->p, b->q);
    double uf[32];
    static const int swapbits[4] = {0, 2, 1, 3};
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            cplx x = rev ? u[4 * swapbits[i] + swapbits[j]] : u[4 * i + j];
            uf[2 * (4 * i + j)] = creal(x);
            uf[2 * (4 * i + j) + 1] = cimag(x);
        }

    /* synthesis failures (a NaN angle in the input, say) keep the block */
    qtr_ctx scratch;
    qtr_ctx_init(&scratch, 0);
    qtr_kak_synthesis syn;
    if (qtr_kak_synth(uf, &s->kb, s->degree, &syn, &scratch) != QTR_OK) return QTR_OK;
    if ((uint32_t)syn.n2q > b->w2 || (s->strict && (uint32_t)syn.n2q == b->w2)) return QTR_OK;
    qtr_kak_gate g[QTR_KAK_MAX_GATES];
    double ph;
    int n = qtr_kak_gates(&syn, &s->kb, s->eb, g, QTR_KAK_MAX_GATES, &ph);
    if (n < 0) return QTR_OK;
    uint32_t n1 = (uint32_t)(n - syn.n2q);
    if (!((uint32_t)syn.n2q < b->w2 || n1 < b->n1)) return QTR_OK;

    /* check the replacement against the block before trusting it */
    cplx v[16];
    m4_eye(v);
    for (int k = 0; k < n; k++)
        if (!m4_apply(v, (qtr_op)g[k].op, g[k].params, g[k].q)) return QTR_OK;
    cplx e = cexp(I * ph), tr = 0;
    double worst = 0;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            cplx uij = CMPLX(uf[2 * (4 * i + j)], uf[2 * (4 * i + j) + 1]);
            double d = cabs(e * v[4 * i + j] - uij);
            if (!(d <= worst)) worst = d;
            tr += conj(uij) * e * v[4 * i + j];
        }
    if (s->degree >= 1) {
        if (!(worst <= VERIFY_TOL)) return QTR_OK;
    } else {
        double fid = (4 + creal(tr) * creal(tr) + cimag(tr) * cimag(tr)) / 20;
        if (!(fid >= s->degree - 1e-12)) return QTR_OK;
    }

    if (QTR_GROW(&s->c->alloc, s->rep, s->caprep, s->nrep + 1) ||
        QTR_GROW(&s->c->alloc, s->gates, s->capgates, s->ngates + (size_t)n))
        return qtr_fail(s->ctx, QTR_ENOMEM, "2q resynthesis: replacement gates");
    repl_t *r = &s->rep[s->nrep++];
    r->w[0] = rev ? b->q : b->p;
    r->w[1] = rev ? b->p : b->q;
    r->first = s->ngates;
    r->count = (uint32_t)n;
    for (int k = 0; k < n; k++) {
        s->gates[s->ngates++] = g[k];
        s->nnewparams += qtr_gate((qtr_op)g[k].op)->nparams;
    }
    size_t last = b->head;
    for (size_t i = b->head; i != LINK_END;) {
        size_t next = s->link[i];
        s->link[i] = LINK_DEL;
        last = i;
        s->ndel++;
        i = next;
    }
    r->pos = last;
    s->phase = remainder(s->phase + ph, 2 * QTR_PI);
    return QTR_OK;
}

static qtr_status close_wire(scan_t *s, uint32_t w)
{
    uint32_t slot = s->open[w];
    if (slot == NO_BLOCK) return QTR_OK;
    block_t *b = &s->blk[slot];
    s->open[b->p] = s->open[b->q] = NO_BLOCK;
    return evaluate(s, b);
}

/* Another instruction touches wire w: its block ends and its waiting 1q run
 * stays where it is. */
static qtr_status barrier_wire(scan_t *s, uint32_t w)
{
    s->phead[w] = s->ptail[w] = LINK_END;
    return close_wire(s, w);
}

static qtr_status scan(scan_t *s)
{
    const qtr_circuit *c = s->c;
    qtr_status st;
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        qtr_op op = (qtr_op)in->op;
        if (op == QTR_OP_NOP) continue;
        const qtr_gate_info *gi = qtr_gate(op);
        const uint32_t *w = qtr_inst_operands(c, in);
        int unitary = !(gi->props & (QTR_GP_DIRECTIVE | QTR_GP_NONUNITARY)) &&
                      !(in->flags & QTR_IF_COND);
        if (unitary && gi->nqubits == 1) {
            uint32_t slot = s->open[w[0]];
            if (slot != NO_BLOCK) {
                block_t *b = &s->blk[slot];
                chain_push(s, &b->head, &b->tail, i);
                b->n1++;
            } else {
                chain_push(s, &s->phead[w[0]], &s->ptail[w[0]], i);
            }
            continue;
        }
        if (unitary && gi->nqubits == 2) {
            uint32_t p = w[0], q = w[1];
            uint32_t slot = s->open[p];
            if (slot != NO_BLOCK && slot == s->open[q]) {
                block_t *b = &s->blk[slot];
                chain_push(s, &b->head, &b->tail, i);
                b->n2++;
                b->w2 += cx_cost(op);
                continue;
            }
            if ((st = close_wire(s, p)) || (st = close_wire(s, q))) return st;
            slot = p < q ? p : q;
            block_t *b = &s->blk[slot];
            b->p = p;
            b->q = q;
            b->head = b->tail = LINK_END;
            b->n1 = b->n2 = b->w2 = 0;
            /* the waiting runs act on different wires, so their order
             * between themselves does not matter; both precede this gate */
            for (int k = 0; k < 2; k++) {
                uint32_t x = k ? q : p;
                for (size_t j = s->phead[x]; j != LINK_END;) {
                    size_t next = s->link[j];
                    chain_push(s, &b->head, &b->tail, j);
                    b->n1++;
                    j = next;
                }
                s->phead[x] = s->ptail[x] = LINK_END;
            }
            chain_push(s, &b->head, &b->tail, i);
            b->n2 = 1;
            b->w2 = cx_cost(op);
            s->open[p] = s->open[q] = slot;
            continue;
        }
        /* measure and reset: the qubit is operand 0 (measure's operand 1 is
         * a clbit); everything else: every operand is a qubit */
        uint32_t nq = (op == QTR_OP_MEASURE || op == QTR_OP_RESET) ? 1 : in->nargs;
        for (uint32_t k = 0; k < nq; k++)
            if ((st = barrier_wire(s, w[k]))) return st;
    }
    for (uint32_t w = 0; w < c->nqubits; w++)
        if ((st = close_wire(s, w))) return st;
    return QTR_OK;
}

static int cmp_pos(const void *a, const void *b)
{
    size_t x = ((const repl_t *)a)->pos, y = ((const repl_t *)b)->pos;
    return x < y ? -1 : x > y;
}

/* Build the new instruction array; nothing is changed unless it succeeds. */
static qtr_status rebuild(scan_t *s)
{
    qtr_circuit *c = s->c;
    qsort(s->rep, s->nrep, sizeof *s->rep, cmp_pos);
    size_t nout = c->ninst - s->ndel + s->ngates;
    if (c->nparams + s->nnewparams > UINT32_MAX)
        return qtr_fail(s->ctx, QTR_ELIMIT, "2q resynthesis: parameter pool would exceed 2^32 entries");
    if (s->nnewparams && QTR_GROW(&c->alloc, c->params, c->capparams, c->nparams + s->nnewparams))
        return qtr_fail(s->ctx, QTR_ENOMEM, "2q resynthesis: %zu parameters", s->nnewparams);
    qtr_inst *out = NULL;
    if (nout) {
        out = qtr_realloc(&c->alloc, NULL, 0, nout * sizeof *out);
        if (!out) return qtr_fail(s->ctx, QTR_ENOMEM, "2q resynthesis: %zu instructions", nout);
    }
    size_t wr = 0, r = 0;
    for (size_t i = 0; i < c->ninst; i++) {
        if (s->link[i] != LINK_DEL) {
            if (c->inst[i].op != QTR_OP_NOP) out[wr++] = c->inst[i];
            continue;
        }
        if (r >= s->nrep || s->rep[r].pos != i) continue;
        const repl_t *rp = &s->rep[r++];
        for (uint32_t k = 0; k < rp->count; k++) {
            const qtr_kak_gate *g = &s->gates[rp->first + k];
            const qtr_gate_info *gi = qtr_gate((qtr_op)g->op);
            qtr_inst in = {g->op, 0, gi->nqubits, {rp->w[g->q[0]], 0}, 0};
            if (gi->nqubits == 2) in.q[1] = rp->w[g->q[1]];
            if (gi->nparams) {
                in.p = (uint32_t)c->nparams;
                memcpy(c->params + c->nparams, g->params, gi->nparams * sizeof(double));
                c->nparams += gi->nparams;
            }
            out[wr++] = in;
        }
    }
    QTR_ASSERT(r == s->nrep && wr <= nout);
    qtr_realloc(&c->alloc, c->inst, c->capinst * sizeof *c->inst, 0);
    c->inst = out;
    c->ninst = wr;
    c->capinst = nout;
    c->global_phase = remainder(c->global_phase + s->phase, 2 * QTR_PI);
    return QTR_OK;
}

/* The pass with its basis spelled out: 2q gate @p g2, Euler basis @p eb;
 * directions from @p dir's edges (NULL: any direction). */
static qtr_status resynth(qtr_circuit *c, const qtr_target *dir, qtr_op g2, int eb,
                          double approx_degree, int strict, qtr_ctx *ctx)
{
    static const qtr_target no_edges; /* nedges 0: every direction allowed */
    scan_t s;
    memset(&s, 0, sizeof s);
    s.c = c;
    s.t = dir ? dir : &no_edges;
    s.ctx = ctx;
    s.degree = approx_degree;
    s.strict = strict;
    /* nothing this pass can emit: leave the circuit alone */
    if (g2 == QTR_OP_NOP || eb < 0 || c->ninst == 0 || c->nqubits < 2) return QTR_OK;
    qtr_ctx scratch;
    qtr_ctx_init(&scratch, 0);
    if (qtr_kak_basis_init(&s.kb, g2, &scratch) != QTR_OK) return QTR_OK;
    s.eb = (qtr_euler_basis)eb;

    qtr_status st = QTR_OK;
    size_t n = c->ninst, nq = c->nqubits;
    if (n > SIZE_MAX / sizeof(size_t) / 2 || nq > SIZE_MAX / sizeof(block_t))
        return qtr_fail(ctx, QTR_ELIMIT, "qtr_pass_resynth_2q: circuit too large");
    s.link = qtr_realloc(&c->alloc, NULL, 0, n * sizeof *s.link);
    s.open = qtr_realloc(&c->alloc, NULL, 0, nq * sizeof *s.open);
    s.phead = qtr_realloc(&c->alloc, NULL, 0, nq * sizeof *s.phead);
    s.ptail = qtr_realloc(&c->alloc, NULL, 0, nq * sizeof *s.ptail);
    s.blk = qtr_realloc(&c->alloc, NULL, 0, nq * sizeof *s.blk);
    if (!s.link || !s.open || !s.phead || !s.ptail || !s.blk) {
        st = qtr_fail(ctx, QTR_ENOMEM, "2q resynthesis: scratch for %zu instructions", n);
        goto done;
    }
    /* every record's link is read by rebuild(), including records no chain
     * ever takes (measures, barriers, 3q gates): without this they would
     * hold whatever the allocator's block held before, e.g. LINK_DEL from
     * the previous call's array, and be dropped from the circuit */
    for (size_t i = 0; i < n; i++) s.link[i] = LINK_END;
    for (size_t w = 0; w < nq; w++) {
        s.open[w] = NO_BLOCK;
        s.phead[w] = s.ptail[w] = LINK_END;
    }
    if ((st = scan(&s))) goto done;
    if (s.nrep) st = rebuild(&s);

done:
    qtr_realloc(&c->alloc, s.link, s.link ? n * sizeof *s.link : 0, 0);
    qtr_realloc(&c->alloc, s.open, s.open ? nq * sizeof *s.open : 0, 0);
    qtr_realloc(&c->alloc, s.phead, s.phead ? nq * sizeof *s.phead : 0, 0);
    qtr_realloc(&c->alloc, s.ptail, s.ptail ? nq * sizeof *s.ptail : 0, 0);
    qtr_realloc(&c->alloc, s.blk, s.blk ? nq * sizeof *s.blk : 0, 0);
    qtr_realloc(&c->alloc, s.rep, s.caprep * sizeof *s.rep, 0);
    qtr_realloc(&c->alloc, s.gates, s.capgates * sizeof *s.gates, 0);
    return st;
}

qtr_status qtr_pass_resynth_2q_approx(qtr_circuit *c, const qtr_target *t, double approx_degree,
                                      qtr_ctx *ctx)
{
    if (!c || !t) return qtr_fail(ctx, QTR_EINVAL, "qtr_pass_resynth_2q: NULL circuit or target");
    if (!(approx_degree > 0 && approx_degree <= 1))
        return qtr_fail(ctx, QTR_EINVAL,
                        "qtr_pass_resynth_2q: approximation degree %g outside (0, 1]", approx_degree);
    return resynth(c, t, qtr_target_2q_gate(t), qtr_euler_basis_for(t->basis), approx_degree, 0,
                   ctx);
}

qtr_status opt_resynth_2q_virtual(qtr_circuit *c, double approx_degree, qtr_ctx *ctx)
{
    if (!c) return qtr_fail(ctx, QTR_EINVAL, "qtr_pass_resynth_2q: NULL circuit");
    if (!(approx_degree > 0 && approx_degree <= 1))
        return qtr_fail(ctx, QTR_EINVAL,
                        "qtr_pass_resynth_2q: approximation degree %g outside (0, 1]", approx_degree);
    return resynth(c, NULL, QTR_OP_CX, QTR_EULER_U, approx_degree, 1, ctx);
}

qtr_status qtr_pass_resynth_2q(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx)
{
    return qtr_pass_resynth_2q_approx(c, t, 1.0, ctx);
}
