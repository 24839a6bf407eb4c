/* basis_internal.h -- internal structures shared by the equivalence-rule table
 * (equiv_rules.c), the basis-translation plan and pass (pass_basis.c), the
 * 3+-qubit unroller (pass_unroll.c) and the direction pass (pass_direction.c).
 * Not installed; tests include it to check every rule by simulation.
 *
 * Ownership: qtr_equiv_load() fills a qtr_equiv_set whose arrays are
 * allocated through the qtr_alloc it is given; qtr_equiv_free() releases them
 * through the same allocator. Plans own everything they point to.
 */
#ifndef QTR_BASIS_INTERNAL_H
#define QTR_BASIS_INTERNAL_H

#include "pass.h"

/** An affine parameter expression c[0] + c[1]·θ0 + c[2]·θ1 + c[3]·θ2 + c[4]·θ3
 *  in the parameters θ of the gate being rewritten. Affine is closed under
 *  substitution, so composing rules never needs a symbolic algebra. */
typedef struct {
    double c[5];
} qtr_affine;

/** Evaluate @p e at parameters @p th (only the first @p np are read). */
static inline double qtr_affine_eval(const qtr_affine *e, const double *th, unsigned np)
{
    double v = e->c[0];
    for (unsigned k = 0; k < np; k++) v += e->c[k + 1] * th[k];
    return v;
}

/** One gate of a rule or of a composed expansion. */
typedef struct {
    uint8_t  op;      /* qtr_op */
    uint8_t  euler;   /* expansions only: synthesise this 1q gate from its
                         matrix in the plan's Euler basis when emitting */
    uint8_t  q[5];    /* operand k of this gate is operand q[k] of the gate
                         being rewritten */
    uint8_t  nq;      /* qtr_gate(op)->nqubits, cached for the emit loop */
    uint8_t  np;      /* qtr_gate(op)->nparams, likewise */
    uint32_t expr;    /* its nparams(op) parameters: exprs[expr .. expr+np) */
} qtr_equiv_step;

/** A rule: head gate ≡ exp(i·phase) · (steps in circuit order). */
typedef struct {
    uint8_t    head;
    uint32_t   first, count;  /* steps[first .. first+count) */
    qtr_affine phase;
    const char *text;         /* the rule's source text, for messages */
} qtr_equiv_rule;

typedef struct {
    qtr_alloc      *alloc;
    qtr_equiv_rule *rules; size_t nrules, caprules;
    qtr_equiv_step *steps; size_t nsteps, capsteps;
    qtr_affine     *exprs; size_t nexprs, capexprs;
} qtr_equiv_set;

/** Which table to load. */
typedef enum {
    QTR_EQUIV_RULES = 0,   /* the equivalence library used by the search */
    QTR_EQUIV_FLIPS = 1    /* direction flips: G(0,1) ≡ … G(1,0) … */
} qtr_equiv_table;

/** Parse a rule table into @p s (zero-initialised, alloc set).
 *  @return QTR_OK, QTR_ENOMEM, or QTR_EINVAL naming the malformed rule. */
qtr_status qtr_equiv_load(qtr_equiv_set *s, qtr_equiv_table which, qtr_ctx *ctx);
void qtr_equiv_free(qtr_equiv_set *s);

/** Parse one rule "head: body | phase" (the table's syntax, see
 *  equiv_rules.c) and append it to @p s. Exposed for tests. */
qtr_status qtr_equiv_parse_rule(qtr_equiv_set *s, const char *text, qtr_ctx *ctx);

/* ---- plans --------------------------------------------------------------- */

/** How a plan rewrites one gate: a flattened sequence of steps, all of whose
 *  gates are leaves of the search (or Euler-flagged 1q gates), plus a global
 *  phase, both in terms of the rewritten gate's parameters. */
typedef struct {
    uint32_t   first, count;    /* plan->steps[first .. first+count) */
    qtr_affine phase;
    uint32_t   max_out;         /* gates emitted at most (Euler steps count
                                   QTR_EULER_MAX_GATES) */
    uint32_t   max_params;      /* parameters those gates carry at most */
    uint32_t   max_words;       /* args[] words needed when unconditioned */
    uint32_t   max_words_cond;  /* args[] words needed when conditioned */
    uint8_t    ok;              /* 1 when this expansion exists */
    uint8_t    simple;          /* every step: no parameters, not Euler, ≤ 2
                                   qubits (the emit loop's fast path) */
} qtr_basis_exp;

/* Values of qtr_basis_plan.choice[] other than a rule index. */
#define QTR_CHOICE_LEAF        (-1)  /* in the basis: kept as it is */
#define QTR_CHOICE_EULER       (-2)  /* 1q: synthesised per instance */
#define QTR_CHOICE_EULER_CONST (-3)  /* 1q without parameters: synthesised once */
#define QTR_CHOICE_NONE        (-4)  /* unreachable */

struct qtr_basis_plan {
    qtr_alloc      alloc;                   /* every block below */
    uint8_t        leaves[QTR_OP_COUNT];    /* search targets (the basis) */
    uint8_t        keep[QTR_OP_COUNT];      /* copied unchanged by rewrite */
    int            euler;                   /* qtr_euler_basis, or -1 */
    double         cost[QTR_OP_COUNT];      /* search cost; INFINITY if none */
    int            choice[QTR_OP_COUNT];    /* rule index or QTR_CHOICE_* */
    qtr_basis_exp  exp[QTR_OP_COUNT];       /* per source gate */
    qtr_basis_exp  flip[QTR_OP_COUNT];      /* direction pass: op(0,1) via op(1,0) */
    qtr_equiv_step *steps; size_t nsteps, capsteps;
    qtr_affine     *exprs; size_t nexprs, capexprs;
    char           what[200];               /* "basis {cx, rz, sx, x}" */
};

/** Build a plan from explicit sets (qtr_basis_plan_new wraps this).
 *  @param leaves  gates the search may end on (the basis)
 *  @param keep    gates the rewrite copies unchanged (usually = leaves plus
 *                 measure/reset/barrier; the unroller keeps every ≤2q gate)
 *  @param euler   Euler basis for 1q synthesis, or -1 for none
 *  @param what    completes "cannot express 'g' in <what>" */
qtr_status qtr_basis_plan_build(const uint8_t leaves[QTR_OP_COUNT], const uint8_t keep[QTR_OP_COUNT],
                                int euler, const char *what, qtr_basis_plan **out, qtr_ctx *ctx);

/** The plans a target keeps (qtr_target.plans). */
typedef enum { QTR_PLAN_TRANSLATE, QTR_PLAN_DIRECTION, QTR_PLAN_UNROLL } qtr_plan_kind;

/** The plan of @p kind for @p t: made by @p build on the first call and kept
 *  in t->plans for every later one (any thread; when two race, one plan is
 *  kept and the other freed). *out is read only; when *own is set the plan
 *  could not be kept (out of memory, or t->basis changed since it was kept)
 *  and the caller frees *own after use. @return what @p build returned. */
qtr_status qtr_target_plan(const qtr_target *t, qtr_plan_kind kind,
                           qtr_status (*build)(const qtr_target *, qtr_basis_plan **, qtr_ctx *),
                           const qtr_basis_plan **out, qtr_basis_plan **own, qtr_ctx *ctx);

/** "basis {cx, rz, sx, x}" (sorted names of the unitary gates in @p basis). */
void qtr_basis_describe(const uint8_t basis[QTR_OP_COUNT], char *buf, size_t cap);

/** Fill plan->flip[] from the flip table: for each 2q gate with a flip rule
 *  (or symmetric), the expansion of op(0,1) that uses op(1,0), its other gates
 *  translated through the plan. */
qtr_status qtr_basis_plan_add_flips(qtr_basis_plan *p, qtr_ctx *ctx);

/** The one rewrite loop. Without @p dir: replace every instruction in
 *  [from, ninst) that is not kept by its expansion. With @p dir (a target
 *  with directed edges): keep everything, but replace each 2q gate that sits
 *  on an edge only in the other direction by its flip, and fail with
 *  QTR_ETARGET for a multi-qubit gate that is not on an edge. */
qtr_status qtr_basis_rewrite(const qtr_basis_plan *p, qtr_circuit *c, size_t from,
                             const qtr_target *dir, qtr_ctx *ctx);
/** How qtr_basis_rewrite treats instruction @p in (number @p i): the
 *  expansion it emits, or NULL when it copies the instruction (*err set, with
 *  the message, when it cannot be rewritten at all). */
const qtr_basis_exp *qtr_basis_select(const qtr_basis_plan *p, const qtr_circuit *c,
                                      const qtr_inst *in, size_t i, const qtr_target *dir,
                                      qtr_status *err, qtr_ctx *ctx);
/** Append one record at out[*w] (operands, parameters and condition words
 *  into the circuit's pools, which the caller has grown): the rewrite's own
 *  emitter. @p condw: NULL, or the condition's three words. */
void qtr_basis_put(qtr_circuit *c, qtr_inst *out, size_t *w, unsigned op, const uint32_t *q,
                   unsigned nq, const double *prm, unsigned np, const uint32_t *condw);
/** The symbolic part of qtr_basis_rewrite (src/basis_sym.c): expand every
 *  instruction in [from, ninst) that has a symbolic angle and that the
 *  rewrite would change, into basis gates with expression angles (Euler
 *  steps in their generic symbolic form), adding the phase to the circuit's
 *  (symbolic) phase. No-op for circuits without expressions.
 *  @return QTR_OK; QTR_EUNSUPPORTED (an Euler step in a basis without a
 *  symbolic form: XYX), QTR_ENOMEM, QTR_ELIMIT, QTR_ETARGET -- the circuit
 *  unchanged. */
qtr_status qtr_basis_expand_symbolic(const qtr_basis_plan *p, qtr_circuit *c, size_t from,
                                     const qtr_target *dir, qtr_ctx *ctx);

#endif
