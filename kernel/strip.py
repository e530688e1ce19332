#!/usr/bin/env python3
"""Write notebooks without their outputs (what notebooks/ tracks).

Usage: strip.py NOTEBOOK... [--out DIR]   (default: in place)
"""
import argparse
import os

import nbformat


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="+")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    for path in args.notebooks:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
                cell.metadata.pop("execution", None)
        out = os.path.join(args.out, os.path.basename(path)) if args.out else path
        nbformat.write(nb, out)
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
