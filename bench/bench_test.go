package bench

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// The Benchmark* functions run the workloads under `go test -bench . ./bench/`.
// They report figures and never assert them. Each skips when gcc or
// elfloader is unavailable.

// benchTimeout bounds one program run inside a benchmark.
const benchTimeout = 2 * time.Minute

// benchCache is shared by the benchmarks of one `go test` process, so that
// elfloader is built and the workloads compiled once.
var benchCache = sync.OnceValue(func() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "elfloader-bench")
	}
	return filepath.Join(os.TempDir(), "elfloader-bench")
})

var benchElfloader = sync.OnceValues(func() (string, error) {
	return LocateElfloader(context.Background(), benchCache())
})

// compiled compiles a workload of bench/c, skipping when gcc is missing.
func compiled(b *testing.B, source string) string {
	b.Helper()
	c, err := NewCompiler(benchCache())
	if err != nil {
		b.Fatal(err)
	}
	bin, err := c.Compile(context.Background(), source, GlibcStatic)
	if errors.Is(err, ErrNoCompiler) {
		b.Skip("gcc is not installed")
	}
	if err != nil {
		b.Fatal(err)
	}
	return bin
}

// elfloaderOrSkip returns the elfloader binary, skipping when it cannot be
// found or built.
func elfloaderOrSkip(b *testing.B) string {
	b.Helper()
	p, err := benchElfloader()
	if err != nil {
		b.Skipf("elfloader unavailable: %v", err)
	}
	return p
}

// benchSelfReported runs argv plus the iteration count b.N once, so that one
// op is one call; it reports the program's own ns/call (loop only) next to
// Go's ns/op (which includes start-up).
func benchSelfReported(b *testing.B, argv ...string) {
	b.Helper()
	b.ResetTimer()
	out, err := RunOnce(context.Background(), append(argv, strconv.Itoa(b.N)), benchTimeout)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	ns, err := ParseNsPerCall(out.Stdout)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(ns, "ns/call")
}

// benchStartup runs argv b.N times; one op is one whole run.
func benchStartup(b *testing.B, argv ...string) {
	b.Helper()
	if _, err := RunOnce(context.Background(), argv, benchTimeout); err != nil {
		b.Skipf("warm-up run failed: %v", err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := RunOnce(context.Background(), argv, benchTimeout); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetpidNative(b *testing.B) {
	benchSelfReported(b, compiled(b, "getpid_loop.c"))
}

func BenchmarkGetpidElfloader(b *testing.B) {
	prog := compiled(b, "getpid_loop.c")
	benchSelfReported(b, elfloaderOrSkip(b), "run", prog)
}

func BenchmarkGetpidIsolated(b *testing.B) {
	prog := compiled(b, "getpid_loop.c")
	benchSelfReported(b, elfloaderOrSkip(b), "run", "--platform=isolated", prog)
}

func BenchmarkSUDTrapNative(b *testing.B) {
	benchSelfReported(b, compiled(b, "sud_trap.c"))
}

func BenchmarkStartupNative(b *testing.B) {
	benchStartup(b, compiled(b, "hello.c"))
}

func BenchmarkStartupElfloader(b *testing.B) {
	prog := compiled(b, "hello.c")
	benchStartup(b, elfloaderOrSkip(b), "run", prog)
}

func BenchmarkStartupIsolated(b *testing.B) {
	prog := compiled(b, "hello.c")
	benchStartup(b, elfloaderOrSkip(b), "run", "--platform=isolated", prog)
}
