/* fuzz_h5_sweep.c -- libFuzzer target: the reader of the /sweep group
 * (templates, their values, and in a sweep run's results the mode and each
 * template's outcome), on whole files opened from memory
 * (qtr_h5_sweep_read_image), so the fuzzer mutates sweep files as they lie
 * on disk: truncated, bit-flipped, wrong dtypes and shapes, values tables
 * claiming 2^40 rows, attributes and strings pointing outside the file.
 *
 * Promises checked: no crash, leak or undefined behaviour; a failure has a
 * message naming the file; a sweep that reads is whole (every template
 * has a name and text, one parameter name per column, finite values, and
 * in results an outcome per template with layouts of its length); nothing
 * stays open after the read. A budget caps what a values table may take. */
#include <hdf5.h>
#include <math.h>
#include "fuzz_common.h"
#include "qtr.h"
#include "h5_sweep.h"

#define NAME "fuzz.h5"
#define BUDGET ((size_t)16 << 20)

static void check_sweep(const qtr_sweep *s)
{
    for (size_t i = 0; i < s->n; i++) {
        const qtr_sweep_template *t = &s->t[i];
        FUZZ_REQUIRE(t->name && t->text, "template %zu without its name or text", i);
        FUZZ_REQUIRE(!t->nparams || t->pnames, "template %zu: no parameter names", i);
        for (size_t p = 0; p < t->nparams; p++)
            FUZZ_REQUIRE(t->pnames[p], "template %zu: parameter %zu has no name", i, p);
        for (uint64_t k = 0; k < t->nrows * t->nparams; k++)
            FUZZ_REQUIRE(isfinite(t->values[k]), "template %zu: value %llu not finite", i,
                         (unsigned long long)k);
        const qtr_sweep_outcome *o = s->out ? &s->out[i] : NULL;
        if (!o || !o->nvirtual) continue;
        FUZZ_REQUIRE(o->initial_layout && o->output_permutation,
                     "template %zu: outcome without its layouts", i);
        /* touched whole: a layout shorter than nvirtual is caught by ASan */
        volatile uint64_t sum = 0;
        for (uint32_t v = 0; v < o->nvirtual; v++)
            sum += o->initial_layout[v] + (uint64_t)o->output_permutation[v];
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 1);
    ctx.max_memory = BUDGET;
    qtr_sweep s;
    if (qtr_h5_sweep_read_image(data, size, NAME, &s, &ctx)) {
        FUZZ_REQUIRE(s.n == 0 && s.t == NULL && s.out == NULL, "a failed read left a sweep");
        FUZZ_REQUIRE_MESSAGE(&ctx, NAME);
    } else {
        check_sweep(&s);
        qtr_sweep_free(&s);
    }
    ssize_t open = H5Fget_obj_count((hid_t)H5F_OBJ_ALL, H5F_OBJ_ALL);
    FUZZ_REQUIRE(open == 0, "%lld HDF5 objects left open", (long long)open);
    return 0;
}
