/* qasm_expr.c -- angle expressions for both OpenQASM readers: a recursive
 * descent parser to stack bytecode, kept per gate definition and evaluated
 * at each call with the call's parameters, and the evaluator. Borrows the
 * lexer and, through a callback, the reader's symbols; owns the bytecode
 * array (in the reader's allocator). Grammar, loosest first:
 *   expr  := term (('+' | '-') term)*
 *   term  := unary (('*' | '/') unary)*
 *   unary := ('-' | '+') unary | power
 *   power := atom [POW unary]          POW: '^' (version 2), '**' (version 3)
 *   atom  := number | '(' expr ')' | identifier | function '(' expr ')'
 * Nesting is capped (QTR_QASM_MAX_EXPR_DEPTH), which bounds the recursion
 * and the evaluation stack. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "qasm_expr.h"

qtr_status qtr_qasm_vfail_at(qtr_ctx *ctx, const char *name, qtr_status st, uint32_t line,
                             uint64_t col, const char *fmt, va_list ap)
{
    char reason[400];
    vsnprintf(reason, sizeof reason, fmt, ap);
    return qtr_fail(ctx, st, "%s:%u:%llu: %s", name, line, (unsigned long long)col, reason);
}

qtr_status qtr_qasm_fail_at(qtr_ctx *ctx, const char *name, qtr_status st, uint32_t line,
                            uint64_t col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    qtr_status r = qtr_qasm_vfail_at(ctx, name, st, line, col, fmt, ap);
    va_end(ap);
    return r;
}

#define X_NAME(x) ((x)->name ? (x)->name : (x)->L->name)
#define FAIL_TOK(x, st, ...) \
    qtr_qasm_fail_at((x)->ctx, X_NAME(x), (st), (x)->L->tline, (x)->L->tcol, __VA_ARGS__)
#define REFUSE_TOK(x, ...) FAIL_TOK((x), QTR_EUNSUPPORTED, "unsupported in this version: " __VA_ARGS__)

static inline int is_kind(const qtr_qasm_expr *x, qtr_qasm_tok k) { return x->L->kind == k; }
static inline qtr_status next(qtr_qasm_expr *x) { return qtr_qasm_lex_next(x->L, x->ctx); }
static qtr_status nomem(qtr_qasm_expr *x) { return FAIL_TOK(x, QTR_ENOMEM, "out of memory"); }

static qtr_status expected(qtr_qasm_expr *x, const char *what)
{
    char d[96];
    return FAIL_TOK(x, QTR_EPARSE, "expected %s, found %s", what,
                    qtr_qasm_lex_describe(x->L, d, sizeof d));
}

static int emit(qtr_qasm_expr *x, uint32_t w)
{
    if (QTR_GROW(x->alloc, x->code, x->capcode, x->ncode + 1)) return -1;
    x->code[x->ncode++] = w;
    return 0;
}

/* Track the evaluation stack depth the emitted code needs. */
static void stack_delta(qtr_qasm_expr *x, int d)
{
    x->estack += d;
    if (x->estack > x->emax) x->emax = x->estack;
}

static int emit_const(qtr_qasm_expr *x, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    if (emit(x, QTR_QX_CONST) || emit(x, (uint32_t)bits) || emit(x, (uint32_t)(bits >> 32)))
        return -1;
    stack_delta(x, 1);
    return 0;
}

static qtr_status expr(qtr_qasm_expr *x);

static qtr_status nest_in(qtr_qasm_expr *x)
{
    if (++x->edepth > QTR_QASM_MAX_EXPR_DEPTH)
        return FAIL_TOK(x, QTR_ELIMIT, "expression nested more than %d levels deep",
                        QTR_QASM_MAX_EXPR_DEPTH);
    return QTR_OK;
}

/* "( expr )" at an atom or after function @p fn ("" for none); the '(' is
 * current. Version 2 takes Qiskit's trailing comma in a call, "sin(pi,)". */
static qtr_status paren(qtr_qasm_expr *x, const char *fn)
{
    qtr_status st;
    uint32_t line = x->L->tline;
    uint64_t col = x->L->tcol;
    if ((st = nest_in(x)) || (st = next(x)) || (st = expr(x))) return st;
    if (*fn && x->version == 2 && is_kind(x, QTR_QT_COMMA)) {
        uint32_t cline = x->L->tline;
        uint64_t ccol = x->L->tcol;
        if ((st = next(x))) return st;
        if (x->strict && is_kind(x, QTR_QT_RPAREN))
            return qtr_qasm_fail_at(x->ctx, X_NAME(x), QTR_EPARSE, cline, ccol, "a trailing ',' "
                                    "is not OpenQASM 2 (accepted without strict mode)");
    }
    if (!is_kind(x, QTR_QT_RPAREN)) {
        char d[96];
        return FAIL_TOK(x, QTR_EPARSE, "expected ')' to close the '%s(' at %u:%llu, found %s", fn,
                        line, (unsigned long long)col, qtr_qasm_lex_describe(x->L, d, sizeof d));
    }
    x->edepth--;
    return next(x);
}

static qtr_status atom(qtr_qasm_expr *x)
{
    qtr_status st;
    if (is_kind(x, QTR_QT_INT) || is_kind(x, QTR_QT_REAL)) {
        double v = x->L->rval;
        if (is_kind(x, QTR_QT_INT)) {
            /* exact below 2^53; above, let strtod round the digits */
            v = !x->L->ival_overflow && x->L->ival < ((uint64_t)1 << 53) ? (double)x->L->ival
                                                                         : strtod(x->L->tok, NULL);
            if (isinf(v))
                return FAIL_TOK(x, QTR_EPARSE, "number '%.40s...' is too large for a double",
                                x->L->tok);
        }
        if (emit_const(x, v)) return nomem(x);
        return next(x);
    }
    if (is_kind(x, QTR_QT_LPAREN)) return paren(x, "");
    if (!is_kind(x, QTR_QT_ID)) return expected(x, "an expression");
    qtr_qasm_ident id = {QTR_QX_ID_UNKNOWN, 0, 0, NULL};
    if ((st = x->ident(x->user, &id))) return st;
    switch (id.kind) {
    case QTR_QX_ID_VALUE:
        if (emit(x, id.word)) return nomem(x);
        stack_delta(x, 1);
        return next(x);
    case QTR_QX_ID_CONST:
        if (emit_const(x, id.value)) return nomem(x);
        return next(x);
    case QTR_QX_ID_FUNC:
        if ((st = next(x))) return st;
        if (!is_kind(x, QTR_QT_LPAREN)) {
            char what[40];
            snprintf(what, sizeof what, "'(' after '%s'", id.name);
            return expected(x, what);
        }
        if ((st = paren(x, id.name))) return st;
        return emit(x, id.word) ? nomem(x) : QTR_OK;
    default:
        return FAIL_TOK(x, QTR_EPARSE, "unknown identifier '%s' in expression", x->L->tok);
    }
}

static qtr_status unary(qtr_qasm_expr *x);

static qtr_status power(qtr_qasm_expr *x)
{
    qtr_status st = atom(x);
    if (st || !is_kind(x, x->version == 2 ? QTR_QT_CARET : QTR_QT_POW)) return st;
    if ((st = nest_in(x)) || (st = next(x)) || (st = unary(x))) return st;
    x->edepth--;
    if (emit(x, QTR_QX_POW)) return nomem(x);
    stack_delta(x, -1);
    return QTR_OK;
}

static qtr_status unary(qtr_qasm_expr *x)
{
    qtr_status st;
    if (is_kind(x, QTR_QT_MINUS) || is_kind(x, QTR_QT_PLUS)) {
        int neg = is_kind(x, QTR_QT_MINUS);
        if ((st = nest_in(x)) || (st = next(x)) || (st = unary(x))) return st;
        x->edepth--;
        return neg && emit(x, QTR_QX_NEG) ? nomem(x) : QTR_OK;
    }
    if (x->version == 3 &&
        (is_kind(x, QTR_QT_BANG) || (is_kind(x, QTR_QT_OP) && x->L->tok[0] == '~')))
        return REFUSE_TOK(x, "operator '%s' in an expression", is_kind(x, QTR_QT_BANG) ? "!" : "~");
    return power(x);
}

/* term when !additive, expr when additive */
static qtr_status binary(qtr_qasm_expr *x, int additive)
{
    qtr_status st = additive ? binary(x, 0) : unary(x);
    for (;;) {
        uint32_t op;
        if (additive && (is_kind(x, QTR_QT_PLUS) || is_kind(x, QTR_QT_MINUS)))
            op = is_kind(x, QTR_QT_PLUS) ? QTR_QX_ADD : QTR_QX_SUB;
        else if (!additive && (is_kind(x, QTR_QT_STAR) || is_kind(x, QTR_QT_SLASH)))
            op = is_kind(x, QTR_QT_STAR) ? QTR_QX_MUL : QTR_QX_DIV;
        else
            return st;
        if (st || (st = next(x)) || (st = additive ? binary(x, 0) : unary(x))) return st;
        if (emit(x, op)) return nomem(x);
        stack_delta(x, -1);
    }
}

static qtr_status expr(qtr_qasm_expr *x)
{
    qtr_status st = binary(x, 1);
    if (st || x->version != 3) return st;
    if (is_kind(x, QTR_QT_OP) || is_kind(x, QTR_QT_CARET) || is_kind(x, QTR_QT_EQEQ))
        return REFUSE_TOK(x, "operator '%s' in an expression%s",
                          is_kind(x, QTR_QT_OP) ? x->L->tok : is_kind(x, QTR_QT_CARET) ? "^" : "==",
                          is_kind(x, QTR_QT_CARET) ? " ('^' is bitwise xor in OpenQASM 3; "
                                                     "powers are written '**')" : "");
    return QTR_OK;
}

qtr_status qtr_qasm_expr_parse(qtr_qasm_expr *x, uint32_t *start, uint32_t *len)
{
    *start = (uint32_t)x->ncode;
    x->edepth = x->estack = x->emax = 0;
    qtr_status st = expr(x);
    if (st) return st;
    if (x->emax > QTR_QX_STACK) return FAIL_TOK(x, QTR_ELIMIT, "expression too complex");
    *len = (uint32_t)(x->ncode - *start);
    return QTR_OK;
}

/* ---- evaluation ------------------------------------------------------------ */

/* An operation with a symbolic operand: an expression in the circuit. */
static int sym_op(uint32_t op, double a, double b, qtr_circuit *c, qtr_ctx *ctx, double *out)
{
    static const uint8_t ex[] = {
        [QTR_QX_NEG] = QTR_EX_NEG, [QTR_QX_ADD] = QTR_EX_ADD, [QTR_QX_SUB] = QTR_EX_SUB,
        [QTR_QX_MUL] = QTR_EX_MUL, [QTR_QX_DIV] = QTR_EX_DIV, [QTR_QX_SIN] = QTR_EX_SIN,
        [QTR_QX_COS] = QTR_EX_COS, [QTR_QX_TAN] = QTR_EX_TAN, [QTR_QX_ASIN] = QTR_EX_ASIN,
        [QTR_QX_ACOS] = QTR_EX_ACOS, [QTR_QX_ATAN] = QTR_EX_ATAN, [QTR_QX_EXP] = QTR_EX_EXP,
        [QTR_QX_LN] = QTR_EX_LN, [QTR_QX_SQRT] = QTR_EX_SQRT,
    };
    if (op == QTR_QX_POW) return QTR_QX_SYMPOW;
    qtr_status st = op >= QTR_QX_ADD && op <= QTR_QX_DIV
                        ? qtr_expr_binary(c, (qtr_expr_op)ex[op], a, b, out, ctx)
                        : qtr_expr_unary(c, (qtr_expr_op)ex[op], a, out, ctx);
    return st ? QTR_QX_EXPR : QTR_QX_OK;
}

int qtr_qasm_expr_eval(const uint32_t *code, size_t n, const double *fp, const double *inputs,
                       qtr_circuit *c, qtr_ctx *ctx, double *out)
{
    double st[QTR_QX_STACK];
    int sp = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t w = code[i], op = w & 0xFF;
        if (op == QTR_QX_CONST) {
            uint64_t bits = (uint64_t)code[i + 1] | ((uint64_t)code[i + 2] << 32);
            memcpy(&st[sp++], &bits, sizeof bits);
            i += 2;
            continue;
        }
        if (op == QTR_QX_PARAM || op == QTR_QX_INPUT) {
            st[sp++] = (op == QTR_QX_PARAM ? fp : inputs)[w >> 8];
            continue;
        }
        int two = op >= QTR_QX_ADD && op <= QTR_QX_POW;
        if (two) sp--;
        double a = st[sp - 1], b = two ? st[sp] : 0, *r = &st[sp - 1];
        if (QTR_UNLIKELY(qtr_angle_is_sym(a) || qtr_angle_is_sym(b))) {
            int e = sym_op(op, a, b, c, ctx, r);
            if (e) return e;
            continue;
        }
        switch (op) {
        case QTR_QX_NEG: *r = -a; break;
        case QTR_QX_ADD: *r = a + b; break;
        case QTR_QX_SUB: *r = a - b; break;
        case QTR_QX_MUL: *r = a * b; break;
        case QTR_QX_DIV:
            if (b == 0) return QTR_QX_DIV0;
            *r = a / b;
            break;
        case QTR_QX_POW: *r = pow(a, b); break;
        case QTR_QX_SIN: *r = sin(a); break;
        case QTR_QX_COS: *r = cos(a); break;
        case QTR_QX_TAN: *r = tan(a); break;
        case QTR_QX_ASIN: *r = asin(a); break;
        case QTR_QX_ACOS: *r = acos(a); break;
        case QTR_QX_ATAN: *r = atan(a); break;
        case QTR_QX_EXP: *r = exp(a); break;
        case QTR_QX_LN: *r = log(a); break;
        case QTR_QX_SQRT: *r = sqrt(a); break;
        default: break;
        }
    }
    *out = sp ? st[sp - 1] : 0;
    return qtr_angle_is_sym(*out) || isfinite(*out) ? QTR_QX_OK : QTR_QX_NONFINITE;
}
