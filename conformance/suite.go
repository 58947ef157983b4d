package conformance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Suite is one test program: a Go package's test binary or a CPython test
// module.
type Suite struct {
	Kind string   // "go" or "python"
	Name string   // "os", "test_os"
	Argv []string // the command that runs it natively
	Dir  string   // working directory
	Env  []string // extra environment
}

// Counts are a run's totals.
type Counts struct {
	Run, Passed, Failed, Skipped int
}

// Result is one run of a suite.
type Result struct {
	Counts
	Failures []string // names of the tests that failed
	// Skips are the tests that skipped, with the reason each gave.
	Skips    map[string]string
	Status   int // exit status, -1 when it did not finish
	TimedOut bool
	Err      string // why it could not be counted, if so
}

// Row is a suite's native and elfloader results.
type Row struct {
	Suite     Suite
	Native    Result
	Elfloader Result
	// Regressions are the tests that passed natively and failed under
	// elfloader.
	Regressions []string
	// SkippedOnly are the tests that passed natively and skipped under
	// elfloader (a test that decides it cannot run there is a difference
	// too).
	SkippedOnly []string
}

// Runner runs suites natively and under elfloader.
type Runner struct {
	Elfloader string        // path to the elfloader binary
	Flags     []string      // extra `elfloader run` flags
	Timeout   time.Duration // per run
}

// Compare runs s natively and under elfloader.
func (r *Runner) Compare(ctx context.Context, s Suite) Row {
	row := Row{Suite: s}
	row.Native = r.run(ctx, s, s.Argv)
	argv := append(append([]string{r.Elfloader, "run"}, r.Flags...), s.Argv...)
	row.Elfloader = r.run(ctx, s, argv)
	failed := map[string]bool{}
	for _, f := range row.Elfloader.Failures {
		failed[f] = true
	}
	nativeFailed := map[string]bool{}
	for _, f := range row.Native.Failures {
		nativeFailed[f] = true
	}
	for f := range failed {
		if !nativeFailed[f] {
			row.Regressions = append(row.Regressions, f)
		}
	}
	sort.Strings(row.Regressions)
	for name := range row.Elfloader.Skips {
		if _, skipped := row.Native.Skips[name]; !skipped && !nativeFailed[name] && !failed[name] {
			row.SkippedOnly = append(row.SkippedOnly, name)
		}
	}
	sort.Strings(row.SkippedOnly)
	return row
}

func (r *Runner) run(ctx context.Context, s Suite, argv []string) Result {
	ctx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = s.Dir
	cmd.Env = append(os.Environ(), s.Env...)
	cmd.Stdin = nil
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	res := Result{Status: cmd.ProcessState.ExitCode()}
	if ctx.Err() != nil {
		res.TimedOut = true
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) && !res.TimedOut {
		res.Err = err.Error()
		return res
	}
	switch s.Kind {
	case "go":
		parseGo(out.String(), &res)
		if res.TimedOut {
			if name := unfinishedGoTest(out.String()); name != "" {
				res.Run++
				res.Failed++
				res.Failures = append(res.Failures, name+" (did not finish)")
			}
		}
	case "python":
		parsePython(out.String(), &res)
	}
	if res.Run == 0 && res.Err == "" {
		res.Err = "no test result found: " + lastLine(out.String())
	}
	return res
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}

// parseGo counts the top-level "--- PASS/FAIL/SKIP: Name" lines of
// `go test -v` output.
func parseGo(out string, res *Result) {
	lines := strings.Split(out, "\n")
	for i, line := range lines {
		if !strings.HasPrefix(line, "--- ") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 3 {
			continue
		}
		name := fields[2]
		switch fields[1] {
		case "PASS:":
			res.Passed++
		case "FAIL:":
			res.Failed++
			res.Failures = append(res.Failures, name)
		case "SKIP:":
			res.Skipped++
			addSkip(res, name, goSkipReason(lines[:i], lines[i+1:]))
		default:
			continue
		}
		res.Run++
	}
}

// goSkipReason is the t.Skip message of a skipped test, without its file
// and line: with -v it is logged above the "--- SKIP" line, after the
// test's "=== RUN" (or "=== CONT"); without, indented below it.
func goSkipReason(before, after []string) string {
	msg := ""
	for j := len(before) - 1; j >= 0; j-- {
		l := before[j]
		if strings.HasPrefix(l, "=== ") {
			break
		}
		if strings.HasPrefix(l, "    ") && goLogPrefix.MatchString(strings.TrimSpace(l)) {
			msg = strings.TrimSpace(l)
			break
		}
	}
	if msg == "" && len(after) > 0 && strings.HasPrefix(after[0], "    ") {
		msg = strings.TrimSpace(after[0])
	}
	if m := goLogPrefix.FindStringIndex(msg); m != nil {
		msg = msg[m[1]:]
	}
	return msg
}

var goLogPrefix = regexp.MustCompile(`^[\w.-]+\.go:\d+: `)

func addSkip(res *Result, name, reason string) {
	if res.Skips == nil {
		res.Skips = map[string]string{}
	}
	res.Skips[name] = reason
}

// unfinishedGoTest is the last top-level test that started and never
// reported a result (the one a timeout interrupted).
func unfinishedGoTest(out string) string {
	done := map[string]bool{}
	last := ""
	for _, line := range strings.Split(out, "\n") {
		fields := strings.Fields(line)
		switch {
		case strings.HasPrefix(line, "=== RUN ") && len(fields) >= 3 && !strings.Contains(fields[2], "/"):
			last = fields[2]
		case strings.HasPrefix(line, "--- ") && len(fields) >= 3:
			done[fields[2]] = true
		}
	}
	if last != "" && !done[last] {
		return last
	}
	return ""
}

var (
	pyRan     = regexp.MustCompile(`(?m)^Ran (\d+) tests? in`)
	pyCounts  = regexp.MustCompile(`(failures|errors|skipped|expected failures|unexpected successes)=(\d+)`)
	pyFailure = regexp.MustCompile(`(?m)^(FAIL|ERROR): (\S+) \(([^)]+)\)`)
	pyStatus  = regexp.MustCompile(`(?m)^(OK|FAILED)\b(.*)$`)
	// A skipped test in -v output: "name (module.Class.name)", maybe
	// its docstring's first line on the next line, "... skipped 'why'".
	pySkip = regexp.MustCompile(`(?m)^(\w+) \(([\w.]+)\)(?:\n[^\n]*?)? \.\.\. skipped '(.*)'$`)
)

// parsePython reads unittest's summary ("Ran N tests", "OK (skipped=S)" or
// "FAILED (failures=F, errors=E, skipped=S)") and its FAIL/ERROR headers.
func parsePython(out string, res *Result) {
	ran := pyRan.FindAllStringSubmatch(out, -1)
	if len(ran) == 0 {
		return
	}
	for _, m := range ran {
		n, _ := strconv.Atoi(m[1])
		res.Run += n
	}
	for _, st := range pyStatus.FindAllStringSubmatch(out, -1) {
		for _, c := range pyCounts.FindAllStringSubmatch(st[2], -1) {
			n, _ := strconv.Atoi(c[2])
			switch c[1] {
			case "failures", "errors", "unexpected successes":
				res.Failed += n
			case "skipped":
				res.Skipped += n
			}
		}
	}
	seen := map[string]bool{}
	for _, m := range pyFailure.FindAllStringSubmatch(out, -1) {
		name := m[3] + "." + m[2]
		if i := strings.LastIndexByte(m[3], '.'); i >= 0 && strings.HasSuffix(m[3], "."+m[2]) {
			name = m[3]
		}
		if !seen[name] {
			seen[name] = true
			res.Failures = append(res.Failures, name)
		}
	}
	for _, m := range pySkip.FindAllStringSubmatch(out, -1) {
		name := m[2]
		if !strings.HasSuffix(name, "."+m[1]) {
			name += "." + m[1]
		}
		addSkip(res, name, m[3])
	}
	res.Passed = res.Run - res.Failed - res.Skipped
	if res.Passed < 0 {
		res.Passed = 0
	}
}

// GoSuites builds the test binaries of Go packages (CGO_ENABLED=0, static)
// into dir and returns a suite for each.
func GoSuites(ctx context.Context, dir string, pkgs []string) ([]Suite, error) {
	goroot, err := exec.CommandContext(ctx, "go", "env", "GOROOT").Output()
	if err != nil {
		return nil, fmt.Errorf("go env GOROOT: %w", err)
	}
	root := strings.TrimSpace(string(goroot))
	var out []Suite
	for _, pkg := range pkgs {
		bin := filepath.Join(dir, strings.ReplaceAll(pkg, "/", "_")+".test")
		cmd := exec.CommandContext(ctx, "go", "test", "-c", "-o", bin, pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if msg, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go test -c %s: %v\n%s", pkg, err, msg)
		}
		out = append(out, Suite{
			Kind: "go", Name: pkg, Dir: filepath.Join(root, "src", pkg),
			Argv: []string{bin, "-test.v", "-test.short", "-test.timeout=5m", "-test.count=1"},
		})
	}
	return out, nil
}

// PythonSuites returns a suite per CPython test module, run by Debian's
// /usr/bin/python3 from dir.
func PythonSuites(dir string, modules []string) []Suite {
	var out []Suite
	for _, m := range modules {
		out = append(out, Suite{
			Kind: "python", Name: m, Dir: dir,
			Argv: []string{"/usr/bin/python3", "-m", "unittest", "-v", "test." + m},
		})
	}
	return out
}
