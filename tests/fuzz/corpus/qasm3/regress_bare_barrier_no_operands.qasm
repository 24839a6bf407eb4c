OPENQASM 3.0;
include "stdgates.inc";
qubit[3] q;
qubit[2] b;
bit[3] c;
bit[2] syn;
x q[0];
barrier;
qreg q[2];creg c[71703423) ){qx0 ure a[00