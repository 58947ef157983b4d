package cover

import (
	"bytes"
	"cmp"
	"debug/elf"
	"encoding/binary"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/elfloader/elfloader/elfloader"
	"github.com/elfloader/elfloader/kernel"
)

// siteMap remembers, for the call sites the observer saw first, the
// mapping that held them, so that sites can be resolved after the program
// is gone. Only the first call of each syscall number takes its lock.
type siteMap struct {
	mu   sync.Mutex
	vmas map[uint64]kernel.VMA // site → the VMA that held it
}

func (m *siteMap) note(site uint64, vma kernel.VMA) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.vmas == nil {
		m.vmas = make(map[uint64]kernel.VMA)
	}
	m.vmas[site] = vma
}

// lookup returns the VMA noted for site or, for a site noted by no call
// (two threads racing for the first call of a syscall), any noted VMA that
// contains it.
func (m *siteMap) lookup(site uint64) (kernel.VMA, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.vmas[site]; ok {
		return v, true
	}
	for _, v := range m.vmas {
		if site >= v.Start && site < v.End {
			return v, true
		}
	}
	return kernel.VMA{}, false
}

// Symbolizer finds the symbol that holds a file offset of an ELF object,
// from its symbol table (.symtab) and dynamic symbol table (.dynsym). It
// caches each object it opens; it is safe for concurrent use.
type Symbolizer struct {
	mu      sync.Mutex
	objects map[string]*elfSymbols
}

// elfSymbols is what the symbolizer keeps of one object. A nil value in
// the cache records an object that could not be read.
type elfSymbols struct {
	loads   []elf.ProgHeader // PT_LOAD headers
	syms    []rawSym         // functions and untyped symbols, by address
	strtabs [][]byte         // the string tables rawSym.strtab indexes
}

// rawSym is a symbol whose name stays in its string table until asked
// for: reading a large table costs no allocation per symbol, and the
// entry holds no pointer, so sorting a large table moves plain words.
type rawSym struct {
	Value, Size uint64
	nameOff     uint32
	nameLen     uint32
	Info        byte
	strtab      uint8 // index into elfSymbols.strtabs
}

// name returns the symbol's name.
func (o *elfSymbols) name(s rawSym) string {
	t := o.strtabs[s.strtab]
	return string(t[s.nameOff : s.nameOff+s.nameLen])
}

// rawSymbols reads a symbol table section and its string table into o.
// maxTable bounds the symbol and string tables read from one object.
const maxTable = 64 << 20

func (o *elfSymbols) rawSymbols(f *elf.File, typ elf.SectionType) {
	sec := f.SectionByType(typ)
	if sec == nil || sec.Link == 0 || int(sec.Link) >= len(f.Sections) || sec.Size > maxTable || f.Sections[sec.Link].Size > maxTable {
		return
	}
	data, err := sec.Data()
	if err != nil {
		return
	}
	strtab, err := f.Sections[sec.Link].Data()
	if err != nil {
		return
	}
	tab := uint8(len(o.strtabs))
	o.strtabs = append(o.strtabs, strtab)
	for off := 24; off+24 <= len(data); off += 24 { // entry 0 is the null symbol
		e := data[off : off+24]
		nameOff := binary.LittleEndian.Uint32(e[0:])
		info := e[4]
		shndx := binary.LittleEndian.Uint16(e[6:])
		value := binary.LittleEndian.Uint64(e[8:])
		size := binary.LittleEndian.Uint64(e[16:])
		typ := elf.ST_TYPE(info)
		if value == 0 || elf.SectionIndex(shndx) == elf.SHN_UNDEF || (typ != elf.STT_FUNC && typ != elf.STT_NOTYPE) {
			continue
		}
		if int(nameOff) >= len(strtab) {
			nameOff = uint32(len(strtab)) // an empty name
		}
		nameLen := bytes.IndexByte(strtab[nameOff:], 0)
		if nameLen < 0 {
			nameLen = len(strtab) - int(nameOff)
		}
		if typ == elf.STT_NOTYPE && (nameLen == 0 || strtab[nameOff] == '$' || strtab[nameOff] == '.') {
			continue
		}
		o.syms = append(o.syms, rawSym{Value: value, Size: size, nameOff: nameOff, nameLen: uint32(nameLen), Info: info, strtab: tab})
	}
}

// Resolve returns the symbol whose code holds file offset off of the ELF
// object at path (the nearest symbol at or below it), or "" when the object
// cannot be read or has no symbol there.
func (s *Symbolizer) Resolve(path string, off uint64) string {
	obj := s.object(path)
	if obj == nil {
		return ""
	}
	vaddr, ok := obj.vaddrOf(off)
	if !ok {
		return ""
	}
	return obj.symbolAt(vaddr)
}

func (s *Symbolizer) object(path string) *elfSymbols {
	s.mu.Lock()
	defer s.mu.Unlock()
	if obj, ok := s.objects[path]; ok {
		return obj
	}
	if s.objects == nil {
		s.objects = make(map[string]*elfSymbols)
	}
	obj, err := readSymbols(path)
	if err != nil {
		obj = nil
	}
	s.objects[path] = obj
	return obj
}

func readSymbols(path string) (*elfSymbols, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	f, err := elfloader.NewFile(file) // the app's objects are app input
	if err != nil {
		return nil, err
	}
	obj := &elfSymbols{}
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			obj.loads = append(obj.loads, p.ProgHeader)
		}
	}
	obj.rawSymbols(f, elf.SHT_SYMTAB)
	obj.rawSymbols(f, elf.SHT_DYNSYM)
	// Sort by address; at equal addresses prefer sized functions, then
	// global bindings, then the shorter (usually the public) name; the
	// table and name offset make the order total.
	slices.SortFunc(obj.syms, func(a, b rawSym) int {
		if c := cmp.Compare(a.Value, b.Value); c != 0 {
			return c
		}
		if (a.Size > 0) != (b.Size > 0) {
			if a.Size > 0 {
				return -1
			}
			return 1
		}
		ga, gb := elf.ST_BIND(a.Info) == elf.STB_GLOBAL, elf.ST_BIND(b.Info) == elf.STB_GLOBAL
		if ga != gb {
			if ga {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(a.nameLen, b.nameLen); c != 0 {
			return c
		}
		if c := cmp.Compare(a.strtab, b.strtab); c != 0 {
			return c
		}
		return cmp.Compare(a.nameOff, b.nameOff)
	})
	return obj, nil
}

func (o *elfSymbols) vaddrOf(off uint64) (uint64, bool) {
	for _, p := range o.loads {
		if off >= p.Off && off < p.Off+p.Filesz {
			return p.Vaddr + (off - p.Off), true
		}
	}
	return 0, false
}

// symbolAt returns the symbol containing vaddr, or the nearest one below
// it when none has a size that covers it.
func (o *elfSymbols) symbolAt(vaddr uint64) string {
	i := sort.Search(len(o.syms), func(i int) bool { return o.syms[i].Value > vaddr })
	if i == 0 {
		return ""
	}
	// Walk back over symbols at or below vaddr; the first that covers it
	// wins, else the nearest.
	nearest := o.syms[i-1]
	for j := i - 1; j >= 0 && j >= i-16; j-- {
		s := o.syms[j]
		if s.Size > 0 && vaddr < s.Value+s.Size {
			return o.name(s)
		}
	}
	return o.name(nearest)
}

// resolveSite describes a call site from the VMA that held it.
func (s *Symbolizer) resolveSite(site uint64, vma kernel.VMA) (symbol, object string, offset uint64) {
	offset = site - vma.Start + vma.FileOff
	object = vma.Name
	if object != "" && !strings.HasPrefix(object, "[") {
		symbol = s.Resolve(object, offset)
	}
	return symbol, object, offset
}
