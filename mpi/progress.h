/* progress.h -- rank 0's report of a batch run on stderr: a bar redrawn in
 * place on a terminal, plain periodic lines otherwise (logs of batch jobs),
 * or nothing. Figures: done/total, circuits per second over this run, ETA,
 * failures. Owns nothing but its counters. */
#ifndef QTR_PROGRESS_H
#define QTR_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

#include "cli_opts.h" /* src/: qtr_progress_mode */


typedef struct {
    qtr_progress_mode mode;  /* resolved: never AUTO after init */
    FILE    *out;
    uint64_t total, done, failed, done0;  /* done0: already done when this run began */
    double   t0, last;       /* start, last output (monotonic seconds) */
    double   interval;       /* seconds between log lines */
    int      drawn;          /* a bar line is on screen */
} qtr_progress;

void qtr_progress_init(qtr_progress *p, qtr_progress_mode m, FILE *out, uint64_t total,
                       uint64_t done, uint64_t failed);
/** New totals; prints when due (@p force: always). */
void qtr_progress_update(qtr_progress *p, uint64_t done, uint64_t failed, int force);
/** Print a message without breaking a bar. */
void qtr_progress_say(qtr_progress *p, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/** Final line. */
void qtr_progress_finish(qtr_progress *p, const char *how);

#endif
