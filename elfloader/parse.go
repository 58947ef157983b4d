package elfloader

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// maxInterpLen is Linux's bound on PT_INTERP (PATH_MAX, including the NUL).
const maxInterpLen = 4096

// ParseFile opens path on the host and parses it with Parse.
func ParseFile(path string) (*Binary, error) {
	// Stat before opening: opening a FIFO would block.
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("%s: is a directory, not an executable: %w", path, unix.EISDIR)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file (mode %v): %w", path, fi.Mode(), unix.EACCES)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(f, path)
}

// Parse reads and validates the ELF file r; path is used in error messages
// and for $ORIGIN. It returns a *FormatError (see ErrNotELF, ErrTruncated,
// ErrUnsupported, ErrMalformed) for files that cannot be loaded, and never
// panics on bad input.
func Parse(r io.ReaderAt, path string) (*Binary, error) {
	f := newFileReader(r, path)
	h, err := readHeader(f)
	if err != nil {
		return nil, err
	}
	phdrs, err := readProgHeaders(f, h)
	if err != nil {
		return nil, err
	}
	b := &Binary{
		Path:      path,
		Type:      h.Type,
		Machine:   h.Machine,
		Entry:     h.Entry,
		Phent:     uint64(h.Phentsize),
		Phnum:     uint64(h.Phnum),
		ExecStack: true, // no PT_GNU_STACK: Linux gives an executable stack
	}
	if err := b.applyProgHeaders(f, h, phdrs); err != nil {
		return nil, err
	}
	b.Kind = kindOf(b.Type, b.Interp)
	return b, nil
}

// readProgHeaders decodes the program-header table.
func readProgHeaders(f *fileReader, h *header) ([]elf.Prog64, error) {
	raw, err := f.read(h.Phoff, uint64(h.Phnum)*phdrSize, "program-header table (e_phoff)")
	if err != nil {
		return nil, err
	}
	le := binary.LittleEndian
	out := make([]elf.Prog64, h.Phnum)
	for i := range out {
		p := raw[i*phdrSize:]
		out[i] = elf.Prog64{
			Type:   le.Uint32(p[0:]),
			Flags:  le.Uint32(p[4:]),
			Off:    le.Uint64(p[8:]),
			Vaddr:  le.Uint64(p[16:]),
			Paddr:  le.Uint64(p[24:]),
			Filesz: le.Uint64(p[32:]),
			Memsz:  le.Uint64(p[40:]),
			Align:  le.Uint64(p[48:]),
		}
	}
	return out, nil
}

// applyProgHeaders validates every program header and fills b from them.
func (b *Binary) applyProgHeaders(f *fileReader, h *header, phdrs []elf.Prog64) error {
	var (
		dynamic, phdr *elf.Prog64
		notes         []*elf.Prog64
		interpSeen    bool
	)
	for i := range phdrs {
		p := &phdrs[i]
		switch elf.ProgType(p.Type) {
		case elf.PT_LOAD:
			if err := b.addLoad(f, i, p); err != nil {
				return err
			}
		case elf.PT_INTERP:
			if interpSeen {
				return formatErr(f.path, ErrMalformed, "program header %d: second PT_INTERP", i)
			}
			interpSeen = true
			interp, err := readInterp(f, i, p)
			if err != nil {
				return err
			}
			b.Interp = interp
		case elf.PT_PHDR:
			phdr = p
		case elf.PT_TLS:
			tls, err := checkTLS(f, i, p)
			if err != nil {
				return err
			}
			b.TLS = tls
		case elf.PT_GNU_STACK:
			b.ExecStack = elf.ProgFlag(p.Flags)&elf.PF_X != 0
		case elf.PT_DYNAMIC:
			dynamic = p
		case elf.PT_NOTE:
			notes = append(notes, p)
		}
	}
	if len(b.Segments) == 0 {
		return formatErr(f.path, ErrMalformed, "no PT_LOAD program header: nothing to load")
	}
	b.MinVaddr = b.Segments[0].Vaddr
	b.MaxVaddr = b.Segments[len(b.Segments)-1].End()

	if err := b.checkEntry(f); err != nil {
		return err
	}
	b.PhdrVaddr = b.phdrAddress(h, phdr)
	if dynamic != nil {
		b.Dynamic = true
		if err := b.readDynamic(f, dynamic); err != nil {
			return err
		}
	}
	for _, n := range notes {
		if id := readBuildID(f, n); id != "" {
			b.BuildID = id
			break
		}
	}
	return nil
}

// addLoad validates one PT_LOAD and appends its page-aligned Segment.
func (b *Binary) addLoad(f *fileReader, i int, p *elf.Prog64) error {
	where := fmt.Sprintf("PT_LOAD (program header %d)", i)
	switch {
	case p.Filesz > p.Memsz:
		return formatErr(f.path, ErrMalformed, "%s: p_filesz 0x%x > p_memsz 0x%x", where, p.Filesz, p.Memsz)
	case p.Off%PageSize != p.Vaddr%PageSize:
		return formatErr(f.path, ErrMalformed,
			"%s: misaligned: p_offset 0x%x and p_vaddr 0x%x differ modulo the page size 0x%x",
			where, p.Off, p.Vaddr, PageSize)
	case p.Vaddr+p.Memsz < p.Vaddr || p.Vaddr+p.Memsz > UserAddressLimit:
		return formatErr(f.path, ErrMalformed,
			"%s: p_vaddr 0x%x + p_memsz 0x%x overflows the user address space (limit 0x%x)",
			where, p.Vaddr, p.Memsz, uint64(UserAddressLimit))
	}
	if err := f.checkRange(p.Off, p.Filesz, where+" file contents"); err != nil {
		return err
	}
	if p.Memsz == 0 {
		return nil // Linux maps nothing for an empty PT_LOAD
	}
	if n := len(b.Segments); n > 0 {
		prev := b.Segments[n-1].Prog
		switch {
		case p.Vaddr < prev.Vaddr:
			return formatErr(f.path, ErrMalformed,
				"%s: PT_LOADs not sorted by address: p_vaddr 0x%x comes after 0x%x", where, p.Vaddr, prev.Vaddr)
		case p.Vaddr < prev.Vaddr+prev.Memsz:
			return formatErr(f.path, ErrMalformed,
				"%s: overlapping PT_LOADs: p_vaddr 0x%x is inside the previous segment [0x%x, 0x%x)",
				where, p.Vaddr, prev.Vaddr, prev.Vaddr+prev.Memsz)
		}
	}
	start := pageDown(p.Vaddr)
	seg := Segment{
		Vaddr:   start,
		Memsz:   pageUp(p.Vaddr+p.Memsz) - start,
		FileOff: pageDown(p.Off),
		Prot:    protFromFlags(elf.ProgFlag(p.Flags)),
		Prog: ProgHeader{
			Off: p.Off, Vaddr: p.Vaddr, Filesz: p.Filesz, Memsz: p.Memsz, Align: p.Align, Flags: p.Flags,
		},
	}
	if p.Filesz > 0 {
		seg.Filesz = p.Vaddr - start + p.Filesz
	}
	b.Segments = append(b.Segments, seg)
	return nil
}

// readInterp reads and checks the PT_INTERP path.
func readInterp(f *fileReader, i int, p *elf.Prog64) (string, error) {
	where := fmt.Sprintf("PT_INTERP (program header %d)", i)
	if p.Filesz < 2 || p.Filesz > maxInterpLen {
		return "", formatErr(f.path, ErrMalformed, "%s: interpreter path length %d is out of range [2, %d]",
			where, p.Filesz, maxInterpLen)
	}
	raw, err := f.read(p.Off, p.Filesz, where)
	if err != nil {
		return "", err
	}
	if raw[len(raw)-1] != 0 {
		return "", formatErr(f.path, ErrMalformed, "%s: interpreter path is not NUL-terminated", where)
	}
	s := string(raw[:len(raw)-1])
	for j := 0; j < len(s); j++ {
		if s[j] == 0 {
			return "", formatErr(f.path, ErrMalformed, "%s: interpreter path %q has a NUL byte inside", where, s[:j])
		}
	}
	return s, nil
}

// checkTLS validates PT_TLS.
func checkTLS(f *fileReader, i int, p *elf.Prog64) (*TLS, error) {
	where := fmt.Sprintf("PT_TLS (program header %d)", i)
	switch {
	case p.Filesz > p.Memsz:
		return nil, formatErr(f.path, ErrMalformed, "%s: p_filesz 0x%x > p_memsz 0x%x", where, p.Filesz, p.Memsz)
	case p.Align&(p.Align-1) != 0:
		return nil, formatErr(f.path, ErrMalformed, "%s: p_align 0x%x is not a power of two", where, p.Align)
	case p.Memsz > 1<<32:
		return nil, formatErr(f.path, ErrMalformed, "%s: p_memsz 0x%x is implausibly large", where, p.Memsz)
	}
	if err := f.checkRange(p.Off, p.Filesz, where+" initialisation image"); err != nil {
		return nil, err
	}
	return &TLS{Vaddr: p.Vaddr, Offset: p.Off, Filesz: p.Filesz, Memsz: p.Memsz, Align: p.Align}, nil
}

// checkEntry requires e_entry to lie in an executable segment. A shared
// object with e_entry 0 is accepted: it is a library, NewPlan refuses to run it.
func (b *Binary) checkEntry(f *fileReader) error {
	if b.Type == elf.ET_DYN && b.Entry == 0 {
		return nil
	}
	for _, s := range b.Segments {
		if s.Prot&unix.PROT_EXEC != 0 && b.Entry >= s.Prog.Vaddr && b.Entry < s.Prog.Vaddr+s.Prog.Memsz {
			return nil
		}
	}
	return formatErr(f.path, ErrMalformed, "e_entry 0x%x is outside every executable PT_LOAD", b.Entry)
}

// phdrAddress returns where the program headers are in memory: PT_PHDR's
// p_vaddr, else the address of e_phoff inside the PT_LOAD whose file range
// covers it (as Linux computes AT_PHDR), else first-segment base + e_phoff.
func (b *Binary) phdrAddress(h *header, phdr *elf.Prog64) uint64 {
	if phdr != nil {
		return phdr.Vaddr
	}
	size := uint64(h.Phnum) * phdrSize
	for _, s := range b.Segments {
		p := s.Prog
		if p.Off <= h.Phoff && h.Phoff+size <= p.Off+p.Filesz {
			return h.Phoff - p.Off + p.Vaddr
		}
	}
	first := b.Segments[0].Prog
	return first.Vaddr - first.Off + h.Phoff
}

func protFromFlags(fl elf.ProgFlag) int {
	prot := 0
	if fl&elf.PF_R != 0 {
		prot |= unix.PROT_READ
	}
	if fl&elf.PF_W != 0 {
		prot |= unix.PROT_WRITE
	}
	if fl&elf.PF_X != 0 {
		prot |= unix.PROT_EXEC
	}
	return prot
}

func protString(prot int) string {
	b := []byte("---")
	if prot&unix.PROT_READ != 0 {
		b[0] = 'r'
	}
	if prot&unix.PROT_WRITE != 0 {
		b[1] = 'w'
	}
	if prot&unix.PROT_EXEC != 0 {
		b[2] = 'x'
	}
	return string(b)
}

func pageDown(v uint64) uint64 { return v &^ (PageSize - 1) }
func pageUp(v uint64) uint64   { return (v + PageSize - 1) &^ (PageSize - 1) }
