#!/bin/bash
# million_swap_transpile.sh -- the seed circuit (h + N swaps on 2 qubits,
# Qiskit issue #5895) transpiled at level 0:
#   (a) target line:2 with basis {cx,u1,u2,u3} (IBM's 2021 basis), in memory
#       (--no-stream), with --stream and with neither (level 0 streams by
#       default): exactly 3N cx; issue targets <= 0.35 s whole process,
#       <= 64 MB peak RSS in memory, <= 16 MB streamed; the default run's
#       output byte-identical to the in-memory one, its peak RSS within
#       2 MB of --stream's;
#   (b) target torino (cz, rz, sx, x), in memory and streamed: figures only;
#   the floor: a C program that only copies the text (copy_floor.c).
# With BIG=1 also N = 100,000,000 streamed from a pipe to /dev/null: its
# peak RSS must be within 10% of N = 1,000,000's.
#
#   tests/bench/million_swap_transpile.sh [BUILDDIR]   (RUNS=5 N=1000000 BIG=0)
set -u
B=${1:-${QTR_BUILDDIR:-.}}
N=${N:-1000000}
RUNS=${RUNS:-5}
TIME=/usr/bin/time
QTR=$B/qtranspile
GEN=$B/examples/gen_million_swap
FLOOR=$B/tests/bench/copy_floor
for p in "$QTR" "$GEN" "$FLOOR"; do
  [ -x "$p" ] || { echo "million_swap_transpile: $p not built (run make in $B)" >&2; exit 2; }
done
[ -x "$TIME" ] || { echo "million_swap_transpile: $TIME missing (apt-get install time)" >&2; exit 2; }
T=$(mktemp -d "${TMPDIR:-/tmp}/qtr-bench.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/measure.sh"

"$GEN" "$N" > "$T/in.qasm" || exit 2
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "input: h + $N swaps, $(( $(wc -c < "$T/in.qasm") / 1024 )) KiB; runs: $RUNS each, medians"

ibm2021=(-t line:2 --basis cx,u1,u2,u3 -O 0)
measure floor "$FLOOR" "$T/in.qasm" "$T/floor.qasm"
measure line_mem "$QTR" "$T/in.qasm" -o "$T/line_mem.qasm" "${ibm2021[@]}" --no-stream
measure line_stream "$QTR" "$T/in.qasm" -o "$T/line_stream.qasm" "${ibm2021[@]}" --stream
measure line_default "$QTR" "$T/in.qasm" -o "$T/line_default.qasm" "${ibm2021[@]}"
measure torino_mem "$QTR" "$T/in.qasm" -o "$T/torino_mem.qasm" -t torino -O 0 --no-stream
measure torino_stream "$QTR" "$T/in.qasm" -o "$T/torino_stream.qasm" -t torino -O 0 --stream

want=$((3 * N)); bad=0
for f in line_mem line_stream line_default; do
  got=$(grep -c '^cx ' "$T/$f.qasm")
  echo "$f: $got cx (expected $want)"; [ "$got" -eq "$want" ] || bad=1
done
cmp -s <(grep -v "^//" "$T/line_mem.qasm") <(grep -v "^//" "$T/line_stream.qasm") && echo "line: in-memory and streamed outputs identical (header comments aside)" || { echo "line: outputs differ"; bad=1; }
cmp -s "$T/line_mem.qasm" "$T/line_default.qasm" && echo "line: default and in-memory outputs identical (headers included)" || { echo "line: default and in-memory outputs differ"; bad=1; }
echo "torino: $(grep -c '^cz ' "$T/torino_mem.qasm") cz, $(grep -vc '^cz \|^//\|^OPENQASM\|^include\|^qreg\|^creg\|^measure' "$T/torino_mem.qasm") 1q gates"

printf "%-16s %8s %9s %8s\n" "" "wall s" "peak MB" "CPU s"
for f in floor line_mem line_stream line_default torino_mem torino_stream; do
  printf "%-16s %8.3f %9.1f %8.3f\n" "$f" "$(median "$T/$f.runs" 1)" \
    "$(awk -v k="$(median "$T/$f.runs" 2)" 'BEGIN { print k / 1024 }')" "$(median "$T/$f.runs" 3)"
done
awk -v a="$(median "$T/line_mem.runs" 1)" -v b="$(median "$T/line_stream.runs" 1)" \
    -v am="$(median "$T/line_mem.runs" 2)" -v bm="$(median "$T/line_stream.runs" 2)" \
    -v f="$(median "$T/floor.runs" 1)" -v dm="$(median "$T/line_default.runs" 2)" \
    -v d="$(median "$T/line_default.runs" 1)" 'BEGIN {
  printf "ratio to floor (wall): in memory %.2f, streamed %.2f\n", a / f, b / f
  printf "targets (a): in memory <= 0.35 s: %s, <= 64 MB: %s; streamed <= 0.35 s: %s, <= 16 MB: %s\n",
    a <= 0.35 ? "met" : "NOT met", am / 1024 <= 64 ? "met" : "NOT met",
    b <= 0.35 ? "met" : "NOT met", bm / 1024 <= 16 ? "met" : "NOT met"
  printf "default (no flag): %.3f s, %.1f MB; peak RSS <= --stream + 2 MB: %s\n", d, dm / 1024,
    dm <= bm + 2048 ? "met" : "NOT met" }'

if [ "${BIG:-0}" = 1 ]; then
  for n in 1000000 100000000; do
    "$TIME" -f "%e %M" -o "$T/big$n" bash -c "'$GEN' $n | '$QTR' - -o /dev/null ${ibm2021[*]} --stream" || bad=1
    read -r s kb < "$T/big$n"; echo "streamed N=$n: $s s, peak RSS $((kb / 1024)) MB"
  done
  awk -v a="$(cut -d' ' -f2 "$T/big1000000")" -v b="$(cut -d' ' -f2 "$T/big100000000")" \
    'BEGIN { printf "N=1e8 vs 1e6 peak RSS: %+.1f%% (target within 10%%)\n", 100 * (b - a) / a }'
fi
exit $bad
