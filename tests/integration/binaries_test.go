package integration

import (
	"bytes"
	"context"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/elfloader/elfloader/tests/testbin"
)

// leanRunner returns the lean runner under test and its elfloader-full
// (docs/binaries.md), or skips when $ELFLOADER is not a lean runner with
// elfloader-full next to it (`make build` makes both).
func leanRunner(t *testing.T) (lean, full string) {
	t.Helper()
	lean = testbin.Elfloader(t)
	full = filepath.Join(filepath.Dir(lean), "elfloader-full")
	if _, err := os.Stat(full); err != nil {
		t.Skip("needs the lean runner with elfloader-full next to it ($ELFLOADER from `make build`)")
	}
	return lean, full
}

// runBinary runs a binary with args and an environment, returning its
// output and exit status.
func runBinary(t *testing.T, bin string, env []string, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s %v: timed out", bin, args)
	}
	assertNoPanic(t, errOut.String())
	if ee, ok := err.(*exec.ExitError); ok {
		return out.String(), errOut.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", bin, args, err)
	}
	return out.String(), errOut.String(), 0
}

// TestLeanRunnerHandsOver checks the two builds of elfloader: the lean
// runner serves a run itself, hands --net=sandbox (and its flags, also
// under `coverage`) and pack to elfloader-full, found next to it or else
// in PATH, and says in one line what is missing when it finds none.
func TestLeanRunnerHandsOver(t *testing.T) {
	lean, full := leanRunner(t)
	v, ok := testbin.VariantByName("gcc-static")
	if !ok {
		t.Fatal("no gcc-static variant")
	}
	hello := testbin.Build(t, testbin.CSource(t, "hello.c"), v)
	alone := filepath.Join(t.TempDir(), "elfloader")
	data, err := os.ReadFile(lean)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(alone, data, 0o755); err != nil {
		t.Fatal(err)
	}
	noPath := []string{"PATH=/nonexistent", "HOME=" + t.TempDir()}

	// Alone, the runner runs programs on the host network.
	if out, errOut, st := runBinary(t, alone, noPath, "run", hello); st != 0 || !strings.Contains(out, "hello") {
		t.Fatalf("lean runner alone: status %d, stdout %q, stderr %q", st, out, errOut)
	}
	// What it cannot serve: one line naming elfloader-full, status 125.
	for _, args := range [][]string{
		{"run", "--net=sandbox", hello},
		{"run", "-p", "8080:80", "--net=sandbox", hello},
		{"coverage", "--net=sandbox", "--", hello},
		{"pack", "-o", filepath.Join(t.TempDir(), "x.img"), hello},
	} {
		_, errOut, st := runBinary(t, alone, noPath, args...)
		if st != 125 || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "is served by elfloader-full: not found next to "+alone+" or in PATH") {
			t.Errorf("%v without elfloader-full: status %d, stderr %q; want 125 and one line naming elfloader-full", args, st, errOut)
		}
	}
	// An argument of the program that looks like the flag is the program's.
	if out, errOut, st := runBinary(t, alone, noPath, "run", "/bin/echo", "--net=sandbox"); st != 0 || out != "--net=sandbox\n" {
		t.Errorf("run /bin/echo --net=sandbox: status %d, stdout %q, stderr %q", st, out, errOut)
	}
	// elfloader-full in PATH serves the sandbox run.
	withPath := []string{"PATH=" + filepath.Dir(full) + ":/usr/bin:/bin", "HOME=" + t.TempDir()}
	if out, errOut, st := runBinary(t, alone, withPath, "run", "--net=sandbox", hello); st != 0 || !strings.Contains(out, "hello") {
		t.Errorf("run --net=sandbox with elfloader-full in PATH: status %d, stdout %q, stderr %q", st, out, errOut)
	}
	// Next to it, the runner hands over in the same process (exec).
	out, errOut, st := runBinary(t, lean, noPath, "run", "--net=sandbox", "/bin/sh", "-c", "echo $$ $PPID")
	if st != 0 || len(strings.Fields(out)) != 2 {
		t.Errorf("run --net=sandbox next to elfloader-full: status %d, stdout %q, stderr %q", st, out, errOut)
	}
}

// TestAppLinkedAtElfloadersAddress runs a static non-PIE program linked
// where elfloader itself is loaded (make build links elfloader at a fixed
// address, docs/binaries.md): the program cannot share elfloader's address
// space, so it runs on the isolated platform, with the native output.
func TestAppLinkedAtElfloadersAddress(t *testing.T) {
	runner := testbin.Elfloader(t)
	f, err := elf.Open(runner)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Type != elf.ET_EXEC {
		t.Skip("elfloader is a PIE here: it has no fixed address")
	}
	base := ^uint64(0)
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			base = min(base, p.Vaddr)
		}
	}
	bin := filepath.Join(t.TempDir(), "hello-at-elfloader")
	src := testbin.CSource(t, "hello.c")
	if out, err := exec.Command("gcc", "-static", "-O2", fmt.Sprintf("-Wl,-Ttext-segment=%#x", base), "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	want, _, status := runBinary(t, bin, nil)
	if status != 0 {
		t.Fatalf("native run: status %d", status)
	}
	got, stderr, status := runBinary(t, runner, nil, append(append([]string{"run"}, testbin.EnvFlags()...), bin)...)
	if status != 0 || got != want {
		t.Errorf("under elfloader: status %d, stdout %q (want %q), stderr %q", status, got, want, stderr)
	}
}
