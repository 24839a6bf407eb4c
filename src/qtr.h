/* qtr.h -- qtranspile's public C API: statuses, per-thread context, the gate
 * table, the compact circuit IR.
 *
 * Ownership: qtr_*_new() hands the caller an object to release with the
 * matching qtr_*_free(); qtr_*_free(NULL) is a no-op. Every other function
 * borrows its pointer arguments for the duration of the call.
 *
 * Threads: no function keeps global mutable state. A qtr_ctx belongs to one
 * thread at a time; a circuit to one thread at a time; gate-table queries are
 * read-only and safe from any thread.
 */
#ifndef QTR_H
#define QTR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define QTR_VERSION_STRING "0.1.0"

/* ======================================================================
 * Statuses and the per-thread context
 * ====================================================================== */

typedef enum {
    QTR_OK = 0,
    QTR_ENOMEM,       /* an allocation failed (or a test made it fail) */
    QTR_EIO,          /* a file could not be opened, read or written */
    QTR_EPARSE,       /* malformed input text */
    QTR_EQUBIT,       /* a qubit or clbit index out of range */
    QTR_EINVAL,       /* an argument the function cannot accept */
    QTR_ETARGET,      /* a target that is malformed or cannot run the circuit */
    QTR_EUNSUPPORTED, /* valid input this build cannot handle yet */
    QTR_EVERIFY,      /* --verify found the output not equivalent */
    QTR_ELIMIT,       /* a size limit was exceeded */
    QTR_EMEMORY,      /* the circuit outgrew its memory budget (qtr_ctx.max_memory) */
    QTR_STATUS_COUNT
} qtr_status;

/** Short fixed text for a status ("out of memory"). Never NULL. */
const char *qtr_status_text(qtr_status st);

/** Accounting allocator. Every byte a circuit owns goes through one of these,
 *  so current and peak bytes are exact, and tests can fail the Nth call. */
typedef struct qtr_alloc {
    size_t   cur;        /* bytes live now */
    size_t   peak;       /* most bytes live at once */
    uint64_t calls;      /* allocation calls made (grow or new) */
    uint64_t fail_at;    /* if nonzero: the call with this number (1-based) fails */
    size_t   limit;      /* if nonzero: the memory budget; a call that would take
                            cur above it fails and sets over */
    int      over;       /* 1 once the budget refused a call */
} qtr_alloc;

/** Allocate, grow, shrink or free (new_size 0) a block; @p old_size must be
 *  the block's current size (0 for NULL). Returns NULL on failure, leaving
 *  @p ptr intact. Freeing returns NULL and never fails. */
void *qtr_realloc(qtr_alloc *a, void *ptr, size_t old_size, size_t new_size);

/** Per-thread state: the last error message and a seeded RNG. Callers may put
 *  it on the stack; initialise with qtr_ctx_init. */
typedef struct qtr_ctx {
    char     msg[512];   /* detail of the last failure; "" if none */
    uint64_t rng[4];     /* xoshiro256** state */
    uint64_t seed;       /* the seed it was initialised with */
    size_t   max_memory; /* memory budget of each circuit the thread reads or
                            transpiles, in bytes; 0 (qtr_ctx_init's) = none */
} qtr_ctx;

void qtr_ctx_init(qtr_ctx *ctx, uint64_t seed);
/** The message of the last failure recorded in @p ctx ("" if none). */
const char *qtr_ctx_message(const qtr_ctx *ctx);
/** Record a failure: formats the message into ctx->msg and returns @p st. */
qtr_status qtr_fail(qtr_ctx *ctx, qtr_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/** Record the failure of a circuit that outgrew its memory budget @p limit:
 *  QTR_EMEMORY with "WHAT: the circuit needs more than its memory budget of N MiB". */
qtr_status qtr_fail_budget(qtr_ctx *ctx, const char *what, size_t limit);
/** Parse a byte count with an optional suffix K, M, G or T (powers of 1024;
 *  "512M", "2G", "1048576"). @return 0, or -1 when @p s is not one or is 0. */
int qtr_parse_bytes(const char *s, size_t *out);

/** Next 64 random bits from the context's xoshiro256** generator. */
uint64_t qtr_rng_next(qtr_ctx *ctx);
/** Uniform double in [0, 1). */
double qtr_rng_uniform(qtr_ctx *ctx);
/** Per-item seed from a global seed and an index (splitmix64 finaliser), so
 *  results do not depend on which rank or thread handles the item. */
uint64_t qtr_seed_for(uint64_t seed, uint64_t index);

/* ======================================================================
 * The gate table
 * ====================================================================== */

/* Gate properties (qtr_gate_info.props). */
#define QTR_GP_SELFINV    0x01u  /* G·G = I */
#define QTR_GP_DIAG       0x02u  /* diagonal in the computational basis */
#define QTR_GP_CLIFFORD   0x04u  /* Clifford (for every parameter value) */
#define QTR_GP_SYMMETRIC  0x08u  /* unchanged when its qubits are permuted */
#define QTR_GP_DIRECTIVE  0x10u  /* no effect on the state (barrier, nop) */
#define QTR_GP_NONUNITARY 0x20u  /* measure, reset */
#define QTR_GP_QELIB1     0x40u  /* defined in OpenQASM 2's qelib1.inc */

typedef enum {
#define X(e, name, nq, np, props) QTR_OP_##e,
#include "gates.def"
#undef X
    QTR_OP_COUNT
} qtr_op;

typedef struct {
    const char *name;
    uint8_t     nqubits;  /* 0 = variable (barrier) */
    uint8_t     nparams;
    uint8_t     props;
} qtr_gate_info;

/* The table itself (src/gate_table.c): read-only, shared by all threads. */
extern const qtr_gate_info qtr_gate_table[QTR_OP_COUNT];
/** Table row for @p op (op < QTR_OP_COUNT). Inline: every pass asks per
 *  instruction. */
static inline const qtr_gate_info *qtr_gate(qtr_op op) { return &qtr_gate_table[op]; }
/** Code for a gate name ("cx"), or -1 if unknown. Case-sensitive. */
int qtr_gate_lookup(const char *name, size_t len);
/** 1 when [name, name+len) may name a gate in OpenQASM: a letter or '_',
 *  then letters, digits or '_'. */
int qtr_gate_name_valid(const char *name, size_t len);

/** Fill @p m (row-major, dimension 2^nq, nq = qtr_gate(op)->nqubits ≤ 5) with
 *  the unitary of @p op for parameters @p params. Operand k is bit k of the
 *  index (Qiskit's little-endian order). Matrices are interleaved
 *  (re, im) pairs: m[2*(r*dim+c)] is the real part of entry (r, c).
 *  @return QTR_OK, or QTR_EINVAL for measure/reset/barrier/nop. */
qtr_status qtr_gate_matrix(qtr_op op, const double *params, double *m);

/** The inverse of gate @p op with @p params as a single table gate:
 *  *inv_op, inv_params (up to 4), and *swap_qubits set when the inverse acts
 *  on the first two operands exchanged (dcx). Adds to *phase the global phase
 *  that the inverse differs by (usually 0).
 *  @return QTR_OK, or QTR_EUNSUPPORTED when no single table gate is the
 *  inverse (c3sqrtx, csx, rc3x): callers then decompose first. */
qtr_status qtr_gate_inverse(qtr_op op, const double *params, qtr_op *inv_op,
                            double *inv_params, int *swap_qubits, double *phase);

/* ======================================================================
 * The circuit IR
 * ====================================================================== */

/* One instruction: 16 bytes, no pointers.
 *
 *   op     gate code (qtr_op)
 *   flags  bit0 QTR_IF_EXT   operands live in args[p .. p+nargs), followed by
 *                            the parameter index (when the gate has params)
 *                            and then the condition (when QTR_IF_COND)
 *          bit1 QTR_IF_COND  classically conditioned: if (creg == value)
 *          bits 2-7          reserved, zero
 *   nargs  operand count (qubits, then clbits for measure)
 *   q[2]   operands when !EXT (measure: qubit, clbit)
 *   p      !EXT: first parameter in params[] (when the gate has any);
 *          EXT:  first operand in args[]
 *
 * A condition in args[] (QTR_IF_COND; always EXT) takes one of three forms,
 * told apart by its first word w[0]:
 *   w[0] < 2^31            register == value, value < 2^64: w[0] creg index,
 *                          w[1] value bits 0-31, w[2] bits 32-63 (3 words)
 *   w[0] = 2^31 | n        register == a wider value: w[1] creg index, then
 *                          n >= 3 value words, least significant first, the
 *                          last one nonzero (n + 2 words)
 *   w[0] = 2^31 | 2^30     single clbit == value: w[1] clbit, w[2] 0 or 1
 *                          (3 words)
 * qtr_inst_cond reads any form; qtr_inst_ext_words gives an EXT record's
 * word count. A value that fits 64 bits always takes the first form.
 *
 * A gate without a definition (QTR_OP_OPAQUE, OpenQASM 2's `opaque`) is
 * always EXT and never conditioned: args[p .. p+nargs) its qubits, then its
 * index in the circuit's opaque table (name and signature), then the first
 * of its nparams parameters in params[] (qtr_inst_opaque).
 */
typedef struct {
    uint8_t  op;
    uint8_t  flags;
    uint16_t nargs;
    uint32_t q[2];
    uint32_t p;
} qtr_inst;

#define QTR_IF_EXT  0x01u
#define QTR_IF_COND 0x02u

#ifdef __cplusplus
static_assert(sizeof(qtr_inst) == 16, "qtr_inst must stay 16 bytes");
#else
_Static_assert(sizeof(qtr_inst) == 16, "qtr_inst must stay 16 bytes");
#endif

/** A quantum or classical register, kept so QASM output reads like the input. */
typedef struct {
    char    *name;    /* NUL-terminated, owned by the circuit */
    uint32_t size;
    uint32_t first;   /* index of its bit 0 in the circuit's flat numbering */
} qtr_reg;

/* ---- symbolic angles (src/expr.c) ----------------------------------------
 *
 * A gate angle in params[] (and the circuit's sym_phase) is either a number or
 * a reference to an expression over the circuit's named parameters. A
 * reference is a double with a signalling-NaN bit pattern: the top 32 bits are
 * QTR_SYM_TAG and the low 32 bits index the circuit's expression pool. So the
 * 16-byte record and the params[] pool are unchanged, a pass that only copies
 * angles (routing, layout, direction flips without arithmetic, compaction)
 * carries expressions along untouched, and arithmetic done by mistake on a
 * reference quiets the NaN (bit 51), yielding a plain NaN that no longer looks
 * like a reference and that the checks and the simulator reject.
 *
 * The pool is append-only: a node's operands always precede it, so nodes can
 * be shared (copying an angle shares its expression) and one forward sweep
 * evaluates them all (qtr_circuit_bind). Rewrites leave unreachable nodes
 * behind; qtr_expr_collect drops them. */
#define QTR_SYM_TAG 0x7FF40000u

typedef enum {
    QTR_EX_NUM,                      /* u.num */
    QTR_EX_PARAM,                    /* parameter a (index in circuit.parameters order) */
    QTR_EX_NEG,                      /* unary on node a */
    QTR_EX_SIN, QTR_EX_COS, QTR_EX_TAN, QTR_EX_ASIN, QTR_EX_ACOS, QTR_EX_ATAN,
    QTR_EX_EXP, QTR_EX_LN, QTR_EX_SQRT,
    QTR_EX_ADD, QTR_EX_SUB, QTR_EX_MUL, QTR_EX_DIV,   /* binary on nodes a, u.b */
    QTR_EX_COUNT
} qtr_expr_op;

/** One expression node, 16 bytes. */
typedef struct {
    uint8_t  op;                     /* qtr_expr_op */
    uint8_t  pad;
    uint16_t depth;                  /* 1 for leaves; bounded by QTR_EXPR_MAX_DEPTH */
    uint32_t a;                      /* first operand node, or the parameter index */
    union { double num; uint32_t b; } u;
} qtr_expr_node;

#define QTR_EXPR_MAX_DEPTH 2000u

/** 1 when @p angle refers to an expression (is not a plain number). */
static inline int qtr_angle_is_sym(double angle)
{
    union { double d; uint64_t u; } v = {angle};
    return (uint32_t)(v.u >> 32) == QTR_SYM_TAG;
}

/** Pool index of the expression @p angle refers to (qtr_angle_is_sym). */
static inline uint32_t qtr_angle_node(double angle)
{
    union { double d; uint64_t u; } v = {angle};
    return (uint32_t)v.u;
}

/** The angle that refers to pool node @p node. */
static inline double qtr_angle_of_node(uint32_t node)
{
    union { uint64_t u; double d; } v = {((uint64_t)QTR_SYM_TAG << 32) | node};
    return v.d;
}

/** A gate applied without a definition (OpenQASM 2 `opaque`): one per name
 *  in a circuit's table, shared by all its applications. */
typedef struct {
    char    *name;    /* NUL-terminated, owned by the circuit */
    uint32_t nqubits, nparams;
} qtr_opaque;

/** A circuit and all it owns. Fields are public for reading; change them only
 *  through the functions below, which keep the accounting right. */
typedef struct qtr_circuit {
    qtr_alloc alloc;                           /* every block below is counted here */
    qtr_inst *inst;   size_t ninst,   capinst;
    double   *params; size_t nparams, capparams;
    uint32_t *args;   size_t nargs,   capargs;
    qtr_reg  *qregs;  size_t nqregs,  capqregs;
    qtr_reg  *cregs;  size_t ncregs,  capcregs;
    uint32_t  nqubits, nclbits;
    double    global_phase;                    /* radians, always a number */
    char     *name;                            /* optional, owned; NULL if none */
    /* Symbolic parameters: names in Qiskit's circuit.parameters order
     * (qtr_param_name_cmp), and the expression pool angles refer to. */
    char    **pnames; size_t npnames, cappnames;
    qtr_expr_node *expr; size_t nexpr, capexpr;
    /* The symbolic part of the global phase: 0, or an angle referring to an
     * expression; the phase is global_phase + sym_phase. Kept apart so the
     * passes' numeric phase bookkeeping never meets a reference. */
    double    sym_phase;
    /* Gates without a definition its QTR_OP_OPAQUE records name; kept by
     * qtr_circuit_clear_ops, like the registers. */
    qtr_opaque *opaques; size_t nopaques, capopaques;
} qtr_circuit;

/** A classical condition as read from a record (qtr_inst_cond). */
typedef struct {
    int             on_bit;  /* 0: register `index` == value; 1: clbit `index` == value */
    uint32_t        index;   /* classical register index, or clbit (on_bit) */
    uint32_t        nwords;  /* words of value (a single bit: 1) */
    const uint32_t *words;   /* the value, least significant 32-bit word first; points
                                into the circuit's pool, valid until it changes */
} qtr_cond;

#define QTR_COND_WIDE 0x80000000u   /* w[0] marks of the wider forms (see qtr_inst) */
#define QTR_COND_BIT  0xC0000000u

/** New empty circuit. @p fail_at: for tests, make allocation number fail_at
 *  fail (0 = never). @return NULL only when the circuit itself cannot be
 *  allocated. */
qtr_circuit *qtr_circuit_new(uint64_t fail_at);
void qtr_circuit_free(qtr_circuit *c);

/** Add a register of @p size bits named @p name (the name is copied).
 *  Its bits are numbered after those already present. */
qtr_status qtr_circuit_add_qreg(qtr_circuit *c, const char *name, uint32_t size, qtr_ctx *ctx);
qtr_status qtr_circuit_add_creg(qtr_circuit *c, const char *name, uint32_t size, qtr_ctx *ctx);

/** Append a gate or instruction. @p qubits holds nargs operands (for measure:
 *  qubit then clbit), @p params qtr_gate(op)->nparams values (may be NULL when
 *  zero). Operands are range-checked against nqubits/nclbits; the arity against
 *  the table (barrier takes any positive count).
 *  @return QTR_OK, QTR_EQUBIT, QTR_EINVAL or QTR_ENOMEM (circuit unchanged). */
qtr_status qtr_circuit_append(qtr_circuit *c, qtr_op op, const uint32_t *qubits,
                              uint32_t nargs, const double *params, qtr_ctx *ctx);

/** As qtr_circuit_append, conditioned on (creg @p creg == @p value). */
qtr_status qtr_circuit_append_cond(qtr_circuit *c, qtr_op op, const uint32_t *qubits,
                                   uint32_t nargs, const double *params,
                                   uint32_t creg, uint64_t value, qtr_ctx *ctx);

/** As qtr_circuit_append, conditioned on (creg @p creg == value), the value
 *  of any width given as @p nwords 32-bit words, least significant first. */
qtr_status qtr_circuit_append_cond_wide(qtr_circuit *c, qtr_op op, const uint32_t *qubits,
                                        uint32_t nargs, const double *params, uint32_t creg,
                                        const uint32_t *words, uint32_t nwords, qtr_ctx *ctx);

/** As qtr_circuit_append, conditioned on (clbit @p clbit == @p value), value
 *  0 or 1: OpenQASM 3's `if (c[k])` (1) and `if (!c[k])` (0). */
qtr_status qtr_circuit_append_cond_bit(qtr_circuit *c, qtr_op op, const uint32_t *qubits,
                                       uint32_t nargs, const double *params, uint32_t clbit,
                                       int value, qtr_ctx *ctx);

/** The index in @p c's opaque table of the gate @p name with @p nqubits
 *  qubits (at least 1) and @p nparams parameters, added when new, into
 *  *index. @return QTR_OK, QTR_EINVAL (the name is there with another
 *  signature) or QTR_ENOMEM. */
qtr_status qtr_circuit_declare_opaque(qtr_circuit *c, const char *name, uint32_t nqubits,
                                      uint32_t nparams, uint32_t *index, qtr_ctx *ctx);

/** Append an application of opaque gate @p index (qtr_circuit_declare_opaque)
 *  on its nqubits @p qubits with its nparams @p params (numbers). The other
 *  append functions refuse QTR_OP_OPAQUE: a record copied without its table
 *  entry would lose the gate's name. */
qtr_status qtr_circuit_append_opaque(qtr_circuit *c, uint32_t index, const uint32_t *qubits,
                                     const double *params, qtr_ctx *ctx);

/** Name of the first gate without a definition that @p c applies, or NULL. */
const char *qtr_circuit_first_opaque(const qtr_circuit *c);

/** As qtr_circuit_append with the condition @p cond (NULL: none), e.g. one
 *  read from another circuit's record with qtr_inst_cond. */
qtr_status qtr_circuit_append_if(qtr_circuit *c, qtr_op op, const uint32_t *qubits,
                                 uint32_t nargs, const double *params, const qtr_cond *cond,
                                 qtr_ctx *ctx);

/* The accessors are inline: they sit in every pass's inner loop. */

/** Operands of instruction @p i (nargs of them). Valid until the circuit changes. */
static inline const uint32_t *qtr_inst_operands(const qtr_circuit *c, const qtr_inst *in)
{
    return (in->flags & QTR_IF_EXT) ? c->args + in->p : in->q;
}

/** Parameters of @p in (qtr_gate(op)->nparams of them), or NULL if none. */
static inline const double *qtr_inst_params(const qtr_circuit *c, const qtr_inst *in)
{
    if (!qtr_gate((qtr_op)in->op)->nparams) return NULL;
    if (in->flags & QTR_IF_EXT) return c->params + c->args[in->p + in->nargs];
    return c->params + in->p;
}

/** Words the condition starting at @p w occupies in args[]. */
static inline uint32_t qtr_cond_words(const uint32_t *w)
{
    if (w[0] < QTR_COND_WIDE || w[0] == QTR_COND_BIT) return 3;
    return 2 + (w[0] & ~QTR_COND_BIT);
}

/** First condition word of a conditioned record @p in. */
static inline const uint32_t *qtr_inst_cond_raw(const qtr_circuit *c, const qtr_inst *in)
{
    return c->args + in->p + in->nargs + (qtr_gate((qtr_op)in->op)->nparams ? 1 : 0);
}

/** Words an EXT record owns in args[]: operands, parameter index, condition. */
static inline size_t qtr_inst_ext_words(const qtr_circuit *c, const qtr_inst *in)
{
    if (in->op == QTR_OP_OPAQUE) return in->nargs + 2u;
    size_t n = in->nargs + (qtr_gate((qtr_op)in->op)->nparams ? 1u : 0u);
    return (in->flags & QTR_IF_COND) ? n + qtr_cond_words(c->args + in->p + n) : n;
}

/** The table entry of QTR_OP_OPAQUE record @p in, and its parameters in
 *  *params (NULL when it has none). */
static inline const qtr_opaque *qtr_inst_opaque(const qtr_circuit *c, const qtr_inst *in,
                                                const double **params)
{
    const uint32_t *w = c->args + in->p + in->nargs;
    const qtr_opaque *o = &c->opaques[w[0]];
    *params = o->nparams ? c->params + w[1] : NULL;
    return o;
}

/** Condition of @p in: returns 1 and fills @p out when conditioned, else 0. */
static inline int qtr_inst_cond(const qtr_circuit *c, const qtr_inst *in, qtr_cond *out)
{
    if (!(in->flags & QTR_IF_COND)) return 0;
    const uint32_t *w = qtr_inst_cond_raw(c, in);
    if (w[0] < QTR_COND_WIDE) {
        *out = (qtr_cond){0, w[0], 2, w + 1};
    } else if (w[0] == QTR_COND_BIT) {
        *out = (qtr_cond){1, w[1], 1, w + 2};
    } else {
        *out = (qtr_cond){0, w[1], w[0] & ~QTR_COND_BIT, w + 2};
    }
    return 1;
}

/** The clbits a condition reads: *first and *count (a register's bits, or one). */
static inline void qtr_cond_clbits(const qtr_circuit *c, const qtr_cond *k, uint32_t *first,
                                   uint32_t *count)
{
    if (k->on_bit) {
        *first = k->index;
        *count = 1;
    } else {
        *first = c->cregs[k->index].first;
        *count = c->cregs[k->index].size;
    }
}

/** Condition of @p in as register and 64-bit value: returns 1 and fills
 *  creg/value for a register condition whose value fits 64 bits; 2 for a
 *  condition that does not (a wider value, a single clbit: use qtr_inst_cond),
 *  leaving creg/value unset; 0 when unconditioned. */
static inline int qtr_inst_condition(const qtr_circuit *c, const qtr_inst *in, uint32_t *creg,
                                     uint64_t *value)
{
    if (!(in->flags & QTR_IF_COND)) return 0;
    const uint32_t *w = qtr_inst_cond_raw(c, in);
    if (w[0] >= QTR_COND_WIDE) return 2;
    *creg = w[0];
    *value = (uint64_t)w[1] | ((uint64_t)w[2] << 32);
    return 1;
}

/** Deep copy into a new circuit with its own allocator. */
qtr_status qtr_circuit_clone(const qtr_circuit *c, qtr_circuit **out, qtr_ctx *ctx);

/** Append all of @p src's instructions (and their pool entries) to @p dst,
 *  which must have at least src's qubits, clbits and classical registers.
 *  A bulk copy: src is trusted to be valid (qtr_circuit_check).
 *  @return QTR_OK, QTR_EINVAL (dst too small) or QTR_ENOMEM (dst unchanged). */
qtr_status qtr_circuit_append_all(qtr_circuit *dst, const qtr_circuit *src, qtr_ctx *ctx);

/** Drop QTR_OP_NOP records in place (the only function that moves records). */
void qtr_circuit_compact(qtr_circuit *c);

/** Remove all instructions and pools but keep registers (reuses capacity). */
void qtr_circuit_clear_ops(qtr_circuit *c);

/** Move every qubit operand v to @p map[v] and make the circuit act on
 *  @p new_nqubits qubits held in one register "q" (the physical register of a
 *  laid-out circuit). @p map must be injective into [0, new_nqubits).
 *  @return QTR_OK, QTR_EINVAL (bad map) or QTR_ENOMEM. */
qtr_status qtr_circuit_remap_qubits(qtr_circuit *c, const uint32_t *map, uint32_t new_nqubits,
                                    qtr_ctx *ctx);

/** Check the invariants: operand ranges, arities, pool indices, flags.
 *  @return QTR_OK or QTR_EINVAL with the first violation in ctx. */
qtr_status qtr_circuit_check(const qtr_circuit *c, qtr_ctx *ctx);

/** Same instruction list (ops, operands, params bit-exact, conditions),
 *  qubit/clbit counts and registers. 1 if equal, else 0. */
int qtr_circuit_equal(const qtr_circuit *a, const qtr_circuit *b);


/* ======================================================================
 * Symbolic parameters and expressions (src/expr.c, src/bind.c)
 *
 * Parameters are named and kept sorted as Qiskit sorts circuit.parameters
 * (the column order of a primitive's value array): names compare bytewise,
 * except that a vector element "base[i]" compares by base, then by index
 * numerically, and a plain "base" sorts before its elements. Declaring one
 * may renumber those after it; angles (which refer to expression nodes, not
 * to indices) stay valid.
 *
 * Builders fold constants (every operand a number gives a number), and
 * simplify sums: an expression affine in its parameters (and in opaque
 * subterms such as sin(θ)) is rebuilt from its collected coefficients, so
 * θ + π − π is θ and θ + (−θ) is the number 0. Angles are built in the circuit
 * that will hold them; an angle is meaningful only with its own circuit.
 * ====================================================================== */

/** Compare parameter names in Qiskit's circuit.parameters order (<0, 0, >0). */
int qtr_param_name_cmp(const char *a, const char *b);

/** Declare parameter @p name (copied; any non-empty text) if it is not yet
 *  declared, and give in *@p angle the angle that stands for it.
 *  @return QTR_OK, QTR_EINVAL (empty name), QTR_ENOMEM, QTR_ELIMIT. */
qtr_status qtr_circuit_param(qtr_circuit *c, const char *name, double *angle, qtr_ctx *ctx);
/** Index of parameter @p name (length @p len), or -1 when not declared. */
long qtr_circuit_param_find(const qtr_circuit *c, const char *name, size_t len);

/** f(@p a) for a unary op (QTR_EX_NEG .. QTR_EX_SQRT) into *@p out.
 *  @return QTR_OK, QTR_EINVAL (bad op or a non-finite number), QTR_ENOMEM,
 *  QTR_ELIMIT (deeper than QTR_EXPR_MAX_DEPTH). */
qtr_status qtr_expr_unary(qtr_circuit *c, qtr_expr_op op, double a, double *out, qtr_ctx *ctx);
/** @p a op @p b for a binary op (QTR_EX_ADD .. QTR_EX_DIV); errors as above. */
qtr_status qtr_expr_binary(qtr_circuit *c, qtr_expr_op op, double a, double b, double *out,
                           qtr_ctx *ctx);
/** k0 + Σ k[i]·x[i] over @p n angles, simplified (a number when it folds). */
qtr_status qtr_expr_affine(qtr_circuit *c, double k0, const double *k, const double *x,
                           unsigned n, double *out, qtr_ctx *ctx);

/** Parse @p len bytes of @p text: numbers, pi (or π), declared parameter
 *  names, + - * / (usual precedence, left-assoc), unary minus, parentheses,
 *  and sin cos tan arcsin arccos arctan exp ln sqrt applied as f(x).
 *  @return QTR_OK, QTR_EPARSE ("column N: ..." for the first problem, an
 *  undeclared name included), QTR_ENOMEM, QTR_ELIMIT. */
qtr_status qtr_expr_parse(qtr_circuit *c, const char *text, size_t len, double *out,
                          qtr_ctx *ctx);

/** Write @p angle as text into @p buf (NUL-terminated, truncated to @p cap),
 *  in the syntax qtr_expr_parse reads and OpenQASM 3 accepts: numbers with 17
 *  significant digits, parameter names as declared. @return the length the
 *  full text needs (excluding the NUL), as snprintf. */
size_t qtr_expr_print(const qtr_circuit *c, double angle, char *buf, size_t cap);

/** Value of @p angle with parameter k set to @p values[k] (c->npnames of them).
 *  A number is returned as it is. May be NaN or ±inf (ln(−1), 1/0). */
double qtr_expr_eval(const qtr_circuit *c, double angle, const double *values);

/** 1 when @p x + @p y folds to 0 (within 8·DBL_EPSILON of what is summed):
 *  θ and −θ, 2θ + 1 and 1 − 2θ − 2. Reads only; builds nothing. */
int qtr_expr_sum_is_zero(const qtr_circuit *c, double x, double y);

/** 1 when any live instruction's angle, or the phase, is symbolic. */
int qtr_circuit_is_symbolic(const qtr_circuit *c);
/** 1 when some angle of @p in is symbolic. */
int qtr_inst_is_symbolic(const qtr_circuit *c, const qtr_inst *in);

/** Drop expression nodes no live angle refers to (renumbering the rest);
 *  parameters stay declared. @return QTR_OK or QTR_ENOMEM (unchanged). */
qtr_status qtr_expr_collect(qtr_circuit *c, qtr_ctx *ctx);

/** Bind: the circuit @p c with parameter k set to @p values[k] (@p nvalues
 *  must equal c->npnames): the same records, registers and name, every
 *  symbolic angle and the phase replaced by its value, no parameters. One
 *  pass over the records; each expression node is evaluated once per call,
 *  however many angles share it. When *@p out is NULL a new circuit is made;
 *  otherwise *@p out (a circuit this function made before, from any
 *  circuit) is overwritten, reusing its memory: binding many rows costs no
 *  allocation after the first.
 *  @return QTR_OK; QTR_EINVAL for a count mismatch, or an angle that
 *  evaluates to NaN or ±inf (the message names it); QTR_ENOMEM. On failure
 *  *@p out is left valid (a new one is freed and *out stays NULL). */
qtr_status qtr_circuit_bind(const qtr_circuit *c, const double *values, size_t nvalues,
                            qtr_circuit **out, qtr_ctx *ctx);

/** Read "name=value,name=value,..." (@p len bytes of @p text; blanks around
 *  items allowed) into @p values, one per parameter of @p c in its order
 *  (c->npnames of them). Every parameter must be given exactly once; a value
 *  is a constant expression (0.5, -pi/4, 2*pi/3).
 *  @return QTR_OK, or QTR_EPARSE naming the item (an unknown or repeated
 *  name, a missing parameter, a malformed value); QTR_ENOMEM. */
qtr_status qtr_values_parse(const qtr_circuit *c, const char *text, size_t len, double *values,
                            qtr_ctx *ctx);

/* ======================================================================
 * Targets (src/target.c; loaders in io/)
 * ====================================================================== */

/** A device: qubits, basis gates, directed coupling edges, optional errors.
 *  Built once, then shared read-only by every thread. */
typedef struct qtr_target {
    char     *name;                  /* "torino", "line:5", a file name; owned */
    uint32_t  nqubits;
    uint8_t   basis[QTR_OP_COUNT];   /* 1 when the op is native (measure, reset,
                                        barrier are always allowed) */
    uint32_t  nedges;                /* directed 2q edges (a, b): a 2q basis gate
                                        may act with first operand a, second b */
    uint32_t (*edges)[2];
    /* Undirected neighbour lists (CSR), sorted, built by qtr_target_finish:
     * neighbours of p are adj[adj_off[p] .. adj_off[p+1]). */
    uint32_t *adj_off, *adj;
    /* Directed edge (a, b) present iff bit a * nqubits + b is set; built by
     * qtr_target_finish for up to QTR_TARGET_BITMAP_MAX qubits (2 MiB), NULL
     * otherwise. Edge lookups sit in every pass's inner loop. */
    uint64_t *edge_bits;
    /* Hop counts between qubits, dist[a * nqubits + b] (UINT16_MAX across
     * components), built by qtr_target_finish for sparse targets (at most
     * 8 directed edges per qubit, as devices are) of up to
     * QTR_TARGET_DIST_MAX qubits, NULL otherwise. Layout and routing passes
     * need them for every circuit; a batch transpiles thousands against one
     * target. */
    uint16_t *dist;
    /* Optional calibration data, NULL when absent; NaN entries unknown. */
    double   *err1q;                 /* per qubit: error of its 1q gates (sx) */
    double   *err_readout;           /* per qubit: measurement error */
    double   *err2q;                 /* per directed edge (same index as edges) */
    double   *dur1q, *dur2q;         /* seconds, same indexing */
    /* Translation plans (basis, direction, unrolling), each built by the
     * first circuit that needs it and then shared, read only, by every later
     * circuit and thread (src/pass_basis.c). Internal: freed by
     * qtr_target_free, dropped by qtr_target_set_basis. */
    void     *plans[3];
    /* Basis names the gate table does not know (a device's own gates, e.g.
     * Qiskit backends that list a custom gate): an opaque gate of such a
     * name passes through transpilation (qtr_target_has_gate_named). Owned;
     * set by qtr_target_set_basis. */
    char    **named_gates;
    uint32_t  nnamed_gates;
} qtr_target;

/** New target with @p nqubits qubits, no basis and no edges. */
qtr_status qtr_target_new(qtr_target **out, const char *name, uint32_t nqubits, qtr_ctx *ctx);
void qtr_target_free(qtr_target *t);
/** Add directed edge (a, b); duplicates are ignored. */
qtr_status qtr_target_add_edge(qtr_target *t, uint32_t a, uint32_t b, qtr_ctx *ctx);
/** Build the undirected adjacency after all edges are added; validates. */
qtr_status qtr_target_finish(qtr_target *t, qtr_ctx *ctx);
/** Index of directed edge (a, b), or -1. */
long qtr_target_edge_index(const qtr_target *t, uint32_t a, uint32_t b);
#define QTR_TARGET_BITMAP_MAX 4096u
#define QTR_TARGET_DIST_MAX   1024u   /* 2 MiB of uint16 hop counts */
/** 1 when directed edge (a, b) exists: the 2q basis gate may act on (a, b). */
static inline int qtr_target_has_edge(const qtr_target *t, uint32_t a, uint32_t b)
{
    if (t->edge_bits && a < t->nqubits && b < t->nqubits) {
        uint64_t k = (uint64_t)a * t->nqubits + b;
        return (int)(t->edge_bits[k >> 6] >> (k & 63) & 1u);
    }
    return qtr_target_edge_index(t, a, b) >= 0;
}
/** 1 when a and b are connected in either direction. */
int qtr_target_connected(const qtr_target *t, uint32_t a, uint32_t b);
/** 1 when every pair of qubits is connected (no routing needed). */
int qtr_target_all_to_all(const qtr_target *t);
/** The target's 2q basis gate (cx, cz, ecr, ...), or QTR_OP_NOP if none. */
qtr_op qtr_target_2q_gate(const qtr_target *t);
/** Hop distances of the undirected coupling graph, nqubits × nqubits,
 *  UINT32_MAX between components. Caller frees with free(). */
qtr_status qtr_target_distances(const qtr_target *t, uint32_t **dist, qtr_ctx *ctx);
/** Replace the basis by a comma-separated list of gate names ("cx,rz,sx,x").
 *  A name the gate table does not know (an identifier: letter or '_', then
 *  letters, digits, '_') is kept as a gate of the device without a
 *  definition: opaque gates of that name then pass through transpilation.
 *  @return QTR_OK, or QTR_ETARGET for an empty list or item, a name that is
 *  not an identifier, or the internal names "nop" and "opaque"; the basis is
 *  unchanged on failure. */
qtr_status qtr_target_set_basis(qtr_target *t, const char *list, qtr_ctx *ctx);
/** 1 when the basis of @p t has the gate @p name: a table gate in
 *  t->basis, or one of its named gates. */
int qtr_target_has_gate_named(const qtr_target *t, const char *name);

/* ======================================================================
 * Circuit statistics (src/stats.c)
 * ====================================================================== */

/** Counts and depths of a circuit. Depth follows Qiskit's definition: the
 *  longest path through qubit and clbit wires, directives (barrier) not
 *  counted; depth_2q counts only 2-qubit gates along those paths. */
typedef struct {
    uint64_t counts[QTR_OP_COUNT];  /* instructions per op */
    uint64_t n2q;                   /* instructions on exactly 2 qubits (not barriers) */
    uint64_t size;                  /* instructions excluding barriers and nops */
    uint64_t depth, depth_2q;
} qtr_stats;

/** Fill @p s for @p c. Needs (nqubits + nclbits) × 16 bytes of scratch,
 *  counted in c's allocator (cur and peak) while the call runs; const as to
 *  the circuit's content, not its accounting.
 *  @return QTR_OK, QTR_ENOMEM, or QTR_EMEMORY when the scratch would take
 *  the circuit past its budget (c->alloc.limit). */
qtr_status qtr_circuit_stats(const qtr_circuit *c, qtr_stats *s, qtr_ctx *ctx);

/** Accumulating form for streams: add instructions [from, ninst) of each
 *  chunk in order; the result covers all chunks added. */
typedef struct qtr_stats_acc qtr_stats_acc;
qtr_stats_acc *qtr_stats_acc_new(void);
void qtr_stats_acc_free(qtr_stats_acc *a);
qtr_status qtr_stats_acc_add(qtr_stats_acc *a, const qtr_circuit *c, size_t from, qtr_ctx *ctx);
const qtr_stats *qtr_stats_acc_result(const qtr_stats_acc *a);

/* ======================================================================
 * Transpiling (src/pipeline.c)
 * ====================================================================== */

/** Pipeline stages, as in Qiskit's preset pass managers. */
typedef enum {
    QTR_STAGE_INIT, QTR_STAGE_LAYOUT, QTR_STAGE_ROUTING, QTR_STAGE_TRANSLATION,
    QTR_STAGE_OPTIMIZATION, QTR_STAGE_COUNT
} qtr_stage;

/** Name of a stage ("init", "layout", ...). */
const char *qtr_stage_name(qtr_stage s);

typedef struct {
    int      opt_level;          /* 0..3 */
    uint64_t seed;               /* for randomised passes */
    uint32_t layout_trials;      /* SABRE layout: random starting layouts; 0 = the level's */
    uint32_t swap_trials;        /* SABRE routing trials per layout; 0 = the level's */
    /* Levels 2-3 resynthesise 2q blocks; below 1 a block may drop 2q gates
     * when the result's average gate fidelity to it stays >= this (Qiskit's
     * approximation_degree). In (0, 1]; 1 = exact, the default; 0 (a
     * zero-initialised struct) also means exact. */
    double   approximation_degree;
} qtr_options;

/** What a transpile reports beside the rewritten circuit. */
typedef struct {
    double    seconds[QTR_STAGE_COUNT];
    qtr_stats in, out;           /* statistics of the input and of the output */
    uint64_t  swaps;             /* swaps inserted by routing */
    size_t    peak_bytes;        /* peak bytes of the circuit's memory, layout and
                                    routing scratch included */
    uint32_t  nvirtual;          /* input qubits */
    uint32_t  nphysical;         /* output qubits (the target's) */
    /* initial_layout[v]: physical qubit where virtual qubit v starts;
     * output_permutation[v]: physical qubit where v's state ends.
     * nvirtual entries each, owned (qtr_result_free). */
    uint32_t *initial_layout;
    uint32_t *output_permutation;
} qtr_result;

/** Level 2, seed 0, trial counts from the level. Fills every field: call it
 *  before setting some, so fields added later get their defaults. */
void qtr_options_default(qtr_options *o);
/** Release what a result owns (not the struct itself). */
void qtr_result_free(qtr_result *r);

/** Transpile @p c for @p t in place: afterwards @p c acts on t->nqubits
 *  physical qubits (one register "q"), uses only the target's basis gates plus
 *  measure, reset and barrier, and every 2q gate sits on a coupling edge in an
 *  allowed direction. @p r (may be NULL) receives layouts and statistics.
 *  @return QTR_OK, QTR_ETARGET (circuit larger than the target, a gate that
 *  cannot be expressed, routing needed but not available), QTR_ENOMEM.
 *  Deterministic for a given seed; safe to call from many threads on
 *  different circuits sharing one target. */
qtr_status qtr_transpile(qtr_circuit *c, const qtr_target *t, const qtr_options *o,
                         qtr_result *r, qtr_ctx *ctx);

/** Check that @p c conforms to @p t: only basis gates (plus measure, reset,
 *  barrier), operands within t->nqubits, every 2q gate on a directed edge.
 *  @return QTR_OK or QTR_ETARGET naming the first offending instruction. */
qtr_status qtr_target_check_circuit(const qtr_target *t, const qtr_circuit *c, qtr_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif /* QTR_H */
