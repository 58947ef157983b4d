package testbin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// CacheDirEnv names the environment variable that overrides the build cache
// directory.
const CacheDirEnv = "ELFLOADER_TESTBIN_CACHE"

// buildTimeout bounds one compilation of a test program.
const buildTimeout = 2 * time.Minute

// CacheDir returns the directory where compiled test programs are kept:
// $ELFLOADER_TESTBIN_CACHE if set, else $TMPDIR/elfloader-testbin. It is
// shared by all `go test` processes of the module.
func CacheDir() string {
	if dir := os.Getenv(CacheDirEnv); dir != "" {
		return dir
	}
	return filepath.Join(os.TempDir(), "elfloader-testbin")
}

// Build compiles the C source file src with variant v (plus extraFlags,
// appended after the source so that -l flags work) and returns the path of
// the binary. Binaries are cached by the content of the source, the recipe
// and the toolchain, so repeated calls are cheap. The test is skipped when
// the variant's toolchain is missing, and fails when compilation fails.
func Build(t testing.TB, src string, v Variant, extraFlags ...string) string {
	t.Helper()
	if why := v.Missing(); why != "" {
		t.Skip(why)
	}
	path, warnings, err := build(CacheDir(), src, v, extraFlags)
	if err != nil {
		t.Fatalf("build %s (%s): %v", filepath.Base(src), v.Name, err)
	}
	if warnings != "" {
		t.Logf("build %s (%s) printed:\n%s", filepath.Base(src), v.Name, warnings)
	}
	return path
}

// build does the work of Build. It returns the binary's path and whatever
// the compiler printed when it had to compile.
func build(cacheDir, src string, v Variant, extra []string) (string, string, error) {
	src, err := filepath.Abs(src)
	if err != nil {
		return "", "", fmt.Errorf("resolve source path: %w", err)
	}
	code, err := os.ReadFile(src)
	if err != nil {
		return "", "", fmt.Errorf("read source: %w", err)
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return "", "", fmt.Errorf("create cache directory: %w", err)
	}
	// Headers beside the source ("errname.h") are part of what it compiles.
	headers, err := filepath.Glob(filepath.Join(filepath.Dir(src), "*.h"))
	if err != nil {
		return "", "", fmt.Errorf("list headers: %w", err)
	}
	for _, hdr := range headers {
		b, err := os.ReadFile(hdr)
		if err != nil {
			return "", "", fmt.Errorf("read header: %w", err)
		}
		code = append(append(code, "\n// "+filepath.Base(hdr)+"\n"...), b...)
	}
	key, err := cacheKey(code, v, extra)
	if err != nil {
		return "", "", err
	}
	stem := strings.TrimSuffix(filepath.Base(src), filepath.Ext(src))
	final := filepath.Join(cacheDir, fmt.Sprintf("%s-%s-%s", stem, v.Name, key))
	if info, err := os.Stat(final); err == nil && info.Mode().IsRegular() {
		return final, "", nil
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", "", fmt.Errorf("stat cached binary: %w", err)
	}

	// Build in a private scratch directory, then publish atomically: a
	// concurrent builder of the same key writes identical bytes, so the
	// last rename winning is harmless.
	tmp, err := os.MkdirTemp(cacheDir, ".build-")
	if err != nil {
		return "", "", fmt.Errorf("create scratch directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "prog")
	steps, err := v.steps(src, out, tmp, extra)
	if err != nil {
		return "", "", fmt.Errorf("plan %s build: %w", v.Name, err)
	}
	var printed strings.Builder
	for _, argv := range steps {
		output, err := runTool(tmp, argv)
		printed.WriteString(output)
		if err != nil {
			return "", "", fmt.Errorf("%s: %w\n%s", strings.Join(argv, " "), err, output)
		}
	}
	if err := os.Rename(out, final); err != nil {
		return "", "", fmt.Errorf("publish binary: %w", err)
	}
	return final, printed.String(), nil
}

// runTool runs one toolchain command in dir and returns its combined output.
func runTool(dir string, argv []string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	return out.String(), err
}

// cacheKey hashes everything that determines the binary: the source, the
// variant's recipe (rendered with placeholder paths), the extra flags and
// the identity of the toolchain files it uses.
func cacheKey(code []byte, v Variant, extra []string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "variant %s\n", v.Name)
	steps, err := v.steps("SRC", "OUT", "TMP", extra)
	if err != nil {
		return "", fmt.Errorf("plan %s build: %w", v.Name, err)
	}
	for _, argv := range steps {
		fmt.Fprintf(h, "step %q\n", argv)
	}
	for _, need := range v.requires {
		path := need
		if !filepath.IsAbs(path) {
			if path, err = exec.LookPath(need); err != nil {
				return "", fmt.Errorf("find %s: %w", need, err)
			}
		}
		info, err := os.Stat(path)
		if err != nil {
			return "", fmt.Errorf("stat %s: %w", path, err)
		}
		fmt.Fprintf(h, "tool %s %d %d\n", path, info.Size(), info.ModTime().UnixNano())
	}
	fmt.Fprintf(h, "source %d\n", len(code))
	h.Write(code)
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}
