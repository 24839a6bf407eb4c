#!/bin/bash
# tests/bench/random_mix.sh -- small random circuits, one thread, in one
# process: their summed 2q count and CPU seconds (run on demand, never in
# make check).
#
#   tests/bench/random_mix.sh BUILDDIR [LEVEL] [FIRST] [COUNT] [TARGET]
#
# The circuits are the random rows of batch.sh's mix (2-12 qubits, 20-300
# gates of h x sx t s tdg rz cx, seeded), generated on first use in
# $QTR_BENCH_DIR/rand; rows FIRST .. FIRST+COUNT-1 (default 100 and 150)
# are transpiled at LEVEL (default 2) for TARGET (default torino) by
# BUILDDIR's tests/bench/device_bench_bin with CPU-time seconds
# (OMP_NUM_THREADS=1). Prints the 2q sum, their geometric mean and the CPU
# seconds; the per-circuit lines are in $QTR_BENCH_DIR/random_mix.txt.
set -u
B=$(cd "${1:?usage: random_mix.sh BUILDDIR [LEVEL] [FIRST] [COUNT] [TARGET]}" && pwd)
LEVEL=${2:-2}
FIRST=${3:-100}
COUNT=${4:-150}
TARGET=${5:-torino}
W=${QTR_BENCH_DIR:-${TMPDIR:-/tmp}/qtr-bench-batch}
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=$B/tests/bench/device_bench_bin
[ -x "$BIN" ] || { echo "$BIN is not built (make tests/bench/device_bench_bin)" >&2; exit 1; }
if [ ! -f "$W/rand/done_10000" ]; then
  QTR_BENCH_DIR=$W QTR_BENCH_PACK_ONLY=1 bash "$HERE/batch.sh" "$B" 10000 "$TARGET" "$LEVEL" >/dev/null || exit 1
fi
cd "$W/rand" || exit 1
files=$(ls r0*.qasm | sed -n "$((FIRST + 1)),$((FIRST + COUNT))p")
OMP_NUM_THREADS=1 "$BIN" -O "$LEVEL" -c "$TARGET" $files > "$W/random_mix.txt" || exit 1
awk -v n="$COUNT" -v l="$LEVEL" -v t="$TARGET" '!/^#/ {
    s2 += $2; cpu += $5; if ($2 > 0) { lg += log($2); m++ } }
  END { printf "%d random circuits, -O %s on %s: 2q sum %d (geometric mean %.2f), CPU %.2f s\n",
        n, l, t, s2, m ? exp(lg / m) : 0, cpu }' "$W/random_mix.txt"
