package testbin

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// GoSource returns the directory of the Go test program tests/go/name.
func GoSource(t testing.TB, name string) string {
	t.Helper()
	dir := filepath.Join(ModuleRoot(t), "tests", "go", name)
	if _, err := os.Stat(filepath.Join(dir, "main.go")); err != nil {
		t.Fatalf("Go test program: %v", err)
	}
	return dir
}

// BuildGo compiles the Go test program tests/go/name into a static binary
// (CGO_ENABLED=0, the default non-PIE layout at 0x400000) and returns its
// path. Binaries are cached like C programs, keyed by the package's .go
// files and the Go toolchain. The test is skipped when `go` is not in PATH
// and fails when compilation fails.
func BuildGo(t testing.TB, name string) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("Go test programs need the go command in PATH")
	}
	root := ModuleRoot(t)
	GoSource(t, name)
	path, err := buildGo(CacheDir(), root, goTool, name)
	if err != nil {
		t.Fatalf("build Go program %s: %v", name, err)
	}
	return path
}

// buildGo does the work of BuildGo.
func buildGo(cacheDir, root, goTool, name string) (string, error) {
	pkgDir := filepath.Join(root, "tests", "go", name)
	key, err := goCacheKey(pkgDir, goTool)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return "", fmt.Errorf("create cache directory: %w", err)
	}
	final := filepath.Join(cacheDir, fmt.Sprintf("go-%s-%s", name, key))
	if info, err := os.Stat(final); err == nil && info.Mode().IsRegular() {
		return final, nil
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("stat cached binary: %w", err)
	}
	tmp, err := os.MkdirTemp(cacheDir, ".gobuild-")
	if err != nil {
		return "", fmt.Errorf("create scratch directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "prog")
	cmd := exec.Command(goTool, "build", "-o", out, "./tests/go/"+name)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	if output, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./tests/go/%s: %w\n%s", name, err, output)
	}
	if err := os.Rename(out, final); err != nil {
		return "", fmt.Errorf("publish binary: %w", err)
	}
	return final, nil
}

// goCacheKey hashes the package's Go files, the go command's identity and
// the Go version the tests were built with.
func goCacheKey(pkgDir, goTool string) (string, error) {
	entries, err := os.ReadDir(pkgDir)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", pkgDir, err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".go") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	h := sha256.New()
	fmt.Fprintf(h, "go program %s\n", runtime.Version())
	if info, err := os.Stat(goTool); err == nil {
		fmt.Fprintf(h, "tool %s %d %d\n", goTool, info.Size(), info.ModTime().UnixNano())
	}
	for _, n := range names {
		code, err := os.ReadFile(filepath.Join(pkgDir, n))
		if err != nil {
			return "", fmt.Errorf("read %s: %w", n, err)
		}
		fmt.Fprintf(h, "file %s %d\n", n, len(code))
		h.Write(code)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}
