/* gate_matrix.c -- the unitary matrix of every gate in gates.def, and each
 * gate's inverse as a single table gate.
 *
 * Owns nothing: both functions write into caller buffers and keep no state, so
 * they are safe from any thread.
 *
 * Conventions (Qiskit's, so circuits mean the same thing in both tools):
 * operand k is bit k of the basis index (little-endian), so for cx q0,q1
 * (control q0) the matrix maps index 1 = |q1=0,q0=1> to 3. Matrices are
 * row-major, interleaved (re, im). Parameter conventions and matrices follow
 * Qiskit's qiskit/circuit/library/standard_gates/ (checked against the
 * __array__ definitions of XXPlusYYGate, XXMinusYYGate, RCCXGate, RC3XGate,
 * ECRGate, DCXGate) and OpenQASM 2's qelib1.inc.
 */
#include <complex.h>
#include <math.h>
#include <string.h>
#include "common.h"

typedef double complex cplx;

/* Complex view of the caller's interleaved buffer: C11 6.2.5p13 guarantees
 * that double complex has the layout of double[2], so an interleaved array
 * of dim*dim pairs is an array of dim*dim double complex. */
static void put(double *m, int dim, int r, int c, cplx v)
{
    m[2 * (r * dim + c)] = creal(v);
    m[2 * (r * dim + c) + 1] = cimag(v);
}

static void zero(double *m, int dim) { memset(m, 0, sizeof(double) * 2 * (size_t)dim * dim); }

static void identity(double *m, int dim)
{
    zero(m, dim);
    for (int i = 0; i < dim; i++) m[2 * (i * dim + i)] = 1.0;
}

/* ---- 1-qubit building blocks --------------------------------------------- */

/* Qiskit's U(θ, φ, λ) = [[cos θ/2, -e^{iλ} sin θ/2], [e^{iφ} sin θ/2, e^{i(φ+λ)} cos θ/2]]. */
static void u3(cplx u[4], double th, double ph, double la)
{
    double c = cos(th / 2), s = sin(th / 2);
    u[0] = c;
    u[1] = -cexp(I * la) * s;
    u[2] = cexp(I * ph) * s;
    u[3] = cexp(I * (ph + la)) * c;
}

/* The 2×2 matrix of a 1-qubit op, also used as the target block of the
 * controlled gates. Returns 0 when op is not a 1-qubit unitary. */
static int one_qubit(qtr_op op, const double *p, cplx u[4])
{
    const double r2 = 1.0 / sqrt(2.0);
    switch (op) {
    case QTR_OP_ID: u[0] = 1; u[1] = 0; u[2] = 0; u[3] = 1; return 1;
    case QTR_OP_X: u[0] = 0; u[1] = 1; u[2] = 1; u[3] = 0; return 1;
    case QTR_OP_Y: u[0] = 0; u[1] = -I; u[2] = I; u[3] = 0; return 1;
    case QTR_OP_Z: u[0] = 1; u[1] = 0; u[2] = 0; u[3] = -1; return 1;
    case QTR_OP_H: u[0] = r2; u[1] = r2; u[2] = r2; u[3] = -r2; return 1;
    case QTR_OP_S: u[0] = 1; u[1] = 0; u[2] = 0; u[3] = I; return 1;
    case QTR_OP_SDG: u[0] = 1; u[1] = 0; u[2] = 0; u[3] = -I; return 1;
    case QTR_OP_T: u[0] = 1; u[1] = 0; u[2] = 0; u[3] = cexp(I * QTR_PI / 4); return 1;
    case QTR_OP_TDG: u[0] = 1; u[1] = 0; u[2] = 0; u[3] = cexp(-I * QTR_PI / 4); return 1;
    case QTR_OP_SX: /* sqrt(X) = ½[[1+i, 1-i], [1-i, 1+i]] */
        u[0] = u[3] = 0.5 * (1 + I);
        u[1] = u[2] = 0.5 * (1 - I);
        return 1;
    case QTR_OP_SXDG:
        u[0] = u[3] = 0.5 * (1 - I);
        u[1] = u[2] = 0.5 * (1 + I);
        return 1;
    case QTR_OP_RX:
        u[0] = u[3] = cos(p[0] / 2);
        u[1] = u[2] = -I * sin(p[0] / 2);
        return 1;
    case QTR_OP_RY:
        u[0] = u[3] = cos(p[0] / 2);
        u[1] = -sin(p[0] / 2);
        u[2] = sin(p[0] / 2);
        return 1;
    case QTR_OP_RZ:
    {   /* one sincos, not two cexp: the hottest gate of every optimisation pass */
        double c = cos(p[0] / 2), s = sin(p[0] / 2);
        u[0] = CMPLX(c, -s); u[1] = 0; u[2] = 0; u[3] = CMPLX(c, s);
        return 1;
    }
    case QTR_OP_P:
    case QTR_OP_U1:
        u[0] = 1; u[1] = 0; u[2] = 0; u[3] = CMPLX(cos(p[0]), sin(p[0]));
        return 1;
    case QTR_OP_U:
    case QTR_OP_U3: u3(u, p[0], p[1], p[2]); return 1;
    case QTR_OP_U2: u3(u, QTR_PI / 2, p[0], p[1]); return 1;
    case QTR_OP_R: /* R(θ, φ) = exp(-iθ/2 (cos φ X + sin φ Y)) */
        u[0] = u[3] = cos(p[0] / 2);
        u[1] = -I * cexp(-I * p[1]) * sin(p[0] / 2);
        u[2] = -I * cexp(I * p[1]) * sin(p[0] / 2);
        return 1;
    default: return 0;
    }
}

/* Identity except for the target block: controls are operands 0..nc-1, the
 * target operand nc; the block acts on the two indices with every control set. */
static void controlled(double *m, int nc, const cplx u[4])
{
    int dim = 1 << (nc + 1), a = (1 << nc) - 1, b = a | (1 << nc);
    identity(m, dim);
    put(m, dim, a, a, u[0]);
    put(m, dim, a, b, u[1]);
    put(m, dim, b, a, u[2]);
    put(m, dim, b, b, u[3]);
}

/* exp(-iθ/2 P) = cos(θ/2) I - i sin(θ/2) P for a 2-qubit Pauli string P;
 * pauli[k] ∈ "IXYZ" acts on operand k (bit k). */
static void pauli_rotation2(double *m, const char pauli[2], double th)
{
    static const cplx pm[4][4] = {
        {1, 0, 0, 1},    /* I */
        {0, 1, 1, 0},    /* X */
        {0, -I, I, 0},   /* Y */
        {1, 0, 0, -1},   /* Z */
    };
    int idx[2];
    for (int k = 0; k < 2; k++) idx[k] = pauli[k] == 'X' ? 1 : pauli[k] == 'Y' ? 2 : pauli[k] == 'Z' ? 3 : 0;
    double c = cos(th / 2), s = sin(th / 2);
    for (int r = 0; r < 4; r++)
        for (int col = 0; col < 4; col++) {
            cplx pv = 1;
            for (int k = 0; k < 2; k++)
                pv *= pm[idx[k]][((r >> k) & 1) * 2 + ((col >> k) & 1)];
            put(m, 4, r, col, (r == col ? c : 0) - I * s * pv);
        }
}

/* ---- the public functions ------------------------------------------------ */

qtr_status qtr_gate_matrix(qtr_op op, const double *p, double *m)
{
    cplx u[4];
    if ((unsigned)op >= QTR_OP_COUNT) return QTR_EINVAL;
    if (qtr_gate(op)->nqubits == 1 && one_qubit(op, p, u)) {
        put(m, 2, 0, 0, u[0]);
        put(m, 2, 0, 1, u[1]);
        put(m, 2, 1, 0, u[2]);
        put(m, 2, 1, 1, u[3]);
        return QTR_OK;
    }
    switch (op) {
    /* controlled 1-qubit gates: control operand 0, target operand 1 */
    case QTR_OP_CX: one_qubit(QTR_OP_X, NULL, u); controlled(m, 1, u); return QTR_OK;
    case QTR_OP_CY: one_qubit(QTR_OP_Y, NULL, u); controlled(m, 1, u); return QTR_OK;
    case QTR_OP_CZ: one_qubit(QTR_OP_Z, NULL, u); controlled(m, 1, u); return QTR_OK;
    case QTR_OP_CH: one_qubit(QTR_OP_H, NULL, u); controlled(m, 1, u); return QTR_OK;
    case QTR_OP_CRX: one_qubit(QTR_OP_RX, p, u); controlled(m, 1, u); return QTR_OK;
    case QTR_OP_CRY: one_qubit(QTR_OP_RY, p, u); controlled(m, 1, u); return QTR_OK;
    case QTR_OP_CRZ: one_qubit(QTR_OP_RZ, p, u); controlled(m, 1, u); return QTR_OK;
    case QTR_OP_CP:
    case QTR_OP_CU1: one_qubit(QTR_OP_P, p, u); controlled(m, 1, u); return QTR_OK;
    case QTR_OP_CU3: one_qubit(QTR_OP_U3, p, u); controlled(m, 1, u); return QTR_OK;
    case QTR_OP_CU: /* cu(θ, φ, λ, γ): the target block is e^{iγ} U(θ, φ, λ) */
        one_qubit(QTR_OP_U3, p, u);
        for (int i = 0; i < 4; i++) u[i] *= cexp(I * p[3]);
        controlled(m, 1, u);
        return QTR_OK;
    case QTR_OP_CSX: one_qubit(QTR_OP_SX, NULL, u); controlled(m, 1, u); return QTR_OK;
    case QTR_OP_CS: one_qubit(QTR_OP_S, NULL, u); controlled(m, 1, u); return QTR_OK;
    case QTR_OP_CSDG: one_qubit(QTR_OP_SDG, NULL, u); controlled(m, 1, u); return QTR_OK;
    case QTR_OP_CCX: one_qubit(QTR_OP_X, NULL, u); controlled(m, 2, u); return QTR_OK;
    case QTR_OP_CCZ: one_qubit(QTR_OP_Z, NULL, u); controlled(m, 2, u); return QTR_OK;
    case QTR_OP_C3X: one_qubit(QTR_OP_X, NULL, u); controlled(m, 3, u); return QTR_OK;
    case QTR_OP_C4X: one_qubit(QTR_OP_X, NULL, u); controlled(m, 4, u); return QTR_OK;
    /* qelib1's c3sqrtx is controlled-controlled-controlled (H·P(π/2)·H) = C³-SX */
    case QTR_OP_C3SQRTX: one_qubit(QTR_OP_SX, NULL, u); controlled(m, 3, u); return QTR_OK;

    case QTR_OP_SWAP:
        zero(m, 4);
        put(m, 4, 0, 0, 1); put(m, 4, 1, 2, 1); put(m, 4, 2, 1, 1); put(m, 4, 3, 3, 1);
        return QTR_OK;
    case QTR_OP_ISWAP:
        zero(m, 4);
        put(m, 4, 0, 0, 1); put(m, 4, 1, 2, I); put(m, 4, 2, 1, I); put(m, 4, 3, 3, 1);
        return QTR_OK;
    case QTR_OP_DCX: /* cx q0→q1 then cx q1→q0: |01>→|11>→|10>, i.e. index 1 → 2 → 3 → 1 */
        zero(m, 4);
        put(m, 4, 0, 0, 1); put(m, 4, 2, 1, 1); put(m, 4, 3, 2, 1); put(m, 4, 1, 3, 1);
        return QTR_OK;
    case QTR_OP_ECR: { /* (IX - XY)/√2 in Qiskit's Pauli order (rightmost = operand 0) */
        const double r2 = 1.0 / sqrt(2.0);
        zero(m, 4);
        put(m, 4, 0, 1, r2); put(m, 4, 0, 3, I * r2);
        put(m, 4, 1, 0, r2); put(m, 4, 1, 2, -I * r2);
        put(m, 4, 2, 1, I * r2); put(m, 4, 2, 3, r2);
        put(m, 4, 3, 0, -I * r2); put(m, 4, 3, 2, r2);
        return QTR_OK;
    }
    case QTR_OP_RXX: pauli_rotation2(m, "XX", p[0]); return QTR_OK;
    case QTR_OP_RYY: pauli_rotation2(m, "YY", p[0]); return QTR_OK;
    case QTR_OP_RZZ: pauli_rotation2(m, "ZZ", p[0]); return QTR_OK;
    case QTR_OP_RZX: pauli_rotation2(m, "ZX", p[0]); return QTR_OK; /* Z on operand 0, X on 1 */
    case QTR_OP_XX_PLUS_YY: {
        double c = cos(p[0] / 2), s = sin(p[0] / 2);
        identity(m, 4);
        put(m, 4, 1, 1, c); put(m, 4, 1, 2, -I * s * cexp(-I * p[1]));
        put(m, 4, 2, 1, -I * s * cexp(I * p[1])); put(m, 4, 2, 2, c);
        return QTR_OK;
    }
    case QTR_OP_XX_MINUS_YY: {
        double c = cos(p[0] / 2), s = sin(p[0] / 2);
        identity(m, 4);
        put(m, 4, 0, 0, c); put(m, 4, 0, 3, -I * s * cexp(-I * p[1]));
        put(m, 4, 3, 0, -I * s * cexp(I * p[1])); put(m, 4, 3, 3, c);
        return QTR_OK;
    }
    case QTR_OP_CSWAP: /* control operand 0 swaps operands 1 and 2: indices 3 (|011>) and 5 (|101>) */
        identity(m, 8);
        put(m, 8, 3, 3, 0); put(m, 8, 5, 5, 0);
        put(m, 8, 3, 5, 1); put(m, 8, 5, 3, 1);
        return QTR_OK;
    case QTR_OP_RCCX: /* Margolus gate: Toffoli up to relative phases (Qiskit RCCXGate) */
        identity(m, 8);
        put(m, 8, 3, 3, 0); put(m, 8, 7, 7, 0);
        put(m, 8, 3, 7, -I); put(m, 8, 7, 3, I);
        put(m, 8, 5, 5, -1);
        return QTR_OK;
    case QTR_OP_RC3X: /* relative-phase C3X (Maslov, arXiv:1508.03273 Fig. 4; Qiskit RC3XGate) */
        identity(m, 16);
        put(m, 16, 3, 3, I);
        put(m, 16, 7, 7, 0); put(m, 16, 15, 15, 0);
        put(m, 16, 7, 15, 1); put(m, 16, 15, 7, -1);
        put(m, 16, 11, 11, -I);
        return QTR_OK;
    default:
        return QTR_EINVAL; /* nop, measure, reset, barrier */
    }
}

qtr_status qtr_gate_inverse(qtr_op op, const double *p, qtr_op *inv_op, double *ip,
                            int *swap_qubits, double *phase)
{
    (void)phase; /* every inverse below is exact; kept for gates whose inverse is not */
    if ((unsigned)op >= QTR_OP_COUNT) return QTR_EINVAL;
    const qtr_gate_info *g = qtr_gate(op);
    *swap_qubits = 0;
    *inv_op = op;
    if (g->props & QTR_GP_NONUNITARY) return QTR_EINVAL;
    /* directives have no effect, so they are their own inverse; so is every
     * self-inverse gate */
    if (g->props & (QTR_GP_SELFINV | QTR_GP_DIRECTIVE)) return QTR_OK;
    switch (op) {
    case QTR_OP_S: *inv_op = QTR_OP_SDG; return QTR_OK;
    case QTR_OP_SDG: *inv_op = QTR_OP_S; return QTR_OK;
    case QTR_OP_T: *inv_op = QTR_OP_TDG; return QTR_OK;
    case QTR_OP_TDG: *inv_op = QTR_OP_T; return QTR_OK;
    case QTR_OP_SX: *inv_op = QTR_OP_SXDG; return QTR_OK;
    case QTR_OP_SXDG: *inv_op = QTR_OP_SX; return QTR_OK;
    case QTR_OP_CS: *inv_op = QTR_OP_CSDG; return QTR_OK;
    case QTR_OP_CSDG: *inv_op = QTR_OP_CS; return QTR_OK;
    /* rotations and phases: negate the angle */
    case QTR_OP_RX: case QTR_OP_RY: case QTR_OP_RZ: case QTR_OP_P: case QTR_OP_U1:
    case QTR_OP_CRX: case QTR_OP_CRY: case QTR_OP_CRZ: case QTR_OP_CP: case QTR_OP_CU1:
    case QTR_OP_RXX: case QTR_OP_RYY: case QTR_OP_RZZ: case QTR_OP_RZX:
        ip[0] = -p[0];
        return QTR_OK;
    /* R(θ, φ)⁻¹ = R(-θ, φ); the XX±YY family likewise keeps β */
    case QTR_OP_R: case QTR_OP_XX_PLUS_YY: case QTR_OP_XX_MINUS_YY:
        ip[0] = -p[0];
        ip[1] = p[1];
        return QTR_OK;
    /* U(θ, φ, λ)† = U(-θ, -λ, -φ) exactly (no phase) */
    case QTR_OP_U: case QTR_OP_U3: case QTR_OP_CU3:
        ip[0] = -p[0];
        ip[1] = -p[2];
        ip[2] = -p[1];
        return QTR_OK;
    case QTR_OP_U2: /* U2(φ, λ) = U(π/2, φ, λ), so its inverse is U3(-π/2, -λ, -φ) */
        *inv_op = QTR_OP_U3;
        ip[0] = -QTR_PI / 2;
        ip[1] = -p[1];
        ip[2] = -p[0];
        return QTR_OK;
    case QTR_OP_CU:
        ip[0] = -p[0];
        ip[1] = -p[2];
        ip[2] = -p[1];
        ip[3] = -p[3];
        return QTR_OK;
    case QTR_OP_ISWAP: /* iSWAP = XX+YY(-π, 0), so iSWAP† = XX+YY(π, 0) */
        *inv_op = QTR_OP_XX_PLUS_YY;
        ip[0] = QTR_PI;
        ip[1] = 0;
        return QTR_OK;
    case QTR_OP_DCX: /* (CX01·CX10)⁻¹ = CX10·CX01: dcx with its operands exchanged */
        *swap_qubits = 1;
        return QTR_OK;
    default:
        *inv_op = op;
        return QTR_EUNSUPPORTED; /* csx, c3sqrtx, rc3x: no inverse gate in the table */
    }
}
