package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// execFixture is a directory of files to execute, mounted into the app at
// the same path so that native and loaded runs name the same files.
type execFixture struct {
	dir   string
	flags []string // elfloader run flags that mount dir
}

// newExecFixture writes the programs the exec tests run: #! scripts (one
// through busybox, one through /bin/sh, a chain of six), files that cannot
// be run (plain text, modes 0644 and 000, a directory, a script whose
// interpreter is missing, a symlink loop) and a PIE patched to ET_EXEC.
func newExecFixture(t *testing.T) execFixture {
	t.Helper()
	requireHostProgram(t, busybox)
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
	write("busybox.sh", "#!/bin/busybox sh\necho \"busybox script: $0 $*\"\n", 0o755)
	write("sh.sh", "#!/bin/sh\necho \"sh script: $0 $*\"\n", 0o755)
	// Prints its argument count and each argument's base name (no fork).
	write("chain0", "#!/bin/busybox sh\nprintf 'chain: %s:' $#; for a; do printf ' %s' \"${a##*/}\"; done; echo\n", 0o755)
	for i := 1; i <= 5; i++ {
		write("chain"+string(rune('0'+i)), "#!"+filepath.Join(dir, "chain"+string(rune('0'+i-1)))+"\n", 0o755)
	}
	write("text", "hello, not a program\n", 0o755)
	write("empty-shebang", "#!\n", 0o755)
	write("mode644", "#!/bin/busybox sh\necho should not run\n", 0o644)
	write("mode000", "#!/bin/busybox sh\necho should not run\n", 0)
	write("bad-interp", "#!/nonexistent/interpreter\n", 0o755)
	write("text-interp", "#!"+filepath.Join(dir, "text")+"\n", 0o755)
	if err := os.Mkdir(filepath.Join(dir, "directory"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, l := range [][2]string{{"loop1", "loop2"}, {"loop2", "loop1"}} {
		if err := os.Symlink(filepath.Join(dir, l[1]), filepath.Join(dir, l[0])); err != nil {
			t.Fatal(err)
		}
	}
	return execFixture{dir: dir, flags: append(testbin.EnvFlags(), "--volume", dir+":"+dir)}
}

func (f execFixture) path(name string) string { return filepath.Join(f.dir, name) }

// etExecPIE copies a gcc PIE into dir with e_type patched from ET_DYN to
// ET_EXEC: its segments are linked at address 0.
func etExecPIE(t *testing.T, dir string) string {
	t.Helper()
	skipUnlessDynamic(t)
	v, ok := testbin.VariantByName("gcc-dynamic")
	if !ok {
		t.Skip("no gcc-dynamic variant")
	}
	data, err := os.ReadFile(testbin.Build(t, testbin.CSource(t, "hello.c"), v))
	if err != nil {
		t.Fatal(err)
	}
	if data[16] != 3 { // ET_DYN
		t.Fatalf("e_type %d, want a PIE (ET_DYN)", data[16])
	}
	data[16] = 2 // ET_EXEC
	p := filepath.Join(dir, "etexec")
	if err := os.WriteFile(p, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// assertOneLineError checks a run that elfloader refused: status, and a
// single "elfloader:" line on stderr that names the reason.
func assertOneLineError(t *testing.T, r testbin.Result, status int, reason string) {
	t.Helper()
	assertNoPanic(t, r.Stderr)
	if r.Status != status {
		t.Errorf("status %d, want %d (stderr %q)", r.Status, status, r.Stderr)
	}
	lines := strings.Split(strings.TrimSuffix(r.Stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "elfloader: ") || !strings.Contains(lines[0], reason) {
		t.Errorf("stderr %q, want one elfloader: line with %q", r.Stderr, reason)
	}
	if r.Stdout != "" {
		t.Errorf("stdout %q, want nothing", r.Stdout)
	}
}

// TestExecPathLookup: a PROGRAM without a slash is searched in the app's
// PATH, as execvp does.
func TestExecPathLookup(t *testing.T) {
	requireHostProgram(t, busybox, "/bin/ls")
	env := []string{"PATH=/usr/local/bin:/usr/bin:/bin"}
	for _, argv := range [][]string{{"ls", "/"}, {"busybox", "echo", "hi"}} {
		t.Run(argv[0], func(t *testing.T) {
			_, loaded := testbin.CompareWithNative(t, testTimeout, testbin.EnvFlags(), argv, env, nil)
			assertNoPanic(t, loaded.Stderr)
		})
	}
	r := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), []string{"no-such-program-here"}, env, nil)
	assertOneLineError(t, r, 127, "not found in PATH")
	// --env PATH replaces the PATH the app would inherit.
	r = testbin.RunElfloader(t, testTimeout, append(testbin.EnvFlags(), "--env", "PATH=/nonexistent"), []string{"ls"}, env, nil)
	assertOneLineError(t, r, 127, "not found in PATH (/nonexistent)")
}

// TestExecScripts: #! scripts run directly, through busybox, through
// /bin/sh, and through a chain of five scripts (Linux's limit).
func TestExecScripts(t *testing.T) {
	f := newExecFixture(t)
	for _, name := range []string{"busybox.sh", "sh.sh", "chain1", "chain4"} {
		t.Run(name, func(t *testing.T) {
			_, loaded := testbin.CompareWithNative(t, testTimeout, f.flags, []string{f.path(name), "one", "two words"}, nil, nil)
			assertNoPanic(t, loaded.Stderr)
		})
	}
}

// TestExecRunRefused: files that cannot be run get the status shells and
// container engines give (126 cannot run, 127 not found) and one line.
func TestExecRunRefused(t *testing.T) {
	f := newExecFixture(t)
	cases := []struct {
		name   string
		status int
		reason string
	}{
		{"text", 126, "exec format error"},
		{"empty-shebang", 126, "exec format error"},
		{"text-interp", 126, "exec format error"},
		{"mode644", 126, "permission denied"},
		{"mode000", 126, "permission denied"},
		{"directory", 126, "permission denied"},
		{"chain5", 126, "too many levels"},
		{"loop1", 126, "too many levels"},
		{"bad-interp", 127, "no such file"},
		{"missing", 127, "no such file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := testbin.RunElfloader(t, testTimeout, f.flags, []string{f.path(c.name)}, nil, nil)
			assertOneLineError(t, r, c.status, c.reason)
		})
	}
}

// TestExecErrno: execve of each kind of bad file from a C program returns
// Linux's errno and the program goes on; then it re-executes itself
// through /proc/self/exe.
func TestExecErrno(t *testing.T) {
	f := newExecFixture(t)
	var args []string
	for _, name := range []string{"text", "empty-shebang", "text-interp", "mode644", "mode000", "directory",
		"chain5", "loop1", "bad-interp", "missing", "text/below-a-file"} {
		args = append(args, f.path(name))
	}
	args = append(args, "--self")
	for _, v := range staticAndGlibcDynamic(t) {
		t.Run(v.Name, func(t *testing.T) {
			bin := testbin.Build(t, testbin.CSource(t, "exec_errno.c"), v)
			native, loaded := testbin.CompareWithNative(t, testTimeout, f.flags, append([]string{bin}, args...), nil, nil)
			if !strings.Contains(native.Stdout, "text: execve returned -1, errno ENOEXEC") {
				t.Errorf("unexpected native output:\n%s", native.Stdout)
			}
			assertNoPanic(t, loaded.Stderr)
		})
	}
}

// TestExecBusyboxExec: busybox sh runs `exec APPLET` by executing
// /proc/self/exe.
func TestExecBusyboxExec(t *testing.T) {
	requireHostProgram(t, busybox, "/etc/hostname")
	_, loaded := testbin.CompareWithNative(t, testTimeout, testbin.EnvFlags(),
		[]string{busybox, "sh", "-c", "exec cat /etc/hostname"}, nil, nil)
	assertNoPanic(t, loaded.Stderr)
}

// TestExecETExecPIE: a PIE whose e_type says ET_EXEC would load at address
// 0, which elfloader never maps: run refuses it with one line and 126,
// execve answers EPERM and the caller goes on.
func TestExecETExecPIE(t *testing.T) {
	f := newExecFixture(t)
	etexec := etExecPIE(t, f.dir)
	r := testbin.RunElfloader(t, testTimeout, f.flags, []string{etexec}, nil, nil)
	assertOneLineError(t, r, 126, "operation not permitted")

	v, _ := testbin.VariantByName("gcc-static")
	bin := testbin.Build(t, testbin.CSource(t, "exec_errno.c"), v)
	r = testbin.RunElfloader(t, testTimeout, f.flags, []string{bin, etexec}, nil, nil)
	assertNoPanic(t, r.Stderr)
	want := "etexec: execve returned -1, errno EPERM\nNULL: execve returned -1, errno EFAULT\nstill running after 2 failed execs\n"
	if r.Status != 0 || r.Stdout != want {
		t.Errorf("status %d, stdout %q; want 0, %q (stderr %q)", r.Status, r.Stdout, want, r.Stderr)
	}
}

// TestExecSelfExe: /proc/self/exe jumps to the executable even when its
// path has become a symlink back to /proc/self/exe (no endless resolution).
func TestExecSelfExe(t *testing.T) {
	for _, v := range staticAndGlibcDynamic(t) {
		t.Run(v.Name, func(t *testing.T) {
			bin := testbin.Build(t, testbin.CSource(t, "exec_selfexe.c"), v)
			native := testbin.RunNative(t, testTimeout, []string{bin, filepath.Join(t.TempDir(), "copy")}, nil, nil)
			loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), []string{bin, appScratch("selfexe-" + v.Name)}, nil, nil)
			compareRuns(t, native, loaded)
			assertNoPanic(t, loaded.Stderr)
		})
	}
}

// TestExecAt compares execveat relative to a directory descriptor and with
// AT_EMPTY_PATH (fexecve), and its error rules, with the native run.
func TestExecAt(t *testing.T) {
	compareCPrograms(t, []cProgram{{source: "exec_at.c"}})
}

// TestExecThreads runs tests/c/exec_threads.c: execve from a process with
// threads blocked in calls and spinning in user code, from the main
// thread and from another thread, natively and under elfloader.
func TestExecThreads(t *testing.T) {
	for _, v := range testbin.Variants() {
		t.Run(v.Name, func(t *testing.T) {
			if !v.Static {
				skipUnlessDynamic(t)
			}
			bin := testbin.Build(t, testbin.CSource(t, "exec_threads.c"), v)
			for _, mode := range [][]string{nil, {"thread"}} {
				argv := append([]string{bin}, mode...)
				native := testbin.RunNative(t, testTimeout, argv, nil, nil)
				loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), argv, nil, nil)
				compareRuns(t, native, loaded)
			}
		})
	}
}
