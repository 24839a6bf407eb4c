/* h5_store.h -- reading and writing qtranspile HDF5 batch files (format v1,
 * doc/hdf5-format.md): an input batch of circuits (packed records or QASM
 * text) and a results file in the same layout plus status, messages,
 * statistics and layouts.
 *
 * Model: a file holds n rows (circuits). Each row has index columns (qubits,
 * clbits, phase, name) and, per pool, a segment [start, start+count) of a pool
 * dataset (instruction records, parameters, operand words, registers,
 * layouts). Readers and writers move rows in *blocks*: a qtr_h5_block holds
 * some rows, sorted by row number, with their pool segments concatenated in
 * row order in memory. A block knows nothing of HDF5 and can be built,
 * decoded and freed from any thread.
 *
 * Ownership: qtr_h5_open/qtr_h5_create hand over a file the caller must
 * qtr_h5_close. A block is a value the caller owns (init/fini). Every other
 * function borrows its arguments.
 *
 * Threads: HDF5 is not thread-safe (the Debian builds are not built
 * thread-safe), so every function taking a qtr_h5_file must be called from one
 * thread at a time, in practice the batch driver's main thread. Block
 * functions are pure and may run on any thread.
 *
 * Parallel writes: the caller passes a file-access property list (fapl; -1 for
 * the default, serial driver) and a transfer property list (dxpl; -1 for the
 * default). With an MPI-IO fapl, qtr_h5_create, qtr_h5_open_rw, qtr_h5_grow,
 * qtr_h5_write_block, qtr_h5_write_status, qtr_h5_flush and qtr_h5_close are
 * collective: every rank calls them in the same order with the same extents
 * (an empty block is fine). HDF5 1.10 requires a collective dxpl for writes to
 * compressed datasets.
 *
 * Errors: qtr_status with "PATH: what" in ctx; HDF5's own error stack is
 * summarised into the message (its innermost entry), never printed.
 */
#ifndef QTR_H5_STORE_H
#define QTR_H5_STORE_H

#include <stddef.h>
#include <stdint.h>
#include "qtr.h"
#include "h5_schema.h"
#include "h5_chunk.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { QTR_H5_CIRCUITS = 0, QTR_H5_RESULTS = 1 } qtr_h5_content;
typedef enum { QTR_H5_COLUMNS = 0, QTR_H5_QASMTEXT = 1 } qtr_h5_storage;

/* Pools of a row. INST..LAYOUT are datasets (LAYOUT is two: initial layout
 * and output permutation, one entry per virtual qubit each); TEXT is the
 * QASM text of a qasm-storage row (in memory only: the file keeps one
 * variable-length string per row). */
typedef enum {
    QTR_H5_POOL_INST, QTR_H5_POOL_PARAMS, QTR_H5_POOL_ARGS, QTR_H5_POOL_REGS,
    QTR_H5_POOL_LAYOUT, QTR_H5_POOL_TEXT, QTR_H5_NPOOLS
} qtr_h5_pool;
#define QTR_H5_NFILEPOOLS 5   /* pools with start/count columns in the file */

/* Statistics of a result row, in the order of QTR_H5_STATS_LIST. */
enum {
#define X(e, s) QTR_H5_STAT_##e,
    QTR_H5_STATS_LIST(X)
#undef X
    QTR_H5_NSTATS
};

/** A register record (file compound {kind u8, size u32, name S32}). */
typedef struct {
    uint8_t  kind;                   /* 0 quantum, 1 classical */
    uint32_t size;
    char     name[QTR_H5_REGNAME_LEN + 1]; /* NUL-terminated in memory */
} qtr_h5_reg;

/** One row: index columns, and per pool its count and where its segment
 *  lives (start: in the file; local: in the block's pool arrays). */
typedef struct {
    uint64_t index;                  /* row number in the file */
    uint32_t nqubits, nclbits;
    double   global_phase;
    double   cost;                   /* estimate from the file, or 0 */
    uint64_t start[QTR_H5_NPOOLS];
    uint64_t count[QTR_H5_NPOOLS];
    uint64_t local[QTR_H5_NPOOLS];
    char     name[QTR_H5_NAME_LEN + 1];
    /* results only */
    uint8_t  status, code;
    uint64_t stats[QTR_H5_NSTATS];
    double   seconds;
    size_t   message;                /* results: 1 + offset in the block's msgs, 0 if none */
    size_t   defect;                 /* why the row cannot be used: same encoding */
    uint8_t  defect_code;            /* its qtr_status (QTR_EPARSE, QTR_ELIMIT, ...) */
} qtr_h5_row;

/** Rows and their pool data, sorted by row number. */
typedef struct {
    qtr_alloc   alloc;               /* counts the block's bytes */
    size_t      n, cap;
    qtr_h5_row *row;                 /* row[k].index strictly increasing */
    qtr_inst   *inst;    size_t ninst,   capinst;
    double     *params;  size_t nparams, capparams;
    uint32_t   *args;    size_t nargs,   capargs;
    qtr_h5_reg *regs;    size_t nregs,   capregs;
    uint32_t   *layout0, *layout1;   size_t nlayout, caplayout;
    char       *text;    size_t ntext,   captext;
    char       *msgs;    size_t nmsgs,   capmsgs;  /* messages, NUL-separated */
    /* rows added by qtr_h5_block_add_result_ref: src[k] is row k's circuit,
     * whose records, parameters and operands the block does not copy (its
     * inst/params/args stay empty); NULL when the block holds its pools */
    const qtr_circuit **src;  size_t capsrc;
    int         refs;                /* 1: rows refer to src[] (see above) */
    /* whole chunks of the big pools compressed elsewhere (h5_chunk.h),
     * sorted by pool, then chunk: qtr_h5_write_block stores them as they
     * are (H5Dwrite_chunk) and writes none of their elements itself, so
     * the block need not hold those. Borrowed: never freed by the block. */
    const qtr_h5_prechunk *pre;  size_t npre;
} qtr_h5_block;

void qtr_h5_block_init(qtr_h5_block *b);
/** Forget the rows, keep the memory for the next round. */
void qtr_h5_block_clear(qtr_h5_block *b);
void qtr_h5_block_fini(qtr_h5_block *b);

/** Append row @p index (greater than every row already held) holding circuit
 *  @p c (records, parameters, operands and registers copied verbatim; op
 *  codes are this build's). @p name may be NULL. QTR_OK or QTR_ENOMEM/EINVAL. */
qtr_status qtr_h5_block_add_circuit(qtr_h5_block *b, uint64_t index, const qtr_circuit *c,
                                    const char *name, qtr_ctx *ctx);
/** Append row @p index holding QASM text (qasm storage). */
qtr_status qtr_h5_block_add_text(qtr_h5_block *b, uint64_t index, const char *text, size_t len,
                                 const char *name, double cost, qtr_ctx *ctx);
/** Append a result row: the output circuit @p c and what @p r reports when
 *  @p status is QTR_H5_OK; only status, @p code and @p message (and the input
 *  statistics, when @p r is not NULL) for QTR_H5_ERROR. */
qtr_status qtr_h5_block_add_result(qtr_h5_block *b, uint64_t index, const char *name,
                                   uint8_t status, const qtr_circuit *c, const qtr_result *r,
                                   qtr_status code, const char *message, double seconds,
                                   qtr_ctx *ctx);

/** As qtr_h5_block_add_result, but the block only refers to @p c's
 *  records, parameters and operands (registers and layouts are copied):
 *  @p c must stay unchanged until the block is written and cleared. A
 *  block holds either such rows only, or none: it can then be written
 *  (qtr_h5_write_block gathers the pools a window at a time), not read
 *  back or serialised. Saves a copy of every result: committing hwb12's
 *  (2.3 M instructions) cost its 55 MB again. */
qtr_status qtr_h5_block_add_result_ref(qtr_h5_block *b, uint64_t index, const char *name,
                                       uint8_t status, const qtr_circuit *c, const qtr_result *r,
                                       qtr_status code, const char *message, double seconds,
                                       qtr_ctx *ctx);

/** Rebuild row @p k of @p b as a circuit, mapping the file's op codes through
 *  @p opmap (file code -> this build's code, -1 unknown; NULL = identity).
 *  Everything is validated: op codes, arities, operand and pool ranges,
 *  register sizes and names. @return QTR_OK, QTR_EPARSE (malformed row,
 *  message names the row), QTR_ENOMEM. The row must be columns storage. */
qtr_status qtr_h5_block_circuit(const qtr_h5_block *b, size_t k, const int16_t *opmap,
                                qtr_circuit **out, qtr_ctx *ctx);

/** Message of a result row, or "" (valid until the block changes). */
const char *qtr_h5_block_message(const qtr_h5_block *b, size_t k);
/** Why row @p k is unusable (malformed in the file), or NULL. */
const char *qtr_h5_block_defect(const qtr_h5_block *b, size_t k);
/** QASM text of a qasm-storage row (count[TEXT] bytes, not NUL-terminated). */
const char *qtr_h5_block_text(const qtr_h5_block *b, size_t k);
/** Row @p k's elements of big pool @p pool (QTR_H5_POOL_INST, _PARAMS or
 *  _ARGS): in its circuit for a block of references, else in the block's
 *  own pool array. NULL for a reference row without a circuit. */
const void *qtr_h5_block_elems(const qtr_h5_block *b, size_t k, int pool);

/** Layout of a result row: pointers into the block (count[LAYOUT] entries). */
const uint32_t *qtr_h5_block_initial_layout(const qtr_h5_block *b, size_t k);
const uint32_t *qtr_h5_block_output_permutation(const qtr_h5_block *b, size_t k);

/** Set start[] of every row as running sums from @p base (per file pool):
 *  the layout a file gets when these rows are written contiguously in row
 *  order. Returns the end in @p end (may alias base). */
void qtr_h5_block_place(qtr_h5_block *b, const uint64_t base[QTR_H5_NFILEPOOLS],
                        uint64_t end[QTR_H5_NFILEPOOLS]);

/* ======================================================================
 * Files
 * ====================================================================== */

typedef struct qtr_h5_file qtr_h5_file;

/** Identity of a results file: the options it was made with. Strings are
 *  borrowed; NULL is stored as "". */
typedef struct {
    const char *input, *target, *basis;
    int         opt_level;
    uint64_t    seed;
    uint32_t    layout_trials, swap_trials; /* 0: the level's */
    double      approx_degree;              /* (0, 1]; 1 exact (0 is read as 1) */
} qtr_h5_run;

/** Open a batch or results file read-only, with the default (serial) driver,
 *  and validate its format name, version, gate table and columns. */
qtr_status qtr_h5_open(const char *path, qtr_h5_file **out, qtr_ctx *ctx);
/** Open a file image in memory read-only (the bytes of a batch or results
 *  file; copied), as qtr_h5_open; @p name is used in messages. */
qtr_status qtr_h5_open_image(const void *image, size_t len, const char *name, qtr_h5_file **out,
                             qtr_ctx *ctx);
/** Open a results file for writing (resume). @p fapl as described above. */
qtr_status qtr_h5_open_rw(const char *path, int64_t fapl, qtr_h5_file **out, qtr_ctx *ctx);
/** Create (truncate) a file of @p n rows. For results, @p run is recorded. */
qtr_status qtr_h5_create(const char *path, int64_t fapl, qtr_h5_content content,
                         qtr_h5_storage storage, uint64_t n, const qtr_h5_run *run,
                         qtr_h5_file **out, qtr_ctx *ctx);
/** The file was renamed to @p path (published under its final name):
 *  messages name it from now on, and a results file written with the
 *  serial driver is protected by its undo journal from now on (a results
 *  file opened with qtr_h5_open_rw is from the start): every successful
 *  qtr_h5_flush is a commit point a kill cannot tear (h5_journal.h). */
qtr_status qtr_h5_set_path(qtr_h5_file *f, const char *path, qtr_ctx *ctx);
/** Before opening a results file to resume: undo the writes of a commit a
 *  kill interrupted (PATH.journal), so the file is as its last flush left
 *  it. *@p rolled_back says whether there was anything to undo. */
qtr_status qtr_h5_recover(const char *path, int *rolled_back, qtr_ctx *ctx);
/** 1 if @p path has a commit cut short that qtr_h5_recover would undo (the
 *  file may read as torn until then). */
int qtr_h5_interrupted(const char *path);
/** Results written with parallel HDF5 (--writer=all) have no undo journal
 *  of their own: each rank keeps one of its writes (mpi/mpiio_journal.h),
 *  and one process (rank 0) marks PATH.journal before each commit (@p on:
 *  the number of ranks writing) and removes the mark at its commit point
 *  (@p on 0, after every rank's flush). qtr_h5_recover then undoes a
 *  commit cut short from the rank journals, or refuses the file with a
 *  message when one is missing. */
qtr_status qtr_h5_mark_commit(const char *path, int on, qtr_ctx *ctx);
/** Tests: @p fn(@p ud) before each write to a protected file. */
void qtr_h5_set_write_hook(qtr_h5_file *f, void (*fn)(void *), void *ud);
/** QTR_EIO, with a message saying so, if another process holds @p path
 *  (has it open through HDF5, which locks it); QTR_OK otherwise. */
qtr_status qtr_h5_check_free(const char *path, qtr_ctx *ctx);
/** 1 if @p path is an empty file, or an HDF5 file with nothing in it yet
 *  (no attribute, no object): a results file whose creation was cut short
 *  before its header was flushed, to be started over rather than refused. */
int qtr_h5_unfinished(const char *path);
/** Close; reports a failure to flush as QTR_EIO. Accepts NULL. */
qtr_status qtr_h5_close(qtr_h5_file *f, qtr_ctx *ctx);

const char    *qtr_h5_path(const qtr_h5_file *f);
uint64_t       qtr_h5_count(const qtr_h5_file *f);
qtr_h5_content qtr_h5_content_of(const qtr_h5_file *f);
qtr_h5_storage qtr_h5_storage_of(const qtr_h5_file *f);
/** File op code -> this build's op code, or -1 for a name this build does
 *  not know (256 entries). */
const int16_t *qtr_h5_opmap(const qtr_h5_file *f);
/** The run recorded in a results file (strings owned by @p f). */
void qtr_h5_run_of(const qtr_h5_file *f, qtr_h5_run *run);
/** Current lengths of the pool datasets. */
void qtr_h5_extent(const qtr_h5_file *f, uint64_t ext[QTR_H5_NFILEPOOLS]);

/** Estimated cost of rows [first, first+n): the cost column when the file
 *  has one, else 0 (the caller then estimates from the sizes). Also fills
 *  @p ninst and @p nqubits when not NULL (0 for qasm storage). */
qtr_status qtr_h5_read_costs(qtr_h5_file *f, uint64_t first, size_t n, double *cost,
                             uint64_t *ninst, uint32_t *nqubits, qtr_ctx *ctx);
/** Append rows [first, first+n) to @p b (index columns and pool segments;
 *  for results also status, code, message, statistics). Only the rows and
 *  pool ranges asked for are read (hyperslab selections). */
qtr_status qtr_h5_read_rows(qtr_h5_file *f, uint64_t first, size_t n, qtr_h5_block *b,
                            qtr_ctx *ctx);
/** Status bytes of rows [first, first+n) of a results file. */
qtr_status qtr_h5_read_status(qtr_h5_file *f, uint64_t first, size_t n, uint8_t *status,
                              qtr_ctx *ctx);
/** start/count of rows [first, first+n) for the file pools (results or
 *  columns storage), as n × QTR_H5_NFILEPOOLS values each. */
qtr_status qtr_h5_read_placement(qtr_h5_file *f, uint64_t first, size_t n, uint64_t *start,
                                 uint64_t *count, qtr_ctx *ctx);

/** Extend the pool datasets to @p ext (never shrinks). Collective. */
qtr_status qtr_h5_grow(qtr_h5_file *f, const uint64_t ext[QTR_H5_NFILEPOOLS], qtr_ctx *ctx);
/** Write the rows of @p b (start[] already placed) and their pool segments,
 *  everything except the status column. @p dxpl -1 for the default. */
qtr_status qtr_h5_write_block(qtr_h5_file *f, const qtr_h5_block *b, int64_t dxpl,
                              qtr_ctx *ctx);
/** Pool data of qtr_h5_write_block goes out in windows of about @p bytes
 *  (whole chunks, at least one) of the range the last qtr_h5_grow added,
 *  one write call each, so a collective write never holds buffers for more
 *  than that. 0: the default (8 MiB). Parallel: the same value on every
 *  rank. */
void qtr_h5_set_write_window(qtr_h5_file *f, uint64_t bytes);
/** Write the status column of the rows of @p b: the commit of those rows. */
qtr_status qtr_h5_write_status(qtr_h5_file *f, const qtr_h5_block *b, int64_t dxpl,
                               qtr_ctx *ctx);
/** A function qtr_h5_write_block calls after each dataset it writes, on
 *  the calling thread: a caller whose writes are collective (each one may
 *  wait for other ranks) keeps its own work going between them. It must
 *  not use @p f. NULL (the default) for none. */
typedef void (*qtr_h5_between_fn)(void *ud);
void qtr_h5_set_between(qtr_h5_file *f, qtr_h5_between_fn fn, void *ud);
/** Give HDF5's free lists back to the C library (HDF5 keeps freed blocks,
 *  such as chunk buffers, for reuse, up to tens of MiB), so that memory
 *  freed after a round is not held for the rest of the run. */
void qtr_h5_release_memory(void);
/** Bytes in the file's metadata cache now (diagnostics), or 0. */
size_t qtr_h5_cache_bytes(const qtr_h5_file *f);
/** Push everything written so far to the file. */
qtr_status qtr_h5_flush(qtr_h5_file *f, qtr_ctx *ctx);
/** Record run figures under /timing (ranks, threads, seconds): informative,
 *  not part of the result's identity. Call on one writer (serial) or all
 *  ranks (parallel, same values). */
qtr_status qtr_h5_set_timing(qtr_h5_file *f, int ranks, int threads, double wall_seconds,
                             qtr_ctx *ctx);

/** Name of a pool or statistic, for messages and reports. */
const char *qtr_h5_stat_name(int k);

#ifdef __cplusplus
}
#endif
#endif
