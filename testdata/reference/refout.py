"""Output of the parity-reference generators: one area's folder, testdata/reference/out/<area>/.

An index.json (meta, cases, scalars, vectors, texts) and raw little-endian .f32/.f64 arrays in C
order, the layout internal/reftest reads. The area generators (make_reference_<area>.py) share
these helpers:

    out = Area("pyramid")     # testdata/reference/out/pyramid
    out.clear()               # at the start: remove the area's previous arrays and index
    out.save("name", tensor)  # float32 (float64 arrays as .f64, or dtype=...)
    out.scalar(...), out.vector(...), out.text(...), out.meta.update({...})
    out.write()               # at the end: index.json, and a one-line summary
"""
import json
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def jsonable(v):
    """v with tensors, arrays and numpy numbers turned into JSON values."""
    if isinstance(v, torch.Tensor):
        v = v.detach().cpu()
        return v.item() if v.ndim == 0 else v.tolist()
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, (np.floating, np.integer)):
        return v.item()
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    return v


class Area:
    """The out/<name> folder of one generator and its index."""

    def __init__(self, name):
        self.name = name
        self.dir = os.path.join(HERE, "out", name)
        self.index = {"meta": {}, "cases": {}, "scalars": {}, "vectors": {}, "texts": {}}
        self.meta = self.index["meta"]

    def clear(self):
        os.makedirs(self.dir, exist_ok=True)
        for f in os.listdir(self.dir):
            if f.endswith((".f32", ".f64")) or f == "index.json":
                os.remove(os.path.join(self.dir, f))

    def save(self, name, arr, params=None, dtype=None):
        """An array as <name>.f32 (or .f64: float64 arrays, or dtype="float64"); "/" in the name
        becomes "__" in the file name."""
        assert name not in self.index["cases"], name
        if isinstance(arr, torch.Tensor):
            arr = arr.detach().cpu().numpy()
        arr = np.asarray(arr)
        if dtype is None:
            dtype = "float64" if arr.dtype == np.float64 else "float32"
        data, ext = (arr.astype("<f8"), ".f64") if dtype == "float64" else (arr.astype("<f4"), ".f32")
        fname = name.replace("/", "__") + ext
        with open(os.path.join(self.dir, fname), "wb") as f:
            f.write(np.ascontiguousarray(data).tobytes(order="C"))
        self.index["cases"][name] = {"file": fname, "dtype": dtype, "shape": list(arr.shape),
                                     "params": jsonable(params or {})}

    def save_complex(self, name, z, params=None):
        """A complex tensor as two float32 arrays <name>.re and <name>.im."""
        self.save(name + ".re", z.real, params, dtype="float32")
        self.save(name + ".im", z.imag, params, dtype="float32")

    def scalar(self, name, value):
        assert name not in self.index["scalars"], name
        if isinstance(value, torch.Tensor):
            value = value.detach().cpu().item()
        self.index["scalars"][name] = float(value)

    def vector(self, name, values):
        assert name not in self.index["vectors"], name
        if isinstance(values, torch.Tensor):
            values = values.detach().cpu().reshape(-1).tolist()
        self.index["vectors"][name] = [float(v) for v in values]

    def text(self, name, lines):
        assert name not in self.index["texts"], name
        self.index["texts"][name] = [str(x) for x in lines]

    def write(self):
        with open(os.path.join(self.dir, "index.json"), "w") as f:
            json.dump(self.index, f, indent=1, sort_keys=True)
            f.write("\n")
        total = sum(os.path.getsize(os.path.join(self.dir, x)) for x in os.listdir(self.dir))
        ix = self.index
        print(f"{self.name}: wrote {len(ix['cases'])} arrays, {len(ix['scalars'])} scalars, "
              f"{len(ix['vectors'])} vectors, {len(ix['texts'])} texts to {self.dir} ({total / 2**20:.2f} MiB)")
