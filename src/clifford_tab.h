/* clifford_tab.h -- Clifford tableaus with a tracked amplitude, shared by
 * the Clifford passes (pass_clifford.c, pass_clifford_device.c); internal.
 *
 * A tableau holds a Clifford U as the images U X_j U† and U Z_j U† (bit
 * rows and signs, Aaronson, Gottesman, "Improved simulation of stabilizer
 * circuits", PRA 70, 052328, 2004). The synthesis steps of both passes
 * append gates to it (cliff_emit) until it is the identity; the circuit
 * is then those gates inverted in reverse (cliff_invert).
 *
 * Global phase. A tableau fixes U only up to a phase, and the circuit's
 * phase must stay exact. Both circuits are simulated on |0...0> as a
 * stabilizer state with one tracked amplitude: a basis state with a nonzero
 * amplitude, as ω^m 2^{-e/2} (ω = e^{iπ/4}). Diagonal and permutation gates
 * move it exactly; h needs the amplitude at the state with that bit flipped,
 * which a stabilizer whose X part is that bit gives (Gaussian elimination
 * over the stabilizer rows), or which is 0 when there is none. The two
 * amplitudes, brought to one basis state the same way, differ by the phase
 * the new circuit needs.
 *
 *
 * Ownership: every block comes from the circuit's allocator
 * (cliff_scratch_alloc / cliff_scratch_free); nothing here keeps state. */
#ifndef QTR_CLIFFORD_TAB_H
#define QTR_CLIFFORD_TAB_H

#include "opt_internal.h"

typedef struct {
    uint32_t n, w;   /* qubits, 64-bit words per row */
    uint64_t *x, *z; /* 2n rows of w words: rows j < n image of X_j, n + j of Z_j */
    uint8_t *r;      /* row signs: (-1)^r */
} tab_t;

/* The tracked amplitude ω^m 2^{-e/2} at basis state ref. */
typedef struct {
    uint64_t *ref;
    int m, e;
} amp_t;

typedef struct {
    uint8_t op;
    uint32_t a, b;
} gate_t;

static inline int bit(const uint64_t *row, uint32_t j) { return (int)(row[j >> 6] >> (j & 63)) & 1; }
static inline void flip(uint64_t *row, uint32_t j) { row[j >> 6] ^= 1ull << (j & 63); }
static inline uint64_t *xr(const tab_t *t, uint32_t i) { return t->x + (size_t)i * t->w; }
static inline uint64_t *zr(const tab_t *t, uint32_t i) { return t->z + (size_t)i * t->w; }

/* Scratch for amp_shift: n rows of 2w words (X part, then the combination). */
typedef struct {
    uint64_t *rows, *acc_x, *acc_z;
} elim_t;

/* The gate set of this pass as h, s, Paulis and cx, on tableau @p t and
 * (when @p a is given, t then holding the state before each step) on the
 * amplitude. */
typedef struct {
    tab_t *t;
    amp_t *a; /* NULL: tableau only */
    uint64_t *d;
    elim_t *el;
} sim_t;

/* Gates appended to a tableau being reduced. */
typedef struct {
    sim_t sim;       /* the tableau being reduced (no amplitude) */
    gate_t *out;     /* gates appended so far */
    size_t nout, cap;
    uint64_t *live;  /* unreduced qubits (the greedy's) */
    int overflow;
} synth_t;

/* What a pass simulates with, for up to `width` qubits. */
typedef struct {
    tab_t t, u;                  /* the original's tableau, the candidate's */
    uint64_t *ref_a, *ref_b, *d; /* their amplitudes' basis states, a difference */
    elim_t el;
    uint32_t width;
} cliff_scratch;

/* Pauli of row i on qubit k as 2 bits: x | z << 1 (1 X, 2 Z, 3 Y) */
static inline int pauli_at(const tab_t *t, uint32_t i, uint32_t k)
{
    return bit(xr(t, i), k) | bit(zr(t, i), k) << 1;
}

static inline int anticommute(int p, int q) { return ((p & 1) & (q >> 1)) ^ ((p >> 1) & (q & 1)); }

/* 1q Cliffords (mod Paulis) as h/s words, in time order */
static const char *const local_words[6] = {"", "h", "s", "hs", "sh", "hsh"};

/* Pauli @p p (as pauli_at) conjugated by word @p w, sign ignored */
static inline int conj_word(const char *w, int p)
{
    for (; *w; w++)
        if (*w == 'h') p = (p == 1) ? 2 : (p == 2) ? 1 : p;
        else p = (p == 1) ? 3 : (p == 3) ? 1 : p;
    return p;
}

/** 0 on ENOMEM (free it anyway). */
int cliff_scratch_alloc(qtr_circuit *c, cliff_scratch *s, uint32_t width);
void cliff_scratch_free(qtr_circuit *c, cliff_scratch *s);
/** Both tableaus of @p s on @p n <= width qubits. */
void cliff_scratch_size(cliff_scratch *s, uint32_t n);
void cliff_tab_identity(tab_t *t);
void cliff_tab_copy(tab_t *dst, const tab_t *src);

/** 2q gates of @p op when translated (swap: 3). */
int cliff_cost_2q(qtr_op op);
/** 1 when record @p in is a gate these passes read: unconditioned x y z h
 *  s sdg sx sxdg cx cy cz swap id, or rz p u1 rx ry u u2 u3 by multiples of
 *  π/2. */
int cliff_is_record(const qtr_circuit *c, const qtr_inst *in);
/** Record @p in on local qubits a (, b); *extra collects the phases the
 *  tableau does not see. */
void cliff_apply_record(sim_t *s, const qtr_circuit *c, const qtr_inst *in, uint32_t a,
                        uint32_t b, double *extra);
/** Append gate @p op (h s sdg x y z cx cz) to y's list and tableau. */
void cliff_emit(synth_t *y, qtr_op op, uint32_t a, uint32_t b);
/** The gates that undo @p out (reduction steps) in reverse. */
void cliff_invert(gate_t *out, size_t n);
/** Simulate @p out into s->u from |0...0>; when it is the Clifford of s->t,
 *  whose amplitude @p a holds, *phase = what the circuit's phase needs for
 *  it to replace the original exactly; 0 when the tableaus differ. */
int cliff_replacement_phase(cliff_scratch *s, const gate_t *out, size_t nout, const amp_t *a,
                            double *phase);

#endif
