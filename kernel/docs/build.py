#!/usr/bin/env python3
"""Build the documentation site from the executed notebooks (`make docs`).

Usage: build.py [--notebooks DIR] [--out DIR] [--sources NOTEBOOK...]

  --notebooks DIR  executed notebooks, as `make notebooks` writes them (default docs/notebooks)
  --out DIR        build folder (default docs/_build): the site is DIR/html, the staged
                   Sphinx sources DIR/src, Sphinx's cache DIR/doctrees
  --sources NB...  the notebooks that must all be in the site (make docs: notebooks/*.ipynb);
                   each needs an executed copy in --notebooks

It stages the Sphinx sources and runs Sphinx with kernel/docs/conf.py; nothing
is executed again. Staged are: the executed notebooks (notebooks/NAME.ipynb, in
TUTORIAL_ORDER, then by name), the API pages that kernel/cmd/apidoc writes
from the Go doc comments (api/), a thumbnail per notebook (its first figure),
the tutorials page, and the landing page (kernel/docs/index.md) filled with
README.md's introduction, its plenoptic → goplenoptic table and its speed
section, read at every build so that the two never drift apart.
"""
import argparse
import base64
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# Tutorials listed first, in this order; the other notebooks follow by name.
# A new notebook needs no entry here.
TUTORIAL_ORDER = ["introduction"]

# Packages with no API page: the kernel spec installer is set-up tooling, not a library.
APIDOC_EXCLUDE = ["github.com/goplenoptic/goplenoptic/kernel"]

# README.md sections shown on the landing page (matched by the start of their heading).
README_SECTIONS = {"@@NAME_MAP@@": "plenoptic → goplenoptic", "@@SPEED@@": "Speed"}


class BuildError(Exception):
    pass


# ---- notebooks -------------------------------------------------------------


def cell_source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def notebook_title_and_summary(nb, fallback):
    """The first '# ' heading of the notebook and the sentence(s) after it."""
    title, summary = None, ""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", cell_source(cell)) if p.strip()]
        for p in paragraphs:
            if title is None:
                if p.startswith("# "):
                    title = p.splitlines()[0][2:].strip()
                    rest = "\n".join(p.splitlines()[1:]).strip()
                    if rest:
                        p = rest
                    else:
                        continue
                else:
                    continue
            if not p.startswith(("#", "```", "|", "-", "*", "<", "$")):
                summary = first_sentences(" ".join(p.split()), 220)
                return title, summary
    return title or fallback, summary


def first_sentences(text, limit):
    sentences = re.split(r"(?<=[.!?])\s+", text)
    out = sentences[0]
    for s in sentences[1:]:
        if len(out) + 1 + len(s) > limit:
            break
        out += " " + s
    return out


DATA_IMG = re.compile(r"""<img[^>]+src=["']data:image/(png|jpeg|gif|svg\+xml);base64,([A-Za-z0-9+/=\s]+)["']""")


def first_figure(nb):
    """(extension, bytes) of the notebook's first figure output, or None."""
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            for mime, ext in (("image/png", "png"), ("image/jpeg", "jpg"), ("image/gif", "gif")):
                if mime in data:
                    v = data[mime]
                    return ext, base64.b64decode("".join(v) if isinstance(v, list) else v)
            if "image/svg+xml" in data:
                v = data["image/svg+xml"]
                return "svg", ("".join(v) if isinstance(v, list) else v).encode()
            if "text/html" in data:
                v = data["text/html"]
                m = DATA_IMG.search("".join(v) if isinstance(v, list) else v)
                if m:
                    ext = {"jpeg": "jpg", "svg+xml": "svg"}.get(m.group(1), m.group(1))
                    return ext, base64.b64decode(re.sub(r"\s", "", m.group(2)))
    return None


def ordered(names):
    first = [n for n in TUTORIAL_ORDER if n in names]
    return first + sorted(n for n in names if n not in TUTORIAL_ORDER)


# ---- README ----------------------------------------------------------------


def markdown_blocks(text):
    """Split Markdown into blocks (paragraphs, tables, fenced code) at blank lines."""
    blocks, cur, fence = [], [], None
    for line in text.splitlines():
        if fence:
            cur.append(line)
            if line.strip().startswith(fence):
                fence = None
            continue
        m = re.match(r"\s*(```+|~~~+)", line)
        if m:
            fence = m.group(1)
            cur.append(line)
            continue
        if line.strip() == "":
            if cur:
                blocks.append("\n".join(cur))
                cur = []
            continue
        cur.append(line)
    if cur:
        blocks.append("\n".join(cur))
    return blocks


def readme_sections(text):
    """{heading: body} of the '## ' sections, plus '' for the text before the first one."""
    sections, name, cur, fence = {}, "", [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fence = not fence
        if not fence and line.startswith("## "):
            sections[name] = "\n".join(cur).strip()
            name, cur = line[3:].strip(), []
            continue
        if not fence and line.startswith("# ") and name == "" and not cur:
            continue  # the title
        cur.append(line)
    sections[name] = "\n".join(cur).strip()
    return sections


LOCAL_LINK = re.compile(r"\[([^\]]+)\]\((?!https?:|mailto:|#)[^)]*\)")


def site_markdown(md):
    """README Markdown for the site: links to files of the repository become their text."""
    return LOCAL_LINK.sub(r"\1", md)


def readme_parts(readme_path):
    with open(readme_path, encoding="utf-8") as f:
        sections = readme_sections(f.read())
    blocks = markdown_blocks(sections.get("", ""))
    code = next((i for i, b in enumerate(blocks) if b.lstrip().startswith("```")), None)
    if code is None:
        raise BuildError(f"{readme_path}: no command block before the first section (the landing page shows it)")
    # The commands (with the sentences around them) and, put first, what comes after them.
    start = blocks[: code + 2]
    about = blocks[code + 2:]
    parts = {"@@ABOUT@@": site_markdown("\n\n".join(about)), "@@GET_STARTED@@": site_markdown("\n\n".join(start))}
    for marker, heading in README_SECTIONS.items():
        body = next((b for h, b in sections.items() if h.startswith(heading)), None)
        if not body:
            raise BuildError(f"{readme_path}: no '## {heading}' section (the landing page shows it)")
        parts[marker] = site_markdown(body)
    return parts


# ---- staging ---------------------------------------------------------------


def gallery(tutorials, prefix):
    """MyST for the tutorial cards; prefix is the path from the page to notebooks/."""
    lines = ["::::{container} gp-gallery"]
    for t in tutorials:
        lines.append(":::{container} gp-card")
        if t["thumb"]:
            thumb = ("../" if prefix == "" else "") + t["thumb"]
            lines += ["```{image} " + thumb, f":alt: {t['title']}", f":target: {prefix}{t['name']}.html",
                      ":class: gp-thumb", "```"]
        lines.append(f"**[{t['title']}]({prefix}{t['name']}.ipynb)**")
        lines.append("")
        if t["summary"]:
            lines += [t["summary"], ""]
        lines.append(":::")
    lines.append("::::")
    return "\n".join(lines)


def stage_files(notebooks_dir, sources):
    """{relative path: bytes} of the Sphinx sources."""
    files = {}
    paths = sorted(glob.glob(os.path.join(notebooks_dir, "*.ipynb")))
    if not paths:
        raise BuildError(f"no executed notebooks in {notebooks_dir}: run `make notebooks` first")
    if sources:
        for src in sources:
            executed = os.path.join(notebooks_dir, os.path.basename(src))
            if not os.path.exists(executed):
                raise BuildError(f"{src} has no executed copy in {notebooks_dir}: run `make notebooks`")
            if os.path.getmtime(src) > os.path.getmtime(executed):
                print(f"build.py: warning: {src} changed after {executed} was executed (run `make notebooks`)",
                      file=sys.stderr)
    tutorials = []
    by_name = {os.path.splitext(os.path.basename(p))[0]: p for p in paths}
    if "index" in by_name:
        raise BuildError("a notebook may not be named index.ipynb (the tutorials page is notebooks/index)")
    for name in ordered(list(by_name)):
        with open(by_name[name], "rb") as f:
            raw = f.read()
        try:
            nb = json.loads(raw)
        except ValueError as e:
            raise BuildError(f"{by_name[name]}: not a notebook: {e}")
        files[f"notebooks/{name}.ipynb"] = raw
        title, summary = notebook_title_and_summary(nb, name)
        fig = first_figure(nb)
        thumb = None
        if fig:
            thumb = f"_thumbs/{name}.{fig[0]}"
            files[thumb] = fig[1]
        tutorials.append({"name": name, "title": title, "summary": summary, "thumb": thumb})

    with open(os.path.join(HERE, "index.md"), encoding="utf-8") as f:
        landing = f.read()
    parts = readme_parts(os.path.join(ROOT, "README.md"))
    parts["@@TUTORIALS@@"] = gallery(tutorials, "notebooks/")
    for marker, text in parts.items():
        if marker not in landing:
            raise BuildError(f"kernel/docs/index.md lacks {marker}")
        landing = landing.replace(marker, text)
    files["index.md"] = landing.encode()

    files["notebooks/index.md"] = "\n".join([
        "# Tutorials", "",
        "The tutorial notebooks, executed headless on the GoNB kernel by `make notebooks`: every page",
        "shows the outputs of that run.", "",
        gallery(tutorials, ""), "",
        "```{toctree}", ":hidden:", ":maxdepth: 1", "",
        *[t["name"] for t in tutorials],
        "```", "",
    ]).encode()

    with tempfile.TemporaryDirectory() as api:
        cmd = ["go", "run", "./kernel/cmd/apidoc", "-out", api]
        for e in APIDOC_EXCLUDE:
            cmd += ["-exclude", e]
        r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if r.returncode != 0:
            raise BuildError(f"apidoc failed:\n{r.stdout}{r.stderr}")
        for name in sorted(os.listdir(api)):
            with open(os.path.join(api, name), "rb") as f:
                files[f"api/{name}"] = f.read()
    return files, tutorials


def sync(stage, files):
    """Make stage hold exactly files, rewriting only what changed (so Sphinx rebuilds only that)."""
    os.makedirs(stage, exist_ok=True)
    for rel, data in files.items():
        path = os.path.join(stage, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.exists(path):
            with open(path, "rb") as f:
                if f.read() == data:
                    continue
        with open(path, "wb") as f:
            f.write(data)
    for dirpath, _, names in os.walk(stage):
        for n in names:
            rel = os.path.relpath(os.path.join(dirpath, n), stage)
            if rel not in files:
                os.remove(os.path.join(dirpath, n))


def dir_size(path):
    return sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(path) for n in ns)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--notebooks", default=os.path.join(ROOT, "docs", "notebooks"))
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "_build"))
    ap.add_argument("--sources", nargs="*", default=None)
    args = ap.parse_args()
    start = time.time()
    try:
        files, tutorials = stage_files(args.notebooks, args.sources)
    except BuildError as e:
        print(f"build.py: {e}", file=sys.stderr)
        return 1
    stage = os.path.join(args.out, "src")
    html = os.path.join(args.out, "html")
    sync(stage, files)
    from sphinx.cmd.build import build_main

    status = build_main(["-b", "html", "-c", HERE, "-d", os.path.join(args.out, "doctrees"),
                         "-E", "-a", "-W", "--keep-going", "-q", stage, html])
    if status != 0:
        print("build.py: sphinx-build failed (warnings are errors; see above)", file=sys.stderr)
        return status
    print(f"build.py: {len(tutorials)} notebooks, {sum(r.startswith('api/') for r in files) - 1} API pages -> "
          f"{os.path.join(html, 'index.html')} ({dir_size(html) / 2**20:.1f} MiB, {time.time() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
