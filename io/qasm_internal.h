/* qasm_internal.h -- what the OpenQASM 2 reader, writer and the built-in gate
 * library (io/qelib1.c) share. Internal to io/: not installed. */
#ifndef QTR_QASM_INTERNAL_H
#define QTR_QASM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "qasm_lex.h"
#include "qtr.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One gate of the built-in library: the gates of qelib1.inc (Qiskit's
 * version) and the definitions the writer emits for table gates outside it. */
typedef struct {
    const char *name;  /* the name a program uses */
    int op;            /* table op it maps to (u0 maps to id, dropping gamma) */
    uint8_t nqubits;   /* the signature in the definition */
    uint8_t nparams;
    uint8_t qelib1;    /* 1: part of qelib1.inc; 0: emitted by the writer */
    uint8_t primitive; /* 1: its body is the builtin U or CX itself (u, cx) */
    const char *def;   /* "gate name(params) qubits { body }" */
    const char *deps;  /* writer gates: space-separated non-qelib1 gates the
                          body uses, to be defined first ("" if none) */
} qtr_qasm_libgate;

/** The library table: qelib1.inc in its file order, then the writer's gates. */
const qtr_qasm_libgate *qtr_qasm_libgates(size_t *n);

/** The definition used for table op @p op (qelib1 or writer), or NULL. */
const qtr_qasm_libgate *qtr_qasm_libgate_for(qtr_op op);

/** The whole text of the built-in qelib1.inc, written into a malloc'ed string
 *  (caller frees). For tests: reading it as user definitions must give the
 *  same unitaries as the table. NULL when out of memory. */
char *qtr_qasm_qelib1_text(void);

/* Unsigned integers of any width as 32-bit words, least significant first
 * (io/qasm_decimal.c): condition values wider than 64 bits. */

/** Parse the decimal digits s[0..len) into words (at most @p cap); *n gets
 *  the words used (0 for zero). @return 0, -1 when the value needs more than
 *  @p cap words, -2 on a character that is not a digit. */
int qtr_qasm_decimal_parse(const char *s, size_t len, uint32_t *words, uint32_t cap, uint32_t *n);

/** Bytes qtr_qasm_decimal_put may write for a value of @p n words. */
static inline size_t qtr_qasm_decimal_room(uint32_t n) { return (size_t)n * 10 + 10; }

/** Write the decimal text of words[0..n) at @p out (room: qtr_qasm_decimal_room),
 *  using @p scratch (n words); returns the end of the text (not terminated). */
char *qtr_qasm_decimal_put(char *out, const uint32_t *words, uint32_t n, uint32_t *scratch);

/* Words of a condition value: a decimal token has at most QTR_QASM_TOKEN_MAX
 * digits, and 10^1024 < 2^3402 fits 107 words. */
#define QTR_QASM_COND_WORDS_MAX ((QTR_QASM_TOKEN_MAX * 3402 / 1024 + 31) / 32 + 1)

/** The value of the integer token @p tok (@p len digits; @p ival its value
 *  when !@p overflow) compared with a register of @p size bits, as words
 *  (room QTR_QASM_COND_WORDS_MAX): *n is 2 for a value below 2^64, else the
 *  words used. @return 0, or -1 when a value of 2^64 or more does not fit
 *  the register (a smaller value is the caller's to check). */
int qtr_qasm_cond_value(const char *tok, size_t len, uint64_t ival, int overflow, uint32_t size,
                        uint32_t *words, uint32_t *n);

#ifdef __cplusplus
}
#endif

/* ---- limits shared by reader and writer -------------------------------- */

/* Qubits (and, separately, clbits) a program may declare. 2^24 qubits is far
 * beyond any device; the cap turns "qreg q[4000000000];" into a clear error
 * rather than an attempt to allocate gigabytes of per-qubit tables. */
#define QTR_QASM_MAX_BITS (1u << 24)

/* Instructions one statement may expand to (broadcast x inlined gates). A
 * few nested gates can otherwise describe 2^60 instructions in 200 bytes. */
#define QTR_QASM_MAX_EXPANSION ((uint64_t)1 << 26)

/* Nesting of gate definitions calling each other; expansion recurses once per
 * level, so this bounds the C stack. */
#define QTR_QASM_MAX_GATE_DEPTH 1000

/* Nesting of include files (each holds a 64 KiB read buffer while open). */
#define QTR_QASM_MAX_INCLUDE_DEPTH 32

/* Nesting of parentheses, unary minus and ^ in one expression (the parser
 * recurses per level). */
#define QTR_QASM_MAX_EXPR_DEPTH 200

/* Parameters and formal qubits one gate definition may declare. */
#define QTR_QASM_MAX_GATE_ARGS 4096

#endif
