package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/elfloader/elfloader/container"
	"github.com/elfloader/elfloader/elfloader"
)

func cmdInspect(g *globalOptions, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("inspect")
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print JSON instead of text")
	listFiles := fs.Bool("files", false, "with an image: list its files")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: elfloader inspect [--json] PROGRAM
       elfloader inspect [--json] [--files] APP.img

Describes an ELF program: its kind (static, static-pie, dynamic, dynamic-pie),
interpreter, entry point, loadable segments, TLS, stack, needed libraries.
Describes an elfloader image: its config, sizes, digests and files.

Flags:
`)
		fs.PrintDefaults()
	}
	if st, ok := parseFlags(fs, args); !ok {
		return st
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	if _, err := os.Stat(fs.Arg(0)); err != nil && isAppName(fs.Arg(0)) {
		return inspectApp(g, fs.Arg(0), stdout, stderr)
	}
	if container.LooksLikeImage(fs.Arg(0)) {
		return inspectImage(fs.Arg(0), *listFiles, *asJSON, stdout, stderr)
	}
	b, err := elfloader.ParseFile(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "elfloader: %v\n", oneLine(err))
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(b); err != nil {
			fmt.Fprintf(stderr, "elfloader: %v\n", err)
			return 1
		}
		return 0
	}
	if err := b.Describe(stdout); err != nil {
		fmt.Fprintf(stderr, "elfloader: %v\n", err)
		return 1
	}
	return 0
}
