/* gen_million_swap.c -- writes the seed circuit of Qiskit issue #5895 to
 * standard output: two qubits, one h, N swaps (default 1,000,000), then a
 * measurement of both qubits. A transpiler's memory should not grow with N:
 * the circuit is as thin and long as circuits get.
 *
 *   examples/gen_million_swap [--qasm3] [N] > million_swap.qasm
 *
 * --qasm3 writes the same circuit in OpenQASM 3 as Qiskit's exporter spells
 * it ("swap q[0], q[1];", "c[0] = measure q[0];").
 *
 * Standalone on purpose (no library): the benchmark input must not depend on
 * the code it measures. Exit 0, 1 on a write error, 2 on a bad argument. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SWAP_LINE "swap q[0],q[1];\n"
#define SWAP_LINE3 "swap q[0], q[1];\n"
#define BLOCK 256 /* lines per fwrite: few calls, a 4 KiB buffer */

int main(int argc, char **argv)
{
    unsigned long long n = 1000000;
    int v3 = argc > 1 && !strcmp(argv[1], "--qasm3");
    if (v3) {
        argv++;
        argc--;
    }
    if (argc > 2 || (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))) {
        fputs("usage: gen_million_swap [--qasm3] [N]   (N swaps, default 1000000; QASM on stdout)\n",
              argc > 2 ? stderr : stdout);
        return argc > 2 ? 2 : 0;
    }
    if (argc == 2) {
        char *end = NULL;
        errno = 0;
        if (argv[1][0] < '0' || argv[1][0] > '9' ||
            (n = strtoull(argv[1], &end, 10), errno || *end)) {
            fprintf(stderr, "gen_million_swap: N must be a non-negative integer, not '%s'\n", argv[1]);
            return 2;
        }
    }

    static char block[BLOCK * (sizeof SWAP_LINE3 - 1)];
    const char *swap = v3 ? SWAP_LINE3 : SWAP_LINE;
    const size_t line = strlen(swap);
    for (size_t i = 0; i < BLOCK; i++) memcpy(block + i * line, swap, line);

    fputs(v3 ? "OPENQASM 3.0;\n"
               "include \"stdgates.inc\";\n"
               "bit[2] c;\n"
               "qubit[2] q;\n"
               "h q[0];\n"
             : "OPENQASM 2.0;\n"
               "include \"qelib1.inc\";\n"
               "qreg q[2];\n"
               "creg c[2];\n"
               "h q[0];\n", stdout);
    for (unsigned long long left = n; left > 0;) {
        size_t k = left < BLOCK ? (size_t)left : BLOCK;
        if (fwrite(block, line, k, stdout) != k) break;
        left -= k;
    }
    fputs(v3 ? "c[0] = measure q[0];\nc[1] = measure q[1];\n"
             : "measure q[0] -> c[0];\nmeasure q[1] -> c[1];\n", stdout);
    if (fflush(stdout) || ferror(stdout)) {
        fprintf(stderr, "gen_million_swap: write error: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}
