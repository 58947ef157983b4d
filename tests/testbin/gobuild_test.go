package testbin

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestGoCacheKeyFollowsSource(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) {
		if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("package main\nfunc main() {}\n")
	k1, err := goCacheKey(dir, "/nonexistent/go")
	if err != nil {
		t.Fatal(err)
	}
	k2, _ := goCacheKey(dir, "/nonexistent/go")
	write("package main\nfunc main() { println() }\n")
	k3, _ := goCacheKey(dir, "/nonexistent/go")
	if k1 != k2 || k1 == k3 {
		t.Errorf("keys: same source %q vs %q, changed source %q", k1, k2, k3)
	}
}

func TestBuildGoProducesStaticBinary(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	bin := BuildGo(t, "gorecover")
	f, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if len(f) < 4 || string(f[:4]) != "\x7fELF" {
		t.Fatalf("%s is not an ELF file", bin)
	}
	if again := BuildGo(t, "gorecover"); again != bin {
		t.Errorf("second build path %q, want cached %q", again, bin)
	}
}
