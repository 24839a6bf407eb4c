OPENQASM 3.0;
include "stdgates.inc";
x $0;
h $2000000;
