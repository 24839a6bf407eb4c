/* transpile_stream.c -- level 0 as a stream: reader -> translation -> writer,
 * one chunk of instructions at a time, so memory does not depend on the
 * circuit's length (the seed problem of Qiskit issue #5895).
 *
 * Two circuits live for the whole run: `vc` receives the reader's chunk on
 * virtual qubits (and keeps the input's registers), `pc` holds the same chunk
 * on physical qubits (one register q[N] plus the input's classical registers)
 * while it is translated and written. Both are emptied after every chunk.
 * Layout is trivial, so a chunk needs no knowledge of earlier chunks; only
 * the statistics (depth) carry state across chunks. An optional header
 * callback writes, after the first chunk is read, a header that names the
 * qubits declared so far (the command line writes the in-memory path's);
 * qubits declared later then fail the run, for the caller to redo it whole.
 *
 * Borrows: reader, writer, target. Owns: vc, pc, the two statistics
 * accumulators, the layout arrays handed over in the result. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "common.h"
#include "pass.h"
#include "qtr_io.h"

/* Instructions per chunk: 32 Ki records = 512 KiB of IR in, ~1.5 MiB out. */
#define STREAM_CHUNK 32768

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Classical registers appear in the input as the reader meets them; mirror
 * the new ones into the physical circuit so the writer declares them. */
static qtr_status sync_cregs(qtr_circuit *pc, const qtr_circuit *vc, qtr_ctx *ctx)
{
    for (size_t i = pc->ncregs; i < vc->ncregs; i++) {
        qtr_status st = qtr_circuit_add_creg(pc, vc->cregs[i].name, vc->cregs[i].size, ctx);
        if (st) return st;
    }
    return QTR_OK;
}

qtr_status qtr_transpile_stream(qtr_qasm_reader *rd, qtr_qasm_writer *wr, const qtr_target *t,
                                const qtr_options *o, qtr_result *r, qtr_ctx *ctx)
{
    return qtr_transpile_stream_headed(rd, wr, t, o, NULL, NULL, r, ctx);
}

qtr_status qtr_transpile_stream_headed(qtr_qasm_reader *rd, qtr_qasm_writer *wr,
                                       const qtr_target *t, const qtr_options *o,
                                       qtr_stream_header header, void *arg, qtr_result *r,
                                       qtr_ctx *ctx)
{
    qtr_result local;
    if (!r) r = &local;
    memset(r, 0, sizeof *r);
    if (o->opt_level != 0)
        return qtr_fail(ctx, QTR_EINVAL, "streaming runs optimization level 0 only (asked: %d)",
                        o->opt_level);
    qtr_status st = QTR_OK;
    qtr_circuit *vc = qtr_circuit_new(0), *pc = qtr_circuit_new(0);
    qtr_stats_acc *sin = qtr_stats_acc_new(), *sout = qtr_stats_acc_new();
    size_t peak = 0;
    double phase = 0;
    if (!vc || !pc || !sin || !sout) {
        st = qtr_fail(ctx, QTR_ENOMEM, "stream buffers");
        goto done;
    }
    /* trivial layout: the chunk is copied as is (qtr_circuit_append_all) */
    if ((st = qtr_circuit_add_qreg(pc, "q", t->nqubits, ctx))) goto done;

    uint32_t headed = 0;   /* qubits the header named */
    for (int eof = 0, first = 1; !eof; first = 0) {
        if ((st = qtr_qasm_reader_next(rd, vc, STREAM_CHUNK, &eof, ctx))) goto done;
        if (header && first && (st = header(arg, wr, headed = vc->nqubits, ctx))) goto done;
        if (header && vc->nqubits != headed) {
            st = qtr_fail(ctx, QTR_EUNSUPPORTED, "qubits declared after the first %u "
                          "instructions: the header named %u", STREAM_CHUNK, headed);
            goto done;
        }
        if (vc->nqubits > t->nqubits) {
            st = qtr_fail(ctx, QTR_ETARGET, "circuit has %u qubits, target '%s' only %u",
                          vc->nqubits, t->name, t->nqubits);
            goto done;
        }
        if ((st = qtr_stats_acc_add(sin, vc, 0, ctx)) || (st = sync_cregs(pc, vc, ctx)) ||
            (st = qtr_circuit_append_all(pc, vc, ctx)))
            goto done;
        double t0 = now();
        if ((st = qtr_transpile_chunk_level0(pc, t, ctx))) goto done;
        r->seconds[QTR_STAGE_TRANSLATION] += now() - t0;
        if ((st = qtr_target_check_circuit(t, pc, ctx))) {
            char why[sizeof ctx->msg];
            memcpy(why, ctx->msg, sizeof why);
            st = qtr_fail(ctx, QTR_ETARGET, "internal: output does not conform: %s", why);
            goto done;
        }
        if ((st = qtr_stats_acc_add(sout, pc, 0, ctx)) || (st = qtr_qasm_writer_write(wr, pc, 0, ctx)))
            goto done;
        phase += pc->global_phase;
        size_t bytes = vc->alloc.peak + pc->alloc.peak;
        if (bytes > peak) peak = bytes;
        qtr_circuit_clear_ops(vc);
        qtr_circuit_clear_ops(pc);
    }

    uint32_t n = vc->nqubits;
    r->in = *qtr_stats_acc_result(sin);
    r->out = *qtr_stats_acc_result(sout);
    r->peak_bytes = peak;
    r->nvirtual = n;
    r->nphysical = t->nqubits;
    r->initial_layout = malloc((n ? n : 1) * sizeof *r->initial_layout);
    r->output_permutation = malloc((n ? n : 1) * sizeof *r->output_permutation);
    if (!r->initial_layout || !r->output_permutation) {
        st = qtr_fail(ctx, QTR_ENOMEM, "layout of %u qubits", n);
        goto done;
    }
    for (uint32_t v = 0; v < n; v++) r->initial_layout[v] = r->output_permutation[v] = v;
    (void)phase; /* OpenQASM 2 has no global phase; kept for a future writer */
done:
    if (st || r == &local) qtr_result_free(r);
    qtr_stats_acc_free(sin);
    qtr_stats_acc_free(sout);
    qtr_circuit_free(vc);
    qtr_circuit_free(pc);
    return st;
}
