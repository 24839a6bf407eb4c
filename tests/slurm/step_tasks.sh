#!/bin/bash
# tests/slurm/step_tasks.sh -- (make check; no Slurm needed) a batch started
# as one of several tasks of an srun step that are not ranks of one MPI job
# (srun without --mpi=pmix, or a build without MPI; srun sets
# SLURM_STEP_NUM_TASKS in every task) is refused with exit 2 before any file
# is touched: each task would write the whole batch into the same results
# file. One task, or the ranks of one MPI job, run as usual.
. "$(dirname "$0")/../e2e/common.sh" step

"$B" pack "$DATA"/*.qasm -o "$T/b.h5" 2>"$T/err" || { bad "pack: $(cat "$T/err")"; exit 1; }

SLURM_STEP_NUM_TASKS=2 "$B" "$T/b.h5" -o "$T/r.h5" -t line:12 -O 1 --progress=none >/dev/null 2>"$T/err"
rc=$?
if [ $rc -eq 2 ] && [ ! -e "$T/r.h5" ] && grep -q 'srun started 2 tasks' "$T/err"; then
  ok "2 srun tasks that are not MPI ranks: refused, no file ($(cut -c1-70 "$T/err" | head -n 1)...)"
else
  bad "2 srun tasks, not MPI ranks: exit $rc, $([ -e "$T/r.h5" ] && echo "file written" || echo "no file"): $(cat "$T/err")"
fi
if "$B" info --build | grep -q '^mpi: yes'; then
  grep -q 'srun --mpi=pmix' "$T/err" && ok "the message names srun --mpi=pmix" || bad "message: $(cat "$T/err")"
else
  grep -q 'built without MPI' "$T/err" && ok "the message says the build has no MPI" || bad "message: $(cat "$T/err")"
fi

SLURM_STEP_NUM_TASKS=1 "$B" "$T/b.h5" -o "$T/r1.h5" -t line:12 -O 1 --progress=none >/dev/null 2>"$T/err" &&
  ok "one srun task runs" || bad "one srun task: $(cat "$T/err")"

if "$B" info --build | grep -q '^mpi: yes' && command -v mpirun >/dev/null; then
  SLURM_STEP_NUM_TASKS=2 ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
    mpirun -n 2 --oversubscribe --allow-run-as-root "$B" "$T/b.h5" -o "$T/r2.h5" -t line:12 -O 1 --progress=none >/dev/null 2>"$T/err" &&
    ok "2 tasks that are the ranks of one MPI job run" || bad "mpirun -n 2 with SLURM_STEP_NUM_TASKS=2: $(tail -n 3 "$T/err")"
fi

echo "$fails failure(s)"
[ $fails -eq 0 ]
