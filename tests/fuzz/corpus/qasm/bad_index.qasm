OPENQASM 2.0;
qreg q[2];
CX q[0], q[2];
