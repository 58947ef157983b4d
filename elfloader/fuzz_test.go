package elfloader

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"io"
	"testing"
)

func FuzzParse(f *testing.F) {
	f.Add(synthELF(nil))
	f.Add(synthELF(func(h *elf.Header64, ph []elf.Prog64) { ph[phInterp].Type = uint32(elf.PT_NULL) }))
	f.Add(synthELF(func(h *elf.Header64, ph []elf.Prog64) { h.Type = uint16(elf.ET_DYN) }))
	f.Add(synthDynamic([]string{"liba.so", "libc.so.6"}, "$ORIGIN/lib", "", "libx.so"))
	f.Add(synthELF(nil)[:0x200])
	f.Add([]byte("\x7fELF\x02\x01\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Parse(bytes.NewReader(data), "fuzz")
		if err != nil {
			if b != nil {
				t.Fatal("Binary and error both returned")
			}
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
			prevEnd = s.Prog.Vaddr + s.Prog.Memsz
		}
		if err := b.Describe(io.Discard); err != nil {
			t.Fatal(err)
		}
		if _, err := json.Marshal(b); err != nil {
			t.Fatal(err)
		}
		if b.Interp != "" || b.Entry == 0 {
			return
		}
		bias := uint64(0)
		if b.Type == elf.ET_DYN {
			bias = DefaultPIEBias
		}
		p, err := NewPlan(b, bias, nil, 0)
		if err != nil {
			return
		}
		if _, sp, _, err := p.BuildStack(StackParams{Top: 0x7ffffffde000, Argv: []string{"fuzz"}, ExecFn: "fuzz"}); err != nil || sp%16 != 0 {
			t.Fatalf("BuildStack: sp %#x err %v", sp, err)
		}
	})
}
