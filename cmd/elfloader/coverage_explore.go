package main

import (
	"context"
	"errors"
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
	parallel := fs.Int("parallel", 0, "run at most `N` programs at a time (default: the number of CPUs, or 1 with --check)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: elfloader coverage explore [--check CMD] [--duration D] [--parallel N] -- PROGRAM [ARGS...]

Finds out what PROGRAM really needs of each system call it uses. A first
run under elfloader records the syscalls and sub-operations it makes; then,
for each of them, the program is run again with that call answered by
ENOSYS without reaching its handler ("stub") and, if that breaks it, with a
fake success 0 ("fake"). Verdicts:
  stubbable  the program still succeeds when the call fails with ENOSYS
  fakeable   it needs the call to succeed, but not its effect
  required   it needs a real implementation
Success is exit status 0, or with --check the shell command CMD exiting 0
within --duration while the program runs (for servers; the program is then
stopped with SIGTERM). Every run is bounded by --timeout.

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
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "elfloader: coverage explore: finding elfloader itself: %v\n", err)
		return 1
	}
	x.self, x.argv = self, fs.Args()
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
	if ok, note := x.try(ctx, []string{"--coverage-out", baselinePath}); !ok {
		return coverage.ExploreReport{}, fmt.Errorf("the program fails without any override (%s); nothing to explore", note)
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

// try runs the program under `elfloader run FLAGS -- ARGV` and reports
// whether it succeeded, with a short note saying how it failed.
func (x explorer) try(ctx context.Context, flags []string) (bool, string) {
	argv := append(append(append([]string{x.self, "run"}, flags...), "--"), x.argv...)
	if x.check != "" {
		return x.tryServer(ctx, argv)
	}
	runCtx, cancel := context.WithTimeout(ctx, x.timeout)
	defer cancel()
	cmd := boundedCommand(runCtx, argv)
	err := cmd.Run()
	switch {
	case errors.Is(runCtx.Err(), context.DeadlineExceeded):
		return false, fmt.Sprintf("timed out after %s", x.timeout)
	case err == nil:
		return true, ""
	case cmd.ProcessState != nil:
		return false, exitNote(cmd.ProcessState)
	}
	return false, fmt.Sprintf("cannot run: %v", err)
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
