/* target_json.c -- loading targets from JSON files (jansson), and
 * qtr_target_load, which tries built-in names and generators first.
 *
 * Two formats:
 *  - Qiskit backend configuration conf_*.json (n_qubits, basis_gates,
 *    coupling_map as directed pairs), with the optional properties file
 *    props_*.json for calibration data: per-qubit readout_error, per-gate
 *    per-qubit gate_error and gate_length.
 *  - qtranspile's own small format, documented in doc/target-format.md.
 *
 * Every complaint names the file and the key ("conf.json: coupling_map[17]:
 * qubit 200 out of range 0..132"); syntax errors carry jansson's line and a
 * byte column ("conf.json:3:14: unexpected token near ','"). Malformed
 * content is QTR_ETARGET, an unreadable file QTR_EIO.
 *
 * Owns: the file buffers and JSON trees while loading; the caller owns the
 * returned target.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common.h"
#include "qtr_io.h"
#include "target_internal.h"

/* Device files are tens of kilobytes; this only stops a wrong path (a disk
 * image, /dev/zero) from being read into memory. */
#define MAX_FILE_BYTES ((size_t)256 << 20)

/* ======================================================================
 * Files, parsing, messages
 * ====================================================================== */

/* The file being read, for messages. */
typedef struct {
    const char *file;
    qtr_ctx *ctx;
} src;

static qtr_status bad(const src *s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* "FILE: <detail>", QTR_ETARGET. */
static qtr_status bad(const src *s, const char *fmt, ...)
{
    char detail[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return qtr_fail(s->ctx, QTR_ETARGET, "%s: %s", s->file, detail);
}

/* Read a whole file. *errno_out gets the errno of a failed open (0 otherwise),
 * so qtr_target_load can tell "no such file" from other failures. */
static qtr_status slurp(const char *path, char **buf, size_t *len, int *errno_out, qtr_ctx *ctx)
{
    *buf = NULL;
    *len = 0;
    if (errno_out) *errno_out = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        if (errno_out) *errno_out = e;
        return qtr_fail(ctx, QTR_EIO, "%s: cannot open: %s", path, strerror(e));
    }
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    qtr_status st = QTR_OK;
    if (!b) {
        st = qtr_fail(ctx, QTR_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    for (;;) {
        if (n == cap) {
            if (cap >= MAX_FILE_BYTES) {
                st = qtr_fail(ctx, QTR_ELIMIT, "%s: larger than %zu MiB, not a target file",
                              path, MAX_FILE_BYTES >> 20);
                goto done;
            }
            char *nb = realloc(b, cap * 2);
            if (!nb) {
                st = qtr_fail(ctx, QTR_ENOMEM, "%s: out of memory", path);
                goto done;
            }
            b = nb;
            cap *= 2;
        }
        size_t got = fread(b + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) st = qtr_fail(ctx, QTR_EIO, "%s: read error: %s", path, strerror(errno));
            break;
        }
    }
done:
    fclose(f);
    if (st) {
        free(b);
        return st;
    }
    *buf = b;
    *len = n;
    return QTR_OK;
}

/* Parse JSON text; on error "FILE:LINE:COL: reason" with a 1-based byte
 * column (jansson counts characters; its byte position locates the line). */
static qtr_status parse(const char *buf, size_t len, const char *path, json_t **root,
                        qtr_ctx *ctx)
{
    json_error_t err;
    *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
    if (*root) return QTR_OK;
    size_t pos = err.position > 0 ? (size_t)err.position : 0;
    if (pos > len) pos = len;
    size_t line_start = pos;
    while (line_start > 0 && buf[line_start - 1] != '\n') line_start--;
    /* The position counts the bytes read up to and including the offending
     * token's last byte, so this is that byte's 1-based column. */
    size_t col = pos > line_start ? pos - line_start : 1;
    int line = err.line > 0 ? err.line : 1;
    return qtr_fail(ctx, QTR_ETARGET, "%s:%d:%zu: %s", path, line, col, err.text);
}

static qtr_status read_json(const char *path, json_t **root, int *errno_out, qtr_ctx *ctx)
{
    char *buf;
    size_t len;
    *root = NULL;
    qtr_status st = slurp(path, &buf, &len, errno_out, ctx);
    if (st) return st;
    st = parse(buf, len, path, root, ctx);
    free(buf);
    return st;
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE: case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "a value";
}

/* A qubit index at @p v (whose key path is @p key), checked against n. */
static qtr_status get_qubit(const src *s, const json_t *v, const char *key, uint32_t n,
                            uint32_t *q)
{
    if (!json_is_integer(v))
        return bad(s, "%s: expected a qubit index, got %s", key, type_name(v));
    json_int_t x = json_integer_value(v);
    if (x < 0 || (uint64_t)x >= n)
        return bad(s, "%s: qubit %lld out of range 0..%u", key, (long long)x, n - 1);
    *q = (uint32_t)x;
    return QTR_OK;
}

/* A pair [a, b] of distinct qubits (extra elements allowed only when
 * @p width > 2, as in [a, b, value]). */
static qtr_status get_pair(const src *s, const json_t *v, const char *key, uint32_t n,
                           size_t width, uint32_t *a, uint32_t *b)
{
    if (!json_is_array(v) || json_array_size(v) != width)
        return bad(s, "%s: expected %s, got %s", key,
                   width == 2 ? "a pair [a, b]" : "a triple [a, b, value]",
                   json_is_array(v) ? "an array of another length" : type_name(v));
    qtr_status st;
    if ((st = get_qubit(s, json_array_get(v, 0), key, n, a)) ||
        (st = get_qubit(s, json_array_get(v, 1), key, n, b)))
        return st;
    if (*a == *b) return bad(s, "%s: edge joins qubit %u to itself", key, *a);
    return QTR_OK;
}

/* A calibration number: null is unknown (NaN); otherwise within [lo, hi]. */
static qtr_status get_value(const src *s, const json_t *v, const char *key, double lo, double hi,
                            double *out)
{
    if (json_is_null(v)) {
        *out = NAN;
        return QTR_OK;
    }
    if (!json_is_number(v)) return bad(s, "%s: expected a number, got %s", key, type_name(v));
    double x = json_number_value(v);
    if (!(x >= lo && x <= hi)) return bad(s, "%s: %g outside [%g, %g]", key, x, lo, hi);
    *out = x;
    return QTR_OK;
}

/* An array of n doubles, all NaN. */
static double *nan_array(size_t n)
{
    double *v = malloc((n ? n : 1) * sizeof *v);
    if (v)
        for (size_t i = 0; i < n; i++) v[i] = NAN;
    return v;
}

/* Drop an array in which nothing became known: "absent" is NULL. */
static void drop_if_unknown(double **v, size_t n)
{
    if (!*v) return;
    for (size_t i = 0; i < n; i++)
        if (!isnan((*v)[i])) return;
    free(*v);
    *v = NULL;
}

/* A basis being read: table gates as a set, and the names the table does
 * not know (a device's own gates) in order, comma-separated. */
typedef struct {
    uint8_t ops[QTR_OP_COUNT];
    char   *named;
    size_t  len, cap;
} basis_list;

/* Add gate name @p g, item @p i of array @p key: a table gate (op >= 0) or
 * a name of the device's own. */
static qtr_status basis_add(const src *s, basis_list *b, int op, const char *g, const char *key,
                            size_t i)
{
    if (op >= 0) {
        b->ops[op] = 1;
        return QTR_OK;
    }
    size_t n = strlen(g);
    if (!qtr_gate_name_valid(g, n) || strcmp(g, "nop") == 0)
        return bad(s, "%s[%zu]: '%.64s' is not a gate name", key, i, g);
    if (b->len + n + 2 > b->cap) {
        size_t cap = 2 * (b->len + n + 2);
        char *p = realloc(b->named, cap);
        if (!p) return qtr_fail(s->ctx, QTR_ENOMEM, "%s: %s: out of memory", s->file, key);
        b->named = p;
        b->cap = cap;
    }
    if (b->len) b->named[b->len++] = ',';
    memcpy(b->named + b->len, g, n + 1);
    b->len += n;
    return QTR_OK;
}

/* Set the basis, via the one function that knows which instructions are
 * always allowed; frees b's names. */
static qtr_status apply_basis(const src *s, qtr_target *t, basis_list *b, const char *key)
{
    size_t n = 0, cap = QTR_OP_COUNT * 16 + b->len + 1;
    char *list = malloc(cap);
    qtr_status st = QTR_OK;
    if (!list) {
        st = qtr_fail(s->ctx, QTR_ENOMEM, "%s: %s: out of memory", s->file, key);
        goto done;
    }
    list[0] = '\0';
    for (int op = 0; op < QTR_OP_COUNT; op++)
        if (b->ops[op])
            n += (size_t)snprintf(list + n, cap - n, "%s%s", n ? "," : "", qtr_gate((qtr_op)op)->name);
    if (b->len) n += (size_t)snprintf(list + n, cap - n, "%s%s", n ? "," : "", b->named);
    if (n == 0) st = bad(s, "%s: no gates", key);
    else st = qtr_target_set_basis(t, list, s->ctx);
done:
    free(list);
    free(b->named);
    b->named = NULL;
    b->len = b->cap = 0;
    return st;
}

/* ======================================================================
 * Qiskit backend configuration and properties
 * ====================================================================== */

/* Qiskit instruction names that are not gates: timing and control flow.
 * They appear in basis_gates/supported_instructions of dynamic-circuit
 * backends and carry nothing a transpiler to a gate basis needs. */
static const char *const qiskit_ignored[] = {
    "delay", "if_else", "for_loop", "while_loop", "switch_case", "break_loop",
    "continue_loop", "box", "store", "init_qubits", "global_phase", NULL,
};

/* Qiskit names that differ from ours (Qiskit's standard gate names). */
static const char *const qiskit_alias[][2] = {
    {"c3sx", "c3sqrtx"}, {"rcccx", "rc3x"}, {"cnot", "cx"}, {"toffoli", "ccx"},
    {"fredkin", "cswap"}, {NULL, NULL},
};

/* Map a Qiskit instruction name: table op, -1 unknown, -2 ignored. */
static int qiskit_op(const char *name)
{
    for (size_t i = 0; qiskit_ignored[i]; i++)
        if (strcmp(name, qiskit_ignored[i]) == 0) return -2;
    for (size_t i = 0; qiskit_alias[i][0]; i++)
        if (strcmp(name, qiskit_alias[i][0]) == 0) name = qiskit_alias[i][1];
    return qtr_gate_lookup(name, strlen(name));
}

/* Qiskit time units to seconds. IBM writes gate_length in "ns"; an empty unit
 * is read as ns too (IBM's default). */
static int time_scale(const char *unit, double *scale)
{
    static const struct { const char *unit; double scale; } units[] = {
        {"", 1e-9}, {"ns", 1e-9}, {"us", 1e-6}, {"\xc2\xb5s", 1e-6}, {"ms", 1e-3}, {"s", 1.0},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(unit, units[i].unit) == 0) {
            *scale = units[i].scale;
            return 0;
        }
    return -1;
}

static qtr_status qiskit_conf(const src *s, const json_t *root, qtr_target **out)
{
    char key[64];
    qtr_status st;
    if (!json_is_object(root)) return bad(s, "expected a JSON object at the top level");
    static const char *const required[] = {"n_qubits", "basis_gates", "coupling_map"};
    for (size_t i = 0; i < 3; i++)
        if (!json_object_get(root, required[i]))
            return bad(s, "missing key '%s'", required[i]);

    const json_t *jn = json_object_get(root, "n_qubits");
    if (!json_is_integer(jn) || json_integer_value(jn) < 1 ||
        json_integer_value(jn) > (json_int_t)UINT32_MAX)
        return bad(s, "n_qubits: expected a positive integer, got %s",
                   json_is_integer(jn) ? "one out of range" : type_name(jn));
    uint32_t n = (uint32_t)json_integer_value(jn);

    const json_t *jb = json_object_get(root, "basis_gates");
    if (!json_is_array(jb)) return bad(s, "basis_gates: expected an array, got %s", type_name(jb));
    basis_list basis = {{0}, NULL, 0, 0};
    for (size_t i = 0; i < json_array_size(jb); i++) {
        const json_t *g = json_array_get(jb, i);
        if (!json_is_string(g)) {
            free(basis.named);
            return bad(s, "basis_gates[%zu]: expected a gate name, got %s", i, type_name(g));
        }
        int op = qiskit_op(json_string_value(g));
        if (op != -2 && (st = basis_add(s, &basis, op, json_string_value(g), "basis_gates", i))) {
            free(basis.named);
            return st;
        }
    }

    const json_t *jc = json_object_get(root, "coupling_map");
    st = QTR_OK;
    if (!json_is_array(jc) && !json_is_null(jc))
        st = bad(s, "coupling_map: expected an array of [a, b] pairs, got %s", type_name(jc));
    else if (json_is_null(jc) && n > 2048)
        st = bad(s, "coupling_map: null (all-to-all) is limited to 2048 qubits, not %u", n);
    if (st) {
        free(basis.named);
        return st;
    }

    qtr_target *t = NULL;
    if ((st = qtr_target_new(&t, s->file, n, s->ctx))) {
        free(basis.named);
        goto done;
    }
    if ((st = apply_basis(s, t, &basis, "basis_gates"))) goto done;
    if (json_is_null(jc)) {
        /* Qiskit's "no coupling constraint". */
        for (uint32_t a = 0; a < n && !st; a++)
            for (uint32_t b = 0; b < n && !st; b++)
                if (a != b) st = qtr_target_add_edge(t, a, b, s->ctx);
    } else {
        for (size_t i = 0; i < json_array_size(jc) && !st; i++) {
            uint32_t a, b;
            snprintf(key, sizeof key, "coupling_map[%zu]", i);
            if (!(st = get_pair(s, json_array_get(jc, i), key, n, 2, &a, &b)))
                st = qtr_target_add_edge(t, a, b, s->ctx);
        }
    }
    if (st || (st = qtr_target_finish(t, s->ctx))) goto done;
    *out = t;
    t = NULL;
done:
    qtr_target_free(t);
    return st;
}

/* Value (and unit) of the parameter named @p name of a props gate entry;
 * NULL when absent. */
static const json_t *gate_param(const src *s, const json_t *params, const char *name,
                                 const char *key, const char **unit, qtr_status *st)
{
    *st = QTR_OK;
    for (size_t k = 0; k < json_array_size(params); k++) {
        const json_t *p = json_array_get(params, k);
        if (!json_is_object(p)) {
            *st = bad(s, "%s.parameters[%zu]: expected an object, got %s", key, k, type_name(p));
            return NULL;
        }
        const json_t *nm = json_object_get(p, "name");
        if (!json_is_string(nm) || strcmp(json_string_value(nm), name) != 0) continue;
        const json_t *u = json_object_get(p, "unit");
        if (unit) *unit = json_is_string(u) ? json_string_value(u) : "";
        return json_object_get(p, "value") ? json_object_get(p, "value") : json_null();
    }
    return NULL;
}

/* Calibration data from a Qiskit properties file into a finished target. */
static qtr_status qiskit_props(const src *s, const json_t *root, qtr_target *t)
{
    char key[96];
    qtr_status st = QTR_OK;
    uint32_t n = t->nqubits;
    if (!json_is_object(root)) return bad(s, "expected a JSON object at the top level");
    const json_t *jq = json_object_get(root, "qubits");
    const json_t *jg = json_object_get(root, "gates");
    if (jq && !json_is_array(jq)) return bad(s, "qubits: expected an array, got %s", type_name(jq));
    if (jg && !json_is_array(jg)) return bad(s, "gates: expected an array, got %s", type_name(jg));
    if (jq && json_array_size(jq) > n)
        return bad(s, "qubits: %zu entries for a %u-qubit configuration", json_array_size(jq), n);

    double *ro = nan_array(n), *e1 = nan_array(n), *d1 = nan_array(n);
    double *e2 = nan_array(t->nedges), *d2 = nan_array(t->nedges);
    if (!ro || !e1 || !d1 || !e2 || !d2) {
        st = qtr_fail(s->ctx, QTR_ENOMEM, "%s: out of memory", s->file);
        goto done;
    }

    for (size_t q = 0; jq && q < json_array_size(jq); q++) {
        const json_t *list = json_array_get(jq, q);
        if (!json_is_array(list)) {
            st = bad(s, "qubits[%zu]: expected an array, got %s", q, type_name(list));
            goto done;
        }
        for (size_t k = 0; k < json_array_size(list); k++) {
            const json_t *p = json_array_get(list, k);
            if (!json_is_object(p)) {
                st = bad(s, "qubits[%zu][%zu]: expected an object, got %s", q, k, type_name(p));
                goto done;
            }
            const json_t *nm = json_object_get(p, "name");
            if (!json_is_string(nm) || strcmp(json_string_value(nm), "readout_error") != 0)
                continue;
            snprintf(key, sizeof key, "qubits[%zu][%zu].value", q, k);
            if ((st = get_value(s, json_object_get(p, "value") ? json_object_get(p, "value")
                                                                 : json_null(),
                                key, 0, 1, &ro[q])))
                goto done;
        }
    }

    /* 1q error: sx when the basis has it (every other IBM 1q gate is either
     * virtual, rz, or built from sx); otherwise the worst 1q basis gate. */
    const int have_sx = t->basis[QTR_OP_SX];
    const qtr_op g2 = qtr_target_2q_gate(t);
    for (size_t i = 0; jg && i < json_array_size(jg); i++) {
        const json_t *g = json_array_get(jg, i);
        snprintf(key, sizeof key, "gates[%zu]", i);
        if (!json_is_object(g)) {
            st = bad(s, "%s: expected an object, got %s", key, type_name(g));
            goto done;
        }
        const json_t *name = json_object_get(g, "gate");
        const json_t *qs = json_object_get(g, "qubits");
        const json_t *params = json_object_get(g, "parameters");
        if (!json_is_string(name)) {
            st = bad(s, "%s.gate: expected a gate name, got %s", key,
                     name ? type_name(name) : "nothing");
            goto done;
        }
        if (!json_is_array(qs)) {
            st = bad(s, "%s.qubits: expected an array, got %s", key, qs ? type_name(qs) : "nothing");
            goto done;
        }
        if (params && !json_is_array(params)) {
            st = bad(s, "%s.parameters: expected an array, got %s", key, type_name(params));
            goto done;
        }
        int op = qiskit_op(json_string_value(name));
        /* Calibrations of gates outside the basis (IBM lists rzz, rx for
         * fractional-gate use) or of unknown instructions are not ours. */
        if (op < 0 || !t->basis[op] ||
            (qtr_gate((qtr_op)op)->props & (QTR_GP_NONUNITARY | QTR_GP_DIRECTIVE)))
            continue;
        size_t nq = json_array_size(qs);
        if (nq != qtr_gate((qtr_op)op)->nqubits) {
            st = bad(s, "%s.qubits: %zu qubits for gate '%s'", key, nq, qtr_gate((qtr_op)op)->name);
            goto done;
        }
        uint32_t q[2] = {0, 0};
        char qkey[112];
        for (size_t k = 0; k < nq && k < 2; k++) {
            snprintf(qkey, sizeof qkey, "%s.qubits[%zu]", key, k);
            if ((st = get_qubit(s, json_array_get(qs, k), qkey, n, &q[k]))) goto done;
        }
        double err = NAN, len = NAN;
        const char *unit = "";
        const json_t *ve = gate_param(s, params, "gate_error", key, NULL, &st);
        if (st) goto done;
        snprintf(qkey, sizeof qkey, "%s gate_error", key);
        if (ve && (st = get_value(s, ve, qkey, 0, 1, &err))) goto done;
        const json_t *vl = gate_param(s, params, "gate_length", key, &unit, &st);
        if (st) goto done;
        snprintf(qkey, sizeof qkey, "%s gate_length", key);
        if (vl && (st = get_value(s, vl, qkey, 0, INFINITY, &len))) goto done;
        if (vl && !isnan(len)) {
            double scale;
            if (time_scale(unit, &scale)) {
                st = bad(s, "%s: unknown time unit '%.16s'", qkey, unit);
                goto done;
            }
            len *= scale;
        }
        if (nq == 1) {
            uint32_t p = q[0];
            if (have_sx ? op == QTR_OP_SX : (!isnan(err) && (isnan(e1[p]) || err > e1[p]))) {
                e1[p] = err;
                d1[p] = len;
            }
        } else if (nq == 2 && op == (int)g2) {
            long e = qtr_target_edge_index(t, q[0], q[1]);
            if (e >= 0) {   /* a calibration for a pair the conf does not couple is unused */
                e2[e] = err;
                d2[e] = len;
            }
        }
    }

    drop_if_unknown(&ro, n);
    drop_if_unknown(&e1, n);
    drop_if_unknown(&d1, n);
    drop_if_unknown(&e2, t->nedges);
    drop_if_unknown(&d2, t->nedges);
    /* Hand the arrays to the target (replacing any it had). */
    free(t->err_readout);
    free(t->err1q);
    free(t->dur1q);
    free(t->err2q);
    free(t->dur2q);
    t->err_readout = ro;
    t->err1q = e1;
    t->dur1q = d1;
    t->err2q = e2;
    t->dur2q = d2;
    ro = e1 = d1 = e2 = d2 = NULL;
done:
    free(ro);
    free(e1);
    free(d1);
    free(e2);
    free(d2);
    return st;
}

/* Conf (and props, may be NULL) already parsed. */
static qtr_status qiskit_build(const char *conf_path, const json_t *conf, const char *props_path,
                               const json_t *props, qtr_target **out, qtr_ctx *ctx)
{
    src sc = {conf_path, ctx}, sp = {props_path, ctx};
    qtr_target *t = NULL;
    qtr_status st = qiskit_conf(&sc, conf, &t);
    if (!st && props) st = qiskit_props(&sp, props, t);
    if (st) {
        qtr_target_free(t);
        return st;
    }
    *out = t;
    return QTR_OK;
}

qtr_status qtr_target_load_qiskit(const char *conf_path, const char *props_path,
                                  qtr_target **out, qtr_ctx *ctx)
{
    json_t *conf = NULL, *props = NULL;
    *out = NULL;
    qtr_status st = read_json(conf_path, &conf, NULL, ctx);
    if (!st && props_path) st = read_json(props_path, &props, NULL, ctx);
    if (!st) st = qiskit_build(conf_path, conf, props_path, props, out, ctx);
    json_decref(conf);
    json_decref(props);
    return st;
}

/* ======================================================================
 * qtranspile's own format (doc/target-format.md)
 * ====================================================================== */

/* errors.1q / errors.readout / durations.1q: num_qubits values or nulls. */
static qtr_status own_per_qubit(const src *s, const json_t *v, const char *key, uint32_t n,
                                double hi, double **out)
{
    char k[96];
    if (!json_is_array(v)) return bad(s, "%s: expected an array, got %s", key, type_name(v));
    if (json_array_size(v) != n)
        return bad(s, "%s: %zu values for %u qubits", key, json_array_size(v), n);
    double *a = nan_array(n);
    if (!a) return qtr_fail(s->ctx, QTR_ENOMEM, "%s: out of memory", s->file);
    for (uint32_t q = 0; q < n; q++) {
        snprintf(k, sizeof k, "%s[%u]", key, q);
        qtr_status st = get_value(s, json_array_get(v, q), k, 0, hi, &a[q]);
        if (st) {
            free(a);
            return st;
        }
    }
    drop_if_unknown(&a, n);
    *out = a;
    return QTR_OK;
}

/* errors.2q / durations.2q: [a, b, value] triples. A triple sets edge (a, b);
 * the reverse edge (b, a), when it exists and has no triple of its own,
 * takes the same value (both directions of a coupler share one calibration). */
static qtr_status own_per_edge(const src *s, const json_t *v, const char *key, qtr_target *t,
                               double hi, double **out)
{
    char k[96];
    qtr_status st = QTR_OK;
    if (!json_is_array(v)) return bad(s, "%s: expected an array, got %s", key, type_name(v));
    double *a = nan_array(t->nedges);
    uint8_t *set = calloc(t->nedges ? t->nedges : 1, 1);
    if (!a || !set) {
        st = qtr_fail(s->ctx, QTR_ENOMEM, "%s: out of memory", s->file);
        goto done;
    }
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < json_array_size(v); i++) {
            const json_t *e = json_array_get(v, i);
            uint32_t p, q;
            double x;
            snprintf(k, sizeof k, "%s[%zu]", key, i);
            if ((st = get_pair(s, e, k, t->nqubits, 3, &p, &q)) ||
                (st = get_value(s, json_array_get(e, 2), k, 0, hi, &x)))
                goto done;
            long fwd = qtr_target_edge_index(t, p, q), rev = qtr_target_edge_index(t, q, p);
            if (pass == 0) {
                if (fwd < 0 && rev < 0) {
                    st = bad(s, "%s: (%u, %u) is not an edge", k, p, q);
                    goto done;
                }
                if (fwd >= 0) {
                    if (set[fwd]) {
                        st = bad(s, "%s: second value for edge (%u, %u)", k, p, q);
                        goto done;
                    }
                    a[fwd] = x;
                    set[fwd] = 1;
                }
            } else if (rev >= 0 && !set[rev]) {
                a[rev] = x;
                set[rev] = 2;   /* filled from the other direction */
            }
        }
    drop_if_unknown(&a, t->nedges);
    *out = a;
    a = NULL;
done:
    free(a);
    free(set);
    return st;
}

/* The "errors" or "durations" object. */
static qtr_status own_calibration(const src *s, const json_t *obj, const char *what,
                                  qtr_target *t, double hi, double **q1, double **ro, double **e2)
{
    char k[64];
    qtr_status st;
    if (!json_is_object(obj)) return bad(s, "%s: expected an object, got %s", what, type_name(obj));
    const char *name;
    json_t *v;
    json_object_foreach((json_t *)obj, name, v) {
        snprintf(k, sizeof k, "%s.%.32s", what, name);
        if (strcmp(name, "1q") == 0) st = own_per_qubit(s, v, k, t->nqubits, hi, q1);
        else if (strcmp(name, "readout") == 0 && ro) st = own_per_qubit(s, v, k, t->nqubits, hi, ro);
        else if (strcmp(name, "2q") == 0) st = own_per_edge(s, v, k, t, hi, e2);
        else
            return bad(s, "%s: unknown key (expected %s)", k,
                       ro ? "'1q', 'readout' or '2q'" : "'1q' or '2q'");
        if (st) return st;
    }
    return QTR_OK;
}

static qtr_status own_format(const src *s, const json_t *root, qtr_target **out)
{
    char key[96];
    qtr_status st;
    static const char *const known[] = {
        "format", "version", "name", "description", "num_qubits", "basis", "edges",
        "undirected_edges", "errors", "durations", NULL,
    };
    const char *name;
    json_t *v;
    json_object_foreach((json_t *)root, name, v) {
        size_t i = 0;
        while (known[i] && strcmp(known[i], name) != 0) i++;
        if (!known[i]) return bad(s, "unknown key '%.64s'", name);
    }
    const json_t *jf = json_object_get(root, "format");
    if (jf && (!json_is_string(jf) || strcmp(json_string_value(jf), "qtranspile-target") != 0))
        return bad(s, "format: expected \"qtranspile-target\"");
    const json_t *jv = json_object_get(root, "version");
    if (jv && (!json_is_integer(jv) || json_integer_value(jv) != 1))
        return bad(s, "version: this qtranspile reads version 1");
    const json_t *jname = json_object_get(root, "name");
    if (jname && !json_is_string(jname))
        return bad(s, "name: expected a string, got %s", type_name(jname));
    const json_t *jd = json_object_get(root, "description");
    if (jd && !json_is_string(jd))
        return bad(s, "description: expected a string, got %s", type_name(jd));

    const json_t *jn = json_object_get(root, "num_qubits");
    if (!json_is_integer(jn) || json_integer_value(jn) < 1 ||
        json_integer_value(jn) > (json_int_t)UINT32_MAX)
        return bad(s, "num_qubits: expected a positive integer, got %s",
                   json_is_integer(jn) ? "one out of range" : type_name(jn));
    uint32_t n = (uint32_t)json_integer_value(jn);

    const json_t *jb = json_object_get(root, "basis");
    if (!jb) return bad(s, "missing key 'basis'");
    if (!json_is_array(jb)) return bad(s, "basis: expected an array of gate names, got %s",
                                       type_name(jb));
    const json_t *je = json_object_get(root, "edges");
    const json_t *ju = json_object_get(root, "undirected_edges");
    if (!je && !ju && n > 1) return bad(s, "missing key 'edges' (or 'undirected_edges')");
    if (je && !json_is_array(je))
        return bad(s, "edges: expected an array of [a, b] pairs, got %s", type_name(je));
    if (ju && !json_is_array(ju))
        return bad(s, "undirected_edges: expected an array of [a, b] pairs, got %s", type_name(ju));

    basis_list basis = {{0}, NULL, 0, 0};
    for (size_t i = 0; i < json_array_size(jb); i++) {
        const json_t *g = json_array_get(jb, i);
        if (!json_is_string(g)) {
            free(basis.named);
            return bad(s, "basis[%zu]: expected a gate name, got %s", i, type_name(g));
        }
        const char *name = json_string_value(g);
        if ((st = basis_add(s, &basis, qtr_gate_lookup(name, strlen(name)), name, "basis", i))) {
            free(basis.named);
            return st;
        }
    }

    qtr_target *t = NULL;
    if ((st = qtr_target_new(&t, jname ? json_string_value(jname) : s->file, n, s->ctx))) {
        free(basis.named);
        goto done;
    }
    if ((st = apply_basis(s, t, &basis, "basis"))) goto done;
    for (int u = 0; u < 2; u++) {
        const json_t *list = u ? ju : je;
        for (size_t i = 0; list && i < json_array_size(list); i++) {
            uint32_t a, b;
            snprintf(key, sizeof key, "%s[%zu]", u ? "undirected_edges" : "edges", i);
            if ((st = get_pair(s, json_array_get(list, i), key, n, 2, &a, &b)) ||
                (st = qtr_target_add_edge(t, a, b, s->ctx)) ||
                (u && (st = qtr_target_add_edge(t, b, a, s->ctx))))
                goto done;
        }
    }
    if ((st = qtr_target_finish(t, s->ctx))) goto done;
    const json_t *jerr = json_object_get(root, "errors");
    const json_t *jdur = json_object_get(root, "durations");
    if (jerr && (st = own_calibration(s, jerr, "errors", t, 1, &t->err1q, &t->err_readout,
                                      &t->err2q)))
        goto done;
    if (jdur && (st = own_calibration(s, jdur, "durations", t, INFINITY, &t->dur1q, NULL,
                                      &t->dur2q)))
        goto done;
    *out = t;
    t = NULL;
done:
    qtr_target_free(t);
    return st;
}

/* ======================================================================
 * qtr_target_load
 * ====================================================================== */

/* "dir/conf_X.json" -> "dir/props_X.json" (malloc'ed), or NULL when the name
 * does not follow Qiskit's pattern. */
static char *props_beside(const char *conf_path)
{
    const char *slash = strrchr(conf_path, '/');
    const char *base = slash ? slash + 1 : conf_path;
    if (strncmp(base, "conf_", 5) != 0) return NULL;
    size_t dir = (size_t)(base - conf_path);
    size_t rest = strlen(base + 5);
    char *p = malloc(dir + 6 + rest + 1);
    if (!p) return NULL;
    memcpy(p, conf_path, dir);
    memcpy(p + dir, "props_", 6);
    memcpy(p + dir + 6, base + 5, rest + 1);
    return p;
}

qtr_status qtr_target_load(const char *spec, qtr_target **out, qtr_ctx *ctx)
{
    *out = NULL;
    if (!spec || !*spec) return qtr_fail(ctx, QTR_ETARGET, "empty target name");
    int matched;
    qtr_status st = qtr_target_load_builtin(spec, out, &matched, ctx);
    if (matched) return st;

    json_t *root = NULL, *props = NULL;
    char *props_path = NULL;
    int open_errno;
    st = read_json(spec, &root, &open_errno, ctx);
    if (st) {
        /* A bare word that is no file was most likely meant as a built-in. */
        if (open_errno == ENOENT && !strchr(spec, '/') && !strchr(spec, '.'))
            st = qtr_fail(ctx, QTR_ETARGET,
                          "unknown target '%s': not a built-in device, a generator "
                          "(line:N, ring:N, grid:RxC, heavy-hex:D, all:N) or a file",
                          spec);
        goto done;
    }
    src s = {spec, ctx};
    if (!json_is_object(root)) {
        st = bad(&s, "expected a JSON object at the top level");
    } else if (json_object_get(root, "n_qubits") || json_object_get(root, "coupling_map") ||
               json_object_get(root, "basis_gates")) {
        const char *slash = strrchr(spec, '/');
        props_path = props_beside(spec);
        if (!props_path && strncmp(slash ? slash + 1 : spec, "conf_", 5) == 0) {
            st = qtr_fail(ctx, QTR_ENOMEM, "%s: out of memory", spec);
            goto done;
        }
        if (props_path) {
            int perr;
            st = read_json(props_path, &props, &perr, ctx);
            if (st && perr == ENOENT) st = QTR_OK;   /* props are optional */
            if (st) goto done;
        }
        st = qiskit_build(spec, root, props ? props_path : NULL, props, out, ctx);
    } else if (json_object_get(root, "num_qubits")) {
        st = own_format(&s, root, out);
    } else if (json_object_get(root, "gates") && json_object_get(root, "qubits")) {
        st = bad(&s, "this is a Qiskit properties file; load the backend's conf_*.json "
                     "(its props_*.json beside it is read too)");
    } else {
        st = bad(&s, "not a target: no 'num_qubits' (qtranspile target, doc/target-format.md) "
                     "nor 'n_qubits'/'coupling_map'/'basis_gates' (Qiskit backend configuration)");
    }
done:
    json_decref(root);
    json_decref(props);
    free(props_path);
    return st;
}
