OPENQASM 3.0;
include "stdgates.inc";
input float[64] theta;
gate g(a) x, y { cx x, y; rz(a / 2) y; U(pi, -tau/4, euler) x; gphase(a); }
qubit[3] q;
bit[3] c;
inv @ g(0.3) q[0], q[1];
rz(theta * 2 - 1) q[0];
ctrl @ g(0.5) q[2], q[0], q[1];
negctrl(2) @ x q[0], q[1], q[2];
pow(0.5) @ rx(arcsin(0.5) ** 2) q[1];
ctrl @ pow(2) @ inv @ s q[0], q[2];
// comment
/* block */
c = measure q;
reset q[0];
barrier;
if (c == 5) { cx q[0], q[1]; h q[2]; } 
if (!c[2]) sx q[0]; else { sdg q[1]; }
