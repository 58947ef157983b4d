package coverage

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; got:\n%s", name, got)
	}
}

func u64(v uint64) *uint64 { return &v }

var fixtureTime = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// sampleReport covers every field of the model.
func sampleReport() Report {
	return Report{
		Schema:      SchemaVersion,
		ToolVersion: "0.1.0-test",
		Created:     fixtureTime,
		Runs: []Run{{Argv: []string{"/bin/busybox", "ls", "/"}, ExitStatus: 0, Duration: 12 * time.Millisecond, Platform: "inproc"},
			{Argv: []string{"./crash", "it's"}, Signal: 11, Duration: time.Millisecond, Platform: "ptrace"}},
		FastPath: &FastPath{RewrittenSites: u64(3), TrappedCalls: u64(40)},
		Syscalls: []Syscall{
			{Nr: 16, Name: "ioctl", Level: LevelPartial, Note: "tty requests only", Handler: &Handler{Package: "vfs", File: "sys_ioctl.go"},
				Count: 5, Results: map[string]uint64{"OK": 3, "ENOTTY": 2},
				FirstSite: &CallSite{Address: 0x7f00_0001_2345, Symbol: "ioctl", Object: "libc.so.6", Offset: 0x12345},
				SubOps: []SubOp{
					{Kind: "ioctl", Value: 0x5401, Name: "TCGETS", Level: LevelFull, Count: 3, Results: map[string]uint64{"OK": 3}},
					{Kind: "ioctl", Value: 0x8933, Level: LevelMissing, Note: "SIOCGIFINDEX", Count: 2, Results: map[string]uint64{"ENOTTY": 2}},
				}},
			{Nr: 0, Name: "read", Level: LevelFull, Handler: &Handler{Package: "vfs", File: "sys_read.go"}, Count: 10,
				Results: map[string]uint64{"OK": 9, "EAGAIN": 1}, FirstSite: &CallSite{Address: 0x401000}},
			{Nr: 334, Name: "rseq", Level: LevelMissing, Note: "glibc falls back", Count: 1, Results: map[string]uint64{"ENOSYS": 1}},
			{Nr: 302, Name: "prlimit64", Level: LevelStub, Note: "returns <infinity> & ignores \"set\"", Count: 2, Results: map[string]uint64{"OK": 2}},
		},
	}
}
