/* h5_block.c -- the rows of an HDF5 batch in memory (qtr_h5_block, format v1:
 * doc/hdf5-format.md), and a row decoded back into a circuit.
 *
 * Owns: the arrays of a block. Borrows: the circuits and results it copies
 * from, or, for a block built with qtr_h5_block_add_result_ref, refers to
 * until it is written. Invariant: a block's rows are sorted by row number and
 * its pool arrays hold their segments back to back in row order (row k's
 * segment of pool p starts at row[k].local[p]).
 *
 * No HDF5 here: blocks are built, decoded and freed on any thread. Decoding
 * (qtr_h5_block_circuit) trusts nothing a file said: registers, gate codes,
 * phases and parameters are checked and the circuit goes through
 * qtr_circuit_check, so a malformed row becomes that row's error. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "common.h"
#include "h5_internal.h"

void qtr_h5_block_init(qtr_h5_block *b) { memset(b, 0, sizeof *b); }

void qtr_h5_block_clear(qtr_h5_block *b)
{
    b->n = 0;
    b->ninst = b->nparams = b->nargs = b->nregs = b->nlayout = b->ntext = b->nmsgs = 0;
    b->refs = 0;
    b->pre = NULL;
    b->npre = 0;
}

void qtr_h5_block_fini(qtr_h5_block *b)
{
    qtr_alloc *a = &b->alloc;
    qtr_realloc(a, b->row, b->cap * sizeof *b->row, 0);
    qtr_realloc(a, b->inst, b->capinst * sizeof *b->inst, 0);
    qtr_realloc(a, b->params, b->capparams * sizeof *b->params, 0);
    qtr_realloc(a, b->args, b->capargs * sizeof *b->args, 0);
    qtr_realloc(a, b->regs, b->capregs * sizeof *b->regs, 0);
    qtr_realloc(a, b->layout0, b->caplayout * sizeof *b->layout0, 0);
    qtr_realloc(a, b->layout1, b->caplayout * sizeof *b->layout1, 0);
    qtr_realloc(a, b->text, b->captext, 0);
    qtr_realloc(a, b->msgs, b->capmsgs, 0);
    qtr_realloc(a, b->src, b->capsrc * sizeof *b->src, 0);
    memset(b, 0, sizeof *b);
}

/* Grow the two layout arrays together (they share one capacity). */
int qtr_h5_block_grow_layout(qtr_h5_block *b, size_t need)
{
    if (need <= b->caplayout) return 0;
    size_t cap0 = b->caplayout, cap1 = b->caplayout;
    if (QTR_GROW(&b->alloc, b->layout0, cap0, need)) return -1;
    if (QTR_GROW(&b->alloc, b->layout1, cap1, need)) {
        /* keep the two capacities equal: shrink layout0's bookkeeping back */
        uint32_t *p = qtr_realloc(&b->alloc, b->layout0, cap0 * sizeof *b->layout0,
                                  b->caplayout * sizeof *b->layout0);
        if (p || !b->caplayout) b->layout0 = p;
        return -1;
    }
    b->caplayout = cap0;
    return 0;
}

/* Append a new row (zeroed) for @p index; rows must arrive in order. */
static qtr_status new_row(qtr_h5_block *b, uint64_t index, const char *name, qtr_h5_row **out,
                          qtr_ctx *ctx)
{
    if (b->n && index <= b->row[b->n - 1].index)
        return qtr_fail(ctx, QTR_EINVAL, "block rows out of order: %llu after %llu",
                        (unsigned long long)index, (unsigned long long)b->row[b->n - 1].index);
    if (QTR_GROW(&b->alloc, b->row, b->cap, b->n + 1))
        return qtr_fail(ctx, QTR_ENOMEM, "block of %zu rows", b->n + 1);
    qtr_h5_row *r = &b->row[b->n];
    memset(r, 0, sizeof *r);
    r->index = index;
    r->local[QTR_H5_POOL_INST] = b->ninst;
    r->local[QTR_H5_POOL_PARAMS] = b->nparams;
    r->local[QTR_H5_POOL_ARGS] = b->nargs;
    r->local[QTR_H5_POOL_REGS] = b->nregs;
    r->local[QTR_H5_POOL_LAYOUT] = b->nlayout;
    r->local[QTR_H5_POOL_TEXT] = b->ntext;
    if (name) snprintf(r->name, sizeof r->name, "%s", name);
    *out = r;
    return QTR_OK;
}

/* Store a message in the block's message pool; returns its 1-based handle. */
size_t qtr_h5_block_put_msg(qtr_h5_block *b, const char *msg)
{
    size_t len = strnlen(msg, QTR_H5_MSG_LEN - 1);
    if (QTR_GROW(&b->alloc, b->msgs, b->capmsgs, b->nmsgs + len + 1)) return 0;
    size_t at = b->nmsgs;
    memcpy(b->msgs + at, msg, len);
    b->msgs[at + len] = '\0';
    b->nmsgs += len + 1;
    return at + 1;
}

const char *qtr_h5_block_message(const qtr_h5_block *b, size_t k)
{
    return b->row[k].message ? b->msgs + b->row[k].message - 1 : "";
}

const char *qtr_h5_block_defect(const qtr_h5_block *b, size_t k)
{
    return b->row[k].defect ? b->msgs + b->row[k].defect - 1 : NULL;
}

const char *qtr_h5_block_text(const qtr_h5_block *b, size_t k)
{
    return b->text + b->row[k].local[QTR_H5_POOL_TEXT];
}

const uint32_t *qtr_h5_block_initial_layout(const qtr_h5_block *b, size_t k)
{
    return b->layout0 + b->row[k].local[QTR_H5_POOL_LAYOUT];
}

const uint32_t *qtr_h5_block_output_permutation(const qtr_h5_block *b, size_t k)
{
    return b->layout1 + b->row[k].local[QTR_H5_POOL_LAYOUT];
}

/* Copy @p c's records, pools and registers into the block's pools for row
 * @p r; with @p borrow, only its registers (the row refers to c for the
 * rest: b->src). */
static qtr_status put_circuit(qtr_h5_block *b, qtr_h5_row *r, const qtr_circuit *c, int borrow,
                              qtr_ctx *ctx)
{
    if (qtr_circuit_is_symbolic(c))
        return qtr_fail(ctx, QTR_EUNSUPPORTED, "circuit %llu has unbound parameters; the HDF5 "
                        "store holds bound circuits only (bind them first)",
                        (unsigned long long)r->index);
    const char *opaque = qtr_circuit_first_opaque(c);
    if (opaque)   /* records hold table ops; the store keeps no opaque table */
        return qtr_fail(ctx, QTR_EUNSUPPORTED, "circuit %llu applies the opaque gate '%s', which "
                        "instruction records cannot name; store its QASM text instead (pack "
                        "--qasm)", (unsigned long long)r->index, opaque);
    size_t nregs = c->nqregs + c->ncregs;
    if ((!borrow && (QTR_GROW(&b->alloc, b->inst, b->capinst, b->ninst + c->ninst) ||
                     QTR_GROW(&b->alloc, b->params, b->capparams, b->nparams + c->nparams) ||
                     QTR_GROW(&b->alloc, b->args, b->capargs, b->nargs + c->nargs))) ||
        QTR_GROW(&b->alloc, b->regs, b->capregs, b->nregs + nregs))
        return qtr_fail(ctx, QTR_ENOMEM, "block: circuit of %zu records", c->ninst);
    for (size_t i = 0; i < nregs; i++) {
        const qtr_reg *g = i < c->nqregs ? &c->qregs[i] : &c->cregs[i - c->nqregs];
        if (strlen(g->name) > QTR_H5_REGNAME_LEN)
            return qtr_fail(ctx, QTR_EINVAL, "register name '%.40s...' is longer than %d bytes",
                            g->name, QTR_H5_REGNAME_LEN);
    }
    if (!borrow) {
        if (c->ninst) memcpy(b->inst + b->ninst, c->inst, c->ninst * sizeof *c->inst);
        if (c->nparams) memcpy(b->params + b->nparams, c->params, c->nparams * sizeof *c->params);
        if (c->nargs) memcpy(b->args + b->nargs, c->args, c->nargs * sizeof *c->args);
    }
    for (size_t i = 0; i < nregs; i++) {
        const qtr_reg *g = i < c->nqregs ? &c->qregs[i] : &c->cregs[i - c->nqregs];
        qtr_h5_reg *o = &b->regs[b->nregs + i];
        memset(o, 0, sizeof *o);
        o->kind = i < c->nqregs ? 0 : 1;
        o->size = g->size;
        memcpy(o->name, g->name, strlen(g->name));
    }
    r->count[QTR_H5_POOL_INST] = c->ninst;
    r->count[QTR_H5_POOL_PARAMS] = c->nparams;
    r->count[QTR_H5_POOL_ARGS] = c->nargs;
    r->count[QTR_H5_POOL_REGS] = nregs;
    if (!borrow) {
        b->ninst += c->ninst;
        b->nparams += c->nparams;
        b->nargs += c->nargs;
    }
    b->nregs += nregs;
    r->nqubits = c->nqubits;
    r->nclbits = c->nclbits;
    r->global_phase = c->global_phase;
    return QTR_OK;
}

qtr_status qtr_h5_block_add_circuit(qtr_h5_block *b, uint64_t index, const qtr_circuit *c,
                                    const char *name, qtr_ctx *ctx)
{
    qtr_h5_row *r;
    qtr_status st = new_row(b, index, name, &r, ctx);
    if (!st && b->refs) st = qtr_fail(ctx, QTR_EINVAL, "%s: the block refers to its circuits", __func__);
    if (!st) st = put_circuit(b, r, c, 0, ctx);
    if (st) return st;           /* pools rolled back: counts never advanced */
    b->n++;
    return QTR_OK;
}

qtr_status qtr_h5_block_add_text(qtr_h5_block *b, uint64_t index, const char *text, size_t len,
                                 const char *name, double cost, qtr_ctx *ctx)
{
    qtr_h5_row *r;
    qtr_status st = new_row(b, index, name, &r, ctx);
    if (st) return st;
    if (QTR_GROW(&b->alloc, b->text, b->captext, b->ntext + len + 1))
        return qtr_fail(ctx, QTR_ENOMEM, "block: %zu bytes of QASM text", len);
    memcpy(b->text + b->ntext, text, len);
    b->text[b->ntext + len] = '\0';  /* not counted: a convenience for parsers */
    r->count[QTR_H5_POOL_TEXT] = len;
    r->cost = cost;
    b->ntext += len + 1;
    b->n++;
    return QTR_OK;
}

static void stats_from(uint64_t *s, const qtr_result *r, int with_out)
{
    s[QTR_H5_STAT_N2Q_IN] = r->in.n2q;
    s[QTR_H5_STAT_DEPTH_IN] = r->in.depth;
    s[QTR_H5_STAT_SIZE_IN] = r->in.size;
    if (!with_out) return;
    s[QTR_H5_STAT_N2Q] = r->out.n2q;
    s[QTR_H5_STAT_DEPTH] = r->out.depth;
    s[QTR_H5_STAT_DEPTH_2Q] = r->out.depth_2q;
    s[QTR_H5_STAT_SIZE] = r->out.size;
    s[QTR_H5_STAT_SWAPS] = r->swaps;
    s[QTR_H5_STAT_PEAK_BYTES] = r->peak_bytes;
}

static qtr_status add_result(qtr_h5_block *b, uint64_t index, const char *name, uint8_t status,
                             const qtr_circuit *c, const qtr_result *r, qtr_status code,
                             const char *message, double seconds, int borrow, qtr_ctx *ctx)
{
    if (status == QTR_H5_OK && (!c || !r))
        return qtr_fail(ctx, QTR_EINVAL, "add_result: an ok row needs its circuit and result");
    if (b->n && b->refs != borrow)
        return qtr_fail(ctx, QTR_EINVAL, "add_result: a block refers to all its circuits or to none");
    b->refs = borrow;
    if (borrow && QTR_GROW(&b->alloc, b->src, b->capsrc, b->n + 1))
        return qtr_fail(ctx, QTR_ENOMEM, "block: circuit references");
    qtr_h5_row *row;
    qtr_status st = new_row(b, index, name, &row, ctx);
    if (st) return st;
    if (borrow) b->src[b->n] = status == QTR_H5_OK ? c : NULL;
    row->status = status;
    row->code = (uint8_t)code;
    row->seconds = seconds;
    if (message && message[0] && !(row->message = qtr_h5_block_put_msg(b, message)))
        return qtr_fail(ctx, QTR_ENOMEM, "block: message");
    if (r) stats_from(row->stats, r, status == QTR_H5_OK);
    if (status == QTR_H5_OK) {
        size_t nv = r->nvirtual;
        if (qtr_h5_block_grow_layout(b, b->nlayout + nv))
            return qtr_fail(ctx, QTR_ENOMEM, "block: layout of %zu qubits", nv);
        if ((st = put_circuit(b, row, c, borrow, ctx))) return st;
        if (nv) {
            memcpy(b->layout0 + b->nlayout, r->initial_layout, nv * sizeof(uint32_t));
            memcpy(b->layout1 + b->nlayout, r->output_permutation, nv * sizeof(uint32_t));
        }
        row->count[QTR_H5_POOL_LAYOUT] = nv;
        b->nlayout += nv;
    }
    b->n++;
    return QTR_OK;
}

qtr_status qtr_h5_block_add_result(qtr_h5_block *b, uint64_t index, const char *name,
                                   uint8_t status, const qtr_circuit *c, const qtr_result *r,
                                   qtr_status code, const char *message, double seconds,
                                   qtr_ctx *ctx)
{
    return add_result(b, index, name, status, c, r, code, message, seconds, 0, ctx);
}

qtr_status qtr_h5_block_add_result_ref(qtr_h5_block *b, uint64_t index, const char *name,
                                       uint8_t status, const qtr_circuit *c, const qtr_result *r,
                                       qtr_status code, const char *message, double seconds,
                                       qtr_ctx *ctx)
{
    return add_result(b, index, name, status, c, r, code, message, seconds, 1, ctx);
}

void qtr_h5_block_place(qtr_h5_block *b, const uint64_t base[QTR_H5_NFILEPOOLS],
                        uint64_t end[QTR_H5_NFILEPOOLS])
{
    uint64_t at[QTR_H5_NFILEPOOLS];
    memcpy(at, base, sizeof at);
    for (size_t k = 0; k < b->n; k++)
        for (int p = 0; p < QTR_H5_NFILEPOOLS; p++) {
            b->row[k].start[p] = at[p];
            at[p] += b->row[k].count[p];
        }
    memcpy(end, at, sizeof at);
}

/* A QASM 2 identifier as a register name: [a-z][A-Za-z0-9_]*. */
static int valid_reg_name(const char *s)
{
    if (!(s[0] >= 'a' && s[0] <= 'z')) return 0;
    for (const char *p = s + 1; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_'))
            return 0;
    return 1;
}

/* Qubit and clbit counts a decoded row may have: far above any device, far
 * below what would make the per-wire scratch of a pass overflow. */
#define MAX_BITS (1u << 24)

/* ctx's message, prefixed with the row it is about, as status @p st. */
static qtr_status row_failure(qtr_ctx *ctx, qtr_status st, unsigned long long idx, const char *nm)
{
    char why[sizeof ctx->msg];
    snprintf(why, sizeof why, "%s", ctx->msg);
    return qtr_fail(ctx, st, "circuit %llu ('%s'): %s", idx, nm, why);
}

qtr_status qtr_h5_block_circuit(const qtr_h5_block *b, size_t k, const int16_t *opmap,
                                qtr_circuit **out, qtr_ctx *ctx)
{
    const qtr_h5_row *r = &b->row[k];
    const char *nm = r->name[0] ? r->name : "?";
    unsigned long long idx = (unsigned long long)r->index;
    qtr_status st = QTR_OK;
    qtr_circuit *c = NULL;
    *out = NULL;
    if (r->defect)
        return qtr_fail(ctx, r->defect_code ? (qtr_status)r->defect_code : QTR_EPARSE, "%s",
                        qtr_h5_block_defect(b, k));
    if (r->nqubits > MAX_BITS || r->nclbits > MAX_BITS)
        return qtr_fail(ctx, QTR_ELIMIT, "circuit %llu ('%s'): %u qubits and %u clbits exceed %u",
                        idx, nm, r->nqubits, r->nclbits, MAX_BITS);
    if (!(c = qtr_circuit_new(0))) return qtr_fail(ctx, QTR_ENOMEM, "circuit %llu", idx);
    c->alloc.limit = ctx->max_memory;

    /* registers: as stored, or one "q" and one "c" covering the counts */
    /* no registers pool at all: b->regs is NULL, and NULL + 0 is undefined */
    const qtr_h5_reg *g = r->count[QTR_H5_POOL_REGS] ? b->regs + r->local[QTR_H5_POOL_REGS] : NULL;
    for (uint64_t i = 0; i < r->count[QTR_H5_POOL_REGS] && !st; i++) {
        if (!valid_reg_name(g[i].name) || g[i].kind > 1) {
            st = qtr_fail(ctx, QTR_EPARSE, "circuit %llu ('%s'): register %llu: bad %s '%s'", idx,
                          nm, (unsigned long long)i, g[i].kind > 1 ? "kind for" : "name", g[i].name);
            goto fail;
        }
        st = g[i].kind ? qtr_circuit_add_creg(c, g[i].name, g[i].size, ctx)
                       : qtr_circuit_add_qreg(c, g[i].name, g[i].size, ctx);
    }
    if (!r->count[QTR_H5_POOL_REGS]) {
        if (r->nqubits && !st) st = qtr_circuit_add_qreg(c, "q", r->nqubits, ctx);
        if (r->nclbits && !st) st = qtr_circuit_add_creg(c, "c", r->nclbits, ctx);
    }
    if (st) {  /* the register calls' message does not say which row */
        st = row_failure(ctx, st, idx, nm);
        goto fail;
    }
    if (c->nqubits != r->nqubits || c->nclbits != r->nclbits) {
        st = qtr_fail(ctx, QTR_EPARSE,
                      "circuit %llu ('%s'): registers hold %u qubits and %u clbits, the row says "
                      "%u and %u",
                      idx, nm, c->nqubits, c->nclbits, r->nqubits, r->nclbits);
        goto fail;
    }

    size_t ni = r->count[QTR_H5_POOL_INST], np = r->count[QTR_H5_POOL_PARAMS],
           na = r->count[QTR_H5_POOL_ARGS];
    if (QTR_GROW(&c->alloc, c->inst, c->capinst, ni) ||
        QTR_GROW(&c->alloc, c->params, c->capparams, np) ||
        QTR_GROW(&c->alloc, c->args, c->capargs, na)) {
        char what[QTR_H5_NAME_LEN + 48];
        snprintf(what, sizeof what, "circuit %llu ('%s')", idx, nm);
        st = c->alloc.over ? qtr_fail_budget(ctx, what, c->alloc.limit)
                           : qtr_fail(ctx, QTR_ENOMEM, "%s: %zu records", what, ni);
        goto fail;
    }
    if (ni) memcpy(c->inst, b->inst + r->local[QTR_H5_POOL_INST], ni * sizeof *c->inst);
    if (np) memcpy(c->params, b->params + r->local[QTR_H5_POOL_PARAMS], np * sizeof *c->params);
    if (na) memcpy(c->args, b->args + r->local[QTR_H5_POOL_ARGS], na * sizeof *c->args);
    c->ninst = ni;
    c->nparams = np;
    c->nargs = na;
    c->global_phase = r->global_phase;
    if (!isfinite(c->global_phase)) {
        st = qtr_fail(ctx, QTR_EPARSE, "circuit %llu ('%s'): global phase is not finite", idx, nm);
        goto fail;
    }
    for (size_t i = 0; i < ni; i++) {
        qtr_inst *in = &c->inst[i];
        int op = opmap ? opmap[in->op] : in->op;
        if (op < 0 || op >= QTR_OP_COUNT) {
            st = qtr_fail(ctx, QTR_EPARSE,
                          "circuit %llu ('%s'): record %zu: gate code %u is not a gate this build "
                          "knows (see the file's gate_names)",
                          idx, nm, i, in->op);
            goto fail;
        }
        in->op = (uint8_t)op;
        /* passes read the first two operands inline: make the copies agree
         * with the operand words the checker validates */
        if ((in->flags & QTR_IF_EXT) && (size_t)in->p + in->nargs <= na && in->nargs) {
            in->q[0] = c->args[in->p];
            in->q[1] = in->nargs > 1 ? c->args[in->p + 1] : 0;
        }
    }
    for (size_t i = 0; i < np; i++)
        if (!isfinite(c->params[i])) {
            st = qtr_fail(ctx, QTR_EPARSE, "circuit %llu ('%s'): parameter %zu is not finite",
                          idx, nm, i);
            goto fail;
        }
    if (qtr_circuit_check(c, ctx)) {
        st = row_failure(ctx, QTR_EPARSE, idx, nm);
        goto fail;
    }
    *out = c;
    return QTR_OK;
fail:
    qtr_circuit_free(c);
    return st;
}
