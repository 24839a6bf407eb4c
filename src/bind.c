/* bind.c -- qtr_circuit_bind: a parameterised circuit with values put in.
 *
 * Borrows the template; owns nothing between calls. The bound circuit keeps
 * the template's records, operand pool, registers and name; only the angle
 * pool and the phase differ. So a bind is: evaluate every expression node
 * once (one forward sweep, operands come first), copy the records and
 * operands as they are, copy the angle pool replacing each reference by its
 * node's value. A reused output keeps its arrays, and the node values live
 * in the capacity of its (otherwise empty) expression pool, so binding row
 * after row allocates nothing once the first row has sized the arrays. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "common.h"

static void eval_all(const qtr_circuit *c, const double *values, double *v)
{
    for (size_t i = 0; i < c->nexpr; i++) {
        const qtr_expr_node *n = &c->expr[i];
        double a, b;
        switch (n->op) {
        case QTR_EX_NUM: v[i] = n->u.num; continue;
        case QTR_EX_PARAM: v[i] = values[n->a]; continue;
        default: break;
        }
        a = v[n->a];
        b = n->op >= QTR_EX_ADD ? v[n->u.b] : 0;
        switch (n->op) {
        case QTR_EX_NEG:  v[i] = -a; break;
        case QTR_EX_SIN:  v[i] = sin(a); break;
        case QTR_EX_COS:  v[i] = cos(a); break;
        case QTR_EX_TAN:  v[i] = tan(a); break;
        case QTR_EX_ASIN: v[i] = asin(a); break;
        case QTR_EX_ACOS: v[i] = acos(a); break;
        case QTR_EX_ATAN: v[i] = atan(a); break;
        case QTR_EX_EXP:  v[i] = exp(a); break;
        case QTR_EX_LN:   v[i] = log(a); break;
        case QTR_EX_SQRT: v[i] = sqrt(a); break;
        case QTR_EX_ADD:  v[i] = a + b; break;
        case QTR_EX_SUB:  v[i] = a - b; break;
        case QTR_EX_MUL:  v[i] = a * b; break;
        case QTR_EX_DIV:  v[i] = a / b; break;
        default:          v[i] = NAN; break;
        }
    }
}

static void free_names(qtr_alloc *a, qtr_reg *r, size_t n)
{
    for (size_t i = 0; i < n; i++) qtr_realloc(a, r[i].name, strlen(r[i].name) + 1, 0);
}

static int same_regs(const qtr_reg *a, size_t na, const qtr_reg *b, size_t nb)
{
    if (na != nb) return 0;
    for (size_t i = 0; i < na; i++)
        if (a[i].size != b[i].size || a[i].first != b[i].first || strcmp(a[i].name, b[i].name))
            return 0;
    return 1;
}

/* Give @p d the registers, bit counts and name of @p c (unchanged when they
 * already match, the usual case when binding row after row). */
static qtr_status copy_shape(qtr_circuit *d, const qtr_circuit *c, qtr_ctx *ctx)
{
    qtr_status st = QTR_OK;
    if (!same_regs(d->qregs, d->nqregs, c->qregs, c->nqregs) ||
        !same_regs(d->cregs, d->ncregs, c->cregs, c->ncregs)) {
        free_names(&d->alloc, d->qregs, d->nqregs);
        free_names(&d->alloc, d->cregs, d->ncregs);
        d->nqregs = d->ncregs = 0;
        d->nqubits = d->nclbits = 0;
        for (size_t i = 0; i < c->nqregs && !st; i++)
            st = qtr_circuit_add_qreg(d, c->qregs[i].name, c->qregs[i].size, ctx);
        for (size_t i = 0; i < c->ncregs && !st; i++)
            st = qtr_circuit_add_creg(d, c->cregs[i].name, c->cregs[i].size, ctx);
        if (st) return st;
    }
    d->nqubits = c->nqubits;
    d->nclbits = c->nclbits;
    if (!c->name != !d->name || (c->name && strcmp(c->name, d->name))) {
        if (d->name) qtr_realloc(&d->alloc, d->name, strlen(d->name) + 1, 0);
        d->name = NULL;
        if (c->name) {
            size_t len = strlen(c->name) + 1;
            if (!(d->name = qtr_realloc(&d->alloc, NULL, 0, len)))
                return qtr_fail(ctx, QTR_ENOMEM, "circuit name");
            memcpy(d->name, c->name, len);
        }
    }
    for (size_t i = 0; i < d->npnames; i++)
        qtr_realloc(&d->alloc, d->pnames[i], strlen(d->pnames[i]) + 1, 0);
    d->npnames = 0;
    return QTR_OK;
}

/* The first live angle of @p c whose value is not finite, as a message. */
static qtr_status report_bad(const qtr_circuit *c, const qtr_circuit *d, qtr_ctx *ctx)
{
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        unsigned np = in->op == QTR_OP_NOP ? 0 : qtr_gate((qtr_op)in->op)->nparams;
        if (!np) continue;
        const double *p = qtr_inst_params(c, in), *v = qtr_inst_params(d, &d->inst[i]);
        for (unsigned k = 0; k < np; k++)
            if (!isfinite(v[k])) {
                char text[200];
                qtr_expr_print(c, p[k], text, sizeof text);
                return qtr_fail(ctx, QTR_EINVAL, "instruction %zu ('%s'): angle '%s' is %g "
                                "for these values", i, qtr_gate((qtr_op)in->op)->name, text, v[k]);
            }
    }
    return QTR_OK;
}

static qtr_status bind_into(const qtr_circuit *c, const double *values, qtr_circuit *d,
                            qtr_ctx *ctx)
{
    qtr_status st = copy_shape(d, c, ctx);
    if (st) return st;
    d->nexpr = 0;   /* before growing: its capacity becomes the node values */
    if (QTR_GROW(&d->alloc, d->inst, d->capinst, c->ninst) ||
        QTR_GROW(&d->alloc, d->params, d->capparams, c->nparams) ||
        QTR_GROW(&d->alloc, d->args, d->capargs, c->nargs) ||
        QTR_GROW(&d->alloc, d->expr, d->capexpr, c->nexpr))
        return qtr_fail(ctx, QTR_ENOMEM, "binding %zu instructions", c->ninst);
    double *val = (double *)d->expr;   /* nodes are 16 bytes: room for a value each */
    eval_all(c, values, val);

    if (c->ninst) memcpy(d->inst, c->inst, c->ninst * sizeof *c->inst);
    if (c->nargs) memcpy(d->args, c->args, c->nargs * sizeof *c->args);
    int bad = 0;
    const double *src = c->params;
    double *dst = d->params;
    for (size_t j = 0; j < c->nparams; j++) {
        double x = src[j];
        if (qtr_angle_is_sym(x)) {
            x = val[qtr_angle_node(x)];
            bad |= !isfinite(x);
        }
        dst[j] = x;
    }
    d->ninst = c->ninst;
    d->nparams = c->nparams;
    d->nargs = c->nargs;
    double ph = c->global_phase + qtr_expr_eval(c, c->sym_phase, values);
    if (!isfinite(ph)) {
        char text[200];
        qtr_expr_print(c, c->sym_phase, text, sizeof text);
        return qtr_fail(ctx, QTR_EINVAL, "global phase '%s' is %g for these values", text, ph);
    }
    d->global_phase = remainder(ph, 2 * QTR_PI);
    d->sym_phase = 0;
    /* a non-finite value in a dead pool entry is harmless; in a live one not */
    return bad ? report_bad(c, d, ctx) : QTR_OK;
}

qtr_status qtr_circuit_bind(const qtr_circuit *c, const double *values, size_t nvalues,
                            qtr_circuit **out, qtr_ctx *ctx)
{
    if (!c || !out || (nvalues && !values))
        return qtr_fail(ctx, QTR_EINVAL, "bind: NULL argument");
    if (nvalues != c->npnames)
        return qtr_fail(ctx, QTR_EINVAL, "bind: %zu values for %zu parameters", nvalues,
                        c->npnames);
    for (size_t k = 0; k < nvalues; k++)
        if (!isfinite(values[k]))
            return qtr_fail(ctx, QTR_EINVAL, "bind: value %g for parameter '%s'", values[k],
                            c->pnames[k]);
    int fresh = *out == NULL;
    if (fresh && !(*out = qtr_circuit_new(0))) return qtr_fail(ctx, QTR_ENOMEM, "bound circuit");
    qtr_status st = bind_into(c, values, *out, ctx);
    if (st && fresh) {
        qtr_circuit_free(*out);
        *out = NULL;
    } else if (st) {
        qtr_circuit_clear_ops(*out);
    }
    return st;
}

/* ---- values as text ------------------------------------------------------ */

static qtr_status parse_item(const qtr_circuit *c, qtr_circuit *scratch, const char *s, size_t n,
                             double *values, uint8_t *given, qtr_ctx *ctx)
{
    const char *eq = memchr(s, '=', n);
    size_t a = 0, b;
    while (a < n && (s[a] == ' ' || s[a] == '\t')) a++;
    if (!eq) return qtr_fail(ctx, QTR_EPARSE, "'%.*s': expected NAME=VALUE", (int)n, s);
    b = (size_t)(eq - s);
    while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t')) b--;
    long k = qtr_circuit_param_find(c, s + a, b - a);
    if (k < 0) {
        if (!c->npnames)
            return qtr_fail(ctx, QTR_EPARSE, "'%.*s': the circuit has no parameters",
                            (int)(b - a), s + a);
        return qtr_fail(ctx, QTR_EPARSE, "'%.*s' is not a parameter of the circuit (it has "
                        "%zu, the first '%s')", (int)(b - a), s + a, c->npnames, c->pnames[0]);
    }
    if (given[k]) return qtr_fail(ctx, QTR_EPARSE, "parameter '%s' given twice", c->pnames[k]);
    const char *v = eq + 1;
    size_t vn = n - (size_t)(v - s);
    double x;
    qtr_status st = qtr_expr_parse(scratch, v, vn, &x, ctx);
    if (st == QTR_EPARSE) {
        char why[sizeof ctx->msg];
        snprintf(why, sizeof why, "%s", ctx->msg);
        return qtr_fail(ctx, QTR_EPARSE, "value of '%s' ('%.*s'): %s", c->pnames[k], (int)vn, v,
                        why);
    }
    if (st) return st;
    values[k] = x;
    given[k] = 1;
    return QTR_OK;
}

qtr_status qtr_values_parse(const qtr_circuit *c, const char *text, size_t len, double *values,
                            qtr_ctx *ctx)
{
    /* a circuit without parameters: the values are constant expressions */
    qtr_circuit *scratch = qtr_circuit_new(0);
    uint8_t *given = calloc(c->npnames ? c->npnames : 1, 1);
    qtr_status st = scratch && given ? QTR_OK : qtr_fail(ctx, QTR_ENOMEM, "reading values");
    size_t at = 0;
    while (!st && at < len) {
        const char *comma = memchr(text + at, ',', len - at);
        size_t end = comma ? (size_t)(comma - text) : len;
        st = parse_item(c, scratch, text + at, end - at, values, given, ctx);
        at = end + 1;
    }
    for (size_t k = 0; !st && k < c->npnames; k++)
        if (!given[k]) st = qtr_fail(ctx, QTR_EPARSE, "parameter '%s' has no value", c->pnames[k]);
    free(given);
    qtr_circuit_free(scratch);
    return st;
}
