package main

import (
	"bytes"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

const demoSrc = `// Package demo is a test package.
//
// It links [Thing], [Thing.Do] and [other.Model], and names $HOME and $PATH.
//
// # Usage
//
//	plenoptic     goplenoptic
//	po.imshow     display.Imshow
package demo

import (
	"io"

	"example.com/other"
)

// Mode picks a mode.
type Mode string

// The modes.
const (
	// Fast is fast.
	Fast Mode = "fast"
	Slow Mode = "slow" // slow
)

// Thing does things, see ` + "`NewThing`" + `:
//
//	t := NewThing()
//	t.Do(nil)
type Thing struct {
	Name   string // the name
	hidden int
	Model  other.Model
}

// NewThing returns a Thing.
func NewThing() *Thing { return nil }

// Do does it.
func (t *Thing) Do(w io.Writer) error { return nil }

// Helper helps.
func Helper() {}
`

const demoTestSrc = `package demo_test

import "fmt"

// A new thing says hi.
func ExampleNewThing() {
	x := 1
	if x > 0 {
		fmt.Println("hi")
	}
	// Output:
	// hi
}

func ExampleThing_Do_second() {
	fmt.Println("x")
}
`

const otherSrc = `// Package other has models.
package other

// Model is a model.
type Model interface {
	// Forward runs it.
	Forward() error
}
`

func parsePackage(t *testing.T, importPath string, srcs ...string) (*doc.Package, *token.FileSet) {
	t.Helper()
	fset := token.NewFileSet()
	var files []*ast.File
	for i, src := range srcs {
		name := "a.go"
		if i > 0 {
			name = "a_test.go"
		}
		f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	p, err := doc.NewFromFiles(fset, files, importPath)
	if err != nil {
		t.Fatal(err)
	}
	return p, fset
}

func TestPackagePage(t *testing.T) {
	demo, fset := parsePackage(t, "example.com/demo", demoSrc, demoTestSrc)
	other, _ := parsePackage(t, "example.com/other", otherSrc)
	s := newSite([]*doc.Package{demo, other})
	var b bytes.Buffer
	s.writePackage(&b, demo, fset)
	page := b.String()
	for _, want := range []string{
		"(package-demo)=\n# demo\n",
		"import \"example.com/demo\"",
		"(demo.Thing)=\n### type Thing\n",
		"(demo.NewThing)=\n#### func NewThing\n",
		"(demo.Thing.Do)=\n#### func (*Thing) Do\n",
		"(demo.Helper)=\n### func Helper\n",
		"(demo.Fast)=\n(demo.Slow)=\n",
		"```{index} single: Thing.Do (method in demo)\n```",
		"```{index} single: Fast (const in demo)\n```",
		"    Name string // the name\n", // struct field comments kept, indented by four spaces
		"// contains filtered or unexported fields",
		"    // Fast is fast.\n    Fast Mode = \"fast\"",
		"[Thing](#demo.Thing)", "[Thing.Do](#demo.Thing.Do)", "[other.Model](#other.Model)",
		`names \$HOME and \$PATH`, // not math
		"see `NewThing`:",         // the author's backticks become a code span
		"### Usage",               // doc headings start at level 2 + 1 on the package
		"````text\nplenoptic     goplenoptic\npo.imshow     display.Imshow\n````", // not Go: no Go lexer
		"````go\nt := NewThing()\nt.Do(nil)\n````",
		"```{rubric} Example of NewThing\n```\n\nA new thing says hi.\n\n````go\nx := 1\nif x > 0 {\n    fmt.Println(\"hi\")\n}\n````\n\nOutput:\n\n````text\nhi\n````",
		"```{rubric} Example of Thing.Do (second)\n```",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, unwanted := range []string{"hidden", "// Output:", "{#hdr-"} {
		if strings.Contains(page, unwanted) {
			t.Errorf("the page has %q", unwanted)
		}
	}
	if t.Failed() {
		t.Logf("page:\n%s", page)
	}

	b.Reset()
	s.writeIndex(&b)
	index := b.String()
	for _, want := range []string{"| [demo](demo.md) | `example.com/demo` | Package demo is a test package. |",
		"```{toctree}\n:hidden:\n:maxdepth: 1\n\ndemo\nother\n```"} {
		if !strings.Contains(index, want) {
			t.Errorf("the index lacks %q:\n%s", want, index)
		}
	}
}

func TestDocLinkOutsideTheSiteIsText(t *testing.T) {
	demo, fset := parsePackage(t, "example.com/demo", demoSrc)
	s := newSite([]*doc.Package{demo}) // other is not documented here
	var b bytes.Buffer
	s.writePackage(&b, demo, fset)
	if page := b.String(); strings.Contains(page, "(#other.Model)") || !strings.Contains(page, "other.Model") {
		t.Errorf("a link to an undocumented package should be plain text")
	}
}

func TestSelectPackages(t *testing.T) {
	listed := []listedPackage{
		{ImportPath: "m/b", Name: "b", GoFiles: []string{"b.go"}},
		{ImportPath: "m/a", Name: "a", GoFiles: []string{"a.go"}},
		{ImportPath: "m/cmd/tool", Name: "main", GoFiles: []string{"main.go"}},
		{ImportPath: "m/internal/x", Name: "x", GoFiles: []string{"x.go"}},
		{ImportPath: "m/p/internal", Name: "internal", GoFiles: []string{"i.go"}},
		{ImportPath: "m/testonly", Name: "testonly", TestGoFiles: []string{"t_test.go"}},
		{ImportPath: "m/setup", Name: "setup", GoFiles: []string{"s.go"}},
	}
	got, err := selectPackages(listed, []string{"m/setup"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ImportPath != "m/a" || got[1].ImportPath != "m/b" {
		t.Errorf("selected %v, want m/a and m/b", got)
	}
	_, err = selectPackages(append(listed, listedPackage{ImportPath: "m/z/a", Name: "a", GoFiles: []string{"a.go"}}), nil)
	if err == nil || !strings.Contains(err.Error(), `both named "a"`) {
		t.Errorf("two packages named a: got %v, want an error", err)
	}
}

func TestFenceCode(t *testing.T) {
	md := "Text with $x$.\n\n\tx := 1\n\n\tif x > 0 {\n\t\tf(x)\n\t}\n\nMore.\n\n\t| a | b |\n"
	got := fenceCode(md)
	want := "Text with \\$x\\$.\n\n````go\nx := 1\n\nif x > 0 {\n    f(x)\n}\n````\n\nMore.\n\n````text\n| a | b |\n````\n"
	if got != want {
		t.Errorf("fenceCode:\n%q\nwant\n%q", got, want)
	}
}
