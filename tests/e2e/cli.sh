#!/bin/bash
# cli.sh -- end-to-end tests of the qtranspile command: help and version,
# usage errors, convert round trips (file, pipe, more than one streaming
# chunk), and malformed inputs, each of which must give
# "qtranspile: FILE:LINE:COL: reason" on stderr and exit status 2, without a
# crash or a sanitizer report.
#
# Run by `make check` (QTR_BUILDDIR comes from AM_TESTS_ENVIRONMENT), or by
# hand: QTR_BUILDDIR=/path/to/build tests/e2e/cli.sh
# Prints one PASS/FAIL line per case; exits 1 if any case failed.
set -u

B=${QTR_BUILDDIR:-$(pwd)}
QTR=$B/qtranspile
GEN=$B/examples/gen_million_swap
for p in "$QTR" "$GEN"; do
  if [ ! -x "$p" ]; then echo "FAIL: $p is not built"; exit 1; fi
done

T=$(mktemp -d "${TMPDIR:-/tmp}/qtr-cli.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
npass=0 nfail=0

pass() { echo "PASS: $1"; npass=$((npass + 1)); }
fail() {
  echo "FAIL: $1"; shift
  for l in "$@"; do echo "      $l"; done
  echo "      exit status: $rc"
  echo "      stderr: $(head -c 600 "$T/err")"
  nfail=$((nfail + 1))
}

# run ARGS...: run qtranspile; rc, $T/out, $T/err hold what it did.
run() { "$QTR" "$@" > "$T/out" 2> "$T/err"; rc=$?; }
# run_in FILE ARGS...: the same with FILE on standard input.
run_in() { local f=$1; shift; "$QTR" "$@" < "$f" > "$T/out" 2> "$T/err"; rc=$?; }

# Problems every case checks: killed by a signal, or a sanitizer spoke.
crashed() {
  [ "$rc" -ge 128 ] && { echo "killed by signal $((rc - 128))"; return 0; }
  grep -qE 'Sanitizer|runtime error:' "$T/err" && { echo "sanitizer report"; return 0; }
  return 1
}

# ---- start-up: the single-file form maps neither MPI nor HDF5 -------------
# (src/cli_handoff.c: only qtranspile-batch links them). glibc's loader lists
# every library it maps under LD_DEBUG=libs; elsewhere the case is skipped.
printf 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncx q[0],q[1];\n' > "$T/two.qasm"
LD_DEBUG=libs "$QTR" "$T/two.qasm" -t line:2 > "$T/out" 2> "$T/err"; rc=$?
if ! grep -q 'calling init' "$T/err"; then
  echo "SKIP: start-up libraries (the loader does not report LD_DEBUG=libs)"
elif [ "$rc" -eq 0 ] && ! grep -qE '(libmpi|libhdf5)[^/ ]*\.so' "$T/err"; then
  pass "single-file transpile loads no libmpi, no libhdf5"
else fail "single-file transpile must load no libmpi/libhdf5" \
  "$(grep -oE '[^ ]*(libmpi|libhdf5)[^ ]*\.so[^ ]*' "$T/err" | sort -u | head -3 | tr '\n' ' ')"; fi

# ---- help and version -----------------------------------------------------

run --help
if ! crashed >/dev/null && [ "$rc" -eq 0 ] && grep -q '^Usage: qtranspile' "$T/out" &&
   grep -q 'convert' "$T/out" && [ ! -s "$T/err" ]; then
  pass "--help: exit 0, usage on stdout"
else fail "--help: want exit 0 and 'Usage: qtranspile' on stdout"; fi

run -h
if [ "$rc" -eq 0 ] && grep -q '^Usage: qtranspile' "$T/out"; then pass "-h: exit 0"
else fail "-h: want exit 0 and usage"; fi

run --version
if [ "$rc" -eq 0 ] && grep -qE '^qtranspile [0-9]+\.[0-9]+\.[0-9]+$' "$T/out"; then
  pass "--version: exit 0, 'qtranspile X.Y.Z'"
else fail "--version: want exit 0 and 'qtranspile X.Y.Z'"; fi

# ---- a small, valid program ----------------------------------------------------

cat > "$T/good.qasm" <<'EOF'
OPENQASM 2.0;
include "qelib1.inc";
// a comment
qreg q[3];
qreg anc[1];
creg c[3];
gate bell a, b { h a; cx a, b; }
h q[0];
cx q[0], q[1];
rz(pi/4) q[2];
u3(0.1, -0.2, 3*pi/2) q[1];
ccx q[0], q[1], q[2];
bell q[2], anc[0];
barrier q;
measure q[0] -> c[0];
measure q[1] -> c[1];
if (c == 3) x q[2];
measure q[2] -> c[2];
EOF

# ---- usage errors: exit 2, the reason, a pointer to --help ------------------------

# usage_case NAME WANT_SUBSTRING ARGS...
usage_case() {
  local name=$1 want=$2; shift 2
  run "$@"
  local why
  if why=$(crashed); then fail "usage: $name" "$why"; return; fi
  if [ "$rc" -eq 2 ] && grep -qF -- "$want" "$T/err" && grep -q '^qtranspile: ' "$T/err" &&
     grep -qF "Try 'qtranspile --help'" "$T/err"; then
    pass "usage: $name -> exit 2, '$want'"
  else fail "usage: $name" "want exit 2 and '$want' on stderr"; fi
}
usage_case "no arguments" "missing input file"
usage_case "unknown long option" "unknown option '--bogus'" --bogus
usage_case "unknown short option" "unknown option '-x'" -x "$T/good.qasm"
usage_case "-O out of range" "optimization level" "$T/good.qasm" -O 7
usage_case "-O not a number" "optimization level" "$T/good.qasm" -O fast
usage_case "-O without value" "needs an argument" "$T/good.qasm" -O
usage_case "--seed negative" "--seed" "$T/good.qasm" --seed -3
usage_case "--seed not a number" "--seed" "$T/good.qasm" --seed 12abc
usage_case "--approximation-degree above 1" "expected a number in (0, 1]" "$T/good.qasm" --approximation-degree 1.5
usage_case "--approximation-degree 0" "expected a number in (0, 1]" "$T/good.qasm" --approximation-degree 0
usage_case "--approximation-degree not a number" "expected a number in (0, 1]" "$T/good.qasm" --approximation-degree 0.9x
usage_case "--basis not a gate name" "'no-such-gate' is not a gate name" "$T/good.qasm" --basis cx,no-such-gate
usage_case "--basis empty name" "empty gate name" "$T/good.qasm" --basis cx,,rz
usage_case "two input files" "expected one input file" "$T/good.qasm" "$T/good.qasm"
usage_case "convert without input" "convert: missing input file" convert
usage_case "convert two inputs" "expected one input file" convert "$T/good.qasm" "$T/good.qasm"
usage_case "convert with -t" "for transpiling only" convert "$T/good.qasm" -t line:3
usage_case "convert with --seed" "for transpiling only" convert "$T/good.qasm" --seed 3
usage_case "convert onto its input" "is the input file" convert "$T/good.qasm" -o "$T/good.qasm"

# The transpile form with every option: exit 0, verified, stats written with
# the layout, output carries the layout header.
printf '%s\n' 'OPENQASM 2.0;' 'include "qelib1.inc";' 'qreg q[3];' 'creg c[3];' \
  'h q[0];' 'cx q[0],q[1];' 'ccx q[0],q[1],q[2];' 'rzz(0.3) q[2],q[0];' 'measure q -> c;' > "$T/unit.qasm"
run "$T/unit.qasm" -o "$T/t.qasm" -t all:4 -O 0 --seed 5 --basis cx,rz,sx,x \
    --stats "$T/s.json" --verify
if why=$(crashed); then fail "transpile with all options" "$why"
elif [ "$rc" -eq 0 ] && grep -q 'is equivalent to the input' "$T/err" &&
     grep -q '"initial_layout"' "$T/s.json" && grep -q '"output_permutation"' "$T/s.json" &&
     grep -q '^// initial_layout: \[' "$T/t.qasm"; then
  pass "transpile: all options, verified, stats and layout header (exit 0)"
else fail "transpile with all options" "exit $rc: $(cat "$T/err")"; fi

# --approximation-degree below 1: conforming output, --verify says it did not
# compare (an approximate result is not equal to the input)
run "$T/unit.qasm" -o "$T/ta.qasm" -t all:4 -O 3 --approximation-degree 0.95 --verify
if why=$(crashed); then fail "transpile --approximation-degree 0.95" "$why"
elif [ "$rc" -eq 0 ] && grep -q "equivalence not checked (--approximation-degree" "$T/err"; then
  pass "transpile --approximation-degree 0.95 --verify: conforms, equivalence not claimed (exit 0)"
else fail "transpile --approximation-degree 0.95" "exit $rc: $(cat "$T/err")"; fi

# Writing to a device goes straight to it: /dev/null must stay a device.
run "$T/unit.qasm" -o /dev/null -t all:4 -O 0
if [ "$rc" -eq 0 ] && [ -c /dev/null ]; then pass "transpile to /dev/null: written directly, still a device"
else fail "transpile to /dev/null" "exit $rc, $(ls -l /dev/null)"; fi

usage_case "transpile without a target" "-t TARGET is required" "$T/good.qasm" -o "$T/t2.qasm"
usage_case "--stream above level 0" "level 0 only" "$T/good.qasm" -t all:4 -O 2 --stream
usage_case "--bind with --stream" "cannot be combined with --bind" "$T/good.qasm" -t all:4 -O 0 --stream --bind a=1
usage_case "--bind on a circuit without parameters" "the circuit has no parameters" "$T/good.qasm" -t all:4 --bind a=1
# A template with OpenQASM 3 inputs: transpiled once, then bound and verified.
printf 'OPENQASM 3.0;\ninclude "stdgates.inc";\ninput float[64] theta;\ninput float[64] phi;\nqubit[2] q;\nrx(theta) q[0];\ncx q[0], q[1];\nrz(2*phi + theta/2) q[1];\n' > "$T/template.qasm"
usage_case "--bind missing a parameter" "parameter 'theta' has no value" "$T/template.qasm" -t line:2 --bind phi=1
run "$T/template.qasm" -t line:2 --bind "theta=0.5, phi=pi/4" --verify
if why=$(crashed); then fail "--bind template" "$why"
elif [ "$rc" -eq 0 ] && grep -q 'equivalent to the input' "$T/err" && ! grep -q '^input' "$T/out" &&
     grep -q '^rz(3.641592653589793) q\[0\];' "$T/out"; then
  pass "--bind template -> bound, verified, no inputs left"
else fail "--bind template" "want exit 0, a bound circuit and --verify's confirmation"; fi
run "$T/template.qasm" -t line:2
if [ "$rc" -eq 0 ] && grep -q '^input float\[64\] theta;' "$T/out" && grep -q 'theta + pi' "$T/out"; then
  pass "template without --bind -> parameters kept as inputs"
else fail "template without --bind" "want exit 0 and the inputs in the output"; fi
run "$T/good.qasm" -o "$T/t3.qasm" -t nosuchtarget
if [ "$rc" -eq 2 ] && grep -q "nosuchtarget" "$T/err"; then pass "unknown target -> exit 2, named"
else fail "unknown target" "exit $rc: $(cat "$T/err")"; fi

# ---- convert: round trips ---------------------------------------------------

run convert "$T/good.qasm" -o "$T/g1.qasm"
if why=$(crashed); then fail "convert good.qasm" "$why"
elif [ "$rc" -eq 0 ] && [ -s "$T/g1.qasm" ] && [ ! -s "$T/err" ]; then
  pass "convert: small program, exit 0, no stderr"
else fail "convert good.qasm" "want exit 0 and output"; fi

# The output keeps every instruction: count statements by kind.
count() { grep -cE "^$1[ (]" "$2"; }
if [ -s "$T/g1.qasm" ] && grep -q '^OPENQASM 2.0;' "$T/g1.qasm" &&
   [ "$(count measure "$T/g1.qasm")" -eq 3 ] && [ "$(count barrier "$T/g1.qasm")" -eq 1 ] &&
   [ "$(grep -cE '^if ?\(c ?== ?3\) ?x ' "$T/g1.qasm")" -eq 1 ] &&
   grep -qE '^qreg q\[3\];' "$T/g1.qasm" && grep -qE '^qreg anc\[1\];' "$T/g1.qasm" &&
   grep -qE '^creg c\[3\];' "$T/g1.qasm" && [ "$(count rz "$T/g1.qasm")" -ge 1 ]; then
  pass "convert: registers, measures, barrier, condition and gates kept"
else fail "convert output content" "$(head -c 800 "$T/g1.qasm" 2>/dev/null | tr '\n' '|')"; fi

# --strict: Qiskit's relaxed forms are read by default and refused with the place.
printf 'qreg q[2];\nCX q[0], q[1],;\nbarrier;\n' > "$T/relaxed.qasm"
run convert "$T/relaxed.qasm" -o "$T/r1.qasm"
if [ "$rc" -eq 0 ] && grep -q '^barrier q\[0\],q\[1\];' "$T/r1.qasm"; then
  pass "convert: Qiskit's relaxed forms read by default"
else fail "convert relaxed.qasm" "want exit 0 and a barrier over both qubits"; fi
run convert --strict "$T/relaxed.qasm" -o "$T/r2.qasm"
if [ "$rc" -eq 2 ] && grep -q "relaxed.qasm:1:1: expected 'OPENQASM 2.0;'" "$T/err" && [ ! -e "$T/r2.qasm" ]; then
  pass "convert --strict: refuses a program without the version line, with its place"
else fail "convert --strict relaxed.qasm" "want exit 2 and relaxed.qasm:1:1"; fi

# Converting the output again changes nothing (the writer's form is a fixed point).
run convert "$T/g1.qasm" -o "$T/g2.qasm"
if [ "$rc" -eq 0 ] && cmp -s "$T/g1.qasm" "$T/g2.qasm"; then pass "convert: second round trip is identical"
else fail "convert: second round trip" "$(diff "$T/g1.qasm" "$T/g2.qasm" 2>&1 | head -5 | tr '\n' '|')"; fi

# Standard input to standard output gives the same text as file to file.
run_in "$T/good.qasm" convert -
if [ "$rc" -eq 0 ] && cmp -s "$T/out" "$T/g1.qasm"; then pass "convert: '-' reads stdin, writes stdout"
else fail "convert: stdin to stdout" "differs from file-to-file output"; fi

# More than one streaming chunk (65,536 instructions each): nothing lost or
# duplicated at the chunk boundaries.
n=200000
"$GEN" "$n" > "$T/swap.qasm"
run convert "$T/swap.qasm" -o "$T/swap.out.qasm"
if why=$(crashed); then fail "convert $n swaps" "$why"
elif [ "$rc" -eq 0 ] && [ "$(count swap "$T/swap.out.qasm")" -eq "$n" ] &&
     [ "$(count h "$T/swap.out.qasm")" -eq 1 ] && [ "$(count measure "$T/swap.out.qasm")" -eq 2 ] &&
     [ "$(grep -vcE '^(swap|h|measure|OPENQASM|include|qreg|creg|//)' "$T/swap.out.qasm")" -eq 0 ]; then
  pass "convert: $n swaps across chunks, counts exact"
else fail "convert $n swaps" "want $n swaps, 1 h, 2 measures"; fi

# An input that turns out malformed after the first chunk (100,000 good
# lines, then an error): exit 2, and an existing OUT is left exactly as it was,
# with no temporary file beside it.
{ head -n -2 "$T/swap.qasm" | head -n 100005; echo 'swap q[0],q[7];'; } > "$T/late_bad.qasm"
printf 'previous contents\n' > "$T/keep.qasm"
run convert "$T/late_bad.qasm" -o "$T/keep.qasm"
if why=$(crashed); then fail "convert late error" "$why"
elif [ "$rc" -eq 2 ] && grep -q 'late_bad.qasm:100006:' "$T/err" &&
     [ "$(cat "$T/keep.qasm")" = "previous contents" ] &&
     [ -z "$(find "$T" -name 'keep.qasm.tmp.*')" ]; then
  pass "convert: error after the first chunk -> exit 2, existing OUT untouched, no temporary left"
else fail "convert late error" "rc $rc, OUT now $(head -c 60 "$T/keep.qasm" | tr '\n' '|'), err $(head -c 120 "$T/err")"; fi

# A write error (disk full) is a failed circuit: exit 1, a message, and the
# device is not removed.
if [ -w /dev/full ]; then
  run convert "$T/swap.qasm" -o /dev/full
  if why=$(crashed); then fail "convert to /dev/full" "$why"
  elif [ "$rc" -eq 1 ] && grep -q '^qtranspile: ' "$T/err" && [ -e /dev/full ]; then
    pass "convert: write error -> exit 1 ($(head -c 80 "$T/err"))"
  else fail "convert to /dev/full" "want exit 1 and a message"; fi
fi

# OUT on a file system that fills up: exit 1, the message names OUT (not the
# temporary it is written under), and nothing is left beside it. Needs a
# small tmpfs: skipped, and said, where mounting is not permitted.
mkdir -p "$T/small"
if mount -t tmpfs -o size=64k tmpfs "$T/small" 2> /dev/null; then
  run convert "$T/swap.qasm" -o "$T/small/out.qasm"
  left=$(ls -A "$T/small")
  umount "$T/small"
  if why=$(crashed); then fail "convert to a full file system" "$why"
  elif [ "$rc" -eq 1 ] && grep -q "^qtranspile: $T/small/out.qasm: write error: No space left" "$T/err" &&
       ! grep -q 'tmp\.' "$T/err" && [ -z "$left" ]; then
    pass "convert: full file system -> exit 1, the message names OUT, nothing left"
  else fail "convert to a full file system" "want exit 1, OUT named, nothing left (left: $left)"; fi
else
  echo "SKIP: convert to a full file system (cannot mount a tmpfs here)"
fi

# An output that cannot be created is an input error.
run convert "$T/good.qasm" -o "$T/no/such/dir/out.qasm"
if [ "$rc" -eq 2 ] && grep -qF "$T/no/such/dir/out.qasm" "$T/err"; then
  pass "convert: unwritable output path -> exit 2, names the path"
else fail "convert: unwritable output" "want exit 2 naming the path"; fi

# ---- level 0 streams by default: the same output as in memory -------------------

# same_as_in_memory NAME STREAMED FILE ARGS...: the default run and --no-stream
# give byte-identical output, and --stats says whether it streamed
same_as_in_memory() {
  local name=$1 want=$2 f=$3; shift 3
  run "$f" -o "$T/mem.qasm" --no-stream "$@"
  local rc_mem=$rc
  run "$f" -o "$T/def.qasm" --stats "$T/def.json" "$@"
  if why=$(crashed); then fail "level 0 default: $name" "$why"
  elif [ "$rc" -eq 0 ] && [ "$rc_mem" -eq 0 ] && cmp -s "$T/mem.qasm" "$T/def.qasm" &&
       grep -q "\"streamed\": *$want" "$T/def.json" &&
       [ -z "$(find "$T" -name 'def.qasm.tmp.*')" ]; then
    pass "level 0 default: $name (streamed: $want), identical to --no-stream"
  else fail "level 0 default: $name" "rc $rc / $rc_mem, $(diff "$T/mem.qasm" "$T/def.qasm" 2>&1 | head -4 | tr '\n' '|')"; fi
}
same_as_in_memory "$n swaps on line:2" true "$T/swap.qasm" -t line:2 --basis cx,u1,u2,u3 -O 0
cat > "$T/route.qasm" <<'EOF'
OPENQASM 2.0;
include "qelib1.inc";
qreg q[3];
creg c[3];
h q[0];
cx q[0],q[1];
cx q[0],q[2];
measure q -> c;
EOF
same_as_in_memory "a gate that needs routing, redone in memory" false "$T/route.qasm" -t line:3 -O 0
{ head -n -2 "$T/swap.qasm" | head -n 40004; printf 'qreg r[1];\nx r[0];\n'; } > "$T/late_qreg.qasm"
same_as_in_memory "a register declared after the first chunk, redone in memory" false \
  "$T/late_qreg.qasm" -t line:3 -O 0

# ---- malformed inputs: FILE:LINE:COL: reason, exit 2, no output file -------------

hdr='OPENQASM 2.0;
include "qelib1.inc";
qreg q[2];
creg c[2];'
# bad_case NAME FILE [LINE]: converting FILE must fail at LINE (when given).
bad_case() {
  local name=$1 f=$2 line=${3:-} flags=${4:-}
  rm -f "$T/bad.out.qasm"
  run convert $flags "$f" -o "$T/bad.out.qasm"
  local why re="^qtranspile: $(printf '%s' "$f" | sed 's/[][\.*^$/]/\\&/g'):${line:-[0-9]+}:[0-9]+: [^ ]"
  if why=$(crashed); then fail "malformed: $name" "$why"; return; fi
  if [ "$rc" -eq 2 ] && grep -qE "$re" "$T/err" && [ ! -e "$T/bad.out.qasm" ]; then
    pass "malformed: $name -> exit 2, $(head -n 1 "$T/err" | sed "s|$T/||" | head -c 120)"
  else fail "malformed: $name" "want exit 2, 'qtranspile: FILE:${line:-LINE}:COL: reason', no output file"; fi
}

printf '%s\nfoo q[0];\n' "$hdr" > "$T/unknown_gate.qasm"
bad_case "unknown gate" "$T/unknown_gate.qasm" 5
printf '%s\ncx q[0];\n' "$hdr" > "$T/arity.qasm"
bad_case "wrong arity (cx on one qubit)" "$T/arity.qasm" 5
printf '%s\nh q[2];\n' "$hdr" > "$T/range.qasm"
bad_case "register index out of range" "$T/range.qasm" 5
printf '%s\ngate g a {\n  h a;\n' "$hdr" > "$T/unterminated.qasm"
bad_case "unterminated gate body" "$T/unterminated.qasm"
printf '%s\nrz((pi/2) q[0];\n' "$hdr" > "$T/parens.qasm"
bad_case "unbalanced parentheses" "$T/parens.qasm" 5
printf '%s\nh q[0]; \377\376\375;\n' "$hdr" > "$T/nonutf8.qasm"
bad_case "non-UTF-8 bytes" "$T/nonutf8.qasm" 5
: > "$T/empty.qasm"
bad_case "empty file (--strict)" "$T/empty.qasm" "" --strict
run convert "$T/empty.qasm" -o "$T/empty.out.qasm"   # Qiskit's loader: an empty circuit
if [ "$rc" -eq 0 ] && grep -q '^OPENQASM 2.0;' "$T/empty.out.qasm"; then
  pass "convert: an empty file is an empty circuit without --strict"
else fail "convert empty.qasm" "want exit 0 and a header"; fi
# A 10 MB line: one 10 MiB identifier where a statement should be. The reader
# must stop with a message, not hold or echo the whole line.
{ printf '%s\n' "$hdr"; head -c 10485760 /dev/zero | tr '\0' 'a'; printf ' q[0];\n'; } > "$T/longline.qasm"
bad_case "10 MB single line" "$T/longline.qasm" 5
if [ "$(wc -c < "$T/err")" -lt 4096 ]; then pass "malformed: 10 MB line -> message stays short"
else fail "10 MB line message" "stderr is $(wc -c < "$T/err") bytes"; fi

run convert "$T/does-not-exist.qasm" -o "$T/ne.out.qasm"
if why=$(crashed); then fail "nonexistent file" "$why"
elif [ "$rc" -eq 2 ] && grep -q "^qtranspile: $T/does-not-exist.qasm: .*No such file" "$T/err" &&
     [ ! -e "$T/ne.out.qasm" ]; then
  pass "nonexistent file -> exit 2, $(sed "s|$T/||" "$T/err" | head -c 100), no output file"
else fail "nonexistent file" "want exit 2 and 'FILE: No such file'"; fi

echo "cli.sh: $npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
