OPENQASM 2.0;
include "qelib1.inc";
include "qelib1.inc";
opaque g(t, q) a, b;
gate k(x) a, b { }
qreg q[3];
k(0.5) q[1], q[0];
opaque m a;
m q;
