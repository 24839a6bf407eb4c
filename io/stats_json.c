/* stats_json.c -- the --stats report as JSON (jansson). Borrows the result;
 * the JSON tree is built, dumped and freed within the call. */
#include <errno.h>
#include <string.h>
#include <jansson.h>
#include "qtr_io.h"

static json_t *counts_object(const qtr_stats *s)
{
    json_t *o = json_object();
    for (int op = 0; o && op < QTR_OP_COUNT; op++)
        if (s->counts[op]) json_object_set_new(o, qtr_gate((qtr_op)op)->name, json_integer((json_int_t)s->counts[op]));
    return o;
}

static json_t *stats_object(const qtr_stats *s)
{
    return json_pack("{s:o, s:I, s:I, s:I, s:I}", "counts", counts_object(s), "size",
                     (json_int_t)s->size, "2q", (json_int_t)s->n2q, "depth", (json_int_t)s->depth,
                     "depth_2q", (json_int_t)s->depth_2q);
}

static json_t *index_array(const uint32_t *v, uint32_t n)
{
    json_t *a = json_array();
    for (uint32_t i = 0; a && i < n; i++) json_array_append_new(a, json_integer(v[i]));
    return a;
}

qtr_status qtr_result_write_json(const qtr_result *r, const qtr_report_info *info,
                                 const char *path, qtr_ctx *ctx)
{
    json_t *stages = json_object();
    for (int s = 0; stages && s < QTR_STAGE_COUNT; s++)
        json_object_set_new(stages, qtr_stage_name((qtr_stage)s), json_real(r->seconds[s]));
    if (stages) {
        json_object_set_new(stages, "read", json_real(info->read_seconds));
        json_object_set_new(stages, "write", json_real(info->write_seconds));
    }
    json_t *root = json_pack(
        "{s:s?, s:s?, s:s?, s:b, s:o, s:o, s:I, s:I, s:f, s:o, s:I, s:I, s:I, s:o, s:o}",
        "input", info->input, "output", info->output, "target", info->target, "streamed",
        info->streamed, "input_stats", stats_object(&r->in), "output_stats",
        stats_object(&r->out), "2q", (json_int_t)r->out.n2q, "depth_2q",
        (json_int_t)r->out.depth_2q, "seconds", info->total_seconds, "stage_seconds", stages,
        "peak_circuit_bytes", (json_int_t)r->peak_bytes, "swaps", (json_int_t)r->swaps,
        "num_virtual_qubits", (json_int_t)r->nvirtual, "initial_layout",
        index_array(r->initial_layout, r->nvirtual), "output_permutation",
        index_array(r->output_permutation, r->nvirtual));
    if (!root) return qtr_fail(ctx, QTR_ENOMEM, "%s: building the JSON report", path);
    json_object_set_new(root, "depth", json_integer((json_int_t)r->out.depth));
    int rc = strcmp(path, "-") == 0 ? json_dumpf(root, stdout, JSON_INDENT(1) | JSON_SORT_KEYS)
                                    : json_dump_file(root, path, JSON_INDENT(1) | JSON_SORT_KEYS);
    json_decref(root);
    if (rc) return qtr_fail(ctx, QTR_EIO, "%s: cannot write the statistics: %s", path, strerror(errno));
    return QTR_OK;
}
