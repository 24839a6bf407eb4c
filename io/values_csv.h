/* values_csv.h -- a table of parameter values as CSV (the --values file of
 * `qtranspile sweep`, and what `unpack` writes beside a template).
 *
 * Format: a header line naming the parameters, in any order, each exactly
 * once, every parameter of the template present; then one line per row of
 * numbers (C syntax: 0.5, -1e-3, 3). Commas separate fields; blanks around
 * a field are ignored; blank lines and lines starting with '#' are skipped;
 * a name may be in double quotes (theta[0] needs none). Errors name the
 * file, line and column.
 *
 * Ownership: the values array is malloc'ed for the caller. */
#ifndef QTR_VALUES_CSV_H
#define QTR_VALUES_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "qtr.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Read @p len bytes of CSV (@p path names it in messages) for the
 *  parameters @p pnames (@p np of them): *@p values gets *@p nrows rows of
 *  @p np numbers in the order of @p pnames.
 *  @return QTR_OK, QTR_EPARSE ("PATH:LINE:COL: what"), QTR_ENOMEM. */
qtr_status qtr_values_csv_parse(const char *text, size_t len, const char *path,
                                char *const *pnames, size_t np, double **values, uint64_t *nrows,
                                qtr_ctx *ctx);
/** The same from a file. QTR_EIO when it cannot be read. */
qtr_status qtr_values_csv_read(const char *path, char *const *pnames, size_t np, double **values,
                               uint64_t *nrows, qtr_ctx *ctx);
/** Write a header of @p pnames and @p nrows rows (17 significant digits,
 *  so they read back exactly). @return 0 or -1 (a write error). */
int qtr_values_csv_write(FILE *f, char *const *pnames, size_t np, const double *values,
                         uint64_t nrows);

#ifdef __cplusplus
}
#endif
#endif
