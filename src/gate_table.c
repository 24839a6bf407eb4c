/* gate_table.c -- the static gate table built from gates.def, and name lookup.
 * Read-only data; safe from any thread. Matrices and inverses: gate_matrix.c. */
#include <string.h>
#include "qtr.h"

const qtr_gate_info qtr_gate_table[QTR_OP_COUNT] = {
#define X(e, nm, nq, np, pr) [QTR_OP_##e] = {nm, nq, np, (uint8_t)(pr)},
#include "gates.def"
#undef X
};

/* Name lengths, so lookup compares lengths before bytes. */
static const uint8_t gate_name_len[QTR_OP_COUNT] = {
#define X(e, nm, nq, np, pr) [QTR_OP_##e] = sizeof(nm) - 1,
#include "gates.def"
#undef X
};

_Static_assert(QTR_OP_COUNT <= 256, "op must fit qtr_inst.op (uint8_t)");


int qtr_gate_lookup(const char *name, size_t len)
{
    /* "nop" is internal and never a name a user can write. */
    for (int op = QTR_OP_NOP + 1; op < QTR_OP_COUNT; op++)
        if (gate_name_len[op] == len && qtr_gate_table[op].name[0] == name[0] &&
            memcmp(qtr_gate_table[op].name, name, len) == 0)
            return op;
    return -1;
}

int qtr_gate_name_valid(const char *s, size_t len)
{
    if (len == 0 || !(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return 0;
    for (size_t i = 1; i < len; i++)
        if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9')))
            return 0;
    return 1;
}
