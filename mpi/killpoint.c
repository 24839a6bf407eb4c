/* killpoint.c -- QTR_TEST_KILL, QTR_TEST_STOP, QTR_TEST_FAIL and
 * QTR_TEST_AGREE_WAIT (killpoint.h).
 *
 * Owns: the parsed requests and their counters, process-wide: the events
 * are reached by the coordinator thread only (the one thread that calls
 * HDF5), and a test sets the variables for the whole process. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "killpoint.h"

const char *const qtr_killpoint_events[] = {"create", "header",  "publish", "open",
                                            "commit", "grow",    "data",    "flush",
                                            "write",  "flushed", "status",  "timing",
                                            "close",  NULL};

const char *const qtr_killpoint_fail_steps[] = {"grow", "data", "flush", "status", NULL};

typedef struct {
    int           armed, sig;  /* sig 0: a step to fail (QTR_TEST_FAIL) */
    char          event[16];
    unsigned long at, seen;
} request;

static request kill_at = {0, SIGKILL, "", 0, 0}, stop_at = {0, SIGSTOP, "", 0, 0},
               fail_at = {0, 0, "", 0, 0};
static double agree_wait = -1;  /* QTR_TEST_AGREE_WAIT, or -1 when unset */

/* Parse variable @p var into @p r for this @p rank, EVENT one of @p names.
 * 0, or -1 with a message. */
static int parse(const char *var, const char *const *names, request *r, int rank, char *msg,
                 unsigned msglen)
{
    const char *v = getenv(var);
    if (!v || !*v) return 0;
    char name[16];
    unsigned long n = 0;
    long only = -1;
    int got = sscanf(v, "%15[a-z]:%lu:%ld", name, &n, &only);
    int known = 0;
    for (int i = 0; got >= 2 && names[i]; i++) known |= !strcmp(name, names[i]);
    if (got < 2 || !known || n == 0) {
        int at = snprintf(msg, msglen, "%s='%s': expected EVENT:N[:RANK], N >= 1, EVENT one of",
                          var, v);
        for (int i = 0; names[i] && at > 0 && (unsigned)at < msglen; i++)
            at += snprintf(msg + at, msglen - (unsigned)at, " %s", names[i]);
        return -1;
    }
    if (got == 3 && only != rank) return 0;
    memcpy(r->event, name, sizeof name);
    r->at = n;
    r->armed = 1;
    return 0;
}

static int parse_wait(char *msg, unsigned msglen)
{
    const char *v = getenv("QTR_TEST_AGREE_WAIT");
    if (!v || !*v) return 0;
    char *end;
    double s = strtod(v, &end);
    if (end == v || *end || !(s >= 0 && s <= 1e6)) {
        snprintf(msg, msglen, "QTR_TEST_AGREE_WAIT='%s': expected seconds, 0 to 1000000 "
                              "(0: no deadline)", v);
        return -1;
    }
    agree_wait = s;
    return 0;
}

int qtr_killpoint_init(int rank, char *msg, unsigned msglen)
{
    if (parse("QTR_TEST_KILL", qtr_killpoint_events, &kill_at, rank, msg, msglen) ||
        parse("QTR_TEST_STOP", qtr_killpoint_events, &stop_at, rank, msg, msglen) ||
        parse("QTR_TEST_FAIL", qtr_killpoint_fail_steps, &fail_at, rank, msg, msglen))
        return -1;
    return parse_wait(msg, msglen);
}

static void reach(request *r, const char *event)
{
    if (!r->armed || strcmp(event, r->event) || ++r->seen != r->at) return;
    if (r->sig == SIGSTOP) {
        /* held here until killed: when its mpirun dies, the kernel sends
         * the stopped rank's orphaned process group SIGHUP and SIGCONT,
         * which must not end it or let it go on */
        signal(SIGHUP, SIG_IGN);
        raise(SIGSTOP);
        for (;;) pause();
    }
    raise(r->sig);
}

void qtr_killpoint(const char *event)
{
    reach(&kill_at, event);
    reach(&stop_at, event);
}

int qtr_killpoint_fail(const char *step)
{
    return fail_at.armed && !strcmp(step, fail_at.event) && ++fail_at.seen == fail_at.at;
}

double qtr_killpoint_agree_wait(double dflt)
{
    return agree_wait >= 0 ? agree_wait : dflt;
}
