/* fuzz_qasm.c -- libFuzzer target: the OpenQASM reader, whole-file and
 * pull paths, on the same bytes, and the writer of version FUZZ_QASM_VERSION
 * (2 here; fuzz_qasm3.c is this file with 3, its corpus OpenQASM 3 programs).
 *
 * Promises checked on every input: no crash, leak or undefined behaviour;
 * every failure's message starts with the input's name ("FILE:LINE:COL:
 * reason"); a circuit that reads passes qtr_circuit_check, the pull reader
 * (small chunks, emptied between calls as a stream does) agrees with the
 * whole-file reader on success and on the instruction count, and the
 * writer's output of the circuit reads back to an equal circuit (a writer's
 * refusal must name the output, as every failure does).
 *
 * The per-circuit memory budget keeps expansion bombs (gates that call the
 * previous one twice, many levels deep) from dominating the run. */
#include "fuzz_common.h"
#include "qtr.h"
#include "qtr_io.h"

#ifndef FUZZ_QASM_VERSION
#define FUZZ_QASM_VERSION 2
#endif
#define NAME "fuzz.qasm"
#define BUDGET ((size_t)64 << 20)

/* Read with the pull reader in chunks of @p chunk instructions; the number
 * of instructions read, or -1 after a failure. */
static long long pull_count(const char *text, size_t len, size_t chunk, qtr_ctx *ctx)
{
    qtr_qasm_reader *r = NULL;
    qtr_circuit *c = NULL;
    long long total = -1;
    if (qtr_qasm_reader_open_mem(&r, text, len, NAME, ctx)) goto done;
    if (!(c = qtr_circuit_new(0))) goto done;
    c->alloc.limit = BUDGET;
    long long n = 0;
    for (int eof = 0; !eof;) {
        if (qtr_qasm_reader_next(r, c, chunk, &eof, ctx)) goto done;
        FUZZ_REQUIRE(qtr_circuit_check(c, ctx) == QTR_OK, "pull chunk fails its check: %s",
                     ctx->msg);
        n += (long long)c->ninst;
        qtr_circuit_clear_ops(c);
    }
    total = n;
done:
    qtr_circuit_free(c);
    qtr_qasm_reader_free(r);
    return total;
}

/* Numbers bit-exact; symbolic angles by their text (each circuit numbers
 * its expression pool its own way). */
static int same_angle(const qtr_circuit *a, double x, const qtr_circuit *b, double y)
{
    if (!qtr_angle_is_sym(x) || !qtr_angle_is_sym(y)) return !memcmp(&x, &y, sizeof x);
    char tx[512], ty[512];
    size_t nx = qtr_expr_print(a, x, tx, sizeof tx), ny = qtr_expr_print(b, y, ty, sizeof ty);
    return nx == ny && (nx >= sizeof tx || !strcmp(tx, ty));
}

/* Same bits, instructions, operands, parameters (bit-exact) and conditions.
 * Register names may differ: the writer renames a register that collides
 * with a gate it must define (qreg r -> qreg1 beside the r gate). */
static int same_program(const qtr_circuit *a, const qtr_circuit *b)
{
    if (a->nqubits != b->nqubits || a->nclbits != b->nclbits || a->ninst != b->ninst) return 0;
    for (size_t i = 0; i < a->ninst; i++) {
        const qtr_inst *x = &a->inst[i], *y = &b->inst[i];
        if (x->op != y->op || x->nargs != y->nargs) return 0;
        if (memcmp(qtr_inst_operands(a, x), qtr_inst_operands(b, y), x->nargs * sizeof(uint32_t)))
            return 0;
        unsigned np = qtr_gate((qtr_op)x->op)->nparams;
        for (unsigned k = 0; k < np; k++)
            if (!same_angle(a, qtr_inst_params(a, x)[k], b, qtr_inst_params(b, y)[k])) return 0;
        qtr_cond ka, kb;
        int ca = qtr_inst_cond(a, x, &ka), cb = qtr_inst_cond(b, y, &kb);
        if (ca != cb) return 0;
        if (ca && (ka.on_bit != kb.on_bit || ka.nwords != kb.nwords ||
                   memcmp(ka.words, kb.words, ka.nwords * sizeof(uint32_t))))
            return 0;
        /* a register is its bits: the writer leaves out empty registers
         * ("creg e[0];"), which renumbers the ones after them */
        if (ca && (ka.on_bit ? ka.index != kb.index
                             : a->cregs[ka.index].first != b->cregs[kb.index].first ||
                                   a->cregs[ka.index].size != b->cregs[kb.index].size))
            return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 1);
    ctx.max_memory = BUDGET;
    qtr_circuit *c = NULL;
    qtr_status st = qtr_qasm_read_mem(text, size, NAME, &c, &ctx);
    if (st) {
        FUZZ_REQUIRE(c == NULL, "a failed read returned a circuit");
        FUZZ_REQUIRE_MESSAGE(&ctx, NAME);
    } else {
        FUZZ_REQUIRE(qtr_circuit_check(c, &ctx) == QTR_OK, "read circuit fails its check: %s",
                     ctx.msg);
    }

    qtr_ctx pctx;
    qtr_ctx_init(&pctx, 1);
    pctx.max_memory = BUDGET;
    long long pulled = pull_count(text, size, 1 + size % 3, &pctx);
    if (pulled < 0) FUZZ_REQUIRE_MESSAGE(&pctx, NAME);
    /* the budget may stop one path sooner than the other: compare the
     * outcomes only when neither hit it */
    if (st != QTR_EMEMORY && !strstr(pctx.msg, "memory budget"))
        FUZZ_REQUIRE((st == QTR_OK) == (pulled >= 0),
                     "whole-file read %s, pull read %s (%s / %s)", st ? "failed" : "succeeded",
                     pulled < 0 ? "failed" : "succeeded", ctx.msg, pctx.msg);
    if (!st && pulled >= 0)
        FUZZ_REQUIRE((size_t)pulled == c->ninst, "whole-file read %zu instructions, pull read %lld",
                     c->ninst, pulled);

    if (!st) {
        char *out = NULL;
        size_t len = 0;
        qtr_status wst = qtr_qasm_write_mem_format(c, FUZZ_QASM_VERSION, 0, &out, &len, &ctx);
        if (wst) FUZZ_REQUIRE_MESSAGE(&ctx, "<memory>");
        if (wst == QTR_OK) {
            qtr_circuit *back = NULL;
            qtr_ctx bctx;
            qtr_ctx_init(&bctx, 1);
            qtr_status bst = qtr_qasm_read_mem(out, len, "written.qasm", &back, &bctx);
            FUZZ_REQUIRE(bst == QTR_OK, "the writer's output does not read back: %s\n%s",
                         bctx.msg, out);
            FUZZ_REQUIRE(same_program(c, back), "the written circuit reads back different:\n%s",
                         out);
            qtr_circuit_free(back);
        }
        free(out);
    }
    qtr_circuit_free(c);
    return 0;
}
