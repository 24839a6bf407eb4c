/* qasm3_roundtrip.c -- evidence driver for the OpenQASM 3 reader and writer
 * (run by tests/bench/roundtrip3.sh; not part of make check).
 *
 *   qasm3_roundtrip [-t TARGET] [-w WIDE_TARGET] [-O LEVEL] [-s MAXQ] FILE...
 *
 * Per OpenQASM 2 file: A = read(file); the OpenQASM 2 text of A, read back
 * ("converted once"); the OpenQASM 3 text of A, read back and written as
 * OpenQASM 2 again ("to 3 and back"). The two OpenQASM 2 texts must be
 * byte-identical and the circuits read from them equal (qtr_circuit_equal:
 * ops, operands, parameters bit-exact, conditions, registers). Then the
 * circuit read from the OpenQASM 3 text and A are each transpiled for
 * TARGET (default torino; WIDE_TARGET, default grid:20x20, for circuits
 * with more qubits than TARGET) at LEVEL (default 1), seed 0: the two
 * outputs must be equal. Last, for circuits of at most MAXQ qubits (default
 * 16), the path a Qiskit user takes: the transpiled OpenQASM 3 version is
 * written as OpenQASM 3 on physical qubits ($n), read back and simulated
 * against the input with the transpiler's layouts (qtr_sim_compare; not for
 * mid-circuit measurements, resets or conditions: "-"). One row per file,
 * then a summary; exit 0 when every file passes, 1 otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "qtr_io.h"
#include "sim.h"

static int fail_row(const char *file, const char *what, const qtr_ctx *ctx)
{
    printf("%-40s FAIL %s: %s\n", file, what, qtr_ctx_message(ctx));
    return 1;
}

static qtr_status reread(const char *text, size_t len, const char *name, qtr_circuit **out,
                         qtr_ctx *ctx)
{
    return qtr_qasm_read_mem(text, len, name, out, ctx);
}

/* @p out (transpiled from @p in, layouts in @p r) written as OpenQASM 3 on
 * physical qubits and read back: is it equivalent to @p in by simulation?
 * 1 yes, 0 no (said why), -1 not simulated (mid-circuit measurement, reset,
 * a condition, or too many active qubits). */
static int written_back_equivalent(const qtr_circuit *in, const qtr_circuit *out,
                                   const qtr_result *r)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    char *text = NULL;
    size_t len = 0;
    qtr_circuit *back = NULL;
    int verdict = 0;
    if (qtr_qasm_write_mem_format(out, 3, QTR_QASM_PHYSICAL, &text, &len, &ctx) ||
        reread(text, len, "v3 physical", &back, &ctx)) {
        printf("  OpenQASM 3 on physical qubits: %s\n", qtr_ctx_message(&ctx));
        goto done;
    }
    /* read back, the device is as wide as its last $n: widen it to the
     * device so that the layouts fit */
    if (back->nqubits < out->nqubits &&
        qtr_circuit_add_qreg(back, "idle", out->nqubits - back->nqubits, &ctx)) {
        printf("  %s\n", qtr_ctx_message(&ctx));
        goto done;
    }
    qtr_status st = qtr_sim_compare(in, back, r->initial_layout, r->output_permutation, 1e-6,
                                    QTR_SIM_MEASURE_PHASES, &ctx);
    if (st == QTR_EUNSUPPORTED || st == QTR_ELIMIT) verdict = -1;
    else if (st) printf("  simulated: %s\n", qtr_ctx_message(&ctx));
    else verdict = 1;
done:
    free(text);
    qtr_circuit_free(back);
    return verdict;
}

static int one(const char *file, const qtr_target *t, const qtr_target *wide, int level,
               uint32_t max_sim)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_circuit *a = NULL, *once = NULL, *v3 = NULL, *back = NULL;
    char *t2 = NULL, *t3 = NULL, *t32 = NULL;
    size_t n2 = 0, n3 = 0, n32 = 0;
    int bad = 0;
    if (qtr_qasm_read_file(file, &a, &ctx)) return fail_row(file, "read", &ctx);
    if (qtr_qasm_write_mem_format(a, 2, 0, &t2, &n2, &ctx) ||
        reread(t2, n2, "v2", &once, &ctx)) {
        bad = fail_row(file, "OpenQASM 2 round trip", &ctx);
        goto done;
    }
    if (qtr_qasm_write_mem_format(a, 3, 0, &t3, &n3, &ctx) || reread(t3, n3, "v3", &v3, &ctx) ||
        qtr_qasm_write_mem_format(v3, 2, 0, &t32, &n32, &ctx) ||
        reread(t32, n32, "v3->v2", &back, &ctx)) {
        bad = fail_row(file, "OpenQASM 3 round trip", &ctx);
        goto done;
    }
    int text_same = n2 == n32 && !memcmp(t2, t32, n2);
    int recs_same = qtr_circuit_equal(once, back) && qtr_circuit_equal(a, v3);
    int tr_same = -1, sim_same = -1;
    if (t && wide && a->nqubits > t->nqubits) t = wide;
    if (t) {
        /* the circuit read from the file (OpenQASM 2) and the one read from
         * its OpenQASM 3 text, each transpiled in place; `once` stays the
         * input of reference */
        qtr_options o;
        qtr_options_default(&o);
        o.opt_level = level;
        qtr_result r2, r3;
        memset(&r2, 0, sizeof r2);
        memset(&r3, 0, sizeof r3);
        qtr_status s2 = qtr_transpile(a, t, &o, &r2, &ctx);
        qtr_status s3 = s2 ? s2 : qtr_transpile(v3, t, &o, &r3, &ctx);
        tr_same = !s2 && !s3 && qtr_circuit_equal(a, v3);
        if (s2 || s3) printf("%-40s transpile failed: %s\n", file, qtr_ctx_message(&ctx));
        if (!s3 && once->nqubits <= max_sim) sim_same = written_back_equivalent(once, v3, &r3);
        qtr_result_free(&r2);
        qtr_result_free(&r3);
    }
    bad = !text_same || !recs_same || tr_same == 0 || sim_same == 0;
    printf("%-40s %8zu inst  v2 text %s  records %s  transpile on %s %s  v3 out simulated %s"
           "  (%zu bytes v3)\n", file, a->ninst, text_same ? "same" : "DIFF",
           recs_same ? "equal" : "DIFFER", t ? t->name : "-",
           tr_same < 0 ? "-" : tr_same ? "equal" : "DIFFER",
           sim_same < 0 ? "-" : sim_same ? "equal" : "DIFFER", n3);
done:
    free(t2);
    free(t3);
    free(t32);
    qtr_circuit_free(a);
    qtr_circuit_free(once);
    qtr_circuit_free(v3);
    qtr_circuit_free(back);
    return bad;
}

int main(int argc, char **argv)
{
    const char *target = "torino", *wide_spec = "grid:20x20";
    int level = 1, i = 1;
    uint32_t max_sim = 16;
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        if (!strcmp(argv[i], "-t")) target = argv[i + 1];
        else if (!strcmp(argv[i], "-w")) wide_spec = argv[i + 1];
        else if (!strcmp(argv[i], "-O")) level = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "-s")) max_sim = (uint32_t)atoi(argv[i + 1]);
        else break;
    }
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_target *t = NULL, *wide = NULL;
    if (strcmp(target, "none") &&
        (qtr_target_load(target, &t, &ctx) || qtr_target_load(wide_spec, &wide, &ctx))) {
        fprintf(stderr, "qasm3_roundtrip: %s\n", qtr_ctx_message(&ctx));
        return 2;
    }
    int nbad = 0, n = 0;
    for (; i < argc; i++, n++) nbad += one(argv[i], t, wide, level, max_sim);
    printf("%d circuits: %d pass, %d fail (target %s, level %d)\n", n, n - nbad, nbad, target, level);
    qtr_target_free(t);
    qtr_target_free(wide);
    return nbad ? 1 : 0;
}
