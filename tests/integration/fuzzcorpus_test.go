package integration

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// internalErrorStatus is kernel.InternalErrorStatus: elfloader's status
// after one of its own goroutines panicked.
const internalErrorStatus = 70

// corpusInputs reads the single-[]byte inputs of a committed fuzz corpus
// (Go's "go test fuzz v1" files), keyed by file name.
func corpusInputs(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("fuzz corpus: %v", err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
		if len(lines) != 2 || lines[0] != "go test fuzz v1" ||
			!strings.HasPrefix(lines[1], "[]byte(") || !strings.HasSuffix(lines[1], ")") {
			t.Fatalf("%s: not a one-[]byte corpus file", e.Name())
		}
		s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		out[e.Name()] = []byte(s)
	}
	return out
}

// runCommand runs `elfloader ARGS...` with the test timeout.
func runCommand(t *testing.T, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, testbin.Elfloader(t), args...)
	cmd.Env = []string{}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("elfloader %s timed out; stderr:\n%s", strings.Join(args, " "), errOut.String())
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
}

// assertCleanFailure checks elfloader's own stderr: nothing but
// "elfloader:" lines, no Go panic or goroutine dump.
func assertCleanFailure(t *testing.T, stderr string) {
	t.Helper()
	assertNoPanic(t, stderr)
	for _, line := range strings.Split(strings.TrimSuffix(stderr, "\n"), "\n") {
		if line != "" && !strings.HasPrefix(line, testbin.DiagnosticPrefix) {
			t.Errorf("stderr line %q does not start with %q:\n%s", line, testbin.DiagnosticPrefix, stderr)
		}
	}
}

// TestFuzzCorpusThroughTheCommand feeds every committed fuzz input of the
// ELF parser and the image reader to `elfloader inspect`, and the known
// crashers (files named crasher-*) to `elfloader run` too: elfloader must
// answer with its own diagnostic lines, never a panic or a goroutine dump.
func TestFuzzCorpusThroughTheCommand(t *testing.T) {
	root := testbin.ModuleRoot(t)
	for _, c := range []struct {
		corpus string
		suffix string
	}{
		{"elfloader/testdata/fuzz/FuzzParse", ""},
		{"images/testdata/fuzz/FuzzOpenImage", ".img"},
	} {
		for name, data := range corpusInputs(t, filepath.Join(root, c.corpus)) {
			t.Run(filepath.Base(c.corpus)+"/"+name, func(t *testing.T) {
				t.Parallel()
				path := filepath.Join(t.TempDir(), name+c.suffix)
				if err := os.WriteFile(path, data, 0o755); err != nil {
					t.Fatal(err)
				}
				_, stderr, status := runCommand(t, "inspect", "--files", path)
				assertCleanFailure(t, stderr)
				if status == internalErrorStatus || status != 0 && strings.Count(stderr, "\n") != 1 {
					t.Errorf("inspect: status %d, stderr:\n%s", status, stderr)
				}
				if !strings.HasPrefix(name, "crasher-") {
					return
				}
				_, stderr, status = runCommand(t, "run", path)
				assertCleanFailure(t, stderr)
				if status == internalErrorStatus {
					// A clear line, but a bug all the same: say which.
					t.Logf("run: internal error (status %d): %s", status, stderr)
				}
			})
		}
	}
}
