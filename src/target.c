/* target.c -- a device target: qubit count, basis gates, directed coupling
 * edges, the undirected adjacency derived from them, and optional
 * calibration arrays.
 *
 * Owns: everything a qtr_target points to (name, edges, adjacency, the error
 * and duration arrays). A target is not circuit memory: it is built once and
 * then shared read-only by every thread, so it uses plain malloc rather than
 * a circuit's accounting allocator.
 *
 * Life cycle: qtr_target_new, then qtr_target_set_basis / qtr_target_add_edge
 * in any order, then qtr_target_finish, which sorts and de-duplicates the
 * edges (permuting err2q/dur2q along with them if they are already present),
 * and builds the CSR adjacency. Adding an edge after finish drops the
 * adjacency until finish is called again. Loaders (io/target_*.c) fill the
 * per-edge arrays after finish, by qtr_target_edge_index, so indices are
 * stable from then on.
 *
 * No JSON here: file formats live in io/.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "pass.h"
#include "qtr.h"

/* More qubits than any device or generator we know of needs, and small enough
 * that nqubits + 1 offsets and the edge indices fit comfortably in uint32_t. */
#define TARGET_MAX_QUBITS (1u << 24)

/* ======================================================================
 * Construction
 * ====================================================================== */

static void free_named_gates(char **names, uint32_t n);

/* The non-unitary instructions and barrier are executable on every device;
 * marking them native keeps a naive "basis[op]" check from rejecting them. */
static void mark_always_allowed(qtr_target *t)
{
    t->basis[QTR_OP_MEASURE] = 1;
    t->basis[QTR_OP_RESET] = 1;
    t->basis[QTR_OP_BARRIER] = 1;
}

qtr_status qtr_target_new(qtr_target **out, const char *name, uint32_t nqubits, qtr_ctx *ctx)
{
    *out = NULL;
    if (nqubits == 0)
        return qtr_fail(ctx, QTR_ETARGET, "%s: a target needs at least one qubit",
                        name ? name : "target");
    if (nqubits > TARGET_MAX_QUBITS)
        return qtr_fail(ctx, QTR_ELIMIT, "%s: %u qubits exceeds the limit of %u",
                        name ? name : "target", nqubits, TARGET_MAX_QUBITS);
    qtr_target *t = calloc(1, sizeof *t);
    if (!t) return qtr_fail(ctx, QTR_ENOMEM, "target: out of memory");
    const char *nm = name ? name : "";
    size_t len = strlen(nm);
    t->name = malloc(len + 1);
    if (!t->name) {
        free(t);
        return qtr_fail(ctx, QTR_ENOMEM, "target: out of memory");
    }
    memcpy(t->name, nm, len + 1);
    t->nqubits = nqubits;
    mark_always_allowed(t);
    *out = t;
    return QTR_OK;
}

void qtr_target_free(qtr_target *t)
{
    if (!t) return;
    qtr_target_drop_plans(t);
    free(t->name);
    free(t->edges);
    free(t->adj_off);
    free(t->adj);
    free(t->edge_bits);
    free(t->dist);
    free(t->err1q);
    free(t->err_readout);
    free(t->err2q);
    free(t->dur1q);
    free(t->dur2q);
    free_named_gates(t->named_gates, t->nnamed_gates);
    free(t);
}

/* The struct has no capacity field for edges (it is a public, read-mostly
 * layout), so the capacity is implied by the count: the next power of two,
 * at least 16. The array is only ever grown to exactly this size, and
 * finish only shrinks the count, so the real allocation is never smaller. */
static size_t edge_cap(size_t n)
{
    size_t c = 16;
    while (c < n) c *= 2;
    return c;
}

static void drop_adjacency(qtr_target *t)
{
    free(t->adj_off);
    free(t->adj);
    free(t->edge_bits);
    free(t->dist);
    t->adj_off = NULL;
    t->adj = NULL;
    t->edge_bits = NULL;
    t->dist = NULL;
}

qtr_status qtr_target_add_edge(qtr_target *t, uint32_t a, uint32_t b, qtr_ctx *ctx)
{
    if (a >= t->nqubits || b >= t->nqubits)
        return qtr_fail(ctx, QTR_EQUBIT, "%s: edge (%u, %u): qubit %u out of range 0..%u",
                        t->name, a, b, a >= t->nqubits ? a : b, t->nqubits - 1);
    if (a == b)
        return qtr_fail(ctx, QTR_ETARGET, "%s: edge (%u, %u) joins a qubit to itself",
                        t->name, a, b);
    /* Each edge takes two adjacency slots, addressed by uint32_t offsets. */
    if (t->nedges >= UINT32_MAX / 2)
        return qtr_fail(ctx, QTR_ELIMIT, "%s: too many edges", t->name);
    /* Per-edge arrays filled before the edge list is complete would be
     * misaligned by a new edge; loaders fill them after finish. */
    if (t->err2q || t->dur2q)
        return qtr_fail(ctx, QTR_EINVAL, "%s: edge added after per-edge calibration data",
                        t->name);
    size_t n = t->nedges;
    if (n == 0 || n == edge_cap(n)) {
        size_t ncap = edge_cap(n + 1);
        void *p = realloc(t->edges, ncap * sizeof t->edges[0]);
        if (!p) return qtr_fail(ctx, QTR_ENOMEM, "%s: out of memory for %zu edges", t->name, ncap);
        t->edges = p;
    }
    t->edges[n][0] = a;
    t->edges[n][1] = b;
    t->nedges++;
    drop_adjacency(t);
    return QTR_OK;
}

/* ======================================================================
 * finish: sort, de-duplicate, build the adjacency
 * ====================================================================== */

typedef struct {
    uint64_t key;   /* a << 32 | b */
    uint32_t idx;   /* position before sorting, to carry per-edge data */
} edge_key;

static int cmp_edge_key(const void *x, const void *y)
{
    const edge_key *p = x, *q = y;
    if (p->key != q->key) return p->key < q->key ? -1 : 1;
    /* Stable on ties so the first occurrence of a duplicate is kept. */
    return p->idx < q->idx ? -1 : p->idx > q->idx;
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t p = *(const uint32_t *)x, q = *(const uint32_t *)y;
    return p < q ? -1 : p > q;
}

/* Reorder (and shrink) a per-edge array after sorting: out[k] = in[keys[k].idx]. */
static int permute_edge_data(double **arr, const edge_key *keys, uint32_t n)
{
    if (!*arr || n == 0) return 0;
    double *tmp = malloc((size_t)n * sizeof *tmp);
    if (!tmp) return -1;
    for (uint32_t k = 0; k < n; k++) tmp[k] = (*arr)[keys[k].idx];
    free(*arr);
    *arr = tmp;
    return 0;
}

qtr_status qtr_target_finish(qtr_target *t, qtr_ctx *ctx)
{
    uint32_t n = t->nqubits;
    uint32_t m = t->nedges;
    edge_key *keys = NULL;
    uint32_t *off = NULL, *adj = NULL;
    qtr_status st = QTR_OK;

    /* The edges array is public, so check what add_edge would have checked. */
    if (m >= UINT32_MAX / 2) return qtr_fail(ctx, QTR_ELIMIT, "%s: too many edges", t->name);
    for (uint32_t i = 0; i < m; i++) {
        uint32_t a = t->edges[i][0], b = t->edges[i][1];
        if (a >= n || b >= n)
            return qtr_fail(ctx, QTR_EQUBIT, "%s: edge %u (%u, %u): qubit out of range 0..%u",
                            t->name, i, a, b, n - 1);
        if (a == b)
            return qtr_fail(ctx, QTR_ETARGET, "%s: edge %u (%u, %u) joins a qubit to itself",
                            t->name, i, a, b);
    }

    drop_adjacency(t);
    if (m) {
        keys = malloc((size_t)m * sizeof *keys);
        if (!keys) goto nomem;
        for (uint32_t i = 0; i < m; i++) {
            keys[i].key = (uint64_t)t->edges[i][0] << 32 | t->edges[i][1];
            keys[i].idx = i;
        }
        qsort(keys, m, sizeof *keys, cmp_edge_key);
        uint32_t u = 0;   /* unique count */
        for (uint32_t i = 0; i < m; i++)
            if (u == 0 || keys[i].key != keys[u - 1].key) keys[u++] = keys[i];
        if (permute_edge_data(&t->err2q, keys, u) || permute_edge_data(&t->dur2q, keys, u))
            goto nomem;
        for (uint32_t k = 0; k < u; k++) {
            t->edges[k][0] = (uint32_t)(keys[k].key >> 32);
            t->edges[k][1] = (uint32_t)keys[k].key;
        }
        t->nedges = m = u;
    }

    /* CSR of the undirected graph: each directed edge contributes both ends,
     * then each row is sorted and de-duplicated (a pair listed in both
     * directions is one neighbour). */
    off = calloc((size_t)n + 1, sizeof *off);
    if (!off) goto nomem;
    for (uint32_t i = 0; i < m; i++) {
        off[t->edges[i][0] + 1]++;
        off[t->edges[i][1] + 1]++;
    }
    for (uint32_t p = 0; p < n; p++) off[p + 1] += off[p];
    adj = malloc(((size_t)2 * m + 1) * sizeof *adj);
    if (!adj) goto nomem;
    {
        uint32_t *fill = malloc((size_t)n * sizeof *fill);
        if (!fill) goto nomem;
        memcpy(fill, off, (size_t)n * sizeof *fill);
        for (uint32_t i = 0; i < m; i++) {
            uint32_t a = t->edges[i][0], b = t->edges[i][1];
            adj[fill[a]++] = b;
            adj[fill[b]++] = a;
        }
        free(fill);
    }
    /* Compact rows in place: row p's unique entries move down to start at
     * the new offset, which is never past the old one. */
    {
        uint32_t w = 0, start = 0;
        for (uint32_t p = 0; p < n; p++) {
            uint32_t end = off[p + 1];
            qsort(adj + start, end - start, sizeof *adj, cmp_u32);
            uint32_t row = w;
            for (uint32_t k = start; k < end; k++)
                if (w == row || adj[w - 1] != adj[k]) adj[w++] = adj[k];
            off[p] = row;
            start = end;
        }
        off[n] = w;
    }
    if (n <= QTR_TARGET_BITMAP_MAX) {
        size_t words = ((size_t)n * n + 63) / 64;
        uint64_t *bits = calloc(words, sizeof *bits);
        if (!bits) goto nomem;
        for (uint32_t i = 0; i < m; i++) {
            uint64_t k = (uint64_t)t->edges[i][0] * n + t->edges[i][1];
            bits[k >> 6] |= (uint64_t)1 << (k & 63);
        }
        t->edge_bits = bits;
    }
    t->adj_off = off;
    t->adj = adj;
    off = adj = NULL;
    if (n <= QTR_TARGET_DIST_MAX && m <= 8 * (size_t)n) {
        uint32_t *d32 = NULL;
        uint16_t *d16 = malloc((size_t)n * n * sizeof *d16 + 1);
        if (!d16 || (st = qtr_target_distances(t, &d32, ctx))) {
            free(d16);
            if (!st) goto nomem;
            goto done;
        }
        for (size_t i = 0; i < (size_t)n * n; i++)
            d16[i] = d32[i] >= UINT16_MAX ? UINT16_MAX : (uint16_t)d32[i];
        free(d32);
        t->dist = d16;
    }
    goto done;

nomem:
    st = qtr_fail(ctx, QTR_ENOMEM, "%s: out of memory building the coupling graph", t->name);
done:
    free(keys);
    free(off);
    free(adj);
    return st;
}

/* ======================================================================
 * Queries
 * ====================================================================== */

long qtr_target_edge_index(const qtr_target *t, uint32_t a, uint32_t b)
{
    if (a >= t->nqubits || b >= t->nqubits) return -1;
    if (t->edge_bits && !qtr_target_has_edge(t, a, b)) return -1;
    if (!t->adj_off) {
        /* Not finished: edges are in insertion order. */
        for (uint32_t i = 0; i < t->nedges; i++)
            if (t->edges[i][0] == a && t->edges[i][1] == b) return (long)i;
        return -1;
    }
    uint64_t key = (uint64_t)a << 32 | b;
    size_t lo = 0, hi = t->nedges;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint64_t k = (uint64_t)t->edges[mid][0] << 32 | t->edges[mid][1];
        if (k == key) return (long)mid;
        if (k < key) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}

int qtr_target_connected(const qtr_target *t, uint32_t a, uint32_t b)
{
    if (a >= t->nqubits || b >= t->nqubits || a == b) return 0;
    if (t->edge_bits) return qtr_target_has_edge(t, a, b) || qtr_target_has_edge(t, b, a);
    if (!t->adj_off)
        return qtr_target_edge_index(t, a, b) >= 0 || qtr_target_edge_index(t, b, a) >= 0;
    /* Search the shorter of the two sorted rows. */
    uint32_t lo = t->adj_off[a], hi = t->adj_off[a + 1], x = b;
    if (t->adj_off[b + 1] - t->adj_off[b] < hi - lo) {
        lo = t->adj_off[b];
        hi = t->adj_off[b + 1];
        x = a;
    }
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (t->adj[mid] == x) return 1;
        if (t->adj[mid] < x) lo = mid + 1;
        else hi = mid;
    }
    return 0;
}

int qtr_target_all_to_all(const qtr_target *t)
{
    uint32_t n = t->nqubits;
    if (n <= 1) return 1;
    if (!t->adj_off) {
        for (uint32_t a = 0; a < n; a++)
            for (uint32_t b = a + 1; b < n; b++)
                if (!qtr_target_connected(t, a, b)) return 0;
        return 1;
    }
    /* Rows are de-duplicated and exclude p itself, so degree n-1 means
     * connected to everyone. */
    for (uint32_t p = 0; p < n; p++)
        if (t->adj_off[p + 1] - t->adj_off[p] != n - 1) return 0;
    return 1;
}

qtr_op qtr_target_2q_gate(const qtr_target *t)
{
    /* The usual hardware entanglers first, so a basis that also lists, say,
     * fractional rzz still reports its calibrated cz. */
    static const qtr_op preferred[] = {QTR_OP_CX, QTR_OP_CZ, QTR_OP_ECR, QTR_OP_ISWAP};
    for (size_t i = 0; i < sizeof preferred / sizeof preferred[0]; i++)
        if (t->basis[preferred[i]]) return preferred[i];
    for (int op = 0; op < QTR_OP_COUNT; op++)
        if (t->basis[op] && qtr_gate((qtr_op)op)->nqubits == 2) return (qtr_op)op;
    return QTR_OP_NOP;
}

qtr_status qtr_target_distances(const qtr_target *t, uint32_t **dist, qtr_ctx *ctx)
{
    *dist = NULL;
    if (!t->adj_off)
        return qtr_fail(ctx, QTR_EINVAL, "%s: qtr_target_distances needs qtr_target_finish first",
                        t->name);
    size_t n = t->nqubits;
    if (n > SIZE_MAX / sizeof(uint32_t) / n)
        return qtr_fail(ctx, QTR_ELIMIT, "%s: distance matrix for %zu qubits is too large",
                        t->name, n);
    uint32_t *d = malloc(n * n * sizeof *d);
    uint32_t *queue = malloc(n * sizeof *queue);
    if (!d || !queue) {
        free(d);
        free(queue);
        return qtr_fail(ctx, QTR_ENOMEM, "%s: out of memory for a %zu x %zu distance matrix",
                        t->name, n, n);
    }
    if (t->dist) {   /* kept by qtr_target_finish */
        for (size_t i = 0; i < n * n; i++) d[i] = t->dist[i] == UINT16_MAX ? UINT32_MAX : t->dist[i];
        free(queue);
        *dist = d;
        return QTR_OK;
    }
    /* One BFS per source: O(n (n + m)), fine for devices of a few thousand
     * qubits, and exact hop counts (no floating point). */
    for (size_t s = 0; s < n; s++) {
        uint32_t *row = d + s * n;
        for (size_t k = 0; k < n; k++) row[k] = UINT32_MAX;
        row[s] = 0;
        size_t head = 0, tail = 0;
        queue[tail++] = (uint32_t)s;
        while (head < tail) {
            uint32_t p = queue[head++];
            for (uint32_t k = t->adj_off[p]; k < t->adj_off[p + 1]; k++) {
                uint32_t q = t->adj[k];
                if (row[q] == UINT32_MAX) {
                    row[q] = row[p] + 1;
                    queue[tail++] = q;
                }
            }
        }
    }
    free(queue);
    *dist = d;
    return QTR_OK;
}

static void free_named_gates(char **names, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) free(names[i]);
    free(names);
}

/* Add name [b, b+len) to the named gates once. */
static int add_named_gate(char ***names, uint32_t *n, const char *b, size_t len)
{
    for (uint32_t i = 0; i < *n; i++)
        if (strlen((*names)[i]) == len && memcmp((*names)[i], b, len) == 0) return 0;
    char **grown = realloc(*names, (*n + 1) * sizeof *grown);
    if (!grown) return -1;
    *names = grown;
    char *copy = malloc(len + 1);
    if (!copy) return -1;
    memcpy(copy, b, len);
    copy[len] = '\0';
    grown[(*n)++] = copy;
    return 0;
}

qtr_status qtr_target_set_basis(qtr_target *t, const char *list, qtr_ctx *ctx)
{
    uint8_t basis[QTR_OP_COUNT];
    memset(basis, 0, sizeof basis);
    char **named = NULL;
    uint32_t nnamed = 0;
    size_t count = 0;
    qtr_status st = QTR_OK;
    const char *s = list ? list : "";
    for (;;) {
        /* One comma-separated item, surrounding blanks ignored. */
        while (*s == ' ' || *s == '\t') s++;
        const char *b = s;
        while (*s && *s != ',') s++;
        const char *e = s;
        while (e > b && (e[-1] == ' ' || e[-1] == '\t')) e--;
        size_t len = (size_t)(e - b);
        int shown = (int)(len > 64 ? 64 : len);
        if (len == 0) {
            if (*s == '\0' && count == 0)
                st = qtr_fail(ctx, QTR_ETARGET, "%s: basis: empty gate list", t->name);
            else
                st = qtr_fail(ctx, QTR_ETARGET, "%s: basis: empty gate name in '%s'", t->name,
                              list ? list : "");
            break;
        }
        int op = qtr_gate_lookup(b, len);
        if (op == QTR_OP_OPAQUE || (len == 3 && memcmp(b, "nop", 3) == 0)) {
            st = qtr_fail(ctx, QTR_ETARGET, "%s: basis: '%.*s' is not a gate name", t->name,
                          shown, b);
            break;
        }
        if (op >= 0) {
            basis[op] = 1;
        } else if (!qtr_gate_name_valid(b, len)) {
            st = qtr_fail(ctx, QTR_ETARGET, "%s: basis: '%.*s' is not a gate name (a letter or "
                          "'_', then letters, digits or '_')", t->name, shown, b);
            break;
        } else if (add_named_gate(&named, &nnamed, b, len)) {
            st = qtr_fail(ctx, QTR_ENOMEM, "%s: basis: out of memory", t->name);
            break;
        }
        count++;
        if (*s == '\0') break;
        s++;   /* past the comma */
    }
    if (st) {
        free_named_gates(named, nnamed);
        return st;
    }
    memcpy(t->basis, basis, sizeof basis);
    free_named_gates(t->named_gates, t->nnamed_gates);
    t->named_gates = named;
    t->nnamed_gates = nnamed;
    qtr_target_drop_plans(t);   /* made for the old basis */
    mark_always_allowed(t);
    return QTR_OK;
}

int qtr_target_has_gate_named(const qtr_target *t, const char *name)
{
    int op = qtr_gate_lookup(name, strlen(name));
    if (op >= 0) return op != QTR_OP_OPAQUE && t->basis[op];
    for (uint32_t i = 0; i < t->nnamed_gates; i++)
        if (strcmp(t->named_gates[i], name) == 0) return 1;
    return 0;
}
