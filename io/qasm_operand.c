/* qasm_operand.c -- what an OpenQASM operand denotes (qasm_operand.h): a
 * register's index or slice checked and turned into start/step/count, the
 * broadcast size of a statement's operands, the distinct qubits of one
 * broadcast instance and a barrier's union. Owns nothing between calls but
 * the caller's per-qubit flags (kept clear). Borrows the readers' register
 * tables. Both readers call it, so a statement means the same in either
 * version. */
#include <string.h>
#include "common.h"
#include "qasm_operand.h"

/* Bound @p b of a register of @p size bits, negative from the end, into *k;
 * 0 when it lies inside the register. */
static int resolve(const qtr_qasm_bound *b, uint32_t size, int64_t *k)
{
    int64_t v = b->v;
    if (v < 0) v += size;
    *k = v;
    return v >= 0 && v < (int64_t)size ? 0 : -1;
}

qtr_qasm_sel qtr_qasm_select(uint32_t ri, const qtr_qasm_reg *reg, const qtr_qasm_bound *b,
                             int n, qtr_qasm_arg *a, int *bad)
{
    int64_t start, end, step = 1;
    a->reg = ri;
    *bad = 0;
    if (n == 1) {
        if (resolve(&b[0], reg->size, &start)) return QTR_QASM_SEL_RANGE;
        a->start = (uint32_t)start;
        a->count = 1;
        a->step = 1;
        a->many = 0;
        return QTR_QASM_SEL_OK;
    }
    const qtr_qasm_bound *bs = &b[0], *be = &b[n - 1];
    if (n == 3 && b[1].given) step = b[1].v;
    if (step == 0) {
        *bad = 1;
        return QTR_QASM_SEL_STEP;
    }
    /* a step past the register's size selects the start alone */
    if (step > (int64_t)reg->size) step = reg->size ? reg->size : 1;
    if (step < -(int64_t)reg->size) step = reg->size ? -(int64_t)reg->size : -1;
    if (!bs->given) start = step > 0 ? 0 : (int64_t)reg->size - 1;
    else if (resolve(bs, reg->size, &start)) return QTR_QASM_SEL_RANGE;
    if (!be->given) {
        end = step > 0 ? (int64_t)reg->size - 1 : 0;
    } else if (resolve(be, reg->size, &end)) {
        *bad = n - 1;
        return QTR_QASM_SEL_RANGE;
    }
    int64_t span = step > 0 ? end - start : start - end;
    if (span < 0 || reg->size == 0) {
        *bad = n - 1;
        return QTR_QASM_SEL_EMPTY;
    }
    a->start = (uint32_t)start;
    a->count = (uint32_t)(span / (step > 0 ? step : -step) + 1);
    a->step = (int32_t)step;
    a->many = 1;
    return QTR_QASM_SEL_OK;
}

const qtr_qasm_arg *qtr_qasm_broadcast(const qtr_qasm_arg *args, size_t n, uint32_t *size,
                                       const qtr_qasm_arg **first)
{
    *first = NULL;
    *size = 1;
    for (size_t i = 0; i < n; i++) {
        const qtr_qasm_arg *a = &args[i];
        if (!a->many) continue;
        if (!*first) {
            *first = a;
            *size = a->count;
        } else if (a->count != *size) {
            return a;
        }
    }
    return NULL;
}

int qtr_qasm_marks_grow(qtr_alloc *a, qtr_qasm_marks *m, size_t n)
{
    if (n <= m->cap) return 0;
    uint8_t *f = qtr_realloc(a, m->flag, m->cap, n);
    if (!f) return -1;
    memset(f + m->cap, 0, n - m->cap);
    m->flag = f;
    m->cap = n;
    return 0;
}

void qtr_qasm_marks_free(qtr_alloc *a, qtr_qasm_marks *m)
{
    qtr_realloc(a, m->flag, m->cap, 0);
    m->flag = NULL;
    m->cap = 0;
}

int qtr_qasm_instance(const qtr_qasm_reg *regs, const qtr_qasm_arg *args, uint32_t n, uint32_t i,
                      qtr_qasm_marks *m, uint32_t *q)
{
    for (uint32_t k = 0; k < n; k++) q[k] = qtr_qasm_arg_bit(regs, &args[k], i);
    if (n < 2) return 1;
    if (n == 2) return q[0] != q[1];
    uint32_t k;
    for (k = 0; k < n && !m->flag[q[k]]; k++) m->flag[q[k]] = 1;
    for (uint32_t j = 0; j < k; j++) m->flag[q[j]] = 0;
    return k == n;
}

int qtr_qasm_union(qtr_alloc *a, qtr_qasm_marks *m, const qtr_qasm_reg *regs,
                   const qtr_qasm_arg *args, size_t n, uint32_t **buf, size_t *len, size_t *cap)
{
    size_t l0 = *len;
    int fail = 0;
    for (size_t k = 0; k < n && !fail; k++) {
        uint32_t size = qtr_qasm_arg_size(&args[k]);
        if (qtr_grow(a, (void **)buf, cap, *len + size, sizeof **buf)) {
            fail = -1;
            break;
        }
        for (uint32_t i = 0; i < size; i++) {
            uint32_t b = qtr_qasm_arg_bit(regs, &args[k], i);
            if (!m->flag[b]) {
                m->flag[b] = 1;
                (*buf)[(*len)++] = b;
            }
        }
    }
    for (size_t i = l0; i < *len; i++) m->flag[(*buf)[i]] = 0;
    return fail;
}
