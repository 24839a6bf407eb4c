#!/bin/bash
# tests/e2e/killpoint.sh -- a batch killed (SIGKILL) at every step where
# its results file changes, then resumed, gives the same results as an
# uninterrupted run (doc/reliability.md).
#
# QTR_TEST_KILL=EVENT:N (mpi/killpoint.h) makes the program raise SIGKILL
# at the N-th time it reaches EVENT. For every event the program names, for
# several N, for 1 process and `mpirun -n 2` (and `--writer=all` where
# parallel HDF5 is built), the test
#   1. runs the batch with the kill, from no file (a fresh run) and from a
#      file an earlier kill left half done (a resumed run);
#   2. checks that whatever is at RESULTS.h5 is a readable results file, or
#      one whose journal holds a round cut short (info says so);
#   3. runs the same command with --resume and compares (h5diff, /timing
#      excluded) with an uninterrupted run. With --writer=all a kill inside
#      a commit leaves rank 0's mark and every rank's undo journal
#      (mpi/mpiio_journal.h), which --resume rolls back as the default
#      writer's; a mark whose rank journal is missing is refused (exit 2).
# Short form (make check): every event, N = 1, 2 and 5 (write: 3, 40 and
# 150) for one process; N = 1 and 2 (write: 3) under mpirun, resumed runs 2;
# --writer=all: N = 1 (write: 3 and 40), resumed runs 2. Long form, every N
# until the event is no longer reached:
#   QTR_KILLPOINT_LONG=1 tests/e2e/killpoint.sh      (or: make killpoint-long)
# Needs the built qtranspile ($QTR_BUILDDIR) and h5diff (hdf5-tools).
set -u
B=${QTR_BUILDDIR:-.}/qtranspile
LONG=${QTR_KILLPOINT_LONG:-0}
command -v h5diff >/dev/null || { echo "SKIP: h5diff (Debian: hdf5-tools) not installed"; exit 77; }
[ -x "$B" ] || { echo "FAIL: $B not built"; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/qtr_kill.XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/kill_common.sh"
cases=0 killed=0 marked=0
# when a rank dies, mpirun kills the others at once rather than after a
# second's grace (faults.sh keeps the default): 0.7 s per killed run, not 3.6
export OMPI_MCA_odls_base_sigkill_timeout=0

# ---- 60 small circuits, one malformed (a recorded failure: exit 1) -------------
random_circuits "$T/q" k 4242 5
printf 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nfrobnicate q[0];\n' >"$T/q/k33.qasm"
"$B" pack --qasm "$T"/q/k*.qasm -o "$T/in.h5" 2>"$T/err" || { echo "FAIL: pack: $(cat "$T/err")"; exit 1; }
OPTS=(-t all:5 -O 1 --round 8 --progress=none)   # 8 rounds for one process
"$B" "$T/in.h5" -o "$T/ref.h5" "${OPTS[@]}" 2>"$T/err"
[ $? -eq 1 ] || { echo "FAIL: reference run: $(cat "$T/err")"; exit 1; }

# the events, as the program lists them for a malformed QTR_TEST_KILL
QTR_TEST_KILL=nothing:1 "$B" "$T/in.h5" -o "$T/x.h5" "${OPTS[@]}" 2>"$T/err"
[ $? -eq 2 ] || bad "a malformed QTR_TEST_KILL is not refused"
EVENTS=$(sed -n 's/.*EVENT one of //p' "$T/err")
[ -n "$EVENTS" ] && ok "events: $EVENTS" || { echo "FAIL: no event list: $(cat "$T/err")"; exit 1; }

have_mpi=0 have_par=0
if "$B" info --build | grep -q "^mpi: yes" && command -v mpirun >/dev/null; then have_mpi=1; fi
if [ $have_mpi = 1 ] && "$B" info --build | grep -q "^hdf5: parallel"; then have_par=1; fi

# launch SHAPE ARGS...: the batch run as SHAPE: 1 (one process), 2 (mpirun
# -n 2, rank 0 writes) or 2all (mpirun -n 2 --writer=all)
launch() {
  local shape=$1; shift
  local fwd=()
  [ -n "${QTR_TEST_KILL:-}" ] && fwd=(-x QTR_TEST_KILL)
  case $shape in
    1) "$B" "$@" ;;
    2) $NOLEAK mpirun -n 2 "${fwd[@]}" "$B" "$@" ;;
    2all) $NOLEAK mpirun -n 2 "${fwd[@]}" "$B" "$@" --writer=all ;;
  esac
}

# a half-done file for the resumed runs: killed after two rounds' status
QTR_TEST_KILL=flushed:4 "$B" "$T/in.h5" -o "$T/half.h5" "${OPTS[@]}" 2>/dev/null
half=$("$B" info "$T/half.h5" 2>/dev/null | sed -n 's/^status: //p')
case "$half" in *" 0 pending"|"") bad "no half-done file: '$half'" ;; *) ok "half-done file: $half" ;; esac

# one SHAPE START EVENT N: kill, check the file, resume, compare. START is
# "fresh" (no file) or "resumed" (the half-done file, run with --resume).
# Returns 0 if the run was killed, 1 if it ended by itself.
one() {
  local shape=$1 start=$2 ev=$3 n=$4 out="$T/out.h5" rc
  rm -f "$out" "$out.part"
  local resume=()
  if [ "$start" = resumed ]; then cp "$T/half.h5" "$out"; resume=(--resume); fi
  QTR_TEST_KILL=$ev:$n launch "$shape" "$T/in.h5" -o "$out" "${OPTS[@]}" "${resume[@]}" >"$T/kout" 2>&1
  rc=$?
  cases=$((cases + 1))
  local was_killed=0
  case $rc in
    0|1) ;;      # never reached EVENT N times: the run completed
    137) was_killed=1 ;;
    *) [ "$shape" != 1 ] && grep -q "exited on signal 9" "$T/kout" && was_killed=1 ||
         { bad "$shape $start $ev:$n: exit $rc"; sed 's/^/  | /' "$T/kout" | head -8; } ;;
  esac
  killed=$((killed + was_killed))
  [ "$LONG" = 1 ] && echo "  $shape $start $ev:$n: $([ $was_killed = 1 ] && echo killed || echo completed)"
  # what is left at RESULTS.h5 reads as a results file, unless its journal
  # holds a round cut short (which --resume rolls back first; info says so)
  if [ -e "$out" ] && ! "$B" info "$out" >"$T/info" 2>&1 && ! grep -q "last round was cut short" "$T/info"; then
    bad "$shape $start $ev:$n: the file left is not readable: $(head -2 "$T/info")"
  fi
  [ "$shape" = 2all ] && [ -e "$out.journal" ] && marked=$((marked + 1))   # killed inside a commit
  launch "$shape" "$T/in.h5" -o "$out" "${OPTS[@]}" --resume >"$T/rout" 2>&1
  rc=$?
  if grep -q -E "runtime error|Sanitizer" "$T/kout" "$T/rout"; then
    # a sanitizer's report (UBSan exits 1, the status of a batch with a failed row)
    bad "$shape $start $ev:$n: sanitizer report"; grep -h -A3 -E "runtime error|Sanitizer" "$T/kout" "$T/rout" | head -8 | sed 's/^/  | /'
  elif [ $rc -ne 1 ]; then
    bad "$shape $start $ev:$n: --resume exit $rc"; sed 's/^/  | /' "$T/rout" | head -8
  elif ! h5diff --exclude-path /timing "$T/ref.h5" "$out" >"$T/diff" 2>&1; then
    bad "$shape $start $ev:$n: resumed results differ"; head -8 "$T/diff" | sed 's/^/  | /'
  fi
  return $((1 - was_killed))
}

# every event, the Ns of the form asked for
sweep() {  # sweep SHAPE START EVENTS N...  (EVENTS: a list, or "all")
  local shape=$1 start=$2 evs=$3; shift 3
  local before=$fails c0=$cases k0=$killed ev n
  [ "$evs" = all ] && evs=$EVENTS
  for ev in $evs; do
    [ "$start" = fresh ] && [ "$ev" = open ] && continue     # only a resumed run opens
    [ "$start" = resumed ] && case $ev in create|header|publish) continue ;; esac
    if [ "$LONG" = 1 ]; then
      n=1
      while one "$shape" "$start" "$ev" $n; do n=$((n + 1)); done
    elif [ "$ev" = write ]; then   # hundreds of writes: some inside each flush
      for n in 3 40 150; do
        one "$shape" "$start" "$ev" "$n"
        [ "$shape" = 1 ] || { [ "$shape" = 2all ] && [ $n = 3 ]; } || break
      done
    else
      for n in "$@"; do one "$shape" "$start" "$ev" "$n"; done
    fi
  done
  [ $fails -eq $before ] &&
    ok "$shape process(es), $start: $((cases - c0)) kill points ($((killed - k0)) killed), all resumed identical" ||
    bad "$shape process(es), $start: $((fails - before)) case(s) failed"
}

# QTR_KILLPOINT_SHAPES: which of 1, 2, 2all to run (default all there are),
# so the long form can run in parts side by side
SHAPES=${QTR_KILLPOINT_SHAPES:-1 2 2all}
case " $SHAPES " in *" 1 "*)
  sweep 1 fresh all 1 2 5
  sweep 1 resumed all 2 ;;
esac
if [ $have_mpi = 1 ]; then
  case " $SHAPES " in *" 2 "*)
    if [ "$LONG" = 1 ]; then sweep 2 fresh all; sweep 2 resumed all
    else sweep 2 fresh all 1 2; sweep 2 resumed all 2
    fi ;;
  esac
  case " $SHAPES " in *" 2all "*)
    if [ $have_par = 1 ] && [ "$LONG" = 1 ]; then
      sweep 2all fresh all
      sweep 2all resumed all
    elif [ $have_par = 1 ]; then
      sweep 2all fresh all 1
      sweep 2all resumed all 2
    fi
    if [ $have_par = 1 ]; then
      ok "--writer=all: $marked kill(s) inside a commit rolled back from the rank journals"
      # a mark whose rank journal is missing (given up on a full disk) is refused
      out="$T/out.h5"; rm -f "$out" "$out".*
      QTR_TEST_KILL=flushed:1 launch 2all "$T/in.h5" -o "$out" "${OPTS[@]}" >/dev/null 2>&1
      rm -f "$out.journal.1"
      launch 2all "$T/in.h5" -o "$out" "${OPTS[@]}" --resume >"$T/rout" 2>&1; rc=$?
      if [ -e "$out.journal" ] && [ $rc -eq 2 ] && grep -q "rank 1's undo journal .* is missing or incomplete" "$T/rout"; then
        ok "--writer=all: a commit whose rank journal is lost is refused (exit 2)"
      else
        bad "--writer=all: a lost rank journal: exit $rc: $(head -3 "$T/rout")"
      fi
    fi ;;
  esac
else
  echo "skipped: mpirun -n 2 (this build has no MPI, or mpirun is missing)"
fi

echo "$cases cases, $killed killed, $marked inside a --writer=all commit, $fails failure(s)"
[ $fails -eq 0 ]
