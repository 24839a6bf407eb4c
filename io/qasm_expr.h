/* qasm_expr.h -- what both OpenQASM readers share for angle expressions
 * (io/qasm_expr.c): the parser to a small bytecode, its evaluator, and the
 * "FILE:LINE:COL: reason" failure. The languages differ only where this
 * says: the power operator ('^' in version 2, '**' in 3), what an identifier
 * names (the reader's callback), and version 3's refusals of its other
 * operators. Internal to io/: not installed. */
#ifndef QTR_QASM_EXPR_H
#define QTR_QASM_EXPR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "qasm_internal.h"
#include "qasm_lex.h"
#include "qtr.h"

/* Bytecode: a stack machine over doubles. QTR_QX_CONST is followed by the
 * double's two words; QTR_QX_PARAM (a gate's formal parameter) and
 * QTR_QX_INPUT (an input parameter's angle) carry an index above 8 bits. */
enum {
    QTR_QX_CONST, QTR_QX_PARAM, QTR_QX_INPUT, QTR_QX_NEG, QTR_QX_ADD, QTR_QX_SUB, QTR_QX_MUL,
    QTR_QX_DIV, QTR_QX_POW, QTR_QX_SIN, QTR_QX_COS, QTR_QX_TAN, QTR_QX_ASIN, QTR_QX_ACOS,
    QTR_QX_ATAN, QTR_QX_EXP, QTR_QX_LN, QTR_QX_SQRT
};

/* Values live on the evaluation stack at once: each nesting level of an
 * expression keeps at most three pending values, and nesting is capped. */
#define QTR_QX_STACK (3 * QTR_QASM_MAX_EXPR_DEPTH + 16)

/* What the identifier at the lexer's current token is, as the reader says. */
typedef struct {
    enum {
        QTR_QX_ID_UNKNOWN,   /* nothing: "unknown identifier" */
        QTR_QX_ID_VALUE,     /* push `word` (QTR_QX_PARAM / QTR_QX_INPUT with its index) */
        QTR_QX_ID_CONST,     /* the constant `value` (pi, tau, ...) */
        QTR_QX_ID_FUNC       /* function `word` (QTR_QX_SIN ...) called `name` */
    } kind;
    uint32_t word;
    double value;
    const char *name;
} qtr_qasm_ident;

/* One reader's expression state: its lexer, its rules, the code so far. */
typedef struct {
    qtr_qasm_lex *L;
    qtr_ctx *ctx;
    qtr_alloc *alloc;            /* the reader's: code[] is counted there */
    const char *name;            /* file named in messages; NULL: the lexer's (an include) */
    int version;                 /* 2 or 3 */
    int strict;                  /* version 2: refuse Qiskit's "sin(pi,)" */
    /* Fill *out for the current identifier; a failure (a refusal the
     * language makes) is returned with its message set. */
    qtr_status (*ident)(void *user, qtr_qasm_ident *out);
    void *user;
    uint32_t *code; size_t ncode, capcode;
    int edepth, estack, emax;    /* nesting, stack depth the code needs and its maximum */
} qtr_qasm_expr;

#if defined(__GNUC__)
__attribute__((format(printf, 6, 7)))
#endif
/** Fail with "NAME:LINE:COL: reason" in @p ctx (both readers' errors). */
qtr_status qtr_qasm_fail_at(qtr_ctx *ctx, const char *name, qtr_status st, uint32_t line,
                            uint64_t col, const char *fmt, ...);
/** As qtr_qasm_fail_at, the reason's arguments in @p ap. */
qtr_status qtr_qasm_vfail_at(qtr_ctx *ctx, const char *name, qtr_status st, uint32_t line,
                             uint64_t col, const char *fmt, va_list ap);

/** Parse one expression at the current token into code[] at its end: its
 *  first word in *start and length in *len. Failures carry their place. */
qtr_status qtr_qasm_expr_parse(qtr_qasm_expr *x, uint32_t *start, uint32_t *len);

/* What went wrong in an evaluation. */
enum { QTR_QX_OK, QTR_QX_DIV0, QTR_QX_SYMPOW, QTR_QX_NONFINITE, QTR_QX_EXPR };

/** Evaluate code[0 .. n) with formal parameters @p fp and input angles
 *  @p inputs. An operand that is a symbolic angle builds an expression in
 *  @p c (failures in @p ctx: QTR_QX_EXPR). @return QTR_QX_OK when *out is a
 *  finite number or a symbolic angle, else what went wrong. */
int qtr_qasm_expr_eval(const uint32_t *code, size_t n, const double *fp, const double *inputs,
                       qtr_circuit *c, qtr_ctx *ctx, double *out);

#endif
