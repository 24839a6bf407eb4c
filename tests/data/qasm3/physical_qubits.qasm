OPENQASM 3.0;
include "stdgates.inc";
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
bit[3] c;
rz(pi/2) $0;
sx $0;
rz(pi/2) $0;
ecr $1, $0;
x $1;
rz(-pi/4) $2;
sx $2;
ecr $1, $2;
barrier $0, $1, $2;
c[0] = measure $0;
c[1] = measure $1;
c[2] = measure $2;
