package main

import (
	"fmt"
	"io"

	"github.com/elfloader/elfloader/coverage"
)

func cmdCoveragePlan(args []string, stdout, stderr io.Writer) int {
	fs, format := newFormatFlagSet("coverage plan", stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: elfloader coverage plan [--format F] REPORT.json...

Plans what to implement next, over the coverage reports of several apps
(one report per app, as "elfloader coverage -o" writes them), in the manner
of Loupe: every syscall and sub-operation an app used that is missing, a
stub or partial is a need of that app. The needs are ranked so that
implementing them in order lets the most apps run as early as possible:
next comes the one that completes the most apps, then the one the most
apps need. Each row says how many apps need it, how many it unblocks and
how many apps would run after it (the cumulative curve; the HTML page
draws it).

Flags:
`)
		fs.PrintDefaults()
	}
	if st, ok := parseWithOperands(fs, args); !ok {
		return st
	}
	var inputs []coverage.PlanInput
	for _, path := range fs.Args() {
		r, err := coverage.ReadFile(path)
		if err != nil {
			fmt.Fprintf(stderr, "elfloader: coverage plan: %v\n", err)
			return 1
		}
		inputs = append(inputs, coverage.PlanInput{File: path, Report: r})
	}
	if err := coverage.RenderPlan(stdout, format.f, coverage.NewPlan(inputs)); err != nil {
		fmt.Fprintf(stderr, "elfloader: coverage plan: %v\n", err)
		return 1
	}
	return 0
}
