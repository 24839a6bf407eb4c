#!/bin/bash
# demo.sh -- the job the README's first command runs (make demo): the seed
# circuit of Qiskit issue #5895 (h + 1,000,000 swaps on 2 qubits) through
# qtranspile, printing what was done, how long it took and the peak memory:
#
#   1. convert: read and rewrite the circuit, streamed through the IR;
#   2. transpile for IBM Torino at level 0, streamed: the issue's own case,
#      which took about 6.5 GB in Qiskit at the time;
#   3. transpile for IBM Torino at level 2 (the default): the swaps cancel in
#      pairs, so the result is a handful of gates.
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
kib() { echo $(( $(wc -c < "$1") / 1024 )); }

echo "demo: writing the seed circuit: h q[0]; $n x swap q[0],q[1]; measure -> $in"
"$gen" "$n" > "$in" || { echo "demo: generator failed" >&2; exit 1; }
echo "demo: $(wc -l < "$in") lines, $(kib "$in") KiB"

# step WHAT ARGS...: run qtranspile ARGS under /usr/bin/time, print the figures.
step() {
  local what=$1; shift
  echo
  echo "demo: $what"
  echo "demo: running: qtranspile $*"
  local tf rc secs kb
  tf=$(mktemp)
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%e %M' -o "$tf" "$qtr" "$@"; rc=$?
    read -r secs kb < "$tf"
  else
    local start; start=$(date +%s%N); "$qtr" "$@"; rc=$?
    local ms=$(( ($(date +%s%N) - start) / 1000000 ))
    secs=$((ms / 1000)).$(printf %03d $((ms % 1000))); kb=
  fi
  rm -f "$tf"
  if [ "$rc" -ne 0 ]; then echo "demo: qtranspile failed (exit $rc)" >&2; exit "$rc"; fi
  echo "demo: took ${secs} s${kb:+, peak RSS $(( kb / 1024 )) MB}"
}
# counts FILE: "N op, ..." for the gate lines of a QASM file.
counts() {
  awk '/^(OPENQASM|include|qreg|creg|\/\/)/ { next }
       { sub(/[ (].*/, ""); n[$0]++ }
       END { s = ""; for (k in n) s = s (s ? ", " : "") n[k] " " k; print s }' "$1"
}

step "1. convert (read, stream through the 16-byte IR, write)" convert "$in" -o "$out"
swaps=$(grep -c '^swap' "$out")
echo "demo: wrote $out: $(kib "$out") KiB, $(counts "$out")"
[ "$swaps" -eq "$n" ] || { echo "demo: expected $n swaps in the output, found $swaps" >&2; exit 1; }

out0=$builddir/examples/million_swap.torino_O0.qasm
step "2. transpile for IBM Torino (cz, rz, sx, x) at level 0, streamed -- Qiskit issue #5895's case (6.5 GB then)" \
  "$in" -t torino -O 0 --stream -o "$out0"
echo "demo: wrote $out0: $(kib "$out0") KiB, $(counts "$out0")"

out2=$builddir/examples/million_swap.torino_O2.qasm
step "3. transpile for IBM Torino at level 2 (the default): adjacent swaps cancel" \
  "$in" -t torino -O 2 -o "$out2"
echo "demo: wrote $out2: $(counts "$out2"):"
sed 's/^/    /' "$out2"
echo
echo "demo: ok"
