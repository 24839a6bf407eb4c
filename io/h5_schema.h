/* h5_schema.h -- the names, types and limits of qtranspile's HDF5 batch
 * format v1, in one place. doc/hdf5-format.md is the specification; this file
 * mirrors it and must change with it (and format_version with both).
 *
 * Owns nothing. Included through io/h5_store.h. */
#ifndef QTR_H5_SCHEMA_H
#define QTR_H5_SCHEMA_H

/* ---- root --------------------------------------------------------------- */
#define QTR_H5_FORMAT_NAME      "qtranspile-batch"
#define QTR_H5_FORMAT_VERSION   1
#define QTR_H5_ATTR_FORMAT      "format"          /* string */
#define QTR_H5_ATTR_VERSION     "format_version"  /* integer */
/* Additions that keep version 1 readable: 1 = the wide and single-bit
 * condition forms of args[] (doc/hdf5-format.md). Written, never required:
 * a reader of version 1 reads any minor; a row using a form it does not
 * know fails its check and is recorded as failed. */
#define QTR_H5_FORMAT_MINOR     1
#define QTR_H5_ATTR_MINOR       "format_minor"    /* integer */
#define QTR_H5_ATTR_CONTENT     "content"         /* "circuits" | "results" */
#define QTR_H5_GATE_NAMES       "/gate_names"     /* string[G]: op code k is gate_names[k] */

/* ---- groups ------------------------------------------------------------- */
#define QTR_H5_GROUP_CIRCUITS   "circuits"
#define QTR_H5_GROUP_RESULTS    "results"
#define QTR_H5_GROUP_TIMING     "/timing"         /* excluded from identity checks */
#define QTR_H5_ATTR_STORAGE     "storage"         /* on circuits: "columns" | "qasm" */

/* results attributes: the run that produced them (checked by --resume) */
#define QTR_H5_ATTR_INPUT       "input"
#define QTR_H5_ATTR_TARGET      "target"
#define QTR_H5_ATTR_BASIS       "basis"
#define QTR_H5_ATTR_LEVEL       "optimization_level"
#define QTR_H5_ATTR_SEED        "seed"
#define QTR_H5_ATTR_LAYOUT_TRIALS "layout_trials"        /* 0: the level's */
#define QTR_H5_ATTR_SWAP_TRIALS   "swap_trials"          /* 0: the level's */
#define QTR_H5_ATTR_APPROX        "approximation_degree" /* 1: exact */
#define QTR_H5_ATTR_COUNT       "circuits"

/* ---- per-circuit index columns (one row per circuit) ----------------------- */
#define QTR_H5_NAME             "name"            /* fixed string, QTR_H5_NAME_LEN bytes */
#define QTR_H5_NQUBITS          "nqubits"         /* uint32 */
#define QTR_H5_NCLBITS          "nclbits"         /* uint32 */
#define QTR_H5_PHASE            "global_phase"    /* float64, radians */
#define QTR_H5_COST             "cost"            /* float64, optional estimate */
#define QTR_H5_QASM             "qasm"            /* string (qasm storage) */

/* Pools: concatenated per-circuit segments, located by <pool>_start and
 * <pool>_count columns (uint64). The layout pool is two datasets that share
 * layout_start / nvirtual. Order is the in-memory pool order (qtr_h5_pool). */
#define QTR_H5_INST             "inst"            /* compound, 16 bytes: the qtr_inst record */
#define QTR_H5_PARAMS           "params"          /* float64 */
#define QTR_H5_ARGS             "args"            /* uint32 */
#define QTR_H5_REGS             "regs"            /* compound {kind u8, size u32, name S32} */
#define QTR_H5_LAYOUT_INITIAL   "initial_layout"  /* uint32 */
#define QTR_H5_LAYOUT_FINAL     "output_permutation" /* uint32 */
#define QTR_H5_LAYOUT_START     "layout_start"    /* uint64 */
#define QTR_H5_NVIRTUAL         "nvirtual"        /* uint32: layout entries of the circuit */

/* results only */
#define QTR_H5_STATUS           "status"          /* uint8: QTR_H5_PENDING / _OK / _ERROR */
#define QTR_H5_CODE             "code"            /* uint8: qtr_status of a failure */
#define QTR_H5_MESSAGE          "message"         /* fixed string, QTR_H5_MSG_LEN bytes */
#define QTR_H5_SECONDS          "/timing/seconds" /* float64 per circuit */
#define QTR_H5_STATS            "stats"           /* compound of uint64, QTR_H5_STATS_LIST */

/* ---- limits ------------------------------------------------------------------ */
#define QTR_H5_NAME_LEN     64      /* circuit names, bytes, no terminator in the file */
#define QTR_H5_REGNAME_LEN  32      /* register names */
#define QTR_H5_MSG_LEN      512     /* error messages (qtr_ctx.msg is 512) */
#define QTR_H5_GATENAME_LEN 16

/* Chunk sizes, elements. ~32-64 KiB chunks: small enough that a round rewrites
 * little, large enough that deflate has material. */
#define QTR_H5_CHUNK_INDEX  4096
#define QTR_H5_CHUNK_POOL   4096    /* inst: 64 KiB */
#define QTR_H5_CHUNK_SMALL  8192    /* params, args, layouts */
#define QTR_H5_CHUNK_MSG    128     /* messages: 64 KiB */
#define QTR_H5_DEFLATE      1

/* Status values. Pending is the fill value: a row is "done" only once its
 * status is written, and that is the last write of its round. */
#define QTR_H5_PENDING 0
#define QTR_H5_OK      1
#define QTR_H5_ERROR   2

/* Fields of results/stats (one compound dataset), in this order. */
#define QTR_H5_STATS_LIST(X) \
    X(N2Q_IN, "n2q_in")      X(DEPTH_IN, "depth_in") X(SIZE_IN, "size_in") \
    X(N2Q, "n2q")            X(DEPTH, "depth")       X(DEPTH_2Q, "depth_2q") \
    X(SIZE, "size")          X(SWAPS, "swaps")       X(PEAK_BYTES, "peak_bytes")

#endif
