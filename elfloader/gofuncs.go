package elfloader

import (
	"debug/elf"
	"debug/gosym"
	"encoding/binary"
)

// goFuncs returns the function extents of Go's function table
// (.gopclntab), which a Go program keeps when its symbol table is stripped
// (go build -ldflags=-s): the runtime needs it for stacks and tracebacks.
func goFuncs(fr *fileReader, f *elf.File) []Func {
	pcln := f.Section(".gopclntab")
	text := f.Section(".text")
	if pcln == nil || text == nil {
		return nil
	}
	data, err := sectionData(fr, pcln, "Go function table")
	if err != nil {
		return nil
	}
	return goTableFuncs(data, text.Addr)
}

// goTableFuncs parses a Go function table. debug/gosym is written for the
// toolchain's own output, not for hostile files: a malformed table that
// makes it panic is answered as "no functions".
func goTableFuncs(data []byte, textAddr uint64) (out []Func) {
	// The header's function count sizes what gosym allocates: every
	// function-table entry takes at least 8 bytes of the table, so a count
	// the data cannot hold is refused before anything is allocated.
	if len(data) < 16 || data[7] != 8 {
		return nil
	}
	if n := binary.LittleEndian.Uint64(data[8:]); n == 0 || n > uint64(len(data))/8 {
		return nil
	}
	defer func() {
		if recover() != nil {
			out = nil
		}
	}()
	table, err := gosym.NewTable(nil, gosym.NewLineTable(data, textAddr))
	if err != nil {
		return nil
	}
	for _, fn := range table.Funcs {
		if fn.Entry != 0 && fn.End > fn.Entry && fn.End-fn.Entry < 1<<32 {
			out = append(out, Func{Start: fn.Entry, Size: fn.End - fn.Entry})
		}
	}
	return out
}
