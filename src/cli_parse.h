/* cli_parse.h -- option values shared by the single-circuit form (src/main.c)
 * and the batch form (mpi/batch_main.c), so the two accept the same things.
 * Program code, not library; each caller words its own usage message. */
#ifndef QTR_CLI_PARSE_H
#define QTR_CLI_PARSE_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

/* Help lines of the options parsed here that both forms take. */
#define QTR_CLI_HELP_TRIALS_APPROX \
    "      --layout-trials N      SABRE layout: random starting layouts, 1..1000\n" \
    "                             (default: the level's, 5 at -O 1, 20 at -O 2/3)\n" \
    "      --swap-trials N        SABRE routing trials per layout, 1..1000\n" \
    "                             (default: the level's, 5 at -O 0/1, 20 at -O 2/3)\n" \
    "      --approximation-degree X\n" \
    "                             0 < X <= 1: levels 2-3 may replace a 2-qubit\n" \
    "                             block by fewer 2-qubit gates when the average\n" \
    "                             gate fidelity stays >= X (default 1: exact)\n"

/* Most trials --layout-trials / --swap-trials take. */
#define QTR_CLI_MAX_TRIALS 1000

/** A whole decimal number below 2^64 (no sign, no spaces); 0 ok, -1 not. */
static inline int qtr_cli_parse_u64(const char *s, uint64_t *out)
{
    if (!s || s[0] < '0' || s[0] > '9') return -1;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) return -1;
    *out = (uint64_t)v;
    return 0;
}

/** A trial count, 1..QTR_CLI_MAX_TRIALS; 0 ok, -1 not. */
static inline int qtr_cli_parse_trials(const char *s, uint32_t *out)
{
    uint64_t v;
    if (qtr_cli_parse_u64(s, &v) || v < 1 || v > QTR_CLI_MAX_TRIALS) return -1;
    *out = (uint32_t)v;
    return 0;
}

/** An approximation degree in (0, 1]; 0 ok, -1 not. */
static inline int qtr_cli_parse_degree(const char *s, double *out)
{
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (!s[0] || *end || errno || !(d > 0 && d <= 1)) return -1;
    *out = d;
    return 0;
}

#endif
