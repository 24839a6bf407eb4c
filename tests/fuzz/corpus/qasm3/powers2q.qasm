OPENQASM 3.0;
include "stdgates.inc";
qubit[3] q;
pow(0.5) @ swap q[0], q[1];
ctrl @ pow(0.25) @ swap q[2], q[0], q[1];
gate g a, b { cx a, b; h b; }
pow(0.3) @ g q[0], q[2];
inv @ pow(1.5) @ cswap q[0], q[1], q[2];
