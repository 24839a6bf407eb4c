/* cli_convert.c -- `qtranspile convert IN -o OUT`: read and rewrite a
 * circuit, streamed through the pull reader and the streaming writer, in
 * the input's OpenQASM version or the one --format, --physical-qubits or an
 * OUT ending in .qasm3 asks for (so it translates between 2 and 3).
 *
 * Owns: the reader, writer and the one chunk of circuit of the run, all
 * released before returning. Borrows the parsed options. Memory is bounded
 * by CONVERT_CHUNK records and the registers, whatever the input's length. */
#include <stdio.h>

#include "cli_opts.h"
#include "cli_output.h"
#include "qtr.h"
#include "qtr_io.h"

/* Instructions held in memory at once while converting. 65,536 records are
 * 1 MiB of qtr_inst: large enough that the per-chunk overhead is noise, small
 * enough that memory does not grow with the circuit (Qiskit #5895's 6.5 GB
 * for a million swaps is what this bound rules out). */
#define CONVERT_CHUNK 65536

/* The library's message for a failure; its status text when the message is
 * empty (a function that failed without detail should not print nothing). */
static void say_ctx(const qtr_ctx *ctx, qtr_status st)
{
    const char *m = qtr_ctx_message(ctx);
    qtr_cli_say("%s", m[0] ? m : qtr_status_text(st));
}

/* Read a chunk of instructions, write it, drop it, repeat: memory is bounded
 * by CONVERT_CHUNK records and the registers, whatever the input length.
 * OUT is written under a temporary name and renamed into place at the end,
 * so a missing, malformed or truncated input never changes what OUT held. */
int qtr_cli_convert(const qtr_cli_options *o)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, o->seed);
    qtr_qasm_reader *r = NULL;
    qtr_qasm_writer *w = NULL;
    qtr_circuit *c = NULL;
    qtr_cli_out out = {o->output, NULL};
    int rc = QTR_EXIT_OK, opened = 0, eof = 0;
    qtr_status st;

    if ((st = qtr_qasm_reader_open_file(&r, o->input, &ctx)) != QTR_OK) {
        say_ctx(&ctx, st);
        rc = QTR_EXIT_USAGE;
        goto done;
    }
    qtr_qasm_reader_set_strict(r, o->strict);
    if (!(c = qtr_circuit_new(0))) {
        qtr_cli_say("out of memory");
        rc = QTR_EXIT_FAILED;
        goto done;
    }
    while (!eof) {
        if ((st = qtr_qasm_reader_next(r, c, CONVERT_CHUNK, &eof, &ctx)) != QTR_OK) {
            say_ctx(&ctx, st);
            rc = st == QTR_ENOMEM ? QTR_EXIT_FAILED : QTR_EXIT_USAGE;
            goto done;
        }
        if (!opened) {
            if (qtr_cli_out_begin(&out, o->output)) {
                qtr_cli_say("out of memory");
                rc = QTR_EXIT_FAILED;
                goto done;
            }
            opened = 1;
            /* the writer speaks the input's OpenQASM version unless told */
            int version = qtr_cli_out_version(o, o->output, qtr_qasm_reader_version(r));
            if ((st = qtr_cli_out_writer(&out, &w, &ctx)) != QTR_OK ||
                (st = qtr_qasm_writer_set_format(w, version, o->physical ? QTR_QASM_PHYSICAL : 0,
                                                 &ctx)) != QTR_OK) {
                say_ctx(&ctx, st);
                rc = QTR_EXIT_USAGE;
                goto done;
            }
        }
        if ((st = qtr_qasm_writer_write(w, c, 0, &ctx)) != QTR_OK) {
            say_ctx(&ctx, st);
            rc = QTR_EXIT_FAILED;
            goto done;
        }
        qtr_circuit_clear_ops(c);
    }
    st = qtr_qasm_writer_close(w, &ctx);
    w = NULL;
    if (st != QTR_OK) {
        say_ctx(&ctx, st);
        rc = QTR_EXIT_FAILED;
    }
done:
    if (w) {
        qtr_ctx scratch; /* keep the first failure's message in ctx */
        qtr_ctx_init(&scratch, 0);
        qtr_qasm_writer_close(w, &scratch);
    }
    if (opened && qtr_cli_out_end(&out, rc == QTR_EXIT_OK) && rc == QTR_EXIT_OK) rc = QTR_EXIT_FAILED;
    qtr_qasm_reader_free(r);
    qtr_circuit_free(c);
    return rc;
}
