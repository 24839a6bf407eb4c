// test_keep.cc -- the memory of a round's small results (mpi/keep.c):
// allocations are aligned, disjoint and keep their contents until the
// release, which empties the keep for reuse.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

extern "C" {
#include "keep.h"
}

namespace {
struct Piece {
    unsigned char *p;
    size_t n;
    unsigned char fill;
};
}  // namespace

TEST(Keep, PiecesAreAlignedDisjointAndKeepTheirBytes)
{
    qtr_keep k = {nullptr};
    std::mt19937 rng(3);
    std::vector<Piece> pieces;
    size_t total = 0;
    // about 5 MiB in pieces of up to 200 KiB: several blocks
    while (total < (5u << 20)) {
        size_t n = 1 + rng() % (200u << 10);
        auto *p = static_cast<unsigned char *>(qtr_keep_alloc(&k, n));
        ASSERT_NE(p, nullptr);
        EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % alignof(std::max_align_t), 0u);
        unsigned char fill = static_cast<unsigned char>(pieces.size() * 37 + 1);
        std::memset(p, fill, n);
        pieces.push_back({p, n, fill});
        total += n;
    }
    for (const Piece &a : pieces) {
        for (size_t i = 0; i < a.n; i++) ASSERT_EQ(a.p[i], a.fill);
    }
    for (size_t i = 0; i < pieces.size(); i++)
        for (size_t j = i + 1; j < pieces.size(); j++) {
            const Piece &a = pieces[i], &b = pieces[j];
            EXPECT_TRUE(a.p + a.n <= b.p || b.p + b.n <= a.p) << i << " overlaps " << j;
        }
    qtr_keep_release(&k);
    EXPECT_EQ(k.head, nullptr);
    // usable again after the release
    void *again = qtr_keep_alloc(&k, 64);
    EXPECT_NE(again, nullptr);
    qtr_keep_release(&k);
}

TEST(Keep, AWholeBlockFitsAndMoreIsRefused)
{
    qtr_keep k = {nullptr};
    EXPECT_NE(qtr_keep_alloc(&k, QTR_KEEP_BLOCK), nullptr);
    EXPECT_EQ(qtr_keep_alloc(&k, QTR_KEEP_BLOCK + 1), nullptr);
    qtr_keep_release(&k);
    qtr_keep_release(&k);  // releasing an empty keep is harmless
    EXPECT_EQ(k.head, nullptr);
}
