/* equiv_rules.c -- the equivalence library: one table of rules, each rewriting
 * a table gate into a sequence of table gates with affine parameter
 * expressions and a global phase, and the parser that turns the table into
 * qtr_equiv_set arrays. Also the small table of direction flips.
 *
 * The facts (which identities hold) follow Qiskit's standard equivalence
 * library (crates/transpiler/src/standard_equivalence_library.rs, Apache-2.0)
 * and OpenQASM 2's qelib1.inc definitions; the table is written for this
 * project and every rule is checked by simulation in tests/unit/test_basis.cc
 * (phases included).
 *
 * Syntax of a rule:   head: step; step; ... | phase
 *   step    gate[(expr, ...)] q[,q...]    q = operand index of the head gate
 *   expr    affine in t0..t3 (the head's parameters) and pi: + - * / ( )
 *           with numbers; a product or quotient needs a constant side
 *   phase   optional: head = exp(i*phase) * (steps applied in order)
 * An empty body ("id:") is the empty circuit.
 *
 * Owns nothing beyond the arrays of the qtr_equiv_set it fills.
 */
#include <ctype.h>
#include <math.h>
#include <string.h>
#include "basis_internal.h"
#include "common.h"

/* ======================================================================
 * The equivalence library
 * ====================================================================== */

static const char *const equiv_rules[] = {
    /* ---- 1-qubit ---------------------------------------------------- */
    "id:",
    "x: u3(pi,0,pi) 0",
    "x: rx(pi) 0 | pi/2",
    "x: sx 0; sx 0",
    "x: h 0; s 0; s 0; h 0",
    "x: y 0; z 0 | pi/2",
    "y: u3(pi,pi/2,pi/2) 0",
    "y: ry(pi) 0 | pi/2",
    "y: z 0; x 0 | pi/2",
    "z: p(pi) 0",
    "z: rz(pi) 0 | pi/2",
    "z: s 0; s 0",
    "h: u2(0,pi) 0",
    "h: u(pi/2,0,pi) 0",
    "h: s 0; sx 0; s 0 | -pi/4",
    "h: ry(pi/2) 0; rx(pi) 0 | pi/2",
    "s: p(pi/2) 0",
    "s: rz(pi/2) 0 | pi/4",
    "s: t 0; t 0",
    "sdg: p(-pi/2) 0",
    "sdg: rz(-pi/2) 0 | -pi/4",
    "sdg: s 0; z 0",
    "t: p(pi/4) 0",
    "t: rz(pi/4) 0 | pi/8",
    "tdg: p(-pi/4) 0",
    "tdg: rz(-pi/4) 0 | -pi/8",
    "sx: rx(pi/2) 0 | pi/4",
    "sx: sdg 0; h 0; sdg 0 | pi/4",
    "sx: u2(-pi/2,pi/2) 0 | pi/4",
    "sxdg: rx(-pi/2) 0 | -pi/4",
    "sxdg: s 0; h 0; s 0 | -pi/4",
    "sxdg: u2(pi/2,-pi/2) 0 | -pi/4",
    "rx: u3(t0,-pi/2,pi/2) 0",
    "rx: r(t0,0) 0",
    "rx: h 0; rz(t0) 0; h 0",
    "rx: s 0; ry(t0) 0; sdg 0",
    "ry: u3(t0,0,0) 0",
    "ry: r(t0,pi/2) 0",
    "ry: sdg 0; rx(t0) 0; s 0",
    "ry: sx 0; rz(t0) 0; sxdg 0",
    "rz: u1(t0) 0 | -t0/2",
    "rz: p(t0) 0 | -t0/2",
    "rz: sx 0; ry(-t0) 0; sxdg 0",
    "rz: h 0; rx(t0) 0; h 0",
    "p: u1(t0) 0",
    "p: rz(t0) 0 | t0/2",
    "p: u(0,0,t0) 0",
    "u1: p(t0) 0",
    "u1: rz(t0) 0 | t0/2",
    "u1: u3(0,0,t0) 0",
    "u2: u3(pi/2,t0,t1) 0",
    "u2: u(pi/2,t0,t1) 0",
    "u2: u1(t1-pi/2) 0; sx 0; u1(t0+pi/2) 0 | -pi/4",
    "u3: u(t0,t1,t2) 0",
    "u3: rz(t2) 0; sx 0; rz(t0+pi) 0; sx 0; rz(t1+3*pi) 0 | (t1+t2)/2 - pi/2",
    "u3: p(t2) 0; sx 0; p(t0+pi) 0; sx 0; p(t1+3*pi) 0 | -t0/2 - pi/2",
    "u3: rz(t2) 0; ry(t0) 0; rz(t1) 0 | (t1+t2)/2",
    "u3: rz(t2-pi/2) 0; rx(t0) 0; rz(t1+pi/2) 0 | (t1+t2)/2",
    "u: u3(t0,t1,t2) 0",
    "r: u3(t0,t1-pi/2,pi/2-t1) 0",
    "r: u(t0,t1-pi/2,pi/2-t1) 0",

    /* ---- 2-qubit ---------------------------------------------------- */
    "cx: h 1; cz 0,1; h 1",
    "cx: sdg 0; sxdg 1; ecr 0,1; x 0 | pi/4",
    "cx: rz(-pi/2) 0; ry(pi) 0; rx(pi/2) 1; ecr 0,1 | -pi/4",
    "cx: rzx(pi/2) 0,1; sdg 0; sxdg 1 | pi/4",
    "cx: h 1; cp(pi) 0,1; h 1",
    "cx: h 1; s 0; crz(pi) 0,1; h 1",
    "cx: crx(pi) 0,1; s 0",
    "cx: s 1; cy 0,1; sdg 1",
    "cx: csx 0,1; csx 0,1",
    "cx: ry(pi/2) 0; rxx(pi/2) 0,1; rx(-pi/2) 0; rx(-pi/2) 1; ry(-pi/2) 0 | -pi/4",
    "cx: h 0; x 1; h 1; iswap 0,1; x 0; x 1; h 1; iswap 0,1; h 0; s 0; s 1; x 1; h 1 | 3*pi/4",
    "cy: sdg 1; cx 0,1; s 1",
    "cz: h 1; cx 0,1; h 1",
    "cz: cp(pi) 0,1",
    "ch: s 1; h 1; t 1; cx 0,1; tdg 1; h 1; sdg 1",
    "ch: ry(-pi/4) 1; cz 0,1; ry(pi/4) 1",
    "swap: cx 0,1; cx 1,0; cx 0,1",
    "swap: sx 0; sx 1; cz 0,1; sx 0; sx 1; cz 0,1; sx 0; sx 1; cz 0,1 | -pi/2",
    "swap: rz(-pi/2) 0; sx 1; ecr 0,1; rz(-pi/2) 1; sx 0; ecr 1,0; rz(-pi/2) 0; sx 1; ecr 0,1",
    "swap: dcx 0,1; cx 0,1",
    "iswap: s 0; s 1; h 0; cx 0,1; cx 1,0; h 1",
    "iswap: xx_plus_yy(-pi,0) 0,1",
    "ecr: rzx(pi/4) 0,1; x 0; rzx(-pi/4) 0,1",
    "ecr: s 0; sx 1; cx 0,1; x 0 | -pi/4",
    "dcx: cx 0,1; cx 1,0",
    "dcx: h 0; sdg 0; sdg 1; iswap 0,1; h 1",
    "crx: s 1; cx 0,1; ry(-t0/2) 1; cx 0,1; ry(t0/2) 1; sdg 1",
    "crx: s 1; cx 0,1; u(-t0/2,0,0) 1; cx 0,1; u(t0/2,-pi/2,0) 1",
    "crx: h 1; crz(t0) 0,1; h 1",
    "crx: h 0; rx(t0/2) 1; rxx(-t0/2) 0,1; h 0",
    "cry: ry(t0/2) 1; cx 0,1; ry(-t0/2) 1; cx 0,1",
    "cry: rx(pi/2) 1; crz(t0) 0,1; rx(-pi/2) 1",
    "cry: sdg 1; rx(t0/2) 1; h 1; rzz(-t0/2) 0,1; h 1; s 1",
    "crz: rz(t0/2) 1; cx 0,1; rz(-t0/2) 1; cx 0,1",
    "crz: rz(t0/2) 1; rzz(-t0/2) 0,1",
    "crz: h 1; crx(t0) 0,1; h 1",
    "cp: p(t0/2) 0; cx 0,1; p(-t0/2) 1; cx 0,1; p(t0/2) 1",
    "cp: cu1(t0) 0,1",
    "cp: rzz(-t0/2) 0,1; rz(t0/2) 0; rz(t0/2) 1 | t0/4",
    "cu1: cp(t0) 0,1",
    "cu1: u1(t0/2) 0; cx 0,1; u1(-t0/2) 1; cx 0,1; u1(t0/2) 1",
    "cu3: p((t2+t1)/2) 0; p((t2-t1)/2) 1; cx 0,1; u(-t0/2,0,-(t1+t2)/2) 1; cx 0,1; u(t0/2,t1,0) 1",
    "cu3: cu(t0,t1,t2,0) 0,1",
    "cu: p(t3) 0; p((t2+t1)/2) 0; p((t2-t1)/2) 1; cx 0,1; u(-t0/2,0,-(t1+t2)/2) 1; cx 0,1;"
        " u(t0/2,t1,0) 1",
    "cu: p(t3) 0; cu3(t0,t1,t2) 0,1",
    "csx: h 1; cs 0,1; h 1",
    "csx: h 1; cu1(pi/2) 0,1; h 1",
    "csx: x 0; rzx(pi/4) 0,1; tdg 0; x 0; rx(pi/4) 1 | pi/4",
    "cs: t 0; t 1; cx 0,1; tdg 1; cx 0,1",
    "cs: cp(pi/2) 0,1",
    "cs: h 1; csx 0,1; h 1",
    "csdg: cx 0,1; t 1; cx 0,1; tdg 0; tdg 1",
    "csdg: cp(-pi/2) 0,1",
    "rxx: h 0; h 1; cx 0,1; rz(t0) 1; cx 0,1; h 1; h 0",
    "rxx: h 0; rzx(t0) 0,1; h 0",
    "rxx: h 0; h 1; rzz(t0) 0,1; h 1; h 0",
    "ryy: rx(pi/2) 0; rx(pi/2) 1; cx 0,1; rz(t0) 1; cx 0,1; rx(-pi/2) 1; rx(-pi/2) 0",
    "ryy: sxdg 0; sxdg 1; cx 0,1; rz(t0) 1; cx 0,1; sx 1; sx 0",
    "ryy: rx(pi/2) 0; rx(pi/2) 1; rzz(t0) 0,1; rx(-pi/2) 1; rx(-pi/2) 0",
    "ryy: sdg 0; sdg 1; rxx(t0) 0,1; s 1; s 0",
    "rzz: cx 0,1; rz(t0) 1; cx 0,1",
    "rzz: h 0; h 1; rxx(t0) 0,1; h 0; h 1",
    "rzz: h 1; rzx(t0) 0,1; h 1",
    "rzz: cp(-2*t0) 0,1; rz(t0) 0; rz(t0) 1 | t0/2",
    "rzz: rx(-pi/2) 0; rx(-pi/2) 1; ryy(t0) 0,1; rx(pi/2) 0; rx(pi/2) 1",
    "rzx: h 1; cx 0,1; rz(t0) 1; cx 0,1; h 1",
    "rzx: h 1; rzz(t0) 0,1; h 1",
    "xx_plus_yy: rz(t1) 0; rz(-pi/2) 1; sx 1; rz(pi/2) 1; s 0; cx 1,0; ry(-t0/2) 1; ry(-t0/2) 0;"
        " cx 1,0; sdg 0; rz(-pi/2) 1; sxdg 1; rz(pi/2) 1; rz(-t1) 0",
    "xx_plus_yy: rz(t1) 0; rxx(t0/2) 0,1; ryy(t0/2) 0,1; rz(-t1) 0",
    "xx_minus_yy: rz(-t1) 1; rz(-pi/2) 0; sx 0; rz(pi/2) 0; s 1; cx 0,1; ry(t0/2) 0; ry(-t0/2) 1;"
        " cx 0,1; sdg 1; rz(-pi/2) 0; sxdg 0; rz(pi/2) 0; rz(t1) 1",
    "xx_minus_yy: rz(-t1) 0; rxx(t0/2) 0,1; ryy(-t0/2) 0,1; rz(t1) 0",

    /* ---- 3+-qubit --------------------------------------------------- */
    /* 6 CX + 7 T/Tdg + 2 H (Nielsen & Chuang, Fig. 4.9) */
    "ccx: h 2; cx 1,2; tdg 2; cx 0,2; t 2; cx 1,2; tdg 2; cx 0,2; t 1; t 2; h 2; cx 0,1; t 0;"
        " tdg 1; cx 0,1",
    /* Barenco et al. 1995: two controlled-√X, one controlled-√X†, as CSX */
    "ccx: csx 1,2; cx 0,1; z 2; sdg 1; csx 1,2; z 2; cx 0,1; csx 0,2",
    "ccz: h 2; ccx 0,1,2; h 2",
    "ccz: cx 1,2; tdg 2; cx 0,2; t 2; cx 1,2; tdg 2; cx 0,2; t 1; t 2; cx 0,1; t 0; tdg 1; cx 0,1",
    "cswap: cx 2,1; ccx 0,1,2; cx 2,1",
    "rccx: h 2; t 2; cx 1,2; tdg 2; cx 0,2; t 2; cx 1,2; tdg 2; h 2",
    "rc3x: h 3; t 3; cx 2,3; tdg 3; h 3; cx 0,3; t 3; cx 1,3; tdg 3; cx 0,3; t 3; cx 1,3; tdg 3;"
        " h 3; t 3; cx 2,3; tdg 3; h 3",
    "c3x: h 3; p(pi/8) 0; p(pi/8) 1; p(pi/8) 2; p(pi/8) 3; cx 0,1; p(-pi/8) 1; cx 0,1; cx 1,2;"
        " p(-pi/8) 2; cx 0,2; p(pi/8) 2; cx 1,2; p(-pi/8) 2; cx 0,2; cx 2,3; p(-pi/8) 3; cx 1,3;"
        " p(pi/8) 3; cx 2,3; p(-pi/8) 3; cx 0,3; p(pi/8) 3; cx 2,3; p(-pi/8) 3; cx 1,3; p(pi/8) 3;"
        " cx 2,3; p(-pi/8) 3; cx 0,3; h 3",
    "c3sqrtx: h 3; cp(pi/8) 0,3; h 3; cx 0,1; h 3; cp(-pi/8) 1,3; h 3; cx 0,1; h 3; cp(pi/8) 1,3;"
        " h 3; cx 1,2; h 3; cp(-pi/8) 2,3; h 3; cx 0,2; h 3; cp(pi/8) 2,3; h 3; cx 1,2; h 3;"
        " cp(-pi/8) 2,3; h 3; cx 0,2; h 3; cp(pi/8) 2,3; h 3",
    /* qelib1.inc: controlled-√X on e from d, RC3X, its inverse, C3√X */
    "c4x: h 4; cp(pi/2) 3,4; h 4; rc3x 0,1,2,3; h 4; cp(-pi/2) 3,4; h 4;"
        " h 3; t 3; cx 2,3; tdg 3; h 3; t 3; cx 1,3; tdg 3; cx 0,3; t 3; cx 1,3; tdg 3; cx 0,3;"
        " h 3; t 3; cx 2,3; tdg 3; h 3; c3sqrtx 0,1,2,4",
};

/* Direction flips: head(0,1) ≡ … head(1,0) …; used only for 2q gates that a
 * target offers in one direction. Symmetric gates (QTR_GP_SYMMETRIC) need no
 * rule: their operands are swapped. */
static const char *const flip_rules[] = {
    "cx: h 0; h 1; cx 1,0; h 0; h 1",
    "ecr: s 0; sx 0; sdg 0; sdg 1; sx 1; s 1; ecr 1,0; h 0; h 1 | -pi/2",
    "rzx: h 0; h 1; rzx(t0) 1,0; h 0; h 1",
    "dcx: h 0; h 1; dcx 1,0; h 0; h 1",
    "crz: crz(t0) 1,0; rz(-t0/2) 0; rz(t0/2) 1",
    "xx_plus_yy: xx_plus_yy(t0,-t1) 1,0",
    /* derived from the library: cy = sdg·cx·s, ch = ry·cz·ry, csx = h·cs·h,
     * crx/cry = conjugated crz, whose flip is crz(1,0) plus two rz */
    "cy: sdg 1; h 0; h 1; s 0; cy 1,0; sdg 0; h 0; h 1; s 1",
    "ch: ry(-pi/4) 1; ry(pi/4) 0; ch 1,0; ry(-pi/4) 0; ry(pi/4) 1",
    "csx: h 1; h 0; csx 1,0; h 0; h 1",
    "crx: h 1; h 0; crx(t0) 1,0; h 0; rz(-t0/2) 0; rz(t0/2) 1; h 1",
    "cry: rx(pi/2) 1; rx(-pi/2) 0; cry(t0) 1,0; rx(pi/2) 0; rz(-t0/2) 0; rz(t0/2) 1; rx(-pi/2) 1",
};

/* ======================================================================
 * Parser
 * ====================================================================== */

typedef struct {
    const char *s;      /* cursor */
    const char *rule;   /* whole rule text, for messages */
    qtr_ctx    *ctx;
    int         err;
} parser;

static void skip_ws(parser *p)
{
    while (*p->s == ' ' || *p->s == '\t') p->s++;
}

static int perr(parser *p, const char *what)
{
    if (!p->err)
        qtr_fail(p->ctx, QTR_EINVAL, "equivalence rule \"%s\": %s at offset %d", p->rule, what,
                 (int)(p->s - p->rule));
    p->err = 1;
    return -1;
}

static int is_const(const qtr_affine *a)
{
    return a->c[1] == 0 && a->c[2] == 0 && a->c[3] == 0 && a->c[4] == 0;
}

static void aff_scale(qtr_affine *a, double k)
{
    for (int i = 0; i < 5; i++) a->c[i] *= k;
}

static int parse_expr(parser *p, qtr_affine *out, unsigned nparams);

static int parse_primary(parser *p, qtr_affine *out, unsigned nparams)
{
    memset(out, 0, sizeof *out);
    skip_ws(p);
    const char *s = p->s;
    if (*s == '-') {
        p->s++;
        if (parse_primary(p, out, nparams)) return -1;
        aff_scale(out, -1);
        return 0;
    }
    if (*s == '(') {
        p->s++;
        if (parse_expr(p, out, nparams)) return -1;
        skip_ws(p);
        if (*p->s != ')') return perr(p, "')' expected");
        p->s++;
        return 0;
    }
    if (s[0] == 'p' && s[1] == 'i' && !isalnum((unsigned char)s[2])) {
        out->c[0] = QTR_PI;
        p->s += 2;
        return 0;
    }
    if (s[0] == 't' && s[1] >= '0' && s[1] <= '3' && !isalnum((unsigned char)s[2])) {
        unsigned k = (unsigned)(s[1] - '0');
        if (k >= nparams) return perr(p, "parameter beyond the head gate's");
        out->c[k + 1] = 1;
        p->s += 2;
        return 0;
    }
    if (isdigit((unsigned char)*s) || *s == '.') {
        double v = 0, scale = 0;
        for (; isdigit((unsigned char)*s) || *s == '.'; s++) {
            if (*s == '.') {
                if (scale) return perr(p, "malformed number");
                scale = 1;
                continue;
            }
            v = v * 10 + (*s - '0');
            if (scale) scale *= 10;
        }
        out->c[0] = scale ? v / scale : v;
        p->s = s;
        return 0;
    }
    return perr(p, "number, pi, t0..t3 or '(' expected");
}

static int parse_term(parser *p, qtr_affine *out, unsigned nparams)
{
    if (parse_primary(p, out, nparams)) return -1;
    for (;;) {
        skip_ws(p);
        char op = *p->s;
        if (op != '*' && op != '/') return 0;
        p->s++;
        qtr_affine r;
        if (parse_primary(p, &r, nparams)) return -1;
        if (op == '/') {
            if (!is_const(&r) || r.c[0] == 0) return perr(p, "division by a non-constant or zero");
            aff_scale(out, 1 / r.c[0]);
        } else if (is_const(&r)) {
            aff_scale(out, r.c[0]);
        } else if (is_const(out)) {
            double k = out->c[0];
            *out = r;
            aff_scale(out, k);
        } else {
            return perr(p, "product of two parameters is not affine");
        }
    }
}

static int parse_expr(parser *p, qtr_affine *out, unsigned nparams)
{
    if (parse_term(p, out, nparams)) return -1;
    for (;;) {
        skip_ws(p);
        char op = *p->s;
        if (op != '+' && op != '-') return 0;
        p->s++;
        qtr_affine r;
        if (parse_term(p, &r, nparams)) return -1;
        for (int i = 0; i < 5; i++) out->c[i] += op == '+' ? r.c[i] : -r.c[i];
    }
}

/* A gate name: letters, digits and '_' (the table's names). */
static int parse_gate(parser *p)
{
    skip_ws(p);
    const char *s = p->s;
    while (isalnum((unsigned char)*p->s) || *p->s == '_') p->s++;
    int op = qtr_gate_lookup(s, (size_t)(p->s - s));
    if (op < 0) return perr(p, "unknown gate");
    const qtr_gate_info *g = qtr_gate((qtr_op)op);
    if (g->props & (QTR_GP_DIRECTIVE | QTR_GP_NONUNITARY)) return perr(p, "not a unitary gate");
    return op;
}

static qtr_status grow_fail(parser *p)
{
    p->err = 1;
    return qtr_fail(p->ctx, QTR_ENOMEM, "equivalence rule table");
}

qtr_status qtr_equiv_parse_rule(qtr_equiv_set *set, const char *text, qtr_ctx *ctx)
{
    parser p = {text, text, ctx, 0};
    int head = parse_gate(&p);
    if (head < 0) return QTR_EINVAL;
    const qtr_gate_info *hg = qtr_gate((qtr_op)head);
    skip_ws(&p);
    if (*p.s != ':') {
        perr(&p, "':' expected after the head gate");
        return QTR_EINVAL;
    }
    p.s++;
    if (QTR_GROW(set->alloc, set->rules, set->caprules, set->nrules + 1)) return grow_fail(&p);
    size_t nsteps0 = set->nsteps, nexprs0 = set->nexprs;
    qtr_equiv_rule r = {(uint8_t)head, (uint32_t)set->nsteps, 0, {{0}}, text};

    skip_ws(&p);
    while (*p.s && *p.s != '|') {
        int op = parse_gate(&p);
        if (op < 0) goto bad;
        const qtr_gate_info *g = qtr_gate((qtr_op)op);
        if (QTR_GROW(set->alloc, set->steps, set->capsteps, set->nsteps + 1) ||
            (g->nparams && QTR_GROW(set->alloc, set->exprs, set->capexprs, set->nexprs + g->nparams))) {
            grow_fail(&p);
            goto nomem;
        }
        qtr_equiv_step st;
        memset(&st, 0, sizeof st);
        st.op = (uint8_t)op;
        st.nq = g->nqubits;
        st.np = g->nparams;
        st.expr = (uint32_t)set->nexprs;
        skip_ws(&p);
        if (g->nparams) {
            if (*p.s != '(') {
                perr(&p, "'(' expected: the gate takes parameters");
                goto bad;
            }
            p.s++;
            for (unsigned k = 0; k < g->nparams; k++) {
                if (k) {
                    skip_ws(&p);
                    if (*p.s != ',') {
                        perr(&p, "',' expected between parameters");
                        goto bad;
                    }
                    p.s++;
                }
                if (parse_expr(&p, &set->exprs[set->nexprs + k], hg->nparams)) goto bad;
            }
            skip_ws(&p);
            if (*p.s != ')') {
                perr(&p, "')' expected after the parameters");
                goto bad;
            }
            p.s++;
        }
        for (unsigned k = 0; k < g->nqubits; k++) {
            skip_ws(&p);
            if (k) {
                if (*p.s != ',') {
                    perr(&p, "',' expected between operands");
                    goto bad;
                }
                p.s++;
                skip_ws(&p);
            }
            if (!isdigit((unsigned char)*p.s) || (unsigned)(*p.s - '0') >= hg->nqubits) {
                perr(&p, "operand index of the head gate expected");
                goto bad;
            }
            st.q[k] = (uint8_t)(*p.s - '0');
            for (unsigned j = 0; j < k; j++)
                if (st.q[j] == st.q[k]) {
                    perr(&p, "operand used twice");
                    goto bad;
                }
            p.s++;
        }
        set->nexprs += g->nparams;
        set->steps[set->nsteps++] = st;
        r.count++;
        skip_ws(&p);
        if (*p.s == ';') {
            p.s++;
            skip_ws(&p);
        } else if (*p.s && *p.s != '|') {
            perr(&p, "';' or '|' expected");
            goto bad;
        }
    }
    if (*p.s == '|') {
        p.s++;
        if (parse_expr(&p, &r.phase, hg->nparams)) goto bad;
        skip_ws(&p);
        if (*p.s) {
            perr(&p, "junk after the phase");
            goto bad;
        }
    }
    set->rules[set->nrules++] = r;
    return QTR_OK;
bad:
    set->nsteps = nsteps0;
    set->nexprs = nexprs0;
    return QTR_EINVAL;
nomem:
    set->nsteps = nsteps0;
    set->nexprs = nexprs0;
    return QTR_ENOMEM;
}

qtr_status qtr_equiv_load(qtr_equiv_set *s, qtr_equiv_table which, qtr_ctx *ctx)
{
    const char *const *tab = which == QTR_EQUIV_FLIPS ? flip_rules : equiv_rules;
    size_t n = which == QTR_EQUIV_FLIPS ? sizeof flip_rules / sizeof *flip_rules
                                        : sizeof equiv_rules / sizeof *equiv_rules;
    /* reserve once: about 8 steps and 6 expressions per rule */
    if (QTR_GROW(s->alloc, s->rules, s->caprules, s->nrules + n) ||
        QTR_GROW(s->alloc, s->steps, s->capsteps, s->nsteps + 8 * n) ||
        QTR_GROW(s->alloc, s->exprs, s->capexprs, s->nexprs + 6 * n))
        return qtr_fail(ctx, QTR_ENOMEM, "equivalence rule table");
    for (size_t i = 0; i < n; i++) {
        qtr_status st = qtr_equiv_parse_rule(s, tab[i], ctx);
        if (st) return st;
    }
    return QTR_OK;
}

void qtr_equiv_free(qtr_equiv_set *s)
{
    qtr_realloc(s->alloc, s->rules, s->caprules * sizeof *s->rules, 0);
    qtr_realloc(s->alloc, s->steps, s->capsteps * sizeof *s->steps, 0);
    qtr_realloc(s->alloc, s->exprs, s->capexprs * sizeof *s->exprs, 0);
    s->rules = NULL;
    s->steps = NULL;
    s->exprs = NULL;
    s->nrules = s->caprules = s->nsteps = s->capsteps = s->nexprs = s->capexprs = 0;
}
