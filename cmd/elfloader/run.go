package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/plat/inproc"
)

func cmdRun(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	trace := fs.Bool("trace", false, "print every system call in strace's format (to stderr or --trace-file)")
	traceFile := fs.String("trace-file", "", "write the trace to `FILE` instead of stderr (implies --trace)")
	platform := fs.String("platform", "inproc", "execution platform: inproc")
	hostname := fs.String("hostname", "", "host name the app sees (default: the host's)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: elfloader run [flags] PROGRAM [ARGS...]

Loads PROGRAM (a Linux x86-64 ELF executable) itself and runs it, serving
every system call from elfloader's kernel. The exit status is the program's,
or 128+N when signal N killed it. elfloader's own messages on stderr start
with "elfloader:".

Flags:
`)
		fs.PrintDefaults()
	}
	if st, ok := parseFlags(fs, args); !ok {
		return st
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	if *platform != "inproc" {
		fmt.Fprintf(stderr, "elfloader: unknown platform %q (available: inproc)\n", *platform)
		return 2
	}
	p, err := inproc.New()
	if err != nil {
		fmt.Fprintf(stderr, "elfloader: %v\n", err)
		return 125
	}
	tb := newSyscallTable()
	if *trace || *traceFile != "" {
		var w io.Writer = stderr
		if *traceFile != "" {
			f, err := os.Create(*traceFile)
			if err != nil {
				fmt.Fprintf(stderr, "elfloader: %v\n", err)
				return 125
			}
			defer f.Close()
			w = f
		}
		tb.SetTrace(w)
	}
	host := *hostname
	if host == "" {
		host, _ = os.Hostname()
	}
	k, err := kernel.New(kernel.Config{
		Platform: p, Syscalls: tb,
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		Report: stderr, Hostname: host,
	})
	if err != nil {
		fmt.Fprintf(stderr, "elfloader: %v\n", err)
		return 125
	}
	prog := fs.Arg(0)
	spec := kernel.ExecSpec{Path: prog, Argv: fs.Args(), Envp: os.Environ()}
	if abs, err := filepath.Abs(prog); err == nil && filepath.Base(prog) == prog {
		// A bare name runs the file in the current directory, like ./NAME.
		spec.Path = abs
	}
	status, err := k.Run(context.Background(), spec)
	if err != nil {
		fmt.Fprintf(stderr, "elfloader: %v\n", oneLine(err))
		var le *kernel.LoadError
		if errors.As(err, &le) && le.Missing {
			return 127
		}
		return 126
	}
	return status
}

// oneLine keeps an error message to its first line.
func oneLine(err error) string {
	s := err.Error()
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	return s
}
