package elfloader

import (
	"debug/elf"
	"encoding/binary"
)

// Function extents through .eh_frame_hdr. The linker writes, next to
// .eh_frame, a table of every FDE's pc_begin and address sorted by
// pc_begin: the unwinder's binary search. Searching it where the object is
// loaded answers a lookup with a dozen small reads, where parsing and
// sorting all of .eh_frame up front cost python3 0.4 ms and libc 0.25 ms
// of every start (for the handful of syscall sites a start traps).

// tableEncoding is the one table encoding linkers write: signed 4-byte
// values relative to the start of .eh_frame_hdr.
const tableEncoding = peDataRel | peSdata4

// ReadMapped reads an object's loaded bytes at a link-time address: the
// process's memory where the object is mapped, moved by its load bias.
type ReadMapped func(addr uint64, b []byte) error

// ehIndex locates an object's FDEs through its .eh_frame_hdr table.
type ehIndex struct {
	hdr            uint64 // link-time address of .eh_frame_hdr: the table's base
	table          uint64 // address of the first entry (8 bytes each)
	count          uint64
	frameLo, frame uint64 // .eh_frame's start and end
}

// maxEqualStarts bounds the walk back over entries: from equal starts
// (the larger extent wins) and from FDEs the eager reading skips.
const maxEqualStarts = 8

// readEHIndex reads the header of .eh_frame_hdr from the file; ok is
// false when the object has no table a lookup can use.
func readEHIndex(fr *fileReader, f *elf.File) (ehIndex, bool) {
	hdr, frame := f.Section(".eh_frame_hdr"), f.Section(".eh_frame")
	if hdr == nil || frame == nil || hdr.Type != elf.SHT_PROGBITS || frame.Type != elf.SHT_PROGBITS ||
		hdr.Flags&(elf.SHF_COMPRESSED|elf.SHF_ALLOC) != elf.SHF_ALLOC || frame.Flags&elf.SHF_ALLOC == 0 {
		return ehIndex{}, false
	}
	b, err := fr.read(hdr.Offset, min(hdr.Size, 16), ".eh_frame_hdr")
	if err != nil || len(b) < 4 || b[0] != 1 || b[3] != tableEncoding {
		return ehIndex{}, false
	}
	r := ehReader{b: b, off: 4, base: hdr.Addr}
	framePtr, ok1 := r.pointer(b[1], true)
	count, ok2 := r.pointer(b[2], false)
	if !ok1 || !ok2 || framePtr != frame.Addr || count == 0 || count > (hdr.Size-uint64(r.off))/8 {
		return ehIndex{}, false
	}
	return ehIndex{
		hdr: hdr.Addr, table: hdr.Addr + uint64(r.off), count: count,
		frameLo: frame.Addr, frame: frame.Addr + frame.Size,
	}, true
}

// find returns the FDE extent with the greatest start at or below addr
// (the larger of equal starts), as the sorted list of every FDE's extent
// would. ok is false when the table or an FDE cannot be read or does not
// make sense: the caller then answers nothing rather than another extent.
func (x *ehIndex) find(addr uint64, read ReadMapped) (fn Func, found, ok bool) {
	var entry [8]byte
	at := func(i uint64) (start, fde uint64, ok bool) {
		if read(x.table+8*i, entry[:]) != nil {
			return 0, 0, false
		}
		start = x.hdr + uint64(int64(int32(binary.LittleEndian.Uint32(entry[:]))))
		fde = x.hdr + uint64(int64(int32(binary.LittleEndian.Uint32(entry[4:]))))
		return start, fde, true
	}
	// The first entry whose start is above addr.
	lo, hi := uint64(0), x.count
	for lo < hi {
		mid := lo + (hi-lo)/2
		start, _, ok := at(mid)
		if !ok {
			return Func{}, false, false
		}
		if start > addr {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	i := lo
	for ; i > 0 && lo-i < maxEqualStarts; i-- {
		start, fde, ok := at(i - 1)
		if !ok {
			return Func{}, false, false
		}
		if found && start != fn.Start {
			return fn, true, true
		}
		f, valid, ok := x.extent(fde, read)
		if !ok || (valid && f.Start != start) {
			return Func{}, false, false
		}
		if valid && (!found || f.Size > fn.Size) {
			fn, found = f, true
		}
	}
	if i > 0 {
		return Func{}, false, false // entries left unread: too many to know
	}
	return fn, found, true
}

// extent reads the FDE at addr. valid is false for an FDE the eager
// reading skips too (no start, no size, or a size of 4 GiB or more).
func (x *ehIndex) extent(addr uint64, read ReadMapped) (fn Func, valid, ok bool) {
	// length, CIE pointer, pc_begin and pc_range: at most 4+8+4+8+8 bytes.
	var b [32]byte
	if addr < x.frameLo || addr+8 > x.frame || read(addr, b[:8]) != nil {
		return Func{}, false, false
	}
	length, idAt := uint64(binary.LittleEndian.Uint32(b[:])), addr+4
	if length == 0xffffffff {
		if addr+16 > x.frame || read(addr, b[:16]) != nil {
			return Func{}, false, false
		}
		length, idAt = binary.LittleEndian.Uint64(b[4:]), addr+12
	}
	if length < 4 || length > x.frame-idAt {
		return Func{}, false, false
	}
	body := b[:min(length, 20)]
	if read(idAt, body) != nil {
		return Func{}, false, false
	}
	id := uint64(binary.LittleEndian.Uint32(body))
	if id == 0 || id > idAt-x.frameLo {
		return Func{}, false, false // a CIE, or a CIE pointer outside .eh_frame
	}
	enc, ok := x.cieEncoding(idAt-id, read)
	if !ok {
		return Func{}, false, false
	}
	r := ehReader{b: body, off: 4, base: idAt}
	begin, ok1 := r.pointer(enc, true)
	size, ok2 := r.pointer(enc&0x0f, false)
	if !ok1 || !ok2 {
		return Func{}, false, false
	}
	return Func{Start: begin, Size: size}, begin != 0 && size != 0 && size < 1<<32, true
}

// maxCIE bounds the bytes of a CIE read for its FDE pointer encoding.
const maxCIE = 256

// cieEncoding reads the CIE at addr and returns its FDEs' pointer
// encoding. It is read per lookup, not cached: what the loaded bytes say
// is one process's memory, and the table serves every process.
func (x *ehIndex) cieEncoding(addr uint64, read ReadMapped) (byte, bool) {
	var b [maxCIE]byte
	if addr+8 > x.frame || read(addr, b[:8]) != nil {
		return 0, false
	}
	length := uint64(binary.LittleEndian.Uint32(b[:]))
	if length < 4 || length == 0xffffffff || length > x.frame-(addr+4) || binary.LittleEndian.Uint32(b[4:]) != 0 {
		return 0, false
	}
	body := b[:min(length, maxCIE)]
	if read(addr+4, body) != nil {
		return 0, false
	}
	enc, err := cieFDEEncoding(body[4:])
	return enc, err == nil
}
