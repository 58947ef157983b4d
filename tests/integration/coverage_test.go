package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/elfloader/elfloader/tests/testbin"
)

// The tests of the coverage harness drive `elfloader coverage` as a black
// box on small static glibc programs compiled at test time. The expected
// syscall sets are what Debian 12's glibc (2.36) makes for a static
// program, learnt with `strace -f -c` natively (execve excluded: the host
// makes it, not the program; exit_group included: strace -c does not count
// a call that never returns).

// glibcStartup is what a static glibc program calls before and after main.
var glibcStartup = map[string]uint64{
	"arch_prctl": 1, "brk": 5, "exit_group": 1, "getrandom": 1, "mprotect": 1,
	"prlimit64": 1, "readlink": 1, "rseq": 1, "set_robust_list": 1, "set_tid_address": 1,
}

const (
	writeTwiceSrc = `#include <unistd.h>
int main(void) { write(1, "a\n", 2); write(1, "b\n", 2); return 0; }
`
	getpidFiveSrc = `#include <sys/syscall.h>
#include <unistd.h>
int main(void) { for (int i = 0; i < 5; i++) syscall(SYS_getpid); return 0; }
`
	// needSrc needs write (it checks the count) but neither the CPU mask
	// nor the random bytes.
	needSrc = `#define _GNU_SOURCE
#include <sched.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
int main(void) {
	cpu_set_t set;
	sched_getaffinity(0, sizeof set, &set);
	char buf[8];
	getrandom(buf, sizeof buf, 0);
	const char *msg = "hello\n";
	return write(1, msg, strlen(msg)) == (ssize_t)strlen(msg) ? 0 : 1;
}
`
	// extraSrc calls getpid only when given an argument.
	extraSrc = `#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(int argc, char **argv) {
	(void)argv;
	printf("start\n");
	fflush(stdout);
	if (argc > 1) {
		long r = syscall(SYS_getpid);
		if (r < 0) { printf("getpid failed: %s\n", errno == ENOSYS ? "ENOSYS" : strerror(errno)); return 3; }
		printf("getpid ok\n");
	}
	return 0;
}
`
	// crashSrc dies of SIGSEGV when syscall argv[1] answers ENOSYS, which
	// happens under elfloader for a syscall it does not provide.
	crashSrc = `#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(int argc, char **argv) {
	if (argc != 2) return 2;
	long r = syscall(atol(argv[1]), 0, 0, 0, 0, 0, 0);
	if (r < 0 && errno == ENOSYS) *(volatile int *)0x10 = 1;
	printf("survived\n");
	return 0;
}
`
	hangSrc = `#include <unistd.h>
int main(void) { for (;;) pause(); }
`
)

// buildC compiles source text as a static glibc program named name.
func buildC(t *testing.T, name, src string) string {
	t.Helper()
	v, ok := testbin.VariantByName("gcc-static")
	if !ok {
		t.Fatal("no gcc-static variant")
	}
	path := filepath.Join(t.TempDir(), name+".c")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return testbin.Build(t, path, v)
}

type cmdResult struct {
	stdout, stderr string
	status         int
}

// runCmd runs argv bounded by timeout, in its own process group.
func runCmd(t *testing.T, timeout time.Duration, dir string, argv ...string) cmdResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%v: timed out after %s\nstderr:\n%s", argv, timeout, stderr.String())
	}
	res := cmdResult{stdout: stdout.String(), stderr: stderr.String()}
	if cmd.ProcessState == nil {
		t.Fatalf("%v: %v", argv, err)
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		res.status = 128 + int(ws.Signal())
	} else {
		res.status = cmd.ProcessState.ExitCode()
	}
	assertNoPanic(t, res.stderr)
	return res
}

// Minimal views of the JSON documents (docs/coverage-schema.md).
type jsonSubOp struct {
	Kind  string `json:"kind"`
	Value uint64 `json:"value"`
	Name  string `json:"name"`
	Level string `json:"level"`
	Count uint64 `json:"count"`
}

type jsonSyscall struct {
	Nr        uint64            `json:"nr"`
	Name      string            `json:"name"`
	Level     string            `json:"level"`
	Count     uint64            `json:"count"`
	Results   map[string]uint64 `json:"results"`
	FirstSite *struct {
		Address string `json:"address"`
		Symbol  string `json:"symbol"`
		Object  string `json:"object"`
	} `json:"first_site"`
	SubOps []jsonSubOp `json:"subops"`
}

type jsonReport struct {
	Schema string `json:"schema"`
	Runs   []struct {
		Argv       []string `json:"argv"`
		ExitStatus int      `json:"exit_status"`
		Signal     int      `json:"signal"`
	} `json:"runs"`
	Syscalls []jsonSyscall `json:"syscalls"`
}

func readReport(t *testing.T, path string) jsonReport {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r jsonReport
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if r.Schema != "elfloader-coverage/1" {
		t.Fatalf("%s: schema %q", path, r.Schema)
	}
	return r
}

func counts(r jsonReport) map[string]uint64 {
	m := make(map[string]uint64)
	for _, s := range r.Syscalls {
		m[s.Name] = s.Count
	}
	return m
}

func with(base map[string]uint64, extra map[string]uint64) map[string]uint64 {
	m := make(map[string]uint64)
	for k, v := range base {
		m[k] = v
	}
	for k, v := range extra {
		m[k] += v
	}
	return m
}

func assertCounts(t *testing.T, got, want map[string]uint64) {
	t.Helper()
	for name, n := range want {
		if got[name] != n {
			t.Errorf("%s: %d calls, want %d", name, got[name], n)
		}
	}
	for name, n := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("unexpected syscall %s (%d calls)", name, n)
		}
	}
}

func TestCoverageExactSyscalls(t *testing.T) {
	elf := testbin.Elfloader(t)
	cases := []struct {
		name, src, stdout string
		want              map[string]uint64
	}{
		{"write_twice", writeTwiceSrc, "a\nb\n", with(glibcStartup, map[string]uint64{"write": 2})},
		{"getpid_five", getpidFiveSrc, "", with(glibcStartup, map[string]uint64{"getpid": 5})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			prog := buildC(t, c.name, c.src)
			out := filepath.Join(t.TempDir(), "report.json")
			res := runCmd(t, testTimeout, "", elf, "coverage", "--out", out, "--", prog)
			if res.status != 0 || res.stdout != c.stdout {
				t.Fatalf("status %d, stdout %q; want 0, %q\nstderr:\n%s", res.status, res.stdout, c.stdout, res.stderr)
			}
			if !strings.Contains(res.stderr, "elfloader: coverage: ") || !strings.Contains(res.stderr, out) {
				t.Errorf("no summary line on stderr:\n%s", res.stderr)
			}
			r := readReport(t, out)
			assertCounts(t, counts(r), c.want)
			if len(r.Runs) != 1 || r.Runs[0].ExitStatus != 0 || r.Runs[0].Argv[0] != prog {
				t.Errorf("runs = %+v", r.Runs)
			}
			for _, s := range r.Syscalls {
				if s.FirstSite == nil || s.FirstSite.Object != prog || s.FirstSite.Symbol == "" {
					t.Errorf("%s: first site %+v, want a symbol in %s", s.Name, s.FirstSite, prog)
				}
				switch s.Name {
				case "arch_prctl":
					if len(s.SubOps) != 1 || s.SubOps[0].Name != "ARCH_SET_FS" || s.SubOps[0].Count != 1 || s.SubOps[0].Level == "" {
						t.Errorf("arch_prctl sub-operations %+v, want ARCH_SET_FS once", s.SubOps)
					}
				case "mprotect":
					if len(s.SubOps) != 1 || s.SubOps[0].Kind != "mprotect" || s.SubOps[0].Name != "PROT_READ" {
						t.Errorf("mprotect sub-operations %+v, want PROT_READ", s.SubOps)
					}
				case "readlink":
					// glibc's start-up reads /proc/self/exe, which procfs serves.
					if s.Level != "full" || s.Results["OK"] != 1 {
						t.Errorf("readlink: level %s results %v", s.Level, s.Results)
					}
				}
			}
		})
	}
}

func TestCoverageReportMergeAndDiff(t *testing.T) {
	elf := testbin.Elfloader(t)
	writer := buildC(t, "write_twice", writeTwiceSrc)
	getpid := buildC(t, "getpid_five", getpidFiveSrc)
	dir := t.TempDir()
	a, b, both := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json"), filepath.Join(dir, "both.json")
	runCmd(t, testTimeout, "", elf, "coverage", "--out", a, "--", writer)
	runCmd(t, testTimeout, "", elf, "coverage", "--out", b, "--", getpid)
	runCmd(t, testTimeout, "", elf, "coverage", "--out", both, "--", writer)
	runCmd(t, testTimeout, "", elf, "coverage", "--out", both, "--", getpid)

	res := runCmd(t, testTimeout, "", elf, "coverage", "report", "--format", "json", a, b)
	if res.status != 0 {
		t.Fatalf("report: status %d\n%s", res.status, res.stderr)
	}
	merged := filepath.Join(dir, "merged.json")
	if err := os.WriteFile(merged, []byte(res.stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	want := with(with(glibcStartup, glibcStartup), map[string]uint64{"write": 2, "getpid": 5})
	assertCounts(t, counts(readReport(t, merged)), want)
	assertCounts(t, counts(readReport(t, both)), want)
	if runs := readReport(t, both).Runs; len(runs) != 2 {
		t.Errorf("--out twice: %d runs, want 2", len(runs))
	}

	res = runCmd(t, testTimeout, "", elf, "coverage", "diff", "--format", "json", a, b)
	if res.status != 0 {
		t.Fatalf("diff: status %d\n%s", res.status, res.stderr)
	}
	var d struct {
		Added   []jsonSyscall `json:"added"`
		Removed []jsonSyscall `json:"removed"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &d); err != nil {
		t.Fatalf("diff JSON: %v\n%s", err, res.stdout)
	}
	if len(d.Added) != 1 || d.Added[0].Name != "getpid" || len(d.Removed) != 1 || d.Removed[0].Name != "write" {
		t.Errorf("diff: added %+v removed %+v; want getpid added, write removed", d.Added, d.Removed)
	}
}

// missingSyscall returns the number of a syscall that elfloader does not
// provide and that is harmless to call natively with zero arguments.
func missingSyscall(t *testing.T, elf string) string {
	t.Helper()
	res := runCmd(t, testTimeout, "", elf, "syscalls", "--format", "json")
	var table []struct {
		Nr    uint64 `json:"nr"`
		Name  string `json:"name"`
		Level string `json:"level"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &table); err != nil {
		t.Fatalf("syscalls --format json: %v", err)
	}
	// With zero arguments these fail natively with EFAULT/EINVAL or do
	// nothing, but never ENOSYS.
	harmless := map[string]bool{"readlink": true, "mincore": true, "capget": true, "sysfs": true, "syslog": true}
	for _, e := range table {
		if e.Level == "missing" && harmless[e.Name] {
			return strconv.FormatUint(e.Nr, 10)
		}
	}
	t.Skip("elfloader provides every syscall the crash test could use")
	return ""
}

func TestCoverageSuiteClassifies(t *testing.T) {
	elf := testbin.Elfloader(t)
	hello := buildC(t, "hello", "#include <stdio.h>\nint main(void) { printf(\"hello\\n\"); return 0; }\n")
	segv := testbin.Build(t, testbin.CSource(t, "segv.c"), mustVariant(t, "gcc-static"))
	crash := buildC(t, "crash", crashSrc)
	hang := buildC(t, "hang", hangSrc)
	nr := missingSyscall(t, elf)
	suite := strings.Join([]string{
		"# classes: pass, fail, crash, timeout",
		hello,
		"expect=1 " + hello,  // exits 0: fail
		segv,                 // dies of SIGSEGV natively too: pass
		crash + " " + nr,     // SIGSEGV only under elfloader: crash
		"timeout=1s " + hang, // never ends: timeout
		"",
	}, "\n")
	file := filepath.Join(t.TempDir(), "suite.txt")
	if err := os.WriteFile(file, []byte(suite), 0o644); err != nil {
		t.Fatal(err)
	}
	res := runCmd(t, 60*time.Second, "", elf, "coverage", "suite", "--format", "json", "--parallel", "2", file)
	if res.status != 1 {
		t.Errorf("suite status %d, want 1 (not every command passes)\nstderr:\n%s", res.status, res.stderr)
	}
	var result struct {
		Schema  string `json:"schema"`
		Results []struct {
			Line   int    `json:"line"`
			Class  string `json:"class"`
			Reason string `json:"reason"`
		} `json:"results"`
		Passed   int        `json:"passed"`
		PassRate float64    `json:"pass_rate"`
		Coverage jsonReport `json:"coverage"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &result); err != nil {
		t.Fatalf("suite JSON: %v\n%s", err, res.stdout)
	}
	want := []string{"pass", "fail", "pass", "crash", "timeout"}
	if len(result.Results) != len(want) {
		t.Fatalf("%d results, want %d: %+v", len(result.Results), len(want), result.Results)
	}
	for i, r := range result.Results {
		if r.Class != want[i] {
			t.Errorf("line %d: class %s (%s), want %s", r.Line, r.Class, r.Reason, want[i])
		}
	}
	if result.Passed != 2 || result.PassRate != 0.4 {
		t.Errorf("passed %d, rate %v; want 2, 0.4", result.Passed, result.PassRate)
	}
	if c := counts(result.Coverage); c["write"] == 0 || c["exit_group"] == 0 {
		t.Errorf("merged suite coverage lacks write or exit_group: %v", c)
	}
}

func mustVariant(t *testing.T, name string) testbin.Variant {
	t.Helper()
	v, ok := testbin.VariantByName(name)
	if !ok {
		t.Fatalf("no variant %s", name)
	}
	return v
}

func TestCoverageExplore(t *testing.T) {
	elf := testbin.Elfloader(t)
	prog := buildC(t, "need", needSrc)
	res := runCmd(t, 120*time.Second, "", elf, "coverage", "explore", "--format", "json", "--timeout", "20s", "--", prog)
	if res.status != 0 {
		t.Fatalf("explore: status %d\n%s", res.status, res.stderr)
	}
	var rep struct {
		Schema string `json:"schema"`
		Items  []struct {
			Syscall string `json:"syscall"`
			SubKind string `json:"sub_kind"`
			Verdict string `json:"verdict"`
			Note    string `json:"note"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &rep); err != nil {
		t.Fatalf("explore JSON: %v\n%s", err, res.stdout)
	}
	verdicts := map[string]string{}
	for _, it := range rep.Items {
		if it.SubKind == "" {
			verdicts[it.Syscall] = it.Verdict
		}
	}
	for name, want := range map[string]string{
		"write": "required", "sched_getaffinity": "stubbable", "getrandom": "stubbable", "arch_prctl": "required",
	} {
		if verdicts[name] != want {
			t.Errorf("%s: verdict %q, want %q (all: %v)", name, verdicts[name], want, verdicts)
		}
	}
}

func TestCoverageProfile(t *testing.T) {
	elf := testbin.Elfloader(t)
	prog := buildC(t, "extra", extraSrc)
	dir := t.TempDir()
	profile := filepath.Join(dir, "profile.json")
	res := runCmd(t, testTimeout, "", elf, "coverage", "--out", filepath.Join(dir, "r.json"), "--profile-out", profile, "--", prog)
	if res.status != 0 {
		t.Fatalf("coverage: status %d\n%s", res.status, res.stderr)
	}
	data, err := os.ReadFile(profile)
	if err != nil || !bytes.Contains(data, []byte(`"elfloader-profile/1"`)) || bytes.Contains(data, []byte(`"getpid"`)) {
		t.Fatalf("profile %s (err %v)", data, err)
	}

	// The profiled run passes unchanged.
	res = runCmd(t, testTimeout, "", elf, "run", "--profile", profile, prog)
	if res.status != 0 || res.stdout != "start\n" || strings.Contains(res.stderr, "not in the profile") {
		t.Errorf("profiled run: status %d stdout %q\n%s", res.status, res.stdout, res.stderr)
	}
	// A call outside the profile gets ENOSYS, and it is reported.
	res = runCmd(t, testTimeout, "", elf, "run", "--profile", profile, prog, "getpid")
	if res.status != 3 || res.stdout != "start\ngetpid failed: ENOSYS\n" {
		t.Errorf("extra call: status %d stdout %q, want 3 and ENOSYS", res.status, res.stdout)
	}
	if !strings.Contains(res.stderr, "elfloader: syscall getpid (39) is not in the profile") {
		t.Errorf("refused call not reported:\n%s", res.stderr)
	}
	// With --profile-action=kill the program dies of SIGSYS.
	res = runCmd(t, testTimeout, "", elf, "run", "--profile", profile, "--profile-action=kill", prog, "getpid")
	if res.status != 128+int(syscall.SIGSYS) || res.stdout != "start\n" {
		t.Errorf("kill action: status %d stdout %q, want %d", res.status, res.stdout, 128+int(syscall.SIGSYS))
	}
}

func TestCoverageHTMLReport(t *testing.T) {
	elf := testbin.Elfloader(t)
	prog := buildC(t, "write_twice", writeTwiceSrc)
	dir := t.TempDir()
	out := filepath.Join(dir, "r.json")
	runCmd(t, testTimeout, "", elf, "coverage", "--out", out, "--", prog)
	res := runCmd(t, testTimeout, "", elf, "coverage", "report", "--format", "html", out)
	if res.status != 0 {
		t.Fatalf("report: status %d\n%s", res.status, res.stderr)
	}
	page := res.stdout
	if !strings.HasPrefix(page, "<!DOCTYPE html>") || !strings.Contains(page, "</html>") {
		t.Fatalf("not an HTML page:\n%.200s", page)
	}
	for _, asset := range []string{`src="http`, `href="http`, `<link `} {
		if strings.Contains(page, asset) {
			t.Errorf("page refers to an external asset (%s)", asset)
		}
	}
	rows := map[string]bool{}
	for _, m := range regexp.MustCompile(`<tr class="syscall[^"]*" data-syscall="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		rows[m[1]] = true
	}
	for _, s := range readReport(t, out).Syscalls {
		if !rows[s.Name] {
			t.Errorf("no row for %s", s.Name)
		}
	}
	if len(rows) != len(readReport(t, out).Syscalls) {
		t.Errorf("%d rows for %d syscalls", len(rows), len(readReport(t, out).Syscalls))
	}

	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (scripts/deps.sh installs it); screenshot skipped")
	}
	html := filepath.Join(dir, "report.html")
	if err := os.WriteFile(html, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "report.png")
	runCmd(t, 90*time.Second, dir, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--screenshot="+shot, "--window-size=1200,900", "file://"+html)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1200 || b.Dy() != 900 {
		t.Errorf("screenshot is %v, want 1200x900", b)
	}
	colours := map[uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 7 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[r>>8<<16|g>>8<<8|bl>>8] = true
		}
	}
	if len(colours) < 8 {
		t.Errorf("screenshot has only %d colours: the page did not render", len(colours))
	}
}
