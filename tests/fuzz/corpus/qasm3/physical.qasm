OPENQASM 3;
include "stdgates.inc";
bit[2] c;
rz(pi/2) $3;
sx $0;
cx $3, $0;
c[0] = measure $3;
measure $0 -> c[1];
