#!/usr/bin/env python3
"""Execute notebooks headless on the project's gonb kernel.

Usage: execute.py [--timeout SECONDS] [--out DIR] [--jobs N] NOTEBOOK...

Each notebook runs top to bottom through nbclient with a per-cell timeout and
is written, with its outputs, to DIR (default: next to the input, as
NAME.executed.ipynb... unless --out is given). A cell that fails (an error
output, or a timeout) stops the run: the cell's source and error are printed
and the exit status is 1.
"""
import argparse
import os
import re
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError


# GoNB reports a cell program that exits non-zero (nb.Must stops a cell that way) with a
# line "exit status N" on stderr, and a panic with "panic:".
FAILED_PROGRAM = re.compile(r"^(exit status \d+|panic:)", re.MULTILINE)


def error_outputs(nb):
    """Yield (index, cell, output) for every error output in nb."""
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                yield i, cell, out
            elif out.get("output_type") == "stream" and out.get("name") == "stderr" and FAILED_PROGRAM.search(out.get("text", "")):
                yield i, cell, out


class CellProgramFailed(Exception):
    """A cell's program exited non-zero (GoNB shows no error output for it)."""


def stop_on_failed_program(cell, cell_index, execute_reply):
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream" and out.get("name") == "stderr" and FAILED_PROGRAM.search(out.get("text", "")):
            raise CellProgramFailed(f"cell {cell_index} failed")


def run(path, out_path, timeout):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="gonb",
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}},
        allow_errors=False,
        on_cell_executed=stop_on_failed_program,
    )
    start = time.time()
    failed = None
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, CellProgramFailed) as e:
        failed = e
    nbformat.write(nb, out_path)
    elapsed = time.time() - start
    problems = list(error_outputs(nb))
    if failed is not None or problems:
        print(f"FAILED {path} after {elapsed:.0f}s (partial output in {out_path})", file=sys.stderr)
        if failed is not None:
            print(str(failed)[-6000:], file=sys.stderr)
        for i, cell, out in problems:
            text = out.get("text") or "\n".join(out.get("traceback", [])) or out.get("evalue", "")
            print(f"--- cell {i} ---\n{cell.source}\n--- error ---\n{text[-4000:]}", file=sys.stderr)
        return False
    print(f"executed {path} -> {out_path} in {elapsed:.0f}s")
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--timeout", type=int, default=1200, help="per-cell timeout in seconds")
    ap.add_argument("--out", default=None, help="folder for executed notebooks")
    ap.add_argument("--jobs", type=int, default=1, help="notebooks executed at once (each on its own kernel)")
    ap.add_argument("notebooks", nargs="+")
    args = ap.parse_args()
    if args.jobs > 1 and len(args.notebooks) > 1:
        sys.exit(0 if run_parallel(args) else 1)
    ok = True
    for path in args.notebooks:
        base = os.path.basename(path)
        out_dir = args.out or os.path.dirname(os.path.abspath(path))
        os.makedirs(out_dir, exist_ok=True)
        out_path = os.path.join(out_dir, base if args.out else base.replace(".ipynb", ".executed.ipynb"))
        ok = run(path, out_path, args.timeout) and ok
    sys.exit(0 if ok else 1)


def run_parallel(args):
    """Execute the notebooks args.jobs at a time, each by a child execute.py,
    longest first (by the number of code cells), and print each child's report."""
    import subprocess

    def cells(path):
        try:
            return sum(1 for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
        except Exception:
            return 0

    todo = sorted(args.notebooks, key=cells, reverse=True)
    running, ok = [], True
    base = [sys.executable, os.path.abspath(__file__), "--timeout", str(args.timeout)]
    if args.out:
        base += ["--out", args.out]
    while todo or running:
        while todo and len(running) < args.jobs:
            path = todo.pop(0)
            running.append((path, subprocess.Popen(base + [path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)))
        path, proc = running.pop(0)
        out, _ = proc.communicate()
        sys.stdout.write(out)
        ok = ok and proc.returncode == 0
    return ok


if __name__ == "__main__":
    main()
