package main

import (
	"fmt"
	"io"

	"github.com/elfloader/elfloader/coverage"
)

func cmdCoverageReport(args []string, stdout, stderr io.Writer) int {
	fs, format := newFormatFlagSet("coverage report", stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: elfloader coverage report [--format F] REPORT.json...

Merges coverage reports (written by "elfloader coverage --out" or
"--format json") and renders the result: counts and results add up, runs
are listed in order, levels come from the newest report.

Flags:
`)
		fs.PrintDefaults()
	}
	if st, ok := parseWithOperands(fs, args); !ok {
		return st
	}
	var merged coverage.Report
	for i, path := range fs.Args() {
		r, err := coverage.ReadFile(path)
		if err != nil {
			fmt.Fprintf(stderr, "elfloader: coverage report: %v\n", err)
			return 1
		}
		if i == 0 {
			merged = r
		} else {
			merged = coverage.Merge(merged, r)
		}
	}
	merged.Normalize()
	if err := coverage.Render(stdout, format.f, merged); err != nil {
		fmt.Fprintf(stderr, "elfloader: coverage report: %v\n", err)
		return 1
	}
	return 0
}

func cmdCoverageDiff(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("coverage diff")
	fs.SetOutput(stderr)
	format := fs.String("format", "text", "output format: text or json")
	failWorse := fs.Bool("fail-on-regression", false, "exit 1 when NEW is less supported than OLD (a syscall moved to a lower level, or a new one below full)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: elfloader coverage diff [--format text|json] OLD.json NEW.json

Shows what changed between two coverage reports: syscalls added and
removed, support levels, call counts and results.

Flags:
`)
		fs.PrintDefaults()
	}
	if st, ok := parseFlags(fs, args); !ok {
		return st
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return 2
	}
	old, err := coverage.ReadFile(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "elfloader: coverage diff: %v\n", err)
		return 1
	}
	cur, err := coverage.ReadFile(fs.Arg(1))
	if err != nil {
		fmt.Fprintf(stderr, "elfloader: coverage diff: %v\n", err)
		return 1
	}
	d := coverage.Diff(old, cur)
	switch *format {
	case "text", "table":
		err = coverage.WriteDiffText(stdout, d)
	case "json":
		err = coverage.WriteDiffJSON(stdout, d)
	default:
		fmt.Fprintf(stderr, "elfloader: coverage diff: unknown format %q (text or json)\n", *format)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "elfloader: coverage diff: %v\n", err)
		return 1
	}
	if *failWorse && !d.Improved() {
		return 1
	}
	return 0
}
