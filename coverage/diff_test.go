package coverage

import (
	"bytes"
	"testing"
)

func TestDiff(t *testing.T) {
	old := sampleReport()
	new := sampleReport()
	new.Syscalls = new.Syscalls[:3] // prlimit64 removed
	new.Syscalls = append(new.Syscalls, Syscall{Nr: 39, Name: "getpid", Level: LevelFull, Count: 1})
	new.Syscalls[0].Level = LevelFull // ioctl partial → full
	new.Syscalls[0].Count = 6
	new.Syscalls[0].Results = map[string]uint64{"OK": 6}
	new.Syscalls[0].SubOps[1].Level = LevelStub
	new.Syscalls[2].Level = LevelStub // rseq missing → stub

	d := Diff(old, new)
	if len(d.Added) != 1 || d.Added[0].Name != "getpid" || len(d.Removed) != 1 || d.Removed[0].Name != "prlimit64" {
		t.Errorf("added %+v removed %+v", d.Added, d.Removed)
	}
	wantLevels := []LevelChange{
		{Syscall: "ioctl", Old: LevelPartial, New: LevelFull},
		{Syscall: "ioctl", Sub: "ioctl 0x8933", Old: LevelMissing, New: LevelStub},
		{Syscall: "rseq", Old: LevelMissing, New: LevelStub},
	}
	if len(d.LevelChanges) != len(wantLevels) {
		t.Fatalf("level changes = %+v", d.LevelChanges)
	}
	for i, w := range wantLevels {
		if d.LevelChanges[i] != w {
			t.Errorf("level change %d = %+v, want %+v", i, d.LevelChanges[i], w)
		}
	}
	if len(d.CountChanges) != 1 || d.CountChanges[0] != (CountChange{Syscall: "ioctl", Old: 5, New: 6}) {
		t.Errorf("count changes = %+v", d.CountChanges)
	}
	if len(d.ResultChanges) != 2 || d.ResultChanges[0] != (ResultChange{Syscall: "ioctl", Result: "ENOTTY", Old: 2, New: 0}) ||
		d.ResultChanges[1] != (ResultChange{Syscall: "ioctl", Result: "OK", Old: 3, New: 6}) {
		t.Errorf("result changes = %+v", d.ResultChanges)
	}
	if d.Empty() || !d.Improved() {
		t.Errorf("empty %v improved %v", d.Empty(), d.Improved())
	}
	var buf bytes.Buffer
	if err := WriteDiffText(&buf, d); err != nil {
		t.Fatal(err)
	}
	golden(t, "diff.txt", buf.Bytes())

	back := Diff(new, old)
	if back.Improved() {
		t.Error("the reverse diff is a regression but Improved says otherwise")
	}
}

func TestDiffIdentical(t *testing.T) {
	d := Diff(sampleReport(), sampleReport())
	if !d.Empty() {
		t.Errorf("diff of identical reports = %+v", d)
	}
	var buf bytes.Buffer
	_ = WriteDiffText(&buf, d)
	if buf.String() != "no coverage changes\n" {
		t.Errorf("text = %q", buf.String())
	}
}

func TestDiffSubOpAppearsAndDisappears(t *testing.T) {
	old := sampleReport()
	new := sampleReport()
	new.Syscalls[0].SubOps = new.Syscalls[0].SubOps[:1]
	new.Syscalls[0].SubOps = append(new.Syscalls[0].SubOps, SubOp{Kind: "ioctl", Value: 0x5413, Name: "TIOCGWINSZ", Count: 2})
	d := Diff(old, new)
	var gotNew, gotGone bool
	for _, c := range d.CountChanges {
		if c.Sub == "ioctl TIOCGWINSZ" && c.Old == 0 && c.New == 2 {
			gotNew = true
		}
		if c.Sub == "ioctl 0x8933" && c.Old == 2 && c.New == 0 {
			gotGone = true
		}
	}
	if !gotNew || !gotGone {
		t.Errorf("count changes = %+v", d.CountChanges)
	}
}
