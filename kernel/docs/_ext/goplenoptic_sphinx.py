"""Sphinx extension for the goplenoptic site: a Go lexer that knows GoNB's
cell syntax, and links from prose mentions of API names to the API pages.

- ``go`` (and ``gonb``) code is highlighted by Pygments' Go lexer, extended so
  that GoNB's special lines (``%%`` starting a cell's main body, ``%flag``
  commands, ``!`` / ``!*`` shell lines) are lexed as such instead of as Go
  errors, which would make Sphinx drop highlighting for the whole cell.
- Inline code in prose that names a documented Go identifier (``synth.NewMetamer``,
  ``display.Imshow(...)``, ``synth.MetamerOptions{...}``, ``synth.Metamer.Synthesize``)
  becomes a link to its entry in the API reference. The API pages (written by
  kernel/cmd/apidoc) carry a MyST target per identifier, named as Go spells it;
  this post-transform looks the name up among the project's targets, so it
  works on every page, notebooks included, without editing any notebook.
"""
import re

from docutils import nodes
from pygments.lexer import bygroups, inherit, using
from pygments.lexers.go import GoLexer
from pygments.lexers.shell import BashLexer
from pygments.token import Comment, Error, Text, Whitespace
from sphinx.transforms.post_transforms import SphinxPostTransform


class _ShellLine(BashLexer):
    """Bash for the rest of a GoNB special line; what Bash cannot lex (an apostrophe
    in prose after `!echo`) is plain text, never an error token."""

    def get_tokens_unprocessed(self, text, *args, **kwargs):
        for index, token, value in super().get_tokens_unprocessed(text, *args, **kwargs):
            yield index, (Text if token in Error else token), value


class GoNBLexer(GoLexer):
    """Go, plus the lines GoNB gives a meaning of its own."""

    name = "Go (GoNB)"
    aliases = ["go", "golang", "gonb"]
    tokens = {
        "root": [
            # `%%` (optionally with flags) starts the body that GoNB wraps in main().
            (r"^(%%)([^\n]*)(\n|$)", bygroups(Comment.Preproc, using(_ShellLine), Whitespace)),
            # `%goflags ...`, `%help`, `%reset` and other GoNB commands.
            (r"^(%[A-Za-z_][\w-]*)([^\n]*)(\n|$)", bygroups(Comment.Preproc, using(_ShellLine), Whitespace)),
            # `!cmd` runs a shell command, `!*cmd` in the module's folder.
            (r"^(!\*?)([^\n]*)(\n|$)", bygroups(Comment.Preproc, using(_ShellLine), Whitespace)),
            inherit,
        ]
    }


# pkg.Name, pkg.Type.Method, with an optional call, literal or index after it.
API_NAME = re.compile(r"^([a-z][a-z0-9_]*)\.([A-Z]\w*)(?:\.([A-Z]\w*))?(?:[({\[].*)?$", re.S)
# Name or Type.Method alone: resolved in the package named last in the same paragraph
# ("`tools.MSE`/`EvalMSE`", "`display.PlotLoss`, `DisplayMetamer`").
BARE_NAME = re.compile(r"^([A-Z]\w*)(?:\.([A-Z]\w*))?(?:[({\[].*)?$", re.S)
# A package name alone (`store`).
PACKAGE = re.compile(r"^[a-z][a-z0-9_]*$")


class GoAPILinks(SphinxPostTransform):
    """Turn inline code naming a documented Go identifier or package into a link."""

    default_priority = 5
    formats = ("html",)

    def run(self, **kwargs):
        labels = self.env.get_domain("std").labels  # label -> (docname, id, title)
        docname = self.env.docname
        builder = self.app.builder
        last_pkg = {}  # paragraph -> package of its last qualified name

        def lookup(*candidates):
            for label in candidates:
                hit = labels.get(label.lower())
                if hit is not None and hit[0].startswith("api/"):
                    return hit
            return None

        for lit in list(self.document.findall(nodes.literal)):
            if self._inside_link_or_title(lit):
                continue
            text = lit.astext().strip()
            hit = None
            m = API_NAME.match(text)
            if m:
                pkg, name, member = m.groups()
                last_pkg[id(lit.parent)] = pkg
                hit = lookup(*([f"{pkg}.{name}.{member}"] if member else []), f"{pkg}.{name}")
            elif BARE_NAME.match(text) and id(lit.parent) in last_pkg:
                name, member = BARE_NAME.match(text).groups()
                pkg = last_pkg[id(lit.parent)]
                hit = lookup(*([f"{pkg}.{name}.{member}"] if member else []), f"{pkg}.{name}")
            elif PACKAGE.match(text):
                hit = lookup(f"package-{text}")
            if hit is None:
                continue
            todoc, labelid, _ = hit
            uri = "" if todoc == docname else builder.get_relative_uri(docname, todoc)
            ref = nodes.reference("", "", internal=True, refuri=f"{uri}#{labelid}", classes=["gp-apilink"])
            lit.replace_self(ref)
            ref.append(lit)

    @staticmethod
    def _inside_link_or_title(node):
        parent = node.parent
        while parent is not None:
            if isinstance(parent, (nodes.reference, nodes.title, nodes.rubric, nodes.literal_block)):
                return True
            parent = parent.parent
        return False


def setup(app):
    app.add_lexer("go", GoNBLexer)
    app.add_lexer("gonb", GoNBLexer)
    app.add_post_transform(GoAPILinks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
