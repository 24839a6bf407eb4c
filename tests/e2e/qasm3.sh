#!/bin/bash
# qasm3.sh -- OpenQASM 3 through the command line: convert between the
# versions (--format, an output name ending in .qasm3, the input's version by
# default), --physical-qubits, transpiling an OpenQASM 3 input, errors with
# their place, and OpenQASM 3 texts in batches (pack --qasm, a batch run on
# them, pack of parsed records, unpack --format qasm3).
#
# Run by `make check` (QTR_BUILDDIR from AM_TESTS_ENVIRONMENT) or by hand:
# QTR_BUILDDIR=/path/to/build tests/e2e/qasm3.sh. One line per case; exit 1
# if any failed.
. "$(dirname "$0")/common.sh" qasm3

# ---- convert between the versions -------------------------------------------------
for f in adder qec teleport tof_3; do
  expect 0 "$B" convert "$DATA/$f.qasm" -o "$T/$f.v2.qasm" || continue
  expect 0 "$B" convert "$DATA/$f.qasm" --format qasm3 -o "$T/$f.v3.qasm" || continue
  head -1 "$T/$f.v3.qasm" | grep -qx 'OPENQASM 3.0;' || bad "$f: --format qasm3 wrote $(head -1 "$T/$f.v3.qasm")"
  expect 0 "$B" convert "$T/$f.v3.qasm" --format qasm2 -o "$T/$f.back.qasm" || continue
  cmp -s "$T/$f.v2.qasm" "$T/$f.back.qasm" && ok "$f: 2 -> 3 -> 2 gives the text of 2 -> 2" ||
    bad "$f: 2 -> 3 -> 2 differs: $(diff "$T/$f.v2.qasm" "$T/$f.back.qasm" | head -5)"
  # the input's version by default; an output named .qasm3 asks for 3
  expect 0 "$B" convert "$T/$f.v3.qasm" -o "$T/$f.same.qasm" &&
    cmp -s "$T/$f.v3.qasm" "$T/$f.same.qasm" && ok "$f: OpenQASM 3 in, OpenQASM 3 out by default" ||
    bad "$f: convert of OpenQASM 3 did not keep it"
  expect 0 "$B" convert "$DATA/$f.qasm" -o "$T/$f.qasm3" &&
    cmp -s "$T/$f.v3.qasm" "$T/$f.qasm3" && ok "$f: -o NAME.qasm3 writes OpenQASM 3" ||
    bad "$f: -o NAME.qasm3"
done

# ---- physical qubits ----------------------------------------------------------------
expect 0 "$B" "$DATA/tof_3.qasm" -t line:5 -O 1 --physical-qubits -o "$T/phys.qasm" &&
  grep -q '^cx \$[0-9], \$[0-9];$' "$T/phys.qasm" && ! grep -q '^qubit' "$T/phys.qasm" &&
  ok "transpile --physical-qubits writes \$n and no qubit declarations" || bad "physical: $(head -12 "$T/phys.qasm")"
expect 0 "$B" convert "$T/phys.qasm" --format qasm3 --physical-qubits -o "$T/phys2.qasm" &&
  diff <(grep -v '^//' "$T/phys.qasm") "$T/phys2.qasm" >/dev/null && ok "a program on \$n converts back to itself" ||
  bad "physical round trip: $(diff <(grep -v '^//' "$T/phys.qasm") "$T/phys2.qasm" | head -5)"
expect 2 "$B" convert "$DATA/tof_3.qasm" --format qasm2 --physical-qubits &&
  grep -q "physical-qubits writes OpenQASM 3" "$T/err" && ok "--format qasm2 --physical-qubits refused" || bad "conflict not refused"
expect 2 "$B" convert "$DATA/tof_3.qasm" --format qasm4 && grep -q "expected qasm2 or qasm3" "$T/err" &&
  ok "--format checks its value" || bad "--format qasm4 accepted"

# ---- transpiling an OpenQASM 3 input --------------------------------------------------
expect 0 "$B" "$T/tof_3.v3.qasm" -t line:5 -O 2 --verify -o "$T/t3.qasm" &&
  head -1 "$T/t3.qasm" | grep -qx 'OPENQASM 3.0;' && grep -q "equivalent to the input" "$T/err" &&
  ok "transpile OpenQASM 3: verified, written as OpenQASM 3" || bad "transpile v3: $(cat "$T/err")"
expect 0 "$B" "$DATA/tof_3.qasm" -t line:5 -O 2 -o "$T/t2.qasm"
expect 0 "$B" convert "$T/t3.qasm" --format qasm2 -o "$T/t32.qasm"
diff <(grep -v '^//' "$T/t2.qasm") <(grep -v '^//' "$T/t32.qasm") >/dev/null &&
  ok "transpiling the OpenQASM 3 version gives the OpenQASM 2 version's output" || bad "transpile outputs differ"
expect 0 "$B" "$T/tof_3.v3.qasm" -t all:5 -O 0 --stream -o "$T/s3.qasm" &&
  head -1 "$T/s3.qasm" | grep -qx 'OPENQASM 3.0;' && ok "--stream reads and writes OpenQASM 3" || bad "stream v3"

# ---- errors ---------------------------------------------------------------------------
printf 'OPENQASM 3.0;\ninclude "stdgates.inc";\nqubit[2] q;\nfor uint i in [0:1] { x q[0]; }\n' >"$T/bad.qasm"
expect 2 "$B" convert "$T/bad.qasm" && grep -q "bad.qasm:4:1: unsupported in this version: 'for'" "$T/err" &&
  ok "a refused construct: FILE:LINE:COL: unsupported in this version, exit 2" || bad "error: $(cat "$T/err")"

# ---- conditions: one bit, else, wider than 64 bits ------------------------------------------
printf 'OPENQASM 3.0;\ninclude "stdgates.inc";\nqubit[2] q;\nbit[2] c;\nbit[70] w;\nc[0] = measure q[0];\nif (c[0]) { x q[1]; } else { h q[1]; }\nif (w == 1180591620717411303423) { cx q[0], q[1]; }\n' >"$T/cond.qasm"
expect 0 "$B" convert "$T/cond.qasm" -o "$T/cond3.qasm" &&
  grep -qx 'if (!c\[0\]) {' "$T/cond3.qasm" && grep -qx 'if (w == 1180591620717411303423) {' "$T/cond3.qasm" &&
  expect 0 "$B" convert "$T/cond3.qasm" -o "$T/cond33.qasm" && cmp -s "$T/cond3.qasm" "$T/cond33.qasm" &&
  ok "if (c[k]) / else / a 70-bit value: 3 -> 3 keeps them" || bad "conditions 3 -> 3: $(cat "$T/err")"
expect 1 "$B" convert "$T/cond.qasm" --format qasm2 -o "$T/cond2.qasm" && [ ! -e "$T/cond2.qasm" ] &&
  grep -q "OpenQASM 2 cannot write a condition on the one bit c\[0\] of a wider register" "$T/err" &&
  ok "a condition on one bit of a wider register: refused for OpenQASM 2, exit 1, no output left" || bad "3 -> 2 with a bit condition: $(cat "$T/err")"

# ---- opaque gates: passed through by convert, refused where they cannot go ----------------
printf 'OPENQASM 2.0;\ninclude "qelib1.inc";\nopaque magic(t) a, b;\nqreg q[2];\nh q[0];\nmagic(0.5) q[0], q[1];\n' >"$T/opq.qasm"
expect 0 "$B" convert "$T/opq.qasm" -o "$T/opq2.qasm" &&
  grep -qx 'opaque magic(p0) a0,a1;' "$T/opq2.qasm" && grep -qx 'magic(0.5) q\[0\],q\[1\];' "$T/opq2.qasm" &&
  expect 0 "$B" convert "$T/opq2.qasm" -o "$T/opq22.qasm" && cmp -s "$T/opq2.qasm" "$T/opq22.qasm" &&
  ok "an applied opaque gate: convert passes it through (2 -> 2 -> 2)" || bad "opaque convert: $(cat "$T/err")"
# OpenQASM 3 has no opaque declaration: applied by name, as Qiskit's exporter
# writes a gate of its basis_gates (a comment says what it is)
expect 0 "$B" convert "$T/opq.qasm" --format qasm3 -o "$T/opq3.qasm" &&
  ! grep -q '^opaque' "$T/opq3.qasm" && grep -qx 'magic(0.5) q\[0\], q\[1\];' "$T/opq3.qasm" &&
  grep -q '^// magic: a gate without a definition' "$T/opq3.qasm" &&
  ok "an opaque gate written as OpenQASM 3: applied by name, undeclared" || bad "opaque to v3: $(cat "$T/err")"
expect 1 "$B" "$T/opq.qasm" -t line:3 -O 1 -o "$T/opqt.qasm" &&
  grep -q "opq.qasm: the circuit applies the opaque gate 'magic', which has no definition and is not in the basis of target 'line:3'" "$T/err" &&
  ok "transpiling an opaque gate the target lacks fails, naming it" || bad "opaque transpile: $(cat "$T/err")"
for v in 2 3; do
  expect 0 "$B" "$T/opq.qasm" -t line:3 --basis cz,rz,sx,x,magic -O 2 --format qasm$v -o "$T/opqt$v.qasm" &&
    grep -Eq '^magic\(0\.5\) q\[[0-2]\], ?q\[[0-2]\];' "$T/opqt$v.qasm" &&
    ok "an opaque gate in the target's basis (--basis): transpiled through, written as OpenQASM $v" ||
    bad "opaque through transpile to v$v: $(cat "$T/err"; cat "$T/opqt$v.qasm")"
done
grep -qx 'opaque magic(p0) a0,a1;' "$T/opqt2.qasm" && ok "... with its opaque declaration in OpenQASM 2" ||
  bad "no opaque declaration in $(cat "$T/opqt2.qasm")"
expect 2 "$B" pack "$T/opq.qasm" -o "$T/opq.h5" &&
  grep -q "applies the opaque gate 'magic', which instruction records cannot name; store its QASM text" "$T/err" &&
  ok "pack (records) refuses an opaque gate and says to store QASM text" || bad "opaque pack: $(cat "$T/err")"
expect 0 "$B" pack --qasm "$T/opq.qasm" "$DATA/tof_3.qasm" -o "$T/opqtext.h5" &&
  expect 1 "$B" "$T/opqtext.h5" -o "$T/opqr.h5" -t line:5 -O 1 --progress=none &&
  "$B" info "$T/opqr.h5" | grep -q "failed: circuit 0 (opq): the circuit applies the opaque gate 'magic'" &&
  ok "a batch of QASM texts: the opaque row fails naming the gate, the rest go on" ||
  bad "opaque batch: $("$B" info "$T/opqr.h5" 2>&1 | grep -i fail)"

# ---- batches ----------------------------------------------------------------------------
mkdir -p "$T/b"
for f in adder qec tof_3; do cp "$T/$f.v3.qasm" "$T/b/$f.qasm"; done
cp "$T/bad.qasm" "$T/b/zbad.qasm"
expect 0 "$B" pack --qasm "$T"/b/*.qasm -o "$T/text.h5" && ok "pack --qasm takes OpenQASM 3 texts"
expect 1 "$B" "$T/text.h5" -o "$T/r.h5" -t all:16 -O 1 --progress=none &&
  "$B" info "$T/r.h5" | grep -q "^status: 3 ok, 1 failed" && ok "a batch of OpenQASM 3 texts: 3 ok, the refused one recorded" ||
  bad "batch of v3 texts: $("$B" info "$T/r.h5" 2>&1 | grep status)"
rm "$T/b/zbad.qasm"
expect 0 "$B" pack "$T"/b/*.qasm -o "$T/cols.h5" && ok "pack parses OpenQASM 3 into records"
expect 0 "$B" unpack "$T/cols.h5" --format qasm3 -o "$T/un" && head -1 "$T/un/tof_3.qasm" | grep -qx 'OPENQASM 3.0;' &&
  cmp -s "$T/un/tof_3.qasm" "$T/tof_3.v3.qasm" && ok "unpack --format qasm3 writes the same OpenQASM 3" ||
  bad "unpack --format qasm3: $(head -3 "$T/un/tof_3.qasm" 2>&1)"

finish "OpenQASM 3 command-line cases"
