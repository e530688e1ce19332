#!/usr/bin/env python3
"""Build HTML pages from executed notebooks, plus an index that links them.

Usage: build_docs.py OUT_DIR EXECUTED_NOTEBOOK...
"""
import html
import os
import sys

import nbformat
from nbconvert import HTMLExporter


def title_of(nb, fallback):
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def main():
    out_dir, notebooks = sys.argv[1], sys.argv[2:]
    os.makedirs(out_dir, exist_ok=True)
    exporter = HTMLExporter(template_name="lab")
    entries = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        body, _ = exporter.from_notebook_node(nb)
        name = os.path.splitext(os.path.basename(path))[0] + ".html"
        with open(os.path.join(out_dir, name), "w", encoding="utf-8") as f:
            f.write(body)
        entries.append((name, title_of(nb, name)))
        print(f"wrote {os.path.join(out_dir, name)}")
    items = "\n".join(f'  <li><a href="{html.escape(n)}">{html.escape(t)}</a></li>' for n, t in entries)
    with open(os.path.join(out_dir, "index.html"), "w", encoding="utf-8") as f:
        f.write(f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>goplenoptic notebooks</title></head>
<body>
<h1>goplenoptic notebooks</h1>
<p>Executed with the gonb kernel; each page shows the outputs of its last run.</p>
<ul>
{items}
</ul>
</body></html>
""")
    print(f"wrote {os.path.join(out_dir, 'index.html')}")


if __name__ == "__main__":
    main()
