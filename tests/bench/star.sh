#!/bin/sh
# star.sh -- the star-shaped circuits of star_gen.sh (Bernstein-Vazirani,
# swap test, fan-out, fan-out with conditioned corrections) of 10 to 400
# qubits, transpiled for the smallest heavy-hex:D target that holds them;
# prints per circuit our 2q count, 2q depth, swaps and seconds.
#
# usage: tests/bench/star.sh [-O level] [-s sizes]   (from the build directory)
#   QTR_BUILDDIR   build directory holding tests/bench/device_bench_bin (default .)
set -u
level=2 sizes="10 50 100 200 400"
while getopts "O:s:" o; do
  case $o in
    O) level=$OPTARG ;; s) sizes=$OPTARG ;;
    *) echo "usage: $0 [-O level] [-s sizes]" >&2; exit 2 ;;
  esac
done
B=$(cd "${QTR_BUILDDIR:-.}" && pwd) || exit 1
BIN=$B/tests/bench/device_bench_bin
GEN=$(cd "$(dirname "$0")" && pwd)/star_gen.sh
[ -x "$BIN" ] || { echo "$BIN is not built (make tests/bench/device_bench_bin)" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/qtr-star.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT

# smallest odd D with (5D^2 - 2D - 1)/2 >= n
hexd() { awk -v n="$1" 'BEGIN { for (d = 1; (5*d*d - 2*d - 1) / 2 < n; d += 2); print d }'; }

printf "%-9s %4s %-13s %7s %7s %6s %8s\n" family n target 2q depth2q swaps sec
for fam in bv swaptest fanout condfix; do
  for n in $sizes; do
    m=$n
    [ "$fam" = swaptest ] && [ $((n % 2)) -eq 0 ] && m=$((n + 1))
    f=$T/${fam}_$m.qasm
    sh "$GEN" "$fam" "$m" > "$f" || exit 1
    tgt=heavy-hex:$(hexd "$m")
    line=$("$BIN" -O "$level" "$tgt" "$f" 2>&1 | tail -n 1)
    set -- $line
    if [ $# -ge 5 ] && [ "$1" = "$f" ]; then
      printf "%-9s %4d %-13s %7d %7d %6d %8.3f\n" "$fam" "$m" "$tgt" "$2" "$3" "$4" "$5"
    else
      printf "%-9s %4d %-13s ERROR %s\n" "$fam" "$m" "$tgt" "$line"
    fi
  done
done
