/* pipeline.c -- optimisation levels as tables of stages, run top to bottom.
 *
 * Stages follow Qiskit's preset pass managers (design/ALGORITHMS.md §2.3):
 *   init         at L1-L3 first relative-phase Toffoli pairs (beyond Qiskit);
 *                unroll 3+-qubit gates; at L1-L3 also the clean-up of
 *                qtr_optimize_init (swaps it elides are composed into the
 *                output permutation at the end);
 *   layout       L0 trivial; L1 trivial when it needs no swaps, else VF2Layout,
 *                else SABRE layout (which also routes); L2/L3 VF2Layout, else
 *                SABRE layout with more trials / iterations (level_routing[]);
 *   routing      SABRE swap insertion when the layout still needs it ("basic"
 *                heuristic at L0, lookahead + decay above), then VF2PostLayout
 *                after a SABRE layout (L1-L3, targets with error rates);
 *   translation  basis translation and 2q gate directions;
 *   optimization L1-L3: qtr_optimize_loop; at L3, after a SABRE layout on a
 *                target with error rates, strict VF2PostLayout (directions
 *                kept, so the output still conforms).
 *   best of seeds at L2/L3, small circuits laid out by SABRE: layout to
 *                optimisation run again with other seeds, the output with
 *                the fewest 2q gates kept (beyond Qiskit; run_best_of_seeds);
 *                at L2/L3 also runs whose ccx gates are unrolled with other
 *                operand roles (role variants, from the circuit before init);
 *                then quick reruns (a smaller layout search) for mid-sized
 *                circuits, then routing to optimisation run again from the
 *                kept layout with other routing seeds (reroutes), same rule.
 *
 * Borrows: the target (read only). Rewrites: the circuit. Owns: the layout
 * arrays it hands over in qtr_result. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "common.h"
#include "pass.h"
#include "sabre.h"

static const char *const stage_names[QTR_STAGE_COUNT] = {
    [QTR_STAGE_INIT] = "init",           [QTR_STAGE_LAYOUT] = "layout",
    [QTR_STAGE_ROUTING] = "routing",     [QTR_STAGE_TRANSLATION] = "translation",
    [QTR_STAGE_OPTIMIZATION] = "optimization",
};

const char *qtr_stage_name(qtr_stage s)
{
    return (unsigned)s < QTR_STAGE_COUNT ? stage_names[s] : "?";
}

void qtr_options_default(qtr_options *o)
{
    o->opt_level = 2;
    o->seed = 0;
    o->layout_trials = 0;
    o->swap_trials = 0;
    o->approximation_degree = 1.0;
}

/* Layout and routing settings per level (ALGORITHMS.md §2.3-§2.4, §3.5).
 * Level 2 gives all 20 swap trials only to the 4 best of its 23 refined
 * layouts (ranked by each one's first trial): on the device benchmark the 2q
 * count stayed within 0.2% of running all of them (geometric mean), at about
 * half the CPU time.
 * Level 1 gives its 5 swap trials only to the best of its refined layouts:
 * on the same benchmark its time fell by about a third (12.4 -> 8.0 s, the
 * same load) for a 2q geometric mean of 1.179 instead of 1.167 of Qiskit's
 * level 2, still never above level 0's count on any circuit.
 * Level 3 gives them to its 8 best refined layouts (Qiskit: all 23); on the
 * device benchmark the 2q geometric mean stayed 0.959 at under half the
 * CPU time (64.9 -> 30.2 s, with the prefix below).
 *
 * Circuits whose routing DAG has more than PREFIX_NODES nodes refine their
 * starting layouts on that prefix only (pass_layout_sabre.c says why); level
 * 1 also ranks them there, so only its finalist routes the whole circuit. On
 * the device benchmark (torino; CPU seconds, one thread, same load): level 1
 * 5.71 -> 3.31 s with a 2q geometric mean of 1.176 instead of 1.179; level 2
 * 22.0 -> 16.0 s, 0.958 both; prefixes of 2,000 and 10,000 nodes gave the
 * same geometric means within 0.001.
 *
 * Levels 1 and 2 route their finalists in parts of max(1000, 50 x
 * interacting qubits) DAG nodes when that makes two parts or more, the best
 * of 5 trials per part (the swap trials / chunk_div, so --swap-trials still
 * scales them; pass_layout_sabre.c), and level 2 ranks long circuits on the
 * prefix too. On the device benchmark (torino, seed 0, one thread, base and
 * new alternated): level 2's 2q geometric mean 0.817 -> 0.815 of Qiskit's,
 * the hwb and clifford circuits 21.3/25.6 -> 12.0/11.2 s (hwb12 545,899 ->
 * 525,947 cz); level 1's 1.018 -> 1.016 at the same time. Only hwb8-12
 * change; shorter circuits (the QAOA of the benchmark: 588 nodes) are
 * routed as before.
 * Parts of max(400, 50 x interacting qubits) nodes at level 1 and
 * max(400, 20 x ...) at level 2 (were max(1000, 50 x ...)): device
 * benchmark (seed 0) 2q geometric mean / 2q depth, level 1 1.01571 /
 * 1.00771 -> 1.01492 / 1.00699, level 2 0.78971 / 0.78350 -> 0.78873 /
 * 0.78158. Parts of 400 nodes whatever the width were faster on the
 * 100-qubit circuits but gave a deeper routing there (the part boundary
 * is a barrier): level 2 0.78963 / 0.78673, gf2^32_mult's 2q depth 3,465
 * -> 4,379 (tests/bench/README.md, issue 21, fourth session). Circuits of
 * fewer than 600 nodes make one part. */
#define PREFIX_NODES 5000
typedef struct {
    int            trivial_first;  /* keep the trivial layout when it needs no swaps */
    qtr_vf2_limits vf2;            /* call_limit 0: no VF2Layout */
    uint32_t       iterations, layout_trials, swap_trials;   /* SABRE layout; 0: none */
    uint32_t       finalists;      /* layouts given every swap trial (0: all) */
    uint32_t       prefix_nodes;   /* refine layouts on this DAG prefix (0: all) */
    int            rank_on_prefix; /* rank them there too */
    qtr_vf2_limits vf2post;        /* call_limit 0: no VF2PostLayout */
    qtr_vf2_limits vf2post_strict; /* after optimisation; call_limit 0: none */
    int            route_basic;    /* routing heuristic: "basic" (L0) or lookahead + decay */
    uint32_t       route_trials;
    uint32_t       chunk_nodes, chunk_per_qubit;   /* finalists routed in parts
                                                      (qtr_sabre_layout_opts) */
    uint32_t       chunk_div;      /* trials per part: the swap trials / this (at least 1) */
} level_routing;

static const level_routing levels[4] = {
    {1, {0, 0, 0}, 0, 0, 0, 0, 0, 0, {0, 0, 0}, {0, 0, 0}, 1, 5, 0, 0, 0},
    {1, {50000, 1000, 0}, 2, 5, 5, 1, PREFIX_NODES, 1, {50000, 50000, 2500}, {0, 0, 0}, 0, 5,
     400, 50, 1},
    {0, {5000000, 10000, 0}, 2, 20, 20, 4, PREFIX_NODES, 1, {50000, 50000, 2500}, {0, 0, 0}, 0,
     20, 400, 20, 4},
    {0, {30000000, 100000, 0}, 4, 20, 20, 8, PREFIX_NODES, 0, {30000000, 30000000, 250000},
     {300000, 300000, 2500}, 0, 20, 400, 0, 2},
};

void qtr_result_free(qtr_result *r)
{
    if (!r) return;
    free(r->initial_layout);
    free(r->output_permutation);
    r->initial_layout = r->output_permutation = NULL;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- stages ------------------------------------------------------------ */

/* Qiskit unrolls 3+-qubit gates in init only when there is connectivity to
 * respect; an all-to-all target leaves them for translation. */
static qtr_status stage_init(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx)
{
    return qtr_pass_unroll3q(c, t, ctx);
}

/* Levels 2-3 resynthesise 2q blocks after routing, so a swap right after a
 * 2q gate on the same pair costs 1 more CX-class gate, not 3 (the idea of
 * Liu, Li & Zhou, "Not all SWAPs have the same cost", HPCA 2022): SABRE
 * multiplies such a swap's score by SWAP_ABSORB and ranks its trials by
 * what their swaps cost. Level 1 does not resynthesise, so there it would
 * only cost swaps (device benchmark, level 1: 1.018 -> 1.071). Circuits of
 * more than ABSORB_MAX_2Q 2q gates before routing (hwb10-12 in the device
 * benchmark) route as before: on them it changed the 2q count by -1.2% to
 * +1.2% for about 10% more instructions (callgrind, hwb10 -O 2: 6.20 G ->
 * 6.77 G). Device benchmark (torino, 2q geometric mean over Qiskit 2.2's
 * level 2), level 2: 0.807 -> 0.791 (factor 0.95: 0.796, 0.85: 0.794; 0.8
 * without ranking by cost: 0.802); level 3: 0.789 -> 0.779. */
#define SWAP_ABSORB 0.9
#define ABSORB_MAX_2Q 20000
static uint64_t count_2q(const qtr_circuit *c);

static double swap_absorb(const qtr_circuit *c, int level)
{
    return level >= 2 && count_2q(c) <= ABSORB_MAX_2Q ? SWAP_ABSORB : 0.0;
}

/* Level 2 gives large circuits fewer layout and swap trials: the level's
 * count times W / (2q gates x qubits) above W = trial_work[level] (never
 * below TRIALS_MIN), where --layout-trials / --swap-trials are not given.
 * Since routing takes commutation into account, QAOA N100 keeps most of its
 * gain with a tenth of the trials, and the time of level 2 is spent on the
 * largest circuits. Device benchmark (torino, one thread; tests/bench/
 * README.md, issue 21, fifth session): 2q geometric mean 0.761 -> 0.764,
 * CPU 8.47 -> 6.05 s; QAOA N100 mean 2q over seeds 0-9 5916 -> 6027 at
 * 0.356 -> 0.215 CPU s per run (square_heisenberg_N100 1248 -> 1413,
 * mod_adder_1024 2825 -> 3036, gf2^32_mult 18501 -> 19693 cz; W = 10000
 * gave 0.768, a floor of 4 or 6 0.766). With W = 30000 gf2^32_mult came to
 * 1.058x Qiskit's count and square_heisenberg_N100 to 1.044x; floors of
 * 12 and 16 traded one for the other (square_heisenberg 1.111x, 1.089x).
 * W = 2,000,000 scales only the largest circuits (hwb11, hwb12 here):
 * device benchmark at level 2, Clifford synthesis merged, 0.734 -> 0.729,
 * no circuit above 1.000x Qiskit, QAOA N100 back at 5,986 cz (seed 0) and
 * its full trials; CPU 6.88 -> 8.07 s (measured one after the other under
 * CI load, tests/bench/README.md). */
static const uint64_t trial_work[4] = {0, 0, 2000000, 0};
/* Where the layout's probe chooses the commutation DAG (pass_layout_sabre.c:
 * pick_dag), the rule applies from W = 30000 as first measured: that is
 * where the fewer trials kept QAOA's gain, and the circuits that lost with
 * them (gf2^32_mult, qft_N100, mod_adder_1024) route on the strict DAG.
 * Measured in tests/bench/README.md (issue 21, fifth session, "the trials
 * where the probe chose commutation"). */
static const uint64_t commute_trial_work[4] = {0, 0, 30000, 0};
#define TRIALS_MIN 8

static uint32_t scaled_by(uint32_t trials, uint64_t work, uint64_t w)
{
    if (!w || work <= w || trials <= TRIALS_MIN) return trials;
    uint64_t t = (trials * w + work / 2) / work;
    return t < TRIALS_MIN ? TRIALS_MIN : (uint32_t)t;
}

/* Layout: choose where each virtual qubit starts (r->initial_layout) and
 * put the circuit on the target's physical qubits. A SABRE layout routes the
 * circuit at the same time (*routed = 1, r->output_permutation set). With
 * @p give_up, a SABRE layout whose probe routing's swaps cost at least that
 * gives up: r->swaps = UINT64_MAX, the circuit unchanged. */
static qtr_status stage_layout(qtr_circuit *c, const qtr_target *t, const qtr_options *o,
                               int try_vf2, uint64_t give_up, qtr_result *r, int *routed,
                               qtr_ctx *ctx)
{
    uint32_t n = c->nqubits, N = t->nqubits;
    const level_routing *L = &levels[o->opt_level];
    if (n > N)
        return qtr_fail(ctx, QTR_ETARGET, "circuit has %u qubits, target '%s' only %u", n,
                        t->name, N);
    uint32_t *layout = r->initial_layout;
    int found = 0;
    for (uint32_t v = 0; v < n; v++) layout[v] = v;
    /* nothing to choose on an all-to-all device; L0 and a perfect trivial
     * layout at L1 keep v -> v */
    if (o->opt_level == 0 || qtr_target_all_to_all(t) ||
        (L->trivial_first && qtr_layout_is_perfect(c, t)))
        found = 1;
    qtr_status st;
    if (!found && try_vf2 && L->vf2.call_limit &&
        (st = qtr_pass_layout_vf2(c, t, &L->vf2, layout, &found, ctx)))
        return st;
    if (!found && L->layout_trials) {
        uint32_t swap_trials = o->swap_trials ? o->swap_trials : L->swap_trials;
        uint32_t chunk_trials = !L->chunk_div                ? 0
                                : swap_trials < L->chunk_div ? 1
                                                             : swap_trials / L->chunk_div;
        /* the parts' trials (long circuits) stay the level's */
        uint64_t work = count_2q(c) * c->nqubits;
        uint64_t w = trial_work[o->opt_level], wc = commute_trial_work[o->opt_level];
        uint32_t layout_trials = o->layout_trials ? o->layout_trials
                                                  : scaled_by(L->layout_trials, work, w);
        if (!o->swap_trials) swap_trials = scaled_by(swap_trials, work, w);
        qtr_sabre_layout_opts so = {
            .iterations = L->iterations,
            .layout_trials = layout_trials,
            .swap_trials = swap_trials,
            .commute_layout_trials = o->layout_trials ? 0 : scaled_by(layout_trials, work, wc),
            .commute_swap_trials = o->swap_trials ? 0 : scaled_by(swap_trials, work, wc),
            .seed = o->seed,
            .finalists = L->finalists,
            .prefix_nodes = L->prefix_nodes,
            .rank_on_prefix = L->rank_on_prefix,
            .chunk_nodes = L->chunk_nodes,
            .chunk_per_qubit = L->chunk_per_qubit,
            .chunk_trials = chunk_trials,
            .absorb = swap_absorb(c, o->opt_level),
            .probe_trials = o->opt_level == 1 ? 1 : 0,   /* level 1: a cheaper probe */
            .give_up_cost = give_up,
        };
        if ((st = qtr_pass_layout_sabre(c, t, &so, layout, r->output_permutation, &r->swaps,
                                        ctx)))
            return st;
        *routed = 1;
        return QTR_OK;
    }
    return qtr_circuit_remap_qubits(c, layout, N, ctx);
}

/* Routing: insert swaps when the layout left 2q gates off the coupling map;
 * after a SABRE layout, try to move the routed circuit onto better qubits. */
static qtr_status stage_routing(qtr_circuit *c, const qtr_target *t, const qtr_options *o,
                                qtr_result *r, int routed, qtr_ctx *ctx)
{
    uint32_t n = r->nvirtual, N = t->nqubits;
    const level_routing *L = &levels[o->opt_level];
    qtr_status st = QTR_OK;
    uint32_t *perm = malloc((N ? N : 1) * sizeof *perm);
    if (!perm) return qtr_fail(ctx, QTR_ENOMEM, "routing permutation of %u qubits", N);
    if (!routed) {
        memcpy(r->output_permutation, r->initial_layout, n * sizeof *r->initial_layout);
        if (!qtr_layout_is_perfect(c, t)) {
            qtr_route_opts ro = {L->route_basic, o->swap_trials ? o->swap_trials : L->route_trials,
                                 o->seed, swap_absorb(c, o->opt_level)};
            if ((st = qtr_pass_route_sabre(c, t, &ro, perm, &r->swaps, ctx))) goto done;
            for (uint32_t v = 0; v < n; v++)
                r->output_permutation[v] = perm[r->initial_layout[v]];
        }
    } else if (L->vf2post.call_limit) {
        int moved = 0;
        if ((st = qtr_pass_vf2post(c, t, &L->vf2post, perm, &moved, ctx))) goto done;
        if (moved)
            for (uint32_t v = 0; v < n; v++) {
                r->initial_layout[v] = perm[r->initial_layout[v]];
                r->output_permutation[v] = perm[r->output_permutation[v]];
            }
    }
done:
    free(perm);
    return st;
}

/* Level 3 after optimisation (Qiskit's optimization stage): the strict
 * VF2PostLayout may move the finished circuit onto better qubits; the
 * layouts follow the relabelling. */
static qtr_status post_layout_strict(qtr_circuit *c, const qtr_target *t,
                                     const qtr_vf2_limits *lim, qtr_result *r, qtr_ctx *ctx)
{
    uint32_t N = t->nqubits;
    uint32_t *perm = malloc((N ? N : 1) * sizeof *perm);
    if (!perm) return qtr_fail(ctx, QTR_ENOMEM, "post-layout permutation of %u qubits", N);
    int moved = 0;
    qtr_status st = qtr_pass_vf2post_strict(c, t, lim, perm, &moved, ctx);
    if (!st && moved)
        for (uint32_t v = 0; v < r->nvirtual; v++) {
            r->initial_layout[v] = perm[r->initial_layout[v]];
            r->output_permutation[v] = perm[r->output_permutation[v]];
        }
    free(perm);
    return st;
}

/* The chunked level-0 path has no router: a laid-out chunk must already have
 * every 2q gate on a coupling edge (either direction: translation fixes
 * directions). */
qtr_status qtr_pass_check_routing(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx)
{
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        if (in->op == QTR_OP_BARRIER || in->op == QTR_OP_MEASURE || in->nargs < 2) continue;
        const uint32_t *q = qtr_inst_operands(c, in);
        if (in->nargs > 2)
            return qtr_fail(ctx, QTR_EUNSUPPORTED, "instruction %zu: '%s' on %u qubits after unrolling",
                            i, qtr_gate((qtr_op)in->op)->name, in->nargs);
        if (!qtr_target_connected(t, q[0], q[1]))
            return qtr_fail(ctx, QTR_EUNSUPPORTED,
                            "instruction %zu: '%s' on physical qubits %u and %u, which are not "
                            "coupled on '%s': this circuit needs routing, which the chunked "
                            "level-0 path does not do (transpile it whole)",
                            i, qtr_gate((qtr_op)in->op)->name, q[0], q[1], t->name);
    }
    return QTR_OK;
}

static qtr_status stage_translation(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx)
{
    qtr_status st = qtr_pass_basis(c, t, ctx);
    if (!st) st = qtr_pass_direction(c, t, ctx);
    return st;
}

/* A gate without a definition (OpenQASM 2 `opaque`) cannot be translated:
 * it passes through only when the target's basis names it. */
static qtr_status refuse_opaque(const qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx)
{
    return qtr_target_check_opaque(t, c, ctx);
}

qtr_status qtr_transpile_chunk_level0(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx)
{
    qtr_status st = refuse_opaque(c, t, ctx);
    if (!st) st = stage_init(c, t, ctx);
    if (!st) st = qtr_pass_check_routing(c, t, ctx);
    if (!st) st = stage_translation(c, t, ctx);
    return st;
}

/* ---- after init: one run, and the best of several seeds ------------------ */

/* Layout, routing, translation and optimisation with seed o->seed. Stage
 * seconds add up in r->seconds; *seeded: a SABRE layout ran, so another seed
 * may give another result (VF2Layout and trivial layouts do not use it, so a
 * rerun with another seed skips VF2Layout: it failed the first time).
 * @p given_layout: no layout stage; the circuit is put on r->initial_layout
 * (a SABRE layout of an earlier run) and routed from there with o->seed. */
static qtr_status run_from_layout(qtr_circuit *c, const qtr_target *t, const qtr_options *o,
                                  double approx, int given_layout, uint64_t give_up,
                                  qtr_result *r, int *seeded, qtr_ctx *ctx)
{
    double t1 = now();
    int routed = 0;   /* SABRE layout routed the circuit already */
    qtr_status st = given_layout
                        ? qtr_circuit_remap_qubits(c, r->initial_layout, t->nqubits, ctx)
                        : stage_layout(c, t, o, !*seeded, give_up, r, &routed, ctx);
    double t2 = now();
    if (!st && routed && r->swaps == UINT64_MAX) {   /* gave up (give_up) */
        r->seconds[QTR_STAGE_LAYOUT] += t2 - t1;
        *seeded = 0;
        return QTR_OK;
    }
    if (!st) st = stage_routing(c, t, o, r, routed, ctx);
    double t3 = now();
    if (!st) st = stage_translation(c, t, ctx);
    double t4 = now();
    if (!st && o->opt_level >= 1) st = qtr_optimize_loop_approx(c, t, o->opt_level, approx, ctx);
    if (!st && (routed || given_layout) && levels[o->opt_level].vf2post_strict.call_limit)
        st = post_layout_strict(c, t, &levels[o->opt_level].vf2post_strict, r, ctx);
    double t5 = now();
    r->seconds[QTR_STAGE_LAYOUT] += t2 - t1;
    r->seconds[QTR_STAGE_ROUTING] += t3 - t2;
    r->seconds[QTR_STAGE_TRANSLATION] += t4 - t3;
    r->seconds[QTR_STAGE_OPTIMIZATION] += t5 - t4;
    *seeded = routed || given_layout;
    return st;
}

/* Best of several seeds (beyond Qiskit's passes). A SABRE layout keeps the
 * best of its trials, but it ranks them by swaps, before translation and
 * optimisation: how many swaps later merge with the circuit's own 2q gates,
 * and what the optimisation loop then removes, it cannot see. So a small
 * circuit whose first run used SABRE is run again whole, from the same
 * post-init circuit, with seeds seed+1, seed+2, ...; the output with the
 * fewest 2q gates (then the lowest 2q depth, then the earliest) is kept.
 * The runs share a budget of 2q gates routed per level: a circuit with n of
 * them after init runs min(cap, budget / n) times (level 2: 3 runs up to
 * 133, 2 up to 200; level 3: 8 up to 1000, 4 up to 2000, 2 up to 4000).
 * Level 2's budget is what its time goal leaves (0.2 x Qiskit's time on the
 * device benchmark): 400 took its 2q geometric mean from 0.843 to 0.817 for
 * about 12% more instructions, 1600 to 0.807 for about 45% more. Figures:
 * tests/bench/README.md, "best of seeds". Level 2's cap of 3 (and of 4
 * reroutes, below; both were 8 and 16): on small circuits each run is a
 * whole layout search, so the caps set their cost: 150 random 2-12-qubit
 * circuits of the batch bench's mix, 19,526 -> 19,827 cz (+1.5%) in 6.69
 * -> 3.66 CPU s; device benchmark 0.730 -> 0.731, no circuit above 1.000x
 * Qiskit (tests/bench/README.md, issue 21, seventh session).
 *
 * Quick reruns (level 3): whole runs as above, with QUICK_TRIALS layout
 * and swap trials instead of the level's 20 and 20 (about a fifth of a
 * layout search), so circuits too large for full reruns get other layouts
 * too: min(4, budget / (n q)) of them for q qubits (a routing step costs
 * more the more qubits the front and its candidate swaps span). Device
 * benchmark: level 3 0.779 -> 0.776; at level 2 they gave 0.791 -> 0.785
 * for 10-17% more CPU time, which its time goal does not leave.
 *
 * Reroutes: the kept output's layout is then routed again with other
 * routing seeds (each the best of REROUTE_TRIALS trials, as the router
 * ranks them), translated and optimised, and kept by the same rule.
 * Which routing of a layout loses the fewest 2q gates to optimisation the
 * router cannot see either, and a reroute costs routing and optimisation,
 * not a layout search (most of a run's time on the larger circuits). The
 * circuit's 2q gates after init share a budget: min(cap, budget / n)
 * reroutes (cap: 4 at level 2, 16 at level 3). Device benchmark, level 2:
 * 2q geometric mean 0.817 -> 0.807 with B = 8000 (tests/bench/README.md, "reroutes and swap absorption");
 * with swap absorption, B = 8000 gave 0.791, 2000 0.792 and none 0.795, at
 * two threads 13-16 s, about 12 s and 11.6 s (budget 11.4 s), so B = 2000.
 *
 * Role variants (levels 2-3, circuits with ccx): whole runs as the reruns, but
 * from the circuit before init, its ccx unrolled by qtr_pass_unroll3q_roles
 * with roles seed k (run k uses seed + k): which pair of each ccx's operands
 * gets the two cx that end its ccz form, and in which order the other two
 * alternate, decides where routing must bring them together, and no router
 * sees that choice. min(cap, budget / n) of them; a variant whose init
 * elided other swaps than the first run's is skipped (its output
 * permutation would differ). Device benchmark, level 3 (with the finalists
 * in parts of 1000 nodes): 2q geometric mean 0.757 -> 0.746 for budget
 * 8000 -> 64000 (up to 8 and 32 runs), CPU time 55.7 -> 108.4 s; without
 * variants 0.774; level 2: 0.790 -> 0.771 with budget 800 (up to 8), CPU
 * time 7.58 -> 7.70 s (1600, up to 32: 0.764, 11.1 s). tests/bench/README.md,
 * "fourth round". */
static const uint32_t reseed_budget_2q[4] = {0, 0, 400, 8000};
static const uint32_t quick_budget_2q_qubits[4] = {0, 0, 0, 120000};
static const uint32_t reroute_budget_2q[4] = {0, 0, 2000, 80000};
static const uint32_t reroute_trials[4] = {0, 0, 5, 10};
static const uint32_t variant_budget_2q[4] = {0, 0, 800, 64000};
static const uint32_t variant_max_runs[4] = {0, 0, 8, 32};
static const uint32_t reseed_max_runs[4] = {1, 1, 3, 8};
static const uint32_t reroute_max[4] = {0, 0, 4, 16};
/* the seeds of quick reruns and reroutes follow those of up to
 * RESEED_MAX_RUNS runs and QUICK_MAX_RUNS quick reruns */
#define RESEED_MAX_RUNS 8
#define QUICK_MAX_RUNS 4
#define QUICK_TRIALS 4

/* A circuit that is one Clifford gets its device synthesis (no routing)
 * first; the SABRE run then gives up after its layout's probe when the
 * probe's cheapest routing's swaps alone cost CLIFFORD_GIVE_UP times the
 * synthesis's 2q gates (the full search finds some 10-30% fewer swaps than
 * the probe, and optimisation keeps most of them). clifford_100 on torino,
 * level 2: probe 56,467 against 2 x 11,219, output byte-identical, 7.03 G
 * -> 2.0 G instructions (tests/bench/README.md, issue 21, sixth session). */
#define CLIFFORD_GIVE_UP 2

static uint64_t count_2q(const qtr_circuit *c)
{
    uint64_t n2q = 0;
    for (size_t i = 0; i < c->ninst; i++)
        n2q += c->inst[i].nargs == 2 && c->inst[i].op != QTR_OP_BARRIER;
    return n2q;
}

/* min(cap, budget / n2q), at least 1; 1 also when nothing is to be routed */
static uint32_t runs_within(uint64_t n2q, uint32_t budget, uint32_t cap)
{
    uint64_t runs = n2q ? budget / n2q : 1;
    return runs < 1 ? 1 : runs > cap ? cap : (uint32_t)runs;
}

uint32_t qtr_pipeline_reseed_runs(const qtr_circuit *c, int level)
{
    return runs_within(count_2q(c), reseed_budget_2q[level], reseed_max_runs[level]);
}

/* runs_within for a cost of @p cost, but 0 when it is over the budget or 0 */
static uint32_t extra_runs(uint64_t cost, uint32_t budget, uint32_t cap)
{
    return cost && budget >= cost ? runs_within(cost, budget, cap) : 0;
}

uint32_t qtr_pipeline_quick_reruns(const qtr_circuit *c, int level)
{
    return extra_runs(count_2q(c) * c->nqubits, quick_budget_2q_qubits[level], QUICK_MAX_RUNS);
}

uint32_t qtr_pipeline_role_variants(const qtr_circuit *c, int level)
{
    return extra_runs(count_2q(c), variant_budget_2q[level], variant_max_runs[level]);
}

uint32_t qtr_pipeline_reroutes(const qtr_circuit *c, int level)
{
    return extra_runs(count_2q(c), reroute_budget_2q[level], reroute_max[level]);
}

/* fewer 2q gates, then a lower 2q depth */
static int better_output(const qtr_stats *a, const qtr_stats *b)
{
    return a->n2q != b->n2q ? a->n2q < b->n2q : a->depth_2q < b->depth_2q;
}

static void swap_results(qtr_circuit *c, qtr_circuit *d, qtr_result *r, qtr_result *q)
{
    qtr_circuit tc = *c;
    *c = *d;
    *d = tc;
    uint32_t *l = r->initial_layout, *p = r->output_permutation;
    uint64_t sw = r->swaps;
    r->initial_layout = q->initial_layout;
    r->output_permutation = q->output_permutation;
    r->swaps = q->swaps;
    q->initial_layout = l;
    q->output_permutation = p;
    q->swaps = sw;
}

/* A candidate's result: layouts for @p n virtual on @p N physical qubits. */
static qtr_status candidate_result(qtr_result *q, uint32_t n, uint32_t N, qtr_ctx *ctx)
{
    q->nvirtual = n;
    q->nphysical = N;
    q->initial_layout = malloc((n ? n : 1) * sizeof *q->initial_layout);
    q->output_permutation = malloc((n ? n : 1) * sizeof *q->output_permutation);
    return !q->initial_layout || !q->output_permutation
               ? qtr_fail(ctx, QTR_ENOMEM, "layout of %u qubits", n)
               : QTR_OK;
}

/* A candidate's stage seconds count in the kept result, kept or not. */
static void add_stage_seconds(qtr_result *r, const qtr_result *q)
{
    for (int s = 0; s < QTR_STAGE_COUNT; s++) r->seconds[s] += q->seconds[s];
}

/* A role variant's post-init circuit: @p pre unrolled with roles seed @p k and
 * cleaned up as the first run's was; *out NULL when its elided swaps differ
 * from @p elided (its output permutation would need another composition). */
static qtr_status role_variant(const qtr_circuit *pre, const qtr_target *t, int level,
                               uint64_t k, const uint32_t *elided, qtr_circuit **out,
                               qtr_ctx *ctx)
{
    uint32_t n = pre->nqubits;
    uint32_t *el = malloc((n ? n : 1) * sizeof *el);
    qtr_circuit *d = NULL;
    *out = NULL;
    qtr_status st = !el ? qtr_fail(ctx, QTR_ENOMEM, "elided permutation of %u qubits", n)
                        : qtr_circuit_clone(pre, &d, ctx);
    if (!st) st = qtr_pass_unroll3q_roles(d, t, k, ctx);
    if (!st) st = qtr_optimize_init(d, t, level, el, ctx);
    if (!st && !memcmp(el, elided, n * sizeof *el)) {
        *out = d;
        d = NULL;
    }
    qtr_circuit_free(d);
    free(el);
    return st;
}

/* ---- candidates, one after another or on a team of threads ---------------- */

/* What one candidate runs: a whole run with options o (from the post-init
 * circuit, or from ccx role variant @p roles when that is not 0), or, with
 * @p reroute, a routing of the kept output's initial layout. */
typedef struct {
    qtr_options o;
    int         reroute;
    uint64_t    roles;
} cand_spec;

/* What it made: its output d (NULL when a role variant had none), layouts,
 * statistics, status and message, and the peaks of the copies it held. */
typedef struct {
    qtr_circuit *d;
    qtr_result   q;
    qtr_stats    s;
    qtr_status   st;
    qtr_ctx      ctx;
    size_t       vpeak;   /* its role variant's post-init copy */
} cand_out;

/* The read-only inputs every candidate of a choice shares. */
typedef struct {
    const qtr_circuit *base, *pre;   /* post-init circuit; before unrolling (variants) */
    const uint32_t    *elided;
    const qtr_target  *t;
    double             approx;
    uint32_t           n, N;
} cand_env;

/* The kept output so far and what lived beside it. */
typedef struct {
    qtr_circuit *c;
    qtr_result  *r;
    qtr_stats   *best;
    size_t       other_peak, variant_peak;
} cand_keep;

static void cand_out_free(cand_out *out)
{
    qtr_circuit_free(out->d);
    qtr_result_free(&out->q);
    out->d = NULL;
}

/* Run candidate @p sp into *out; a reroute starts from @p layout. */
static void make_candidate(const cand_env *e, const cand_spec *sp, const uint32_t *layout,
                           const qtr_ctx *parent, cand_out *out)
{
    qtr_circuit *vb = NULL, *d = NULL;
    int seeded = 1;   /* the first run's SABRE layout: VF2Layout found none */
    memset(out, 0, sizeof *out);
    out->ctx = *parent;
    out->ctx.msg[0] = '\0';
    qtr_ctx *ctx = &out->ctx;
    const qtr_circuit *from = e->base;
    qtr_status st = QTR_OK;
    if (sp->roles) {
        st = role_variant(e->pre, e->t, sp->o.opt_level, sp->roles, e->elided, &vb, ctx);
        if (!vb) {   /* none (its elided swaps differ), or a failure */
            out->st = st;
            return;
        }
        from = vb;
        out->vpeak = vb->alloc.peak;
    }
    st = candidate_result(&out->q, e->n, e->N, ctx);
    if (!st) st = qtr_circuit_clone(from, &d, ctx);
    if (!st && sp->reroute) memcpy(out->q.initial_layout, layout, e->n * sizeof *layout);
    if (!st)
        st = run_from_layout(d, e->t, &sp->o, e->approx, sp->reroute, 0, &out->q, &seeded, ctx);
    if (!st) st = qtr_circuit_stats(d, &out->s, ctx);
    if (vb && vb->alloc.peak > out->vpeak) out->vpeak = vb->alloc.peak;
    qtr_circuit_free(vb);
    out->d = d;
    out->st = st;
}

/* Offer a made candidate: kept in k->c and k->r when it beats *k->best;
 * its stage seconds count either way. Consumes *out; returns its status
 * (the message copied into @p ctx). */
static qtr_status offer_candidate(cand_keep *k, cand_out *out, qtr_ctx *ctx)
{
    qtr_status st = out->st;
    if (st) {
        memcpy(ctx->msg, out->ctx.msg, sizeof ctx->msg);
    } else if (out->d && better_output(&out->s, k->best)) {
        swap_results(k->c, out->d, k->r, &out->q);
        *k->best = out->s;
    }
    if (out->d) add_stage_seconds(k->r, &out->q);
    if (out->d && out->d->alloc.peak > k->other_peak) k->other_peak = out->d->alloc.peak;
    if (out->vpeak > k->variant_peak) k->variant_peak = out->vpeak;
    cand_out_free(out);
    return st;
}

/* Threads for @p n candidates: the team a region of trials would get here
 * (qtr_sabre_threads: one inside a batch worker's), at most n. Under a
 * memory budget (the command line always sets one: doc/reliability.md) only
 * when that many candidates, the kept circuit and the post-init copy, each
 * taking about what the first run took (@p c's peak), fill at most half of
 * it; otherwise one at a time, as the budget counts them. */
static uint32_t candidate_threads(uint32_t n, const qtr_circuit *c)
{
    uint32_t t = qtr_sabre_threads(n, 1);
    if (t > 1 && c->alloc.limit && ((uint64_t)t + 2) * c->alloc.peak > c->alloc.limit / 2)
        return 1;
    return t;
}

/* Run @p n candidates and keep the best, exactly as one after another in
 * order would: on a team they are made in parallel and offered in order
 * (an ordered loop), a failure stops the offers after it, and a reroute
 * made from the layout kept before the loop is made again, in turn, when
 * an earlier offer changed that layout (level 3's VF2PostLayout can).
 * Returns the threads used (*st: the first failure's status). */
static uint32_t run_candidates(const cand_env *e, const cand_spec *spec, uint32_t n,
                               cand_keep *k, qtr_status *st, qtr_ctx *ctx)
{
    uint32_t nthr = candidate_threads(n, k->c);
    *st = QTR_OK;
    if (nthr == 1) {
        for (uint32_t i = 0; i < n && !*st; i++) {
            cand_out out;
            make_candidate(e, &spec[i], k->r->initial_layout, ctx, &out);
            *st = offer_candidate(k, &out, ctx);
        }
        return 1;
    }
    uint32_t *start = malloc((e->n ? e->n : 1) * sizeof *start);
    if (!start) {
        *st = qtr_fail(ctx, QTR_ENOMEM, "layout of %u qubits", e->n);
        return 1;
    }
    memcpy(start, k->r->initial_layout, e->n * sizeof *start);
    qtr_ctx proto = *ctx;   /* the settings the threads copy (offers write ctx) */
    int stop = 0;
#pragma omp parallel for ordered schedule(dynamic, 1) num_threads(nthr)
    for (uint32_t i = 0; i < n; i++) {
        cand_out out;
        int skip;
#pragma omp atomic read
        skip = stop;
        if (!skip) make_candidate(e, &spec[i], start, &proto, &out);
#pragma omp ordered
        {
            if (!skip && !stop) {
                if (spec[i].reroute && memcmp(start, k->r->initial_layout, e->n * sizeof *start)) {
                    cand_out_free(&out);
                    make_candidate(e, &spec[i], k->r->initial_layout, &proto, &out);
                }
                qtr_status s1 = offer_candidate(k, &out, ctx);
                if (s1) {
                    *st = s1;
#pragma omp atomic write
                    stop = 1;
                }
            } else if (!skip) {
                cand_out_free(&out);
            }
        }
    }
    free(start);
    return nthr;
}

/* Levels 2-3: a circuit that is one Clifford also gets a candidate
 * synthesised along the coupling graph (qtr_pass_clifford_device), which
 * needs no routing, kept by the same rule as the reruns. */
int qtr_pipeline_clifford_device(const qtr_circuit *c, const qtr_target *t)
{
    return c->nqubits >= 3 && !qtr_target_all_to_all(t) && count_2q(c) >= 2 * (uint64_t)c->nqubits;
}

/* The Clifford candidate (translated and optimised) of a copy of @p base in
 * *out, its layouts in *q and statistics in *sd; *out NULL when @p base is
 * not one Clifford, or the candidate did not fit the memory budget. */
static qtr_status clifford_candidate(const qtr_circuit *base, const qtr_target *t,
                                     const qtr_options *o, double approx, qtr_circuit **out,
                                     qtr_result *q, qtr_stats *sd, qtr_ctx *ctx)
{
    uint32_t n = base->nqubits;
    qtr_circuit *d = NULL;
    int done = 0, seeded = 1;
    *out = NULL;
    qtr_status st = candidate_result(q, n, t->nqubits, ctx);
    if (!st) st = qtr_circuit_clone(base, &d, ctx);
    if (!st) st = qtr_pass_clifford_device(d, t, q->initial_layout, &done, ctx);
    if (!st && done) st = run_from_layout(d, t, o, approx, 1, 0, q, &seeded, ctx);
    if (!st && done) st = qtr_circuit_stats(d, sd, ctx);
    if (!st && done) {
        *out = d;
        d = NULL;
    }
    qtr_circuit_free(d);
    return st == QTR_ENOMEM ? QTR_OK : st;   /* over budget: no candidate */
}

/* The candidates after a first run with options @p o, in the order they
 * are offered: runs - 1 reseeds, the role variants, the quick reruns, then
 * the reroutes (spec holds all of them). */
static void list_candidates(const qtr_options *o, uint32_t runs, uint32_t variants,
                            uint32_t quick, uint32_t reroutes, cand_spec *spec)
{
    uint32_t m = 0;
    for (uint32_t k = 1; k < runs; k++, m++) {
        spec[m] = (cand_spec){*o, 0, 0};
        spec[m].o.seed = o->seed + k;
    }
    for (uint32_t k = 0; k < variants; k++, m++) {
        spec[m] = (cand_spec){*o, 0, k + 1};
        spec[m].o.seed = o->seed + k;
    }
    for (uint32_t k = 0; k < quick; k++, m++) {
        spec[m] = (cand_spec){*o, 0, 0};
        spec[m].o.layout_trials = spec[m].o.swap_trials = QUICK_TRIALS;
        spec[m].o.seed = o->seed + RESEED_MAX_RUNS + k;
    }
    for (uint32_t k = 0; k < reroutes; k++, m++) {
        spec[m] = (cand_spec){*o, 1, 0};
        spec[m].o.swap_trials = reroute_trials[o->opt_level];
        spec[m].o.seed = o->seed + RESEED_MAX_RUNS + QUICK_MAX_RUNS + k;
    }
}

static qtr_status run_best_of_seeds(qtr_circuit *c, const qtr_target *t, const qtr_options *o,
                                    double approx, const qtr_circuit *pre, const uint32_t *elided,
                                    qtr_result *r, qtr_ctx *ctx)
{
    uint32_t runs = qtr_pipeline_reseed_runs(c, o->opt_level);
    uint32_t quick = qtr_pipeline_quick_reruns(c, o->opt_level);
    uint32_t reroutes = qtr_pipeline_reroutes(c, o->opt_level);
    uint32_t variants = pre ? qtr_pipeline_role_variants(c, o->opt_level) : 0;
    int clifford = o->opt_level >= 2 && qtr_pipeline_clifford_device(c, t);
    qtr_circuit *base = NULL, *cd = NULL;   /* cd: the Clifford candidate */
    qtr_result cq = {0};
    qtr_stats best, cs;
    int seeded = 0;
    qtr_status st = runs > 1 || quick || reroutes || variants || clifford
                        ? qtr_circuit_clone(c, &base, ctx)
                        : QTR_OK;
    /* the Clifford candidate first: SABRE gives up when its probe routing's
     * swaps alone cost CLIFFORD_GIVE_UP times the candidate's 2q gates */
    if (!st && clifford) st = clifford_candidate(base, t, o, approx, &cd, &cq, &cs, ctx);
    uint64_t give_up = cd ? CLIFFORD_GIVE_UP * (cs.n2q ? cs.n2q : 1) : 0;
    if (!st) st = run_from_layout(c, t, o, approx, 0, give_up, r, &seeded, ctx);
    if (!st && cd && r->swaps == UINT64_MAX) {   /* gave up: the candidate is the output */
        swap_results(c, cd, r, &cq);
        add_stage_seconds(r, &cq);
        c->alloc.peak += base->alloc.peak + cd->alloc.peak;   /* they lived beside it */
        goto done;
    }
    if (st || !base || !seeded) goto done;
    st = qtr_circuit_stats(c, &best, ctx);
    /* the candidates after the first run: reseeds, role variants and quick
     * reruns, then reroutes of the layout kept after them */
    uint32_t nspec = runs - 1 + variants + quick, nthr = 1;
    cand_spec *spec = st ? NULL : malloc(((size_t)nspec + reroutes + 1) * sizeof *spec);
    if (!st && !spec) st = qtr_fail(ctx, QTR_ENOMEM, "%u candidates", nspec + reroutes);
    if (spec) list_candidates(o, runs, variants, quick, reroutes, spec);
    cand_env env = {base, pre, elided, t, approx, r->nvirtual, r->nphysical};
    cand_keep keep = {c, r, &best, 0, 0};
    if (!st) nthr = run_candidates(&env, spec, nspec, &keep, &st, ctx);
    if (!st) {
        uint32_t n2 = run_candidates(&env, spec + nspec, reroutes, &keep, &st, ctx);
        if (n2 > nthr) nthr = n2;
    }
    free(spec);
    if (!st && cd) {
        if (better_output(&cs, &best)) swap_results(c, cd, r, &cq);
        add_stage_seconds(r, &cq);
    }
    if (st == QTR_ENOMEM) st = QTR_OK;   /* a candidate over budget: keep the best so far */
    /* the post-init copy, one candidate per thread (with its variant's
     * post-init copy) and the Clifford candidate (or, kept, the run it
     * beat) lived beside the kept circuit */
    c->alloc.peak += base->alloc.peak + nthr * (keep.other_peak + keep.variant_peak) +
                     (cd ? cd->alloc.peak : 0);
done:
    qtr_circuit_free(cd);
    qtr_result_free(&cq);
    qtr_circuit_free(base);
    return st;
}

/* ---- the driver ------------------------------------------------------------ */

/* Levels 2-3 keep the circuit before unrolling for ccx role variants when it
 * has ccx gates and, unrolled (6 cx each), could fit the variants' budget
 * (init's clean-up removes some; twice the budget leaves room for that). */
static int wants_role_variants(const qtr_circuit *c, int level)
{
    uint64_t nccx = 0;
    for (size_t i = 0; i < c->ninst; i++) nccx += c->inst[i].op == QTR_OP_CCX;
    return nccx && count_2q(c) + 6 * nccx <= 2 * (uint64_t)variant_budget_2q[level];
}

qtr_status qtr_transpile(qtr_circuit *c, const qtr_target *t, const qtr_options *o,
                         qtr_result *r, qtr_ctx *ctx)
{
    qtr_result local;
    if (!r) r = &local;
    memset(r, 0, sizeof *r);
    if (o->opt_level < 0 || o->opt_level > 3)
        return qtr_fail(ctx, QTR_EINVAL, "optimization level %d outside 0..3", o->opt_level);
    /* 0: a zero-initialised qtr_options, which means exact */
    double approx = o->approximation_degree == 0 ? 1.0 : o->approximation_degree;
    if (!(approx > 0 && approx <= 1))
        return qtr_fail(ctx, QTR_EINVAL, "approximation degree %g outside (0, 1]",
                        o->approximation_degree);
    if (ctx->max_memory && !c->alloc.limit) c->alloc.limit = ctx->max_memory;
    qtr_status st = refuse_opaque(c, t, ctx);
    if (!st) st = qtr_circuit_stats(c, &r->in, ctx);
    if (st) return st;

    uint32_t n = c->nqubits, *elided = NULL;
    qtr_circuit *pre = NULL;   /* levels 2-3, before unrolling: for ccx role variants */
    r->nvirtual = n;
    r->nphysical = t->nqubits;
    r->initial_layout = malloc((n ? n : 1) * sizeof *r->initial_layout);
    r->output_permutation = malloc((n ? n : 1) * sizeof *r->output_permutation);
    if (!r->initial_layout || !r->output_permutation) {
        st = qtr_fail(ctx, QTR_ENOMEM, "layout of %u qubits", n);
        goto fail;
    }

    double t0 = now();
    /* levels 1-3: Toffoli pairs on the same controls as relative-phase
     * Toffolis before they are unrolled (pass_rtof.c; device benchmark,
     * torino: 2q geometric mean 1.035 -> 1.018 at level 1, 0.864 -> 0.848
     * at level 2) */
    if (o->opt_level >= 1 && (st = qtr_pass_rtof_pairs(c, t, ctx))) goto fail;
    /* the circuit before unrolling, for runs with ccx role variants (a copy
     * over the memory budget only means no variants) */
    if (wants_role_variants(c, o->opt_level) &&
        (st = qtr_circuit_clone(c, &pre, ctx)) && !(st == QTR_ENOMEM && c->alloc.limit))
        goto fail;
    st = QTR_OK;
    if ((st = stage_init(c, t, ctx))) goto fail;
    /* levels 1-3: init clean-up on the virtual circuit; swaps it elides
     * become a permutation composed into the output permutation below */
    if (o->opt_level >= 1) {
        elided = malloc((n ? n : 1) * sizeof *elided);
        if (!elided) {
            st = qtr_fail(ctx, QTR_ENOMEM, "elided permutation of %u qubits", n);
            goto fail;
        }
        if ((st = qtr_optimize_init(c, t, o->opt_level, elided, ctx))) goto fail;
    }
    r->seconds[QTR_STAGE_INIT] = now() - t0;
    if ((st = run_best_of_seeds(c, t, o, approx, elided ? pre : NULL, elided, r, ctx))) goto fail;
    if (pre) c->alloc.peak += pre->alloc.peak;   /* it lived beside the runs */
    if (elided) { /* v's state sits on virtual wire elided[v], which ends where routing says */
        uint32_t *routed = r->output_permutation;
        uint32_t *final = malloc((n ? n : 1) * sizeof *final);
        if (!final) {
            st = qtr_fail(ctx, QTR_ENOMEM, "output permutation of %u qubits", n);
            goto fail;
        }
        for (uint32_t v = 0; v < n; v++) final[v] = routed[elided[v]];
        free(routed);
        r->output_permutation = final;
    }

    /* the output must conform: a failure here is our bug, reported not hidden */
    if ((st = qtr_target_check_circuit(t, c, ctx))) {
        char why[sizeof ctx->msg];
        memcpy(why, ctx->msg, sizeof why);
        st = qtr_fail(ctx, QTR_ETARGET, "internal: output does not conform: %s", why);
        goto fail;
    }
    /* expressions the passes replaced are dropped; every parameter stays */
    if ((st = qtr_expr_collect(c, ctx))) goto fail;
    if ((st = qtr_circuit_stats(c, &r->out, ctx))) goto fail;
    r->peak_bytes = c->alloc.peak;
    free(elided);
    qtr_circuit_free(pre);
    if (r == &local) qtr_result_free(r);
    return QTR_OK;
fail:
    if (st == QTR_ENOMEM && c->alloc.over) st = qtr_fail_budget(ctx, "transpiling", c->alloc.limit);
    free(elided);
    qtr_circuit_free(pre);
    qtr_result_free(r);
    return st;
}
