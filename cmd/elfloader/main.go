package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"

	"github.com/elfloader/elfloader/kernel"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"run", "run a Linux x86-64 program on elfloader's kernel", cmdRun},
		{"inspect", "describe an ELF program: kind, interpreter, segments, libraries", cmdInspect},
		{"pack", "pack a directory, container image or program into an image file for run", cmdPack},
		{"syscalls", "print the syscall support table (text, markdown or JSON)", cmdSyscalls},
		{"coverage", "report the syscalls a program uses and how well they are served (also: report, diff, suite, explore)", cmdCoverage},
		{"version", "print the version", func([]string, io.Writer, io.Writer) int { fmt.Println("elfloader", version); return 0 }},
	}
}

func usage(w io.Writer) {
	fmt.Fprintf(w, `elfloader %s: run unmodified Linux x86-64 programs on a small kernel written in Go.

Usage:
  elfloader COMMAND [flags] [arguments]

Commands:
`, version)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, `
Run "elfloader COMMAND --help" for a command's flags.
Example:
  elfloader run /bin/busybox echo hello
`)
}

func main() {
	if path := os.Getenv("ELFLOADER_CPUPROFILE"); path != "" {
		// A developer aid: profile elfloader itself (the Go side of a run).
		if f, err := os.Create(path); err == nil {
			pprof.StartCPUProfile(f)
			status := mainWithArgs(os.Args[1:], os.Stdout, os.Stderr)
			pprof.StopCPUProfile()
			f.Close()
			os.Exit(status)
		}
	}
	os.Exit(mainWithArgs(os.Args[1:], os.Stdout, os.Stderr))
}

// mainWithArgs runs one command. A panic in elfloader itself (say, in the
// image reader under pack, inspect or run) ends it with one
// "elfloader: internal error" line and kernel.InternalErrorStatus, never a
// Go stack dump.
func mainWithArgs(args []string, stdout, stderr io.Writer) (status int) {
	defer func() {
		if r := recover(); r != nil {
			where := "elfloader"
			if len(args) > 0 {
				where += " " + args[0]
			}
			kernel.NewInternalError(where, r).Report(stderr)
			status = kernel.InternalErrorStatus
		}
	}()
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return 0
	case "-version", "--version":
		fmt.Fprintln(stdout, "elfloader", version)
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "elfloader: unknown command %q (see elfloader --help)\n", args[0])
	return 2
}

// parseFlags parses a subcommand's flags; it returns false and the exit
// status when the command must stop (help or a usage error).
func parseFlags(fs *flag.FlagSet, args []string) (int, bool) {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		return 0, false
	}
	if err != nil {
		return 2, false
	}
	return 0, true
}
