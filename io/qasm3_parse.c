/* qasm3_parse.c -- the OpenQASM 3 reader: the statements of a program whose
 * version line says 3, over the same streaming lexer as OpenQASM 2
 * (qasm_lex.c in its v3 mode), appended to a qtr_circuit one statement at a
 * time. qasm_parse.c reads the version line and hands the rest over here, so
 * every caller of the reader API gets both versions.
 *
 * What it reads is what Qiskit's exporter (qiskit.qasm3.dumps) writes for
 * circuits of standard gates, and the same style by hand: declarations
 * (qubit/bit with or without a size, qreg/creg, physical qubits $n),
 * `include "stdgates.inc"` (its gates map straight to table ops), U and
 * gphase, `gate` definitions (a name and signature of a table gate maps to it;
 * any other is compiled once into calls and inlined at each use), the
 * modifiers inv/pow/ctrl/negctrl (resolved by qasm3_gates.c), constant angle
 * expressions, the three spellings of measure, reset, barrier, `if` on a
 * register's value or one bit with an optional `else`, `input float[64]`
 * declarations, both comment kinds. Everything else in the language is
 * refused with "unsupported in this version: ..." at its place, never
 * skipped or guessed at.
 *
 * Memory: symbol tables, gate bodies and scratch grow with the program's
 * definitions, never with its instructions (counted in the reader's own
 * qtr_alloc). Borrows the lexer and display name of the OpenQASM 2 reader
 * that created it, the circuit of each qtr_qasm3_next call, the ctx.
 *
 * Errors: "FILE:LINE:COL: reason"; the first error is sticky. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "qasm3_internal.h"
#include "qasm_expr.h"
#include "qasm_internal.h"
#include "qasm_operand.h"
#include "qasm_sym.h"
#include "qtr_io.h"
#include "sim.h"

/* ======================================================================
 * Data
 * ====================================================================== */

enum { S_EMPTY, S_KEYWORD, S_QREG, S_CREG, S_GATE, S_INPUT, S_FPARAM, S_FQUBIT };

/* Words with a meaning here. Order matters: KW_PI .. KW_EULER are constants
 * (their values in const_value), KW_SIN .. KW_LOG functions (fn_op). */
enum kw {
    KW_OPENQASM, KW_INCLUDE, KW_QUBIT, KW_BIT, KW_QREG, KW_CREG, KW_GATE, KW_INPUT, KW_MEASURE,
    KW_RESET, KW_BARRIER, KW_IF, KW_ELSE, KW_INV, KW_POW, KW_CTRL, KW_NEGCTRL, KW_FLOAT, KW_ANGLE,
    KW_PI, KW_PI_U, KW_TAU, KW_TAU_U, KW_EULER, KW_EULER_U,
    KW_SIN, KW_COS, KW_TAN, KW_ASIN, KW_ACOS, KW_ATAN, KW_EXP, KW_LN, KW_SQRT, KW_LOG,
    KW_REFUSED   /* first of the words refused as "unsupported in this version" */
};

static const char *const kw_name[] = {
    "OPENQASM", "include", "qubit", "bit", "qreg", "creg", "gate", "input", "measure",
    "reset", "barrier", "if", "else", "inv", "pow", "ctrl", "negctrl", "float", "angle",
    "pi", "\xcf\x80", "tau", "\xcf\x84", "euler", "\xe2\x84\xaf",
    "sin", "cos", "tan", "arcsin", "arccos", "arctan", "exp", "ln", "sqrt", "log",
    /* refused: the rest of the language */
    "for", "while", "def", "switch", "case", "default", "box", "delay", "extern", "const", "let",
    "return", "break", "continue", "end", "output", "int", "uint", "bool", "duration",
    "stretch", "complex", "array", "cal", "defcal", "defcalgrammar", "opaque", "durationof",
    "sizeof", "in", "void", "mutable", "readonly", "pragma", "true", "false", "im",
    "ceiling", "floor", "mod", "popcount", "rotl", "rotr",
};
#define KW_COUNT (sizeof kw_name / sizeof kw_name[0])

typedef qtr_qasm_sym sym;
typedef qtr_qasm_symtab symtab;

enum { G_TABLE, G_USER };

typedef struct {
    uint32_t name;           /* offset in the global names arena */
    uint8_t kind, builtin;   /* builtin: U, gphase, stdgates.inc */
    int16_t op;              /* G_TABLE */
    uint32_t nparams, nqubits;
    uint32_t first, ncalls;  /* G_USER: calls[first .. first+ncalls) */
    uint32_t depth;
} gate3;

/* A modifier: inv, pow(expression), ctrl(n), negctrl(n). */
enum { M_INV, M_POW, M_CTRL, M_NEGCTRL };
typedef struct { uint32_t start, len; } span;
typedef struct {
    uint8_t kind;
    uint32_t n;      /* controls taken */
    span e;          /* M_POW: the exponent's code */
} mod3;

/* A gate call: in a body (operands are formal indices in qargs[]) or at top
 * level (operands in args[]). */
#define CALL_GPHASE UINT32_MAX
#define CALL_BARRIER (UINT32_MAX - 1)
typedef struct {
    uint32_t gate;
    uint32_t mods, nmods;
    uint32_t params, nparams;   /* spans in pexpr[] */
    uint32_t args, nargs;
    uint32_t nctrl;             /* sum of the control modifiers' counts */
} call3;

/* Registers and top-level operands (qasm_operand.h): a whole register, a
 * bit, a slice or a physical qubit. */
typedef qtr_qasm_reg reg3;
typedef qtr_qasm_arg arg3;

/* The condition of the statement being executed, in the IR's terms: a clbit
 * equal to words[0] (0 or 1), or a register equal to the value words[0..nwords). */
typedef struct {
    int on;          /* 0: unconditioned */
    int bit;         /* 1: on clbit `clbit`; 0: on register `creg` */
    int ne;          /* register of 2+ bits != the value (`!=`, else): see negated_branch */
    uint32_t creg, clbit, nwords;
    uint32_t words[QTR_QASM_COND_WORDS_MAX];
} cond3;

struct qtr_qasm3 {
    /* fast_call's memory of the last register it named (fast_len 0: none) */
    uint32_t fast_off, fast_len, fast_reg;
    qtr_alloc alloc;
    qtr_qasm_lex *L;
    const char *name;
    qtr_circuit *c;
    qtr_ctx *ctx;
    qtr_q3_sink sink;
    size_t appended;
    uint64_t budget;         /* instructions and calls this statement may still make */
    int finished, included;
    int physical;            /* 1: $n used; -1: qubits declared; 0: neither yet */
    qtr_status sticky;
    char sticky_msg[sizeof(((qtr_ctx *)0)->msg)];
    uint32_t stmt_line, stmt_col;
    cond3 cond;

    symtab globals, locals;
    gate3 *gates; size_t ngates, capgates;
    call3 *calls; size_t ncalls, capcalls;
    mod3 *mods; size_t nmods, capmods;
    uint32_t *qargs; size_t nqargs, capqargs;
    span *pexpr; size_t npexpr, cappexpr;
    qtr_qasm_expr x;         /* angle expressions: the bytecode of every definition */
    reg3 *qregs; size_t nqregs, capqregs;
    reg3 *cregs; size_t ncregs, capcregs;
    uint32_t *inputs; size_t ninputs, capinputs;   /* names of `input` parameters */
    double *input_angle; size_t capinput_angle;    /* their angles in the circuit */
    uint32_t nqubits, nclbits;

    /* scratch */
    arg3 *args; size_t nargs, capargs;
    double *pvals; size_t npvals, cappvals;
    uint32_t *qbuf; size_t nqbuf, capqbuf;
    qtr_qasm_marks mark;
    uint32_t nformal;        /* in a gate body: formal parameters in scope */
    int in_body;
};

typedef struct qtr_qasm3 P;

/* ======================================================================
 * Errors
 * ====================================================================== */

#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static qtr_status fail_at(P *r, qtr_status st, uint32_t line, uint64_t col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    qtr_status ret = qtr_qasm_vfail_at(r->ctx, r->name, st, line, col, fmt, ap);
    va_end(ap);
    return ret;
}

#define FAIL_TOK(r, st, ...) fail_at((r), (st), (r)->L->tline, (r)->L->tcol, __VA_ARGS__)
#define REFUSE_TOK(r, ...) FAIL_TOK((r), QTR_EUNSUPPORTED, "unsupported in this version: " __VA_ARGS__)

static qtr_status nomem(P *r) { return FAIL_TOK(r, QTR_ENOMEM, "out of memory"); }

static qtr_status expected(P *r, const char *what)
{
    char d[96];
    return FAIL_TOK(r, QTR_EPARSE, "expected %s, found %s", what,
                    qtr_qasm_lex_describe(r->L, d, sizeof d));
}

/* The message a function left in ctx, prefixed with the statement's place. */
static qtr_status relocate(P *r, qtr_status st)
{
    char msg[sizeof r->ctx->msg];
    snprintf(msg, sizeof msg, "%s", r->ctx->msg);
    return fail_at(r, st, r->stmt_line, r->stmt_col, "%s", msg);
}

static inline qtr_status next(P *r) { return qtr_qasm_lex_next(r->L, r->ctx); }
static inline int is_kind(const P *r, qtr_qasm_tok k) { return r->L->kind == k; }

static qtr_status expect(P *r, qtr_qasm_tok k)
{
    if (r->L->kind != k) return expected(r, qtr_qasm_tok_name(k));
    return next(r);
}

static uint32_t col32(uint64_t c) { return c > UINT32_MAX ? UINT32_MAX : (uint32_t)c; }

/* ======================================================================
 * Symbols
 * ====================================================================== */

static sym *sym_find(symtab *t, const char *s, size_t len, uint32_t hash)
{
    return qtr_qasm_sym_find(t, s, len, hash);
}

/* The current identifier's symbol: locals first (in a gate body), then globals. */
static sym *lookup(P *r)
{
    sym *s = r->in_body ? sym_find(&r->locals, r->L->tok, r->L->len, r->L->hash) : NULL;
    return s ? s : sym_find(&r->globals, r->L->tok, r->L->len, r->L->hash);
}

static int sym_add(P *r, symtab *t, const char *s, size_t len, uint8_t kind, uint32_t idx,
                   uint32_t line, uint64_t col, uint32_t *name_off)
{
    return qtr_qasm_sym_add(&r->alloc, t, s, len, qtr_qasm_hash(s, len), kind, idx, line, col,
                            name_off);
}

static const char *gname(const P *r, uint32_t g)
{
    return g == CALL_GPHASE ? "gphase" : r->globals.names + r->gates[g].name;
}

/* ======================================================================
 * Expressions
 * ====================================================================== */

/* What an identifier in an expression names: a formal or input parameter,
 * pi / tau / euler, a function; registers and the language's other words
 * are refused. */
static qtr_status expr_ident(void *user, qtr_qasm_ident *out)
{
    P *r = user;
    sym *s = lookup(r);
    if (s && s->kind == S_FPARAM) {
        *out = (qtr_qasm_ident){QTR_QX_ID_VALUE, QTR_QX_PARAM | (s->idx << 8), 0, NULL};
    } else if (s && s->kind == S_INPUT) {
        *out = (qtr_qasm_ident){QTR_QX_ID_VALUE, QTR_QX_INPUT | (s->idx << 8), 0, NULL};
    } else if (s && s->kind == S_KEYWORD && s->idx >= KW_PI && s->idx <= KW_EULER_U) {
        static const double value[] = {QTR_PI, QTR_PI, 2 * QTR_PI, 2 * QTR_PI,
                                       2.718281828459045235360287, 2.718281828459045235360287};
        *out = (qtr_qasm_ident){QTR_QX_ID_CONST, 0, value[s->idx - KW_PI], NULL};
    } else if (s && s->kind == S_KEYWORD && s->idx >= KW_SIN && s->idx <= KW_LOG) {
        static const uint8_t fn_op[] = {QTR_QX_SIN,  QTR_QX_COS, QTR_QX_TAN, QTR_QX_ASIN,
                                        QTR_QX_ACOS, QTR_QX_ATAN, QTR_QX_EXP, QTR_QX_LN,
                                        QTR_QX_SQRT, QTR_QX_LN};
        *out = (qtr_qasm_ident){QTR_QX_ID_FUNC, fn_op[s->idx - KW_SIN], 0, kw_name[s->idx]};
    } else if (s && (s->kind == S_CREG || s->kind == S_QREG)) {
        return REFUSE_TOK(r, "the value of register '%s' in an expression", r->L->tok);
    } else if (s && s->kind == S_KEYWORD && s->idx >= KW_REFUSED) {
        return REFUSE_TOK(r, "'%s' in an expression", r->L->tok);
    }
    return QTR_OK;
}

static qtr_status parse_expr(P *r, span *sp)
{
    qtr_qasm_expr *x = &r->x;
    x->L = r->L;
    x->ctx = r->ctx;
    x->alloc = &r->alloc;
    x->name = r->name;
    x->version = 3;
    x->strict = 0;
    x->ident = expr_ident;
    x->user = r;
    return qtr_qasm_expr_parse(x, &sp->start, &sp->len);
}

/* Evaluate, turning a failure into a message at (line, col) about @p what. */
static qtr_status eval_at(P *r, span sp, const double *fp, double *out, uint32_t line,
                          uint64_t col, const char *what)
{
    int e = qtr_qasm_expr_eval(r->x.code + sp.start, sp.len, fp, r->input_angle, r->c, r->ctx, out);
    if (!e) return QTR_OK;
    if (e == QTR_QX_EXPR) {
        char msg[sizeof r->ctx->msg];
        snprintf(msg, sizeof msg, "%s", r->ctx->msg);
        return fail_at(r, QTR_EPARSE, line, col, "%s: %s", what, msg);
    }
    if (e == QTR_QX_SYMPOW)
        return fail_at(r, QTR_EUNSUPPORTED, line, col, "unsupported in this version: '**' on an "
                       "input parameter (%s)", what);
    return fail_at(r, QTR_EPARSE, line, col, "%s %s", what,
                   e == QTR_QX_DIV0 ? "divides by zero" : isnan(*out) ? "evaluates to nan"
                                                                      : "evaluates to infinity");
}

/* A symbolic angle among @p n values. */
static int any_sym(const double *v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (qtr_angle_is_sym(v[i])) return 1;
    return 0;
}

/* ======================================================================
 * Emitting instructions
 * ====================================================================== */

static qtr_status budget_spent(P *r)
{
    return fail_at(r, QTR_ELIMIT, r->stmt_line, r->stmt_col,
                   "statement expands to more than %llu instructions",
                   (unsigned long long)QTR_QASM_MAX_EXPANSION);
}

/* The sink's append: the statement's condition, accounting, errors placed. */
static qtr_status sink_append(void *user, qtr_op op, const uint32_t *q, uint32_t n, const double *p)
{
    P *r = user;
    if (QTR_UNLIKELY(!r->budget)) return budget_spent(r);
    r->budget--;
    qtr_status st;
    if (!r->cond.on) {
        st = qtr_circuit_append(r->c, op, q, n, qtr_gate(op)->nparams ? p : NULL, r->ctx);
    } else {
        const cond3 *cd = &r->cond;
        qtr_cond k = {cd->bit, cd->bit ? cd->clbit : cd->creg, cd->nwords, cd->words};
        st = qtr_circuit_append_if(r->c, op, q, n, qtr_gate(op)->nparams ? p : NULL, &k, r->ctx);
    }
    if (QTR_UNLIKELY(st)) return relocate(r, st);
    r->appended++;
    return QTR_OK;
}

/* A failure of qasm3_gates.c: its message has no place yet. */
static qtr_status placed(P *r, qtr_status st)
{
    if (!st || !strncmp(r->ctx->msg, r->name, strlen(r->name))) return st;
    return relocate(r, st);
}

static qtr_status apply_gate(P *r, uint32_t gi, const double *pv, const uint32_t *qv,
                             const uint32_t *ctrl, uint32_t nctrl, int inv, double pw);

/* The unitary of user gate @p gi of one or two qubits (2x2 or 4x4,
 * operand k = bit k), global phase included: its body simulated. */
static qtr_status user_matrix(P *r, uint32_t gi, const double *pv, double *m)
{
    uint32_t nq = r->gates[gi].nqubits;
    qtr_circuit *save = r->c, *d = qtr_circuit_new(0);
    double *save_phase = r->sink.phase;
    cond3 save_cond = r->cond;
    if (!d) return nomem(r);
    qtr_status st = qtr_circuit_add_qreg(d, "q", nq, r->ctx);
    if (st) {
        qtr_circuit_free(d);
        return relocate(r, st);
    }
    uint32_t qs[2] = {0, 1};
    r->c = d;
    r->sink.phase = &d->global_phase;
    r->cond.on = 0;
    size_t appended = r->appended;
    st = apply_gate(r, gi, pv, qs, NULL, 0, 0, 1);
    r->appended = appended;
    r->c = save;
    r->sink.phase = save_phase;
    r->cond = save_cond;
    double *u = NULL;
    if (!st && (st = qtr_sim_unitary(d, &u, r->ctx))) st = relocate(r, st);
    if (!st) memcpy(m, u, ((size_t)2 << (2 * nq)) * sizeof *m);
    free(u);
    qtr_circuit_free(d);
    return st;
}

/* A non-integer power @p pw of user gate @p gi (one or two qubits): its
 * unitary raised on the principal branch, then applied. */
static qtr_status user_power(P *r, uint32_t gi, const double *pv, const uint32_t *qv,
                             const uint32_t *ctrl, uint32_t nctrl, double pw)
{
    const gate3 *g = &r->gates[gi];
    if (any_sym(pv, g->nparams))
        return fail_at(r, QTR_EUNSUPPORTED, r->stmt_line, r->stmt_col,
                       "unsupported in this version: a non-integer power of '%s' with an "
                       "input parameter", gname(r, gi));
    if (g->nqubits > 2)
        return fail_at(r, QTR_EUNSUPPORTED, r->stmt_line, r->stmt_col,
                       "unsupported in this version: a non-integer power of the "
                       "%u-qubit gate '%s'", g->nqubits, gname(r, gi));
    double m[32], mk[32];
    qtr_status st = user_matrix(r, gi, pv, m);
    if (st) return st;
    if (g->nqubits == 1) {
        qtr_q3_matrix_power(m, pw, mk);
        return placed(r, qtr_q3_apply_matrix(&r->sink, mk, qv[0], ctrl, nctrl));
    }
    char what[80];
    snprintf(what, sizeof what, "'%.60s'", gname(r, gi));
    if ((st = qtr_q3_matrix4_power(&r->sink, m, pw, what, mk))) return placed(r, st);
    return placed(r, qtr_q3_apply_matrix4(&r->sink, mk, qv, ctrl, nctrl));
}

/* Evaluate the modifiers of call @p cl (with formal values @p fp): *inv
 * toggled, *pw multiplied. */
static qtr_status eval_mods(P *r, const call3 *cl, const double *fp, int *inv, double *pw)
{
    for (uint32_t k = 0; k < cl->nmods; k++) {
        const mod3 *m = &r->mods[cl->mods + k];
        if (m->kind == M_INV) {
            *inv = !*inv;
        } else if (m->kind == M_POW) {
            double v;
            qtr_status st = eval_at(r, m->e, fp, &v, r->stmt_line, r->stmt_col, "the exponent of pow");
            if (st) return st;
            *pw *= v;
        }
    }
    return QTR_OK;
}

/* x on the negctrl qubits of call @p cl, whose operands are @p q. */
static qtr_status flip_negctrls(P *r, const call3 *cl, const uint32_t *q)
{
    uint32_t at = 0;
    for (uint32_t k = 0; k < cl->nmods; k++) {
        const mod3 *m = &r->mods[cl->mods + k];
        if (m->kind == M_CTRL || m->kind == M_NEGCTRL) {
            for (uint32_t j = 0; j < m->n && m->kind == M_NEGCTRL; j++) {
                qtr_status st = sink_append(r, QTR_OP_X, &q[at + j], 1, NULL);
                if (st) return st;
            }
            at += m->n;
        }
    }
    return QTR_OK;
}

/* Call @p cl with operands @p q (controls first), parameter values @p pv,
 * inside a context with formal values @p fp and outer (ctrl, inv). */
static qtr_status run_call(P *r, const call3 *cl, const double *pv, const double *fp,
                           const uint32_t *q, const uint32_t *ctrl, uint32_t nctrl, int inv)
{
    qtr_status st;
    if (cl->gate == CALL_BARRIER) return sink_append(r, QTR_OP_BARRIER, q, cl->nargs, NULL);
    int cinv = inv;
    double pw = 1;
    if ((st = eval_mods(r, cl, fp, &cinv, &pw))) return st;
    if (nctrl + cl->nctrl > 64)
        return fail_at(r, QTR_ELIMIT, r->stmt_line, r->stmt_col, "more than 64 controls on one gate");
    uint32_t all[64];
    if (nctrl) memcpy(all, ctrl, nctrl * sizeof *ctrl);
    memcpy(all + nctrl, q, cl->nctrl * sizeof *q);
    if ((st = flip_negctrls(r, cl, q))) return st;
    if (cl->gate == CALL_GPHASE) {
        if (qtr_angle_is_sym(pv[0]) && (cinv || pw != 1 || nctrl + cl->nctrl == 0))
            return fail_at(r, QTR_EUNSUPPORTED, r->stmt_line, r->stmt_col,
                           "unsupported in this version: gphase of an input parameter outside "
                           "a control");
        double a = qtr_angle_is_sym(pv[0]) ? pv[0] : pv[0] * (cinv ? -1 : 1) * pw;
        st = placed(r, qtr_q3_gphase(&r->sink, a, all, nctrl + cl->nctrl));
    } else {
        st = apply_gate(r, cl->gate, pv, q + cl->nctrl, all, nctrl + cl->nctrl, cinv, pw);
    }
    return st ? st : flip_negctrls(r, cl, q);
}

/* Gate @p gi with parameter values @p pv on its qubits @p qv under controls,
 * inverse and power. */
static qtr_status apply_gate(P *r, uint32_t gi, const double *pv, const uint32_t *qv,
                             const uint32_t *ctrl, uint32_t nctrl, int inv, double pw)
{
    const gate3 *g = &r->gates[gi];
    qtr_status st = QTR_OK;
    if (g->kind == G_TABLE)
        return placed(r, qtr_q3_apply(&r->sink, (qtr_op)g->op, pv, qv, ctrl, nctrl, inv, pw));
    if (pw != 1) {
        if (pw != floor(pw)) return user_power(r, gi, pv, qv, ctrl, nctrl, inv ? -pw : pw);
        if (pw < 0) inv = !inv;
        for (double k = fabs(pw); k > 0 && !st; k--) {
            if (QTR_UNLIKELY(!r->budget)) return budget_spent(r);
            r->budget--;
            st = apply_gate(r, gi, pv, qv, ctrl, nctrl, inv, 1);
        }
        return st;
    }
    for (uint32_t k = 0; k < g->ncalls && !st; k++) {
        if (QTR_UNLIKELY(!r->budget)) return budget_spent(r);
        r->budget--;
        const call3 *cl = &r->calls[g->first + (inv ? g->ncalls - 1 - k : k)];
        size_t np = r->npvals, nq = r->nqbuf;
        if (QTR_GROW(&r->alloc, r->pvals, r->cappvals, np + cl->nparams + 1) ||
            QTR_GROW(&r->alloc, r->qbuf, r->capqbuf, nq + cl->nargs + 1))
            return nomem(r);
        for (uint32_t i = 0; i < cl->nparams && !st; i++)
            st = eval_at(r, r->pexpr[cl->params + i], pv, &r->pvals[np + i], r->stmt_line,
                         r->stmt_col, "a parameter inside a gate");
        for (uint32_t i = 0; i < cl->nargs; i++) r->qbuf[nq + i] = qv[r->qargs[cl->args + i]];
        r->npvals = np + cl->nparams;
        r->nqbuf = nq + cl->nargs;
        if (!st) st = run_call(r, cl, r->pvals + np, pv, r->qbuf + nq, ctrl, nctrl, inv);
        r->npvals = np;
        r->nqbuf = nq;
    }
    return st;
}

/* ======================================================================
 * Registers and operands
 * ====================================================================== */

/* Reserve a name for a new declaration. */
static qtr_status define_check(P *r, const char *what)
{
    sym *s = sym_find(&r->globals, r->L->tok, r->L->len, r->L->hash);
    if (!s && !strcmp(r->L->tok, "gphase"))
        return FAIL_TOK(r, QTR_EPARSE, "%s 'gphase' redefines the built-in gate 'gphase'", what);
    if (!s) return QTR_OK;
    if (s->kind == S_KEYWORD)
        return FAIL_TOK(r, QTR_EPARSE, "'%s' is a reserved word and cannot name a %s", r->L->tok, what);
    if (s->kind == S_GATE && r->gates[s->idx].builtin)
        return FAIL_TOK(r, QTR_EPARSE, "%s '%s' redefines the built-in gate '%s'%s", what,
                        r->L->tok, r->L->tok,
                        strcmp(r->L->tok, "U") && strcmp(r->L->tok, "gphase") ? " of stdgates.inc" : "");
    return FAIL_TOK(r, QTR_EPARSE, "duplicate declaration of '%s' (first declared at %u:%u)",
                    r->L->tok, s->line, s->col);
}

static qtr_status add_reg(P *r, int quantum, const char *name, size_t len, uint32_t size,
                          uint32_t line, uint64_t col)
{
    uint32_t *total = quantum ? &r->nqubits : &r->nclbits;
    if (size > QTR_QASM_MAX_BITS - *total)
        return fail_at(r, QTR_ELIMIT, line, col, "'%s' takes the program over the limit of %u %s",
                       name, QTR_QASM_MAX_BITS, quantum ? "qubits" : "classical bits");
    qtr_circuit *c = r->c;
    qtr_status st = quantum ? qtr_circuit_add_qreg(c, name, size, r->ctx)
                            : qtr_circuit_add_creg(c, name, size, r->ctx);
    if (st) return fail_at(r, st, line, col, "'%s': cannot add the register", name);
    const qtr_reg *cr = quantum ? &c->qregs[c->nqregs - 1] : &c->cregs[c->ncregs - 1];
    reg3 reg = {cr->first, size, (uint32_t)((quantum ? c->nqregs : c->ncregs) - 1), 0};
    reg3 **regs = quantum ? &r->qregs : &r->cregs;
    size_t *n = quantum ? &r->nqregs : &r->ncregs, *cap = quantum ? &r->capqregs : &r->capcregs;
    if (qtr_grow(&r->alloc, (void **)regs, cap, *n + 1, sizeof **regs) ||
        sym_add(r, &r->globals, name, len, quantum ? S_QREG : S_CREG, (uint32_t)*n, line, col,
                &reg.name))
        return fail_at(r, QTR_ENOMEM, line, col, "out of memory");
    (*regs)[(*n)++] = reg;
    *total += size;
    return QTR_OK;
}

/* Make physical qubit @p k exist: the circuit's qubit k is $k. */
static qtr_status physical_qubit(P *r, uint64_t k, uint32_t line, uint64_t col)
{
    if (r->physical < 0)
        return fail_at(r, QTR_EUNSUPPORTED, line, col, "unsupported in this version: physical "
                       "qubit '$%llu' in a program that declares qubits", (unsigned long long)k);
    if (k >= QTR_QASM_MAX_BITS)
        return fail_at(r, QTR_ELIMIT, line, col, "physical qubit '$%llu' is beyond the limit of "
                       "%u qubits", (unsigned long long)k, QTR_QASM_MAX_BITS);
    r->physical = 1;
    if (k < r->nqubits) return QTR_OK;
    /* Registers "q", "q_1", ... cover the qubits as they appear; a whole-file
     * read merges them into one (qtr_qasm_read_*). */
    char name[32];
    if (r->nqregs) snprintf(name, sizeof name, "q_%zu", r->nqregs);
    else snprintf(name, sizeof name, "q");
    uint32_t size = (uint32_t)k + 1 - r->nqubits;
    qtr_status st = qtr_circuit_add_qreg(r->c, name, size, r->ctx);
    if (st) return fail_at(r, st, line, col, "physical qubit: cannot add the register");
    if (QTR_GROW(&r->alloc, r->qregs, r->capqregs, r->nqregs + 1)) return nomem(r);
    r->qregs[r->nqregs++] = (reg3){r->nqubits, size, (uint32_t)(r->c->nqregs - 1), UINT32_MAX};
    r->nqubits += size;
    return QTR_OK;
}

static int is_colon(const P *r) { return is_kind(r, QTR_QT_OP) && !strcmp(r->L->tok, ":"); }

/* One bound of a selection, "-"? integer, or none before ':' or ']'. */
static qtr_status bound(P *r, qtr_qasm_bound *b, uint32_t *line, uint64_t *col)
{
    qtr_status st;
    *line = r->L->tline;
    *col = r->L->tcol;
    b->given = 0;
    b->v = 0;
    if (is_kind(r, QTR_QT_RBRACK) || is_colon(r)) return QTR_OK;
    int neg = is_kind(r, QTR_QT_MINUS);
    if (neg && (st = next(r))) return st;
    if (!is_kind(r, QTR_QT_INT)) {
        if (is_kind(r, QTR_QT_LBRACE)) return REFUSE_TOK(r, "index sets ('{...}')");
        if (is_kind(r, QTR_QT_ID) || is_kind(r, QTR_QT_LPAREN))
            return REFUSE_TOK(r, "an index that is not an integer literal");
        return expected(r, "an integer index");
    }
    int64_t v = r->L->ival_overflow || r->L->ival > INT64_MAX ? INT64_MAX : (int64_t)r->L->ival;
    b->v = neg ? -v : v;
    b->given = 1;
    return next(r);
}

/* "[i]", "[a:b]" or "[a:s:b]" after register @p ri (the '[' is current):
 * its bits into @p a. Ends are inclusive, negative indices count from the
 * end, omitted bounds mean the register's ends. */
static qtr_status selection(P *r, uint32_t ri, const reg3 *reg, arg3 *a)
{
    qtr_status st;
    qtr_qasm_bound b[3];
    uint32_t line[3];
    uint64_t col[3];
    int n = 0;
    if ((st = next(r))) return st;
    for (;;) {
        if ((st = bound(r, &b[n], &line[n], &col[n]))) return st;
        n++;
        if (!is_colon(r)) break;
        if (n == 3) return FAIL_TOK(r, QTR_EPARSE, "a range has at most three parts (start:step:end)");
        if ((st = next(r))) return st;
    }
    if (n == 1 && !b[0].given) return expected(r, "an integer index");
    if (is_kind(r, QTR_QT_COMMA)) return REFUSE_TOK(r, "several indices in one operand");
    if ((st = expect(r, QTR_QT_RBRACK))) return st;
    int bad;
    const char *rname = r->globals.names + reg->name;
    switch (qtr_qasm_select(ri, reg, b, n, a, &bad)) {
    case QTR_QASM_SEL_OK: return QTR_OK;
    case QTR_QASM_SEL_RANGE:
        return fail_at(r, QTR_EQUBIT, line[bad], col[bad],
                       "index %lld out of range for register '%s' of size %u",
                       (long long)b[bad].v, rname, reg->size);
    case QTR_QASM_SEL_STEP:
        return fail_at(r, QTR_EPARSE, line[bad], col[bad], "a range of register '%s' with step 0",
                       rname);
    default:
        return fail_at(r, QTR_EPARSE, line[bad], col[bad],
                       "the range selects no bit of register '%s'", rname);
    }
}

/* One operand "name", "name[i]", "name[a:b]", "name[a:s:b]" or "$n" of kind
 * @p want (S_QREG/S_CREG), pushed on args[]. */
static qtr_status operand(P *r, int want)
{
    qtr_status st;
    const char *what = want == S_QREG ? "qubit" : "classical bit";
    uint32_t line = r->L->tline;
    uint64_t col = r->L->tcol;
    arg3 a;
    if (is_kind(r, QTR_QT_HWQUBIT)) {
        if (want != S_QREG) return expected(r, "a classical bit or register");
        uint64_t k = r->L->ival_overflow ? UINT64_MAX : r->L->ival;
        if ((st = physical_qubit(r, k, line, col))) return st;
        a = (arg3){QTR_QASM_PHYS, (uint32_t)k, 1, 1, 0, line, col32(col)};
        if ((st = next(r))) return st;
    } else {
        if (!is_kind(r, QTR_QT_ID)) {
            char e[48];
            snprintf(e, sizeof e, "a %s or register", what);
            return expected(r, e);
        }
        sym *s = lookup(r);
        if (!s || (s->kind != S_QREG && s->kind != S_CREG))
            return FAIL_TOK(r, QTR_EPARSE, "undeclared %s '%s'", want == S_QREG ? "qubit" : "bit",
                            r->L->tok);
        if (s->kind != want)
            return FAIL_TOK(r, QTR_EPARSE, "'%s' is %s; %s is needed here", r->L->tok,
                            s->kind == S_QREG ? "quantum" : "classical",
                            want == S_QREG ? "a qubit" : "a classical bit");
        const reg3 *reg = want == S_QREG ? &r->qregs[s->idx] : &r->cregs[s->idx];
        a = qtr_qasm_whole(s->idx, reg, line, col32(col));
        if ((st = next(r))) return st;
        if (is_kind(r, QTR_QT_LBRACK) && (st = selection(r, s->idx, reg, &a))) return st;
    }
    if (QTR_GROW(&r->alloc, r->args, r->capargs, r->nargs + 1)) return nomem(r);
    r->args[r->nargs++] = a;
    return QTR_OK;
}

/* Common size of the broadcasting operands among args[from .. to) (1 if none). */
static qtr_status broadcast(P *r, size_t from, size_t to, uint32_t *n)
{
    const arg3 *first, *a = qtr_qasm_broadcast(r->args + from, to - from, n, &first);
    if (!a) return QTR_OK;
    return fail_at(r, QTR_EPARSE, a->line, a->col,
                   "registers of sizes %u and %u in one statement: broadcast needs equal sizes",
                   a->count, *n);
}

static qtr_status grow_mark(P *r)
{
    size_t n = r->c->nqubits > r->nqubits ? r->c->nqubits : r->nqubits;
    return qtr_qasm_marks_grow(&r->alloc, &r->mark, n) ? nomem(r) : QTR_OK;
}

/* ======================================================================
 * Gate calls
 * ====================================================================== */

/* "inv @ pow(e) @ ctrl(n) @ ..." before a gate name, into mods[]. */
static qtr_status modifiers(P *r, call3 *cl)
{
    qtr_status st;
    cl->mods = (uint32_t)r->nmods;
    for (;;) {
        if (!is_kind(r, QTR_QT_ID)) return QTR_OK;
        sym *s = sym_find(&r->globals, r->L->tok, r->L->len, r->L->hash);
        if (!s || s->kind != S_KEYWORD || s->idx < KW_INV || s->idx > KW_NEGCTRL) return QTR_OK;
        mod3 m = {s->idx == KW_INV ? M_INV : s->idx == KW_POW ? M_POW
                  : s->idx == KW_CTRL ? M_CTRL : M_NEGCTRL, 0, {0, 0}};
        const char *word = kw_name[s->idx];
        if ((st = next(r))) return st;
        if (m.kind == M_POW || (is_kind(r, QTR_QT_LPAREN) && m.kind != M_INV)) {
            if (!is_kind(r, QTR_QT_LPAREN)) return expected(r, "'(' after 'pow'");
            uint32_t line = r->L->tline;
            uint64_t col = r->L->tcol;
            if ((st = next(r)) || (st = parse_expr(r, &m.e))) return st;
            if ((st = expect(r, QTR_QT_RPAREN))) return st;
            if (m.kind != M_POW) {
                double v;
                size_t n0 = r->x.ncode;
                for (uint32_t i = m.e.start; i < n0; i++)
                    if ((r->x.code[i] & 0xFF) == QTR_QX_PARAM || (r->x.code[i] & 0xFF) == QTR_QX_INPUT)
                        return fail_at(r, QTR_EPARSE, line, col, "the count of '%s' must be a "
                                       "constant", word);
                if ((st = eval_at(r, m.e, NULL, &v, line, col, "the count of ctrl"))) return st;
                if (v != floor(v) || v < 1 || v > 64)
                    return fail_at(r, QTR_EPARSE, line, col, "'%s(%g)': the count must be a whole "
                                   "number from 1 to 64", word, v);
                m.n = (uint32_t)v;
                r->x.ncode = m.e.start;
            }
        } else if (m.kind != M_INV) {
            m.n = 1;
        }
        if (!is_kind(r, QTR_QT_AT)) return expected(r, "'@' after a gate modifier");
        if ((st = next(r))) return st;
        if (QTR_GROW(&r->alloc, r->mods, r->capmods, r->nmods + 1)) return nomem(r);
        r->mods[r->nmods++] = m;
        cl->nmods++;
        cl->nctrl += m.n;
    }
}

/* The gate name after the modifiers: a gate or gphase. */
static qtr_status callee(P *r, call3 *cl)
{
    if (!is_kind(r, QTR_QT_ID)) return expected(r, "a gate name");
    sym *s = lookup(r);
    if (s && s->kind == S_GATE) {
        cl->gate = s->idx;
        return QTR_OK;
    }
    if (!strcmp(r->L->tok, "gphase")) {
        cl->gate = CALL_GPHASE;
        return QTR_OK;
    }
    if (s && s->kind == S_KEYWORD && s->idx >= KW_REFUSED)
        return REFUSE_TOK(r, "'%s'", r->L->tok);
    if (s && (s->kind == S_QREG || s->kind == S_CREG || s->kind == S_FQUBIT))
        return FAIL_TOK(r, QTR_EPARSE, "'%s' is a %s, not a gate", r->L->tok,
                        s->kind == S_CREG ? "classical register" : "qubit");
    return FAIL_TOK(r, QTR_EPARSE, "unknown gate '%s'%s", r->L->tok,
                    !r->included && qtr_gate_lookup(r->L->tok, r->L->len) >= 0
                        ? " (missing include \"stdgates.inc\"?)" : "");
}

/* "(e, e, ...)" into pexpr[] as code. */
static qtr_status call_params(P *r, call3 *cl)
{
    qtr_status st;
    cl->params = (uint32_t)r->npexpr;
    if (!is_kind(r, QTR_QT_LPAREN)) return QTR_OK;
    uint32_t line = r->L->tline;
    uint64_t col = r->L->tcol;
    if ((st = next(r))) return st;
    while (!is_kind(r, QTR_QT_RPAREN)) {
        span sp;
        if ((st = parse_expr(r, &sp))) return st;
        if (QTR_GROW(&r->alloc, r->pexpr, r->cappexpr, r->npexpr + 1)) return nomem(r);
        r->pexpr[r->npexpr++] = sp;
        cl->nparams++;
        if (is_kind(r, QTR_QT_COMMA)) {
            if ((st = next(r))) return st;
            continue;
        }
        if (!is_kind(r, QTR_QT_RPAREN)) {
            char d[96];
            return FAIL_TOK(r, QTR_EPARSE, "expected ',' or ')' to close the '(' at %u:%llu, "
                            "found %s", line, (unsigned long long)col,
                            qtr_qasm_lex_describe(r->L, d, sizeof d));
        }
    }
    return next(r);
}

static void callee_signature(const P *r, const call3 *cl, uint32_t *np, uint32_t *nq)
{
    if (cl->gate == CALL_GPHASE) {
        *np = 1;
        *nq = 0;
    } else {
        *np = r->gates[cl->gate].nparams;
        *nq = r->gates[cl->gate].nqubits;
    }
}

static qtr_status check_counts(P *r, const call3 *cl, uint32_t line, uint64_t col)
{
    uint32_t np, nq;
    callee_signature(r, cl, &np, &nq);
    const char *name = gname(r, cl->gate);
    if (cl->nparams != np)
        return fail_at(r, QTR_EPARSE, line, col, "gate '%s' takes %u parameter%s, got %u", name, np,
                       np == 1 ? "" : "s", cl->nparams);
    if (cl->nargs != nq + cl->nctrl)
        return fail_at(r, QTR_EPARSE, line, col, "gate '%s'%s takes %u qubit%s, got %u", name,
                       cl->nctrl ? " with its controls" : "", nq + cl->nctrl,
                       nq + cl->nctrl == 1 ? "" : "s", cl->nargs);
    return QTR_OK;
}

/* A gate call at top level: modifiers, name, parameters, operands, ';'. */
static qtr_status stmt_call(P *r)
{
    qtr_status st;
    call3 cl = {0};
    size_t code0 = r->x.ncode, mods0 = r->nmods, pexpr0 = r->npexpr, a0 = r->nargs;
    size_t p0 = r->npvals, q0 = r->nqbuf;
    if ((st = modifiers(r, &cl)) || (st = callee(r, &cl)) || (st = next(r)) ||
        (st = call_params(r, &cl)))
        return st;
    if (!is_kind(r, QTR_QT_SEMI)) {
        for (;;) {
            if ((st = operand(r, S_QREG))) return st;
            cl.nargs++;
            if (!is_kind(r, QTR_QT_COMMA)) break;
            if ((st = next(r))) return st;
        }
    }
    if ((st = expect(r, QTR_QT_SEMI))) return st;
    if ((st = check_counts(r, &cl, r->stmt_line, r->stmt_col))) return st;
    if (QTR_GROW(&r->alloc, r->pvals, r->cappvals, p0 + cl.nparams + 1)) return nomem(r);
    for (uint32_t i = 0; i < cl.nparams && !st; i++)
        st = eval_at(r, r->pexpr[cl.params + i], NULL, &r->pvals[p0 + i], r->stmt_line,
                     r->stmt_col, "parameter");
    r->npvals = p0 + cl.nparams;
    uint32_t n = 1;
    if (!st) st = broadcast(r, a0, r->nargs, &n);
    if (!st && QTR_GROW(&r->alloc, r->qbuf, r->capqbuf, q0 + cl.nargs + 1)) st = nomem(r);
    if (!st) st = grow_mark(r);
    r->nqbuf = q0 + cl.nargs;
    for (uint32_t i = 0; i < n && !st; i++) {
        uint32_t *q = r->qbuf + q0;
        if (!qtr_qasm_instance(r->qregs, r->args + a0, cl.nargs, i, &r->mark, q))
            st = fail_at(r, QTR_EPARSE, r->stmt_line, r->stmt_col,
                         "'%s' is applied to the same qubit twice", gname(r, cl.gate));
        else
            st = run_call(r, &cl, r->pvals + p0, NULL, q, NULL, 0, 0);
    }
    r->x.ncode = code0;
    r->nmods = mods0;
    r->npexpr = pexpr0;
    r->nargs = a0;
    r->npvals = p0;
    r->nqbuf = q0;
    return st;
}

/* ======================================================================
 * Gate definitions
 * ====================================================================== */

/* A table gate a definition's name and signature stand for (Qiskit's
 * exporter defines gates stdgates.inc lacks, e.g. rzz, ecr, under these
 * names), or -1. */
static int table_gate_for(const char *name, size_t len, uint32_t np, uint32_t nq)
{
    int op = qtr_gate_lookup(name, len);
    if (op < 0) return -1;
    const qtr_gate_info *g = qtr_gate((qtr_op)op);
    if (g->props & (QTR_GP_DIRECTIVE | QTR_GP_NONUNITARY)) return -1;
    return g->nqubits == nq && g->nparams == np ? op : -1;
}

static qtr_status formals(P *r, uint8_t kind, uint32_t *n)
{
    qtr_status st;
    *n = 0;
    for (;;) {
        if (!is_kind(r, QTR_QT_ID)) return expected(r, kind == S_FPARAM ? "a parameter name" : "a qubit name");
        sym *g = sym_find(&r->globals, r->L->tok, r->L->len, r->L->hash);
        if (g && g->kind == S_KEYWORD)
            return FAIL_TOK(r, QTR_EPARSE, "'%s' is a reserved word", r->L->tok);
        if (sym_find(&r->locals, r->L->tok, r->L->len, r->L->hash))
            return FAIL_TOK(r, QTR_EPARSE, "'%s' is already an argument of this gate", r->L->tok);
        if (*n >= QTR_QASM_MAX_GATE_ARGS)
            return FAIL_TOK(r, QTR_ELIMIT, "more than %d arguments", QTR_QASM_MAX_GATE_ARGS);
        if (sym_add(r, &r->locals, r->L->tok, r->L->len, kind, *n, r->L->tline, r->L->tcol, NULL))
            return nomem(r);
        (*n)++;
        if ((st = next(r))) return st;
        if (!is_kind(r, QTR_QT_COMMA)) return QTR_OK;
        if ((st = next(r))) return st;
    }
}

/* One statement of a gate body. */
static qtr_status body_statement(P *r, gate3 *def)
{
    qtr_status st;
    uint32_t line = r->L->tline;
    uint64_t col = r->L->tcol;
    call3 cl = {0};
    cl.args = (uint32_t)r->nqargs;
    if (is_kind(r, QTR_QT_ID)) {
        sym *s = sym_find(&r->globals, r->L->tok, r->L->len, r->L->hash);
        if (s && s->kind == S_KEYWORD && s->idx == KW_BARRIER) {
            cl.gate = CALL_BARRIER;
            if ((st = next(r))) return st;
            goto operands;
        }
        if (s && s->kind == S_KEYWORD && (s->idx < KW_INV || s->idx > KW_NEGCTRL)) {
            if (s->idx >= KW_REFUSED || s->idx == KW_IF)
                return REFUSE_TOK(r, "'%s' inside a gate body", r->L->tok);
            return FAIL_TOK(r, QTR_EPARSE, "'%s' is not allowed inside a gate body", r->L->tok);
        }
    }
    if ((st = modifiers(r, &cl)) || (st = callee(r, &cl)) || (st = next(r)) ||
        (st = call_params(r, &cl)))
        return st;
operands:
    while (!is_kind(r, QTR_QT_SEMI)) {
        if (!is_kind(r, QTR_QT_ID)) return expected(r, "a qubit argument of this gate");
        sym *q = sym_find(&r->locals, r->L->tok, r->L->len, r->L->hash);
        if (!q || q->kind != S_FQUBIT)
            return FAIL_TOK(r, QTR_EPARSE, "'%s' is not a qubit argument of this gate", r->L->tok);
        for (uint32_t i = 0; i < cl.nargs; i++)
            if (r->qargs[cl.args + i] == q->idx)
                return FAIL_TOK(r, QTR_EPARSE, "qubit '%s' used twice in one call", r->L->tok);
        if (QTR_GROW(&r->alloc, r->qargs, r->capqargs, r->nqargs + 1)) return nomem(r);
        r->qargs[r->nqargs++] = q->idx;
        cl.nargs++;
        if ((st = next(r))) return st;
        if (is_kind(r, QTR_QT_LBRACK))
            return FAIL_TOK(r, QTR_EPARSE, "qubit arguments cannot be indexed inside a gate body");
        if (!is_kind(r, QTR_QT_COMMA)) break;
        if ((st = next(r))) return st;
    }
    if ((st = expect(r, QTR_QT_SEMI))) return st;
    if (cl.gate != CALL_BARRIER && (st = check_counts(r, &cl, line, col))) return st;
    if (QTR_GROW(&r->alloc, r->calls, r->capcalls, r->ncalls + 1)) return nomem(r);
    r->calls[r->ncalls++] = cl;
    def->ncalls++;
    if (cl.gate < CALL_BARRIER && r->gates[cl.gate].depth + 1 > def->depth)
        def->depth = r->gates[cl.gate].depth + 1;
    return QTR_OK;
}

static qtr_status add_gate(P *r, const char *name, size_t len, uint32_t line, uint64_t col,
                           gate3 *g)
{
    if (QTR_GROW(&r->alloc, r->gates, r->capgates, r->ngates + 1) ||
        sym_add(r, &r->globals, name, len, S_GATE, (uint32_t)r->ngates, line, col, &g->name))
        return nomem(r);
    r->gates[r->ngates++] = *g;
    return QTR_OK;
}

/* "gate name(params) qubits { body }" */
static qtr_status stmt_gate(P *r)
{
    qtr_status st;
    if ((st = next(r))) return st;
    if (!is_kind(r, QTR_QT_ID)) return expected(r, "a gate name");
    if ((st = define_check(r, "gate"))) return st;
    char name[QTR_QASM_TOKEN_MAX + 1];
    memcpy(name, r->L->tok, r->L->len + 1);
    size_t len = r->L->len;
    uint32_t line = r->L->tline;
    uint64_t col = r->L->tcol;
    if ((st = next(r))) return st;
    qtr_qasm_sym_clear(&r->locals);
    gate3 g = {0};
    g.kind = G_USER;
    g.op = -1;
    g.first = (uint32_t)r->ncalls;
    if (is_kind(r, QTR_QT_LPAREN)) {
        if ((st = next(r))) return st;
        if (!is_kind(r, QTR_QT_RPAREN) && (st = formals(r, S_FPARAM, &g.nparams))) return st;
        if (!is_kind(r, QTR_QT_RPAREN)) return expected(r, "',' or ')' after the parameters");
        if ((st = next(r))) return st;
    }
    if (!is_kind(r, QTR_QT_ID)) return expected(r, "the qubit arguments of the gate");
    if ((st = formals(r, S_FQUBIT, &g.nqubits))) return st;
    if (!is_kind(r, QTR_QT_LBRACE)) return expected(r, "'{' to open the gate body");
    uint32_t bline = r->L->tline;
    uint64_t bcol = r->L->tcol;
    size_t code0 = r->x.ncode, pexpr0 = r->npexpr, qargs0 = r->nqargs, mods0 = r->nmods;
    if ((st = next(r))) return st;
    r->in_body = 1;
    r->nformal = g.nparams;
    while (!st && !is_kind(r, QTR_QT_RBRACE)) {
        if (is_kind(r, QTR_QT_EOF))
            st = FAIL_TOK(r, QTR_EPARSE, "unterminated body of gate '%s': the '{' at %u:%llu has "
                          "no matching '}'", name, bline, (unsigned long long)bcol);
        else
            st = body_statement(r, &g);
    }
    r->in_body = 0;
    r->nformal = 0;
    qtr_qasm_sym_clear(&r->locals);
    if (st) return st;
    if (g.depth >= QTR_QASM_MAX_GATE_DEPTH)
        return fail_at(r, QTR_ELIMIT, line, col, "gate '%s' nests gate definitions more than %d "
                       "deep", name, QTR_QASM_MAX_GATE_DEPTH);
    int op = table_gate_for(name, len, g.nparams, g.nqubits);
    if (op >= 0) {
        /* a table gate defined for readers without it: checked, then dropped */
        g = (gate3){0};
        g.kind = G_TABLE;
        g.op = (int16_t)op;
        g.nparams = qtr_gate((qtr_op)op)->nparams;
        g.nqubits = qtr_gate((qtr_op)op)->nqubits;
        r->ncalls = g.first;
        r->x.ncode = code0;
        r->npexpr = pexpr0;
        r->nqargs = qargs0;
        r->nmods = mods0;
    }
    if ((st = next(r))) return st;   /* the '}' */
    return add_gate(r, name, len, line, col, &g);
}

/* ======================================================================
 * Other statements
 * ====================================================================== */

/* A table gate under the name a program uses for it. */
static qtr_status builtin_gate(P *r, const char *name, qtr_op op)
{
    gate3 g = {0};
    g.kind = G_TABLE;
    g.builtin = 1;
    g.op = (int16_t)op;
    g.nparams = qtr_gate(op)->nparams;
    g.nqubits = qtr_gate(op)->nqubits;
    size_t len = strlen(name);
    sym *s = sym_find(&r->globals, name, len, qtr_qasm_hash(name, len));
    if (s)
        return fail_at(r, QTR_EPARSE, r->stmt_line, r->stmt_col,
                       "include \"stdgates.inc\" redefines '%s', declared at %u:%u", name, s->line,
                       s->col);
    return add_gate(r, name, len, 0, 0, &g);
}

static qtr_status stmt_include(P *r)
{
    qtr_status st;
    if ((st = next(r))) return st;
    if (!is_kind(r, QTR_QT_STRING)) return expected(r, "a file name in double quotes");
    uint32_t line = r->L->tline;
    uint64_t col = r->L->tcol;
    int std = !strcmp(r->L->tok, "stdgates.inc");
    char file[128];
    snprintf(file, sizeof file, "%.100s", r->L->tok);
    if ((st = next(r)) || (st = expect(r, QTR_QT_SEMI))) return st;
    if (!std)
        return fail_at(r, QTR_EUNSUPPORTED, line, col, "unsupported in this version: include "
                       "\"%s\" (only the built-in \"stdgates.inc\" is known)", file);
    if (r->included) return QTR_OK;
    static const struct { const char *name; qtr_op op; } std_gates[] = {
        {"p", QTR_OP_P},     {"x", QTR_OP_X},       {"y", QTR_OP_Y},     {"z", QTR_OP_Z},
        {"h", QTR_OP_H},     {"s", QTR_OP_S},       {"sdg", QTR_OP_SDG}, {"t", QTR_OP_T},
        {"tdg", QTR_OP_TDG}, {"sx", QTR_OP_SX},     {"rx", QTR_OP_RX},   {"ry", QTR_OP_RY},
        {"rz", QTR_OP_RZ},   {"cx", QTR_OP_CX},     {"cy", QTR_OP_CY},   {"cz", QTR_OP_CZ},
        {"cp", QTR_OP_CP},   {"crx", QTR_OP_CRX},   {"cry", QTR_OP_CRY}, {"crz", QTR_OP_CRZ},
        {"ch", QTR_OP_CH},   {"swap", QTR_OP_SWAP}, {"ccx", QTR_OP_CCX}, {"cswap", QTR_OP_CSWAP},
        {"cu", QTR_OP_CU},   {"CX", QTR_OP_CX},     {"phase", QTR_OP_P}, {"cphase", QTR_OP_CP},
        {"id", QTR_OP_ID},   {"u1", QTR_OP_U1},     {"u2", QTR_OP_U2},   {"u3", QTR_OP_U3},
    };
    for (size_t i = 0; i < sizeof std_gates / sizeof std_gates[0]; i++)
        if ((st = builtin_gate(r, std_gates[i].name, std_gates[i].op))) return st;
    r->included = 1;
    return QTR_OK;
}

/* "[n]" after qubit/bit, or nothing (one bit). */
static qtr_status size_designator(P *r, uint32_t *size, int *single)
{
    qtr_status st;
    *single = 1;
    *size = 1;
    if (!is_kind(r, QTR_QT_LBRACK)) return QTR_OK;
    *single = 0;
    if ((st = next(r))) return st;
    if (!is_kind(r, QTR_QT_INT)) {
        if (is_kind(r, QTR_QT_ID)) return REFUSE_TOK(r, "a register size given by '%s'", r->L->tok);
        return expected(r, "the register size");
    }
    if (r->L->ival == 0) return FAIL_TOK(r, QTR_EPARSE, "a register must have at least one bit");
    if (r->L->ival_overflow || r->L->ival > QTR_QASM_MAX_BITS)
        return FAIL_TOK(r, QTR_ELIMIT, "register size %s is over the limit of %u", r->L->tok,
                        QTR_QASM_MAX_BITS);
    *size = (uint32_t)r->L->ival;
    if ((st = next(r))) return st;
    if (is_kind(r, QTR_QT_OP) || is_kind(r, QTR_QT_PLUS) || is_kind(r, QTR_QT_STAR) ||
        is_kind(r, QTR_QT_MINUS) || is_kind(r, QTR_QT_SLASH))
        return REFUSE_TOK(r, "arithmetic in a register size");
    return expect(r, QTR_QT_RBRACK);
}

/* "qubit[n] q;", "bit c;", "qreg q[n];", "creg c[n];" */
static qtr_status stmt_decl(P *r, int quantum, int old_style)
{
    qtr_status st;
    uint32_t size = 1;
    int single = 1;
    if ((st = next(r))) return st;
    if (!old_style && (st = size_designator(r, &size, &single))) return st;
    if (!is_kind(r, QTR_QT_ID)) return expected(r, "a register name");
    if ((st = define_check(r, quantum ? "register" : "classical register"))) return st;
    char name[QTR_QASM_TOKEN_MAX + 1];
    memcpy(name, r->L->tok, r->L->len + 1);
    size_t len = r->L->len;
    uint32_t line = r->L->tline;
    uint64_t col = r->L->tcol;
    if ((st = next(r))) return st;
    if (old_style && (st = size_designator(r, &size, &single))) return st;
    if (is_kind(r, QTR_QT_ASSIGN)) return REFUSE_TOK(r, "initialising a declared register");
    if ((st = expect(r, QTR_QT_SEMI))) return st;
    if (quantum) {
        if (r->physical > 0)
            return fail_at(r, QTR_EUNSUPPORTED, line, col, "unsupported in this version: "
                           "declaring qubits in a program that uses physical qubits ($n)");
        r->physical = -1;
    }
    return add_reg(r, quantum, name, len, size, line, col);
}

/* "input float[64] name;" */
static qtr_status stmt_input(P *r)
{
    qtr_status st;
    if ((st = next(r))) return st;
    sym *s = is_kind(r, QTR_QT_ID) ? sym_find(&r->globals, r->L->tok, r->L->len, r->L->hash) : NULL;
    if (!s || s->kind != S_KEYWORD || (s->idx != KW_FLOAT && s->idx != KW_ANGLE)) {
        if (is_kind(r, QTR_QT_ID)) return REFUSE_TOK(r, "input of type '%s'", r->L->tok);
        return expected(r, "'float' after 'input'");
    }
    if ((st = next(r))) return st;
    if (is_kind(r, QTR_QT_LBRACK)) {
        if ((st = next(r))) return st;
        if (!is_kind(r, QTR_QT_INT)) return expected(r, "the width in bits");
        if ((st = next(r)) || (st = expect(r, QTR_QT_RBRACK))) return st;
    }
    if (!is_kind(r, QTR_QT_ID)) return expected(r, "a parameter name");
    if ((st = define_check(r, "parameter"))) return st;
    if (QTR_GROW(&r->alloc, r->inputs, r->capinputs, r->ninputs + 1) ||
        QTR_GROW(&r->alloc, r->input_angle, r->capinput_angle, r->ninputs + 1) ||
        sym_add(r, &r->globals, r->L->tok, r->L->len, S_INPUT, (uint32_t)r->ninputs, r->L->tline,
                r->L->tcol, &r->inputs[r->ninputs]))
        return nomem(r);
    /* a named parameter of the circuit, in Qiskit's order */
    if ((st = qtr_circuit_param(r->c, r->L->tok, &r->input_angle[r->ninputs], r->ctx)))
        return relocate(r, st);
    r->ninputs++;
    if ((st = next(r))) return st;
    return expect(r, QTR_QT_SEMI);
}

/* Measure qubits args[a0] into bits args[a0 + 1]. */
static qtr_status do_measure(P *r, size_t a0)
{
    const arg3 *q = &r->args[a0], *c = &r->args[a0 + 1];
    uint32_t nq = qtr_qasm_arg_size(q), nc = qtr_qasm_arg_size(c);
    if (nq != nc)
        return fail_at(r, QTR_EPARSE, c->line, c->col, "measure of %u qubit%s into %u bit%s", nq,
                       nq == 1 ? "" : "s", nc, nc == 1 ? "" : "s");
    qtr_status st = QTR_OK;
    for (uint32_t i = 0; i < nq && !st; i++) {
        uint32_t ops[2] = {qtr_qasm_arg_bit(r->qregs, q, i), qtr_qasm_arg_bit(r->cregs, c, i)};
        st = sink_append(r, QTR_OP_MEASURE, ops, 2, NULL);
    }
    r->nargs = a0;
    return st;
}

/* "measure q -> c;" (the measure keyword is current) */
static qtr_status stmt_measure_arrow(P *r)
{
    qtr_status st;
    size_t a0 = r->nargs;
    if ((st = next(r)) || (st = operand(r, S_QREG))) return st;
    if (is_kind(r, QTR_QT_SEMI))
        return REFUSE_TOK(r, "a measure whose result is not stored in a classical bit");
    if ((st = expect(r, QTR_QT_ARROW)) || (st = operand(r, S_CREG)) || (st = expect(r, QTR_QT_SEMI)))
        return st;
    return do_measure(r, a0);
}

/* "c = measure q;" or "c[0] = measure q[0];" (the register name is current);
 * any other assignment is refused. */
static qtr_status stmt_assign(P *r)
{
    qtr_status st;
    size_t a0 = r->nargs;
    if ((st = operand(r, S_CREG))) return st;
    if (!is_kind(r, QTR_QT_ASSIGN)) {
        if (is_kind(r, QTR_QT_OP)) return REFUSE_TOK(r, "classical assignment ('%s')", r->L->tok);
        return expected(r, "'=' after a classical bit");
    }
    if ((st = next(r))) return st;
    sym *s = is_kind(r, QTR_QT_ID) ? sym_find(&r->globals, r->L->tok, r->L->len, r->L->hash) : NULL;
    if (!s || s->kind != S_KEYWORD || s->idx != KW_MEASURE)
        return REFUSE_TOK(r, "classical assignment (only 'bits = measure qubits;' is read)");
    size_t c_at = r->nargs - 1;
    if ((st = next(r)) || (st = operand(r, S_QREG)) || (st = expect(r, QTR_QT_SEMI))) return st;
    /* do_measure wants qubits first */
    arg3 cbit = r->args[c_at];
    r->args[c_at] = r->args[c_at + 1];
    r->args[c_at + 1] = cbit;
    return do_measure(r, a0);
}

static qtr_status stmt_reset(P *r)
{
    qtr_status st;
    size_t a0 = r->nargs;
    if ((st = next(r)) || (st = operand(r, S_QREG)) || (st = expect(r, QTR_QT_SEMI))) return st;
    const arg3 *q = &r->args[a0];
    for (uint32_t i = 0, n = qtr_qasm_arg_size(q); i < n && !st; i++) {
        uint32_t b = qtr_qasm_arg_bit(r->qregs, q, i);
        st = sink_append(r, QTR_OP_RESET, &b, 1, NULL);
    }
    r->nargs = a0;
    return st;
}

/* "barrier a, b[1];" over the named qubits, each once; "barrier;" over all. */
static qtr_status stmt_barrier(P *r)
{
    qtr_status st;
    size_t a0 = r->nargs, q0 = r->nqbuf;
    if ((st = next(r))) return st;
    while (!is_kind(r, QTR_QT_SEMI)) {
        if ((st = operand(r, S_QREG))) return st;
        if (!is_kind(r, QTR_QT_COMMA)) break;
        if ((st = next(r))) return st;
    }
    if ((st = expect(r, QTR_QT_SEMI)) || (st = grow_mark(r))) return st;
    if (a0 == r->nargs) {   /* all qubits */
        if (QTR_GROW(&r->alloc, r->qbuf, r->capqbuf, q0 + r->c->nqubits + 1)) return nomem(r);
        for (uint32_t i = 0; i < r->c->nqubits; i++) r->qbuf[r->nqbuf++] = i;
    }
    if (qtr_qasm_union(&r->alloc, &r->mark, r->qregs, r->args + a0, r->nargs - a0, &r->qbuf,
                       &r->nqbuf, &r->capqbuf))
        st = nomem(r);
    if (!st && r->nqbuf - q0 > UINT16_MAX)
        st = fail_at(r, QTR_ELIMIT, r->stmt_line, r->stmt_col,
                     "barrier over %zu qubits: at most %u are supported", r->nqbuf - q0,
                     (unsigned)UINT16_MAX);
    if (!st && r->nqbuf > q0)
        st = sink_append(r, QTR_OP_BARRIER, r->qbuf + q0, (uint32_t)(r->nqbuf - q0), NULL);
    r->nqbuf = q0;
    r->nargs = a0;
    return st;
}

static qtr_status statement(P *r);

/* A condition negated ("!=", else): a bit's or a one-bit register's value
 * flips; a wider register's equality becomes an inequality, which the IR
 * cannot hold but negated_branch can express. */
static void negate_cond(P *r, cond3 *cd)
{
    if (cd->bit || r->c->cregs[cd->creg].size == 1) cd->words[0] ^= 1;
    else cd->ne ^= 1;
}

/* "c == n" / "c != n" after the register or bit @p a: the value into cd. */
static qtr_status compare(P *r, cond3 *cd, const arg3 *a, const reg3 *reg)
{
    qtr_status st;
    int ne = is_kind(r, QTR_QT_OP);
    if ((st = next(r))) return st;
    if (!is_kind(r, QTR_QT_INT)) {
        if (is_kind(r, QTR_QT_ID) || is_kind(r, QTR_QT_LPAREN) || is_kind(r, QTR_QT_MINUS))
            return REFUSE_TOK(r, "a comparison with anything but an integer literal");
        return expected(r, "an integer to compare with");
    }
    if (!a->many) {   /* c[k] == 0/1 */
        if (r->L->ival_overflow || r->L->ival > 1)
            return FAIL_TOK(r, QTR_EPARSE, "a bit compared with %s", r->L->tok);
        cd->bit = 1;
        cd->nwords = 1;
        cd->words[0] = (uint32_t)r->L->ival ^ (uint32_t)ne;
        return next(r);
    }
    if (qtr_qasm_cond_value(r->L->tok, r->L->len, r->L->ival, r->L->ival_overflow, reg->size,
                            cd->words, &cd->nwords) ||
        (reg->size < 64 && r->L->ival >> reg->size))
        return FAIL_TOK(r, QTR_EPARSE, "register '%s' of %u bits never equals %s",
                        r->globals.names + reg->name, reg->size, r->L->tok);
    if (ne && reg->size == 1) cd->words[0] ^= 1;   /* one bit: != v is == !v */
    else cd->ne = ne;
    return next(r);
}

/* The condition of an if: "c == n", "c != n" (c of one bit), "c[k]",
 * "!c[k]", "c" (a single bit), "c[k] == 0/1"; '(' is consumed, ')' is
 * consumed here. */
static qtr_status condition(P *r, cond3 *cd)
{
    qtr_status st;
    cd->on = 1;
    cd->bit = 0;
    cd->ne = 0;
    int negate = is_kind(r, QTR_QT_BANG);
    if (negate && (st = next(r))) return st;
    if (!is_kind(r, QTR_QT_ID)) return expected(r, "a classical register or bit");
    sym *s = lookup(r);
    if (!s || s->kind != S_CREG)
        return FAIL_TOK(r, QTR_EPARSE, "%s '%s' in the condition",
                        s && s->kind == S_QREG ? "qubit" : "undeclared register", r->L->tok);
    size_t a0 = r->nargs;
    if ((st = operand(r, S_CREG))) return st;
    arg3 a = r->args[a0];
    r->nargs = a0;
    const reg3 *reg = &r->cregs[a.reg];
    cd->creg = reg->cindex;
    if (a.many && (a.start != 0 || a.step != 1 || a.count != reg->size))
        return fail_at(r, QTR_EUNSUPPORTED, a.line, a.col,
                       "unsupported in this version: a condition on a slice of register '%s'",
                       r->globals.names + reg->name);
    cd->clbit = qtr_qasm_arg_bit(r->cregs, &a, 0);
    if (is_kind(r, QTR_QT_EQEQ) || (is_kind(r, QTR_QT_OP) && !strcmp(r->L->tok, "!="))) {
        if (negate) return REFUSE_TOK(r, "'!' before a comparison");
        if ((st = compare(r, cd, &a, reg))) return st;
    } else if (!a.many || reg->size == 1) {
        cd->bit = 1;   /* if (c[k]) / if (!c[k]) / if (b) */
        cd->nwords = 1;
        cd->words[0] = !negate;
    } else {
        if (is_kind(r, QTR_QT_OP) || is_kind(r, QTR_QT_AT))
            return REFUSE_TOK(r, "operator '%s' in a condition", r->L->tok);
        return expected(r, "'==' after a register");
    }
    if (is_kind(r, QTR_QT_OP)) return REFUSE_TOK(r, "operator '%s' in a condition", r->L->tok);
    if (cd->bit && reg->size == 1) {   /* the bit is the whole register: its value */
        cd->bit = 0;
        cd->nwords = 2;
        cd->words[1] = 0;
    }
    return expect(r, QTR_QT_RPAREN);
}

/* The statements a branch of an if may hold. */
static qtr_status branch(P *r)
{
    qtr_status st;
    if (!is_kind(r, QTR_QT_LBRACE)) return statement(r);
    uint32_t line = r->L->tline;
    uint64_t col = r->L->tcol;
    if ((st = next(r))) return st;
    while (!is_kind(r, QTR_QT_RBRACE)) {
        if (is_kind(r, QTR_QT_EOF))
            return FAIL_TOK(r, QTR_EPARSE, "the '{' at %u:%llu has no matching '}'", line,
                            (unsigned long long)col);
        if ((st = statement(r))) return st;
    }
    return next(r);
}

/* Undo instruction @p i (a gate of a branch under "register != value")
 * under the equality: its inverse, conditioned on r->cond. */
static qtr_status undo_under_equality(P *r, size_t i, uint32_t line, uint64_t col)
{
    const qtr_inst in = r->c->inst[i];   /* copies: appending moves the pools */
    qtr_op op = (qtr_op)in.op;
    const char *what = op == QTR_OP_MEASURE ? "a measurement" : op == QTR_OP_RESET ? "a reset" : NULL;
    if (what)
        return fail_at(r, QTR_EUNSUPPORTED, line, col, "unsupported in this version: %s in a "
                       "branch taken when register '%s' of %u bits differs from a value (!= or "
                       "else)", what, r->c->cregs[r->cond.creg].name, r->c->cregs[r->cond.creg].size);
    if (op == QTR_OP_BARRIER || op == QTR_OP_NOP) return QTR_OK;
    uint32_t q[8];
    double prm[4] = {0, 0, 0, 0}, inv[4] = {0, 0, 0, 0}, phase = 0;
    const uint32_t *qs = qtr_inst_operands(r->c, &in);
    unsigned np = qtr_gate(op)->nparams;
    if (np) memcpy(prm, qtr_inst_params(r->c, &in), np * sizeof *prm);
    memcpy(q, qs, in.nargs * sizeof *q);
    qtr_op inv_op;
    int swap = 0;
    if (any_sym(prm, np) || qtr_gate_inverse(op, prm, &inv_op, inv, &swap, &phase))
        return fail_at(r, QTR_EUNSUPPORTED, line, col, "unsupported in this version: '%s'%s in a "
                       "branch taken when register '%s' of %u bits differs from a value (!= or "
                       "else)", qtr_gate(op)->name, any_sym(prm, np) ? " on an input parameter" : "",
                       r->c->cregs[r->cond.creg].name, r->c->cregs[r->cond.creg].size);
    if (swap) {
        uint32_t t = q[0];
        q[0] = q[1];
        q[1] = t;
    }
    /* the inverse's phase differs only in a branch: a global phase there is
     * not observable */
    return sink_append(r, inv_op, q, in.nargs, inv);
}

/* The branch under "register != value" (2+ bits): the IR holds equalities
 * only, so its gates are applied unconditioned and then undone, in reverse
 * order, under the equality: when the register equals the value they cancel,
 * otherwise they act. Measurements and resets there cannot be undone and
 * are refused. */
static qtr_status negated_branch(P *r)
{
    uint32_t line = r->L->tline;
    uint64_t col = r->L->tcol;
    cond3 saved = r->cond;
    size_t first = r->c->ninst;
    r->cond.on = 0;
    qtr_status st = branch(r);
    r->cond = saved;
    r->cond.ne = 0;
    for (size_t i = r->c->ninst; !st && i-- > first;) st = undo_under_equality(r, i, line, col);
    r->cond = saved;
    return st;
}

static qtr_status stmt_if(P *r)
{
    qtr_status st;
    if (r->cond.on) return REFUSE_TOK(r, "an if inside an if");
    if ((st = next(r)) || (st = expect(r, QTR_QT_LPAREN)) || (st = condition(r, &r->cond)))
        return st;
    st = r->cond.ne ? negated_branch(r) : branch(r);
    if (!st && is_kind(r, QTR_QT_ID) && !strcmp(r->L->tok, "else")) {
        negate_cond(r, &r->cond);
        if (!(st = next(r))) st = r->cond.ne ? negated_branch(r) : branch(r);
    }
    r->cond.on = 0;
    return st;
}

/* The commonest statement, a parameterless table gate on indexed qubits
 * ("swap q[0], q[1];"), read straight from the lexer's buffer. Anything
 * else -- a modifier, parameters, a whole register, a physical qubit, a
 * comment or line break inside, the end of the chunk, an unknown register,
 * an index out of range, a repeated qubit -- returns 0 having consumed
 * nothing, and stmt_call reads it (with its messages). 1: taken, status in
 * *st. */
static int fast_call(P *r, const sym *s, qtr_status *st)
{
    const gate3 *g = &r->gates[s->idx];
    if (g->kind != G_TABLE || g->nparams || g->nqubits > 3 || r->cond.on) return 0;
    const unsigned char *b = (const unsigned char *)r->L->buf;
    size_t i = r->L->pos, n = r->L->end;
    uint32_t q[3];
    if (i >= n || (b[i] != ' ' && b[i] != '\t')) return 0;
    for (uint32_t k = 0; k < g->nqubits; k++) {
        while (i < n && (b[i] == ' ' || b[i] == '\t')) i++;
        size_t j = i;
        while (j < n && qtr_qasm_is_id_char(b[j])) j++;
        if (j == i || j >= n || b[j] != '[' || !qtr_qasm_is_id_start(b[i]) ||
            j - i > QTR_QASM_TOKEN_MAX)
            return 0;
        uint32_t len = (uint32_t)(j - i);
        int hit = len == r->fast_len;   /* names are short: a loop beats memcmp */
        for (uint32_t k = 0; hit && k < len; k++)
            hit = (unsigned char)r->globals.names[r->fast_off + k] == b[i + k];
        if (!hit) {
            const sym *rs = sym_find(&r->globals, (const char *)b + i, len,
                                     qtr_qasm_hash((const char *)b + i, len));
            if (!rs || rs->kind != S_QREG) return 0;
            r->fast_off = rs->off;   /* registers are never redeclared: stays valid */
            r->fast_len = len;
            r->fast_reg = rs->idx;
        }
        const reg3 *reg = &r->qregs[r->fast_reg];
        uint32_t v = 0;
        size_t d = ++j;
        while (j < n && b[j] >= '0' && b[j] <= '9' && j - d < 9) v = v * 10 + (b[j++] - '0');
        if (j == d || j >= n || b[j] != ']' || v >= reg->size) return 0;
        q[k] = reg->first + v;
        for (uint32_t m = 0; m < k; m++)
            if (q[m] == q[k]) return 0;
        for (i = j + 1; i < n && (b[i] == ' ' || b[i] == '\t'); i++) {}
        if (i >= n || b[i] != (k + 1 < g->nqubits ? ',' : ';')) return 0;
        i++;
    }
    r->L->pos = i;
    *st = sink_append(r, (qtr_op)g->op, q, g->nqubits, NULL);
    if (!*st) *st = next(r);
    return 1;
}

static qtr_status statement(P *r)
{
    r->stmt_line = r->L->tline;
    r->stmt_col = col32(r->L->tcol);
    r->budget = QTR_QASM_MAX_EXPANSION;
    if (is_kind(r, QTR_QT_AT)) return REFUSE_TOK(r, "annotations ('@...')");
    if (is_kind(r, QTR_QT_OP) && r->L->tok[0] == '#') return REFUSE_TOK(r, "'#pragma'");
    if (is_kind(r, QTR_QT_LBRACE)) return REFUSE_TOK(r, "a block statement outside an if");
    if (!is_kind(r, QTR_QT_ID)) return expected(r, "a statement");
    sym *s = sym_find(&r->globals, r->L->tok, r->L->len, r->L->hash);
    if (s && s->kind == S_KEYWORD && (s->idx < KW_INV || s->idx > KW_NEGCTRL)) {
        int top = !r->cond.on;
        switch (s->idx) {
        case KW_MEASURE: return stmt_measure_arrow(r);
        case KW_RESET: return stmt_reset(r);
        case KW_IF: return stmt_if(r);
        default: break;
        }
        if (s->idx >= KW_REFUSED) return REFUSE_TOK(r, "'%s'", r->L->tok);
        if (!top) return REFUSE_TOK(r, "'%s' inside an if", r->L->tok);
        switch (s->idx) {
        case KW_INCLUDE: return stmt_include(r);
        case KW_QUBIT: return stmt_decl(r, 1, 0);
        case KW_BIT: return stmt_decl(r, 0, 0);
        case KW_QREG: return stmt_decl(r, 1, 1);
        case KW_CREG: return stmt_decl(r, 0, 1);
        case KW_GATE: return stmt_gate(r);
        case KW_INPUT: return stmt_input(r);
        case KW_BARRIER: return stmt_barrier(r);
        case KW_FLOAT: case KW_ANGLE: return REFUSE_TOK(r, "classical variables ('%s')", r->L->tok);
        case KW_OPENQASM:
            return FAIL_TOK(r, QTR_EPARSE, "'OPENQASM' may appear only once, at the start");
        default: return FAIL_TOK(r, QTR_EPARSE, "'%s' cannot start a statement", r->L->tok);
        }
    }
    qtr_status st;
    if (s && s->kind == S_GATE && fast_call(r, s, &st)) return st;
    if (s && s->kind == S_CREG) return stmt_assign(r);
    if (s && s->kind == S_INPUT) return REFUSE_TOK(r, "assigning to the input '%s'", r->L->tok);
    return stmt_call(r);
}

/* ======================================================================
 * Life cycle
 * ====================================================================== */

qtr_status qtr_qasm3_new(qtr_qasm3 **out, qtr_qasm_lex *L, const char *name, qtr_ctx *ctx)
{
    *out = NULL;
    qtr_alloc a = {0};
    P *r = qtr_realloc(&a, NULL, 0, sizeof *r);
    if (!r) return qtr_fail(ctx, QTR_ENOMEM, "%s: out of memory", name);
    memset(r, 0, sizeof *r);
    r->alloc = a;
    r->L = L;
    r->name = name;
    r->ctx = ctx;
    r->sink.append = sink_append;
    r->sink.user = r;
    for (size_t k = 0; k < KW_COUNT; k++) {
        if (sym_add(r, &r->globals, kw_name[k], strlen(kw_name[k]), S_KEYWORD, (uint32_t)k, 0, 0,
                    NULL)) {
            qtr_qasm3_free(r);
            return qtr_fail(ctx, QTR_ENOMEM, "%s: out of memory", name);
        }
    }
    gate3 u = {0};
    u.kind = G_TABLE;
    u.builtin = 1;
    u.op = QTR_OP_U;
    u.nparams = 3;
    u.nqubits = 1;
    r->stmt_line = 1;
    /* operand scratch exists from the start: statements of no operands
     * ("barrier;", "gphase(x);") still index it */
    if (add_gate(r, "U", 1, 0, 0, &u) || QTR_GROW(&r->alloc, r->args, r->capargs, 8)) {
        qtr_qasm3_free(r);
        return qtr_fail(ctx, QTR_ENOMEM, "%s: out of memory", name);
    }
    *out = r;
    return QTR_OK;
}

void qtr_qasm3_free(qtr_qasm3 *r)
{
    if (!r) return;
    qtr_alloc *a = &r->alloc;
    qtr_qasm_sym_free(a, &r->globals);
    qtr_qasm_sym_free(a, &r->locals);
    qtr_realloc(a, r->gates, r->capgates * sizeof *r->gates, 0);
    qtr_realloc(a, r->calls, r->capcalls * sizeof *r->calls, 0);
    qtr_realloc(a, r->mods, r->capmods * sizeof *r->mods, 0);
    qtr_realloc(a, r->qargs, r->capqargs * sizeof *r->qargs, 0);
    qtr_realloc(a, r->pexpr, r->cappexpr * sizeof *r->pexpr, 0);
    qtr_realloc(a, r->x.code, r->x.capcode * sizeof *r->x.code, 0);
    qtr_realloc(a, r->qregs, r->capqregs * sizeof *r->qregs, 0);
    qtr_realloc(a, r->cregs, r->capcregs * sizeof *r->cregs, 0);
    qtr_realloc(a, r->inputs, r->capinputs * sizeof *r->inputs, 0);
    qtr_realloc(a, r->input_angle, r->capinput_angle * sizeof *r->input_angle, 0);
    qtr_realloc(a, r->args, r->capargs * sizeof *r->args, 0);
    qtr_realloc(a, r->pvals, r->cappvals * sizeof *r->pvals, 0);
    qtr_realloc(a, r->qbuf, r->capqbuf * sizeof *r->qbuf, 0);
    qtr_qasm_marks_free(a, &r->mark);
    free(r);
}

int qtr_qasm3_physical(const qtr_qasm3 *r) { return r && r->physical > 0; }

qtr_status qtr_qasm3_next(qtr_qasm3 *r, qtr_circuit *c, size_t max_inst, int *eof, qtr_ctx *ctx)
{
    *eof = 0;
    r->ctx = ctx;
    r->sink.ctx = ctx;
    if (r->sticky) {
        snprintf(ctx->msg, sizeof ctx->msg, "%s", r->sticky_msg);
        return r->sticky;
    }
    if (r->finished) {
        *eof = 1;
        return QTR_OK;
    }
    r->c = c;
    r->sink.phase = &c->global_phase;
    r->appended = 0;
    qtr_status st = QTR_OK;
    while (!st) {
        if (is_kind(r, QTR_QT_EOF)) {
            r->finished = 1;
            *eof = 1;
            break;
        }
        st = statement(r);
        if (max_inst && r->appended >= max_inst) break;
    }
    r->nargs = r->npvals = r->nqbuf = 0;
    r->cond.on = 0;
    if (st) {
        r->sticky = st;
        snprintf(r->sticky_msg, sizeof r->sticky_msg, "%s", ctx->msg);
    }
    r->c = NULL;
    return st;
}

qtr_status qtr_qasm3_merge_physical(qtr_circuit *c, qtr_ctx *ctx)
{
    if (c->nqregs <= 1) return QTR_OK;
    uint32_t *map = malloc((c->nqubits ? c->nqubits : 1) * sizeof *map);
    if (!map) return qtr_fail(ctx, QTR_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < c->nqubits; i++) map[i] = i;
    qtr_status st = qtr_circuit_remap_qubits(c, map, c->nqubits, ctx);
    free(map);
    return st;
}
