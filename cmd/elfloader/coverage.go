package main

import (
	"fmt"
	flag "github.com/spf13/pflag"
	"io"
	"os"

	"github.com/elfloader/elfloader/coverage"
)

// coverageSubcommands are the verbs of `elfloader coverage`; anything else
// is a program run.
func coverageSubcommands() map[string]func(args []string, stdout, stderr io.Writer) int {
	return map[string]func(args []string, stdout, stderr io.Writer) int{
		"report":  cmdCoverageReport,
		"diff":    cmdCoverageDiff,
		"suite":   cmdCoverageSuite,
		"explore": cmdCoverageExplore,
		"plan":    cmdCoveragePlan,
	}
}

func cmdCoverage(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		if sub, ok := coverageSubcommands()[args[0]]; ok {
			return sub(args[1:], stdout, stderr)
		}
	}
	return cmdCoverageRun(args, stdout, stderr)
}

func cmdCoverageRun(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("coverage")
	fs.SetOutput(stderr)
	var o runOptions
	o.register(fs)
	format := formatFlag{coverage.FormatText}
	fs.Var(&format, "format", formatUsage())
	out := fs.StringP("out", "o", "", "merge the report into the JSON report `FILE` (created if missing) instead of printing it; the program's output then goes to elfloader's stdout and stderr")
	profileOut := fs.String("profile-out", "", "write the profile of what the run used to `FILE` (for run --profile)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage:
  elfloader coverage [run flags] [--format F] [--out FILE] [--profile-out FILE] -- PROGRAM [ARGS...]
  elfloader coverage report [--format F] REPORT.json...
  elfloader coverage diff [--format text|json] OLD.json NEW.json
  elfloader coverage suite [--format F] [--parallel N] SUITE-FILE
  elfloader coverage explore [--check CMD] [--duration D] [--repeat N] [--parallel N] -- PROGRAM [ARGS...]
  elfloader coverage plan [--format F] REPORT.json...

Runs PROGRAM under elfloader like "elfloader run" and records every system
call it makes: name and number, sub-operation (ioctl request, fcntl command,
futex op, socket family, mmap flags...), count, results by errno, the
handler's support level and the first call site. The report goes to stdout
when the program ends, or is merged into --out FILE (a one-line summary
then goes to stderr). The program's output never mixes with the report:
with --out it goes to elfloader's stdout and stderr; when the report goes
to stdout (no --out, or --out with --format), the program's stdout goes to
elfloader's stderr. The exit status is the program's.

Run "elfloader coverage SUBCOMMAND --help" for report, diff, suite, explore and plan.
The report format is documented in docs/coverage-schema.md.

Flags:
`)
		printVisibleDefaults(fs)
	}
	if st, ok := parseFlags(fs, args); !ok {
		return st
	}
	if o.needsFull() {
		return execFull("--net=sandbox", stderr)
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	formatSet := false
	fs.Visit(func(f *flag.Flag) { formatSet = formatSet || f.Name == "format" })
	o.coverageOut = "" // the command records the run itself
	if *out == "" || formatSet {
		o.appStdout = os.Stderr // stdout is the report's alone
	}

	argv := fs.Args()
	rec := newCoverageRecording(&o, argv)
	var rep coverage.Report
	h := hooks{observer: rec.observer, prepare: rec.prepare, finish: func(status int) { rep = rec.report(status) }}
	status := runProgram(&o, argv, h, stderr)
	if !rec.ran {
		return status // the program did not run; runProgram said why
	}
	if *profileOut != "" {
		if err := coverage.FromReport(rep).Save(*profileOut); err != nil {
			fmt.Fprintf(stderr, "elfloader: coverage: %v\n", err)
			return exitFailure(status)
		}
	}
	if *out != "" {
		merged, err := coverage.MergeIntoFile(*out, rep)
		if err != nil {
			fmt.Fprintf(stderr, "elfloader: coverage: %v\n", err)
			return exitFailure(status)
		}
		fmt.Fprintf(stderr, "elfloader: coverage: %s; merged into %s, which now has %s\n", reportSummary(rep), *out, reportSummary(merged))
		if !formatSet {
			return status
		}
		rep = merged
	}
	if err := coverage.Render(stdout, format.f, rep); err != nil {
		fmt.Fprintf(stderr, "elfloader: coverage: %v\n", err)
		return exitFailure(status)
	}
	return status
}

// exitFailure keeps a failing program's status, and turns success into 1
// when elfloader itself failed afterwards.
func exitFailure(status int) int {
	if status == 0 {
		return 1
	}
	return status
}

// reportSummary is "12 syscalls, 345 calls (1 missing, 2 stub)".
func reportSummary(r coverage.Report) string {
	s := fmt.Sprintf("%d syscalls, %d calls", len(r.Syscalls), r.TotalCalls())
	counts := r.LevelCounts()
	var parts []string
	for _, level := range []string{coverage.LevelMissing, coverage.LevelStub, coverage.LevelPartial} {
		if n := counts[level]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, level))
		}
	}
	if len(parts) > 0 {
		s += " ("
		for i, p := range parts {
			if i > 0 {
				s += ", "
			}
			s += p
		}
		s += ")"
	}
	return s
}
