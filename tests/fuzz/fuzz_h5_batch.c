/* fuzz_h5_batch.c -- libFuzzer target: the HDF5 batch reader, on whole
 * files. The input is a file image opened from memory (qtr_h5_open_image:
 * HDF5's core driver), so the fuzzer mutates files as they lie on disk:
 * truncated, bit-flipped, wrong dtypes, segments outside their pools,
 * overlapping rows.
 *
 * What it runs is what the batch driver and `qtranspile pack --list` run on
 * an input: open (format, version, gate table, columns), the cost index,
 * blocks of rows, every row rebuilt as a circuit (or its QASM text read),
 * and for results files the status and placement columns.
 *
 * Promises checked: no crash, leak or undefined behaviour; every failure
 * (of the file, or of one row) has a message; a row that fails names
 * itself ("circuit N"); a rebuilt circuit passes qtr_circuit_check. Rows
 * and the budget are capped so a file declaring 2^40 rows or records
 * costs no more than a small one. */
#include <hdf5.h>
#include "fuzz_common.h"
#include "qtr.h"
#include "qtr_io.h"
#include "h5_store.h"

#define NAME "fuzz.h5"
#define MAX_ROWS 64
#define BLOCK 5
#define BUDGET ((size_t)16 << 20)

static void check_row(qtr_h5_file *f, const qtr_h5_block *b, size_t k)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 1);
    ctx.max_memory = BUDGET;
    qtr_circuit *c = NULL;
    qtr_status st;
    if (qtr_h5_storage_of(f) == QTR_H5_QASMTEXT) {
        const qtr_h5_row *r = &b->row[k];
        st = r->defect ? qtr_fail(&ctx, QTR_EPARSE, "%s", qtr_h5_block_defect(b, k))
                       : qtr_qasm_read_mem(qtr_h5_block_text(b, k), r->count[QTR_H5_POOL_TEXT],
                                           "row", &c, &ctx);
    } else {
        st = qtr_h5_block_circuit(b, k, qtr_h5_opmap(f), &c, &ctx);
        if (st) FUZZ_REQUIRE(strncmp(ctx.msg, "circuit ", 8) == 0,
                             "a row's failure does not name the row: '%s'", ctx.msg);
    }
    if (st) {
        FUZZ_REQUIRE(c == NULL && ctx.msg[0], "row failure (%d) without a message", (int)st);
        return;
    }
    FUZZ_REQUIRE(qtr_circuit_check(c, &ctx) == QTR_OK, "rebuilt row fails its check: %s", ctx.msg);
    qtr_circuit_free(c);
}

/* What the reader opens it must close, on every path: once a file is
 * closed no file, group, dataset or attribute of it may stay open (a leaked
 * one keeps the file open). */
static void run(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run(data, size);
    ssize_t open = H5Fget_obj_count((hid_t)H5F_OBJ_ALL, H5F_OBJ_ALL);
    FUZZ_REQUIRE(open == 0, "%lld HDF5 objects left open", (long long)open);
    return 0;
}

static void run(const uint8_t *data, size_t size)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 1);
    ctx.max_memory = BUDGET;
    qtr_h5_file *f = NULL;
    if (qtr_h5_open_image(data, size, NAME, &f, &ctx)) {
        FUZZ_REQUIRE(f == NULL, "a failed open returned a file");
        FUZZ_REQUIRE_MESSAGE(&ctx, NAME);
        return;
    }
    uint64_t n = qtr_h5_count(f);
    size_t rows = n < MAX_ROWS ? (size_t)n : MAX_ROWS;
    double cost[MAX_ROWS];
    uint64_t ninst[MAX_ROWS];
    uint32_t nq[MAX_ROWS];
    if (rows && qtr_h5_read_costs(f, 0, rows, cost, ninst, nq, &ctx))
        FUZZ_REQUIRE(ctx.msg[0], "read_costs failed without a message");
    if (qtr_h5_content_of(f) == QTR_H5_RESULTS) {
        uint8_t status[MAX_ROWS];
        uint64_t start[MAX_ROWS * QTR_H5_NFILEPOOLS], count[MAX_ROWS * QTR_H5_NFILEPOOLS];
        if (rows && qtr_h5_read_status(f, 0, rows, status, &ctx))
            FUZZ_REQUIRE(ctx.msg[0], "read_status failed without a message");
        if (rows && qtr_h5_read_placement(f, 0, rows, start, count, &ctx))
            FUZZ_REQUIRE(ctx.msg[0], "read_placement failed without a message");
    }
    qtr_h5_block b;
    qtr_h5_block_init(&b);
    for (size_t first = 0; first < rows; first += BLOCK) {
        size_t len = rows - first < BLOCK ? rows - first : BLOCK;
        qtr_h5_block_clear(&b);
        if (qtr_h5_read_rows(f, first, len, &b, &ctx)) {
            FUZZ_REQUIRE(ctx.msg[0], "read_rows failed without a message");
            continue;
        }
        FUZZ_REQUIRE(b.n == len, "read_rows gave %zu rows for %zu", b.n, len);
        for (size_t k = 0; k < b.n; k++) check_row(f, &b, k);
    }
    qtr_h5_block_fini(&b);
    FUZZ_REQUIRE(qtr_h5_close(f, &ctx) == QTR_OK || ctx.msg[0], "close failed without a message");
}
