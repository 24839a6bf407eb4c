/* pass_basis.c -- basis translation: the cheapest-derivation search over the
 * equivalence rules, the composition of the chosen rules into one flattened
 * expansion per source gate (a qtr_basis_plan), the one rewrite loop shared
 * with the unroller and the direction pass, and qtr_pass_basis itself.
 *
 * Search (after Qiskit's BasisTranslator, ALGORITHMS.md §5.2): Dijkstra over
 * gates on the rule hypergraph. A basis gate costs 1 (1q), 10 (2q) or 100
 * (3+q); a rule becomes usable once every distinct gate in its body has a
 * final cost, and then offers its head the sum of its body's costs. Since a
 * rule's cost is at least that of each gate in it, the first time a gate is
 * taken from the queue its cost is final (Knuth 1977, "A generalization of
 * Dijkstra's algorithm"). 1q gates may also be synthesised from their matrix
 * in the basis's Euler form (qtr_euler_synth): a gate without parameters once
 * at plan time, a parametrised one per instance; that option competes in the
 * same search with its (generic) length as cost.
 *
 * Owns: the plan and everything in it (through plan->alloc). The rewrite
 * replaces the circuit's instruction array (through the circuit's allocator)
 * and appends to its parameter and operand pools.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "basis_internal.h"
#include "common.h"

static double leaf_cost(unsigned nq)
{
    return nq <= 1 ? 1.0 : nq == 2 ? 10.0 : 100.0;
}

static int is_unitary(unsigned op)
{
    return op != QTR_OP_NOP &&
           !(qtr_gate((qtr_op)op)->props & (QTR_GP_DIRECTIVE | QTR_GP_NONUNITARY));
}

static void aff_identity(qtr_affine *a, unsigned k)
{
    memset(a, 0, sizeof *a);
    a->c[k + 1] = 1;
}

static void aff_const(qtr_affine *a, double v)
{
    memset(a, 0, sizeof *a);
    a->c[0] = v;
}

static int aff_is_const(const qtr_affine *a)
{
    return a->c[1] == 0 && a->c[2] == 0 && a->c[3] == 0 && a->c[4] == 0;
}

/* f(φ) with φ_j = e[j](θ): still affine in θ. */
static qtr_affine aff_compose(const qtr_affine *f, const qtr_affine *e, unsigned nphi)
{
    qtr_affine r = {{f->c[0], 0, 0, 0, 0}};
    for (unsigned j = 0; j < nphi; j++) {
        double k = f->c[j + 1];
        if (k == 0) continue;
        for (int i = 0; i < 5; i++) r.c[i] += k * e[j].c[i];
    }
    return r;
}

/* ---- plan allocation ------------------------------------------------------ */

static qtr_status plan_alloc(qtr_basis_plan **out, qtr_ctx *ctx)
{
    qtr_alloc a = {0};
    qtr_basis_plan *p = qtr_realloc(&a, NULL, 0, sizeof *p);
    if (!p) return qtr_fail(ctx, QTR_ENOMEM, "translation plan");
    memset(p, 0, sizeof *p);
    p->alloc = a;
    p->euler = -1;
    *out = p;
    return QTR_OK;
}

void qtr_basis_plan_free(qtr_basis_plan *p)
{
    if (!p) return;
    qtr_realloc(&p->alloc, p->steps, p->capsteps * sizeof *p->steps, 0);
    qtr_realloc(&p->alloc, p->exprs, p->capexprs * sizeof *p->exprs, 0);
    free(p); /* the plan block itself came from qtr_realloc, i.e. malloc */
}

/* Append @p n steps and @p ne expressions; returns indices through pointers. */
static int plan_reserve(qtr_basis_plan *p, size_t n, size_t ne)
{
    return QTR_GROW(&p->alloc, p->steps, p->capsteps, p->nsteps + n) ||
           QTR_GROW(&p->alloc, p->exprs, p->capexprs, p->nexprs + ne);
}

/* ---- Euler synthesis helpers ---------------------------------------------- */

/* Synthesise 1q gate @p op with parameters @p prm in the plan's Euler basis. */
static int euler_synth(int basis, unsigned op, const double *prm, qtr_gate1q *out, double *phase)
{
    double m[8];
    if (qtr_gate_matrix((qtr_op)op, prm, m) != QTR_OK) return -1;
    *phase = 0;
    return qtr_euler_synth(m, (qtr_euler_basis)basis, out, QTR_EULER_MAX_GATES, phase);
}

/* Append constant steps for synthesised gates on operand @p q. */
static int append_const_gates(qtr_basis_plan *p, const qtr_gate1q *g, int n, uint8_t q)
{
    size_t ne = 0;
    for (int i = 0; i < n; i++) ne += qtr_gate((qtr_op)g[i].op)->nparams;
    if (plan_reserve(p, (size_t)n, ne)) return -1;
    for (int i = 0; i < n; i++) {
        qtr_equiv_step s;
        memset(&s, 0, sizeof s);
        s.op = g[i].op;
        s.nq = 1;
        s.np = (uint8_t)qtr_gate((qtr_op)g[i].op)->nparams;
        s.q[0] = q;
        s.expr = (uint32_t)p->nexprs;
        unsigned np = qtr_gate((qtr_op)g[i].op)->nparams;
        for (unsigned j = 0; j < np; j++) aff_const(&p->exprs[p->nexprs++], g[i].params[j]);
        p->steps[p->nsteps++] = s;
    }
    return 0;
}

/* ---- the search ------------------------------------------------------------ */

static void search(qtr_basis_plan *p, const qtr_equiv_set *rs, uint32_t *order, uint32_t *norder)
{
    uint8_t done[QTR_OP_COUNT] = {0};  /* cost final */
    for (unsigned op = 0; op < QTR_OP_COUNT; op++) {
        p->cost[op] = INFINITY;
        p->choice[op] = QTR_CHOICE_NONE;
        if (!is_unitary(op)) continue;
        if (p->leaves[op]) {
            p->cost[op] = leaf_cost(qtr_gate((qtr_op)op)->nqubits);
            p->choice[op] = QTR_CHOICE_LEAF;
        } else if (p->euler >= 0 && qtr_gate((qtr_op)op)->nqubits == 1) {
            /* generic length: the longest over a few parameter samples;
             * +0.001 so that an equally long rule wins (exact, no per-use
             * synthesis) */
            static const double samples[3][4] = {
                {0.3, 1.1, -0.7, 2.3}, {1.7, -2.1, 0.4, 0.9}, {-1.3, 0.6, 2.8, -0.2}};
            qtr_gate1q g[QTR_EULER_MAX_GATES];
            double ph;
            int n = 0;
            unsigned ns = qtr_gate((qtr_op)op)->nparams ? 3 : 1;
            for (unsigned k = 0; k < ns; k++) {
                int m = euler_synth(p->euler, op, samples[k], g, &ph);
                if (m < 0) {
                    n = -1;
                    break;
                }
                if (m > n) n = m;
            }
            if (n >= 0) {
                p->cost[op] = n + 0.001;
                p->choice[op] = qtr_gate((qtr_op)op)->nparams ? QTR_CHOICE_EULER
                                                              : QTR_CHOICE_EULER_CONST;
            }
        }
    }

    /* an empty rule (id) needs no gate: it applies at once */
    size_t nr = rs->nrules;
    for (size_t r = 0; r < nr; r++) {
        const qtr_equiv_rule *ru = &rs->rules[r];
        if (ru->count == 0 && !p->leaves[ru->head] && 0 < p->cost[ru->head]) {
            p->cost[ru->head] = 0;
            p->choice[ru->head] = (int)r;
        }
    }

    *norder = 0;
    for (;;) {
        int best = -1;
        for (unsigned op = 0; op < QTR_OP_COUNT; op++)
            if (!done[op] && p->cost[op] < INFINITY && (best < 0 || p->cost[op] < p->cost[best]))
                best = (int)op;
        if (best < 0) break;
        done[best] = 1;
        order[(*norder)++] = (uint32_t)best;
        /* relax every rule that mentions @best and whose gates are now all
         * final: it offers its head the sum of their costs */
        for (size_t r = 0; r < nr; r++) {
            const qtr_equiv_rule *ru = &rs->rules[r];
            if (done[ru->head] || p->leaves[ru->head]) continue;
            int mentions = 0, complete = 1;
            double cost = 0;
            for (uint32_t k = 0; k < ru->count; k++) {
                unsigned op = rs->steps[ru->first + k].op;
                if (op == (unsigned)best) mentions = 1;
                if (!done[op]) {
                    complete = 0;
                    break;
                }
                cost += p->cost[op];
            }
            if (mentions && complete && cost < p->cost[ru->head]) {
                p->cost[ru->head] = cost;
                p->choice[ru->head] = (int)r;
            }
        }
    }
    for (unsigned op = 0; op < QTR_OP_COUNT; op++)
        if (!done[op]) {
            p->cost[op] = INFINITY;
            p->choice[op] = QTR_CHOICE_NONE;
        }
}

/* ---- composition ------------------------------------------------------------ */

static void exp_bounds(qtr_basis_plan *p, qtr_basis_exp *e)
{
    e->max_out = e->max_params = e->max_words = e->max_words_cond = 0;
    e->simple = 1;
    for (uint32_t i = 0; i < e->count; i++) {
        const qtr_equiv_step *s = &p->steps[e->first + i];
        const qtr_gate_info *g = qtr_gate((qtr_op)s->op);
        QTR_ASSERT(s->nq == g->nqubits && s->np == g->nparams);
        if (s->euler || g->nparams || g->nqubits > 2) e->simple = 0;
        if (s->euler) {
            e->max_out += QTR_EULER_MAX_GATES;
            e->max_params += 3 * QTR_EULER_MAX_GATES;
            e->max_words_cond += 2 * QTR_EULER_MAX_GATES;
        } else {
            unsigned w = g->nqubits + (g->nparams ? 1u : 0u);
            e->max_out += 1;
            e->max_params += g->nparams;
            e->max_words_cond += w;
            if (g->nqubits > 2) e->max_words += w;
        }
    }
}

/* Emit into the plan the expansion of step @p s (of a rule or flip) whose
 * parameters are @p sx (affine in the head's parameters), with its operands
 * mapped through s->q. Adds the sub-expansion's phase to *phase. */
static int compose_step(qtr_basis_plan *p, const qtr_equiv_step *s, const qtr_affine *sx,
                        qtr_affine *phase, int in_place_leaf)
{
    const qtr_gate_info *g = qtr_gate((qtr_op)s->op);
    unsigned np = g->nparams;

    /* A 1q gate with constant parameters that is not a leaf: its matrix is
     * known now, so Euler synthesis gives the shortest form when the basis
     * has one (the rule path may be longer, e.g. rx(pi/2) -> u3 -> 5 gates). */
    if (p->euler >= 0 && g->nqubits == 1 && !p->leaves[s->op] && !in_place_leaf) {
        int all_const = 1;
        double prm[4] = {0, 0, 0, 0};
        for (unsigned j = 0; j < np; j++) {
            if (!aff_is_const(&sx[j])) all_const = 0;
            prm[j] = sx[j].c[0];
        }
        const qtr_basis_exp *sub = &p->exp[s->op];
        int sub_euler = 0;
        for (uint32_t i = 0; i < sub->count; i++)
            if (p->steps[sub->first + i].euler) sub_euler = 1;
        if (all_const) {
            qtr_gate1q gg[QTR_EULER_MAX_GATES];
            double ph;
            int n = euler_synth(p->euler, s->op, prm, gg, &ph);
            if (n >= 0 && (sub_euler || !sub->ok || (uint32_t)n < sub->count)) {
                if (append_const_gates(p, gg, n, s->q[0])) return -1;
                phase->c[0] += ph;
                return 0;
            }
        }
    }

    if (in_place_leaf) {
        /* the gate itself, operands mapped, parameters as given */
        if (plan_reserve(p, 1, np)) return -1;
        qtr_equiv_step t = *s;
        t.euler = 0;
        t.expr = (uint32_t)p->nexprs;
        for (unsigned j = 0; j < np; j++) p->exprs[p->nexprs++] = sx[j];
        p->steps[p->nsteps++] = t;
        return 0;
    }

    const qtr_basis_exp *sub = &p->exp[s->op];
    if (!sub->ok) return 1;
    size_t ne = 0;
    for (uint32_t i = 0; i < sub->count; i++)
        ne += qtr_gate((qtr_op)p->steps[sub->first + i].op)->nparams;
    if (plan_reserve(p, sub->count, ne)) return -1;
    sub = &p->exp[s->op];  /* plan arrays may have moved; exp[] did not */
    for (uint32_t i = 0; i < sub->count; i++) {
        qtr_equiv_step t = p->steps[sub->first + i];
        unsigned tnp = qtr_gate((qtr_op)t.op)->nparams;
        unsigned tnq = qtr_gate((qtr_op)t.op)->nqubits;
        uint32_t src = t.expr;
        t.expr = (uint32_t)p->nexprs;
        for (unsigned k = 0; k < tnq; k++) t.q[k] = s->q[t.q[k]];
        for (unsigned j = 0; j < tnp; j++)
            p->exprs[p->nexprs++] = aff_compose(&p->exprs[src + j], sx, np);
        p->steps[p->nsteps++] = t;
    }
    qtr_affine sp = aff_compose(&sub->phase, sx, np);
    for (int i = 0; i < 5; i++) phase->c[i] += sp.c[i];
    return 0;
}

/* Build p->exp[op] from its choice; every gate its rule uses is done. */
static qtr_status flatten(qtr_basis_plan *p, const qtr_equiv_set *rs, unsigned op, qtr_ctx *ctx)
{
    const qtr_gate_info *g = qtr_gate((qtr_op)op);
    qtr_basis_exp *e = &p->exp[op];
    memset(e, 0, sizeof *e);
    e->first = (uint32_t)p->nsteps;
    int ch = p->choice[op];
    if (ch == QTR_CHOICE_LEAF || ch == QTR_CHOICE_EULER) {
        if (plan_reserve(p, 1, g->nparams)) goto nomem;
        qtr_equiv_step s;
        memset(&s, 0, sizeof s);
        s.op = (uint8_t)op;
        s.nq = g->nqubits;
        s.np = g->nparams;
        s.euler = ch == QTR_CHOICE_EULER;
        for (unsigned k = 0; k < g->nqubits; k++) s.q[k] = (uint8_t)k;
        s.expr = (uint32_t)p->nexprs;
        for (unsigned j = 0; j < g->nparams; j++) aff_identity(&p->exprs[p->nexprs++], j);
        p->steps[p->nsteps++] = s;
    } else if (ch == QTR_CHOICE_EULER_CONST) {
        qtr_gate1q gg[QTR_EULER_MAX_GATES];
        double ph;
        int n = euler_synth(p->euler, op, NULL, gg, &ph);
        if (n < 0) return qtr_fail(ctx, QTR_EINVAL, "Euler synthesis of '%s' failed", g->name);
        if (append_const_gates(p, gg, n, 0)) goto nomem;
        e->phase.c[0] = ph;
    } else if (ch >= 0) {
        const qtr_equiv_rule *r = &rs->rules[ch];
        e->phase = r->phase;
        for (uint32_t i = 0; i < r->count; i++) {
            const qtr_equiv_step *s = &rs->steps[r->first + i];
            int rc = compose_step(p, s, &rs->exprs[s->expr], &e->phase, 0);
            if (rc < 0) goto nomem;
            if (rc > 0)
                return qtr_fail(ctx, QTR_EINVAL, "internal: rule '%s' uses an unplanned gate",
                                r->text);
        }
    } else {
        return QTR_OK; /* unreachable: e->ok stays 0 */
    }
    e->count = (uint32_t)(p->nsteps - e->first);
    e->ok = 1;
    exp_bounds(p, e);
    return QTR_OK;
nomem:
    return qtr_fail(ctx, QTR_ENOMEM, "translation plan for '%s'", g->name);
}

qtr_status qtr_basis_plan_build(const uint8_t leaves[QTR_OP_COUNT], const uint8_t keep[QTR_OP_COUNT],
                                int euler, const char *what, qtr_basis_plan **out, qtr_ctx *ctx)
{
    qtr_basis_plan *p = NULL;
    qtr_status st = plan_alloc(&p, ctx);
    if (st) return st;
    for (unsigned op = 0; op < QTR_OP_COUNT; op++) {
        p->leaves[op] = leaves[op] && is_unitary(op);
        p->keep[op] = keep[op] && op != QTR_OP_NOP;
    }
    p->euler = euler;
    snprintf(p->what, sizeof p->what, "%s", what);

    qtr_equiv_set rs;
    memset(&rs, 0, sizeof rs);
    rs.alloc = &p->alloc;
    st = qtr_equiv_load(&rs, QTR_EQUIV_RULES, ctx);
    if (!st) {
        uint32_t order[QTR_OP_COUNT], norder = 0;
        search(p, &rs, order, &norder);
        /* reserve roughly what the expansions need, then flatten in the
         * order the search finalised the gates: dependencies first */
        if (plan_reserve(p, 1024, 1024)) st = qtr_fail(ctx, QTR_ENOMEM, "translation plan");
        for (uint32_t i = 0; i < norder && !st; i++) st = flatten(p, &rs, order[i], ctx);
    }
    qtr_equiv_free(&rs);
    if (st) {
        qtr_basis_plan_free(p);
        return st;
    }
    *out = p;
    return QTR_OK;
}

qtr_status qtr_basis_plan_add_flips(qtr_basis_plan *p, qtr_ctx *ctx)
{
    qtr_equiv_set fs;
    memset(&fs, 0, sizeof fs);
    fs.alloc = &p->alloc;
    qtr_status st = qtr_equiv_load(&fs, QTR_EQUIV_FLIPS, ctx);
    for (unsigned op = 0; op < QTR_OP_COUNT && !st; op++) {
        const qtr_gate_info *g = qtr_gate((qtr_op)op);
        if (!is_unitary(op) || g->nqubits != 2) continue;
        qtr_basis_exp *e = &p->flip[op];
        memset(e, 0, sizeof *e);
        size_t s0 = p->nsteps, e0 = p->nexprs;
        e->first = (uint32_t)s0;
        int ok = 0;
        if (g->props & QTR_GP_SYMMETRIC) {
            qtr_equiv_step s;
            memset(&s, 0, sizeof s);
            s.op = (uint8_t)op;
            s.nq = 2;
            s.np = g->nparams;
            s.q[0] = 1;
            s.q[1] = 0;
            qtr_affine id[4];
            for (unsigned j = 0; j < g->nparams; j++) aff_identity(&id[j], j);
            if (compose_step(p, &s, id, &e->phase, 1) < 0) goto nomem;
            ok = 1;
        } else {
            for (size_t r = 0; r < fs.nrules && !ok; r++) {
                const qtr_equiv_rule *ru = &fs.rules[r];
                if (ru->head != op) continue;
                e->phase = ru->phase;
                ok = 1;
                for (uint32_t i = 0; i < ru->count && ok; i++) {
                    const qtr_equiv_step *s = &fs.steps[ru->first + i];
                    int self = s->op == op;
                    if (!self && qtr_gate((qtr_op)s->op)->nqubits != 1) ok = 0;
                    if (!ok) break;
                    int rc = compose_step(p, s, &fs.exprs[s->expr], &e->phase,
                                          self || p->leaves[s->op]);
                    if (rc < 0) goto nomem;
                    if (rc > 0) ok = 0;  /* a 1q gate the basis cannot express */
                }
                if (!ok) {
                    p->nsteps = s0;
                    p->nexprs = e0;
                }
            }
        }
        if (ok) {
            e->count = (uint32_t)(p->nsteps - e->first);
            e->ok = 1;
            exp_bounds(p, e);
        }
    }
    qtr_equiv_free(&fs);
    return st;
nomem:
    qtr_equiv_free(&fs);
    return qtr_fail(ctx, QTR_ENOMEM, "direction flips");
}

/* ---- public plan API --------------------------------------------------------- */

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "basis {cx, rz, sx, x}": names sorted, so messages do not depend on the
 * table's order. */
static void describe_basis(const uint8_t basis[QTR_OP_COUNT], char *buf, size_t cap)
{
    const char *names[QTR_OP_COUNT];
    size_t n = 0;
    for (unsigned op = 0; op < QTR_OP_COUNT; op++)
        if (basis[op] && is_unitary(op)) names[n++] = qtr_gate((qtr_op)op)->name;
    qsort(names, n, sizeof *names, cmp_name);
    size_t len = (size_t)snprintf(buf, cap, "basis {");
    for (size_t i = 0; i < n && len < cap; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? ", " : "", names[i]);
    if (len < cap) snprintf(buf + len, cap - len, "}");
}

void qtr_basis_describe(const uint8_t basis[QTR_OP_COUNT], char *buf, size_t cap)
{
    describe_basis(basis, buf, cap);
}

static int has_unitary_basis(const qtr_target *t)
{
    for (unsigned op = 0; op < QTR_OP_COUNT; op++)
        if (t->basis[op] && is_unitary(op)) return 1;
    return 0;
}

static void keep_set(const uint8_t leaves[QTR_OP_COUNT], uint8_t keep[QTR_OP_COUNT])
{
    for (unsigned op = 0; op < QTR_OP_COUNT; op++) keep[op] = leaves[op] && is_unitary(op);
    keep[QTR_OP_MEASURE] = keep[QTR_OP_RESET] = keep[QTR_OP_BARRIER] = 1;
    /* the pipeline lets opaque gates in only when the target's basis names
     * them (qtr_target_check_opaque) */
    keep[QTR_OP_OPAQUE] = 1;
}

qtr_status qtr_basis_plan_new(const qtr_target *t, qtr_basis_plan **out, qtr_ctx *ctx)
{
    if (!t || !out) return qtr_fail(ctx, QTR_EINVAL, "qtr_basis_plan_new: NULL argument");
    if (!has_unitary_basis(t))
        return qtr_fail(ctx, QTR_EINVAL, "target '%s' has no basis gates to translate into",
                        t->name ? t->name : "");
    uint8_t keep[QTR_OP_COUNT];
    char what[200];
    keep_set(t->basis, keep);
    describe_basis(t->basis, what, sizeof what);
    return qtr_basis_plan_build(t->basis, keep, qtr_euler_basis_for(t->basis), what, out, ctx);
}

int qtr_basis_plan_counts(const qtr_basis_plan *p, qtr_op op, uint32_t *n1q, uint32_t *n2q,
                          uint32_t *nmore)
{
    *n1q = *n2q = *nmore = 0;
    if ((unsigned)op >= QTR_OP_COUNT) return 0;
    if (p->keep[op]) {
        unsigned nq = qtr_gate(op)->nqubits;
        if (is_unitary(op)) ++*(nq == 1 ? n1q : nq == 2 ? n2q : nmore);
        return 1;
    }
    const qtr_basis_exp *e = &p->exp[op];
    if (!e->ok) return 0;
    for (uint32_t i = 0; i < e->count; i++) {
        const qtr_equiv_step *s = &p->steps[e->first + i];
        unsigned nq = qtr_gate((qtr_op)s->op)->nqubits;
        if (s->euler)
            *n1q += (uint32_t)p->cost[s->op];
        else
            ++*(nq == 1 ? n1q : nq == 2 ? n2q : nmore);
    }
    return 2;
}

/* ---- the rewrite loop ------------------------------------------------------ */

/* How instruction @p in is rewritten: NULL = copied as it is. Sets *err (and
 * the message) when it cannot be. */
static const qtr_basis_exp *select_exp(const qtr_basis_plan *p, const qtr_circuit *c,
                                       const qtr_inst *in, size_t i, const qtr_target *dir,
                                       qtr_status *err, qtr_ctx *ctx)
{
    unsigned op = in->op;
    if (!dir) {
        if (p->keep[op]) return NULL;
        const qtr_basis_exp *e = &p->exp[op];
        if (!e->ok)
            *err = qtr_fail(ctx, QTR_ETARGET, "cannot express '%s' in %s (instruction %zu)",
                            qtr_gate((qtr_op)op)->name, p->what, i);
        return e;
    }
    const qtr_gate_info *g = qtr_gate((qtr_op)op);
    if (!is_unitary(op) || g->nqubits < 2) return NULL;
    const uint32_t *q = qtr_inst_operands(c, in);
    const char *tn = dir->name ? dir->name : "";
    if (g->nqubits > 2) {
        *err = qtr_fail(ctx, QTR_ETARGET,
                        "'%s' acts on %u qubits (instruction %zu): target '%s' runs only "
                        "1q and 2q gates; unroll it first",
                        g->name, g->nqubits, i, tn);
        return NULL;
    }
    if (qtr_target_has_edge(dir, q[0], q[1])) return NULL;
    if (!qtr_target_has_edge(dir, q[1], q[0])) {
        *err = qtr_fail(ctx, QTR_ETARGET,
                        "'%s' on qubits (%u, %u) (instruction %zu): not a coupling edge of "
                        "target '%s'; route the circuit first",
                        g->name, q[0], q[1], i, tn);
        return NULL;
    }
    const qtr_basis_exp *e = &p->flip[op];
    if (!e->ok)
        *err = qtr_fail(ctx, QTR_ETARGET,
                        "'%s' on qubits (%u, %u) (instruction %zu): target '%s' has only the "
                        "edge (%u, %u) and the gate cannot be flipped in %s",
                        g->name, q[0], q[1], i, tn, q[1], q[0], p->what);
    return e;
}

/* Append one record; pools were grown beforehand. */
static inline void put(qtr_circuit *c, qtr_inst *out, size_t *w, unsigned op, const uint32_t *q,
                       unsigned nq, const double *prm, unsigned np, const uint32_t *condw,
                       uint32_t ncondw)
{
    qtr_inst r;
    r.op = (uint8_t)op;
    r.flags = 0;
    r.nargs = (uint16_t)nq;
    r.q[0] = q[0];
    r.q[1] = nq > 1 ? q[1] : 0;
    r.p = 0;
    uint32_t pidx = (uint32_t)c->nparams;
    if (np) {
        memcpy(c->params + c->nparams, prm, np * sizeof *prm);
        c->nparams += np;
    }
    if (!condw && nq <= 2) {
        r.p = np ? pidx : 0;
    } else {
        uint32_t *wd = c->args + c->nargs;
        r.flags = QTR_IF_EXT | (condw ? QTR_IF_COND : 0);
        r.p = (uint32_t)c->nargs;
        for (unsigned k = 0; k < nq; k++) *wd++ = q[k];
        if (np) *wd++ = pidx;
        if (condw) {
            memcpy(wd, condw, ncondw * sizeof *wd);
            wd += ncondw;
        }
        c->nargs = (size_t)(wd - c->args);
    }
    out[(*w)++] = r;
}

/* Emit the expansion @p e of instruction @p in: the general path (parameters,
 * conditions, Euler steps, operands in the pool). Returns the phase to add. */
static double emit_general(const qtr_basis_plan *p, qtr_circuit *c, const qtr_inst *in,
                           const qtr_basis_exp *e, qtr_inst *out, size_t *w)
{
    const uint32_t *qs = qtr_inst_operands(c, in);
    const double *th = qtr_inst_params(c, in);
    unsigned np_src = qtr_gate((qtr_op)in->op)->nparams;
    /* the condition's words are copied onto every emitted gate; the pool
     * was grown beforehand, so cw stays valid while it is appended to */
    const uint32_t *cw = (in->flags & QTR_IF_COND) ? qtr_inst_cond_raw(c, in) : NULL;
    uint32_t ncw = cw ? qtr_cond_words(cw) : 0;
    double ph = 0;
    const qtr_equiv_step *s = p->steps + e->first, *end = s + e->count;
    for (; s < end; s++) {
        unsigned np = s->np;
        uint32_t q[5];
        double prm[4];
        for (unsigned k = 0; k < s->nq; k++) q[k] = qs[s->q[k]];
        for (unsigned j = 0; j < np; j++) prm[j] = qtr_affine_eval(&p->exprs[s->expr + j], th, np_src);
        if (!s->euler) {
            put(c, out, w, s->op, q, s->nq, prm, np, cw, ncw);
            continue;
        }
        qtr_gate1q gg[QTR_EULER_MAX_GATES];
        double eph = 0;
        int n = euler_synth(p->euler, s->op, prm, gg, &eph);
        QTR_ASSERT(n >= 0 && n <= QTR_EULER_MAX_GATES);
        for (int k = 0; k < n; k++)
            put(c, out, w, gg[k].op, q, 1, gg[k].params, qtr_gate((qtr_op)gg[k].op)->nparams, cw,
                ncw);
        ph += eph;
    }
    /* a classically conditioned gate's phase is not observable (the branches
     * are a mixture, not a superposition): only unconditioned ones count */
    if (cw) return 0;
    return ph + qtr_affine_eval(&e->phase, th, np_src);
}

/* Emit the expansion @p e of @p in at out[*w...]; returns its phase. */
static double emit_one(const qtr_basis_plan *p, qtr_circuit *c, const qtr_inst *in,
                       const qtr_basis_exp *e, qtr_inst *out, size_t *w)
{
    if (!(e->simple && !(in->flags & QTR_IF_EXT))) return emit_general(p, c, in, e, out, w);
    /* the common case (swap -> 3 cx): copy the operand pattern */
    const qtr_equiv_step *s = p->steps + e->first, *end = s + e->count;
    qtr_inst *o = out + *w;
    for (; s < end; s++, o++) {
        o->op = s->op;
        o->flags = 0;
        o->nargs = s->nq;
        o->q[0] = in->q[s->q[0]];
        o->q[1] = s->nq > 1 ? in->q[s->q[1]] : 0;
        o->p = 0;
    }
    *w += e->count;
    unsigned np_src = qtr_gate((qtr_op)in->op)->nparams;
    return np_src ? qtr_affine_eval(&e->phase, qtr_inst_params(c, in), np_src) : e->phase.c[0];
}

/* In-place form of pass 2 for plain translation (no direction target): the
 * instruction array is grown to the output bound and filled from its end
 * backwards, so input and output never coexist in two arrays -- the seed
 * circuit's peak drops from 16 + 48 MB to 48 MB. Safe because pass 1 checked
 * that the bound of every prefix [0, r) is at least r: writing the expansion
 * of instruction r never reaches an unread record. Each expansion is built in
 * @p tmp first (its length is only known once emitted), then copied into place.
 * Returns the phase; *w_out gets the number of records. Cannot fail. */
static double rewrite_backwards(const qtr_basis_plan *p, qtr_circuit *c, size_t from, size_t nout,
                                qtr_inst *tmp, size_t *w_out)
{
    qtr_inst *a = c->inst;
    size_t w = nout;
    double ph = 0;
    for (size_t r = c->ninst; r-- > from;) {
        qtr_inst in = a[r];
        unsigned op = in.op;
        if (p->keep[op]) {
            a[--w] = in;
            continue;
        }
        if (op == QTR_OP_NOP) continue;
        size_t k = 0;
        ph += emit_one(p, c, &in, &p->exp[op], tmp, &k);
        QTR_ASSERT(w - k >= r);
        w -= k;
        memcpy(a + w, tmp, k * sizeof *tmp);
        if (QTR_UNLIKELY(fabs(ph) > 1024)) ph = remainder(ph, 2 * QTR_PI);
    }
    size_t n = from + (nout - w);
    memmove(a + from, a + w, (nout - w) * sizeof *a);
    *w_out = n;
    return ph;
}

qtr_status qtr_basis_rewrite(const qtr_basis_plan *p, qtr_circuit *c, size_t from,
                             const qtr_target *dir, qtr_ctx *ctx)
{
    if (!p || !c) return qtr_fail(ctx, QTR_EINVAL, "basis translation: NULL argument");
    if (from > c->ninst)
        return qtr_fail(ctx, QTR_EINVAL, "basis translation: start %zu beyond %zu instructions",
                        from, c->ninst);
    /* gates with symbolic angles first (src/basis_sym.c); what they become is kept below */
    qtr_status sym = qtr_basis_expand_symbolic(p, c, from, dir, ctx);
    if (sym) return sym;

    /* pass 1: validate and size the output exactly (Euler steps: bound) */
    size_t nout = from, nparams = 0, nwords = 0, max_exp = 0;
    int changed = 0, backwards = !dir; /* see rewrite_backwards */
    for (size_t i = from; i < c->ninst; i++) {
        if (nout < i) backwards = 0;       /* a prefix shrinks: no room in place */
        const qtr_inst *in = &c->inst[i];
        unsigned op = in->op;
        if (op >= QTR_OP_COUNT)
            return qtr_fail(ctx, QTR_EINVAL, "instruction %zu: operation code %u out of range", i, op);
        if (!dir && p->keep[op]) {
            nout++;
            continue;
        }
        if (op == QTR_OP_NOP) {
            changed = 1;
            continue;
        }
        qtr_status err = QTR_OK;
        const qtr_basis_exp *e = select_exp(p, c, in, i, dir, &err, ctx);
        if (err) return err;
        if (!e) {
            nout++;
            continue;
        }
        changed = 1;
        nout += e->max_out;
        if (e->max_out > max_exp) max_exp = e->max_out;
        nparams += e->max_params;
        nwords += (in->flags & QTR_IF_COND)
                      ? e->max_words_cond +
                            (size_t)e->max_out * qtr_cond_words(qtr_inst_cond_raw(c, in))
                      : e->max_words;
    }
    if (!changed) return QTR_OK;
    if (c->nparams + nparams > UINT32_MAX || c->nargs + nwords > UINT32_MAX)
        return qtr_fail(ctx, QTR_ELIMIT, "basis translation: pools would exceed 2^32 entries");
    if (nout > SIZE_MAX / sizeof(qtr_inst))
        return qtr_fail(ctx, QTR_ELIMIT, "basis translation: %zu instructions", nout);
    if ((nparams && QTR_GROW(&c->alloc, c->params, c->capparams, c->nparams + nparams)) ||
        (nwords && QTR_GROW(&c->alloc, c->args, c->capargs, c->nargs + nwords)))
        return qtr_fail(ctx, QTR_ENOMEM, "basis translation: parameter/operand pools");
    if (backwards && nout >= c->ninst) {
        qtr_inst *tmp = malloc((max_exp ? max_exp : 1) * sizeof *tmp);
        qtr_inst *grown = tmp && nout > c->capinst
            ? qtr_realloc(&c->alloc, c->inst, c->capinst * sizeof *c->inst, nout * sizeof *c->inst)
            : c->inst;
        if (tmp && grown) {
            c->inst = grown;
            if (nout > c->capinst) c->capinst = nout;
            size_t w = 0;
            double ph = rewrite_backwards(p, c, from, nout, tmp, &w);
            free(tmp);
            c->ninst = w;
            if (w < c->capinst) { /* give back the unused bound */
                qtr_inst *shrunk = qtr_realloc(&c->alloc, c->inst, c->capinst * sizeof *c->inst,
                                               (w ? w : 1) * sizeof *c->inst);
                if (shrunk) {
                    c->inst = shrunk;
                    c->capinst = w ? w : 1;
                }
            }
            c->global_phase = remainder(c->global_phase + ph, 2 * QTR_PI);
            return QTR_OK;
        }
        free(tmp);
        /* no memory to grow in place: try the two-array form below */
    }
    qtr_inst *out = NULL;
    if (nout) {
        out = qtr_realloc(&c->alloc, NULL, 0, nout * sizeof *out);
        if (!out) return qtr_fail(ctx, QTR_ENOMEM, "basis translation: %zu instructions", nout);
        memcpy(out, c->inst, from * sizeof *out);
    }

    /* pass 2: emit (nothing can fail any more) */
    size_t w = from;
    double ph = 0;
    const qtr_inst *in = c->inst + from, *in_end = c->inst + c->ninst;
    for (; in < in_end; in++) {
        unsigned op = in->op;
        const qtr_basis_exp *e;
        if (!dir) {
            if (p->keep[op]) {
                out[w++] = *in;
                continue;
            }
            if (op == QTR_OP_NOP) continue;
            e = &p->exp[op];
        } else {
            if (op == QTR_OP_NOP) continue;
            qtr_status err = QTR_OK;
            e = select_exp(p, c, in, (size_t)(in - c->inst), dir, &err, ctx);
            if (!e) {
                out[w++] = *in;
                continue;
            }
        }
        ph += emit_one(p, c, in, e, out, &w);
        if (QTR_UNLIKELY(fabs(ph) > 1024)) ph = remainder(ph, 2 * QTR_PI);
    }
    QTR_ASSERT(w <= nout);
    if (w < nout && w) {
        qtr_inst *shrunk = qtr_realloc(&c->alloc, out, nout * sizeof *out, w * sizeof *out);
        if (shrunk) {
            out = shrunk;
            nout = w;
        }
    }
    if (!w && out) {
        qtr_realloc(&c->alloc, out, nout * sizeof *out, 0);
        out = NULL;
        nout = 0;
    }
    qtr_realloc(&c->alloc, c->inst, c->capinst * sizeof *c->inst, 0);
    c->inst = out;
    c->ninst = w;
    c->capinst = nout;
    c->global_phase = remainder(c->global_phase + ph, 2 * QTR_PI);
    return QTR_OK;
}

void qtr_basis_put(qtr_circuit *c, qtr_inst *out, size_t *w, unsigned op, const uint32_t *q,
                   unsigned nq, const double *prm, unsigned np, const uint32_t *condw)
{
    put(c, out, w, op, q, nq, prm, np, condw, condw ? qtr_cond_words(condw) : 0);
}

const qtr_basis_exp *qtr_basis_select(const qtr_basis_plan *p, const qtr_circuit *c,
                                      const qtr_inst *in, size_t i, const qtr_target *dir,
                                      qtr_status *err, qtr_ctx *ctx)
{
    return select_exp(p, c, in, i, dir, err, ctx);
}

qtr_status qtr_basis_translate(const qtr_basis_plan *p, qtr_circuit *c, size_t from, qtr_ctx *ctx)
{
    return qtr_basis_rewrite(p, c, from, NULL, ctx);
}

/* ---- plans kept by the target --------------------------------------------------- */

/* A kept plan and the basis it was made for: a caller that edits t->basis
 * directly (not through qtr_target_set_basis) gets a fresh plan, not a stale
 * one. */
typedef struct {
    uint8_t         basis[QTR_OP_COUNT];
    qtr_basis_plan *plan;
} kept_plan;

void qtr_target_drop_plans(qtr_target *t)
{
    for (size_t k = 0; k < sizeof t->plans / sizeof t->plans[0]; k++) {
        kept_plan *s = t->plans[k];
        if (s) qtr_basis_plan_free(s->plan);
        free(s);
        t->plans[k] = NULL;
    }
}

qtr_status qtr_target_plan(const qtr_target *t, qtr_plan_kind kind,
                           qtr_status (*build)(const qtr_target *, qtr_basis_plan **, qtr_ctx *),
                           const qtr_basis_plan **out, qtr_basis_plan **own, qtr_ctx *ctx)
{
    /* the slot is a cache inside a target the passes see as const: written
     * once, by compare-and-swap, then only read */
    void **slot = (void **)&t->plans[kind];
    *out = NULL;
    *own = NULL;
    kept_plan *s = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (s && !memcmp(s->basis, t->basis, QTR_OP_COUNT)) {
        *out = s->plan;
        return QTR_OK;
    }
    qtr_basis_plan *p = NULL;
    qtr_status st = build(t, &p, ctx);
    if (st) return st;
    kept_plan *n = s ? NULL : malloc(sizeof *n);
    if (!n) {   /* a stale slot or no memory for one: this call's own plan */
        *out = *own = p;
        return QTR_OK;
    }
    memcpy(n->basis, t->basis, QTR_OP_COUNT);
    n->plan = p;
    void *expected = NULL;
    if (__atomic_compare_exchange_n(slot, &expected, n, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        *out = p;
        return QTR_OK;
    }
    /* another thread kept its plan first: the same plan, so use that one */
    free(n);
    s = expected;
    if (!memcmp(s->basis, t->basis, QTR_OP_COUNT)) {
        qtr_basis_plan_free(p);
        *out = s->plan;
    } else {
        *out = *own = p;
    }
    return QTR_OK;
}

/* ---- the pass ------------------------------------------------------------------ */

qtr_status qtr_pass_basis(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx)
{
    if (!c) return qtr_fail(ctx, QTR_EINVAL, "qtr_pass_basis: NULL circuit");
    /* no target or no basis: nothing constrains the gate set */
    if (!t || !has_unitary_basis(t)) return QTR_OK;
    uint8_t keep[QTR_OP_COUNT];
    keep_set(t->basis, keep);
    size_t i = 0;
    while (i < c->ninst && c->inst[i].op < QTR_OP_COUNT && keep[c->inst[i].op]) i++;
    if (i == c->ninst) return QTR_OK;   /* already in the basis: no plan needed */
    const qtr_basis_plan *p;
    qtr_basis_plan *own;
    qtr_status st = qtr_target_plan(t, QTR_PLAN_TRANSLATE, qtr_basis_plan_new, &p, &own, ctx);
    if (!st) st = qtr_basis_rewrite(p, c, i, NULL, ctx);
    qtr_basis_plan_free(own);
    return st;
}
