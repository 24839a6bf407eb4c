/* circuit.c -- qtr_circuit: append, operand/parameter access, clone, compact,
 * check, equality. Owns: inst[], params[], args[], registers, name, and the
 * symbolic parameters' names and expression pool (built by src/expr.c); all
 * through the circuit's own qtr_alloc so its bytes are counted.
 * Invariant: every record's operands are in range and its pool indices valid. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"

qtr_circuit *qtr_circuit_new(uint64_t fail_at)
{
    qtr_alloc a = {.fail_at = fail_at};
    qtr_circuit *c = qtr_realloc(&a, NULL, 0, sizeof *c);
    if (!c) return NULL;
    memset(c, 0, sizeof *c);
    c->alloc = a;
    return c;
}

static void free_regs(qtr_alloc *a, qtr_reg *r, size_t n, size_t cap)
{
    for (size_t i = 0; i < n; i++) qtr_realloc(a, r[i].name, strlen(r[i].name) + 1, 0);
    qtr_realloc(a, r, cap * sizeof *r, 0);
}

void qtr_circuit_free(qtr_circuit *c)
{
    if (!c) return;
    qtr_alloc *a = &c->alloc;
    qtr_realloc(a, c->inst, c->capinst * sizeof *c->inst, 0);
    qtr_realloc(a, c->params, c->capparams * sizeof *c->params, 0);
    qtr_realloc(a, c->args, c->capargs * sizeof *c->args, 0);
    free_regs(a, c->qregs, c->nqregs, c->capqregs);
    free_regs(a, c->cregs, c->ncregs, c->capcregs);
    if (c->name) qtr_realloc(a, c->name, strlen(c->name) + 1, 0);
    for (size_t i = 0; i < c->npnames; i++) qtr_realloc(a, c->pnames[i], strlen(c->pnames[i]) + 1, 0);
    qtr_realloc(a, c->pnames, c->cappnames * sizeof *c->pnames, 0);
    qtr_realloc(a, c->expr, c->capexpr * sizeof *c->expr, 0);
    for (size_t i = 0; i < c->nopaques; i++)
        qtr_realloc(a, c->opaques[i].name, strlen(c->opaques[i].name) + 1, 0);
    qtr_realloc(a, c->opaques, c->capopaques * sizeof *c->opaques, 0);
    free(c);
}

/* ---- registers ------------------------------------------------------- */

static qtr_status add_reg(qtr_circuit *c, qtr_reg **regs, size_t *n, size_t *cap,
                          uint32_t *nbits, const char *name, uint32_t size, qtr_ctx *ctx)
{
    if ((uint64_t)*nbits + size > UINT32_MAX - 1)
        return qtr_fail(ctx, QTR_ELIMIT, "register '%s' makes more than 2^32-2 bits", name);
    size_t len = strlen(name);
    if (qtr_grow(&c->alloc, (void **)regs, cap, *n + 1, sizeof **regs))
        return qtr_fail(ctx, QTR_ENOMEM, "register table");
    char *copy = qtr_realloc(&c->alloc, NULL, 0, len + 1);
    if (!copy) return qtr_fail(ctx, QTR_ENOMEM, "register name");
    memcpy(copy, name, len + 1);
    (*regs)[*n] = (qtr_reg){copy, size, *nbits};
    (*n)++;
    *nbits += size;
    return QTR_OK;
}

qtr_status qtr_circuit_add_qreg(qtr_circuit *c, const char *name, uint32_t size, qtr_ctx *ctx)
{
    return add_reg(c, &c->qregs, &c->nqregs, &c->capqregs, &c->nqubits, name, size, ctx);
}

qtr_status qtr_circuit_add_creg(qtr_circuit *c, const char *name, uint32_t size, qtr_ctx *ctx)
{
    return add_reg(c, &c->cregs, &c->ncregs, &c->capcregs, &c->nclbits, name, size, ctx);
}

/* ---- appending --------------------------------------------------------- */

static qtr_status check_operands(const qtr_circuit *c, qtr_op op, const uint32_t *q,
                                 uint32_t nargs, qtr_ctx *ctx)
{
    if ((unsigned)op >= QTR_OP_COUNT || op == QTR_OP_NOP)
        return qtr_fail(ctx, QTR_EINVAL, "invalid operation code %d", (int)op);
    const qtr_gate_info *g = qtr_gate(op);
    uint32_t want = op == QTR_OP_MEASURE ? 2u : g->nqubits;
    if (op == QTR_OP_BARRIER || op == QTR_OP_OPAQUE ? nargs == 0 : nargs != want)
        return qtr_fail(ctx, QTR_EINVAL, "'%s' takes %u operands, got %u", g->name, want, nargs);
    if (nargs > UINT16_MAX)
        return qtr_fail(ctx, QTR_ELIMIT, "'%s' has more than 65535 operands", g->name);
    uint32_t nq = op == QTR_OP_MEASURE ? 1 : nargs;
    for (uint32_t i = 0; i < nq; i++) {
        if (q[i] >= c->nqubits)
            return qtr_fail(ctx, QTR_EQUBIT, "%s: qubit %u outside 0..%d", g->name, q[i],
                            (int)c->nqubits - 1);
        for (uint32_t j = 0; j < i; j++)
            if (q[j] == q[i])
                return qtr_fail(ctx, QTR_EINVAL, "%s: qubit %u used twice", g->name, q[i]);
    }
    if (op == QTR_OP_MEASURE && q[1] >= c->nclbits)
        return qtr_fail(ctx, QTR_EQUBIT, "measure: clbit %u outside 0..%d", q[1],
                        (int)c->nclbits - 1);
    return QTR_OK;
}

/* A condition to store: its first words (head, nhead) then the rest of a
 * wide value (tail, ntail); nhead 0 for none. */
typedef struct {
    uint32_t head[3];
    uint32_t nhead;
    const uint32_t *tail;
    uint32_t ntail;
} cond_words;

/* Range checks of a condition against the circuit's registers and clbits. */
static qtr_status check_cond(const qtr_circuit *c, const qtr_cond *k, qtr_ctx *ctx)
{
    if (k->on_bit) {
        if (k->index >= c->nclbits)
            return qtr_fail(ctx, QTR_EQUBIT, "condition on clbit %u of %u", k->index, c->nclbits);
        if (k->nwords != 1 || k->words[0] > 1)
            return qtr_fail(ctx, QTR_EINVAL, "condition on clbit %u: value must be 0 or 1",
                            k->index);
    } else if (k->index >= c->ncregs) {
        return qtr_fail(ctx, QTR_EQUBIT, "condition on classical register %u of %zu", k->index,
                        c->ncregs);
    }
    return QTR_OK;
}

/* The stored words of condition @p k (see qtr_inst in qtr.h). */
static qtr_status encode_cond(const qtr_cond *k, cond_words *cw, qtr_ctx *ctx)
{
    if (k->on_bit) {
        *cw = (cond_words){{QTR_COND_BIT, k->index, k->words[0]}, 3, NULL, 0};
        return QTR_OK;
    }
    uint32_t n = k->nwords;
    while (n > 0 && k->words[n - 1] == 0) n--;   /* canonical: no leading zero words */
    if (n <= 2) {
        if (k->index >= QTR_COND_WIDE)
            return qtr_fail(ctx, QTR_ELIMIT, "condition on classical register %u", k->index);
        *cw = (cond_words){{k->index, n > 0 ? k->words[0] : 0, n > 1 ? k->words[1] : 0}, 3, NULL, 0};
        return QTR_OK;
    }
    if (n > ~QTR_COND_BIT)
        return qtr_fail(ctx, QTR_ELIMIT, "condition value of %u words", n);
    *cw = (cond_words){{QTR_COND_WIDE | n, k->index, 0}, 2, k->words, n};
    return QTR_OK;
}

static qtr_status append(qtr_circuit *c, qtr_op op, const uint32_t *q, uint32_t nargs,
                         const double *params, const qtr_cond *cond, qtr_ctx *ctx)
{
    if (op == QTR_OP_OPAQUE)   /* its table entry is needed: qtr_circuit_append_opaque */
        return qtr_fail(ctx, QTR_EINVAL, "an opaque gate is appended with its table entry");
    qtr_status st = check_operands(c, op, q, nargs, ctx);
    if (st) return st;
    cond_words cw = {{0, 0, 0}, 0, NULL, 0};
    if (cond && ((st = check_cond(c, cond, ctx)) || (st = encode_cond(cond, &cw, ctx)))) return st;
    uint32_t np = qtr_gate(op)->nparams;
    int ext = cond || nargs > 2;
    size_t nwords = ext ? nargs + (np ? 1u : 0u) + cw.nhead + (size_t)cw.ntail : 0;
    if (c->nparams + np > UINT32_MAX || c->nargs + nwords > UINT32_MAX)
        return qtr_fail(ctx, QTR_ELIMIT, "circuit pools exceed 2^32 entries");
    if (QTR_GROW(&c->alloc, c->inst, c->capinst, c->ninst + 1) ||
        (np && QTR_GROW(&c->alloc, c->params, c->capparams, c->nparams + np)) ||
        (nwords && QTR_GROW(&c->alloc, c->args, c->capargs, c->nargs + nwords)))
        return qtr_fail(ctx, QTR_ENOMEM, "appending instruction %zu", c->ninst);

    qtr_inst in = {(uint8_t)op, 0, (uint16_t)nargs, {0, 0}, 0};
    uint32_t pidx = (uint32_t)c->nparams;
    if (np) {
        memcpy(c->params + c->nparams, params, np * sizeof *params);
        c->nparams += np;
    }
    if (!ext) {
        for (uint32_t i = 0; i < nargs; i++) in.q[i] = q[i];
        in.p = np ? pidx : 0;
    } else {
        uint32_t *w = c->args + c->nargs;
        in.flags = QTR_IF_EXT | (cond ? QTR_IF_COND : 0);
        in.p = (uint32_t)c->nargs;
        memcpy(w, q, nargs * sizeof *q);
        w += nargs;
        if (np) *w++ = pidx;
        memcpy(w, cw.head, cw.nhead * sizeof *w);
        w += cw.nhead;
        if (cw.ntail) memcpy(w, cw.tail, cw.ntail * sizeof *w);
        /* keep the first two operands inline too: passes read q[] directly */
        in.q[0] = q[0];
        in.q[1] = nargs > 1 ? q[1] : 0;
        c->nargs += nwords;
    }
    c->inst[c->ninst++] = in;
    return QTR_OK;
}

qtr_status qtr_circuit_append(qtr_circuit *c, qtr_op op, const uint32_t *qubits,
                              uint32_t nargs, const double *params, qtr_ctx *ctx)
{
    /* The commonest call -- a parameterless gate on one or two distinct
     * qubits in range, with room in the array -- stored directly; anything
     * else (and every error) goes through the general path. */
    if (QTR_LIKELY((unsigned)op < QTR_OP_COUNT && nargs - 1u < 2u && c->ninst < c->capinst)) {
        const qtr_gate_info *g = qtr_gate(op);
        if (g->nqubits == nargs && !g->nparams && op != QTR_OP_MEASURE && op != QTR_OP_NOP &&
            qubits[0] < c->nqubits &&
            (nargs == 1 || (qubits[1] < c->nqubits && qubits[1] != qubits[0]))) {
            qtr_inst in = {(uint8_t)op, 0, (uint16_t)nargs, {qubits[0], nargs == 2 ? qubits[1] : 0}, 0};
            c->inst[c->ninst++] = in;
            return QTR_OK;
        }
    }
    return append(c, op, qubits, nargs, params, NULL, ctx);
}

qtr_status qtr_circuit_append_if(qtr_circuit *c, qtr_op op, const uint32_t *qubits,
                                 uint32_t nargs, const double *params, const qtr_cond *cond,
                                 qtr_ctx *ctx)
{
    return append(c, op, qubits, nargs, params, cond, ctx);
}

qtr_status qtr_circuit_append_cond(qtr_circuit *c, qtr_op op, const uint32_t *qubits,
                                   uint32_t nargs, const double *params, uint32_t creg,
                                   uint64_t value, qtr_ctx *ctx)
{
    uint32_t words[2] = {(uint32_t)value, (uint32_t)(value >> 32)};
    qtr_cond k = {0, creg, 2, words};
    return append(c, op, qubits, nargs, params, &k, ctx);
}

qtr_status qtr_circuit_append_cond_wide(qtr_circuit *c, qtr_op op, const uint32_t *qubits,
                                        uint32_t nargs, const double *params, uint32_t creg,
                                        const uint32_t *words, uint32_t nwords, qtr_ctx *ctx)
{
    qtr_cond k = {0, creg, nwords, words};
    return append(c, op, qubits, nargs, params, &k, ctx);
}

qtr_status qtr_circuit_append_cond_bit(qtr_circuit *c, qtr_op op, const uint32_t *qubits,
                                       uint32_t nargs, const double *params, uint32_t clbit,
                                       int value, qtr_ctx *ctx)
{
    uint32_t v = (uint32_t)value;
    qtr_cond k = {1, clbit, 1, &v};
    return append(c, op, qubits, nargs, params, &k, ctx);
}

/* ---- gates without a definition ------------------------------------------------ */

qtr_status qtr_circuit_declare_opaque(qtr_circuit *c, const char *name, uint32_t nqubits,
                                      uint32_t nparams, uint32_t *index, qtr_ctx *ctx)
{
    for (size_t i = 0; i < c->nopaques; i++) {
        const qtr_opaque *o = &c->opaques[i];
        if (strcmp(o->name, name)) continue;
        if (o->nqubits != nqubits || o->nparams != nparams)
            return qtr_fail(ctx, QTR_EINVAL, "opaque gate '%s' declared with %u qubits and %u "
                            "parameters, and with %u and %u", name, o->nqubits, o->nparams,
                            nqubits, nparams);
        *index = (uint32_t)i;
        return QTR_OK;
    }
    if (!nqubits || nqubits > UINT16_MAX)
        return qtr_fail(ctx, QTR_EINVAL, "opaque gate '%s' on %u qubits", name, nqubits);
    size_t len = strlen(name) + 1;
    char *copy = NULL;
    if (QTR_GROW(&c->alloc, c->opaques, c->capopaques, c->nopaques + 1) ||
        !(copy = qtr_realloc(&c->alloc, NULL, 0, len)))
        return qtr_fail(ctx, QTR_ENOMEM, "opaque gate table");
    memcpy(copy, name, len);
    c->opaques[c->nopaques] = (qtr_opaque){copy, nqubits, nparams};
    *index = (uint32_t)c->nopaques++;
    return QTR_OK;
}

qtr_status qtr_circuit_append_opaque(qtr_circuit *c, uint32_t index, const uint32_t *qubits,
                                     const double *params, qtr_ctx *ctx)
{
    if (index >= c->nopaques)
        return qtr_fail(ctx, QTR_EINVAL, "opaque gate %u of %zu", index, c->nopaques);
    const qtr_opaque *o = &c->opaques[index];
    qtr_status st = check_operands(c, QTR_OP_OPAQUE, qubits, o->nqubits, ctx);
    if (st) return st;
    size_t nwords = o->nqubits + 2u;
    if (c->nparams + o->nparams > UINT32_MAX || c->nargs + nwords > UINT32_MAX)
        return qtr_fail(ctx, QTR_ELIMIT, "circuit pools exceed 2^32 entries");
    if (QTR_GROW(&c->alloc, c->inst, c->capinst, c->ninst + 1) ||
        (o->nparams && QTR_GROW(&c->alloc, c->params, c->capparams, c->nparams + o->nparams)) ||
        QTR_GROW(&c->alloc, c->args, c->capargs, c->nargs + nwords))
        return qtr_fail(ctx, QTR_ENOMEM, "appending instruction %zu", c->ninst);
    uint32_t *w = c->args + c->nargs;
    memcpy(w, qubits, o->nqubits * sizeof *w);
    w[o->nqubits] = index;
    w[o->nqubits + 1] = (uint32_t)c->nparams;
    if (o->nparams) memcpy(c->params + c->nparams, params, o->nparams * sizeof *params);
    c->nparams += o->nparams;
    qtr_inst in = {QTR_OP_OPAQUE, QTR_IF_EXT, (uint16_t)o->nqubits,
                   {qubits[0], o->nqubits > 1 ? qubits[1] : 0}, (uint32_t)c->nargs};
    c->nargs += nwords;
    c->inst[c->ninst++] = in;
    return QTR_OK;
}

const char *qtr_circuit_first_opaque(const qtr_circuit *c)
{
    for (size_t i = 0; i < c->ninst; i++)
        if (c->inst[i].op == QTR_OP_OPAQUE) return c->opaques[c->args[c->inst[i].p + c->inst[i].nargs]].name;
    return NULL;
}

/* ---- access -------------------------------------------------------------- */

/* qtr_inst_operands, qtr_inst_params, qtr_inst_condition: inline in qtr.h. */

/* ---- whole-circuit operations --------------------------------------------- */

static qtr_status copy_array(qtr_alloc *a, void **dst, size_t *dcap, const void *src, size_t n,
                             size_t elem)
{
    if (!n) return QTR_OK;
    if (qtr_grow(a, dst, dcap, n, elem)) return QTR_ENOMEM;
    memcpy(*dst, src, n * elem);
    return QTR_OK;
}

/* The parameter names and expression pool of @p c into the empty @p d. */
static qtr_status copy_symbols(qtr_circuit *d, const qtr_circuit *c, qtr_ctx *ctx)
{
    if (copy_array(&d->alloc, (void **)&d->expr, &d->capexpr, c->expr, c->nexpr, sizeof *c->expr) ||
        (c->npnames && QTR_GROW(&d->alloc, d->pnames, d->cappnames, c->npnames)))
        return qtr_fail(ctx, QTR_ENOMEM, "copying %zu expression nodes", c->nexpr);
    d->nexpr = c->nexpr;
    for (size_t i = 0; i < c->npnames; i++) {
        size_t len = strlen(c->pnames[i]) + 1;
        if (!(d->pnames[i] = qtr_realloc(&d->alloc, NULL, 0, len)))
            return qtr_fail(ctx, QTR_ENOMEM, "copying parameter names");
        memcpy(d->pnames[i], c->pnames[i], len);
        d->npnames = i + 1;
    }
    d->sym_phase = c->sym_phase;
    return QTR_OK;
}

qtr_status qtr_circuit_clone(const qtr_circuit *c, qtr_circuit **out, qtr_ctx *ctx)
{
    qtr_circuit *d = qtr_circuit_new(0);
    qtr_status st = QTR_OK;
    if (!d) return qtr_fail(ctx, QTR_ENOMEM, "cloning a circuit");
    d->alloc.limit = c->alloc.limit;   /* a copy works within the same budget */
    for (size_t i = 0; i < c->nqregs && !st; i++)
        st = qtr_circuit_add_qreg(d, c->qregs[i].name, c->qregs[i].size, ctx);
    for (size_t i = 0; i < c->ncregs && !st; i++)
        st = qtr_circuit_add_creg(d, c->cregs[i].name, c->cregs[i].size, ctx);
    if (st) goto fail;
    /* registers may not cover every bit (circuits built through the API) */
    d->nqubits = c->nqubits;
    d->nclbits = c->nclbits;
    if (copy_array(&d->alloc, (void **)&d->inst, &d->capinst, c->inst, c->ninst, sizeof *c->inst) ||
        copy_array(&d->alloc, (void **)&d->params, &d->capparams, c->params, c->nparams,
                   sizeof *c->params) ||
        copy_array(&d->alloc, (void **)&d->args, &d->capargs, c->args, c->nargs, sizeof *c->args)) {
        st = qtr_fail(ctx, QTR_ENOMEM, "cloning %zu instructions", c->ninst);
        goto fail;
    }
    d->ninst = c->ninst;
    d->nparams = c->nparams;
    d->nargs = c->nargs;
    d->global_phase = c->global_phase;
    if (c->name) {
        size_t len = strlen(c->name) + 1;
        d->name = qtr_realloc(&d->alloc, NULL, 0, len);
        if (!d->name) {
            st = qtr_fail(ctx, QTR_ENOMEM, "cloning the circuit name");
            goto fail;
        }
        memcpy(d->name, c->name, len);
    }
    if ((st = copy_symbols(d, c, ctx))) goto fail;
    for (size_t i = 0; i < c->nopaques && !st; i++) {
        uint32_t k;
        st = qtr_circuit_declare_opaque(d, c->opaques[i].name, c->opaques[i].nqubits,
                                        c->opaques[i].nparams, &k, ctx);
    }
    if (st) goto fail;
    *out = d;
    return QTR_OK;
fail:
    qtr_circuit_free(d);
    return st;
}

void qtr_circuit_compact(qtr_circuit *c)
{
    size_t w = 0;
    for (size_t r = 0; r < c->ninst; r++)
        if (c->inst[r].op != QTR_OP_NOP) c->inst[w++] = c->inst[r];
    c->ninst = w;
    /* pool entries of removed records stay until the next rebuild; they are
     * unreachable and counted, never read */
}

void qtr_circuit_clear_ops(qtr_circuit *c)
{
    /* parameters stay declared and their nodes stay: angles a caller holds
     * for them remain valid */
    c->ninst = c->nparams = c->nargs = 0;
    c->global_phase = 0;
    c->sym_phase = 0;
}

/* Every reference in the pool and the phase names an existing node; every
 * node refers to earlier nodes or declared parameters. */
static qtr_status check_symbols(const qtr_circuit *c, qtr_ctx *ctx)
{
    for (size_t i = 0; i < c->nexpr; i++) {
        const qtr_expr_node *n = &c->expr[i];
        int bad = n->op >= QTR_EX_COUNT ||
                  (n->op == QTR_EX_PARAM && n->a >= c->npnames) ||
                  (n->op > QTR_EX_PARAM && n->a >= i) ||
                  (n->op >= QTR_EX_ADD && n->u.b >= i);
        if (bad) return qtr_fail(ctx, QTR_EINVAL, "expression node %zu is malformed", i);
    }
    if (qtr_angle_is_sym(c->sym_phase) && qtr_angle_node(c->sym_phase) >= c->nexpr)
        return qtr_fail(ctx, QTR_EINVAL, "the symbolic phase refers to a missing node");
    return QTR_OK;
}

/* Each symbolic angle of @p in refers to an existing node. (Numbers are not
 * checked: a NaN angle is the caller's business, as it always was.) */
static qtr_status check_angles(const qtr_circuit *c, const qtr_inst *in, qtr_ctx *ctx)
{
    unsigned np = qtr_gate((qtr_op)in->op)->nparams;
    const double *p = np ? qtr_inst_params(c, in) : NULL;
    for (unsigned k = 0; k < np; k++)
        if (qtr_angle_is_sym(p[k]) && qtr_angle_node(p[k]) >= c->nexpr)
            return qtr_fail(ctx, QTR_EINVAL, "angle %u refers to a missing expression", k);
    return QTR_OK;
}

/* A stored condition: one of the three forms of qtr.h, the shortest one,
 * in range. */
static qtr_status check_stored_cond(const qtr_circuit *c, const qtr_inst *in, qtr_ctx *ctx)
{
    const uint32_t *w = qtr_inst_cond_raw(c, in);
    uint32_t kind = w[0] & QTR_COND_BIT;
    if (kind == QTR_COND_BIT ? w[0] != QTR_COND_BIT
        : kind == QTR_COND_WIDE && (w[0] - QTR_COND_WIDE < 3 || !w[qtr_cond_words(w) - 1]))
        return qtr_fail(ctx, QTR_EINVAL, "malformed condition (first word %#x)", w[0]);
    qtr_cond k;
    qtr_inst_cond(c, in, &k);
    return check_cond(c, &k, ctx);
}

/* An opaque record: EXT, unconditioned, its table entry and parameters in
 * range, as many qubits as its entry says. */
static qtr_status check_opaque(const qtr_circuit *c, const qtr_inst *in, qtr_ctx *ctx)
{
    if (in->flags != QTR_IF_EXT || (size_t)in->p + in->nargs + 2 > c->nargs) return QTR_EINVAL;
    const uint32_t *w = c->args + in->p + in->nargs;
    if (w[0] >= c->nopaques) return QTR_EINVAL;
    const qtr_opaque *o = &c->opaques[w[0]];
    if (o->nqubits != in->nargs || (o->nparams && (size_t)w[1] + o->nparams > c->nparams))
        return QTR_EINVAL;
    (void)ctx;
    return QTR_OK;
}

qtr_status qtr_circuit_check(const qtr_circuit *c, qtr_ctx *ctx)
{
    qtr_status st0 = check_symbols(c, ctx);
    if (st0) return st0;
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        if (in->op >= QTR_OP_COUNT)
            return qtr_fail(ctx, QTR_EINVAL, "record %zu: op %u out of range", i, in->op);
        if (in->flags & ~(QTR_IF_EXT | QTR_IF_COND))
            return qtr_fail(ctx, QTR_EINVAL, "record %zu: reserved flag bits set", i);
        if ((in->flags & QTR_IF_COND) && !(in->flags & QTR_IF_EXT))
            return qtr_fail(ctx, QTR_EINVAL, "record %zu: COND without EXT", i);
        if (in->op == QTR_OP_NOP) continue;
        /* Writers make a record EXT only when its operands do not fit inline;
         * an EXT record of 2 operands or fewer could point into an empty pool. */
        if (in->flags == QTR_IF_EXT && in->nargs <= 2 && in->op != QTR_OP_OPAQUE)
            return qtr_fail(ctx, QTR_EINVAL, "record %zu: EXT record of %u operands without a condition", i, in->nargs);
        size_t np = qtr_gate((qtr_op)in->op)->nparams;
        if (in->flags & QTR_IF_EXT) {
            size_t base = (size_t)in->p + in->nargs + (np ? 1 : 0);
            if (base + ((in->flags & QTR_IF_COND) ? 1 : 0) > c->nargs ||
                (size_t)in->p + qtr_inst_ext_words(c, in) > c->nargs)
                return qtr_fail(ctx, QTR_EINVAL, "record %zu: operand pool index out of range", i);
            if (np && (size_t)c->args[in->p + in->nargs] + np > c->nparams)
                return qtr_fail(ctx, QTR_EINVAL, "record %zu: parameter index out of range", i);
        } else {
            if (in->nargs > 2)
                return qtr_fail(ctx, QTR_EINVAL, "record %zu: %u inline operands", i, in->nargs);
            if (np && (size_t)in->p + np > c->nparams)
                return qtr_fail(ctx, QTR_EINVAL, "record %zu: parameter index out of range", i);
        }
        if (in->op == QTR_OP_OPAQUE && (st0 = check_opaque(c, in, ctx)))
            return qtr_fail(ctx, st0, "record %zu: opaque gate malformed", i);
        qtr_status st = check_operands(c, (qtr_op)in->op, qtr_inst_operands(c, in), in->nargs, ctx);
        if (!st) st = check_angles(c, in, ctx);
        if (st) {
            char why[sizeof ctx->msg];   /* vsnprintf must not read its own output buffer */
            snprintf(why, sizeof why, "%s", ctx ? ctx->msg : "");
            return qtr_fail(ctx, st, "record %zu: %s", i, why);
        }
        if ((in->flags & QTR_IF_COND) && (st = check_stored_cond(c, in, ctx))) {
            char why[sizeof ctx->msg];
            snprintf(why, sizeof why, "%s", ctx ? ctx->msg : "");
            return qtr_fail(ctx, st, "record %zu: %s", i, why);
        }
    }
    return QTR_OK;
}

static int regs_equal(const qtr_reg *a, const qtr_reg *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i].size != b[i].size || a[i].first != b[i].first || strcmp(a[i].name, b[i].name))
            return 0;
    return 1;
}

/* Numbers bit-exact; expressions by their text (each names its own pool). */
static int angles_equal(const qtr_circuit *a, double x, const qtr_circuit *b, double y)
{
    if (!qtr_angle_is_sym(x) || !qtr_angle_is_sym(y)) return !memcmp(&x, &y, sizeof x);
    char tx[256], ty[256];
    size_t nx = qtr_expr_print(a, x, tx, sizeof tx), ny = qtr_expr_print(b, y, ty, sizeof ty);
    return nx == ny && nx < sizeof tx && !strcmp(tx, ty);
}

int qtr_circuit_equal(const qtr_circuit *a, const qtr_circuit *b)
{
    if (a->npnames != b->npnames || !angles_equal(a, a->sym_phase, b, b->sym_phase)) return 0;
    for (size_t i = 0; i < a->npnames; i++)
        if (strcmp(a->pnames[i], b->pnames[i])) return 0;
    if (a->nqubits != b->nqubits || a->nclbits != b->nclbits || a->ninst != b->ninst ||
        a->nqregs != b->nqregs || a->ncregs != b->ncregs ||
        !regs_equal(a->qregs, b->qregs, a->nqregs) || !regs_equal(a->cregs, b->cregs, a->ncregs))
        return 0;
    for (size_t i = 0; i < a->ninst; i++) {
        const qtr_inst *x = &a->inst[i], *y = &b->inst[i];
        if (x->op != y->op || x->nargs != y->nargs) return 0;
        if (memcmp(qtr_inst_operands(a, x), qtr_inst_operands(b, y), x->nargs * sizeof(uint32_t)))
            return 0;
        size_t np = qtr_gate((qtr_op)x->op)->nparams;
        const double *pa = np ? qtr_inst_params(a, x) : NULL, *pb = np ? qtr_inst_params(b, y) : NULL;
        if (x->op == QTR_OP_OPAQUE) {
            const qtr_opaque *oa = qtr_inst_opaque(a, x, &pa), *ob = qtr_inst_opaque(b, y, &pb);
            if (strcmp(oa->name, ob->name) || oa->nparams != ob->nparams) return 0;
            np = oa->nparams;
        }
        for (size_t k = 0; k < np; k++)
            if (!angles_equal(a, pa[k], b, pb[k])) return 0;
        qtr_cond ka, kb;
        int ha = qtr_inst_cond(a, x, &ka), hb = qtr_inst_cond(b, y, &kb);
        if (ha != hb) return 0;
        if (ha && (ka.on_bit != kb.on_bit || ka.index != kb.index || ka.nwords != kb.nwords ||
                   memcmp(ka.words, kb.words, ka.nwords * sizeof *ka.words)))
            return 0;
    }
    return 1;
}

qtr_status qtr_circuit_remap_qubits(qtr_circuit *c, const uint32_t *map, uint32_t new_nqubits,
                                    qtr_ctx *ctx)
{
    if (new_nqubits < c->nqubits)
        return qtr_fail(ctx, QTR_EINVAL, "remap to %u qubits, circuit has %u", new_nqubits,
                        c->nqubits);
    /* distinct targets, in one pass: a program on physical qubit $16000000
     * has that many (a pairwise check took hours) */
    uint32_t *owner = malloc((new_nqubits ? new_nqubits : 1) * sizeof *owner);
    if (!owner) return qtr_fail(ctx, QTR_ENOMEM, "remap: out of memory");
    memset(owner, 0xff, (size_t)new_nqubits * sizeof *owner);
    for (uint32_t v = 0; v < c->nqubits; v++) {
        if (map[v] >= new_nqubits) {
            free(owner);
            return qtr_fail(ctx, QTR_EINVAL, "remap: qubit %u to %u, outside 0..%u", v, map[v],
                            new_nqubits - 1);
        }
        if (owner[map[v]] != UINT32_MAX) {
            uint32_t w = owner[map[v]];
            free(owner);
            return qtr_fail(ctx, QTR_EINVAL, "remap: qubits %u and %u both to %u", w, v, map[v]);
        }
        owner[map[v]] = v;
    }
    free(owner);
    /* the new register first, so a failure leaves the circuit unchanged */
    qtr_reg *regs = NULL;
    size_t cap = 0;
    char *name = qtr_realloc(&c->alloc, NULL, 0, 2);
    if (!name || qtr_grow(&c->alloc, (void **)&regs, &cap, 1, sizeof *regs)) {
        if (name) qtr_realloc(&c->alloc, name, 2, 0);
        return qtr_fail(ctx, QTR_ENOMEM, "physical register");
    }
    memcpy(name, "q", 2);
    regs[0] = (qtr_reg){name, new_nqubits, 0};

    uint32_t identity = 1;   /* the trivial layout: no operand changes */
    for (uint32_t v = 0; v < c->nqubits && identity; v++) identity = map[v] == v;
    for (size_t i = 0; i < c->ninst && !identity; i++) {
        qtr_inst *in = &c->inst[i];
        if (in->op == QTR_OP_NOP) continue;
        uint32_t nq = in->op == QTR_OP_MEASURE ? 1 : in->nargs;
        uint32_t *q = (in->flags & QTR_IF_EXT) ? c->args + in->p : in->q;
        for (uint32_t k = 0; k < nq; k++) q[k] = map[q[k]];
        if (in->flags & QTR_IF_EXT) { /* keep the inline copy in step */
            in->q[0] = q[0];
            if (in->nargs > 1 && in->op != QTR_OP_MEASURE) in->q[1] = q[1];
        }
    }
    free_regs(&c->alloc, c->qregs, c->nqregs, c->capqregs);
    c->qregs = regs;
    c->nqregs = 1;
    c->capqregs = cap;
    c->nqubits = new_nqubits;
    return QTR_OK;
}

qtr_status qtr_circuit_append_all(qtr_circuit *dst, const qtr_circuit *src, qtr_ctx *ctx)
{
    if (src->nqubits > dst->nqubits || src->nclbits > dst->nclbits || src->ncregs > dst->ncregs)
        return qtr_fail(ctx, QTR_EINVAL, "append_all: destination has fewer bits or registers");
    if (qtr_circuit_is_symbolic(src))
        return qtr_fail(ctx, QTR_EUNSUPPORTED, "append_all: symbolic angles are not carried "
                        "between circuits");
    if (dst->nparams + src->nparams > UINT32_MAX || dst->nargs + src->nargs > UINT32_MAX)
        return qtr_fail(ctx, QTR_ELIMIT, "circuit pools exceed 2^32 entries");
    if (QTR_GROW(&dst->alloc, dst->inst, dst->capinst, dst->ninst + src->ninst) ||
        (src->nparams && QTR_GROW(&dst->alloc, dst->params, dst->capparams, dst->nparams + src->nparams)) ||
        (src->nargs && QTR_GROW(&dst->alloc, dst->args, dst->capargs, dst->nargs + src->nargs)))
        return qtr_fail(ctx, QTR_ENOMEM, "appending %zu instructions", src->ninst);
    /* the source's opaque gates in the destination's table (before anything
     * else changes: a conflict leaves the instructions as they were) */
    uint32_t *omap = NULL;
    if (src->nopaques && !(omap = malloc(src->nopaques * sizeof *omap)))
        return qtr_fail(ctx, QTR_ENOMEM, "appending %zu opaque gates", src->nopaques);
    for (size_t i = 0; i < src->nopaques; i++) {
        const qtr_opaque *o = &src->opaques[i];
        qtr_status st = qtr_circuit_declare_opaque(dst, o->name, o->nqubits, o->nparams, &omap[i], ctx);
        if (st) {
            free(omap);
            return st;
        }
    }
    /* pool indices move by the destination's current pool sizes */
    uint32_t poff = (uint32_t)dst->nparams, aoff = (uint32_t)dst->nargs;
    qtr_inst *o = dst->inst + dst->ninst;
    memcpy(o, src->inst, src->ninst * sizeof *o);
    if (src->nparams) memcpy(dst->params + dst->nparams, src->params, src->nparams * sizeof(double));
    if (src->nargs) memcpy(dst->args + dst->nargs, src->args, src->nargs * sizeof(uint32_t));
    if (poff || aoff || omap) {
        for (size_t i = 0; i < src->ninst; i++) {
            qtr_inst *in = &o[i];
            int np = qtr_gate((qtr_op)in->op)->nparams != 0;
            if (in->op == QTR_OP_OPAQUE) {
                in->p += aoff;
                uint32_t *w = dst->args + in->p + in->nargs;
                w[0] = omap[w[0]];
                w[1] += poff;
            } else if (in->flags & QTR_IF_EXT) {
                in->p += aoff;
                if (np) dst->args[in->p + in->nargs] += poff;
            } else if (np) {
                in->p += poff;
            }
        }
    }
    free(omap);
    dst->ninst += src->ninst;
    dst->nparams += src->nparams;
    dst->nargs += src->nargs;
    return QTR_OK;
}
