#!/bin/bash
# roundtrip.sh -- evidence for the OpenQASM 2 reader and writer on the
# benchmark circuits (not part of make check; needs /work/shared or BENCH_DIR).
#
#   tests/bench/roundtrip.sh [BUILDDIR]
#
# For the 53 Feynman circuits and the 4 device100 circuits: read, write,
# re-read, compare the instruction lists exactly; circuits of at most 12
# qubits are also simulated against their U/CX expansion (see
# tests/bench/qasm_roundtrip.c). Prints a table and a summary line; exits
# non-zero when any circuit fails.
set -u
B=${1:-${QTR_BUILDDIR:-.}}
BENCH=${BENCH_DIR:-/work/shared/bench/circuits}
DRIVER=$B/tests/bench/qasm_roundtrip
[ -x "$DRIVER" ] || { echo "roundtrip: $DRIVER not built (make tests/bench/qasm_roundtrip)" >&2; exit 2; }
[ -d "$BENCH/feynman" ] || { echo "roundtrip: no benchmark circuits in $BENCH" >&2; exit 2; }
shopt -s nullglob
files=("$BENCH"/feynman/*.qasm "$BENCH"/device100/*.qasm)
echo "roundtrip: ${#files[@]} circuits from $BENCH"
exec "$DRIVER" "${files[@]}"
