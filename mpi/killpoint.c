/* killpoint.c -- QTR_TEST_KILL and QTR_TEST_STOP (killpoint.h).
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

typedef struct {
    int           armed, sig;
    char          event[16];
    unsigned long at, seen;
} request;

static request kill_at = {0, SIGKILL, "", 0, 0}, stop_at = {0, SIGSTOP, "", 0, 0};

/* Parse variable @p var into @p r for this @p rank. 0, or -1 with a message. */
static int parse(const char *var, request *r, int rank, char *msg, unsigned msglen)
{
    const char *v = getenv(var);
    if (!v || !*v) return 0;
    char name[16];
    unsigned long n = 0;
    long only = -1;
    int got = sscanf(v, "%15[a-z]:%lu:%ld", name, &n, &only);
    int known = 0;
    for (int i = 0; got >= 2 && qtr_killpoint_events[i]; i++)
        known |= !strcmp(name, qtr_killpoint_events[i]);
    if (got < 2 || !known || n == 0) {
        int at = snprintf(msg, msglen, "%s='%s': expected EVENT:N[:RANK], N >= 1, EVENT one of",
                          var, v);
        for (int i = 0; qtr_killpoint_events[i] && at > 0 && (unsigned)at < msglen; i++)
            at += snprintf(msg + at, msglen - (unsigned)at, " %s", qtr_killpoint_events[i]);
        return -1;
    }
    if (got == 3 && only != rank) return 0;
    memcpy(r->event, name, sizeof name);
    r->at = n;
    r->armed = 1;
    return 0;
}

int qtr_killpoint_init(int rank, char *msg, unsigned msglen)
{
    if (parse("QTR_TEST_KILL", &kill_at, rank, msg, msglen)) return -1;
    return parse("QTR_TEST_STOP", &stop_at, rank, msg, msglen);
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
