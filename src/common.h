/* common.h -- internal helpers shared by src/ and io/: assertions, checked
 * sizes, the one array-growth helper. Not installed. */
#ifndef QTR_COMMON_H
#define QTR_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "qtr.h"

#if defined(__GNUC__)
#define QTR_LIKELY(x)   __builtin_expect(!!(x), 1)
#define QTR_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define QTR_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define QTR_LIKELY(x)   (x)
#define QTR_UNLIKELY(x) (x)
#define QTR_ALWAYS_INLINE inline
#endif

/* Internal invariants: on unless NDEBUG. User input is validated with
 * qtr_fail(), never with this. */
#ifdef NDEBUG
#define QTR_ASSERT(x) ((void)0)
#else
#include <stdio.h>
#define QTR_ASSERT(x) \
    ((x) ? (void)0 : (fprintf(stderr, "%s:%d: internal error: %s\n", __FILE__, __LINE__, #x), abort()))
#endif

#define QTR_PI 3.14159265358979323846

/** Grow the array *@p arr of elements of @p elem bytes so it holds at least
 *  @p need elements; capacity in *@p cap (elements) doubles. On failure
 *  returns -1 and leaves *arr and *cap intact; 0 on success. */
static inline int qtr_grow(qtr_alloc *a, void **arr, size_t *cap, size_t need, size_t elem)
{
    if (QTR_LIKELY(need <= *cap)) return 0;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2) return -1;
        ncap *= 2;
    }
    if (ncap > SIZE_MAX / elem) return -1;
    void *p = qtr_realloc(a, *arr, *cap * elem, ncap * elem);
    if (!p) return -1;
    *arr = p;
    *cap = ncap;
    return 0;
}

#define QTR_GROW(a, arr, cap, need) \
    qtr_grow((a), (void **)&(arr), &(cap), (need), sizeof *(arr))

#endif
