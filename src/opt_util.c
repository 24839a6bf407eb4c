/* opt_util.c -- small helpers shared by the optimisation passes: scratch
 * memory from the circuit's allocator, in-place 1q record rewriting, global
 * phase bookkeeping, and the per-wire commutation types and rotation families
 * that CommutativeCancellation is built on (see opt_internal.h).
 *
 * Owns nothing; keeps no state. */
#include <string.h>

#include "mat2.h"
#include "opt_internal.h"

/* ======================================================================
 * Scratch and records
 * ====================================================================== */

void *opt_scratch(qtr_circuit *c, size_t n, size_t size)
{
    if (n == 0) n = 1;
    if (size && n > SIZE_MAX / size) return NULL;
    return qtr_realloc(&c->alloc, NULL, 0, n * size);
}

void *opt_scratch_zero(qtr_circuit *c, size_t n, size_t size)
{
    void *p = opt_scratch(c, n, size);
    if (p) memset(p, 0, (n ? n : 1) * size);
    return p;
}

void opt_scratch_free(qtr_circuit *c, void *p, size_t n, size_t size)
{
    if (p) qtr_realloc(&c->alloc, p, (n ? n : 1) * size, 0);
}

void opt_set_1q(qtr_circuit *c, size_t idx, qtr_op op, const double *params)
{
    qtr_inst *in = &c->inst[idx];
    QTR_ASSERT(!(in->flags & QTR_IF_EXT) && in->nargs == 1);
    QTR_ASSERT(qtr_gate(op)->nqubits == 1);
    size_t want = qtr_gate(op)->nparams, have = qtr_gate((qtr_op)in->op)->nparams;
    in->op = (uint8_t)op;
    if (want == 0) {
        in->p = 0;
        return;
    }
    if (want > have) { /* a fresh stretch at the end of the pool (reserved by the caller) */
        QTR_ASSERT(c->nparams + want <= c->capparams);
        in->p = (uint32_t)c->nparams;
        c->nparams += want;
    }
    memcpy(c->params + in->p, params, want * sizeof *params);
}

void opt_add_phase(qtr_circuit *c, double d)
{
    c->global_phase = qtr_m2_wrap(c->global_phase + d, NULL);
}

/* ======================================================================
 * Commutation types
 * ====================================================================== */

/* One string per gate: character k is the type of operand k ('z', 'x', 'y',
 * '-' for none). Each claim is "the gate commutes with that Pauli on that
 * qubit", checked against qtr_gate_matrix for every gate by test_opt.cc
 * (OptCommute.WireTypesMatchMatrices). Sources: the matrices themselves, e.g.
 * cx = |0><0|⊗I + |1><1|⊗X is block diagonal in Z on its control and in X on
 * its target; ecr = (IX − XY)/√2 (Qiskit's Pauli order, operand 0 rightmost)
 * has only I and X on operand 1. Gates missing here are OPT_T_NONE. */
static const char *wire_types(qtr_op op)
{
    switch (op) {
    case QTR_OP_ID: case QTR_OP_Z: case QTR_OP_S: case QTR_OP_SDG: case QTR_OP_T:
    case QTR_OP_TDG: case QTR_OP_RZ: case QTR_OP_P: case QTR_OP_U1:
        return "z";
    case QTR_OP_X: case QTR_OP_SX: case QTR_OP_SXDG: case QTR_OP_RX: return "x";
    case QTR_OP_Y: case QTR_OP_RY: return "y";
    case QTR_OP_CX: case QTR_OP_CRX: case QTR_OP_CSX: case QTR_OP_RZX: return "zx";
    case QTR_OP_CY: case QTR_OP_CRY: return "zy";
    case QTR_OP_CZ: case QTR_OP_CRZ: case QTR_OP_CP: case QTR_OP_CU1: case QTR_OP_CS:
    case QTR_OP_CSDG: case QTR_OP_RZZ:
        return "zz";
    case QTR_OP_CH: case QTR_OP_CU3: case QTR_OP_CU: return "z-";
    case QTR_OP_ECR: return "-x";
    case QTR_OP_RXX: return "xx";
    case QTR_OP_RYY: return "yy";
    case QTR_OP_CCX: return "zzx";
    case QTR_OP_CCZ: return "zzz";
    case QTR_OP_CSWAP: return "z--";
    case QTR_OP_RCCX: return "zz-";
    case QTR_OP_RC3X: return "zzz-";
    case QTR_OP_C3X: case QTR_OP_C3SQRTX: return "zzzx";
    case QTR_OP_C4X: return "zzzzx";
    default: return "";
    }
}

int opt_wire_type(qtr_op op, unsigned k)
{
    if ((unsigned)op >= QTR_OP_COUNT) return OPT_T_NONE;
    const char *s = wire_types(op);
    if (k >= strlen(s)) return OPT_T_NONE;
    switch (s[k]) {
    case 'z': return OPT_T_Z;
    case 'x': return OPT_T_X;
    case 'y': return OPT_T_Y;
    default: return OPT_T_NONE;
    }
}

/* Each gate as e^{i·phase} R_F(angle):
 *   p(a) = u1(a) = diag(1, e^{ia}) = e^{ia/2} rz(a); z = p(π), s = p(π/2),
 *   t = p(π/4), sdg/tdg the negatives;
 *   x = i·rx(π), sx = e^{iπ/4} rx(π/2), sxdg = e^{−iπ/4} rx(−π/2);
 *   y = i·ry(π). */
int opt_rotation(qtr_op op, const double *params, double *angle, double *phase)
{
    const double pi = QTR_PI;
    double a = 0, ph = 0;
    int fam;
    switch (op) {
    case QTR_OP_ID: fam = OPT_T_Z; break;
    case QTR_OP_RZ: fam = OPT_T_Z; a = params[0]; break;
    case QTR_OP_P: case QTR_OP_U1: fam = OPT_T_Z; a = params[0]; ph = 0.5 * a; break;
    case QTR_OP_Z: fam = OPT_T_Z; a = pi; ph = pi / 2; break;
    case QTR_OP_S: fam = OPT_T_Z; a = pi / 2; ph = pi / 4; break;
    case QTR_OP_SDG: fam = OPT_T_Z; a = -pi / 2; ph = -pi / 4; break;
    case QTR_OP_T: fam = OPT_T_Z; a = pi / 4; ph = pi / 8; break;
    case QTR_OP_TDG: fam = OPT_T_Z; a = -pi / 4; ph = -pi / 8; break;
    case QTR_OP_RX: fam = OPT_T_X; a = params[0]; break;
    case QTR_OP_X: fam = OPT_T_X; a = pi; ph = pi / 2; break;
    case QTR_OP_SX: fam = OPT_T_X; a = pi / 2; ph = pi / 4; break;
    case QTR_OP_SXDG: fam = OPT_T_X; a = -pi / 2; ph = -pi / 4; break;
    case QTR_OP_RY: fam = OPT_T_Y; a = params[0]; break;
    case QTR_OP_Y: fam = OPT_T_Y; a = pi; ph = pi / 2; break;
    default: return OPT_T_NONE;
    }
    *angle = a;
    *phase = ph;
    return fam;
}
