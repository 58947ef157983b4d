package elfloader

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

const (
	ehdrSize = 64 // sizeof(Elf64_Ehdr)
	phdrSize = 56 // sizeof(Elf64_Phdr)

	// maxPhdrBytes is Linux's limit on the program-header table
	// (load_elf_phdrs refuses more than 64 KiB), i.e. 1170 entries.
	maxPhdrBytes = 65536
	// pnXNum marks extended program-header numbering, which Linux does not support.
	pnXNum = 0xffff
)

// header is the part of Elf64_Ehdr the loader uses.
type header struct {
	Type      elf.Type
	Machine   elf.Machine
	Entry     uint64
	Phoff     uint64
	Phentsize uint16
	Phnum     uint16
}

// machineNames gives the names people know architectures by, for errors.
var machineNames = map[elf.Machine]string{
	elf.EM_386:       "i386",
	elf.EM_AARCH64:   "AArch64",
	elf.EM_ARM:       "ARM",
	elf.EM_RISCV:     "RISC-V",
	elf.EM_PPC64:     "PowerPC64",
	elf.EM_PPC:       "PowerPC",
	elf.EM_S390:      "s390x",
	elf.EM_MIPS:      "MIPS",
	elf.EM_SPARCV9:   "SPARC V9",
	elf.EM_LOONGARCH: "LoongArch",
	elf.EM_IA_64:     "IA-64",
}

func machineName(m elf.Machine) string {
	if n, ok := machineNames[m]; ok {
		return n
	}
	return m.String()
}

// readHeader validates e_ident and the fields of the ELF header that decide
// whether elfloader can load the file at all.
func readHeader(f *fileReader) (*header, error) {
	var buf [ehdrSize]byte
	n, err := f.r.ReadAt(buf[:], 0)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && n < ehdrSize {
		return nil, fmt.Errorf("%s: reading the ELF header: %w", f.path, err)
	}
	ident := buf[:n]
	if len(ident) < len(elf.ELFMAG) || !bytes.Equal(ident[:len(elf.ELFMAG)], []byte(elf.ELFMAG)) {
		if n == 0 {
			return nil, formatErr(f.path, ErrNotELF, "not an ELF file (bad magic): the file is empty")
		}
		return nil, formatErr(f.path, ErrNotELF, "not an ELF file (bad magic)")
	}
	if n < elf.EI_NIDENT {
		return nil, formatErr(f.path, ErrTruncated, "truncated file: ELF identification needs %d bytes, file has %d", elf.EI_NIDENT, n)
	}
	switch c := elf.Class(ident[elf.EI_CLASS]); c {
	case elf.ELFCLASS64:
	case elf.ELFCLASS32:
		return nil, formatErr(f.path, ErrUnsupported, "32-bit ELF is not supported: only x86-64")
	default:
		return nil, formatErr(f.path, ErrMalformed, "invalid ELF class %d in e_ident[EI_CLASS]", uint8(c))
	}
	switch d := elf.Data(ident[elf.EI_DATA]); d {
	case elf.ELFDATA2LSB:
	case elf.ELFDATA2MSB:
		return nil, formatErr(f.path, ErrUnsupported, "big-endian ELF is not supported: only little-endian x86-64")
	default:
		return nil, formatErr(f.path, ErrMalformed, "invalid ELF data encoding %d in e_ident[EI_DATA]", uint8(d))
	}
	if v := elf.Version(ident[elf.EI_VERSION]); v != elf.EV_CURRENT {
		return nil, formatErr(f.path, ErrMalformed, "invalid ELF version %d in e_ident[EI_VERSION], want 1", uint8(v))
	}
	if n < ehdrSize {
		return nil, formatErr(f.path, ErrTruncated, "truncated file: the ELF header needs %d bytes, file has %d", ehdrSize, n)
	}

	le := binary.LittleEndian
	h := &header{
		Type:      elf.Type(le.Uint16(buf[16:])),
		Machine:   elf.Machine(le.Uint16(buf[18:])),
		Entry:     le.Uint64(buf[24:]),
		Phoff:     le.Uint64(buf[32:]),
		Phentsize: le.Uint16(buf[54:]),
		Phnum:     le.Uint16(buf[56:]),
	}
	if h.Machine != elf.EM_X86_64 {
		return nil, formatErr(f.path, ErrUnsupported, "ELF for %s, want x86-64", machineName(h.Machine))
	}
	if v := le.Uint32(buf[20:]); v != uint32(elf.EV_CURRENT) {
		return nil, formatErr(f.path, ErrMalformed, "invalid e_version %d, want 1", v)
	}
	switch h.Type {
	case elf.ET_EXEC, elf.ET_DYN:
	case elf.ET_REL:
		return nil, formatErr(f.path, ErrUnsupported, "relocatable object, not an executable (e_type ET_REL): link it first")
	case elf.ET_CORE:
		return nil, formatErr(f.path, ErrUnsupported, "core dump, not an executable (e_type ET_CORE)")
	default:
		return nil, formatErr(f.path, ErrUnsupported, "e_type %v is not an executable: want ET_EXEC or ET_DYN", h.Type)
	}
	switch {
	case h.Phnum == 0:
		return nil, formatErr(f.path, ErrMalformed, "no program headers (e_phnum 0): not a loadable executable")
	case h.Phentsize != phdrSize:
		return nil, formatErr(f.path, ErrMalformed, "e_phentsize %d, want %d", h.Phentsize, phdrSize)
	case h.Phnum == pnXNum:
		return nil, formatErr(f.path, ErrUnsupported, "extended program-header numbering (e_phnum 0xffff) is not supported")
	case uint64(h.Phnum)*phdrSize > maxPhdrBytes:
		return nil, formatErr(f.path, ErrMalformed, "absurd e_phnum %d: the program-header table may hold at most %d entries",
			h.Phnum, maxPhdrBytes/phdrSize)
	}
	return h, nil
}
