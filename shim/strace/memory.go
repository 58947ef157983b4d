package strace

// Memory gives read access to the traced application's memory.
//
// ReadAt returns exactly n bytes starting at addr, or an error when any of
// them is not mapped for the application. The formatter never asks for a
// range that wraps around the address space. NUL-terminated strings are
// read in chunks up to the next page boundary; if such a chunk fails the
// formatter retries byte by byte, so implementations may check ranges at
// any granularity. A nil Memory makes every pointer print as hex.
type Memory interface {
	ReadAt(addr uint64, n int) ([]byte, error)
}

// pageSize bounds the chunks in which NUL-terminated strings are read, so
// that a string ending just before an unmapped page is still readable.
const pageSize = 4096

// readCString reads a NUL-terminated string of at most limit bytes. It
// returns the bytes before the NUL, whether the string was longer than
// limit, and whether the memory could be read at all.
func readCString(mem Memory, addr uint64, limit int) (s []byte, truncated bool, ok bool) {
	if mem == nil {
		return nil, false, false
	}
	var out []byte
	for len(out) <= limit {
		if addr == 0 && len(out) > 0 {
			return nil, false, false // wrapped around the address space
		}
		chunk := pageSize - int(addr%pageSize)
		if want := limit + 1 - len(out); chunk > want {
			chunk = want
		}
		b, err := mem.ReadAt(addr, chunk)
		if err != nil || len(b) < chunk {
			// Memory may be mapped with finer than page granularity
			// (a fake, or a Memory that checks exact ranges): fall back
			// to reading byte by byte up to the NUL.
			return readCStringBytewise(mem, addr, out, limit)
		}
		for i, c := range b {
			if c == 0 {
				return append(out, b[:i]...), false, true
			}
		}
		out = append(out, b...)
		addr += uint64(chunk)
	}
	return out[:limit], true, true
}

// readCStringBytewise continues readCString one byte at a time from addr,
// after the bytes already read in out.
func readCStringBytewise(mem Memory, addr uint64, out []byte, limit int) ([]byte, bool, bool) {
	for len(out) <= limit {
		if addr == 0 && len(out) > 0 {
			return nil, false, false
		}
		b, err := mem.ReadAt(addr, 1)
		if err != nil || len(b) < 1 {
			return nil, false, false
		}
		if b[0] == 0 {
			return out, false, true
		}
		out = append(out, b[0])
		addr++
	}
	return out[:limit], true, true
}

// readBytes reads n bytes, reporting whether the read succeeded.
func readBytes(mem Memory, addr uint64, n int) ([]byte, bool) {
	if mem == nil || n < 0 || addr+uint64(n) < addr {
		return nil, false
	}
	if n == 0 {
		return []byte{}, true
	}
	b, err := mem.ReadAt(addr, n)
	if err != nil || len(b) < n {
		return nil, false
	}
	return b, true
}
