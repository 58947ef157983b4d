package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/shim"
	"github.com/elfloader/elfloader/shim/strace"

	flag "github.com/spf13/pflag"
)

// traceOptions are the strace options of `elfloader trace`, under
// strace's letters.
type traceOptions struct {
	follow      bool
	expr        string
	callTime    bool
	fdNames     bool
	timestamps  int
	stringLimit int
	summary     bool
	output      string
	platform    string
}

func (to *traceOptions) register(fs *flag.FlagSet) {
	fs.BoolVarP(&to.follow, "follow-forks", "f", false, "trace the threads and child processes the program creates")
	fs.StringVarP(&to.expr, "expr", "e", "", "qualifying `EXPR`: trace=NAME[,NAME...] (or !NAME... to exclude), all, none")
	fs.BoolVarP(&to.callTime, "syscall-times", "T", false, "show the time spent in each call")
	fs.BoolVarP(&to.fdNames, "decode-fds", "y", false, "print the path or object each file descriptor refers to: 3</etc/hostname>")
	fs.CountVarP(&to.timestamps, "timestamps", "t", "prefix each line with the time of day (-tt: with microseconds, -ttt: seconds since the epoch)")
	fs.IntVarP(&to.stringLimit, "string-limit", "s", strace.DefaultStringLimit, "show at most `N` bytes of each string")
	fs.BoolVarP(&to.summary, "summary-only", "c", false, "count time, calls and errors per syscall and print a summary table instead of the calls")
	fs.StringVarP(&to.output, "output", "o", "", "write the trace to `FILE` instead of stderr")
	fs.StringVar(&to.platform, "platform", "inproc", platformHelp)
}

// callFilter parses strace's "-e trace=SET" into the predicate
// TraceOptions.Calls wants (nil: every call).
func callFilter(expr string) (func(nr uint64) bool, error) {
	if expr == "" {
		return nil, nil
	}
	set, ok := strings.CutPrefix(expr, "trace=")
	if !ok && strings.Contains(expr, "=") {
		return nil, fmt.Errorf("-e %q: only trace=SET is supported", expr)
	}
	negate := strings.HasPrefix(set, "!")
	set = strings.TrimPrefix(set, "!")
	chosen := map[uint64]bool{}
	all := false
	for _, name := range strings.Split(set, ",") {
		switch name {
		case "all":
			all = true
			continue
		case "none", "":
			continue
		}
		if strings.HasPrefix(name, "%") || strings.HasPrefix(name, "/") || strings.HasPrefix(name, "?") {
			return nil, fmt.Errorf("-e trace=%s: syscall classes and patterns are not supported, give names", name)
		}
		nr, ok := linux.SyscallNumber(name)
		if !ok {
			return nil, fmt.Errorf("-e trace: invalid system call %q", name)
		}
		chosen[nr] = true
	}
	return func(nr uint64) bool { return (all || chosen[nr]) != negate }, nil
}

func cmdTrace(g *globalOptions, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("trace")
	fs.SetOutput(stderr)
	var to traceOptions
	to.register(fs)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: elfloader trace [-f] [-e trace=SET] [-T] [-t|-tt|-ttt] [-s N] [-y] [-c] [-o FILE] PROGRAM [ARGS...]

Runs PROGRAM as "elfloader run" does and prints its system calls, signals
and exits in strace's format, with strace's option letters. elfloader's
kernel serves every call, so the trace shows what the program asked and
what it got; the loader's own work before the program's first instruction
(mapping it, its interpreter and its stack) is not a system call of the
program and is not shown.

Flags:
`)
		printVisibleDefaults(fs)
	}
	if st, ok := parseFlags(fs, args); !ok {
		return st
	}
	if fs.NArg() == 0 {
		fmt.Fprintf(stderr, "elfloader trace: give a PROGRAM (see elfloader trace --help)\n")
		return flagErrorStatus
	}
	calls, err := callFilter(to.expr)
	if err != nil {
		fmt.Fprintf(stderr, "elfloader trace: %v\n", err)
		return flagErrorStatus
	}
	var w io.Writer = stderr
	if to.output != "" {
		f, err := os.Create(to.output)
		if err != nil {
			fmt.Fprintf(stderr, "elfloader: %v\n", err)
			return 125
		}
		defer f.Close()
		w = f
	}
	opts := shim.TraceOptions{
		Printer:   strace.Printer{StringLimit: to.stringLimit},
		Calls:     calls,
		Timestamp: min(to.timestamps, shim.TimestampEpoch),
		CallTime:  to.callTime,
		FDNames:   to.fdNames,
	}
	if !to.follow {
		// The first process takes elfloader's own pid (see kernel.New).
		opts.OnlyTID = os.Getpid()
	}
	if to.summary {
		opts.Summary = &strace.Summary{}
	}
	tracer := shim.NewTracer(w, opts)
	o := defaultRunOptions()
	o.platform = to.platform
	status := runProgram(o, fs.Args(), hooks{prepare: func(tb *shim.Table) { tb.SetTracer(tracer) }}, stderr)
	if opts.Summary != nil {
		opts.Summary.WriteTo(w)
	}
	return status
}

// defaultRunOptions are the options of `run` without flags.
func defaultRunOptions() *runOptions {
	var o runOptions
	o.register(flag.NewFlagSet("defaults", flag.ContinueOnError))
	return &o
}
