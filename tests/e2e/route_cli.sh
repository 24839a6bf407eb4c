#!/bin/bash
# route_cli.sh -- the command-line trial options, end to end:
#   --layout-trials N and --swap-trials N accept 1..1000 and reject anything
#   else (zero, negative, too large, not a number, missing) with a message
#   naming the option and exit status 2;
#   a value reaches the router: with the same seed, more swap trials never
#   insert more swaps and here insert fewer, fewer layout trials here insert
#   more; the header records the values; every output verifies.
# The circuit (all pairs of 10 qubits, cx then rz) is written here, so the test
# needs nothing outside the build tree.
# Run by `make check`, or by hand: QTR_BUILDDIR=/path/to/build tests/e2e/route_cli.sh
set -u
B=${QTR_BUILDDIR:-$(pwd)}
QTR=$B/qtranspile
if [ ! -x "$QTR" ]; then echo "FAIL: $QTR is not built"; exit 1; fi
T=$(mktemp -d "${TMPDIR:-/tmp}/qtr-route-cli.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
npass=0 nfail=0
pass() { echo "PASS: $1"; npass=$((npass + 1)); }
fail() { echo "FAIL: $1"; echo "      exit status: $rc"; echo "      stderr: $(head -c 400 "$T/err")"; nfail=$((nfail + 1)); }
run() { "$QTR" "$@" > "$T/out" 2> "$T/err"; rc=$?; }
crashed() { [ "$rc" -ge 128 ] || grep -qE 'Sanitizer|runtime error:' "$T/err"; }
swaps() { sed -n 's/.*"swaps": *\([0-9]*\).*/\1/p' "$1" | head -1; }
twoq() { sed -n 's/.*"2q": *\([0-9]*\).*/\1/p' "$1" | head -1; }   # the output's, listed first

{
  echo 'OPENQASM 2.0;'; echo 'include "qelib1.inc";'; echo 'qreg q[10];'; echo 'creg c[10];'
  for i in 0 1 2 3 4 5 6 7 8 9; do echo "h q[$i];"; done
  for i in 0 1 2 3 4 5 6 7 8 9; do
    for j in 0 1 2 3 4 5 6 7 8 9; do
      [ "$j" -gt "$i" ] && { echo "cx q[$i],q[$j];"; echo "rz(0.$((i + j + 1))) q[$j];"; }
    done
  done
  echo 'measure q -> c;'
} > "$T/in.qasm"

# ---- bad values: exit 2, a message naming the option and the value ----------
for opt in --layout-trials --swap-trials; do
  for bad in 0 -1 1001 99999999999999999999 abc 3x '' ' 5' 1.5; do
    run "$T/in.qasm" -t grid:3x4 "$opt" "$bad"
    if ! crashed && [ "$rc" -eq 2 ] && [ ! -s "$T/out" ] &&
       grep -q "qtranspile: $opt: expected a whole number of trials from 1 to 1000, not '$bad'" "$T/err"; then
      pass "$opt '$bad': exit 2 with a message"
    else fail "$opt '$bad': want exit 2 and \"$opt: expected a whole number of trials from 1 to 1000, not '$bad'\""; fi
  done
  run "$T/in.qasm" -t grid:3x4 "$opt"
  if ! crashed && [ "$rc" -eq 2 ] && grep -q "option '$opt' needs an argument" "$T/err"; then
    pass "$opt without a value: exit 2"
  else fail "$opt without a value: want exit 2 and \"needs an argument\""; fi
done
run convert "$T/in.qasm" --swap-trials 3
if [ "$rc" -eq 2 ] && grep -q "'--swap-trials' is for transpiling only" "$T/err"; then
  pass "convert --swap-trials: exit 2"
else fail "convert --swap-trials: want exit 2"; fi
run "$T/in.qasm" -t grid:3x4 -O 0 --stream --swap-trials 3
if [ "$rc" -eq 2 ] && grep -q "\-\-stream: does no layout or routing" "$T/err"; then
  pass "--stream --swap-trials: exit 2"
else fail "--stream --swap-trials: want exit 2 and '--stream: does no layout or routing'"; fi

# ---- good values reach the router ---------------------------------------------
# tr LEVEL NAME OPTIONS...: transpile with --verify; $T/NAME.qasm and .json
tr() {
  local lev=$1 name=$2; shift 2
  run "$T/in.qasm" -t grid:3x4 -O "$lev" --verify --stats "$T/$name.json" -o "$T/$name.qasm" "$@"
  if crashed || [ "$rc" -ne 0 ] || ! grep -q 'is equivalent to the input' "$T/err"; then
    fail "-O $lev $*: want exit 0 and a verified output"; return 1
  fi
}
ok=1
tr 0 s0 || ok=0
tr 0 s1 --swap-trials 1 || ok=0
tr 0 s1000 --swap-trials 1000 || ok=0
tr 1 l1s1 --swap-trials 1 || ok=0
tr 1 l1s40 --swap-trials 40 || ok=0
tr 2 l2l1 --layout-trials 1 || ok=0
tr 2 l2l100 --layout-trials 100 --swap-trials 20 || ok=0
if [ $ok = 1 ]; then
  pass "outputs with trial options verify (levels 0-2)"
  a=$(swaps "$T/s1.json") b=$(swaps "$T/s0.json") c=$(swaps "$T/s1000.json")
  if [ -n "$a" ] && [ -n "$c" ] && [ "$b" -le "$a" ] && [ "$c" -le "$b" ] && [ "$c" -lt "$a" ]; then
    pass "-O 0: swaps with 1 / 5 (default) / 1000 swap trials: $a >= $b >= $c, $c < $a"
  else fail "-O 0: want swaps non-increasing in swap trials and fewer with 1000 than 1 ($a, $b, $c)"; fi
  a=$(swaps "$T/l1s1.json") c=$(swaps "$T/l1s40.json")
  if [ -n "$a" ] && [ -n "$c" ] && [ "$c" -lt "$a" ]; then
    pass "-O 1: swaps with 1 / 40 swap trials: $a > $c"
  else fail "-O 1: want fewer swaps with 40 swap trials than 1 ($a, $c)"; fi
  # level 2 ranks routings by what their swaps cost after block resynthesis
  # and keeps the run with the fewest 2q gates: compare those
  a=$(twoq "$T/l2l1.json") c=$(twoq "$T/l2l100.json")
  if [ -n "$a" ] && [ -n "$c" ] && [ "$c" -lt "$a" ]; then
    pass "-O 2: 2q gates with 1 / 100 layout trials: $a > $c"
  else fail "-O 2: want fewer 2q gates with 100 layout trials than 1 ($a, $c)"; fi
  if grep -q '^// qtranspile .*seed 0, layout trials 100, swap trials 20$' "$T/l2l100.qasm" &&
     grep -q '^// qtranspile .*seed 0$' "$T/s0.qasm"; then
    pass "the header records the trial options"
  else fail "the header should end 'layout trials 100, swap trials 20'"; fi
fi

echo "route_cli: $npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
