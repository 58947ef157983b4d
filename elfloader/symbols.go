package elfloader

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"
	"sort"
)

// Func is a function symbol's extent at its link-time address.
type Func struct{ Start, Size uint64 }

// Functions reads the function symbols of an object (.symtab, else
// .dynsym) as sorted extents, without building their names: the fast path
// uses it to prove instruction boundaries, on every object a program maps,
// so it must be cheap.
func Functions(r io.ReaderAt) ([]Func, error) {
	f, err := elf.NewFile(r)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sec := f.SectionByType(elf.SHT_SYMTAB)
	if sec == nil {
		sec = f.SectionByType(elf.SHT_DYNSYM)
	}
	if sec == nil {
		return nil, nil
	}
	const entSize = 24 // Elf64_Sym
	if sec.Size > 64<<20 {
		return nil, fmt.Errorf("symbol table of %d bytes is too large", sec.Size)
	}
	data := make([]byte, sec.Size)
	if _, err := sec.ReadAt(data, 0); err != nil && err != io.EOF {
		return nil, fmt.Errorf("reading the symbol table: %w", err)
	}
	var out []Func
	for off := 0; off+entSize <= len(data); off += entSize {
		info := data[off+4]
		value := binary.LittleEndian.Uint64(data[off+8:])
		size := binary.LittleEndian.Uint64(data[off+16:])
		if elf.ST_TYPE(info) == elf.STT_FUNC && value != 0 && size != 0 {
			out = append(out, Func{value, size})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	return out, nil
}
