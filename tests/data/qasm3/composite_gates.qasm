OPENQASM 3.0;
include "stdgates.inc";
gate prepare _gate_q_0, _gate_q_1, _gate_q_2 {
  h _gate_q_0;
  cx _gate_q_0, _gate_q_1;
  t _gate_q_2;
  cx _gate_q_1, _gate_q_2;
}
gate prepare_0 _gate_q_0, _gate_q_1, _gate_q_2 {
  sx _gate_q_2;
  cz _gate_q_2, _gate_q_0;
  sdg _gate_q_1;
}
gate turn(_gate_p_0, _gate_p_1) _gate_q_0 {
  rz(_gate_p_0) _gate_q_0;
  ry(_gate_p_1/2) _gate_q_0;
}
gate cy_o0 _gate_q_0, _gate_q_1 {
  x _gate_q_0;
  cy _gate_q_0, _gate_q_1;
  x _gate_q_0;
}
gate cx_0 _gate_q_0, _gate_q_1 {
  cx _gate_q_1, _gate_q_0;
}
bit[3] meas;
qubit[3] q;
prepare q[0], q[1], q[2];
turn(pi/3, 0.75) q[1];
prepare_0 q[2], q[0], q[1];
cy_o0 q[1], q[2];
cx_0 q[0], q[2];
turn(-pi/4, 2*pi) q[0];
barrier q[0], q[1], q[2];
meas[0] = measure q[0];
meas[1] = measure q[1];
meas[2] = measure q[2];
