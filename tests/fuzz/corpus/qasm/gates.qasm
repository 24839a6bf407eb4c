OPENQASM 2.0;
include "qelib1.inc";
opaque magic(a) q;
gate g(t) a, b { U(t, 0, pi/2) a; CX a, b; rz(-t*2+sin(0.5)) b; barrier a, b; }
gate h2 a, b { g(pi/4) a, b; g(-pi/4) b, a; }
qreg q[3];
qreg r[2];
creg c[3];
creg d[1];
h2 q[0], r[1];
h2 q[1], q[2];
U(0.1, 0.2, 0.3) q[1];
CX q[0], r[0];
if (c == 5) x q[2];
if (d == 1) h2 r[0], r[1];
measure q -> c;
reset r;
barrier q, r;
cu3(1e-3, 2.5E2, -0.0) q[0], q[1];
