/* qasm_roundtrip.c -- evidence driver for the OpenQASM 2 reader and writer
 * (run by tests/bench/roundtrip.sh; not part of make check).
 *
 *   qasm_roundtrip FILE...              one table row per file, then a summary
 *   qasm_roundtrip --convert IN OUT     read IN, write OUT: times and peak RSS
 *
 * Per file: read (timed), write to memory (timed), read the text back and
 * compare instruction lists (qtr_circuit_equal: ops, operands, parameters
 * bit-exact, conditions, registers). Circuits of at most 12 qubits are also
 * simulated: the circuit read is compared with the same circuit with every
 * gate replaced, recursively, by its built-in definition down to U and CX
 * (qtr_qasm_gate_definition), so the table gates the reader produced and the
 * definitions the writer would emit are checked against each other on real
 * programs. Circuits with resets, mid-circuit measurements or conditions
 * cannot be simulated ("n/a").
 *
 * Exit status: 0 when every file reads and round-trips exactly and no
 * simulation disagrees; 1 otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include "qtr_io.h"
#include "sim.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static long peak_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* Every gate replaced by its definition until only u and cx are left;
 * measurements and directives are kept. */
static qtr_status flatten(const qtr_circuit *in, qtr_circuit **out, qtr_ctx *ctx)
{
    qtr_circuit *cur = NULL;
    qtr_status st = qtr_circuit_clone(in, &cur, ctx);
    if (st) return st;
    for (int round = 0; round < 12; round++) {
        qtr_circuit *next = qtr_circuit_new(0);
        if (!next) {
            qtr_circuit_free(cur);
            return QTR_ENOMEM;
        }
        for (size_t i = 0; i < cur->nqregs && !st; i++)
            st = qtr_circuit_add_qreg(next, cur->qregs[i].name, cur->qregs[i].size, ctx);
        for (size_t i = 0; i < cur->ncregs && !st; i++)
            st = qtr_circuit_add_creg(next, cur->cregs[i].name, cur->cregs[i].size, ctx);
        next->nqubits = cur->nqubits;
        next->nclbits = cur->nclbits;
        int changed = 0;
        for (size_t i = 0; i < cur->ninst && !st; i++) {
            const qtr_inst *x = &cur->inst[i];
            const uint32_t *q = qtr_inst_operands(cur, x);
            const double *p = qtr_inst_params(cur, x);
            qtr_cond k;
            if (qtr_inst_cond(cur, x, &k)) {
                st = qtr_circuit_append_if(next, (qtr_op)x->op, q, x->nargs, p, &k, ctx);
                continue;
            }
            st = qtr_qasm_gate_definition((qtr_op)x->op, p, q, next, ctx);
            if (st == QTR_EUNSUPPORTED)
                st = qtr_circuit_append(next, (qtr_op)x->op, q, x->nargs, p, ctx);
            else if (!st)
                changed = 1;
        }
        qtr_circuit_free(cur);
        cur = next;
        if (st || !changed) break;
    }
    if (st) {
        qtr_circuit_free(cur);
        return st;
    }
    *out = cur;
    return QTR_OK;
}

static int convert(const char *in, const char *out)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_circuit *c = NULL;
    double t0 = now();
    qtr_status st = qtr_qasm_read_file(in, &c, &ctx);
    double t1 = now();
    if (st) {
        fprintf(stderr, "%s\n", ctx.msg);
        return 1;
    }
    st = qtr_qasm_write_file(c, out, &ctx);
    double t2 = now();
    if (st) {
        fprintf(stderr, "%s\n", ctx.msg);
        qtr_circuit_free(c);
        return 1;
    }
    printf("%zu instructions: read %.3f s, write %.3f s, total %.3f s, circuit %.1f MB "
           "(peak %.1f MB), process peak RSS %.1f MB\n",
           c->ninst, t1 - t0, t2 - t1, t2 - t0, c->alloc.cur / 1048576.0,
           c->alloc.peak / 1048576.0, peak_rss_kb() / 1024.0);
    qtr_circuit_free(c);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "--convert")) return convert(argv[2], argv[3]);
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE... | --convert IN OUT\n", argv[0]);
        return 2;
    }
    int nread = 0, nexact = 0, nsim = 0, nsimfail = 0, nskip = 0, nna = 0, nfail = 0;
    double tread = 0, twrite = 0;
    size_t tinst = 0;
    printf("%-36s %6s %9s %9s %9s %10s %-6s %s\n", "circuit", "qubits", "instrs", "read ms",
           "write ms", "bytes out", "exact", "simulated");
    for (int i = 1; i < argc; i++) {
        const char *name = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i];
        qtr_ctx ctx;
        qtr_ctx_init(&ctx, (uint64_t)i);
        qtr_circuit *c = NULL, *back = NULL, *flat = NULL;
        double t0 = now();
        qtr_status st = qtr_qasm_read_file(argv[i], &c, &ctx);
        double t1 = now();
        if (st) {
            printf("%-36s read failed: %s\n", name, ctx.msg);
            nfail++;
            continue;
        }
        nread++;
        char *text = NULL;
        size_t len = 0;
        double t2 = now();
        st = qtr_qasm_write_mem(c, &text, &len, &ctx);
        double t3 = now();
        if (st) {
            printf("%-36s write failed: %s\n", name, ctx.msg);
            nfail++;
            qtr_circuit_free(c);
            continue;
        }
        st = qtr_qasm_read_mem(text, len, name, &back, &ctx);
        int exact = !st && qtr_circuit_equal(c, back);
        if (st) printf("  re-read failed: %s\n", ctx.msg);
        nexact += exact;
        if (!exact) nfail++;
        const char *sim = "skipped (>12 qubits)";
        char simbuf[600];
        if (c->nqubits <= 12) {
            st = flatten(back ? back : c, &flat, &ctx);
            if (!st) st = qtr_sim_equivalent(c, flat, NULL, NULL, 1e-7, &ctx);
            if (!st) {
                sim = "equal";
                nsim++;
            } else if (st == QTR_EUNSUPPORTED) {
                sim = "n/a (reset/conditions/mid-circuit measure)";
                nna++;
            } else {
                snprintf(simbuf, sizeof simbuf, "DIFFER: %s", ctx.msg);
                sim = simbuf;
                nsimfail++;
            }
        } else {
            nskip++;
        }
        printf("%-36s %6u %9zu %9.2f %9.2f %10zu %-6s %s\n", name, c->nqubits, c->ninst,
               1e3 * (t1 - t0), 1e3 * (t3 - t2), len, exact ? "yes" : "NO", sim);
        tread += t1 - t0;
        twrite += t3 - t2;
        tinst += c->ninst;
        free(text);
        qtr_circuit_free(c);
        qtr_circuit_free(back);
        qtr_circuit_free(flat);
    }
    printf("summary: %d files, %d read, %d identical after write+read, %d simulated equal to "
           "their U/CX expansion, %d simulation mismatches, %d not simulable (classical "
           "control), %d skipped (>12 qubits), %d failures; %zu instructions, read %.1f ms, "
           "write %.1f ms\n",
           argc - 1, nread, nexact, nsim, nsimfail, nna, nskip, nfail, tinst, 1e3 * tread,
           1e3 * twrite);
    return nfail || nsimfail ? 1 : 0;
}
