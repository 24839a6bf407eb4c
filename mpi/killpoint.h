/* killpoint.h -- a testing aid: SIGKILL at a named step of the batch's
 * file commits, so a test can kill a run at every point where the results
 * file changes and check that --resume completes it (tests/e2e/killpoint.sh,
 * doc/reliability.md).
 *
 *   QTR_TEST_KILL=EVENT:N[:RANK]
 *
 * kills the process (SIGKILL, no clean-up) at the N-th time (from 1) it
 * reaches EVENT; with RANK, only that MPI rank counts.
 *
 *   QTR_TEST_STOP=EVENT:N[:RANK]
 *
 * stops it there instead (SIGSTOP; continued, it waits there until
 * killed), holding whatever it holds (its open results file, its place in
 * a collective), so that a test can act on a run at a known point without
 * racing it (tests/e2e/faults.sh). Unset (the
 * normal case), every call is two tests of a flag. Events, in the order a
 * run reaches them (qtr_killpoint_events lists them):
 *   create   the results file was created under its temporary name
 *   header   its header and index are written and flushed, not yet renamed
 *   publish  renamed into place
 *   open     (--resume) the existing results file was opened for writing
 *   commit   a round's commit begins (every rank, either writer)
 *   grow     a round's pools were extended
 *   data     a round's data (every dataset but status) was written
 *   flush    a flush begins (twice per round: after the data, after status)
 *   write    one write to the results file, once it is protected by its
 *            journal (h5_journal.h): inside a round's writes and flushes,
 *            and the final close; the kills HDF5's own metadata writes
 *            could not survive without the journal
 *   flushed  a flush has ended
 *   status   a round's status column was written, not yet flushed
 *   timing   /timing was written at the end of the run
 *   close    the results file was closed */
#ifndef QTR_KILLPOINT_H
#define QTR_KILLPOINT_H

/** Read QTR_TEST_KILL and QTR_TEST_STOP (once, before any event; @p rank
 *  is this process's MPI rank, 0 without MPI). Returns -1, with a message
 *  in @p msg, when a variable is set but malformed or names no event. */
int qtr_killpoint_init(int rank, char *msg, unsigned msglen);

/** Count one occurrence of @p event; SIGKILL (SIGSTOP) when it is the one
 *  QTR_TEST_KILL (QTR_TEST_STOP) asks for. */
void qtr_killpoint(const char *event);

/** The event names, NULL-terminated. */
extern const char *const qtr_killpoint_events[];

#endif
