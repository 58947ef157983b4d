package conformance

import (
	"strings"
	"testing"
)

func TestParseGo(t *testing.T) {
	var r Result
	parseGo("=== RUN   TestA\n--- PASS: TestA (0.00s)\n    --- FAIL: TestA/sub (0.00s)\n--- FAIL: TestB (0.01s)\n--- SKIP: TestC (0.00s)\nFAIL\n", &r)
	if r.Run != 3 || r.Passed != 1 || r.Failed != 1 || r.Skipped != 1 || len(r.Failures) != 1 || r.Failures[0] != "TestB" {
		t.Fatalf("%+v", r)
	}
}

func TestParsePython(t *testing.T) {
	out := "test_a (test.test_os.X.test_a) ... ok\n" +
		"======================================================================\n" +
		"FAIL: test_b (test.test_os.X.test_b)\n----\n" +
		"ERROR: test_c (test.test_os.Y.test_c)\n----\n" +
		"Ran 10 tests in 0.5s\n\nFAILED (failures=1, errors=1, skipped=3)\n"
	var r Result
	parsePython(out, &r)
	if r.Run != 10 || r.Failed != 2 || r.Skipped != 3 || r.Passed != 5 || len(r.Failures) != 2 {
		t.Fatalf("%+v", r)
	}
	if r.Failures[0] != "test.test_os.X.test_b" {
		t.Fatalf("failure name %q", r.Failures[0])
	}
	var ok Result
	parsePython("Ran 4 tests in 0.1s\n\nOK (skipped=1)\n", &ok)
	if ok.Run != 4 || ok.Passed != 3 || ok.Skipped != 1 {
		t.Fatalf("%+v", ok)
	}
}

func TestUnfinishedGoTest(t *testing.T) {
	out := "=== RUN   TestA\n--- PASS: TestA (0.00s)\n=== RUN   TestB\n=== RUN   TestB/sub\n"
	if got := unfinishedGoTest(out); got != "TestB" {
		t.Fatalf("got %q", got)
	}
}

func TestCausesListed(t *testing.T) {
	rows := []Row{{Suite: Suite{Kind: "go", Name: "syscall"}, Regressions: []string{"TestExecPtrace", "TestNew"}}}
	var b strings.Builder
	writeCauses(&b, rows)
	out := b.String()
	if !strings.Contains(out, "| go `syscall` `TestExecPtrace` | fails | ptrace(2)") {
		t.Errorf("known cause missing:\n%s", out)
	}
	if !strings.Contains(out, "| go `syscall` `TestNew` | fails | **cause not yet named** |") {
		t.Errorf("unknown cause not flagged:\n%s", out)
	}
	for k, v := range knownCauses {
		if len(strings.Fields(k)) != 3 || v == "" {
			t.Errorf("malformed cause entry %q: %q", k, v)
		}
	}
}

func TestSkipsParsed(t *testing.T) {
	var g Result
	parseGo("=== RUN   TestA\n--- SKIP: TestA (0.00s)\n    a_test.go:12: CLONE_NEWUSER appears to be unsupported\n--- PASS: TestB (0.00s)\n", &g)
	if g.Skips["TestA"] != "CLONE_NEWUSER appears to be unsupported" {
		t.Errorf("go skip reason %q", g.Skips["TestA"])
	}
	var v Result
	parseGo("=== RUN   TestC\n    c_test.go:7: got pidfd: -1\n    c_test.go:9: pidfd not supported\n--- SKIP: TestC (0.00s)\n", &v)
	if v.Skips["TestC"] != "pidfd not supported" {
		t.Errorf("go -v skip reason %q", v.Skips["TestC"])
	}
	var p Result
	parsePython("test_a (test.test_os.X.test_a) ... skipped 'needs root'\ntest_b (test.test_os.X.test_b)\nDoc line. ... skipped 'no pty'\ntest_c (test.test_os.X.test_c) ... ok\n"+
		"Ran 3 tests in 0.1s\n\nOK (skipped=2)\n", &p)
	if p.Skips["test.test_os.X.test_a"] != "needs root" || p.Skips["test.test_os.X.test_b"] != "no pty" || len(p.Skips) != 2 {
		t.Errorf("python skips %q", p.Skips)
	}
	row := Row{Suite: Suite{Kind: "go", Name: "syscall"}, Native: Result{}, Elfloader: g}
	row.SkippedOnly = []string{"TestA"}
	var b strings.Builder
	writeCauses(&b, []Row{row})
	if !strings.Contains(b.String(), "| go `syscall` `TestA` | skips | the test's own reason: CLONE_NEWUSER appears to be unsupported |") {
		t.Errorf("skip not listed:\n%s", b.String())
	}
}
