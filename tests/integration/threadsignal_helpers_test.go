package integration

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/elfloader/elfloader/tests/testbin"
)

// threadTimeout bounds one run of a threads or signals program; the slowest
// (sig_avx, sig_alarm) take about two seconds natively.
const threadTimeout = 60 * time.Second

// cProgram is a C test program of the threads and signals suites.
type cProgram struct {
	source string   // file under tests/c
	flags  []string // extra compiler flags, after -pthread
	// repeat selects the program for the 20-run determinism test.
	repeat bool
}

// name is the subtest name: the source without ".c".
func (p cProgram) name() string { return strings.TrimSuffix(p.source, ".c") }

// build compiles p with variant v and -pthread.
func (p cProgram) build(t *testing.T, v testbin.Variant) string {
	t.Helper()
	flags := append([]string{"-pthread"}, p.flags...)
	return testbin.Build(t, testbin.CSource(t, p.source), v, flags...)
}

// compareCPrograms runs every program with every static variant natively and
// under elfloader, in parallel subtests, and expects identical results.
func compareCPrograms(t *testing.T, list []cProgram) {
	for _, p := range list {
		t.Run(p.name(), func(t *testing.T) {
			for _, v := range testbin.StaticVariants() {
				t.Run(v.Name, func(t *testing.T) {
					t.Parallel()
					bin := p.build(t, v)
					_, loaded := testbin.CompareWithNative(t, threadTimeout, testbin.EnvFlags(), []string{bin}, nil, nil)
					assertNoPanic(t, loaded.Stderr)
				})
			}
		})
	}
}

// repeatRuns is how often the determinism test runs each program.
const repeatRuns = 20

// repeatUnderElfloader runs bin repeatRuns times under elfloader and
// requires every run to match the native run exactly (status and stdout).
// It stops at the first differing run and reports it.
func repeatUnderElfloader(t *testing.T, bin string) {
	t.Helper()
	native := testbin.RunNative(t, threadTimeout, []string{bin}, nil, nil)
	if native.TimedOut {
		t.Fatalf("native run timed out")
	}
	for i := 1; i <= repeatRuns; i++ {
		got := testbin.RunElfloader(t, threadTimeout, testbin.EnvFlags(), []string{bin}, nil, nil)
		if diff := describeMismatch(native, got); diff != "" {
			t.Fatalf("run %d of %d differs from the native run: %s\nelfloader stderr:\n%s",
				i, repeatRuns, diff, got.Stderr)
		}
	}
}

// describeMismatch returns "" when got has native's status and stdout, and
// otherwise says how it differs.
func describeMismatch(native, got testbin.Result) string {
	switch {
	case got.TimedOut:
		return "timed out"
	case got.Status != native.Status:
		return fmt.Sprintf("status %d, native %d", got.Status, native.Status)
	case got.Stdout != native.Stdout:
		return fmt.Sprintf("stdout\n--- native ---\n%s--- elfloader ---\n%s", native.Stdout, got.Stdout)
	}
	return ""
}
