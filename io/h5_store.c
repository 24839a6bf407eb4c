/* h5_store.c -- HDF5 batch format v1 (doc/hdf5-format.md): blocks of rows in
 * memory, and the files that hold them.
 *
 * Owns: the HDF5 handles of an open file (qtr_h5_file) and the arrays of a
 * block. Borrows: circuits and results it copies from, property lists the
 * caller passes in. Invariant: a block's rows are sorted by row number and its
 * pool arrays hold their segments back to back in row order (row k's segment
 * of pool p starts at row[k].local[p]).
 *
 * Every value read from a file is untrusted: rows are decoded through
 * qtr_circuit_check and a malformed row becomes a row defect (reported for
 * that circuit), never a crash or a failed batch.
 *
 * HDF5 prints its error stack to stderr by default. Library code must not
 * print, so each public entry point silences automatic printing for its
 * duration and turns the stack into the ctx message instead. */
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common.h"
#include "h5_journal.h"
#include "h5_store.h"

_Static_assert(sizeof(hid_t) == sizeof(int64_t), "hid_t is passed as int64_t");

/* ======================================================================
 * Errors
 * ====================================================================== */

typedef struct {
    H5E_auto2_t func;
    void       *data;
} quiet_state;

static quiet_state quiet_begin(void)
{
    quiet_state q;
    H5Eget_auto2(H5E_DEFAULT, &q.func, &q.data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    return q;
}

static void quiet_end(quiet_state q) { H5Eset_auto2(H5E_DEFAULT, q.func, q.data); }

typedef struct {
    char outer[150], inner[150];
    int  n;
} stack_summary;

static herr_t walk_cb(unsigned n, const H5E_error2_t *e, void *data)
{
    stack_summary *s = data;
    const char *d = e->desc && e->desc[0] ? e->desc : e->func_name;
    if (!d) return 0;
    if (s->n == 0) snprintf(s->outer, sizeof s->outer, "%s", d);
    snprintf(s->inner, sizeof s->inner, "%s", d);
    s->n++;
    return 0;
}

/* HDF5 clears its error stack on entry to every API call, so the stack of a
 * failed call must be read before the cleanup calls that follow it: cap()
 * saves its summary into the file's err[] at the point of failure, and
 * h5_fail() appends it (or the live stack, when nothing was saved) to the
 * message as " (HDF5: outer: inner)". */
static char *file_err(qtr_h5_file *f);
static qtr_h5_journal *file_journal(qtr_h5_file *f);

static void summarise(char *out, size_t len)
{
    stack_summary s = {{0}, {0}, 0};
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, walk_cb, &s);
    H5Eclear2(H5E_DEFAULT);
    if (s.n == 0) out[0] = '\0';
    else if (s.n == 1 || !strcmp(s.outer, s.inner)) snprintf(out, len, "%s", s.outer);
    else snprintf(out, len, "%s: %s", s.outer, s.inner);
}

static void cap(qtr_h5_file *f)
{
    char *e = f ? file_err(f) : NULL;
    if (e && !e[0]) summarise(e, 320);  /* qtr_h5_file.err */
}

static qtr_status h5_fail(qtr_h5_file *f, qtr_ctx *ctx, qtr_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static qtr_status h5_fail(qtr_h5_file *f, qtr_ctx *ctx, qtr_status st, const char *fmt, ...)
{
    char head[384], why[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    /* the system's reason, when the journal's driver saw one (disk full) */
    int sys = f && file_journal(f) ? qtr_h5_journal_errno(file_journal(f)) : 0;
    if (sys) {
        size_t at = strlen(head);
        snprintf(head + at, sizeof head - at, ": %s", strerror(sys));
    }
    char *e = f ? file_err(f) : NULL;
    if (e && e[0]) {
        snprintf(why, sizeof why, "%s", e);
        e[0] = '\0';
        H5Eclear2(H5E_DEFAULT);
    } else {
        summarise(why, sizeof why);
    }
    if (!why[0]) return qtr_fail(ctx, st, "%s", head);
    return qtr_fail(ctx, st, "%s (HDF5: %s)", head, why);
}

/* ======================================================================
 * Blocks
 * ====================================================================== */

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
static int grow_layout(qtr_h5_block *b, size_t need)
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
static size_t put_msg(qtr_h5_block *b, const char *msg)
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
    if (message && message[0] && !(row->message = put_msg(b, message)))
        return qtr_fail(ctx, QTR_ENOMEM, "block: message");
    if (r) stats_from(row->stats, r, status == QTR_H5_OK);
    if (status == QTR_H5_OK) {
        size_t nv = r->nvirtual;
        if (grow_layout(b, b->nlayout + nv))
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
    if (st) goto fail;
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
    if ((st = qtr_circuit_check(c, ctx))) {
        char why[sizeof ctx->msg];
        snprintf(why, sizeof why, "%s", ctx->msg);
        st = qtr_fail(ctx, QTR_EPARSE, "circuit %llu ('%s'): %s", idx, nm, why);
        goto fail;
    }
    *out = c;
    return QTR_OK;
fail:
    qtr_circuit_free(c);
    return st;
}

/* ======================================================================
 * Column table: every dataset of the format
 * ====================================================================== */

typedef enum { T_U8, T_U32, T_U64, T_F64, T_NAME, T_MSG, T_VSTR, T_INST, T_REG, T_STATS } ctype;

/* where: which file content has it; group: main group, stats, or absolute */
enum { IN_CIRCUITS = 1, IN_RESULTS = 2, IN_BOTH = 3 };
enum { G_MAIN, G_ABS };
enum { K_ROW, K_POOL };

typedef struct {
    const char *name;
    ctype       type;
    unsigned char where, group, kind;
    signed char pool;      /* pool of a start/count column or a pool dataset, else -1 */
    unsigned char role;    /* 1 start, 2 count, 0 other */
} col_desc;

enum {
    C_NAME, C_NQUBITS, C_NCLBITS, C_PHASE, C_COST, C_QASM,
    C_INST_START, C_INST_COUNT, C_PARAM_START, C_PARAM_COUNT, C_ARG_START, C_ARG_COUNT,
    C_REG_START, C_REG_COUNT, C_LAYOUT_START, C_NVIRTUAL,
    C_STATUS, C_CODE, C_MESSAGE,
    C_STATS,
    C_INST, C_PARAMS, C_ARGS, C_REGS, C_LAYOUT0, C_LAYOUT1,
    C_SECONDS,
    NCOLS
};

static const col_desc cols[NCOLS] = {
    [C_NAME] = {QTR_H5_NAME, T_NAME, IN_BOTH, G_MAIN, K_ROW, -1, 0},
    [C_NQUBITS] = {QTR_H5_NQUBITS, T_U32, IN_BOTH, G_MAIN, K_ROW, -1, 0},
    [C_NCLBITS] = {QTR_H5_NCLBITS, T_U32, IN_BOTH, G_MAIN, K_ROW, -1, 0},
    [C_PHASE] = {QTR_H5_PHASE, T_F64, IN_BOTH, G_MAIN, K_ROW, -1, 0},
    [C_COST] = {QTR_H5_COST, T_F64, IN_CIRCUITS, G_MAIN, K_ROW, -1, 0},
    [C_QASM] = {QTR_H5_QASM, T_VSTR, IN_CIRCUITS, G_MAIN, K_ROW, -1, 0},
    [C_INST_START] = {"inst_start", T_U64, IN_BOTH, G_MAIN, K_ROW, QTR_H5_POOL_INST, 1},
    [C_INST_COUNT] = {"inst_count", T_U64, IN_BOTH, G_MAIN, K_ROW, QTR_H5_POOL_INST, 2},
    [C_PARAM_START] = {"param_start", T_U64, IN_BOTH, G_MAIN, K_ROW, QTR_H5_POOL_PARAMS, 1},
    [C_PARAM_COUNT] = {"param_count", T_U64, IN_BOTH, G_MAIN, K_ROW, QTR_H5_POOL_PARAMS, 2},
    [C_ARG_START] = {"arg_start", T_U64, IN_BOTH, G_MAIN, K_ROW, QTR_H5_POOL_ARGS, 1},
    [C_ARG_COUNT] = {"arg_count", T_U64, IN_BOTH, G_MAIN, K_ROW, QTR_H5_POOL_ARGS, 2},
    [C_REG_START] = {"reg_start", T_U64, IN_BOTH, G_MAIN, K_ROW, QTR_H5_POOL_REGS, 1},
    [C_REG_COUNT] = {"reg_count", T_U64, IN_BOTH, G_MAIN, K_ROW, QTR_H5_POOL_REGS, 2},
    [C_LAYOUT_START] = {QTR_H5_LAYOUT_START, T_U64, IN_RESULTS, G_MAIN, K_ROW, QTR_H5_POOL_LAYOUT, 1},
    [C_NVIRTUAL] = {QTR_H5_NVIRTUAL, T_U32, IN_RESULTS, G_MAIN, K_ROW, QTR_H5_POOL_LAYOUT, 2},
    [C_STATUS] = {QTR_H5_STATUS, T_U8, IN_RESULTS, G_MAIN, K_ROW, -1, 0},
    [C_CODE] = {QTR_H5_CODE, T_U8, IN_RESULTS, G_MAIN, K_ROW, -1, 0},
    [C_MESSAGE] = {QTR_H5_MESSAGE, T_MSG, IN_RESULTS, G_MAIN, K_ROW, -1, 0},
    [C_STATS] = {QTR_H5_STATS, T_STATS, IN_RESULTS, G_MAIN, K_ROW, -1, 0},
    [C_INST] = {QTR_H5_INST, T_INST, IN_BOTH, G_MAIN, K_POOL, QTR_H5_POOL_INST, 0},
    [C_PARAMS] = {QTR_H5_PARAMS, T_F64, IN_BOTH, G_MAIN, K_POOL, QTR_H5_POOL_PARAMS, 0},
    [C_ARGS] = {QTR_H5_ARGS, T_U32, IN_BOTH, G_MAIN, K_POOL, QTR_H5_POOL_ARGS, 0},
    [C_REGS] = {QTR_H5_REGS, T_REG, IN_BOTH, G_MAIN, K_POOL, QTR_H5_POOL_REGS, 0},
    [C_LAYOUT0] = {QTR_H5_LAYOUT_INITIAL, T_U32, IN_RESULTS, G_MAIN, K_POOL, QTR_H5_POOL_LAYOUT, 0},
    [C_LAYOUT1] = {QTR_H5_LAYOUT_FINAL, T_U32, IN_RESULTS, G_MAIN, K_POOL, QTR_H5_POOL_LAYOUT, 0},
    [C_SECONDS] = {QTR_H5_SECONDS, T_F64, IN_RESULTS, G_ABS, K_ROW, -1, 0},
};

static const char *const stat_names[QTR_H5_NSTATS] = {
#define X(e, s) s,
    QTR_H5_STATS_LIST(X)
#undef X
};

const char *qtr_h5_stat_name(int k) { return k >= 0 && k < QTR_H5_NSTATS ? stat_names[k] : "?"; }

/* Column index of the start/count column of file pool @p p. */
static int start_col(int p)
{
    static const int c[QTR_H5_NFILEPOOLS] = {C_INST_START, C_PARAM_START, C_ARG_START,
                                             C_REG_START, C_LAYOUT_START};
    return c[p];
}
static int count_col(int p) { return start_col(p) + 1; }

/* Is column @p c part of a file of this content and storage? */
static int col_applies(int c, qtr_h5_content content, qtr_h5_storage storage)
{
    const col_desc *d = &cols[c];
    if (!(d->where & (content == QTR_H5_RESULTS ? IN_RESULTS : IN_CIRCUITS))) return 0;
    if (content == QTR_H5_CIRCUITS) {
        if (storage == QTR_H5_QASMTEXT) return c == C_NAME || c == C_COST || c == C_QASM;
        return c != C_QASM;
    }
    return 1;
}

/* ---- HDF5 types ---- */

typedef struct {
    hid_t inst_file, inst_mem, reg_file, reg_mem, name_file, name_mem, msg_file, msg_mem, vstr;
    hid_t stats;  /* n2q_in ... peak_bytes: uint64 each, file and memory alike */
} typeset;

static void types_close(typeset *t)
{
    hid_t *h = (hid_t *)t;
    for (size_t i = 0; i < sizeof *t / sizeof(hid_t); i++)
        if (h[i] > 0) H5Tclose(h[i]);
    memset(t, 0, sizeof *t);
}

static hid_t fixed_str(size_t len, H5T_str_t pad)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0) return t;
    H5Tset_size(t, len);
    H5Tset_strpad(t, pad);
    return t;
}

static int types_open(typeset *t)
{
    memset(t, 0, sizeof *t);
    /* the 16-byte record: identical in the file and in memory on
     * little-endian hosts; HDF5 converts on others */
    t->inst_file = H5Tcreate(H5T_COMPOUND, 16);
    H5Tinsert(t->inst_file, "op", 0, H5T_STD_U8LE);
    H5Tinsert(t->inst_file, "flags", 1, H5T_STD_U8LE);
    H5Tinsert(t->inst_file, "nargs", 2, H5T_STD_U16LE);
    H5Tinsert(t->inst_file, "q0", 4, H5T_STD_U32LE);
    H5Tinsert(t->inst_file, "q1", 8, H5T_STD_U32LE);
    H5Tinsert(t->inst_file, "p", 12, H5T_STD_U32LE);
    t->inst_mem = H5Tcreate(H5T_COMPOUND, sizeof(qtr_inst));
    H5Tinsert(t->inst_mem, "op", offsetof(qtr_inst, op), H5T_NATIVE_UINT8);
    H5Tinsert(t->inst_mem, "flags", offsetof(qtr_inst, flags), H5T_NATIVE_UINT8);
    H5Tinsert(t->inst_mem, "nargs", offsetof(qtr_inst, nargs), H5T_NATIVE_UINT16);
    H5Tinsert(t->inst_mem, "q0", offsetof(qtr_inst, q), H5T_NATIVE_UINT32);
    H5Tinsert(t->inst_mem, "q1", offsetof(qtr_inst, q) + 4, H5T_NATIVE_UINT32);
    H5Tinsert(t->inst_mem, "p", offsetof(qtr_inst, p), H5T_NATIVE_UINT32);

    hid_t rn_file = fixed_str(QTR_H5_REGNAME_LEN, H5T_STR_NULLPAD);
    hid_t rn_mem = fixed_str(QTR_H5_REGNAME_LEN + 1, H5T_STR_NULLTERM);
    t->reg_file = H5Tcreate(H5T_COMPOUND, 1 + 4 + QTR_H5_REGNAME_LEN);
    H5Tinsert(t->reg_file, "kind", 0, H5T_STD_U8LE);
    H5Tinsert(t->reg_file, "size", 1, H5T_STD_U32LE);
    H5Tinsert(t->reg_file, "name", 5, rn_file);
    t->reg_mem = H5Tcreate(H5T_COMPOUND, sizeof(qtr_h5_reg));
    H5Tinsert(t->reg_mem, "kind", offsetof(qtr_h5_reg, kind), H5T_NATIVE_UINT8);
    H5Tinsert(t->reg_mem, "size", offsetof(qtr_h5_reg, size), H5T_NATIVE_UINT32);
    H5Tinsert(t->reg_mem, "name", offsetof(qtr_h5_reg, name), rn_mem);
    H5Tclose(rn_file);
    H5Tclose(rn_mem);

    t->name_file = fixed_str(QTR_H5_NAME_LEN, H5T_STR_NULLPAD);
    t->name_mem = fixed_str(QTR_H5_NAME_LEN + 1, H5T_STR_NULLTERM);
    t->msg_file = fixed_str(QTR_H5_MSG_LEN, H5T_STR_NULLPAD);
    t->msg_mem = fixed_str(QTR_H5_MSG_LEN, H5T_STR_NULLTERM);
    t->stats = H5Tcreate(H5T_COMPOUND, QTR_H5_NSTATS * 8);
    for (int k = 0; k < QTR_H5_NSTATS; k++)
        H5Tinsert(t->stats, stat_names[k], (size_t)k * 8, H5T_STD_U64LE);
    t->vstr = H5Tcopy(H5T_C_S1);
    H5Tset_size(t->vstr, H5T_VARIABLE);
    H5Tset_cset(t->vstr, H5T_CSET_UTF8);
    hid_t *h = (hid_t *)t;
    for (size_t i = 0; i < sizeof *t / sizeof(hid_t); i++)
        if (h[i] < 0) return -1;
    return 0;
}

static hid_t file_type(const typeset *t, ctype ty)
{
    switch (ty) {
    case T_U8: return H5T_STD_U8LE;
    case T_U32: return H5T_STD_U32LE;
    case T_U64: return H5T_STD_U64LE;
    case T_F64: return H5T_IEEE_F64LE;
    case T_NAME: return t->name_file;
    case T_MSG: return t->msg_file;
    case T_VSTR: return t->vstr;
    case T_INST: return t->inst_file;
    case T_REG: return t->reg_file;
    case T_STATS: return t->stats;
    }
    return -1;
}

/* ======================================================================
 * Files
 * ====================================================================== */

struct qtr_h5_file {
    char          *path;
    hid_t          fid, grp, stats, timing;
    hid_t          d[NCOLS];          /* open datasets, -1 when absent */
    typeset        ty;
    qtr_h5_content content;
    qtr_h5_storage storage;
    uint64_t       n;
    uint64_t       ext[QTR_H5_NFILEPOOLS];
    /* pool lengths before the last qtr_h5_grow: its rows' segments lie in
     * [from, ext), the same range on every rank (pool writes are cut into
     * windows of it) */
    uint64_t       from[QTR_H5_NFILEPOOLS];
    uint64_t       window;            /* bytes per pool write (0: WRITE_WINDOW_BYTES) */
    int            writable;
    int16_t        opmap[256];
    char          *run_input, *run_target, *run_basis;
    int            run_level;
    uint64_t       run_seed;
    uint32_t       run_layout_trials, run_swap_trials;
    double         run_approx;
    char           err[320];          /* HDF5's stack at the last failure (cap) */
    qtr_h5_between_fn between;        /* called between datasets written, or NULL */
    void          *between_ud;
    qtr_h5_journal *journal;          /* results written through the undo journal, or NULL */
};

void qtr_h5_set_write_window(qtr_h5_file *f, uint64_t bytes) { f->window = bytes; }

void qtr_h5_set_between(qtr_h5_file *f, qtr_h5_between_fn fn, void *ud)
{
    f->between = fn;
    f->between_ud = ud;
}

static void between(qtr_h5_file *f)
{
    if (f->between) f->between(f->between_ud);
}

static char *file_err(qtr_h5_file *f) { return f->err; }
static qtr_h5_journal *file_journal(qtr_h5_file *f) { return f->journal; }

const char *qtr_h5_path(const qtr_h5_file *f) { return f->path; }
int64_t qtr_h5_file_id(const qtr_h5_file *f) { return f ? (int64_t)f->fid : -1; }
uint64_t qtr_h5_count(const qtr_h5_file *f) { return f->n; }
qtr_h5_content qtr_h5_content_of(const qtr_h5_file *f) { return f->content; }
qtr_h5_storage qtr_h5_storage_of(const qtr_h5_file *f) { return f->storage; }
const int16_t *qtr_h5_opmap(const qtr_h5_file *f) { return f->opmap; }

void qtr_h5_extent(const qtr_h5_file *f, uint64_t ext[QTR_H5_NFILEPOOLS])
{
    memcpy(ext, f->ext, sizeof f->ext);
}

void qtr_h5_run_of(const qtr_h5_file *f, qtr_h5_run *run)
{
    run->input = f->run_input ? f->run_input : "";
    run->target = f->run_target ? f->run_target : "";
    run->basis = f->run_basis ? f->run_basis : "";
    run->opt_level = f->run_level;
    run->seed = f->run_seed;
    run->layout_trials = f->run_layout_trials;
    run->swap_trials = f->run_swap_trials;
    run->approx_degree = f->run_approx;
}

/* A file access list like @p fapl (or the default) whose metadata and chunk
 * caches stay small. Caller closes the list; -1 on failure (then the caller
 * uses @p fapl as it is).
 *
 * The metadata cache is fixed at 128 KiB. HDF5's cache is adaptive and keeps
 * whatever fits: the chunk indexes of the result pools, which grow with the
 * batch, and the input's global heap collections, as large as the longest
 * QASM text. It counts a chunk-index node by its size on disk, but holds it
 * decoded, several times larger: with 4 MiB, 1 process on the
 * 10,000-circuit bench mix, heaptrack saw H5B_create's blocks grow by
 * 1.4 MB from hwb12's row 1025 to row 6025 while the cache reported
 * 0.1-0.3 MiB, and the peak RSS grew ~0.8 MiB per 1,000 circuits. Files are
 * read and written front to back, so a small cache costs no rereads that
 * matter (same wall time within noise). */
static hid_t capped_fapl(hid_t fapl, qtr_h5_journal *journal)
{
    hid_t p = fapl < 0 ? H5Pcreate(H5P_FILE_ACCESS) : H5Pcopy(fapl);
    if (p < 0) return -1;
    if (journal && qtr_h5_journal_use(journal, p)) goto fail;
    H5AC_cache_config_t mdc;
    memset(&mdc, 0, sizeof mdc);
    mdc.version = H5AC__CURR_CACHE_CONFIG_VERSION;
    if (H5Pget_mdc_config(p, &mdc) < 0) goto fail;
    mdc.set_initial_size = 1;
    mdc.initial_size = mdc.min_size = mdc.max_size = 128u << 10;
    if (H5Pset_mdc_config(p, &mdc) < 0) goto fail;
    /* Likewise the chunk cache of every dataset, 1 MiB by default: files
     * are written and read front to back, so a cache never serves more than
     * the chunk being filled, yet with ~30 datasets of 32-64 KiB chunks it
     * filled by ~1 KiB per row for 100k+ rows (10,000 circuits, 1 process:
     * malloc'ed memory 30 -> 41 MiB over the run, peak RSS +12 MiB over
     * 1,000). 256 KiB keeps a few chunks. Datasets being written get a
     * cache of exactly one chunk instead (one_chunk_dapl). */
    if (H5Pset_cache(p, 0, 521, 256u << 10, 0.75) < 0) goto fail;
    return p;
fail:
    H5Pclose(p);
    H5Eclear2(H5E_DEFAULT);
    return -1;
}

/* The access properties to open or create @p f with: the capped caches,
 * and, for a results file written with the serial driver (@p journaled),
 * the undo journal (h5_journal.h); -1 when that cannot be set up. The
 * caller closes what is returned unless it is H5P_DEFAULT or @p fapl. */
static hid_t file_fapl(qtr_h5_file *f, hid_t fapl, int journaled)
{
    if (journaled && !(f->journal = qtr_h5_journal_new())) return -1;
    hid_t cap = capped_fapl(fapl, f->journal);
    if (cap < 0 && journaled) return -1;
    return cap >= 0 ? cap : fapl < 0 ? H5P_DEFAULT : fapl;
}

static void fapl_done(hid_t p, hid_t fapl)
{
    if (p >= 0 && p != H5P_DEFAULT && p != fapl) H5Pclose(p);
}

static qtr_h5_file *file_new(const char *path)
{
    qtr_h5_file *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    f->path = strdup(path);
    if (!f->path) {
        free(f);
        return NULL;
    }
    f->fid = f->grp = f->timing = -1;
    for (int c = 0; c < NCOLS; c++) f->d[c] = -1;
    for (int i = 0; i < 256; i++) f->opmap[i] = -1;
    return f;
}

static void file_release(qtr_h5_file *f)
{
    for (int c = 0; c < NCOLS; c++)
        if (f->d[c] >= 0) H5Dclose(f->d[c]);
    if (f->timing >= 0) H5Gclose(f->timing);
    if (f->grp >= 0) H5Gclose(f->grp);
    types_close(&f->ty);
}

qtr_status qtr_h5_close(qtr_h5_file *f, qtr_ctx *ctx)
{
    if (!f) return QTR_OK;
    quiet_state q = quiet_begin();
    qtr_status st = QTR_OK;
    file_release(f);
    if (f->fid >= 0 && H5Fclose(f->fid) < 0)
        st = h5_fail(f, ctx, QTR_EIO, "%s: closing failed", f->path);
    /* closed cleanly: the file is whole, its journal has nothing to undo
     * (unless a write failed: the journal keeps it). Not closed: HDF5
     * keeps the file open and closes it again at exit, through this
     * driver, which must outlive it (left allocated). */
    if (st == QTR_OK) qtr_h5_journal_free(f->journal, 1);
    quiet_end(q);
    free(f->run_input);
    free(f->run_target);
    free(f->run_basis);
    free(f->path);
    free(f);
    return st;
}

/* ---- attributes ---- */

static int set_attr_str(hid_t obj, const char *name, const char *value)
{
    size_t len = strlen(value);
    hid_t t = fixed_str(len ? len : 1, H5T_STR_NULLPAD);
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
    int rc = a < 0 || H5Awrite(a, t, len ? value : "") < 0 ? -1 : 0;
    if (a >= 0) H5Aclose(a);
    H5Sclose(s);
    H5Tclose(t);
    return rc;
}

static int set_attr_i64(hid_t obj, const char *name, hid_t ftype, int64_t v)
{
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, ftype, s, H5P_DEFAULT, H5P_DEFAULT);
    int rc = a < 0 || H5Awrite(a, H5T_NATIVE_INT64, &v) < 0 ? -1 : 0;
    if (a >= 0) H5Aclose(a);
    H5Sclose(s);
    return rc;
}

static int set_attr_f64(hid_t obj, const char *name, double v)
{
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT);
    int rc = a < 0 || H5Awrite(a, H5T_NATIVE_DOUBLE, &v) < 0 ? -1 : 0;
    if (a >= 0) H5Aclose(a);
    H5Sclose(s);
    return rc;
}

/* Read a scalar string attribute, fixed or variable length, into a new
 * malloc'ed string. Returns NULL when absent or not a string. */
static char *get_attr_str(hid_t obj, const char *name)
{
    if (H5Aexists(obj, name) <= 0) return NULL;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return NULL;
    char *out = NULL;
    hid_t t = H5Aget_type(a), s = H5Aget_space(a);
    if (t >= 0 && H5Tget_class(t) == H5T_STRING && s >= 0 && H5Sget_simple_extent_npoints(s) == 1) {
        if (H5Tis_variable_str(t) > 0) {
            char *v = NULL;
            hid_t m = H5Tcopy(H5T_C_S1);
            H5Tset_size(m, H5T_VARIABLE);
            H5Tset_cset(m, H5Tget_cset(t));
            if (H5Aread(a, m, &v) >= 0 && v) {
                out = strdup(v);
                H5free_memory(v);
            }
            H5Tclose(m);
        } else {
            size_t len = H5Tget_size(t);
            if (len < (1u << 20)) {
                hid_t m = fixed_str(len + 1, H5T_STR_NULLTERM);
                H5Tset_cset(m, H5Tget_cset(t));
                out = calloc(1, len + 1);
                if (out && H5Aread(a, m, out) < 0) {
                    free(out);
                    out = NULL;
                }
                H5Tclose(m);
            }
        }
    }
    if (t >= 0) H5Tclose(t);
    if (s >= 0) H5Sclose(s);
    H5Aclose(a);
    return out;
}

/* Read a scalar attribute of class @p cls (H5T_INTEGER, H5T_FLOAT) as
 * memory type @p mtype into @p v; -1 when absent or of another kind. */
static int get_attr_num(hid_t obj, const char *name, H5T_class_t cls, hid_t mtype, void *v)
{
    if (H5Aexists(obj, name) <= 0) return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return -1;
    hid_t t = H5Aget_type(a), s = H5Aget_space(a);
    int rc = -1;
    if (t >= 0 && H5Tget_class(t) == cls && H5Sget_simple_extent_npoints(s) == 1)
        rc = H5Aread(a, mtype, v) < 0 ? -1 : 0;
    if (t >= 0) H5Tclose(t);
    if (s >= 0) H5Sclose(s);
    H5Aclose(a);
    return rc;
}

static int get_attr_i64(hid_t obj, const char *name, int64_t *v)
{
    return get_attr_num(obj, name, H5T_INTEGER, H5T_NATIVE_INT64, v);
}

static int get_attr_f64(hid_t obj, const char *name, double *v)
{
    return get_attr_num(obj, name, H5T_FLOAT, H5T_NATIVE_DOUBLE, v);
}

/* ---- reading strings (fixed or variable length) ---- */

/* Read @p n strings of dataset @p d from row @p first into @p out, @p width+1
 * bytes each, NUL-terminated, truncated to @p width bytes. */
static int read_fixed_strings(qtr_h5_file *f, hid_t d, uint64_t first, size_t n, size_t width,
                              char *out)
{
    if (!n) return 0;
    int rc = -1;
    hid_t t = H5Dget_type(d), fs = H5Dget_space(d), ms = -1, m = -1;
    hsize_t off = first, cnt = n;
    if (t < 0 || fs < 0 || H5Tget_class(t) != H5T_STRING) goto done;
    if (H5Sselect_hyperslab(fs, H5S_SELECT_SET, &off, NULL, &cnt, NULL) < 0) goto done;
    ms = H5Screate_simple(1, &cnt, NULL);
    if (H5Tis_variable_str(t) > 0) {
        char **v = calloc(n, sizeof *v);
        m = H5Tcopy(H5T_C_S1);
        H5Tset_size(m, H5T_VARIABLE);
        H5Tset_cset(m, H5Tget_cset(t));
        if (v && H5Dread(d, m, ms, fs, H5P_DEFAULT, v) < 0) cap(f);
        else if (v) {
            for (size_t i = 0; i < n; i++)
                snprintf(out + i * (width + 1), width + 1, "%s", v[i] ? v[i] : "");
            H5Dvlen_reclaim(m, ms, H5P_DEFAULT, v);
            rc = 0;
        }
        free(v);
    } else {
        m = fixed_str(width + 1, H5T_STR_NULLTERM);
        H5Tset_cset(m, H5Tget_cset(t));
        rc = H5Dread(d, m, ms, fs, H5P_DEFAULT, out) < 0 ? -1 : 0;
        if (rc) cap(f);
    }
done:
    if (m >= 0) H5Tclose(m);
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    if (t >= 0) H5Tclose(t);
    return rc;
}

/* ---- validation at open ---- */

static qtr_status read_gate_names(qtr_h5_file *f, qtr_ctx *ctx)
{
    if (H5Lexists(f->fid, QTR_H5_GATE_NAMES, H5P_DEFAULT) <= 0)
        return qtr_fail(ctx, QTR_EPARSE, "%s: no %s dataset (the op codes would have no meaning)",
                        f->path, QTR_H5_GATE_NAMES);
    hid_t d = H5Dopen2(f->fid, QTR_H5_GATE_NAMES, H5P_DEFAULT);
    if (d < 0) return h5_fail(f, ctx, QTR_EPARSE, "%s: cannot open %s", f->path, QTR_H5_GATE_NAMES);
    hid_t s = H5Dget_space(d);
    hssize_t g = s >= 0 ? H5Sget_simple_extent_npoints(s) : -1;
    if (s >= 0) H5Sclose(s);
    qtr_status st = QTR_OK;
    char *names = NULL;
    if (g < 0 || g > 256 || H5Sget_simple_extent_ndims(s = H5Dget_space(d)) != 1) {
        if (s >= 0) H5Sclose(s);
        st = qtr_fail(ctx, QTR_EPARSE, "%s: %s must be a list of at most 256 names", f->path,
                      QTR_H5_GATE_NAMES);
        goto done;
    }
    H5Sclose(s);
    names = calloc((size_t)g ? (size_t)g : 1, QTR_H5_GATENAME_LEN + 1);
    if (!names) {
        st = qtr_fail(ctx, QTR_ENOMEM, "gate names");
        goto done;
    }
    if (read_fixed_strings(f, d, 0, (size_t)g, QTR_H5_GATENAME_LEN, names) < 0) {
        st = h5_fail(f, ctx, QTR_EPARSE, "%s: cannot read %s as strings", f->path, QTR_H5_GATE_NAMES);
        goto done;
    }
    for (hssize_t k = 0; k < g; k++) {
        const char *nm = names + k * (QTR_H5_GATENAME_LEN + 1);
        int op = qtr_gate_lookup(nm, strlen(nm));
        f->opmap[k] = (int16_t)(op >= 0 ? op : -1);
    }
done:
    free(names);
    H5Dclose(d);
    return st;
}

static qtr_status read_extents(qtr_h5_file *f, qtr_ctx *ctx)
{
    for (int p = 0; p < QTR_H5_NFILEPOOLS; p++) {
        static const int pc[QTR_H5_NFILEPOOLS] = {C_INST, C_PARAMS, C_ARGS, C_REGS, C_LAYOUT0};
        f->ext[p] = 0;
        hid_t d = f->d[pc[p]];
        if (d < 0) continue;
        hid_t s = H5Dget_space(d);
        hsize_t dim = 0;
        int nd = s >= 0 ? H5Sget_simple_extent_ndims(s) : -1;
        if (nd != 1 || H5Sget_simple_extent_dims(s, &dim, NULL) < 0) {
            if (s >= 0) H5Sclose(s);
            return qtr_fail(ctx, QTR_EPARSE, "%s: pool '%s' is not one-dimensional", f->path,
                            cols[pc[p]].name);
        }
        H5Sclose(s);
        f->ext[p] = dim;
        if (p == QTR_H5_POOL_LAYOUT && f->d[C_LAYOUT1] >= 0) {
            s = H5Dget_space(f->d[C_LAYOUT1]);
            H5Sget_simple_extent_dims(s, &dim, NULL);
            H5Sclose(s);
            if (dim < f->ext[p]) f->ext[p] = dim;
        }
        f->from[p] = f->ext[p];
    }
    return QTR_OK;
}

/* A dataset access list whose chunk cache holds one chunk of a dataset
 * created with @p dcpl and file type @p ftype (H5P_DEFAULT when it is not
 * chunked, or on failure). Results are written front to back: the only
 * chunk worth keeping is the one the next round completes. With the file's
 * 256 KiB per dataset, each of ~30 datasets kept up to 256 KiB of finished
 * chunks, filling slowly with the batch (heaptrack, 1 process, bench mix:
 * H5Dwrite's blocks +1.1 MB from row 1025 to row 9025; full only past
 * ~30,000 rows, at ~7 MiB). Caller closes a list it got. */
static hid_t one_chunk_dapl(hid_t dcpl, hid_t ftype)
{
    hsize_t chunk = 0;
    size_t esize = H5Tget_size(ftype);
    if (H5Pget_layout(dcpl) != H5D_CHUNKED || H5Pget_chunk(dcpl, 1, &chunk) != 1 || !esize) {
        H5Eclear2(H5E_DEFAULT);
        return H5P_DEFAULT;
    }
    hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
    if (dapl < 0 || H5Pset_chunk_cache(dapl, 7, (size_t)chunk * esize, 1.0) < 0) {
        if (dapl >= 0) H5Pclose(dapl);
        H5Eclear2(H5E_DEFAULT);
        return H5P_DEFAULT;
    }
    return dapl;
}

/* Reopen @p ds (named @p name in @p loc) with a one-chunk cache; @p ds
 * itself when that fails. */
static hid_t reopen_one_chunk(hid_t loc, const char *name, hid_t ds)
{
    hid_t dcpl = H5Dget_create_plist(ds), t = H5Dget_type(ds);
    hid_t dapl = dcpl >= 0 && t >= 0 ? one_chunk_dapl(dcpl, t) : H5P_DEFAULT;
    if (dcpl >= 0) H5Pclose(dcpl);
    if (t >= 0) H5Tclose(t);
    if (dapl == H5P_DEFAULT) return ds;
    hid_t again = H5Dopen2(loc, name, dapl);
    H5Pclose(dapl);
    if (again < 0) {
        H5Eclear2(H5E_DEFAULT);
        return ds;
    }
    H5Dclose(ds);
    return again;
}

/* HDF5 sizes its buffers from the file: a type conversion holds elements
 * of the file's type, a chunked read a whole chunk. Refuse element types and
 * chunks no writer of the format makes (a 100-byte integer, a 1 GiB chunk)
 * before any read allocates for them. */
#define MAX_ELEM_BYTES 4096u
#define MAX_CHUNK_BYTES ((uint64_t)64 << 20)
static qtr_status check_storage(qtr_h5_file *f, hid_t ds, hid_t t, const col_desc *d,
                                size_t esize, qtr_ctx *ctx)
{
    size_t most = d->type <= T_F64 ? 8 : MAX_ELEM_BYTES;
    if (esize == 0 || esize > most)
        return qtr_fail(ctx, QTR_EPARSE, "%s: '%s' has elements of %zu bytes, expected at most %zu",
                        f->path, d->name, esize, most);
    /* HDF5 1.10 converts a record member at whatever offset the file says */
    int nm = H5Tget_class(t) == H5T_COMPOUND ? H5Tget_nmembers(t) : 0;
    for (int i = 0; i < nm; i++) {
        hid_t mt = H5Tget_member_type(t, (unsigned)i);
        size_t off = H5Tget_member_offset(t, (unsigned)i), msize = mt >= 0 ? H5Tget_size(mt) : 0;
        if (mt >= 0) H5Tclose(mt);
        if (mt < 0 || msize == 0 || off > esize || msize > esize - off) {
            H5Eclear2(H5E_DEFAULT);
            return qtr_fail(ctx, QTR_EPARSE, "%s: '%s': member %d lies outside its %zu-byte record",
                            f->path, d->name, i, esize);
        }
    }
    hid_t dcpl = H5Dget_create_plist(ds);
    hsize_t chunk = 0;
    int chunked = dcpl >= 0 && H5Pget_layout(dcpl) == H5D_CHUNKED &&
                  H5Pget_chunk(dcpl, 1, &chunk) == 1;
    if (dcpl >= 0) H5Pclose(dcpl);
    H5Eclear2(H5E_DEFAULT);
    if (chunked && (chunk == 0 || chunk > MAX_CHUNK_BYTES / esize))
        return qtr_fail(ctx, QTR_EPARSE, "%s: '%s' has chunks of %llu elements of %zu bytes, at most "
                        "%llu MiB per chunk",
                        f->path, d->name, (unsigned long long)chunk, esize,
                        (unsigned long long)(MAX_CHUNK_BYTES >> 20));
    return QTR_OK;
}

/* Open the datasets of the main group and check shapes and type classes. */
static qtr_status open_columns(qtr_h5_file *f, qtr_ctx *ctx)
{
    int64_t nrows = -1;
    for (int c = 0; c < NCOLS; c++) {
        const col_desc *d = &cols[c];
        if (!col_applies(c, f->content, f->storage)) continue;
        hid_t loc = d->group == G_ABS ? f->fid : f->grp;
        if (loc < 0 || H5Lexists(loc, d->name, H5P_DEFAULT) <= 0) continue;
        hid_t ds = H5Dopen2(loc, d->name, H5P_DEFAULT);
        if (ds < 0) return h5_fail(f, ctx, QTR_EPARSE, "%s: cannot open '%s'", f->path, d->name);
        if (f->writable) ds = reopen_one_chunk(loc, d->name, ds);  /* a resumed results file */
        f->d[c] = ds;
        hid_t s = H5Dget_space(ds), t = H5Dget_type(ds);
        hsize_t dim = 0;
        int nd = H5Sget_simple_extent_ndims(s);
        H5Sget_simple_extent_dims(s, &dim, NULL);
        H5T_class_t cl = H5Tget_class(t);
        size_t esize = H5Tget_size(t);
        qtr_status bad = check_storage(f, ds, t, d, esize, ctx);
        H5Sclose(s);
        H5Tclose(t);
        if (bad) return bad;
        int want_cl = d->type == T_F64                     ? H5T_FLOAT
                      : d->type <= T_U64                   ? H5T_INTEGER
                      : d->type == T_INST || d->type == T_REG || d->type == T_STATS ? H5T_COMPOUND
                                                              : H5T_STRING;
        if (nd != 1 || (int)cl != want_cl)
            return qtr_fail(ctx, QTR_EPARSE, "%s: '%s' must be a one-dimensional %s dataset",
                            f->path, d->name,
                            want_cl == H5T_FLOAT     ? "float"
                            : want_cl == H5T_INTEGER ? "integer"
                            : want_cl == H5T_COMPOUND ? "compound"
                                                      : "string");
        if (d->kind == K_ROW) {
            if (nrows < 0) nrows = (int64_t)dim;
            else if ((int64_t)dim != nrows)
                return qtr_fail(ctx, QTR_EPARSE,
                                "%s: '%s' has %llu rows, other index columns have %lld", f->path,
                                d->name, (unsigned long long)dim, (long long)nrows);
        }
    }
    f->n = nrows < 0 ? 0 : (uint64_t)nrows;
    /* what a reader cannot do without */
    static const int need_cols[] = {C_NQUBITS, C_NCLBITS, C_INST_START, C_INST_COUNT, C_INST};
    if (f->storage == QTR_H5_QASMTEXT) {
        if (f->d[C_QASM] < 0)
            return qtr_fail(ctx, QTR_EPARSE, "%s: storage is 'qasm' but there is no '%s' dataset",
                            f->path, QTR_H5_QASM);
    } else {
        for (size_t i = 0; i < sizeof need_cols / sizeof *need_cols; i++)
            if (f->d[need_cols[i]] < 0 && (f->n > 0 || need_cols[i] != C_INST))
                return qtr_fail(ctx, QTR_EPARSE, "%s: missing required dataset '%s/%s'", f->path,
                                f->content == QTR_H5_RESULTS ? QTR_H5_GROUP_RESULTS
                                                             : QTR_H5_GROUP_CIRCUITS,
                                cols[need_cols[i]].name);
        for (int p = 0; p < QTR_H5_NFILEPOOLS; p++) {
            static const int pc[QTR_H5_NFILEPOOLS] = {C_INST, C_PARAMS, C_ARGS, C_REGS, C_LAYOUT0};
            int has_s = f->d[start_col(p)] >= 0, has_c = f->d[count_col(p)] >= 0,
                has_p = f->d[pc[p]] >= 0;
            if (has_s != has_c || (has_c && !has_p && f->n > 0))
                return qtr_fail(ctx, QTR_EPARSE,
                                "%s: pool '%s' needs '%s', '%s' and the pool dataset together",
                                f->path, cols[pc[p]].name, cols[start_col(p)].name,
                                cols[count_col(p)].name);
        }
    }
    if (f->content == QTR_H5_RESULTS && (f->d[C_STATUS] < 0 || f->d[C_MESSAGE] < 0))
        return qtr_fail(ctx, QTR_EPARSE, "%s: results without '%s' or '%s'", f->path,
                        QTR_H5_STATUS, QTR_H5_MESSAGE);
    return read_extents(f, ctx);
}

static qtr_status open_common(qtr_h5_file *f, qtr_ctx *ctx)
{
    char *fmt = get_attr_str(f->fid, QTR_H5_ATTR_FORMAT);
    int64_t ver = 0;
    qtr_status st = QTR_OK;
    if (!fmt || strcmp(fmt, QTR_H5_FORMAT_NAME)) {
        st = qtr_fail(ctx, QTR_EPARSE,
                      "%s: not a qtranspile batch (root attribute '%s' is %s%s%s, expected '%s')",
                      f->path, QTR_H5_ATTR_FORMAT, fmt ? "'" : "missing", fmt ? fmt : "",
                      fmt ? "'" : "", QTR_H5_FORMAT_NAME);
        goto done;
    }
    if (get_attr_i64(f->fid, QTR_H5_ATTR_VERSION, &ver) < 0) {
        st = qtr_fail(ctx, QTR_EPARSE, "%s: root attribute '%s' missing or not an integer",
                      f->path, QTR_H5_ATTR_VERSION);
        goto done;
    }
    if (ver != QTR_H5_FORMAT_VERSION) {
        st = qtr_fail(ctx, QTR_EUNSUPPORTED,
                      "%s: format version %lld; this build reads version %d", f->path,
                      (long long)ver, QTR_H5_FORMAT_VERSION);
        goto done;
    }
    if (types_open(&f->ty) < 0) {
        st = h5_fail(f, ctx, QTR_ENOMEM, "HDF5 types");
        goto done;
    }
    if ((st = read_gate_names(f, ctx))) goto done;
    int has_res = H5Lexists(f->fid, QTR_H5_GROUP_RESULTS, H5P_DEFAULT) > 0;
    int has_circ = H5Lexists(f->fid, QTR_H5_GROUP_CIRCUITS, H5P_DEFAULT) > 0;
    if (!has_res && !has_circ) {
        st = qtr_fail(ctx, QTR_EPARSE, "%s: neither a '%s' nor a '%s' group", f->path,
                      QTR_H5_GROUP_CIRCUITS, QTR_H5_GROUP_RESULTS);
        goto done;
    }
    f->content = has_res ? QTR_H5_RESULTS : QTR_H5_CIRCUITS;
    f->grp = H5Gopen2(f->fid, has_res ? QTR_H5_GROUP_RESULTS : QTR_H5_GROUP_CIRCUITS, H5P_DEFAULT);
    if (f->grp < 0) {
        st = h5_fail(f, ctx, QTR_EPARSE, "%s: cannot open the circuits group", f->path);
        goto done;
    }
    f->storage = QTR_H5_COLUMNS;
    if (!has_res) {
        char *sto = get_attr_str(f->grp, QTR_H5_ATTR_STORAGE);
        if (sto && !strcmp(sto, "qasm")) f->storage = QTR_H5_QASMTEXT;
        else if (sto && strcmp(sto, "columns")) {
            st = qtr_fail(ctx, QTR_EPARSE, "%s: storage '%s' is neither 'columns' nor 'qasm'",
                          f->path, sto);
            free(sto);
            goto done;
        } else if (!sto && H5Lexists(f->grp, QTR_H5_QASM, H5P_DEFAULT) > 0 &&
                   H5Lexists(f->grp, QTR_H5_INST, H5P_DEFAULT) <= 0)
            f->storage = QTR_H5_QASMTEXT;  /* a writer that skipped the attribute */
        free(sto);
    } else {
        f->run_input = get_attr_str(f->grp, QTR_H5_ATTR_INPUT);
        f->run_target = get_attr_str(f->grp, QTR_H5_ATTR_TARGET);
        f->run_basis = get_attr_str(f->grp, QTR_H5_ATTR_BASIS);
        int64_t v = 0;
        if (!get_attr_i64(f->grp, QTR_H5_ATTR_LEVEL, &v)) f->run_level = (int)v;
        if (!get_attr_i64(f->grp, QTR_H5_ATTR_SEED, &v)) f->run_seed = (uint64_t)v;
        /* absent in files from before these options: the level's, exact */
        if (!get_attr_i64(f->grp, QTR_H5_ATTR_LAYOUT_TRIALS, &v)) f->run_layout_trials = (uint32_t)v;
        if (!get_attr_i64(f->grp, QTR_H5_ATTR_SWAP_TRIALS, &v)) f->run_swap_trials = (uint32_t)v;
        double d;
        f->run_approx = !get_attr_f64(f->grp, QTR_H5_ATTR_APPROX, &d) && d > 0 && d <= 1 ? d : 1;
    }
    st = open_columns(f, ctx);
done:
    free(fmt);
    return st;
}

/* After HDF5 failed to open or create @p path: does another process hold
 * it? HDF5 locks a file it opens (flock: shared to read, exclusive to
 * write) until it closes it, so a run in progress -- or the ranks of a
 * killed mpirun, which live on a few seconds -- keep others out. */
static int held_elsewhere(const char *path, int rw)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) return 0;
    int held = flock(fd, (rw ? LOCK_EX : LOCK_SH) | LOCK_NB) < 0 && errno == EWOULDBLOCK;
    close(fd);
    return held;
}

static qtr_status held_fail(const char *path, qtr_ctx *ctx)
{
    H5Eclear2(H5E_DEFAULT);
    return qtr_fail(ctx, QTR_EIO,
                    "%s: another process holds this file (a run still in progress, or the "
                    "ranks of a killed mpirun that have not exited yet); wait for it to end, "
                    "then run the command again", path);
}

qtr_status qtr_h5_check_free(const char *path, qtr_ctx *ctx)
{
    return held_elsewhere(path, 1) ? held_fail(path, ctx) : QTR_OK;
}

int qtr_h5_unfinished(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) || !S_ISREG(sb.st_mode)) return 0;
    if (sb.st_size == 0) return 1;
    quiet_state q = quiet_begin();
    int empty = 0;
    if (H5Fis_hdf5(path) > 0) {
        hid_t fid = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        H5O_info_t info;
        H5G_info_t g;
        if (fid >= 0 && H5Oget_info(fid, &info) >= 0 && H5Gget_info(fid, &g) >= 0)
            empty = info.num_attrs == 0 && g.nlinks == 0;
        if (fid >= 0) H5Fclose(fid);
    }
    H5Eclear2(H5E_DEFAULT);
    quiet_end(q);
    return empty;
}

qtr_status qtr_h5_set_path(qtr_h5_file *f, const char *path, qtr_ctx *ctx)
{
    char *p = strdup(path);
    if (!p) return qtr_fail(ctx, QTR_ENOMEM, "%s", path);
    free(f->path);
    f->path = p;
    if (f->journal && qtr_h5_journal_start(f->journal, path))
        return qtr_fail(ctx, QTR_EIO, "%s: cannot start its journal: %s", path, strerror(errno));
    return QTR_OK;
}

qtr_status qtr_h5_recover(const char *path, int *rolled_back, qtr_ctx *ctx)
{
    return qtr_h5_journal_recover(path, rolled_back, ctx);
}

int qtr_h5_interrupted(const char *path) { return qtr_h5_journal_pending(path); }

void qtr_h5_set_write_hook(qtr_h5_file *f, void (*fn)(void *), void *ud)
{
    if (f->journal) qtr_h5_journal_on_write(f->journal, fn, ud);
}

static qtr_status open_any(const char *path, int64_t fapl, int rw, qtr_h5_file **out,
                           qtr_ctx *ctx)
{
    *out = NULL;
    quiet_state q = quiet_begin();
    qtr_status st = QTR_OK;
    qtr_h5_file *f = file_new(path);
    if (!f) {
        st = qtr_fail(ctx, QTR_ENOMEM, "%s", path);
        goto done;
    }
    /* a file image (qtr_h5_open_image) has no path to look at */
    htri_t is = fapl >= 0 && H5Pget_driver(fapl) == H5FD_CORE ? 1 : H5Fis_hdf5(path);
    if (is <= 0) {
        st = is == 0 ? qtr_fail(ctx, QTR_EPARSE, "%s: not an HDF5 file", path)
                     : qtr_fail(ctx, QTR_EIO, "%s: cannot open (missing or unreadable)", path);
        H5Eclear2(H5E_DEFAULT);
        goto done;
    }
    hid_t p = file_fapl(f, fapl, rw && fapl < 0);
    if (p < 0) {
        st = h5_fail(f, ctx, QTR_EIO, "%s: cannot set up the journal", path);
        goto done;
    }
    f->fid = H5Fopen(path, rw ? H5F_ACC_RDWR : H5F_ACC_RDONLY, p);
    if (f->fid < 0) cap(f);   /* before fapl_done's H5Pclose clears HDF5's error stack */
    fapl_done(p, fapl);
    if (f->fid < 0) {
        /* the commonest damage, said plainly: a copy or a write cut short */
        int cut = strstr(f->err, "truncated file") != NULL;
        st = held_elsewhere(path, rw) ? held_fail(path, ctx)
             : h5_fail(f, ctx, cut ? QTR_EPARSE : QTR_EIO, "%s: cannot open%s", path,
                       cut ? ": the file is truncated" : "");
        goto done;
    }
    f->writable = rw;
    if ((st = open_common(f, ctx))) goto done;
    if (rw && f->content != QTR_H5_RESULTS) {
        st = qtr_fail(ctx, QTR_EINVAL, "%s: not a results file", path);
        goto done;
    }
    if (rw && H5Lexists(f->fid, QTR_H5_GROUP_TIMING, H5P_DEFAULT) > 0)
        f->timing = H5Gopen2(f->fid, QTR_H5_GROUP_TIMING, H5P_DEFAULT);
    if (f->journal && qtr_h5_journal_start(f->journal, path)) {
        st = qtr_fail(ctx, QTR_EIO, "%s: cannot start its journal: %s", path, strerror(errno));
        goto done;
    }
    *out = f;
    f = NULL;
done:
    if (f) {
        file_release(f);
        /* a file HDF5 could not close still uses the journal's driver */
        if (f->fid < 0 || H5Fclose(f->fid) >= 0) qtr_h5_journal_free(f->journal, 0);
        H5Eclear2(H5E_DEFAULT);
        free(f->run_input);
        free(f->run_target);
        free(f->run_basis);
        free(f->path);
        free(f);
    }
    quiet_end(q);
    return st;
}

qtr_status qtr_h5_open(const char *path, qtr_h5_file **out, qtr_ctx *ctx)
{
    return open_any(path, -1, 0, out, ctx);
}

qtr_status qtr_h5_open_rw(const char *path, int64_t fapl, qtr_h5_file **out, qtr_ctx *ctx)
{
    return open_any(path, fapl, 1, out, ctx);
}

qtr_status qtr_h5_open_image(const void *image, size_t len, const char *name, qtr_h5_file **out,
                             qtr_ctx *ctx)
{
    *out = NULL;
    quiet_state q = quiet_begin();
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    qtr_status st;
    /* the image is copied into the core driver's buffer, never written back */
    if (fapl < 0 || H5Pset_fapl_core(fapl, 64u << 10, 0) < 0 ||
        H5Pset_file_image(fapl, (void *)image, len) < 0)
        st = qtr_fail(ctx, QTR_ENOMEM, "%s: cannot hold the file image of %zu bytes", name, len);
    else
        st = open_any(name, fapl, 0, out, ctx);
    if (fapl >= 0) H5Pclose(fapl);
    H5Eclear2(H5E_DEFAULT);
    quiet_end(q);
    return st;
}

/* ---- creating ---- */

static hid_t create_col(qtr_h5_file *f, int c, uint64_t n)
{
    const col_desc *d = &cols[c];
    hid_t loc = d->group == G_ABS ? f->fid : f->grp;
    hsize_t dim = d->kind == K_ROW ? n : 0, maxdim = H5S_UNLIMITED, chunk;
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE), s;
    if (c == C_STATUS) {
        /* the commit marker: contiguous and allocated up front, so marking a
         * row done is one small in-place write, never a chunk rewrite that
         * could tear other rows' marks */
        s = H5Screate_simple(1, &dim, NULL);
        H5Pset_layout(dcpl, H5D_CONTIGUOUS);
        H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
        uint8_t fill = QTR_H5_PENDING;
        H5Pset_fill_value(dcpl, H5T_NATIVE_UINT8, &fill);
        H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC);
    } else {
        s = H5Screate_simple(1, &dim, &maxdim);
        if (d->kind == K_ROW)
            chunk = d->type == T_MSG     ? QTR_H5_CHUNK_MSG
                    : d->type == T_STATS ? QTR_H5_CHUNK_INDEX / 4  /* 72-byte rows */
                                         : QTR_H5_CHUNK_INDEX;
        else chunk = d->type == T_INST || d->type == T_REG ? QTR_H5_CHUNK_POOL : QTR_H5_CHUNK_SMALL;
        if (d->kind == K_ROW && n && chunk > n) chunk = n;
        H5Pset_chunk(dcpl, 1, &chunk);
        if (d->type != T_VSTR) {
            H5Pset_shuffle(dcpl);
            H5Pset_deflate(dcpl, QTR_H5_DEFLATE);
        }
    }
    hid_t dapl = one_chunk_dapl(dcpl, file_type(&f->ty, d->type));
    hid_t ds = H5Dcreate2(loc, d->name, file_type(&f->ty, d->type), s, H5P_DEFAULT, dcpl, dapl);
    if (ds < 0) cap(f);
    if (dapl != H5P_DEFAULT) H5Pclose(dapl);
    H5Sclose(s);
    H5Pclose(dcpl);
    return ds;
}

static int write_gate_table(qtr_h5_file *f)
{
    hsize_t g = QTR_OP_COUNT;
    char names[QTR_OP_COUNT][QTR_H5_GATENAME_LEN];
    memset(names, 0, sizeof names);
    for (int k = 0; k < QTR_OP_COUNT; k++)
        strncpy(names[k], qtr_gate((qtr_op)k)->name, QTR_H5_GATENAME_LEN);
    hid_t t = fixed_str(QTR_H5_GATENAME_LEN, H5T_STR_NULLPAD);
    hid_t s = H5Screate_simple(1, &g, NULL);
    hid_t d = H5Dcreate2(f->fid, QTR_H5_GATE_NAMES, t, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int rc = d < 0 || H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, names) < 0 ? -1 : 0;
    if (d >= 0) H5Dclose(d);
    H5Sclose(s);
    H5Tclose(t);
    for (int k = 0; k < QTR_OP_COUNT; k++) f->opmap[k] = (int16_t)k;
    return rc;
}

qtr_status qtr_h5_create(const char *path, int64_t fapl, qtr_h5_content content,
                         qtr_h5_storage storage, uint64_t n, const qtr_h5_run *run,
                         qtr_h5_file **out, qtr_ctx *ctx)
{
    *out = NULL;
    if (content == QTR_H5_RESULTS && storage != QTR_H5_COLUMNS)
        return qtr_fail(ctx, QTR_EINVAL, "%s: results are always stored as columns", __func__);
    quiet_state q = quiet_begin();
    qtr_status st = QTR_OK;
    hid_t fcpl = -1;
    qtr_h5_file *f = file_new(path);
    if (!f) {
        st = qtr_fail(ctx, QTR_ENOMEM, "%s", path);
        goto done;
    }
    f->content = content;
    f->storage = storage;
    f->n = n;
    f->writable = 1;
    if (types_open(&f->ty) < 0) {
        st = h5_fail(f, ctx, QTR_ENOMEM, "HDF5 types");
        goto done;
    }
    /* No reuse of freed file space (aggregators only): a rewritten
     * compressed chunk moves, and the place it leaves is never handed out
     * again, so data the last flushed metadata points to is never
     * overwritten by a later round (see doc/hdf5-format.md, "Crashes"). */
    fcpl = H5Pcreate(H5P_FILE_CREATE);
    if (content == QTR_H5_RESULTS) H5Pset_file_space_strategy(fcpl, H5F_FSPACE_STRATEGY_AGGR, 0, 1);
    hid_t p = file_fapl(f, fapl, content == QTR_H5_RESULTS && fapl < 0);
    if (p < 0) {
        st = h5_fail(f, ctx, QTR_EIO, "%s: cannot set up the journal", path);
        goto done;
    }
    f->fid = H5Fcreate(path, H5F_ACC_TRUNC, fcpl, p);
    fapl_done(p, fapl);
    if (f->fid < 0) {
        st = held_elsewhere(path, 1) ? held_fail(path, ctx)
                                     : h5_fail(f, ctx, QTR_EIO, "%s: cannot create", path);
        goto done;
    }
    int bad = set_attr_str(f->fid, QTR_H5_ATTR_FORMAT, QTR_H5_FORMAT_NAME) |
              set_attr_i64(f->fid, QTR_H5_ATTR_VERSION, H5T_STD_I32LE, QTR_H5_FORMAT_VERSION) |
              set_attr_i64(f->fid, QTR_H5_ATTR_MINOR, H5T_STD_I32LE, QTR_H5_FORMAT_MINOR) |
              set_attr_str(f->fid, QTR_H5_ATTR_CONTENT,
                           content == QTR_H5_RESULTS ? "results" : "circuits") |
              write_gate_table(f);
    f->grp = H5Gcreate2(f->fid, content == QTR_H5_RESULTS ? QTR_H5_GROUP_RESULTS
                                                           : QTR_H5_GROUP_CIRCUITS,
                        H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (bad || f->grp < 0) {
        st = h5_fail(f, ctx, QTR_EIO, "%s: writing the header failed", path);
        goto done;
    }
    if (content == QTR_H5_CIRCUITS) {
        bad = set_attr_str(f->grp, QTR_H5_ATTR_STORAGE,
                           storage == QTR_H5_QASMTEXT ? "qasm" : "columns");
    } else {
        qtr_h5_run none = {0};
        if (!run) run = &none;
        double approx = run->approx_degree > 0 && run->approx_degree <= 1 ? run->approx_degree : 1;
        bad = set_attr_str(f->grp, QTR_H5_ATTR_INPUT, run->input ? run->input : "") |
              set_attr_str(f->grp, QTR_H5_ATTR_TARGET, run->target ? run->target : "") |
              set_attr_str(f->grp, QTR_H5_ATTR_BASIS, run->basis ? run->basis : "") |
              set_attr_i64(f->grp, QTR_H5_ATTR_LEVEL, H5T_STD_I32LE, run->opt_level) |
              set_attr_i64(f->grp, QTR_H5_ATTR_SEED, H5T_STD_U64LE, (int64_t)run->seed) |
              set_attr_i64(f->grp, QTR_H5_ATTR_LAYOUT_TRIALS, H5T_STD_U32LE, run->layout_trials) |
              set_attr_i64(f->grp, QTR_H5_ATTR_SWAP_TRIALS, H5T_STD_U32LE, run->swap_trials) |
              set_attr_f64(f->grp, QTR_H5_ATTR_APPROX, approx) |
              set_attr_i64(f->grp, QTR_H5_ATTR_COUNT, H5T_STD_U64LE, (int64_t)n);
        f->run_input = strdup(run->input ? run->input : "");
        f->run_target = strdup(run->target ? run->target : "");
        f->run_basis = strdup(run->basis ? run->basis : "");
        f->run_level = run->opt_level;
        f->run_seed = run->seed;
        f->run_layout_trials = run->layout_trials;
        f->run_swap_trials = run->swap_trials;
        f->run_approx = approx;
        f->timing = H5Gcreate2(f->fid, QTR_H5_GROUP_TIMING, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (f->timing < 0) bad = -1;
    }
    for (int c = 0; c < NCOLS && !bad; c++)
        if (col_applies(c, content, storage) && (f->d[c] = create_col(f, c, n)) < 0) bad = -1;
    if (bad) {
        st = h5_fail(f, ctx, QTR_EIO, "%s: creating the datasets failed", path);
        goto done;
    }
    *out = f;
    f = NULL;
done:
    if (fcpl >= 0) H5Pclose(fcpl);
    if (f) {
        file_release(f);
        /* a file HDF5 could not close still uses the journal's driver */
        if (f->fid < 0 || H5Fclose(f->fid) >= 0) qtr_h5_journal_free(f->journal, 0);
        H5Eclear2(H5E_DEFAULT);
        free(f->run_input);
        free(f->run_target);
        free(f->run_basis);
        free(f->path);
        free(f);
    }
    quiet_end(q);
    return st;
}

qtr_status qtr_h5_set_timing(qtr_h5_file *f, int ranks, int threads, double wall_seconds,
                             qtr_ctx *ctx)
{
    if (f->timing < 0) return QTR_OK;
    quiet_state q = quiet_begin();
    qtr_status st = QTR_OK;
    static const char *const names[] = {"ranks", "threads", "wall_seconds"};
    for (int i = 0; i < 3; i++)
        if (H5Aexists(f->timing, names[i]) > 0) H5Adelete(f->timing, names[i]);
    if (set_attr_i64(f->timing, "ranks", H5T_STD_I32LE, ranks) |
        set_attr_i64(f->timing, "threads", H5T_STD_I32LE, threads) |
        set_attr_f64(f->timing, "wall_seconds", wall_seconds))
        st = h5_fail(f, ctx, QTR_EIO, "%s: writing /timing", f->path);
    quiet_end(q);
    return st;
}

size_t qtr_h5_cache_bytes(const qtr_h5_file *f)
{
    size_t max = 0, min = 0, cur = 0;
    int n = 0;
    if (!f || H5Fget_mdc_size(f->fid, &max, &min, &cur, &n) < 0) return 0;
    return cur;
}

void qtr_h5_release_memory(void)
{
    H5garbage_collect();
}

qtr_status qtr_h5_flush(qtr_h5_file *f, qtr_ctx *ctx)
{
    quiet_state q = quiet_begin();
    qtr_status st = QTR_OK;
    if (H5Fflush(f->fid, H5F_SCOPE_GLOBAL) < 0) st = h5_fail(f, ctx, QTR_EIO, "%s: flush failed", f->path);
    else if (qtr_h5_journal_commit(f->journal))
        st = qtr_fail(ctx, QTR_EIO, "%s: emptying its journal failed: %s", f->path, strerror(errno));
    quiet_end(q);
    return st;
}

/* ======================================================================
 * Reading rows
 * ====================================================================== */

/* Read rows [first, first+n) of row column @p c into @p buf with memory
 * type @p mt. Absent columns leave buf untouched (the caller zeroed it). */
static int read_col(qtr_h5_file *f, int c, uint64_t first, size_t n, hid_t mt, void *buf)
{
    hid_t d = f->d[c];
    if (d < 0 || !n) return 0;
    hsize_t off = first, cnt = n;
    hid_t fs = H5Dget_space(d), ms = H5Screate_simple(1, &cnt, NULL);
    int rc = H5Sselect_hyperslab(fs, H5S_SELECT_SET, &off, NULL, &cnt, NULL) < 0 ||
                     H5Dread(d, mt, ms, fs, H5P_DEFAULT, buf) < 0
                 ? -1
                 : 0;
    if (rc) cap(f);
    H5Sclose(ms);
    H5Sclose(fs);
    return rc;
}

/* Read elements [lo, hi) of pool dataset @p c. */
static int read_span(qtr_h5_file *f, int c, uint64_t lo, uint64_t hi, hid_t mt, void *buf)
{
    if (hi <= lo) return 0;
    hsize_t off = lo, cnt = hi - lo;
    hid_t fs = H5Dget_space(f->d[c]), ms = H5Screate_simple(1, &cnt, NULL);
    int rc = H5Sselect_hyperslab(fs, H5S_SELECT_SET, &off, NULL, &cnt, NULL) < 0 ||
                     H5Dread(f->d[c], mt, ms, fs, H5P_DEFAULT, buf) < 0
                 ? -1
                 : 0;
    if (rc) cap(f);
    H5Sclose(ms);
    H5Sclose(fs);
    return rc;
}

qtr_status qtr_h5_read_status(qtr_h5_file *f, uint64_t first, size_t n, uint8_t *status,
                              qtr_ctx *ctx)
{
    if (f->content != QTR_H5_RESULTS)
        return qtr_fail(ctx, QTR_EINVAL, "%s: not a results file", f->path);
    if (first > f->n || n > f->n - first)
        return qtr_fail(ctx, QTR_EINVAL, "%s: rows %llu..+%zu outside 0..%llu", f->path,
                        (unsigned long long)first, n, (unsigned long long)f->n);
    quiet_state q = quiet_begin();
    qtr_status st = QTR_OK;
    if (read_col(f, C_STATUS, first, n, H5T_NATIVE_UINT8, status) < 0)
        st = h5_fail(f, ctx, QTR_EIO, "%s: reading status", f->path);
    quiet_end(q);
    return st;
}

qtr_status qtr_h5_read_placement(qtr_h5_file *f, uint64_t first, size_t n, uint64_t *start,
                                 uint64_t *count, qtr_ctx *ctx)
{
    if (first > f->n || n > f->n - first)
        return qtr_fail(ctx, QTR_EINVAL, "%s: rows %llu..+%zu outside 0..%llu", f->path,
                        (unsigned long long)first, n, (unsigned long long)f->n);
    quiet_state q = quiet_begin();
    qtr_status st = QTR_OK;
    uint64_t *tmp = calloc(n ? n : 1, sizeof *tmp);
    if (!tmp) {
        st = qtr_fail(ctx, QTR_ENOMEM, "placement of %zu rows", n);
        goto done;
    }
    memset(start, 0, n * QTR_H5_NFILEPOOLS * sizeof *start);
    memset(count, 0, n * QTR_H5_NFILEPOOLS * sizeof *count);
    for (int p = 0; p < QTR_H5_NFILEPOOLS; p++)
        for (int role = 0; role < 2; role++) {
            int c = role ? count_col(p) : start_col(p);
            if (f->d[c] < 0) continue;
            if (read_col(f, c, first, n, H5T_NATIVE_UINT64, tmp) < 0) {
                st = h5_fail(f, ctx, QTR_EIO, "%s: reading '%s'", f->path, cols[c].name);
                goto done;
            }
            uint64_t *o = role ? count : start;
            for (size_t k = 0; k < n; k++) o[k * QTR_H5_NFILEPOOLS + p] = tmp[k];
        }
done:
    free(tmp);
    quiet_end(q);
    return st;
}

qtr_status qtr_h5_read_costs(qtr_h5_file *f, uint64_t first, size_t n, double *cost,
                             uint64_t *ninst, uint32_t *nqubits, qtr_ctx *ctx)
{
    if (first > f->n || n > f->n - first)
        return qtr_fail(ctx, QTR_EINVAL, "%s: rows %llu..+%zu outside 0..%llu", f->path,
                        (unsigned long long)first, n, (unsigned long long)f->n);
    quiet_state q = quiet_begin();
    qtr_status st = QTR_OK;
    memset(cost, 0, n * sizeof *cost);
    if (ninst) memset(ninst, 0, n * sizeof *ninst);
    if (nqubits) memset(nqubits, 0, n * sizeof *nqubits);
    if (read_col(f, C_COST, first, n, H5T_NATIVE_DOUBLE, cost) < 0 ||
        (ninst && read_col(f, C_INST_COUNT, first, n, H5T_NATIVE_UINT64, ninst) < 0) ||
        (nqubits && read_col(f, C_NQUBITS, first, n, H5T_NATIVE_UINT32, nqubits) < 0))
        st = h5_fail(f, ctx, QTR_EIO, "%s: reading the index of rows %llu..%llu", f->path,
                     (unsigned long long)first, (unsigned long long)(first + n));
    for (size_t k = 0; k < n && !st; k++)
        if (!isfinite(cost[k]) || cost[k] < 0) cost[k] = 0;
    quiet_end(q);
    return st;
}

/* Mark row k of the block unusable with status @p code and a reason; its
 * pools stay empty. */
static void row_defect(qtr_h5_block *b, size_t k, qtr_status code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void row_defect(qtr_h5_block *b, size_t k, qtr_status code, const char *fmt, ...)
{
    char m[QTR_H5_MSG_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    qtr_h5_row *r = &b->row[k];
    if (!r->defect) {
        r->defect = put_msg(b, m);
        r->defect_code = (uint8_t)code;
    }
    for (int p = 0; p < QTR_H5_NPOOLS; p++) r->count[p] = 0;
}

/* Bytes row @p r's circuit will hold at least, from its pool counts
 * (saturating; the layouts are two arrays). */
static double row_bytes(const qtr_h5_row *r)
{
    static const double elem[QTR_H5_NFILEPOOLS] = {
        sizeof(qtr_inst), sizeof(double), sizeof(uint32_t), sizeof(qtr_h5_reg),
        2 * sizeof(uint32_t)};
    double sum = 0;
    for (int p = 0; p < QTR_H5_NFILEPOOLS; p++) sum += (double)r->count[p] * elem[p];
    return sum;
}

/* Memory type and element size of pool dataset column c. */
static hid_t pool_mem(const qtr_h5_file *f, int c, size_t *elem)
{
    switch (c) {
    case C_INST: *elem = sizeof(qtr_inst); return f->ty.inst_mem;
    case C_PARAMS: *elem = sizeof(double); return H5T_NATIVE_DOUBLE;
    case C_ARGS: case C_LAYOUT0: case C_LAYOUT1: *elem = sizeof(uint32_t); return H5T_NATIVE_UINT32;
    case C_REGS: *elem = sizeof(qtr_h5_reg); return f->ty.reg_mem;
    }
    *elem = 0;
    return -1;
}

/* Destination array in the block for pool column c (grown to hold need). */
static void *pool_dest(qtr_h5_block *b, int c, size_t need)
{
    switch (c) {
    case C_INST: return QTR_GROW(&b->alloc, b->inst, b->capinst, need) ? NULL : (void *)b->inst;
    case C_PARAMS: return QTR_GROW(&b->alloc, b->params, b->capparams, need) ? NULL : (void *)b->params;
    case C_ARGS: return QTR_GROW(&b->alloc, b->args, b->capargs, need) ? NULL : (void *)b->args;
    case C_REGS: return QTR_GROW(&b->alloc, b->regs, b->capregs, need) ? NULL : (void *)b->regs;
    case C_LAYOUT0: return grow_layout(b, need) ? NULL : (void *)b->layout0;
    case C_LAYOUT1: return grow_layout(b, need) ? NULL : (void *)b->layout1;
    }
    return NULL;
}

static size_t *pool_len(qtr_h5_block *b, int c)
{
    switch (c) {
    case C_INST: return &b->ninst;
    case C_PARAMS: return &b->nparams;
    case C_ARGS: return &b->nargs;
    case C_REGS: return &b->nregs;
    default: return &b->nlayout;
    }
}

/* Copy the segments of rows [k0, b->n) of pool dataset @p c into the block.
 * Reads the span covering them in one hyperslab when it is not much larger
 * than what the rows need, else one read per row. */
static qtr_status read_pool(qtr_h5_file *f, qtr_h5_block *b, size_t k0, int c, qtr_ctx *ctx)
{
    int p = cols[c].pool;
    size_t elem;
    hid_t mt = pool_mem(f, c, &elem);
    uint64_t lo = UINT64_MAX, hi = 0, need = 0;
    for (size_t k = k0; k < b->n; k++) {
        qtr_h5_row *r = &b->row[k];
        if (!r->count[p]) continue;
        lo = r->start[p] < lo ? r->start[p] : lo;
        hi = r->start[p] + r->count[p] > hi ? r->start[p] + r->count[p] : hi;
        need += r->count[p];
    }
    size_t *len = pool_len(b, c);
    size_t base = *len;
    /* the layout pool is read twice (two datasets) into the same offsets */
    if (c == C_LAYOUT1) base = b->row[k0].local[QTR_H5_POOL_LAYOUT];
    if (!need) return QTR_OK;
    char *dst = pool_dest(b, c, base + need);
    if (!dst) return qtr_fail(ctx, QTR_ENOMEM, "%s: %llu elements of '%s'", f->path,
                              (unsigned long long)need, cols[c].name);
    size_t at = base;
    if (hi - lo <= 2 * need + 65536) {
        void *tmp = malloc((size_t)(hi - lo) * elem);
        if (!tmp) return qtr_fail(ctx, QTR_ENOMEM, "%s: reading '%s'", f->path, cols[c].name);
        if (read_span(f, c, lo, hi, mt, tmp) < 0) {
            free(tmp);
            return h5_fail(f, ctx, QTR_EIO, "%s: reading '%s' [%llu, %llu)", f->path, cols[c].name,
                           (unsigned long long)lo, (unsigned long long)hi);
        }
        for (size_t k = k0; k < b->n; k++) {
            qtr_h5_row *r = &b->row[k];
            r->local[p] = at;
            if (!r->count[p]) continue;
            memcpy(dst + at * elem, (char *)tmp + (r->start[p] - lo) * elem, r->count[p] * elem);
            at += r->count[p];
        }
        free(tmp);
    } else {
        for (size_t k = k0; k < b->n; k++) {
            qtr_h5_row *r = &b->row[k];
            r->local[p] = at;
            if (!r->count[p]) continue;
            if (read_span(f, c, r->start[p], r->start[p] + r->count[p], mt, dst + at * elem) < 0)
                return h5_fail(f, ctx, QTR_EIO, "%s: reading '%s' of row %llu", f->path,
                               cols[c].name, (unsigned long long)r->index);
            at += r->count[p];
        }
    }
    if (c != C_LAYOUT0) *len = at;
    /* a name that fills its field in the file arrives without its NUL */
    if (c == C_REGS)
        for (size_t i = base; i < at; i++) b->regs[i].name[QTR_H5_REGNAME_LEN] = '\0';
    return QTR_OK;
}

/* QASM text of rows [k0, b->n), first file row @p first. */
static qtr_status read_texts(qtr_h5_file *f, qtr_h5_block *b, size_t k0, uint64_t first,
                             qtr_ctx *ctx)
{
    size_t n = b->n - k0;
    hid_t d = f->d[C_QASM], t = H5Dget_type(d), m = -1;
    hsize_t off = first, cnt = n;
    hid_t fs = H5Dget_space(d), ms = H5Screate_simple(1, &cnt, NULL);
    qtr_status st = QTR_OK;
    char **v = NULL, *fixed = NULL;
    size_t width = 0;
    int var = H5Tis_variable_str(t) > 0;
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, &off, NULL, &cnt, NULL);
    if (var) {
        m = H5Tcopy(H5T_C_S1);
        H5Tset_size(m, H5T_VARIABLE);
        H5Tset_cset(m, H5Tget_cset(t));
        v = calloc(n, sizeof *v);
        if (!v) { st = qtr_fail(ctx, QTR_ENOMEM, "QASM texts"); goto done; }
        if (H5Dread(d, m, ms, fs, H5P_DEFAULT, v) < 0) {
            cap(f);
            free(v);
            v = NULL;
            st = h5_fail(f, ctx, QTR_EIO, "%s: reading '%s'", f->path, QTR_H5_QASM);
            goto done;
        }
    } else {
        width = H5Tget_size(t);
        m = fixed_str(width + 1, H5T_STR_NULLTERM);
        fixed = calloc(n, width + 1);
        if (!fixed) { st = qtr_fail(ctx, QTR_ENOMEM, "QASM texts"); goto done; }
        if (H5Dread(d, m, ms, fs, H5P_DEFAULT, fixed) < 0) {
            cap(f);
            st = h5_fail(f, ctx, QTR_EIO, "%s: reading '%s'", f->path, QTR_H5_QASM);
            goto done;
        }
    }
    for (size_t i = 0; i < n; i++) {
        const char *s = var ? (v[i] ? v[i] : "") : fixed + i * (width + 1);
        size_t len = strlen(s);
        qtr_h5_row *r = &b->row[k0 + i];
        if (QTR_GROW(&b->alloc, b->text, b->captext, b->ntext + len + 1)) {
            st = qtr_fail(ctx, QTR_ENOMEM, "%zu bytes of QASM", len);
            goto done;
        }
        memcpy(b->text + b->ntext, s, len + 1);
        r->local[QTR_H5_POOL_TEXT] = b->ntext;
        r->count[QTR_H5_POOL_TEXT] = len;
        b->ntext += len + 1;
    }
done:
    if (v) {
        H5Dvlen_reclaim(m, ms, H5P_DEFAULT, v);
        free(v);
    }
    free(fixed);
    if (m >= 0) H5Tclose(m);
    H5Sclose(ms);
    H5Sclose(fs);
    H5Tclose(t);
    return st;
}

qtr_status qtr_h5_read_rows(qtr_h5_file *f, uint64_t first, size_t n, qtr_h5_block *b,
                            qtr_ctx *ctx)
{
    if (first > f->n || n > f->n - first)
        return qtr_fail(ctx, QTR_EINVAL, "%s: rows %llu..+%zu outside 0..%llu", f->path,
                        (unsigned long long)first, n, (unsigned long long)f->n);
    if (!n) return QTR_OK;
    if (b->n && first <= b->row[b->n - 1].index)
        return qtr_fail(ctx, QTR_EINVAL, "%s: rows out of order", __func__);
    quiet_state q = quiet_begin();
    qtr_status st = QTR_OK;
    size_t k0 = b->n;
    uint64_t *u64 = NULL;
    double *f64 = NULL;
    char *str = NULL;
    if (QTR_GROW(&b->alloc, b->row, b->cap, k0 + n)) goto nomem;
    u64 = malloc(n * sizeof *u64);
    f64 = malloc(n * sizeof *f64);
    str = malloc(n * (QTR_H5_MSG_LEN + 1));
    if (!u64 || !f64 || !str) goto nomem;
    for (size_t i = 0; i < n; i++) {
        memset(&b->row[k0 + i], 0, sizeof b->row[0]);
        b->row[k0 + i].index = first + i;
    }
    b->n = k0 + n;

    /* index columns */
#define ROWS_U(col, field)                                                          \
    if (f->d[col] >= 0) {                                                           \
        if (read_col(f, col, first, n, H5T_NATIVE_UINT64, u64) < 0) goto ioerr;     \
        for (size_t i = 0; i < n; i++) b->row[k0 + i].field = u64[i];               \
    }
    ROWS_U(C_NQUBITS, nqubits)
    ROWS_U(C_NCLBITS, nclbits)
    ROWS_U(C_STATUS, status)
    ROWS_U(C_CODE, code)
    for (int p = 0; p < QTR_H5_NFILEPOOLS; p++) {
        ROWS_U(start_col(p), start[p])
        ROWS_U(count_col(p), count[p])
    }
    if (f->d[C_STATS] >= 0) {
        uint64_t *st = malloc(n * QTR_H5_NSTATS * sizeof *st);
        if (!st) goto nomem;
        if (read_col(f, C_STATS, first, n, f->ty.stats, st) < 0) {
            free(st);
            goto ioerr;
        }
        for (size_t i = 0; i < n; i++)
            memcpy(b->row[k0 + i].stats, st + i * QTR_H5_NSTATS, sizeof b->row[0].stats);
        free(st);
    }
#undef ROWS_U
#define ROWS_F(col, field)                                                          \
    if (f->d[col] >= 0) {                                                           \
        if (read_col(f, col, first, n, H5T_NATIVE_DOUBLE, f64) < 0) goto ioerr;     \
        for (size_t i = 0; i < n; i++) b->row[k0 + i].field = f64[i];               \
    }
    ROWS_F(C_PHASE, global_phase)
    ROWS_F(C_COST, cost)
    ROWS_F(C_SECONDS, seconds)
#undef ROWS_F
    if (f->d[C_NAME] >= 0) {
        if (read_fixed_strings(f, f->d[C_NAME], first, n, QTR_H5_NAME_LEN, str) < 0) goto ioerr;
        for (size_t i = 0; i < n; i++)
            memcpy(b->row[k0 + i].name, str + i * (QTR_H5_NAME_LEN + 1), QTR_H5_NAME_LEN + 1);
    }
    if (f->d[C_MESSAGE] >= 0) {
        if (read_fixed_strings(f, f->d[C_MESSAGE], first, n, QTR_H5_MSG_LEN, str) < 0) goto ioerr;
        for (size_t i = 0; i < n; i++) {
            const char *m = str + i * (QTR_H5_MSG_LEN + 1);
            if (m[0] && !(b->row[k0 + i].message = put_msg(b, m))) goto nomem;
        }
    }

    if (f->storage == QTR_H5_QASMTEXT) {
        st = read_texts(f, b, k0, first, ctx);
        goto done;
    }
    /* pool segments: validate against the pool lengths, then read */
    for (size_t k = k0; k < b->n; k++) {
        qtr_h5_row *r = &b->row[k];
        for (int p = 0; p < QTR_H5_NFILEPOOLS; p++) {
            if (r->count[p] && (r->start[p] > f->ext[p] || r->count[p] > f->ext[p] - r->start[p])) {
                row_defect(b, k, QTR_EPARSE,
                           "circuit %llu ('%s'): %s segment [%llu, +%llu) lies outside the pool "
                           "of %llu",
                           (unsigned long long)r->index, r->name, cols[start_col(p)].name,
                           (unsigned long long)r->start[p], (unsigned long long)r->count[p],
                           (unsigned long long)f->ext[p]);
                break;
            }
        }
        /* a row's sizes are the file's word: never allocate from them beyond
         * the budget (a row may claim 2^40 records of a pool declared that
         * long) */
        if (!r->defect && ctx->max_memory && row_bytes(r) > (double)ctx->max_memory)
            row_defect(b, k, QTR_EMEMORY,
                       "circuit %llu ('%s'): %llu instructions, %llu parameters and %llu operand "
                       "words need %.0f MiB, more than its memory budget of %.0f MiB "
                       "(--max-memory)",
                       (unsigned long long)r->index, r->name,
                       (unsigned long long)r->count[QTR_H5_POOL_INST],
                       (unsigned long long)r->count[QTR_H5_POOL_PARAMS],
                       (unsigned long long)r->count[QTR_H5_POOL_ARGS], row_bytes(r) / 1048576.0,
                       (double)ctx->max_memory / 1048576.0);
    }
    static const int pool_cols[] = {C_INST, C_PARAMS, C_ARGS, C_REGS, C_LAYOUT0, C_LAYOUT1};
    for (size_t i = 0; i < sizeof pool_cols / sizeof *pool_cols && !st; i++)
        if (f->d[pool_cols[i]] >= 0) st = read_pool(f, b, k0, pool_cols[i], ctx);
    goto done;
nomem:
    st = qtr_fail(ctx, QTR_ENOMEM, "%s: block of %zu rows", f->path, n);
    goto done;
ioerr:
    st = h5_fail(f, ctx, QTR_EIO, "%s: reading rows %llu..%llu", f->path, (unsigned long long)first,
                 (unsigned long long)(first + n));
done:
    if (st) b->n = k0;  /* nothing half-read stays in the block */
    free(u64);
    free(f64);
    free(str);
    quiet_end(q);
    return st;
}

/* ======================================================================
 * Writing
 * ====================================================================== */

qtr_status qtr_h5_grow(qtr_h5_file *f, const uint64_t ext[QTR_H5_NFILEPOOLS], qtr_ctx *ctx)
{
    static const int pc[QTR_H5_NFILEPOOLS] = {C_INST, C_PARAMS, C_ARGS, C_REGS, C_LAYOUT0};
    quiet_state q = quiet_begin();
    qtr_status st = QTR_OK;
    memcpy(f->from, f->ext, sizeof f->from);
    for (int p = 0; p < QTR_H5_NFILEPOOLS && !st; p++) {
        if (f->d[pc[p]] < 0 || ext[p] <= f->ext[p]) continue;
        hsize_t dim = ext[p];
        if (H5Dset_extent(f->d[pc[p]], &dim) < 0 ||
            (p == QTR_H5_POOL_LAYOUT && f->d[C_LAYOUT1] >= 0 && H5Dset_extent(f->d[C_LAYOUT1], &dim) < 0))
            st = h5_fail(f, ctx, QTR_EIO, "%s: extending '%s' to %llu", f->path, cols[pc[p]].name,
                         (unsigned long long)ext[p]);
        else f->ext[p] = ext[p];
    }
    quiet_end(q);
    return st;
}

/* Select the rows of @p b in file space @p fs (runs of consecutive rows as
 * one hyperslab each). */
static int select_rows(hid_t fs, const qtr_h5_block *b)
{
    if (H5Sselect_none(fs) < 0) return -1;
    for (size_t k = 0; k < b->n;) {
        size_t e = k + 1;
        while (e < b->n && b->row[e].index == b->row[e - 1].index + 1) e++;
        hsize_t off = b->row[k].index, cnt = e - k;
        if (H5Sselect_hyperslab(fs, H5S_SELECT_OR, &off, NULL, &cnt, NULL) < 0) return -1;
        k = e;
    }
    return 0;
}

/* Write @p nmem elements from @p buf into the selection of @p fs. */
static int write_sel(qtr_h5_file *f, hid_t d, hid_t mt, hid_t fs, size_t nmem, const void *buf,
                     hid_t dxpl)
{
    hsize_t cnt = nmem ? nmem : 1;
    hid_t ms = H5Screate_simple(1, &cnt, NULL);
    if (!nmem) H5Sselect_none(ms);
    /* HDF5 wants a buffer even for an empty selection in a collective call */
    static const uint64_t dummy[8];
    int rc = H5Dwrite(d, mt, ms, fs, dxpl, nmem ? buf : (const void *)dummy) < 0 ? -1 : 0;
    if (rc) cap(f);
    H5Sclose(ms);
    return rc;
}

/* Pool data goes out in windows of at most this many bytes of the file
 * range the last qtr_h5_grow added. A collective write to a compressed
 * dataset (parallel HDF5 1.10 with Open MPI's MPI-IO) holds buffers for
 * everything it writes at once: committing a round with hwb11's or hwb12's
 * result (30-55 MB) took 50-60 MiB more resident memory for the time of
 * the write (10,000 circuits, 2 ranks). Windows start at a chunk boundary
 * and are whole chunks, so no chunk is written by two windows. Every rank
 * derives the same windows from the extents alone, so the collective calls
 * pair up; a round of light rows fits in one window. */
#define WRITE_WINDOW_BYTES ((uint64_t)8 << 20)

const void *qtr_h5_block_elems(const qtr_h5_block *b, size_t k, int pool)
{
    if (b->refs) {
        const qtr_circuit *c = b->src[k];
        if (!c) return NULL;
        return pool == QTR_H5_POOL_INST     ? (const void *)c->inst
               : pool == QTR_H5_POOL_PARAMS ? (const void *)c->params
                                            : (const void *)c->args;
    }
    uint64_t at = b->row[k].local[pool];
    return pool == QTR_H5_POOL_INST     ? (const void *)(b->inst + at)
           : pool == QTR_H5_POOL_PARAMS ? (const void *)(b->params + at)
                                        : (const void *)(b->args + at);
}

/* The block's precompressed chunks of pool @p p: [*first, *first + return). */
static size_t pre_of_pool(const qtr_h5_block *b, int p, size_t *first)
{
    size_t i = 0, n = 0;
    while (i < b->npre && (int)b->pre[i].pool != p) i++;
    *first = i;
    while (i + n < b->npre && (int)b->pre[i + n].pool == p) n++;
    return n;
}

/* Store the precompressed chunks b->pre[first, first + n) of dataset @p d
 * as they are. The dataset must be chunked as this build creates it, with
 * shuffle then deflate, or the bytes would be read back wrong. */
static int write_prechunks(qtr_h5_file *f, const qtr_h5_block *b, hid_t d, int p, size_t first,
                           size_t n)
{
    uint64_t clen;
    size_t es;
    if (qtr_h5_chunk_geometry(p, &clen, &es)) return -1;
    hid_t dcpl = H5Dget_create_plist(d);
    hsize_t dim = 0;
    int ok = dcpl >= 0 && H5Pget_chunk(dcpl, 1, &dim) == 1 && dim == clen &&
             H5Pget_nfilters(dcpl) == 2;
    for (unsigned i = 0; ok && i < 2; i++) {
        unsigned flags, cd[8];
        size_t ncd = 8;
        H5Z_filter_t id = H5Pget_filter2(dcpl, i, &flags, &ncd, cd, 0, NULL, NULL);
        ok = id == (i == 0 ? H5Z_FILTER_SHUFFLE : H5Z_FILTER_DEFLATE);
    }
    if (dcpl >= 0) H5Pclose(dcpl);
    if (!ok) {
        cap(f);
        return -1;
    }
    for (size_t i = first; i < first + n; i++) {
        const qtr_h5_prechunk *c = &b->pre[i];
        hsize_t off = c->chunk * clen;
        if (H5Dwrite_chunk(d, H5P_DEFAULT, c->mask, &off, (size_t)c->size, c->data) < 0) {
            cap(f);
            return -1;
        }
    }
    return 0;
}

/* @p buf: the block's own pool array; with @p gather, each window's
 * elements are gathered from the rows' circuits (b->refs) instead. */
static int write_pool(qtr_h5_file *f, const qtr_h5_block *b, int c, hid_t mt, const void *buf,
                      int gather, hid_t dxpl)
{
    hid_t d = f->d[c];
    int p = cols[c].pool;
    uint64_t es = H5Tget_size(mt);
    uint64_t chunk = cols[c].type == T_INST || cols[c].type == T_REG ? QTR_H5_CHUNK_POOL
                                                                      : QTR_H5_CHUNK_SMALL;
    uint64_t per = (f->window ? f->window : WRITE_WINDOW_BYTES) / (es ? es : 1) / chunk * chunk;
    if (per < chunk) per = chunk;
    uint64_t lo = f->from[p] - f->from[p] % chunk, hi = f->ext[p];
    uint64_t nwin = hi > lo ? (hi - lo + per - 1) / per : 1;
    /* elements in precompressed chunks are left out: their chunks are
     * stored as they are afterwards */
    size_t xi, nx = pre_of_pool(b, p, &xi), xend = xi + nx;
    uint64_t clen = chunk;
    if (nx) gather = 1;
    hid_t fs = H5Dget_space(d);
    if (fs < 0) return -1;
    int rc = 0;
    size_t k = 0, mpos = 0;
    uint64_t done_in_row = 0;  /* elements of row k's segment already written */
    char *stage = NULL;        /* gathered elements of the window */
    uint64_t capstage = 0;
    for (uint64_t w = 0; w < nwin && !rc; w++) {
        /* the first window also takes anything below lo, the last anything
         * above: a segment outside [from, ext) is still written once */
        uint64_t wh = w + 1 == nwin ? UINT64_MAX : lo + (w + 1) * per;
        uint64_t cnt = 0, run_lo = 0, run_hi = 0;
        int have = 0;
        if (H5Sselect_none(fs) < 0) rc = -1;
        while (!rc && k < b->n) {
            const qtr_h5_row *r = &b->row[k];
            if (!r->count[p]) {
                k++;
                continue;
            }
            uint64_t s0 = r->start[p] + done_in_row, e0 = r->start[p] + r->count[p];
            if (s0 >= wh) break;
            while (xi < xend && (b->pre[xi].chunk + 1) * clen <= s0) xi++;
            if (xi < xend && b->pre[xi].chunk * clen <= s0) {
                uint64_t ce = (b->pre[xi].chunk + 1) * clen, to = ce < e0 ? ce : e0;
                done_in_row += to - s0;
                if (to == e0) {
                    k++;
                    done_in_row = 0;
                }
                continue;
            }
            uint64_t e = e0 < wh ? e0 : wh;
            if (xi < xend && b->pre[xi].chunk * clen < e) e = b->pre[xi].chunk * clen;
            if (gather) {
                if ((cnt + (e - s0)) * es > capstage) {
                    uint64_t want = (cnt + (e - s0)) * es;
                    if (want < per * es) want = per * es;
                    char *ns = realloc(stage, want);
                    if (!ns) {
                        rc = -1;
                        break;
                    }
                    stage = ns;
                    capstage = want;
                }
                memcpy(stage + cnt * es, (const char *)qtr_h5_block_elems(b, k, p) + done_in_row * es,
                       (e - s0) * es);
            }
            if (have && s0 == run_hi) {
                run_hi = e;
            } else {
                if (have) {
                    hsize_t off = run_lo, len = run_hi - run_lo;
                    if (H5Sselect_hyperslab(fs, H5S_SELECT_OR, &off, NULL, &len, NULL) < 0) rc = -1;
                }
                run_lo = s0;
                run_hi = e;
                have = 1;
            }
            cnt += e - s0;
            if (e < e0) {
                done_in_row += e - s0;
                if (e == wh) break;
                continue;  /* cut by a precompressed chunk */
            }
            k++;
            done_in_row = 0;
        }
        if (!rc && have) {
            hsize_t off = run_lo, len = run_hi - run_lo;
            if (H5Sselect_hyperslab(fs, H5S_SELECT_OR, &off, NULL, &len, NULL) < 0) rc = -1;
        }
        if (!rc)
            rc = write_sel(f, d, mt, fs, (size_t)cnt,
                           gather ? (const char *)stage : (const char *)buf + mpos * es, dxpl) < 0 ? -1 : 0;
        mpos += (size_t)cnt;
        /* HDF5 keeps the window's freed chunk buffers in free lists, one
         * per block size; compressed chunks come in many sizes, so the
         * lists would hold every window's buffers until the commit ends
         * (2 ranks, 1,000 circuits: peak 134 -> 118 MiB) */
        if (nwin > 1) H5garbage_collect();
        if (!rc && w + 1 < nwin) between(f);
    }
    H5Sclose(fs);
    free(stage);
    if (!rc && nx) rc = write_prechunks(f, b, d, p, xend - nx, nx);
    return rc;
}

static int write_row_col(qtr_h5_file *f, const qtr_h5_block *b, int c, hid_t mt, const void *buf,
                         hid_t dxpl)
{
    hid_t d = f->d[c];
    if (d < 0) return 0;
    hid_t fs = H5Dget_space(d);
    int rc = select_rows(fs, b) < 0 || write_sel(f, d, mt, fs, b->n, buf, dxpl) < 0 ? -1 : 0;
    H5Sclose(fs);
    return rc;
}

/* Write integer column @p c from the values in @p v (one per row), narrowed
 * to the column's own width first. Writers always pass memory types equal
 * to the file types: HDF5 turns a transfer that needs a conversion into an
 * independent one, and 1.10 refuses independent writes to compressed
 * datasets (and they would not be collective anyway). */
static int write_int_col(qtr_h5_file *f, const qtr_h5_block *b, int c, const uint64_t *v,
                         void *scratch, hid_t dxpl)
{
    if (f->d[c] < 0) return 0;
    switch (cols[c].type) {
    case T_U8:
        for (size_t k = 0; k < b->n; k++) ((uint8_t *)scratch)[k] = (uint8_t)v[k];
        return write_row_col(f, b, c, H5T_NATIVE_UINT8, scratch, dxpl);
    case T_U32:
        for (size_t k = 0; k < b->n; k++) ((uint32_t *)scratch)[k] = (uint32_t)v[k];
        return write_row_col(f, b, c, H5T_NATIVE_UINT32, scratch, dxpl);
    default:
        return write_row_col(f, b, c, H5T_NATIVE_UINT64, v, dxpl);
    }
}

static int rows_in_range(const qtr_h5_file *f, const qtr_h5_block *b)
{
    return !b->n || b->row[b->n - 1].index < f->n;
}

/* Fixed-length strings as the file stores them: @p width bytes, NUL-padded. */
static void pad_string(char *dst, const char *src, size_t width)
{
    size_t len = strnlen(src, width);
    memcpy(dst, src, len);
    memset(dst + len, 0, width - len);
}

qtr_status qtr_h5_write_block(qtr_h5_file *f, const qtr_h5_block *b, int64_t dxpl, qtr_ctx *ctx)
{
    if (!rows_in_range(f, b))
        return qtr_fail(ctx, QTR_EINVAL, "%s: row %llu outside the file's %llu", f->path,
                        (unsigned long long)b->row[b->n - 1].index, (unsigned long long)f->n);
    for (size_t k = 0; k < b->n && f->storage == QTR_H5_COLUMNS; k++)
        for (int p = 0; p < QTR_H5_NFILEPOOLS; p++)
            if (b->row[k].count[p] && b->row[k].start[p] + b->row[k].count[p] > f->ext[p])
                return qtr_fail(ctx, QTR_EINVAL, "%s: row %llu placed beyond pool '%s' (grow first)",
                                f->path, (unsigned long long)b->row[k].index,
                                cols[start_col(p)].name);
    quiet_state q = quiet_begin();
    qtr_status st = QTR_OK;
    hid_t xp = dxpl < 0 ? H5P_DEFAULT : dxpl;
    size_t n = b->n, nn = n ? n : 1;
    uint64_t *u64 = malloc(nn * sizeof *u64);
    void *narrow = malloc(nn * sizeof(uint64_t));
    double *f64 = malloc(nn * sizeof *f64);
    char *str = NULL;
    if (!u64 || !narrow || !f64) goto nomem;

#define WRITE_U(col, expr)                                                       \
    if (f->d[col] >= 0) {                                                        \
        for (size_t k = 0; k < n; k++) u64[k] = (uint64_t)(expr);                \
        if (write_int_col(f, b, col, u64, narrow, xp) < 0) goto ioerr;           \
        between(f);                                                              \
    }
#define WRITE_F(col, expr)                                                       \
    if (f->d[col] >= 0) {                                                        \
        for (size_t k = 0; k < n; k++) f64[k] = (expr);                          \
        if (write_row_col(f, b, col, H5T_NATIVE_DOUBLE, f64, xp) < 0) goto ioerr; \
        between(f);                                                              \
    }
    WRITE_U(C_NQUBITS, b->row[k].nqubits)
    WRITE_U(C_NCLBITS, b->row[k].nclbits)
    WRITE_F(C_PHASE, b->row[k].global_phase)
    WRITE_F(C_COST, b->row[k].cost)
    if (f->storage == QTR_H5_COLUMNS)
        for (int p = 0; p < QTR_H5_NFILEPOOLS; p++) {
            WRITE_U(start_col(p), b->row[k].start[p])
            WRITE_U(count_col(p), b->row[k].count[p])
        }
    if (f->content == QTR_H5_RESULTS) {
        WRITE_U(C_CODE, b->row[k].code)
        if (f->d[C_STATS] >= 0) {
            uint64_t *st = malloc(nn * QTR_H5_NSTATS * sizeof *st);
            if (!st) goto nomem;
            for (size_t k = 0; k < n; k++)
                memcpy(st + k * QTR_H5_NSTATS, b->row[k].stats, sizeof b->row[0].stats);
            int rc = write_row_col(f, b, C_STATS, f->ty.stats, st, xp);
            free(st);
            if (rc < 0) goto ioerr;
            between(f);
        }
        WRITE_F(C_SECONDS, b->row[k].seconds)
    }
#undef WRITE_U
#undef WRITE_F
    if (f->d[C_NAME] >= 0) {
        str = malloc(nn * QTR_H5_NAME_LEN);
        if (!str) goto nomem;
        for (size_t k = 0; k < n; k++)
            pad_string(str + k * QTR_H5_NAME_LEN, b->row[k].name, QTR_H5_NAME_LEN);
        if (write_row_col(f, b, C_NAME, f->ty.name_file, str, xp) < 0) goto ioerr;
        free(str);
        str = NULL;
        between(f);
    }
    if (f->d[C_MESSAGE] >= 0) {
        str = malloc(nn * QTR_H5_MSG_LEN);
        if (!str) goto nomem;
        for (size_t k = 0; k < n; k++)
            pad_string(str + k * QTR_H5_MSG_LEN, qtr_h5_block_message(b, k), QTR_H5_MSG_LEN);
        if (write_row_col(f, b, C_MESSAGE, f->ty.msg_file, str, xp) < 0) goto ioerr;
        free(str);
        str = NULL;
        between(f);
    }
    if (f->storage == QTR_H5_QASMTEXT) {
        /* variable-length strings: serial writers only (pack) */
        const char **v = malloc(nn * sizeof *v);
        if (!v) goto nomem;
        for (size_t k = 0; k < n; k++) v[k] = qtr_h5_block_text(b, k);
        int rc = write_row_col(f, b, C_QASM, f->ty.vstr, v, xp);
        free(v);
        if (rc < 0) goto ioerr;
    } else {
        static const int pool_cols[] = {C_INST, C_PARAMS, C_ARGS, C_REGS, C_LAYOUT0, C_LAYOUT1};
        for (size_t i = 0; i < sizeof pool_cols / sizeof *pool_cols; i++) {
            int c = pool_cols[i];
            hid_t d = f->d[c];
            if (d < 0) continue;
            const void *buf;
            hid_t mt;
            char *packed = NULL;
            switch (c) {
            /* records: the same 16 bytes in memory and in the file */
            case C_INST: buf = b->refs ? NULL : b->inst; mt = f->ty.inst_file; break;
            case C_PARAMS: buf = b->refs ? NULL : b->params; mt = H5T_NATIVE_DOUBLE; break;
            case C_ARGS: buf = b->refs ? NULL : b->args; mt = H5T_NATIVE_UINT32; break;
            case C_LAYOUT0: buf = b->layout0; mt = H5T_NATIVE_UINT32; break;
            case C_LAYOUT1: buf = b->layout1; mt = H5T_NATIVE_UINT32; break;
            default: {
                /* registers: packed {u8, u32, char[32]} records, the file's layout */
                enum { RSZ = 1 + 4 + QTR_H5_REGNAME_LEN };
                packed = malloc((b->nregs ? b->nregs : 1) * RSZ);
                if (!packed) goto nomem;
                for (size_t r = 0; r < b->nregs; r++) {
                    char *o = packed + r * RSZ;
                    uint32_t sz = b->regs[r].size;
                    o[0] = (char)b->regs[r].kind;
                    for (int by = 0; by < 4; by++) o[1 + by] = (char)(sz >> (8 * by));
                    pad_string(o + 5, b->regs[r].name, QTR_H5_REGNAME_LEN);
                }
                buf = packed;
                mt = f->ty.reg_file;
            }
            }
            int rc = write_pool(f, b, c, mt, buf, b->refs && (c == C_INST || c == C_PARAMS || c == C_ARGS), xp);
            free(packed);
            if (rc < 0) goto ioerr;
            between(f);
        }
    }
    goto done;
nomem:
    st = qtr_fail(ctx, QTR_ENOMEM, "%s: writing %zu rows", f->path, n);
    goto done;
ioerr:
    st = h5_fail(f, ctx, QTR_EIO, "%s: writing %zu rows failed", f->path, n);
done:
    free(u64);
    free(narrow);
    free(f64);
    free(str);
    quiet_end(q);
    return st;
}

qtr_status qtr_h5_write_status(qtr_h5_file *f, const qtr_h5_block *b, int64_t dxpl, qtr_ctx *ctx)
{
    if (f->d[C_STATUS] < 0) return qtr_fail(ctx, QTR_EINVAL, "%s: not a results file", f->path);
    if (!rows_in_range(f, b))
        return qtr_fail(ctx, QTR_EINVAL, "%s: row outside the file", f->path);
    quiet_state q = quiet_begin();
    qtr_status st = QTR_OK;
    uint8_t *s = malloc(b->n ? b->n : 1);
    if (!s) st = qtr_fail(ctx, QTR_ENOMEM, "status of %zu rows", b->n);
    else {
        for (size_t k = 0; k < b->n; k++) s[k] = b->row[k].status;
        if (write_row_col(f, b, C_STATUS, H5T_NATIVE_UINT8, s, dxpl < 0 ? H5P_DEFAULT : dxpl) < 0)
            st = h5_fail(f, ctx, QTR_EIO, "%s: writing status", f->path);
    }
    free(s);
    quiet_end(q);
    return st;
}
