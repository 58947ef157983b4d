package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/elfloader/elfloader/coverage"
)

func cmdCoverageSuite(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("coverage suite")
	fs.SetOutput(stderr)
	format := formatFlag{coverage.FormatText}
	fs.Var(&format, "format", formatUsage())
	parallel := fs.Int("parallel", runtime.NumCPU(), "run at most `N` commands at a time")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: elfloader coverage suite [--format F] [--parallel N] SUITE-FILE

Runs every command of SUITE-FILE natively and under "elfloader run",
compares stdout, stderr (without elfloader's own lines) and the exit status,
and classifies each command: pass, fail, crash (killed by a signal under
elfloader only), timeout (hit its time limit under elfloader) or error. The
result ends with the pass rate and the merged syscall coverage of the runs
under elfloader. Exit status: 0 when every command passes, 1 otherwise.

A suite file has one command per line, with optional options first:
  # a comment
  /bin/busybox true
  expect=1 /bin/busybox false
  timeout=2m python3 -c 'print("hello")'
Quoting follows the POSIX shell without expansion; the default timeout is %s.

Flags:
`, coverage.DefaultTimeout)
		fs.PrintDefaults()
	}
	if st, ok := parseFlags(fs, args); !ok {
		return st
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	entries, err := coverage.ReadSuiteFile(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "elfloader: coverage suite: %v\n", err)
		return 2
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "elfloader: coverage suite: finding elfloader itself: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	native := coverage.ExecRunner{}
	under := elfloaderRunner(coverage.ExecRunner{
		Prefix:       []string{self, "run"},
		CoverageArgs: func(path string) []string { return []string{"--coverage-out", path, "--"} },
	})
	result := coverage.RunSuite(ctx, entries, native.Run, under, max(*parallel, 1))
	if err := coverage.RenderSuite(stdout, format.f, result); err != nil {
		fmt.Fprintf(stderr, "elfloader: coverage suite: %v\n", err)
		return 1
	}
	if result.Passed != len(result.Results) {
		return 1
	}
	return 0
}

// elfloaderRunner runs commands under `elfloader run` and turns the status
// 128+N that elfloader reports for a program killed by signal N back into
// that signal, using the run recorded in the child's coverage report (which
// knows whether the program exited or was killed).
func elfloaderRunner(x coverage.ExecRunner) coverage.Runner {
	return func(ctx context.Context, argv []string, timeout time.Duration) (coverage.Outcome, error) {
		out, err := x.Run(ctx, argv, timeout)
		if err != nil || out.Signal != 0 || out.TimedOut || out.Coverage == nil || len(out.Coverage.Runs) == 0 {
			return out, err
		}
		if run := out.Coverage.Runs[len(out.Coverage.Runs)-1]; run.Signal != 0 && out.ExitStatus == 128+run.Signal {
			out.Signal, out.ExitStatus = run.Signal, 0
		}
		return out, nil
	}
}
