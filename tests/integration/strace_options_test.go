package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// TestTraceUnfinishedResumed traces a threaded program with -f: every
// call a thread leaves "<unfinished ...>" is later "<... NAME resumed>" by
// the same thread (or ended by its exit), every thread's end is reported,
// and no line mixes two threads.
func TestTraceUnfinishedResumed(t *testing.T) {
	v, ok := testbin.VariantByName("gcc-static")
	if !ok || v.Missing() != "" {
		t.Skip("gcc-static variant unavailable")
	}
	prog := testbin.Build(t, testbin.CSource(t, "thr_join.c"), v)
	out := filepath.Join(t.TempDir(), "trace")
	runTraced(t, []string{testbin.Elfloader(t), "trace", "-f", "-o", out, prog})
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`^(?:\[pid +(\d+)\] )?(.*)$`)
	call := regexp.MustCompile(`^([a-z0-9_]+)\(`)
	resumed := regexp.MustCompile(`^<\.\.\. ([a-z0-9_]+) resumed>`)
	open := map[string]string{} // pid → call left unfinished
	exits, unfinished := 0, 0
	for i, l := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		m := line.FindStringSubmatch(l)
		pid, text := m[1], m[2]
		if pid == "" {
			pid = "solo" // strace leaves the prefix out while one task is traced
		}
		switch {
		case strings.HasSuffix(text, " <unfinished ...>"):
			c := call.FindStringSubmatch(text)
			if c == nil || open[pid] != "" {
				t.Fatalf("line %d: bad unfinished line %q (open: %q)", i+1, l, open[pid])
			}
			open[pid] = c[1]
			unfinished++
		case resumed.MatchString(text):
			name := resumed.FindStringSubmatch(text)[1]
			if open[pid] != name {
				// The prefix appeared or went away in between: the call
				// is the one open call of that name.
				for other, n := range open {
					if n == name && (m[1] == "" || other == "solo") {
						pid = other
					}
				}
			}
			if open[pid] != name {
				t.Fatalf("line %d: %q resumes %q, but the open call of pid %s is %q", i+1, l, name, pid, open[pid])
			}
			delete(open, pid)
		case strings.HasPrefix(text, "+++ exited with "):
			exits++
			delete(open, pid)
		case strings.Contains(text, "<unfinished") || strings.Contains(text, "resumed>"):
			t.Fatalf("line %d: malformed: %q", i+1, l)
		}
	}
	// thr_join starts 6 joinable, 4 detached and a few more threads.
	if exits < 11 {
		t.Errorf("%d exit lines, want one per thread (at least 11):\n%s", exits, data)
	}
	t.Logf("%d calls left unfinished and resumed", unfinished)
}

// TestTraceSummary compares `elfloader trace -c` with `strace -c`: the
// same syscalls with the same numbers of calls and errors (execve, which
// strace's own start makes, and rseq, which elfloader answers ENOSYS, left
// out), in strace's table.
func TestTraceSummary(t *testing.T) {
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace not installed")
	}
	if _, err := os.Stat(busybox); err != nil {
		t.Skip("busybox not installed")
	}
	argv := []string{busybox, "ls", "-l", "/usr"}
	dir := t.TempDir()
	native, loaded := filepath.Join(dir, "native"), filepath.Join(dir, "elfloader")
	runTraced(t, append([]string{strace, "-c", "-o", native}, argv...))
	runTraced(t, append([]string{testbin.Elfloader(t), "trace", "-c", "-o", loaded}, argv...))
	want, got := summaryCounts(t, native), summaryCounts(t, loaded)
	if want != got {
		t.Errorf("summary differs:\nstrace -c:\n%s\nelfloader trace -c:\n%s", want, got)
	}
	data, _ := os.ReadFile(loaded)
	if !strings.HasPrefix(string(data), "% time     seconds  usecs/call     calls    errors syscall\n") {
		t.Errorf("no strace header:\n%s", data)
	}
}

// summaryCounts returns the "syscall calls errors" of a -c table, sorted
// by name, without the total, execve and rseq.
func summaryCounts(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Fields(l)
		if len(f) < 5 || strings.HasPrefix(l, "%") || strings.HasPrefix(l, "---") {
			continue
		}
		name := f[len(f)-1]
		if name == "total" || name == "execve" || name == "rseq" {
			continue
		}
		errs := "0"
		if len(f) == 6 {
			errs = f[4]
		}
		rows = append(rows, name+" "+f[3]+" "+errs)
	}
	sort.Strings(rows)
	return strings.Join(rows, "\n")
}
