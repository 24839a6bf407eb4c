#!/bin/bash
# demo.sh -- the job the README's first command runs (make demo): generate the
# seed circuit of Qiskit issue #5895 (h + 1,000,000 swaps on 2 qubits) and run
# qtranspile on it, printing what was done, how long it took and the peak
# memory. Today the job is `qtranspile convert` (read, stream through the IR,
# write); it becomes a transpile when the pipeline lands.
#
#   examples/demo.sh [BUILDDIR]    (default: the current directory)
set -u
builddir=${1:-.}
qtr=$builddir/qtranspile
gen=$builddir/examples/gen_million_swap
n=1000000
in=$builddir/examples/million_swap.qasm
out=$builddir/examples/million_swap.out.qasm

for p in "$qtr" "$gen"; do
  [ -x "$p" ] || { echo "demo: $p not built (run make first)" >&2; exit 2; }
done

echo "demo: writing the seed circuit: h q[0]; $n x swap q[0],q[1]; measure -> $in"
"$gen" "$n" > "$in" || { echo "demo: generator failed" >&2; exit 1; }
echo "demo: $(wc -l < "$in") lines, $(( $(wc -c < "$in") / 1024 )) KiB"

cmd=("$qtr" convert "$in" -o "$out")
echo "demo: running: qtranspile convert $in -o $out"
if [ -x /usr/bin/time ]; then
  tf=$(mktemp)
  /usr/bin/time -f '%e %M' -o "$tf" "${cmd[@]}"; rc=$?
  read -r secs kb < "$tf"; rm -f "$tf"
else
  start=$(date +%s%N); "${cmd[@]}"; rc=$?
  ms=$(( ($(date +%s%N) - start) / 1000000 )); secs=$((ms / 1000)).$(printf %03d $((ms % 1000))); kb=
fi
if [ "$rc" -ne 0 ]; then
  echo "demo: qtranspile failed (exit $rc)" >&2; exit "$rc"
fi
swaps=$(grep -c '^swap' "$out")
echo "demo: wrote $out: $swaps swaps, $(( $(wc -c < "$out") / 1024 )) KiB"
echo "demo: convert took ${secs} s${kb:+, peak RSS $(( kb / 1024 )) MB}"
echo "demo: (for scale: Qiskit issue #5895 reported 6.5 GB to transpile this circuit at level 0)"
[ "$swaps" -eq "$n" ] || { echo "demo: expected $n swaps in the output, found $swaps" >&2; exit 1; }
echo "demo: ok"
