/* qtr_io.h -- qtranspile's public I/O API: OpenQASM 2 reading and writing,
 * target loading. Same ownership and threading rules as qtr.h.
 *
 * Errors: every function returns a qtr_status; on failure ctx->msg holds
 * "FILE:LINE:COL: reason" for input errors (1-based line and column, columns
 * counted in bytes) or "FILE: reason" for I/O errors.
 */
#ifndef QTR_IO_H
#define QTR_IO_H

#include <stdio.h>
#include "qtr.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ======================================================================
 * OpenQASM reader (io/qasm_*.c, io/qasm3_*.c): version 2 or 3, chosen by
 * the program's version line ("OPENQASM 2.0;", "OPENQASM 3.0;", "OPENQASM 3;")
 * ====================================================================== */

/** A pull reader: parses a program incrementally so a circuit of any length
 *  can be processed in bounded memory. The input is read in chunks. */
typedef struct qtr_qasm_reader qtr_qasm_reader;

/** Open @p path ("-" is standard input); messages name the path. */
qtr_status qtr_qasm_reader_open_file(qtr_qasm_reader **r, const char *path, qtr_ctx *ctx);
/** Read from memory (not copied; must outlive the reader). */
qtr_status qtr_qasm_reader_open_mem(qtr_qasm_reader **r, const char *text, size_t len,
                                    const char *display_name, qtr_ctx *ctx);
/** Parse statements, appending registers and instructions to @p c, until at
 *  least @p max_inst instructions have been appended by this call or the input
 *  ends (*eof set to 1). @p max_inst 0 means no limit. The caller may empty
 *  @p c's instructions between calls (qtr_circuit_clear_ops) to stream; the
 *  registers must stay. */
qtr_status qtr_qasm_reader_next(qtr_qasm_reader *r, qtr_circuit *c, size_t max_inst, int *eof,
                                qtr_ctx *ctx);
void qtr_qasm_reader_free(qtr_qasm_reader *r);
/** Strict mode (call before the first qtr_qasm_reader_next): refuse what the
 *  OpenQASM 2 specification does not allow and Qiskit's default loader does --
 *  a missing "OPENQASM 2.0;" line, "barrier;" without operands, trailing
 *  commas, empty statements, single-quoted include names. Off by default. */
void qtr_qasm_reader_set_strict(qtr_qasm_reader *r, int strict);

/** The program's OpenQASM version, 2 or 3, once qtr_qasm_reader_next (or
 *  qtr_qasm_reader_start) has read its version line; 0 before. */
int qtr_qasm_reader_version(const qtr_qasm_reader *r);
/** Read the version line now (nothing else), so the version is known
 *  before the first instruction. Errors as qtr_qasm_reader_next. */
qtr_status qtr_qasm_reader_start(qtr_qasm_reader *r, qtr_ctx *ctx);
/** 1 when the program (OpenQASM 3) names physical qubits $0, $1, ...: the
 *  circuit's qubit n is then $n. */
int qtr_qasm_reader_physical(const qtr_qasm_reader *r);

/** Whole-file conveniences. */
qtr_status qtr_qasm_read_file(const char *path, qtr_circuit **out, qtr_ctx *ctx);
/** As qtr_qasm_read_file; *@p version receives the program's OpenQASM version. */
qtr_status qtr_qasm_read_file_version(const char *path, qtr_circuit **out, int *version,
                                      qtr_ctx *ctx);
/** As qtr_qasm_read_file_version (@p version may be NULL), in strict mode when
 *  @p strict (qtr_qasm_reader_set_strict). */
qtr_status qtr_qasm_read_file_mode(const char *path, int strict, qtr_circuit **out, int *version,
                                   qtr_ctx *ctx);
qtr_status qtr_qasm_read_mem(const char *text, size_t len, const char *display_name,
                             qtr_circuit **out, qtr_ctx *ctx);

/** Append to @p c the body of gate @p op's definition in qelib1.inc (or, for
 *  gates outside qelib1.inc, the definition the writer emits), instantiated with
 *  @p params on @p qubits. For tests and for decomposing gates.
 *  @return QTR_OK, or QTR_EUNSUPPORTED for gates defined as primitives (U, CX,
 *  measure, ...). */
qtr_status qtr_qasm_gate_definition(qtr_op op, const double *params, const uint32_t *qubits,
                                    qtr_circuit *c, qtr_ctx *ctx);

/* ======================================================================
 * OpenQASM writer (io/qasm_write.c; version 3 spelling in io/qasm3_write.c)
 * ====================================================================== */

/** A streaming writer: the header and register declarations are written as
 *  registers appear; instructions as they are passed in. Output is accepted by
 *  this reader and by Qiskit's qasm2 loader; parameters carry 17 significant
 *  digits, so a round trip is exact. */
typedef struct qtr_qasm_writer qtr_qasm_writer;

/** Write to @p path ("-" is standard output). */
qtr_status qtr_qasm_writer_open(qtr_qasm_writer **w, const char *path, qtr_ctx *ctx);
/** Write to @p path, naming it @p name in messages (a file written under a
 *  temporary name and renamed into place is spoken of by its final name). */
qtr_status qtr_qasm_writer_open_as(qtr_qasm_writer **w, const char *path, const char *name,
                                   qtr_ctx *ctx);
/** Write to an open stream (not closed by the writer). */
qtr_status qtr_qasm_writer_open_stream(qtr_qasm_writer **w, FILE *f, const char *display_name,
                                       qtr_ctx *ctx);
/** OpenQASM 3 output: physical qubits $0, $1, ... instead of registers. */
#define QTR_QASM_PHYSICAL 0x1u
/** Choose the output's version: 2 (the default) or 3, written in the style
 *  of Qiskit's exporter (qiskit.qasm3.dumps) so qiskit.qasm3.loads reads it
 *  back, with @p flags QTR_QASM_PHYSICAL or 0. Call right after opening,
 *  before any comment or write (QTR_EINVAL otherwise). */
qtr_status qtr_qasm_writer_set_format(qtr_qasm_writer *w, int version, unsigned flags,
                                      qtr_ctx *ctx);
/** Add a "// text" line; before the first write it goes into the header. */
qtr_status qtr_qasm_writer_comment(qtr_qasm_writer *w, const char *text, qtr_ctx *ctx);
/** Write registers of @p c not yet written, then instructions [from, c->ninst). */
qtr_status qtr_qasm_writer_write(qtr_qasm_writer *w, const qtr_circuit *c, size_t from,
                                 qtr_ctx *ctx);
/** Flush and close (the file, if the writer opened it) and free @p w.
 *  Reports write errors (disk full) as QTR_EIO. */
qtr_status qtr_qasm_writer_close(qtr_qasm_writer *w, qtr_ctx *ctx);

/** Whole-circuit conveniences. */
qtr_status qtr_qasm_write_file(const qtr_circuit *c, const char *path, qtr_ctx *ctx);
/** Write into a malloc'ed NUL-terminated string (caller frees with free()). */
qtr_status qtr_qasm_write_mem(const qtr_circuit *c, char **out, size_t *len, qtr_ctx *ctx);
/** As qtr_qasm_write_file and qtr_qasm_write_mem, in @p version (2 or 3) with
 *  @p flags (qtr_qasm_writer_set_format). */
qtr_status qtr_qasm_write_file_format(const qtr_circuit *c, const char *path, int version,
                                      unsigned flags, qtr_ctx *ctx);
qtr_status qtr_qasm_write_mem_format(const qtr_circuit *c, int version, unsigned flags, char **out,
                                     size_t *len, qtr_ctx *ctx);

/* ======================================================================
 * Targets (io/target_json.c, io/target_builtin.c)
 * ====================================================================== */

/** Load a target from a built-in name ("torino", "fez", "sherbrooke"), a
 *  generator ("line:N", "ring:N", "grid:RxC", "heavy-hex:D", "all:N"), or a
 *  file: a Qiskit backend conf_*.json (its props_*.json beside it is read when
 *  present) or qtranspile's own target JSON (doc/target-format.md). */
qtr_status qtr_target_load(const char *spec, qtr_target **out, qtr_ctx *ctx);
/** Load a Qiskit backend configuration, with optional properties (NULL). */
qtr_status qtr_target_load_qiskit(const char *conf_path, const char *props_path,
                                  qtr_target **out, qtr_ctx *ctx);
/** Names and one-line descriptions of the built-in targets and generators,
 *  terminated by a {NULL, NULL} row. */
typedef struct { const char *name, *description; } qtr_target_builtin_info;
const qtr_target_builtin_info *qtr_target_builtins(void);

/* ======================================================================
 * Streaming transpile and reports (io/transpile_stream.c, io/stats_json.c)
 * ====================================================================== */

/** Level-0 transpile from @p rd to @p wr one chunk at a time: memory is
 *  independent of the circuit's length. Trivial layout; fails (QTR_EUNSUPPORTED)
 *  when a gate needs routing, leaving the output incomplete (callers write to a
 *  temporary file and rename on success). @p r as for qtr_transpile. */
qtr_status qtr_transpile_stream(qtr_qasm_reader *rd, qtr_qasm_writer *wr, const qtr_target *t,
                                const qtr_options *o, qtr_result *r, qtr_ctx *ctx);

/** Writes a header naming the circuit's @p nqubits qubits (qtr_transpile_stream_headed). */
typedef qtr_status (*qtr_stream_header)(void *arg, qtr_qasm_writer *wr, uint32_t nqubits,
                                        qtr_ctx *ctx);

/** qtr_transpile_stream, with @p header called once the first chunk is read
 *  and before anything is written, with the qubits declared so far. Fails
 *  with QTR_EUNSUPPORTED when the input declares more qubits after the first
 *  chunk (the header would be wrong), as for a gate that needs routing. */
qtr_status qtr_transpile_stream_headed(qtr_qasm_reader *rd, qtr_qasm_writer *wr,
                                       const qtr_target *t, const qtr_options *o,
                                       qtr_stream_header header, void *arg, qtr_result *r,
                                       qtr_ctx *ctx);

/** Extra figures measured by the caller around qtr_transpile. */
typedef struct {
    const char *input, *output, *target;  /* names for the report */
    double read_seconds, write_seconds, total_seconds;
    int streamed;
} qtr_report_info;

/** Write @p r as JSON to @p path: input/output gate counts by name, 2q count,
 *  depth, 2q depth, seconds per stage, peak circuit bytes, "initial_layout"
 *  and "output_permutation". */
qtr_status qtr_result_write_json(const qtr_result *r, const qtr_report_info *info,
                                 const char *path, qtr_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif /* QTR_IO_H */
