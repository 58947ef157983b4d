package testbin

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that records errors instead of failing.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) Logf(string, ...any) {}

func (r *recorder) Failed() bool { return len(r.errors) > 0 }

func TestCompareWithNativeReportsDifferences(t *testing.T) {
	fake := filepath.Join(t.TempDir(), "elfloader")
	script := "#!/bin/sh\necho 'elfloader: about to lie' >&2\necho wrong\necho extra >&2\nexit 1\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(ElfloaderEnv, fake)
	rec := &recorder{TB: t}
	CompareWithNative(rec, 0, nil, []string{"/bin/echo", "right"}, nil, nil)
	all := strings.Join(rec.errors, "\n")
	for _, want := range []string{"status: elfloader 1, native 0", "stdout differs", "stderr differs", `"extra"`} {
		if !strings.Contains(all, want) {
			t.Errorf("reported errors lack %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, "about to lie") && !strings.Contains(all, "--- elfloader ---") {
		t.Errorf("diagnostic line was compared:\n%s", all)
	}
}

func TestBuildReportsCompilerErrors(t *testing.T) {
	src := filepath.Join(t.TempDir(), "broken.c")
	if err := os.WriteFile(src, []byte("int main(void) { return missing; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	v, _ := VariantByName("gcc-static")
	if why := v.Missing(); why != "" {
		t.Skip(why)
	}
	_, _, err := build(t.TempDir(), src, v, nil)
	if err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("build of broken source: err = %v, want the compiler's complaint", err)
	}
}
