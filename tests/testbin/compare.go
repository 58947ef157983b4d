package testbin

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// DiagnosticPrefix starts every line elfloader itself writes to stderr.
const DiagnosticPrefix = "elfloader:"

// CompareWithNative runs argv natively and under `elfloader run FLAGS...`
// with the same environment and stdin, and reports a test error unless both
// finish in time with the same status, the same stdout, and the same stderr
// once elfloader's own diagnostic lines are dropped. It returns both results
// for further checks.
func CompareWithNative(t testing.TB, timeout time.Duration, flags, argv, env []string, stdin []byte) (native, loaded Result) {
	t.Helper()
	native = RunNative(t, timeout, argv, env, stdin)
	if native.TimedOut {
		t.Fatalf("native run of %q timed out; stdout:\n%s\nstderr:\n%s",
			argv, clip(native.Stdout), clip(native.Stderr))
	}
	loaded = RunElfloader(t, timeout, flags, argv, env, stdin)
	if loaded.TimedOut {
		t.Errorf("elfloader run of %q timed out", argv)
	}
	if loaded.Status != native.Status {
		t.Errorf("status: elfloader %d, native %d", loaded.Status, native.Status)
	}
	if loaded.Stdout != native.Stdout {
		t.Errorf("stdout differs\n%s", lineDiff(native.Stdout, loaded.Stdout))
	}
	if got, want := StripDiagnostics(loaded.Stderr), native.Stderr; got != want {
		t.Errorf("stderr differs (elfloader: lines dropped)\n%s", lineDiff(want, got))
	}
	if t.Failed() {
		t.Logf("elfloader stderr:\n%s", clip(loaded.Stderr))
	}
	return native, loaded
}

// StripDiagnostics drops the lines of stderr that start with "elfloader:".
func StripDiagnostics(stderr string) string {
	if stderr == "" {
		return ""
	}
	lines := strings.SplitAfter(stderr, "\n")
	var kept strings.Builder
	for _, line := range lines {
		if !strings.HasPrefix(line, DiagnosticPrefix) {
			kept.WriteString(line)
		}
	}
	return kept.String()
}

// lineDiff shows the first differing line of two outputs and both outputs.
func lineDiff(want, got string) string {
	w := strings.Split(want, "\n")
	g := strings.Split(got, "\n")
	first := 0
	for first < len(w) && first < len(g) && w[first] == g[first] {
		first++
	}
	line := func(lines []string) string {
		if first < len(lines) {
			return fmt.Sprintf("%q", lines[first])
		}
		return "(end of output)"
	}
	return fmt.Sprintf("first difference at line %d:\n  native:    %s\n  elfloader: %s\n--- native ---\n%s\n--- elfloader ---\n%s",
		first+1, line(w), line(g), clip(want), clip(got))
}

// clip shortens an output for a failure message.
func clip(s string) string {
	const limit = 4000
	if len(s) <= limit {
		return s
	}
	return s[:limit] + fmt.Sprintf("\n[... %d more bytes]", len(s)-limit)
}
