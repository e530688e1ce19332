"""Sphinx configuration of the goplenoptic documentation site.

kernel/docs/build.py stages the sources (landing page, executed notebooks, API
pages) under docs/_build/src and runs Sphinx with this folder as its
configuration folder (-c kernel/docs); see kernel/docs/README.md.

Sphinx + myst-nb rather than Jupyter Book 2 / mystmd: mystmd downloads its web
theme at build time, and neither this project's machines nor CI reach anything
but the package registries. Sphinx, myst-nb and pydata-sphinx-theme are plain
PyPI packages (pinned in kernel/requirements.txt) whose themes ship every asset.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(HERE, "_ext"))

project = "goplenoptic"
copyright = "the goplenoptic authors"
author = "the goplenoptic authors"

extensions = ["myst_nb", "goplenoptic_sphinx"]

# Notebooks are executed by `make notebooks` (kernel/execute.py), never here.
nb_execution_mode = "off"
nb_merge_streams = True
nb_output_stderr = "show"
# myst-nb would load require.js and the widget manager from CDNs for notebooks
# with widget state; there are no widgets, and nothing may come from the network.
nb_ipywidgets_js = {}
myst_enable_extensions = ["colon_fence", "dollarmath", "amsmath"]
myst_heading_anchors = 3

# Blocks that name no language (in a notebook's prose) stay plain: lexing them as
# Go could fail (warnings are errors). Code cells are Go (the notebooks' kernel
# language, with GoNB's lines: _ext/goplenoptic_sphinx.py); apidoc fences Go code
# as go and the rest as text.
highlight_language = "none"

# MathJax served from the site itself: kernel/setup.sh unpacks the pinned npm
# package into .local/docs-static/mathjax/, copied into _static/ below.
DOCS_STATIC = os.environ.get("GOPLENOPTIC_DOCS_STATIC", os.path.join(ROOT, ".local", "docs-static"))
if not os.path.isfile(os.path.join(DOCS_STATIC, "mathjax", "tex-mml-chtml.js")):
    raise RuntimeError(f"MathJax is missing from {DOCS_STATIC}/mathjax: run `make setup`")
mathjax_path = "mathjax/tex-mml-chtml.js"

html_theme = "pydata_sphinx_theme"
html_title = "goplenoptic"
html_static_path = ["_static", DOCS_STATIC]
html_css_files = ["goplenoptic.css"]
html_copy_source = False  # the executed notebooks are megabytes of base64 images
html_show_sourcelink = False
html_theme_options = {
    "logo": {"text": "goplenoptic"},
    "navbar_end": ["theme-switcher"],
    "secondary_sidebar_items": ["page-toc"],
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "navigation_with_keys": False,
}
html_sidebars = {"index": [], "genindex": [], "search": []}
html_context = {"default_mode": "auto"}  # light or dark, as the browser prefers
templates_path = ["_templates"]

suppress_warnings = ["myst.header"]  # notebook headings may skip a level
