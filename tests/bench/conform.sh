#!/bin/sh
# conform.sh -- every shared benchmark circuit
# ($QTR_BENCH_DIR/circuits/{feynman,device100}/*.qasm) on torino, fez and
# sherbrooke at levels 0-3: each output must conform to the target (basis,
# edges, directions), and each with at most 12 active qubits must be equal
# to its input by simulation. Prints one line per run, then the counts
# (conforming / verified / failures / skipped); exits 1 if anything failed.
#
# usage: tests/bench/conform.sh [-L levels] [-t targets] [-f regex] [-s seed]
#   (from the build directory)
#   -L 0123 (default) levels; -t torino,fez,sherbrooke (default);
#   -f regex keeps matching circuit paths (e.g. -f feynman)
#   OMP_NUM_THREADS  runs in parallel (default: all cores)
#   QTR_BENCH_DIR    benchmark directory (default /work/shared/bench)
#   QTR_BUILDDIR     build directory (default .)
set -u
levels=0123 targets=torino,fez,sherbrooke filter=. seed=0
while getopts "L:t:f:s:" o; do
  case $o in
    L) levels=$OPTARG ;; t) targets=$OPTARG ;; f) filter=$OPTARG ;; s) seed=$OPTARG ;;
    *) echo "usage: $0 [-L levels] [-t targets] [-f regex] [-s seed]" >&2; exit 2 ;;
  esac
done
D=${QTR_BENCH_DIR:-/work/shared/bench}
B=$(cd "${QTR_BUILDDIR:-.}" && pwd) || exit 1
BIN=$B/tests/bench/conform_bench_bin
[ -x "$BIN" ] || { echo "$BIN is not built (make tests/bench/conform_bench_bin)" >&2; exit 1; }
cd "$D/circuits" || exit 1
files=$(ls feynman/*.qasm device100/*.qasm | grep -E -- "$filter")
[ -n "$files" ] || { echo "no circuits match '$filter'" >&2; exit 1; }
echo "# load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, OMP_NUM_THREADS=${OMP_NUM_THREADS:-unset}"
# shellcheck disable=SC2086
exec "$BIN" -L "$levels" -s "$seed" "$targets" $files
