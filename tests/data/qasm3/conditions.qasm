OPENQASM 3.0;
include "stdgates.inc";
bit[2] m;
bit[1] flag;
qubit[3] q;
ry(0.9) q[0];
h q[1];
cx q[1], q[2];
cx q[0], q[1];
h q[0];
m[0] = measure q[0];
m[1] = measure q[1];
if (m[1]) {
  x q[2];
}
if (m[0]) {
  z q[2];
}
h q[1];
flag[0] = measure q[1];
if (m == 3) {
  sx q[1];
} else {
  h q[1];
  t q[1];
}
if (!flag[0]) {
  rx(0.3) q[0];
} else {
  ry(-0.3) q[0];
}
if (flag == 1) {
  cx q[0], q[1];
}
