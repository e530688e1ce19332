package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/doc"
	"go/doc/comment"
	"go/parser"
	"go/printer"
	"go/token"
	"io"
	"regexp"
	"sort"
	"strings"
)

// site knows every package that gets a page, so that doc links between them
// ([models.Model] in synth) become links and the others stay plain text.
type site struct {
	pkgs  []*doc.Package
	names map[string]string // import path -> package name (= page name)
}

func newSite(pkgs []*doc.Package) *site {
	s := &site{names: map[string]string{}}
	for _, p := range pkgs {
		s.names[p.ImportPath] = p.Name
		s.pkgs = append(s.pkgs, p)
	}
	// The plenoptic/... packages first (the library), then the rest (display,
	// the notebook helpers), each group by import path.
	sort.SliceStable(s.pkgs, func(i, j int) bool {
		a, b := s.pkgs[i].ImportPath, s.pkgs[j].ImportPath
		if pa, pb := strings.Contains(a, "/plenoptic/"), strings.Contains(b, "/plenoptic/"); pa != pb {
			return pa
		}
		return a < b
	})
	return s
}

// target is the MyST target (label) of a documented name: the name as Go code
// spells it, qualified by the package name.
func target(pkg string, names ...string) string {
	return pkg + "." + strings.Join(names, ".")
}

// packageTarget is the MyST target of a package page.
func packageTarget(pkg string) string { return "package-" + pkg }

func (s *site) writeIndex(w io.Writer) {
	fmt.Fprint(w, "# API reference\n\n")
	fmt.Fprint(w, "One page per Go package, generated from the packages' doc comments and Example functions\n"+
		"by `kernel/cmd/apidoc` each time the site is built. Every name is also in the [index](#genindex).\n\n")
	fmt.Fprint(w, "| package | import path | |\n| --- | --- | --- |\n")
	for _, p := range s.pkgs {
		fmt.Fprintf(w, "| [%s](%s.md) | `%s` | %s |\n", p.Name, p.Name, p.ImportPath,
			strings.ReplaceAll(escapeText(p.Synopsis(p.Doc)), "|", `\|`))
	}
	fmt.Fprint(w, "\n```{toctree}\n:hidden:\n:maxdepth: 1\n\n")
	for _, p := range s.pkgs {
		fmt.Fprintln(w, p.Name)
	}
	fmt.Fprint(w, "```\n")
}

// pageWriter writes one package page.
type pageWriter struct {
	s    *site
	p    *doc.Package
	fset *token.FileSet
	w    io.Writer
}

func (s *site) writePackage(w io.Writer, p *doc.Package, fset *token.FileSet) {
	pw := &pageWriter{s: s, p: p, fset: fset, w: w}
	pw.page()
}

func (pw *pageWriter) printf(format string, args ...any) { fmt.Fprintf(pw.w, format, args...) }

func (pw *pageWriter) page() {
	p := pw.p
	pw.printf("(%s)=\n# %s\n\n", packageTarget(p.Name), p.Name)
	pw.index(p.Name + " (package)")
	pw.printf("```\nimport \"%s\"\n```\n\n", p.ImportPath)
	pw.printf("%s\n", pw.markdown(p.Doc, 3))
	pw.examples(p.Examples, "")

	if len(p.Consts) > 0 {
		pw.printf("## Constants\n\n")
		pw.values(p.Consts)
	}
	if len(p.Vars) > 0 {
		pw.printf("## Variables\n\n")
		pw.values(p.Vars)
	}
	if len(p.Funcs) > 0 {
		pw.printf("## Functions\n\n")
		for _, f := range p.Funcs {
			pw.function(f, "", 3)
		}
	}
	if len(p.Types) > 0 {
		pw.printf("## Types\n\n")
		for _, t := range p.Types {
			pw.typ(t)
		}
	}
}

func (pw *pageWriter) values(vs []*doc.Value) {
	for _, v := range vs {
		var entries []string
		for _, name := range v.Names {
			if token.IsExported(name) {
				pw.printf("(%s)=\n", target(pw.p.Name, name))
				entries = append(entries, fmt.Sprintf("%s (%s in %s)", name, v.Decl.Tok, pw.p.Name))
			}
		}
		pw.printf("\n")
		pw.index(entries...)
		pw.code(pw.decl(v.Decl))
		pw.printf("%s\n", pw.markdown(v.Doc, 4))
	}
}

func (pw *pageWriter) function(f *doc.Func, recv string, level int) {
	name := target(pw.p.Name, f.Name)
	heading := "func " + f.Name
	if recv != "" {
		name = target(pw.p.Name, recv, f.Name)
		heading = "func (" + pw.node(f.Decl.Recv.List[0].Type) + ") " + f.Name
	}
	pw.printf("(%s)=\n%s %s\n\n", name, strings.Repeat("#", level), heading)
	if recv != "" {
		pw.index(fmt.Sprintf("%s.%s (method in %s)", recv, f.Name, pw.p.Name))
	} else {
		pw.index(fmt.Sprintf("%s (func in %s)", f.Name, pw.p.Name))
	}
	pw.code(pw.decl(f.Decl))
	pw.printf("%s\n", pw.markdown(f.Doc, level+1))
	if recv != "" {
		pw.examples(f.Examples, recv+"."+f.Name)
	} else {
		pw.examples(f.Examples, f.Name)
	}
}

func (pw *pageWriter) typ(t *doc.Type) {
	pw.printf("(%s)=\n### type %s\n\n", target(pw.p.Name, t.Name), t.Name)
	pw.index(fmt.Sprintf("%s (type in %s)", t.Name, pw.p.Name))
	pw.code(pw.decl(t.Decl))
	pw.printf("%s\n", pw.markdown(t.Doc, 4))
	pw.examples(t.Examples, t.Name)
	pw.values(t.Consts)
	pw.values(t.Vars)
	for _, f := range t.Funcs {
		pw.function(f, "", 4)
	}
	for _, m := range t.Methods {
		pw.function(m, t.Name, 4)
	}
}

// index adds entries to the site's general index (genindex).
func (pw *pageWriter) index(entries ...string) {
	if len(entries) == 0 {
		return
	}
	for _, e := range entries {
		pw.printf("```{index} single: %s\n```\n", e)
	}
	pw.printf("\n")
}

// examples writes Example functions: their doc, code and expected output.
func (pw *pageWriter) examples(exs []*doc.Example, of string) {
	for _, ex := range exs {
		title := "Example"
		if of != "" {
			title += " of " + of
		}
		if ex.Suffix != "" {
			title += " (" + strings.ReplaceAll(ex.Suffix, "_", " ") + ")"
		}
		pw.printf("```{rubric} %s\n```\n\n", title)
		if ex.Doc != "" {
			pw.printf("%s\n", pw.markdown(ex.Doc, 5))
		}
		pw.code(pw.exampleCode(ex))
		if ex.Output != "" || ex.EmptyOutput {
			label := "Output:"
			if ex.Unordered {
				label = "Output (in any order):"
			}
			pw.printf("%s\n\n````text\n%s````\n\n", label, ensureNewline(ex.Output))
		}
	}
}

func ensureNewline(s string) string {
	if s == "" || strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}

// code writes a fenced Go block (four backticks, so that the code may hold three).
func (pw *pageWriter) code(src string) {
	pw.printf("````go\n%s\n````\n\n", untab(strings.TrimRight(src, "\n")))
}

// printConfig is gofmt's (tabs for indentation, spaces for alignment); the
// indentation tabs become four spaces in the page (see untab).
var printConfig = printer.Config{Mode: printer.UseSpaces | printer.TabIndent, Tabwidth: 8}

// untab replaces the leading tabs of every line by four spaces each, since
// browsers show a tab eight columns wide.
func untab(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		n := len(l) - len(strings.TrimLeft(l, "\t"))
		lines[i] = strings.Repeat("    ", n) + l[n:]
	}
	return strings.Join(lines, "\n")
}

// node prints an AST node without comments.
func (pw *pageWriter) node(n ast.Node) string {
	var b bytes.Buffer
	if err := printConfig.Fprint(&b, pw.fset, n); err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	return b.String()
}

// decl prints a declaration with the comments inside it (on struct fields,
// interface methods, grouped constants), which the printer takes from the
// nodes themselves, but without its doc comment (the page shows that as text).
// Fields that go/doc filtered out (unexported) are replaced by the printer's
// "contains filtered or unexported fields".
func (pw *pageWriter) decl(d ast.Decl) string {
	var node ast.Node = d
	switch d := d.(type) {
	case *ast.GenDecl:
		c := *d
		c.Doc = nil
		node = &c
	case *ast.FuncDecl:
		c := *d
		c.Doc, c.Body = nil, nil
		node = &c
	}
	var b bytes.Buffer
	if err := printConfig.Fprint(&b, pw.fset, node); err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	return b.String()
}

var outputComment = regexp.MustCompile(`(?m)^[ \t]*// ?(Unordered output|Output):`)

// exampleCode prints an example: the body of its function (without the
// braces and the output comment), or the whole file for a whole-file example.
func (pw *pageWriter) exampleCode(ex *doc.Example) string {
	var b bytes.Buffer
	if err := printConfig.Fprint(&b, pw.fset, &printer.CommentedNode{Node: ex.Code, Comments: ex.Comments}); err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	src := b.String()
	if loc := outputComment.FindStringIndex(src); loc != nil {
		src = src[:loc[0]]
		if _, isBlock := ex.Code.(*ast.BlockStmt); isBlock {
			src += "}"
		}
	}
	if _, isBlock := ex.Code.(*ast.BlockStmt); isBlock {
		src = strings.TrimSpace(src)
		src = strings.TrimSuffix(strings.TrimPrefix(src, "{"), "}")
		src = dedent(strings.Trim(src, "\n"))
	}
	return strings.TrimRight(src, " \n\t")
}

// dedent removes the indentation all non-blank lines share.
func dedent(s string) string {
	lines := strings.Split(s, "\n")
	common := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, " \t"))
		if common < 0 || n < common {
			common = n
		}
	}
	if common <= 0 {
		return s
	}
	for i, l := range lines {
		if len(l) >= common {
			lines[i] = l[common:]
		} else {
			lines[i] = strings.TrimLeft(l, " \t")
		}
	}
	return strings.Join(lines, "\n")
}

// markdown turns a doc comment into MyST Markdown with go/doc/comment's
// Markdown printer: doc links to documented packages become links to their
// targets, headings start at level.
func (pw *pageWriter) markdown(text string, level int) string {
	if strings.TrimSpace(text) == "" {
		return ""
	}
	pr := pw.p.Printer()
	pr.HeadingLevel = level
	pr.HeadingID = func(*comment.Heading) string { return "" } // MyST has no {#id} syntax
	pr.DocLinkURL = func(l *comment.DocLink) string {
		pkg := pw.p.Name
		if l.ImportPath != "" {
			var ok bool
			if pkg, ok = pw.s.names[l.ImportPath]; !ok {
				return "" // not documented here: plain text
			}
		}
		switch {
		case l.Name == "":
			return "#" + packageTarget(pkg)
		case l.Recv != "":
			return "#" + target(pkg, l.Recv, l.Name)
		default:
			return "#" + target(pkg, l.Name)
		}
	}
	return fenceCode(string(pr.Markdown(pw.p.Parser().Parse(text))))
}

// fenceCode rewrites the Markdown printer's code blocks (lines indented by a
// tab) as fenced blocks: "go" where the block parses as Go declarations or
// statements, "text" otherwise (tables, formulas, sample output), so that the
// Go lexer only sees Go. Outside code, '$' is escaped: MyST's dollarmath
// would read "$HOME ... $GOPLENOPTIC_FIGURES" as math.
func fenceCode(md string) string {
	lines := strings.Split(md, "\n")
	var out []string
	for i := 0; i < len(lines); {
		if !strings.HasPrefix(lines[i], "\t") {
			out = append(out, codeSpans(strings.ReplaceAll(lines[i], "$", `\$`)))
			i++
			continue
		}
		j := i
		var block []string
		for j < len(lines) && (strings.HasPrefix(lines[j], "\t") || lines[j] == "") {
			block = append(block, strings.TrimPrefix(lines[j], "\t"))
			j++
		}
		for len(block) > 0 && block[len(block)-1] == "" { // trailing blank lines stay outside
			block = block[:len(block)-1]
			j--
		}
		src := strings.Join(block, "\n")
		lang := "text"
		if isGo(src) {
			lang = "go"
		}
		out = append(out, "````"+lang, untab(src), "````")
		i = j
	}
	return strings.Join(out, "\n")
}

var (
	escapedSpan = regexp.MustCompile("\\\\`((?:[^`\\\\]|\\\\[^`])+)\\\\`")
	escapedChar = regexp.MustCompile(`\\([[:punct:]])`)
)

// codeSpans turns text the comment's author put between backticks (which the
// Markdown printer escapes, since doc comments have no code spans) into
// Markdown code spans: they read as code, and name references in them link.
func codeSpans(line string) string {
	return escapedSpan.ReplaceAllStringFunc(line, func(m string) string {
		inner := escapedChar.ReplaceAllString(m[2:len(m)-2], "$1")
		return "`" + inner + "`"
	})
}

// isGo reports whether src parses as Go declarations or statements.
func isGo(src string) bool {
	fset := token.NewFileSet()
	if _, err := parser.ParseFile(fset, "", "package p\n"+src, 0); err == nil {
		return true
	}
	_, err := parser.ParseFile(fset, "", "package p\nfunc _() {\n"+src+"\n}", 0)
	return err == nil
}

// escapeText escapes plain text for a Markdown table cell or paragraph.
func escapeText(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "$", `\$`, "<", `\<`)
	return r.Replace(s)
}
