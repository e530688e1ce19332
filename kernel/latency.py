#!/usr/bin/env python3
"""Cell latency inside the gonb kernel: the time of a changed cell (compile + run).

Usage: latency.py [--repeat N] [--goflags=FLAGS]

Executes a small notebook on the project's gonb kernel: the set-up cell, one
that imports goplenoptic's notebook layer and display (as the tutorials do),
then N changed `fmt.Println` cells and N changed one-image `nb.Imshow` cells,
and prints the median and range of each kind, from the cells' execution
times (nbclient's iopub/shell timestamps). --goflags runs the kernel with
another GOFLAGS (e.g. "-buildvcs=false" to see the cost without the link
flags the kernel spec sets).
"""
import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

import nbformat
from nbclient import NotebookClient

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPLACE = ("!*go mod edit -replace=github.com/goplenoptic/goplenoptic=$GOPLENOPTIC_ROOT "
           "-require=github.com/goplenoptic/goplenoptic@v0.0.0-00010101000000-000000000000")


class Clock:
    """Wall time of each cell, from nbclient's hooks around its execution
    (the kernel's own timestamps have one-second resolution)."""

    def __init__(self):
        self.start, self.seconds = {}, {}

    def begin(self, cell, cell_index):
        self.start[cell_index] = time.perf_counter()

    def end(self, cell, cell_index, execute_reply):
        self.seconds[cell_index] = time.perf_counter() - self.start[cell_index]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--goflags", default=None)
    args = ap.parse_args()

    data_dir = os.path.join(ROOT, ".local", "jupyter")
    tmp = tempfile.mkdtemp(prefix="goplenoptic-latency-")
    try:
        if args.goflags is not None:  # a kernel spec of our own with other GOFLAGS
            spec_dir = os.path.join(tmp, "jupyter", "kernels", "gonb")
            shutil.copytree(os.path.join(data_dir, "kernels", "gonb"), spec_dir)
            path = os.path.join(spec_dir, "kernel.json")
            spec = json.load(open(path))
            spec["env"]["GOFLAGS"] = args.goflags
            json.dump(spec, open(path, "w"))
            data_dir = os.path.join(tmp, "jupyter")
        os.environ["JUPYTER_DATA_DIR"] = data_dir
        cells = [REPLACE,
                 'import (\n\t"fmt"\n\n\t"github.com/goplenoptic/goplenoptic/display"\n'
                 '\t"github.com/goplenoptic/goplenoptic/plenoptic/nb"\n)\n\nvar img = nb.Einstein()\n\n%%\nfmt.Println(0)']
        kinds = ["setup", "imports"]
        for i in range(args.repeat):
            cells.append(f"%%\nfmt.Println({i + 1})")
            kinds.append("fmt.Println")
        for i in range(args.repeat):
            cells.append(f'%%\nnb.Imshow(img, display.ImshowOptions{{Title: "{i}"}})')
            kinds.append("nb.Imshow")
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
        nb.metadata["kernelspec"] = {"display_name": "Go (gonb)", "language": "go", "name": "gonb"}
        clock = Clock()
        client = NotebookClient(nb, timeout=600, kernel_name="gonb", resources={"metadata": {"path": tmp}},
                                on_cell_execute=clock.begin, on_cell_executed=clock.end)
        client.execute()
        times = {}
        for i, (kind, cell) in enumerate(zip(kinds, nb.cells)):
            for out in cell.outputs:
                if out.get("output_type") == "error" or (out.get("name") == "stderr" and "exit status" in out.get("text", "")):
                    print(f"cell failed: {cell.source}\n{out}", file=sys.stderr)
                    sys.exit(1)
            times.setdefault(kind, []).append(clock.seconds.get(i))
        flags = args.goflags if args.goflags is not None else "the kernel spec's"
        print(f"cell latency inside the gonb kernel (GOFLAGS: {flags}; load {os.getloadavg()[0]:.2f}):")
        for kind in ["imports", "fmt.Println", "nb.Imshow"]:
            ts = [t for t in times[kind] if t is not None]
            print(f"  {kind:<12} median {statistics.median(ts):.2f} s  (min {min(ts):.2f}, max {max(ts):.2f}, n={len(ts)})")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
