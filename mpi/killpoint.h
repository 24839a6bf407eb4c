/* killpoint.h -- testing aids at named steps of the batch's file commits:
 * SIGKILL, so a test can kill a run at every point where the results file
 * changes and check that --resume completes it (tests/e2e/killpoint.sh,
 * doc/reliability.md); SIGSTOP; a failed write step on one rank.
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
 *   close    the results file was closed
 *
 *   QTR_TEST_FAIL=STEP:N[:RANK]
 *
 * makes the N-th run of a --writer=all commit's collective STEP fail on
 * this rank without calling HDF5 (an error message in the ctx, as a disk
 * error would leave), so the other ranks are left waiting inside the
 * collective it never entered (tests/e2e/faults.sh). Steps, named after
 * the event each leads to: grow (extend the pools), data (write the data),
 * flush (either flush of a round), status (write the status column).
 *
 *   QTR_TEST_AGREE_WAIT=SECONDS
 *
 * how long a rank whose collective write step failed waits for the others
 * to agree before it ends the job (rounds.c; 0: no limit, the old hang). */
#ifndef QTR_KILLPOINT_H
#define QTR_KILLPOINT_H

/** Read QTR_TEST_KILL, QTR_TEST_STOP, QTR_TEST_FAIL and
 *  QTR_TEST_AGREE_WAIT (once, before any event; @p rank is this process's
 *  MPI rank, 0 without MPI). Returns -1, with a message in @p msg, when a
 *  variable is set but malformed or names no event. */
int qtr_killpoint_init(int rank, char *msg, unsigned msglen);

/** Count one occurrence of @p event; SIGKILL (SIGSTOP) when it is the one
 *  QTR_TEST_KILL (QTR_TEST_STOP) asks for. */
void qtr_killpoint(const char *event);

/** The event names, NULL-terminated. */
extern const char *const qtr_killpoint_events[];

/** 1 when this run of --writer=all commit step @p step (one of
 *  qtr_killpoint_fail_steps) is the one QTR_TEST_FAIL asks to fail. */
int qtr_killpoint_fail(const char *step);
extern const char *const qtr_killpoint_fail_steps[];

/** QTR_TEST_AGREE_WAIT's seconds, or @p dflt when it is not set. */
double qtr_killpoint_agree_wait(double dflt);

#endif
