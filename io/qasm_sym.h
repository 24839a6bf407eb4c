/* qasm_sym.h -- the symbol table both OpenQASM readers use (qasm_parse.c,
 * qasm3_parse.c): names with what they denote, in an open-addressing hash
 * table with its own name arena, every block counted in the reader's
 * qtr_alloc. Lookups are inline: they sit on every statement's path.
 * Internal to io/: not installed. */
#ifndef QTR_QASM_SYM_H
#define QTR_QASM_SYM_H

#include <stddef.h>
#include <stdint.h>
#include "qtr.h"

/* One symbol: a name in the arena and what it denotes (kind 0: a free slot;
 * the kinds and idx are the reader's). */
typedef struct {
    uint32_t hash, off, len;
    uint8_t kind;
    uint32_t idx;
    uint32_t line, col;     /* where it was declared (0: built in) */
} qtr_qasm_sym;

typedef struct {
    qtr_qasm_sym *slot;
    size_t cap, n;          /* cap is a power of two (or 0) */
    char *names;
    size_t nnames, capnames;
} qtr_qasm_symtab;

/* The slot of (text, len, hash): the matching symbol or the free slot where
 * it would go. t->cap must be nonzero. */
static inline qtr_qasm_sym *qtr_qasm_sym_slot(qtr_qasm_symtab *t, const char *text, size_t len,
                                              uint32_t hash)
{
    size_t mask = t->cap - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        qtr_qasm_sym *s = &t->slot[i];
        if (s->kind == 0) return s;
        if (s->hash == hash && s->len == len) {
            size_t k = 0;   /* names are short: a loop beats a call */
            while (k < len && t->names[s->off + k] == text[k]) k++;
            if (k == len) return s;
        }
    }
}

static inline qtr_qasm_sym *qtr_qasm_sym_find(qtr_qasm_symtab *t, const char *text, size_t len,
                                              uint32_t hash)
{
    if (!t->n) return NULL;
    qtr_qasm_sym *s = qtr_qasm_sym_slot(t, text, len, hash);
    return s->kind == 0 ? NULL : s;
}

/** Insert a new symbol (the caller checked it is absent); the offset of its
 *  name in the arena (stable, unlike slots) into *name_off when not NULL.
 *  @return 0, or -1 when out of memory (or the arena would pass 4 GiB). */
int qtr_qasm_sym_add(qtr_alloc *a, qtr_qasm_symtab *t, const char *text, size_t len,
                     uint32_t hash, uint8_t kind, uint32_t idx, uint32_t line, uint64_t col,
                     uint32_t *name_off);
/** Forget every symbol, keeping the memory. */
void qtr_qasm_sym_clear(qtr_qasm_symtab *t);
void qtr_qasm_sym_free(qtr_alloc *a, qtr_qasm_symtab *t);

#endif
