/* fuzz_common.h -- what every fuzz target shares: the libFuzzer entry point's
 * declaration and the oracle that turns a broken promise into a crash the
 * fuzzer records. A target file defines LLVMFuzzerTestOneInput and nothing
 * else; the same file links with libFuzzer (make fuzz) or with replay.c (the
 * corpus replay in make check). */
#ifndef QTR_FUZZ_COMMON_H
#define QTR_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#ifdef __cplusplus
}
#endif

/* A promise of the library does not hold: say which and abort, so the
 * fuzzer keeps the input and the replay test fails. */
#define FUZZ_REQUIRE(cond, ...)                                          \
    do {                                                                 \
        if (!(cond)) {                                                   \
            fprintf(stderr, "fuzz: %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                \
            fputc('\n', stderr);                                         \
            abort();                                                     \
        }                                                                \
    } while (0)

/* Failures must carry a message naming the input (qtr_io.h's rule). */
#define FUZZ_REQUIRE_MESSAGE(ctx, name)                                        \
    FUZZ_REQUIRE(strncmp((ctx)->msg, (name), strlen(name)) == 0,                \
                 "failure message does not start with the input's name: '%s'", (ctx)->msg)

#endif
