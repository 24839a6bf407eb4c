/* alloc.c -- the accounting allocator and the per-circuit memory budget.
 * Owns nothing itself: it counts what passes through it so a circuit's live
 * and peak bytes are exact, refuses a call that would take them above the
 * allocator's budget (limit), and fails the chosen call for out-of-memory
 * tests. The budget is checked here, where every byte a circuit owns passes,
 * so no reader or pass has to estimate sizes beforehand. */
#include <errno.h>
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
    if (a->limit && new_size > old_size &&
        (a->cur >= a->limit || new_size - old_size > a->limit - a->cur)) {
        a->over = 1;
        return NULL;
    }
    void *p = realloc(ptr, new_size);
    if (!p) return NULL;
    a->cur = a->cur - old_size + new_size;
    if (a->cur > a->peak) a->peak = a->cur;
    return p;
}

qtr_status qtr_fail_budget(qtr_ctx *ctx, const char *what, size_t limit)
{
    double mib = (double)limit / (1024.0 * 1024.0);
    return qtr_fail(ctx, QTR_EMEMORY,
                    "%s: the circuit needs more than its memory budget of %.*f MiB (--max-memory)", what,
                    mib < 10 ? 1 : 0, mib);
}

int qtr_parse_bytes(const char *s, size_t *out)
{
    if (!s || *s < '0' || *s > '9') return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s) return -1;
    int shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; break;
    case 'm': case 'M': shift = 20; break;
    case 'g': case 'G': shift = 30; break;
    case 't': case 'T': shift = 40; break;
    case '\0': break;
    default: return -1;
    }
    if (shift) {
        end++;
        if (*end == 'i' || *end == 'I') end++;   /* "2GiB" */
        if (*end == 'b' || *end == 'B') end++;
    } else if (*end == 'b' || *end == 'B') {
        end++;
    }
    if (*end || v == 0 || v > (unsigned long long)(SIZE_MAX >> shift)) return -1;
    *out = (size_t)(v << shift);
    return 0;
}
