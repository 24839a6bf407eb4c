/* qelib1.c -- the built-in gate library: qelib1.inc as Qiskit ships it
 * (u3 ... c4x), compiled into the program and never read from disk, plus the
 * definitions the writer emits for table gates that qelib1.inc lacks (r,
 * iswap, ecr, ...), named as Qiskit's exporter names them.
 *
 * The reader does not parse these texts on `include "qelib1.inc";`: every
 * qelib1 gate maps straight to its table op. The texts serve
 * qtr_qasm_gate_definition (decomposition, tests) and the writer.
 *
 * The bodies are the standard decompositions (OpenQASM 2 paper, Cross et al.
 * 2017, arXiv:1707.03429, and Qiskit's qelib1.inc and gate definitions),
 * written here in our own layout. tests/unit/test_qasm.cc checks each one
 * against the table's matrix up to global phase.
 *
 * Read-only static data; no state. */
#include <stdlib.h>
#include <string.h>
#include "qasm_internal.h"

#define G(name, op, nq, np, q1, prim, def, deps) \
    {name, QTR_OP_##op, nq, np, q1, prim, def, deps}

static const qtr_qasm_libgate lib[] = {
    /* ---- qelib1.inc, in its file order ---------------------------------- */
    G("u3", U3, 1, 3, 1, 0, "gate u3(theta,phi,lambda) q { U(theta,phi,lambda) q; }", ""),
    G("u2", U2, 1, 2, 1, 0, "gate u2(phi,lambda) q { U(pi/2,phi,lambda) q; }", ""),
    G("u1", U1, 1, 1, 1, 0, "gate u1(lambda) q { U(0,0,lambda) q; }", ""),
    G("cx", CX, 2, 0, 1, 1, "gate cx c,t { CX c,t; }", ""),
    G("id", ID, 1, 0, 1, 0, "gate id a { U(0,0,0) a; }", ""),
    /* u0(gamma) is an idle of gamma time units: the unitary is the identity */
    G("u0", ID, 1, 1, 1, 0, "gate u0(gamma) q { U(0,0,0) q; }", ""),
    G("u", U, 1, 3, 1, 1, "gate u(theta,phi,lambda) q { U(theta,phi,lambda) q; }", ""),
    G("p", P, 1, 1, 1, 0, "gate p(lambda) q { U(0,0,lambda) q; }", ""),
    G("x", X, 1, 0, 1, 0, "gate x a { u3(pi,0,pi) a; }", ""),
    G("y", Y, 1, 0, 1, 0, "gate y a { u3(pi,pi/2,pi/2) a; }", ""),
    G("z", Z, 1, 0, 1, 0, "gate z a { u1(pi) a; }", ""),
    G("h", H, 1, 0, 1, 0, "gate h a { u2(0,pi) a; }", ""),
    G("s", S, 1, 0, 1, 0, "gate s a { u1(pi/2) a; }", ""),
    G("sdg", SDG, 1, 0, 1, 0, "gate sdg a { u1(-pi/2) a; }", ""),
    G("t", T, 1, 0, 1, 0, "gate t a { u1(pi/4) a; }", ""),
    G("tdg", TDG, 1, 0, 1, 0, "gate tdg a { u1(-pi/4) a; }", ""),
    G("rx", RX, 1, 1, 1, 0, "gate rx(theta) a { u3(theta,-pi/2,pi/2) a; }", ""),
    G("ry", RY, 1, 1, 1, 0, "gate ry(theta) a { u3(theta,0,0) a; }", ""),
    G("rz", RZ, 1, 1, 1, 0, "gate rz(phi) a { u1(phi) a; }", ""),
    G("sx", SX, 1, 0, 1, 0, "gate sx a { sdg a; h a; sdg a; }", ""),
    G("sxdg", SXDG, 1, 0, 1, 0, "gate sxdg a { s a; h a; s a; }", ""),
    G("cz", CZ, 2, 0, 1, 0, "gate cz a,b { h b; cx a,b; h b; }", ""),
    G("cy", CY, 2, 0, 1, 0, "gate cy a,b { sdg b; cx a,b; s b; }", ""),
    G("swap", SWAP, 2, 0, 1, 0, "gate swap a,b { cx a,b; cx b,a; cx a,b; }", ""),
    G("ch", CH, 2, 0, 1, 0,
      "gate ch a,b {\n"
      "  h b; sdg b; cx a,b; h b; t b; cx a,b; t b; h b; s b; x b; s a;\n"
      "}", ""),
    G("ccx", CCX, 3, 0, 1, 0,
      "gate ccx a,b,c {\n"
      "  h c; cx b,c; tdg c; cx a,c; t c; cx b,c; tdg c; cx a,c;\n"
      "  t b; t c; h c; cx a,b; t a; tdg b; cx a,b;\n"
      "}", ""),
    G("cswap", CSWAP, 3, 0, 1, 0, "gate cswap a,b,c { cx c,b; ccx a,b,c; cx c,b; }", ""),
    G("crx", CRX, 2, 1, 1, 0,
      "gate crx(lambda) a,b {\n"
      "  u1(pi/2) b; cx a,b; u3(-lambda/2,0,0) b; cx a,b; u3(lambda/2,-pi/2,0) b;\n"
      "}", ""),
    G("cry", CRY, 2, 1, 1, 0,
      "gate cry(lambda) a,b { ry(lambda/2) b; cx a,b; ry(-lambda/2) b; cx a,b; }", ""),
    G("crz", CRZ, 2, 1, 1, 0,
      "gate crz(lambda) a,b { rz(lambda/2) b; cx a,b; rz(-lambda/2) b; cx a,b; }", ""),
    G("cu1", CU1, 2, 1, 1, 0,
      "gate cu1(lambda) a,b {\n"
      "  u1(lambda/2) a; cx a,b; u1(-lambda/2) b; cx a,b; u1(lambda/2) b;\n"
      "}", ""),
    G("cp", CP, 2, 1, 1, 0,
      "gate cp(lambda) a,b {\n"
      "  p(lambda/2) a; cx a,b; p(-lambda/2) b; cx a,b; p(lambda/2) b;\n"
      "}", ""),
    G("cu3", CU3, 2, 3, 1, 0,
      "gate cu3(theta,phi,lambda) c,t {\n"
      "  u1((lambda+phi)/2) c; u1((lambda-phi)/2) t; cx c,t;\n"
      "  u3(-theta/2,0,-(phi+lambda)/2) t; cx c,t; u3(theta/2,phi,0) t;\n"
      "}", ""),
    G("csx", CSX, 2, 0, 1, 0, "gate csx a,b { h b; cu1(pi/2) a,b; h b; }", ""),
    G("cu", CU, 2, 4, 1, 0,
      "gate cu(theta,phi,lambda,gamma) c,t {\n"
      "  p(gamma) c; p((lambda+phi)/2) c; p((lambda-phi)/2) t; cx c,t;\n"
      "  u(-theta/2,0,-(phi+lambda)/2) t; cx c,t; u(theta/2,phi,0) t;\n"
      "}", ""),
    G("rxx", RXX, 2, 1, 1, 0,
      "gate rxx(theta) a,b {\n"
      "  u3(pi/2,theta,0) a; h b; cx a,b; u1(-theta) b; cx a,b; h b; u2(-pi,pi-theta) a;\n"
      "}", ""),
    G("rzz", RZZ, 2, 1, 1, 0, "gate rzz(theta) a,b { cx a,b; u1(theta) b; cx a,b; }", ""),
    G("rccx", RCCX, 3, 0, 1, 0,
      "gate rccx a,b,c {\n"
      "  u2(0,pi) c; u1(pi/4) c; cx b,c; u1(-pi/4) c; cx a,c;\n"
      "  u1(pi/4) c; cx b,c; u1(-pi/4) c; u2(0,pi) c;\n"
      "}", ""),
    G("rc3x", RC3X, 4, 0, 1, 0,
      "gate rc3x a,b,c,d {\n"
      "  u2(0,pi) d; u1(pi/4) d; cx c,d; u1(-pi/4) d; u2(0,pi) d;\n"
      "  cx a,d; u1(pi/4) d; cx b,d; u1(-pi/4) d; cx a,d; u1(pi/4) d; cx b,d; u1(-pi/4) d;\n"
      "  u2(0,pi) d; u1(pi/4) d; cx c,d; u1(-pi/4) d; u2(0,pi) d;\n"
      "}", ""),
    G("c3x", C3X, 4, 0, 1, 0,
      "gate c3x a,b,c,d {\n"
      "  h d; p(pi/8) a; p(pi/8) b; p(pi/8) c; p(pi/8) d;\n"
      "  cx a,b; p(-pi/8) b; cx a,b;\n"
      "  cx b,c; p(-pi/8) c; cx a,c; p(pi/8) c; cx b,c; p(-pi/8) c; cx a,c;\n"
      "  cx c,d; p(-pi/8) d; cx b,d; p(pi/8) d; cx c,d; p(-pi/8) d; cx a,d;\n"
      "  p(pi/8) d; cx c,d; p(-pi/8) d; cx b,d; p(pi/8) d; cx c,d; p(-pi/8) d; cx a,d;\n"
      "  h d;\n"
      "}", ""),
    G("c3sqrtx", C3SQRTX, 4, 0, 1, 0,
      "gate c3sqrtx a,b,c,d {\n"
      "  h d; cu1(pi/8) a,d; h d; cx a,b;\n"
      "  h d; cu1(-pi/8) b,d; h d; cx a,b;\n"
      "  h d; cu1(pi/8) b,d; h d; cx b,c;\n"
      "  h d; cu1(-pi/8) c,d; h d; cx a,c;\n"
      "  h d; cu1(pi/8) c,d; h d; cx b,c;\n"
      "  h d; cu1(-pi/8) c,d; h d; cx a,c;\n"
      "  h d; cu1(pi/8) c,d; h d;\n"
      "}", ""),
    G("c4x", C4X, 5, 0, 1, 0,
      "gate c4x a,b,c,d,e {\n"
      "  h e; cu1(pi/2) d,e; h e; c3x a,b,c,d;\n"
      "  h e; cu1(-pi/2) d,e; h e; c3x a,b,c,d; c3sqrtx a,b,c,e;\n"
      "}", ""),

    /* ---- gates the writer defines (Qiskit's names and signatures) ------- */
    G("r", R, 1, 2, 0, 0,
      "gate r(param0,param1) q0 { u3(param0,param1 - pi/2,-param1 + pi/2) q0; }", ""),
    G("iswap", ISWAP, 2, 0, 0, 0,
      "gate iswap q0,q1 { s q0; s q1; h q0; cx q0,q1; cx q1,q0; h q1; }", ""),
    G("dcx", DCX, 2, 0, 0, 0, "gate dcx q0,q1 { cx q0,q1; cx q1,q0; }", ""),
    G("cs", CS, 2, 0, 0, 0,
      "gate cs q0,q1 { p(pi/4) q0; cx q0,q1; p(-pi/4) q1; cx q0,q1; p(pi/4) q1; }", ""),
    G("csdg", CSDG, 2, 0, 0, 0,
      "gate csdg q0,q1 { p(-pi/4) q0; cx q0,q1; p(pi/4) q1; cx q0,q1; p(-pi/4) q1; }", ""),
    G("ryy", RYY, 2, 1, 0, 0,
      "gate ryy(param0) q0,q1 {\n"
      "  rx(pi/2) q0; rx(pi/2) q1; cx q0,q1; rz(param0) q1; cx q0,q1;\n"
      "  rx(-pi/2) q0; rx(-pi/2) q1;\n"
      "}", ""),
    G("rzx", RZX, 2, 1, 0, 0,
      "gate rzx(param0) q0,q1 { h q1; cx q0,q1; rz(param0) q1; cx q0,q1; h q1; }", ""),
    G("ecr", ECR, 2, 0, 0, 0,
      "gate ecr q0,q1 { rzx(pi/4) q0,q1; x q0; rzx(-pi/4) q0,q1; }", "rzx"),
    G("xx_plus_yy", XX_PLUS_YY, 2, 2, 0, 0,
      "gate xx_plus_yy(param0,param1) q0,q1 {\n"
      "  rz(param1) q0; sdg q1; sx q1; s q1; s q0; cx q1,q0;\n"
      "  ry(-param0/2) q1; ry(-param0/2) q0; cx q1,q0;\n"
      "  sdg q0; sdg q1; sxdg q1; s q1; rz(-param1) q0;\n"
      "}", ""),
    G("xx_minus_yy", XX_MINUS_YY, 2, 2, 0, 0,
      "gate xx_minus_yy(param0,param1) q0,q1 {\n"
      "  rz(-param1) q1; sdg q0; sx q0; s q0; s q1; cx q0,q1;\n"
      "  ry(param0/2) q0; ry(-param0/2) q1; cx q0,q1;\n"
      "  sdg q1; sdg q0; sxdg q0; s q0; rz(param1) q1;\n"
      "}", ""),
    G("ccz", CCZ, 3, 0, 0, 0, "gate ccz q0,q1,q2 { h q2; ccx q0,q1,q2; h q2; }", ""),
};

#undef G

const qtr_qasm_libgate *qtr_qasm_libgates(size_t *n)
{
    *n = sizeof lib / sizeof lib[0];
    return lib;
}

const qtr_qasm_libgate *qtr_qasm_libgate_for(qtr_op op)
{
    for (size_t i = 0; i < sizeof lib / sizeof lib[0]; i++)
        if (lib[i].op == (int)op && strcmp(lib[i].name, "u0") != 0) return &lib[i];
    return NULL;
}

char *qtr_qasm_qelib1_text(void)
{
    static const char head[] = "// qelib1.inc (built into qtranspile)\n";
    size_t len = sizeof head;
    for (size_t i = 0; i < sizeof lib / sizeof lib[0]; i++)
        if (lib[i].qelib1) len += strlen(lib[i].def) + 1;
    char *s = malloc(len);
    if (!s) return NULL;
    char *p = s;
    memcpy(p, head, sizeof head - 1);
    p += sizeof head - 1;
    for (size_t i = 0; i < sizeof lib / sizeof lib[0]; i++) {
        if (!lib[i].qelib1) continue;
        size_t n = strlen(lib[i].def);
        memcpy(p, lib[i].def, n);
        p += n;
        *p++ = '\n';
    }
    *p = '\0';
    return s;
}
