package elfloader

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// fuzzProgram is compiled at fuzz time into real binaries used as seeds.
const fuzzProgram = `#include <stdio.h>
__thread int t = 1;
int main(int argc, char **argv) { printf("%d %s\n", t + argc, argv[0]); return 0; }
`

// realSeeds compiles fuzzProgram with each toolchain and flag set that is
// available and returns the binaries. glibc's static binaries (700 KiB)
// are left out: inputs that large make the fuzzer crawl, and musl's static
// ones have the same shape. A missing compiler just gives fewer
// seeds: the committed corpus in testdata/fuzz stands alone.
func realSeeds(f testing.TB) [][]byte {
	f.Helper()
	dir := f.TempDir()
	src := filepath.Join(dir, "p.c")
	if err := os.WriteFile(src, []byte(fuzzProgram), 0o644); err != nil {
		f.Fatal(err)
	}
	variants := []struct {
		cc    string
		flags []string
	}{
		{"gcc", []string{"-pie", "-fPIE"}},
		{"gcc", []string{"-no-pie"}},
		{"musl-gcc", []string{"-static"}},
		{"musl-gcc", []string{"-static-pie"}},
		{"musl-gcc", []string{"-pie", "-fPIE"}},
	}
	var out [][]byte
	for i, v := range variants {
		cc, err := exec.LookPath(v.cc)
		if err != nil {
			continue
		}
		bin := filepath.Join(dir, "p"+string(rune('a'+i)))
		args := append(append([]string{"-s", "-O1"}, v.flags...), "-o", bin, src)
		if exec.Command(cc, args...).Run() != nil {
			continue
		}
		if data, err := os.ReadFile(bin); err == nil {
			out = append(out, data)
		}
	}
	f.Logf("%d of %d real binaries compiled as seeds", len(out), len(variants))
	return out
}

// asETExec returns a copy of a PIE with e_type changed from ET_DYN to
// ET_EXEC: segments linked at address 0 in a file that claims a fixed
// address (a known crasher of the kernel's loader).
func asETExec(pie []byte) []byte {
	out := append([]byte(nil), pie...)
	if len(out) > 17 && out[16] == byte(elf.ET_DYN) {
		out[16] = byte(elf.ET_EXEC)
	}
	return out
}

// fuzzInterp is a parsed static-PIE stand-in for ld.so, so that plans with
// an interpreter are fuzzed too.
func fuzzInterp(f testing.TB) *Binary {
	data := synthELF(func(h *elf.Header64, ph []elf.Prog64) {
		h.Type = uint16(elf.ET_DYN)
		ph[phInterp].Type = uint32(elf.PT_NULL)
		ph[phDynamic].Type = uint32(elf.PT_NULL)
	})
	b, err := Parse(bytes.NewReader(data), "/lib64/ld-linux-x86-64.so.2")
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// allocated reports the bytes allocated so far by the whole program.
func allocated() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.TotalAlloc
}

// FuzzParse runs everything the kernel and `elfloader inspect` do with an
// executable on arbitrary bytes: Parse, Describe, JSON, Functions (the fast
// path's symbol reader), NewPlan with and without an interpreter,
// Mappings and BuildStack. Nothing may panic, every accepted binary must be
// well formed, and no input may allocate far more than its own size.
func FuzzParse(f *testing.F) {
	f.Add(synthELF(nil))
	f.Add(synthELF(func(h *elf.Header64, ph []elf.Prog64) { ph[phInterp].Type = uint32(elf.PT_NULL) }))
	f.Add(synthELF(func(h *elf.Header64, ph []elf.Prog64) { h.Type = uint16(elf.ET_DYN) }))
	f.Add(synthDynamic([]string{"liba.so", "libc.so.6"}, "$ORIGIN/lib", "", "libx.so"))
	f.Add(synthELF(nil)[:0x200])
	f.Add([]byte("\x7fELF\x02\x01\x01"))
	for _, bin := range realSeeds(f) {
		f.Add(bin)
		f.Add(asETExec(bin))
	}
	interp := fuzzInterp(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		before := allocated()
		checkParse(t, data, interp)
		if _, err := Functions(bytes.NewReader(data)); err != nil {
			_ = err.Error()
		}
		if table, err := ReadFuncTable(bytes.NewReader(data)); err == nil {
			loaded := bytesImage(data)
			for _, addr := range []uint64{0, 0x1000, 0x401000, uint64(len(data)) / 2, ^uint64(0)} {
				table.Containing(addr, loaded)
			}
		}
		// Everything above is bounded by the input: tables and strings
		// are read only when the file holds them.
		if used, limit := allocated()-before, 8<<20+64*uint64(len(data)); used > limit {
			t.Fatalf("%d-byte input allocated %d bytes (limit %d)", len(data), used, limit)
		}
	})
}

// bytesImage reads an ELF file's bytes at link-time addresses through its
// PT_LOAD headers, or at file offsets when it has none that parse.
func bytesImage(data []byte) ReadMapped {
	var progs []*elf.Prog
	if f, err := NewFile(bytes.NewReader(data)); err == nil {
		progs = f.Progs
	}
	return func(addr uint64, b []byte) error {
		off := addr
		for _, p := range progs {
			if p.Type == elf.PT_LOAD && addr >= p.Vaddr && addr-p.Vaddr < p.Filesz {
				off = p.Off + (addr - p.Vaddr)
				break
			}
		}
		if off > uint64(len(data)) || uint64(len(b)) > uint64(len(data))-off {
			return io.ErrUnexpectedEOF
		}
		copy(b, data[off:])
		return nil
	}
}

func checkParse(t *testing.T, data []byte, interp *Binary) {
	b, err := Parse(bytes.NewReader(data), "fuzz")
	if err != nil {
		if b != nil {
			t.Fatal("Binary and error both returned")
		}
		_ = err.Error()
		return
	}
	var prevEnd uint64
	for i, s := range b.Segments {
		if s.Vaddr%PageSize != 0 || s.Memsz%PageSize != 0 || s.FileOff%PageSize != 0 || s.Filesz > s.Memsz {
			t.Fatalf("segment %d malformed: %+v", i, s)
		}
		if s.Prog.Vaddr < prevEnd || s.End() > UserAddressLimit {
			t.Fatalf("segment %d out of order or range: %+v", i, s)
		}
		if s.Filesz > 0 && s.FileOff+s.Filesz > uint64(len(data)) {
			t.Fatalf("segment %d reads past the end of the %d-byte file: %+v", i, len(data), s)
		}
		prevEnd = s.Prog.Vaddr + s.Prog.Memsz
	}
	if err := b.Describe(io.Discard); err != nil {
		t.Fatal(err)
	}
	if _, err := json.Marshal(b); err != nil {
		t.Fatal(err)
	}
	bias := uint64(0)
	if b.Type == elf.ET_DYN {
		bias = DefaultPIEBias
	}
	var in *Binary
	var inBias uint64
	if b.Interp != "" {
		in, inBias = interp, BiasBelow(DefaultMmapTop, interp)
	}
	p, err := NewPlan(b, bias, in, inBias)
	if err != nil {
		return
	}
	for _, m := range p.Mappings() {
		if m.Addr%PageSize != 0 || m.Len%PageSize != 0 || m.Addr+m.Len > UserAddressLimit || m.Addr+m.Len < m.Addr {
			t.Fatalf("mapping outside the address space: %+v", m)
		}
	}
	_, _ = p.Brk(), p.PhdrAddr()
	if _, sp, _, err := p.BuildStack(StackParams{Top: 0x7ffffffde000, Argv: []string{"fuzz"}, ExecFn: "fuzz"}); err != nil || sp%16 != 0 {
		t.Fatalf("BuildStack: sp %#x err %v", sp, err)
	}
}
