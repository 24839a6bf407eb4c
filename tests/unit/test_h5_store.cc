// test_h5_store.cc -- HDF5 batch format v1 (io/h5_*.c): blocks round-trip
// through files exactly; files written by other tools are validated and a
// malformed row is reported for that row only.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>
#include <sys/stat.h>

#include "h5_store.h"
#include "qtr.h"

using ::testing::HasSubstr;

namespace {

struct Ctx {
    qtr_ctx c;
    Ctx() { qtr_ctx_init(&c, 0); }
    qtr_ctx *operator&() { return &c; }
    std::string msg() const { return c.msg; }
};

std::string tmp_path(const std::string &name)
{
    return ::testing::TempDir() + "qtr_h5_" + std::to_string(getpid()) + "_" + name;
}

struct CircuitDeleter {
    void operator()(qtr_circuit *c) const { qtr_circuit_free(c); }
};
using Circuit = std::unique_ptr<qtr_circuit, CircuitDeleter>;

// A circuit touching every record shape: params, >2 operands (EXT), a
// condition, measure, a wide barrier, two registers of each kind.
Circuit sample_circuit(uint32_t seed, bool minor1 = false)
{
    Ctx ctx;
    qtr_circuit *c = qtr_circuit_new(0);
    EXPECT_EQ(qtr_circuit_add_qreg(c, "a", 3, &ctx), QTR_OK);
    EXPECT_EQ(qtr_circuit_add_qreg(c, "anc", 2, &ctx), QTR_OK);
    EXPECT_EQ(qtr_circuit_add_creg(c, "m", 2, &ctx), QTR_OK);
    EXPECT_EQ(qtr_circuit_add_creg(c, "flag", 1, &ctx), QTR_OK);
    uint32_t q01[2] = {0, 1}, q3[3] = {seed % 3, 3, 4}, all[5] = {0, 1, 2, 3, 4};
    uint32_t m0[2] = {2, 1};
    double th = 0.125 * (seed + 1), u[3] = {th, -th, 1e-300};
    EXPECT_EQ(qtr_circuit_append(c, QTR_OP_H, q01, 1, nullptr, &ctx), QTR_OK);
    EXPECT_EQ(qtr_circuit_append(c, QTR_OP_RZ, q01 + 1, 1, &th, &ctx), QTR_OK);
    EXPECT_EQ(qtr_circuit_append(c, QTR_OP_CX, q01, 2, nullptr, &ctx), QTR_OK);
    EXPECT_EQ(qtr_circuit_append(c, QTR_OP_CCX, q3, 3, nullptr, &ctx), QTR_OK);
    EXPECT_EQ(qtr_circuit_append(c, QTR_OP_U, q01, 1, u, &ctx), QTR_OK);
    EXPECT_EQ(qtr_circuit_append(c, QTR_OP_BARRIER, all, 5, nullptr, &ctx), QTR_OK);
    EXPECT_EQ(qtr_circuit_append(c, QTR_OP_MEASURE, m0, 2, nullptr, &ctx), QTR_OK);
    EXPECT_EQ(qtr_circuit_append_cond(c, QTR_OP_RX, q01, 1, &th, 1, 1, &ctx), QTR_OK);
    // format minor 1: a value wider than 64 bits, and conditions on one clbit
    if (minor1) {
    EXPECT_EQ(qtr_circuit_add_creg(c, "wide", 100, &ctx), QTR_OK);
    uint32_t wide[4] = {seed, 0, 7, 1u << 3};
    EXPECT_EQ(qtr_circuit_append_cond_wide(c, QTR_OP_CRZ, q01, 2, &th, 2, wide, 4, &ctx), QTR_OK);
    EXPECT_EQ(qtr_circuit_append_cond_bit(c, QTR_OP_X, q01 + 1, 1, nullptr, seed % 3, 1, &ctx),
              QTR_OK);
    EXPECT_EQ(qtr_circuit_append_cond_bit(c, QTR_OP_CX, q01, 2, nullptr, 2, 0, &ctx), QTR_OK);
    }
    for (uint32_t i = 0; i < seed; i++)
        EXPECT_EQ(qtr_circuit_append(c, QTR_OP_X, q01 + (i & 1), 1, nullptr, &ctx), QTR_OK);
    c->global_phase = 0.5 + seed;
    return Circuit(c);
}

// Write circuits 0..n-1 (sample_circuit(i)) as a columns batch.
void write_batch(const std::string &path, size_t n, bool minor1 = false)
{
    Ctx ctx;
    qtr_h5_file *f = nullptr;
    ASSERT_EQ(qtr_h5_create(path.c_str(), -1, QTR_H5_CIRCUITS, QTR_H5_COLUMNS, n, nullptr, &f, &ctx),
              QTR_OK)
        << ctx.msg();
    qtr_h5_block b;
    qtr_h5_block_init(&b);
    uint64_t base[QTR_H5_NFILEPOOLS] = {0}, end[QTR_H5_NFILEPOOLS];
    // two writes of different sizes: pools grow between them
    for (size_t first = 0; first < n; first += 3) {
        qtr_h5_block_clear(&b);
        for (size_t i = first; i < n && i < first + 3; i++) {
            Circuit c = sample_circuit((uint32_t)i, minor1);
            std::string name = "c" + std::to_string(i);
            ASSERT_EQ(qtr_h5_block_add_circuit(&b, i, c.get(), name.c_str(), &ctx), QTR_OK);
        }
        qtr_h5_block_place(&b, base, end);
        ASSERT_EQ(qtr_h5_grow(f, end, &ctx), QTR_OK) << ctx.msg();
        ASSERT_EQ(qtr_h5_write_block(f, &b, -1, &ctx), QTR_OK) << ctx.msg();
        memcpy(base, end, sizeof base);
    }
    qtr_h5_block_fini(&b);
    ASSERT_EQ(qtr_h5_close(f, &ctx), QTR_OK) << ctx.msg();
}

}  // namespace

// ---- correctness ------------------------------------------------------------

TEST(H5Store, WideAndSingleBitConditionsRoundTrip)
{
    std::string path = tmp_path("cond.h5");
    write_batch(path, 5, true);
    Ctx ctx;
    qtr_h5_file *f = nullptr;
    ASSERT_EQ(qtr_h5_open(path.c_str(), &f, &ctx), QTR_OK) << ctx.msg();
    qtr_h5_block b;
    qtr_h5_block_init(&b);
    ASSERT_EQ(qtr_h5_read_rows(f, 0, 5, &b, &ctx), QTR_OK) << ctx.msg();
    for (size_t k = 0; k < b.n; k++) {
        qtr_circuit *got = nullptr;
        ASSERT_EQ(qtr_h5_block_circuit(&b, k, qtr_h5_opmap(f), &got, &ctx), QTR_OK) << ctx.msg();
        Circuit want = sample_circuit((uint32_t)k, true);
        EXPECT_TRUE(qtr_circuit_equal(got, want.get())) << "row " << k;
        qtr_cond cw, cb;
        ASSERT_EQ(qtr_inst_cond(got, &got->inst[got->ninst - 3 - k], &cw), 1);
        EXPECT_EQ(cw.nwords, 4u);
        EXPECT_EQ(cw.words[3], 8u);
        ASSERT_EQ(qtr_inst_cond(got, &got->inst[got->ninst - 1 - k], &cb), 1);
        EXPECT_EQ(cb.on_bit, 1);
        qtr_circuit_free(got);
    }
    qtr_h5_block_fini(&b);
    EXPECT_EQ(qtr_h5_close(f, &ctx), QTR_OK);
    remove(path.c_str());
}

// Circuits are stored bound: one with a symbolic angle is refused by name,
// and the block stays as it was (issue #18; doc/hdf5-format.md).
TEST(H5Store, RefusesUnboundParameters)
{
    Ctx ctx;
    Circuit c = sample_circuit(1);
    double theta;
    ASSERT_EQ(qtr_circuit_param(c.get(), "theta", &theta, &ctx), QTR_OK);
    uint32_t q = 0;
    ASSERT_EQ(qtr_circuit_append(c.get(), QTR_OP_RY, &q, 1, &theta, &ctx), QTR_OK);
    qtr_h5_block b;
    qtr_h5_block_init(&b);
    EXPECT_EQ(qtr_h5_block_add_circuit(&b, 7, c.get(), "template", &ctx), QTR_EUNSUPPORTED);
    EXPECT_THAT(ctx.msg(), HasSubstr("circuit 7 has unbound parameters"));
    EXPECT_EQ(b.n, 0u);
    Circuit plain = sample_circuit(2);
    EXPECT_EQ(qtr_h5_block_add_circuit(&b, 7, plain.get(), "bound", &ctx), QTR_OK) << ctx.msg();
    qtr_h5_block_fini(&b);
}

TEST(H5Store, ColumnsRoundTripIsExact)
{
    std::string path = tmp_path("cols.h5");
    write_batch(path, 7);
    Ctx ctx;
    qtr_h5_file *f = nullptr;
    ASSERT_EQ(qtr_h5_open(path.c_str(), &f, &ctx), QTR_OK) << ctx.msg();
    EXPECT_EQ(qtr_h5_count(f), 7u);
    EXPECT_EQ(qtr_h5_content_of(f), QTR_H5_CIRCUITS);
    EXPECT_EQ(qtr_h5_storage_of(f), QTR_H5_COLUMNS);
    qtr_h5_block b;
    qtr_h5_block_init(&b);
    // a window in the middle, then the rest: only those rows come back
    ASSERT_EQ(qtr_h5_read_rows(f, 2, 3, &b, &ctx), QTR_OK) << ctx.msg();
    ASSERT_EQ(qtr_h5_read_rows(f, 5, 2, &b, &ctx), QTR_OK) << ctx.msg();
    ASSERT_EQ(b.n, 5u);
    for (size_t k = 0; k < b.n; k++) {
        uint64_t i = b.row[k].index;
        EXPECT_EQ(i, k + 2);
        qtr_circuit *got = nullptr;
        ASSERT_EQ(qtr_h5_block_circuit(&b, k, qtr_h5_opmap(f), &got, &ctx), QTR_OK) << ctx.msg();
        Circuit want = sample_circuit((uint32_t)i);
        EXPECT_TRUE(qtr_circuit_equal(got, want.get())) << "row " << i;
        EXPECT_EQ(got->global_phase, want->global_phase);
        EXPECT_EQ(std::string(b.row[k].name), "c" + std::to_string(i));
        qtr_circuit_free(got);
    }
    qtr_h5_block_fini(&b);
    EXPECT_EQ(qtr_h5_close(f, &ctx), QTR_OK);
    remove(path.c_str());
}

TEST(H5Store, PlacementIsRowOrderPrefixSums)
{
    std::string path = tmp_path("place.h5");
    write_batch(path, 5);
    Ctx ctx;
    qtr_h5_file *f = nullptr;
    ASSERT_EQ(qtr_h5_open(path.c_str(), &f, &ctx), QTR_OK);
    std::vector<uint64_t> s(5 * QTR_H5_NFILEPOOLS), c(5 * QTR_H5_NFILEPOOLS);
    ASSERT_EQ(qtr_h5_read_placement(f, 0, 5, s.data(), c.data(), &ctx), QTR_OK) << ctx.msg();
    uint64_t ext[QTR_H5_NFILEPOOLS];
    qtr_h5_extent(f, ext);
    for (int p = 0; p < QTR_H5_NFILEPOOLS; p++) {
        uint64_t at = 0;
        for (int k = 0; k < 5; k++) {
            EXPECT_EQ(s[k * QTR_H5_NFILEPOOLS + p], at) << "pool " << p << " row " << k;
            at += c[k * QTR_H5_NFILEPOOLS + p];
        }
        EXPECT_EQ(ext[p], at) << "pool " << p;
    }
    // circuit 4 has 8 + 4 records
    EXPECT_EQ(c[4 * QTR_H5_NFILEPOOLS + QTR_H5_POOL_INST], 12u);
    qtr_h5_close(f, &ctx);
    remove(path.c_str());
}

TEST(H5Store, QasmTextRoundTrip)
{
    std::string path = tmp_path("text.h5");
    Ctx ctx;
    const char *texts[] = {"OPENQASM 2.0;\nqreg q[1];\nh q[0];\n", "", "not qasm at all;\n"};
    qtr_h5_file *f = nullptr;
    ASSERT_EQ(qtr_h5_create(path.c_str(), -1, QTR_H5_CIRCUITS, QTR_H5_QASMTEXT, 3, nullptr, &f, &ctx),
              QTR_OK);
    qtr_h5_block b;
    qtr_h5_block_init(&b);
    for (int i = 0; i < 3; i++)
        ASSERT_EQ(qtr_h5_block_add_text(&b, i, texts[i], strlen(texts[i]), "t", 10.0 * i, &ctx),
                  QTR_OK);
    ASSERT_EQ(qtr_h5_write_block(f, &b, -1, &ctx), QTR_OK) << ctx.msg();
    ASSERT_EQ(qtr_h5_close(f, &ctx), QTR_OK);
    qtr_h5_block_clear(&b);
    ASSERT_EQ(qtr_h5_open(path.c_str(), &f, &ctx), QTR_OK) << ctx.msg();
    EXPECT_EQ(qtr_h5_storage_of(f), QTR_H5_QASMTEXT);
    ASSERT_EQ(qtr_h5_read_rows(f, 0, 3, &b, &ctx), QTR_OK) << ctx.msg();
    for (int i = 0; i < 3; i++) {
        EXPECT_EQ(std::string(qtr_h5_block_text(&b, i), b.row[i].count[QTR_H5_POOL_TEXT]),
                  texts[i]);
        EXPECT_EQ(b.row[i].cost, 10.0 * i);
    }
    double cost[3];
    ASSERT_EQ(qtr_h5_read_costs(f, 0, 3, cost, nullptr, nullptr, &ctx), QTR_OK);
    EXPECT_EQ(cost[2], 20.0);
    qtr_h5_block_fini(&b);
    qtr_h5_close(f, &ctx);
    remove(path.c_str());
}

namespace {
// A results file of @p n rows (run: in.h5, line:5, level 1, seed 42), open.
qtr_h5_file *create_results(const std::string &path, uint64_t n)
{
    Ctx ctx;
    qtr_h5_run run = {"in.h5", "line:5", "", 1, 42};
    qtr_h5_file *f = nullptr;
    EXPECT_EQ(qtr_h5_create(path.c_str(), -1, QTR_H5_RESULTS, QTR_H5_COLUMNS, n, &run, &f, &ctx),
              QTR_OK)
        << ctx.msg();
    return f;
}
}  // namespace

TEST(H5Store, ResultsKeepStatusMessagesStatsAndLayouts)
{
    std::string path = tmp_path("res.h5");
    Ctx ctx;
    qtr_h5_file *f = create_results(path, 4);
    ASSERT_NE(f, nullptr);
    qtr_h5_block b;
    qtr_h5_block_init(&b);
    Circuit c = sample_circuit(2);
    uint32_t lay0[5] = {4, 3, 2, 1, 0}, lay1[5] = {0, 1, 2, 3, 4};
    qtr_result r;
    memset(&r, 0, sizeof r);
    r.nvirtual = 5;
    r.initial_layout = lay0;
    r.output_permutation = lay1;
    r.out.n2q = 7;
    r.out.depth = 9;
    r.swaps = 3;
    r.peak_bytes = 4096;
    r.in.n2q = 2;
    // rows 1 (ok) and 3 (error); rows 0 and 2 stay pending
    ASSERT_EQ(qtr_h5_block_add_result(&b, 1, "ok1", QTR_H5_OK, c.get(), &r, QTR_OK, nullptr, 0.5, &ctx),
              QTR_OK);
    ASSERT_EQ(qtr_h5_block_add_result(&b, 3, "bad3", QTR_H5_ERROR, nullptr, nullptr, QTR_EPARSE,
                                      "bad3.qasm:2:1: expected ';'", 0.25, &ctx),
              QTR_OK);
    uint64_t base[QTR_H5_NFILEPOOLS] = {0}, end[QTR_H5_NFILEPOOLS];
    qtr_h5_block_place(&b, base, end);
    EXPECT_EQ(end[QTR_H5_POOL_LAYOUT], 5u);
    ASSERT_EQ(qtr_h5_grow(f, end, &ctx), QTR_OK);
    ASSERT_EQ(qtr_h5_write_block(f, &b, -1, &ctx), QTR_OK) << ctx.msg();
    uint8_t st[4];
    // before the status write, nothing is done
    ASSERT_EQ(qtr_h5_read_status(f, 0, 4, st, &ctx), QTR_OK);
    for (int i = 0; i < 4; i++) EXPECT_EQ(st[i], QTR_H5_PENDING);
    ASSERT_EQ(qtr_h5_write_status(f, &b, -1, &ctx), QTR_OK);
    ASSERT_EQ(qtr_h5_set_timing(f, 2, 3, 1.5, &ctx), QTR_OK);
    ASSERT_EQ(qtr_h5_close(f, &ctx), QTR_OK);

    qtr_h5_block_clear(&b);
    ASSERT_EQ(qtr_h5_open(path.c_str(), &f, &ctx), QTR_OK) << ctx.msg();
    EXPECT_EQ(qtr_h5_content_of(f), QTR_H5_RESULTS);
    qtr_h5_run got;
    qtr_h5_run_of(f, &got);
    EXPECT_STREQ(got.input, "in.h5");
    EXPECT_STREQ(got.target, "line:5");
    EXPECT_EQ(got.opt_level, 1);
    EXPECT_EQ(got.seed, 42u);
    ASSERT_EQ(qtr_h5_read_status(f, 0, 4, st, &ctx), QTR_OK);
    EXPECT_EQ(st[0], QTR_H5_PENDING);
    EXPECT_EQ(st[1], QTR_H5_OK);
    EXPECT_EQ(st[2], QTR_H5_PENDING);
    EXPECT_EQ(st[3], QTR_H5_ERROR);
    ASSERT_EQ(qtr_h5_read_rows(f, 0, 4, &b, &ctx), QTR_OK) << ctx.msg();
    EXPECT_EQ(b.row[1].stats[QTR_H5_STAT_N2Q], 7u);
    EXPECT_EQ(b.row[1].stats[QTR_H5_STAT_SWAPS], 3u);
    EXPECT_EQ(b.row[1].stats[QTR_H5_STAT_PEAK_BYTES], 4096u);
    EXPECT_EQ(b.row[1].stats[QTR_H5_STAT_N2Q_IN], 2u);
    EXPECT_EQ(b.row[1].seconds, 0.5);
    EXPECT_EQ(std::string(qtr_h5_block_message(&b, 3)), "bad3.qasm:2:1: expected ';'");
    EXPECT_EQ(b.row[3].code, QTR_EPARSE);
    EXPECT_EQ(b.row[3].count[QTR_H5_POOL_INST], 0u);
    ASSERT_EQ(b.row[1].count[QTR_H5_POOL_LAYOUT], 5u);
    EXPECT_EQ(0, memcmp(qtr_h5_block_initial_layout(&b, 1), lay0, sizeof lay0));
    EXPECT_EQ(0, memcmp(qtr_h5_block_output_permutation(&b, 1), lay1, sizeof lay1));
    qtr_circuit *out = nullptr;
    ASSERT_EQ(qtr_h5_block_circuit(&b, 1, qtr_h5_opmap(f), &out, &ctx), QTR_OK) << ctx.msg();
    EXPECT_TRUE(qtr_circuit_equal(out, c.get()));
    qtr_circuit_free(out);
    qtr_h5_block_fini(&b);
    qtr_h5_close(f, &ctx);

    // resume path: reopen for writing, the run and extents are kept
    ASSERT_EQ(qtr_h5_open_rw(path.c_str(), -1, &f, &ctx), QTR_OK) << ctx.msg();
    uint64_t ext[QTR_H5_NFILEPOOLS];
    qtr_h5_extent(f, ext);
    EXPECT_EQ(ext[QTR_H5_POOL_INST], c->ninst);
    EXPECT_EQ(ext[QTR_H5_POOL_LAYOUT], 5u);
    qtr_h5_close(f, &ctx);
    remove(path.c_str());
}

// Results written from references to their circuits (no copy), in windows of
// one chunk (rows spanning several chunks and windows, a window ending inside
// a row), read back exactly as the same rows written from a copy.
TEST(H5Store, ResultsByReferenceInWindowsEqualCopies)
{
    Ctx ctx;
    std::vector<Circuit> circ;
    for (uint32_t x : {9000u, 1u, 5000u, 300u}) circ.push_back(sample_circuit(x));
    uint32_t lay[5] = {0, 1, 2, 3, 4};
    qtr_result r;
    memset(&r, 0, sizeof r);
    r.nvirtual = 5;
    r.initial_layout = lay;
    r.output_permutation = lay;
    std::string path[2] = {tmp_path("ref0.h5"), tmp_path("ref1.h5")};
    for (int ref = 0; ref < 2; ref++) {
        qtr_h5_file *f = nullptr;
        ASSERT_EQ(qtr_h5_create(path[ref].c_str(), -1, QTR_H5_RESULTS, QTR_H5_COLUMNS, 5, nullptr,
                                &f, &ctx),
                  QTR_OK)
            << ctx.msg();
        if (ref) qtr_h5_set_write_window(f, 1);
        qtr_h5_block b;
        qtr_h5_block_init(&b);
        uint64_t base[QTR_H5_NFILEPOOLS] = {0}, end[QTR_H5_NFILEPOOLS];
        // two commits: rows 0-2 (row 2 an error), then rows 3-4
        for (int part = 0; part < 2; part++) {
            qtr_h5_block_clear(&b);
            for (uint64_t i = part ? 3 : 0; i < (part ? 5u : 3u); i++) {
                const qtr_circuit *c = circ[i < 2 ? i : i - 1].get();
                auto add = ref ? qtr_h5_block_add_result_ref : qtr_h5_block_add_result;
                if (i == 2)
                    ASSERT_EQ(add(&b, i, "err", QTR_H5_ERROR, nullptr, nullptr, QTR_EPARSE, "no",
                                  0, &ctx),
                              QTR_OK);
                else
                    ASSERT_EQ(add(&b, i, "ok", QTR_H5_OK, c, &r, QTR_OK, nullptr, 0, &ctx), QTR_OK)
                        << ctx.msg();
            }
            EXPECT_EQ(b.ninst, ref ? 0u : b.ninst);  // references: no copy
            qtr_h5_block_place(&b, base, end);
            ASSERT_EQ(qtr_h5_grow(f, end, &ctx), QTR_OK);
            ASSERT_EQ(qtr_h5_write_block(f, &b, -1, &ctx), QTR_OK) << ctx.msg();
            ASSERT_EQ(qtr_h5_write_status(f, &b, -1, &ctx), QTR_OK);
            memcpy(base, end, sizeof base);
        }
        // a block holds references to all its circuits or to none
        qtr_h5_block_clear(&b);
        auto other = ref ? qtr_h5_block_add_result : qtr_h5_block_add_result_ref;
        auto same = ref ? qtr_h5_block_add_result_ref : qtr_h5_block_add_result;
        ASSERT_EQ(same(&b, 0, "a", QTR_H5_OK, circ[1].get(), &r, QTR_OK, nullptr, 0, &ctx), QTR_OK);
        EXPECT_EQ(other(&b, 1, "b", QTR_H5_OK, circ[1].get(), &r, QTR_OK, nullptr, 0, &ctx),
                  QTR_EINVAL);
        EXPECT_THAT(ctx.msg(), HasSubstr("all its circuits or to none"));
        qtr_h5_block_fini(&b);
        ASSERT_EQ(qtr_h5_close(f, &ctx), QTR_OK);
    }
    for (int ref = 0; ref < 2; ref++) {
        qtr_h5_file *f = nullptr;
        ASSERT_EQ(qtr_h5_open(path[ref].c_str(), &f, &ctx), QTR_OK) << ctx.msg();
        qtr_h5_block b;
        qtr_h5_block_init(&b);
        ASSERT_EQ(qtr_h5_read_rows(f, 0, 5, &b, &ctx), QTR_OK) << ctx.msg();
        for (uint64_t i = 0; i < 5; i++) {
            if (i == 2) {
                EXPECT_EQ(b.row[i].status, QTR_H5_ERROR);
                continue;
            }
            qtr_circuit *got = nullptr;
            ASSERT_EQ(qtr_h5_block_circuit(&b, i, qtr_h5_opmap(f), &got, &ctx), QTR_OK) << ctx.msg();
            EXPECT_TRUE(qtr_circuit_equal(got, circ[i < 2 ? i : i - 1].get()))
                << (ref ? "references" : "copies") << ", row " << i;
            qtr_circuit_free(got);
        }
        qtr_h5_block_fini(&b);
        qtr_h5_close(f, &ctx);
        remove(path[ref].c_str());
    }
}

// The file's gate_names give op codes their meaning: swapping two names in the
// table swaps the gates that come back.
TEST(H5Store, OpCodesFollowTheFilesGateNames)
{
    std::string path = tmp_path("names.h5");
    write_batch(path, 1);
    hid_t fid = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(fid, 0);
    hid_t d = H5Dopen2(fid, "/gate_names", H5P_DEFAULT);
    hid_t t = H5Dget_type(d);
    size_t w = H5Tget_size(t);
    std::vector<char> names(QTR_OP_COUNT * w);
    ASSERT_GE(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, names.data()), 0);
    std::swap_ranges(&names[QTR_OP_H * w], &names[QTR_OP_H * w] + w, &names[QTR_OP_X * w]);
    ASSERT_GE(H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, names.data()), 0);
    H5Tclose(t);
    H5Dclose(d);
    H5Fclose(fid);

    Ctx ctx;
    qtr_h5_file *f = nullptr;
    ASSERT_EQ(qtr_h5_open(path.c_str(), &f, &ctx), QTR_OK) << ctx.msg();
    EXPECT_EQ(qtr_h5_opmap(f)[QTR_OP_H], QTR_OP_X);
    qtr_h5_block b;
    qtr_h5_block_init(&b);
    ASSERT_EQ(qtr_h5_read_rows(f, 0, 1, &b, &ctx), QTR_OK);
    qtr_circuit *c = nullptr;
    ASSERT_EQ(qtr_h5_block_circuit(&b, 0, qtr_h5_opmap(f), &c, &ctx), QTR_OK) << ctx.msg();
    EXPECT_EQ(c->inst[0].op, QTR_OP_X);  // written as h, the file now says code = "x"
    qtr_circuit_free(c);
    qtr_h5_block_fini(&b);
    qtr_h5_close(f, &ctx);
    remove(path.c_str());
}

// ---- validation ---------------------------------------------------------------

TEST(H5StoreValidation, MissingAndNonHdf5Files)
{
    Ctx ctx;
    qtr_h5_file *f = nullptr;
    EXPECT_EQ(qtr_h5_open("/nonexistent/dir/x.h5", &f, &ctx), QTR_EIO);
    EXPECT_THAT(ctx.msg(), HasSubstr("/nonexistent/dir/x.h5"));
    std::string path = tmp_path("text.txt");
    FILE *fp = fopen(path.c_str(), "w");
    fputs("OPENQASM 2.0;\n", fp);
    fclose(fp);
    EXPECT_EQ(qtr_h5_open(path.c_str(), &f, &ctx), QTR_EPARSE);
    EXPECT_THAT(ctx.msg(), HasSubstr("not an HDF5 file"));
    EXPECT_EQ(f, nullptr);
    remove(path.c_str());
}

TEST(H5StoreValidation, FormatNameAndVersionAreChecked)
{
    std::string path = tmp_path("fmt.h5");
    hid_t fid = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    H5Fclose(fid);
    Ctx ctx;
    qtr_h5_file *f = nullptr;
    EXPECT_EQ(qtr_h5_open(path.c_str(), &f, &ctx), QTR_EPARSE);
    EXPECT_THAT(ctx.msg(), HasSubstr("not a qtranspile batch"));

    write_batch(path, 1);
    fid = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t a = H5Aopen(fid, "format_version", H5P_DEFAULT);
    int v = 2;
    H5Awrite(a, H5T_NATIVE_INT, &v);
    H5Aclose(a);
    H5Fclose(fid);
    EXPECT_EQ(qtr_h5_open(path.c_str(), &f, &ctx), QTR_EUNSUPPORTED);
    EXPECT_THAT(ctx.msg(), HasSubstr("format version 2"));
    remove(path.c_str());
}

namespace {
// Open the file, let @p edit change it with the raw HDF5 API, reread row 0.
qtr_status decode_after(const std::string &path, void (*edit)(hid_t), std::string *msg)
{
    hid_t fid = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    edit(fid);
    H5Fclose(fid);
    Ctx ctx;
    qtr_h5_file *f = nullptr;
    qtr_status st = qtr_h5_open(path.c_str(), &f, &ctx);
    if (st) {
        *msg = ctx.msg();
        return st;
    }
    qtr_h5_block b;
    qtr_h5_block_init(&b);
    st = qtr_h5_read_rows(f, 0, qtr_h5_count(f), &b, &ctx);
    qtr_circuit *c = nullptr;
    if (!st) st = qtr_h5_block_circuit(&b, 0, qtr_h5_opmap(f), &c, &ctx);
    *msg = ctx.msg();
    qtr_circuit_free(c);
    qtr_h5_block_fini(&b);
    qtr_h5_close(f, &ctx);
    return st;
}

// Read or write element @p row of the integer column @p name.
void access_u64(hid_t fid, const char *name, uint64_t row, uint64_t *v, bool write)
{
    hid_t d = H5Dopen2(fid, name, H5P_DEFAULT);
    hid_t fs = H5Dget_space(d);
    hsize_t off = row, cnt = 1;
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, &off, NULL, &cnt, NULL);
    hid_t ms = H5Screate_simple(1, &cnt, NULL);
    if (write) H5Dwrite(d, H5T_NATIVE_UINT64, ms, fs, H5P_DEFAULT, v);
    else H5Dread(d, H5T_NATIVE_UINT64, ms, fs, H5P_DEFAULT, v);
    H5Sclose(ms);
    H5Sclose(fs);
    H5Dclose(d);
}

void write_u64(hid_t fid, const char *name, uint64_t row, uint64_t v)
{
    access_u64(fid, name, row, &v, true);
}
}  // namespace

TEST(H5StoreValidation, MalformedRowsAreRowErrors)
{
    std::string path = tmp_path("bad.h5"), msg;
    // a segment past the end of the pool
    write_batch(path, 2);
    EXPECT_EQ(decode_after(path, [](hid_t fid) { write_u64(fid, "/circuits/inst_count", 0, 1000000); },
                           &msg),
              QTR_EPARSE);
    EXPECT_THAT(msg, HasSubstr("outside the pool"));
    // a qubit operand beyond the circuit (record 0 is h q[0]: make it q[9])
    write_batch(path, 2);
    EXPECT_EQ(decode_after(path,
                           [](hid_t fid) {
                               hid_t d = H5Dopen2(fid, "/circuits/inst", H5P_DEFAULT);
                               hid_t t = H5Dget_type(d);
                               unsigned char rec[16];
                               hid_t fs = H5Dget_space(d);
                               hsize_t off = 0, cnt = 1;
                               H5Sselect_hyperslab(fs, H5S_SELECT_SET, &off, NULL, &cnt, NULL);
                               hid_t ms = H5Screate_simple(1, &cnt, NULL);
                               H5Dread(d, t, ms, fs, H5P_DEFAULT, rec);
                               rec[4] = 9;
                               H5Dwrite(d, t, ms, fs, H5P_DEFAULT, rec);
                               H5Sclose(ms);
                               H5Sclose(fs);
                               H5Tclose(t);
                               H5Dclose(d);
                           },
                           &msg),
              QTR_EPARSE);
    EXPECT_THAT(msg, HasSubstr("outside 0..4"));
    EXPECT_THAT(msg, HasSubstr("circuit 0 ('c0'): record 0"));
    // a gate name this build does not know, used by record 0
    write_batch(path, 1);
    EXPECT_EQ(decode_after(path,
                           [](hid_t fid) {
                               hid_t d = H5Dopen2(fid, "/gate_names", H5P_DEFAULT);
                               hid_t t = H5Dget_type(d);
                               size_t w = H5Tget_size(t);
                               std::vector<char> names(QTR_OP_COUNT * w);
                               H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, names.data());
                               memset(&names[QTR_OP_H * w], 0, w);
                               memcpy(&names[QTR_OP_H * w], "hadamardish", 11);
                               H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, names.data());
                               H5Tclose(t);
                               H5Dclose(d);
                           },
                           &msg),
              QTR_EPARSE);
    EXPECT_THAT(msg, HasSubstr("not a gate this build knows"));
    // index columns of different lengths
    write_batch(path, 2);
    EXPECT_EQ(decode_after(path,
                           [](hid_t fid) {
                               H5Ldelete(fid, "/circuits/nclbits", H5P_DEFAULT);
                               hsize_t n = 5;
                               hid_t s = H5Screate_simple(1, &n, NULL);
                               hid_t d = H5Dcreate2(fid, "/circuits/nclbits", H5T_STD_U32LE, s,
                                                    H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
                               H5Dclose(d);
                               H5Sclose(s);
                           },
                           &msg),
              QTR_EPARSE);
    EXPECT_THAT(msg, HasSubstr("has 5 rows"));
    // a required column missing
    write_batch(path, 2);
    EXPECT_EQ(decode_after(path, [](hid_t fid) { H5Ldelete(fid, "/circuits/nqubits", H5P_DEFAULT); },
                           &msg),
              QTR_EPARSE);
    EXPECT_THAT(msg, HasSubstr("missing required dataset 'circuits/nqubits'"));
    remove(path.c_str());
}

TEST(H5StoreValidation, BlockRowsMustBeInOrderAndNamesFit)
{
    Ctx ctx;
    qtr_h5_block b;
    qtr_h5_block_init(&b);
    Circuit c = sample_circuit(0);
    ASSERT_EQ(qtr_h5_block_add_circuit(&b, 5, c.get(), "x", &ctx), QTR_OK);
    EXPECT_EQ(qtr_h5_block_add_circuit(&b, 5, c.get(), "y", &ctx), QTR_EINVAL);
    EXPECT_THAT(ctx.msg(), HasSubstr("out of order"));
    EXPECT_EQ(b.n, 1u);
    qtr_circuit *long_reg = qtr_circuit_new(0);
    ASSERT_EQ(qtr_circuit_add_qreg(long_reg, "a_register_name_well_beyond_thirty_two_bytes", 1, &ctx),
              QTR_OK);
    EXPECT_EQ(qtr_h5_block_add_circuit(&b, 9, long_reg, "z", &ctx), QTR_EINVAL);
    EXPECT_THAT(ctx.msg(), HasSubstr("longer than 32 bytes"));
    EXPECT_EQ(b.n, 1u);
    qtr_circuit_free(long_reg);
    qtr_h5_block_fini(&b);
}

// ---- whole chunks compressed outside HDF5 (io/h5_chunk.c) -------------------

TEST(H5Chunk, LongSegmentsStartAtAChunkBoundary)
{
    const uint64_t inst = qtr_h5_pool_chunk_len(QTR_H5_POOL_INST);
    const uint64_t par = qtr_h5_pool_chunk_len(QTR_H5_POOL_PARAMS);
    ASSERT_EQ(inst, 4096u);
    ASSERT_EQ(par, 8192u);
    EXPECT_EQ(qtr_h5_pool_chunk_len(QTR_H5_POOL_REGS), 0u);
    const uint64_t long_inst = QTR_H5_ALIGN_CHUNKS * inst;
    // short segments go where the pool ends, long ones to the next boundary
    EXPECT_EQ(qtr_h5_segment_start(QTR_H5_POOL_INST, 5, long_inst - 1), 5u);
    EXPECT_EQ(qtr_h5_segment_start(QTR_H5_POOL_INST, 5, long_inst), inst);
    EXPECT_EQ(qtr_h5_segment_start(QTR_H5_POOL_INST, 2 * inst, long_inst), 2 * inst);
    EXPECT_EQ(qtr_h5_segment_start(QTR_H5_POOL_INST, 2 * inst + 1, long_inst), 3 * inst);
    EXPECT_EQ(qtr_h5_segment_start(QTR_H5_POOL_PARAMS, 7, QTR_H5_ALIGN_CHUNKS * par), par);
    EXPECT_EQ(qtr_h5_segment_start(QTR_H5_POOL_REGS, 7, 1u << 30), 7u);
}

// A chunk encoded here is the chunk HDF5 writes itself, byte for byte, and
// a dataset holding one of each reads back the data.
TEST(H5Chunk, EncodedChunksEqualHdf5sOwn)
{
    uint64_t clen;
    size_t es;
    ASSERT_EQ(qtr_h5_chunk_geometry(QTR_H5_POOL_PARAMS, &clen, &es), 0);
    ASSERT_EQ(es, sizeof(double));
    std::vector<double> v(2 * clen);
    for (size_t i = 0; i < v.size(); i++) v[i] = i % 7 == 0 ? 0.5 : std::sin(0.001 * (double)i);
    std::vector<unsigned char> scratch(clen * es), enc(qtr_h5_chunk_bound(QTR_H5_POOL_PARAMS));
    size_t len = 0;
    uint32_t mask = 1;
    ASSERT_EQ(qtr_h5_chunk_encode(QTR_H5_POOL_PARAMS, v.data() + clen, scratch.data(), enc.data(),
                                  &len, &mask),
              0);
    EXPECT_EQ(mask, 0u);
    EXPECT_LT(len, clen * es);

    std::string path = tmp_path("chunk.h5");
    hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(f, 0);
    hsize_t dim = 2 * clen, chunk = clen;
    hid_t sp = H5Screate_simple(1, &dim, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, &chunk);
    H5Pset_shuffle(dcpl);
    H5Pset_deflate(dcpl, QTR_H5_DEFLATE);
    hid_t d = H5Dcreate2(f, "params", H5T_IEEE_F64LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    ASSERT_GE(d, 0);
    // chunk 0 through HDF5's filters, chunk 1 as encoded here
    hsize_t off = 0, cnt = clen;
    hid_t ms = H5Screate_simple(1, &cnt, NULL);
    H5Sselect_hyperslab(sp, H5S_SELECT_SET, &off, NULL, &cnt, NULL);
    ASSERT_GE(H5Dwrite(d, H5T_NATIVE_DOUBLE, ms, sp, H5P_DEFAULT, v.data()), 0);
    hsize_t at1 = clen;
    ASSERT_GE(H5Dwrite_chunk(d, H5P_DEFAULT, mask, &at1, len, enc.data()), 0);
    H5Dflush(d);
    std::vector<double> back(2 * clen, -1.0);
    ASSERT_GE(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, back.data()), 0);
    EXPECT_EQ(back, v);
    // HDF5's own encoding of chunk 1's data equals ours
    H5Sselect_hyperslab(sp, H5S_SELECT_SET, &at1, NULL, &cnt, NULL);
    ASSERT_GE(H5Dwrite(d, H5T_NATIVE_DOUBLE, ms, sp, H5P_DEFAULT, v.data() + clen), 0);
    H5Dflush(d);
    hsize_t nbytes = 0;
    ASSERT_GE(H5Dget_chunk_storage_size(d, &at1, &nbytes), 0);
    std::vector<unsigned char> theirs(nbytes);
    uint32_t tmask = 7;
    ASSERT_GE(H5Dread_chunk(d, H5P_DEFAULT, &at1, &tmask, theirs.data()), 0);
    EXPECT_EQ(tmask, 0u);
    EXPECT_EQ(theirs, std::vector<unsigned char>(enc.begin(), enc.begin() + (long)len));
    H5Sclose(ms);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(sp);
    H5Fclose(f);
    std::remove(path.c_str());
}

// A segment is encoded chunk by chunk, its last partial chunk left out;
// decoding each entry gives back its elements.
TEST(H5Chunk, SegmentsEncodeTheirWholeChunks)
{
    const uint64_t clen = qtr_h5_pool_chunk_len(QTR_H5_POOL_INST);
    std::vector<qtr_inst> in(3 * clen + 100);
    for (size_t i = 0; i < in.size(); i++) {
        std::memset(&in[i], 0, sizeof in[i]);
        in[i].op = (uint8_t)(i % 50);
        in[i].q[0] = (uint32_t)(i % 13);
        in[i].q[1] = (uint32_t)(i % 11);
    }
    qtr_h5_prechunk *tab = NULL;
    unsigned char *data = NULL;
    size_t ntab = 0, ndata = 0;
    ASSERT_EQ(qtr_h5_chunk_encode_segment(QTR_H5_POOL_INST, in.data(), in.size(), &tab, &ntab, &data,
                                          &ndata),
              0);
    ASSERT_EQ(ntab, 3u);
    uint64_t off = 0;
    for (size_t i = 0; i < ntab; i++) {
        EXPECT_EQ(tab[i].pool, (uint32_t)QTR_H5_POOL_INST);
        EXPECT_EQ(tab[i].chunk, i);
        EXPECT_EQ(tab[i].offset, off);
        off += tab[i].size;
        // the same bytes as encoding that chunk alone
        std::vector<unsigned char> scratch(clen * sizeof(qtr_inst)),
            one(qtr_h5_chunk_bound(QTR_H5_POOL_INST));
        size_t len;
        uint32_t mask;
        ASSERT_EQ(qtr_h5_chunk_encode(QTR_H5_POOL_INST, in.data() + i * clen, scratch.data(),
                                      one.data(), &len, &mask),
                  0);
        ASSERT_EQ(len, tab[i].size);
        EXPECT_EQ(std::memcmp(one.data(), data + tab[i].offset, len), 0);
    }
    EXPECT_EQ(off, ndata);
    free(tab);
    free(data);
}


// ---- hostile files (issue 16): each fails at once, or row by row ------------

namespace {
std::vector<char> file_bytes(const std::string &path)
{
    std::vector<char> v;
    FILE *fp = fopen(path.c_str(), "rb");
    if (!fp) return v;
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof buf, fp)) > 0;) v.insert(v.end(), buf, buf + n);
    fclose(fp);
    return v;
}

void put_bytes(const std::string &path, const char *p, size_t n)
{
    FILE *fp = fopen(path.c_str(), "wb");
    fwrite(p, 1, n, fp);
    fclose(fp);
}

// Replace dataset @p name by one of @p n elements of type @p t (chunks of
// @p chunk elements when not 0), values zero.
void replace_dataset(hid_t fid, const char *name, hid_t t, hsize_t n, hsize_t chunk)
{
    H5Ldelete(fid, name, H5P_DEFAULT);
    hid_t s = H5Screate_simple(1, &n, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (chunk) H5Pset_chunk(dcpl, 1, &chunk);
    hid_t d = H5Dcreate2(fid, name, t, s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(s);
}
}  // namespace

TEST(H5StoreHostile, FileImagesOpenFromMemory)
{
    std::string path = tmp_path("image.h5");
    write_batch(path, 4);
    std::vector<char> img = file_bytes(path);
    Ctx ctx;
    qtr_h5_file *f = nullptr;
    ASSERT_EQ(qtr_h5_open_image(img.data(), img.size(), "img.h5", &f, &ctx), QTR_OK) << ctx.msg();
    EXPECT_EQ(qtr_h5_count(f), 4u);
    qtr_h5_block b;
    qtr_h5_block_init(&b);
    ASSERT_EQ(qtr_h5_read_rows(f, 0, 4, &b, &ctx), QTR_OK) << ctx.msg();
    qtr_circuit *c = nullptr;
    ASSERT_EQ(qtr_h5_block_circuit(&b, 3, qtr_h5_opmap(f), &c, &ctx), QTR_OK) << ctx.msg();
    EXPECT_TRUE(qtr_circuit_equal(c, sample_circuit(3).get()));
    qtr_circuit_free(c);
    qtr_h5_block_fini(&b);
    EXPECT_EQ(qtr_h5_close(f, &ctx), QTR_OK);
    remove(path.c_str());
}

TEST(H5StoreHostile, TruncatedAndEmptyFilesFailAtOnce)
{
    std::string path = tmp_path("whole.h5"), cut = tmp_path("cut.h5");
    write_batch(path, 6);
    std::vector<char> img = file_bytes(path);
    ASSERT_GT(img.size(), 4096u);
    // cut anywhere: before the superblock ends, in the metadata, in the data
    for (size_t len : {(size_t)0, (size_t)7, (size_t)600, img.size() / 3, img.size() / 2,
                       img.size() - 100}) {
        put_bytes(cut, img.data(), len);
        Ctx ctx;
        qtr_h5_file *f = nullptr;
        qtr_status st = qtr_h5_open(cut.c_str(), &f, &ctx);
        if (st == QTR_OK) {  // the index may survive a cut in the pools: rows then fail
            qtr_h5_block b;
            qtr_h5_block_init(&b);
            st = qtr_h5_read_rows(f, 0, qtr_h5_count(f), &b, &ctx);
            qtr_h5_block_fini(&b);
            qtr_h5_close(f, &ctx);
        }
        EXPECT_NE(st, QTR_OK) << "cut at " << len;
        EXPECT_THAT(ctx.msg(), HasSubstr(cut)) << "cut at " << len;
    }
    remove(path.c_str());
    remove(cut.c_str());
}

TEST(H5StoreHostile, RowClaiming2To40InstructionsFailsAlone)
{
    std::string path = tmp_path("huge.h5");
    write_batch(path, 3);
    // the pool claims 2^40 records (chunks never written: the file stays
    // small), row 1 claims all of them
    hid_t fid = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t d = H5Dopen2(fid, "/circuits/inst", H5P_DEFAULT);
    hsize_t huge = (hsize_t)1 << 40;
    ASSERT_GE(H5Dset_extent(d, &huge), 0);
    H5Dclose(d);
    write_u64(fid, "/circuits/inst_start", 1, 0);
    write_u64(fid, "/circuits/inst_count", 1, huge);
    H5Fclose(fid);

    Ctx ctx;
    ctx.c.max_memory = (size_t)256 << 20;
    qtr_h5_file *f = nullptr;
    ASSERT_EQ(qtr_h5_open(path.c_str(), &f, &ctx), QTR_OK) << ctx.msg();
    qtr_h5_block b;
    qtr_h5_block_init(&b);
    ASSERT_EQ(qtr_h5_read_rows(f, 0, 3, &b, &ctx), QTR_OK) << ctx.msg();
    for (size_t k = 0; k < 3; k++) {
        qtr_circuit *c = nullptr;
        qtr_status st = qtr_h5_block_circuit(&b, k, qtr_h5_opmap(f), &c, &ctx);
        if (k == 1) {
            EXPECT_EQ(st, QTR_EMEMORY);
            EXPECT_THAT(ctx.msg(), HasSubstr("circuit 1 ('c1'): 1099511627776 instructions"));
            EXPECT_THAT(ctx.msg(), HasSubstr("more than its memory budget of 256 MiB"));
        } else {
            EXPECT_EQ(st, QTR_OK) << ctx.msg();
            EXPECT_TRUE(qtr_circuit_equal(c, sample_circuit((uint32_t)k).get()));
        }
        qtr_circuit_free(c);
    }
    qtr_h5_block_fini(&b);
    qtr_h5_close(f, &ctx);
    remove(path.c_str());
}

TEST(H5StoreHostile, OverlappingRowsReadAlike)
{
    std::string path = tmp_path("overlap.h5");
    write_batch(path, 2);
    // row 1 points at row 0's segments (and has its counts)
    hid_t fid = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    for (const char *col : {"inst", "param", "arg", "reg"}) {
        std::string s = std::string("/circuits/") + col + "_start",
                    n = std::string("/circuits/") + col + "_count";
        uint64_t count0 = 0;
        access_u64(fid, n.c_str(), 0, &count0, false);
        write_u64(fid, s.c_str(), 1, 0);
        write_u64(fid, n.c_str(), 1, count0);
    }
    H5Fclose(fid);
    Ctx ctx;
    qtr_h5_file *f = nullptr;
    ASSERT_EQ(qtr_h5_open(path.c_str(), &f, &ctx), QTR_OK) << ctx.msg();
    qtr_h5_block b;
    qtr_h5_block_init(&b);
    ASSERT_EQ(qtr_h5_read_rows(f, 0, 2, &b, &ctx), QTR_OK) << ctx.msg();
    qtr_circuit *c0 = nullptr, *c1 = nullptr;
    ASSERT_EQ(qtr_h5_block_circuit(&b, 0, qtr_h5_opmap(f), &c0, &ctx), QTR_OK) << ctx.msg();
    // row 1's own qubit counts match row 0's (sample circuits all have 5 and 3)
    ASSERT_EQ(qtr_h5_block_circuit(&b, 1, qtr_h5_opmap(f), &c1, &ctx), QTR_OK) << ctx.msg();
    EXPECT_EQ(c0->ninst, c1->ninst);
    EXPECT_EQ(memcmp(c0->inst, c1->inst, c0->ninst * sizeof *c0->inst), 0);
    qtr_circuit_free(c0);
    qtr_circuit_free(c1);
    qtr_h5_block_fini(&b);
    qtr_h5_close(f, &ctx);
    remove(path.c_str());
}

TEST(H5StoreHostile, ImplausibleTypesAndChunksAreRefused)
{
    std::string path = tmp_path("types.h5"), msg;
    // a 128-byte integer column: HDF5 would size its conversion buffers from it
    write_batch(path, 2);
    EXPECT_EQ(decode_after(path,
                           [](hid_t fid) {
                               hid_t t = H5Tcopy(H5T_STD_U64LE);
                               H5Tset_precision(t, 64);
                               H5Tset_size(t, 128);
                               replace_dataset(fid, "/circuits/nqubits", t, 2, 0);
                               H5Tclose(t);
                           },
                           &msg),
              QTR_EPARSE);
    EXPECT_THAT(msg, HasSubstr("'nqubits' has elements of 128 bytes, expected at most 8"));
    // a float where an integer belongs
    write_batch(path, 2);
    EXPECT_EQ(decode_after(path,
                           [](hid_t fid) {
                               replace_dataset(fid, "/circuits/inst_count", H5T_IEEE_F64LE, 2, 0);
                           },
                           &msg),
              QTR_EPARSE);
    EXPECT_THAT(msg, HasSubstr("'inst_count' must be a one-dimensional integer dataset"));
    // chunks of 2^28 parameters (2 GiB): one read would allocate a whole chunk
    write_batch(path, 2);
    EXPECT_EQ(decode_after(path,
                           [](hid_t fid) {
                               replace_dataset(fid, "/circuits/params", H5T_IEEE_F64LE,
                                               (hsize_t)1 << 28, (hsize_t)1 << 28);
                           },
                           &msg),
              QTR_EPARSE);
    EXPECT_THAT(msg, HasSubstr("'params' has chunks of 268435456 elements"));
    remove(path.c_str());
}

// A QASM text's reference into HDF5's global heap that names no object of
// its collection (HDF5 1.10.8 reads past the heap on it): that row fails
// alone, with a message; the other rows read as written.
TEST(H5StoreHostile, BadHeapReferenceFailsItsRowAlone)
{
    std::string path = tmp_path("heap.h5");
    Ctx ctx;
    const char *texts[] = {"OPENQASM 2.0;\nqreg q[1];\nh q[0];\n", "OPENQASM 2.0;\nqreg q[2];\n"};
    qtr_h5_file *f = nullptr;
    ASSERT_EQ(qtr_h5_create(path.c_str(), -1, QTR_H5_CIRCUITS, QTR_H5_QASMTEXT, 2, nullptr, &f, &ctx),
              QTR_OK);
    qtr_h5_block b;
    qtr_h5_block_init(&b);
    for (int i = 0; i < 2; i++)
        ASSERT_EQ(qtr_h5_block_add_text(&b, i, texts[i], strlen(texts[i]), "t", 1, &ctx), QTR_OK);
    ASSERT_EQ(qtr_h5_write_block(f, &b, -1, &ctx), QTR_OK) << ctx.msg();
    ASSERT_EQ(qtr_h5_close(f, &ctx), QTR_OK);
    qtr_h5_block_clear(&b);
    // the first object of the heap collection holding the texts: its index
    // (2 bytes after the 16-byte collection header) becomes one nobody uses
    std::vector<char> img = file_bytes(path);
    std::string all(img.begin(), img.end());
    size_t at = all.find("GCOL");
    ASSERT_NE(at, std::string::npos);
    img[at + 16] = 0x77;
    img[at + 17] = 0x77;
    ASSERT_EQ(qtr_h5_open_image(img.data(), img.size(), "heap.h5", &f, &ctx), QTR_OK) << ctx.msg();
    ASSERT_EQ(qtr_h5_read_rows(f, 0, 2, &b, &ctx), QTR_OK) << ctx.msg();
    // HDF5 numbers the heap objects in its own order: one row lost its text
    int lost = qtr_h5_block_defect(&b, 0) ? 0 : 1, kept = 1 - lost;
    ASSERT_NE(qtr_h5_block_defect(&b, lost), nullptr);
    EXPECT_THAT(qtr_h5_block_defect(&b, lost),
                HasSubstr("circuit " + std::to_string(lost) + " ('t'): its QASM text"));
    EXPECT_EQ(qtr_h5_block_defect(&b, kept), nullptr);
    EXPECT_EQ(std::string(qtr_h5_block_text(&b, kept), b.row[kept].count[QTR_H5_POOL_TEXT]),
              texts[kept]);
    qtr_h5_block_fini(&b);
    EXPECT_EQ(qtr_h5_close(f, &ctx), QTR_OK);
    remove(path.c_str());
}

namespace {
// The bytes of @p path's first @p n bytes.
std::string file_prefix(const std::string &path, size_t n)
{
    std::string s(n, '\0');
    FILE *fp = fopen(path.c_str(), "rb");
    size_t got = fp ? fread(&s[0], 1, n, fp) : 0;
    if (fp) fclose(fp);
    s.resize(got);
    return s;
}
struct Watch {
    std::string path, committed;   // the file as its last commit point left it
    int writes = 0, changed = 0;
};
void check_unchanged(void *ud)
{
    Watch *w = static_cast<Watch *>(ud);
    w->writes++;
    if (file_prefix(w->path, w->committed.size()) != w->committed) w->changed++;
}
}  // namespace

// A protected results file (serial driver, undo journal) is never changed
// below its last commit point until the next flush's sync: the writes there
// (status, index columns, HDF5's metadata) are held, reads see them, and
// they reach the file only once the journal that can undo them is on the
// disk. Checked before every write of two rounds; the rounds read back.
TEST(H5Store, WritesBelowTheCommitPointWaitForTheFlush)
{
    std::string path = tmp_path("held.h5");
    Ctx ctx;
    qtr_h5_file *f = create_results(path, 6);
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(qtr_h5_flush(f, &ctx), QTR_OK) << ctx.msg();
    ASSERT_EQ(qtr_h5_set_path(f, path.c_str(), &ctx), QTR_OK) << ctx.msg();
    Watch w;
    w.path = path;
    qtr_h5_set_write_hook(f, check_unchanged, &w);
    qtr_h5_block b;
    qtr_h5_block_init(&b);
    uint32_t lay[5] = {0, 1, 2, 3, 4};
    qtr_result r;
    memset(&r, 0, sizeof r);
    r.nvirtual = 5;
    r.initial_layout = r.output_permutation = lay;
    uint64_t base[QTR_H5_NFILEPOOLS] = {0}, end[QTR_H5_NFILEPOOLS];
    for (uint64_t round = 0; round < 2; round++) {
        struct stat sb;
        ASSERT_EQ(stat(path.c_str(), &sb), 0);
        w.committed = file_prefix(path, (size_t)sb.st_size);
        qtr_h5_block_clear(&b);
        for (uint64_t row = 3 * round; row < 3 * round + 3; row++) {
            Circuit c = sample_circuit((uint32_t)row);
            ASSERT_EQ(qtr_h5_block_add_result(&b, row, "r", QTR_H5_OK, c.get(), &r, QTR_OK,
                                              nullptr, 0.5, &ctx),
                      QTR_OK)
                << ctx.msg();
        }
        qtr_h5_block_place(&b, base, end);
        memcpy(base, end, sizeof base);
        ASSERT_EQ(qtr_h5_grow(f, end, &ctx), QTR_OK) << ctx.msg();
        ASSERT_EQ(qtr_h5_write_block(f, &b, -1, &ctx), QTR_OK) << ctx.msg();
        ASSERT_EQ(qtr_h5_flush(f, &ctx), QTR_OK) << ctx.msg();
        ASSERT_EQ(stat(path.c_str(), &sb), 0);
        w.committed = file_prefix(path, (size_t)sb.st_size);
        ASSERT_EQ(qtr_h5_write_status(f, &b, -1, &ctx), QTR_OK) << ctx.msg();
        uint8_t st[6];   // read through the held writes
        ASSERT_EQ(qtr_h5_read_status(f, 0, 6, st, &ctx), QTR_OK) << ctx.msg();
        for (int i = 0; i < 6; i++) EXPECT_EQ(st[i], i < 3 * (int)round + 3 ? QTR_H5_OK : QTR_H5_PENDING);
        ASSERT_EQ(qtr_h5_flush(f, &ctx), QTR_OK) << ctx.msg();
    }
    EXPECT_GT(w.writes, 0);
    EXPECT_EQ(w.changed, 0) << "writes found the file changed below its last commit point";
    qtr_h5_block_fini(&b);
    ASSERT_EQ(qtr_h5_close(f, &ctx), QTR_OK) << ctx.msg();
    ASSERT_EQ(qtr_h5_open(path.c_str(), &f, &ctx), QTR_OK) << ctx.msg();
    uint8_t st[6];
    ASSERT_EQ(qtr_h5_read_status(f, 0, 6, st, &ctx), QTR_OK);
    for (int i = 0; i < 6; i++) EXPECT_EQ(st[i], QTR_H5_OK);
    qtr_h5_close(f, &ctx);
    remove(path.c_str());
}
