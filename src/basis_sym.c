/* basis_sym.c -- basis translation of gates whose angles are expressions.
 *
 * Borrows: the translation plan (pass_basis.c) and its expansions. Writes:
 * the circuit's instruction array (one new array replaces the old), its
 * parameter and operand pools, expression pool and symbolic phase.
 *
 * How it works. Before the numeric rewrite (qtr_basis_rewrite) sees the
 * circuit, each instruction with a symbolic angle that the plan would
 * rewrite is expanded here into the plan's gates: a plan's expansion is
 * affine in the gate's angles (basis_internal.h), so each emitted angle and
 * the expansion's phase are built with qtr_expr_affine from the gate's own
 * angles -- one substitution per gate, no search (ALGORITHMS.md §11.1 item
 * 8). A step the plan synthesises from its matrix (an Euler step: a 1q gate
 * whose form depends on its angles' values) gets the generic Euler form
 * instead, written symbolically:
 *     gate = e^{iγ} U(θ, φ, λ)   (θ, φ, λ, γ affine in the gate's angles)
 *     U(θ,φ,λ) = e^{i((φ+λ)/2 + π/2)} rz(φ+π)·sx·rz(θ+π)·sx·rz(λ)    (ZSX, ZSXX)
 *              = e^{i(φ+λ)/2} rz(φ)·ry(θ)·rz(λ)                        (ZYZ)
 *              = e^{i(φ+λ)/2} rz(φ+π/2)·rx(θ)·rz(λ−π/2)               (ZXZ)
 *              = u3(θ,φ,λ) = u(θ,φ,λ)                                  (U3, U321, U)
 * and PSX as ZSX with p(a) = e^{ia/2} rz(a). So rx(θ) becomes
 * rz(π/2)·sx·rz(θ+π)·sx·rz(π/2) in ZSX. XYX has no symbolic form here.
 * The numeric gates are then left to the ordinary rewrite, which keeps the
 * emitted basis gates as they are. A failure leaves the circuit unchanged:
 * pool entries and nodes made before it are unreachable garbage. */
#include <math.h>
#include <string.h>
#include "basis_internal.h"
#include "common.h"

/* k0 + k·(p0, p1, p2): an angle affine in a gate's (up to 3) angles. */
typedef struct {
    double k0, k[3];
} aff3;

static aff3 a3(double k0, double k1, double k2, double k3) { return (aff3){k0, {k1, k2, k3}}; }

static aff3 a3_lin(double s0, aff3 x, double sx, aff3 y, double sy)
{
    aff3 r = {s0 + sx * x.k0 + sy * y.k0, {0, 0, 0}};
    for (int i = 0; i < 3; i++) r.k[i] = sx * x.k[i] + sy * y.k[i];
    return r;
}

/* gate = e^{iγ} U(θ, φ, λ) for the 1q gates with angles. */
static int u_form(qtr_op op, aff3 *th, aff3 *ph, aff3 *la, aff3 *ga)
{
    const double pi = QTR_PI;
    *ga = a3(0, 0, 0, 0);
    switch (op) {
    case QTR_OP_U: case QTR_OP_U3:
        *th = a3(0, 1, 0, 0); *ph = a3(0, 0, 1, 0); *la = a3(0, 0, 0, 1); return 1;
    case QTR_OP_U2:
        *th = a3(pi / 2, 0, 0, 0); *ph = a3(0, 1, 0, 0); *la = a3(0, 0, 1, 0); return 1;
    case QTR_OP_U1: case QTR_OP_P:
        *th = a3(0, 0, 0, 0); *ph = a3(0, 0, 0, 0); *la = a3(0, 1, 0, 0); return 1;
    case QTR_OP_RZ:
        *th = a3(0, 0, 0, 0); *ph = a3(0, 0, 0, 0); *la = a3(0, 1, 0, 0);
        *ga = a3(0, -0.5, 0, 0);
        return 1;
    case QTR_OP_RX:
        *th = a3(0, 1, 0, 0); *ph = a3(-pi / 2, 0, 0, 0); *la = a3(pi / 2, 0, 0, 0); return 1;
    case QTR_OP_RY:
        *th = a3(0, 1, 0, 0); *ph = a3(0, 0, 0, 0); *la = a3(0, 0, 0, 0); return 1;
    case QTR_OP_R:
        *th = a3(0, 1, 0, 0); *ph = a3(-pi / 2, 0, 1, 0); *la = a3(pi / 2, 0, -1, 0); return 1;
    default:
        return 0;
    }
}

/* The symbolic Euler form: n gates (op[i], affine angle ang[i] when the gate
 * has one; u/u3 take three, in ang[i..i+2]) and the phase. */
typedef struct {
    int     n;
    uint8_t op[5];
    aff3    ang[5];
    aff3    phase;
} sym_form;

static int euler_form(qtr_euler_basis b, qtr_op op, sym_form *f)
{
    const double pi = QTR_PI;
    aff3 th, ph, la, ga;
    if (!u_form(op, &th, &ph, &la, &ga)) return 0;
    memset(f, 0, sizeof *f);
    aff3 half_sum = a3_lin(0, ph, 0.5, la, 0.5);   /* (φ+λ)/2 */
    switch (b) {
    case QTR_EULER_ZSX: case QTR_EULER_ZSXX: case QTR_EULER_PSX: {
        qtr_op z = b == QTR_EULER_PSX ? QTR_OP_P : QTR_OP_RZ;
        f->n = 5;
        f->op[0] = z;  f->ang[0] = la;
        f->op[1] = QTR_OP_SX;
        f->op[2] = z;  f->ang[2] = a3_lin(pi, th, 1, th, 0);
        f->op[3] = QTR_OP_SX;
        f->op[4] = z;  f->ang[4] = a3_lin(pi, ph, 1, ph, 0);
        f->phase = a3_lin(pi / 2, half_sum, 1, ga, 1);
        if (b == QTR_EULER_PSX) {   /* rz(a) = e^{−ia/2} p(a), for each of the three */
            aff3 sum = a3_lin(0, f->ang[0], 1, f->ang[2], 1);
            sum = a3_lin(0, sum, 1, f->ang[4], 1);
            f->phase = a3_lin(0, f->phase, 1, sum, -0.5);
        }
        return 1;
    }
    case QTR_EULER_ZYZ: case QTR_EULER_ZXZ: {
        int x = b == QTR_EULER_ZXZ;
        f->n = 3;
        f->op[0] = QTR_OP_RZ; f->ang[0] = a3_lin(x ? -pi / 2 : 0, la, 1, la, 0);
        f->op[1] = x ? QTR_OP_RX : QTR_OP_RY; f->ang[1] = th;
        f->op[2] = QTR_OP_RZ; f->ang[2] = a3_lin(x ? pi / 2 : 0, ph, 1, ph, 0);
        f->phase = a3_lin(0, half_sum, 1, ga, 1);
        return 1;
    }
    case QTR_EULER_U3: case QTR_EULER_U321: case QTR_EULER_U:
        f->n = 1;
        f->op[0] = b == QTR_EULER_U ? QTR_OP_U : QTR_OP_U3;
        f->ang[0] = th;
        f->ang[1] = ph;
        f->ang[2] = la;
        f->phase = ga;
        return 1;
    default:
        return 0;
    }
}

static qtr_status build(qtr_circuit *c, aff3 a, const double *prm, unsigned np, double *out,
                        qtr_ctx *ctx)
{
    return qtr_expr_affine(c, a.k0, a.k, prm, np, out, ctx);
}

/* Add @p x (a number or an angle) to the circuit's phase. */
static qtr_status add_phase(qtr_circuit *c, double x, qtr_ctx *ctx)
{
    if (!qtr_angle_is_sym(x)) {
        c->global_phase = remainder(c->global_phase + x, 2 * QTR_PI);
        return QTR_OK;
    }
    return qtr_expr_binary(c, QTR_EX_ADD, c->sym_phase, x, &c->sym_phase, ctx);
}

qtr_status qtr_sym_phase_add(qtr_circuit *c, double x, qtr_ctx *ctx)
{
    return add_phase(c, x, ctx);
}

/* ---- the expansion pre-pass ------------------------------------------------ */

typedef struct {
    qtr_circuit *c;
    qtr_inst    *out;
    size_t       n, cap;
} emitter;

static void emit(emitter *em, qtr_op op, const uint32_t *q, const double *prm,
                 const uint32_t *condw)
{
    const qtr_gate_info *g = qtr_gate(op);
    QTR_ASSERT(em->n < em->cap);
    qtr_basis_put(em->c, em->out, &em->n, op, q, g->nqubits, prm, g->nparams, condw);
}

/* One step of an expansion whose angles are @p prm (already built). */
static qtr_status emit_euler(const qtr_basis_plan *p, emitter *em, const qtr_equiv_step *s,
                             const uint32_t *q, const double *prm, const uint32_t *cw,
                             qtr_ctx *ctx)
{
    qtr_circuit *c = em->c;
    int sym = 0;
    for (unsigned j = 0; j < s->np; j++) sym |= qtr_angle_is_sym(prm[j]);
    if (!sym) {   /* numbers after all: the plan's numeric synthesis */
        double m[8], ph = 0;
        qtr_gate1q gg[QTR_EULER_MAX_GATES];
        int n = qtr_gate_matrix((qtr_op)s->op, prm, m) == QTR_OK
                    ? qtr_euler_synth(m, (qtr_euler_basis)p->euler, gg, QTR_EULER_MAX_GATES, &ph)
                    : -1;
        if (n < 0) return qtr_fail(ctx, QTR_EINVAL, "'%s': angles that are not finite",
                                   qtr_gate((qtr_op)s->op)->name);
        for (int k = 0; k < n; k++) emit(em, (qtr_op)gg[k].op, q, gg[k].params, cw);
        return cw ? QTR_OK : add_phase(c, ph, ctx);
    }
    sym_form f;
    if (!euler_form((qtr_euler_basis)p->euler, (qtr_op)s->op, &f))
        return qtr_fail(ctx, QTR_EUNSUPPORTED, "'%s' with a symbolic angle: no symbolic form "
                        "in %s", qtr_gate((qtr_op)s->op)->name, p->what);
    qtr_status st = QTR_OK;
    for (int k = 0; k < f.n && !st; k++) {
        double a[3] = {0, 0, 0};
        unsigned na = qtr_gate((qtr_op)f.op[k])->nparams;
        for (unsigned j = 0; j < na && !st; j++) st = build(c, f.ang[k + j], prm, s->np, &a[j], ctx);
        if (!st) emit(em, (qtr_op)f.op[k], q, a, cw);
    }
    double ph = 0;
    if (!st && !cw) st = build(c, f.phase, prm, s->np, &ph, ctx);
    if (!st && !cw) st = add_phase(c, ph, ctx);
    return st;
}

static qtr_status expand(const qtr_basis_plan *p, emitter *em, const qtr_inst *in,
                         const qtr_basis_exp *e, qtr_ctx *ctx)
{
    qtr_circuit *c = em->c;
    const uint32_t *qs = qtr_inst_operands(c, in);
    unsigned np_src = qtr_gate((qtr_op)in->op)->nparams;
    double th[4];
    memcpy(th, qtr_inst_params(c, in), np_src * sizeof *th);   /* the pool may move */
    uint32_t condw[3], *cw = NULL;
    uint64_t value;
    if (qtr_inst_condition(c, in, &condw[0], &value)) {
        condw[1] = (uint32_t)value;
        condw[2] = (uint32_t)(value >> 32);
        cw = condw;
    }
    qtr_status st = QTR_OK;
    for (uint32_t k = 0; k < e->count && !st; k++) {
        const qtr_equiv_step *s = &p->steps[e->first + k];
        uint32_t q[5];
        double prm[4];
        for (unsigned j = 0; j < s->nq; j++) q[j] = qs[s->q[j]];
        for (unsigned j = 0; j < s->np && !st; j++) {
            const qtr_affine *a = &p->exprs[s->expr + j];
            st = qtr_expr_affine(c, a->c[0], a->c + 1, th, np_src, &prm[j], ctx);
        }
        if (st) break;
        if (s->euler) st = emit_euler(p, em, s, q, prm, cw, ctx);
        else emit(em, (qtr_op)s->op, q, prm, cw);
    }
    if (!st && !cw) {
        double ph;
        st = qtr_expr_affine(c, e->phase.c[0], e->phase.c + 1, th, np_src, &ph, ctx);
        if (!st) st = add_phase(c, ph, ctx);
    }
    return st;
}

qtr_status qtr_basis_expand_symbolic(const qtr_basis_plan *p, qtr_circuit *c, size_t from,
                                     const qtr_target *dir, qtr_ctx *ctx)
{
    if (!c->nexpr) return QTR_OK;
    /* sizing: only symbolic instructions the plan rewrites grow */
    size_t nout = 0, nparams = 0, nwords = 0, nsym = 0;
    for (size_t i = from; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        const qtr_basis_exp *e;
        qtr_status err = QTR_OK;
        if (in->op == QTR_OP_NOP || !qtr_inst_is_symbolic(c, in) ||
            !(e = qtr_basis_select(p, c, in, i, dir, &err, ctx))) {
            if (err) return err;
            nout++;
            continue;
        }
        nsym++;
        nout += e->max_out;
        nparams += e->max_params;
        nwords += (in->flags & QTR_IF_COND) ? e->max_words_cond : e->max_words;
    }
    if (!nsym) return QTR_OK;
    nout += from;
    if (c->nparams + nparams > UINT32_MAX || c->nargs + nwords > UINT32_MAX)
        return qtr_fail(ctx, QTR_ELIMIT, "basis translation: pools would exceed 2^32 entries");
    emitter em = {c, NULL, 0, nout};
    if ((nparams && QTR_GROW(&c->alloc, c->params, c->capparams, c->nparams + nparams)) ||
        (nwords && QTR_GROW(&c->alloc, c->args, c->capargs, c->nargs + nwords)) ||
        !(em.out = qtr_realloc(&c->alloc, NULL, 0, nout * sizeof *em.out)))
        return qtr_fail(ctx, QTR_ENOMEM, "basis translation of symbolic gates");
    size_t np0 = c->nparams, na0 = c->nargs, ne0 = c->nexpr;
    double ph0 = c->global_phase, sp0 = c->sym_phase;
    if (from) memcpy(em.out, c->inst, from * sizeof *em.out);
    em.n = from;
    qtr_status st = QTR_OK;
    for (size_t i = from; i < c->ninst && !st; i++) {
        const qtr_inst *in = &c->inst[i];
        const qtr_basis_exp *e = NULL;
        qtr_status err = QTR_OK;
        if (in->op != QTR_OP_NOP && qtr_inst_is_symbolic(c, in))
            e = qtr_basis_select(p, c, in, i, dir, &err, ctx);
        if (!e) {
            em.out[em.n++] = *in;
            continue;
        }
        st = expand(p, &em, in, e, ctx);
    }
    if (st) {   /* unchanged: what was appended is unreachable */
        qtr_realloc(&c->alloc, em.out, nout * sizeof *em.out, 0);
        c->nparams = np0;
        c->nargs = na0;
        c->nexpr = ne0;
        c->global_phase = ph0;
        c->sym_phase = sp0;
        return st;
    }
    qtr_realloc(&c->alloc, c->inst, c->capinst * sizeof *c->inst, 0);
    c->inst = em.out;
    c->capinst = nout;
    c->ninst = em.n;
    return QTR_OK;
}
