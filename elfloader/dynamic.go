package elfloader

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"strings"
)

const dynSize = 16 // sizeof(Elf64_Dyn)

// readDynamic reads DT_NEEDED, DT_RPATH, DT_RUNPATH and DT_SONAME through
// PT_DYNAMIC and DT_STRTAB, as ld.so does, so that it also works for files
// whose section headers were stripped.
func (b *Binary) readDynamic(f *fileReader, p *elf.Prog64) error {
	const where = "PT_DYNAMIC"
	raw, err := f.read(p.Off, p.Filesz, where)
	if err != nil {
		return err
	}
	var (
		strtab, strsz          uint64
		haveStrtab, haveStrsz  bool
		needed, rpath, runpath []uint64
		soname                 uint64
		haveSOName             bool
	)
	le := binary.LittleEndian
	for off := 0; off+dynSize <= len(raw); off += dynSize {
		tag := elf.DynTag(le.Uint64(raw[off:]))
		val := le.Uint64(raw[off+8:])
		if tag == elf.DT_NULL {
			break
		}
		switch tag {
		case elf.DT_STRTAB:
			strtab, haveStrtab = val, true
		case elf.DT_STRSZ:
			strsz, haveStrsz = val, true
		case elf.DT_NEEDED:
			needed = append(needed, val)
		case elf.DT_RPATH:
			rpath = append(rpath, val)
		case elf.DT_RUNPATH:
			runpath = append(runpath, val)
		case elf.DT_SONAME:
			soname, haveSOName = val, true
		}
	}
	if len(needed)+len(rpath)+len(runpath) == 0 && !haveSOName {
		return nil
	}
	if !haveStrtab {
		return formatErr(f.path, ErrMalformed, "%s: has DT_NEEDED/DT_RPATH/DT_RUNPATH/DT_SONAME but no DT_STRTAB", where)
	}
	fileOff, avail, ok := b.fileOffset(strtab)
	if !ok {
		return formatErr(f.path, ErrMalformed, "%s: DT_STRTAB 0x%x is not inside the file part of any PT_LOAD", where, strtab)
	}
	if !haveStrsz || strsz > avail {
		strsz = min(avail, maxTableRead)
	}
	table, err := f.read(fileOff, strsz, "dynamic string table (DT_STRTAB)")
	if err != nil {
		return err
	}
	str := func(what string, off uint64) (string, error) {
		if off >= uint64(len(table)) {
			return "", formatErr(f.path, ErrMalformed, "%s: %s string offset 0x%x is past the string table (0x%x bytes)",
				where, what, off, len(table))
		}
		s := table[off:]
		end := bytes.IndexByte(s, 0)
		if end < 0 {
			return "", formatErr(f.path, ErrMalformed, "%s: %s string at offset 0x%x is not NUL-terminated", where, what, off)
		}
		return string(s[:end]), nil
	}
	for _, off := range needed {
		s, err := str("DT_NEEDED", off)
		if err != nil {
			return err
		}
		b.Needed = append(b.Needed, s)
	}
	for _, off := range rpath {
		s, err := str("DT_RPATH", off)
		if err != nil {
			return err
		}
		b.RPath = append(b.RPath, splitPath(s)...)
	}
	for _, off := range runpath {
		s, err := str("DT_RUNPATH", off)
		if err != nil {
			return err
		}
		b.RunPath = append(b.RunPath, splitPath(s)...)
	}
	if haveSOName {
		if b.SOName, err = str("DT_SONAME", soname); err != nil {
			return err
		}
	}
	return nil
}

// fileOffset maps an unbiased virtual address to its file offset and the
// number of file bytes that follow it in the same PT_LOAD.
func (b *Binary) fileOffset(vaddr uint64) (off, avail uint64, ok bool) {
	for _, s := range b.Segments {
		p := s.Prog
		if vaddr >= p.Vaddr && vaddr < p.Vaddr+p.Filesz {
			d := vaddr - p.Vaddr
			return p.Off + d, p.Filesz - d, true
		}
	}
	return 0, 0, false
}

// splitPath splits a DT_RPATH/DT_RUNPATH value at ':' dropping empty parts.
func splitPath(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ":") {
		if part != "" {
			out = append(out, part)
		}
	}
	return out
}
