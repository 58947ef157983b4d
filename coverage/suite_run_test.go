package coverage

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeRunner answers from a table keyed by the command's first argument.
type fakeRunner map[string]Outcome

func (f fakeRunner) run(_ context.Context, argv []string, _ time.Duration) (Outcome, error) {
	o, ok := f[argv[0]]
	if !ok {
		return Outcome{}, fmt.Errorf("%s: not found", argv[0])
	}
	return o, nil
}

func coverageOf(name string, nr uint64, count uint64) *Report {
	return &Report{Schema: SchemaVersion, Created: fixtureTime, Syscalls: []Syscall{
		{Nr: nr, Name: name, Level: LevelFull, Count: count, Results: map[string]uint64{"OK": count}},
	}}
}

func suiteFixture() ([]SuiteEntry, Runner, Runner) {
	one := 1
	entries := []SuiteEntry{
		{Line: 1, Argv: []string{"same"}},
		{Line: 2, Argv: []string{"noisy"}},
		{Line: 3, Argv: []string{"wrongout", "x"}},
		{Line: 4, Argv: []string{"segv"}},
		{Line: 5, Argv: []string{"slow"}, Timeout: time.Second},
		{Line: 6, Argv: []string{"status"}},
		{Line: 7, Argv: []string{"expected"}, Expect: &one},
		{Line: 8, Argv: []string{"bothkilled"}},
		{Line: 9, Argv: []string{"unknown"}},
	}
	native := fakeRunner{
		"same":       {Stdout: []byte("hello\n")},
		"noisy":      {Stdout: []byte("x\n"), Stderr: []byte("warn\n")},
		"wrongout":   {Stdout: []byte("a\nb\nc\nd\n")},
		"segv":       {Stdout: []byte("ok\n")},
		"slow":       {},
		"status":     {ExitStatus: 0},
		"expected":   {ExitStatus: 0},
		"bothkilled": {Signal: 6},
		"unknown":    {},
	}
	elf := fakeRunner{
		"same":       {Stdout: []byte("hello\n"), Coverage: coverageOf("write", 1, 1)},
		"noisy":      {Stdout: []byte("x\n"), Stderr: []byte("elfloader: ioctl 0x5401 unsupported\nwarn\nelfloader: bye\n"), Coverage: coverageOf("write", 1, 2)},
		"wrongout":   {Stdout: []byte("a\nb\nX\nd\n"), Coverage: coverageOf("getpid", 39, 1)},
		"segv":       {Signal: 11},
		"slow":       {TimedOut: true, Signal: 9},
		"status":     {ExitStatus: 3},
		"expected":   {ExitStatus: 0},
		"bothkilled": {Signal: 6},
	}
	return entries, native.run, elf.run
}

func TestRunSuiteClassification(t *testing.T) {
	entries, native, elf := suiteFixture()
	for _, parallel := range []int{0, 1, 3, 20} {
		res := RunSuite(context.Background(), entries, native, elf, parallel)
		want := []Class{ClassPass, ClassPass, ClassFail, ClassCrash, ClassTimeout, ClassFail, ClassFail, ClassPass, ClassError}
		for i, r := range res.Results {
			if r.Line != entries[i].Line {
				t.Fatalf("parallel %d: result %d is line %d", parallel, i, r.Line)
			}
			if r.Class != want[i] {
				t.Errorf("parallel %d: line %d class %s (%s), want %s", parallel, r.Line, r.Class, r.Reason, want[i])
			}
		}
		if res.Passed != 3 || res.Failed != 3 || res.Crashed != 1 || res.TimedOut != 1 || res.Errors != 1 {
			t.Errorf("tally = %+v", res)
		}
		if got := fmt.Sprintf("%.4f", res.PassRate); got != "0.3333" {
			t.Errorf("pass rate %s", got)
		}
		w, ok := res.Coverage.Find("write")
		if !ok || w.Count != 3 {
			t.Errorf("merged coverage write = %+v", w)
		}
		if len(res.Coverage.Runs) != 3 || res.Coverage.Runs[2].Argv[0] != "wrongout" {
			t.Errorf("coverage runs = %+v", res.Coverage.Runs)
		}
	}
}

func TestRunSuiteReasonsAndDiff(t *testing.T) {
	entries, native, elf := suiteFixture()
	res := RunSuite(context.Background(), entries, native, elf, 2)
	wrong := res.Results[2]
	if wrong.Reason != "stdout differs" {
		t.Errorf("reason = %q", wrong.Reason)
	}
	wantDiff := "--- native stdout\n+++ elfloader stdout\n@@ line 3 @@\n a\n b\n-c\n-d\n+X\n+d\n"
	if wrong.Diff != wantDiff {
		t.Errorf("diff =\n%s\nwant\n%s", wrong.Diff, wantDiff)
	}
	if r := res.Results[3].Reason; r != "killed by SIGSEGV under elfloader, exit 0 natively" {
		t.Errorf("crash reason = %q", r)
	}
	if r := res.Results[5].Reason; r != "status: exit 0 natively, exit 3 under elfloader" {
		t.Errorf("status reason = %q", r)
	}
	if r := res.Results[6].Reason; r != "status: expected exit 1, got exit 0" {
		t.Errorf("expect reason = %q", r)
	}
	if r := res.Results[8].Reason; !strings.Contains(r, "elfloader run failed: unknown: not found") {
		t.Errorf("error reason = %q", r)
	}
}

func TestFirstDifferenceLimits(t *testing.T) {
	var a, b strings.Builder
	for i := range 20 {
		fmt.Fprintf(&a, "line %d\n", i)
		fmt.Fprintf(&b, "LINE %d\n", i)
	}
	d := firstDifference("stdout", a.String(), b.String())
	if !strings.Contains(d, "-… 14 more lines\n") || !strings.Contains(d, "+… 14 more lines\n") || strings.Count(d, "\n") != 17 {
		t.Errorf("diff =\n%s", d)
	}
	d = firstDifference("stdout", "a\nb", "a\nb\n")
	if !strings.Contains(d, "-b\n\\ no newline at end\n+b\n") {
		t.Errorf("newline diff =\n%s", d)
	}
}

func TestRunSuiteCancelled(t *testing.T) {
	entries, native, elf := suiteFixture()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := RunSuite(ctx, entries, native, elf, 2)
	if res.Errors != len(entries) || res.PassRate != 0 {
		t.Errorf("cancelled suite = %+v", res)
	}
}

func TestRunSuiteParallelism(t *testing.T) {
	var running, peak atomic.Int32
	slow := func(ctx context.Context, argv []string, _ time.Duration) (Outcome, error) {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(2 * time.Millisecond)
		running.Add(-1)
		return Outcome{Stdout: []byte(argv[0])}, nil
	}
	var entries []SuiteEntry
	for i := range 12 {
		entries = append(entries, SuiteEntry{Line: i + 1, Argv: []string{fmt.Sprint(i)}})
	}
	res := RunSuite(context.Background(), entries, slow, slow, 3)
	if res.Passed != 12 {
		t.Errorf("passed %d", res.Passed)
	}
	if peak.Load() > 3 {
		t.Errorf("%d commands ran at once, limit 3", peak.Load())
	}
}

func TestSuiteRenderers(t *testing.T) {
	entries, native, elf := suiteFixture()
	res := RunSuite(context.Background(), entries, native, elf, 1)
	res.Created = fixtureTime
	res.Coverage.Created = fixtureTime
	for i := range res.Results { // durations are zero in the fakes already
		res.Results[i].Native.Duration, res.Results[i].Elfloader.Duration = 0, 0
	}
	for _, f := range []Format{FormatText, FormatMarkdown, FormatJSON, FormatHTML} {
		var buf bytes.Buffer
		if err := RenderSuite(&buf, f, res); err != nil {
			t.Fatal(err)
		}
		ext := map[Format]string{FormatText: "txt", FormatMarkdown: "md", FormatJSON: "json", FormatHTML: "html"}[f]
		golden(t, "suite."+ext, buf.Bytes())
		if f == FormatHTML {
			page := buf.String()
			checkWellFormed(t, page)
			for _, e := range entries {
				if !strings.Contains(page, `data-command="`+e.Argv[0]) {
					t.Errorf("no row for %s", e.Argv[0])
				}
			}
			if !strings.Contains(page, `data-syscall="write"`) {
				t.Error("coverage section missing")
			}
		}
	}
	if got := SuiteSummary(res); got != "9 commands: 3 pass, 3 fail, 1 crash, 1 timeout, 1 error (33.3% pass)" {
		t.Errorf("summary = %q", got)
	}
}

func TestExecRunner(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh")
	}
	ctx := context.Background()
	var native ExecRunner
	out, err := native.Run(ctx, []string{"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, 10*time.Second)
	if err != nil || string(out.Stdout) != "out\n" || string(out.Stderr) != "err\n" || out.ExitStatus != 3 || out.Signal != 0 || out.TimedOut {
		t.Errorf("exit run = %+v, %v", out, err)
	}
	out, err = native.Run(ctx, []string{"/bin/sh", "-c", "kill -SEGV $$"}, 10*time.Second)
	if err != nil || out.Signal != 11 {
		t.Errorf("signal run = %+v, %v", out, err)
	}
	out, err = native.Run(ctx, []string{"/bin/sh", "-c", "sleep 30"}, 50*time.Millisecond)
	if err != nil || !out.TimedOut || out.Signal != 9 {
		t.Errorf("timeout run = %+v, %v", out, err)
	}
	if _, err := native.Run(ctx, []string{"/nonexistent/program"}, time.Second); err == nil {
		t.Error("missing program: no error")
	}
	capped := ExecRunner{MaxOutput: 4}
	out, _ = capped.Run(ctx, []string{"/bin/sh", "-c", "echo 0123456789"}, 10*time.Second)
	if string(out.Stdout) != "0123" {
		t.Errorf("capped stdout = %q", out.Stdout)
	}
}

func TestExecRunnerCollectsCoverage(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh")
	}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, sampleReport()); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(t.TempDir(), "src.json")
	if err := os.WriteFile(src, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	// A stand-in for "elfloader run --coverage-out PATH -- argv…".
	under := ExecRunner{
		Prefix:       []string{"/bin/sh", "-c", `cp "$1" "$2"; shift 3; exec "$@"`, "sh", src},
		CoverageArgs: func(path string) []string { return []string{path, "--"} },
	}
	out, err := under.Run(context.Background(), []string{"/bin/sh", "-c", "echo hi"}, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if string(out.Stdout) != "hi\n" || out.Coverage == nil || out.Coverage.TotalCalls() != 18 {
		t.Errorf("outcome = %+v", out)
	}
}
