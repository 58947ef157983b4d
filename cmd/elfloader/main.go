package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"

	"github.com/elfloader/elfloader/kernel"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

// globalOptions are the flags given before the command, as runc's:
// elfloader --root DIR ps. containerd's runc shim gives runc's global
// flags to every OCI command: --log, --log-format, --systemd-cgroup,
// --debug, --criu and --rootless are accepted (oci.go).
type globalOptions struct {
	root          string // runtime state directory of detached apps and containers
	log           string // --log: the OCI commands' log file (runc's)
	logFormat     string // --log-format: text or json
	systemdCgroup bool   // --systemd-cgroup: accepted and ignored with a note
	debug         bool
}

// stateRoot is the runtime directory: --root, else $XDG_RUNTIME_DIR/elfloader,
// else /run/elfloader.
func (g *globalOptions) stateRoot() string {
	if g.root != "" {
		return g.root
	}
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "elfloader")
	}
	return "/run/elfloader"
}

// globalValueFlags are the global flags that take a value, and where it
// goes; criu and rootless are runc's, accepted and ignored.
func (g *globalOptions) valueFlags() map[string]*string {
	var ignored string
	return map[string]*string{"root": &g.root, "log": &g.log, "log-format": &g.logFormat, "criu": &ignored, "rootless": &ignored}
}

// parseGlobal takes the global flags off args ("--root DIR", "--root=DIR"
// or with one dash).
func parseGlobal(args []string) (*globalOptions, []string, error) {
	g := &globalOptions{}
	values := g.valueFlags()
	bools := map[string]*bool{"systemd-cgroup": &g.systemdCgroup, "debug": &g.debug}
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		name, value, hasValue := strings.Cut(strings.TrimLeft(args[0], "-"), "=")
		switch {
		case values[name] != nil && hasValue:
			*values[name], args = value, args[1:]
		case values[name] != nil:
			if len(args) < 2 {
				return nil, nil, fmt.Errorf("flag needs an argument: %s", args[0])
			}
			*values[name], args = args[1], args[2:]
		case bools[name] != nil && !hasValue:
			*bools[name], args = true, args[1:]
		default:
			return g, args, nil
		}
	}
	return g, args, nil
}

func commands(g *globalOptions) []command {
	withGlobals := func(f func(*globalOptions, []string, io.Writer, io.Writer) int) func([]string, io.Writer, io.Writer) int {
		return func(args []string, stdout, stderr io.Writer) int { return f(g, args, stdout, stderr) }
	}
	return []command{
		{"run", "run a Linux x86-64 program on elfloader's kernel", withGlobals(cmdRun)},
		{"trace", "run a program and print its system calls like strace (-f, -e trace=, -T, -tt, -s, -y, -c, -o)", withGlobals(cmdTrace)},
		{"ps", "list detached apps", withGlobals(cmdPs)},
		{"logs", "print a detached app's output (-f: follow it)", withGlobals(cmdLogs)},
		{"stop", "stop a detached app (SIGTERM, then SIGKILL after a grace period)", withGlobals(cmdStop)},
		{"rm", "remove a stopped detached app's state", withGlobals(cmdRm)},
		{"create", "OCI runtime: create a container from a bundle, its init waiting for start (runc's create)", withGlobals(cmdCreate)},
		{"start", "OCI runtime: start a created container", withGlobals(cmdStart)},
		{"state", "OCI runtime: print a container's state as JSON", withGlobals(cmdState)},
		{"exec", "OCI runtime: run a process over a running container's root filesystem and mounts", withGlobals(cmdExec)},
		{"kill", "OCI runtime: send a signal to a container's init", withGlobals(cmdKill)},
		{"delete", "OCI runtime: delete a stopped container (-f: kill it first)", withGlobals(cmdDelete)},
		{"features", "OCI runtime: print what the runtime supports as JSON", cmdFeatures},
		{"inspect", "describe an ELF program, an image or a detached app", withGlobals(cmdInspect)},
		{"pack", "pack a directory, container image or program into an image file for run", cmdPack},
		{"syscalls", "print the syscall support table (text, markdown or JSON)", cmdSyscalls},
		{"coverage", "report the syscalls a program uses and how well they are served (also: report, diff, suite, explore, plan)", cmdCoverage},
		{"version", "print the version", func([]string, io.Writer, io.Writer) int { fmt.Println("elfloader", version); return 0 }},
	}
}

func usage(w io.Writer) {
	fmt.Fprintf(w, `elfloader %s: run unmodified Linux x86-64 programs on a small kernel written in Go.

Usage:
  elfloader [--root DIR] COMMAND [flags] [arguments]

Commands:
`, version)
	for _, c := range commands(&globalOptions{}) {
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
	if path := os.Getenv("ELFLOADER_ALLOCPROFILE"); path != "" {
		// A developer aid: where elfloader allocates (every allocation
		// sampled, so slower), for the "no allocation per syscall" work.
		runtime.MemProfileRate = 1
		status := mainWithArgs(os.Args[1:], os.Stdout, os.Stderr)
		if f, err := os.Create(path); err == nil {
			pprof.Lookup("allocs").WriteTo(f, 0)
			f.Close()
		}
		os.Exit(status)
	}
	if path := os.Getenv("ELFLOADER_BLOCKPROFILE"); path != "" {
		// A developer aid: where elfloader's goroutines wait in Go
		// (channels, selects, mutexes): a task's goroutine that parks
		// costs host context switches to wake, since it is locked to its
		// thread.
		runtime.SetBlockProfileRate(1)
		status := mainWithArgs(os.Args[1:], os.Stdout, os.Stderr)
		if f, err := os.Create(path); err == nil {
			pprof.Lookup("block").WriteTo(f, 0)
			f.Close()
		}
		os.Exit(status)
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
	g, args, err := parseGlobal(args)
	if err != nil {
		fmt.Fprintf(stderr, "elfloader: %v\n", err)
		return flagErrorStatus
	}
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
	if args[0] == ociInitCommand {
		return cmdOCIInit(g, args[1:], stdout, stderr)
	}
	for _, c := range commands(g) {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "elfloader: unknown command %q (see elfloader --help)\n", args[0])
	return 2
}
