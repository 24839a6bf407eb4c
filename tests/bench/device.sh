#!/bin/sh
# device.sh -- the device benchmark: the circuits of
# /work/shared/bench/reference/device_torino_O2.csv transpiled at level 2 for
# target "torino", our 2q count, 2q depth and seconds beside Qiskit 2.2's,
# then geometric means of the ratios (ours / Qiskit) and total seconds.
# Circuits where Qiskit's 2q count is 0 are left out of the 2q ratios (a
# ratio of zeros means nothing); they still count in the totals.
#
# usage: tests/bench/device.sh [-O level] [-r repeat] [-f regex] [-c]   (from the build directory)
#   -c  our seconds are CPU seconds of the process (all threads), not wall time:
#       steadier on a busy machine; Qiskit's column stays its published wall time
#   QTR_BENCH_DIR  benchmark directory (default /work/shared/bench)
#   QTR_BUILDDIR   build directory holding tests/bench/device_bench (default .)
set -u
level=2 repeat=1 filter=. cpu=
while getopts "O:r:f:c" o; do
  case $o in
    O) level=$OPTARG ;; r) repeat=$OPTARG ;; f) filter=$OPTARG ;; c) cpu=-c ;;
    *) echo "usage: $0 [-O level] [-r repeat] [-f regex] [-c]" >&2; exit 2 ;;
  esac
done
D=${QTR_BENCH_DIR:-/work/shared/bench}
B=$(cd "${QTR_BUILDDIR:-.}" && pwd) || exit 1
BIN=$B/tests/bench/device_bench_bin
CSV=$D/reference/device_torino_O2.csv
[ -x "$BIN" ] || { echo "$BIN is not built (make tests/bench/device_bench_bin)" >&2; exit 1; }
[ -r "$CSV" ] || { echo "cannot read $CSV" >&2; exit 1; }

T=$(mktemp "${TMPDIR:-/tmp}/qtr-device.XXXXXX") || exit 1
trap 'rm -f "$T"' EXIT
tail -n +2 "$CSV" | grep -E -- "$filter" | while IFS=, read -r circ nq q2 qd2 qs rest; do
  line=$(cd "$D/circuits" && "$BIN" -O "$level" -r "$repeat" $cpu torino "$circ" 2>&1 | tail -n 1)
  case $line in
    "$circ "*) echo "$circ $nq $q2 $qd2 $qs $line" ;;
    *) echo "$circ $nq $q2 $qd2 $qs $circ ERROR $line" ;;
  esac
done > "$T"

awk '
function ratio(a, b) { return b > 0 ? a / b : 0 }
BEGIN {
  printf "%-44s %4s %8s %8s %6s %7s %7s %6s %8s %8s %6s\n", "circuit", "nq", "2q", "qiskit", "ratio",
         "depth2q", "qiskit", "ratio", "sec", "qiskit", "ratio"
}
{
  circ = $1; nq = $2; q2 = $3; qd2 = $4; qs = $5
  if ($7 == "ERROR") { printf "%-44s ERROR", circ; for (i = 8; i <= NF; i++) printf " %s", $i; print ""; nerr++; next }
  n2q = $7; d2q = $8; sec = $10
  printf "%-44s %4d %8d %8d %6.3f %7d %7d %6.3f %8.3f %8.3f %6.2f\n", circ, nq, n2q, q2, ratio(n2q, q2),
         d2q, qd2, ratio(d2q, qd2), sec, qs, ratio(sec, qs)
  tot += sec; qtot += qs; n++
  if (q2 > 0 && n2q > 0) { l2 += log(n2q / q2); ld += log(d2q / qd2); m2++ }
  if (sec > 0 && qs > 0) { ls += log(sec / qs); ms++ }
}
END {
  if (n == 0 || m2 == 0 || ms == 0) { print "no results"; exit 1 }
  printf "\ncircuits %d (errors %d); geometric means over %d with 2q gates:\n", n, nerr, m2
  printf "  2q count ours/qiskit  %.3f\n", exp(l2 / m2)
  printf "  2q depth ours/qiskit  %.3f\n", exp(ld / m2)
  printf "  seconds ours/qiskit   %.3f (over %d)\n", exp(ls / ms), ms
  printf "total seconds: ours %.2f, qiskit %.2f\n", tot, qtot
}' "$T"
