#!/bin/bash
# roundtrip3.sh -- evidence for the OpenQASM 3 reader and writer on the
# benchmark circuits (not part of make check; needs /work/shared or BENCH_DIR).
#
#   tests/bench/roundtrip3.sh [BUILDDIR] [-t TARGET] [-O LEVEL]
#
# Every circuit of $BENCH (feynman/, device100/): converted to OpenQASM 3 and
# back must give the same OpenQASM 2 text and instruction records as
# converting it once, and transpiling the OpenQASM 3 version must give the
# same output as the OpenQASM 2 version (tests/bench/qasm3_roundtrip.c).
set -u
B=${1:-${QTR_BUILDDIR:-.}}
shift || true
BENCH=${BENCH_DIR:-/work/shared/bench/circuits}
DRIVER=$B/tests/bench/qasm3_roundtrip
[ -x "$DRIVER" ] || { echo "roundtrip3: $DRIVER not built (make tests/bench/qasm3_roundtrip)" >&2; exit 2; }
[ -d "$BENCH/feynman" ] || { echo "roundtrip3: no benchmark circuits in $BENCH" >&2; exit 2; }
shopt -s nullglob
files=("$BENCH"/feynman/*.qasm "$BENCH"/device100/*.qasm)
echo "roundtrip3: ${#files[@]} circuits from $BENCH"
exec "$DRIVER" "$@" "${files[@]}"
