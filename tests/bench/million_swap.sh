#!/bin/bash
# million_swap.sh -- the seed-circuit benchmark (Qiskit issue #5895): time and
# peak memory of `qtranspile convert` on h + 1,000,000 swaps on two qubits,
# against a floor, a plain line-by-line copy of the same file (copy_floor.c).
#
#   tests/bench/million_swap.sh [BUILDDIR]      (or: make bench-million-swap)
#
# BUILDDIR (default: the current directory, then QTR_BUILDDIR) holds the
# built qtranspile, examples/gen_million_swap and tests/bench/copy_floor.
# Each program runs RUNS times (default 5) under /usr/bin/time -v (Debian
# package `time`); the medians of wall time and peak RSS are printed, with the
# ratio to the floor and the issue's target (convert < 0.5 s, < 48 MB); then,
# for context, start-up alone and the demo's two transpiles of the circuit.
# Exit 0 when the target is met, 1 when not, 2 when something cannot run.
set -u

B=${1:-${QTR_BUILDDIR:-.}}
N=${N:-1000000}
RUNS=${RUNS:-5}
TARGET_S=0.5
TARGET_MB=48

QTR=$B/qtranspile
GEN=$B/examples/gen_million_swap
FLOOR=$B/tests/bench/copy_floor
TIME=/usr/bin/time
for p in "$QTR" "$GEN" "$FLOOR"; do
  [ -x "$p" ] || { echo "million_swap: $p not built (run make in $B)" >&2; exit 2; }
done
[ -x "$TIME" ] || { echo "million_swap: $TIME missing (apt-get install time)" >&2; exit 2; }

T=$(mktemp -d "${TMPDIR:-/tmp}/qtr-bench.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT

"$GEN" "$N" > "$T/in.qasm" || { echo "million_swap: generator failed" >&2; exit 2; }
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null) (wall times grow with load; CPU times less)"
echo "input: h + $N swaps on 2 qubits, $(wc -l < "$T/in.qasm") lines, $(( $(wc -c < "$T/in.qasm") / 1024 )) KiB"

# measure() and median() are shared with million_swap_transpile.sh
. "$(dirname "$0")/measure.sh"

measure convert "$QTR" convert "$T/in.qasm" -o "$T/out.qasm"
measure floor "$FLOOR" "$T/in.qasm" "$T/floor.qasm"
# The same circuit in OpenQASM 3 (Qiskit exporter's spelling), read by the
# OpenQASM 3 reader and written as OpenQASM 2, in the same run.
"$GEN" --qasm3 "$N" > "$T/in3.qasm" || { echo "million_swap: generator failed" >&2; exit 2; }
measure convert3 "$QTR" convert "$T/in3.qasm" -o "$T/out3.qasm"
# For context, not judged: the program's start-up alone (shared libraries),
# and the two transpiles of examples/demo.sh.
measure startup "$QTR" --version
measure o0stream "$QTR" "$T/in.qasm" -t torino -O 0 --stream -o "$T/o0.qasm"
measure o2 "$QTR" "$T/in.qasm" -t torino -O 2 -o "$T/o2.qasm"

# The benchmark is only worth its figures if the output is complete.
swaps=$(grep -c '^swap' "$T/out.qasm")
if [ "$swaps" -ne "$N" ]; then
  echo "million_swap: convert wrote $swaps swaps, expected $N" >&2; exit 2
fi
cmp -s "$T/in.qasm" "$T/floor.qasm" || { echo "million_swap: floor copy differs" >&2; exit 2; }
swaps3=$(grep -c '^swap' "$T/out3.qasm")
if [ "$swaps3" -ne "$N" ]; then
  echo "million_swap: convert of the OpenQASM 3 input wrote $swaps3 swaps, expected $N" >&2; exit 2
fi

cs=$(median "$T/convert.runs" 1); ckb=$(median "$T/convert.runs" 2); ccpu=$(median "$T/convert.runs" 3)
fs=$(median "$T/floor.runs" 1);   fkb=$(median "$T/floor.runs" 2);   fcpu=$(median "$T/floor.runs" 3)
row() { printf '%-22s %8.3f %10.1f %8.3f\n' "$1" "$(median "$T/$2.runs" 1)" \
          "$(awk -v k="$(median "$T/$2.runs" 2)" 'BEGIN { print k / 1024 }')" "$(median "$T/$2.runs" 3)"; }
awk -v cs="$cs" -v ckb="$ckb" -v fs="$fs" -v fkb="$fkb" -v ccpu="$ccpu" -v fcpu="$fcpu" -v runs="$RUNS" \
    -v out="$(( $(wc -c < "$T/out.qasm") / 1024 ))" '
  BEGIN {
    printf "runs: %d each, medians\n", runs
    printf "%-22s %8s %10s %8s\n", "", "wall s", "peak MB", "CPU s"
    printf "%-22s %8.3f %10.1f %8.3f\n", "qtranspile convert", cs, ckb / 1024, ccpu
    printf "%-22s %8.3f %10.1f %8.3f\n", "floor (fgets/fputs)", fs, fkb / 1024, fcpu
    printf "%-22s %8.2f %10.2f %8.2f\n", "ratio convert/floor", (fs > 0 ? cs / fs : 0), (fkb > 0 ? ckb / fkb : 0), (fcpu > 0 ? ccpu / fcpu : 0)
    printf "output: %d KiB\n", out
  }'
echo "for context (not judged):"
row "convert, OpenQASM 3 in" convert3
row "start-up (--version)" startup
row "torino -O 0 --stream" o0stream
row "torino -O 2" o2
awk -v cs="$cs" -v ckb="$ckb" -v ts="$TARGET_S" -v tmb="$TARGET_MB" '
  BEGIN {
    ok = (cs < ts && ckb / 1024 < tmb)
    printf "target for convert (< %.1f s, < %d MB): %s\n", ts, tmb, ok ? "met" : "NOT met"
    exit ok ? 0 : 1
  }'
