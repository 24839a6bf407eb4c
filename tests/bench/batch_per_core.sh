#!/bin/bash
# tests/bench/batch_per_core.sh -- circuits per second per core, two builds
# side by side (run on demand, never in make check).
#
#   tests/bench/batch_per_core.sh OLD_BUILDDIR NEW_BUILDDIR [N] [LEVEL] [TARGET]
#
# Packs batch.sh's mix of N circuits (default 10000: in every block of 1000
# rows the shared benchmark circuits that fit TARGET, then random 2-12-qubit
# ones) with NEW's packer, then transpiles it with each build as one process
# with one thread pinned to core 0 (`taskset -c 0`, OMP_NUM_THREADS=1),
# the builds alternated QTR_BENCH_REPS times (default 3). Prints, per run,
# wall and CPU seconds (user + system, /usr/bin/time) and circuits per
# second per core (N / CPU seconds), then the medians and their ratio; and
# says whether the two builds' results have the same status column (both
# transpile every row; their circuits may differ where the passes changed).
set -u
OLD=$(cd "${1:?usage: batch_per_core.sh OLD NEW [N] [LEVEL] [TARGET]}" && pwd)
NEW=$(cd "${2:?usage: batch_per_core.sh OLD NEW [N] [LEVEL] [TARGET]}" && pwd)
N=${3:-10000}
LEVEL=${4:-1}
TARGET=${5:-torino}
W=${QTR_BENCH_DIR:-${TMPDIR:-/tmp}/qtr-bench-batch}
REPS=${QTR_BENCH_REPS:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
QTR_BENCH_DIR=$W QTR_BENCH_PACK_ONLY=1 bash "$HERE/batch.sh" "$NEW" "$N" "$TARGET" "$LEVEL" || exit 1
cd "$W" || exit 1
# one LABEL BUILD: one run; appends "wall cpu" to fig.pc.LABEL
one() {
  local label=$1 b=$2 t0 t1
  rm -f "pc.$label.h5" pc.time
  t0=$(date +%s.%N)
  OMP_NUM_THREADS=1 taskset -c 0 /usr/bin/time -f "%U %S %M" -o pc.time \
    "$b/qtranspile" mix.h5 -o "pc.$label.h5" -t "$TARGET" -O "$LEVEL" 2> "pc.$label.log"
  local rc=$?
  t1=$(date +%s.%N)
  local wall cpu rss
  wall=$(echo "$t1 - $t0" | bc)
  cpu=$(awk '{ printf "%.2f", $1 + $2 }' pc.time)
  rss=$(awk '{ printf "%d", $3 / 1024 }' pc.time)
  printf "%-4s exit %d  wall %7.2f s  cpu %7.2f s  %6.0f circuits/s per core  peak RSS %s MiB\n" \
    "$label" "$rc" "$wall" "$cpu" "$(echo "$N / $cpu" | bc -l)" "$rss"
  echo "$wall $cpu" >> "fig.pc.$label"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
rm -f fig.pc.*
echo "old: $OLD"
echo "new: $NEW"
for i in $(seq "$REPS"); do
  one old "$OLD"
  one new "$NEW"
done
for k in old new; do
  eval "w_$k=$(cut -d' ' -f1 fig.pc.$k | median)"
  eval "c_$k=$(cut -d' ' -f2 fig.pc.$k | median)"
done
printf "medians of %d: old wall %.2f s cpu %.2f s (%.0f circuits/s per core); new wall %.2f s cpu %.2f s (%.0f circuits/s per core)\n" \
  "$REPS" "$w_old" "$c_old" "$(echo "$N / $c_old" | bc -l)" "$w_new" "$c_new" "$(echo "$N / $c_new" | bc -l)"
printf "circuits per second per core, new / old: %.2f (CPU), %.2f (wall)\n" \
  "$(echo "$c_old / $c_new" | bc -l)" "$(echo "$w_old / $w_new" | bc -l)"
for k in old new; do
  printf "%s: " "$k"; "$NEW/qtranspile" info "pc.$k.h5" | sed -n 's/^status: //p'
done
echo "machine after: load average $(cut -d' ' -f1-3 /proc/loadavg)"
