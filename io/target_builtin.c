/* target_builtin.c -- targets that need no file: the compiled-in IBM devices
 * (data in the generated io/target_devices.c) and the coupling-graph
 * generators line:N, ring:N, grid:RxC, heavy-hex:D and all:N.
 *
 * Generated targets couple every pair in both directions and start with the
 * basis {cx, rz, sx, x} (QTR_TARGET_DEFAULT_BASIS); the CLI's --basis
 * replaces it with qtr_target_set_basis. Owns nothing beyond the target it
 * hands to the caller.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "qtr_io.h"
#include "target_internal.h"

/* Generators stop here: a million qubits is far past any device, and the
 * all-to-all graph grows quadratically (2048 qubits = 4.2 M directed edges). */
#define GEN_MAX_QUBITS (1u << 20)
#define GEN_MAX_ALL    2048u

static const qtr_target_builtin_info builtins[] = {
    {"torino", "IBM Heron r1 (ibm_torino 1.0.54): 133 qubits, 150 cz couplings in both "
               "directions, calibration of 2025-02-26"},
    {"fez", "IBM Heron r2 (ibm_fez 1.2.8): 156 qubits, 176 cz couplings in both "
            "directions, calibration of 2025-02-26"},
    {"sherbrooke", "IBM Eagle r3 (ibm_sherbrooke 1.6.58): 127 qubits, 144 one-way ecr "
                   "couplings, calibration of 2025-02-26"},
    {"line:N", "N qubits in a line, i coupled to i+1"},
    {"ring:N", "N qubits in a ring (N >= 3), i coupled to (i+1) mod N"},
    {"grid:RxC", "R rows by C columns, qubit r*C+c coupled to its 4 neighbours"},
    {"heavy-hex:D", "IBM heavy-hex lattice of odd distance D, (5D^2-2D-1)/2 qubits, numbered "
                    "as rustworkx heavy_hex_graph(D)"},
    {"all:N", "N qubits, every pair coupled (N <= 2048)"},
    {NULL, NULL},
};

const qtr_target_builtin_info *qtr_target_builtins(void) { return builtins; }

/* ======================================================================
 * Devices
 * ====================================================================== */

/* A copy of @p src (n values), or NULL when src is NULL or every value is NaN,
 * so "absent" reads the same as in a file without calibration data. */
static int copy_values(double **dst, const double *src, uint32_t n)
{
    *dst = NULL;
    if (!src) return 0;
    uint32_t known = 0;
    for (uint32_t i = 0; i < n; i++) known += !isnan(src[i]);
    if (!known) return 0;
    *dst = malloc((size_t)n * sizeof **dst);
    if (!*dst) return -1;
    memcpy(*dst, src, (size_t)n * sizeof **dst);
    return 0;
}

static qtr_status load_device(const qtr_target_device *dev, qtr_target **out, qtr_ctx *ctx)
{
    qtr_target *t = NULL;
    qtr_status st;
    if ((st = qtr_target_new(&t, dev->name, dev->nqubits, ctx)) ||
        (st = qtr_target_set_basis(t, dev->basis, ctx)))
        goto done;
    for (uint32_t i = 0; i < dev->nedges; i++)
        if ((st = qtr_target_add_edge(t, dev->edges[i][0], dev->edges[i][1], ctx))) goto done;
    if ((st = qtr_target_finish(t, ctx))) goto done;
    if (copy_values(&t->err1q, dev->err1q, t->nqubits) ||
        copy_values(&t->err_readout, dev->err_readout, t->nqubits) ||
        copy_values(&t->dur1q, dev->dur1q, t->nqubits))
        goto nomem;
    /* finish sorted the edges: place the per-edge values by lookup. */
    const double *src[2] = {dev->err2q, dev->dur2q};
    double **dst[2] = {&t->err2q, &t->dur2q};
    for (int k = 0; k < 2; k++) {
        if (!src[k] || !t->nedges) continue;
        double *v = malloc((size_t)t->nedges * sizeof *v);
        if (!v) goto nomem;
        for (uint32_t i = 0; i < t->nedges; i++) v[i] = NAN;
        int known = 0;
        for (uint32_t i = 0; i < dev->nedges; i++) {
            long e = qtr_target_edge_index(t, dev->edges[i][0], dev->edges[i][1]);
            QTR_ASSERT(e >= 0);
            v[e] = src[k][i];
            known |= !isnan(src[k][i]);
        }
        if (known) *dst[k] = v;
        else free(v);
    }
    *out = t;
    t = NULL;
    goto done;
nomem:
    st = qtr_fail(ctx, QTR_ENOMEM, "%s: out of memory for calibration data", dev->name);
done:
    qtr_target_free(t);
    return st;
}

/* ======================================================================
 * Generators
 * ====================================================================== */

/* Parse a positive decimal integer filling [s, s+len) exactly. */
static int parse_count(const char *s, size_t len, uint64_t *v)
{
    if (len == 0 || len > 9) return -1;   /* 9 digits: well past every limit */
    uint64_t x = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        x = x * 10 + (uint64_t)(s[i] - '0');
    }
    *v = x;
    return 0;
}

/* Add the undirected coupling {a, b} as two directed edges. */
static qtr_status couple(qtr_target *t, uint32_t a, uint32_t b, qtr_ctx *ctx)
{
    qtr_status st = qtr_target_add_edge(t, a, b, ctx);
    return st ? st : qtr_target_add_edge(t, b, a, ctx);
}

/* rustworkx's heavy_hex_graph(d) (rustworkx-core generators/heavy_hex_graph.rs,
 * after Chamberland et al., arXiv:1907.09528, Fig. 2), reproduced so that
 * node numbers match Qiskit's CouplingMap.from_heavy_hex(d): d*d data qubits
 * first (row-major), then (d-1)*ceil(d/2) syndrome qubits, then d*(d-1) flag
 * qubits; the edges are added in the same three groups and order. */
static qtr_status heavy_hex_edges(qtr_target *t, uint32_t d, qtr_ctx *ctx)
{
    if (d == 1) return QTR_OK;
    const uint32_t h = (d + 1) / 2;           /* syndromes per row */
    const uint32_t data = 0;
    const uint32_t syn = d * d;
    const uint32_t flag = syn + (d - 1) * h;
    qtr_status st;
    /* Data and flags: flag j of row i sits between data j and j+1. */
    for (uint32_t i = 0; i < d; i++)
        for (uint32_t j = 0; j + 1 < d; j++) {
            uint32_t f = flag + i * (d - 1) + j;
            if ((st = couple(t, data + i * d + j, f, ctx)) ||
                (st = couple(t, data + i * d + j + 1, f, ctx)))
                return st;
        }
    /* Data and syndromes at the row ends, alternating left and right. */
    for (uint32_t i = 0; i + 1 < d; i++) {
        if (i % 2 == 0) {
            uint32_t s = syn + i * h;
            if ((st = couple(t, data + i * d, s, ctx)) ||
                (st = couple(t, data + (i + 1) * d, s, ctx)))
                return st;
        } else {
            uint32_t s = syn + i * h + h - 1;
            if ((st = couple(t, data + i * d + d - 1, s, ctx)) ||
                (st = couple(t, data + i * d + 2 * d - 1, s, ctx)))
                return st;
        }
    }
    /* Flags and the remaining syndromes, between adjacent flag rows. */
    for (uint32_t i = 0; i + 1 < d; i++) {
        if (i % 2 == 0) {
            for (uint32_t j = 1; j < h; j++) {
                uint32_t s = syn + i * h + j;
                if ((st = couple(t, s, flag + i * (d - 1) + 2 * (j - 1) + 1, ctx)) ||
                    (st = couple(t, s, flag + (i + 1) * (d - 1) + 2 * (j - 1) + 1, ctx)))
                    return st;
            }
        } else {
            for (uint32_t j = 0; j + 1 < h; j++) {
                uint32_t s = syn + i * h + j;
                if ((st = couple(t, s, flag + i * (d - 1) + 2 * j, ctx)) ||
                    (st = couple(t, s, flag + (i + 1) * (d - 1) + 2 * j, ctx)))
                    return st;
            }
        }
    }
    return QTR_OK;
}

typedef enum { GEN_LINE, GEN_RING, GEN_GRID, GEN_HEAVY_HEX, GEN_ALL } gen_kind;

static const struct {
    const char *prefix;
    gen_kind kind;
} generators[] = {
    {"line:", GEN_LINE}, {"ring:", GEN_RING}, {"grid:", GEN_GRID},
    {"heavy-hex:", GEN_HEAVY_HEX}, {"all:", GEN_ALL},
};

static qtr_status generate(const char *spec, gen_kind kind, const char *arg, qtr_target **out,
                           qtr_ctx *ctx)
{
    uint64_t a = 0, b = 0, n = 0;
    size_t len = strlen(arg);
    switch (kind) {
    case GEN_GRID: {
        const char *x = memchr(arg, 'x', len);
        if (!x || parse_count(arg, (size_t)(x - arg), &a) ||
            parse_count(x + 1, len - (size_t)(x - arg) - 1, &b) || a == 0 || b == 0)
            return qtr_fail(ctx, QTR_ETARGET,
                            "%s: expected grid:RxC with positive integers R and C", spec);
        if (a > GEN_MAX_QUBITS || b > GEN_MAX_QUBITS || a * b > GEN_MAX_QUBITS)
            return qtr_fail(ctx, QTR_ELIMIT, "%s: more than %u qubits", spec, GEN_MAX_QUBITS);
        n = a * b;
        break;
    }
    case GEN_HEAVY_HEX:
        if (parse_count(arg, len, &a) || a == 0)
            return qtr_fail(ctx, QTR_ETARGET, "%s: expected heavy-hex:D with an odd integer D >= 1",
                            spec);
        if (a % 2 == 0)
            return qtr_fail(ctx, QTR_ETARGET, "%s: the distance D must be odd", spec);
        if (a > 2000 || (5 * a * a - 2 * a - 1) / 2 > GEN_MAX_QUBITS)
            return qtr_fail(ctx, QTR_ELIMIT, "%s: more than %u qubits", spec, GEN_MAX_QUBITS);
        n = (5 * a * a - 2 * a - 1) / 2;
        break;
    default:
        if (parse_count(arg, len, &n) || n == 0)
            return qtr_fail(ctx, QTR_ETARGET, "%s: expected a positive qubit count", spec);
        if (kind == GEN_RING && n < 3)
            return qtr_fail(ctx, QTR_ETARGET, "%s: a ring needs at least 3 qubits", spec);
        if (kind == GEN_ALL && n > GEN_MAX_ALL)
            return qtr_fail(ctx, QTR_ELIMIT, "%s: all-to-all is limited to %u qubits", spec,
                            GEN_MAX_ALL);
        if (n > GEN_MAX_QUBITS)
            return qtr_fail(ctx, QTR_ELIMIT, "%s: more than %u qubits", spec, GEN_MAX_QUBITS);
        break;
    }

    qtr_target *t = NULL;
    qtr_status st;
    if ((st = qtr_target_new(&t, spec, (uint32_t)n, ctx)) ||
        (st = qtr_target_set_basis(t, QTR_TARGET_DEFAULT_BASIS, ctx)))
        goto done;
    uint32_t N = (uint32_t)n;
    switch (kind) {
    case GEN_LINE:
        for (uint32_t i = 0; i + 1 < N && !st; i++) st = couple(t, i, i + 1, ctx);
        break;
    case GEN_RING:
        for (uint32_t i = 0; i < N && !st; i++) st = couple(t, i, (i + 1) % N, ctx);
        break;
    case GEN_GRID: {
        uint32_t R = (uint32_t)a, C = (uint32_t)b;
        for (uint32_t r = 0; r < R && !st; r++)
            for (uint32_t c = 0; c < C && !st; c++) {
                uint32_t q = r * C + c;
                if (c + 1 < C) st = couple(t, q, q + 1, ctx);
                if (!st && r + 1 < R) st = couple(t, q, q + C, ctx);
            }
        break;
    }
    case GEN_HEAVY_HEX:
        st = heavy_hex_edges(t, (uint32_t)a, ctx);
        break;
    case GEN_ALL:
        for (uint32_t i = 0; i < N && !st; i++)
            for (uint32_t j = i + 1; j < N && !st; j++) st = couple(t, i, j, ctx);
        break;
    }
    if (st || (st = qtr_target_finish(t, ctx))) goto done;
    *out = t;
    t = NULL;
done:
    qtr_target_free(t);
    return st;
}

qtr_status qtr_target_load_builtin(const char *spec, qtr_target **out, int *matched,
                                   qtr_ctx *ctx)
{
    *out = NULL;
    *matched = 0;
    for (const qtr_target_device *d = qtr_target_devices; d->name; d++)
        if (strcmp(spec, d->name) == 0 || strcmp(spec, d->backend) == 0) {
            *matched = 1;
            return load_device(d, out, ctx);
        }
    for (size_t i = 0; i < sizeof generators / sizeof generators[0]; i++) {
        size_t pl = strlen(generators[i].prefix);
        if (strncmp(spec, generators[i].prefix, pl) == 0) {
            *matched = 1;
            return generate(spec, generators[i].kind, spec + pl, out, ctx);
        }
    }
    return QTR_OK;
}
