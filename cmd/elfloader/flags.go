package main

// Command-line flags, on github.com/spf13/pflag: GNU-style short and long
// flags (-e/--env, -v/--volume …) as docker's and runc's users type them.
// Every flag of `run` is defined in registerRunFlags below, in one table, so
// that a new one is one line here.

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	flag "github.com/spf13/pflag"

	"github.com/elfloader/elfloader/kernel"
)

// flagErrorStatus is the exit status of a command line elfloader cannot
// parse: docker's 125, so that it never looks like the app's own status.
const flagErrorStatus = 125

// register adds the flags of every command that runs a program (run,
// coverage).
func (o *runOptions) register(fs *flag.FlagSet) {
	// What the app sees: docker run's flags.
	fs.VarP(&o.envs, "env", "e", "set `NAME=VALUE` in the app's environment (NAME alone copies elfloader's value; repeatable)")
	fs.Var(&o.envFiles, "env-file", "read NAME=VALUE lines from `FILE` into the app's environment (repeatable)")
	fs.VarP((*multiFlag)(&o.fs.Volumes), "volume", "v", "mount host directory `HOST:GUEST[:rw|ro]` into the app (read-only unless :rw; repeatable)")
	fs.StringVarP(&o.fs.Workdir, "workdir", "w", "", "initial working `DIR` in the app, created if missing (default: the image's, or the current directory when --root is /)")
	fs.StringVarP(&o.user, "user", "u", "", "run as `USER` (uid[:gid] or name[:group], looked up in the app's /etc/passwd)")
	fs.Func("entrypoint", "run `PROGRAM` instead of the image's entrypoint (\"\" clears it; the image's cmd is dropped); with a PROGRAM, run this one with PROGRAM ARGS as its arguments", func(s string) error {
		o.entrypoint = &s
		return nil
	})
	fs.BoolVarP(&o.interactive, "interactive", "i", false, "keep stdin attached (always the case in the foreground; with -d the app's stdin is /dev/null unless -i)")
	fs.BoolVarP(&o.tty, "tty", "t", false, "give the app a terminal: a new pseudo-terminal when elfloader's stdin is not one")
	fs.BoolVar(&o.fs.ReadOnly, "read-only", false, "refuse writes to the root filesystem with EROFS instead of keeping them in memory (/tmp, /dev and :rw volumes stay writable)")
	fs.StringVar(&o.net, "network", "host", "network: host (the host's network stack), none (loopback and unix sockets only), sandbox (a TCP/IP stack of the app's own; see -p) or sandbox:outbound (its connections also leave through host sockets)")
	fs.StringVar(&o.net, "net", "host", "same as --network")
	o.sandboxNet.register(fs)
	fs.StringVar(&o.hostname, "hostname", "", "host name the app sees (default: the host's)")
	fs.StringVar(&o.name, "name", "", "`NAME` of a detached app (for ps, logs, stop, rm, inspect; default: a generated one)")
	fs.BoolVarP(&o.detach, "detach", "d", false, "run in the background; print the app's name (see elfloader ps)")
	fs.BoolVar(&o.rm, "rm", false, "remove the app's state when it exits (detached apps; a foreground run keeps none)")
	fs.StringVar(&o.restart, "restart", "no", "`POLICY` when the app exits or crashes on its own: no, on-failure[:N] (restart after a non-zero status, at most N times) or always (never after the app's power-off or a SIGINT/SIGTERM/SIGQUIT from the user)")
	fs.IntVar(&o.restartLimit, "restart-limit", defaultRestartLimit, "at most `N` restarts in a row, whether the app asked with reboot(2) or --restart did")
	fs.IntVar(&o.stopTimeout, "stop-timeout", int(kernel.DefaultShutdownGrace/time.Second), "`SECONDS` between the SIGTERM and the SIGKILL when the app powers off or restarts with reboot(2)")
	fs.StringVar(&o.fs.Root, "root", "/", "host `DIR` the app sees as / (read-only; writes go to memory)")
	// elfloader's own.
	fs.BoolVar(&o.trace, "trace", false, "print every system call in strace's format (to stderr or --trace-file)")
	fs.StringVar(&o.traceFile, "trace-file", "", "write the trace to `FILE` instead of stderr (implies --trace)")
	fs.StringVar(&o.platform, "platform", "inproc", platformHelp)
	o.rewrite = "lazy"
	fs.Func("rewrite", "fast syscall path `MODE` (--platform=inproc only): off (every syscall traps), lazy (rewrite a site once it has trapped 32 times: start-up sites that run a few times stay traps) or eager (also scan new code) (default lazy)", func(v string) error {
		o.rewrite, o.rewriteSet = v, true
		return nil
	})
	fs.BoolVar(&o.debug, "debug", false, "log elfloader's own decisions (host confinement, …) to stderr")
	fs.BoolVar(&o.unsafeNoHostFilter, "unsafe-no-host-filter", false, "turn off the host kernel's enforcement: no Landlock on app threads (only :rw volumes writable) and no seccomp filter on elfloader (only the host calls elfloader needs)")
	o.registerCoverage(fs)
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
func (m *multiFlag) Type() string       { return "stringArray" }

// interspersedCommands take flags after their operands ("pack DIR -o
// x.img"); the others stop at the first operand, which starts the app's
// own command line.
var interspersedCommands = map[string]bool{"pack": true}

// newFlagSet returns a command's flag set; errors are reported by
// parseFlags.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetInterspersed(interspersedCommands[name])
	fs.SortFlags = false
	return fs
}

// parseFlags parses a subcommand's flags; it returns false and the exit
// status when the command must stop: 0 after --help, flagErrorStatus after
// one "elfloader:" line naming the bad flag (and the flag meant, when one
// is close).
func parseFlags(fs *flag.FlagSet, args []string) (int, bool) {
	usage := fs.Usage
	fs.Usage = func() {}
	err := fs.Parse(longSingleDash(fs, args))
	fs.Usage = usage
	if errors.Is(err, flag.ErrHelp) {
		if usage != nil {
			usage()
		}
		return 0, false
	}
	if err != nil {
		fmt.Fprintf(fs.Output(), "elfloader %s: %s (see elfloader %s --help)\n", fs.Name(), flagError(fs, err), fs.Name())
		return flagErrorStatus, false
	}
	return 0, true
}

// parseWithOperands is parseFlags for a command that needs operands: with
// none it prints the usage and stops with status 2.
func parseWithOperands(fs *flag.FlagSet, args []string) (int, bool) {
	if st, ok := parseFlags(fs, args); !ok {
		return st, false
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2, false
	}
	return 0, true
}

// flagError words a parse error, with a suggestion for an unknown flag.
func flagError(fs *flag.FlagSet, err error) string {
	var ne *flag.NotExistError
	if !errors.As(err, &ne) {
		return err.Error()
	}
	name := ne.GetSpecifiedName()
	given := "--" + name
	if ne.GetSpecifiedShortnames() != "" {
		name = name[:1]
		given = "-" + name
	}
	msg := "unknown flag " + given
	if s := suggestFlag(fs, name); s != "" {
		msg += "; did you mean " + s + "?"
	}
	return msg
}

// suggestFlag returns the visible flag closest to name ("--env" for
// "enf"), one that starts with name, or "".
func suggestFlag(fs *flag.FlagSet, name string) string {
	best, bestDist := "", 3
	fs.VisitAll(func(f *flag.Flag) {
		if f.Hidden {
			return
		}
		if d := editDistance(name, f.Name); d < bestDist && d < len(name) {
			best, bestDist = "--"+f.Name, d
		}
		if len(name) == 1 && f.Shorthand != "" && strings.EqualFold(name, f.Shorthand) && bestDist > 0 {
			best, bestDist = "-"+f.Shorthand, 0
		}
	})
	if best == "" {
		fs.VisitAll(func(f *flag.Flag) {
			if best == "" && !f.Hidden && len(name) > 1 && strings.HasPrefix(f.Name, name) {
				best = "--" + f.Name
			}
		})
	}
	return best
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// longSingleDash keeps Go-style flags working: "-trace" and "-env=A=1",
// a long flag's name after one dash, become "--trace" and "--env=A=1".
// Parsing stops where pflag's would (the first operand of a
// non-interspersed set, or "--"), so the app's own arguments are never
// touched.
func longSingleDash(fs *flag.FlagSet, args []string) []string {
	out := append([]string(nil), args...)
	for i := 0; i < len(out); i++ {
		a := out[i]
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			if interspersedCommands[fs.Name()] {
				continue
			}
			break
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		var f *flag.Flag
		if !strings.HasPrefix(a, "--") && len(name) > 1 {
			if f = fs.Lookup(name); f != nil {
				out[i] = "-" + a
			}
		} else if strings.HasPrefix(a, "--") {
			f = fs.Lookup(name)
		} else if len(name) == 1 {
			f = fs.ShorthandLookup(name)
		}
		if f != nil && !hasValue && f.NoOptDefVal == "" {
			i++ // the flag's value
		}
	}
	return out
}

// readEnvFile reads docker's --env-file format: NAME=VALUE lines (NAME
// alone copies elfloader's value), blank lines and # comments skipped.
func readEnvFile(p string) ([]string, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("--env-file: %w", err)
	}
	defer f.Close()
	var env []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if name, _, _ := strings.Cut(line, "="); name == "" || strings.ContainsAny(name, " \t") {
			return nil, fmt.Errorf("--env-file %s:%d: want NAME=VALUE, got %q", p, n, line)
		}
		env = append(env, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("--env-file %s: %w", p, err)
	}
	return env, nil
}
