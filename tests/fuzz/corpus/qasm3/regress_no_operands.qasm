OPENQASM 3.0;
gphase(0.5);
barrier;
