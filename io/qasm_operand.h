/* qasm_operand.h -- operands of both OpenQASM readers (qasm_parse.c,
 * qasm3_parse.c), from what a statement names to flat bit numbers: the
 * registers as the readers keep them, an operand (a whole register, one bit,
 * a slice or a physical qubit), its selection checked against its register,
 * broadcast sizes, distinct qubits of one instance and the union a barrier
 * holds. Each reader parses operands its own way (their syntax differs);
 * what they denote is decided here. Internal to io/: not installed. */
#ifndef QTR_QASM_OPERAND_H
#define QTR_QASM_OPERAND_H

#include <stddef.h>
#include <stdint.h>
#include "qtr.h"

/* A declared register: flat bits first .. first+size, its index in the
 * circuit's qregs/cregs, its name's offset in the reader's names arena
 * (UINT32_MAX: none, a register made for physical qubits). */
typedef struct {
    uint32_t first, size, cindex, name;
} qtr_qasm_reg;

/* An operand as written: bits start, start+step, ... (count of them) of
 * register reg, or physical qubit `start` (reg QTR_QASM_PHYS). `many` says
 * whether it broadcasts (a whole register or a slice) or names one bit. */
#define QTR_QASM_PHYS UINT32_MAX
typedef struct {
    uint32_t reg, start, count;
    int32_t step;
    uint8_t many;
    uint32_t line, col;
} qtr_qasm_arg;

/** The whole register @p reg (index @p ri) as an operand written at line:col. */
static inline qtr_qasm_arg qtr_qasm_whole(uint32_t ri, const qtr_qasm_reg *reg, uint32_t line,
                                          uint32_t col)
{
    return (qtr_qasm_arg){ri, 0, reg->size, 1, 1, line, col};
}

/** Bits an operand names (1 for one bit). */
static inline uint32_t qtr_qasm_arg_size(const qtr_qasm_arg *a) { return a->many ? a->count : 1; }

/** Its @p i-th bit (i < size; any i for one bit: broadcast repeats it). */
static inline uint32_t qtr_qasm_arg_bit(const qtr_qasm_reg *regs, const qtr_qasm_arg *a, uint32_t i)
{
    if (a->reg == QTR_QASM_PHYS) return a->start;
    uint32_t k = a->many ? (uint32_t)((int64_t)a->start + (int64_t)i * a->step) : a->start;
    return regs[a->reg].first + k;
}

/* Why a selection was refused (qtr_qasm_select). */
typedef enum {
    QTR_QASM_SEL_OK = 0,
    QTR_QASM_SEL_RANGE,   /* an index outside the register */
    QTR_QASM_SEL_STEP,    /* a step of 0 */
    QTR_QASM_SEL_EMPTY    /* a range that selects nothing */
} qtr_qasm_sel;

/* One part of a selection "[a]" or "[a:b]" / "[a:s:b]": its value, negative
 * counting from the end (OpenQASM 3), or absent (an omitted range bound). */
typedef struct {
    int64_t v;
    uint8_t given;
} qtr_qasm_bound;

/** Fill @p a (reg, start, count, step, many) for register @p ri of @p reg
 *  selected by @p n bounds: 1 an index, 2 "start:end", 3 "start:step:end"
 *  (ends inclusive, as OpenQASM 3 says); *bad gets the bound at fault. */
qtr_qasm_sel qtr_qasm_select(uint32_t ri, const qtr_qasm_reg *reg, const qtr_qasm_bound *b,
                             int n, qtr_qasm_arg *a, int *bad);

/** The common size of the broadcasting operands among args[0..n) into
 *  *size (1 if none). @return NULL, or the first operand whose size differs
 *  (*first: the operand that set the size). */
const qtr_qasm_arg *qtr_qasm_broadcast(const qtr_qasm_arg *args, size_t n, uint32_t *size,
                                       const qtr_qasm_arg **first);

/* Per-qubit flags, all clear between calls: duplicate checks. */
typedef struct {
    uint8_t *flag;
    size_t cap;
} qtr_qasm_marks;

/** Room for qubits 0 .. @p n-1. @return 0, or -1 when out of memory. */
int qtr_qasm_marks_grow(qtr_alloc *a, qtr_qasm_marks *m, size_t n);
void qtr_qasm_marks_free(qtr_alloc *a, qtr_qasm_marks *m);

/** Bits i of args[0..n) into q[0..n): one instance of a broadcast gate.
 *  @return 1 when they are distinct (@p m has room for every qubit). */
int qtr_qasm_instance(const qtr_qasm_reg *regs, const qtr_qasm_arg *args, uint32_t n, uint32_t i,
                      qtr_qasm_marks *m, uint32_t *q);

/** Append every bit of args[0..n) to *buf (length *len, capacity *cap,
 *  grown in @p a), each qubit once and in first-named order: what a
 *  barrier holds. @return 0, or -1 when out of memory. */
int qtr_qasm_union(qtr_alloc *a, qtr_qasm_marks *m, const qtr_qasm_reg *regs,
                   const qtr_qasm_arg *args, size_t n, uint32_t **buf, size_t *len, size_t *cap);

#endif
