package elfloader

import (
	"cmp"
	"debug/elf"
	"encoding/binary"
	"io"
	"slices"
	"sort"
	"sync"
)

// Func is a function symbol's extent at its link-time address.
type Func struct{ Start, Size uint64 }

// Functions reads the function extents of an object as sorted extents,
// without building their names: its .symtab, or when it is stripped, its
// .dynsym, its call-frame information (.eh_frame) and Go's function table.
func Functions(r io.ReaderAt) ([]Func, error) {
	t, err := readFunctions(r, false)
	if !t.sorted {
		sortFuncs(t.funcs)
	}
	return t.funcs, err
}

// FuncTable answers which function of an object contains an address: the
// fast path uses it to prove instruction boundaries, on every object a
// program maps, so it must be cheap. It scans the extents in symbol-table
// order until it has answered sortAfter lookups and only then sorts them:
// a program's start asks a handful, and sorting thousands of symbols cost
// more than the scans. A stripped object's call-frame extents are not
// read up front when .eh_frame_hdr indexes them: a lookup searches that
// index where the object is loaded (and scans its exported symbols until
// sortAfter lookups, like a symbol table).
type FuncTable struct {
	mu      sync.Mutex
	funcs   []Func
	lookups int
	sorted  bool
	fdes    *ehIndex // nil: funcs holds every extent
	loads   []loadExtent
}

// loadExtent is where a PT_LOAD segment's file bytes link.
type loadExtent struct{ off, vaddr, filesz uint64 }

// sortAfter is how many lookups a FuncTable answers by scanning.
const sortAfter = 32

// ReadFuncTable reads the function symbols of an object (.symtab, else
// .dynsym), without building their names.
func ReadFuncTable(r io.ReaderAt) (*FuncTable, error) {
	t, err := readFunctions(r, true)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// LinkAddr returns the link-time address of the object's file offset off:
// the PT_LOAD segment whose file bytes hold it (from its page start) says
// where it links. A mapping of the object at off then has the load bias
// start - LinkAddr(off).
func (t *FuncTable) LinkAddr(off uint64) (uint64, bool) {
	for _, l := range t.loads {
		if off >= l.off&^(PageSize-1) && off < l.off+l.filesz {
			return l.vaddr - (l.off - off), true
		}
	}
	return 0, false
}

// Len is the number of function extents.
func (t *FuncTable) Len() int {
	if t.fdes != nil {
		return len(t.funcs) + int(t.fdes.count)
	}
	return len(t.funcs)
}

// Containing returns the function whose extent holds addr (a link-time
// address), if any: of the extents that start at or below addr, the one
// with the greatest start (the larger of equal starts). read reads the
// loaded object, for the extents looked up where it is loaded; without
// it, or when what it reads makes no sense, such a table answers nothing.
func (t *FuncTable) Containing(addr uint64, read ReadMapped) (Func, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.fdes != nil {
		return t.containingLoaded(addr, read)
	}
	t.lookups++
	if !t.sorted && t.lookups > sortAfter {
		sortFuncs(t.funcs)
		t.sorted = true
	}
	if !t.sorted {
		for _, f := range t.funcs {
			if addr >= f.Start && addr-f.Start < f.Size {
				return f, true
			}
		}
		return Func{}, false
	}
	i := sort.Search(len(t.funcs), func(i int) bool { return t.funcs[i].Start > addr })
	if i == 0 || addr-t.funcs[i-1].Start >= t.funcs[i-1].Size {
		return Func{}, false
	}
	return t.funcs[i-1], true
}

// containingLoaded is Containing for a table whose call-frame extents
// are looked up in the loaded object; funcs is sorted.
func (t *FuncTable) containingLoaded(addr uint64, read ReadMapped) (Func, bool) {
	if read == nil {
		return Func{}, false
	}
	fde, found, ok := t.fdes.find(addr, read)
	if !ok {
		return Func{}, false
	}
	best, have := fde, found
	if f, ok := t.atOrBelow(addr); ok && (!have || f.Start > best.Start || (f.Start == best.Start && f.Size > best.Size)) {
		best, have = f, true
	}
	if !have || addr-best.Start >= best.Size {
		return Func{}, false
	}
	return best, true
}

// atOrBelow returns the extent of funcs with the greatest start at or
// below addr, the larger of equal starts: by a scan for the first
// sortAfter lookups (a stripped object's exported symbols are in hash
// order, and sorting libc's cost more than a start-up's lookups), then
// by binary search in the sorted extents, one per start.
func (t *FuncTable) atOrBelow(addr uint64) (Func, bool) {
	t.lookups++
	if !t.sorted && t.lookups > sortAfter {
		sortFuncs(t.funcs)
		t.funcs = slices.CompactFunc(t.funcs, func(a, b Func) bool { return a.Start == b.Start })
		t.sorted = true
	}
	if t.sorted {
		i := sort.Search(len(t.funcs), func(i int) bool { return t.funcs[i].Start > addr })
		if i == 0 {
			return Func{}, false
		}
		return t.funcs[i-1], true
	}
	var best Func
	have := false
	for _, f := range t.funcs {
		if f.Start <= addr && (!have || f.Start > best.Start || (f.Start == best.Start && f.Size > best.Size)) {
			best, have = f, true
		}
	}
	return best, have
}

// NewFile opens an ELF object with debug/elf once the tables debug/elf
// reads while opening (program and section headers, section names) are
// known to lie inside the file: an object an app maps is app input.
func NewFile(r io.ReaderAt) (*elf.File, error) {
	return openELF(newFileReader(r, ""))
}

func openELF(fr *fileReader) (*elf.File, error) {
	if err := checkHeaderTables(fr); err != nil {
		return nil, err
	}
	return elf.NewFile(fr.r)
}

// readFunctions reads the function extents: a symbol table's in its
// order, or a stripped object's already sorted (the table's sorted says
// which), and where the PT_LOAD segments link. With indexed, a stripped
// object's call-frame extents are left out when .eh_frame_hdr indexes
// them (fdes is that index), and its exported symbols stay in their order.
func readFunctions(r io.ReaderAt, indexed bool) (*FuncTable, error) {
	fr := newFileReader(r, "")
	f, err := openELF(fr)
	if err != nil {
		return &FuncTable{}, err
	}
	defer f.Close()
	t := &FuncTable{}
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			t.loads = append(t.loads, loadExtent{p.Off, p.Vaddr, p.Filesz})
		}
	}
	if sec := f.SectionByType(elf.SHT_SYMTAB); sec != nil {
		t.funcs, err = symbolFuncs(fr, sec)
		return t, err
	}
	// Stripped: the exported functions (.dynsym), and every function
	// with call-frame information or in Go's function table.
	if sec := f.SectionByType(elf.SHT_DYNSYM); sec != nil {
		funcs, err := symbolFuncs(fr, sec)
		if err != nil {
			return t, err
		}
		t.funcs = funcs
	}
	if indexed {
		if x, ok := readEHIndex(fr, f); ok {
			t.fdes = &x
		}
	}
	if sec := f.Section(".eh_frame"); t.fdes == nil && sec != nil && sec.Type == elf.SHT_PROGBITS {
		data, err := sectionData(fr, sec, "call-frame information")
		if err != nil {
			return t, err
		}
		funcs, _ := ehFrameFuncs(data, sec.Addr) // what parsed before an error is sound
		t.funcs = append(t.funcs, funcs...)
	}
	if funcs := goFuncs(fr, f); len(funcs) > 0 {
		t.funcs = append(t.funcs, funcs...)
	}
	if t.fdes != nil {
		return t, nil // sorted after sortAfter lookups (atOrBelow)
	}
	// One extent per start (an exported alias and its FDE coincide; the
	// larger wins): the lookup's binary search needs starts that do not
	// repeat.
	sortFuncs(t.funcs)
	t.funcs = slices.CompactFunc(t.funcs, func(a, b Func) bool { return a.Start == b.Start })
	t.sorted = true
	return t, nil
}

// sortFuncs orders extents by start, the larger first at equal starts.
// It is a least-significant-digit radix sort on the start, one pass per
// byte the largest start uses, then a size order inside each run of
// equal starts: python3's 12,000 extents in call-frame order (a third of
// them out of order) took 0.4–0.9 ms with a comparison sort, on the first
// trap of its code.
func sortFuncs(fs []Func) {
	if len(fs) < 2 {
		return
	}
	var top uint64
	for _, f := range fs {
		top |= f.Start
	}
	tmp := make([]Func, len(fs))
	src, dst := fs, tmp
	for shift := uint(0); shift < 64 && top>>shift != 0; shift += 8 {
		var count [257]int
		for _, f := range src {
			count[(f.Start>>shift&0xff)+1]++
		}
		if count[(src[0].Start>>shift&0xff)+1] == len(src) {
			continue // every start has the same byte here
		}
		for i := 1; i < len(count); i++ {
			count[i] += count[i-1]
		}
		for _, f := range src {
			b := f.Start >> shift & 0xff
			dst[count[b]] = f
			count[b]++
		}
		src, dst = dst, src
	}
	if &src[0] != &fs[0] {
		copy(fs, src)
	}
	for i := 0; i < len(fs); {
		j := i + 1
		for j < len(fs) && fs[j].Start == fs[i].Start {
			j++
		}
		if j-i > 1 {
			slices.SortFunc(fs[i:j], func(a, b Func) int { return cmp.Compare(b.Size, a.Size) })
		}
		i = j
	}
}

// sectionData reads a section's bytes, bounded and checked against the
// file's size first.
func sectionData(fr *fileReader, sec *elf.Section, what string) ([]byte, error) {
	if sec.Flags&elf.SHF_COMPRESSED != 0 {
		return nil, formatErr(fr.path, ErrUnsupported, "compressed %s is not supported", what)
	}
	return fr.read(sec.Offset, sec.Size, what)
}

// symbolFuncs reads the function extents of a symbol table.
func symbolFuncs(fr *fileReader, sec *elf.Section) ([]Func, error) {
	const entSize = 24 // Elf64_Sym
	data, err := sectionData(fr, sec, "symbol table")
	if err != nil {
		return nil, err
	}
	// Sized once for every entry (most are functions): growing the slice
	// entry by entry was half of reading a shared library's table.
	out := make([]Func, 0, len(data)/entSize)
	for off := 0; off+entSize <= len(data); off += entSize {
		info := data[off+4]
		value := binary.LittleEndian.Uint64(data[off+8:])
		size := binary.LittleEndian.Uint64(data[off+16:])
		if elf.ST_TYPE(info) == elf.STT_FUNC && value != 0 && size != 0 {
			out = append(out, Func{value, size})
		}
	}
	return out, nil
}

const shdrSize = 64 // sizeof(Elf64_Shdr)

// checkHeaderTables verifies that the program- and section-header tables
// an ELF header announces lie inside the file, before debug/elf allocates
// one entry per announced header: a 64-byte file may claim 65535 of each,
// or, through extended numbering, 2^64 sections.
func checkHeaderTables(f *fileReader) error {
	var h [ehdrSize]byte
	if n, _ := f.r.ReadAt(h[:], 0); n < ehdrSize {
		return formatErr(f.path, ErrTruncated, "truncated file: the ELF header needs %d bytes, file has %d", ehdrSize, n)
	}
	if h[elf.EI_CLASS] != byte(elf.ELFCLASS64) || h[elf.EI_DATA] != byte(elf.ELFDATA2LSB) {
		return formatErr(f.path, ErrUnsupported, "not a 64-bit little-endian ELF file")
	}
	le := binary.LittleEndian
	phoff, phnum, phentsize := le.Uint64(h[32:]), uint64(le.Uint16(h[56:])), uint64(le.Uint16(h[54:]))
	shoff, shnum, shentsize := le.Uint64(h[40:]), uint64(le.Uint16(h[60:])), uint64(le.Uint16(h[58:]))
	if phnum == pnXNum {
		return formatErr(f.path, ErrUnsupported, "extended program-header numbering (e_phnum 0xffff) is not supported")
	}
	if shnum == 0 && shoff != 0 {
		// Extended numbering: section 0's sh_size holds the count.
		sec0, err := f.read(shoff, shdrSize, "section header 0 (e_shoff)")
		if err != nil {
			return err
		}
		shnum = le.Uint64(sec0[32:])
	}
	if err := checkTable(f, "program-header table (e_phoff)", phoff, phnum, max(phentsize, phdrSize)); err != nil {
		return err
	}
	if err := checkTable(f, "section-header table (e_shoff)", shoff, shnum, max(shentsize, shdrSize)); err != nil {
		return err
	}
	return checkSectionNames(f, h[:], shoff, shnum, max(shentsize, shdrSize))
}

// checkSectionNames verifies that the section-name string table
// (e_shstrndx) lies inside the file: debug/elf reads it whole while
// opening the file, in chunks of up to 10 MB before it notices that the
// file ends, so a size field of 2^48 costs an allocation of 10 MB.
func checkSectionNames(f *fileReader, h []byte, shoff, shnum, shentsize uint64) error {
	le := binary.LittleEndian
	index := uint64(le.Uint16(h[62:]))
	if index == uint64(elf.SHN_XINDEX) && shnum > 0 {
		sec0, err := f.read(shoff, shdrSize, "section header 0 (e_shoff)")
		if err != nil {
			return err
		}
		index = uint64(le.Uint32(sec0[40:])) // sh_link
	}
	if index == 0 || index >= shnum {
		return nil // no names, or an index debug/elf refuses itself
	}
	sh, err := f.read(shoff+index*shentsize, shdrSize, "section-name table header (e_shstrndx)")
	if err != nil {
		return err
	}
	if elf.SectionType(le.Uint32(sh[4:])) == elf.SHT_NOBITS {
		return nil
	}
	if elf.SectionFlag(le.Uint64(sh[8:]))&elf.SHF_COMPRESSED != 0 {
		// debug/elf would inflate it, to a size the file chooses.
		return formatErr(f.path, ErrUnsupported, "a compressed section-name table is not supported")
	}
	return f.checkRange(le.Uint64(sh[24:]), le.Uint64(sh[32:]), "section-name table (e_shstrndx)")
}

// checkTable verifies that num entries of entsize bytes at off fit in the file.
func checkTable(f *fileReader, what string, off, num, entsize uint64) error {
	if num == 0 {
		return nil
	}
	if num > (1<<63-1)/entsize {
		return formatErr(f.path, ErrMalformed, "%s: %d entries is implausibly many", what, num)
	}
	return f.checkRange(off, num*entsize, what)
}
