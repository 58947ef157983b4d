package elfloader

import (
	"encoding/binary"
	"errors"
)

// Function extents from call-frame information. A stripped program has no
// symbol table, and a shared library's .dynsym names only its exported
// functions, but every function a compiler emits has a frame description
// entry (FDE) in .eh_frame so that exceptions and backtraces can unwind
// through it, and an FDE's pc_begin and pc_range are the function's exact
// extent (its code, without the padding after it). A split function's cold
// part has an FDE of its own. The format is the Linux Standard Base's
// ".eh_frame section" (a variant of DWARF's .debug_frame).

// Pointer encodings (DW_EH_PE_*).
const (
	pePtr     = 0x00 // absolute, pointer sized
	peULEB    = 0x01
	peUdata2  = 0x02
	peUdata4  = 0x03
	peUdata8  = 0x04
	peSLEB    = 0x09
	peSdata2  = 0x0a
	peSdata4  = 0x0b
	peSdata8  = 0x0c
	pePCRel   = 0x10
	peDataRel = 0x30
	peOmit    = 0xff
)

var errBadEHFrame = errors.New("malformed .eh_frame")

// ehFrameFuncs returns the extents of the FDEs in an .eh_frame section
// whose contents data are loaded at link-time address addr.
func ehFrameFuncs(data []byte, addr uint64) ([]Func, error) {
	cies := map[uint64]byte{}            // CIE offset -> FDE pointer encoding
	out := make([]Func, 0, len(data)/40) // FDEs average ~40 bytes
	for off := uint64(0); off+4 <= uint64(len(data)); {
		length := uint64(binary.LittleEndian.Uint32(data[off:]))
		hdr := uint64(4)
		if length == 0 {
			break // terminator
		}
		if length == 0xffffffff {
			if off+12 > uint64(len(data)) {
				return out, errBadEHFrame
			}
			length = binary.LittleEndian.Uint64(data[off+4:])
			hdr = 12
		}
		start := off + hdr
		if length > uint64(len(data)) || start+length > uint64(len(data)) || length < 4 {
			return out, errBadEHFrame
		}
		entry := data[start : start+length]
		id := uint64(binary.LittleEndian.Uint32(entry))
		if id == 0 {
			enc, err := cieFDEEncoding(entry[4:])
			if err != nil {
				return out, err
			}
			cies[off] = enc
		} else if id <= start {
			// An FDE: its CIE is id bytes before the id field.
			enc, ok := cies[start-id]
			if !ok {
				return out, errBadEHFrame
			}
			r := ehReader{b: entry, off: 4, base: addr + start}
			begin, ok1 := r.pointer(enc, true)
			size, ok2 := r.pointer(enc&0x0f, false)
			if !ok1 || !ok2 {
				return out, errBadEHFrame
			}
			if begin != 0 && size != 0 && size < 1<<32 {
				out = append(out, Func{Start: begin, Size: size})
			}
		} else {
			return out, errBadEHFrame
		}
		off = start + length
	}
	return out, nil
}

// cieFDEEncoding reads a CIE's body (after its id) and returns the pointer
// encoding of its FDEs ('R' in the augmentation, absolute otherwise).
func cieFDEEncoding(b []byte) (byte, error) {
	r := ehReader{b: b}
	version, ok := r.byte()
	if !ok || (version != 1 && version != 3) {
		return 0, errBadEHFrame
	}
	var aug []byte
	for {
		c, ok := r.byte()
		if !ok {
			return 0, errBadEHFrame
		}
		if c == 0 {
			break
		}
		aug = append(aug, c)
	}
	if len(aug) > 0 && aug[0] != 'z' {
		return pePtr, nil // no augmentation data to say otherwise
	}
	r.uleb() // code alignment
	r.sleb() // data alignment
	if version == 1 {
		r.byte() // return address register
	} else {
		r.uleb()
	}
	if len(aug) == 0 {
		return pePtr, nil
	}
	r.uleb() // augmentation data length
	enc := byte(pePtr)
	for _, c := range aug[1:] {
		switch c {
		case 'L':
			r.byte()
		case 'P':
			pe, ok := r.byte()
			if !ok {
				return 0, errBadEHFrame
			}
			if _, ok := r.pointer(pe, false); !ok {
				return 0, errBadEHFrame
			}
		case 'R':
			e, ok := r.byte()
			if !ok {
				return 0, errBadEHFrame
			}
			enc = e
		case 'S', 'B':
		default:
			return 0, errBadEHFrame // unknown: the data's layout is unknown
		}
	}
	if r.bad {
		return 0, errBadEHFrame
	}
	return enc, nil
}

// ehReader reads the fields of one .eh_frame entry; base is the link-time
// address of b[0].
type ehReader struct {
	b    []byte
	off  int
	base uint64
	bad  bool
}

func (r *ehReader) byte() (byte, bool) {
	if r.off >= len(r.b) {
		r.bad = true
		return 0, false
	}
	c := r.b[r.off]
	r.off++
	return c, true
}

func (r *ehReader) uleb() uint64 {
	var v uint64
	for shift := uint(0); ; shift += 7 {
		c, ok := r.byte()
		if !ok {
			return 0
		}
		if shift < 64 {
			v |= uint64(c&0x7f) << shift
		}
		if c&0x80 == 0 {
			return v
		}
	}
}

func (r *ehReader) sleb() int64 {
	var v int64
	shift := uint(0)
	for {
		c, ok := r.byte()
		if !ok {
			return 0
		}
		if shift < 64 {
			v |= int64(c&0x7f) << shift
		}
		shift += 7
		if c&0x80 == 0 {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			return v
		}
	}
}

func (r *ehReader) fixed(n int) (uint64, bool) {
	if r.off+n > len(r.b) {
		r.bad = true
		return 0, false
	}
	var v uint64
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint64(r.b[r.off+i])
	}
	r.off += n
	return v, true
}

// pointer reads a value of encoding enc; applied says whether pc-relative
// values are resolved (pc_begin) or raw (pc_range).
func (r *ehReader) pointer(enc byte, applied bool) (uint64, bool) {
	if enc == peOmit {
		return 0, true
	}
	at := r.base + uint64(r.off)
	var v uint64
	ok := true
	switch enc & 0x0f {
	case pePtr, peUdata8, peSdata8:
		v, ok = r.fixed(8)
	case peUdata4:
		v, ok = r.fixed(4)
	case peSdata4:
		v, ok = r.fixed(4)
		v = uint64(int64(int32(uint32(v))))
	case peUdata2:
		v, ok = r.fixed(2)
	case peSdata2:
		v, ok = r.fixed(2)
		v = uint64(int64(int16(uint16(v))))
	case peULEB:
		v = r.uleb()
	case peSLEB:
		v = uint64(r.sleb())
	default:
		return 0, false
	}
	if !ok || r.bad {
		return 0, false
	}
	if !applied {
		return v, true
	}
	if enc&0x80 != 0 {
		return 0, false // indirect
	}
	switch enc & 0x70 {
	case 0:
		return v, true
	case pePCRel:
		return v + at, true
	}
	return 0, false // datarel, textrel, funcrel: not used for FDEs on x86-64
}
