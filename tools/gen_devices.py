#!/usr/bin/env python3
"""gen_devices.py -- write io/target_devices.c, the built-in device targets.

Reads each DIR/conf_X.json and DIR/props_X.json (Qiskit backend configuration
and properties) under the given directory (default /work/shared/targets) and
writes compact static C arrays for qtranspile's built-in targets, named X
("torino", "fez", "sherbrooke"). Python 3 standard library only.

The arrays hold exactly what qtr_target_load_qiskit() would read from the same
files (io/target_json.c), so a built-in and the file it came from load to the
same target:
  err1q / dur1q   the qubit's sx gate_error / gate_length (when the basis has
                  no sx: the largest error among its 1q basis gates, and that
                  gate's length)
  err_readout     the qubit's readout_error
  err2q / dur2q   per coupling_map edge, gate_error / gate_length of the 2q
                  basis gate (cx, cz, ecr, iswap: the first in the basis)
Doubles are written with 17 significant digits, so they round-trip exactly.
Lengths are converted to seconds with the same arithmetic as the C loader.

Usage: tools/gen_devices.py [TARGETS_DIR] > io/target_devices.c
"""
import glob
import json
import math
import os
import sys

PREFERRED_2Q = ["cx", "cz", "ecr", "iswap"]
# Qiskit's time units to seconds, as in io/target_json.c.
UNIT_SCALE = {"": 1e-9, "ns": 1e-9, "us": 1e-6, "\u00b5s": 1e-6, "ms": 1e-3, "s": 1.0}
ONE_QUBIT = {"id", "x", "y", "z", "h", "s", "sdg", "t", "tdg", "sx", "sxdg", "rx",
             "ry", "rz", "p", "u", "u1", "u2", "u3", "r"}


def fmt(x):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "NAN"
    s = "%.17g" % x
    if "e" not in s and "." not in s and "n" not in s:
        s += ".0"
    return s


def param(entry, name):
    """(value, unit) of parameter NAME of a props gate entry, or (None, None)."""
    for p in entry.get("parameters", []):
        if p.get("name") == name:
            return p.get("value"), p.get("unit", "")
    return None, None


def seconds(value, unit):
    if value is None:
        return None
    return float(value) * UNIT_SCALE[unit]


def load_device(conf_path, props_path):
    conf = json.load(open(conf_path))
    props = json.load(open(props_path)) if os.path.exists(props_path) else None
    n = conf["n_qubits"]
    basis = list(conf["basis_gates"])
    edges = [tuple(e) for e in conf["coupling_map"]]
    g2 = next((g for g in PREFERRED_2Q if g in basis), None)
    if g2 is None:
        sys.exit("%s: no cx, cz, ecr or iswap in basis_gates" % conf_path)

    err1q = [None] * n
    dur1q = [None] * n
    ro = [None] * n
    err2q = [None] * len(edges)
    dur2q = [None] * len(edges)
    if props is not None:
        for q, plist in enumerate(props["qubits"]):
            for p in plist:
                if p.get("name") == "readout_error":
                    ro[q] = p.get("value")
        # 1q: sx when the basis has it, else the worst 1q basis gate.
        one_q = [g for g in basis if g in ONE_QUBIT]
        best = {}  # qubit -> (error, length)
        for g in props["gates"]:
            name, qs = g.get("gate"), g.get("qubits", [])
            if len(qs) != 1 or name not in one_q:
                continue
            e, _ = param(g, "gate_error")
            ln, unit = param(g, "gate_length")
            q = qs[0]
            if "sx" in basis:
                if name == "sx":
                    best[q] = (e, seconds(ln, unit))
            elif e is not None and (q not in best or best[q][0] is None or e > best[q][0]):
                best[q] = (e, seconds(ln, unit))
        for q, (e, ln) in best.items():
            err1q[q], dur1q[q] = e, ln
        index = {e: i for i, e in enumerate(edges)}
        for g in props["gates"]:
            qs = tuple(g.get("qubits", []))
            if g.get("gate") != g2 or qs not in index:
                continue
            e, _ = param(g, "gate_error")
            ln, unit = param(g, "gate_length")
            err2q[index[qs]] = e
            dur2q[index[qs]] = seconds(ln, unit)
    return dict(n=n, basis=basis, edges=edges, err1q=err1q, dur1q=dur1q, ro=ro,
                err2q=err2q, dur2q=dur2q, backend=conf.get("backend_name", ""),
                version=conf.get("backend_version", ""),
                date=(props or {}).get("last_update_date", ""))


def c_array(out, ctype, declarator, items, per_line):
    out.append("static const %s %s = {" % (ctype, declarator))
    for i in range(0, len(items), per_line):
        out.append("    " + ", ".join(items[i:i + per_line]) + ",")
    out.append("};")


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/targets"
    devices = []
    for conf_path in sorted(glob.glob(os.path.join(root, "*", "conf_*.json"))):
        x = os.path.basename(conf_path)[len("conf_"):-len(".json")]
        props_path = os.path.join(os.path.dirname(conf_path), "props_%s.json" % x)
        devices.append((x, load_device(conf_path, props_path)))
    if not devices:
        sys.exit("no conf_*.json under " + root)

    out = []
    out.append("/* target_devices.c -- GENERATED by tools/gen_devices.py; do not edit.")
    out.append(" *")
    out.append(" * Built-in device targets: qubit count, basis gates, directed coupling map")
    out.append(" * and one calibration snapshot of each backend below. The data comes from")
    out.append(" * the Qiskit backend configuration and properties files (conf_*.json,")
    out.append(" * props_*.json) of qiskit-ibm-runtime's fake provider, Copyright 2021 IBM")
    out.append(" * and its contributors, under the Apache License 2.0: see")
    out.append(" * io/LICENSE-qiskit-ibm-runtime.txt. The values are extracted, not changed;")
    out.append(" * doubles carry 17 significant digits.")
    out.append(" *")
    for x, d in devices:
        out.append(" *   %-11s %s %s, %d qubits, %d directed edges, calibrated %s"
                   % (x, d["backend"], d["version"], d["n"], len(d["edges"]), d["date"]))
    out.append(" */")
    out.append("#include <math.h>")
    out.append("")
    out.append('#include "target_internal.h"')
    for x, d in devices:
        out.append("")
        out.append("/* ---- %s ---- */" % x)
        c_array(out, "uint32_t", "%s_edges[][2]" % x,
                ["{%d, %d}" % e for e in d["edges"]], 8)
        for key in ("err1q", "ro", "dur1q", "err2q", "dur2q"):
            c_array(out, "double", "%s_%s[]" % (x, key), [fmt(v) for v in d[key]], 4)
    out.append("")
    out.append("const qtr_target_device qtr_target_devices[] = {")
    for x, d in devices:
        out.append('    {"%s", "%s", "%s %s, calibration %s",' % (x, d["backend"], d["backend"],
                                                                  d["version"], d["date"]))
        out.append('     %d, "%s", %d, %s_edges,' % (d["n"], ",".join(d["basis"]),
                                                     len(d["edges"]), x))
        out.append("     %s_err1q, %s_ro, %s_dur1q, %s_err2q, %s_dur2q}," % ((x,) * 5))
    out.append("    {0},")
    out.append("};")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
