// Command gonbkernel installs the project's gonb kernel spec:
//
//	go run ./kernel/cmd/gonbkernel install [--root DIR]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/goplenoptic/goplenoptic/kernel"
)

func main() {
	if len(os.Args) < 2 || os.Args[1] != "install" {
		fmt.Fprintln(os.Stderr, "usage: gonbkernel install [--root DIR]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet("install", flag.ExitOnError)
	root := fs.String("root", ".", "root of the goplenoptic checkout")
	_ = fs.Parse(os.Args[2:])
	abs, err := filepath.Abs(*root)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	path, err := kernel.Install(abs)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("[setup] gonb kernel spec written to", path)
}
