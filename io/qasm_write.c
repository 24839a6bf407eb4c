/* qasm_write.c -- the OpenQASM 2 writer: streams a circuit as text that this
 * reader and Qiskit's qasm2 loader accept.
 *
 * Output: "OPENQASM 2.0;" and the qelib1 include, then comment lines, then
 * register declarations as registers appear, `gate` definitions (from
 * io/qelib1.c) just before the first use of a table gate outside qelib1.inc,
 * and one line per instruction. Parameters are printed with 17 significant
 * digits, which a correctly rounding strtod turns back into the same double
 * (IEEE 754 binary64 needs at most 17; see Goldberg 1991, theorem 15), so a
 * round trip is bit-exact, including -0 and subnormals. inf and nan have no
 * QASM spelling and are refused.
 *
 * Bits not covered by any register (circuits built through the API) go into
 * a fallback register ("q"/"c", or a fresh name), declared when first needed.
 * Both reader and writer use the C library's number conversions in the "C"
 * locale; the library never calls setlocale.
 *
 * Owns: its output buffer, copies of the register names it declared, the bit
 * maps, and the FILE when it opened it. Borrows: the circuit passed to each
 * write call. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "qasm3_internal.h"
#include "qasm_internal.h"
#include "qtr_io.h"

#define WBUF (1u << 20)   /* output buffer: one write(2) per MiB */

/* Where a flat bit goes: register (index into names[]) and index in it,
 * and, when it fits, its spelling "q[12]" ready to copy as one 16-byte
 * block (len 0: spell it from the parts; WLAZY: not spelled yet, done at
 * its first use, so a huge register costs nothing for bits never written).
 * Every operand of every line goes through here. */
#define WTEXT 16
#define WLAZY 0xFF
typedef struct {
    uint32_t reg, idx;
    uint8_t len;
    char text[WTEXT];
} wbit;

typedef struct {
    char *name;
    size_t len;
} wname;

/* One kind of bit (quantum or classical): declared registers and the map. */
typedef struct {
    wname *names; size_t nnames, capnames;  /* declared, in order (fallbacks too) */
    size_t nregs_done;                     /* circuit registers declared so far */
    wbit *map; size_t nmap, capmap;         /* flat bit -> (register, index) */
    uint32_t nfallback;                     /* fallback registers declared */
    size_t maxlen;                          /* longest declared name */
} wbits;

struct qtr_qasm_writer {
    qtr_alloc alloc;        /* names and bit maps */
    FILE *f;
    int own_f;
    char *path;
    char *buf;
    size_t n;
    qtr_status err;         /* sticky write error */
    int wrote_err;          /* errno of the failed write */
    uint8_t defined[QTR_OP_COUNT];
    uint8_t oplen[QTR_OP_COUNT];    /* strlen of each gate name */
    char optext[QTR_OP_COUNT][WTEXT];   /* the names, padded, copied as blocks */
    wbits q, c;
    size_t cap;             /* buffer size: WBUF, more for a line longer than that */
    int started;            /* the first write call happened */
    uint32_t *scratch;      /* for condition values wider than 64 bits */
    size_t capscratch;
    uint8_t *opaque_done;   /* per entry of the circuit's opaque table: declared */
    size_t capopaque_done;
    int version;            /* 2, or 3 (qtr_qasm_writer_set_format) */
    wname *inputs; size_t ninputs, capinputs;   /* OpenQASM 3: parameters declared */
    int physical;           /* OpenQASM 3: qubit n written as $n */
    size_t header_len;      /* bytes of the version header in buf */
};

typedef struct qtr_qasm_writer W;

/* ---- output buffer --------------------------------------------------------- */

static void flush(W *w)
{
    if (w->n && !w->err) {
        if (fwrite(w->buf, 1, w->n, w->f) != w->n) {
            w->err = QTR_EIO;
            w->wrote_err = errno;
        }
    }
    w->n = 0;
}

static inline void room(W *w, size_t need)
{
    if (QTR_UNLIKELY(w->cap - w->n < need)) flush(w);
}

static void put(W *w, const char *s, size_t len)
{
    if (len > w->cap / 2) {
        flush(w);
        if (!w->err && fwrite(s, 1, len, w->f) != len) {
            w->err = QTR_EIO;
            w->wrote_err = errno;
        }
        return;
    }
    room(w, len);
    memcpy(w->buf + w->n, s, len);
    w->n += len;
}

static inline void puts_(W *w, const char *s) { put(w, s, strlen(s)); }

/* Decimal digits of v; the caller made room for 20 bytes. */
static inline void put_u64(W *w, uint64_t v)
{
    char tmp[20];
    int k = 0;
    do {
        tmp[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    char *p = w->buf + w->n;
    while (k) *p++ = tmp[--k];
    w->n = (size_t)(p - w->buf);
}

/* A finite double with 17 significant digits, always spelled as a real
 * ("3.0", "-0.0", "1.0e+300"): OpenQASM 2's grammar has no real without a
 * point, and a loader that folds "-0" as an integer would lose the sign.
 * Writes at most 26 bytes at @p d; returns the end. */
static char *put_real(char *d, double v)
{
    int n = snprintf(d, 25, "%.17g", v);
    int e = n;
    for (int i = 0; i < n; i++) {
        if (d[i] == '.') return d + n;
        if (d[i] == 'e') e = i;
    }
    memmove(d + e + 2, d + e, (size_t)(n - e));
    d[e] = '.';
    d[e + 1] = '0';
    return d + n + 2;
}

/* ---- names ------------------------------------------------------------------- */

/* A register name every reader of @p version accepts. OpenQASM 2: Qiskit's
 * qasm2 lexer wants a lowercase first letter (uppercase is kept for U, CX
 * and OPENQASM), stricter than our own reader. OpenQASM 3 identifiers may
 * also start with '_' or a capital and hold non-ASCII letters, as the
 * exporter's "_bit0" and "θ" do (UTF-8 bytes are taken as letters). */
static int valid_identifier(const char *s, int version)
{
    const unsigned char *u = (const unsigned char *)s;
    int v3 = version == 3;
    if (!((*u >= 'a' && *u <= 'z') ||
          (v3 && ((*u >= 'A' && *u <= 'Z') || *u == '_' || *u >= 0x80))))
        return 0;
    for (const unsigned char *p = u + 1; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || (v3 && *p >= 0x80)))
            return 0;
    return 1;
}

/* Words a register may not be called: keywords, builtins and every gate
 * name this writer may define or the qelib1 include brings in. */
static int reserved(const char *s)
{
    static const char *const words[] = {"OPENQASM", "include", "qreg", "creg", "gate",
                                        "opaque", "barrier", "measure", "reset", "if",
                                        "pi", "sin", "cos", "tan", "exp", "ln", "sqrt",
                                        "asin", "acos", "atan", "U", "CX"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (!strcmp(s, words[i])) return 1;
    if (qtr_gate_lookup(s, strlen(s)) >= 0 || qtr_qasm3_reserved(s)) return 1;
    size_t n;
    const qtr_qasm_libgate *lib = qtr_qasm_libgates(&n);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(s, lib[i].name)) return 1;
    return 0;
}

static int name_taken(const W *w, const qtr_circuit *c, const char *s)
{
    for (int k = 0; k < 2; k++) {
        const wbits *b = k ? &w->c : &w->q;
        for (size_t i = 0; i < b->nnames; i++)
            if (!strcmp(b->names[i].name, s)) return 1;
    }
    for (size_t i = 0; i < c->nqregs; i++)
        if (!strcmp(c->qregs[i].name, s)) return 1;
    for (size_t i = 0; i < c->ncregs; i++)
        if (!strcmp(c->cregs[i].name, s)) return 1;
    return 0;
}

/* A usable, unused name: @p want when it is one, else base, base_1, ... */
static void pick_name(const W *w, const qtr_circuit *c, const char *want, const char *base,
                      char *out, size_t size)
{
    if (want && valid_identifier(want, w->version) && !reserved(want) && strlen(want) < size) {
        /* a circuit register keeps its own name unless a fallback took it */
        int clash = 0;
        for (int k = 0; k < 2; k++) {
            const wbits *b = k ? &w->c : &w->q;
            for (size_t i = 0; i < b->nnames; i++)
                if (!strcmp(b->names[i].name, want)) clash = 1;
        }
        if (!clash) {
            snprintf(out, size, "%s", want);
            return;
        }
    }
    snprintf(out, size, "%s", base);
    for (unsigned k = 1; name_taken(w, c, out); k++) snprintf(out, size, "%s_%u", base, k);
}

/* ---- declarations ------------------------------------------------------------ */

/* Declare register `name[size]` and map flat bits to it. */
static qtr_status declare(W *w, wbits *b, int quantum, const char *name, uint32_t size,
                          qtr_ctx *ctx)
{
    size_t len = strlen(name);
    if (QTR_GROW(&w->alloc, b->names, b->capnames, b->nnames + 1))
        return qtr_fail(ctx, QTR_ENOMEM, "%s: out of memory", w->path);
    char *copy = qtr_realloc(&w->alloc, NULL, 0, len + 1);
    if (!copy) return qtr_fail(ctx, QTR_ENOMEM, "%s: out of memory", w->path);
    memcpy(copy, name, len + 1);
    b->names[b->nnames++] = (wname){copy, len};
    if (len > b->maxlen) b->maxlen = len;
    if (w->version == 3) {   /* "qubit[n] name;", as Qiskit's exporter writes */
        puts_(w, quantum ? "qubit[" : "bit[");
        room(w, 24);
        put_u64(w, size);
        put(w, "] ", 2);
        put(w, name, len);
        put(w, ";\n", 2);
        return QTR_OK;
    }
    puts_(w, quantum ? "qreg " : "creg ");
    put(w, name, len);
    room(w, 24);
    w->buf[w->n++] = '[';
    put_u64(w, size);
    w->buf[w->n++] = ']';
    w->buf[w->n++] = ';';
    w->buf[w->n++] = '\n';
    return QTR_OK;
}

/* Mark the mapped bits to be spelled at their first use. */
static void spell_bits(wbits *b)
{
    for (size_t i = 0; i < b->nmap; i++)
        if (b->map[i].reg != UINT32_MAX) b->map[i].len = WLAZY;
}

/* The ready spelling of bit @p m, made at its first use; its length, 0 when
 * it does not fit in WTEXT bytes (a long name is spelled from its parts). */
static inline uint8_t spelling(const wbits *b, wbit *m)
{
    if (QTR_LIKELY(m->len != WLAZY)) return m->len;
    const wname *nm = &b->names[m->reg];
    char tmp[WTEXT + 32];
    int n = nm->len < WTEXT ? snprintf(tmp, sizeof tmp, "%s[%u]", nm->name, m->idx) : WTEXT + 1;
    m->len = n > 0 && n <= WTEXT ? (uint8_t)n : 0;
    if (m->len) memcpy(m->text, tmp, (size_t)n);
    return m->len;
}

/* Declare the circuit's new registers of one kind, then a fallback register
 * for bits no register covers. */
static qtr_status sync_bits(W *w, wbits *b, int quantum, const qtr_circuit *c, qtr_ctx *ctx)
{
    const qtr_reg *regs = quantum ? c->qregs : c->cregs;
    size_t nregs = quantum ? c->nqregs : c->ncregs;
    uint32_t nbits = quantum ? c->nqubits : c->nclbits;
    qtr_status st;
    /* a streamed circuit's later chunks: nothing new to declare or map */
    if (nbits <= b->nmap && b->nregs_done >= nregs) return QTR_OK;
    if (QTR_GROW(&w->alloc, b->map, b->capmap, nbits))
        return qtr_fail(ctx, QTR_ENOMEM, "%s: out of memory for the bit map", w->path);
    if (quantum && w->physical) {   /* "$n": nothing to declare */
        for (size_t i = b->nmap; i < nbits; i++) {
            b->map[i] = (wbit){0, (uint32_t)i, 0, {0}};
            b->map[i].len = (uint8_t)snprintf(b->map[i].text, WTEXT, "$%zu", i);
        }
        if (nbits > b->nmap) b->nmap = nbits;
        return QTR_OK;
    }
    for (size_t i = b->nmap; i < nbits; i++) b->map[i].reg = UINT32_MAX;
    if (nbits > b->nmap) b->nmap = nbits;
    for (; b->nregs_done < nregs; b->nregs_done++) {
        const qtr_reg *rg = &regs[b->nregs_done];
        if (!rg->size) continue;   /* "qreg x[0];" is not OpenQASM; nothing refers to it */
        char name[256];
        char base[32];
        snprintf(base, sizeof base, "%s%zu", quantum ? "qreg" : "creg", b->nregs_done);
        pick_name(w, c, rg->name, base, name, sizeof name);
        uint32_t reg = (uint32_t)b->nnames;
        if ((st = declare(w, b, quantum, name, rg->size, ctx))) return st;
        for (uint32_t k = 0; k < rg->size; k++)
            if ((uint64_t)rg->first + k < b->nmap) b->map[rg->first + k] = (wbit){reg, k, 0, {0}};
    }
    uint32_t uncovered = 0;
    for (size_t i = 0; i < b->nmap; i++) uncovered += b->map[i].reg == UINT32_MAX;
    if (!uncovered) {
        spell_bits(b);
        return QTR_OK;
    }
    char name[64];
    const char *base = quantum ? "q" : "c";
    pick_name(w, c, NULL, base, name, sizeof name);
    uint32_t reg = (uint32_t)b->nnames, k = 0;
    if ((st = declare(w, b, quantum, name, uncovered, ctx))) return st;
    for (size_t i = 0; i < b->nmap; i++)
        if (b->map[i].reg == UINT32_MAX) b->map[i] = (wbit){reg, k++, 0, {0}};
    b->nfallback++;
    spell_bits(b);
    return QTR_OK;
}

/* Emit the definition of a table gate outside qelib1.inc (and first the
 * definitions it depends on). */
/* OpenQASM 3: define first every gate the body of @p def calls that
 * stdgates.inc lacks (the names at the start of the body's statements). */
static void define_gate(W *w, qtr_op op);
static void define_callees3(W *w, const char *def)
{
    const char *p = strchr(def, '{');
    while (p && *p) {
        p++;
        while (*p == ' ' || *p == '\n') p++;
        const char *e = p;
        while ((*e >= 'a' && *e <= 'z') || (*e >= '0' && *e <= '9') || *e == '_') e++;
        int callee = qtr_gate_lookup(p, (size_t)(e - p));
        if (callee >= 0) define_gate(w, (qtr_op)callee);
        p = strchr(e, ';');
    }
}

static void define_gate(W *w, qtr_op op)
{
    if (w->defined[op]) return;
    w->defined[op] = 1;
    const qtr_qasm_libgate *lg = qtr_qasm_libgate_for(op);
    if (!lg) return;
    if (w->version == 3) define_callees3(w, lg->def);
    for (const char *p = w->version == 3 ? "" : lg->deps; *p;) {
        const char *e = p;
        while (*e && *e != ' ') e++;
        int dep = qtr_gate_lookup(p, (size_t)(e - p));
        if (dep >= 0) define_gate(w, (qtr_op)dep);
        p = *e ? e + 1 : e;
    }
    puts_(w, lg->def);
    put(w, "\n", 1);
}

/* A name OpenQASM 3 reads as an identifier: letters, '_', digits after the
 * first, and any non-ASCII (UTF-8) letters such as θ. */
static int v3_identifier(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    if (!*p || (*p >= '0' && *p <= '9')) return 0;
    for (; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p >= 0x80))
            return 0;
    return 1;
}

/* OpenQASM 3: "input float[64] name;" for each parameter of @p c not yet
 * declared (Qiskit's exporter declares them so). */
static qtr_status declare_inputs(W *w, const qtr_circuit *c, qtr_ctx *ctx)
{
    for (size_t i = 0; i < c->npnames; i++) {
        const char *nm = c->pnames[i];
        size_t k = 0;
        while (k < w->ninputs && strcmp(w->inputs[k].name, nm)) k++;
        if (k < w->ninputs) continue;
        if (!v3_identifier(nm) || reserved(nm))
            return qtr_fail(ctx, QTR_EUNSUPPORTED, "%s: parameter '%s' cannot be written as an "
                            "OpenQASM 3 input (not an identifier of its own)", w->path, nm);
        size_t len = strlen(nm);
        char *copy = qtr_realloc(&w->alloc, NULL, 0, len + 1);
        if (!copy || QTR_GROW(&w->alloc, w->inputs, w->capinputs, w->ninputs + 1)) {
            qtr_realloc(&w->alloc, copy, copy ? len + 1 : 0, 0);
            return qtr_fail(ctx, QTR_ENOMEM, "%s: out of memory", w->path);
        }
        memcpy(copy, nm, len + 1);
        w->inputs[w->ninputs++] = (wname){copy, len};
        puts_(w, "input float[64] ");
        put(w, nm, len);
        put(w, ";\n", 2);
    }
    return QTR_OK;
}

/* ---- public API --------------------------------------------------------------- */

static qtr_status writer_new(W **out, FILE *f, int own, const char *path, qtr_ctx *ctx)
{
    W *w = calloc(1, sizeof *w);
    char *buf = malloc(WBUF);
    char *p = malloc(strlen(path) + 1);
    if (!w || !buf || !p) {
        free(w);
        free(buf);
        free(p);
        if (own) fclose(f);
        return qtr_fail(ctx, QTR_ENOMEM, "%s: out of memory", path);
    }
    strcpy(p, path);
    w->f = f;
    w->own_f = own;
    w->buf = buf;
    w->cap = WBUF;
    w->path = p;
    for (int op = 0; op < QTR_OP_COUNT; op++) {
        const char *nm = qtr_gate((qtr_op)op)->name;
        w->oplen[op] = (uint8_t)strlen(nm);
        if (w->oplen[op] < WTEXT) memcpy(w->optext[op], nm, w->oplen[op]);
    }
    for (int op = 0; op < QTR_OP_COUNT; op++)
        w->defined[op] = (qtr_gate((qtr_op)op)->props & QTR_GP_QELIB1) ||
                         op == QTR_OP_MEASURE || op == QTR_OP_RESET || op == QTR_OP_BARRIER ||
                         op == QTR_OP_NOP;
    puts_(w, "OPENQASM 2.0;\ninclude \"qelib1.inc\";\n");
    w->version = 2;
    w->header_len = w->n;
    *out = w;
    return QTR_OK;
}

qtr_status qtr_qasm_writer_set_format(qtr_qasm_writer *w, int version, unsigned flags,
                                      qtr_ctx *ctx)
{
    if (w->started || w->n != w->header_len || (version != 2 && version != 3) ||
        (flags & ~QTR_QASM_PHYSICAL) || ((flags & QTR_QASM_PHYSICAL) && version != 3))
        return qtr_fail(ctx, QTR_EINVAL, "%s: cannot set the format %d/%u now", w->path, version,
                        flags);
    w->version = version;
    w->physical = (flags & QTR_QASM_PHYSICAL) != 0;
    w->n = 0;
    if (version == 2) {
        puts_(w, "OPENQASM 2.0;\ninclude \"qelib1.inc\";\n");
    } else {
        puts_(w, "OPENQASM 3.0;\ninclude \"stdgates.inc\";\n");
        for (int op = 0; op < QTR_OP_COUNT; op++) {
            const char *nm = qtr_qasm3_op_name((qtr_op)op);
            w->oplen[op] = (uint8_t)strlen(nm);
            memset(w->optext[op], 0, WTEXT);
            if (w->oplen[op] < WTEXT) memcpy(w->optext[op], nm, w->oplen[op]);
            w->defined[op] = qtr_qasm3_stdgate((qtr_op)op) || op == QTR_OP_MEASURE ||
                             op == QTR_OP_RESET || op == QTR_OP_BARRIER || op == QTR_OP_NOP;
        }
    }
    w->header_len = w->n;
    return QTR_OK;
}

qtr_status qtr_qasm_writer_open(qtr_qasm_writer **out, const char *path, qtr_ctx *ctx)
{
    return qtr_qasm_writer_open_as(out, path, path, ctx);
}

qtr_status qtr_qasm_writer_open_as(qtr_qasm_writer **out, const char *path, const char *name,
                                   qtr_ctx *ctx)
{
    *out = NULL;
    if (!strcmp(path, "-")) return writer_new(out, stdout, 0, "<stdout>", ctx);
    FILE *f = fopen(path, "wb");
    if (!f) return qtr_fail(ctx, QTR_EIO, "%s: cannot open for writing: %s", name, strerror(errno));
    return writer_new(out, f, 1, name, ctx);
}

qtr_status qtr_qasm_writer_open_stream(qtr_qasm_writer **out, FILE *f, const char *display_name,
                                       qtr_ctx *ctx)
{
    *out = NULL;
    return writer_new(out, f, 0, display_name ? display_name : "<stream>", ctx);
}

qtr_status qtr_qasm_writer_comment(qtr_qasm_writer *w, const char *text, qtr_ctx *ctx)
{
    /* One "// " line per line of text, in printable ASCII: Qiskit's qasm2
     * lexer refuses any byte >= 0x80, even in a comment. A UTF-8 character
     * becomes one '?', as does a control character or a stray byte. */
    const unsigned char *p = (const unsigned char *)text;
    do {
        put(w, "// ", 3);
        while (*p && *p != '\n') {
            unsigned char ch = *p++;
            if (ch >= 0x20 && ch < 0x7F) {
                put(w, (const char *)p - 1, 1);
                continue;
            }
            if (ch == '\t') {
                put(w, "\t", 1);
                continue;
            }
            while (ch >= 0xC0 && (*p & 0xC0) == 0x80) p++;   /* the rest of a sequence */
            put(w, "?", 1);
        }
        put(w, "\n", 1);
        if (*p == '\n') p++;
    } while (*p);
    if (w->err) return qtr_fail(ctx, w->err, "%s: write error: %s", w->path, strerror(w->wrote_err));
    return QTR_OK;
}

/* ---- instruction lines ----------------------------------------------------- */

static inline char *copy_short(char *d, const char *s, size_t n)
{
    if (n > 16) {
        memcpy(d, s, n);
        return d + n;
    }
    while (n--) *d++ = *s++;   /* names are short: no call */
    return d;
}

static inline char *put_uint(char *d, uint64_t v)
{
    if (v < 10) {
        *d++ = (char)('0' + v);
        return d;
    }
    char tmp[20];
    int k = 0;
    while (v) {
        tmp[k++] = (char)('0' + v % 10);
        v /= 10;
    }
    while (k) *d++ = tmp[--k];
    return d;
}

static inline char *put_operand(char *d, wbits *b, uint32_t bit)
{
    wbit *m = &b->map[bit];
    if (QTR_LIKELY(spelling(b, m))) {
        memcpy(d, m->text, WTEXT);   /* the caller's bound leaves room for the block */
        return d + m->len;
    }
    const wname *nm = &b->names[m->reg];
    d = copy_short(d, nm->name, nm->len);
    *d++ = '[';
    d = put_uint(d, m->idx);
    *d++ = ']';
    return d;
}

/* Declared name of circuit creg @p creg, or NULL when it has no bits. */
static const wname *creg_name(const W *w, const qtr_circuit *c, uint32_t creg)
{
    const qtr_reg *rg = &c->cregs[creg];
    if (!rg->size || rg->first >= w->c.nmap) return NULL;
    return &w->c.names[w->c.map[rg->first].reg];
}

/* OpenQASM 2 has no condition on one bit unless the bit is a register of
 * its own: then *k becomes "register == value" (words in @p val); else a
 * failure naming the bit and instruction @p i. */
static qtr_status bit_as_register(const W *w, const qtr_circuit *c, size_t i, qtr_cond *k,
                                  uint32_t val[2], qtr_ctx *ctx)
{
    for (size_t r = 0; r < c->ncregs; r++) {
        if (c->cregs[r].size == 1 && c->cregs[r].first == k->index && creg_name(w, c, (uint32_t)r)) {
            val[0] = k->words[0];
            val[1] = 0;
            *k = (qtr_cond){0, (uint32_t)r, 2, val};
            return QTR_OK;
        }
    }
    const char *what = "?";
    uint32_t idx = k->index;
    if (k->index < w->c.nmap) {
        what = w->c.names[w->c.map[k->index].reg].name;
        idx = w->c.map[k->index].idx;
    }
    return qtr_fail(ctx, QTR_EUNSUPPORTED, "%s: instruction %zu (%s): OpenQASM 2 cannot write a "
                    "condition on the one bit %s[%u] of a wider register (it has only "
                    "'if(register==value)'); write OpenQASM 3 (--format qasm3)", w->path, i,
                    qtr_gate((qtr_op)c->inst[i].op)->name, what, idx);
}

/* Room in w->scratch for a condition value of @p n words. */
static qtr_status wide_scratch(W *w, uint32_t n, qtr_ctx *ctx)
{
    if (QTR_GROW(&w->alloc, w->scratch, w->capscratch, n))
        return qtr_fail(ctx, QTR_ENOMEM, "%s: out of memory", w->path);
    return QTR_OK;
}

/* Write one instruction (already checked) into the buffer, which has room
 * for @p bound bytes. */
static void write_line(W *w, const qtr_circuit *c, const qtr_inst *in, const uint32_t *q,
                       const wname *cond, const qtr_cond *k, uint32_t *scratch)
{
    qtr_op op = (qtr_op)in->op;
    const qtr_gate_info *gi = qtr_gate(op);
    char *d = w->buf + w->n;
    int v3 = w->version == 3;
    if (cond) {   /* OpenQASM 3: "if (c == 2) {\n  x q[0];\n}" */
        d = copy_short(d, v3 ? "if (" : "if(", v3 ? 4 : 3);
        d = copy_short(d, cond->name, cond->len);
        d = copy_short(d, v3 ? " == " : "==", v3 ? 4 : 2);
        if (k->nwords == 2)
            d = put_uint(d, (uint64_t)k->words[0] | (uint64_t)k->words[1] << 32);
        else
            d = qtr_qasm_decimal_put(d, k->words, k->nwords, scratch);
        d = copy_short(d, v3 ? ") {\n  " : ") ", v3 ? 6 : 2);
    } else if (k) {   /* a single clbit, OpenQASM 3 only: "if (c[3]) {" / "if (!c[3]) {" */
        d = copy_short(d, k->words[0] ? "if (" : "if (!", k->words[0] ? 4 : 5);
        d = put_operand(d, &w->c, k->index);
        d = copy_short(d, ") {\n  ", 6);
    }
    if (v3 && op == QTR_OP_MEASURE) {   /* "c[0] = measure q[0];" */
        d = put_operand(d, &w->c, q[1]);
        d = copy_short(d, " = ", 3);
    }
    if (QTR_LIKELY(w->oplen[op] < WTEXT)) {
        memcpy(d, w->optext[op], WTEXT);
        d += w->oplen[op];
    } else {
        d = copy_short(d, gi->name, w->oplen[op]);
    }
    if (gi->nparams) {
        const double *p = qtr_inst_params(c, in);
        *d++ = '(';
        for (uint32_t k = 0; k < gi->nparams; k++) {
            if (k) d = copy_short(d, ", ", v3 ? 2 : 1);
            if (v3 && qtr_angle_is_sym(p[k]))   /* the caller's bound has room for it */
                d += qtr_expr_print(c, p[k], d, w->cap - (size_t)(d - w->buf));
            else
                d = v3 ? qtr_qasm3_put_real(d, p[k]) : put_real(d, p[k]);
        }
        *d++ = ')';
    }
    *d++ = ' ';
    if (v3 && op == QTR_OP_MEASURE) {
        d = put_operand(d, &w->q, q[0]);
    } else if (op == QTR_OP_MEASURE) {
        d = put_operand(d, &w->q, q[0]);
        d = copy_short(d, " -> ", 4);
        d = put_operand(d, &w->c, q[1]);
    } else {
        for (uint32_t k = 0; k < in->nargs; k++) {
            if (k) d = copy_short(d, ", ", v3 ? 2 : 1);
            d = put_operand(d, &w->q, q[k]);
        }
    }
    *d++ = ';';
    *d++ = '\n';
    if (v3 && k) d = copy_short(d, "}\n", 2);
    w->n = (size_t)(d - w->buf);
}

/* "name(p, ...) q[0],q[1];" for a gate without a definition, after its
 * "opaque name(a, ...) q0,q1;" declaration the first time. OpenQASM 3 has
 * no such declaration: the gate is applied by name, undeclared, as Qiskit's
 * exporter writes a gate of its basis_gates, and as Qiskit's loader reads
 * back a gate it is told of (qiskit.qasm3.loads_experimental with
 * custom_gates); a comment says so the first time. An empty `gate` body
 * instead would make it the identity. */
static qtr_status write_opaque(W *w, const qtr_circuit *c, const qtr_inst *in, size_t i,
                               qtr_ctx *ctx)
{
    const double *p;
    const qtr_opaque *o = qtr_inst_opaque(c, in, &p);
    uint32_t k = c->args[in->p + in->nargs];
    if (w->version == 3 && qtr_qasm3_reserved(o->name))
        return qtr_fail(ctx, QTR_EUNSUPPORTED, "%s: instruction %zu applies the opaque gate "
                        "'%s', a reserved word of OpenQASM 3; write OpenQASM 2 (--format qasm2)",
                        w->path, i, o->name);
    for (uint32_t j = 0; j < o->nparams; j++)
        if (!isfinite(p[j]))
            return qtr_fail(ctx, QTR_EINVAL, "%s: instruction %zu (%s): parameter %u is not a "
                            "finite number", w->path, i, o->name, j + 1);
    if (k >= w->capopaque_done) {
        size_t old = w->capopaque_done;
        if (QTR_GROW(&w->alloc, w->opaque_done, w->capopaque_done, (size_t)k + 1))
            return qtr_fail(ctx, QTR_ENOMEM, "%s: out of memory", w->path);
        memset(w->opaque_done + old, 0, w->capopaque_done - old);
    }
    size_t len = strlen(o->name);
    size_t per_operand = (w->q.maxlen > len ? w->q.maxlen : len) + 16;
    size_t bound = 2 * (2 * len + 112 + (size_t)o->nparams * 34 + (size_t)in->nargs * per_operand);
    if (bound > w->cap / 2) return qtr_fail(ctx, QTR_ELIMIT, "%s: opaque gate '%s' has too "
                                            "many operands to write", w->path, o->name);
    room(w, bound);
    char *d = w->buf + w->n;
    if (!w->opaque_done[k] && w->version == 3) {
        d += sprintf(d, "// %s: a gate without a definition (OpenQASM 2 opaque), qubits: %u, "
                     "parameters: %u\n", o->name, o->nqubits, o->nparams);
        w->opaque_done[k] = 1;
    }
    if (!w->opaque_done[k]) {   /* "opaque g(p0,p1) a0,a1;" */
        d += sprintf(d, "opaque %s", o->name);
        for (uint32_t j = 0; j < o->nparams; j++) d += sprintf(d, "%sp%u", j ? "," : "(", j);
        if (o->nparams) *d++ = ')';
        for (uint32_t j = 0; j < o->nqubits; j++) d += sprintf(d, "%sa%u", j ? "," : " ", j);
        d = copy_short(d, ";\n", 2);
        w->opaque_done[k] = 1;
    }
    d = copy_short(d, o->name, len);
    for (uint32_t j = 0; j < o->nparams; j++) {
        *d++ = j ? ',' : '(';
        if (j && w->version == 3) *d++ = ' ';
        d = w->version == 3 ? qtr_qasm3_put_real(d, p[j]) : put_real(d, p[j]);
    }
    if (o->nparams) *d++ = ')';
    const uint32_t *q = qtr_inst_operands(c, in);
    for (uint32_t j = 0; j < in->nargs; j++) {
        if (j && w->version == 3) *d++ = ',';   /* Qiskit's exporter: "g q[0], q[1];" */
        *d++ = j && w->version != 3 ? ',' : ' ';
        d = put_operand(d, &w->q, q[j]);
    }
    d = copy_short(d, ";\n", 2);
    w->n = (size_t)(d - w->buf);
    return QTR_OK;
}

/* The commonest line, a parameterless gate on one or two qubits whose
 * spellings are ready ("cx q[0],q[1];"), as a few block copies. Returns 0,
 * having written nothing, when the general path must take it (an operand
 * out of range, which it reports, or one without a ready spelling). */
static inline int fast_line(W *w, const qtr_circuit *c, const qtr_inst *in)
{
    uint32_t a = in->q[0], b = in->q[1];
    int two = in->nargs == 2;
    if (a >= c->nqubits || !spelling(&w->q, &w->q.map[a]) ||
        (two && (b >= c->nqubits || !spelling(&w->q, &w->q.map[b]))))
        return 0;
    room(w, 3 * WTEXT + 5);
    char *d = w->buf + w->n;
    memcpy(d, w->optext[in->op], WTEXT);
    d += w->oplen[in->op];
    *d++ = ' ';
    memcpy(d, w->q.map[a].text, WTEXT);
    d += w->q.map[a].len;
    if (two) {
        *d++ = ',';
        if (w->version == 3) *d++ = ' ';
        memcpy(d, w->q.map[b].text, WTEXT);
        d += w->q.map[b].len;
    }
    *d++ = ';';
    *d++ = '\n';
    w->n = (size_t)(d - w->buf);
    return 1;
}

qtr_status qtr_qasm_writer_write(qtr_qasm_writer *w, const qtr_circuit *c, size_t from,
                                 qtr_ctx *ctx)
{
    qtr_status st;
    if (w->err) return qtr_fail(ctx, w->err, "%s: write error: %s", w->path, strerror(w->wrote_err));
    if (w->version != 3 && qtr_circuit_is_symbolic(c))
        return qtr_fail(ctx, QTR_EUNSUPPORTED, "%s: the circuit has unbound parameters (%zu "
                        "declared), which OpenQASM 2 cannot express; bind them first (or write "
                        "OpenQASM 3)", w->path, c->npnames);
    if ((w->version == 3 && (st = declare_inputs(w, c, ctx))) ||
        (st = sync_bits(w, &w->q, 1, c, ctx)) || (st = sync_bits(w, &w->c, 0, c, ctx)))
        return st;
    w->started = 1;
    /* bytes an operand may take: the longest name, '[', 10 digits, ']', ',' */
    size_t per_operand = (w->q.maxlen > w->c.maxlen ? w->q.maxlen : w->c.maxlen) + 16;
    /* ops a line of which fast_line can write: parameterless unitary gates
     * with a short name */
    uint8_t plain[QTR_OP_COUNT];
    for (unsigned op = 0; op < QTR_OP_COUNT; op++) {
        const qtr_gate_info *g = qtr_gate((qtr_op)op);
        plain[op] = op != QTR_OP_NOP && !g->nparams && w->defined[op] && w->oplen[op] < WTEXT &&
                    !(g->props & (QTR_GP_DIRECTIVE | QTR_GP_NONUNITARY));
    }
    for (size_t i = from; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        qtr_op op = (qtr_op)in->op;
        if (op == QTR_OP_NOP) continue;
        if (QTR_LIKELY(op < QTR_OP_COUNT && plain[op] && !(in->flags & (QTR_IF_EXT | QTR_IF_COND)) &&
                       in->nargs - 1u < 2u && fast_line(w, c, in)))
            continue;
        if (QTR_UNLIKELY(op >= QTR_OP_COUNT))
            return qtr_fail(ctx, QTR_EINVAL, "%s: instruction %zu has invalid op %u", w->path, i,
                            (unsigned)op);
        const qtr_gate_info *gi = qtr_gate(op);
        const uint32_t *q = (in->flags & QTR_IF_EXT) ? c->args + in->p : in->q;
        for (uint32_t k = 0; k < in->nargs; k++) {
            uint32_t lim = (op == QTR_OP_MEASURE && k == 1) ? c->nclbits : c->nqubits;
            if (QTR_UNLIKELY(q[k] >= lim))
                return qtr_fail(ctx, QTR_EQUBIT, "%s: instruction %zu (%s): operand %u out of "
                                "range", w->path, i, gi->name, q[k]);
        }
        if (QTR_UNLIKELY(op == QTR_OP_OPAQUE)) {
            if ((st = write_opaque(w, c, in, i, ctx))) return st;
            continue;
        }
        size_t symlen = 0;   /* OpenQASM 3: text of symbolic angles */
        if (gi->nparams) {
            const double *p = qtr_inst_params(c, in);
            for (uint32_t k = 0; k < gi->nparams; k++)
                if (w->version == 3 && qtr_angle_is_sym(p[k]))
                    symlen += qtr_expr_print(c, p[k], NULL, 0) + 2;
                else if (QTR_UNLIKELY(!isfinite(p[k])))
                    return qtr_fail(ctx, QTR_EINVAL, "%s: instruction %zu (%s): parameter %u is "
                                    "%s, which OpenQASM cannot express", w->path, i, gi->name,
                                    k + 1, isnan(p[k]) ? "nan" : "infinite");
        }
        const wname *cond = NULL;
        qtr_cond k = {0, 0, 0, NULL};
        uint32_t bitval[2];
        if (QTR_UNLIKELY(in->flags & QTR_IF_COND)) {
            qtr_inst_cond(c, in, &k);
            if (k.on_bit && w->version != 3 && (st = bit_as_register(w, c, i, &k, bitval, ctx)))
                return st;
            if (k.on_bit) {
                if (k.index >= w->c.nmap)
                    return qtr_fail(ctx, QTR_EINVAL, "%s: instruction %zu: condition on clbit "
                                    "%u, which has no register to write", w->path, i, k.index);
            } else if (k.index >= c->ncregs || !(cond = creg_name(w, c, k.index)))
                return qtr_fail(ctx, QTR_EINVAL, "%s: instruction %zu: condition on classical "
                                "register %u, which has no bits to write", w->path, i, k.index);
            if (k.nwords > 2 && (st = wide_scratch(w, k.nwords, ctx))) return st;
        }
        if (QTR_UNLIKELY(!w->defined[op])) define_gate(w, op);
        size_t bound = 64 + 34 * 4 + symlen + (size_t)in->nargs * per_operand +
                       (k.words ? 40 + per_operand + (cond ? cond->len : 0) +
                                      qtr_qasm_decimal_room(k.nwords)
                                : 0);
        if (QTR_UNLIKELY(bound > w->cap)) {
            /* a barrier over a huge register: grow the buffer for the line */
            flush(w);
            char *nb = realloc(w->buf, bound);
            if (!nb) return qtr_fail(ctx, QTR_ENOMEM, "%s: out of memory", w->path);
            w->buf = nb;
            w->cap = bound;
        }
        room(w, bound);
        write_line(w, c, in, q, cond, k.words ? &k : NULL, w->scratch);
    }
    if (w->err) return qtr_fail(ctx, w->err, "%s: write error: %s", w->path, strerror(w->wrote_err));
    return QTR_OK;
}

static void free_bits(W *w, wbits *b)
{
    for (size_t i = 0; i < b->nnames; i++)
        qtr_realloc(&w->alloc, b->names[i].name, b->names[i].len + 1, 0);
    qtr_realloc(&w->alloc, b->names, b->capnames * sizeof *b->names, 0);
    qtr_realloc(&w->alloc, b->map, b->capmap * sizeof *b->map, 0);
}

qtr_status qtr_qasm_writer_close(qtr_qasm_writer *w, qtr_ctx *ctx)
{
    if (!w) return QTR_OK;
    flush(w);
    if (!w->err && fflush(w->f) != 0) {
        w->err = QTR_EIO;
        w->wrote_err = errno;
    }
    if (w->own_f && fclose(w->f) != 0 && !w->err) {
        w->err = QTR_EIO;
        w->wrote_err = errno;
    }
    qtr_status st = w->err;
    if (st) qtr_fail(ctx, st, "%s: write error: %s", w->path, strerror(w->wrote_err));
    free_bits(w, &w->q);
    free_bits(w, &w->c);
    qtr_realloc(&w->alloc, w->scratch, w->capscratch * sizeof *w->scratch, 0);
    qtr_realloc(&w->alloc, w->opaque_done, w->capopaque_done, 0);
    for (size_t i = 0; i < w->ninputs; i++)
        qtr_realloc(&w->alloc, w->inputs[i].name, w->inputs[i].len + 1, 0);
    qtr_realloc(&w->alloc, w->inputs, w->capinputs * sizeof *w->inputs, 0);
    free(w->buf);
    free(w->path);
    free(w);
    return st;
}

qtr_status qtr_qasm_write_file(const qtr_circuit *c, const char *path, qtr_ctx *ctx)
{
    qtr_qasm_writer *w;
    qtr_status st = qtr_qasm_writer_open(&w, path, ctx);
    if (st) return st;
    st = qtr_qasm_writer_write(w, c, 0, ctx);
    qtr_status cst = qtr_qasm_writer_close(w, ctx);
    return st ? st : cst;
}

qtr_status qtr_qasm_write_mem(const qtr_circuit *c, char **out, size_t *len, qtr_ctx *ctx)
{
    return qtr_qasm_write_mem_format(c, 2, 0, out, len, ctx);
}

qtr_status qtr_qasm_write_file_format(const qtr_circuit *c, const char *path, int version,
                                      unsigned flags, qtr_ctx *ctx)
{
    qtr_qasm_writer *w;
    qtr_status st = qtr_qasm_writer_open(&w, path, ctx);
    if (st) return st;
    st = qtr_qasm_writer_set_format(w, version, flags, ctx);
    if (!st) st = qtr_qasm_writer_write(w, c, 0, ctx);
    qtr_status cst = qtr_qasm_writer_close(w, ctx);
    return st ? st : cst;
}

qtr_status qtr_qasm_write_mem_format(const qtr_circuit *c, int version, unsigned flags, char **out,
                                     size_t *len, qtr_ctx *ctx)
{
    *out = NULL;
    if (len) *len = 0;
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (!f) return qtr_fail(ctx, QTR_ENOMEM, "<memory>: cannot open a memory stream");
    qtr_qasm_writer *w;
    qtr_status st = writer_new(&w, f, 1, "<memory>", ctx);
    if (st) {
        free(buf);
        return st;
    }
    st = qtr_qasm_writer_set_format(w, version, flags, ctx);
    if (!st) st = qtr_qasm_writer_write(w, c, 0, ctx);
    qtr_status cst = qtr_qasm_writer_close(w, ctx);   /* closes f: buf, size final */
    if (st || cst) {
        free(buf);
        return st ? st : cst;
    }
    *out = buf;
    if (len) *len = size;
    return QTR_OK;
}
