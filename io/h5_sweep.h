/* h5_sweep.h -- parameter sweeps in qtranspile's HDF5 files
 * (doc/hdf5-format.md, "Sweeps"): templates (circuits with named
 * parameters, as OpenQASM 3 text) and a table of values per template, in a
 * group /sweep of a sweep file (the input of a sweep run) or of a results
 * file (beside the ordinary results/ rows, which then hold one bound
 * circuit per value row in the modes that make them).
 *
 * Model: a qtr_sweep holds every template with its parameter names and
 * values in memory (values are rows x parameters, row-major, in the
 * template's parameter order). Global row numbers run over the templates
 * in order: template t owns rows [row_start(t), row_start(t) + nrows).
 *
 * Ownership: a qtr_sweep owns everything it points to (qtr_sweep_free).
 * Functions taking a qtr_h5_file borrow it; like every HDF5 call here they
 * run on one thread at a time (h5_store.h). Errors: qtr_status with
 * "PATH: what" in ctx. */
#ifndef QTR_H5_SWEEP_H
#define QTR_H5_SWEEP_H

#include <stddef.h>
#include <stdint.h>
#include "h5_store.h"
#include "qtr.h"

#ifdef __cplusplus
extern "C" {
#endif

#define QTR_H5_GROUP_SWEEP "sweep"
#define QTR_H5_CONTENT_SWEEP "sweep"

/* What a sweep run does with each template (doc/batch.md, "Sweeps"). */
typedef enum {
    QTR_SWEEP_ONCE = 0,          /* transpile each template once; keep it and its values */
    QTR_SWEEP_BIND = 1,          /* as ONCE, and store every row's bound circuit */
    QTR_SWEEP_PER_INSTANCE = 2   /* bind every row first, transpile each on its own */
} qtr_sweep_mode;

typedef struct {
    char     *name;              /* the template's name (file name without .qasm) */
    char     *text;              /* OpenQASM 3 program with `input float[64] NAME;` */
    size_t    nparams;
    char    **pnames;            /* in the template's parameter order */
    uint64_t  nrows;
    double   *values;            /* nrows x nparams, row-major */
} qtr_sweep_template;

/* A template transpiled once (results of the ONCE and BIND modes). */
typedef struct {
    uint8_t   status;            /* QTR_H5_OK, QTR_H5_ERROR, or QTR_H5_PENDING: not transpiled */
    uint8_t   code;              /* qtr_status of a failure */
    char     *message;           /* failure message, or NULL */
    char     *qasm;              /* the transpiled template, OpenQASM 3, or NULL */
    uint32_t  nvirtual;
    uint32_t *initial_layout, *output_permutation;   /* nvirtual each, or NULL */
    uint64_t  stats[QTR_H5_NSTATS];
} qtr_sweep_outcome;

typedef struct {
    size_t              n;
    qtr_sweep_template *t;
    qtr_sweep_outcome  *out;     /* n of them in a results file, else NULL */
    qtr_sweep_mode      mode;    /* results: the run's mode */
} qtr_sweep;

void qtr_sweep_free(qtr_sweep *s);
/** Rows of every template. */
uint64_t qtr_sweep_rows(const qtr_sweep *s);
/** The template holding global row @p row, and the row within it. */
size_t qtr_sweep_locate(const qtr_sweep *s, uint64_t row, uint64_t *local);
/** "once", "bind", "per-instance"; qtr_sweep_mode_parse: -1 if unknown. */
const char *qtr_sweep_mode_name(qtr_sweep_mode m);
int qtr_sweep_mode_parse(const char *name);

/** 1 when @p path is an HDF5 file with a /sweep group (a sweep file, or
 *  the results of a sweep run), 0 otherwise (any error included). */
int qtr_h5_is_sweep(const char *path);
/** 1 when @p path is an HDF5 file with a results/ group. */
int qtr_h5_sweep_has_results(const char *path);

/** Write a sweep file: the templates and their values, nothing else. */
qtr_status qtr_h5_sweep_write_file(const char *path, const qtr_sweep *s, qtr_ctx *ctx);

/** Read the /sweep group of @p path (a sweep file or sweep results): the
 *  templates, values, and in results the mode and outcomes. Validated:
 *  names present, values finite, one column per parameter. */
qtr_status qtr_h5_sweep_read(const char *path, qtr_sweep *s, qtr_ctx *ctx);

/** As qtr_h5_sweep_read, from the file image @p image of @p len bytes
 *  (named @p name in messages; the fuzz target's entry). */
qtr_status qtr_h5_sweep_read_image(const void *image, size_t len, const char *name, qtr_sweep *s,
                                   qtr_ctx *ctx);

/** Add /sweep to a results file just created (before its first flush):
 *  templates, values, mode and the outcomes (@p s->out, may be NULL in the
 *  per-instance mode). */
qtr_status qtr_h5_sweep_add(qtr_h5_file *f, const qtr_sweep *s, qtr_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif
