#!/bin/bash
# tests/slurm/check.sh -- `make check-slurm`: every script of examples/sbatch/
# submitted to a real Slurm, a single-node cluster started on this machine by
# tests/slurm/cluster.sh, against small batches made here.
#
# Each example is copied with its #SBATCH resource lines scaled to one node
# of this machine's 2 CPUs (the copy's other lines are the example's own),
# submitted, and waited for. Then: the job's final state and exit code; the
# results file has every row done; it is identical (h5diff, /timing
# excluded) to a direct run, outside Slurm, of the command line the job ran;
# the qtranspile log shows the expected ranks x threads; and every task ran
# on as many CPUs as it has threads (a stand-in `qtranspile` first on PATH
# records each task's CPU list, OMP_NUM_THREADS and arguments, then runs
# the real one).
#
# resubmit.sbatch is run twice: stopped by Slurm's own time-limit signal
# (a 2-minute limit given on the first sbatch command line only, so the
# resubmitted job, which reads the script's long limit, is not stopped
# again), and stopped by `scancel --signal=TERM`. Either way the first job
# must exit 3 with rows still pending and resubmit itself, and the second
# must finish the batch. Its batch is 32,768 tiny circuits: rounds hold at
# most 1,024 rows per thread, so the batch has 16 rounds of 2 ranks, cheap
# to transpile; QTR_BATCH_ROUND_DELAY_MS paces them (5 s per round) so that
# the signal, which Slurm sends at its next 30-second check, lands mid-batch.
#
# One line per test: "PASS: ...", "FAIL: ..." or "SKIP: ..." (.ci/run counts
# them). Exit 0 when all passed, 1 when one failed, 77 when the cluster
# cannot be started here (not root, no slurm-wlm/munge, daemons refused).
set -u
B=${QTR_BUILDDIR:-.}/qtranspile
SRC=${QTR_SRCDIR:-$(dirname "$0")/../..}
SRC=$(cd "$SRC" && pwd)
[ -x "$B" ] || { echo "FAIL: $B not built"; exit 1; }
B=$(cd "$(dirname "$B")" && pwd)/qtranspile
command -v h5diff >/dev/null || { echo "SKIP: check-slurm: h5diff (Debian: hdf5-tools) not installed"; exit 77; }
if [ "$(id -u)" -ne 0 ]; then echo "SKIP: check-slurm: the test cluster needs root"; exit 77; fi
PATH=$PATH:/usr/sbin:/sbin
for p in munged slurmctld slurmd sbatch; do
  command -v $p >/dev/null || { echo "SKIP: check-slurm: $p not found (Debian: apt-get install slurm-wlm munge)"; exit 77; }
done

[ "$(nproc)" -ge 2 ] || { echo "SKIP: check-slurm: the scaled examples need 2 CPUs, this machine has $(nproc)"; exit 77; }

T=$(mktemp -d "${TMPDIR:-/tmp}/qtr_slurm.XXXXXX")
chmod 755 "$T"
fails=0 passes=0
cleanup() { "$SRC/tests/slurm/cluster.sh" stop "$T/cluster" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 1' INT TERM
pass() { echo "PASS [$((SECONDS - t0)) s]: $*"; passes=$((passes + 1)); }
fail() { echo "FAIL [$((SECONDS - t0)) s]: $*"; fails=$((fails + 1)); }
note() { echo "  $*"; }

# ---- the cluster ----------------------------------------------------------------
t0=$SECONDS
if ! out=$("$SRC/tests/slurm/cluster.sh" start "$T/cluster" 2>&1); then
  echo "$out" | sed 's/^/  | /'
  echo "SKIP: check-slurm: the single-node Slurm cluster did not start on this machine"
  exit 77
fi
export SLURM_CONF=$T/cluster/slurm.conf
echo "cluster up in $((SECONDS - t0)) s: $(sinfo -h -N -o '%N %c CPUs %m MB %t') ($(sinfo -V)); srun MPI plugins: $(srun --mpi=list 2>&1 | sed -n 's/^[[:space:]]\+//p' | tr '\n' ' ')"

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
unset OMP_NUM_THREADS OMP_PROC_BIND OMP_PLACES QTR_BATCH_ROUND_DELAY_MS QTR_PROGRESS_INTERVAL STEPS

# the stand-in qtranspile, and a python3 that has h5py (sweep.sbatch)
mkdir -p "$T/bin"
cat >"$T/bin/qtranspile" <<EOF
#!/bin/sh
# check-slurm's stand-in: record this task's CPUs, threads and arguments
# (batch runs only), then run the real qtranspile
case " \$* " in *" -t "*)
  line="task=\${SLURM_PROCID:--} step=\${SLURM_STEP_ID:-batch} threads=\${OMP_NUM_THREADS:-unset} cpus=\$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status) args=\$*"
  printf '%s\n' "\$line" >>"\${QTR_SLURM_PROBE:-/dev/null}" ;;
esac
exec "$B" "\$@"
EOF
chmod +x "$T/bin/qtranspile"
have_h5py=0
for py in python3 /usr/bin/python3; do
  if "$py" -c 'import h5py' 2>/dev/null; then ln -s "$(command -v "$py")" "$T/bin/python3"; have_h5py=1; break; fi
done
export PATH=$T/bin:$PATH

# ---- inputs ---------------------------------------------------------------------
# random circuits (awk, seeded), N of them, QQ to QQ+5 qubits, into DIR
gen_circuits() {  # gen_circuits DIR N SEED MINQ NQRANGE MINGATES GATERANGE
  mkdir -p "$1"
  awk -v dir="$1" -v n="$2" -v seed="$3" -v q0="$4" -v qr="$5" -v g0="$6" -v gr="$7" 'BEGIN {
    srand(seed);
    for (i = 0; i < n; i++) {
      f = sprintf("%s/c%04d.qasm", dir, i); nq = q0 + int(rand() * qr);
      printf "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[%d];\ncreg m[%d];\n", nq, nq > f;
      for (k = g0 + int(rand() * gr); k > 0; k--) {
        a = int(rand() * nq); b = (a + 1 + int(rand() * (nq - 1))) % nq; r = rand();
        if (r < 0.5) printf "cx q[%d],q[%d];\n", a, b > f;
        else if (r < 0.75) printf "rz(%.6f) q[%d];\n", rand() * 6.28 - 3.14, a > f;
        else printf "h q[%d];\n", a > f;
      }
      printf "measure q -> m;\n" > f; close(f);
    } }'
}
gen_circuits "$T/q" 300 2026 2 6 10 60
cp "$SRC"/tests/data/*.qasm "$T/q/"   # included circuits (feynman's, see their licence)
gen_circuits "$T/tiny" 512 7 2 3 4 10
"$B" pack --qasm "$T"/q/*.qasm -o "$T/batch.h5" 2>/dev/null &&
  "$B" pack "$T"/q/*.qasm -o "$T/records.h5" 2>/dev/null &&
  for i in 0 1 2; do "$B" pack $(ls "$T"/q/c*.qasm | sed -n "$((i * 100 + 1)),$((i * 100 + 100))p") -o "$T/batch_$i.h5" 2>/dev/null || exit 1; done &&
  (cd "$T" && "$B" pack $(for _ in $(seq 64); do printf 'tiny/c%04d.qasm ' $(seq 0 511); done) -o "$T/big.h5" 2>/dev/null) ||
  { fail "packing the test batches"; exit 1; }
nbatch=$(ls "$T"/q/*.qasm | wc -l)   # 300 generated and tests/data's
echo "batches: batch.h5 $nbatch circuits (QASM text; records.h5 the same as records), batch_0..2.h5 100 each, big.h5 32768 tiny circuits"

# ---- helpers ----------------------------------------------------------------------
# prepare DIR EXAMPLE KEY=VALUE...: a directory $T/DIR for the example, the
# example copied into it as job.sbatch with those #SBATCH lines replaced
# (each must exist); sets W
prepare() {
  local dir=$1 name=$2 kv k; shift 2
  W=$T/$dir; mkdir -p "$W"
  cp "$SRC/examples/sbatch/$name" "$W/job.sbatch" || { fail "$name: not found"; return 1; }
  for kv in "$@"; do
    k=${kv%%=*}
    grep -q "^#SBATCH --$k=" "$W/job.sbatch" || { fail "$name: no '#SBATCH --$k=' line to scale"; return 1; }
    sed -i "s|^#SBATCH --$k=.*|#SBATCH --$kv   # check-slurm: one node of $(nproc) CPUs|" "$W/job.sbatch"
  done
}

job_field() { scontrol -o show job "$1" 2>/dev/null | sed -n "s/.* $2=\([^ ]*\).*/\1/p"; }

# wait_job ID [SECONDS]: until every task of the job is in a final state
wait_job() {
  local id=$1 limit=${2:-300} st
  for _ in $(seq 1 $((limit * 2))); do
    st=$(job_field "$id" JobState | sort -u | tr '\n' ' ')
    case $st in
      ""|*PENDING*|*RUNNING*|*CONFIGURING*|*COMPLETING*|*SIGNALING*|*SUSPENDED*|*REQUEUE*|*RESIZING*|*STAGE_OUT*) sleep 0.5 ;;
      *) return 0 ;;
    esac
  done
  scancel "$id" 2>/dev/null
  return 1
}

# job_summary ID: "job ID STATE exit N" per task
job_summary() {
  scontrol -o show job "$1" | awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = substr($i, length(kv[1]) + 2) }
    id = v["JobId"]; if (v["ArrayTaskId"] != "") id = v["ArrayJobId"] "_" v["ArrayTaskId"];
    split(v["ExitCode"], ec, ":"); printf "%sjob %s %s exit %s (ran %s)", sep, id, v["JobState"], ec[1], v["RunTime"]; sep = ", " }'
}

show_log() {  # the end of a job's log, after a failure
  local log; log=$(job_field "$1" StdOut | head -n 1)
  [ -f "$log" ] && tail -n 15 "$log" | sed 's/^/  | /'
  # what slurmd and slurmctld said about the job (a step that did not launch
  # says why only there)
  grep -h -E "(JobId=|StepId=|job |\\[)$1[^0-9]" "$T/cluster/log/slurmd.log" "$T/cluster/log/slurmctld.log" 2>/dev/null |
    grep -v -E 'debug[0-9]?:' | tail -n 20 | sed 's/^/  slurm| /'
}

# cpus_count LIST: CPUs in a list such as 0-3,6
cpus_count() { echo "$1" | awk -F, '{ n = 0; for (i = 1; i <= NF; i++) { split($i, r, "-"); n += (r[2] == "" ? 1 : r[2] - r[1] + 1) } print n }'; }

# check_tasks PROBE THREADS TASKS: every task recorded ran THREADS threads
# on THREADS CPUs, and TASKS tasks ran (per command line). Sets TASKINFO.
check_tasks() {
  local probe=$1 threads=$2 ntasks=$3 line t c n=0 bad=
  TASKINFO=
  while IFS= read -r line; do
    t=$(echo "$line" | sed -n 's/.* threads=\([^ ]*\).*/\1/p'); c=$(echo "$line" | sed -n 's/.* cpus=\([^ ]*\).*/\1/p')
    n=$((n + 1))
    [ "$t" = "$threads" ] && [ "$(cpus_count "$c")" = "$threads" ] || bad="$bad [$line]"
    TASKINFO="$TASKINFO $(echo "$line" | sed -n 's/^task=\([^ ]*\) .*/\1/p'):$c"
  done <"$probe"
  [ -z "$bad" ] || { note "tasks not on as many CPUs as threads ($threads):$bad"; return 1; }
  [ "$n" -eq "$ntasks" ] || { note "$n task(s) recorded, $ntasks expected"; return 1; }
}

# direct DIR ARGS...: the job's command line again, outside Slurm, in DIR,
# the output replaced; prints the results' path. The same command line on
# the same input is run once.
direct() {
  local dir=$1 a out=() next=0 key res; shift
  key=$(cd "$dir" && { readlink -f "$1"; shift; printf '%s\n' "$@"; } | md5sum | cut -c1-16)
  res=$T/direct/$key.h5
  [ -f "$res" ] && { echo "$res"; return 0; }
  mkdir -p "$T/direct"
  for a in "$@"; do
    if [ $next = 1 ]; then out+=("$res"); next=0; continue; fi
    case $a in -o) next=1 ;; --progress=*) a=--progress=none ;; esac
    out+=("$a")
  done
  (cd "$dir" && OMP_NUM_THREADS=2 "$B" "${out[@]}" >/dev/null 2>"$res.err"); local rc=$?
  [ $rc -le 1 ] || { note "direct run failed ($rc): $(tail -n 2 "$res.err")" >&2; rm -f "$res"; return 1; }
  echo "$res"
}

# check_results DIR RESULTS N ARGS...: all N rows of DIR/RESULTS done, and
# identical to a direct run of ARGS (the job's command line) in DIR. Sets
# RESINFO.
check_results() {
  local dir=$1 res=$1/$2 n=$3 st d; shift 3
  st=$("$B" info "$res" 2>&1 | sed -n 's/^status: //p')
  RESINFO="$st"
  [ "$st" = "$n ok, 0 failed, 0 pending" ] || { note "$res: status '$st', want '$n ok, 0 failed, 0 pending'"; return 1; }
  d=$(direct "$dir" "$@") || return 1
  if h5diff --exclude-path /timing "$d" "$res" >"$dir/h5diff.out" 2>&1; then
    RESINFO="$RESINFO; identical to a direct run (h5diff, /timing excluded)"
  else
    note "differs from the direct run: $(head -n 5 "$dir/h5diff.out" | tr '\n' ' ')"; return 1
  fi
}

# layout_said LOG RANKS THREADS: qtranspile's first line names the shape
layout_said() {
  local want="$2 ranks (MPI)"
  [ "$2" = 1 ] && want="1 process"
  grep -q "circuits, $want.* $3 threads\? per rank" "$1" || { note "log does not say '$want ... $3 thread(s) per rank': $(grep -m1 ' circuits, ' "$1")"; return 1; }
}

# submit [SBATCH OPTIONS...]: submit job.sbatch from $W; prints the job id
submit() { (cd "$W" && sbatch --parsable "$@" job.sbatch) | cut -d';' -f1; }

# run_example NAME RANKS THREADS RESULTS NCIRCUITS: submit $W/job.sbatch,
# wait, check state, shape, CPUs and results
run_example() {
  local name=$1 ranks=$2 threads=$3 res=$4 n=$5 id log args sum
  export QTR_SLURM_PROBE=$W/probe
  id=$(submit)
  [ -n "$id" ] || { fail "$name: sbatch refused the script"; return; }
  wait_job "$id" 300 || { fail "$name: job $id did not finish within 300 s"; show_log "$id"; return; }
  sum=$(job_summary "$id")
  log=$(job_field "$id" StdOut)
  args=$(sed -n '1s/.* args=//p' "$W/probe" 2>/dev/null)
  if [ "$(job_field "$id" JobState)" = COMPLETED ] && [ "$(job_field "$id" ExitCode)" = 0:0 ] &&
     layout_said "$log" "$ranks" "$threads" && check_tasks "$W/probe" "$threads" "$ranks" &&
     check_results "$W" "$res" "$n" $args; then
    pass "$name: $sum; $ranks x $threads (task:CPUs$TASKINFO); $RESINFO"
  else
    fail "$name: $sum"; show_log "$id"
  fi
}

# ---- the launchers -------------------------------------------------------------------
# srun -n 2 without an MPI plugin (this cluster's MpiDefault=none): refused
W=$T/srun_nompi; mkdir -p "$W"
(cd "$W" && QTR_SLURM_PROBE=/dev/null srun -n 2 --mem-per-cpu=512M qtranspile "$T/batch.h5" -o x.h5 -t heavy-hex:7 -O 1 >out 2>err)
rc=$?
if [ $rc -eq 2 ] && [ ! -e "$W/x.h5" ] && grep -q 'srun --mpi=pmix' "$W/err"; then
  pass "srun -n 2 without --mpi: refused (exit 2), no results file: $(grep -m1 'srun started' "$W/err" | cut -c1-80)..."
else
  fail "srun -n 2 without --mpi: exit $rc, results file $([ -e "$W/x.h5" ] && echo written || echo absent)"; sed 's/^/  | /' "$W/err" | head -5
fi

# mpirun in a 2-task job: the alternative one_node.sbatch gives where srun
# has no pmix, run with one_node.sbatch's command line
launcher=$(sed -n 's/^#[[:space:]]*\(mpirun .*\) qtranspile \.\.\.$/\1/p' "$SRC/examples/sbatch/one_node.sbatch")
cmd=$(sed -n '/^srun /,/[^\\]$/p' "$SRC/examples/sbatch/one_node.sbatch" | tr -d '\\\n' | sed 's/^srun .* qtranspile /qtranspile /')
if [ -z "$launcher" ] || [ -z "$cmd" ]; then
  fail "mpirun alternative: cannot find it in one_node.sbatch ('$launcher', '$cmd')"
else
  W=$T/mpirun; mkdir -p "$W"; ln -s "$T/batch.h5" "$W/batch.h5"
  printf '%s\n' '#!/bin/bash' '#SBATCH --ntasks=2 --cpus-per-task=1 --mem-per-cpu=512M --time=00:05:00 --output=mpirun-%j.log' \
    'export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}' "$launcher $cmd" >"$W/job.sbatch"
  run_example "mpirun in a 2-task job ($launcher)" 2 1 results.h5 "$nbatch"
fi

# ---- one_node.sbatch: 1 rank x 2 threads (srun --cpus-per-task) --------------------
if prepare one_node one_node.sbatch ntasks=1 cpus-per-task=2 time=00:05:00; then
  ln -s "$T/batch.h5" "$W/batch.h5"
  run_example one_node.sbatch 1 2 results.h5 "$nbatch"
fi

# ---- multi_node.sbatch: 1 node x 2 ranks, $SCRATCH -----------------------------------
if prepare multi_node multi_node.sbatch nodes=1 ntasks-per-node=2 cpus-per-task=1 time=00:05:00; then
  ln -s "$T/records.h5" "$W/sweep.h5"
  export SCRATCH=$W
  run_example multi_node.sbatch 2 1 results.h5 "$nbatch"
  unset SCRATCH
fi

# ---- job_array.sbatch: 3 tasks of 1 process x 2 threads ----------------------------
if prepare job_array job_array.sbatch array=0-2 cpus-per-task=2 time=00:05:00; then
  for i in 0 1 2; do ln -s "$T/batch_$i.h5" "$W/batch_$i.h5"; done
  export QTR_SLURM_PROBE=$W/probe
  id=$(submit)
  if [ -z "$id" ]; then fail "job_array.sbatch: sbatch refused the script"
  elif ! wait_job "$id" 300; then fail "job_array.sbatch: job $id did not finish within 300 s"
  else
    sum=$(job_summary "$id") ok=1 info=
    [ "$(job_field "$id" JobState | sort -u)" = COMPLETED ] && [ "$(job_field "$id" ExitCode | sort -u)" = 0:0 ] || ok=0
    [ "$(job_field "$id" JobState | wc -l)" -eq 3 ] || { ok=0; note "$(job_field "$id" JobState | wc -l) array tasks, 3 expected"; }
    check_tasks "$W/probe" 2 3 || ok=0
    for i in 0 1 2; do
      args=$(grep " args=batch_$i.h5 " "$W/probe" | sed -n '1s/.* args=//p')
      if [ -n "$args" ] && check_results "$W" "results_$i.h5" 100 $args; then
        info="$info; results_$i.h5: $RESINFO"
      else ok=0; note "results_$i.h5 (args: $args)"; fi
    done
    if [ $ok = 1 ]; then pass "job_array.sbatch: $sum; 3 x (1 process x 2 threads) (task:CPUs$TASKINFO)$info"
    else fail "job_array.sbatch: $sum"; show_log "$id"; fi
  fi
fi

# ---- sweep.sbatch: make_batch.py (h5py) then 2 ranks --------------------------------
if [ $have_h5py = 0 ]; then
  echo "SKIP: sweep.sbatch: no python3 with h5py (Debian: python3-h5py)"
elif prepare sweep sweep.sbatch ntasks=2 cpus-per-task=1 time=00:05:00; then
  cp "$SRC/examples/make_batch.py" "$W/"
  export STEPS=16
  run_example sweep.sbatch 2 1 sweep-results.h5 256
  unset STEPS
fi

# ---- resubmit.sbatch: stopped mid-batch, resubmits itself, the next job finishes ---
# resubmit_case DIR HOW NAME [SBATCH OPTIONS...]: HOW = "time" (Slurm's
# time-limit signal) or "scancel" (scancel --signal=TERM once 2 rounds are
# committed)
resubmit_case() {
  local how=$2 name=$3 id1 id2 log1 log2 st1 st2 stopped pend args n
  prepare "$1" resubmit.sbatch nodes=1 ntasks-per-node=2 cpus-per-task=1 time=00:10:00 signal=USR1@60 || return
  shift 3
  ln -s "$T/big.h5" "$W/big.h5"
  export QTR_SLURM_PROBE=$W/probe QTR_PROGRESS_INTERVAL=0
  id1=$(submit "$@")
  [ -n "$id1" ] || { fail "$name: sbatch refused the script"; return; }
  log1=$(job_field "$id1" StdOut)
  # the direct run meanwhile (the jobs mostly wait out their rounds' delay)
  for _ in $(seq 1 240); do [ -s "$W/probe" ] && break; sleep 0.5; done
  args=$(sed -n '1s/.* args=//p' "$W/probe" 2>/dev/null)
  if [ -z "$args" ]; then  # no task started within 120 s
    fail "$name: $(job_summary "$id1"): no task started within 120 s"
    show_log "$id1"; scancel "$id1" 2>/dev/null; return
  fi
  direct "$W" $args >/dev/null &
  local dpid=$!
  if [ "$how" = scancel ]; then
    for _ in $(seq 1 240); do
      n=$(grep -c '^qtranspile: [0-9]*/32768 circuits done' "$log1" 2>/dev/null)
      [ "${n:-0}" -ge 2 ] && break; sleep 0.5
    done
    scancel --signal=TERM "$id1"
  fi
  wait_job "$id1" 200 || { fail "$name: job $id1 did not finish within 200 s"; show_log "$id1"; wait $dpid; return; }
  st1="$(job_summary "$id1")"
  stopped=$(sed -n 's/^qtranspile: stopped by signal \([0-9]*\) after a complete round: \([0-9]*\) of.*/signal \1 with \2 rows done/p' "$log1")
  pend=$(sed -n 's/^stopped before the time limit (\([0-9]*\) rows pending): resubmitting/\1/p' "$log1")
  id2=$(sed -n 's/^Submitted batch job \([0-9]*\)$/\1/p' "$log1")
  if [ "$(job_field "$id1" ExitCode)" != 3:0 ] || [ -z "$stopped" ] || [ -z "$pend" ] || [ "$pend" -eq 0 ] || [ -z "$id2" ]; then
    fail "$name: $st1: not stopped mid-batch with exit 3 and resubmitted (${stopped:-no stop}, ${pend:-?} pending, next job ${id2:-none})"
    show_log "$id1"; [ -n "$id2" ] && scancel "$id2"; wait $dpid; return
  fi
  wait_job "$id2" 300 || { fail "$name: job $id2 did not finish within 300 s"; show_log "$id2"; wait $dpid; return; }
  st2="$(job_summary "$id2")"
  log2=$(job_field "$id2" StdOut)
  wait $dpid
  if [ "$(job_field "$id2" JobState)" = COMPLETED ] && [ "$(job_field "$id2" ExitCode)" = 0:0 ] &&
     grep -q 'resuming' "$log2" && ! grep -q '^Submitted batch job' "$log2" &&
     layout_said "$log1" 2 1 && check_tasks "$W/probe" 1 4 &&
     check_results "$W" big-results.h5 32768 $args; then
    pass "$name: $st1 ($stopped, $pend pending), resubmitted itself -> $st2; $RESINFO"
  else
    fail "$name: $st1 -> $st2"; show_log "$id2"
  fi
  unset QTR_PROGRESS_INTERVAL
}
# Slurm sends the signal at its first 30-second check once the job has run
# for (time limit - 82 s - 30 s) = 8 s: between 8 and 38 s in. Then at
# most 10 of the 16 rounds are committed and 4 more in flight.
export QTR_BATCH_ROUND_DELAY_MS=4000
resubmit_case rs_time time "resubmit.sbatch (time limit)" --time=00:02:00 --signal=USR1@82
export QTR_BATCH_ROUND_DELAY_MS=1000
resubmit_case rs_scancel scancel "resubmit.sbatch (scancel --signal=TERM)"
unset QTR_BATCH_ROUND_DELAY_MS

echo "check-slurm: $passes passed, $fails failed, in $((SECONDS - t0)) s"
[ $fails -eq 0 ]
