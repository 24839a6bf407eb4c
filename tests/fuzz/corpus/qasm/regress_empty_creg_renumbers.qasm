// three qubits, mid-circuit measurements and conditions
OPENQASM 2.0;
include "qelib1.inc";
qreg q[4];
creg m0[0];
creg m1[1];
gate noop a { }
cx q[1],q[2];
barrier q;
cx q[0],q[1];
h q[0]; z q[2];
if(m1==1) x q[2];
noop q[2];
