/* progress.c -- progress bar and log lines (progress.h). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "progress.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void qtr_progress_init(qtr_progress *p, qtr_progress_mode m, FILE *out, uint64_t total,
                       uint64_t done, uint64_t failed)
{
    memset(p, 0, sizeof *p);
    if (m == QTR_PROGRESS_AUTO) m = isatty(fileno(out)) ? QTR_PROGRESS_BAR : QTR_PROGRESS_LOG;
    p->mode = m;
    p->out = out;
    p->total = total;
    p->done = p->done0 = done;
    p->failed = failed;
    p->t0 = p->last = now();
    /* seconds between log lines; QTR_PROGRESS_INTERVAL overrides (0: a line
     * per round, which the tests use to act at a known point of a run) */
    const char *iv = getenv("QTR_PROGRESS_INTERVAL");
    p->interval = iv ? strtod(iv, NULL) : 10.0;
    if (!(p->interval >= 0)) p->interval = 10.0;
}

/* "1:02:03", "4:05" or "17s". */
static void fmt_duration(char *buf, size_t len, double s)
{
    if (!(s >= 0) || s > 1e8) {
        snprintf(buf, len, "?");
        return;
    }
    unsigned long t = (unsigned long)(s + 0.5);
    if (t >= 3600) snprintf(buf, len, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
    else if (t >= 60) snprintf(buf, len, "%lu:%02lu", t / 60, t % 60);
    else snprintf(buf, len, "%lus", t);
}

static void draw(qtr_progress *p, double t, int final)
{
    double el = t - p->t0, rate = el > 0 ? (double)(p->done - p->done0) / el : 0;
    char eta[32];
    fmt_duration(eta, sizeof eta, rate > 0 ? (double)(p->total - p->done) / rate : -1);
    double frac = p->total ? (double)p->done / (double)p->total : 1.0;
    if (p->mode == QTR_PROGRESS_BAR) {
        char bar[31];
        int w = (int)(frac * 30 + 0.5);
        for (int i = 0; i < 30; i++) bar[i] = i < w ? '#' : '.';
        bar[30] = '\0';
        fprintf(p->out, "\r[%s] %llu/%llu %5.1f%% %.1f circ/s ETA %s failed %llu\033[K", bar,
                (unsigned long long)p->done, (unsigned long long)p->total, 100 * frac, rate, eta,
                (unsigned long long)p->failed);
        if (final) fputc('\n', p->out);
        p->drawn = !final;
    } else {
        fprintf(p->out,
                "qtranspile: %llu/%llu circuits done (%.1f%%), %.1f circuits/s, ETA %s, %llu "
                "failed\n",
                (unsigned long long)p->done, (unsigned long long)p->total, 100 * frac, rate, eta,
                (unsigned long long)p->failed);
    }
    fflush(p->out);
    p->last = t;
}

void qtr_progress_update(qtr_progress *p, uint64_t done, uint64_t failed, int force)
{
    p->done = done;
    p->failed = failed;
    if (p->mode == QTR_PROGRESS_NONE) return;
    double t = now();
    double every = p->mode == QTR_PROGRESS_BAR ? 0.2 : p->interval;
    if (force || t - p->last >= every) draw(p, t, 0);
}

void qtr_progress_say(qtr_progress *p, const char *fmt, ...)
{
    if (p->drawn) {
        fputs("\r\033[K", p->out);
        p->drawn = 0;
    }
    va_list ap;
    va_start(ap, fmt);
    fputs("qtranspile: ", p->out);
    vfprintf(p->out, fmt, ap);
    fputc('\n', p->out);
    va_end(ap);
    if (p->mode == QTR_PROGRESS_BAR) draw(p, now(), 0);
    fflush(p->out);
}

void qtr_progress_finish(qtr_progress *p, const char *how)
{
    if (p->mode == QTR_PROGRESS_NONE) return;
    double t = now();
    if (p->mode == QTR_PROGRESS_BAR) draw(p, t, 1);
    double el = t - p->t0;
    fprintf(p->out, "qtranspile: %s: %llu/%llu circuits done, %llu failed, %.1f s (%.1f circuits/s)\n",
            how, (unsigned long long)p->done, (unsigned long long)p->total,
            (unsigned long long)p->failed, el,
            el > 0 ? (double)(p->done - p->done0) / el : 0.0);
    fflush(p->out);
}
