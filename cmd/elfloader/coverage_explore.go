package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/elfloader/elfloader/coverage"
	"github.com/elfloader/elfloader/shim/cover"
)

func cmdCoverageExplore(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("coverage explore")
	fs.SetOutput(stderr)
	format := formatFlag{coverage.FormatText}
	fs.Var(&format, "format", formatUsage())
	var x explorer
	fs.StringVar(&x.check, "check", "", "success check for servers: the shell `COMMAND` must exit 0 while the program runs (default: the program exits 0)")
	fs.DurationVar(&x.duration, "duration", 10*time.Second, "with --check: how long the check may take to pass")
	fs.DurationVar(&x.timeout, "timeout", 30*time.Second, "time limit of each run")
	fs.StringVar(&x.platform, "platform", "", "run the program on this execution `PLATFORM` (inproc or isolated; default: run's)")
	fs.IntVar(&x.repeat, "repeat", 1, "run the baseline and every variant `N` times: a variant works only when all N runs match the baseline")
	parallel := fs.Int("parallel", 0, "run at most `N` programs at a time (default: the number of CPUs, or 1 with --check)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: elfloader coverage explore [--check CMD] [--duration D] [--repeat N] [--parallel N] -- PROGRAM [ARGS...]

Finds out what PROGRAM really needs of each system call it uses. A first
run under elfloader records the syscalls and sub-operations it makes; then,
for each of them, the program is run again with that call answered by
ENOSYS without reaching its handler ("stub") and, if that breaks it, with a
fake success 0 ("fake"). Verdicts:
  stubbable  the program still succeeds when the call fails with ENOSYS
  fakeable   it needs the call to succeed, but not its effect
  required   it needs a real implementation
The baseline run must exit 0. A variant works only when its stdout, stderr
(without elfloader's own lines) and exit status are the baseline's, in each
of --repeat runs; the note says what changed ("stubbed: stdout differs at
line 1: ..."). A stream that differs between the baseline's own repeated
runs is not compared (a warning says so). For servers, --check CMD: a
variant works when the shell command CMD exits 0 within --duration while
the program runs (the program is then stopped with SIGTERM). Every run is
bounded by --timeout.

Flags:
`)
		fs.PrintDefaults()
	}
	if st, ok := parseWithOperands(fs, args); !ok {
		return st
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "elfloader: coverage explore: finding elfloader itself: %v\n", err)
		return 1
	}
	if x.repeat < 1 {
		fmt.Fprintf(stderr, "elfloader: coverage explore: --repeat %d: want at least 1\n", x.repeat)
		return 2
	}
	x.self, x.argv, x.warn = self, fs.Args(), stderr
	if *parallel <= 0 {
		*parallel = runtime.NumCPU()
		if x.check != "" {
			*parallel = 1 // servers usually listen on a fixed port
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := x.explore(ctx, *parallel)
	if err != nil {
		fmt.Fprintf(stderr, "elfloader: coverage explore: %v\n", err)
		return 1
	}
	if err := coverage.RenderExplore(stdout, format.f, rep); err != nil {
		fmt.Fprintf(stderr, "elfloader: coverage explore: %v\n", err)
		return 1
	}
	return 0
}

// explorer reruns one program under elfloader with calls overridden.
type explorer struct {
	self     string   // the elfloader executable
	argv     []string // the program
	check    string   // shell command that tells success for servers
	duration time.Duration
	timeout  time.Duration
	platform string            // --platform of the runs ("": run's default)
	repeat   int               // runs of the baseline and of each variant
	baseline coverage.Baseline // what a working variant matches (no --check)
	warn     io.Writer         // elfloader's stderr
}

// explore runs the baseline, then every item stubbed and, where needed,
// faked, at most parallel runs at a time.
func (x explorer) explore(ctx context.Context, parallel int) (coverage.ExploreReport, error) {
	dir, err := os.MkdirTemp("", "elfloader-explore-")
	if err != nil {
		return coverage.ExploreReport{}, fmt.Errorf("temporary directory: %w", err)
	}
	defer os.RemoveAll(dir)
	baselinePath := filepath.Join(dir, "baseline.json")
	if err := x.runBaseline(ctx, baselinePath); err != nil {
		return coverage.ExploreReport{}, err
	}
	baseline, err := coverage.ReadFile(baselinePath)
	if err != nil {
		return coverage.ExploreReport{}, fmt.Errorf("baseline coverage: %w", err)
	}
	items := exploreItems(baseline)

	jobs := make(chan int)
	var wg sync.WaitGroup
	for range max(parallel, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				items[i].Verdict, items[i].Note = x.judge(ctx, items[i])
			}
		}()
	}
	for i := range items {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return coverage.ExploreReport{}, fmt.Errorf("interrupted: %w", err)
	}
	rep := coverage.ExploreReport{
		Schema: coverage.ExploreSchemaVersion, Created: time.Now().UTC(),
		Commands: [][]string{append([]string(nil), x.argv...)}, Items: items,
	}
	rep.Normalize()
	return rep, nil
}

// exploreItems lists every syscall of the baseline report and every
// sub-operation of it.
func exploreItems(r coverage.Report) []coverage.ExploreItem {
	var items []coverage.ExploreItem
	for _, s := range r.Syscalls {
		items = append(items, coverage.ExploreItem{Syscall: s.Name, Nr: s.Nr})
		for _, sub := range s.SubOps {
			items = append(items, coverage.ExploreItem{Syscall: s.Name, Nr: s.Nr, SubKind: sub.Kind, SubValue: sub.Value, SubName: sub.Name})
		}
	}
	return items
}

// judge gives the verdict on one item: stubbed first, faked only when the
// stub breaks the program.
func (x explorer) judge(ctx context.Context, it coverage.ExploreItem) (coverage.Verdict, string) {
	stubOK, stubNote := x.try(ctx, []string{"--override", cover.RuleFor(it, cover.Stub).String()})
	if stubOK {
		return coverage.VerdictStubbable, ""
	}
	fakeOK, fakeNote := x.try(ctx, []string{"--override", cover.RuleFor(it, cover.Fake).String()})
	if fakeOK {
		return coverage.VerdictFakeable, "stubbed: " + stubNote
	}
	return coverage.VerdictRequired, "stubbed: " + stubNote + "; faked: " + fakeNote
}

// runBaseline runs the program without overrides --repeat times (the
// first writes its coverage to path); it must succeed, and without --check
// the runs become the baseline the variants are compared with.
func (x *explorer) runBaseline(ctx context.Context, path string) error {
	record := []string{"--coverage-out", path}
	if x.check != "" {
		for range x.repeat {
			if ok, note := x.tryServer(ctx, x.runArgv(record)); !ok {
				return fmt.Errorf("the program fails without any override (%s); nothing to explore", note)
			}
		}
		return nil
	}
	var runs []coverage.Outcome
	for i := range x.repeat {
		flags := record
		if i > 0 {
			flags = nil
		}
		o, err := x.run(ctx, flags)
		if err != nil {
			return err
		}
		if o.TimedOut || o.Signal != 0 || o.ExitStatus != 0 {
			return fmt.Errorf("the program fails without any override (%s); nothing to explore", o.StatusText())
		}
		runs = append(runs, o)
	}
	b, err := coverage.NewBaseline(runs)
	if err != nil {
		return err
	}
	for stream, varies := range map[string]bool{"stdout": b.StdoutVaries, "stderr": b.StderrVaries} {
		if varies {
			fmt.Fprintf(x.warn, "elfloader: coverage explore: the program's %s differs between runs without overrides; it is not compared\n", stream)
		}
	}
	x.baseline = b
	return nil
}

// try runs the program under `elfloader run FLAGS -- ARGV` --repeat times
// and reports whether it worked every time, with a note saying what
// changed when it did not.
func (x explorer) try(ctx context.Context, flags []string) (bool, string) {
	for i := range x.repeat {
		var note string
		if x.check != "" {
			if ok, why := x.tryServer(ctx, x.runArgv(flags)); !ok {
				note = cmp.Or(why, "check failed")
			}
		} else if o, err := x.run(ctx, flags); err != nil {
			note = err.Error()
		} else {
			note = x.baseline.Change(o)
		}
		if note != "" {
			if i > 0 {
				note += fmt.Sprintf(" (run %d of %d)", i+1, x.repeat)
			}
			return false, note
		}
	}
	return true, ""
}

// runArgv is the command line of `elfloader run FLAGS -- ARGV`.
func (x explorer) runArgv(flags []string) []string {
	return append(x.runPrefix(flags), x.argv...)
}

// runPrefix is `elfloader run [--platform P] FLAGS --`.
func (x explorer) runPrefix(flags []string) []string {
	prefix := []string{x.self, "run"}
	if x.platform != "" {
		prefix = append(prefix, "--platform="+x.platform)
	}
	return append(append(prefix, flags...), "--")
}

// run runs the program under elfloader once, keeping its outputs.
func (x explorer) run(ctx context.Context, flags []string) (coverage.Outcome, error) {
	o, err := coverage.ExecRunner{Prefix: x.runPrefix(flags)}.Run(ctx, x.argv, x.timeout)
	if err != nil {
		return o, fmt.Errorf("cannot run: %w", err)
	}
	return o, nil
}

// tryServer starts the program, runs the check until it passes, the
// duration ends or the program exits, then stops the program.
func (x explorer) tryServer(ctx context.Context, argv []string) (bool, string) {
	runCtx, cancel := context.WithTimeout(ctx, x.timeout)
	defer cancel()
	cmd := boundedCommand(runCtx, argv)
	if err := cmd.Start(); err != nil {
		return false, fmt.Sprintf("cannot run: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	ok, note := x.pollCheck(runCtx, exited)
	select {
	case <-exited:
		if !ok && cmd.ProcessState != nil && note == "" {
			note = "program ended first: " + exitNote(cmd.ProcessState)
		}
	default:
		// SIGTERM to elfloader reaches the program, which ends and lets
		// elfloader write its report; SIGKILL the group if it lingers.
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	}
	return ok, note
}

func (x explorer) pollCheck(ctx context.Context, exited <-chan struct{}) (bool, string) {
	deadline := time.Now().Add(x.duration)
	for {
		select {
		case <-exited:
			return false, ""
		case <-ctx.Done():
			return false, fmt.Sprintf("timed out after %s", x.timeout)
		default:
		}
		checkCtx, cancel := context.WithDeadline(ctx, deadline)
		err := boundedCommand(checkCtx, []string{"/bin/sh", "-c", x.check}).Run()
		cancel()
		if err == nil {
			select {
			case <-exited:
				return false, "" // the check passed, but the program is gone
			default:
				return true, ""
			}
		}
		if !time.Now().Before(deadline) {
			return false, fmt.Sprintf("check did not pass within %s", x.duration)
		}
		select {
		case <-exited:
			return false, ""
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// boundedCommand makes a command in its own process group that is killed,
// whole, when ctx ends. Its output is discarded.
func boundedCommand(ctx context.Context, argv []string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	return cmd
}

// exitNote describes how a run ended: "exit 1" (elfloader reports a death
// of the program by signal N as exit 128+N), or "killed by SIGKILL".
func exitNote(ps *os.ProcessState) string {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return "killed by " + coverage.SignalName(int(ws.Signal()))
	}
	return fmt.Sprintf("exit %d", ps.ExitCode())
}
