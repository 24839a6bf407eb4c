/* expr.c -- symbolic parameters and angle expressions: the circuit's
 * parameter names (kept in Qiskit's circuit.parameters order), the expression
 * pool, builders that fold constants and simplify affine sums, a parser and
 * a printer, evaluation, and the collection of unreachable nodes.
 *
 * Borrows: the circuit's allocator. Owns: c->pnames and c->expr.
 *
 * How it works: an angle that is not a number is a tagged NaN naming a node
 * of c->expr (qtr.h). Nodes are appended, never changed (except that a new
 * declaration renumbers PARAM leaves), and always refer to earlier nodes, so
 * sharing is free and depth is bounded by QTR_EXPR_MAX_DEPTH, which keeps
 * every recursion here shallow. Sums are simplified through a "linear form":
 * an expression is read as k0 + Σ k_i·atom_i, where an atom is a parameter
 * (keyed by its index, whatever leaf node holds it) or any subterm that is
 * not a sum, a negation or a product/quotient by a number (keyed by node).
 * Builders of + - neg and scaling rebuild the result from that form, so
 * rz(θ)·rz(−θ) merges to the number 0 and θ + π − π to θ. Coefficients
 * within 8·DBL_EPSILON of cancelling (relative to what was summed, Qiskit's
 * tolerance, ALGORITHMS.md §11) count as zero. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "common.h"

#define EXPR_TOL (8 * DBL_EPSILON)

/* ======================================================================
 * Parameter names
 * ====================================================================== */

/* "base[123]" -> base length and index; otherwise base = whole name. */
static int split_vector(const char *s, size_t *base_len, uint64_t *index)
{
    size_t n = strlen(s);
    if (n < 4 || s[n - 1] != ']') return 0;
    size_t i = n - 1;
    while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9') i--;
    if (i == n - 1 || i < 2 || s[i - 1] != '[' || n - 1 - i > 18) return 0;
    uint64_t v = 0;
    for (size_t k = i; k < n - 1; k++) v = v * 10 + (uint64_t)(s[k] - '0');
    *base_len = i - 1;
    *index = v;
    return 1;
}

int qtr_param_name_cmp(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    uint64_t ia = 0, ib = 0;
    int va = split_vector(a, &la, &ia), vb = split_vector(b, &lb, &ib);
    int r = memcmp(a, b, la < lb ? la : lb);
    if (r) return r;
    if (la != lb) return la < lb ? -1 : 1;
    if (va != vb) return va - vb;               /* plain name before its elements */
    if (ia != ib) return ia < ib ? -1 : 1;
    return strcmp(a, b);                        /* "x[01]" vs "x[1]": any fixed order */
}

long qtr_circuit_param_find(const qtr_circuit *c, const char *name, size_t len)
{
    for (size_t i = 0; i < c->npnames; i++)
        if (strlen(c->pnames[i]) == len && !memcmp(c->pnames[i], name, len)) return (long)i;
    return -1;
}

/* ======================================================================
 * Nodes
 * ====================================================================== */

static qtr_status push(qtr_circuit *c, qtr_expr_node n, double *out, qtr_ctx *ctx)
{
    if (n.depth > QTR_EXPR_MAX_DEPTH)
        return qtr_fail(ctx, QTR_ELIMIT, "expression nested deeper than %u", QTR_EXPR_MAX_DEPTH);
    if (c->nexpr >= UINT32_MAX)
        return qtr_fail(ctx, QTR_ELIMIT, "more than 2^32 expression nodes");
    if (QTR_GROW(&c->alloc, c->expr, c->capexpr, c->nexpr + 1))
        return qtr_fail(ctx, QTR_ENOMEM, "expression pool");
    c->expr[c->nexpr] = n;
    *out = qtr_angle_of_node((uint32_t)c->nexpr++);
    return QTR_OK;
}

static uint16_t depth_of(const qtr_circuit *c, double x)
{
    return qtr_angle_is_sym(x) ? c->expr[qtr_angle_node(x)].depth : 0;
}

/* A node for a plain number (operands of symbolic nodes must be nodes). */
static qtr_status as_node(qtr_circuit *c, double x, uint32_t *node, qtr_ctx *ctx)
{
    if (qtr_angle_is_sym(x)) {
        *node = qtr_angle_node(x);
        return QTR_OK;
    }
    qtr_expr_node n = {QTR_EX_NUM, 0, 1, 0, {.num = x}};
    double a;
    qtr_status st = push(c, n, &a, ctx);
    if (!st) *node = qtr_angle_node(a);
    return st;
}

/* The node op(a[, b]) as it is, no simplification. */
static qtr_status raw(qtr_circuit *c, qtr_expr_op op, double a, double b, double *out, qtr_ctx *ctx)
{
    uint32_t na, nb = 0;
    qtr_status st = as_node(c, a, &na, ctx);
    if (!st && op >= QTR_EX_ADD) st = as_node(c, b, &nb, ctx);
    if (st) return st;
    uint16_t d = depth_of(c, a);
    if (op >= QTR_EX_ADD && depth_of(c, b) > d) d = depth_of(c, b);
    qtr_expr_node n = {(uint8_t)op, 0, (uint16_t)(d + 1), na, {.b = nb}};
    return push(c, n, out, ctx);
}

static double apply(qtr_expr_op op, double a, double b)
{
    switch (op) {
    case QTR_EX_NEG:  return -a;
    case QTR_EX_SIN:  return sin(a);
    case QTR_EX_COS:  return cos(a);
    case QTR_EX_TAN:  return tan(a);
    case QTR_EX_ASIN: return asin(a);
    case QTR_EX_ACOS: return acos(a);
    case QTR_EX_ATAN: return atan(a);
    case QTR_EX_EXP:  return exp(a);
    case QTR_EX_LN:   return log(a);
    case QTR_EX_SQRT: return sqrt(a);
    case QTR_EX_ADD:  return a + b;
    case QTR_EX_SUB:  return a - b;
    case QTR_EX_MUL:  return a * b;
    case QTR_EX_DIV:  return a / b;
    default:          return NAN;
    }
}

static const char *const fn_names[QTR_EX_COUNT] = {
    [QTR_EX_SIN] = "sin", [QTR_EX_COS] = "cos", [QTR_EX_TAN] = "tan",
    [QTR_EX_ASIN] = "arcsin", [QTR_EX_ACOS] = "arccos", [QTR_EX_ATAN] = "arctan",
    [QTR_EX_EXP] = "exp", [QTR_EX_LN] = "ln", [QTR_EX_SQRT] = "sqrt",
};

/* ======================================================================
 * Linear forms
 * ====================================================================== */

#define LIN_MAX 24

typedef struct {
    double   k0, m0;            /* constant, and Σ|constants| (for the tolerance) */
    unsigned n;
    int      overflow;          /* more atoms than LIN_MAX */
    uint64_t key[LIN_MAX];      /* parameter index, or 2^32 + node */
    uint32_t node[LIN_MAX];     /* a node holding the atom */
    double   k[LIN_MAX], m[LIN_MAX];
} lin_form;

static void lin_atom(lin_form *f, uint64_t key, uint32_t node, double s)
{
    for (unsigned i = 0; i < f->n; i++)
        if (f->key[i] == key) {
            f->k[i] += s;
            f->m[i] += fabs(s);
            return;
        }
    if (f->n == LIN_MAX) {
        f->overflow = 1;
        return;
    }
    f->key[f->n] = key;
    f->node[f->n] = node;
    f->k[f->n] = s;
    f->m[f->n++] = fabs(s);
}

static void lin_add(const qtr_circuit *c, lin_form *f, double x, double s)
{
    if (!qtr_angle_is_sym(x)) {
        f->k0 += s * x;
        f->m0 += fabs(s * x);
        return;
    }
    uint32_t id = qtr_angle_node(x);
    const qtr_expr_node *n = &c->expr[id];
    const qtr_expr_node *a = n->op >= QTR_EX_ADD ? &c->expr[n->a] : NULL;
    const qtr_expr_node *b = n->op >= QTR_EX_ADD ? &c->expr[n->u.b] : NULL;
    switch (n->op) {
    case QTR_EX_NUM: lin_add(c, f, n->u.num, s); return;
    case QTR_EX_PARAM: lin_atom(f, n->a, id, s); return;
    case QTR_EX_NEG: lin_add(c, f, qtr_angle_of_node(n->a), -s); return;
    case QTR_EX_ADD: case QTR_EX_SUB:
        lin_add(c, f, qtr_angle_of_node(n->a), s);
        lin_add(c, f, qtr_angle_of_node(n->u.b), n->op == QTR_EX_ADD ? s : -s);
        return;
    case QTR_EX_MUL:
        if (a->op == QTR_EX_NUM) { lin_add(c, f, qtr_angle_of_node(n->u.b), s * a->u.num); return; }
        if (b->op == QTR_EX_NUM) { lin_add(c, f, qtr_angle_of_node(n->a), s * b->u.num); return; }
        break;
    case QTR_EX_DIV:
        if (b->op == QTR_EX_NUM && b->u.num != 0) {
            lin_add(c, f, qtr_angle_of_node(n->a), s / b->u.num);
            return;
        }
        break;
    default: break;
    }
    lin_atom(f, ((uint64_t)1 << 32) + id, id, s);
}

static int key_less(const lin_form *f, unsigned i, unsigned j) { return f->key[i] < f->key[j]; }

/* Rebuild f as nodes: Σ terms in key order, then the constant. */
static qtr_status lin_build(qtr_circuit *c, lin_form *f, double *out, qtr_ctx *ctx)
{
    unsigned order[LIN_MAX], n = 0;
    for (unsigned i = 0; i < f->n; i++)
        if (fabs(f->k[i]) > EXPR_TOL * f->m[i]) {
            unsigned j = n++;
            while (j > 0 && key_less(f, i, order[j - 1])) { order[j] = order[j - 1]; j--; }
            order[j] = i;
        }
    double k0 = fabs(f->k0) > EXPR_TOL * f->m0 ? f->k0 : 0.0;
    if (n == 0) {
        *out = k0;
        return QTR_OK;
    }
    double acc = 0;
    qtr_status st = QTR_OK;
    for (unsigned t = 0; t < n && !st; t++) {
        unsigned i = order[t];
        double atom = qtr_angle_of_node(f->node[i]), k = f->k[i], term;
        int first = t == 0;
        double mag = first ? k : fabs(k);
        if (mag == 1) term = atom;
        else if (mag == -1) { st = raw(c, QTR_EX_NEG, atom, 0, &term, ctx); if (st) break; }
        else if ((st = raw(c, QTR_EX_MUL, mag, atom, &term, ctx))) break;
        if (first) acc = term;
        else st = raw(c, k < 0 ? QTR_EX_SUB : QTR_EX_ADD, acc, term, &acc, ctx);
    }
    if (!st && k0 != 0) st = raw(c, k0 < 0 ? QTR_EX_SUB : QTR_EX_ADD, acc, fabs(k0), &acc, ctx);
    if (!st) *out = acc;
    return st;
}

int qtr_expr_sum_is_zero(const qtr_circuit *c, double x, double y)
{
    lin_form f;
    memset(&f, 0, sizeof f);
    lin_add(c, &f, x, 1);
    lin_add(c, &f, y, 1);
    if (f.overflow) return 0;
    for (unsigned i = 0; i < f.n; i++)
        if (fabs(f.k[i]) > EXPR_TOL * f.m[i]) return 0;
    return fabs(f.k0) <= EXPR_TOL * f.m0;
}

/* ======================================================================
 * Builders
 * ====================================================================== */

static qtr_status number_result(double v, const char *what, double *out, qtr_ctx *ctx)
{
    if (!isfinite(v)) return qtr_fail(ctx, QTR_EINVAL, "%s of constants is not finite", what);
    *out = v;
    return QTR_OK;
}

qtr_status qtr_expr_affine(qtr_circuit *c, double k0, const double *k, const double *x,
                           unsigned n, double *out, qtr_ctx *ctx)
{
    lin_form f;
    memset(&f, 0, sizeof f);
    f.k0 = k0;
    f.m0 = fabs(k0);
    for (unsigned i = 0; i < n; i++)
        if (k[i] != 0) lin_add(c, &f, x[i], k[i]);
    if (!f.overflow) {
        if (!f.n) return number_result(f.k0, "a sum", out, ctx);
        return lin_build(c, &f, out, ctx);
    }
    /* too many distinct atoms to simplify: the sum as written */
    double acc = k0;
    int have = k0 != 0;
    qtr_status st = QTR_OK;
    for (unsigned i = 0; i < n && !st; i++) {
        if (k[i] == 0) continue;
        double term = x[i];
        if (k[i] != 1) st = raw(c, QTR_EX_MUL, k[i], x[i], &term, ctx);
        if (st) break;
        if (have) st = raw(c, QTR_EX_ADD, acc, term, &acc, ctx);
        else acc = term;
        have = 1;
    }
    if (!st) *out = acc;
    return st;
}

qtr_status qtr_expr_unary(qtr_circuit *c, qtr_expr_op op, double a, double *out, qtr_ctx *ctx)
{
    if (op < QTR_EX_NEG || op > QTR_EX_SQRT)
        return qtr_fail(ctx, QTR_EINVAL, "expression operation %d is not unary", (int)op);
    if (!qtr_angle_is_sym(a)) return number_result(apply(op, a, 0), "a function", out, ctx);
    if (op == QTR_EX_NEG) {
        double m1 = -1;
        return qtr_expr_affine(c, 0, &m1, &a, 1, out, ctx);
    }
    return raw(c, op, a, 0, out, ctx);
}

qtr_status qtr_expr_binary(qtr_circuit *c, qtr_expr_op op, double a, double b, double *out,
                           qtr_ctx *ctx)
{
    if (op < QTR_EX_ADD || op >= QTR_EX_COUNT)
        return qtr_fail(ctx, QTR_EINVAL, "expression operation %d is not binary", (int)op);
    int sa = qtr_angle_is_sym(a), sb = qtr_angle_is_sym(b);
    if (!sa && !sb) return number_result(apply(op, a, b), "an operation", out, ctx);
    double x[2] = {a, b}, k[2] = {1, op == QTR_EX_SUB ? -1 : 1};
    switch (op) {
    case QTR_EX_ADD: case QTR_EX_SUB: return qtr_expr_affine(c, 0, k, x, 2, out, ctx);
    case QTR_EX_MUL:
        if (!sa) return a == 0 ? (*out = 0, QTR_OK) : qtr_expr_affine(c, 0, &a, &b, 1, out, ctx);
        if (!sb) return b == 0 ? (*out = 0, QTR_OK) : qtr_expr_affine(c, 0, &b, &a, 1, out, ctx);
        break;
    case QTR_EX_DIV:
        if (!sb) {
            if (b == 0) return qtr_fail(ctx, QTR_EINVAL, "division by zero");
            double r = 1 / b;
            return qtr_expr_affine(c, 0, &r, &a, 1, out, ctx);
        }
        break;
    default: break;
    }
    return raw(c, op, a, b, out, ctx);
}

/* ======================================================================
 * Declaring parameters
 * ====================================================================== */

qtr_status qtr_circuit_param(qtr_circuit *c, const char *name, double *angle, qtr_ctx *ctx)
{
    if (!name || !*name) return qtr_fail(ctx, QTR_EINVAL, "empty parameter name");
    size_t lo = 0, hi = c->npnames;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (qtr_param_name_cmp(c->pnames[mid], name) < 0) lo = mid + 1;
        else hi = mid;
    }
    int found = lo < c->npnames && !strcmp(c->pnames[lo], name);
    if (!found) {
        if (c->npnames >= UINT32_MAX / 2)
            return qtr_fail(ctx, QTR_ELIMIT, "more than 2^31 parameters");
        size_t len = strlen(name) + 1;
        if (QTR_GROW(&c->alloc, c->pnames, c->cappnames, c->npnames + 1) ||
            QTR_GROW(&c->alloc, c->expr, c->capexpr, c->nexpr + 1))
            return qtr_fail(ctx, QTR_ENOMEM, "parameter '%s'", name);
        char *copy = qtr_realloc(&c->alloc, NULL, 0, len);
        if (!copy) return qtr_fail(ctx, QTR_ENOMEM, "parameter '%s'", name);
        memcpy(copy, name, len);
        memmove(c->pnames + lo + 1, c->pnames + lo, (c->npnames - lo) * sizeof *c->pnames);
        c->pnames[lo] = copy;
        c->npnames++;
        for (size_t i = 0; i < c->nexpr; i++)   /* later names move up by one */
            if (c->expr[i].op == QTR_EX_PARAM && c->expr[i].a >= lo) c->expr[i].a++;
    }
    qtr_expr_node n = {QTR_EX_PARAM, 0, 1, (uint32_t)lo, {.b = 0}};
    return push(c, n, angle, ctx);
}

/* ======================================================================
 * Evaluation
 * ====================================================================== */

static double eval_node(const qtr_circuit *c, uint32_t id, const double *values)
{
    const qtr_expr_node *n = &c->expr[id];
    switch (n->op) {
    case QTR_EX_NUM: return n->u.num;
    case QTR_EX_PARAM: return values[n->a];
    default: break;
    }
    double a = eval_node(c, n->a, values);
    double b = n->op >= QTR_EX_ADD ? eval_node(c, n->u.b, values) : 0;
    return apply((qtr_expr_op)n->op, a, b);
}

double qtr_expr_eval(const qtr_circuit *c, double angle, const double *values)
{
    return qtr_angle_is_sym(angle) ? eval_node(c, qtr_angle_node(angle), values) : angle;
}

/* ======================================================================
 * Printing
 * ====================================================================== */

typedef struct {
    char  *buf;
    size_t cap, len;
} out_text;

static void put(out_text *o, const char *s, size_t n)
{
    if (o->len < o->cap) {
        size_t room = o->cap - o->len - 1, k = n < room ? n : room;
        memcpy(o->buf + o->len, s, k);
        o->buf[o->len + k] = '\0';
    }
    o->len += n;
}

static void put_num(out_text *o, double v)
{
    char t[40];
    if (v == QTR_PI) snprintf(t, sizeof t, "pi");
    else snprintf(t, sizeof t, "%.17g", v);
    put(o, t, strlen(t));
}

/* Binding strength: 1 sums, 2 products, 3 negation, 4 atoms and calls. */
static int prec(const qtr_circuit *c, uint32_t id)
{
    const qtr_expr_node *n = &c->expr[id];
    switch (n->op) {
    case QTR_EX_ADD: case QTR_EX_SUB: return 1;
    case QTR_EX_MUL: case QTR_EX_DIV: return 2;
    case QTR_EX_NEG: return 3;
    case QTR_EX_NUM: return n->u.num < 0 || signbit(n->u.num) ? 3 : 4;
    default: return 4;
    }
}

static void print_node(const qtr_circuit *c, uint32_t id, int min_prec, out_text *o)
{
    const qtr_expr_node *n = &c->expr[id];
    int wrap = prec(c, id) < min_prec;
    if (wrap) put(o, "(", 1);
    switch (n->op) {
    case QTR_EX_NUM: put_num(o, n->u.num); break;
    case QTR_EX_PARAM: put(o, c->pnames[n->a], strlen(c->pnames[n->a])); break;
    case QTR_EX_NEG: put(o, "-", 1); print_node(c, n->a, 4, o); break;
    case QTR_EX_ADD: case QTR_EX_SUB: case QTR_EX_MUL: case QTR_EX_DIV: {
        static const char *const sym[] = {" + ", " - ", "*", "/"};
        int p = n->op <= QTR_EX_SUB ? 1 : 2;
        print_node(c, n->a, p, o);
        const char *s = sym[n->op - QTR_EX_ADD];
        put(o, s, strlen(s));
        print_node(c, n->u.b, p + 1, o);
        break;
    }
    default:
        put(o, fn_names[n->op], strlen(fn_names[n->op]));
        put(o, "(", 1);
        print_node(c, n->a, 0, o);
        put(o, ")", 1);
        break;
    }
    if (wrap) put(o, ")", 1);
}

size_t qtr_expr_print(const qtr_circuit *c, double angle, char *buf, size_t cap)
{
    out_text o = {buf, cap, 0};
    if (cap) buf[0] = '\0';
    if (qtr_angle_is_sym(angle)) print_node(c, qtr_angle_node(angle), 0, &o);
    else put_num(&o, angle);
    return o.len;
}

/* ======================================================================
 * Parsing
 * ====================================================================== */

typedef struct {
    qtr_circuit *c;
    const char  *s;
    size_t       len, pos;
    unsigned     depth;
    qtr_ctx     *ctx;
} parser;

static void skip_space(parser *p)
{
    while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
                               p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
        p->pos++;
}

static qtr_status perr(parser *p, const char *what)
{
    return qtr_fail(p->ctx, QTR_EPARSE, "column %zu: %s", p->pos + 1, what);
}

static int is_ident(unsigned char ch, int first)
{
    return ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch >= 0x80 ||
           (!first && ch >= '0' && ch <= '9');
}

static qtr_status parse_sum(parser *p, double *out);

static qtr_status parse_number(parser *p, double *out)
{
    char t[64];
    size_t n = 0;
    while (p->pos + n < p->len && n < sizeof t - 1) {
        char ch = p->s[p->pos + n];
        int exp_sign = n > 0 && (ch == '+' || ch == '-') && (t[n - 1] == 'e' || t[n - 1] == 'E');
        if (!((ch >= '0' && ch <= '9') || ch == '.' || ch == 'e' || ch == 'E' || exp_sign)) break;
        t[n++] = ch;
    }
    t[n] = '\0';
    char *end;
    double v = strtod(t, &end);
    if (end == t || (size_t)(end - t) != n || !isfinite(v)) return perr(p, "malformed number");
    p->pos += n;
    *out = v;
    return QTR_OK;
}

static qtr_status parse_name(parser *p, double *out)
{
    size_t start = p->pos;
    while (p->pos < p->len && is_ident((unsigned char)p->s[p->pos], p->pos == start)) p->pos++;
    /* a vector element: name[digits] */
    if (p->pos + 2 < p->len + 1 && p->pos < p->len && p->s[p->pos] == '[') {
        size_t q = p->pos + 1;
        while (q < p->len && p->s[q] >= '0' && p->s[q] <= '9') q++;
        if (q > p->pos + 1 && q < p->len && p->s[q] == ']') p->pos = q + 1;
    }
    const char *nm = p->s + start;
    size_t n = p->pos - start;
    skip_space(p);
    if (p->pos < p->len && p->s[p->pos] == '(') {
        for (int op = QTR_EX_SIN; op <= QTR_EX_SQRT; op++)
            if (strlen(fn_names[op]) == n && !memcmp(fn_names[op], nm, n)) {
                double a;
                p->pos++;
                qtr_status st = parse_sum(p, &a);
                if (st) return st;
                skip_space(p);
                if (p->pos >= p->len || p->s[p->pos] != ')') return perr(p, "expected ')'");
                p->pos++;
                return qtr_expr_unary(p->c, (qtr_expr_op)op, a, out, p->ctx);
            }
        p->pos = start;
        return perr(p, "unknown function");
    }
    if ((n == 2 && !memcmp(nm, "pi", 2)) || (n == 2 && !memcmp(nm, "\xcf\x80", 2))) {
        *out = QTR_PI;
        return QTR_OK;
    }
    long k = qtr_circuit_param_find(p->c, nm, n);
    if (k < 0) {
        p->pos = start;
        char why[160];
        snprintf(why, sizeof why, "unknown parameter '%.*s'", (int)(n < 100 ? n : 100), nm);
        return perr(p, why);
    }
    return qtr_circuit_param(p->c, p->c->pnames[k], out, p->ctx);
}

static qtr_status parse_unary(parser *p, double *out)
{
    skip_space(p);
    if (p->pos >= p->len) return perr(p, "expected a value");
    char ch = p->s[p->pos];
    if (++p->depth > QTR_EXPR_MAX_DEPTH / 2)
        return qtr_fail(p->ctx, QTR_ELIMIT, "column %zu: expression nested too deeply", p->pos + 1);
    qtr_status st;
    if (ch == '-' || ch == '+') {
        p->pos++;
        double a;
        st = parse_unary(p, &a);
        if (!st) st = ch == '-' ? qtr_expr_unary(p->c, QTR_EX_NEG, a, out, p->ctx) : (*out = a, QTR_OK);
    } else if (ch == '(') {
        p->pos++;
        st = parse_sum(p, out);
        skip_space(p);
        if (!st && (p->pos >= p->len || p->s[p->pos] != ')')) st = perr(p, "expected ')'");
        if (!st) p->pos++;
    } else if ((ch >= '0' && ch <= '9') || ch == '.') {
        st = parse_number(p, out);
    } else if (is_ident((unsigned char)ch, 1)) {
        st = parse_name(p, out);
    } else {
        st = perr(p, "unexpected character");
    }
    p->depth--;
    return st;
}

static qtr_status parse_product(parser *p, double *out)
{
    qtr_status st = parse_unary(p, out);
    while (!st) {
        skip_space(p);
        if (p->pos >= p->len || (p->s[p->pos] != '*' && p->s[p->pos] != '/')) break;
        qtr_expr_op op = p->s[p->pos++] == '*' ? QTR_EX_MUL : QTR_EX_DIV;
        double b;
        size_t at = p->pos;
        if ((st = parse_unary(p, &b))) break;
        if ((st = qtr_expr_binary(p->c, op, *out, b, out, p->ctx)) == QTR_EINVAL) {
            p->pos = at;
            st = perr(p, "division by zero or a non-finite constant");
        }
    }
    return st;
}

static qtr_status parse_sum(parser *p, double *out)
{
    qtr_status st = parse_product(p, out);
    while (!st) {
        skip_space(p);
        if (p->pos >= p->len || (p->s[p->pos] != '+' && p->s[p->pos] != '-')) break;
        qtr_expr_op op = p->s[p->pos++] == '+' ? QTR_EX_ADD : QTR_EX_SUB;
        double b;
        if ((st = parse_product(p, &b))) break;
        st = qtr_expr_binary(p->c, op, *out, b, out, p->ctx);
    }
    return st;
}

qtr_status qtr_expr_parse(qtr_circuit *c, const char *text, size_t len, double *out,
                          qtr_ctx *ctx)
{
    parser p = {c, text, len, 0, 0, ctx};
    size_t mark = c->nexpr;
    qtr_status st = parse_sum(&p, out);
    if (!st) {
        skip_space(&p);
        if (p.pos < p.len) st = perr(&p, "unexpected text after the expression");
    }
    if (st) c->nexpr = mark;   /* nothing refers to the nodes made meanwhile */
    return st;
}

/* ======================================================================
 * Queries and collection
 * ====================================================================== */

int qtr_inst_is_symbolic(const qtr_circuit *c, const qtr_inst *in)
{
    unsigned np = qtr_gate((qtr_op)in->op)->nparams;
    if (!np || !c->nexpr) return 0;
    const double *p = qtr_inst_params(c, in);
    for (unsigned k = 0; k < np; k++)
        if (qtr_angle_is_sym(p[k])) return 1;
    return 0;
}

int qtr_circuit_is_symbolic(const qtr_circuit *c)
{
    if (!c->nexpr) return 0;
    if (qtr_angle_is_sym(c->sym_phase)) return 1;
    for (size_t i = 0; i < c->ninst; i++)
        if (c->inst[i].op != QTR_OP_NOP && qtr_inst_is_symbolic(c, &c->inst[i])) return 1;
    return 0;
}

static void mark(uint8_t *live, double x)
{
    if (qtr_angle_is_sym(x)) live[qtr_angle_node(x)] = 1;
}

qtr_status qtr_expr_collect(qtr_circuit *c, qtr_ctx *ctx)
{
    if (!c->nexpr) return QTR_OK;
    uint32_t *map = qtr_realloc(&c->alloc, NULL, 0, c->nexpr * sizeof *map);
    uint8_t *live = qtr_realloc(&c->alloc, NULL, 0, c->nexpr);
    if (!map || !live) {
        qtr_realloc(&c->alloc, map, map ? c->nexpr * sizeof *map : 0, 0);
        return qtr_fail(ctx, QTR_ENOMEM, "collecting expressions");
    }
    memset(live, 0, c->nexpr);
    mark(live, c->sym_phase);
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        unsigned np = in->op == QTR_OP_NOP ? 0 : qtr_gate((qtr_op)in->op)->nparams;
        const double *p = np ? qtr_inst_params(c, in) : NULL;
        for (unsigned k = 0; k < np; k++) mark(live, p[k]);
    }
    for (size_t i = c->nexpr; i-- > 0;) {   /* operands precede their users */
        const qtr_expr_node *n = &c->expr[i];
        if (!live[i] || n->op <= QTR_EX_PARAM) continue;
        live[n->a] = 1;
        if (n->op >= QTR_EX_ADD) live[n->u.b] = 1;
    }
    size_t w = 0;
    for (size_t i = 0; i < c->nexpr; i++) {
        if (!live[i]) continue;
        qtr_expr_node n = c->expr[i];
        if (n.op > QTR_EX_PARAM) n.a = map[n.a];
        if (n.op >= QTR_EX_ADD) n.u.b = map[n.u.b];
        map[i] = (uint32_t)w;
        c->expr[w++] = n;
    }
    /* every pool entry: dead records' angles become 0, they are never read */
    for (size_t j = 0; j < c->nparams; j++)
        if (qtr_angle_is_sym(c->params[j])) {
            uint32_t id = qtr_angle_node(c->params[j]);
            c->params[j] = id < c->nexpr && live[id] ? qtr_angle_of_node(map[id]) : 0.0;
        }
    if (qtr_angle_is_sym(c->sym_phase)) c->sym_phase = qtr_angle_of_node(map[qtr_angle_node(c->sym_phase)]);
    qtr_realloc(&c->alloc, live, c->nexpr, 0);
    qtr_realloc(&c->alloc, map, c->nexpr * sizeof *map, 0);
    c->nexpr = w;
    return QTR_OK;
}
