/* signals.c -- the stop flag (signals.h).
 *
 * The one piece of mutable global state in the program, and the reason it
 * may exist: a signal handler has no argument through which to reach a
 * context, and sig_atomic_t is the only type it may write. Nothing but the
 * driver's main loop reads it, between rounds. */
#include <signal.h>
#include <string.h>
#include "signals.h"

static volatile sig_atomic_t stop_signal;
static struct sigaction saved[3];
static const int sigs[3] = {SIGTERM, SIGINT, SIGUSR1};

static void on_signal(int sig)
{
    if (!stop_signal) stop_signal = sig;
}

void qtr_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* SA_RESETHAND: the second signal gets the default action (terminate);
     * SA_RESTART: an interrupted read or write is resumed, not failed */
    sa.sa_flags = SA_RESETHAND | SA_RESTART;
    for (int i = 0; i < 3; i++) sigaction(sigs[i], &sa, &saved[i]);
}

int qtr_signals_pending(void) { return (int)stop_signal; }

void qtr_signals_restore(void)
{
    for (int i = 0; i < 3; i++) sigaction(sigs[i], &saved[i], NULL);
}
