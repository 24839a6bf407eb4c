/* fuzz_qasm3.c -- libFuzzer target: the OpenQASM 3 reader and writer. The
 * promises are fuzz_qasm.c's, with the circuit written back as OpenQASM 3;
 * its corpus (tests/fuzz/corpus/qasm3) holds OpenQASM 3 programs, so the
 * mutations explore the version-3 reader's statements, modifiers and
 * conditions rather than the version line. */
#define FUZZ_QASM_VERSION 3
#include "fuzz_qasm.c"
