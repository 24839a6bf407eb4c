/* cli_pack.c -- `qtranspile pack`, `unpack` and `info`: moving circuits
 * between QASM files and HDF5 batches, and describing a batch or results
 * file. One process, no MPI. Memory is bounded by a window of rows.
 *
 * Owns: the files and blocks of one command. Messages go to stderr; the
 * summary of `info` to stdout. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_batch.h"
#include "comm.h"
#include "h5_store.h"
#include "partition.h"
#include "qtr_io.h"

#define PROG "qtranspile"
enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

/* Rows per read or write window: bounds memory for batches of any size. */
#define WINDOW 256

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs(PROG ": ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs(PROG ": ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fputs("Try '" PROG " --help' for more information.\n", stderr);
    return EXIT_USAGE;
}

/* "dir/qft_8.qasm" -> "qft_8" (at most the format's name length). */
static void circuit_name(const char *path, char *out, size_t len)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = strlen(b);
    if (n > 5 && !strcmp(b + n - 5, ".qasm")) n -= 5;
    if (n >= len) n = len - 1;
    memcpy(out, b, n);
    out[n] = '\0';
}

/* Whole file into memory (malloc'ed, NUL-terminated). */
static char *slurp(const char *path, size_t *len, qtr_ctx *ctx)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        qtr_fail(ctx, QTR_EIO, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) break;
    }
    int err = ferror(f);
    fclose(f);
    if (!buf || err) {
        free(buf);
        qtr_fail(ctx, buf ? QTR_EIO : QTR_ENOMEM, "%s: %s", path, buf ? "read error" : "out of memory");
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Cost of a QASM text without parsing it: its statements (';') and the
 * qubits its qreg declarations add up to. Good enough to balance ranks. */
static double text_cost(const char *t, size_t len)
{
    uint64_t stmts = 0, qubits = 0;
    for (size_t i = 0; i < len; i++) {
        if (t[i] == ';') stmts++;
        if (t[i] == 'q' && i + 4 < len && !strncmp(t + i, "qreg", 4) &&
            (i == 0 || t[i - 1] == '\n' || t[i - 1] == ' ' || t[i - 1] == ';')) {
            const char *br = memchr(t + i, '[', len - i > 256 ? 256 : len - i);
            if (br) qubits += strtoull(br + 1, NULL, 10);
        }
    }
    return qtr_cost_estimate(stmts, qubits > UINT32_MAX ? UINT32_MAX : (uint32_t)qubits);
}

/* ======================================================================
 * pack
 * ====================================================================== */

int qtr_cli_pack(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"qasm", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *out = NULL;
    int text = 0;
    opterr = 0;
    optind = 1;
    for (;;) {
        int ch = getopt_long(argc, argv, ":o:h", opts, NULL);
        if (ch == -1) break;
        switch (ch) {
        case 'o': out = optarg; break;
        case 'q': text = 1; break;
        case 'h':
            puts("Usage: " PROG " pack [--qasm] FILE.qasm... -o BATCH.h5\n"
                 "Pack OpenQASM 2 files into an HDF5 batch (doc/hdf5-format.md).\n"
                 "  -o, --output FILE  the batch to write\n"
                 "      --qasm         store the texts as they are (parsed when transpiled,\n"
                 "                     so a malformed file fails alone); default: parse now\n"
                 "                     and store instruction records");
            return EXIT_OK;
        case ':': return usage("pack: option '%s' needs an argument", argv[optind - 1]);
        default: return usage("pack: unknown option '%s'", argv[optind - 1]);
        }
    }
    if (!out || !out[0]) return usage("pack: missing -o BATCH.h5");
    int nfiles = argc - optind;
    if (nfiles <= 0) return usage("pack: no input files");
    char **files = argv + optind;
    for (int i = 0; i < nfiles; i++) {
        struct stat a, b;
        if (!stat(files[i], &a) && !stat(out, &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
            return usage("pack: output '%s' is one of the inputs", out);
    }

    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_h5_file *f = NULL;
    qtr_h5_block b;
    qtr_h5_block_init(&b);
    int rc = EXIT_OK;
    uint64_t base[QTR_H5_NFILEPOOLS] = {0}, end[QTR_H5_NFILEPOOLS];
    if (qtr_h5_create(out, -1, QTR_H5_CIRCUITS, text ? QTR_H5_QASMTEXT : QTR_H5_COLUMNS,
                      (uint64_t)nfiles, NULL, &f, &ctx)) {
        say("%s", ctx.msg);
        return EXIT_USAGE;
    }
    for (int first = 0; first < nfiles && rc == EXIT_OK; first += WINDOW) {
        qtr_h5_block_clear(&b);
        for (int i = first; i < nfiles && i < first + WINDOW; i++) {
            char name[QTR_H5_NAME_LEN + 1];
            circuit_name(files[i], name, sizeof name);
            qtr_status st;
            if (text) {
                size_t len = 0;
                char *t = slurp(files[i], &len, &ctx);
                st = t ? qtr_h5_block_add_text(&b, (uint64_t)i, t, len, name, text_cost(t, len), &ctx)
                       : QTR_EIO;
                free(t);
            } else {
                qtr_circuit *c = NULL;
                st = qtr_qasm_read_file(files[i], &c, &ctx);
                if (!st) st = qtr_h5_block_add_circuit(&b, (uint64_t)i, c, name, &ctx);
                if (!st) b.row[b.n - 1].cost = qtr_cost_estimate(c->ninst, c->nqubits);
                qtr_circuit_free(c);
            }
            if (st) {
                say("%s", ctx.msg);
                if (!text && st == QTR_EPARSE)
                    say("pack: use --qasm to store texts unparsed (errors then show per circuit)");
                rc = EXIT_USAGE;
                break;
            }
        }
        if (rc) break;
        qtr_h5_block_place(&b, base, end);
        if ((!text && qtr_h5_grow(f, end, &ctx)) || qtr_h5_write_block(f, &b, -1, &ctx)) {
            say("%s", ctx.msg);
            rc = EXIT_USAGE;
        }
        memcpy(base, end, sizeof base);
    }
    qtr_h5_block_fini(&b);
    if (qtr_h5_close(f, &ctx) && rc == EXIT_OK) {
        say("%s", ctx.msg);
        rc = EXIT_USAGE;
    }
    if (rc != EXIT_OK) unlink(out);  /* no plausible-looking half batch */
    else fprintf(stderr, PROG ": %s: %d circuits (%s)\n", out, nfiles,
                 text ? "QASM text" : "instruction records");
    return rc;
}

/* ======================================================================
 * unpack
 * ====================================================================== */

/* A set of file names already written (open addressing, FNV-1a). */
typedef struct {
    char  **slot;
    size_t  cap, n;
} name_set;

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* 1 if added, 0 if present, -1 out of memory. */
static int name_add(name_set *ns, const char *s)
{
    if (2 * (ns->n + 1) > ns->cap) {
        size_t cap = ns->cap ? 2 * ns->cap : 1024;
        char **slot = calloc(cap, sizeof *slot);
        if (!slot) return -1;
        for (size_t i = 0; i < ns->cap; i++)
            if (ns->slot[i]) {
                size_t j = fnv(ns->slot[i]) & (cap - 1);
                while (slot[j]) j = (j + 1) & (cap - 1);
                slot[j] = ns->slot[i];
            }
        free(ns->slot);
        ns->slot = slot;
        ns->cap = cap;
    }
    size_t j = fnv(s) & (ns->cap - 1);
    for (; ns->slot[j]; j = (j + 1) & (ns->cap - 1))
        if (!strcmp(ns->slot[j], s)) return 0;
    if (!(ns->slot[j] = strdup(s))) return -1;
    ns->n++;
    return 1;
}

static void name_set_free(name_set *ns)
{
    for (size_t i = 0; i < ns->cap; i++) free(ns->slot[i]);
    free(ns->slot);
}

/* A file name for row @p i: its circuit name made safe (no '/', no leading
 * '.', printable ASCII), "circuit_<i>" when empty, "_<i>" appended when an
 * earlier row took the name. */
static int file_name(name_set *ns, const char *name, uint64_t i, char *out, size_t len)
{
    char safe[QTR_H5_NAME_LEN + 1];
    size_t k = 0;
    for (const char *p = name; *p && k < sizeof safe - 1; p++) {
        unsigned char ch = (unsigned char)*p;
        int bad = ch < 0x21 || ch > 0x7e || ch == '/' || (k == 0 && ch == '.');
        safe[k++] = bad ? '_' : (char)ch;
    }
    safe[k] = '\0';
    if (!k) snprintf(out, len, "circuit_%06llu", (unsigned long long)i);
    else snprintf(out, len, "%s", safe);
    int r = name_add(ns, out);
    if (r == 0) {
        size_t l = strlen(out);
        snprintf(out + l, len - l, "_%llu", (unsigned long long)i);
        r = name_add(ns, out);
    }
    return r < 0 ? -1 : 0;
}

static int write_text(const char *path, const char *t, size_t len, qtr_ctx *ctx)
{
    FILE *f = fopen(path, "wb");
    if (!f) return qtr_fail(ctx, QTR_EIO, "%s: %s", path, strerror(errno)), -1;
    int bad = fwrite(t, 1, len, f) != len;
    bad |= fclose(f) != 0;
    if (bad) return qtr_fail(ctx, QTR_EIO, "%s: write error", path), -1;
    return 0;
}

int qtr_cli_unpack(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *dir = NULL;
    opterr = 0;
    optind = 1;
    for (;;) {
        int ch = getopt_long(argc, argv, ":o:h", opts, NULL);
        if (ch == -1) break;
        switch (ch) {
        case 'o': dir = optarg; break;
        case 'h':
            puts("Usage: " PROG " unpack FILE.h5 -o DIR\n"
                 "Write each circuit of a batch, or each result of a results file, to\n"
                 "DIR/NAME.qasm. Failed and unfinished results are listed, not written.");
            return EXIT_OK;
        case ':': return usage("unpack: option '%s' needs an argument", argv[optind - 1]);
        default: return usage("unpack: unknown option '%s'", argv[optind - 1]);
        }
    }
    if (!dir || !dir[0]) return usage("unpack: missing -o DIR");
    if (argc - optind != 1) return usage("unpack: expected one HDF5 file");
    const char *path = argv[optind];
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_h5_file *f = NULL;
    if (qtr_h5_open(path, &f, &ctx)) {
        say("%s", ctx.msg);
        return EXIT_USAGE;
    }
    if (mkdir(dir, 0777) && errno != EEXIST) {
        say("%s: %s", dir, strerror(errno));
        qtr_h5_close(f, &ctx);
        return EXIT_USAGE;
    }
    int results = qtr_h5_content_of(f) == QTR_H5_RESULTS;
    uint64_t n = qtr_h5_count(f), written = 0, failed = 0, pending = 0, bad = 0;
    qtr_h5_block b;
    qtr_h5_block_init(&b);
    name_set ns = {0};
    int rc = EXIT_OK;
    size_t dlen = strlen(dir), plen = dlen + QTR_H5_NAME_LEN + 40;
    char *fpath = malloc(plen), *fname = malloc(QTR_H5_NAME_LEN + 32);
    if (!fpath || !fname) rc = EXIT_USAGE;
    for (uint64_t a = 0; a < n && rc == EXIT_OK; a += WINDOW) {
        size_t len = n - a < WINDOW ? (size_t)(n - a) : WINDOW;
        qtr_h5_block_clear(&b);
        if (qtr_h5_read_rows(f, a, len, &b, &ctx)) {
            say("%s", ctx.msg);
            rc = EXIT_USAGE;
            break;
        }
        for (size_t k = 0; k < b.n && rc == EXIT_OK; k++) {
            const qtr_h5_row *r = &b.row[k];
            if (results && r->status != QTR_H5_OK) {
                if (r->status == QTR_H5_PENDING) pending++;
                else {
                    failed++;
                    fprintf(stderr, PROG ": circuit %llu (%s): failed: %s\n",
                            (unsigned long long)r->index, r->name, qtr_h5_block_message(&b, k));
                }
                continue;
            }
            if (file_name(&ns, r->name, r->index, fname, QTR_H5_NAME_LEN + 32)) {
                rc = EXIT_USAGE;
                break;
            }
            /* "out/" names files out/NAME.qasm, not out//NAME.qasm */
            snprintf(fpath, plen, "%s%s%s.qasm", dir, dlen && dir[dlen - 1] == '/' ? "" : "/",
                     fname);
            int err;
            if (qtr_h5_storage_of(f) == QTR_H5_QASMTEXT) {
                err = write_text(fpath, qtr_h5_block_text(&b, k), r->count[QTR_H5_POOL_TEXT], &ctx);
            } else {
                qtr_circuit *c = NULL;
                err = qtr_h5_block_circuit(&b, k, qtr_h5_opmap(f), &c, &ctx) ||
                      qtr_qasm_write_file(c, fpath, &ctx);
                qtr_circuit_free(c);
            }
            if (err) {
                say("%s", ctx.msg);
                bad++;
                continue;
            }
            written++;
        }
    }
    if (rc == EXIT_OK) {
        fprintf(stderr, PROG ": %s: %llu circuits written to %s%s", path,
                (unsigned long long)written, dir, dlen && dir[dlen - 1] == '/' ? "" : "/");
        if (failed) fprintf(stderr, ", %llu failed", (unsigned long long)failed);
        if (pending) fprintf(stderr, ", %llu not done yet", (unsigned long long)pending);
        if (bad) fprintf(stderr, ", %llu could not be written", (unsigned long long)bad);
        fputc('\n', stderr);
        if (failed || pending || bad) rc = EXIT_FAILED;
    }
    free(fpath);
    free(fname);
    name_set_free(&ns);
    qtr_h5_block_fini(&b);
    qtr_h5_close(f, &ctx);
    return rc;
}

/* ======================================================================
 * info
 * ====================================================================== */

static void print_build(void)
{
    printf("mpi: %s\nhdf5: %s\nopenmp: %s\n", qtr_comm_built_with_mpi() ? "yes" : "no",
           qtr_comm_built_with_parallel_hdf5() ? "parallel" : "serial",
#ifdef _OPENMP
           "yes"
#else
           "no"
#endif
    );
}

int qtr_cli_info(int argc, char **argv)
{
    static const struct option opts[] = {
        {"build", no_argument, NULL, 'b'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    opterr = 0;
    optind = 1;
    for (;;) {
        int ch = getopt_long(argc, argv, ":h", opts, NULL);
        if (ch == -1) break;
        switch (ch) {
        case 'b': print_build(); return EXIT_OK;
        case 'h':
            puts("Usage: " PROG " info FILE.h5\n"
                 "       " PROG " info --build\n"
                 "Describe a batch or results file; or say how this qtranspile was built\n"
                 "(MPI, HDF5 flavour, OpenMP).");
            return EXIT_OK;
        default: return usage("info: unknown option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 1) return usage("info: expected one HDF5 file");
    const char *path = argv[optind];
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_h5_file *f = NULL;
    if (qtr_h5_interrupted(path))
        say("%s: its last round was cut short (a kill or a full disk); the batch command "
            "with --resume undoes it first", path);
    if (qtr_h5_open(path, &f, &ctx)) {
        say("%s", ctx.msg);
        return EXIT_USAGE;
    }
    uint64_t n = qtr_h5_count(f), ext[QTR_H5_NFILEPOOLS];
    qtr_h5_extent(f, ext);
    int results = qtr_h5_content_of(f) == QTR_H5_RESULTS;
    printf("%s: qtranspile-batch version 1, %s\n", path,
           results ? "results"
           : qtr_h5_storage_of(f) == QTR_H5_QASMTEXT ? "circuits as QASM text"
                                                     : "circuits as instruction records");
    printf("circuits: %llu\n", (unsigned long long)n);
    if (results) {
        qtr_h5_run r;
        qtr_h5_run_of(f, &r);
        printf("run: input %s, target %s%s%s, -O %d, seed %llu", r.input, r.target,
               r.basis[0] ? ", basis " : "", r.basis, r.opt_level, (unsigned long long)r.seed);
        if (r.layout_trials) printf(", layout trials %u", r.layout_trials);
        if (r.swap_trials) printf(", swap trials %u", r.swap_trials);
        if (r.approx_degree != 1) printf(", approximation degree %.15g", r.approx_degree);
        putchar('\n');
    }
    int rc = EXIT_OK;
    if (results || qtr_h5_storage_of(f) == QTR_H5_COLUMNS)
        printf("pools: %llu instruction records, %llu parameters, %llu operand words, "
               "%llu registers\n",
               (unsigned long long)ext[QTR_H5_POOL_INST], (unsigned long long)ext[QTR_H5_POOL_PARAMS],
               (unsigned long long)ext[QTR_H5_POOL_ARGS], (unsigned long long)ext[QTR_H5_POOL_REGS]);
    if (results) {
        uint64_t ok = 0, err = 0, pend = 0, sum[QTR_H5_NSTATS] = {0}, shown = 0;
        double secs = 0;
        qtr_h5_block b;
        qtr_h5_block_init(&b);
        for (uint64_t a = 0; a < n; a += WINDOW) {
            size_t len = n - a < WINDOW ? (size_t)(n - a) : WINDOW;
            qtr_h5_block_clear(&b);
            if (qtr_h5_read_rows(f, a, len, &b, &ctx)) {
                say("%s", ctx.msg);
                rc = EXIT_USAGE;
                break;
            }
            for (size_t k = 0; k < b.n; k++) {
                const qtr_h5_row *r = &b.row[k];
                if (r->status == QTR_H5_OK) ok++;
                else if (r->status == QTR_H5_PENDING) pend++;
                else {
                    err++;
                    if (shown++ < 5)
                        printf("  failed: circuit %llu (%s): %s\n", (unsigned long long)r->index,
                               r->name, qtr_h5_block_message(&b, k));
                }
                if (r->status == QTR_H5_OK)
                    for (int s = 0; s < QTR_H5_NSTATS; s++) sum[s] += r->stats[s];
                secs += r->seconds;
            }
        }
        qtr_h5_block_fini(&b);
        printf("status: %llu ok, %llu failed, %llu pending\n", (unsigned long long)ok,
               (unsigned long long)err, (unsigned long long)pend);
        printf("totals over ok circuits: 2q gates %llu -> %llu, swaps %llu, depth %llu -> %llu, "
               "%.3f s\n",
               (unsigned long long)sum[QTR_H5_STAT_N2Q_IN], (unsigned long long)sum[QTR_H5_STAT_N2Q],
               (unsigned long long)sum[QTR_H5_STAT_SWAPS],
               (unsigned long long)sum[QTR_H5_STAT_DEPTH_IN],
               (unsigned long long)sum[QTR_H5_STAT_DEPTH], secs);
    }
    qtr_h5_close(f, &ctx);
    return rc;
}

/* ======================================================================
 * Dispatch helper
 * ====================================================================== */

/* Options of the transpile form that take a separate value. */
static int takes_value(const char *a)
{
    static const char *const v[] = {"-o", "-t", "-O", "--output", "--target",
                                    "--optimization-level", "--basis", "--seed", "--stats",
                                    "--layout-trials", "--swap-trials", "--approximation-degree",
                                    "--progress", "--threads", "--round"};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        if (!strcmp(a, v[i])) return 1;
    return 0;
}

int qtr_cli_is_batch(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            a = i + 1 < argc ? argv[i + 1] : NULL;
            if (!a) return 0;
        } else if (a[0] == '-' && a[1]) {
            if (takes_value(a)) i++;
            continue;
        }
        size_t n = strlen(a);
        if ((n > 3 && !strcmp(a + n - 3, ".h5")) || (n > 5 && !strcmp(a + n - 5, ".hdf5")))
            return 1;
        /* the HDF5 signature at offset 0 (files with a user block put it
         * at 512, 1024, ...; those need the .h5 name) */
        FILE *f = fopen(a, "rb");
        if (!f) return 0;
        unsigned char sig[8] = {0};
        size_t got = fread(sig, 1, 8, f);
        fclose(f);
        return got == 8 && !memcmp(sig, "\211HDF\r\n\032\n", 8);
    }
    return 0;
}
