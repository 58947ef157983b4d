package integration

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// TestStraceGolden runs programs under the real `strace -f` natively and
// under `elfloader trace -f`, and expects the same lines once these
// differences, which are not the tracer's, are normalised away:
//
//   - strace's first line is the execve it made itself to start the
//     program; elfloader loads the program without an execve (and maps the
//     program, its interpreter and stack itself), so that line is dropped;
//   - the pid prefixes ("12345 " from strace -o, "[pid 12345] " from
//     elfloader) are removed and pids returned or reported by the kernel
//     (set_tid_address, clone, wait4, getpid, si_pid) become PID;
//   - addresses (every 0x… number) become ADDR: the layout differs;
//   - getrandom's bytes become RANDOM;
//   - under -y, pipe inode numbers (pipe:[N]) become pipe:[INODE]: the
//     two runs write to different pipes;
//   - the padding before " = " becomes one space (it depends on the prefix);
//   - rseq lines are dropped: elfloader does not implement rseq and answers
//     ENOSYS, which glibc accepts;
//   - the stat of /dev, /proc, /sys and /tmp is masked: these are
//     elfloader's own filesystems, not the host's directories;
//   - readlink("/proc/self/exe") is masked: a program under the host's /tmp
//     runs from elfloader's view of the host (/.elfloader/host/…) because
//     the app's /tmp is its own.
func TestStraceGolden(t *testing.T) {
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace not installed")
	}
	if out, err := exec.Command(strace, "-f", "-o", os.DevNull, "true").CombinedOutput(); err != nil {
		t.Skipf("strace cannot trace here (ptrace refused?): %v: %s", err, out)
	}
	elfloader := testbin.Elfloader(t)
	type program struct {
		name  string
		argv  []string
		flags []string // options given to both tracers
	}
	var programs []program
	variants := testbin.StaticVariants()
	if os.Getenv(dynamicEnv) != "0" {
		variants = append(variants, testbin.DynamicVariants()...)
	}
	for _, v := range variants {
		if v.Missing() != "" {
			continue
		}
		hello := testbin.Build(t, testbin.CSource(t, "hello.c"), v)
		cat := testbin.Build(t, testbin.CSource(t, "fs_cat.c"), v)
		programs = append(programs,
			program{"hello/" + v.Name, []string{hello}, nil},
			program{"fs_cat/" + v.Name, []string{cat, "/etc/hostname", "/nonexistent"}, nil},
			program{"fs_cat-y-s8/" + v.Name, []string{cat, "/etc/hostname", "/etc/os-release"}, []string{"-y", "-s", "8"}})
	}
	if _, err := os.Stat(busybox); err == nil {
		programs = append(programs,
			program{"busybox-cat", []string{busybox, "cat", "/etc/hostname"}, nil},
			program{"busybox-cat-y", []string{busybox, "cat", "/etc/hostname"}, []string{"-y"}},
			program{"busybox-ls-root", []string{busybox, "ls", "/"}, nil},
			program{"busybox-ls-usr", []string{busybox, "ls", "-l", "/usr"}, nil})
	}
	for _, p := range programs {
		t.Run(p.name, func(t *testing.T) {
			dir := t.TempDir()
			nativeOut := filepath.Join(dir, "native")
			loadedOut := filepath.Join(dir, "elfloader")
			nativeArgv := append(append([]string{strace, "-f", "-o", nativeOut}, p.flags...), p.argv...)
			loadedArgv := append(append([]string{elfloader, "trace", "-f", "-o", loadedOut}, p.flags...), p.argv...)
			runTraced(t, nativeArgv)
			runTraced(t, loadedArgv)
			want := normaliseTrace(t, nativeOut, true)
			got := normaliseTrace(t, loadedOut, false)
			if !strings.HasSuffix(want, "+++ exited with 0 +++\n") || strings.Count(want, "\n") < 5 {
				t.Fatalf("strace's trace looks incomplete:\n%s", want)
			}
			if want != got {
				t.Errorf("trace differs from strace's (normalised):\n%s", lineDiffs(want, got))
			}
		})
	}
}

// runTraced runs argv with an empty environment and stdout on a pipe, as
// both tracers must see the same program state.
func runTraced(t *testing.T, argv []string) {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = []string{}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("%s: %v", strings.Join(argv, " "), err)
	}
	assertNoPanic(t, stderr.String())
}

var (
	tracePidPrefix  = regexp.MustCompile(`^(\[pid +\d+\] +|\d+ +)`)
	traceAddress    = regexp.MustCompile(`0x[0-9a-f]+`)
	traceRandom     = regexp.MustCompile(`getrandom\("[^"]*"`)
	traceAlignment  = regexp.MustCompile(`\s+= `)
	tracePidReturn  = regexp.MustCompile(`^((set_tid_address|clone|clone3|fork|vfork|wait4|getpid|gettid|getppid)\(.*\) = )\d+`)
	traceSigPid     = regexp.MustCompile(`si_pid=\d+`)
	tracePipeInode  = regexp.MustCompile(`pipe:\[\d+\]`)
	traceOwnFSStats = regexp.MustCompile(`^(newfstatat\(AT_FDCWD, "/(dev|proc|sys|tmp)", )\{[^}]*\}`)
	traceSelfExe    = regexp.MustCompile(`^readlink\("/proc/self/exe", .*`)
)

// normaliseTrace reads a trace file and applies the normalisation
// described on TestStraceGolden.
func normaliseTrace(t *testing.T, path string, native bool) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		line = tracePidPrefix.ReplaceAllString(line, "")
		if native && len(out) == 0 && strings.HasPrefix(line, "execve(") {
			continue
		}
		if strings.HasPrefix(line, "rseq(") {
			continue
		}
		line = traceAddress.ReplaceAllString(line, "ADDR")
		line = traceRandom.ReplaceAllString(line, `getrandom("RANDOM"`)
		line = traceAlignment.ReplaceAllString(line, " = ")
		line = tracePidReturn.ReplaceAllString(line, "${1}PID")
		line = traceSigPid.ReplaceAllString(line, "si_pid=PID")
		line = tracePipeInode.ReplaceAllString(line, "pipe:[INODE]")
		line = traceOwnFSStats.ReplaceAllString(line, "${1}{OWN FS}")
		line = traceSelfExe.ReplaceAllString(line, `readlink("/proc/self/exe", EXE`)
		out = append(out, line)
	}
	return strings.Join(out, "\n") + "\n"
}

// lineDiffs lists the lines that differ, position by position.
func lineDiffs(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("line " + strconv.Itoa(i+1) + ":\n  strace:    " + wl + "\n  elfloader: " + gl + "\n")
		}
	}
	return b.String()
}
