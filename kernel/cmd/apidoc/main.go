// Command apidoc writes goplenoptic's API reference as MyST Markdown, one page
// per public package, for the documentation site that `make docs` builds with
// Sphinx (kernel/docs/build.py runs it):
//
//	go run ./kernel/cmd/apidoc -out DIR [-exclude IMPORTPATH]... [PACKAGES]
//
// PACKAGES (default ./...) is resolved with `go list`; commands (package
// main), internal packages, packages with only test files and the -exclude
// ones are left out. DIR receives index.md (the list of packages) and
// NAME.md for each package: its doc comment, constants, variables, functions,
// types with their methods, and the Example functions of its tests (code and
// expected output). Every documented name gets a MyST target named like Go
// code spells it (synth.NewMetamer, synth.Metamer.Synthesize), which the
// site's cross-linking turns prose mentions into links to.
//
// Why go/doc and not gomarkdoc: go/doc and go/doc/comment are the standard
// library's own reading of doc comments (the ones pkg.go.dev and `go doc`
// use), so there is nothing to install or pin, doc links ([Metamer],
// [models.Model]) resolve the same way as everywhere else, and this small
// program has full control of the MyST it writes (targets for cross-links,
// code fences with the Go lexer, examples with their output), which a
// generic Markdown generator does not give.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// listedPackage is the part of `go list -json` that apidoc reads.
type listedPackage struct {
	ImportPath   string
	Name         string
	Dir          string
	GoFiles      []string
	CgoFiles     []string
	TestGoFiles  []string
	XTestGoFiles []string
}

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func main() {
	out := flag.String("out", "", "folder for the Markdown pages (created; required)")
	var exclude stringList
	flag.Var(&exclude, "exclude", "import path to leave out (repeatable)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: apidoc -out DIR [-exclude IMPORTPATH]... [PACKAGES]")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	patterns := flag.Args()
	if len(patterns) == 0 {
		patterns = []string{"./..."}
	}
	if err := run(*out, patterns, exclude); err != nil {
		fmt.Fprintln(os.Stderr, "apidoc:", err)
		os.Exit(1)
	}
}

func run(out string, patterns, exclude []string) error {
	listed, err := goList(patterns)
	if err != nil {
		return err
	}
	pkgs, err := selectPackages(listed, exclude)
	if err != nil {
		return err
	}
	if len(pkgs) == 0 {
		return fmt.Errorf("no public package matches %v", patterns)
	}
	docs := make([]*doc.Package, len(pkgs))
	fsets := make([]*token.FileSet, len(pkgs))
	for i, lp := range pkgs {
		if docs[i], fsets[i], err = loadPackage(lp); err != nil {
			return err
		}
	}
	site := newSite(docs)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for i, p := range docs {
		var b bytes.Buffer
		site.writePackage(&b, p, fsets[i])
		if err := os.WriteFile(filepath.Join(out, p.Name+".md"), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	var b bytes.Buffer
	site.writeIndex(&b)
	if err := os.WriteFile(filepath.Join(out, "index.md"), b.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Printf("apidoc: %d package pages in %s\n", len(docs), out)
	return nil
}

// goList runs `go list -json` on patterns and decodes its stream of objects.
func goList(patterns []string) ([]listedPackage, error) {
	cmd := exec.Command("go", append([]string{"list", "-json"}, patterns...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list %v: %v\n%s", patterns, err, stderr.String())
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(bytes.NewReader(raw))
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}

// selectPackages keeps the packages a user imports: not commands, not
// internal, not test-only, not excluded. Their names must be distinct, since
// pages and targets are named after them (synth.md, synth.NewMetamer).
func selectPackages(listed []listedPackage, exclude []string) ([]listedPackage, error) {
	skip := map[string]bool{}
	for _, e := range exclude {
		skip[e] = true
	}
	var keep []listedPackage
	byName := map[string]string{}
	for _, p := range listed {
		if p.Name == "main" || skip[p.ImportPath] || isInternal(p.ImportPath) || len(p.GoFiles)+len(p.CgoFiles) == 0 {
			continue
		}
		if other, ok := byName[p.Name]; ok {
			return nil, fmt.Errorf("packages %s and %s are both named %q: exclude one (-exclude)", other, p.ImportPath, p.Name)
		}
		if p.Name == "index" {
			return nil, fmt.Errorf("package %s is named index, which is the API index page's name", p.ImportPath)
		}
		byName[p.Name] = p.ImportPath
		keep = append(keep, p)
	}
	sort.Slice(keep, func(i, j int) bool { return keep[i].ImportPath < keep[j].ImportPath })
	return keep, nil
}

func isInternal(importPath string) bool {
	for _, elem := range strings.Split(importPath, "/") {
		if elem == "internal" {
			return true
		}
	}
	return false
}

// loadPackage parses a package with its test files (where the examples are).
func loadPackage(lp listedPackage) (*doc.Package, *token.FileSet, error) {
	fset := token.NewFileSet()
	var files []*ast.File
	for _, group := range [][]string{lp.GoFiles, lp.CgoFiles, lp.TestGoFiles, lp.XTestGoFiles} {
		for _, name := range group {
			f, err := parser.ParseFile(fset, filepath.Join(lp.Dir, name), nil, parser.ParseComments)
			if err != nil {
				return nil, nil, err
			}
			files = append(files, f)
		}
	}
	p, err := doc.NewFromFiles(fset, files, lp.ImportPath)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", lp.ImportPath, err)
	}
	return p, fset, nil
}
