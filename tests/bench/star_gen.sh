#!/bin/sh
# star_gen.sh -- write star-shaped OpenQASM 2 circuits, where one hub qubit
# interacts with every other, to stdout:
#
#   bv N        Bernstein-Vazirani for the all-ones secret on N qubits: the
#               oracle is N-1 cx from every data qubit into the ancilla q[N-1]
#   swaptest N  swap test of two (N-1)/2-qubit registers: h on q[0], one
#               cswap q[0], a_i, b_i per pair, h, measure q[0] (N odd)
#   fanout N    GHZ preparation as a fan-out: h q[0], then cx q[0], q[i]
#   condfix N   the fan-out, q[0] measured, then classically conditioned x
#               corrections on every other qubit, and a second fan-out
#               from q[1] over the corrected qubits
#
# usage: tests/bench/star_gen.sh FAMILY N > FILE.qasm
set -eu
[ $# -eq 2 ] || { echo "usage: $0 bv|swaptest|fanout|condfix N" >&2; exit 2; }
family=$1 n=$2
case $n in ''|*[!0-9]*) echo "$0: N must be a number" >&2; exit 2 ;; esac
[ "$n" -ge 3 ] || { echo "$0: N must be at least 3" >&2; exit 2; }
awk -v family="$family" -v n="$n" 'BEGIN {
  print "OPENQASM 2.0;"; print "include \"qelib1.inc\";"
  printf "qreg q[%d];\n", n
  if (family == "bv") {
    printf "creg c[%d];\n", n - 1
    printf "x q[%d];\n", n - 1
    for (i = 0; i < n; i++) printf "h q[%d];\n", i
    for (i = 0; i < n - 1; i++) printf "cx q[%d],q[%d];\n", i, n - 1
    for (i = 0; i < n - 1; i++) printf "h q[%d];\n", i
    for (i = 0; i < n - 1; i++) printf "measure q[%d] -> c[%d];\n", i, i
  } else if (family == "swaptest") {
    if (n % 2 == 0) { print "swaptest: N must be odd" > "/dev/stderr"; exit 2 }
    k = (n - 1) / 2
    print "creg c[1];"
    for (i = 1; i < n; i++) printf "ry(%.6f) q[%d];\n", 0.3 + 0.1 * i, i
    print "h q[0];"
    for (i = 1; i <= k; i++) printf "cswap q[0],q[%d],q[%d];\n", i, i + k
    print "h q[0];"
    print "measure q[0] -> c[0];"
  } else if (family == "fanout") {
    print "h q[0];"
    for (i = 1; i < n; i++) printf "cx q[0],q[%d];\n", i
  } else if (family == "condfix") {
    print "creg c[1];"
    print "h q[0];"
    for (i = 1; i < n; i++) printf "cx q[0],q[%d];\n", i
    print "measure q[0] -> c[0];"
    for (i = 1; i < n; i++) printf "if(c==1) x q[%d];\n", i
    print "h q[1];"
    for (i = 2; i < n; i++) printf "cx q[1],q[%d];\n", i
  } else {
    print "star_gen: unknown family " family > "/dev/stderr"; exit 2
  }
}'
