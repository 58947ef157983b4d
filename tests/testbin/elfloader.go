package testbin

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// ElfloaderEnv names the environment variable that points at a prebuilt
// elfloader binary; when set, Elfloader uses it instead of building one.
const ElfloaderEnv = "ELFLOADER"

// FlagsEnv names the environment variable holding extra `elfloader run`
// flags (split on white space) that integration tests pass on every run,
// e.g. ELFLOADER_FLAGS=--platform=ptrace to run the suite on one platform.
const FlagsEnv = "ELFLOADER_FLAGS"

// EnvFlags returns the flags in $ELFLOADER_FLAGS.
func EnvFlags() []string { return strings.Fields(os.Getenv(FlagsEnv)) }

// elfloaderBuildTimeout bounds `go build ./cmd/elfloader`.
const elfloaderBuildTimeout = 5 * time.Minute

// builtElfloader memoises the build of ./cmd/elfloader for the lifetime of
// the test process: every test shares one binary, built at most once.
var builtElfloader = sync.OnceValues(buildElfloader)

// Elfloader returns the path of the elfloader command: $ELFLOADER if set,
// otherwise ./cmd/elfloader built once per test process as a PIE (so that
// non-PIE programs can be placed at their link address). A failed build
// fails the test with the compiler's output.
func Elfloader(t testing.TB) string {
	t.Helper()
	if path := os.Getenv(ElfloaderEnv); path != "" {
		abs, err := filepath.Abs(path)
		if err != nil {
			t.Fatalf("$%s: %v", ElfloaderEnv, err)
		}
		if _, err := os.Stat(abs); err != nil {
			t.Fatalf("$%s: %v", ElfloaderEnv, err)
		}
		return abs
	}
	path, err := builtElfloader()
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// buildElfloader builds ./cmd/elfloader into the cache directory. Each test
// process builds to a private name and renames it over the shared one, so
// a process already running the previous file keeps its inode.
func buildElfloader() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	dir := CacheDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create cache directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".elfloader-")
	if err != nil {
		return "", fmt.Errorf("reserve elfloader output: %w", err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name())

	ctx, cancel := context.WithTimeout(context.Background(), elfloaderBuildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-buildmode=pie", "-o", tmp.Name(), "./cmd/elfloader")
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/elfloader: %w\n%s", err, out.String())
	}
	final := filepath.Join(dir, "elfloader")
	if err := os.Rename(tmp.Name(), final); err != nil {
		return "", fmt.Errorf("publish elfloader binary: %w", err)
	}
	return final, nil
}

// Platform returns the platform the runs use: the last --platform in
// $ELFLOADER_FLAGS, or "inproc" (elfloader's default).
func Platform() string {
	p := "inproc"
	flags := EnvFlags()
	for i, f := range flags {
		if v, ok := strings.CutPrefix(f, "--platform="); ok {
			p = v
		} else if f == "--platform" && i+1 < len(flags) {
			p = flags[i+1]
		}
	}
	return p
}

// RequireInproc skips a test that exercises what only the in-process
// platform has (the fast syscall path, the host's vDSO), naming it.
func RequireInproc(t testing.TB, what string) {
	t.Helper()
	if p := Platform(); p != "inproc" {
		t.Skipf("platform limitation: %s exists only on --platform=inproc ($%s selects --platform=%s)", what, FlagsEnv, p)
	}
}
