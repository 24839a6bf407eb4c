#!/bin/bash
# tests/bench/sweep.sh -- parameter sweeps (issue 18), on the device
# benchmark's QAOA (../shared/bench/circuits/device100/
# qaoa_barabasi_albert_N100_3reps.qasm) with its angles turned into one
# parameter per layer for the cost (gamma_k) and the mixer (beta_k), on
# torino at level 2:
#   1. transpile once + bind 100,000 rows in memory (sweep_template_bin):
#      rows/s, and binding's instructions/s on one core;
#   2. --bind writing 10,000 rows to the results file, one process (and
#      mpirun -n 2 when there): rows/s, MB/s of results, peak RSS per rank;
#   3. --per-instance on 1,000 rows: rows/s;
#   and the ratio of a 10,000-row sweep's end-to-end time, --per-instance
#   (from 3, scaled) over --bind (from 2). Goals: >= 100 M instructions/s
#   per core binding; >= 100x.
# Usage: tests/bench/sweep.sh [BUILDDIR]   (env: ROWS_BIND=10000,
#   ROWS_PER=1000, ROWS_MEM=100000, THREADS=2). Not part of make check.
set -u
BD=${1:-.}
B=$BD/qtranspile
SRC=$(cd "$(dirname "$0")/../.." && pwd)
F=${QAOA:-$SRC/../shared/bench/circuits/device100/qaoa_barabasi_albert_N100_3reps.qasm}
ROWS_BIND=${ROWS_BIND:-10000} ROWS_PER=${ROWS_PER:-1000} ROWS_MEM=${ROWS_MEM:-100000}
THREADS=${THREADS:-2}
[ -f "$F" ] || { echo "no $F (../shared)"; exit 2; }
[ -x "$B" ] && [ -x "$BD/tests/bench/sweep_template_bin" ] || { echo "build first: make qtranspile tests/bench/sweep_template_bin"; exit 2; }
T=$(mktemp -d "${TMPDIR:-/tmp}/qtr_sweep_bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1

# the template: each distinct rz angle -> gamma_k, each distinct rx angle
# but pi -> beta_k, in order of first appearance (as sweep_template.c does)
awk '
function name(kind, v,   k) {
  k = kind SUBSEP v
  if (!(k in id)) { id[k] = kind "_" n[kind]++; decl[++nd] = id[k] }
  return id[k]
}
/^OPENQASM/ || /^include/ { next }
{
  if (match($0, /^rz\([^)]*\)/)) { v = substr($0, 4, RLENGTH - 4); $0 = "rz(" name("gamma", v) ")" substr($0, RLENGTH + 1) }
  else if (match($0, /^rx\([^)]*\)/)) { v = substr($0, 4, RLENGTH - 4); if (v != "pi") $0 = "rx(" name("beta", v) ")" substr($0, RLENGTH + 1) }
  body[++nb] = $0
}
END {
  print "OPENQASM 3.0;"; print "include \"stdgates.inc\";"
  for (i = 1; i <= nd; i++) print "input float[64] " decl[i] ";"
  for (i = 1; i <= nb; i++) print body[i]
}' "$F" >"$T/qaoa.qasm"
values() {  # values ROWS > CSV: random angles in [0, 2 pi)
  awk -v n="$1" 'BEGIN { srand(3); print "gamma_0,gamma_1,gamma_2,beta_0,beta_1,beta_2";
    for (i = 0; i < n; i++) printf "%.9f,%.9f,%.9f,%.9f,%.9f,%.9f\n", rand()*6.283, rand()*6.283,
      rand()*6.283, rand()*6.283, rand()*6.283, rand()*6.283 }'
}
values "$ROWS_BIND" >"$T/bind.csv"
values "$ROWS_PER" >"$T/per.csv"
"$B" sweep "$T/qaoa.qasm" --values "$T/bind.csv" -o "$T/bind.h5" 2>/dev/null || exit 2
"$B" sweep "$T/qaoa.qasm" --values "$T/per.csv" -o "$T/per.h5" 2>/dev/null || exit 2
echo "template: $(grep -c '^input' "$T/qaoa.qasm") parameters, $(grep -vc '^input\|^OPENQASM\|^include\|^qreg' "$T/qaoa.qasm") statements; torino, -O 2"

echo "== 1. transpile once + bind $ROWS_MEM rows in memory (one core)"
"$BD/tests/bench/sweep_template_bin" "$F" torino 2 "$ROWS_MEM" | sed 's/^/   /'

OPTS=(-t torino -O 2 --progress=none)
run() {  # run LABEL ROWS RESULTS CMD...: wall seconds, rows/s, MB/s, peak RSS
  local label=$1 rows=$2 out=$3; shift 3
  rm -f "$out"
  local t0 t1
  t0=$(date +%s.%N)
  "$@" 2>"$T/err" || { echo "   $label: failed"; sed 's/^/   | /' "$T/err" | head; return 1; }
  t1=$(date +%s.%N)
  local mb
  mb=$(du -b "$out" | awk '{ printf "%.1f", $1 / 1e6 }')
  WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  awk -v w="$WALL" -v r="$rows" -v mb="$mb" -v l="$label" \
    'BEGIN { printf "   %s: %d rows in %.2f s: %.1f rows/s, results %.1f MB (%.1f MB/s)\n", l, r, w, r / w, mb, mb / w }'
  for f in "$T"/peak.*; do
    [ -f "$f" ] && awk -v r="${f##*.}" '{ printf "   peak RSS rank %d: %.1f MiB\n", r, $1 / 1024 }' "$f"
  done
  rm -f "$T"/peak.*
}
# peak RSS of each rank, into $T/peak.RANK (GNU time; Open MPI names the rank)
cat >"$T/timed" <<EOF
#!/bin/sh
exec /usr/bin/time -f "%M" -o "$T/peak.\${OMPI_COMM_WORLD_RANK:-0}" "\$@"
EOF
chmod +x "$T/timed"
TIME=("$T/timed")

echo "== 2. --bind, $ROWS_BIND rows written"
run "1 process x $THREADS threads" "$ROWS_BIND" "$T/rb.h5" \
  "${TIME[@]}" "$B" "$T/bind.h5" -o "$T/rb.h5" "${OPTS[@]}" --bind --threads "$THREADS"
BIND1=$WALL
if command -v mpirun >/dev/null; then
  run "mpirun -n 2 x 1 thread" "$ROWS_BIND" "$T/rb2.h5" \
    mpirun -n 2 "${TIME[@]}" "$B" "$T/bind.h5" -o "$T/rb2.h5" "${OPTS[@]}" --bind --threads 1
fi
echo "== 2b. transpile once, no rows stored ($ROWS_BIND rows of values kept)"
run "1 process" "$ROWS_BIND" "$T/ro.h5" "${TIME[@]}" "$B" "$T/bind.h5" -o "$T/ro.h5" "${OPTS[@]}"

echo "== 3. --per-instance, $ROWS_PER rows"
run "1 process x $THREADS threads" "$ROWS_PER" "$T/rp.h5" \
  "${TIME[@]}" "$B" "$T/per.h5" -o "$T/rp.h5" "${OPTS[@]}" --per-instance --threads "$THREADS"
PER=$WALL
awk -v p="$PER" -v np="$ROWS_PER" -v b="$BIND1" -v nb="$ROWS_BIND" 'BEGIN {
  est = p * nb / np
  printf "== %d-row sweep end to end: --per-instance %.0f s (from %d rows), --bind %.1f s: %.0fx (goal 100x)\n",
         nb, est, np, b, est / b }'
