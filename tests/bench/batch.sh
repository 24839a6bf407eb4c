#!/bin/bash
# tests/bench/batch.sh -- batch throughput and memory (run on demand:
# `make bench-batch`, never in make check).
#
#   tests/bench/batch.sh BUILDDIR [N] [TARGET] [LEVEL]
#
# Builds a batch of N circuits (default 10000): in every block of 1000 rows,
# the first rows are the shared benchmark circuits that fit TARGET (each
# once), the rest random circuits (awk, seeded: 2-12 qubits, 20-300 gates).
# Then runs it as 1 rank x 1 thread, 1 x 2 and 2 x 1, each rank bound to one
# core per thread, and 1 x 1 and 2 x 1 again unbound; prints wall time, CPU
# time and peak RSS per rank; checks the results are identical; and
# runs the first 1000 rows to compare peak RSS per rank (memory is bounded by
# a round, so 1000 and 10000 circuits should need the same).
#
# QTR_BENCH_PACK_ONLY=1: build and pack the inputs (mix.h5, mix1k.h5 in
# $QTR_BENCH_DIR) and stop; tests/bench/batch_per_core.sh uses this.
#
# Circuits: $QTR_BENCH_CIRCUITS (default: ../shared/bench/circuits next to the
# source tree), its feynman/ and device100/ subsets.
set -u
BUILD=${1:?usage: batch.sh BUILDDIR [N] [TARGET] [LEVEL]}
N=${2:-10000}
TARGET=${3:-torino}
LEVEL=${4:-1}
B=$(cd "$BUILD" && pwd)/qtranspile
SRC=$(cd "$(dirname "$0")/../.." && pwd)
CIRC=${QTR_BENCH_CIRCUITS:-$SRC/../shared/bench/circuits}
[ -d "$CIRC" ] || CIRC=/work/shared/bench/circuits
W=${QTR_BENCH_DIR:-${TMPDIR:-/tmp}/qtr-bench-batch}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
[ -x "$B" ] || { echo "no $B"; exit 1; }
mkdir -p "$W/rand"
cd "$W" || exit 1

# ---- inputs --------------------------------------------------------------------
qubits_of() { grep -o 'qreg [A-Za-z0-9_]*\[[0-9]*\]' "$1" | grep -o '[0-9]*\]' | tr -d ']' | paste -sd+ | bc; }
tq=$("$B" targets 2>/dev/null | awk -v t="$TARGET" '$1 == t { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) { print $i; exit } }')
case $TARGET in all:*|line:*|ring:*) tq=${TARGET#*:} ;; esac
tq=${tq:-133}
: > bench.list
for f in "$CIRC"/feynman/*.qasm "$CIRC"/device100/*.qasm; do
  [ -f "$f" ] || continue
  q=$(qubits_of "$f"); [ -n "$q" ] && [ "$q" -le "$tq" ] && echo "$f" >> bench.list
done
nb=$(wc -l < bench.list)
echo "benchmark circuits fitting $TARGET ($tq qubits): $nb (of $(ls "$CIRC"/feynman/*.qasm "$CIRC"/device100/*.qasm | wc -l))"
if [ ! -f "rand/done_$N" ]; then
  awk -v dir="$W/rand" -v n="$N" 'BEGIN {
    srand(20240611);
    g1[0]="h"; g1[1]="x"; g1[2]="sx"; g1[3]="t"; g1[4]="s"; g1[5]="tdg";
    for (i = 0; i < n; i++) {
      f = sprintf("%s/r%05d.qasm", dir, i);
      nq = 2 + int(rand() * 11); ng = 20 + int(rand() * 281);
      printf "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[%d];\ncreg c[%d];\n", nq, nq > f;
      for (k = 0; k < ng; k++) {
        r = rand(); a = int(rand() * nq); b = (a + 1 + int(rand() * (nq - 1))) % nq;
        if (r < 0.45) printf "%s q[%d];\n", g1[int(rand() * 6)], a > f;
        else if (r < 0.6) printf "rz(%.9f) q[%d];\n", rand() * 6.28 - 3.14, a > f;
        else printf "cx q[%d],q[%d];\n", a, b > f;
      }
      printf "measure q -> c;\n" > f; close(f);
    }
  }'
  touch "rand/done_$N"
fi
mk_list() {  # mk_list COUNT > list: the mix described above
  awk -v n="$1" -v nb="$nb" -v rd="$W/rand" 'NR == FNR { b[NR - 1] = $0; next } END {
    for (i = 0; i < n; i++) {
      k = i % 1000;
      if (k < nb) print b[k]; else printf "%s/r%05d.qasm\n", rd, i;
    } }' bench.list /dev/null
}
mk_list "$N" > all.list
mk_list 1000 > small.list
"$B" pack --qasm $(cat all.list) -o mix.h5 2>/dev/null || { echo "pack failed"; exit 1; }
"$B" pack --qasm $(cat small.list) -o mix1k.h5 2>/dev/null
echo "batch: $N circuits ($(( (N + 999) / 1000 * nb )) benchmark rows), $(du -h mix.h5 | cut -f1); target $TARGET, -O $LEVEL"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
[ -n "${QTR_BENCH_PACK_ONLY:-}" ] && exit 0

# ---- runs -------------------------------------------------------------------------
# run LABEL RANKS THREADS INPUT OUTPUT: wall s, CPU s, peak RSS per rank (KB)
# Each rank gets one core per thread (taskset / mpirun --bind-to core), as
# `--cpus-per-task=THREADS` gives under Slurm: a rank's coordinator thread
# shares its workers' cores. "unbound" runs let the kernel place threads
# anywhere: there 1 x 1 uses the second core for its coordinator's writes.
run() {
  local label=$1 ranks=$2 threads=$3 in=$4 out=$5 bind=${6:-core} t0 t1
  rm -f "$out" rss.*
  t0=$(date +%s.%N)
  if [ "$ranks" -eq 1 ]; then
    local pin=""
    [ "$bind" = core ] && pin="taskset -c 0-$((threads - 1))"
    OMP_NUM_THREADS=$threads $pin /usr/bin/time -f "%M %U %S" -o rss.0 "$B" "$in" -o "$out" -t "$TARGET" -O "$LEVEL" \
      --progress=log --verbose 2> log.txt
  else
    local how="--bind-to none --oversubscribe"
    [ "$bind" = core ] && how="--bind-to core --map-by core:PE=$threads"
    OMP_NUM_THREADS=$threads mpirun -n "$ranks" $how \
      sh -c '/usr/bin/time -f "%M %U %S" -o rss.$OMPI_COMM_WORLD_RANK "$0" "$@"' \
      "$B" "$in" -o "$out" -t "$TARGET" -O "$LEVEL" --progress=log --verbose 2> log.txt
  fi
  local rc=$?
  t1=$(date +%s.%N)
  local wall cpu rss
  wall=$(echo "$t1 - $t0" | bc)
  cpu=$(cat rss.* | awk '{ s += $2 + $3 } END { printf "%.1f", s }')
  rss=$(cat rss.* | awk '{ printf "%s%d", (NR > 1 ? " " : ""), $1 / 1024 }')
  printf "%-22s exit %d  wall %7.1f s  cpu %7.1f s  peak RSS per rank (MiB): %s\n" "$label" "$rc" "$wall" "$cpu" "$rss"
  # where each rank's time went (the driver's own breakdown: wall and CPU
  # seconds of transpiling, reading, committing, per commit phase, the
  # coordinator thread's CPU, the workers' idle seconds)
  sed -n 's/^qtranspile: \(rank [0-9]*: [0-9]* circuits\)/    \1/p; s/^qtranspile: \(rank [0-9]*: commit phases\)/    \1/p' log.txt
  local key=${label//[^a-z0-9]/_}
  echo "$wall" >> "fig.wall.$key"
  cat rss.* | awk '$1 > m { m = $1 } END { printf "%d\n", m / 1024 }' >> "fig.rss.$key"
}
# the median of a run's figures (wall s, largest rank's peak RSS MiB)
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
# The machines are shared and noisy: 1 x 1 and 2 x 1 alternate $REPS times
# (default 3) and the speedup is the ratio of their medians.
REPS=${QTR_BENCH_REPS:-3}
rm -f fig.wall.* fig.rss.*
for i in $(seq "$REPS"); do
  run "1x1" 1 1 mix.h5 r11.h5
  run "2x1" 2 1 mix.h5 r21.h5
done
run "1x2" 1 2 mix.h5 r12.h5
run "1x1 unbound" 1 1 mix.h5 u11.h5 none
run "2x1 unbound" 2 1 mix.h5 u21.h5 none
for k in 1x1 2x1 1x2 1x1_unbound 2x1_unbound; do
  eval "wall_$k=$(median "fig.wall.$k")"
  eval "rssmax_$k=$(median "fig.rss.$k")"
done
echo "medians of $REPS: 1x1 $wall_1x1 s ($(paste -sd" " fig.wall.1x1)), 2x1 $wall_2x1 s ($(paste -sd" " fig.wall.2x1))"
"$B" info r11.h5 | sed -n 's/^status: /status (1x1): /p'
# h5diff compares compound records one by one (many minutes for 60 M
# instructions); with h5py at hand, compare each dataset's bytes instead
same() {
  if /usr/bin/python3 -c 'import h5py' 2>/dev/null; then
    /usr/bin/python3 - "$1" "$2" <<'PY' >/dev/null
import sys, h5py
def walk(g, out, pre=""):
    for k in g:
        p = pre + "/" + k
        if p.startswith("/timing"): continue
        if isinstance(g[k], h5py.Group): walk(g[k], out, p)
        else: out[p] = g[k]
a, b = {}, {}
walk(h5py.File(sys.argv[1], "r"), a); walk(h5py.File(sys.argv[2], "r"), b)
if sorted(a) != sorted(b): sys.exit(1)
for p in a:
    x, y = a[p], b[p]
    if x.dtype != y.dtype or x.shape != y.shape: sys.exit(1)
    if not x.shape:
        if x[()] != y[()]: sys.exit(1)
        continue
    for s in range(0, x.shape[0], 1 << 22):
        u, v = x[s:s + (1 << 22)], y[s:s + (1 << 22)]
        if (list(u) != list(v)) if u.dtype.kind == "O" else (u.tobytes() != v.tobytes()): sys.exit(1)
PY
  else
    h5diff --exclude-path /timing "$1" "$2" > /dev/null
  fi
}
for r in r12 r21 u21; do
  same r11.h5 $r.h5 && echo "$r.h5 identical to r11.h5 (/timing excluded)" || echo "$r.h5 DIFFERS from r11.h5"
done
echo "speedup 1x2 over 1x1: $(echo "scale=2; $wall_1x1 / $wall_1x2" | bc) (1x2: one run)"
echo "speedup 2x1 over 1x1: $(echo "scale=2; $wall_1x1 / $wall_2x1" | bc) (medians)"
echo "unbound: speedup 2x1 over 1x1: $(echo "scale=2; $wall_1x1_unbound / $wall_2x1_unbound" | bc) (one run each)"
for i in $(seq "$REPS"); do
  run "1x1 (1000)" 1 1 mix1k.h5 s11.h5
  run "2x1 (1000)" 2 1 mix1k.h5 s21.h5
done
# memory is bounded by the rounds in flight, not by the batch: the largest
# rank's peak RSS at N circuits against 1000 (must-show: within 10%),
# medians of the $REPS runs
for c in 1x1 2x1; do
  a=$(median "fig.rss.${c}__1000_") b=$(median "fig.rss.$c")
  echo "peak RSS $c, largest rank, runs: 1000 circuits $(paste -sd" " "fig.rss.${c}__1000_"), $N circuits $(paste -sd" " "fig.rss.$c")"
  echo "peak RSS $c, largest rank: 1000 circuits $a MiB, $N circuits $b MiB ($(echo "scale=1; 100 * ($b - $a) / $a" | bc)%)"
done
echo "machine after: load average $(cut -d' ' -f1-3 /proc/loadavg)"
