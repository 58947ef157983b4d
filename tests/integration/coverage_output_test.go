package integration

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/elfloader/elfloader/tests/testbin"
)

// The coverage report and the program's own output never mix: the report
// owns stdout when it goes there (the program's stdout then goes to
// elfloader's stderr), the program owns the terminal when the report goes
// to --out FILE.

// noisyScript prints STD_OUT and STD_ERR on its two outputs (words that
// its own command line, which the report names, does not hold).
const noisyScript = "printf 'STD%sOUT\\n' _; printf 'STD%sERR\\n' _ >&2"

func TestCoverageReportOwnsStdout(t *testing.T) {
	elf := testElfloaderWithFlags(t)
	bb := requireBusybox(t)
	run := func(flags ...string) cmdResult {
		argv := append(append([]string{elf[0], "coverage"}, elf[1:]...), flags...)
		argv = append(argv, "--", bb, "sh", "-c", noisyScript)
		res := runCmd(t, testTimeout, "", argv...)
		if res.status != 0 {
			t.Fatalf("%v: status %d\n%s", flags, res.status, res.stderr)
		}
		return res
	}
	for _, format := range []string{"json", "text", "html", "markdown"} {
		res := run("--format=" + format)
		if format == "json" {
			var v map[string]any
			if err := json.Unmarshal([]byte(res.stdout), &v); err != nil {
				t.Errorf("--format=json: stdout is not JSON (%v):\n%.300s", err, res.stdout)
			}
		}
		if strings.Contains(res.stdout, "STD_OUT") || strings.Contains(res.stdout, "STD_ERR") {
			t.Errorf("--format=%s: the program's output is in the report:\n%.300s", format, res.stdout)
		}
		if !strings.Contains(res.stderr, "STD_OUT\n") || !strings.Contains(res.stderr, "STD_ERR\n") {
			t.Errorf("--format=%s: the program's output is not on stderr:\n%s", format, res.stderr)
		}
	}
	if res := run("--format=html"); !strings.HasPrefix(res.stdout, "<!DOCTYPE html>") {
		t.Errorf("the HTML report does not start the page:\n%.200s", res.stdout)
	}
	out := filepath.Join(t.TempDir(), "r.json")
	res := run("-o", out)
	if res.stdout != "STD_OUT\n" {
		t.Errorf("with -o FILE, stdout is %q, want the program's own %q", res.stdout, "STD_OUT\n")
	}
	r := readReport(t, out)
	if len(r.Runs) != 1 || len(r.Syscalls) == 0 {
		t.Errorf("the report in %s has %d runs and %d syscalls", out, len(r.Runs), len(r.Syscalls))
	}
}

// testElfloaderWithFlags is the elfloader binary and $ELFLOADER_FLAGS (the
// platform), as a command line prefix.
func testElfloaderWithFlags(t *testing.T) []string {
	t.Helper()
	return append([]string{testbin.Elfloader(t)}, testbin.EnvFlags()...)
}

// overflowProbe, appended to a copy of a page, writes into the DOM how many
// pixels the page or any scrolling box in it is wider than its window.
const overflowProbe = `<script>
var worst = document.documentElement.scrollWidth - window.innerWidth;
document.querySelectorAll("*").forEach(function (e) {
  var o = e.scrollWidth - e.clientWidth;
  if (o > worst && getComputedStyle(e).overflowX !== "visible") worst = o;
});
document.body.setAttribute("data-overflow", String(worst));
document.body.setAttribute("data-width", String(window.innerWidth));
</script>`

// TestCoverageHTMLFits1400: a report with long sub-operation labels (clone
// and mmap flag lists), call sites and a long command line is titled after
// the program and its arguments, and fits a 1,400-pixel window without
// horizontal scrolling, in headless Chromium.
func TestCoverageHTMLFits1400(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (scripts/deps.sh installs it)")
	}
	elf := testElfloaderWithFlags(t)
	bb := requireBusybox(t)
	long := "an-argument-without-spaces-" + strings.Repeat("x", 150)
	dir := t.TempDir()
	argv := append(append([]string{elf[0], "coverage"}, elf[1:]...), "--format=html", "--",
		bb, "sh", "-c", "ls / | cat >/dev/null; echo "+long, "sh")
	res := runCmd(t, testTimeout, "", argv...)
	if res.status != 0 {
		t.Fatalf("coverage: status %d\n%s", res.status, res.stderr)
	}
	title := regexp.MustCompile(`<title>([^<]*)</title>`).FindStringSubmatch(res.stdout)
	if title == nil || !strings.Contains(title[1], "Syscall coverage of "+bb+" sh -c") || !strings.Contains(title[1], long) {
		t.Errorf("the title does not name the program and its arguments: %q", title)
	}
	page := filepath.Join(dir, "report.html")
	if err := os.WriteFile(page, []byte(res.stdout+overflowProbe), 0o644); err != nil {
		t.Fatal(err)
	}
	browse := func(extra ...string) cmdResult {
		args := append([]string{chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
			"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
			"--user-data-dir=" + filepath.Join(dir, "profile"), "--window-size=1400,900"}, extra...)
		return runCmd(t, 90*time.Second, dir, append(args, "file://"+page)...)
	}
	shot := filepath.Join(dir, "report.png")
	browse("--screenshot=" + shot)
	if _, err := os.Stat(shot); err != nil {
		t.Errorf("no screenshot: %v", err)
	}
	dom := browse("--dump-dom").stdout
	m := regexp.MustCompile(`data-overflow="(-?\d+)" data-width="(\d+)"`).FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("the probe did not run; DOM:\n%.500s", dom)
	}
	if m[2] != "1400" {
		t.Errorf("window width %s, want 1400", m[2])
	}
	if m[1] != "0" && !strings.HasPrefix(m[1], "-") {
		t.Errorf("the page overflows its 1400-pixel window by %s pixels", m[1])
	}
}

// TestCoverageProfileNamesSubOp: a call refused for its sub-operation is
// reported with it ("openat O_WRONLY|O_CREAT|O_TRUNC is not in the
// profile"), once, and not as an unsupported syscall.
func TestCoverageProfileNamesSubOp(t *testing.T) {
	elf := testElfloaderWithFlags(t)
	bb := requireBusybox(t)
	profile := filepath.Join(t.TempDir(), "profile.json")
	const onlyReads = `{"schema": "elfloader-profile/1", "syscalls": ["*"], "subops": {"open": ["O_RDONLY"],
  "ioctl": ["*"], "fcntl": ["*"], "prctl": ["*"], "futex": ["*"], "arch_prctl": ["*"], "socket": ["*"],
  "sockopt": ["*"], "clone": ["*"], "mmap": ["*"], "mprotect": ["*"], "madvise": ["*"]}}`
	if err := os.WriteFile(profile, []byte(onlyReads), 0o644); err != nil {
		t.Fatal(err)
	}
	argv := append(append([]string{elf[0], "run"}, elf[1:]...), "--profile", profile, "--",
		bb, "sh", "-c", "head -c0 /etc/hostname && echo read; echo x > /tmp/f || echo refused; echo y > /tmp/g")
	res := runCmd(t, testTimeout, "", argv...)
	if res.stdout != "read\nrefused\n" {
		t.Errorf("stdout %q, want the read to work and the write to be refused", res.stdout)
	}
	const note = "elfloader: openat O_WRONLY|O_CREAT|O_TRUNC is not in the profile\n"
	if strings.Count(res.stderr, note) != 1 || strings.Contains(res.stderr, "unsupported syscall") {
		t.Errorf("stderr does not name the refused sub-operation once (%q):\n%s", note, res.stderr)
	}
}

// TestCoverageExploreComparesOutput: explore counts a variant as working
// only when stdout, stderr and the exit status match the baseline. busybox
// ls exits 0 when its writes fail, so with the status alone `write` looked
// stubbable; its output tells otherwise, and the note says what changed.
func TestCoverageExploreComparesOutput(t *testing.T) {
	elf := testElfloaderWithFlags(t)
	bb := requireBusybox(t)
	dir := hostScratch(t)
	writeTree(t, dir, map[string]string{"a": "", "b": "", "sub/": ""})
	argv := append(append([]string{elf[0], "coverage", "explore"}, elf[1:]...), "--format=json", "--repeat=2",
		"--timeout=5s", "--", bb, "ls", dir)
	res := runCmd(t, 300*time.Second, "", argv...)
	if res.status != 0 {
		t.Fatalf("explore: status %d\n%s", res.status, res.stderr)
	}
	var rep struct {
		Items []struct {
			Syscall, SubKind, Verdict, Note string
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &rep); err != nil {
		t.Fatalf("explore JSON: %v\n%s", err, res.stdout)
	}
	found := map[string]bool{}
	for _, it := range rep.Items {
		if it.SubKind != "" {
			continue
		}
		found[it.Syscall] = true
		switch it.Syscall {
		case "write", "getdents64":
			if it.Verdict != "required" || !strings.Contains(it.Note, `stubbed: stdout differs at line 1: "a\n" → (none)`) {
				t.Errorf("%s: %s (%s), want required because the listing is missing", it.Syscall, it.Verdict, it.Note)
			}
		case "rseq", "getrandom":
			if it.Verdict != "stubbable" {
				t.Errorf("%s: %s (%s), want stubbable", it.Syscall, it.Verdict, it.Note)
			}
		}
	}
	if !found["write"] || !found["getdents64"] {
		t.Errorf("write or getdents64 not explored: %v", found)
	}
}

// TestCoveragePlan: three reports of different programs, ranked by how many
// apps each missing or partial syscall or sub-operation would unblock; the
// cumulative curve ends with every app running, in text, JSON and HTML
// (an inline SVG picture).
func TestCoveragePlan(t *testing.T) {
	elf := testElfloaderWithFlags(t)
	bb := requireBusybox(t)
	prog := buildC(t, "need", needSrc)
	dir := t.TempDir()
	var reports []string
	for i, argv := range [][]string{{bb, "ls", "/"}, {bb, "sh", "-c", "ls / | cat"}, {prog}} {
		out := filepath.Join(dir, "r"+strconv.Itoa(i)+".json")
		args := append(append([]string{elf[0], "coverage"}, elf[1:]...), "-o", out, "--")
		if res := runCmd(t, testTimeout, "", append(args, argv...)...); res.status != 0 {
			t.Fatalf("coverage %v: status %d\n%s", argv, res.status, res.stderr)
		}
		reports = append(reports, out)
	}
	plan := func(format string) string {
		res := runCmd(t, testTimeout, "", append([]string{elf[0], "coverage", "plan", "--format=" + format}, reports...)...)
		if res.status != 0 {
			t.Fatalf("plan --format=%s: status %d\n%s", format, res.status, res.stderr)
		}
		return res.stdout
	}
	var p struct {
		Schema string `json:"schema"`
		Apps   []struct {
			Name  string   `json:"name"`
			Needs []string `json:"needs"`
		} `json:"apps"`
		Ready int `json:"ready"`
		Items []struct {
			Rank     int      `json:"rank"`
			Name     string   `json:"name"`
			Level    string   `json:"level"`
			Apps     []string `json:"apps"`
			Unblocks int      `json:"unblocks"`
			Running  int      `json:"running"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(plan("json")), &p); err != nil {
		t.Fatalf("plan JSON: %v", err)
	}
	if p.Schema != "elfloader-plan/1" || len(p.Apps) != 3 || len(p.Items) == 0 {
		t.Fatalf("plan: schema %q, %d apps, %d items", p.Schema, len(p.Apps), len(p.Items))
	}
	running, needed := p.Ready, map[string]int{}
	for _, a := range p.Apps {
		for _, n := range a.Needs {
			needed[n]++
		}
	}
	for i, it := range p.Items {
		running += it.Unblocks
		if it.Rank != i+1 || it.Running != running || it.Level == "full" || len(it.Apps) != needed[it.Name] {
			t.Errorf("item %d: %+v (running %d, needed by %d apps)", i, it, running, needed[it.Name])
		}
	}
	if running != 3 {
		t.Errorf("after the whole plan %d apps would run, want 3", running)
	}
	// rseq is a stub every glibc program calls: all three need it.
	if len(p.Items[0].Apps) < 2 {
		t.Errorf("the first item is needed by %d apps only: %+v", len(p.Items[0].Apps), p.Items[0])
	}
	if text := plan("text"); !strings.Contains(text, "Implementation plan for 3 apps") || !strings.Contains(text, p.Items[0].Name) {
		t.Errorf("text plan:\n%s", text)
	}
	if html := plan("html"); !strings.HasPrefix(html, "<!DOCTYPE html>") || !strings.Contains(html, "<svg") || !strings.Contains(html, "<polyline") {
		t.Errorf("HTML plan has no curve:\n%.400s", html)
	}
}
