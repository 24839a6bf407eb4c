/* keep.h -- memory for one round's small results.
 *
 * A worker's output circuits stay alive until their round is committed. A
 * small one left where the transpiler's own allocations put it pins that
 * place in the worker's malloc heap: with rounds of ~800 short circuits,
 * the heap grew to ~16 MiB of holes between results, and the next long
 * circuit's scratch, spread over those holes, made every later long circuit
 * peak ~12 MiB above the first. So small results are copied into blocks of
 * their own, handed back to the system whole when the round is committed.
 *
 * Not thread-safe: one qtr_keep per thread. */
#ifndef QTR_KEEP_H
#define QTR_KEEP_H

#include <stddef.h>

/** Bytes of one block; a single allocation may not exceed it. */
#define QTR_KEEP_BLOCK ((size_t)1 << 20)

typedef struct qtr_keep_block qtr_keep_block;

typedef struct {
    qtr_keep_block *head;  /* the block being filled; older ones follow */
} qtr_keep;

/** @p n bytes aligned for any type, valid until qtr_keep_release. NULL when
 *  @p n exceeds QTR_KEEP_BLOCK or memory is short. */
void *qtr_keep_alloc(qtr_keep *k, size_t n);

/** Give back every block (the keep is empty and usable again). */
void qtr_keep_release(qtr_keep *k);

#endif
