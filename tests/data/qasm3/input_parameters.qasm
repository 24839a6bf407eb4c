OPENQASM 3.0;
include "stdgates.inc";
input float[64] a;
input float[64] θ;
input float[64] _t_0_;
gate ansatz(a) _gate_q_0, _gate_q_1 {
  ry(a) _gate_q_0;
  cx _gate_q_0, _gate_q_1;
  rz(2*a) _gate_q_1;
}
gate evolve(_t_0_) _gate_q_0, _gate_q_1 {
  cx _gate_q_0, _gate_q_1;
  rz(2*_t_0_) _gate_q_1;
  cx _gate_q_0, _gate_q_1;
}
bit[3] c;
qubit[3] q;
h q[0];
ansatz(a) q[0], q[1];
rx(θ) q[2];
evolve(_t_0_) q[1], q[2];
p(θ/2 + a) q[0];
U(a, θ, -pi/2) q[1];
c[0] = measure q[0];
c[1] = measure q[1];
c[2] = measure q[2];
