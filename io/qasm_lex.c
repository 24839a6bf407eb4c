/* qasm_lex.c -- the OpenQASM 2 lexer (hand-written, like Lua's llex.c).
 *
 * Input comes from memory or from a FILE read in QTR_QASM_CHUNK-byte chunks,
 * so memory stays fixed however long the file (or a single line) is. Every
 * byte is looked at once through peekc/advance, which refill the chunk, so a
 * token may straddle two chunks; identifiers, numbers and strings are copied
 * into the fixed token buffer as they are scanned (capped at
 * QTR_QASM_TOKEN_MAX, which also bounds a pathological 10 MB "token").
 *
 * Comments: "//" to the end of the line, and also C-style block comments,
 * which some generators emit (the writer never does: Qiskit's lexer has
 * none).
 *
 * Character set: the language is ASCII. Bytes >= 0x80 are accepted only inside
 * comments and strings, and only as well-formed UTF-8 (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF); anywhere else, or malformed,
 * they are reported at their own column. Columns count bytes.
 *
 * Owns nothing (the chunk buffer is the reader's); borrows the input. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "qasm_lex.h"

/* Returned by peekc at the end of input. */
#define LEX_EOF (-1)

void qtr_qasm_lex_init_mem(qtr_qasm_lex *L, const char *text, size_t len, const char *name)
{
    memset(L, 0, offsetof(qtr_qasm_lex, tok));
    L->tok[0] = '\0';
    L->buf = text;
    L->end = len;
    L->at_eof = 1;
    L->name = name;
    L->line = 1;
}

void qtr_qasm_lex_init_file(qtr_qasm_lex *L, FILE *f, char *chunk, const char *name)
{
    memset(L, 0, offsetof(qtr_qasm_lex, tok));
    L->tok[0] = '\0';
    L->buf = chunk;
    L->f = f;
    L->chunk = chunk;
    L->name = name;
    L->line = 1;
}

/* Load the next chunk; returns its first byte or LEX_EOF. */
static int refill(qtr_qasm_lex *L)
{
    if (L->at_eof) return LEX_EOF;
    L->base += L->end;
    L->pos = L->end = 0;
    size_t n = fread(L->chunk, 1, QTR_QASM_CHUNK, L->f);
    if (n == 0) {
        L->at_eof = 1;
        return LEX_EOF;
    }
    L->end = n;
    return (unsigned char)L->chunk[0];
}

static inline int peekc(qtr_qasm_lex *L)
{
    if (QTR_LIKELY(L->pos < L->end)) return (unsigned char)L->buf[L->pos];
    return refill(L);
}

/* Consume the byte peekc returned (never LEX_EOF). */
static inline void advance(qtr_qasm_lex *L) { L->pos++; }

static inline uint64_t cur_col(const qtr_qasm_lex *L)
{
    return L->base + L->pos - L->line_start + 1;
}

/* Consume a '\n' and start a new line. */
static inline void newline(qtr_qasm_lex *L)
{
    L->pos++;
    L->line++;
    L->line_start = L->base + L->pos;
}

/* An error at the next unread byte. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static qtr_status lex_fail(qtr_qasm_lex *L, qtr_ctx *ctx, qtr_status st, const char *fmt, ...)
{
    char reason[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    return qtr_fail(ctx, st, "%s:%u:%llu: %s", L->name, L->line,
                    (unsigned long long)cur_col(L), reason);
}

/* An error at the current token's start. */
static qtr_status tok_fail(qtr_qasm_lex *L, qtr_ctx *ctx, const char *what)
{
    return qtr_fail(ctx, QTR_EPARSE, "%s:%u:%llu: %s", L->name, L->tline,
                    (unsigned long long)L->tcol, what);
}

/* End of input: distinguish a read error from the real end. */
static qtr_status check_eof(qtr_qasm_lex *L, qtr_ctx *ctx)
{
    if (L->f && ferror(L->f))
        return qtr_fail(ctx, QTR_EIO, "%s: read error after line %u", L->name, L->line);
    return QTR_OK;
}

/* Consume one UTF-8 encoded character whose lead byte @p c (>= 0x80) is at
 * the next unread position. @p where names the context for the message. */
static qtr_status too_long(qtr_qasm_lex *L, qtr_ctx *ctx, const char *what);
static inline int tok_put(qtr_qasm_lex *L, int c);

static qtr_status utf8_char(qtr_qasm_lex *L, int c, const char *where, int copy, qtr_ctx *ctx)
{
    uint32_t line = L->line;
    uint64_t col = cur_col(L);   /* errors point at the sequence's first byte */
    int more;
    int lo = 0x80, hi = 0xBF;   /* allowed range of the first continuation byte */
    if (c >= 0xC2 && c <= 0xDF) more = 1;
    else if (c == 0xE0) { more = 2; lo = 0xA0; }
    else if (c == 0xED) { more = 2; hi = 0x9F; }            /* no surrogates */
    else if (c >= 0xE1 && c <= 0xEF) more = 2;
    else if (c == 0xF0) { more = 3; lo = 0x90; }            /* no overlong */
    else if (c == 0xF4) { more = 3; hi = 0x8F; }            /* <= U+10FFFF */
    else if (c >= 0xF1 && c <= 0xF3) more = 3;
    else
        return lex_fail(L, ctx, QTR_EPARSE, "invalid UTF-8 byte 0x%02X %s", (unsigned)c, where);
    if (copy && tok_put(L, c)) return too_long(L, ctx, "string");
    advance(L);
    unsigned seq[4] = {(unsigned)c, 0, 0, 0};
    for (int i = 0; i < more; i++) {
        int d = peekc(L);
        if (d == LEX_EOF) {
            qtr_status st = check_eof(L, ctx);
            return st ? st : qtr_fail(ctx, QTR_EPARSE, "%s:%u:%llu: truncated UTF-8 sequence %s",
                                      L->name, line, (unsigned long long)col, where);
        }
        seq[i + 1] = (unsigned)d;
        if (d < lo || d > hi) {
            char bytes[24];
            int n = 0;
            for (int k = 0; k <= i + 1; k++)
                n += snprintf(bytes + n, sizeof bytes - (size_t)n, "%s%02X", k ? " " : "", seq[k]);
            return qtr_fail(ctx, QTR_EPARSE, "%s:%u:%llu: invalid UTF-8 sequence %s: bytes %s",
                            L->name, line, (unsigned long long)col, where, bytes);
        }
        if (copy && tok_put(L, d)) return too_long(L, ctx, "string");
        advance(L);
        lo = 0x80;
        hi = 0xBF;
    }
    return QTR_OK;
}

/* Skip a // comment up to (not including) the newline. */
static qtr_status line_comment(qtr_qasm_lex *L, qtr_ctx *ctx)
{
    for (;;) {
        /* fast path: plain ASCII inside the current chunk */
        const char *p = L->buf + L->pos, *e = L->buf + L->end;
        while (p < e && *p != '\n' && (unsigned char)*p < 0x80) p++;
        L->pos = (size_t)(p - L->buf);
        int c = peekc(L);
        if (c == LEX_EOF || c == '\n') return QTR_OK;
        if (c >= 0x80) {
            qtr_status st = utf8_char(L, c, "in comment", 0, ctx);
            if (st) return st;
        }
    }
}

/* Skip a block comment; the opening slash-star is consumed. */
static qtr_status block_comment(qtr_qasm_lex *L, qtr_ctx *ctx)
{
    uint32_t line = L->line;
    uint64_t col = cur_col(L) - 2;
    for (;;) {
        int c = peekc(L);
        if (c == LEX_EOF) {
            qtr_status st = check_eof(L, ctx);
            if (st) return st;
            return qtr_fail(ctx, QTR_EPARSE, "%s:%u:%llu: unterminated comment", L->name, line,
                            (unsigned long long)col);
        }
        if (c == '\n') {
            newline(L);
        } else if (c >= 0x80) {
            qtr_status st = utf8_char(L, c, "in comment", 0, ctx);
            if (st) return st;
        } else {
            advance(L);
            if (c == '*' && peekc(L) == '/') {
                advance(L);
                return QTR_OK;
            }
        }
    }
}

static inline int is_id_start(int c) { return qtr_qasm_is_id_start(c); }
static inline int is_digit(int c) { return c >= '0' && c <= '9'; }
static inline int is_id_char(int c) { return qtr_qasm_is_id_char(c); }

/* Append byte c to the token text. */
static inline int tok_put(qtr_qasm_lex *L, int c)
{
    if (QTR_UNLIKELY(L->len >= QTR_QASM_TOKEN_MAX)) return -1;
    L->tok[L->len++] = (char)c;
    return 0;
}

static qtr_status too_long(qtr_qasm_lex *L, qtr_ctx *ctx, const char *what)
{
    char msg[96];
    snprintf(msg, sizeof msg, "%s longer than %d characters", what, QTR_QASM_TOKEN_MAX);
    return tok_fail(L, ctx, msg);
}

/* Copy the digits at the read position into the token. */
static int scan_digits(qtr_qasm_lex *L)
{
    int c, n = 0;
    while (is_digit(c = peekc(L))) {
        if (tok_put(L, c)) return -1;
        advance(L);
        n++;
    }
    return n;
}

/* A number; @p c is its first byte (a digit or '.'), not yet consumed. */
static qtr_status scan_number(qtr_qasm_lex *L, int c, qtr_ctx *ctx)
{
    int real = 0;
    if (c != '.') {
        if (scan_digits(L) < 0) return too_long(L, ctx, "number");
        c = peekc(L);
    }
    if (c == '.') {
        real = 1;
        if (tok_put(L, c)) return too_long(L, ctx, "number");
        advance(L);
        int n = scan_digits(L);
        if (n < 0) return too_long(L, ctx, "number");
        if (n == 0 && L->len == 1) return tok_fail(L, ctx, "'.' must be followed by digits");
        c = peekc(L);
    }
    if (c == 'e' || c == 'E') {
        real = 1;
        if (tok_put(L, c)) return too_long(L, ctx, "number");
        advance(L);
        c = peekc(L);
        if (c == '+' || c == '-') {
            if (tok_put(L, c)) return too_long(L, ctx, "number");
            advance(L);
        }
        int n = scan_digits(L);
        if (n < 0) return too_long(L, ctx, "number");
        if (n == 0) {
            L->tok[L->len] = '\0';
            char msg[160];
            snprintf(msg, sizeof msg, "malformed number '%.40s': exponent has no digits", L->tok);
            return tok_fail(L, ctx, msg);
        }
        c = peekc(L);
    }
    L->tok[L->len] = '\0';
    if (is_id_char(c) || c == '.') {
        char msg[160];
        snprintf(msg, sizeof msg, "malformed number '%.40s%c'", L->tok, c);
        return tok_fail(L, ctx, msg);
    }
    if (real) {
        L->kind = QTR_QT_REAL;
        char *end;
        L->rval = strtod(L->tok, &end);
        /* Underflow to a subnormal or zero is a value, as in C and Python;
         * overflow is not. */
        if (isinf(L->rval)) {
            char msg[160];
            snprintf(msg, sizeof msg, "number '%.40s' is too large for a double", L->tok);
            return tok_fail(L, ctx, msg);
        }
        return QTR_OK;
    }
    L->kind = QTR_QT_INT;
    uint64_t v = 0;
    L->ival_overflow = 0;
    for (size_t i = 0; i < L->len; i++) {
        unsigned d = (unsigned)(L->tok[i] - '0');
        if (v > (UINT64_MAX - d) / 10) {
            L->ival_overflow = 1;
            v = UINT64_MAX;
            break;
        }
        v = v * 10 + d;
    }
    L->ival = v;
    return QTR_OK;
}

static qtr_status scan_string(qtr_qasm_lex *L, qtr_ctx *ctx)
{
    advance(L);   /* the opening quote */
    for (;;) {
        int c = peekc(L);
        if (c == LEX_EOF || c == '\n') {
            qtr_status st = c == LEX_EOF ? check_eof(L, ctx) : QTR_OK;
            if (st) return st;
            return tok_fail(L, ctx, "unterminated string");
        }
        if (c == '"') {
            advance(L);
            break;
        }
        if (c >= 0x80) {
            qtr_status st = utf8_char(L, c, "in string", 1, ctx);
            if (st) return st;
            continue;
        }
        if (c < 0x20 && c != '\t')
            return lex_fail(L, ctx, QTR_EPARSE, "control character 0x%02X in string", (unsigned)c);
        if (tok_put(L, c)) return too_long(L, ctx, "string");
        advance(L);
    }
    L->tok[L->len] = '\0';
    L->kind = QTR_QT_STRING;
    return QTR_OK;
}

/* An OpenQASM 3 token whose first byte @p c is consumed: '@', '!', '**',
 * "$N", or any other operator of the language, kept as QTR_QT_OP with its
 * text so the parser can name what it refuses ("+=", "<", "&&", ":", ...). */
static qtr_status v3_operator(qtr_qasm_lex *L, int c, qtr_ctx *ctx)
{
    int d = peekc(L);
    L->tok[0] = (char)c;
    L->len = 1;
    if (c == '$' && is_digit(d)) {
        L->len = 0;
        if (scan_digits(L) < 0) return too_long(L, ctx, "physical qubit");
        L->tok[L->len] = '\0';
        uint64_t v = 0;
        L->ival_overflow = 0;
        for (size_t i = 0; i < L->len; i++) {
            if (v > (UINT64_MAX - 9) / 10) L->ival_overflow = 1;
            else v = v * 10 + (uint64_t)(L->tok[i] - '0');
        }
        L->ival = v;
        L->kind = QTR_QT_HWQUBIT;
        return QTR_OK;
    }
    if (c == '*' && d == '*') {
        advance(L);
        L->kind = QTR_QT_POW;
        return QTR_OK;
    }
    if (c == '@' || (c == '!' && d != '=')) {
        L->kind = c == '@' ? QTR_QT_AT : QTR_QT_BANG;
        return QTR_OK;
    }
    /* a second byte that makes a two-byte operator: <= >= != == += -= *= /=
     * && || << >> ++ -- */
    if (d == '=' || (d == c && strchr("&|<>+-", c))) {
        advance(L);
        L->tok[L->len++] = (char)d;
    }
    L->tok[L->len] = '\0';
    L->kind = QTR_QT_OP;
    return QTR_OK;
}

/* The general scanner: comments, chunk boundaries, end of input, operators
 * of two characters, numbers with fractions and exponents, strings, errors. */
static qtr_status lex_slow(qtr_qasm_lex *L, qtr_ctx *ctx)
{
    int c;
    qtr_status st;
    L->len = 0;
    for (;;) {
        c = peekc(L);
        if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            advance(L);
            continue;
        }
        if (c == '\n') {
            newline(L);
            continue;
        }
        if (c == '/') {
            L->tline = L->line;
            L->tcol = cur_col(L);
            advance(L);
            int d = peekc(L);
            if (d == '/') {
                advance(L);
                if ((st = line_comment(L, ctx))) return st;
                continue;
            }
            if (d == '*') {
                advance(L);
                if ((st = block_comment(L, ctx))) return st;
                continue;
            }
            if (L->v3 && d == '=') return v3_operator(L, c, ctx);
            L->kind = QTR_QT_SLASH;
            return QTR_OK;
        }
        break;
    }
    L->tline = L->line;
    L->tcol = cur_col(L);
    if (c == LEX_EOF) {
        L->kind = QTR_QT_EOF;
        return check_eof(L, ctx);
    }
    if (is_id_start(c) || (L->v3 && c >= 0x80)) {
        /* hash while copying: symbol lookup then needs no second pass */
        uint32_t h = 2166136261u;
        int wide = 0;
        do {
            if (c >= 0x80) {   /* OpenQASM 3: a UTF-8 letter such as π */
                if ((st = utf8_char(L, c, "in identifier", 1, ctx))) return st;
                wide = 1;
            } else {
                if (tok_put(L, c)) return too_long(L, ctx, "identifier");
                h = (h ^ (uint32_t)c) * 16777619u;
                advance(L);
            }
            c = peekc(L);
        } while (is_id_char(c) || (L->v3 && c >= 0x80));
        L->hash = wide ? qtr_qasm_hash(L->tok, L->len) : h;
        L->tok[L->len] = '\0';
        L->kind = QTR_QT_ID;
        return QTR_OK;
    }
    if (is_digit(c) || c == '.') return scan_number(L, c, ctx);
    advance(L);
    switch (c) {
    case ';': L->kind = QTR_QT_SEMI; return QTR_OK;
    case ',': L->kind = QTR_QT_COMMA; return QTR_OK;
    case '[': L->kind = QTR_QT_LBRACK; return QTR_OK;
    case ']': L->kind = QTR_QT_RBRACK; return QTR_OK;
    case '(': L->kind = QTR_QT_LPAREN; return QTR_OK;
    case ')': L->kind = QTR_QT_RPAREN; return QTR_OK;
    case '{': L->kind = QTR_QT_LBRACE; return QTR_OK;
    case '}': L->kind = QTR_QT_RBRACE; return QTR_OK;
    case '+':
        if (L->v3 && peekc(L) == '=') return v3_operator(L, c, ctx);
        L->kind = QTR_QT_PLUS;
        return QTR_OK;
    case '*':
        if (L->v3 && (peekc(L) == '*' || peekc(L) == '=')) return v3_operator(L, c, ctx);
        L->kind = QTR_QT_STAR;
        return QTR_OK;
    case '^': L->kind = QTR_QT_CARET; return QTR_OK;
    case '-':
        if (peekc(L) == '>') {
            advance(L);
            L->kind = QTR_QT_ARROW;
        } else if (L->v3 && (peekc(L) == '=' || peekc(L) == '-')) {
            return v3_operator(L, c, ctx);
        } else {
            L->kind = QTR_QT_MINUS;
        }
        return QTR_OK;
    case '=':
        if (peekc(L) == '=') {
            advance(L);
            L->kind = QTR_QT_EQEQ;
            return QTR_OK;
        }
        if (L->v3) {
            L->kind = QTR_QT_ASSIGN;
            return QTR_OK;
        }
        return tok_fail(L, ctx, "unexpected '=' (did you mean '=='?)");
    case '"':
        L->pos--;   /* scan_string consumes the quote itself */
        return scan_string(L, ctx);
    default:
        if (L->v3 && c < 0x80 && strchr("@!$<>&|~%:#", c)) return v3_operator(L, c, ctx);
        break;
    }
    L->pos--;   /* report at the offending byte */
    if (c >= 0x80) {
        /* say whether it is a well-formed character in the wrong place */
        return lex_fail(L, ctx, QTR_EPARSE,
                        "unexpected byte 0x%02X (non-ASCII text is allowed only in comments)",
                        (unsigned)c);
    }
    if (c < 0x20 || c == 0x7F)
        return lex_fail(L, ctx, QTR_EPARSE, "unexpected control character 0x%02X", (unsigned)c);
    return lex_fail(L, ctx, QTR_EPARSE, "unexpected character '%c'", (unsigned)c);
}

/* Single-character tokens by byte (0: not one). */
static const uint8_t punct_kind[128] = {
    [';'] = QTR_QT_SEMI,   [','] = QTR_QT_COMMA,  ['['] = QTR_QT_LBRACK, [']'] = QTR_QT_RBRACK,
    ['('] = QTR_QT_LPAREN, [')'] = QTR_QT_RPAREN, ['{'] = QTR_QT_LBRACE, ['}'] = QTR_QT_RBRACE,
    ['+'] = QTR_QT_PLUS,   ['*'] = QTR_QT_STAR,   ['^'] = QTR_QT_CARET,
};

/* The hot path: blanks, one-character tokens, identifiers and plain
 * integers that lie wholly inside the current chunk, which is nearly every
 * token of a real program. Anything else goes to lex_slow. */
/* OpenQASM 3: '+' and '*' may start "+=", "**", "*=", so the slow path
 * takes them. */
static const uint8_t punct_kind3[128] = {
    [';'] = QTR_QT_SEMI,   [','] = QTR_QT_COMMA,  ['['] = QTR_QT_LBRACK, [']'] = QTR_QT_RBRACK,
    ['('] = QTR_QT_LPAREN, [')'] = QTR_QT_RPAREN, ['{'] = QTR_QT_LBRACE, ['}'] = QTR_QT_RBRACE,
    ['^'] = QTR_QT_CARET,
};

qtr_status qtr_qasm_lex_next(qtr_qasm_lex *L, qtr_ctx *ctx)
{
    const uint8_t *punct = L->v3 ? punct_kind3 : punct_kind;
    const unsigned char *b = (const unsigned char *)L->buf;
    size_t i = L->pos, n = L->end;
    while (QTR_LIKELY(i < n)) {
        unsigned c = b[i];
        if (c == ' ' || c == '\t' || c == '\r') {
            i++;
            continue;
        }
        if (c == '\n') {
            i++;
            L->line++;
            L->line_start = L->base + i;
            continue;
        }
        if (c < 128 && punct[c]) {
            L->tline = L->line;
            L->tcol = L->base + i - L->line_start + 1;
            L->pos = i + 1;
            L->kind = (qtr_qasm_tok)punct[c];
            L->len = 0;
            return QTR_OK;
        }
        size_t j = i;
        if (is_id_start((int)c)) {
            uint32_t h = 2166136261u;
            while (j < n && is_id_char(b[j])) {
                h = (h ^ b[j]) * 16777619u;
                j++;
            }
            if ((j == n && !L->at_eof) || j - i > QTR_QASM_TOKEN_MAX || (j < n && b[j] >= 0x80))
                break;
            L->kind = QTR_QT_ID;
            L->hash = h;
        } else if (is_digit((int)c)) {
            uint64_t v = 0;
            while (j < n && is_digit(b[j]) && j - i < 19) v = v * 10 + (b[j++] - '0');
            if (j == n || is_id_char(b[j]) || b[j] == '.') break;
            L->kind = QTR_QT_INT;
            L->ival = v;
            L->ival_overflow = 0;
        } else {
            break;
        }
        L->tline = L->line;
        L->tcol = L->base + i - L->line_start + 1;
        L->len = j - i;
        for (size_t k = 0; k < L->len; k++) L->tok[k] = (char)b[i + k];   /* short: no call */
        L->tok[L->len] = '\0';
        L->pos = j;
        return QTR_OK;
    }
    L->pos = i;
    return lex_slow(L, ctx);
}

int qtr_qasm_lex_sep(qtr_qasm_lex *L)
{
    const char *b = L->buf;
    size_t i = L->pos, n = L->end;
    while (i < n && (b[i] == ' ' || b[i] == '\t')) i++;
    if (i < n && (b[i] == ',' || b[i] == ';')) {
        L->pos = i + 1;
        return b[i];
    }
    return 0;
}

int qtr_qasm_lex_index(qtr_qasm_lex *L, uint64_t *v, uint64_t *col)
{
    const unsigned char *b = (const unsigned char *)L->buf;
    size_t i = L->pos, n = L->end;
    if (i >= n || b[i] != '[') return 0;
    size_t j = i + 1;
    uint64_t x = 0;
    while (j < n && is_digit(b[j]) && j - i <= 18) x = x * 10 + (b[j++] - '0');
    if (j == i + 1 || j >= n || b[j] != ']') return 0;
    *v = x;
    *col = L->base + i + 1 - L->line_start + 1;
    L->pos = j + 1;
    return 1;
}

const char *qtr_qasm_tok_name(qtr_qasm_tok k)
{
    switch (k) {
    case QTR_QT_EOF: return "end of file";
    case QTR_QT_ID: return "an identifier";
    case QTR_QT_INT: return "an integer";
    case QTR_QT_REAL: return "a real number";
    case QTR_QT_STRING: return "a string";
    case QTR_QT_SEMI: return "';'";
    case QTR_QT_COMMA: return "','";
    case QTR_QT_LBRACK: return "'['";
    case QTR_QT_RBRACK: return "']'";
    case QTR_QT_LPAREN: return "'('";
    case QTR_QT_RPAREN: return "')'";
    case QTR_QT_LBRACE: return "'{'";
    case QTR_QT_RBRACE: return "'}'";
    case QTR_QT_ARROW: return "'->'";
    case QTR_QT_EQEQ: return "'=='";
    case QTR_QT_PLUS: return "'+'";
    case QTR_QT_MINUS: return "'-'";
    case QTR_QT_STAR: return "'*'";
    case QTR_QT_SLASH: return "'/'";
    case QTR_QT_CARET: return "'^'";
    case QTR_QT_AT: return "'@'";
    case QTR_QT_BANG: return "'!'";
    case QTR_QT_ASSIGN: return "'='";
    case QTR_QT_POW: return "'**'";
    case QTR_QT_HWQUBIT: return "a physical qubit";
    case QTR_QT_OP: return "an operator";
    }
    return "a token";
}

const char *qtr_qasm_lex_describe(const qtr_qasm_lex *L, char *out, size_t size)
{
    switch (L->kind) {
    case QTR_QT_ID:
    case QTR_QT_INT:
    case QTR_QT_REAL:
    case QTR_QT_OP:
        snprintf(out, size, "'%.60s%s'", L->tok, L->len > 60 ? "..." : "");
        break;
    case QTR_QT_STRING:
        snprintf(out, size, "\"%.60s%s\"", L->tok, L->len > 60 ? "..." : "");
        break;
    case QTR_QT_HWQUBIT:
        snprintf(out, size, "'$%.60s'", L->tok);
        break;
    default:
        snprintf(out, size, "%s", qtr_qasm_tok_name(L->kind));
        break;
    }
    return out;
}
