package testbin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRunNativeStatus(t *testing.T) {
	cases := []struct {
		name   string
		script string
		status int
		stdout string
		stderr string
	}{
		{"exit0", "echo out; echo err >&2", 0, "out\n", "err\n"},
		{"exit42", "exit 42", 42, "", ""},
		{"sigsegv", "kill -SEGV $$", 139, "", ""},
		{"sigkill", "kill -KILL $$", 137, "", ""},
		{"stdin", "read x; echo got $x", 0, "got in\n", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := RunNative(t, 10*time.Second, []string{"/bin/sh", "-c", c.script}, nil, []byte("in\n"))
			if res.Status != c.status || res.Stdout != c.stdout || res.Stderr != c.stderr || res.TimedOut {
				t.Errorf("got %+v, want status %d stdout %q stderr %q", res, c.status, c.stdout, c.stderr)
			}
		})
	}
}

func TestRunNativeEnvironmentIsExact(t *testing.T) {
	res := RunNative(t, 0, []string{"/usr/bin/env"}, []string{"TEST_A=1"}, nil)
	if res.Stdout != "TEST_A=1\n" {
		t.Errorf("env printed %q, want only TEST_A=1", res.Stdout)
	}
}

func TestRunNativeTimeoutKillsGroup(t *testing.T) {
	// The background sleep keeps stdout open; the group kill must end it.
	res := RunNative(t, 300*time.Millisecond, []string{"/bin/sh", "-c", "sleep 30 & sleep 30"}, nil, nil)
	if !res.TimedOut {
		t.Fatalf("run did not time out: %+v", res)
	}
	if res.Status != 128+9 {
		t.Errorf("status %d, want 137 (SIGKILL)", res.Status)
	}
}

func TestStripDiagnostics(t *testing.T) {
	in := "elfloader: loading\nprogram line\nelfloader: killed by SIGSEGV\nlast"
	if got, want := StripDiagnostics(in), "program line\nlast"; got != want {
		t.Errorf("StripDiagnostics = %q, want %q", got, want)
	}
	if StripDiagnostics("") != "" {
		t.Error("StripDiagnostics of empty output is not empty")
	}
}

// fakeElfloader writes a stand-in for the elfloader command that runs the
// program natively and adds a diagnostic line on stderr.
func fakeElfloader(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "elfloader")
	script := "#!/bin/sh\n[ \"$1\" = run ] || exit 2\nshift\necho 'elfloader: fake' >&2\nexec \"$@\"\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCompareWithNativeUsesElfloaderEnv(t *testing.T) {
	t.Setenv(ElfloaderEnv, fakeElfloader(t))
	native, loaded := CompareWithNative(t, 0, nil,
		[]string{"/bin/sh", "-c", "echo $TEST_X; echo warn >&2; exit 7"}, []string{"TEST_X=y"}, nil)
	if native.Status != 7 || loaded.Status != 7 || native.Stdout != "y\n" {
		t.Errorf("native %+v loaded %+v", native, loaded)
	}
	if !strings.HasPrefix(loaded.Stderr, "elfloader: fake\n") {
		t.Errorf("elfloader stderr %q lacks the fake diagnostic", loaded.Stderr)
	}
}

func TestCappedBuffer(t *testing.T) {
	var b cappedBuffer
	chunk := strings.Repeat("x", 1<<20)
	for range 6 {
		b.Write([]byte(chunk))
	}
	s := b.String()
	if !strings.HasPrefix(s, strings.Repeat("x", maxOutput)) || !strings.Contains(s, "2097152 more bytes dropped") {
		t.Errorf("capped buffer kept %d bytes, tail %q", len(s), s[len(s)-60:])
	}
}

func TestModuleRootAndCSource(t *testing.T) {
	root := ModuleRoot(t)
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatal(err)
	}
	if src := CSource(t, "hello.c"); !strings.HasSuffix(src, filepath.Join("tests", "c", "hello.c")) {
		t.Errorf("CSource = %s", src)
	}
}
