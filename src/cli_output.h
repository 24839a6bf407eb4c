/* cli_output.h -- how the command-line program replaces an output file: the
 * result is written beside OUT under a temporary name and renamed over OUT
 * only when complete, so a failure midway never truncates or deletes what
 * OUT held before. Standard output and non-regular files (/dev/null, FIFOs)
 * are written directly. Program-side only (prints to stderr). */
#ifndef QTR_CLI_OUTPUT_H
#define QTR_CLI_OUTPUT_H

typedef struct {
    const char *final;  /* OUT, or "-" */
    char       *tmp;    /* OUT.tmp.PID, or NULL when OUT is written directly */
} qtr_cli_out;

/** Choose where to write OUT (@p path is borrowed). Returns -1 when out of memory. */
int qtr_cli_out_begin(qtr_cli_out *o, const char *path);
/** The path to open for writing: the temporary, or OUT itself. */
const char *qtr_cli_out_path(const qtr_cli_out *o);
/** @p ok: rename the temporary over OUT; otherwise remove it (OUT is left as
 *  it was). Returns -1, having said why on stderr, when the rename fails. */
int qtr_cli_out_end(qtr_cli_out *o, int ok);

#include <stdint.h>
#include "qtr_io.h"

/** Open a QASM writer on the path qtr_cli_out_path gives, whose messages
 *  name OUT (the user never named the temporary). */
qtr_status qtr_cli_out_writer(const qtr_cli_out *o, qtr_qasm_writer **w, qtr_ctx *ctx);

/** "// KEY: [p0, p1, ...]" (initial_layout, output_permutation): the header
 *  lines of every transpiled circuit written, the same lists as --stats. */
qtr_status qtr_cli_layout_comment(qtr_qasm_writer *w, const char *key, const uint32_t *v,
                                  uint32_t n, qtr_ctx *ctx);

#endif
