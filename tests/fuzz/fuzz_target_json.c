#define _GNU_SOURCE   /* memmem */
/* fuzz_target_json.c -- libFuzzer target: the target JSON loader, Qiskit's
 * conf_*.json with its props_*.json and qtranspile's own format.
 *
 * The input is one file, or a configuration and a properties file joined by
 * a line "@@props@@". They are written to a private directory as
 * conf_fuzz.json and props_fuzz.json and loaded through qtr_target_load, the
 * path users take (the loader picks the format from the keys).
 *
 * Promises checked: no crash, leak or undefined behaviour; a failure's
 * message names a file; a target that loads has consistent edges (in range,
 * found by qtr_target_edge_index) and a small circuit transpiles onto it or
 * fails with a message. */
#include <unistd.h>
#include "fuzz_common.h"
#include "qtr.h"
#include "qtr_io.h"

static char conf_path[256], props_path[256];

static void paths_init(void)
{
    if (conf_path[0]) return;
    const char *tmp = getenv("TMPDIR");
    char dir[200];
    snprintf(dir, sizeof dir, "%s/qtr-fuzz-target-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        abort();
    }
    snprintf(conf_path, sizeof conf_path, "%s/conf_fuzz.json", dir);
    snprintf(props_path, sizeof props_path, "%s/props_fuzz.json", dir);
}

static void put(const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    FUZZ_REQUIRE(f != NULL, "cannot write %s", path);
    if (len) fwrite(data, 1, len, f);
    fclose(f);
}

/* A few gates on three qubits: enough to need layout, routing and basis
 * translation on most targets. */
static void try_transpile(const qtr_target *t)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 3);
    ctx.max_memory = (size_t)64 << 20;
    qtr_circuit *c = NULL;
    static const char prog[] = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[3];\ncreg c[3];\n"
                               "h q[0];\ncx q[0],q[2];\nrz(0.3) q[1];\ncx q[2],q[1];\n"
                               "ccx q[0],q[1],q[2];\nmeasure q -> c;\n";
    FUZZ_REQUIRE(qtr_qasm_read_mem(prog, sizeof prog - 1, "prog", &c, &ctx) == QTR_OK, "%s",
                 ctx.msg);
    qtr_options o;
    qtr_options_default(&o);
    o.opt_level = 1;
    qtr_status st = qtr_transpile(c, t, &o, NULL, &ctx);
    if (st) FUZZ_REQUIRE(ctx.msg[0] != '\0', "transpile failed (%d) without a message", (int)st);
    else FUZZ_REQUIRE(qtr_target_check_circuit(t, c, &ctx) == QTR_OK, "%s", ctx.msg);
    qtr_circuit_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char sep[] = "\n@@props@@\n";
    paths_init();
    const uint8_t *cut = size >= sizeof sep - 1 ? memmem(data, size, sep, sizeof sep - 1) : NULL;
    size_t conf_len = cut ? (size_t)(cut - data) : size;
    put(conf_path, data, conf_len);
    if (cut) put(props_path, cut + sizeof sep - 1, size - conf_len - (sizeof sep - 1));
    else unlink(props_path);

    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 1);
    qtr_target *t = NULL;
    qtr_status st = qtr_target_load(conf_path, &t, &ctx);
    if (st) {
        FUZZ_REQUIRE(t == NULL, "a failed load returned a target");
        FUZZ_REQUIRE(strstr(ctx.msg, "conf_fuzz.json") || strstr(ctx.msg, "props_fuzz.json"),
                     "failure message names no file: '%s'", ctx.msg);
        return 0;
    }
    for (uint32_t e = 0; e < t->nedges; e++) {
        uint32_t a = t->edges[e][0], b = t->edges[e][1];
        FUZZ_REQUIRE(a < t->nqubits && b < t->nqubits && a != b, "edge %u (%u, %u) of %u qubits", e,
                     a, b, t->nqubits);
        FUZZ_REQUIRE(qtr_target_edge_index(t, a, b) >= 0, "edge (%u, %u) not found", a, b);
    }
    if (t->nqubits >= 3 && t->nqubits <= 64) try_transpile(t);
    qtr_target_free(t);
    return 0;
}
