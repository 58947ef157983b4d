package coverage

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestMergeAddsAndKeeps(t *testing.T) {
	a := sampleReport()
	b := Report{
		Schema: SchemaVersion, ToolVersion: "0.2.0", Created: fixtureTime.Add(time.Hour),
		Runs:     []Run{{Argv: []string{"python3", "-c", "print(1)"}}},
		FastPath: &FastPath{TrappedCalls: u64(2), RewrittenCalls: u64(7)},
		Syscalls: []Syscall{
			{Nr: 16, Name: "ioctl", Level: LevelFull, Note: "", Count: 2, Results: map[string]uint64{"OK": 1, "EINVAL": 1},
				FirstSite: &CallSite{Address: 0x999},
				SubOps: []SubOp{
					{Kind: "ioctl", Value: 0x5401, Count: 1, Results: map[string]uint64{"OK": 1}},
					{Kind: "ioctl", Value: 0x5413, Name: "TIOCGWINSZ", Level: LevelFull, Count: 1, Results: map[string]uint64{"EINVAL": 1}},
				}},
			{Nr: 39, Name: "getpid", Level: LevelFull, Count: 4, Results: map[string]uint64{"OK": 4}, FirstSite: &CallSite{Address: 0x555}},
		},
	}
	m := Merge(a, b)
	if m.ToolVersion != "0.2.0" || !m.Created.Equal(b.Created) || len(m.Runs) != 3 || m.Runs[2].Argv[0] != "python3" {
		t.Errorf("header: %q %v runs %d", m.ToolVersion, m.Created, len(m.Runs))
	}
	if fp := m.FastPath; *fp.RewrittenSites != 3 || *fp.TrappedCalls != 42 || *fp.RewrittenCalls != 7 {
		t.Errorf("fast path = %d %d %d", *fp.RewrittenSites, *fp.TrappedCalls, *fp.RewrittenCalls)
	}
	ioctl, ok := m.Find("ioctl")
	if !ok {
		t.Fatal("ioctl missing")
	}
	if ioctl.Count != 7 || ioctl.Results["OK"] != 4 || ioctl.Results["ENOTTY"] != 2 || ioctl.Results["EINVAL"] != 1 {
		t.Errorf("ioctl counts = %d %v", ioctl.Count, ioctl.Results)
	}
	if ioctl.Level != LevelFull || ioctl.Note != "" {
		t.Errorf("ioctl level/note from newer = %q %q", ioctl.Level, ioctl.Note)
	}
	if ioctl.FirstSite.Address != 0x7f0000012345 {
		t.Errorf("first site not kept: %v", ioctl.FirstSite.Address)
	}
	if ioctl.Handler == nil || ioctl.Handler.File != "sys_ioctl.go" {
		t.Errorf("handler lost: %+v", ioctl.Handler)
	}
	if len(ioctl.SubOps) != 3 || ioctl.SubOps[0].Name != "TCGETS" || ioctl.SubOps[0].Count != 4 || ioctl.SubOps[1].Name != "TIOCGWINSZ" {
		t.Errorf("subops = %+v", ioctl.SubOps)
	}
	if g, ok := m.Find("getpid"); !ok || g.Count != 4 || g.FirstSite.Address != 0x555 {
		t.Errorf("getpid = %+v", g)
	}
	// The inputs are untouched.
	if a.Syscalls[0].Count != 5 || len(a.Runs) != 2 || a.Syscalls[0].Results["OK"] != 3 {
		t.Error("Merge modified its first input")
	}
}

func TestMergeNewestLevelWhicheverSide(t *testing.T) {
	older := Report{Schema: SchemaVersion, Created: fixtureTime, Syscalls: []Syscall{{Nr: 1, Name: "write", Level: LevelStub, Count: 1, FirstSite: &CallSite{Address: 1}}}}
	newer := Report{Schema: SchemaVersion, Created: fixtureTime.Add(time.Minute), Syscalls: []Syscall{{Nr: 1, Name: "write", Level: LevelFull, Count: 1, FirstSite: &CallSite{Address: 2}}}}
	for _, m := range []Report{Merge(older, newer), Merge(newer, older)} {
		if m.Syscalls[0].Level != LevelFull || m.Syscalls[0].Count != 2 {
			t.Errorf("merged write = %+v", m.Syscalls[0])
		}
	}
	// "First site kept" is the first argument's.
	if got := Merge(newer, older).Syscalls[0].FirstSite.Address; got != 2 {
		t.Errorf("first site = %v", got)
	}
}

func TestMergeEmpty(t *testing.T) {
	m := Merge(Report{}, Report{})
	if m.Schema != SchemaVersion || m.Syscalls == nil || len(m.Syscalls) != 0 || m.FastPath != nil {
		t.Errorf("merge of empties = %+v", m)
	}
	s := sampleReport()
	s.Normalize()
	m = Merge(Report{Schema: SchemaVersion}, sampleReport())
	if !reflect.DeepEqual(m.Syscalls, s.Syscalls) {
		t.Errorf("merge with empty changed syscalls")
	}
}

func TestMergeIntoFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cov.json")
	if _, err := MergeIntoFile(path, sampleReport()); err != nil {
		t.Fatal(err)
	}
	first, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if first.TotalCalls() != 18 {
		t.Errorf("created file has %d calls", first.TotalCalls())
	}
	merged, err := MergeIntoFile(path, sampleReport())
	if err != nil {
		t.Fatal(err)
	}
	second, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if second.TotalCalls() != 36 || len(second.Runs) != 4 || merged.TotalCalls() != 36 {
		t.Errorf("merged file has %d calls, %d runs", second.TotalCalls(), len(second.Runs))
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestMergeIntoFileRefusesGarbage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cov.json")
	if err := os.WriteFile(path, []byte("not a report"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := MergeIntoFile(path, sampleReport()); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v", err)
	}
	data, _ := os.ReadFile(path)
	if string(data) != "not a report" {
		t.Error("file was overwritten")
	}
}
