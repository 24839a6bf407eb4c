/* killpoint.c -- QTR_TEST_KILL (killpoint.h).
 *
 * Owns: the parsed request and its counter, process-wide: the events are
 * reached by the coordinator thread only (the one thread that calls HDF5),
 * and a test sets the variable for the whole process. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "killpoint.h"

const char *const qtr_killpoint_events[] = {"create", "header",  "publish", "open",
                                            "grow",   "data",    "flush",   "write",
                                            "flushed", "status", "timing",  "close",
                                            NULL};

static struct {
    int           armed;
    char          event[16];
    unsigned long at, seen;
} kill_at;

int qtr_killpoint_init(int rank, char *msg, unsigned msglen)
{
    const char *v = getenv("QTR_TEST_KILL");
    if (!v || !*v) return 0;
    char name[16];
    unsigned long n = 0;
    long only = -1;
    int got = sscanf(v, "%15[a-z]:%lu:%ld", name, &n, &only);
    int known = 0;
    for (int i = 0; got >= 2 && qtr_killpoint_events[i]; i++)
        known |= !strcmp(name, qtr_killpoint_events[i]);
    if (got < 2 || !known || n == 0) {
        int at = snprintf(msg, msglen, "QTR_TEST_KILL='%s': expected EVENT:N[:RANK], N >= 1, "
                                       "EVENT one of", v);
        for (int i = 0; qtr_killpoint_events[i] && at > 0 && (unsigned)at < msglen; i++)
            at += snprintf(msg + at, msglen - (unsigned)at, " %s", qtr_killpoint_events[i]);
        return -1;
    }
    if (got == 3 && only != rank) return 0;
    memcpy(kill_at.event, name, sizeof name);
    kill_at.at = n;
    kill_at.armed = 1;
    return 0;
}

void qtr_killpoint(const char *event)
{
    if (!kill_at.armed || strcmp(event, kill_at.event)) return;
    if (++kill_at.seen == kill_at.at) raise(SIGKILL);
}
