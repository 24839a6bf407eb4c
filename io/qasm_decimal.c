/* qasm_decimal.c -- decimal text <-> unsigned integers of any width, held as
 * 32-bit words, least significant first: the values of classical conditions
 * on registers wider than 64 bits (if(c==1427247692705959881058285969449495136382746624)).
 * Owns nothing. Schoolbook base-10^9 arithmetic: the values are at most a
 * register wide, and conditions are rare, so nothing faster is worth its code. */
#include <string.h>
#include "qasm_internal.h"

#define CHUNK 1000000000u   /* 10^9: nine decimal digits per step */

/* words[0..*n) = words * mul + add; -1 when the result needs more than cap words. */
static int mul_add(uint32_t *words, uint32_t *n, uint32_t cap, uint32_t mul, uint32_t add)
{
    uint64_t carry = add;
    for (uint32_t i = 0; i < *n; i++) {
        uint64_t t = (uint64_t)words[i] * mul + carry;
        words[i] = (uint32_t)t;
        carry = t >> 32;
    }
    if (carry) {
        if (*n == cap) return -1;
        words[(*n)++] = (uint32_t)carry;
    }
    return 0;
}

int qtr_qasm_decimal_parse(const char *s, size_t len, uint32_t *words, uint32_t cap, uint32_t *n)
{
    *n = 0;
    size_t i = 0;
    while (i < len) {
        uint32_t chunk = 0, mul = 1;
        for (size_t k = 0; k < 9 && i < len; k++, i++) {
            if (s[i] < '0' || s[i] > '9') return -2;
            chunk = chunk * 10 + (uint32_t)(s[i] - '0');
            mul *= 10;
        }
        if (mul_add(words, n, cap, mul, chunk)) return -1;
    }
    return 0;
}

char *qtr_qasm_decimal_put(char *out, const uint32_t *words, uint32_t n, uint32_t *scratch)
{
    while (n && !words[n - 1]) n--;
    if (!n) {
        *out++ = '0';
        return out;
    }
    memcpy(scratch, words, n * sizeof *scratch);
    /* nine-digit chunks, least significant first, written at the end of the
     * output's room and then moved to its start */
    char *end = out + qtr_qasm_decimal_room(n), *d = end;
    while (n) {
        uint64_t rem = 0;
        for (uint32_t i = n; i-- > 0;) {
            uint64_t t = (rem << 32) | scratch[i];
            scratch[i] = (uint32_t)(t / CHUNK);
            rem = t % CHUNK;
        }
        while (n && !scratch[n - 1]) n--;
        for (int k = 0; k < 9 && (n || rem); k++) {
            *--d = (char)('0' + rem % 10);
            rem /= 10;
        }
    }
    size_t len = (size_t)(end - d);
    memmove(out, d, len);
    return out + len;
}

int qtr_qasm_cond_value(const char *tok, size_t len, uint64_t ival, int overflow, uint32_t size,
                        uint32_t *words, uint32_t *n)
{
    uint32_t cap = (size + 31) / 32;
    if (cap < 2) cap = 2;
    if (cap > QTR_QASM_COND_WORDS_MAX) cap = QTR_QASM_COND_WORDS_MAX;
    *n = 2;
    if (!overflow) {
        words[0] = (uint32_t)ival;
        words[1] = (uint32_t)(ival >> 32);
        return 0;
    }
    if (qtr_qasm_decimal_parse(tok, len, words, cap, n) ||
        (size < 32 * *n && words[*n - 1] >> (size % 32)))
        return -1;
    return 0;
}
