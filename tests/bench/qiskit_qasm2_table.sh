#!/bin/bash
# qiskit_qasm2_table.sh -- how many of the OpenQASM 2 programs that Qiskit's
# parser tests load (test/python/qasm2 in Qiskit's repository) `qtranspile
# convert` reads. The programs are not in this tree (their tests are
# Qiskit's code); give a directory holding one subdirectory per program:
#
#   DIR/NAME/program.qasm       the program, and any files it includes
#
# NAME's prefix says how Qiskit loads it: p_ and inc_ with loads()/load(),
# s_ with strict=True (run here with --strict), opt_ with a loader option
# only Qiskit has (custom_instructions, custom_classical, include_path
# order): counted apart, not run.
#
#   tests/bench/qiskit_qasm2_table.sh DIR [QTRANSPILE]
#
# Prints one line per failing program and the totals. Exit 0.
set -u
DIR=${1:?usage: $0 DIR [QTRANSPILE]}
QTR=$(realpath "${2:-./qtranspile}")
STRICT=--strict
"$QTR" convert --help 2>&1 | grep -q -- --strict || STRICT=   # builds before --strict
pass=0 fail=0 aside=0
for d in "$DIR"/*/; do
  name=$(basename "$d")
  case $name in
    opt_*) aside=$((aside + 1)); continue ;;
    s_*) flags=$STRICT ;;
    *) flags= ;;
  esac
  if msg=$(cd "$d" && "$QTR" convert $flags program.qasm -o /dev/null 2>&1); then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL $name: $(echo "$msg" | head -1)"
  fi
done
echo "run: $((pass + fail))  pass: $pass  fail: $fail  set aside (Qiskit-only loader options): $aside"
