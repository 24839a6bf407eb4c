OPENQASM 3.0;
include "stdgates.inc";
gate rzz(p0) _gate_q_0, _gate_q_1 {
  cx _gate_q_0, _gate_q_1;
  rz(p0) _gate_q_1;
  cx _gate_q_0, _gate_q_1;
}
gate rxx(p0) _gate_q_0, _gate_q_1 {
  h _gate_q_0;
  h _gate_q_1;
  cx _gate_q_0, _gate_q_1;
  rz(p0) _gate_q_1;
  cx _gate_q_0, _gate_q_1;
  h _gate_q_1;
  h _gate_q_0;
}
gate rzx(p0) _gate_q_0, _gate_q_1 {
  h _gate_q_1;
  cx _gate_q_0, _gate_q_1;
  rz(p0) _gate_q_1;
  cx _gate_q_0, _gate_q_1;
  h _gate_q_1;
}
gate ecr _gate_q_0, _gate_q_1 {
  rzx(pi/4) _gate_q_0, _gate_q_1;
  x _gate_q_0;
  rzx(-pi/4) _gate_q_0, _gate_q_1;
}
qubit[4] q;
h q[0];
h q[2];
rzz(0.4) q[0], q[1];
rxx(pi/5) q[1], q[2];
rzx(-0.3) q[2], q[3];
ecr q[3], q[0];
rzz(1.25) q[2], q[0];
cp(pi/8) q[1], q[3];
crz(0.6) q[0], q[2];
cu(0.1, 0.2, 0.3, 0.4) q[3], q[1];
swap q[0], q[3];
cswap q[1], q[2], q[3];
ccx q[0], q[1], q[2];
