package coverage

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// SuiteSchemaVersion identifies the JSON form of a SuiteResult.
const SuiteSchemaVersion = "elfloader-suite/1"

// Outcome is what a Runner observed of one command.
type Outcome struct {
	Stdout     []byte
	Stderr     []byte
	ExitStatus int           // exit status when the command exited
	Signal     int           // the signal that killed it, 0 when it exited
	TimedOut   bool          // the timeout expired and the command was killed
	Duration   time.Duration // wall time
	Coverage   *Report       // the coverage of the run (elfloader runner only)
}

// Runner runs one command with a time limit. An error means the command
// could not be run at all (not found, harness failure); a command that
// fails, crashes or times out is a successful Run with that Outcome.
type Runner func(ctx context.Context, argv []string, timeout time.Duration) (Outcome, error)

// Class is the verdict on one suite command.
type Class string

// The classes of suite commands.
const (
	ClassPass    Class = "pass"    // same stdout, stderr and status as native (and as expected)
	ClassFail    Class = "fail"    // the outputs or the status differ
	ClassCrash   Class = "crash"   // killed by a signal under elfloader but not natively
	ClassTimeout Class = "timeout" // timed out under elfloader
	ClassError   Class = "error"   // could not be run (by either runner) or cancelled
)

// RunSummary is the part of an Outcome a suite result keeps.
type RunSummary struct {
	ExitStatus int           `json:"exit_status"`
	Signal     int           `json:"signal,omitempty"`
	TimedOut   bool          `json:"timed_out,omitempty"`
	Duration   time.Duration `json:"duration_ns"`
	Error      string        `json:"error,omitempty"`
}

// CommandResult is the verdict on one suite command.
type CommandResult struct {
	Line      int        `json:"line"`
	Argv      []string   `json:"argv"`
	Expect    *int       `json:"expect,omitempty"`
	Class     Class      `json:"class"`
	Reason    string     `json:"reason,omitempty"`
	Diff      string     `json:"diff,omitempty"`
	Native    RunSummary `json:"native"`
	Elfloader RunSummary `json:"elfloader"`
}

// SuiteResult is the outcome of a whole suite.
type SuiteResult struct {
	Schema   string          `json:"schema"`
	Created  time.Time       `json:"created"`
	Results  []CommandResult `json:"results"`
	Passed   int             `json:"passed"`
	Failed   int             `json:"failed"`
	Crashed  int             `json:"crashed"`
	TimedOut int             `json:"timed_out"`
	Errors   int             `json:"errors"`
	PassRate float64         `json:"pass_rate"` // passed / commands, 0 for an empty suite
	Coverage Report          `json:"coverage"`
}

// RunSuite runs every entry natively and under elfloader, at most parallel
// entries at a time (the two runs of one entry are sequential, native
// first), classifies each, and merges the coverage reports of the
// elfloader runs in suite order. Results are in suite order whatever the
// parallelism. Entries not started when ctx is cancelled are ClassError.
func RunSuite(ctx context.Context, entries []SuiteEntry, native, underElfloader Runner, parallel int) SuiteResult {
	parallel = max(parallel, 1)
	results := make([]CommandResult, len(entries))
	reports := make([]*Report, len(entries))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, entry := range entries {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			results[i] = cancelledResult(entry, ctx.Err())
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results[i], reports[i] = runEntry(ctx, entry, native, underElfloader)
		}()
	}
	wg.Wait()

	out := SuiteResult{Schema: SuiteSchemaVersion, Created: time.Now().UTC(), Results: results}
	out.Coverage = Report{Schema: SchemaVersion, Created: out.Created, Syscalls: []Syscall{}}
	for i, rep := range reports {
		if rep == nil {
			continue
		}
		r := cloneReport(*rep)
		if len(r.Runs) == 0 {
			r.Runs = []Run{{Argv: entries[i].Argv, ExitStatus: results[i].Elfloader.ExitStatus,
				Signal: results[i].Elfloader.Signal, Duration: results[i].Elfloader.Duration}}
		}
		out.Coverage = Merge(out.Coverage, r)
	}
	out.tally()
	return out
}

func (s *SuiteResult) tally() {
	s.Passed, s.Failed, s.Crashed, s.TimedOut, s.Errors = 0, 0, 0, 0, 0
	for _, r := range s.Results {
		switch r.Class {
		case ClassPass:
			s.Passed++
		case ClassFail:
			s.Failed++
		case ClassCrash:
			s.Crashed++
		case ClassTimeout:
			s.TimedOut++
		default:
			s.Errors++
		}
	}
	s.PassRate = 0
	if len(s.Results) > 0 {
		s.PassRate = float64(s.Passed) / float64(len(s.Results))
	}
}

func cancelledResult(e SuiteEntry, err error) CommandResult {
	return CommandResult{Line: e.Line, Argv: e.Argv, Expect: e.Expect, Class: ClassError,
		Reason: fmt.Sprintf("not run: %v", err)}
}

func runEntry(ctx context.Context, e SuiteEntry, native, under Runner) (CommandResult, *Report) {
	res := CommandResult{Line: e.Line, Argv: e.Argv, Expect: e.Expect}
	timeout := e.EffectiveTimeout()
	nat, natErr := native(ctx, e.Argv, timeout)
	res.Native = summarize(nat, natErr)
	if natErr != nil {
		res.Class, res.Reason = ClassError, fmt.Sprintf("native run failed: %v", natErr)
		return res, nil
	}
	elf, elfErr := under(ctx, e.Argv, timeout)
	res.Elfloader = summarize(elf, elfErr)
	if elfErr != nil {
		res.Class, res.Reason = ClassError, fmt.Sprintf("elfloader run failed: %v", elfErr)
		return res, nil
	}
	res.Class, res.Reason, res.Diff = Classify(e, nat, elf)
	return res, elf.Coverage
}

func summarize(o Outcome, err error) RunSummary {
	s := RunSummary{ExitStatus: o.ExitStatus, Signal: o.Signal, TimedOut: o.TimedOut, Duration: o.Duration}
	if err != nil {
		s.Error = err.Error()
	}
	return s
}

// Classify compares a native and an elfloader run of one entry. A timeout
// under elfloader is ClassTimeout; a signal under elfloader that the
// native run did not die of is ClassCrash; otherwise the run passes when
// stdout, stderr (without lines starting with "elfloader:") and the exit
// status or signal equal the native ones and the status is the expected
// one, if the entry gives it. reason says what differed, diff shows the
// first differing lines.
func Classify(e SuiteEntry, native, elf Outcome) (class Class, reason, diff string) {
	switch {
	case elf.TimedOut:
		return ClassTimeout, fmt.Sprintf("timed out after %s under elfloader", e.EffectiveTimeout()), ""
	case elf.Signal != 0 && elf.Signal != native.Signal:
		return ClassCrash, fmt.Sprintf("killed by %s under elfloader, %s natively", SignalName(elf.Signal), statusText(native)), ""
	case native.TimedOut:
		return ClassFail, "timed out natively but not under elfloader", ""
	}
	var reasons, diffs []string
	if statusText(native) != statusText(elf) {
		reasons = append(reasons, fmt.Sprintf("status: %s natively, %s under elfloader", statusText(native), statusText(elf)))
	}
	if e.Expect != nil && (elf.Signal != 0 || elf.ExitStatus != *e.Expect) {
		reasons = append(reasons, fmt.Sprintf("status: expected exit %d, got %s", *e.Expect, statusText(elf)))
	}
	if d := firstDifference("stdout", string(native.Stdout), string(elf.Stdout)); d != "" {
		reasons = append(reasons, "stdout differs")
		diffs = append(diffs, d)
	}
	nErr, eErr := withoutElfloaderLines(string(native.Stderr)), withoutElfloaderLines(string(elf.Stderr))
	if d := firstDifference("stderr", nErr, eErr); d != "" {
		reasons = append(reasons, "stderr differs")
		diffs = append(diffs, d)
	}
	if len(reasons) == 0 {
		return ClassPass, "", ""
	}
	return ClassFail, joinReasons(reasons), joinDiffs(diffs)
}

func statusText(o Outcome) string {
	if o.Signal != 0 {
		return "killed by " + SignalName(o.Signal)
	}
	return fmt.Sprintf("exit %d", o.ExitStatus)
}

func joinReasons(rs []string) string {
	s := rs[0]
	for _, r := range rs[1:] {
		s += "; " + r
	}
	return s
}

func joinDiffs(ds []string) string {
	s := ""
	for _, d := range ds {
		s += d
	}
	return s
}
