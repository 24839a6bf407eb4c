// test_budget.cc -- the per-circuit memory budget (src/alloc.c,
// qtr_ctx.max_memory): the allocator refuses past it, the OpenQASM reader
// stops an expansion bomb early with QTR_EMEMORY and a message saying so,
// qtr_transpile does the same, SABRE's scratch (outside the allocator) is
// weighed against it before the trials take it, the SABRE DAG and the
// layout's interaction graph before they are built, the statistics' levels
// count in the peak, and --max-memory's byte counts parse.
//
// This binary wraps glibc's malloc family (below) to count the heap bytes a
// call takes, so a test can tell "refused before allocating" from "refused
// after allocating"; the wrappers only count while a test asks them to.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <string>
#include <vector>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "pass.h"
#include "qtr.h"
#include "qtr_io.h"

using ::testing::HasSubstr;

namespace {

// Gate gK calls g(K-1) twice: `levels` levels expand to 2^levels cx.
std::string bomb(int levels)
{
    std::string s = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\n"
                    "gate g0 a, b { cx a, b; }\n";
    for (int i = 1; i <= levels; i++)
        s += "gate g" + std::to_string(i) + " a, b { g" + std::to_string(i - 1) + " a, b; g" +
             std::to_string(i - 1) + " b, a; }\n";
    s += "g" + std::to_string(levels) + " q[0], q[1];\n";
    return s;
}

// n qubits, m cx between random distinct pairs (a fixed generator).
std::string random_cx(unsigned n, unsigned m)
{
    std::string s = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[" + std::to_string(n) + "];\n";
    unsigned long long x = 88172645463325252ull;
    for (unsigned i = 0; i < m; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        unsigned a = (unsigned)(x % n), b = (unsigned)((a + 1 + (x >> 32) % (n - 1)) % n);
        s += "cx q[" + std::to_string(a) + "],q[" + std::to_string(b) + "];\n";
    }
    return s;
}

// Heap bytes taken while counting is on: live is what was allocated minus
// what was freed since the start, high its largest value.
std::atomic<bool> heap_on{false};
std::atomic<long long> heap_live{0}, heap_high{0};

void heap_note(long long delta)
{
    long long now = heap_live += delta, h = heap_high.load();
    while (now > h && !heap_high.compare_exchange_weak(h, now)) {
    }
}

void heap_count(bool on)
{
    if (on) heap_live = heap_high = 0;
    heap_on = on;
}

}  // namespace

// AddressSanitizer puts its own allocator behind the malloc family: the
// wrappers would hand it glibc's blocks, so such a build counts nothing
// (and checks the rest).
#if defined(__SANITIZE_ADDRESS__)
#define QTR_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define QTR_TEST_ASAN 1
#endif
#endif

#if defined(__GLIBC__) && !defined(QTR_TEST_ASAN)
#define HEAP_COUNTED 1
extern "C" {
void *__libc_malloc(size_t);
void *__libc_calloc(size_t, size_t);
void *__libc_realloc(void *, size_t);
void __libc_free(void *);

void *malloc(size_t n)
{
    void *p = __libc_malloc(n);
    if (p && heap_on) heap_note((long long)malloc_usable_size(p));
    return p;
}

void *calloc(size_t n, size_t size)
{
    void *p = __libc_calloc(n, size);
    if (p && heap_on) heap_note((long long)malloc_usable_size(p));
    return p;
}

void *realloc(void *old, size_t n)
{
    long long before = old && heap_on ? (long long)malloc_usable_size(old) : 0;
    void *p = __libc_realloc(old, n);
    if (p && heap_on) heap_note((long long)malloc_usable_size(p) - before);
    return p;
}

void free(void *p)
{
    if (p && heap_on) heap_note(-(long long)malloc_usable_size(p));
    __libc_free(p);
}
}
#else
#define HEAP_COUNTED 0
#endif

TEST(Budget, ParseBytes)
{
    size_t v = 0;
    EXPECT_EQ(qtr_parse_bytes("512M", &v), 0);
    EXPECT_EQ(v, (size_t)512 << 20);
    EXPECT_EQ(qtr_parse_bytes("2G", &v), 0);
    EXPECT_EQ(v, (size_t)2 << 30);
    EXPECT_EQ(qtr_parse_bytes("2GiB", &v), 0);
    EXPECT_EQ(v, (size_t)2 << 30);
    EXPECT_EQ(qtr_parse_bytes("64k", &v), 0);
    EXPECT_EQ(v, (size_t)64 << 10);
    EXPECT_EQ(qtr_parse_bytes("1048576", &v), 0);
    EXPECT_EQ(v, (size_t)1048576);
    for (const char *bad : {"", "0", "0M", "-1", "12X", "M", "1.5G", "1GG", "99999999999999T"})
        EXPECT_EQ(qtr_parse_bytes(bad, &v), -1) << bad;
}

TEST(Budget, AllocatorRefusesPastTheLimit)
{
    qtr_alloc a = {};
    a.limit = 1000;
    void *p = qtr_realloc(&a, nullptr, 0, 600);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(qtr_realloc(&a, p, 600, 1200), nullptr);  // p stays valid
    EXPECT_EQ(a.over, 1);
    EXPECT_EQ(a.cur, 600u);
    void *q = qtr_realloc(&a, p, 600, 1000);             // exactly the limit is fine
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(a.cur, 1000u);
    qtr_realloc(&a, q, 1000, 0);
    EXPECT_EQ(a.cur, 0u);
}

// 25 levels: 2^25 instructions (512 MiB of records alone) without a budget.
TEST(Budget, ExpansionBombStopsAtTheBudget)
{
    std::string text = bomb(25);
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    ctx.max_memory = (size_t)16 << 20;
    qtr_circuit *c = nullptr;
    EXPECT_EQ(qtr_qasm_read_mem(text.data(), text.size(), "bomb.qasm", &c, &ctx), QTR_EMEMORY);
    EXPECT_EQ(c, nullptr);
    EXPECT_THAT(std::string(ctx.msg), HasSubstr("bomb.qasm:30:1: the circuit needs more than its "
                                                "memory budget of 16 MiB (--max-memory)"));

    // the pull reader: one statement appends the whole expansion
    qtr_qasm_reader *r = nullptr;
    ASSERT_EQ(qtr_qasm_reader_open_mem(&r, text.data(), text.size(), "bomb.qasm", &ctx), QTR_OK);
    qtr_circuit *chunk = qtr_circuit_new(0);
    int eof = 0;
    EXPECT_EQ(qtr_qasm_reader_next(r, chunk, 1000, &eof, &ctx), QTR_EMEMORY);
    EXPECT_THAT(std::string(ctx.msg), HasSubstr("memory budget"));
    qtr_circuit_free(chunk);
    qtr_qasm_reader_free(r);

    // a bomb small enough for the budget reads as before
    std::string small = bomb(10);
    ASSERT_EQ(qtr_qasm_read_mem(small.data(), small.size(), "small.qasm", &c, &ctx), QTR_OK)
        << ctx.msg;
    EXPECT_EQ(c->ninst, 1024u);
    EXPECT_EQ(c->alloc.limit, ctx.max_memory);
    qtr_circuit_free(c);
}

TEST(Budget, TranspileStopsAtTheBudget)
{
    std::string text = bomb(12);   // 4096 cx between two qubits
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_circuit *c = nullptr;
    ASSERT_EQ(qtr_qasm_read_mem(text.data(), text.size(), "b.qasm", &c, &ctx), QTR_OK);
    qtr_target *t = nullptr;
    ASSERT_EQ(qtr_target_load("line:3", &t, &ctx), QTR_OK);
    qtr_options o;
    qtr_options_default(&o);
    ctx.max_memory = c->alloc.cur + 1024;   // what it holds, and hardly more
    EXPECT_EQ(qtr_transpile(c, t, &o, nullptr, &ctx), QTR_EMEMORY);
    EXPECT_THAT(std::string(ctx.msg), HasSubstr("needs more than its memory budget"));
    qtr_circuit_free(c);

    // the same circuit with room to spare transpiles
    ctx.max_memory = (size_t)64 << 20;
    ASSERT_EQ(qtr_qasm_read_mem(text.data(), text.size(), "b.qasm", &c, &ctx), QTR_OK);
    EXPECT_EQ(qtr_transpile(c, t, &o, nullptr, &ctx), QTR_OK) << ctx.msg;
    qtr_circuit_free(c);
    qtr_target_free(t);
}

// Routing and layout take their trials' scratch with plain malloc (per-trial
// states of a few words per DAG node, the DAG, distances). They weigh it
// against the circuit's budget before taking it: a circuit whose routing
// would not fit fails alone with QTR_EMEMORY and never holds more than its
// budget (its peak stays within it); with room, the same circuit routes.
TEST(Budget, SabreScratchWithinTheBudget)
{
    std::string text = random_cx(20, 3000);
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_target *t = nullptr;
    ASSERT_EQ(qtr_target_load("line:20", &t, &ctx), QTR_OK);
    for (int layout = 0; layout < 2; layout++) {
        qtr_circuit *c = nullptr;
        ASSERT_EQ(qtr_qasm_read_mem(text.data(), text.size(), "r.qasm", &c, &ctx), QTR_OK);
        c->alloc.limit = c->alloc.cur + 4096;   // what it holds, and hardly more
        std::vector<uint32_t> perm(20), fin(20);
        uint64_t nswaps = 0;
        auto run = [&]() {
            if (layout) {
                qtr_sabre_layout_opts o = {2, 5, 5, 7, 0, 0, 0};
                return qtr_pass_layout_sabre(c, t, &o, perm.data(), fin.data(), &nswaps, &ctx);
            }
            qtr_route_opts o = {0, 4, 7};
            return qtr_pass_route_sabre(c, t, &o, perm.data(), &nswaps, &ctx);
        };
        qtr_status st = run();
        EXPECT_EQ(st, QTR_EMEMORY) << (layout ? "layout" : "routing");
        EXPECT_THAT(std::string(ctx.msg), HasSubstr("needs more than its memory budget"));
        EXPECT_LE(c->alloc.peak, c->alloc.limit) << (layout ? "layout" : "routing")
                                                 << " held more than the budget";
        c->alloc.limit = (size_t)64 << 20;
        st = run();
        EXPECT_EQ(st, QTR_OK) << ctx.msg;
        qtr_circuit_free(c);
    }
    qtr_target_free(t);
}

// The statistics' depth levels (two words per qubit and clbit, plain malloc
// scratch) are weighed against the circuit's budget before they are taken:
// a register of 2^22 qubits and one gate fails within a 1 MiB budget, and
// is counted without one.
TEST(Budget, StatisticsScratchWithinTheBudget)
{
    const char *text = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[4194304];\nh q[7];\n";
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_circuit *c = nullptr;
    ASSERT_EQ(qtr_qasm_read_mem(text, strlen(text), "w.qasm", &c, &ctx), QTR_OK);
    qtr_stats_acc *a = qtr_stats_acc_new();
    ASSERT_NE(a, nullptr);
    c->alloc.limit = (size_t)1 << 20;
    EXPECT_EQ(qtr_stats_acc_add(a, c, 0, &ctx), QTR_EMEMORY);
    EXPECT_THAT(std::string(ctx.msg), HasSubstr("statistics: the circuit needs more than its memory budget"));
    c->alloc.limit = 0;
    EXPECT_EQ(qtr_stats_acc_add(a, c, 0, &ctx), QTR_OK) << ctx.msg;
    EXPECT_EQ(qtr_stats_acc_result(a)->size, 1u);
    qtr_stats_acc_free(a);
    qtr_circuit_free(c);
}

// The depth levels are counted in the circuit's allocator while the
// statistics use them, not only weighed: the peak of a circuit of 2^16
// qubits and one gate rises by the levels' 16 bytes per qubit and clbit,
// and cur is back where it was afterwards. Within a budget with room for
// its records but not for the levels, the peak stays within the budget.
TEST(Budget, StatisticsLevelsCountInThePeak)
{
    const char *text = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[65536];\ncreg m[8];\n"
                       "h q[7];\nmeasure q[7] -> m[1];\n";
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_circuit *c = nullptr;
    ASSERT_EQ(qtr_qasm_read_mem(text, strlen(text), "w.qasm", &c, &ctx), QTR_OK);
    size_t cur = c->alloc.cur, levels = (65536 + 8) * 2 * sizeof(uint64_t);
    c->alloc.peak = cur;
    qtr_stats s;
    ASSERT_EQ(qtr_circuit_stats(c, &s, &ctx), QTR_OK) << ctx.msg;
    EXPECT_EQ(s.size, 2u);
    EXPECT_EQ(c->alloc.peak, cur + levels) << "the levels are not counted in the peak";
    EXPECT_EQ(c->alloc.cur, cur);

    c->alloc.limit = cur + levels - 1;
    c->alloc.peak = cur;
    EXPECT_EQ(qtr_circuit_stats(c, &s, &ctx), QTR_EMEMORY);
    EXPECT_THAT(std::string(ctx.msg), HasSubstr("statistics: the circuit needs more than its memory budget"));
    EXPECT_LE(c->alloc.peak, c->alloc.limit);
    c->alloc.limit = cur + levels;
    EXPECT_EQ(qtr_circuit_stats(c, &s, &ctx), QTR_OK) << ctx.msg;
    EXPECT_EQ(c->alloc.peak, c->alloc.limit);
    qtr_circuit_free(c);
}

// The SABRE DAG (routing and layout) and the layout's interaction graph are
// the size of the circuit and plain malloc. They are weighed against the
// budget before they are built: a circuit of 100,000 cx whose records fit
// its budget with 64 KiB to spare, but whose DAG (over 2 MiB) would not,
// fails with QTR_EMEMORY having taken next to nothing from the heap (the
// routing target of line:20 and a few words), and its peak stays within
// the budget. Before, both passes built the graph and the DAG first.
TEST(Budget, SabreDagWeighedBeforeItIsBuilt)
{
    std::string text = random_cx(20, 100000);
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_target *t = nullptr;
    ASSERT_EQ(qtr_target_load("line:20", &t, &ctx), QTR_OK);
    for (int layout = 0; layout < 2; layout++) {
        const char *pass = layout ? "layout" : "routing";
        qtr_circuit *c = nullptr;
        ASSERT_EQ(qtr_qasm_read_mem(text.data(), text.size(), "r.qasm", &c, &ctx), QTR_OK);
        c->alloc.limit = c->alloc.cur + (64 << 10);
        c->alloc.peak = c->alloc.cur;
        std::vector<uint32_t> perm(20), fin(20);
        uint64_t nswaps = 0;
        heap_count(true);
        qtr_status st;
        if (layout) {
            qtr_sabre_layout_opts o = {2, 5, 5, 7, 0, 0, 0};
            st = qtr_pass_layout_sabre(c, t, &o, perm.data(), fin.data(), &nswaps, &ctx);
        } else {
            qtr_route_opts o = {0, 4, 7};
            st = qtr_pass_route_sabre(c, t, &o, perm.data(), &nswaps, &ctx);
        }
        heap_count(false);
        EXPECT_EQ(st, QTR_EMEMORY) << pass;
        EXPECT_THAT(std::string(ctx.msg),
                    HasSubstr(std::string(pass) + ": the circuit needs more than its memory budget"));
        EXPECT_LE(c->alloc.peak, c->alloc.limit) << pass;
        // (the heap is counted through glibc's __libc_malloc, not under ASan)
        if (HEAP_COUNTED)
            EXPECT_LT(heap_high.load(), 64 << 10) << pass << " took " << heap_high.load()
                                                  << " heap bytes before refusing";
        qtr_circuit_free(c);
    }
    qtr_target_free(t);
}
