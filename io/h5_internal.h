/* h5_internal.h -- what the files of the HDF5 batch store share (io/h5_*.c):
 * the column table of the format, the HDF5 types, the open-file handle
 * (struct qtr_h5_file) and the few helpers more than one of them calls.
 * Internal to io/: not installed, and nothing outside io/h5_*.c includes it
 * (h5_sweep.c, the /sweep group beside the rows, included).
 *
 * The files: h5_block.c (rows in memory), h5_file.c (types, handles,
 * errors, create, close, flush), h5_open.c (open and validate what a file
 * claims), h5_read.c (rows out of a file), h5_write.c (rows into a file). */
#ifndef QTR_H5_INTERNAL_H
#define QTR_H5_INTERNAL_H

#include <hdf5.h>
#include "h5_journal.h"
#include "h5_raw.h"
#include "h5_store.h"

/* ---- errors (h5_file.c) --------------------------------------------------- */

/** HDF5's automatic error printing, saved while an entry point silences it. */
typedef struct {
    H5E_auto2_t func;
    void       *data;
} qtr_h5_quiet;

qtr_h5_quiet qtr_h5_quiet_begin(void);
void qtr_h5_quiet_end(qtr_h5_quiet q);

/* HDF5 clears its error stack on entry to every API call, so the stack of a
 * failed call must be read before the cleanup calls that follow it:
 * qtr_h5_cap() saves its summary into the file's err[] at the point of
 * failure, and qtr_h5_fail() appends it (or the live stack, when nothing was
 * saved) to the message as " (HDF5: outer: inner)". @p f may be NULL. */
void qtr_h5_cap(qtr_h5_file *f);
qtr_status qtr_h5_fail(qtr_h5_file *f, qtr_ctx *ctx, qtr_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- the column table: every dataset of the format (h5_file.c) ------------ */

typedef enum { T_U8, T_U32, T_U64, T_F64, T_NAME, T_MSG, T_VSTR, T_INST, T_REG, T_STATS } ctype;

/* where: which file content has it; group: main group, stats, or absolute */
enum { IN_CIRCUITS = 1, IN_RESULTS = 2, IN_BOTH = 3 };
enum { G_MAIN, G_ABS };
enum { K_ROW, K_POOL };

typedef struct {
    const char *name;
    ctype       type;
    unsigned char where, group, kind;
    signed char pool;      /* pool of a start/count column or a pool dataset, else -1 */
    unsigned char role;    /* 1 start, 2 count, 0 other */
} col_desc;

enum {
    C_NAME, C_NQUBITS, C_NCLBITS, C_PHASE, C_COST, C_QASM,
    C_INST_START, C_INST_COUNT, C_PARAM_START, C_PARAM_COUNT, C_ARG_START, C_ARG_COUNT,
    C_REG_START, C_REG_COUNT, C_LAYOUT_START, C_NVIRTUAL,
    C_STATUS, C_CODE, C_MESSAGE,
    C_STATS,
    C_INST, C_PARAMS, C_ARGS, C_REGS, C_LAYOUT0, C_LAYOUT1,
    C_SECONDS,
    NCOLS
};

extern const col_desc qtr_h5_cols[NCOLS];

/* Column index of the start/count column of file pool @p p. */
static inline int qtr_h5_start_col(int p)
{
    static const int c[QTR_H5_NFILEPOOLS] = {C_INST_START, C_PARAM_START, C_ARG_START,
                                             C_REG_START, C_LAYOUT_START};
    return c[p];
}
static inline int qtr_h5_count_col(int p) { return qtr_h5_start_col(p) + 1; }

/** Is column @p c part of a file of this content and storage? */
int qtr_h5_col_applies(int c, qtr_h5_content content, qtr_h5_storage storage);

/* ---- HDF5 types (h5_file.c) ----------------------------------------------- */

typedef struct {
    hid_t inst_file, inst_mem, reg_file, reg_mem, name_file, name_mem, msg_file, msg_mem, vstr;
    hid_t stats;  /* n2q_in ... peak_bytes: uint64 each, file and memory alike */
} typeset;

int qtr_h5_types_open(typeset *t);
void qtr_h5_types_close(typeset *t);
/** A fixed-length string type of @p len bytes (caller closes). */
hid_t qtr_h5_fixed_str(size_t len, H5T_str_t pad);

/* ---- the open file -------------------------------------------------------- */

struct qtr_h5_file {
    char          *path;
    hid_t          fid, grp, stats, timing;
    hid_t          d[NCOLS];          /* open datasets, -1 when absent */
    typeset        ty;
    qtr_h5_content content;
    qtr_h5_storage storage;
    uint64_t       n;
    uint64_t       ext[QTR_H5_NFILEPOOLS];
    /* pool lengths before the last qtr_h5_grow: its rows' segments lie in
     * [from, ext), the same range on every rank (pool writes are cut into
     * windows of it) */
    uint64_t       from[QTR_H5_NFILEPOOLS];
    uint64_t       window;            /* bytes per pool write (0: WRITE_WINDOW_BYTES) */
    int            writable;
    int16_t        opmap[256];
    char          *run_input, *run_target, *run_basis;
    int            run_level;
    uint64_t       run_seed;
    uint32_t       run_layout_trials, run_swap_trials;
    double         run_approx;
    char           err[320];          /* HDF5's stack at the last failure (qtr_h5_cap) */
    qtr_h5_between_fn between;        /* called between datasets written, or NULL */
    void          *between_ud;
    qtr_h5_journal *journal;          /* results written through the undo journal, or NULL */
    qtr_h5_raw     raw;               /* the file's bytes, for what HDF5 would trust (h5_raw.h) */
    qtr_h5_raw_dset raw_ds[NCOLS];    /* what each open dataset's header says */
    uint64_t       chunk_len[NCOLS];  /* elements per chunk as HDF5 sees it (0: not chunked) */
    uint64_t       esize[NCOLS];      /* bytes per element as HDF5 sees it */
    uint64_t       chunk_ok[NCOLS];   /* 1 + the last chunk of each checked whole (h5_read.c) */
};

/* Handles (h5_file.c). */
qtr_h5_file *qtr_h5_file_new(const char *path);
/** Close the datasets, groups and types of @p f (not the file itself). */
void qtr_h5_file_release(qtr_h5_file *f);
/** Free @p f after a failed open or create (its journal stays, with nothing
 *  to undo, while HDF5 still holds the file). */
void qtr_h5_file_discard(qtr_h5_file *f);
/** The access properties to open or create @p f with (h5_file.c). */
hid_t qtr_h5_file_fapl(qtr_h5_file *f, hid_t fapl, int journaled);
void qtr_h5_fapl_done(hid_t p, hid_t fapl);
/** A dataset access list whose chunk cache holds one chunk (h5_file.c). */
hid_t qtr_h5_one_chunk_dapl(hid_t dcpl, hid_t ftype);

/* Checked opening (h5_open.c). */
/** Open @p path read-only (or the file image @p image of @p len bytes when
 *  not NULL, named @p path in messages) after the checks made before
 *  H5Fopen (h5_raw.h), without reading anything of the format: fid and raw
 *  only, for readers of other groups (h5_sweep.c). Close with qtr_h5_close. */
qtr_status qtr_h5_open_plain(const char *path, const void *image, size_t len, qtr_h5_file **out,
                             qtr_ctx *ctx);
/** Locate object @p name in @p loc (a hard link only) and check its header
 *  before HDF5 decodes it; its header into @p ds, its address into *addr
 *  (each may be NULL). */
qtr_status qtr_h5_check_object(qtr_h5_file *f, hid_t loc, const char *name, qtr_h5_raw_dset *ds,
                               uint64_t *addr, qtr_ctx *ctx);

/* Locks (h5_open.c): does another process hold @p path, and the message
 * that says so. */
int qtr_h5_held_elsewhere(const char *path, int rw);
qtr_status qtr_h5_held_fail(const char *path, qtr_ctx *ctx);

/* Strings (h5_read.c): @p n strings of dataset @p d (its header: @p raw)
 * from row @p first into @p out, @p width+1 bytes each, NUL-terminated,
 * truncated to @p width. */
int qtr_h5_read_fixed_strings(qtr_h5_file *f, hid_t d, const qtr_h5_raw_dset *raw, uint64_t first,
                              size_t n, size_t width, char *out);

/* Whole datasets of other groups (h5_read.c, for h5_sweep.c). */
/** Before reading dataset @p d (its header: @p ds) whole: all its elements
 *  are stored in the file (contiguous bytes inside it covering the
 *  dataspace, compact bytes covering it, every chunk inside the extent
 *  written and whole once inflated), so that nothing allocated from its
 *  dataspace exceeds what the file holds (or inflates to). -1 with a
 *  reason in @p why. */
int qtr_h5_check_stored(qtr_h5_file *f, hid_t d, const qtr_h5_raw_dset *ds, char *why, size_t wlen);
/** The strings of a scalar or 1-D string dataset @p d (fixed or variable
 *  length; the latter resolved by h5_raw.c): *@p n malloc'ed strings in
 *  *@p out. -1 with a reason in @p why. */
int qtr_h5_read_all_strings(qtr_h5_file *f, hid_t d, const qtr_h5_raw_dset *ds, size_t *n,
                            char ***out, char *why, size_t wlen);

/** Elements per chunk of dataset @p d (0 when not chunked) and bytes per
 *  element, as HDF5 sees them (h5_read.c). */
void qtr_h5_chunk_shape(hid_t d, uint64_t *len, uint64_t *esize);

/* Blocks (h5_block.c). */
/** Store a message in the block's message pool; returns its 1-based handle,
 *  0 when out of memory. */
size_t qtr_h5_block_put_msg(qtr_h5_block *b, const char *msg);
/** Grow the two layout arrays together (they share one capacity). */
int qtr_h5_block_grow_layout(qtr_h5_block *b, size_t need);

#endif
