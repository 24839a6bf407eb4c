#!/bin/bash
# demo.sh -- the job the README's first command runs (make demo): generate the
# seed circuit of Qiskit issue #5895 (h + 1,000,000 swaps on 2 qubits, then
# measurement), convert it, and transpile it twice, printing what was done,
# how long it took and the peak memory:
#   0. convert: read and rewrite, streamed through the 16-byte IR 65,536
#      instructions at a time (memory independent of the length);
#   1. level 0 for line:2 in IBM's 2021 basis {cx,u1,u2,u3} (the issue's own
#      case: every swap becomes 3 cx), with --stats and the layout;
#   2. level 2 for the built-in 133-qubit IBM Torino target, where the swaps
#      are elided into the output permutation as Qiskit's level 2 does.
#
#   examples/demo.sh [BUILDDIR]    (default: the current directory)
set -u
builddir=${1:-.}
qtr=$builddir/qtranspile
gen=$builddir/examples/gen_million_swap
n=1000000
in=$builddir/examples/million_swap.qasm

for p in "$qtr" "$gen"; do
  [ -x "$p" ] || { echo "demo: $p not built (run make first)" >&2; exit 2; }
done

echo "demo: writing the seed circuit: h q[0]; $n x swap q[0],q[1]; measure -> $in"
"$gen" "$n" > "$in" || { echo "demo: generator failed" >&2; exit 1; }
echo "demo: $(wc -l < "$in") lines, $(( $(wc -c < "$in") / 1024 )) KiB"

# timed RC_VAR SECS_VAR KB_VAR CMD...: run CMD under /usr/bin/time.
timed() {
  local -n _rc=$1 _secs=$2 _kb=$3; shift 3
  if [ -x /usr/bin/time ]; then
    local tf; tf=$(mktemp)
    /usr/bin/time -f '%e %M' -o "$tf" "$@"; _rc=$?
    read -r _secs _kb < "$tf"; rm -f "$tf"
  else
    "$@"; _rc=$?; _secs=?; _kb=
  fi
}

conv=$builddir/examples/million_swap.out.qasm
echo "demo: [convert] qtranspile convert $in -o $conv"
timed rc secs kb "$qtr" convert "$in" -o "$conv"
[ "$rc" -eq 0 ] || { echo "demo: qtranspile convert failed (exit $rc)" >&2; exit "$rc"; }
swaps=$(grep -c '^swap' "$conv")
echo "demo: [convert] ${secs} s${kb:+, peak RSS $(( kb / 1024 )) MB}; output: $swaps swaps, $(( $(wc -c < "$conv") / 1024 )) KiB"
[ "$swaps" -eq "$n" ] || { echo "demo: expected $n swaps, found $swaps" >&2; exit 1; }

# run LABEL OUT ARGS...: transpile $in to OUT, timed; prints the figures
run() {
  local label=$1 out=$2; shift 2
  local cmd=("$qtr" "$in" -o "$out" --stats "$out.json" "$@") secs kb rc
  echo "demo: [$label] qtranspile $in -o $out --stats $out.json $*"
  timed rc secs kb "${cmd[@]}"
  [ "$rc" -eq 0 ] || { echo "demo: qtranspile failed (exit $rc)" >&2; exit "$rc"; }
  local twoq; twoq=$(grep -o '"2q": [0-9]*' "$out.json" | head -1 | grep -o '[0-9]*$')
  echo "demo: [$label] ${secs} s${kb:+, peak RSS $(( kb / 1024 )) MB}; output: $twoq two-qubit gates, $(( $(wc -c < "$out") / 1024 )) KiB"
  grep -E '^// (initial_layout|output_permutation)' "$out" | sed "s/^/demo: [$label] /"
}

run "level 0, line:2, {cx,u1,u2,u3}" "$builddir/examples/million_swap.O0.qasm" -t line:2 --basis cx,u1,u2,u3 -O 0
cx=$(grep -c '^cx ' "$builddir/examples/million_swap.O0.qasm")
[ "$cx" -eq $((3 * n)) ] || { echo "demo: expected $((3 * n)) cx, found $cx" >&2; exit 1; }
run "level 2, torino" "$builddir/examples/million_swap.O2.qasm" -t torino -O 2 --verify
echo "demo: [level 2, torino] swaps elided into the output permutation (an even number of them: identity); the whole output:"
sed 's/^/    /' "$builddir/examples/million_swap.O2.qasm"
echo "demo: (for scale: Qiskit issue #5895 reported 6.5 GB to transpile this circuit at level 0)"
echo "demo: ok"
