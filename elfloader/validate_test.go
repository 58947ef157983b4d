package elfloader

import (
	"bytes"
	"debug/elf"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseSynthetic(t *testing.T) {
	b, err := Parse(bytes.NewReader(synthELF(nil)), "synth")
	if err != nil {
		t.Fatal(err)
	}
	if b.Kind != DynamicExec || b.Interp != synthInterp || b.Entry != synthEntry {
		t.Errorf("kind %v interp %q entry %#x", b.Kind, b.Interp, b.Entry)
	}
	want := []Segment{
		{Vaddr: 0x400000, Memsz: 0x1000, FileOff: 0, Filesz: 0x400, Prot: unix.PROT_READ},
		{Vaddr: 0x401000, Memsz: 0x1000, FileOff: 0x1000, Filesz: 0x100, Prot: unix.PROT_READ | unix.PROT_EXEC},
		// p_vaddr 0x402100 + 0x3000 ends at 0x405100: four pages; 0x100 leading bytes + 0x80 file bytes.
		{Vaddr: 0x402000, Memsz: 0x4000, FileOff: 0x1000, Filesz: 0x180, Prot: unix.PROT_READ | unix.PROT_WRITE},
	}
	if len(b.Segments) != len(want) {
		t.Fatalf("got %d segments, want %d", len(b.Segments), len(want))
	}
	for i, w := range want {
		g := b.Segments[i]
		g.Prog = ProgHeader{}
		if g != w {
			t.Errorf("segment %d = %+v, want %+v", i, g, w)
		}
	}
	if b.MinVaddr != 0x400000 || b.MaxVaddr != 0x406000 {
		t.Errorf("extent [%#x, %#x)", b.MinVaddr, b.MaxVaddr)
	}
	if b.PhdrVaddr != 0x400040 || b.Phnum != synthPhnum || b.Phent != 56 {
		t.Errorf("phdr %#x phnum %d phent %d", b.PhdrVaddr, b.Phnum, b.Phent)
	}
	if b.TLS == nil || *b.TLS != (TLS{Vaddr: 0x402100, Offset: 0x1100, Filesz: 8, Memsz: 0x10, Align: 8}) {
		t.Errorf("TLS = %+v", b.TLS)
	}
	if b.ExecStack {
		t.Error("ExecStack with a non-executable PT_GNU_STACK")
	}
	if !equal(b.Needed, []string{"libc.so.6"}) || !equal(b.RunPath, []string{"$ORIGIN/../lib", "/opt/lib"}) || len(b.RPath) != 0 {
		t.Errorf("needed %q runpath %q rpath %q", b.Needed, b.RunPath, b.RPath)
	}
	if b.BuildID != synthBuildID {
		t.Errorf("build-id %q, want %q", b.BuildID, synthBuildID)
	}
}

func TestParseDerivedFields(t *testing.T) {
	t.Run("no PT_GNU_STACK means executable stack", func(t *testing.T) {
		b := mustParse(t, synthELF(func(h *elf.Header64, ph []elf.Prog64) { ph[phStack].Type = uint32(elf.PT_NULL) }))
		if !b.ExecStack {
			t.Error("ExecStack = false")
		}
	})
	t.Run("PF_X on PT_GNU_STACK", func(t *testing.T) {
		b := mustParse(t, synthELF(func(h *elf.Header64, ph []elf.Prog64) { ph[phStack].Flags |= uint32(elf.PF_X) }))
		if !b.ExecStack {
			t.Error("ExecStack = false")
		}
	})
	t.Run("static without PT_INTERP", func(t *testing.T) {
		b := mustParse(t, synthELF(func(h *elf.Header64, ph []elf.Prog64) { ph[phInterp].Type = uint32(elf.PT_NULL) }))
		if b.Kind != StaticExec || b.Interp != "" {
			t.Errorf("kind %v interp %q", b.Kind, b.Interp)
		}
	})
	t.Run("ET_DYN is a PIE", func(t *testing.T) {
		b := mustParse(t, synthELF(func(h *elf.Header64, ph []elf.Prog64) { h.Type = uint16(elf.ET_DYN) }))
		if b.Kind != DynamicPIE {
			t.Errorf("kind %v", b.Kind)
		}
	})
	t.Run("PHDR from the PT_LOAD covering e_phoff", func(t *testing.T) {
		b := mustParse(t, synthELF(func(h *elf.Header64, ph []elf.Prog64) { ph[phPhdr].Type = uint32(elf.PT_NULL) }))
		if b.PhdrVaddr != 0x400040 {
			t.Errorf("PhdrVaddr %#x", b.PhdrVaddr)
		}
	})
	t.Run("library without entry point", func(t *testing.T) {
		b := mustParse(t, synthELF(func(h *elf.Header64, ph []elf.Prog64) { h.Type = uint16(elf.ET_DYN); h.Entry = 0 }))
		if _, err := NewPlan(b, DefaultPIEBias, nil, 0); err == nil || !strings.Contains(err.Error(), "no entry point") {
			t.Errorf("NewPlan: %v", err)
		}
	})
	t.Run("empty PT_LOAD is ignored", func(t *testing.T) {
		b := mustParse(t, synthELF(func(h *elf.Header64, ph []elf.Prog64) {
			ph[phNote] = elf.Prog64{Type: uint32(elf.PT_LOAD), Off: 0, Vaddr: 0}
		}))
		if len(b.Segments) != 3 {
			t.Errorf("%d segments", len(b.Segments))
		}
	})
}

func TestParseErrors(t *testing.T) {
	valid := synthELF(nil)
	tests := []struct {
		name string
		data []byte
		kind error
		msg  string
	}{
		{"empty file", nil, ErrNotELF, "not an ELF file (bad magic)"},
		{"bad magic", append([]byte("#!/bin/sh\n"), valid[10:]...), ErrNotELF, "not an ELF file (bad magic)"},
		{"truncated ident", valid[:10], ErrTruncated, "truncated"},
		{"truncated header", valid[:40], ErrTruncated, "truncated file: the ELF header needs 64 bytes, file has 40"},
		{"truncated phdrs", valid[:100], ErrTruncated, "program-header table"},
		{"truncated segment", valid[:0x1100], ErrTruncated, "PT_LOAD (program header 4) file contents"},
		{"32-bit", patch(valid, elf.EI_CLASS, 1), ErrUnsupported, "32-bit ELF is not supported: only x86-64"},
		{"bad class", patch(valid, elf.EI_CLASS, 9), ErrMalformed, "invalid ELF class 9"},
		{"big-endian", patch(valid, elf.EI_DATA, 2), ErrUnsupported, "big-endian ELF is not supported"},
		{"bad ident version", patch(valid, elf.EI_VERSION, 0), ErrMalformed, "EI_VERSION"},
		{"aarch64", synthELF(func(h *elf.Header64, ph []elf.Prog64) { h.Machine = uint16(elf.EM_AARCH64) }), ErrUnsupported, "ELF for AArch64, want x86-64"},
		{"riscv", synthELF(func(h *elf.Header64, ph []elf.Prog64) { h.Machine = uint16(elf.EM_RISCV) }), ErrUnsupported, "ELF for RISC-V, want x86-64"},
		{"relocatable", synthELF(func(h *elf.Header64, ph []elf.Prog64) { h.Type = uint16(elf.ET_REL) }), ErrUnsupported, "relocatable object, not an executable"},
		{"core", synthELF(func(h *elf.Header64, ph []elf.Prog64) { h.Type = uint16(elf.ET_CORE) }), ErrUnsupported, "core dump, not an executable"},
		{"e_version", synthELF(func(h *elf.Header64, ph []elf.Prog64) { h.Version = 7 }), ErrMalformed, "invalid e_version 7"},
		{"no phdrs", synthELF(func(h *elf.Header64, ph []elf.Prog64) { h.Phnum = 0 }), ErrMalformed, "no program headers"},
		{"phentsize", synthELF(func(h *elf.Header64, ph []elf.Prog64) { h.Phentsize = 32 }), ErrMalformed, "e_phentsize 32, want 56"},
		{"absurd phnum", synthELF(func(h *elf.Header64, ph []elf.Prog64) { h.Phnum = 5000 }), ErrMalformed, "absurd e_phnum 5000"},
		{"PN_XNUM", synthELF(func(h *elf.Header64, ph []elf.Prog64) { h.Phnum = 0xffff }), ErrUnsupported, "extended program-header numbering"},
		{"phoff past end", synthELF(func(h *elf.Header64, ph []elf.Prog64) { h.Phoff = 0x10000 }), ErrTruncated, "program-header table (e_phoff) at offset 0x10000"},
		{"phoff overflow", synthELF(func(h *elf.Header64, ph []elf.Prog64) { h.Phoff = ^uint64(0) - 10 }), ErrMalformed, "overflows"},
		{"no PT_LOAD", synthELF(func(h *elf.Header64, ph []elf.Prog64) {
			for i := range ph {
				if ph[i].Type == uint32(elf.PT_LOAD) {
					ph[i].Type = uint32(elf.PT_NULL)
				}
			}
		}), ErrMalformed, "no PT_LOAD program header"},
		{"unsorted", synthELF(func(h *elf.Header64, ph []elf.Prog64) { ph[phLoadRW].Vaddr = 0x400100 }), ErrMalformed, "not sorted by address"},
		{"overlapping", synthELF(func(h *elf.Header64, ph []elf.Prog64) { ph[phLoadRW].Vaddr = 0x401080; ph[phLoadRW].Off = 0x1080 }), ErrMalformed, "overlapping PT_LOADs"},
		{"filesz > memsz", synthELF(func(h *elf.Header64, ph []elf.Prog64) { ph[phLoadRX].Filesz = 0x200 }), ErrMalformed, "p_filesz 0x200 > p_memsz 0x100"},
		{"misaligned", synthELF(func(h *elf.Header64, ph []elf.Prog64) { ph[phLoadRX].Off = 0x1010 }), ErrMalformed, "misaligned: p_offset 0x1010 and p_vaddr 0x401000"},
		{"past user space", synthELF(func(h *elf.Header64, ph []elf.Prog64) { ph[phLoadRW].Vaddr = 0x7ffffffff100 }), ErrMalformed, "overflows the user address space"},
		{"wraps around", synthELF(func(h *elf.Header64, ph []elf.Prog64) { ph[phLoadRW].Vaddr = 0xfffffffffffff100 }), ErrMalformed, "overflows the user address space"},
		{"entry in data", synthELF(func(h *elf.Header64, ph []elf.Prog64) { h.Entry = 0x402200 }), ErrMalformed, "e_entry 0x402200 is outside every executable PT_LOAD"},
		{"entry nowhere", synthELF(func(h *elf.Header64, ph []elf.Prog64) { h.Entry = 0x10 }), ErrMalformed, "e_entry 0x10"},
		{"interp not NUL-terminated", synthELF(func(h *elf.Header64, ph []elf.Prog64) { ph[phInterp].Filesz-- }), ErrMalformed, "interpreter path is not NUL-terminated"},
		{"interp too long", synthELF(func(h *elf.Header64, ph []elf.Prog64) { ph[phInterp].Filesz = 5000 }), ErrMalformed, "interpreter path length 5000 is out of range"},
		{"interp too short", synthELF(func(h *elf.Header64, ph []elf.Prog64) { ph[phInterp].Filesz = 1 }), ErrMalformed, "out of range"},
		{"interp embedded NUL", synthELF(func(h *elf.Header64, ph []elf.Prog64) { ph[phInterp].Filesz += 2 }), ErrMalformed, "has a NUL byte inside"},
		{"second interp", synthELF(func(h *elf.Header64, ph []elf.Prog64) { ph[phNote] = ph[phInterp] }), ErrMalformed, "second PT_INTERP"},
		{"TLS filesz", synthELF(func(h *elf.Header64, ph []elf.Prog64) { ph[phTLS].Filesz = 0x20 }), ErrMalformed, "PT_TLS (program header 5): p_filesz"},
		{"TLS align", synthELF(func(h *elf.Header64, ph []elf.Prog64) { ph[phTLS].Align = 12 }), ErrMalformed, "not a power of two"},
		{"DT_STRTAB unmapped", synthELF(func(h *elf.Header64, ph []elf.Prog64) { ph[phLoadR].Filesz = 0x200 }), ErrMalformed, "DT_STRTAB 0x400380 is not inside"},
		{"dynamic past end", synthELF(func(h *elf.Header64, ph []elf.Prog64) { ph[phDynamic].Filesz = 0x1000 }), ErrTruncated, "PT_DYNAMIC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(bytes.NewReader(tt.data), "/bin/app")
			if err == nil {
				t.Fatalf("Parse succeeded, want %q", tt.msg)
			}
			if !errors.Is(err, tt.kind) {
				t.Errorf("error %q is not %v", err, tt.kind)
			}
			if !strings.HasPrefix(err.Error(), "/bin/app: ") || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q, want it to name the file and contain %q", err, tt.msg)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q is not one line", err)
			}
		})
	}
}

// TestParseUnknownSize checks the same truncation errors through a reader
// that cannot report its size.
func TestParseUnknownSize(t *testing.T) {
	data := synthELF(nil)
	if _, err := Parse(onlyReaderAt{bytes.NewReader(data)}, "x"); err != nil {
		t.Fatal(err)
	}
	_, err := Parse(onlyReaderAt{bytes.NewReader(data[:0x1100])}, "x")
	if !errors.Is(err, ErrTruncated) {
		t.Fatalf("got %v, want ErrTruncated", err)
	}
}

func TestParseFileErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := ParseFile(dir); !errors.Is(err, unix.EISDIR) || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory: %v", err)
	}
	missing := filepath.Join(dir, "nope")
	if _, err := ParseFile(missing); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: %v", err)
	}
	script := filepath.Join(dir, "script")
	os.WriteFile(script, []byte("#!/bin/sh\necho hi\n"), 0o755)
	if _, err := ParseFile(script); !errors.Is(err, ErrNotELF) || !strings.HasPrefix(err.Error(), script+": ") {
		t.Errorf("script: %v", err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o644); err == nil {
		if _, err := ParseFile(fifo); !errors.Is(err, unix.EACCES) || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("fifo: %v", err)
		}
	}
	good := filepath.Join(dir, "good")
	os.WriteFile(good, synthELF(nil), 0o755)
	if b, err := ParseFile(good); err != nil || b.Path != good {
		t.Errorf("good file: %v", err)
	}
}

type onlyReaderAt struct{ r *bytes.Reader }

func (o onlyReaderAt) ReadAt(p []byte, off int64) (int, error) { return o.r.ReadAt(p, off) }

func patch(b []byte, off int, v byte) []byte {
	c := bytes.Clone(b)
	c[off] = v
	return c
}

func mustParse(t *testing.T, data []byte) *Binary {
	t.Helper()
	b, err := Parse(bytes.NewReader(data), "synth")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
