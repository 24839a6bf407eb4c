/* alloc.c -- the accounting allocator. Owns nothing itself: it counts what
 * passes through it so a circuit's live and peak bytes are exact, and fails
 * the chosen call for out-of-memory tests. */
#include <stdlib.h>
#include "qtr.h"

void *qtr_realloc(qtr_alloc *a, void *ptr, size_t old_size, size_t new_size)
{
    if (new_size == 0) {
        free(ptr);
        a->cur -= old_size;
        return NULL;
    }
    a->calls++;
    if (a->fail_at && a->calls == a->fail_at) return NULL;
    void *p = realloc(ptr, new_size);
    if (!p) return NULL;
    a->cur = a->cur - old_size + new_size;
    if (a->cur > a->peak) a->peak = a->cur;
    return p;
}
