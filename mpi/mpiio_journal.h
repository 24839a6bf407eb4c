/* mpiio_journal.h -- an undo journal for the results file written through
 * parallel HDF5's MPI-IO driver (--writer=all), so that a kill at any
 * instant of a commit leaves a file --resume rolls back and completes, as
 * the serial driver's journal does (io/h5_journal.h).
 *
 * HDF5 1.10's MPI-IO driver cannot be wrapped as a file driver, but every
 * byte it writes goes through MPI_File_write_at(_all) and MPI_File_set_size,
 * which this module interposes (the MPI profiling interface: the program
 * defines them and calls PMPI_*). Between qtr_mpiio_journal_begin and
 * qtr_mpiio_journal_end, before a write changes bytes below the size the
 * file had at begin, each rank appends their old contents to its own
 * journal, RESULTS.h5.journal.RANK, tagged with the epoch of the write (the
 * number of collective calls on the file so far: the same on every rank)
 * and its order on the rank. Writes of one epoch by different ranks never
 * overlap (MPI's rule for collective writes; HDF5 writes each metadata
 * entry from one rank), and a collective write's old bytes are read before
 * any rank's data of that call is written, so undoing the epochs newest
 * first gives the file as it was at begin (qtr_h5_journal_recover, when
 * rank 0's commit mark is there). Covers a kill, not a power loss (no sync
 * of the journal before the writes it guards).
 *
 * Owns: process-wide state (the one results file, its journal), set on the
 * main thread, the only one that calls HDF5. */
#ifndef QTR_MPIIO_JOURNAL_H
#define QTR_MPIIO_JOURNAL_H

#include <stdint.h>

/** A commit of @p path (the results file, already open through MPI-IO)
 *  begins on this rank: empty its journal, note the file's size. Call on
 *  every rank before rank 0 writes the commit mark, with a collective
 *  between. 0, or -1 (errno set). */
int qtr_mpiio_journal_begin(const char *path, int rank);

/** errno of a save that failed during this commit (the journal then
 *  cannot undo it and is emptied, so that recovery refuses the file), or
 *  0. Check before the commit's end. */
int qtr_mpiio_journal_failed(void);

/** The commit ended (the mark is removed): stop saving. */
void qtr_mpiio_journal_end(void);

/** The run is over (the file closed, no mark left): remove this rank's
 *  journal and release the module's state. */
void qtr_mpiio_journal_finish(void);

/** Writes guarded since the program started (tests, --verbose). */
uint64_t qtr_mpiio_journal_saves(void);

#endif
