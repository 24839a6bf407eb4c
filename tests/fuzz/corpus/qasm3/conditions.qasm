OPENQASM 3.0;
include "stdgates.inc";
qubit[2] q;
bit[2] c;
bit[70] w;
c[0] = measure q[0];
if (c[0]) { x q[1]; } else { h q[1]; }
if (!c[1]) { z q[0]; }
if (c[1] == 0) { y q[0]; }
if (w == 1180591620717411303423) { x q[0]; }
if (c == 2) { x q[0]; }
