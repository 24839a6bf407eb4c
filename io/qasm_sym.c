/* qasm_sym.c -- the readers' symbol table (qasm_sym.h): growth and
 * insertion; lookups are inline in the header. Owns nothing beyond the
 * table it is given; all memory through the caller's qtr_alloc. */
#include <string.h>
#include "common.h"
#include "qasm_sym.h"

int qtr_qasm_sym_add(qtr_alloc *a, qtr_qasm_symtab *t, const char *text, size_t len,
                     uint32_t hash, uint8_t kind, uint32_t idx, uint32_t line, uint64_t col,
                     uint32_t *name_off)
{
    if ((t->n + 1) * 4 > t->cap * 3) {   /* keep the load under 3/4 */
        size_t ncap = t->cap ? t->cap * 2 : 64;
        qtr_qasm_sym *ns = qtr_realloc(a, NULL, 0, ncap * sizeof *ns);
        if (!ns) return -1;
        memset(ns, 0, ncap * sizeof *ns);
        qtr_qasm_sym *old = t->slot;
        size_t ocap = t->cap;
        t->slot = ns;
        t->cap = ncap;
        for (size_t i = 0; i < ocap; i++)
            if (old[i].kind)
                *qtr_qasm_sym_slot(t, t->names + old[i].off, old[i].len, old[i].hash) = old[i];
        qtr_realloc(a, old, ocap * sizeof *old, 0);
    }
    if (len > UINT32_MAX - t->nnames - 1 || QTR_GROW(a, t->names, t->capnames, t->nnames + len + 1))
        return -1;
    memcpy(t->names + t->nnames, text, len);
    t->names[t->nnames + len] = '\0';
    qtr_qasm_sym *s = qtr_qasm_sym_slot(t, text, len, hash);
    *s = (qtr_qasm_sym){hash, (uint32_t)t->nnames, (uint32_t)len, kind, idx, line,
                        col > UINT32_MAX ? UINT32_MAX : (uint32_t)col};
    if (name_off) *name_off = (uint32_t)t->nnames;
    t->nnames += len + 1;
    t->n++;
    return 0;
}

void qtr_qasm_sym_clear(qtr_qasm_symtab *t)
{
    if (t->cap) memset(t->slot, 0, t->cap * sizeof *t->slot);
    t->n = t->nnames = 0;
}

void qtr_qasm_sym_free(qtr_alloc *a, qtr_qasm_symtab *t)
{
    qtr_realloc(a, t->slot, t->cap * sizeof *t->slot, 0);
    qtr_realloc(a, t->names, t->capnames, 0);
}
