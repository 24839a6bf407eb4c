#!/bin/bash
# tests/e2e/batch.sh -- the batch commands end to end (doc/batch.md):
#   pack / unpack / info; 200 circuits of which 3 are malformed -> 197 ok,
#   3 recorded errors, exit 1; results identical (h5diff) for 1 process,
#   1 process x 2 threads, and `mpirun -n 2`; a run killed with SIGKILL
#   mid-way then --resume, and a run stopped by SIGTERM then --resume, give
#   the same file as an uninterrupted run; no process is created but the
#   launch (strace).
# Needs the built qtranspile ($QTR_BUILDDIR) and h5diff (hdf5-tools).
# Parts needing mpirun or strace are skipped, and said so, when absent.
command -v h5diff >/dev/null || { echo "SKIP: h5diff (Debian: hdf5-tools) not installed"; exit 77; }
. "$(dirname "$0")/common.sh" batch
ok() { echo "ok [${SECONDS}s]: $*"; }   # with the time: several cases kill runs mid-way
same() {  # same A B: result datasets byte-identical (timings excluded)
  if h5diff --exclude-path /timing "$1" "$2" >"$T/diff" 2>&1; then ok "$3"; else bad "$3"; head -20 "$T/diff" | sed 's/^/  | /'; fi
}
status_line() { "$B" info "$1" | sed -n 's/^status: //p'; }

export OMPI_MCA_rmaps_base_oversubscribe=1
# waiting ranks yield the core: CI machines run more processes than cores
export OMPI_MCA_mpi_yield_when_idle=1
# In sanitizer builds: LeakSanitizer reports blocks Open MPI's dlopen'ed
# components keep (no symbols to suppress them by), and at exit it starts a
# tracer task (clone without CLONE_THREAD) the process-creation check would
# count. Leak checks stay on for every run not under mpirun or strace.
NOLEAK="env ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

# ---- inputs: 200 random circuits (awk, seeded), 3 of them malformed --------
mkdir -p "$T/q"
awk -v dir="$T/q" 'BEGIN {
  srand(12345);
  g1[0]="h"; g1[1]="x"; g1[2]="sx"; g1[3]="t"; g1[4]="s";
  for (i = 0; i < 200; i++) {
    f = sprintf("%s/c%03d.qasm", dir, i);
    nq = 2 + int(rand() * 4);
    print "OPENQASM 2.0;\ninclude \"qelib1.inc\";" > f;
    printf "qreg q[%d];\ncreg m[%d];\n", nq, nq > f;
    ng = 5 + int(rand() * 40);
    for (k = 0; k < ng; k++) {
      r = rand();
      a = int(rand() * nq); b = (a + 1 + int(rand() * (nq - 1))) % nq;
      if (r < 0.4) printf "%s q[%d];\n", g1[int(rand() * 5)], a > f;
      else if (r < 0.6) printf "rz(%.6f) q[%d];\n", rand() * 6.28 - 3.14, a > f;
      else if (r < 0.95) printf "cx q[%d],q[%d];\n", a, b > f;
      else if (nq > 2) printf "ccx q[0],q[1],q[2];\n" > f;
    }
    printf "barrier q;\nmeasure q -> m;\n" > f;
    close(f);
  }
}'
# three malformed programs, each its own kind of error
printf 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nh q[0]\ncx q[0],q[1];\n' >"$T/q/c017.qasm"
printf 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncx q[0],q[5];\n' >"$T/q/c099.qasm"
printf 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nfrobnicate q[0];\n' >"$T/q/c150.qasm"

# ---- pack / info / unpack ------------------------------------------------------
expect 0 "$B" pack --qasm "$T"/q/c*.qasm -o "$T/text.h5" && ok "pack --qasm 200 files"
"$B" info "$T/text.h5" >"$T/info"
grep -q "circuits as QASM text" "$T/info" && grep -q "^circuits: 200" "$T/info" && ok "info: 200 QASM texts" || bad "info of a text batch: $(cat "$T/info")"
expect 2 "$B" pack "$T"/q/c*.qasm -o "$T/cols.h5"
grep -q "c017.qasm:5:1" "$T/err" && [ ! -e "$T/cols.h5" ] && ok "pack (parsing) stops at the first malformed file, names it, leaves no output" || bad "pack of a malformed file: $(cat "$T/err")"
rm "$T/q/c017.qasm" "$T/q/c099.qasm" "$T/q/c150.qasm"
expect 0 "$B" pack "$T"/q/c*.qasm -o "$T/cols.h5" && ok "pack 197 files as records"
expect 0 "$B" unpack "$T/cols.h5" -o "$T/un" && [ "$(ls "$T/un" | wc -l)" -eq 197 ] && [ -s "$T/un/c000.qasm" ] && ok "unpack writes 197 files"
grep -q "circuits written to $T/un/\$" "$T/err" && ok "unpack names the directory once: un/" || bad "unpack message: $(cat "$T/err")"
expect 0 "$B" unpack "$T/cols.h5" -o "$T/un2/" && [ -s "$T/un2/c000.qasm" ] &&
  grep -q "circuits written to $T/un2/\$" "$T/err" && ! grep -q "//" "$T/err" &&
  ok "unpack -o DIR/: no doubled slash" || bad "unpack -o DIR/: $(cat "$T/err")"
expect 0 "$B" pack "$T"/un/c*.qasm -o "$T/cols2.h5"
same "$T/cols.h5" "$T/cols2.h5" "pack -> unpack -> pack gives the same batch"
expect 2 "$B" info "$T/q/c000.qasm"
grep -q "not an HDF5 file" "$T/err" && ok "info rejects a QASM file" || bad "info on QASM: $(cat "$T/err")"

# ---- 200 circuits, 3 malformed: 197 ok + 3 errors, exit 1 -----------------------
expect 1 "$B" "$T/text.h5" -o "$T/r1.h5" -t all:5 -O 1 --progress=none && ok "batch with 3 bad circuits exits 1"
[ "$(status_line "$T/r1.h5")" = "197 ok, 3 failed, 0 pending" ] && ok "197 ok, 3 recorded errors" || bad "status: $(status_line "$T/r1.h5")"
"$B" info "$T/r1.h5" >"$T/info"
grep -q "circuit 17 (c017): c017:5:1" "$T/info" && grep -q "circuit 99 (c099)" "$T/info" &&
  grep -q "circuit 150 (c150): c150:4:1" "$T/info" && ok "errors recorded with their messages" || bad "messages: $(cat "$T/info")"
expect 1 "$B" unpack "$T/r1.h5" -o "$T/unr"
[ "$(ls "$T/unr" | wc -l)" -eq 197 ] && grep -q "3 failed" "$T/err" && ok "unpack of results: 197 circuits, 3 failures listed" || bad "unpack results: $(tail -1 "$T/err")"

# ---- determinism: threads, round sizes --------------------------------------------
expect 1 env OMP_NUM_THREADS=2 "$B" "$T/text.h5" -o "$T/r1x2.h5" -t all:5 -O 1 --progress=none --round 7
same "$T/r1.h5" "$T/r1x2.h5" "1 process x 2 threads, rounds of 7 == 1 x 1"
# a circuit SABRE layout routes (300 cx on 10 qubits, on a line): its
# statistics, peak_bytes included, must not depend on OMP_NUM_THREADS (the
# peak counted OMP_NUM_THREADS routing states while each circuit runs on one
# thread: 86,250 bytes with 2 threads against 62,783 with 1)
awk 'BEGIN { srand(777); print "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[10];\ncreg m[10];";
  for (k = 0; k < 300; k++) { a = int(rand() * 10); b = (a + 1 + int(rand() * 9)) % 10;
    if (rand() < 0.3) printf "h q[%d];\n", a; printf "cx q[%d],q[%d];\n", a, b }
  print "measure q -> m;" }' >"$T/routed.qasm"
expect 0 "$B" pack --qasm "$T/routed.qasm" "$T/routed.qasm" -o "$T/routed.h5"
expect 0 "$B" "$T/routed.h5" -o "$T/ro1.h5" -t line:10 -O 1 --progress=none
expect 0 env OMP_NUM_THREADS=2 "$B" "$T/routed.h5" -o "$T/ro2.h5" -t line:10 -O 1 --progress=none
same "$T/ro1.h5" "$T/ro2.h5" "routed circuits: 2 threads == 1 thread (statistics included)"
# the single-circuit form's trial and approximation options: recorded in
# the results file, in effect (one layout and one swap trial route these
# circuits otherwise than the level's 5 x 5; usually with more cx, but not
# for every seed since routing may reorder commuting gates), checked on
# --resume
expect 0 "$B" "$T/routed.h5" -o "$T/ro3.h5" -t line:10 -O 1 --layout-trials 1 --swap-trials 1 --progress=none
"$B" info "$T/ro3.h5" | grep -q "layout trials 1, swap trials 1" && ok "batch records --layout-trials and --swap-trials" || bad "info: $("$B" info "$T/ro3.h5" | grep run)"
expect 0 "$B" unpack "$T/ro1.h5" -o "$T/uro1" >/dev/null
expect 0 "$B" unpack "$T/ro3.h5" -o "$T/uro3" >/dev/null
n1=$(grep -c '^cx' "$T/uro1/routed.qasm"); n3=$(grep -c '^cx' "$T/uro3/routed.qasm")
[ "$n3" -ne "$n1" ] && ok "one layout and one swap trial: $n3 cx against the level's $n1" || bad "trials had no effect: $n3 cx against $n1"
expect 2 "$B" "$T/routed.h5" -o "$T/ro3.h5" -t line:10 -O 1 --layout-trials 1 --swap-trials 2 --progress=none --resume
grep -q "holds results of another run.*--layout-trials 1 --swap-trials 1" "$T/err" && ok "--resume with other --swap-trials is refused" || bad "resume trials mismatch: $(cat "$T/err")"
expect 2 "$B" "$T/routed.h5" -o "$T/ro4.h5" -t line:10 --swap-trials 0
grep -q "swap-trials: expected a whole number of trials from 1 to 1000" "$T/err" && ok "--swap-trials 0 is a usage error" || bad "--swap-trials 0: $(cat "$T/err")"
expect 0 "$B" "$T/routed.h5" -o "$T/ro4.h5" -t line:10 -O 2 --approximation-degree 0.99 --progress=none
"$B" info "$T/ro4.h5" | grep -q "approximation degree 0.99" && ok "batch records --approximation-degree" || bad "info: $("$B" info "$T/ro4.h5" | grep run)"
# pool writes cut into windows (here one chunk each: ~11 per round for
# the instructions) give the same file, from one rank and from two
for i in $(seq 24); do printf '%s\n' "$T/routed.qasm"; done >"$T/r24.list"
expect 0 "$B" pack --qasm $(cat "$T/r24.list") -o "$T/r24.h5"
expect 0 "$B" "$T/r24.h5" -o "$T/w1.h5" -t line:10 -O 1 --progress=none
expect 0 env QTR_BATCH_WRITE_WINDOW=1 "$B" "$T/r24.h5" -o "$T/w2.h5" -t line:10 -O 1 --progress=none --round 5
same "$T/w1.h5" "$T/w2.h5" "pool writes in one-chunk windows == in one piece"

# ---- MPI: 2 ranks give the same bytes ------------------------------------------------
have_mpi=0
if "$B" info --build | grep -q "^mpi: yes" && command -v mpirun >/dev/null; then have_mpi=1; fi
if [ $have_mpi = 1 ]; then
  expect 1 $NOLEAK mpirun -n 2 --oversubscribe --allow-run-as-root "$B" "$T/text.h5" -o "$T/r2.h5" -t all:5 -O 1 --progress=none --round 16
  same "$T/r1.h5" "$T/r2.h5" "mpirun -n 2 == 1 process"
  # one row per rank and round: some rounds of a rank hold only a failed
  # row, with no instructions to send to rank 0
  expect 1 $NOLEAK mpirun -n 2 --oversubscribe --allow-run-as-root "$B" "$T/text.h5" -o "$T/r2one.h5" -t all:5 -O 1 --progress=none --round 1
  same "$T/r1.h5" "$T/r2one.h5" "mpirun -n 2, one row per rank and round == 1 process"
  expect 0 $NOLEAK mpirun -n 2 --oversubscribe --allow-run-as-root "$B" "$T/cols.h5" -o "$T/c2.h5" -t all:5 --progress=none --round 25
  expect 0 "$B" "$T/cols.h5" -o "$T/c1.h5" -t all:5 --progress=none
  same "$T/c1.h5" "$T/c2.h5" "records batch: mpirun -n 2 == 1 process"
  expect 0 $NOLEAK mpirun -n 2 --oversubscribe --allow-run-as-root -x QTR_BATCH_WRITE_WINDOW=1 "$B" "$T/r24.h5" -o "$T/w3.h5" -t line:10 -O 1 --progress=none --round 7
  same "$T/w1.h5" "$T/w3.h5" "mpirun -n 2, pool writes in one-chunk windows == 1 process"
  # the other writer: every rank writes its own rows, collectively
  if "$B" info --build | grep -q "^hdf5: parallel"; then
    expect 1 $NOLEAK mpirun -n 2 --oversubscribe --allow-run-as-root "$B" "$T/text.h5" -o "$T/a2.h5" -t all:5 -O 1 --progress=none --round 16 --writer=all
    same "$T/r1.h5" "$T/a2.h5" "mpirun -n 2 --writer=all == 1 process"
    expect 0 $NOLEAK mpirun -n 2 --oversubscribe --allow-run-as-root -x QTR_BATCH_WRITE_WINDOW=1 "$B" "$T/r24.h5" -o "$T/w4.h5" -t line:10 -O 1 --progress=none --round 7 --writer=all
    same "$T/w1.h5" "$T/w4.h5" "mpirun -n 2 --writer=all, one-chunk windows == 1 process"
  else
    expect 2 "$B" "$T/r24.h5" -o "$T/w5.h5" -t line:10 --writer=all
  fi
else
  echo "skipped: MPI parts (this build has no MPI, or mpirun is missing)"
fi

# ---- long results: whole chunks compressed by the workers ---------------------
# A segment of 16 chunks or more starts at a chunk boundary and the worker
# that transpiled the circuit compresses its whole chunks (h5_chunk.h); the
# writer stores them as they are. Checked against the single-circuit
# command, which never touches HDF5: 70,000 u + cx at -O 0 give 420,000
# records and 210,000 parameters, both long enough.
awk 'BEGIN { print "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\nh q[0];";
  for (i = 1; i <= 70000; i++) printf "u(%.6f,%.6f,%.6f) q[1];\ncx q[0],q[1];\n", i * 1e-4, 0.5 - i * 1e-5, i * 3e-5 }' > "$T/long.qasm"
"$B" pack --qasm "$T/q/c000.qasm" "$T/long.qasm" "$T/q/c001.qasm" "$T/long.qasm" -o "$T/long.h5" 2>"$T/err" || bad "pack long: $(cat "$T/err")"
expect 0 "$B" "$T/long.h5" -o "$T/lr1.h5" -t line:10 -O 0 --progress=none
expect 0 "$B" "$T/long.qasm" -t line:10 -O 0 -o "$T/long.out.qasm"
rm -rf "$T/unl"
expect 0 "$B" unpack "$T/lr1.h5" -o "$T/unl"
starts=$(h5dump -d /results/inst_start -d /results/param_start "$T/lr1.h5" | tr -s ' ,' '\n' | grep -E '^[0-9]+$' | tr '\n' ' ')
if grep -v '^//' "$T/long.out.qasm" > "$T/l.want" && grep -v '^//' "$T/unl/long.qasm" > "$T/l.got" &&
   cmp -s "$T/l.want" "$T/l.got" && grep -v '^//' "$T/unl/long_3.qasm" | cmp -s "$T/l.want" -; then
  ok "long results (chunks compressed by the workers) read back as the single-circuit output"
else
  bad "long results differ from the single-circuit output (starts: $starts)"
fi
# the long rows' segments start at chunk boundaries (4096 records, 8192 parameters)
# (h5dump's numbers: each dataset's length, then its 4 values)
echo "$starts" | awk '{ if (NF != 10 || $3 % 4096 || $5 % 4096 || $8 % 8192 || $10 % 8192 || $3 == 0) exit 1 }' &&
  ok "long segments start at chunk boundaries ($starts)" || bad "long segment starts: $starts"
if [ $have_mpi = 1 ]; then
  expect 0 $NOLEAK mpirun -n 2 --oversubscribe --allow-run-as-root "$B" "$T/long.h5" -o "$T/lr2.h5" -t line:10 -O 0 --progress=none --round 1
  same "$T/lr1.h5" "$T/lr2.h5" "long results: mpirun -n 2 (chunks compressed on rank 1, stored by rank 0) == 1 process"
fi

# ---- SIGKILL mid-way, then --resume -----------------------------------------------
# A log line per round and a pause after each round let the test kill at a
# known point; wait for two rounds (32 circuits) before killing.
kill_after_rounds() {  # kill_after_rounds SIGNAL LOG PID...: wait for 2 rounds, signal the pids
  local sig=$1 log=$2; shift 2
  for _ in $(seq 1 300); do
    if grep -q "^qtranspile: [3-9][0-9]/200 circuits done" "$log" 2>/dev/null; then kill -s "$sig" "$@" 2>/dev/null; return 0; fi
    sleep 0.1
  done
  return 1
}
export QTR_PROGRESS_INTERVAL=0
QTR_BATCH_ROUND_DELAY_MS=300 "$B" "$T/text.h5" -o "$T/rk.h5" -t all:5 -O 1 --progress=log --round 16 2>"$T/klog" &
pid=$!
kill_after_rounds KILL "$T/klog" $pid || bad "the run did not reach 2 rounds"
wait $pid; rc=$?
st=$(status_line "$T/rk.h5")
case "$rc:$st" in
  137:*pending) [ "${st##*, }" != "0 pending" ] && ok "SIGKILL mid-way: $st" || bad "killed run was complete: $st" ;;
  *) bad "SIGKILL run: exit $rc, status '$st'" ;;
esac
expect 1 "$B" "$T/text.h5" -o "$T/rk.h5" -t all:5 -O 1 --progress=log --resume
grep -q "resuming" "$T/err" || bad "resume did not say it resumed: $(head -2 "$T/err")"
same "$T/r1.h5" "$T/rk.h5" "killed + --resume == uninterrupted"

# ---- SIGTERM: finishes the round, exits 3, resumable ------------------------------
QTR_BATCH_ROUND_DELAY_MS=300 "$B" "$T/text.h5" -o "$T/rt.h5" -t all:5 -O 1 --progress=log --round 16 2>"$T/tlog" &
pid=$!
kill_after_rounds TERM "$T/tlog" $pid || bad "the run did not reach 2 rounds"
wait $pid; rc=$?
[ $rc -eq 3 ] && grep -q "run the same command with --resume" "$T/tlog" && ok "SIGTERM: exit 3 after a complete round" || bad "SIGTERM: exit $rc: $(tail -2 "$T/tlog")"
expect 1 "$B" "$T/text.h5" -o "$T/rt.h5" -t all:5 -O 1 --progress=none --resume
same "$T/r1.h5" "$T/rt.h5" "SIGTERM + --resume == uninterrupted"
expect 1 "$B" "$T/text.h5" -o "$T/rt.h5" -t all:5 -O 1 --progress=log --resume
grep -q "finished: 200/200" "$T/err" && ok "--resume on a complete file does nothing more" || bad "resume of complete: $(cat "$T/err")"
expect 2 "$B" "$T/text.h5" -o "$T/rt.h5" -t all:5 -O 2 --progress=none --resume
grep -q "holds results of another run" "$T/err" && ok "--resume with other options is refused" || bad "resume mismatch: $(cat "$T/err")"

if [ $have_mpi = 1 ]; then
  # kill every rank of a 2-rank run with SIGKILL, by process id
  QTR_BATCH_ROUND_DELAY_MS=300 $NOLEAK mpirun -n 2 --oversubscribe --allow-run-as-root -x QTR_BATCH_ROUND_DELAY_MS -x QTR_PROGRESS_INTERVAL \
    "$B" "$T/text.h5" -o "$T/rk2.h5" -t all:5 -O 1 --progress=log --round 8 2>"$T/k2log" &
  mpid=$!
  for _ in $(seq 1 300); do grep -q "^qtranspile: [3-9][0-9]/200" "$T/k2log" 2>/dev/null && break; sleep 0.1; done
  ranks=$(ps -o pid= --ppid $mpid | tr '\n' ' ')
  kill -KILL $ranks $mpid 2>/dev/null
  wait $mpid 2>/dev/null
  st=$(status_line "$T/rk2.h5")
  [ -n "$st" ] && [ "${st##*, }" != "0 pending" ] && ok "2 ranks killed mid-way: $st" || bad "2-rank kill: '$st'"
  expect 1 $NOLEAK mpirun -n 2 --oversubscribe --allow-run-as-root "$B" "$T/text.h5" -o "$T/rk2.h5" -t all:5 -O 1 --progress=none --resume
  same "$T/r1.h5" "$T/rk2.h5" "2 ranks killed + --resume with 2 ranks == uninterrupted"
fi
unset QTR_PROGRESS_INTERVAL

# ---- no process creation besides the launch -----------------------------------------
if command -v strace >/dev/null && strace -f -o /dev/null true 2>/dev/null; then
  # forks, vforks and execs, and clones that are not threads; qtranspile's
  # execve into qtranspile-batch (src/cli_handoff.c) replaces the process
  # and creates none
  check_trace() {  # check_trace TRACE ALLOWED_PARENT_PID_REGEX LABEL
    local extra
    extra=$(grep -E 'execve\(|fork\(|clone3?\(' "$1" | grep -v 'CLONE_THREAD' | grep -vE "^($2) " |
            grep -vE "execve\(\"$B\"|execve\(\"[^\"]*qtranspile(-batch)?\"" | head -5)
    if [ -z "$extra" ]; then ok "$3"; else bad "$3: $extra"; fi
  }
  OMP_NUM_THREADS=2 $NOLEAK strace -f -e trace=fork,vfork,execve,clone,clone3 -o "$T/tr1" "$B" "$T/text.h5" -o "$T/rs.h5" -t all:5 --progress=none >/dev/null 2>&1
  check_trace "$T/tr1" "NONE" "1 process x 2 threads: no fork/exec (threads only)"
  if [ $have_mpi = 1 ]; then
    $NOLEAK strace -f -e trace=fork,vfork,execve,clone,clone3 -o "$T/tr2" mpirun -n 2 --oversubscribe --allow-run-as-root "$B" "$T/text.h5" -o "$T/rs2.h5" -t all:5 --progress=none >/dev/null 2>&1
    mp=$(head -1 "$T/tr2" | cut -d' ' -f1)
    check_trace "$T/tr2" "$mp" "mpirun -n 2: ranks create no processes (only mpirun's launch)"
  fi
else
  echo "skipped: strace checks (strace missing or not permitted)"
fi

# ---- a batch written by h5py alone ---------------------------------------------------
if python3 -c 'import h5py' 2>/dev/null || /usr/bin/python3 -c 'import h5py' 2>/dev/null; then
  PY=python3; python3 -c 'import h5py' 2>/dev/null || PY=/usr/bin/python3
  $PY "$SRC/examples/make_batch.py" random "$T/py.h5" -n 50 --qubits 2:5 --seed 3 2>/dev/null
  expect 0 "$B" "$T/py.h5" -o "$T/pyr.h5" -t all:5 --progress=none &&
    [ "$(status_line "$T/pyr.h5")" = "50 ok, 0 failed, 0 pending" ] && ok "h5py-written batch transpiles (50 ok)"
  $PY "$SRC/examples/make_batch.py" sweep "$T/sw.h5" --qubits 4 --steps 3 2>/dev/null
  expect 0 "$B" "$T/sw.h5" -o "$T/swr.h5" -t all:4 --progress=none && ok "parameter sweep batch (9 points)"
  # rows done after the first pending one (what a kill during a round's
  # status write leaves): only the pending rows are redone, in place
  for how in "1" "2"; do
    cp "$T/r1.h5" "$T/holes$how.h5"
    $PY -c 'import h5py, sys
f = h5py.File(sys.argv[1], "r+"); s = f["results/status"]
for i in [5, 50, 51, 52, 53, 120, 199]: s[i] = 0' "$T/holes$how.h5"
    if [ "$how" = 1 ]; then
      expect 1 "$B" "$T/text.h5" -o "$T/holes1.h5" -t all:5 -O 1 --progress=log --resume --round 20
    elif [ $have_mpi = 1 ]; then
      expect 1 $NOLEAK mpirun -n 2 --oversubscribe --allow-run-as-root "$B" "$T/text.h5" -o "$T/holes2.h5" -t all:5 -O 1 --progress=none --resume --round 10
    else continue; fi
    same "$T/r1.h5" "$T/holes$how.h5" "--resume with scattered pending rows ($how rank(s)) == uninterrupted"
  done
  # long rows redone on resume go back to their chunk-aligned places
  cp "$T/lr1.h5" "$T/lholes.h5"
  $PY -c 'import h5py, sys
f = h5py.File(sys.argv[1], "r+"); s = f["results/status"]
for i in [1, 2]: s[i] = 0' "$T/lholes.h5"
  expect 0 "$B" "$T/long.h5" -o "$T/lholes.h5" -t line:10 -O 0 --progress=none --resume
  same "$T/lr1.h5" "$T/lholes.h5" "--resume redoing a long row == uninterrupted"
else
  echo "skipped: h5py examples (python3-h5py not installed)"
fi

# ---- a damaged chunk of the index: its rows fail alone, the batch goes on ------
# (a fuzz finding: a shuffled index chunk longer than the chunk)
D="$SRC/tests/fuzz/corpus/h5_batch/regress_shuffle_longer_than_chunk.h5"
if expect 1 "$B" "$D" -o "$T/dmg.h5" -t all:20 -O 1 --progress=none &&
   "$B" info "$T/dmg.h5" >"$T/info" 2>&1 && grep -q "3 failed, 0 pending" "$T/info" &&
   [ "$(grep -c 'its index cannot be read' "$T/info")" -eq 3 ]; then
  ok "a damaged index chunk fails its rows alone (exit 1, each with its reason)"
else
  bad "a damaged index chunk"; sed 's/^/  | /' "$T/info" | head
fi

# ---- usage errors ---------------------------------------------------------------
expect 2 "$B" "$T/text.h5" -o "$T/x.h5" && grep -q "needs -t TARGET" "$T/err" && ok "missing -t is a usage error"
expect 2 "$B" "$T/text.h5" -o "$T/text.h5" -t all:5 && grep -q "is the input batch" "$T/err" && ok "output = input refused"
expect 2 "$B" "$T/r1.h5" -o "$T/x.h5" -t all:5 && grep -q "is a results file" "$T/err" && ok "a results file is not an input"
expect 2 "$B" "$T/text.h5" -o "$T/x.h5" -t all:5 --progress=sometimes && grep -q "expected auto, bar, log or none" "$T/err" && ok "--progress checked"
expect 2 "$B" "$T/text.h5" -o "$T/x.h5" -t all:5 --writer=everyone && grep -q "expected rank0 or all" "$T/err" && ok "--writer checked"

echo "$fails failure(s)"
[ $fails -eq 0 ]
