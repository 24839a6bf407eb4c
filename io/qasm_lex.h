/* qasm_lex.h -- the OpenQASM 2 lexer: tokens with 1-based line and byte
 * column, read from memory or from a FILE in fixed-size chunks.
 *
 * Owns: the chunk buffer (FILE input only) and the token text buffer.
 * Borrows: the memory text (memory input), the FILE, the display name, the
 * qtr_ctx given to qtr_qasm_lex_next.
 * Internal to io/: not installed. */
#ifndef QTR_QASM_LEX_H
#define QTR_QASM_LEX_H

#include <stdint.h>
#include <stdio.h>
#include "qtr.h"

/* Longest identifier, number or string the lexer accepts. Real programs use a
 * few dozen characters; the cap keeps the token buffer fixed so a 10 MB
 * "identifier" fails at once instead of being copied around. */
#define QTR_QASM_TOKEN_MAX 1024

/* Chunk size for FILE input: memory does not grow with the file size. */
#define QTR_QASM_CHUNK (64 * 1024)

typedef enum {
    QTR_QT_EOF = 0,
    QTR_QT_ID,      /* identifier or keyword: text in tok */
    QTR_QT_INT,     /* unsigned decimal integer: text in tok, value in ival */
    QTR_QT_REAL,    /* real literal: text in tok, value in rval */
    QTR_QT_STRING,  /* "..." : contents (without quotes) in tok */
    QTR_QT_SEMI,    /* ; */
    QTR_QT_COMMA,   /* , */
    QTR_QT_LBRACK,  /* [ */
    QTR_QT_RBRACK,  /* ] */
    QTR_QT_LPAREN,  /* ( */
    QTR_QT_RPAREN,  /* ) */
    QTR_QT_LBRACE,  /* { */
    QTR_QT_RBRACE,  /* } */
    QTR_QT_ARROW,   /* -> */
    QTR_QT_EQEQ,    /* == */
    QTR_QT_PLUS,    /* + */
    QTR_QT_MINUS,   /* - */
    QTR_QT_STAR,    /* * */
    QTR_QT_SLASH,   /* / */
    QTR_QT_CARET,   /* ^ */
    /* OpenQASM 3 only (lexer in v3 mode, see qasm3_parse.c) */
    QTR_QT_AT,      /* @ */
    QTR_QT_BANG,    /* ! */
    QTR_QT_ASSIGN,  /* = */
    QTR_QT_POW,     /* ** */
    QTR_QT_HWQUBIT, /* $N: a physical qubit, N in ival */
    QTR_QT_OP       /* another OpenQASM 3 operator (< <= != && += : ...): text in tok */
} qtr_qasm_tok;

typedef struct qtr_qasm_lex {
    /* input: buf[pos .. end) is the unread part of the current chunk */
    const char *buf;
    size_t pos, end;
    uint64_t base;          /* absolute byte offset of buf[0] in the input */
    FILE *f;                /* NULL for memory input */
    char *chunk;            /* FILE input: QTR_QASM_CHUNK bytes, owned */
    int at_eof;             /* no more input after buf[end) */
    int v3;                 /* OpenQASM 3 tokens and Unicode identifiers */
    const char *name;       /* display name for messages, borrowed */

    /* position of the next unread byte */
    uint32_t line;          /* 1-based */
    uint64_t line_start;    /* absolute offset of the current line's first byte */

    /* the current token */
    qtr_qasm_tok kind;
    uint32_t tline;         /* its first byte's line and column */
    uint64_t tcol;
    size_t len;             /* text length */
    uint32_t hash;          /* QTR_QT_ID: FNV-1a hash of the text */
    uint64_t ival;          /* QTR_QT_INT: value, saturated at UINT64_MAX */
    int ival_overflow;      /* QTR_QT_INT: the literal exceeds UINT64_MAX */
    double rval;            /* QTR_QT_REAL and QTR_QT_INT: value */
    char tok[QTR_QASM_TOKEN_MAX + 1];
} qtr_qasm_lex;

/** Identifier characters (ASCII only: bytes >= 0x80 never start or continue
 *  one); shared with the parser's fast path. */
static inline int qtr_qasm_is_id_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static inline int qtr_qasm_is_id_char(int c)
{
    return qtr_qasm_is_id_start(c) || (c >= '0' && c <= '9');
}

/** The hash the lexer computes for identifiers (FNV-1a, 32 bits). */
static inline uint32_t qtr_qasm_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ (uint32_t)(unsigned char)s[i]) * 16777619u;
    return h;
}

/** Set up @p L over memory @p text (not copied) or over @p f (read in chunks;
 *  @p chunk must hold QTR_QASM_CHUNK bytes and outlives the lexer). */
void qtr_qasm_lex_init_mem(qtr_qasm_lex *L, const char *text, size_t len, const char *name);
void qtr_qasm_lex_init_file(qtr_qasm_lex *L, FILE *f, char *chunk, const char *name);

/** Scan the next token into L. @return QTR_OK, or QTR_EPARSE / QTR_EIO with
 *  "NAME:LINE:COL: reason" in ctx. */
qtr_status qtr_qasm_lex_next(qtr_qasm_lex *L, qtr_ctx *ctx);

/** Fast path for an index right after an identifier token: when the next
 *  bytes are '[' DIGITS ']' with no blanks, at most 18 digits, all in the
 *  current chunk, consume them, store the value in *v and the column of the
 *  first digit in *col, and return 1. Otherwise consume nothing and return 0
 *  (the caller then reads the tokens one by one). The current token is left
 *  as it was: call qtr_qasm_lex_next afterwards. */
int qtr_qasm_lex_index(qtr_qasm_lex *L, uint64_t *v, uint64_t *col);

/** Fast path for the separator after an operand: when the next bytes are
 *  blanks (space, tab) and then ',' or ';', all in the current chunk,
 *  consume them and return that byte; otherwise consume nothing and return
 *  0. Like qtr_qasm_lex_index, it leaves the current token as it was. */
int qtr_qasm_lex_sep(qtr_qasm_lex *L);

/** Printable description of the current token for messages ("'foo'", "end of
 *  file", "';'"), written into @p out (at most @p size bytes). */
const char *qtr_qasm_lex_describe(const qtr_qasm_lex *L, char *out, size_t size);

/** Name of a token kind for "expected X" messages. */
const char *qtr_qasm_tok_name(qtr_qasm_tok k);

#endif
