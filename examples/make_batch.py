#!/usr/bin/env python3
"""make_batch.py -- write a qtranspile HDF5 batch (doc/hdf5-format.md) with
h5py and numpy only: no qtranspile code, no Qiskit.

    make_batch.py random OUT.h5 [-n 1000] [--qubits 2:8] [--gates 10:200] [--seed 1]
    make_batch.py sweep  OUT.h5 [--qubits 6] [--steps 16] [--layers 2] [--templates 1]
    make_batch.py qasm   OUT.h5 FILE.qasm ...

`random` packs random circuits as instruction records; `sweep` writes a
sweep file (doc/hdf5-format.md, "Sweeps"): QAOA-style ring templates with a
gamma and a beta parameter per layer, and for each the points of a
(gamma, beta) grid as its values, one row per point (transpiled once, then
bound: `qtranspile OUT.h5 -o results.h5 -t T [--bind | --per-instance]`);
`qasm` stores program texts as they are (a malformed one fails alone when
transpiled).

Then:  qtranspile OUT.h5 -o results.h5 -t heavy-hex:3 -O 1

The writer functions, write_columns(), write_qasm() and write_sweep(), are
meant to be copied into your own scripts.
"""
import argparse
import math
import os
import random
import sys

import h5py
import numpy as np

# One instruction record: the 16-byte qtr_inst of src/qtr.h.
INST = np.dtype([("op", "u1"), ("flags", "u1"), ("nargs", "<u2"),
                 ("q0", "<u4"), ("q1", "<u4"), ("p", "<u4")])
EXT = 1  # flags bit 0: operands in args[] (more than two of them)

# Gates this script emits and their parameter counts. Only these names go
# into /gate_names: op codes are indices into that list, whatever order.
GATES = {"h": 0, "x": 0, "sx": 0, "rz": 1, "rx": 1, "cx": 0, "cz": 0,
         "rzz": 1, "ccx": 0, "measure": 0, "barrier": 0}


def write_columns(path, circuits, compression="gzip"):
    """circuits: list of dicts with keys
         name     str
         nqubits  int
         nclbits  int
         ops      list of (gate, [operands], [params]); measure takes
                  [qubit, clbit]
       Writes storage "columns"."""
    names = sorted({g for c in circuits for g, _, _ in c["ops"]})
    code = {g: k for k, g in enumerate(names)}
    n = len(circuits)
    inst, params, args = [], [], []
    idx = {k: np.zeros(n, "<u8") for k in
           ("inst_start", "inst_count", "param_start", "param_count",
            "arg_start", "arg_count")}
    for i, c in enumerate(circuits):
        idx["inst_start"][i], idx["param_start"][i], idx["arg_start"][i] = \
            len(inst), len(params), len(args)
        p0, a0 = len(params), len(args)
        for g, qs, ps in c["ops"]:
            rec = [code[g], 0, len(qs), 0, 0, 0]
            pidx = len(params) - p0       # row-local index of the first param
            params.extend(float(x) for x in ps)
            if len(qs) <= 2:
                rec[3:3 + len(qs)] = qs
                rec[5] = pidx if ps else 0
            else:                          # wide: operands (+ param index) in args
                rec[1] = EXT
                rec[5] = len(args) - a0
                args.extend(qs)
                if ps:
                    args.append(pidx)
                rec[3], rec[4] = qs[0], qs[1]
            inst.append(tuple(rec))
        idx["inst_count"][i] = len(inst) - idx["inst_start"][i]
        idx["param_count"][i] = len(params) - p0
        idx["arg_count"][i] = len(args) - a0

    kw = dict(compression=compression, shuffle=True) if compression else {}
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "qtranspile-batch"
        f.attrs["format_version"] = 1
        f.attrs["content"] = "circuits"
        f["gate_names"] = np.array(names, dtype="S16")
        g = f.create_group("circuits")
        g.attrs["storage"] = "columns"
        g["name"] = np.array([c["name"] for c in circuits], dtype="S64")
        g["nqubits"] = np.array([c["nqubits"] for c in circuits], "<u4")
        g["nclbits"] = np.array([c["nclbits"] for c in circuits], "<u4")
        for k, v in idx.items():
            g.create_dataset(k, data=v, **kw)
        g.create_dataset("inst", data=np.array(inst, dtype=INST), **kw)
        g.create_dataset("params", data=np.array(params, "<f8"), **kw)
        g.create_dataset("args", data=np.array(args, "<u4"), **kw)
        # an optional cost estimate: qtranspile balances ranks with it
        g["cost"] = np.array([len(c["ops"]) * (1 + c["nqubits"] / 16)
                              for c in circuits], "<f8")


def write_qasm(path, texts, names):
    """Store OpenQASM 2 program texts (storage "qasm")."""
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "qtranspile-batch"
        f.attrs["format_version"] = 1
        f.attrs["content"] = "circuits"
        f["gate_names"] = np.array([], dtype="S16")   # text needs no op codes
        g = f.create_group("circuits")
        g.attrs["storage"] = "qasm"
        g.create_dataset("qasm", data=texts, dtype=h5py.string_dtype())
        g["name"] = np.array(names, dtype="S64")
        g["cost"] = np.array([t.count(";") for t in texts], "<f8")


def write_sweep(path, templates):
    """templates: list of (name, OpenQASM 3 text, parameter names, values)
    with values a rows x parameters array (columns in the order of the
    names; any order of names is fine)."""
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "qtranspile-batch"
        f.attrs["format_version"] = 1
        f.attrs["content"] = "sweep"
        g = f.create_group("sweep")
        g.attrs["templates"] = len(templates)
        g.create_dataset("name", data=[t[0] for t in templates], dtype=h5py.string_dtype())
        g.create_dataset("template", data=[t[1] for t in templates], dtype=h5py.string_dtype())
        for i, (_, _, names, values) in enumerate(templates):
            d = g.create_dataset(f"values/{i}", data=np.asarray(values, "<f8"))
            d.attrs["parameters"] = list(names)


def ring_qaoa_template(nq, layers):
    """A ring QAOA as OpenQASM 3 with inputs gamma_l, beta_l per layer."""
    names = [f"{p}_{l}" for l in range(layers) for p in ("gamma", "beta")]
    lines = ["OPENQASM 3.0;", 'include "stdgates.inc";']
    lines += [f"input float[64] {n};" for n in names]
    lines += [f"qubit[{nq}] q;", f"bit[{nq}] c;"]
    lines += [f"h q[{q}];" for q in range(nq)]
    for l in range(layers):
        for q in range(nq):  # rzz(2 gamma) on a ring edge (stdgates.inc has no rzz)
            a, b = q, (q + 1) % nq
            lines += [f"cx q[{a}], q[{b}];", f"rz(2*gamma_{l}) q[{b}];", f"cx q[{a}], q[{b}];"]
        lines += [f"rx(2*beta_{l}) q[{q}];" for q in range(nq)]
    lines.append("c = measure q;")
    return "\n".join(lines) + "\n", names


def random_circuit(rng, name, nq, ngates):
    ops = []
    for _ in range(ngates):
        r = rng.random()
        if r < 0.35 or nq < 2:
            g = rng.choice(["h", "x", "sx", "rz", "rx"])
            ops.append((g, [rng.randrange(nq)],
                        [rng.uniform(-math.pi, math.pi)] * GATES[g]))
        elif r < 0.9 or nq < 3:
            g = rng.choice(["cx", "cz", "rzz"])
            a, b = rng.sample(range(nq), 2)
            ops.append((g, [a, b], [rng.uniform(-math.pi, math.pi)] * GATES[g]))
        else:
            ops.append(("ccx", rng.sample(range(nq), 3), []))
    ops.append(("barrier", list(range(nq)), []))
    ops.extend(("measure", [q, q], []) for q in range(nq))
    return {"name": name, "nqubits": nq, "nclbits": nq, "ops": ops}


def span(text):
    a, _, b = text.partition(":")
    return int(a), int(b or a)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("random")
    r.add_argument("out")
    r.add_argument("-n", type=int, default=1000)
    r.add_argument("--qubits", type=span, default=(2, 8))
    r.add_argument("--gates", type=span, default=(10, 200))
    r.add_argument("--seed", type=int, default=1)
    s = sub.add_parser("sweep")
    s.add_argument("out")
    s.add_argument("--qubits", type=int, default=6)
    s.add_argument("--steps", type=int, default=16)
    s.add_argument("--layers", type=int, default=2)
    s.add_argument("--templates", type=int, default=1,
                   help="rings of QUBITS, QUBITS+1, ... qubits, each with the whole grid")
    q = sub.add_parser("qasm")
    q.add_argument("out")
    q.add_argument("files", nargs="+")
    a = ap.parse_args()

    if a.cmd == "random":
        rng = random.Random(a.seed)
        circs = [random_circuit(rng, f"rand_{i:06d}", rng.randint(*a.qubits),
                                rng.randint(*a.gates)) for i in range(a.n)]
        write_columns(a.out, circs)
    elif a.cmd == "sweep":
        grid = [(g, b) for g in np.linspace(0, math.pi, a.steps)
                for b in np.linspace(0, math.pi / 2, a.steps)]
        templates = []
        for k in range(a.templates):
            text, names = ring_qaoa_template(a.qubits + k, a.layers)
            values = [[g if n.startswith("gamma") else b for n in names] for g, b in grid]
            templates.append((f"ring{a.qubits + k}_p{a.layers}", text, names, values))
        write_sweep(a.out, templates)
        circs = grid * a.templates
    else:
        texts = [open(p, encoding="utf-8", errors="replace").read() for p in a.files]
        names = [os.path.splitext(os.path.basename(p))[0] for p in a.files]
        write_qasm(a.out, texts, names)
    print(f"{a.out}: {a.n if a.cmd == 'random' else len(circs) if a.cmd == 'sweep' else len(a.files)} "
          f"{'value rows' if a.cmd == 'sweep' else 'circuits'}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
