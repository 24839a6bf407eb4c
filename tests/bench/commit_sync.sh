#!/bin/bash
# tests/bench/commit_sync.sh -- what durable commits cost (run on demand,
# never in make check): the same batch written by two builds, alternated,
# results on the file system of DIR (use a disk, not a tmpfs, where fsync
# is free).
#
#   tests/bench/commit_sync.sh OLD_BUILDDIR NEW_BUILDDIR [ROUND] [REPEATS] [DIR]
#
# The batch: 600 small random circuits (tests/e2e/kill_common.sh's
# generator, 60 programs 10 times over), one process, --round ROUND
# (default 16: 38 rounds, I/O-bound, the worst case for per-round costs).
# Prints each run's wall time and each build's median, and the number of
# fsync/fdatasync calls of one run per build (strace -c, when installed).
set -u
OLD=$(cd "${1:?usage: commit_sync.sh OLD_BUILDDIR NEW_BUILDDIR [ROUND] [REPEATS] [DIR]}" && pwd)
NEW=$(cd "${2:?usage}" && pwd)
ROUND=${3:-16}
REPS=${4:-7}
D=${5:-$PWD/commit_sync.tmp}
mkdir -p "$D" || exit 1
trap 'rm -rf "$D"' EXIT
. "$(dirname "$0")/../e2e/kill_common.sh"
random_circuits "$D/q" f 9191 10
for r in 0 1 2 3 4 5 6 7 8 9; do ls "$D"/q/f*.qasm; done >"$D/list"
"$NEW/qtranspile" pack --qasm $(cat "$D/list") -o "$D/in.h5" 2>/dev/null || { echo "pack failed"; exit 1; }
run() { rm -f "$D"/o.h5*; "$1/qtranspile" "$D/in.h5" -o "$D/o.h5" -t all:5 -O 1 --round "$ROUND" --progress=none 2>/dev/null; }
declare -A times
for rep in $(seq 1 "$REPS"); do
  for b in "$OLD" "$NEW"; do
    s=$(date +%s%N); run "$b"; e=$(date +%s%N)
    ms=$(( (e - s) / 1000000 )); times[$b]="${times[$b]:-} $ms"
    echo "$b: $ms ms"
  done
done
for b in "$OLD" "$NEW"; do
  med=$(echo ${times[$b]} | tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
  syncs=
  command -v strace >/dev/null && syncs=0
  command -v strace >/dev/null &&
    syncs=$(rm -f "$D"/o.h5*; strace -f -c -e trace=fsync,fdatasync "$b/qtranspile" "$D/in.h5" -o "$D/o.h5" -t all:5 -O 1 --round "$ROUND" --progress=none 2>&1 >/dev/null | awk '$NF == "total" { print $(NF - 2) }' | grep . || echo 0)
  echo "$b: median $med ms over $REPS runs${syncs:+, $syncs sync calls}"
done
