package integration

import (
	"bytes"
	"debug/elf"
	"testing"
)

// TestCraftedInputsAreWhatTheySay checks the malformed inputs themselves
// with debug/elf, independently of elfloader.
func TestCraftedInputsAreWhatTheySay(t *testing.T) {
	f, err := elf.NewFile(bytes.NewReader(elf32Image()))
	if err != nil {
		t.Fatalf("crafted ELF32 does not parse: %v", err)
	}
	if f.Class != elf.ELFCLASS32 || f.Machine != elf.EM_386 || len(f.Progs) != 1 || f.Progs[0].Type != elf.PT_LOAD {
		t.Errorf("crafted ELF32: class %v machine %v progs %d", f.Class, f.Machine, len(f.Progs))
	}
	for _, in := range badInputs() {
		switch in.name {
		case "aarch64", "no_phdrs", "no_pt_load":
		default:
			continue
		}
		path := in.make(t, t.TempDir())
		f, err := elf.Open(path)
		if err != nil {
			t.Errorf("%s: %v", in.name, err)
			continue
		}
		loads := 0
		for _, p := range f.Progs {
			if p.Type == elf.PT_LOAD {
				loads++
			}
		}
		switch in.name {
		case "aarch64":
			if f.Machine != elf.EM_AARCH64 || loads == 0 {
				t.Errorf("aarch64 input: machine %v, %d PT_LOAD", f.Machine, loads)
			}
		case "no_phdrs", "no_pt_load":
			if loads != 0 {
				t.Errorf("%s input still has %d PT_LOAD", in.name, loads)
			}
		}
		f.Close()
	}
}
