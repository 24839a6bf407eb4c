/* h5_journal.h -- an HDF5 file driver that makes a results file's commits
 * atomic against a kill (SIGKILL, a rank's death) with an undo journal.
 *
 * HDF5 1.10 does not journal its metadata: a process killed while a flush
 * rewrites it in place (object headers, chunk indexes, the superblock) can
 * leave a file no library can open. This driver is POSIX I/O (like HDF5's
 * default "sec2") plus one rule: before a write changes bytes that existed
 * at the last commit point, their old contents are appended to
 * FILE.journal. A commit point is the end of a successful flush: the
 * journal is then emptied. After a kill, qtr_h5_journal_recover() puts the
 * saved bytes back (newest first) and cuts the file to its size at the
 * last commit point, which gives the file exactly as that flush left it.
 * Bytes beyond that size (new chunks, new metadata) need no saving: the
 * cut removes them. The file itself is plain HDF5: the driver stores
 * nothing in it, and any HDF5 reader opens it.
 *
 * Journal layout (native byte order; it never leaves the machine that
 * wrote it): a header {magic "QTRJRNL1", st_dev, st_ino of the file it
 * belongs to, the file's size at the last commit point}, then records
 * {offset, length, the old bytes}. A record cut short by the kill is
 * ignored: the file write it guards had not started.
 *
 * Protection covers a kill of the process (its completed writes are in the
 * kernel's page cache) and the loss of the machine's power: writes below
 * the commit point are held in memory (reads see them) until the flush's
 * qtr_h5_journal_sync, which syncs the journal, then writes them, then
 * syncs the file, before the commit point empties the journal: the old
 * bytes are always on the disk before their overwrite can be. Recovery
 * syncs the restored file before it removes the journal. */
#ifndef QTR_H5_JOURNAL_H
#define QTR_H5_JOURNAL_H

#include <hdf5.h>
#include "common.h"

typedef struct qtr_h5_journal qtr_h5_journal;

/** A journal control, and an HDF5 driver registered for it, not yet
 *  protecting anything. NULL when out of memory or HDF5 refuses the driver. */
qtr_h5_journal *qtr_h5_journal_new(void);
/** Release, after the file using it is closed: unregisters the driver;
 *  when @p clean (the file was closed without error) or nothing is saved,
 *  removes the journal file, else leaves it for qtr_h5_journal_recover.
 *  Accepts NULL. */
void qtr_h5_journal_free(qtr_h5_journal *j, int clean);
/** Make @p fapl (a file access property list) use this driver. */
int qtr_h5_journal_use(qtr_h5_journal *j, hid_t fapl);
/** Start protecting the open file @p path (its final name): the current
 *  file is the first commit point. 0 or -1 (errno set). */
int qtr_h5_journal_start(qtr_h5_journal *j, const char *path);
/** Push the data file's writes to the disk: the journal's records first,
 *  then the writes below the commit point they guard (held until now),
 *  then fdatasync of the file. 0 or -1 (errno set). Call after a flush,
 *  before its commit point. */
int qtr_h5_journal_sync(qtr_h5_journal *j);
/** A commit point (call after a successful flush): empty the journal. */
int qtr_h5_journal_commit(qtr_h5_journal *j);
/** errno of the driver's last failed system call (ENOSPC: disk full), 0
 *  if none failed. */
int qtr_h5_journal_errno(const qtr_h5_journal *j);
/** Tests: call @p fn(@p ud) before each write the driver passes to the
 *  file once protection has started. */
void qtr_h5_journal_on_write(qtr_h5_journal *j, void (*fn)(void *), void *ud);

/** Roll back an interrupted commit of @p path, if FILE.journal holds one
 *  (a journal of another file of that name is removed). *@p rolled_back
 *  says whether anything was undone. */
qtr_status qtr_h5_journal_recover(const char *path, int *rolled_back, qtr_ctx *ctx);

/** 1 if PATH.journal holds writes to undo (the file may read as torn until
 *  qtr_h5_journal_recover has run), or marks a commit that cannot be undone. */
int qtr_h5_journal_pending(const char *path);

/** For a file written without this driver (parallel HDF5, whose MPI-IO
 *  driver cannot be wrapped): @p on, write PATH.journal as a mark that a
 *  commit is under way, by @p nranks ranks that each keep the undo data of
 *  their own writes in a rank journal (below); off, remove the mark at the
 *  commit point. With the mark there, qtr_h5_journal_recover undoes the
 *  rank journals' records, newest epoch first, or refuses the file when a
 *  rank journal is missing or was given up (its disk full). 0 or -1
 *  (errno set). */
int qtr_h5_journal_mark(const char *path, int on, int nranks);

/* Rank journals (mpi/mpiio_journal.h), PATH.journal.RANK, native byte
 * order: a header {magic, st_dev, st_ino of the file, its size when the
 * commit began}, then records {offset, length, epoch, order on the rank,
 * the old bytes}. */
#define QTR_H5_RANK_JOURNAL_MAGIC "QTRJRNR1"
typedef struct {
    char     magic[8];
    uint64_t dev, ino, committed;
} qtr_h5_rjheader;
typedef struct {
    uint64_t offset, length, epoch, seq;
} qtr_h5_rjrecord;

#endif
