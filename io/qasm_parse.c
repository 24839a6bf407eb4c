/* qasm_parse.c -- the OpenQASM 2 reader: a recursive-descent parser over the
 * streaming lexer (qasm_lex.c) that appends registers and instructions to a
 * qtr_circuit, one statement at a time. By default it also takes what
 * Qiskit's loader takes beyond the specification (no version line, bare
 * `barrier;`, trailing commas, empty statements, single-quoted include
 * names, registers of no bits); strict mode refuses each (relaxed()).
 *
 * Gates:
 *  - U and CX are the builtins; they map to the table gates u and cx.
 *  - `include "qelib1.inc";` makes every qelib1 gate known; each maps directly
 *    to its table op (u0 to id). Nothing is inlined, nothing is read from disk.
 *    Other include files are read relative to the including file, each with
 *    a lexer of its own stacked on the includer's (include_file).
 *  - A program may define its own gate named like one of Qiskit's additions
 *    to qelib1.inc (all but the original 23): later uses mean it.
 *  - A `gate` definition is compiled once into a compact body (calls with
 *    formal-qubit indices and parameter-expression bytecode) and inlined at
 *    each use, recursively, with the actual parameters evaluated once per use.
 *  - A `gate` or `opaque` declaration whose name is a table gate outside
 *    qelib1.inc (ecr, rzx, iswap, ..., as Qiskit's exporter and our writer
 *    emit them) and whose qubit and parameter counts match the table maps to
 *    that table gate instead of being inlined: the body is checked, then
 *    dropped -- when the body has the table gate's unitary up to global phase
 *    (simulated at three parameter points, body_is_table_gate); otherwise it
 *    is the program's own gate. That is what makes write -> read exact for
 *    every table gate.
 *  - Other opaque gates, applied, become QTR_OP_OPAQUE records naming them
 *    (the circuit's opaque table); not under a condition.
 *
 * Memory: the reader owns its symbol tables, gate bodies and scratch arrays,
 * all counted in its own qtr_alloc; they grow with the definitions in the
 * program, never with the number of instructions. Input is read in chunks.
 * Borrows: the circuit given to qtr_qasm_reader_next (appended to), the ctx.
 *
 * Errors: "FILE:LINE:COL: reason" and a status; the first error is sticky. */
#define _XOPEN_SOURCE 700   /* realpath, for include cycles */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "common.h"
#include "qasm3_internal.h"
#include "qasm_expr.h"
#include "qasm_internal.h"
#include "qasm_lex.h"
#include "qasm_operand.h"
#include "qasm_sym.h"
#include "qtr_io.h"
#include "sim.h"

/* ======================================================================
 * Data
 * ====================================================================== */

enum sym_kind { SYM_EMPTY = 0, SYM_KEYWORD, SYM_QREG, SYM_CREG, SYM_GATE, SYM_FPARAM, SYM_FQUBIT };

enum keyword {
    KW_OPENQASM, KW_INCLUDE, KW_QREG, KW_CREG, KW_GATE, KW_OPAQUE, KW_BARRIER, KW_MEASURE,
    KW_RESET, KW_IF, KW_PI, KW_SIN, KW_COS, KW_TAN, KW_EXP, KW_LN, KW_SQRT, KW_ASIN, KW_ACOS,
    KW_ATAN, KW_COUNT
};

static const char *const keyword_name[KW_COUNT] = {
    "OPENQASM", "include", "qreg", "creg", "gate", "opaque", "barrier", "measure",
    "reset", "if", "pi", "sin", "cos", "tan", "exp", "ln", "sqrt", "asin", "acos", "atan",
};

/* Symbols (qasm_sym.h): kind is an enum sym_kind, idx a keyword, register,
 * gate or formal index. */
typedef qtr_qasm_sym sym;
typedef qtr_qasm_symtab symtab;

/* A gate the program can apply. */
enum gate_kind {
    GK_TABLE,   /* maps to table op `op`, passing its first nparams(op) params */
    GK_USER,    /* inlined from its body */
    GK_OPAQUE   /* declared opaque and not a table gate: a QTR_OP_OPAQUE record */
};

typedef struct {
    uint32_t name;          /* name offset in the global names arena */
    uint8_t kind;           /* enum gate_kind */
    uint8_t builtin;        /* U, CX, qelib1: cannot be redefined */
    int16_t op;             /* GK_TABLE: the op */
    uint32_t nparams, nqubits;
    uint32_t first, ncalls; /* GK_USER: body calls[first .. first+ncalls) */
    uint64_t expanded;      /* instructions one use appends (saturated) */
    uint32_t depth;         /* 1 + deepest callee (table gates: 0) */
    int32_t opaque_use;     /* >= 0: body applies this GK_OPAQUE gate ... */
    uint32_t opaque_line, opaque_col;   /* ... first at this place */
} qasm_gate;

/* One call inside a gate body. */
#define CALL_BARRIER UINT32_MAX
typedef struct {
    uint32_t gate;          /* index into gates[], or CALL_BARRIER */
    uint32_t nargs;         /* formal qubits, listed at qargs[args ..] */
    uint32_t args;
    uint32_t params;        /* gates[gate].nparams expressions at pexpr[params ..] */
} qasm_call;

/* Registers and top-level operands (qasm_operand.h): names are offsets in
 * the global names arena. */
typedef qtr_qasm_reg qasm_reg;
typedef qtr_qasm_arg qasm_arg;

typedef struct { uint32_t start, len; } qasm_span;

/* A file being read through `include`: the including file's lexer (its
 * lookahead token too) waits here until this one ends. */
typedef struct {
    qtr_qasm_lex outer;
    FILE *f;
    char *chunk;            /* QTR_QASM_CHUNK bytes, counted */
    char *path;             /* as opened, the lexer's display name; malloc'ed */
    char *real;             /* realpath, for cycles; malloc'ed */
} qasm_include;

struct qtr_qasm_reader {
    /* fast_call's memory of the last quantum register it named (registers
     * are never redefined, so it stays valid); fast_len 0: none yet */
    uint32_t fast_off, fast_len, fast_reg;
    qtr_alloc alloc;        /* every block below */
    qtr_qasm_lex L;
    FILE *f;
    int own_f;
    char *chunk;
    char *name;             /* display name */
    int library;            /* parsing built-in definitions (qtr_qasm_gate_definition) */
    int started, finished, included;
    int strict;             /* refuse Qiskit's relaxations (qtr_qasm_reader_set_strict) */
    uint32_t sep_line;      /* the ',' operand() consumed on its fast path */
    uint64_t sep_col;
    qasm_include *incl; size_t nincl, capincl;   /* include files open, innermost last */
    char *real_top;         /* realpath of the program's own file (NULL: memory, stdin) */
    qtr_qasm3 *v3;          /* the program says OPENQASM 3: qasm3_parse.c reads it */
    qtr_status sticky;
    char sticky_msg[sizeof(((qtr_ctx *)0)->msg)];

    symtab globals, locals;
    qasm_gate *gates; size_t ngates, capgates;
    qasm_call *calls; size_t ncalls, capcalls;
    uint32_t *qargs; size_t nqargs, capqargs;
    qasm_span *pexpr; size_t npexpr, cappexpr;
    qtr_qasm_expr x;        /* angle expressions: the bytecode of every definition */
    qasm_reg *qregs; size_t nqregs, capqregs;
    qasm_reg *cregs; size_t ncregs, capcregs;
    uint32_t nqubits, nclbits;          /* declared by this program */

    /* scratch, reused by every statement */
    qasm_arg *args; size_t nargs, capargs;
    double *pvals; size_t npvals, cappvals;     /* parameter values, a stack during expansion */
    uint32_t *qbuf; size_t nqbuf, capqbuf;      /* operands, a stack during expansion */
    qtr_qasm_marks mark;                        /* per-qubit flags for duplicate checks */

    /* the statement being executed */
    qtr_circuit *c;
    qtr_ctx *ctx;
    size_t appended;        /* instructions appended by this qtr_qasm_reader_next call */
    int cond;               /* current statement is conditioned ... */
    qtr_cond cond_is;       /* ... on this, whose value words are in cond_words */
    uint32_t cond_words[QTR_QASM_COND_WORDS_MAX];
    uint32_t stmt_line, stmt_col;
    uint32_t nformal_params;    /* inside a gate body: formal parameters in scope */
};

typedef struct qtr_qasm_reader R;

/* ======================================================================
 * Errors
 * ====================================================================== */

#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static qtr_status fail_at(R *r, qtr_status st, uint32_t line, uint64_t col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    /* the lexer's name: the included file being read, if any */
    qtr_status ret = qtr_qasm_vfail_at(r->ctx, r->L.name, st, line, col, fmt, ap);
    va_end(ap);
    return ret;
}

/* Error at the current token. */
#define FAIL_TOK(r, st, ...) fail_at((r), (st), (r)->L.tline, (r)->L.tcol, __VA_ARGS__)

static qtr_status nomem(R *r) { return FAIL_TOK(r, QTR_ENOMEM, "out of memory"); }

static qtr_status expected(R *r, const char *what)
{
    char d[96];
    return FAIL_TOK(r, QTR_EPARSE, "expected %s, found %s", what,
                    qtr_qasm_lex_describe(&r->L, d, sizeof d));
}

/* Prefix the message a circuit function left in ctx with the statement's
 * location (copied first: the message is both source and destination). */
static qtr_status relocate(R *r, qtr_status st)
{
    char msg[sizeof r->ctx->msg];
    snprintf(msg, sizeof msg, "%s", r->ctx->msg);
    return fail_at(r, st, r->stmt_line, r->stmt_col, "%s", msg);
}

/* ======================================================================
 * Lexer access
 * ====================================================================== */

static inline qtr_status next(R *r) { return qtr_qasm_lex_next(&r->L, r->ctx); }

static inline int is_kind(const R *r, qtr_qasm_tok k) { return r->L.kind == k; }

static qtr_status expect(R *r, qtr_qasm_tok k)
{
    if (r->L.kind != k) return expected(r, qtr_qasm_tok_name(k));
    return next(r);
}

/* ======================================================================
 * Symbol tables
 * ====================================================================== */


/* A relaxation Qiskit's loader accepts and the specification does not: fine
 * unless strict, else an error at (line, col) saying what it was. */
static qtr_status relaxed(R *r, uint32_t line, uint64_t col, const char *what)
{
    if (!r->strict) return QTR_OK;
    return fail_at(r, QTR_EPARSE, line, col, "%s is not OpenQASM 2 (accepted without strict mode)",
                   what);
}

/* After a ',' at (line, col): when the list closes here (the current token
 * is @p close), the comma was a trailing one; *closed says which. */
static qtr_status trailing_comma(R *r, uint32_t line, uint64_t col, qtr_qasm_tok close,
                                 int *closed)
{
    *closed = is_kind(r, close);
    return *closed ? relaxed(r, line, col, "a trailing ','") : QTR_OK;
}

static inline sym *sym_find(symtab *t, const char *text, size_t len, uint32_t hash)
{
    return qtr_qasm_sym_find(t, text, len, hash);
}

static int sym_add(R *r, symtab *t, const char *text, size_t len, uint32_t hash, uint8_t kind,
                   uint32_t idx, uint32_t line, uint64_t col, uint32_t *name_off)
{
    return qtr_qasm_sym_add(&r->alloc, t, text, len, hash, kind, idx, line, col, name_off);
}

static const char *gate_name(R *r, const qasm_gate *g)
{
    return g->name == UINT32_MAX ? "<definition>" : r->globals.names + g->name;
}

/* ======================================================================
 * Expressions: parse to bytecode, evaluate
 * ====================================================================== */

/* What an identifier in an expression names: a formal parameter (inside a
 * definition), pi, or a function (the reader's keywords, KW_SIN on). */
static qtr_status expr_ident(void *user, qtr_qasm_ident *out)
{
    R *r = user;
    if (r->nformal_params) {
        sym *s = sym_find(&r->locals, r->L.tok, r->L.len, r->L.hash);
        if (s && s->kind == SYM_FPARAM) {
            *out = (qtr_qasm_ident){QTR_QX_ID_VALUE, QTR_QX_PARAM | (s->idx << 8), 0, NULL};
            return QTR_OK;
        }
    }
    sym *s = sym_find(&r->globals, r->L.tok, r->L.len, r->L.hash);
    if (s && s->kind == SYM_KEYWORD && s->idx == KW_PI) {
        *out = (qtr_qasm_ident){QTR_QX_ID_CONST, 0, QTR_PI, NULL};
    } else if (s && s->kind == SYM_KEYWORD && s->idx >= KW_SIN) {
        static const uint8_t fn_op[] = {QTR_QX_SIN, QTR_QX_COS,  QTR_QX_TAN,
                                        QTR_QX_EXP, QTR_QX_LN,   QTR_QX_SQRT,
                                        QTR_QX_ASIN, QTR_QX_ACOS, QTR_QX_ATAN};
        *out = (qtr_qasm_ident){QTR_QX_ID_FUNC, fn_op[s->idx - KW_SIN], 0, keyword_name[s->idx]};
    }
    return QTR_OK;
}

/* Parse one expression into the bytecode at its end; its span in *sp. */
static qtr_status parse_expr_code(R *r, qasm_span *sp)
{
    qtr_qasm_expr *x = &r->x;
    x->L = &r->L;   /* the reader's own lexer, an include's included */
    x->ctx = r->ctx;
    x->alloc = &r->alloc;
    x->name = NULL;
    x->version = 2;
    x->strict = r->strict;
    x->ident = expr_ident;
    x->user = r;
    return qtr_qasm_expr_parse(x, &sp->start, &sp->len);
}

/* Evaluate @p sp with formal parameters @p fp: QTR_QX_OK, QTR_QX_DIV0 or
 * QTR_QX_NONFINITE (numbers only: OpenQASM 2 has no symbolic angles). */
static int eval_span(R *r, const qasm_span *sp, const double *fp, double *out)
{
    return qtr_qasm_expr_eval(r->x.code + sp->start, sp->len, fp, NULL, NULL, NULL, out);
}

/* Parse a top-level (constant) parameter list "( e, e, ... )" if present and
 * push the values on pvals. *n receives the count. */
static qtr_status const_params(R *r, uint32_t *n)
{
    qtr_status st;
    *n = 0;
    if (!is_kind(r, QTR_QT_LPAREN)) return QTR_OK;
    uint32_t pline = r->L.tline;
    uint64_t pcol = r->L.tcol;
    if ((st = next(r))) return st;
    if (is_kind(r, QTR_QT_RPAREN)) return next(r);
    for (;;) {
        uint32_t line = r->L.tline;
        uint64_t col = r->L.tcol;
        qasm_span sp;
        if ((st = parse_expr_code(r, &sp))) return st;
        double v;
        int e = eval_span(r, &sp, NULL, &v);
        r->x.ncode = sp.start;   /* constant code is not kept */
        if (e == QTR_QX_DIV0) return fail_at(r, QTR_EPARSE, line, col, "division by zero in parameter");
        if (e)
            return fail_at(r, QTR_EPARSE, line, col, "parameter evaluates to %s",
                           isnan(v) ? "nan" : "infinity");
        if (QTR_GROW(&r->alloc, r->pvals, r->cappvals, r->npvals + 1)) return nomem(r);
        r->pvals[r->npvals++] = v;
        (*n)++;
        if (is_kind(r, QTR_QT_COMMA)) {
            uint32_t cline = r->L.tline;
            uint64_t ccol = r->L.tcol;
            int closed;
            if ((st = next(r)) || (st = trailing_comma(r, cline, ccol, QTR_QT_RPAREN, &closed)))
                return st;
            if (closed) return next(r);
            continue;
        }
        if (is_kind(r, QTR_QT_RPAREN)) return next(r);
        char d[96];
        return FAIL_TOK(r, QTR_EPARSE, "expected ',' or ')' to close the '(' at %u:%llu, found %s",
                        pline, (unsigned long long)pcol, qtr_qasm_lex_describe(&r->L, d, sizeof d));
    }
}

/* ======================================================================
 * Emitting instructions
 * ====================================================================== */

static qtr_status append(R *r, qtr_op op, const uint32_t *q, uint32_t n, const double *p)
{
    /* a barrier in the body of a conditioned gate stays unconditioned: it
     * does nothing either way, and OpenQASM 2 cannot write `if (...) barrier` */
    int cond = r->cond && op != QTR_OP_BARRIER;
    qtr_status st = cond ? qtr_circuit_append_if(r->c, op, q, n, p, &r->cond_is, r->ctx)
                            : qtr_circuit_append(r->c, op, q, n, p, r->ctx);
    if (QTR_UNLIKELY(st)) return relocate(r, st);
    r->appended++;
    return QTR_OK;
}

static qtr_status expand(R *r, const qasm_gate *g, size_t pbase, size_t qbase);

/* An application of opaque gate @p g: a record naming it, its table entry
 * added to the circuit on first use. */
static qtr_status append_opaque(R *r, const qasm_gate *g, size_t pbase, size_t qbase)
{
    if (r->cond)
        return fail_at(r, QTR_EUNSUPPORTED, r->stmt_line, r->stmt_col,
                       "unsupported in this version: a condition on the opaque gate '%s'",
                       gate_name(r, g));
    uint32_t k;
    qtr_status st = qtr_circuit_declare_opaque(r->c, gate_name(r, g), g->nqubits, g->nparams, &k,
                                               r->ctx);
    /* pvals is still NULL when no gate so far has taken a parameter. */
    const double *pv = g->nparams ? r->pvals + pbase : NULL;
    if (!st) st = qtr_circuit_append_opaque(r->c, k, r->qbuf + qbase, pv, r->ctx);
    if (QTR_UNLIKELY(st)) return relocate(r, st);
    r->appended++;
    return QTR_OK;
}

/* Apply gate g with parameter values pvals[pbase ..] on qubits qbuf[qbase ..]. */
static qtr_status apply(R *r, const qasm_gate *g, size_t pbase, size_t qbase)
{
    if (g->kind == GK_OPAQUE) return append_opaque(r, g, pbase, qbase);
    if (g->kind == GK_TABLE)
        return append(r, (qtr_op)g->op, r->qbuf + qbase, g->nqubits,
                      qtr_gate((qtr_op)g->op)->nparams ? r->pvals + pbase : NULL);
    return expand(r, g, pbase, qbase);
}

static qtr_status expand(R *r, const qasm_gate *g, size_t pbase, size_t qbase)
{
    for (uint32_t k = 0; k < g->ncalls; k++) {
        const qasm_call *cl = &r->calls[g->first + k];
        size_t np = r->npvals, nq = r->nqbuf;
        if (QTR_GROW(&r->alloc, r->qbuf, r->capqbuf, nq + cl->nargs)) return nomem(r);
        for (uint32_t i = 0; i < cl->nargs; i++)
            r->qbuf[nq + i] = r->qbuf[qbase + r->qargs[cl->args + i]];
        r->nqbuf = nq + cl->nargs;
        qtr_status st;
        if (cl->gate == CALL_BARRIER) {
            st = append(r, QTR_OP_BARRIER, r->qbuf + nq, cl->nargs, NULL);
        } else {
            const qasm_gate *h = &r->gates[cl->gate];
            if (QTR_GROW(&r->alloc, r->pvals, r->cappvals, np + h->nparams + 1)) return nomem(r);
            for (uint32_t i = 0; i < h->nparams; i++) {
                const qasm_span *sp = &r->pexpr[cl->params + i];
                double v;
                int e = eval_span(r, sp, r->pvals + pbase, &v);
                if (QTR_UNLIKELY(e))
                    return fail_at(r, QTR_EPARSE, r->stmt_line, r->stmt_col,
                                   "in gate '%s': parameter %u of '%s' %s", gate_name(r, g), i + 1,
                                   gate_name(r, h),
                                   e == QTR_QX_DIV0 ? "divides by zero"
                                   : isnan(v)       ? "evaluates to nan"
                                                                     : "evaluates to infinity");
                r->pvals[np + i] = v;
            }
            r->npvals = np + h->nparams;
            st = apply(r, h, np, nq);
        }
        r->npvals = np;
        r->nqbuf = nq;
        if (st) return st;
    }
    return QTR_OK;
}

/* ======================================================================
 * Operands
 * ====================================================================== */

static qtr_status grow_mark(R *r)
{
    size_t n = r->c->nqubits > r->nqubits ? r->c->nqubits : r->nqubits;
    return qtr_qasm_marks_grow(&r->alloc, &r->mark, n) ? nomem(r) : QTR_OK;
}

/* Operand @p a (of register @p ri) becomes its bit @p v, the index written
 * at line:col as @p text (NULL: as v in decimal; @p overflow: past 2^64). */
static qtr_status index_of(R *r, uint32_t ri, const qasm_reg *reg, uint64_t v, const char *text,
                           int overflow, uint32_t line, uint64_t col, qasm_arg *a)
{
    qtr_qasm_bound b = {overflow || v > INT64_MAX ? INT64_MAX : (int64_t)v, 1};
    int bad;
    if (qtr_qasm_select(ri, reg, &b, 1, a, &bad) == QTR_QASM_SEL_OK) return QTR_OK;
    char digits[24];
    if (!text) snprintf(digits, sizeof digits, "%llu", (unsigned long long)v);
    return fail_at(r, QTR_EQUBIT, line, col, "index %s out of range for register '%s' of size %u",
                   text ? text : digits, r->globals.names + reg->name, reg->size);
}

/* Parse "name" or "name[i]" naming a register of kind @p want (SYM_QREG or
 * SYM_CREG) and push it on args[]. With @p sep not NULL the operand is one
 * of a list ending in ';': *sep becomes ',' or ';' when that separator was
 * read along with a tightly written "q[3]" (the current token is then the
 * one after it), else 0 (the current token follows the operand). */
static qtr_status operand(R *r, int want, int *sep)
{
    if (sep) *sep = 0;
    qtr_status st;
    const char *what = want == SYM_QREG ? "quantum" : "classical";
    if (!is_kind(r, QTR_QT_ID)) {
        char e[48];
        snprintf(e, sizeof e, "a %s register or bit", what);
        return expected(r, e);
    }
    sym *s = sym_find(&r->globals, r->L.tok, r->L.len, r->L.hash);
    if (!s || (s->kind != SYM_QREG && s->kind != SYM_CREG))
        return FAIL_TOK(r, QTR_EPARSE, "undeclared register '%s'", r->L.tok);
    if (s->kind != want)
        return FAIL_TOK(r, QTR_EPARSE, "'%s' is a %s register; a %s register is needed here",
                        r->L.tok, s->kind == SYM_QREG ? "quantum" : "classical", what);
    const qasm_reg *reg = want == SYM_QREG ? &r->qregs[s->idx] : &r->cregs[s->idx];
    qasm_arg a = qtr_qasm_whole(s->idx, reg, r->L.tline,
                                r->L.tcol > UINT32_MAX ? UINT32_MAX : (uint32_t)r->L.tcol);
    uint64_t v, vcol;
    if (qtr_qasm_lex_index(&r->L, &v, &vcol)) {
        /* "q[12]" written tightly: one call instead of four tokens */
        if ((st = index_of(r, s->idx, reg, v, NULL, 0, a.line, vcol, &a))) return st;
        if (sep) {
            *sep = qtr_qasm_lex_sep(&r->L);   /* skips a ',' or ';' token */
            /* where that ',' was, for a trailing one in strict mode */
            r->sep_line = r->L.line;
            r->sep_col = r->L.base + r->L.pos - r->L.line_start;
        }
        if ((st = next(r))) return st;
    } else if ((st = next(r))) {
        return st;
    } else if (is_kind(r, QTR_QT_LBRACK)) {
        if ((st = next(r))) return st;
        if (!is_kind(r, QTR_QT_INT)) return expected(r, "an integer index");
        if ((st = index_of(r, s->idx, reg, r->L.ival, r->L.tok, r->L.ival_overflow, r->L.tline,
                            r->L.tcol, &a)) ||
            (st = next(r)) || (st = expect(r, QTR_QT_RBRACK)))
            return st;
    }
    if (QTR_GROW(&r->alloc, r->args, r->capargs, r->nargs + 1)) return nomem(r);
    r->args[r->nargs++] = a;
    return QTR_OK;
}

/* "a, b[1], c;" of quantum operands, through the ';'. */
static qtr_status operand_list(R *r)
{
    qtr_status st;
    for (;;) {
        int sep;
        if ((st = operand(r, SYM_QREG, &sep))) return st;
        if (sep == ';') return QTR_OK;
        uint32_t cline = r->sep_line;
        uint64_t ccol = r->sep_col;
        if (sep != ',') {
            if (!is_kind(r, QTR_QT_COMMA)) return expect(r, QTR_QT_SEMI);
            cline = r->L.tline;
            ccol = r->L.tcol;
            if ((st = next(r))) return st;
        }
        int closed;
        if ((st = trailing_comma(r, cline, ccol, QTR_QT_SEMI, &closed))) return st;
        if (closed) return next(r);
    }
}

static const char *arg_name(R *r, const qasm_arg *a, int kind)
{
    return r->globals.names + (kind == SYM_QREG ? r->qregs : r->cregs)[a->reg].name;
}

/* Broadcast size of args[from .. to): the common size of the whole-register
 * operands (1 if none). */
static qtr_status broadcast(R *r, size_t from, size_t to, int kind, uint32_t *n)
{
    const qasm_arg *first, *a = qtr_qasm_broadcast(r->args + from, to - from, n, &first);
    if (!a) return QTR_OK;
    return fail_at(r, QTR_EPARSE, a->line, a->col,
                   "register '%s' has size %u but '%s' has size %u: broadcast needs equal sizes",
                   arg_name(r, a, kind), a->count, arg_name(r, first, kind), *n);
}

/* ======================================================================
 * Statements
 * ====================================================================== */

/* The 23 gates of the original qelib1.inc (Cross et al., "Open Quantum
 * Assembly Language", arXiv:1707.03429). A program may not redefine them
 * once included; the other names of the built-in include file (Qiskit's
 * additions: sx, cry, swap, rccx, ...) are ordinary names to a program
 * written against the original, which may define its own. */
static int original_qelib1(const char *name)
{
    static const char *const names[] = {
        "u3", "u2", "u1", "cx", "id", "x", "y", "z", "h", "s", "sdg", "t", "tdg",
        "rx", "ry", "rz", "cz", "cy", "ch", "ccx", "crz", "cu1", "cu3",
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (!strcmp(name, names[i])) return 1;
    return 0;
}

/* The current name may be declared; *shadow (when not NULL) is set to the
 * built-in gate symbol it redefines, if any. */
static qtr_status define_name_check(R *r, const char *what, sym **shadow)
{
    sym *s = sym_find(&r->globals, r->L.tok, r->L.len, r->L.hash);
    if (shadow) *shadow = NULL;
    if (!s) return QTR_OK;
    if (s->kind == SYM_KEYWORD) return FAIL_TOK(r, QTR_EPARSE, "'%s' is a reserved word", r->L.tok);
    if (s->kind == SYM_GATE && r->gates[s->idx].builtin && s->line == 0 && shadow &&
        strcmp(r->L.tok, "U") && strcmp(r->L.tok, "CX") && !original_qelib1(r->L.tok)) {
        *shadow = s;
        return QTR_OK;
    }
    if (s->kind == SYM_GATE && r->gates[s->idx].builtin)
        return FAIL_TOK(r, QTR_EPARSE, "%s '%s' redefines the built-in gate '%s'%s", what,
                        r->L.tok, r->L.tok,
                        strcmp(r->L.tok, "U") && strcmp(r->L.tok, "CX") ? " of qelib1.inc" : "");
    return FAIL_TOK(r, QTR_EPARSE, "duplicate declaration of '%s' (first declared at %u:%u)",
                    r->L.tok, s->line, s->col);
}

static qtr_status stmt_reg(R *r, int kind)
{
    qtr_status st;
    const char *what = kind == SYM_QREG ? "qreg" : "creg";
    if ((st = next(r))) return st;
    if (!is_kind(r, QTR_QT_ID)) return expected(r, "a register name");
    if ((st = define_name_check(r, "register", NULL))) return st;
    char name[QTR_QASM_TOKEN_MAX + 1];
    memcpy(name, r->L.tok, r->L.len + 1);
    size_t len = r->L.len;
    uint32_t hash = r->L.hash, line = r->L.tline;
    uint64_t col = r->L.tcol;
    if ((st = next(r)) || (st = expect(r, QTR_QT_LBRACK))) return st;
    if (!is_kind(r, QTR_QT_INT)) return expected(r, "the register size");
    uint32_t *total = kind == SYM_QREG ? &r->nqubits : &r->nclbits;
    if (r->L.ival == 0 && (st = relaxed(r, r->L.tline, r->L.tcol, "a register of no bits")))
        return st;   /* Qiskit's loader takes them; operations on them do nothing */
    if (r->L.ival_overflow || r->L.ival > QTR_QASM_MAX_BITS - *total)
        return FAIL_TOK(r, QTR_ELIMIT, "%s '%s[%s]' takes the program over the limit of %u %s",
                        what, name, r->L.tok, QTR_QASM_MAX_BITS,
                        kind == SYM_QREG ? "qubits" : "classical bits");
    uint32_t size = (uint32_t)r->L.ival;
    if ((st = next(r)) || (st = expect(r, QTR_QT_RBRACK)) || (st = expect(r, QTR_QT_SEMI)))
        return st;

    qtr_circuit *c = r->c;
    st = kind == SYM_QREG ? qtr_circuit_add_qreg(c, name, size, r->ctx)
                          : qtr_circuit_add_creg(c, name, size, r->ctx);
    if (st) return fail_at(r, st, line, col, "%s '%s': cannot add the register", what, name);
    qasm_reg reg;
    const qtr_reg *cr = kind == SYM_QREG ? &c->qregs[c->nqregs - 1] : &c->cregs[c->ncregs - 1];
    reg.first = cr->first;
    reg.size = size;
    reg.cindex = (uint32_t)((kind == SYM_QREG ? c->nqregs : c->ncregs) - 1);
    qasm_reg **regs = kind == SYM_QREG ? &r->qregs : &r->cregs;
    size_t *n = kind == SYM_QREG ? &r->nqregs : &r->ncregs;
    size_t *cap = kind == SYM_QREG ? &r->capqregs : &r->capcregs;
    if (qtr_grow(&r->alloc, (void **)regs, cap, *n + 1, sizeof **regs) ||
        sym_add(r, &r->globals, name, len, hash, (uint8_t)kind, (uint32_t)*n, line, col,
                &reg.name))
        return fail_at(r, QTR_ENOMEM, line, col, "out of memory");
    (*regs)[(*n)++] = reg;
    *total += size;
    return QTR_OK;
}

/* Register gate `name` in the global table; its index is ngates-1. */
static qtr_status add_gate(R *r, const char *name, size_t len, uint32_t line, uint64_t col,
                           const qasm_gate *g)
{
    if (QTR_GROW(&r->alloc, r->gates, r->capgates, r->ngates + 1)) return nomem(r);
    qasm_gate ng = *g;
    if (sym_add(r, &r->globals, name, len, qtr_qasm_hash(name, len), SYM_GATE,
                (uint32_t)r->ngates, line, col, &ng.name))
        return nomem(r);
    r->gates[r->ngates++] = ng;
    return QTR_OK;
}

/* A table gate a user `gate`/`opaque` declaration may stand for: outside
 * qelib1.inc, unitary, same qubit and parameter counts. */
static int table_gate_for(const char *name, size_t len, uint32_t nparams, uint32_t nqubits)
{
    int op = qtr_gate_lookup(name, len);
    if (op < 0) return -1;
    const qtr_gate_info *gi = qtr_gate((qtr_op)op);
    if ((gi->props & (QTR_GP_DIRECTIVE | QTR_GP_NONUNITARY)) || original_qelib1(gi->name))
        return -1;
    if (gi->nqubits != nqubits || gi->nparams != nparams) return -1;
    return op;
}

/* Formal list "a, b, c" into the local table with kind @p kind; *n counts. */
static qtr_status formals(R *r, uint8_t kind, uint32_t *n)
{
    qtr_status st;
    *n = 0;
    for (;;) {
        if (!is_kind(r, QTR_QT_ID))
            return expected(r, kind == SYM_FPARAM ? "a parameter name" : "a qubit name");
        sym *g = sym_find(&r->globals, r->L.tok, r->L.len, r->L.hash);
        if (g && g->kind == SYM_KEYWORD)
            return FAIL_TOK(r, QTR_EPARSE, "'%s' is a reserved word", r->L.tok);
        sym *s = sym_find(&r->locals, r->L.tok, r->L.len, r->L.hash);
        if (s)
            return FAIL_TOK(r, QTR_EPARSE, "'%s' is already an argument of this gate", r->L.tok);
        if (*n >= QTR_QASM_MAX_GATE_ARGS)
            return FAIL_TOK(r, QTR_ELIMIT, "more than %d %s", QTR_QASM_MAX_GATE_ARGS,
                            kind == SYM_FPARAM ? "parameters" : "qubit arguments");
        if (sym_add(r, &r->locals, r->L.tok, r->L.len, r->L.hash, kind, *n, r->L.tline,
                    r->L.tcol, NULL))
            return nomem(r);
        (*n)++;
        if ((st = next(r))) return st;
        if (!is_kind(r, QTR_QT_COMMA)) break;
        uint32_t line = r->L.tline;
        uint64_t col = r->L.tcol;
        if ((st = next(r))) return st;
        int closed = 0;
        if (kind == SYM_FPARAM)
            st = trailing_comma(r, line, col, QTR_QT_RPAREN, &closed);
        else if (!(st = trailing_comma(r, line, col, QTR_QT_LBRACE, &closed)) && !closed)
            st = trailing_comma(r, line, col, QTR_QT_SEMI, &closed);   /* opaque */
        if (st) return st;
        if (closed) break;
    }
    return QTR_OK;
}

/* Built-in definitions (library mode) may call any unitary table gate by its
 * table name; such names are entered on first use, so a definition costs
 * only the gates it names. On success *gate is the gate index; QTR_EPARSE
 * (without a message) when the current name is no such gate. */
static qtr_status library_gate(R *r, uint32_t *gate)
{
    int op = qtr_gate_lookup(r->L.tok, r->L.len);
    if (op < 0) return QTR_EPARSE;
    const qtr_gate_info *gi = qtr_gate((qtr_op)op);
    if (gi->props & (QTR_GP_DIRECTIVE | QTR_GP_NONUNITARY)) return QTR_EPARSE;
    qasm_gate g = {0};
    g.kind = GK_TABLE;
    g.builtin = 1;
    g.op = (int16_t)op;
    g.nparams = gi->nparams;
    g.nqubits = gi->nqubits;
    g.expanded = 1;
    g.opaque_use = -1;
    qtr_status st = add_gate(r, r->L.tok, r->L.len, 0, 0, &g);
    if (st) return st;
    *gate = (uint32_t)r->ngates - 1;
    return QTR_OK;
}

/* One statement of a gate body: "name(params) a,b;" or "barrier a,b;". */
static qtr_status body_statement(R *r, qasm_gate *def)
{
    qtr_status st;
    if (!is_kind(r, QTR_QT_ID)) return expected(r, "a gate call or '}'");
    uint32_t line = r->L.tline;
    uint64_t col = r->L.tcol;
    qasm_call cl = {CALL_BARRIER, 0, (uint32_t)r->nqargs, (uint32_t)r->npexpr};
    const qasm_gate *callee = NULL;
    sym *s = sym_find(&r->globals, r->L.tok, r->L.len, r->L.hash);
    if (s && s->kind == SYM_KEYWORD) {
        if (s->idx != KW_BARRIER)
            return FAIL_TOK(r, QTR_EPARSE, "'%s' is not allowed inside a gate body", r->L.tok);
    } else if (s && s->kind == SYM_GATE) {
        cl.gate = s->idx;
        callee = &r->gates[s->idx];
    } else if (!s && r->library && (st = library_gate(r, &cl.gate)) != QTR_EPARSE) {
        if (st) return st;
        callee = &r->gates[cl.gate];
    } else {
        sym *l = sym_find(&r->locals, r->L.tok, r->L.len, r->L.hash);
        if (l) return FAIL_TOK(r, QTR_EPARSE, "'%s' is an argument of this gate, not a gate", r->L.tok);
        return FAIL_TOK(r, QTR_EPARSE, "unknown gate '%s'%s", r->L.tok,
                        !r->included && qtr_gate_lookup(r->L.tok, r->L.len) >= 0
                            ? " (missing include \"qelib1.inc\"?)" : "");
    }
    char cname[QTR_QASM_TOKEN_MAX + 1];
    memcpy(cname, r->L.tok, r->L.len + 1);
    if ((st = next(r))) return st;

    /* parameters: expressions over the formal parameters, kept as code */
    uint32_t np = 0;
    if (is_kind(r, QTR_QT_LPAREN)) {
        uint32_t pline = r->L.tline;
        uint64_t pcol = r->L.tcol;
        if (!callee) return FAIL_TOK(r, QTR_EPARSE, "barrier takes no parameters");
        if ((st = next(r))) return st;
        while (!is_kind(r, QTR_QT_RPAREN)) {
            qasm_span sp;
            if ((st = parse_expr_code(r, &sp))) return st;
            if (QTR_GROW(&r->alloc, r->pexpr, r->cappexpr, r->npexpr + 1)) return nomem(r);
            r->pexpr[r->npexpr++] = sp;
            np++;
            if (is_kind(r, QTR_QT_COMMA)) {
                uint32_t cline = r->L.tline;
                uint64_t ccol = r->L.tcol;
                int closed;
                if ((st = next(r)) || (st = trailing_comma(r, cline, ccol, QTR_QT_RPAREN, &closed)))
                    return st;
                continue;
            }
            if (!is_kind(r, QTR_QT_RPAREN)) {
                char d[96];
                return FAIL_TOK(r, QTR_EPARSE,
                                "expected ',' or ')' to close the '(' at %u:%llu, found %s", pline,
                                (unsigned long long)pcol, qtr_qasm_lex_describe(&r->L, d, sizeof d));
            }
        }
        if ((st = next(r))) return st;
    }
    if (callee && np != callee->nparams)
        return fail_at(r, QTR_EPARSE, line, col, "gate '%s' takes %u parameter%s, got %u", cname,
                       callee->nparams, callee->nparams == 1 ? "" : "s", np);

    /* qubits: formal names only; Qiskit's bare "barrier;" holds them all */
    if (!callee && is_kind(r, QTR_QT_SEMI)) {
        if ((st = relaxed(r, line, col, "'barrier' without operands"))) return st;
        if (QTR_GROW(&r->alloc, r->qargs, r->capqargs, r->nqargs + def->nqubits)) return nomem(r);
        for (uint32_t i = 0; i < def->nqubits; i++) r->qargs[r->nqargs++] = i;
        cl.nargs = def->nqubits;
    }
    for (; cl.nargs == 0 || !is_kind(r, QTR_QT_SEMI);) {
        if (!is_kind(r, QTR_QT_ID)) return expected(r, "a qubit argument of this gate");
        sym *q = sym_find(&r->locals, r->L.tok, r->L.len, r->L.hash);
        if (!q || q->kind != SYM_FQUBIT)
            return FAIL_TOK(r, QTR_EPARSE, "'%s' is not a qubit argument of this gate", r->L.tok);
        int twice = 0;
        for (uint32_t i = 0; i < cl.nargs; i++) twice |= r->qargs[cl.args + i] == q->idx;
        if (twice && callee)
            return FAIL_TOK(r, QTR_EPARSE, "qubit '%s' used twice in one call", r->L.tok);
        if (!twice) {   /* a barrier holds a qubit named twice once */
            if (QTR_GROW(&r->alloc, r->qargs, r->capqargs, r->nqargs + 1)) return nomem(r);
            r->qargs[r->nqargs++] = q->idx;
            cl.nargs++;
        }
        if ((st = next(r))) return st;
        if (is_kind(r, QTR_QT_LBRACK))
            return FAIL_TOK(r, QTR_EPARSE, "qubit arguments cannot be indexed inside a gate body");
        if (!is_kind(r, QTR_QT_COMMA)) break;
        uint32_t cline = r->L.tline;
        uint64_t ccol = r->L.tcol;
        int closed;
        if ((st = next(r)) || (st = trailing_comma(r, cline, ccol, QTR_QT_SEMI, &closed))) return st;
    }
    if (callee && cl.nargs != callee->nqubits)
        return fail_at(r, QTR_EPARSE, line, col, "gate '%s' takes %u qubit%s, got %u", cname,
                       callee->nqubits, callee->nqubits == 1 ? "" : "s", cl.nargs);
    if ((st = expect(r, QTR_QT_SEMI))) return st;

    if (QTR_GROW(&r->alloc, r->calls, r->capcalls, r->ncalls + 1)) return nomem(r);
    r->calls[r->ncalls++] = cl;
    def->ncalls++;
    uint64_t add = !callee || callee->kind != GK_USER ? 1 : callee->expanded;
    def->expanded = def->expanded > UINT64_MAX - add ? UINT64_MAX : def->expanded + add;
    if (callee && callee->depth + 1 > def->depth) def->depth = callee->depth + 1;
    if (callee && def->opaque_use < 0) {
        if (callee->kind == GK_OPAQUE) {
            def->opaque_use = (int32_t)cl.gate;
            def->opaque_line = line;
            def->opaque_col = col > UINT32_MAX ? UINT32_MAX : (uint32_t)col;
        } else if (callee->opaque_use >= 0) {
            def->opaque_use = callee->opaque_use;
            def->opaque_line = callee->opaque_line;
            def->opaque_col = callee->opaque_col;
        }
    }
    return QTR_OK;
}

/* 1 when dim x dim matrices a and b (interleaved complex) agree up to one
 * global phase, entry by entry within 1e-9. */
static int same_up_to_phase(const double *a, const double *b, size_t dim)
{
    size_t n = dim * dim, big = 0;
    for (size_t k = 1; k < n; k++)   /* the phase from b's largest entry */
        if (hypot(b[2 * k], b[2 * k + 1]) > hypot(b[2 * big], b[2 * big + 1])) big = k;
    double br = b[2 * big], bi = b[2 * big + 1], ar = a[2 * big], ai = a[2 * big + 1];
    double m = br * br + bi * bi;
    if (m < 1e-12) return 0;
    double pr = (ar * br + ai * bi) / m, pi = (ai * br - ar * bi) / m;   /* a/b there */
    if (fabs(hypot(pr, pi) - 1) > 1e-9) return 0;
    for (size_t k = 0; k < n; k++) {
        double er = a[2 * k] - (pr * b[2 * k] - pi * b[2 * k + 1]);
        double ei = a[2 * k + 1] - (pr * b[2 * k + 1] + pi * b[2 * k]);
        if (hypot(er, ei) > 1e-9) return 0;
    }
    return 1;
}

/* 1 when user gate @p g (just compiled, same signature as @p op) has the
 * unitary of table gate @p op up to a global phase, at three parameter
 * points chosen away from special angles. Expands the body into a scratch
 * circuit and simulates it (src/sim.c); a body that cannot be simulated
 * (an opaque gate inside, a parameter that divides by zero there, too
 * large) counts as different. */
static int body_is_table_gate(R *r, const qasm_gate *g, qtr_op op)
{
    if (g->opaque_use >= 0 || g->expanded > 4096 || g->nqubits > 5) return 0;
    qtr_circuit *c = qtr_circuit_new(0), *saved_c = r->c;
    qtr_ctx quiet;   /* failures here are an answer, not an error */
    qtr_ctx_init(&quiet, 0);
    qtr_ctx *saved_ctx = r->ctx;
    int saved_cond = r->cond, same = c != NULL;
    size_t saved_appended = r->appended, pbase = r->npvals, qbase = r->nqbuf;
    uint32_t saved_line = r->stmt_line, saved_col = r->stmt_col;
    if (same && (qtr_circuit_add_qreg(c, "q", g->nqubits, &quiet) ||
                 QTR_GROW(&r->alloc, r->pvals, r->cappvals, pbase + g->nparams + 1) ||
                 QTR_GROW(&r->alloc, r->qbuf, r->capqbuf, qbase + g->nqubits + 1)))
        same = 0;
    r->c = c;
    r->ctx = &quiet;
    r->cond = 0;
    for (int point = 0; point < 3 && same; point++) {
        double prm[8] = {0};
        for (uint32_t j = 0; j < g->nparams; j++) {
            double v = 0.3 + 0.71 * j + 1.13 * point;
            r->pvals[pbase + j] = v;
            if (j < 8) prm[j] = v;
        }
        for (uint32_t k = 0; k < g->nqubits; k++) r->qbuf[qbase + k] = k;
        r->npvals = pbase + g->nparams;
        r->nqbuf = qbase + g->nqubits;
        qtr_circuit_clear_ops(c);
        double *u = NULL, want[2 * 32 * 32];
        same = expand(r, g, pbase, qbase) == QTR_OK && qtr_sim_unitary(c, &u, &quiet) == QTR_OK &&
               qtr_gate_matrix(op, prm, want) == QTR_OK &&
               same_up_to_phase(u, want, (size_t)1 << g->nqubits);
        free(u);
    }
    r->npvals = pbase;
    r->nqbuf = qbase;
    r->c = saved_c;
    r->ctx = saved_ctx;
    r->cond = saved_cond;
    r->appended = saved_appended;
    r->stmt_line = saved_line;
    r->stmt_col = saved_col;
    qtr_circuit_free(c);
    return same;
}

/* "gate name(params) qubits { body }" or "opaque name(params) qubits;". */
static qtr_status stmt_gate(R *r, int opaque)
{
    qtr_status st;
    const char *what = opaque ? "opaque" : "gate";
    if ((st = next(r))) return st;
    if (!is_kind(r, QTR_QT_ID)) return expected(r, "a gate name");
    sym *shadow = NULL;
    if (!r->library && (st = define_name_check(r, opaque ? "opaque gate" : "gate", &shadow)))
        return st;
    char name[QTR_QASM_TOKEN_MAX + 1];
    memcpy(name, r->L.tok, r->L.len + 1);
    size_t len = r->L.len;
    uint32_t line = r->L.tline;
    uint64_t col = r->L.tcol;
    if ((st = next(r))) return st;

    qtr_qasm_sym_clear(&r->locals);
    qasm_gate g = {0};
    g.kind = GK_USER;
    g.op = -1;
    g.opaque_use = -1;
    g.first = (uint32_t)r->ncalls;
    if (is_kind(r, QTR_QT_LPAREN)) {
        if ((st = next(r))) return st;
        if (!is_kind(r, QTR_QT_RPAREN) && (st = formals(r, SYM_FPARAM, &g.nparams)))
            return st;
        if (!is_kind(r, QTR_QT_RPAREN)) return expected(r, "',' or ')' after the parameters");
        if ((st = next(r))) return st;
    }
    if (!is_kind(r, QTR_QT_ID)) {
        char e[80];
        snprintf(e, sizeof e, "the qubit arguments of %s '%.40s'", what, name);
        return expected(r, e);
    }
    if ((st = formals(r, SYM_FQUBIT, &g.nqubits))) return st;

    size_t code0 = r->x.ncode, pexpr0 = r->npexpr, qargs0 = r->nqargs;
    if (opaque) {
        if ((st = expect(r, QTR_QT_SEMI))) return st;
        int op = table_gate_for(name, len, g.nparams, g.nqubits);
        if (op >= 0) {
            g.kind = GK_TABLE;
            g.op = (int16_t)op;
        } else {
            g.kind = GK_OPAQUE;
        }
    } else {
        if (!is_kind(r, QTR_QT_LBRACE)) return expected(r, "'{' to open the gate body");
        uint32_t bline = r->L.tline;
        uint64_t bcol = r->L.tcol;
        if ((st = next(r))) return st;
        r->nformal_params = g.nparams;
        while (!is_kind(r, QTR_QT_RBRACE)) {
            if (is_kind(r, QTR_QT_EOF)) {
                r->nformal_params = 0;
                return FAIL_TOK(r, QTR_EPARSE, "unterminated body of gate '%s': the '{' at "
                                "%u:%llu has no matching '}'", name, bline,
                                (unsigned long long)bcol);
            }
            if ((st = body_statement(r, &g))) {
                r->nformal_params = 0;
                return st;
            }
        }
        r->nformal_params = 0;
        if (g.depth >= QTR_QASM_MAX_GATE_DEPTH)
            return fail_at(r, QTR_ELIMIT, line, col,
                           "gate '%s' nests gate definitions more than %d deep", name,
                           QTR_QASM_MAX_GATE_DEPTH);
        int op = r->library ? -1 : table_gate_for(name, len, g.nparams, g.nqubits);
        if (op >= 0 && body_is_table_gate(r, &g, (qtr_op)op)) {
            /* A table gate defined for readers without it (Qiskit's
             * exporter, our writer, benchmark suites older than Qiskit's
             * include file), with a body of the same unitary: the table
             * gate is the meaning, so optimisation knows it; drop the body.
             * A body that differs is the program's own gate, inlined. */
            g.kind = GK_TABLE;
            g.op = (int16_t)op;
            g.ncalls = 0;
            g.expanded = 0;
            g.depth = 0;
            g.opaque_use = -1;
            r->ncalls = g.first;
            r->x.ncode = code0;
            r->npexpr = pexpr0;
            r->nqargs = qargs0;
        }
        if ((st = next(r))) return st;   /* the '}' */
    }
    qtr_qasm_sym_clear(&r->locals);
    if (g.kind != GK_USER) g.expanded = 1;
    if (r->library) {
        /* built-in definitions are not entered in the symbol table */
        if (QTR_GROW(&r->alloc, r->gates, r->capgates, r->ngates + 1)) return nomem(r);
        g.name = UINT32_MAX;
        r->gates[r->ngates++] = g;
        return QTR_OK;
    }
    if (shadow) {
        /* the program's own definition of a built-in name: later uses mean
         * it; definitions made before keep the built-in they called */
        if (QTR_GROW(&r->alloc, r->gates, r->capgates, r->ngates + 1)) return nomem(r);
        g.name = r->gates[shadow->idx].name;
        shadow->idx = (uint32_t)r->ngates;
        shadow->line = line;
        shadow->col = col > UINT32_MAX ? UINT32_MAX : (uint32_t)col;
        r->gates[r->ngates++] = g;
        return QTR_OK;
    }
    return add_gate(r, name, len, line, col, &g);
}

static qtr_status header(R *r);

/* Close the innermost include file and go back to the file that included
 * it, at the token after its include statement. */
static void include_pop(R *r)
{
    qasm_include *in = &r->incl[--r->nincl];
    fclose(in->f);
    qtr_realloc(&r->alloc, in->chunk, QTR_QASM_CHUNK, 0);
    r->L = in->outer;
    free(in->path);
    free(in->real);
}

/* Start reading @p file (an include statement at line:col, already parsed
 * through its ';'), found relative to the directory of the file that
 * includes it (the working directory for memory and standard input). */
static qtr_status include_file(R *r, const char *file, uint32_t line, uint64_t col)
{
    if (r->nincl >= QTR_QASM_MAX_INCLUDE_DEPTH)
        return fail_at(r, QTR_ELIMIT, line, col, "include \"%s\": includes nested more than %d deep",
                       file, QTR_QASM_MAX_INCLUDE_DEPTH);
    size_t dlen = 0;
    const char *cur = r->L.name;
    if (file[0] != '/' && r->L.f && r->L.f != stdin) {
        const char *slash = strrchr(cur, '/');
        if (slash) dlen = (size_t)(slash - cur) + 1;
    }
    size_t flen = strlen(file);
    char *path = malloc(dlen + flen + 1);
    if (!path) return fail_at(r, QTR_ENOMEM, line, col, "out of memory");
    memcpy(path, cur, dlen);
    memcpy(path + dlen, file, flen + 1);
    char *real = realpath(path, NULL);
    if (!real) {
        int e = errno;
        qtr_status st = fail_at(r, QTR_EIO, line, col, "cannot include \"%s\": %s: %s", file, path,
                                strerror(e));
        free(path);
        return st;
    }
    struct stat sb;
    if (stat(real, &sb) || !S_ISREG(sb.st_mode)) {
        /* a directory opens, then fails at its first read, far from here */
        qtr_status st = fail_at(r, QTR_EIO, line, col, "cannot include \"%s\": %s is not a file",
                                file, path);
        free(path);
        free(real);
        return st;
    }
    if (!r->real_top && r->nincl == 0 && r->f && r->f != stdin) r->real_top = realpath(r->name, NULL);
    int cycle = r->real_top && !strcmp(r->real_top, real);
    for (size_t k = 0; k < r->nincl && !cycle; k++) cycle = !strcmp(r->incl[k].real, real);
    FILE *f = cycle ? NULL : fopen(real, "rb");
    char *chunk = f ? qtr_realloc(&r->alloc, NULL, 0, QTR_QASM_CHUNK) : NULL;
    if (!chunk || QTR_GROW(&r->alloc, r->incl, r->capincl, r->nincl + 1)) {
        int e = errno;
        qtr_status st = cycle ? fail_at(r, QTR_EPARSE, line, col, "include \"%s\" forms a cycle: "
                                        "%s is already being read", file, path)
                        : !f ? fail_at(r, QTR_EIO, line, col, "cannot include \"%s\": %s: %s", file,
                                       path, strerror(e))
                             : fail_at(r, QTR_ENOMEM, line, col, "out of memory");
        if (f) fclose(f);
        if (chunk) qtr_realloc(&r->alloc, chunk, QTR_QASM_CHUNK, 0);
        free(path);
        free(real);
        return st;
    }
    qasm_include *in = &r->incl[r->nincl++];
    in->outer = r->L;
    in->f = f;
    in->chunk = chunk;
    in->path = path;
    in->real = real;
    qtr_qasm_lex_init_file(&r->L, f, chunk, path);
    qtr_status st = next(r);
    /* an included file may have its own version line */
    if (!st && is_kind(r, QTR_QT_ID) && strcmp(r->L.tok, "OPENQASM") == 0) st = header(r);
    return st;
}

static qtr_status stmt_include(R *r)
{
    qtr_status st;
    if ((st = next(r))) return st;
    if (!is_kind(r, QTR_QT_STRING)) return expected(r, "a file name in double quotes");
    uint32_t line = r->L.tline;
    uint64_t col = r->L.tcol;
    if (r->L.quote == '\'' && (st = relaxed(r, line, col, "a file name in single quotes")))
        return st;
    int qelib1 = strcmp(r->L.tok, "qelib1.inc") == 0;
    char file[QTR_QASM_TOKEN_MAX + 1];
    memcpy(file, r->L.tok, r->L.len + 1);
    if ((st = next(r)) || (st = expect(r, QTR_QT_SEMI))) return st;
    if (!qelib1) return include_file(r, file, line, col);
    if (r->included) return QTR_OK;   /* a second include changes nothing */
    size_t n;
    const qtr_qasm_libgate *lib = qtr_qasm_libgates(&n);
    for (size_t i = 0; i < n; i++) {
        if (!lib[i].qelib1) continue;
        size_t len = strlen(lib[i].name);
        sym *s = sym_find(&r->globals, lib[i].name, len, qtr_qasm_hash(lib[i].name, len));
        if (s && s->kind == SYM_GATE && !original_qelib1(lib[i].name))
            continue;   /* the program's own gate of a name the original lacks */
        if (s)
            return fail_at(r, QTR_EPARSE, line, col,
                           "include \"qelib1.inc\" redefines '%s', declared at %u:%u",
                           lib[i].name, s->line, s->col);
        qasm_gate g = {0};
        g.kind = GK_TABLE;
        g.builtin = 1;
        g.op = (int16_t)lib[i].op;
        g.nparams = lib[i].nparams;
        g.nqubits = lib[i].nqubits;
        g.expanded = 1;
        g.opaque_use = -1;
        if ((st = add_gate(r, lib[i].name, len, 0, 0, &g))) return st;
    }
    r->included = 1;
    return QTR_OK;
}

/* "name(params) args;" at top level (possibly under an if). */
static qtr_status stmt_call(R *r, sym *s)
{
    qtr_status st;
    if (s->kind != SYM_GATE) {
        if (s->kind == SYM_QREG || s->kind == SYM_CREG)
            return FAIL_TOK(r, QTR_EPARSE, "'%s' is a register, not a gate", r->L.tok);
        return FAIL_TOK(r, QTR_EPARSE, "'%s' cannot start a statement", r->L.tok);
    }
    uint32_t gi = s->idx;
    const char *gname = gate_name(r, &r->gates[gi]);   /* stable: the names arena */
    if ((st = next(r))) return st;
    size_t pbase = r->npvals;
    uint32_t np;
    if ((st = const_params(r, &np))) return st;
    const qasm_gate *g = &r->gates[gi];
    if (np != g->nparams)
        return fail_at(r, QTR_EPARSE, r->stmt_line, r->stmt_col,
                       "gate '%s' takes %u parameter%s, got %u", gname, g->nparams,
                       g->nparams == 1 ? "" : "s", np);
    size_t a0 = r->nargs;
    if ((st = operand_list(r))) return st;
    uint32_t nq = (uint32_t)(r->nargs - a0);
    if (nq != g->nqubits)
        return fail_at(r, QTR_EPARSE, r->stmt_line, r->stmt_col,
                       "gate '%s' takes %u qubit%s, got %u", gname, g->nqubits,
                       g->nqubits == 1 ? "" : "s", nq);
    uint32_t n;
    if ((st = broadcast(r, a0, r->nargs, SYM_QREG, &n))) return st;
    if (n && g->expanded > QTR_QASM_MAX_EXPANSION / n)
        return fail_at(r, QTR_ELIMIT, r->stmt_line, r->stmt_col,
                       "'%s' expands to more than %llu instructions", gname,
                       (unsigned long long)QTR_QASM_MAX_EXPANSION);
    size_t qbase = r->nqbuf;
    if (QTR_GROW(&r->alloc, r->qbuf, r->capqbuf, qbase + nq)) return nomem(r);
    if (nq > 2 && (st = grow_mark(r))) return st;
    r->nqbuf = qbase + nq;
    for (uint32_t i = 0; i < n && !st; i++) {
        if (!qtr_qasm_instance(r->qregs, r->args + a0, nq, i, &r->mark, r->qbuf + qbase))
            st = fail_at(r, QTR_EPARSE, r->stmt_line, r->stmt_col,
                         "'%s' is applied to the same qubit twice", gname);
        else
            st = apply(r, g, pbase, qbase);
    }
    r->nqbuf = qbase;
    r->nargs = a0;
    r->npvals = pbase;
    return st;
}

static qtr_status stmt_measure(R *r)
{
    qtr_status st;
    if ((st = next(r)) || (st = operand(r, SYM_QREG, NULL))) return st;
    if ((st = expect(r, QTR_QT_ARROW)) || (st = operand(r, SYM_CREG, NULL))) return st;
    if ((st = expect(r, QTR_QT_SEMI))) return st;
    qasm_arg *q = &r->args[r->nargs - 2], *c = &r->args[r->nargs - 1];
    uint32_t n = qtr_qasm_arg_size(q);
    if (q->many != c->many)
        return fail_at(r, QTR_EPARSE, r->stmt_line, r->stmt_col,
                       "measure needs two registers or two bits, not a register and a bit");
    if (qtr_qasm_arg_size(c) != n)
        return fail_at(r, QTR_EPARSE, c->line, c->col,
                       "measure: register '%s' has size %u but '%s' has size %u",
                       arg_name(r, q, SYM_QREG), n, arg_name(r, c, SYM_CREG), qtr_qasm_arg_size(c));
    for (uint32_t i = 0; i < n && !st; i++) {
        uint32_t ops[2] = {qtr_qasm_arg_bit(r->qregs, q, i), qtr_qasm_arg_bit(r->cregs, c, i)};
        st = append(r, QTR_OP_MEASURE, ops, 2, NULL);
    }
    r->nargs -= 2;
    return st;
}

static qtr_status stmt_reset(R *r)
{
    qtr_status st;
    if ((st = next(r)) || (st = operand(r, SYM_QREG, NULL)) || (st = expect(r, QTR_QT_SEMI))) return st;
    qasm_arg *q = &r->args[r->nargs - 1];
    for (uint32_t i = 0, n = qtr_qasm_arg_size(q); i < n && !st; i++) {
        uint32_t b = qtr_qasm_arg_bit(r->qregs, q, i);
        st = append(r, QTR_OP_RESET, &b, 1, NULL);
    }
    r->nargs--;
    return st;
}

/* "barrier a, b[1], ...;": one barrier over every named qubit, each once. */
static qtr_status stmt_barrier(R *r)
{
    qtr_status st;
    if ((st = next(r))) return st;
    size_t a0 = r->nargs;
    if (is_kind(r, QTR_QT_SEMI)) {
        /* Qiskit's "barrier;": every qubit declared so far */
        if ((st = relaxed(r, r->stmt_line, r->stmt_col, "'barrier' without operands")) ||
            (st = next(r)))
            return st;
        for (size_t k = 0; k < r->nqregs; k++) {
            if (QTR_GROW(&r->alloc, r->args, r->capargs, r->nargs + 1)) return nomem(r);
            r->args[r->nargs++] = qtr_qasm_whole((uint32_t)k, &r->qregs[k], r->stmt_line, r->stmt_col);
        }
        if (r->nargs == a0) return QTR_OK;   /* no qubits: nothing to hold */
    } else if ((st = operand_list(r))) {
        return st;
    }
    if ((st = grow_mark(r))) return st;
    size_t q0 = r->nqbuf;
    if (qtr_qasm_union(&r->alloc, &r->mark, r->qregs, r->args + a0, r->nargs - a0, &r->qbuf,
                       &r->nqbuf, &r->capqbuf))
        st = nomem(r);
    if (!st) {
        if (r->nqbuf - q0 > UINT16_MAX)
            st = fail_at(r, QTR_ELIMIT, r->stmt_line, r->stmt_col,
                         "barrier over %zu qubits: at most %u are supported", r->nqbuf - q0,
                         (unsigned)UINT16_MAX);
        else if (r->nqbuf > q0)   /* registers of no bits: nothing to hold */
            st = append(r, QTR_OP_BARRIER, r->qbuf + q0, (uint32_t)(r->nqbuf - q0), NULL);
    }
    r->nqbuf = q0;
    r->nargs = a0;
    return st;
}

static qtr_status quantum_op(R *r, sym *s);

/* The condition value in the current integer token, compared with register
 * @p reg, into r->cond_is. Values of any width up to the register's (and
 * any value below 2^64, as OpenQASM 2 readers always took). */
static qtr_status cond_value(R *r, const qasm_reg *reg)
{
    uint32_t n;
    if (qtr_qasm_cond_value(r->L.tok, r->L.len, r->L.ival, r->L.ival_overflow, reg->size,
                            r->cond_words, &n))
        return FAIL_TOK(r, QTR_EPARSE, "condition value %s does not fit in register '%s' of "
                        "%u bits", r->L.tok, r->globals.names + reg->name, reg->size);
    r->cond_is = (qtr_cond){0, reg->cindex, n, r->cond_words};
    return QTR_OK;
}

/* "if (creg == n) op;" */
static qtr_status stmt_if(R *r)
{
    qtr_status st;
    if ((st = next(r)) || (st = expect(r, QTR_QT_LPAREN))) return st;
    if (!is_kind(r, QTR_QT_ID)) return expected(r, "a classical register name");
    sym *s = sym_find(&r->globals, r->L.tok, r->L.len, r->L.hash);
    if (!s || s->kind != SYM_CREG)
        return FAIL_TOK(r, QTR_EPARSE, "%s '%s' in the condition",
                        s && s->kind == SYM_QREG ? "quantum register" : "undeclared register",
                        r->L.tok);
    const qasm_reg *reg = &r->cregs[s->idx];
    if ((st = next(r)) || (st = expect(r, QTR_QT_EQEQ))) return st;
    if (!is_kind(r, QTR_QT_INT)) return expected(r, "an integer to compare with");
    if ((st = cond_value(r, reg))) return st;
    if ((st = next(r)) || (st = expect(r, QTR_QT_RPAREN))) return st;
    if (!is_kind(r, QTR_QT_ID)) return expected(r, "an operation after the condition");
    r->stmt_line = r->L.tline;
    r->stmt_col = r->L.tcol > UINT32_MAX ? UINT32_MAX : (uint32_t)r->L.tcol;
    r->cond = 1;
    st = quantum_op(r, sym_find(&r->globals, r->L.tok, r->L.len, r->L.hash));
    r->cond = 0;
    return st;
}

/* A gate call, measure or reset (what may follow an if); @p s is the
 * current token's symbol or NULL. */
static qtr_status quantum_op(R *r, sym *s)
{
    if (s && s->kind == SYM_KEYWORD) {
        if (s->idx == KW_MEASURE) return stmt_measure(r);
        if (s->idx == KW_RESET) return stmt_reset(r);
        return FAIL_TOK(r, QTR_EPARSE, "'%s' cannot be conditioned", r->L.tok);
    }
    if (!s)
        return FAIL_TOK(r, QTR_EPARSE, "unknown gate '%s'%s", r->L.tok,
                        !r->included && qtr_gate_lookup(r->L.tok, r->L.len) >= 0
                            ? " (missing include \"qelib1.inc\"?)" : "");
    return stmt_call(r, s);
}

/* The commonest statement, a parameterless built-in gate on indexed qubits
 * ("cx q[0],q[1];", blanks allowed around the operands), parsed straight from
 * the lexer's buffer: a third of the general path's work per line. Anything
 * else -- a parameter, a whole register, a newline or comment inside, the
 * statement running past the chunk, an unknown name, an index out of range,
 * a repeated qubit -- returns 0 having consumed nothing, and the general path
 * parses it (and reports its errors with their columns). Returns 1 when the
 * statement was taken, with its status in *st. */
static int fast_call(R *r, const sym *s, qtr_status *st)
{
    if (s->kind != SYM_GATE || r->cond) return 0;
    const qasm_gate *g = &r->gates[s->idx];
    if (g->kind != GK_TABLE || g->nparams || g->nqubits == 0 || g->nqubits > 3) return 0;
    const unsigned char *b = (const unsigned char *)r->L.buf;
    size_t i = r->L.pos, n = r->L.end;
    if (i >= n || (b[i] != ' ' && b[i] != '\t')) return 0;
    uint32_t q[3];
    for (uint32_t k = 0; k < g->nqubits; k++) {
        while (i < n && (b[i] == ' ' || b[i] == '\t')) i++;
        size_t j = i;
        while (j < n && qtr_qasm_is_id_char(b[j])) j++;
        if (j == i || j >= n || b[j] != '[' || !qtr_qasm_is_id_start(b[i]) ||
            j - i > QTR_QASM_TOKEN_MAX)
            return 0;
        uint32_t len = (uint32_t)(j - i);
        if (len != r->fast_len || memcmp(r->globals.names + r->fast_off, b + i, len) != 0) {
            const sym *rs = sym_find(&r->globals, (const char *)b + i, len,
                                     qtr_qasm_hash((const char *)b + i, len));
            if (!rs || rs->kind != SYM_QREG) return 0;
            r->fast_off = rs->off;
            r->fast_len = len;
            r->fast_reg = rs->idx;
        }
        const qasm_reg *reg = &r->qregs[r->fast_reg];
        uint64_t v = 0;
        size_t d = ++j;
        while (j < n && b[j] >= '0' && b[j] <= '9' && j - d < 9) v = v * 10 + (b[j++] - '0');
        if (j == d || j >= n || b[j] != ']' || v >= reg->size) return 0;
        q[k] = reg->first + (uint32_t)v;
        for (uint32_t m = 0; m < k; m++)
            if (q[m] == q[k]) return 0;
        i = j + 1;
        while (i < n && (b[i] == ' ' || b[i] == '\t')) i++;
        if (i >= n || b[i] != (k + 1 < g->nqubits ? ',' : ';')) return 0;
        i++;
    }
    r->L.pos = i;
    *st = append(r, (qtr_op)g->op, q, g->nqubits, NULL);
    if (!*st) *st = next(r);
    return 1;
}

static qtr_status statement(R *r)
{
    if (is_kind(r, QTR_QT_SEMI)) {   /* an empty statement, or the ';' of "gate g a { };" */
        qtr_status st = relaxed(r, r->L.tline, r->L.tcol, "an empty statement ';'");
        return st ? st : next(r);
    }
    if (!is_kind(r, QTR_QT_ID)) return expected(r, "a statement");
    r->stmt_line = r->L.tline;
    r->stmt_col = r->L.tcol > UINT32_MAX ? UINT32_MAX : (uint32_t)r->L.tcol;
    sym *s = sym_find(&r->globals, r->L.tok, r->L.len, r->L.hash);
    if (s && s->kind == SYM_KEYWORD) {
        switch (s->idx) {
        case KW_INCLUDE: return stmt_include(r);
        case KW_QREG: return stmt_reg(r, SYM_QREG);
        case KW_CREG: return stmt_reg(r, SYM_CREG);
        case KW_GATE: return stmt_gate(r, 0);
        case KW_OPAQUE: return stmt_gate(r, 1);
        case KW_BARRIER: return stmt_barrier(r);
        case KW_MEASURE: return stmt_measure(r);
        case KW_RESET: return stmt_reset(r);
        case KW_IF: return stmt_if(r);
        case KW_OPENQASM:
            return FAIL_TOK(r, QTR_EPARSE, "'OPENQASM' may appear only once, at the start");
        default: return FAIL_TOK(r, QTR_EPARSE, "'%s' cannot start a statement", r->L.tok);
        }
    }
    qtr_status st;
    if (s && fast_call(r, s, &st)) return st;
    return quantum_op(r, s);
}

/* "OPENQASM 2.0;" */
static qtr_status header(R *r)
{
    qtr_status st;
    /* Qiskit's loader: the version line is optional, an empty file is an
     * empty circuit */
    if (!r->strict && !(is_kind(r, QTR_QT_ID) && strcmp(r->L.tok, "OPENQASM") == 0))
        return QTR_OK;
    if (is_kind(r, QTR_QT_EOF))
        return FAIL_TOK(r, QTR_EPARSE, "empty file, expected 'OPENQASM 2.0;'");
    if (!is_kind(r, QTR_QT_ID) || strcmp(r->L.tok, "OPENQASM") != 0)
        return expected(r, "'OPENQASM 2.0;' at the start of the program");
    if ((st = next(r))) return st;
    if (!is_kind(r, QTR_QT_REAL) && !is_kind(r, QTR_QT_INT)) return expected(r, "a version number");
    double v = is_kind(r, QTR_QT_REAL) ? r->L.rval : (double)r->L.ival;
    if (v >= 3.0 && v < 4.0) {
        r->L.v3 = 1;   /* from the ';' on, OpenQASM 3 tokens */
        if ((st = next(r)) || (st = expect(r, QTR_QT_SEMI))) return st;
        return qtr_qasm3_new(&r->v3, &r->L, r->name, r->ctx);
    }
    if (v != 2.0)
        return FAIL_TOK(r, QTR_EUNSUPPORTED, "OpenQASM version %s is not supported (only 2.0 and 3)",
                        r->L.tok);
    if ((st = next(r))) return st;
    return expect(r, QTR_QT_SEMI);
}

/* ======================================================================
 * Reader life cycle
 * ====================================================================== */

static qtr_status reader_new(R **out, const char *name, qtr_ctx *ctx)
{
    qtr_alloc a = {0};
    R *r = qtr_realloc(&a, NULL, 0, sizeof *r);
    if (!r) return qtr_fail(ctx, QTR_ENOMEM, "%s: out of memory", name);
    memset(r, 0, sizeof *r);
    r->alloc = a;
    r->ctx = ctx;
    size_t len = strlen(name) + 1;
    r->name = qtr_realloc(&r->alloc, NULL, 0, len);
    if (!r->name) {
        qtr_qasm_reader_free(r);
        return qtr_fail(ctx, QTR_ENOMEM, "%s: out of memory", name);
    }
    memcpy(r->name, name, len);
    for (int k = 0; k < KW_COUNT; k++) {
        size_t n = strlen(keyword_name[k]);
        if (sym_add(r, &r->globals, keyword_name[k], n, qtr_qasm_hash(keyword_name[k], n),
                    SYM_KEYWORD, (uint32_t)k, 0, 0, NULL)) {
            qtr_qasm_reader_free(r);
            return qtr_fail(ctx, QTR_ENOMEM, "%s: out of memory", name);
        }
    }
    /* the two builtins of the language */
    qasm_gate u = {0}, cx = {0};
    u.kind = cx.kind = GK_TABLE;
    u.builtin = cx.builtin = 1;
    u.op = QTR_OP_U;
    u.nparams = 3;
    u.nqubits = 1;
    cx.op = QTR_OP_CX;
    cx.nqubits = 2;
    u.expanded = cx.expanded = 1;
    u.opaque_use = cx.opaque_use = -1;
    /* operand scratch exists from the start: the shared operand helpers
     * (qasm_operand.c) are handed args + a0 whatever the count */
    if (add_gate(r, "U", 1, 0, 0, &u) || add_gate(r, "CX", 2, 0, 0, &cx) ||
        QTR_GROW(&r->alloc, r->args, r->capargs, 8)) {
        qtr_qasm_reader_free(r);
        return qtr_fail(ctx, QTR_ENOMEM, "%s: out of memory", name);
    }
    *out = r;
    return QTR_OK;
}

qtr_status qtr_qasm_reader_open_mem(qtr_qasm_reader **out, const char *text, size_t len,
                                    const char *display_name, qtr_ctx *ctx)
{
    *out = NULL;
    R *r;
    qtr_status st = reader_new(&r, display_name ? display_name : "<memory>", ctx);
    if (st) return st;
    qtr_qasm_lex_init_mem(&r->L, text, len, r->name);
    *out = r;
    return QTR_OK;
}

qtr_status qtr_qasm_reader_open_file(qtr_qasm_reader **out, const char *path, qtr_ctx *ctx)
{
    *out = NULL;
    int is_stdin = strcmp(path, "-") == 0;
    R *r;
    qtr_status st = reader_new(&r, is_stdin ? "<stdin>" : path, ctx);
    if (st) return st;
    r->chunk = qtr_realloc(&r->alloc, NULL, 0, QTR_QASM_CHUNK);
    if (!r->chunk) {
        qtr_qasm_reader_free(r);
        return qtr_fail(ctx, QTR_ENOMEM, "%s: out of memory", path);
    }
    if (is_stdin) {
        r->f = stdin;
    } else {
        r->f = fopen(path, "rb");
        if (!r->f) {
            int e = errno;
            qtr_qasm_reader_free(r);
            return qtr_fail(ctx, QTR_EIO, "%s: cannot open: %s", path, strerror(e));
        }
        r->own_f = 1;
    }
    qtr_qasm_lex_init_file(&r->L, r->f, r->chunk, r->name);
    *out = r;
    return QTR_OK;
}

void qtr_qasm_reader_set_strict(qtr_qasm_reader *r, int strict) { r->strict = strict != 0; }

void qtr_qasm_reader_free(qtr_qasm_reader *r)
{
    if (!r) return;
    while (r->nincl) include_pop(r);
    qtr_realloc(&r->alloc, r->incl, r->capincl * sizeof *r->incl, 0);
    free(r->real_top);
    if (r->own_f && r->f) fclose(r->f);
    qtr_qasm3_free(r->v3);
    qtr_alloc *a = &r->alloc;
    qtr_qasm_sym_free(a, &r->globals);
    qtr_qasm_sym_free(a, &r->locals);
    qtr_realloc(a, r->gates, r->capgates * sizeof *r->gates, 0);
    qtr_realloc(a, r->calls, r->capcalls * sizeof *r->calls, 0);
    qtr_realloc(a, r->qargs, r->capqargs * sizeof *r->qargs, 0);
    qtr_realloc(a, r->pexpr, r->cappexpr * sizeof *r->pexpr, 0);
    qtr_realloc(a, r->x.code, r->x.capcode * sizeof *r->x.code, 0);
    qtr_realloc(a, r->qregs, r->capqregs * sizeof *r->qregs, 0);
    qtr_realloc(a, r->cregs, r->capcregs * sizeof *r->cregs, 0);
    qtr_realloc(a, r->args, r->capargs * sizeof *r->args, 0);
    qtr_realloc(a, r->pvals, r->cappvals * sizeof *r->pvals, 0);
    qtr_realloc(a, r->qbuf, r->capqbuf * sizeof *r->qbuf, 0);
    qtr_qasm_marks_free(a, &r->mark);
    qtr_realloc(a, r->chunk, r->chunk ? QTR_QASM_CHUNK : 0, 0);
    if (r->name) qtr_realloc(a, r->name, strlen(r->name) + 1, 0);
    free(r);
}

qtr_status qtr_qasm_reader_next(qtr_qasm_reader *r, qtr_circuit *c, size_t max_inst, int *eof,
                                qtr_ctx *ctx)
{
    *eof = 0;
    r->ctx = ctx;
    if (r->sticky) {
        snprintf(ctx->msg, sizeof ctx->msg, "%s", r->sticky_msg);
        return r->sticky;
    }
    if (r->finished) {
        *eof = 1;
        return QTR_OK;
    }
    r->c = c;
    r->appended = 0;
    /* the memory budget covers the circuit and the reader's own tables */
    if (ctx->max_memory && !c->alloc.limit) c->alloc.limit = ctx->max_memory;
    r->alloc.limit = ctx->max_memory;
    qtr_status st = QTR_OK;
    if (!r->started) {
        st = next(r);
        if (!st && !r->library) st = header(r);
        r->started = 1;
    }
    if (!st && r->v3) st = qtr_qasm3_next(r->v3, c, max_inst, eof, ctx);
    while (!st && !r->v3) {
        if (is_kind(r, QTR_QT_EOF) && r->nincl) {
            include_pop(r);   /* back in the including file, at its next token */
            continue;
        }
        if (is_kind(r, QTR_QT_EOF)) {
            r->finished = 1;
            *eof = 1;
            break;
        }
        st = statement(r);
        if (max_inst && r->appended >= max_inst) break;
    }
    /* scratch stacks are empty between statements */
    r->nargs = r->npvals = r->nqbuf = 0;
    r->cond = 0;
    if (st == QTR_ENOMEM && (c->alloc.over || r->alloc.over)) {
        char where[sizeof ctx->msg];
        snprintf(where, sizeof where, "%s:%u:%u", r->name, r->stmt_line, r->stmt_col);
        st = qtr_fail_budget(ctx, where, c->alloc.over ? c->alloc.limit : r->alloc.limit);
    }
    if (st) {
        r->sticky = st;
        snprintf(r->sticky_msg, sizeof r->sticky_msg, "%s", ctx->msg);
    }
    r->c = NULL;
    return st;
}

int qtr_qasm_reader_version(const qtr_qasm_reader *r)
{
    return !r || !r->started ? 0 : r->v3 ? 3 : 2;
}

qtr_status qtr_qasm_reader_start(qtr_qasm_reader *r, qtr_ctx *ctx)
{
    if (r->sticky) {
        snprintf(ctx->msg, sizeof ctx->msg, "%s", r->sticky_msg);
        return r->sticky;
    }
    if (r->started) return QTR_OK;
    r->ctx = ctx;
    qtr_status st = next(r);
    if (!st && !r->library) st = header(r);
    r->started = 1;
    if (st) {
        r->sticky = st;
        snprintf(r->sticky_msg, sizeof r->sticky_msg, "%s", ctx->msg);
    }
    return st;
}

int qtr_qasm_reader_physical(const qtr_qasm_reader *r) { return r && qtr_qasm3_physical(r->v3); }

/* ======================================================================
 * Whole-file conveniences
 * ====================================================================== */

static qtr_status read_all(qtr_qasm_reader *r, qtr_status st, qtr_circuit **out, int *version,
                           qtr_ctx *ctx)
{
    *out = NULL;
    if (st) return st;
    qtr_circuit *c = qtr_circuit_new(0);
    if (!c) {
        qtr_qasm_reader_free(r);
        return qtr_fail(ctx, QTR_ENOMEM, "out of memory");
    }
    int eof = 0;
    st = qtr_qasm_reader_next(r, c, 0, &eof, ctx);
    if (!st && qtr_qasm_reader_physical(r)) st = qtr_qasm3_merge_physical(c, ctx);
    if (version) *version = qtr_qasm_reader_version(r);
    qtr_qasm_reader_free(r);
    if (st) {
        qtr_circuit_free(c);
        return st;
    }
    *out = c;
    return QTR_OK;
}

qtr_status qtr_qasm_read_file_mode(const char *path, int strict, qtr_circuit **out, int *version,
                                   qtr_ctx *ctx)
{
    qtr_qasm_reader *r = NULL;
    qtr_status st = qtr_qasm_reader_open_file(&r, path, ctx);
    if (!st) r->strict = strict != 0;
    return read_all(r, st, out, version, ctx);
}

qtr_status qtr_qasm_read_file_version(const char *path, qtr_circuit **out, int *version,
                                      qtr_ctx *ctx)
{
    return qtr_qasm_read_file_mode(path, 0, out, version, ctx);
}

qtr_status qtr_qasm_read_file(const char *path, qtr_circuit **out, qtr_ctx *ctx)
{
    return qtr_qasm_read_file_mode(path, 0, out, NULL, ctx);
}

qtr_status qtr_qasm_read_mem(const char *text, size_t len, const char *display_name,
                             qtr_circuit **out, qtr_ctx *ctx)
{
    qtr_qasm_reader *r = NULL;
    qtr_status st = qtr_qasm_reader_open_mem(&r, text, len, display_name, ctx);
    return read_all(r, st, out, NULL, ctx);
}

/* ======================================================================
 * Built-in definitions
 * ====================================================================== */

qtr_status qtr_qasm_gate_definition(qtr_op op, const double *params, const uint32_t *qubits,
                                    qtr_circuit *c, qtr_ctx *ctx)
{
    if ((unsigned)op >= QTR_OP_COUNT)
        return qtr_fail(ctx, QTR_EINVAL, "qtr_qasm_gate_definition: invalid op %d", (int)op);
    const qtr_qasm_libgate *lg = qtr_qasm_libgate_for(op);
    if (!lg || lg->primitive)
        return qtr_fail(ctx, QTR_EUNSUPPORTED, "'%s' is a primitive with no definition in gates",
                        qtr_gate(op)->name);
    char name[64];
    snprintf(name, sizeof name, "<definition of %s>", lg->name);
    R *r;
    qtr_status st = qtr_qasm_reader_open_mem(&r, lg->def, strlen(lg->def), name, ctx);
    if (st) return st;
    r->library = 1;
    r->started = 1;
    /* table gates the body names are entered as they appear (library_gate) */
    st = next(r);
    if (!st) {
        if (!is_kind(r, QTR_QT_ID) || strcmp(r->L.tok, "gate") != 0) st = expected(r, "'gate'");
        else st = stmt_gate(r, 0);
    }
    if (!st) {
        qasm_gate *g = &r->gates[r->ngates - 1];
        r->c = c;
        r->stmt_line = 1;
        r->stmt_col = 1;
        if (QTR_GROW(&r->alloc, r->pvals, r->cappvals, g->nparams + 1) ||
            QTR_GROW(&r->alloc, r->qbuf, r->capqbuf, g->nqubits + 1)) {
            st = nomem(r);
        } else {
            if (g->nparams) memcpy(r->pvals, params, g->nparams * sizeof *params);
            memcpy(r->qbuf, qubits, g->nqubits * sizeof *qubits);
            r->npvals = g->nparams;
            r->nqbuf = g->nqubits;
            st = expand(r, g, 0, 0);
        }
    }
    qtr_qasm_reader_free(r);
    return st;
}
