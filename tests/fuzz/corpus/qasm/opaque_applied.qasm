OPENQASM 2.0;
include "qelib1.inc";
opaque g(t, u) a, b;
gate k(x) a, b { g(x/2, pi) b, a; h a; }
qreg q[3];
g(1, 2) q[0], q[2];
k(0.5) q[1], q[0];
opaque m a;
m q;
