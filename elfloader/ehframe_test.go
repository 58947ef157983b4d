package elfloader

import (
	"debug/elf"
	"encoding/binary"
	"os"
	"reflect"
	"testing"
)

// ehFrame builds an .eh_frame with one "zR" CIE (FDE pointers pc-relative
// sdata4) and one FDE per extent, at link-time address addr.
func ehFrame(addr uint64, funcs []Func) []byte {
	le := binary.LittleEndian
	cie := []byte{0, 0, 0, 0, 1, 'z', 'R', 0, 1, 0x78, 16, 1, pePCRel | peSdata4}
	var b []byte
	b = le.AppendUint32(b, uint32(len(cie)))
	b = append(b, cie...)
	for _, f := range funcs {
		b = le.AppendUint32(b, 4+4+4+1) // id, pc_begin, pc_range, aug length
		b = le.AppendUint32(b, uint32(len(b)))
		field := addr + uint64(len(b))
		b = le.AppendUint32(b, uint32(int32(int64(f.Start)-int64(field))))
		b = le.AppendUint32(b, uint32(f.Size))
		b = append(b, 0)
	}
	return le.AppendUint32(b, 0)
}

func TestEHFrameFuncs(t *testing.T) {
	want := []Func{{0x401000, 0x30}, {0x401040, 0x5}, {0x400f00, 0x100}}
	got, err := ehFrameFuncs(ehFrame(0x480000, want), 0x480000)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("FDE %d: got %#x, want %#x", i, got[i], want[i])
		}
	}
	// Truncated and garbled tables answer what parsed before the damage.
	data := ehFrame(0x480000, want)
	for n := 0; n < len(data); n++ {
		if funcs, _ := ehFrameFuncs(data[:n], 0x480000); len(funcs) > len(want) {
			t.Fatalf("%d bytes gave %d extents", n, len(funcs))
		}
	}
	bad := append([]byte(nil), data...)
	bad[8] = 9 // CIE version
	if _, err := ehFrameFuncs(bad, 0x480000); err == nil {
		t.Error("a CIE of version 9 was accepted")
	}
}

// TestEHFrameMatchesSymbols checks the call-frame extents of the host's
// libc against its exported function symbols: where both describe a
// function, they must agree.
func TestEHFrameMatchesSymbols(t *testing.T) {
	const libc = "/lib/x86_64-linux-gnu/libc.so.6"
	f, err := elf.Open(libc)
	if err != nil {
		t.Skipf("no %s here: %v", libc, err)
	}
	defer f.Close()
	sec := f.Section(".eh_frame")
	syms, err := f.DynamicSymbols()
	if sec == nil || err != nil {
		t.Skip("libc without .eh_frame or .dynsym")
	}
	data, err := sec.Data()
	if err != nil {
		t.Fatal(err)
	}
	fdes, err := ehFrameFuncs(data, sec.Addr)
	if err != nil {
		t.Fatal(err)
	}
	byStart := map[uint64]uint64{}
	for _, fd := range fdes {
		byStart[fd.Start] = fd.Size
	}
	matched, described := 0, 0
	for _, s := range syms {
		if elf.ST_TYPE(s.Info) != elf.STT_FUNC || s.Size == 0 {
			continue
		}
		size, ok := byStart[s.Value]
		if !ok {
			continue
		}
		described++
		if size == s.Size {
			matched++
		}
	}
	t.Logf("%d FDEs; %d exported functions have one, %d of the same size", len(fdes), described, matched)
	if described < 1000 || matched*100 < described*95 {
		t.Errorf("only %d of %d exported functions agree with their FDE", matched, described)
	}
}

// TestGoFuncs reads the test binary's own Go function table: the function
// holding this test's code must be found with its exact entry.
func TestGoFuncs(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	r, err := os.Open(exe)
	if err != nil {
		t.Skip(err)
	}
	defer r.Close()
	f, err := elf.NewFile(r)
	if err != nil {
		t.Skip(err)
	}
	funcs := goFuncs(newFileReader(r, exe), f)
	if len(funcs) < 100 {
		t.Fatalf("%d functions in Go's table", len(funcs))
	}
	entry := uint64(reflect.ValueOf(TestGoFuncs).Pointer())
	found := false
	for _, fn := range funcs {
		if fn.Start == entry && fn.Size > 0 {
			found = true
		}
	}
	if !found {
		t.Errorf("TestGoFuncs at %#x is not a function start in Go's table", entry)
	}
	// Hostile tables are "no functions", never a panic.
	if got := goTableFuncs([]byte{0xf1, 0xff, 0xff, 0xff, 0, 0, 1, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 1, 2}, 0x1000); got != nil {
		t.Errorf("a garbled table gave %d functions", len(got))
	}
}
