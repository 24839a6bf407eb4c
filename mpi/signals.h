/* signals.h -- SIGTERM, SIGINT and SIGUSR1 ask the batch to stop after the
 * current round (Slurm's time limit sends SIGTERM; `--signal=B:USR1@120`
 * sends USR1 ahead of it; Ctrl-C sends SIGINT). A second signal of the same
 * kind takes the default action (the handler resets itself), so a user who
 * presses Ctrl-C twice is not kept waiting. */
#ifndef QTR_SIGNALS_H
#define QTR_SIGNALS_H

/** Install the handlers (main thread, before worker threads start). */
void qtr_signals_install(void);
/** Number of the first stop signal received, or 0. */
int qtr_signals_pending(void);
/** Put the previous handlers back. */
void qtr_signals_restore(void);

#endif
