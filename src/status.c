/* status.c -- status texts, the per-thread context (message, RNG) and seeding.
 * No globals are written: everything mutable lives in the caller's qtr_ctx. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "qtr.h"

static const char *const status_text[QTR_STATUS_COUNT] = {
    [QTR_OK] = "ok",
    [QTR_ENOMEM] = "out of memory",
    [QTR_EIO] = "I/O error",
    [QTR_EPARSE] = "syntax error",
    [QTR_EQUBIT] = "bit index out of range",
    [QTR_EINVAL] = "invalid argument",
    [QTR_ETARGET] = "target error",
    [QTR_EUNSUPPORTED] = "unsupported",
    [QTR_EVERIFY] = "verification failed",
    [QTR_ELIMIT] = "size limit exceeded",
    [QTR_EMEMORY] = "memory budget exceeded",
};

const char *qtr_status_text(qtr_status st)
{
    if ((unsigned)st >= QTR_STATUS_COUNT || !status_text[st]) return "unknown status";
    return status_text[st];
}

qtr_status qtr_fail(qtr_ctx *ctx, qtr_status st, const char *fmt, ...)
{
    if (!ctx) return st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->msg, sizeof ctx->msg, fmt, ap);
    va_end(ap);
    return st;
}

const char *qtr_ctx_message(const qtr_ctx *ctx) { return ctx->msg; }

/* ---- random numbers: splitmix64 seeding, xoshiro256** (Blackman & Vigna) ---- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

uint64_t qtr_seed_for(uint64_t seed, uint64_t index)
{
    uint64_t x = seed ^ (0x6a09e667f3bcc909u * (index + 1));
    return splitmix64(&x);
}

void qtr_ctx_init(qtr_ctx *ctx, uint64_t seed)
{
    ctx->msg[0] = '\0';
    ctx->seed = seed;
    ctx->max_memory = 0;
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) ctx->rng[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t qtr_rng_next(qtr_ctx *ctx)
{
    uint64_t *s = ctx->rng;
    uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t; s[3] = rotl(s[3], 45);
    return r;
}

double qtr_rng_uniform(qtr_ctx *ctx) { return (double)(qtr_rng_next(ctx) >> 11) * 0x1.0p-53; }
