package elfloader

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
)

// A synthetic dynamic ET_EXEC that exercises every program-header type the
// loader reads. Tests mutate its header and program headers to provoke each
// validation error.
const (
	synthInterp   = "/lib64/ld-linux-x86-64.so.2"
	synthEntry    = 0x401010
	synthFileSize = 0x1180
	synthBuildID  = "0123456789abcdef"
)

// Indexes into synthProgs.
const (
	phPhdr = iota
	phInterp
	phLoadR
	phLoadRX
	phLoadRW
	phTLS
	phDynamic
	phNote
	phStack
	synthPhnum
)

func synthHeader() elf.Header64 {
	var h elf.Header64
	copy(h.Ident[:], elf.ELFMAG)
	h.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	h.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	h.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	h.Type = uint16(elf.ET_EXEC)
	h.Machine = uint16(elf.EM_X86_64)
	h.Version = uint32(elf.EV_CURRENT)
	h.Entry = synthEntry
	h.Phoff = 64
	h.Ehsize = 64
	h.Phentsize = 56
	h.Phnum = synthPhnum
	return h
}

func synthProgs() []elf.Prog64 {
	r, rx, rw := uint32(elf.PF_R), uint32(elf.PF_R|elf.PF_X), uint32(elf.PF_R|elf.PF_W)
	return []elf.Prog64{
		phPhdr:    {Type: uint32(elf.PT_PHDR), Flags: r, Off: 64, Vaddr: 0x400040, Filesz: synthPhnum * 56, Memsz: synthPhnum * 56, Align: 8},
		phInterp:  {Type: uint32(elf.PT_INTERP), Flags: r, Off: 0x300, Vaddr: 0x400300, Filesz: uint64(len(synthInterp) + 1), Memsz: uint64(len(synthInterp) + 1), Align: 1},
		phLoadR:   {Type: uint32(elf.PT_LOAD), Flags: r, Off: 0, Vaddr: 0x400000, Filesz: 0x400, Memsz: 0x400, Align: 0x1000},
		phLoadRX:  {Type: uint32(elf.PT_LOAD), Flags: rx, Off: 0x1000, Vaddr: 0x401000, Filesz: 0x100, Memsz: 0x100, Align: 0x1000},
		phLoadRW:  {Type: uint32(elf.PT_LOAD), Flags: rw, Off: 0x1100, Vaddr: 0x402100, Filesz: 0x80, Memsz: 0x3000, Align: 0x1000},
		phTLS:     {Type: uint32(elf.PT_TLS), Flags: r, Off: 0x1100, Vaddr: 0x402100, Filesz: 0x8, Memsz: 0x10, Align: 8},
		phDynamic: {Type: uint32(elf.PT_DYNAMIC), Flags: rw, Off: 0x1140, Vaddr: 0x402140, Filesz: 0x40, Memsz: 0x40, Align: 8},
		phNote:    {Type: uint32(elf.PT_NOTE), Flags: r, Off: 0x3c0, Vaddr: 0x4003c0, Filesz: 12 + 4 + 8, Memsz: 12 + 4 + 8, Align: 4},
		phStack:   {Type: uint32(elf.PT_GNU_STACK), Flags: rw, Align: 16},
	}
}

// synthELF serialises the synthetic file after letting mod change it.
func synthELF(mod func(h *elf.Header64, ph []elf.Prog64)) []byte {
	h := synthHeader()
	ph := synthProgs()
	if mod != nil {
		mod(&h, ph)
	}
	var buf bytes.Buffer
	binary.Write(&buf, binary.LittleEndian, &h)
	for i := range ph {
		binary.Write(&buf, binary.LittleEndian, &ph[i])
	}
	out := make([]byte, synthFileSize)
	copy(out, buf.Bytes())
	copy(out[0x300:], synthInterp+"\x00")
	// Dynamic string table at file 0x380 (vaddr 0x400380).
	strtab := "\x00libc.so.6\x00$ORIGIN/../lib:/opt/lib\x00libsynth.so.1\x00"
	copy(out[0x380:], strtab)
	// GNU build-id note.
	le := binary.LittleEndian
	le.PutUint32(out[0x3c0:], 4)
	le.PutUint32(out[0x3c4:], 8)
	le.PutUint32(out[0x3c8:], 3)
	copy(out[0x3cc:], "GNU\x00")
	copy(out[0x3d0:], []byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef})
	// Code: a single hlt at the entry point.
	out[0x1010] = 0xf4
	// Dynamic section.
	dyn := [][2]uint64{
		{uint64(elf.DT_NEEDED), 1},
		{uint64(elf.DT_RUNPATH), 11},
		{uint64(elf.DT_STRTAB), 0x400380},
		{uint64(elf.DT_NULL), 0},
	}
	for i, d := range dyn {
		le.PutUint64(out[0x1140+16*i:], d[0])
		le.PutUint64(out[0x1148+16*i:], d[1])
	}
	return out
}
