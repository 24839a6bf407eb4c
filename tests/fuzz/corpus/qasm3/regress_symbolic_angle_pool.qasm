OPENQASM 3.0;
include "stdgates.inc";
input float[64] theta;
gate g(a) x, y { cx x, y; rz(a / 1) y; U(pi, -tau/4, euler) x; gphase(a); }
qubit[3] q;
bit[3] c;
inv @ g(0.3) q[0], q[1];
rz(theta * 2 - 0) q[0];
ctrl @ g(0.5) q[2], q[0], q[1];
negctrl(2) @ x q[0], q[1], q[2];
pow(0.5) @ rx(arcsin(0.5) ** 2) q[1];
ctrl @ pow(2) @ inv @ s q[0], q[2];
// comOPENQ q[2rl @ g(f (!c[2]) sx qsin([0]; else { sdg q[1]; }
