# tests/e2e/kill_common.sh -- sourced by killpoint.sh and faults.sh: the
# environment for runs under mpirun as root, the result counters, and the
# generator of their small random circuits.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
export OMP_NUM_THREADS=1
# sanitizer builds: no leak report for what Open MPI's components keep
NOLEAK="env ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
fails=0
ok()  { echo "ok [${SECONDS}s]: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# random_circuits DIR PREFIX SEED MINGATES: 60 programs DIR/PREFIXnn.qasm of
# 2-5 qubits, MINGATES to MINGATES+40 gate steps each (h + rz, or cx)
random_circuits() {
  mkdir -p "$1"
  awk -v dir="$1" -v pre="$2" -v seed="$3" -v ming="$4" 'BEGIN {
    srand(seed);
    for (i = 0; i < 60; i++) {
      f = sprintf("%s/%s%02d.qasm", dir, pre, i);
      nq = 2 + int(rand() * 4);
      printf "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[%d];\ncreg m[%d];\n", nq, nq > f;
      ng = ming + int(rand() * 40);
      for (k = 0; k < ng; k++) {
        a = int(rand() * nq); b = (a + 1 + int(rand() * (nq - 1))) % nq;
        if (rand() < 0.5) printf "h q[%d];\nrz(%.5f) q[%d];\n", a, rand() * 3, a > f;
        else printf "cx q[%d],q[%d];\n", a, b > f;
      }
      printf "measure q -> m;\n" > f;
      close(f);
    }
  }'
}
