/* qasm3_write.c -- how the OpenQASM 3 writer (qasm_write.c in its version-3
 * mode) spells things the way Qiskit's exporter does: stdgates.inc's names,
 * U for the table's u, angles as multiples of pi when that is exact
 * ("pi/2", "-3*pi/4"), other reals as the shortest decimal that reads back
 * as the same double ("0.5", "1.0", "0.30000000000000004").
 *
 * Read-only data and pure functions; no state. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "qasm3_internal.h"

int qtr_qasm3_stdgate(qtr_op op)
{
    switch (op) {
    case QTR_OP_P: case QTR_OP_X: case QTR_OP_Y: case QTR_OP_Z: case QTR_OP_H: case QTR_OP_S:
    case QTR_OP_SDG: case QTR_OP_T: case QTR_OP_TDG: case QTR_OP_SX: case QTR_OP_RX:
    case QTR_OP_RY: case QTR_OP_RZ: case QTR_OP_CX: case QTR_OP_CY: case QTR_OP_CZ:
    case QTR_OP_CP: case QTR_OP_CRX: case QTR_OP_CRY: case QTR_OP_CRZ: case QTR_OP_CH:
    case QTR_OP_SWAP: case QTR_OP_CCX: case QTR_OP_CSWAP: case QTR_OP_CU: case QTR_OP_ID:
    case QTR_OP_U1: case QTR_OP_U2: case QTR_OP_U3: case QTR_OP_U:
        return 1;
    default:
        return 0;
    }
}

const char *qtr_qasm3_op_name(qtr_op op) { return op == QTR_OP_U ? "U" : qtr_gate(op)->name; }

static unsigned gcd(unsigned a, unsigned b)
{
    while (b) {
        unsigned t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* "n*pi/d" for |v| when the reader's arithmetic on that text gives |v|
 * back bit for bit: (n * pi) / d, as the reader evaluates it. */
static int pi_fraction(double a, char *d)
{
    static const unsigned dens[] = {1, 2, 3, 4, 6, 8, 12, 16};
    for (size_t i = 0; i < sizeof dens / sizeof dens[0]; i++) {
        unsigned den = dens[i];
        double n = nearbyint(a * den / QTR_PI);
        if (n < 1 || n > 64.0 * den || gcd((unsigned)n, den) != 1) continue;
        double x = n == 1 ? QTR_PI : n * QTR_PI;
        if (den > 1) x /= den;
        if (x != a) continue;
        int k = 0;
        if (n != 1) k += sprintf(d + k, "%u*", (unsigned)n);
        k += sprintf(d + k, "pi");
        if (den > 1) k += sprintf(d + k, "/%u", den);
        return k;
    }
    return 0;
}

char *qtr_qasm3_put_real(char *d, double v)
{
    if (v == 0 && !signbit(v)) {
        *d++ = '0';
        return d;
    }
    if (signbit(v)) *d++ = '-';
    double a = fabs(v);
    int k = pi_fraction(a, d);
    if (k) return d + k;
    for (int prec = 15; prec <= 17; prec++) {
        k = snprintf(d, 28, "%.*g", prec, a);
        if (strtod(d, NULL) == a) break;
    }
    if (!strpbrk(d, ".en")) {   /* Python's repr of a whole float: "1.0" */
        d[k++] = '.';
        d[k++] = '0';
    }
    return d + k;
}

int qtr_qasm3_reserved(const char *s)
{
    static const char *const words[] = {
        "OPENQASM", "include", "qubit", "bit", "qreg", "creg", "gate", "input", "output",
        "measure", "reset", "barrier", "if", "else", "for", "while", "in", "def", "return",
        "break", "continue", "end", "switch", "case", "default", "box", "delay", "extern",
        "const", "let", "int", "uint", "float", "angle", "bool", "duration", "stretch",
        "complex", "array", "cal", "defcal", "defcalgrammar", "opaque", "gphase", "inv", "pow",
        "ctrl", "negctrl", "pi", "tau", "euler", "sin", "cos", "tan", "arcsin", "arccos",
        "arctan", "exp", "ln", "log", "sqrt", "true", "false", "im", "void", "mutable",
        "readonly", "durationof", "sizeof", "pragma", "U", "CX", "phase", "cphase",
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (!strcmp(s, words[i])) return 1;
    return 0;
}
