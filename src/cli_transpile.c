/* cli_transpile.c -- `qtranspile IN.qasm -t TARGET ...`: load the target,
 * read, transpile, optionally verify, write the circuit and --stats.
 *
 * Two paths. In memory (the default): the whole circuit is read, run through
 * qtr_transpile at the chosen level, and written with a header that records
 * the layout. Streaming (--stream, or by default at level 0 when the input and
 * the output are files): reader -> level-0 translation -> writer one chunk at
 * a time, memory independent of the circuit's length. By default the
 * streamed run writes the in-memory path's header and output; if the circuit
 * turns out to need routing (or declares qubits after its first chunk), the
 * partial output is dropped and the circuit is transpiled in memory.
 *
 * Output files are written to a temporary name beside OUT and renamed into
 * place only on success, so a failed run never leaves a plausible-looking or
 * truncated OUT (and never destroys an earlier good one).
 *
 * Owns: target, circuits, reader/writer, result -- all released before return. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli_output.h"
#include "cli_opts.h"
#include "qtr.h"
#include "qtr_io.h"
#include "sim.h"


/* Equivalence is simulated up to this many active qubits (the reference
 * simulator's state-vector limit); beyond it only conformity is checked. */
#define VERIFY_MAX_QUBITS QTR_SIM_MAX_QUBITS

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void say(const char *what, const qtr_ctx *ctx, qtr_status st)
{
    const char *m = qtr_ctx_message(ctx);
    fprintf(stderr, "qtranspile: %s%s%s\n", what ? what : "", what ? ": " : "",
            m[0] ? m : qtr_status_text(st));
}

/* Input problems are the user's (exit 2); everything after a successful read
 * is the circuit failing (exit 1). */
/* out of memory, or over the circuit's budget: the input is fine, this
 * circuit failed (exit 1); anything else is the input's fault (exit 2) */
static int input_exit(qtr_status st)
{
    return st == QTR_ENOMEM || st == QTR_EMEMORY ? QTR_EXIT_FAILED : QTR_EXIT_USAGE;
}

/* ---- pieces ------------------------------------------------------------------ */

static int load_target(const qtr_cli_options *a, qtr_target **t, qtr_ctx *ctx)
{
    qtr_status st = qtr_target_load(a->target, t, ctx);
    if (!st && a->basis) st = qtr_target_set_basis(*t, a->basis, ctx);
    if (st) {
        say(NULL, ctx, st);
        return QTR_EXIT_USAGE;
    }
    return QTR_EXIT_OK;
}

/* Conformity always; equivalence by simulation when the active qubits fit. */
static int verify(const qtr_circuit *in, const qtr_circuit *out, const qtr_target *t,
                  const qtr_result *r, int approximate, qtr_ctx *ctx)
{
    qtr_status st = qtr_target_check_circuit(t, out, ctx);
    if (st) {
        say("--verify: output does not conform to the target", ctx, st);
        return QTR_EXIT_FAILED;
    }
    /* an approximate result is not equal to the input: nothing exact to check */
    if (approximate) {
        fprintf(stderr, "qtranspile: --verify: output conforms to '%s'; equivalence not checked "
                        "(--approximation-degree below 1 allows approximate synthesis)\n",
                t->name);
        return QTR_EXIT_OK;
    }
    /* levels 2-3 drop diagonal gates before measurements (as Qiskit does), which
     * changes only phases of measured outcomes: compare what measurement sees */
    st = qtr_sim_compare(in, out, r->initial_layout, r->output_permutation, 1e-6,
                         QTR_SIM_MEASURE_PHASES, ctx);
    if (st == QTR_OK) {
        fprintf(stderr, "qtranspile: --verify: output conforms to '%s' and is equivalent to the input\n",
                t->name);
        return QTR_EXIT_OK;
    }
    if (st == QTR_ELIMIT || st == QTR_EUNSUPPORTED) {
        say("--verify: output conforms to the target; equivalence not simulated", ctx, st);
        return QTR_EXIT_OK;
    }
    say("--verify: output is NOT equivalent to the input", ctx, st);
    return QTR_EXIT_FAILED;
}

static int write_stats(const qtr_cli_options *a, const qtr_result *r, double read_s,
                       double write_s, double total_s, int streamed, const qtr_target *t, qtr_ctx *ctx)
{
    if (!a->stats_path) return QTR_EXIT_OK;
    qtr_report_info info = {a->input, a->output, t->name, read_s, write_s, total_s, streamed};
    qtr_status st = qtr_result_write_json(r, &info, a->stats_path, ctx);
    if (st) {
        say(NULL, ctx, st);
        return QTR_EXIT_FAILED;
    }
    return QTR_EXIT_OK;
}

/* "qtranspile V: target T, optimization level L, seed S[, ...]": the first
 * line of the header both paths write. */
static void header_line(const qtr_cli_options *a, const qtr_target *t, char *head, size_t cap)
{
    int hl = snprintf(head, cap, "qtranspile %s: target %s, optimization level %d, seed %llu",
                      QTR_VERSION_STRING, t->name, a->opt_level, (unsigned long long)a->seed);
    if (a->layout_trials && hl > 0 && (size_t)hl < cap)
        hl += snprintf(head + hl, cap - (size_t)hl, ", layout trials %u", a->layout_trials);
    if (a->swap_trials && hl > 0 && (size_t)hl < cap)
        snprintf(head + hl, cap - (size_t)hl, ", swap trials %u", a->swap_trials);
}

typedef struct {
    const qtr_cli_options *a;
    const qtr_target      *t;
} header_args;

/* The in-memory path's header for a level-0 run that needed no routing: the
 * trivial layout, which is also the output permutation. */
static qtr_status stream_header(void *arg, qtr_qasm_writer *wr, uint32_t n, qtr_ctx *ctx)
{
    const header_args *h = arg;
    char head[320];
    header_line(h->a, h->t, head, sizeof head);
    uint32_t *ident = malloc((n ? n : 1) * sizeof *ident);
    if (!ident) return qtr_fail(ctx, QTR_ENOMEM, "layout of %u qubits", n);
    for (uint32_t v = 0; v < n; v++) ident[v] = v;
    qtr_status st = qtr_qasm_writer_comment(wr, head, ctx);
    if (!st) st = qtr_cli_layout_comment(wr, "initial_layout", ident, n, ctx);
    if (!st) st = qtr_cli_layout_comment(wr, "output_permutation", ident, n, ctx);
    free(ident);
    return st;
}

/* The output's OpenQASM version and qubit spelling (qtr_cli_out_version). */
static qtr_status set_format(const qtr_cli_options *a, qtr_qasm_writer *w, int input_version,
                             qtr_ctx *ctx)
{
    return qtr_qasm_writer_set_format(w, qtr_cli_out_version(a, a->output, input_version),
                                      a->physical ? QTR_QASM_PHYSICAL : 0, ctx);
}

/* ---- the two paths ------------------------------------------------------------ */

/* Streams; with @p fallback (the default, not --stream) a circuit the
 * streamed path cannot take returns NOT_STREAMED, its output dropped,
 * nothing said. */
enum { NOT_STREAMED = -1 };
static int run_stream(const qtr_cli_options *a, const qtr_target *t, int fallback, qtr_ctx *ctx)
{
    double t0 = now();
    qtr_options o;
    qtr_options_default(&o);
    o.opt_level = a->opt_level;
    o.seed = a->seed;
    qtr_qasm_reader *rd = NULL;
    qtr_qasm_writer *wr = NULL;
    qtr_result r;
    memset(&r, 0, sizeof r);
    qtr_cli_out of;
    int rc = QTR_EXIT_OK;
    qtr_status st = qtr_qasm_reader_open_file(&rd, a->input, ctx);
    if (st) {
        say(NULL, ctx, st);
        return input_exit(st);
    }
    qtr_qasm_reader_set_strict(rd, a->strict);
    if ((st = qtr_qasm_reader_start(rd, ctx))) {
        say(NULL, ctx, st);
        qtr_qasm_reader_free(rd);
        return input_exit(st);
    }
    if (fallback && qtr_qasm_reader_version(rd) != 2) {
        /* by default only OpenQASM 2 streams: a version 3 input may carry
         * parameters and constructs the chunked path was not made for */
        qtr_qasm_reader_free(rd);
        return NOT_STREAMED;
    }
    if (qtr_cli_out_begin(&of, a->output) || (st = qtr_cli_out_writer(&of, &wr, ctx)) ||
        (st = set_format(a, wr, qtr_qasm_reader_version(rd), ctx))) {
        say(NULL, ctx, st ? st : QTR_ENOMEM);
        if (wr) qtr_qasm_writer_close(wr, ctx);
        qtr_qasm_reader_free(rd);
        qtr_cli_out_end(&of, 0);
        return QTR_EXIT_FAILED;
    }
    header_args h = {a, t};
    if (fallback) {
        st = qtr_transpile_stream_headed(rd, wr, t, &o, stream_header, &h, &r, ctx);
    } else {
        qtr_qasm_writer_comment(wr, "qtranspile " QTR_VERSION_STRING ": level 0, streamed, trivial layout", ctx);
        st = qtr_transpile_stream(rd, wr, t, &o, &r, ctx);
    }
    if (st == QTR_EUNSUPPORTED && fallback) {
        qtr_ctx scratch;
        qtr_ctx_init(&scratch, 0);
        qtr_qasm_writer_close(wr, &scratch);
        qtr_qasm_reader_free(rd);
        qtr_cli_out_end(&of, 0);
        qtr_result_free(&r);
        return NOT_STREAMED;
    }
    if (st) {
        /* a parse error is the input's; anything else the circuit's */
        say(NULL, ctx, st);
        rc = st == QTR_EPARSE || st == QTR_EQUBIT || st == QTR_EIO ? QTR_EXIT_USAGE : QTR_EXIT_FAILED;
        qtr_ctx scratch;
        qtr_ctx_init(&scratch, 0);
        qtr_qasm_writer_close(wr, &scratch);
    } else if ((st = qtr_qasm_writer_close(wr, ctx))) {
        say(NULL, ctx, st);
        rc = QTR_EXIT_FAILED;
    }
    qtr_qasm_reader_free(rd);
    if (qtr_cli_out_end(&of, rc == QTR_EXIT_OK)) rc = QTR_EXIT_FAILED;
    if (rc == QTR_EXIT_OK) rc = write_stats(a, &r, 0, 0, now() - t0, 1, t, ctx);
    qtr_result_free(&r);
    return rc;
}

/* --bind: replace *c (a circuit with parameters, transpiled or not) by *c
 * with the values put in. */
static int bind_values(const qtr_cli_options *a, qtr_circuit **c, qtr_ctx *ctx)
{
    size_t n = (*c)->npnames;
    double *v = malloc((n ? n : 1) * sizeof *v);
    qtr_circuit *bound = NULL;
    qtr_status st = v ? qtr_values_parse(*c, a->bind, strlen(a->bind), v, ctx)
                      : qtr_fail(ctx, QTR_ENOMEM, "--bind");
    if (!st) st = qtr_circuit_bind(*c, v, n, &bound, ctx);
    free(v);
    if (st) {
        if (st == QTR_EPARSE) return qtr_cli_usage("--bind: %s", qtr_ctx_message(ctx));
        say(a->input, ctx, st);
        return QTR_EXIT_FAILED;
    }
    qtr_circuit_free(*c);
    *c = bound;
    return QTR_EXIT_OK;
}

static int run_in_memory(const qtr_cli_options *a, const qtr_target *t, qtr_ctx *ctx)
{
    double t0 = now();
    qtr_circuit *c = NULL, *orig = NULL;
    qtr_qasm_writer *wr = NULL;
    qtr_result r;
    memset(&r, 0, sizeof r);
    qtr_cli_out of = {a->output, NULL};
    int rc = QTR_EXIT_OK, opened = 0;
    int version = 0;
    qtr_status st = qtr_qasm_read_file_mode(a->input, a->strict, &c, &version, ctx);
    if (st) {
        say(NULL, ctx, st);
        return input_exit(st);
    }
    double t1 = now();
    if (a->verify && (st = qtr_circuit_clone(c, &orig, ctx))) {
        say(NULL, ctx, st);
        rc = QTR_EXIT_FAILED;
        goto done;
    }
    qtr_options o;
    qtr_options_default(&o);
    o.opt_level = a->opt_level;
    o.seed = a->seed;
    o.layout_trials = a->layout_trials;
    o.swap_trials = a->swap_trials;
    if (a->approx > 0) o.approximation_degree = a->approx;
    if ((st = qtr_transpile(c, t, &o, &r, ctx))) {
        say(a->input, ctx, st);
        rc = QTR_EXIT_FAILED;
        goto done;
    }
    if (a->bind && ((rc = bind_values(a, &c, ctx)) || (orig && (rc = bind_values(a, &orig, ctx)))))
        goto done;
    if (a->verify && (rc = verify(orig, c, t, &r, a->approx > 0 && a->approx < 1, ctx)))
        goto done;
    double t3 = now();

    char head[320];
    header_line(a, t, head, sizeof head);
    if (qtr_cli_out_begin(&of, a->output) || (st = qtr_cli_out_writer(&of, &wr, ctx))) {
        say(NULL, ctx, st ? st : QTR_ENOMEM);
        rc = QTR_EXIT_FAILED;
        goto done;
    }
    opened = 1;
    if ((st = set_format(a, wr, version, ctx))) {
        say(NULL, ctx, st);
        rc = QTR_EXIT_FAILED;
        qtr_qasm_writer_close(wr, ctx);
        goto done;
    }
    if ((st = qtr_qasm_writer_comment(wr, head, ctx)) ||
        (st = qtr_cli_layout_comment(wr, "initial_layout", r.initial_layout, r.nvirtual, ctx)) ||
        (st = qtr_cli_layout_comment(wr, "output_permutation", r.output_permutation, r.nvirtual, ctx)) ||
        (st = qtr_qasm_writer_write(wr, c, 0, ctx))) {
        say(NULL, ctx, st);
        rc = QTR_EXIT_FAILED;
        qtr_ctx scratch;
        qtr_ctx_init(&scratch, 0);
        qtr_qasm_writer_close(wr, &scratch);
        goto done;
    }
    if ((st = qtr_qasm_writer_close(wr, ctx))) {
        say(NULL, ctx, st);
        rc = QTR_EXIT_FAILED;
        goto done;
    }
    double t4 = now();
    rc = write_stats(a, &r, t1 - t0, t4 - t3, t4 - t0, 0, t, ctx);
done:
    if (opened && qtr_cli_out_end(&of, rc == QTR_EXIT_OK)) rc = QTR_EXIT_FAILED;
    qtr_result_free(&r);
    qtr_circuit_free(c);
    qtr_circuit_free(orig);
    return rc;
}

/* Stream when asked (1), or by default (2) at level 0 without --verify or
 * --bind (which need the whole circuit) or trial counts (routing, which the
 * streamed path does not do), when the input can be read again and the
 * output is a file renamed into place at the end: a circuit that turns out
 * to need routing is then redone in memory without a trace. 0: in memory. */
static int want_stream(const qtr_cli_options *a)
{
    if (a->stream) return a->stream > 0;
    if (a->opt_level != 0 || a->verify || a->swap_trials || a->layout_trials || a->bind ||
        !strcmp(a->input, "-") || !strcmp(a->output, "-"))
        return 0;
    struct stat s;
    if (stat(a->input, &s) || !S_ISREG(s.st_mode)) return 0;
    return stat(a->output, &s) || S_ISREG(s.st_mode) ? 2 : 0;
}

int qtr_cli_transpile(const qtr_cli_options *a)
{
    if (!a->target) {
        return qtr_cli_usage("transpile: -t TARGET is required ('qtranspile targets' lists the "
                             "built-in ones)");
    }
    if (a->stream > 0 && a->bind)
        return qtr_cli_usage("--stream: cannot be combined with --bind (parameters need the "
                             "whole circuit)");
    if (a->stream > 0 && (a->opt_level != 0 || a->verify || a->swap_trials || a->layout_trials)) {
        return qtr_cli_usage("--stream: %s",
                a->verify ? "cannot be combined with --verify (it needs the whole circuit)"
                : a->opt_level ? "runs optimization level 0 only; add -O 0"
                               : "does no layout or routing: --layout-trials and --swap-trials "
                                 "do not apply");
    }
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, a->seed);
    ctx.max_memory = qtr_cli_memory_budget(a, 1, 1);
    qtr_target *t = NULL;
    int rc = load_target(a, &t, &ctx);
    int stream = rc == QTR_EXIT_OK ? want_stream(a) : 0;
    if (stream) rc = run_stream(a, t, stream == 2, &ctx);
    if (rc == QTR_EXIT_OK && !stream) rc = run_in_memory(a, t, &ctx);
    if (rc == NOT_STREAMED) {
        qtr_ctx_init(&ctx, a->seed);
        rc = run_in_memory(a, t, &ctx);
    }
    qtr_target_free(t);
    return rc;
}

int qtr_cli_targets(const qtr_cli_options *o)
{
    (void)o;
    for (const qtr_target_builtin_info *b = qtr_target_builtins(); b->name; b++)
        printf("%-14s %s\n", b->name, b->description);
    return fflush(stdout) || ferror(stdout) ? QTR_EXIT_FAILED : QTR_EXIT_OK;
}
