package coverage

import (
	"fmt"
	"sync"
	"testing"
)

func testMeta(nr uint64) SyscallInfo {
	switch nr {
	case 0:
		return SyscallInfo{Name: "read", Level: LevelFull, Package: "vfs", File: "sys_read.go"}
	case 16:
		return SyscallInfo{Name: "ioctl", Level: LevelPartial, Note: "tty only"}
	}
	return SyscallInfo{}
}

func testResolve(site uint64) (string, string, uint64) {
	return fmt.Sprintf("fn_%x", site), "app", site - 0x400000
}

func TestRecorderSnapshot(t *testing.T) {
	r := NewRecorder()
	r.Record(0, nil, 0, 0x401000)
	r.Record(0, nil, 0, 0x402000) // a later site is not the first
	r.Record(0, nil, 11, 0x402000)
	tcgets := SubOpID{Kind: "ioctl", Value: 0x5401, Name: "TCGETS", Level: LevelFull}
	r.Record(16, []SubOpID{tcgets}, 0, 0x403000)
	r.Record(16, []SubOpID{tcgets}, -25, 0x403000)
	r.Record(16, []SubOpID{{Kind: "ioctl", Value: 0x1234}}, 25, 0x403000)
	r.Record(5000, nil, 38, 0x404000) // beyond the fixed table
	r.Record(5000, nil, 0, 0x405000)
	r.NoteRewrittenSite()
	r.NoteTrappedCall()
	r.NoteTrappedCall()

	rep := r.Snapshot(testResolve, testMeta)
	if rep.Schema != SchemaVersion || rep.Created.IsZero() {
		t.Errorf("schema %q created %v", rep.Schema, rep.Created)
	}
	if len(rep.Syscalls) != 3 {
		t.Fatalf("got %d syscalls, want 3: %+v", len(rep.Syscalls), rep.Syscalls)
	}
	read := rep.Syscalls[0]
	if read.Name != "read" || read.Count != 3 || read.Results["OK"] != 2 || read.Results["EAGAIN"] != 1 {
		t.Errorf("read = %+v", read)
	}
	if read.FirstSite == nil || read.FirstSite.Address != 0x401000 || read.FirstSite.Symbol != "fn_401000" || read.FirstSite.Offset != 0x1000 {
		t.Errorf("read first site = %+v", read.FirstSite)
	}
	if read.Handler == nil || read.Handler.File != "sys_read.go" || read.Level != LevelFull {
		t.Errorf("read meta = %+v %+v", read.Handler, read.Level)
	}
	ioctl := rep.Syscalls[1]
	if ioctl.Count != 3 || ioctl.Results["OK"] != 1 || ioctl.Results["ENOTTY"] != 2 || len(ioctl.SubOps) != 2 {
		t.Fatalf("ioctl = %+v", ioctl)
	}
	if s := ioctl.SubOps[0]; s.Value != 0x1234 || s.Count != 1 || s.Results["ENOTTY"] != 1 || s.Name != "" {
		t.Errorf("subop 0 = %+v", s)
	}
	if s := ioctl.SubOps[1]; s.Name != "TCGETS" || s.Level != LevelFull || s.Count != 2 || s.Results["OK"] != 1 || s.Results["ENOTTY"] != 1 {
		t.Errorf("subop 1 = %+v", s)
	}
	big := rep.Syscalls[2]
	if big.Nr != 5000 || big.Name != "syscall_5000" || big.Count != 2 || big.Results["ENOSYS"] != 1 || big.Results["OK"] != 1 {
		t.Errorf("nr 5000 = %+v", big)
	}
	if big.FirstSite == nil || big.FirstSite.Address != 0x404000 {
		t.Errorf("nr 5000 site = %+v", big.FirstSite)
	}
	if fp := rep.FastPath; fp == nil || *fp.RewrittenSites != 1 || *fp.TrappedCalls != 2 || *fp.RewrittenCalls != 0 {
		t.Errorf("fast path = %+v", fp)
	}
}

func TestRecorderEmptyAndNilCallbacks(t *testing.T) {
	var r Recorder
	rep := r.Snapshot(nil, nil)
	if len(rep.Syscalls) != 0 || rep.FastPath != nil {
		t.Errorf("empty snapshot = %+v", rep)
	}
	r.Record(39, nil, 0, 0x1000)
	rep = r.Snapshot(nil, nil)
	if rep.Syscalls[0].Name != "syscall_39" || rep.Syscalls[0].FirstSite.Symbol != "" {
		t.Errorf("snapshot without callbacks = %+v", rep.Syscalls[0])
	}
}

// TestRecorderConcurrent is meant for -race: many goroutines record the
// same and different combinations while snapshots are taken.
func TestRecorderConcurrent(t *testing.T) {
	r := NewRecorder()
	const goroutines, perGoroutine = 8, 2000
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perGoroutine {
				errno := 0
				if i%4 == 0 {
					errno = 1 + i%7
				}
				sub := []SubOpID{{Kind: "fcntl", Value: uint64(i % 5)}}
				r.Record(uint64(i%20), sub, errno, uint64(0x1000+g))
				r.Record(2000, nil, 0, 1)
			}
		}()
	}
	snapshots := make(chan Report)
	go func() {
		for range 5 {
			snapshots <- r.Snapshot(nil, testMeta)
		}
		close(snapshots)
	}()
	for range snapshots {
	}
	wg.Wait()

	rep := r.Snapshot(nil, testMeta)
	var total, results, subTotal uint64
	for _, s := range rep.Syscalls {
		if s.Nr == 2000 {
			if s.Count != goroutines*perGoroutine {
				t.Errorf("nr 2000 count = %d", s.Count)
			}
			continue
		}
		total += s.Count
		for _, n := range s.Results {
			results += n
		}
		for _, sub := range s.SubOps {
			subTotal += sub.Count
		}
	}
	if want := uint64(goroutines * perGoroutine); total != want || results != want || subTotal != want {
		t.Errorf("total %d, results %d, subops %d; want %d each", total, results, subTotal, want)
	}
}

func BenchmarkRecorderHotPath(b *testing.B) {
	r := NewRecorder()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r.Record(39, nil, 0, 0x401000)
		}
	})
}

func BenchmarkRecorderSubOpError(b *testing.B) {
	r := NewRecorder()
	sub := []SubOpID{{Kind: "ioctl", Value: 0x5401, Name: "TCGETS"}}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r.Record(16, sub, 25, 0x401000)
		}
	})
}
