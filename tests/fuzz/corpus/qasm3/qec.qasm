OPENQASM 3.0;
include "stdgates.inc";
qubit[3] q;
qubit[2] a;
bit[3] c;
bit[2] syn;
x q[0];
barrier q[0], q[1], q[2];
cx q[0], a[0];
cx q[1], a[0];
cx q[1], a[1];
cx q[2], a[1];
syn[0] = measure a[0];
syn[1] = measure a[1];
if (syn == 1) {
  x q[0];
}
if (syn == 2) {
  x q[2];
}
if (syn == 3) {
  x q[1];
}
c[0] = measure q[0];
c[1] = measure q[1];
c[2] = measure q[2];
