#!/bin/bash
# tests/e2e/sweep.sh -- parameter sweeps end to end (doc/batch.md, "Sweeps"):
#   `sweep` from a template and CSV values (columns in another order than
#   the template's); malformed values files refused with FILE:LINE:COL;
#   the three modes (transpile once, --bind, --per-instance) under one
#   process and `mpirun -n 2`, identical results (h5diff), every row
#   checked by simulation against the bound input (tests/sweep_check);
#   a --bind run killed mid-way (QTR_TEST_KILL) then --resume gives the
#   uninterrupted file; unpack (templates, CSV, one file per row) and info.
set -u
B=${QTR_BUILDDIR:-.}/qtranspile
CHECK=${QTR_BUILDDIR:-.}/tests/sweep_check
command -v h5diff >/dev/null || { echo "SKIP: h5diff (Debian: hdf5-tools) not installed"; exit 77; }
[ -x "$B" ] && [ -x "$CHECK" ] || { echo "FAIL: $B or $CHECK not built"; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/qtr_sweep.XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0
ok()  { echo "ok [${SECONDS}s]: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect() {  # expect CODE CMD...: run, check the exit status
  local want=$1; shift
  "$@" >"$T/out" 2>"$T/err"; local got=$?
  if [ "$got" -ne "$want" ]; then bad "exit $got (want $want): $*"; sed 's/^/  | /' "$T/err" | head -20; return 1; fi
  return 0
}
same() {
  if h5diff --exclude-path /timing "$1" "$2" >"$T/diff" 2>&1; then ok "$3"; else bad "$3"; head -20 "$T/diff" | sed 's/^/  | /'; fi
}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
export OMP_NUM_THREADS=1
NOLEAK="env ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
TGT=(-t heavy-hex:3 -O 2 --progress=none)

# ---- a template: 5 qubits, 3 parameters, expressions in the angles ------------
cat >"$T/qaoa.qasm" <<'EOF'
OPENQASM 3.0;
include "stdgates.inc";
input float[64] gamma;
input float[64] beta;
input float[64] theta;
qubit[5] q;
bit[5] c;
h q[0]; h q[1]; h q[2]; h q[3]; h q[4];
cx q[0], q[1]; rz(2*gamma) q[1]; cx q[0], q[1];
cx q[1], q[2]; rz(2*gamma + theta) q[2]; cx q[1], q[2];
cx q[2], q[3]; rz(gamma - theta/2) q[3]; cx q[2], q[3];
cx q[3], q[4]; rz(sin(theta)) q[4]; cx q[3], q[4];
cx q[4], q[0]; rz(2*gamma) q[0]; cx q[4], q[0];
rx(2*beta) q[0]; rx(2*beta) q[1]; ry(beta*theta) q[2]; rx(-beta) q[3]; rz(pi/4 - beta) q[4];
c = measure q;
EOF
# 24 rows, columns in another order than the template's
awk 'BEGIN { srand(7); print "theta, beta ,gamma";
             for (i = 0; i < 24; i++) printf "%.6f,%.6f,%.6f\n", rand() * 6 - 3, rand() * 3, rand() * 3 }' >"$T/v.csv"

expect 0 "$B" sweep "$T/qaoa.qasm" --values "$T/v.csv" -o "$T/s.h5" && ok "sweep file made"
expect 0 "$B" info "$T/s.h5" &&
  grep -q "template 0: qaoa, 3 parameters (beta, gamma, theta), 24 rows" "$T/out" && ok "info of a sweep file" ||
  bad "info of a sweep file: $(cat "$T/out")"

# ---- malformed values: refused with FILE:LINE:COL ------------------------------
badvals() {  # badvals NAME CONTENT PATTERN
  printf "$2" >"$T/$1.csv"
  if expect 2 "$B" sweep "$T/qaoa.qasm" --values "$T/$1.csv" -o "$T/x.h5"; then
    if grep -q -- "$3" "$T/err"; then ok "values $1 refused: $(head -1 "$T/err")"
    else bad "values $1: message '$(cat "$T/err")' lacks '$3'"; fi
  fi
}
badvals unknown 'gamma,beta,phi\n1,2,3\n' "unknown.csv:1:12: the template has no parameter 'phi'"
badvals missing 'gamma,beta\n1,2\n' "missing.csv:1:11: no column for parameter 'theta'"
badvals twice 'gamma,beta,gamma\n1,2,3\n' "twice.csv:1:12: parameter named twice: 'gamma'"
badvals short 'gamma,beta,theta\n1,2,3\n1,2\n' "short.csv:3:4: 2 fields, the header has 3 columns"
badvals long 'gamma,beta,theta\n1,2,3,4\n' "long.csv:2:7: more fields than the header's columns"
badvals nonnum 'gamma,beta,theta\n1,2,3\n0.5, x1 ,3\n' "nonnum.csv:3:6: not a number: 'x1'"
badvals infinite 'gamma,beta,theta\n1,inf,3\n' "infinite.csv:2:3: not a finite number: 'inf'"
badvals empty '' "empty.csv:1:1: empty file"
[ -e "$T/x.h5" ] && bad "a refused sweep left its output" || ok "no output left by refused values"
# values from an HDF5 sweep file: the same table
expect 0 "$B" sweep "$T/qaoa.qasm" --values "$T/s.h5" -o "$T/s2.h5" &&
  h5diff "$T/s.h5" "$T/s2.h5" /sweep/values/0 >/dev/null && ok "values read from a sweep file" ||
  bad "values from a sweep file differ"
printf 'OPENQASM 3.0;\nqubit[2] q;\nh q[0];\n' >"$T/noparam.qasm"
expect 2 "$B" sweep "$T/noparam.qasm" --values "$T/v.csv" -o "$T/x.h5" && grep -q "no parameters" "$T/err" &&
  ok "a template without parameters refused"

# ---- the three modes, 1 process and mpirun -n 2, checked by simulation ---------
# (a build without MPI runs each of mpirun's processes as a batch of its own)
have_mpi=0
if "$B" info --build | grep -q "^mpi: yes" && command -v mpirun >/dev/null; then have_mpi=1; fi
for mode in once bind per-instance; do
  case $mode in once) M=() ;; bind) M=(--bind) ;; per-instance) M=(--per-instance) ;; esac
  expect 0 $NOLEAK "$B" "$T/s.h5" -o "$T/r-$mode.h5" "${TGT[@]}" "${M[@]}" || continue
  if "$CHECK" "$T/r-$mode.h5" heavy-hex:3 >"$T/chk" 2>&1 && grep -q "checked 24 rows, 0 failed" "$T/chk"; then
    ok "$mode: every row equivalent to the bound input and conforming ($(cat "$T/chk"))"
  else bad "$mode: $(head -5 "$T/chk")"; fi
  expect 0 "$B" info "$T/r-$mode.h5" && grep -q "sweep: mode $mode" "$T/out" && ok "$mode: info shows the mode" ||
    bad "$mode: info: $(head -6 "$T/out")"
  expect 0 "$B" "$T/s.h5" -o "$T/r2-$mode.h5" "${TGT[@]}" "${M[@]}" --threads 2 &&
    same "$T/r-$mode.h5" "$T/r2-$mode.h5" "$mode: 2 threads give the same file"
  if [ "$have_mpi" = 1 ]; then
    expect 0 $NOLEAK mpirun -n 2 "$B" "$T/s.h5" -o "$T/rm-$mode.h5" "${TGT[@]}" "${M[@]}" &&
      same "$T/r-$mode.h5" "$T/rm-$mode.h5" "$mode: mpirun -n 2 gives the same file"
  else
    echo "SKIP: built without MPI, or mpirun not installed ($mode under 2 ranks)"
  fi
done
# the template transpiled once is the same in every mode that transpiles it
for m in bind; do
  h5diff "$T/r-once.h5" "$T/r-$m.h5" /sweep/transpiled >/dev/null && ok "once and $m keep the same template" ||
    bad "once and $m transpile the template differently"
done
expect 2 "$B" "$T/s.h5" -o "$T/x.h5" "${TGT[@]}" --bind --per-instance && ok "two modes at once refused"
expect 2 "$B" "$T/r-once.h5" -o "$T/x.h5" "${TGT[@]}" && grep -q "results of a sweep" "$T/err" &&
  ok "sweep results as input refused"

# ---- resume after a kill (--bind, rows in several rounds) ----------------------
awk 'BEGIN { srand(11); print "gamma,beta,theta";
             for (i = 0; i < 300; i++) printf "%.6f,%.6f,%.6f\n", rand() * 3, rand() * 3, rand() * 3 }' >"$T/big.csv"
expect 0 "$B" sweep "$T/qaoa.qasm" --values "$T/big.csv" -o "$T/big.h5"
expect 0 "$B" "$T/big.h5" -o "$T/rb-full.h5" "${TGT[@]}" --bind --round 40
for ev in data:2 flush:3 status:2 write:9; do
  rm -f "$T/rb-kill.h5"*
  (QTR_TEST_KILL=$ev exec "$B" "$T/big.h5" -o "$T/rb-kill.h5" "${TGT[@]}" --bind --round 40) >/dev/null 2>&1
  rc=$?
  [ $rc -eq 137 ] || { bad "kill at $ev: exit $rc, not killed"; continue; }
  expect 0 "$B" "$T/big.h5" -o "$T/rb-kill.h5" "${TGT[@]}" --bind --round 40 --resume &&
    same "$T/rb-full.h5" "$T/rb-kill.h5" "--bind killed at $ev, resumed: the uninterrupted file"
done
expect 2 "$B" "$T/big.h5" -o "$T/rb-full.h5" "${TGT[@]}" --per-instance --resume &&
  grep -q "another sweep" "$T/err" && ok "resume in another mode refused"

# ---- unpack -----------------------------------------------------------------------
expect 0 "$B" unpack "$T/r-once.h5" -o "$T/u1" && [ -f "$T/u1/qaoa.qasm" ] && [ -f "$T/u1/qaoa.csv" ] &&
  grep -q "^input float\[64\] theta;" "$T/u1/qaoa.qasm" && grep -q "^// initial_layout: \[" "$T/u1/qaoa.qasm" &&
  grep -q "^// output_permutation: \[" "$T/u1/qaoa.qasm" && ok "unpack: the template with inputs and layout lines" ||
  bad "unpack of transpile-once results"
[ "$(head -1 "$T/u1/qaoa.csv")" = "beta,gamma,theta" ] && [ "$(wc -l <"$T/u1/qaoa.csv")" -eq 25 ] &&
  ok "unpack: the values as CSV" || bad "unpack: values CSV: $(head -2 "$T/u1/qaoa.csv")"
# the CSV unpack writes makes the same sweep again
expect 0 "$B" sweep "$T/u1/qaoa.qasm" --values "$T/u1/qaoa.csv" -o "$T/again.h5" &&
  h5diff "$T/s.h5" "$T/again.h5" /sweep/values/0 >/dev/null && ok "unpacked values read back exactly" ||
  bad "unpacked values differ"
expect 0 "$B" unpack "$T/r-bind.h5" -o "$T/u2" --bind && [ -f "$T/u2/qaoa-0.qasm" ] && [ -f "$T/u2/qaoa-23.qasm" ] &&
  [ ! -f "$T/u2/qaoa-24.qasm" ] && grep -q "^// initial_layout" "$T/u2/qaoa-7.qasm" && ok "unpack --bind: one file per row" ||
  bad "unpack --bind: $(ls "$T/u2" | head)"
expect 0 "$B" unpack "$T/r-once.h5" -o "$T/u3" --bind && diff -r "$T/u2" "$T/u3" >/dev/null &&
  ok "unpack --bind of transpile-once results binds the same rows" || bad "unpack --bind once vs bind differ"
expect 0 "$B" unpack "$T/r-per-instance.h5" -o "$T/u4" && [ -f "$T/u4/qaoa-23.qasm" ] &&
  ok "unpack of --per-instance results: one file per row" || bad "unpack per-instance"
# a bound row transpiles as the input with those values does (single-file --bind)
expect 0 "$B" "$T/u2/qaoa-3.qasm" -t heavy-hex:3 -O 0 --verify >/dev/null && ok "a bound row reads back"

if [ $fails -eq 0 ]; then echo "sweep.sh: all passed"; exit 0; fi
echo "sweep.sh: $fails failed"; exit 1
