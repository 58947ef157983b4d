package bench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Variant says how a C workload is compiled.
type Variant int

const (
	// GlibcStatic is `gcc -static -O2`: a static non-PIE glibc program.
	GlibcStatic Variant = iota
	// MuslStatic is `musl-gcc -static -O2`: a static non-PIE musl program.
	MuslStatic
)

func (v Variant) String() string {
	switch v {
	case GlibcStatic:
		return "gcc -static"
	case MuslStatic:
		return "musl-gcc -static"
	}
	return fmt.Sprintf("Variant(%d)", int(v))
}

// compiler is the driver that builds the variant; flags are its options.
func (v Variant) compiler() (driver string, flags []string, err error) {
	switch v {
	case GlibcStatic:
		return "gcc", []string{"-static", "-O2"}, nil
	case MuslStatic:
		return "musl-gcc", []string{"-static", "-O2"}, nil
	}
	return "", nil, fmt.Errorf("unknown compile variant %d", int(v))
}

// ErrNoCompiler is wrapped by Compile when the variant's C compiler is not
// installed.
var ErrNoCompiler = errors.New("C compiler not installed")

// compileTimeout bounds one compiler run.
const compileTimeout = 2 * time.Minute

// Compiler builds the C workloads of bench/c into a cache directory. A
// binary is rebuilt only when its source, driver or flags change.
type Compiler struct {
	CacheDir string
}

// NewCompiler returns a Compiler caching binaries under cacheDir, which it
// creates.
func NewCompiler(cacheDir string) (*Compiler, error) {
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return nil, fmt.Errorf("create benchmark cache: %w", err)
	}
	return &Compiler{CacheDir: cacheDir}, nil
}

// Available reports whether the variant's compiler is installed.
func (v Variant) Available() bool {
	driver, _, err := v.compiler()
	if err != nil {
		return false
	}
	_, err = exec.LookPath(driver)
	return err == nil
}

// Compile builds source (a file name under bench/c, e.g. "hello.c") with the
// variant's compiler and returns the binary's path in the cache.
func (c *Compiler) Compile(ctx context.Context, source string, v Variant) (string, error) {
	src, err := cSources.ReadFile("c/" + source)
	if err != nil {
		return "", fmt.Errorf("workload source %s: %w", source, err)
	}
	driver, flags, err := v.compiler()
	if err != nil {
		return "", err
	}
	driverPath, err := exec.LookPath(driver)
	if err != nil {
		return "", fmt.Errorf("compile %s: %s: %w", source, driver, ErrNoCompiler)
	}

	key := sha256.New()
	fmt.Fprintf(key, "%s\x00%s\x00", driverPath, strings.Join(flags, " "))
	key.Write(src)
	name := strings.TrimSuffix(source, ".c")
	out := filepath.Join(c.CacheDir, fmt.Sprintf("%s-%s-%s", name, driver, hex.EncodeToString(key.Sum(nil))[:12]))
	if st, err := os.Stat(out); err == nil && st.Mode().IsRegular() {
		return out, nil
	}

	dir, err := os.MkdirTemp(c.CacheDir, "build-")
	if err != nil {
		return "", fmt.Errorf("compile %s: %w", source, err)
	}
	defer os.RemoveAll(dir)
	srcPath := filepath.Join(dir, source)
	if err := os.WriteFile(srcPath, src, 0o644); err != nil {
		return "", fmt.Errorf("compile %s: %w", source, err)
	}
	binPath := filepath.Join(dir, name)

	ctx, cancel := context.WithTimeout(ctx, compileTimeout)
	defer cancel()
	args := append(append([]string{}, flags...), "-o", binPath, srcPath)
	cmd := exec.CommandContext(ctx, driverPath, args...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("compile %s with %s: %w\n%s", source, v, err, strings.TrimSpace(string(msg)))
	}
	// Rename is atomic: concurrent harnesses never see a half-written binary.
	if err := os.Rename(binPath, out); err != nil {
		return "", fmt.Errorf("compile %s: %w", source, err)
	}
	return out, nil
}
