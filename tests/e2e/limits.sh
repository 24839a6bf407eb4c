#!/bin/bash
# tests/e2e/limits.sh -- hostile inputs and memory budgets end to end
# (doc/reliability.md):
#   - an OpenQASM expansion bomb (2^25 instructions from 1 KB) fails fast
#     under --max-memory, alone in a batch (its row: status 2, code 10, a
#     message) while the other rows go on; the single-file form says so too;
#   - a short file declaring 2^24 qubits fails under --max-memory before
#     its per-wire scratch is taken;
#   - --max-memory rejects what is not a byte count;
#   - a batch that is not HDF5, or is truncated, fails at once with exit 2
#     and a message saying which;
#   - bytes flipped across a batch file never crash the program: every run
#     ends with exit 0, 1 or 2;
#   - a sweep file's values table claiming 2^28 rows it does not store is
#     refused before anything is allocated for them.
# Needs the built qtranspile ($QTR_BUILDDIR); the flips need h5repack
# (hdf5-tools) and are skipped, and said so, without it.
. "$(dirname "$0")/common.sh" limits
has() { grep -qF -- "$1" "$T/err" && ok "$2" || { bad "$2: no '$1' in:"; sed 's/^/  | /' "$T/err" | head -10; }; }

# ---- the expansion bomb -----------------------------------------------------------
{ printf 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ngate g0 a,b { cx a,b; }\n'
  for i in $(seq 1 25); do printf 'gate g%d a,b { g%d a,b; g%d b,a; }\n' "$i" $((i - 1)) $((i - 1)); done
  printf 'g25 q[0],q[1];\n'; } > "$T/bomb.qasm"
printf 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[3];\nh q[0];\ncx q[0],q[2];\n' > "$T/good1.qasm"
printf 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncreg c[2];\nx q[1];\nmeasure q -> c;\n' > "$T/good2.qasm"

expect 1 "$B" "$T/bomb.qasm" -t line:3 -o "$T/bomb.out.qasm" --max-memory 64M &&
  has "bomb.qasm:30:1: the circuit needs more than its memory budget of 64 MiB (--max-memory)" \
      "single file: the bomb fails with its budget named (exit 1)"
[ ! -e "$T/bomb.out.qasm" ] && ok "single file: no output written" || bad "a failed circuit left $T/bomb.out.qasm"

expect 0 "$B" pack --qasm "$T/good1.qasm" "$T/bomb.qasm" "$T/good2.qasm" -o "$T/b.h5" || true
if expect 1 "$B" "$T/b.h5" -o "$T/r.h5" -t line:3 --max-memory 64M --progress=none; then
  "$B" info "$T/r.h5" > "$T/err" 2>&1
  has "status: 2 ok, 1 failed, 0 pending" "batch: the other rows go on"
  has "failed: circuit 1 (bomb): bomb:30:1: the circuit needs more than its memory budget of 64 MiB" \
      "batch: the bomb's row records the budget"
  if command -v h5dump > /dev/null; then
    h5dump -d /results/code "$T/r.h5" 2>/dev/null | grep -q '(0): 0, 10, 0' &&
      ok "batch: its code is 10 (memory budget exceeded)" || bad "batch: codes $(h5dump -d /results/code "$T/r.h5" | grep '(0)')"
  fi
fi

# a 100-byte file declaring 2^24 qubits and clbits: the depth levels of its
# statistics alone (16 bytes a wire) would be 512 MiB; within 64M it fails
# before taking them
printf 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[16777216];\ncreg c[16777216];\nh q[0];\n' > "$T/wide.qasm"
expect 1 "$B" "$T/wide.qasm" -t line:3 -o "$T/wide.out.qasm" --max-memory 64M &&
  has "wide.qasm: statistics: the circuit needs more than its memory budget of 64 MiB" \
      "2^24 qubits from 100 bytes: its statistics' scratch weighed against the budget (exit 1)"
for v in 0 12X -5 1.5G ''; do
  expect 2 "$B" "$T/good1.qasm" -t line:3 -o "$T/x.qasm" --max-memory "$v" &&
    has "--max-memory: expected a byte count" "--max-memory '$v' refused (exit 2)"
done

# ---- files that are not batches, or not whole ----------------------------------------
echo "not a batch" > "$T/notes.h5"
expect 2 "$B" "$T/notes.h5" -o "$T/r2.h5" -t line:3 --progress=none && has "notes.h5: not an HDF5 file" "a text file: exit 2, said so"
expect 0 "$B" pack "$T/good1.qasm" "$T/good2.qasm" -o "$T/cols.h5" || true
size=$(wc -c < "$T/cols.h5")
for cut in 7 600 $((size / 2)) $((size - 50)); do
  head -c "$cut" "$T/cols.h5" > "$T/cut.h5"
  rm -f "$T/r3.h5"
  expect 2 "$B" "$T/cut.h5" -o "$T/r3.h5" -t line:3 --progress=none &&
    { grep -qE "cut.h5: (not an HDF5 file|cannot open: the file is truncated)" "$T/err" &&
      ok "cut to $cut of $size bytes: exit 2, said so" || bad "cut to $cut: $(cat "$T/err")"; }
done

# ---- flipped bytes never crash it ----------------------------------------------------
if command -v h5repack > /dev/null; then
  # uncompressed and contiguous, so flips land in the index and pools as they lie
  h5repack -f NONE -l CONTI "$T/cols.h5" "$T/plain.h5"
  size=$(wc -c < "$T/plain.h5"); crashed=0 runs=0
  for k in $(seq 1 40); do
    off=$(( (k * 7919) % size ))
    cp "$T/plain.h5" "$T/flip.h5"
    printf "\\x$(printf %02x $(( (k * 37) % 256 )))" | dd of="$T/flip.h5" bs=1 seek="$off" conv=notrunc status=none
    rm -f "$T/r4.h5"
    "$B" "$T/flip.h5" -o "$T/r4.h5" -t line:3 --progress=none > /dev/null 2> "$T/err"; st=$?
    runs=$((runs + 1))
    if [ "$st" -gt 2 ]; then crashed=$((crashed + 1)); echo "  flip at $off: exit $st"; sed 's/^/  | /' "$T/err" | head -5; fi
  done
  [ "$crashed" -eq 0 ] && ok "$runs files with a flipped byte: every run ended with exit 0, 1 or 2" ||
    bad "$crashed of $runs flipped files ended with a signal or an unexpected status"
else
  echo "SKIP part: h5repack (Debian: hdf5-tools) not installed: no flipped-byte runs"
fi

# ---- a sweep file whose values table claims rows it does not store -------------
# 10 KB whose /sweep/values/0 claims 2^28 x 1 values in chunks never written:
# read as HDF5 offered it, 2 GiB of fill values were allocated and read
S=$SRC/tests/fuzz/corpus/h5_sweep/regress_values_unwritten.h5
expect 2 "$B" info "$S" &&
  has "regress_values_unwritten.h5: template 0 ('big'): /sweep/values/0: its chunk at element 0 was never written" \
      "a sweep's values claiming 2^28 unstored rows: refused, naming the file and the template"

finish "limits checks"
