OPENQASM 3.0;
include "stdgates.inc";
qreg q[2];
creg c[2];
qubit r;
bit b;
cp(sqrt(2) * cos(π)) q[0], r;
crz(ln(3) - exp(1)) q[1], q[0];
b = measure r;
if (b) { cswap r, q[0], q[1]; }
