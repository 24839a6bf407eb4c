/* keep.c -- blocks of one round's small results (keep.h). */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <stdalign.h>
#include <stdlib.h>
#include "keep.h"

struct qtr_keep_block {
    qtr_keep_block *next;
    size_t          used;
    alignas(max_align_t) unsigned char data[];
};

void *qtr_keep_alloc(qtr_keep *k, size_t n)
{
    const size_t align = alignof(max_align_t);
    if (n > QTR_KEEP_BLOCK) return NULL;
    n = (n + align - 1) / align * align;
    qtr_keep_block *b = k->head;
    if (!b || QTR_KEEP_BLOCK - b->used < n) {
        /* a block of 1 MiB is above the batch's mmap threshold (batch_main.c),
         * so it is mapped on its own and unmapped when released */
        b = malloc(sizeof *b + QTR_KEEP_BLOCK);
        if (!b) return NULL;
        b->next = k->head;
        b->used = 0;
        k->head = b;
    }
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

void qtr_keep_release(qtr_keep *k)
{
    while (k->head) {
        qtr_keep_block *b = k->head;
        k->head = b->next;
        free(b);
    }
}
