package strace

import (
	"encoding/binary"
	"fmt"
)

// fakeMem is application memory made of separate regions; reads that
// leave a region fail like unmapped memory.
type fakeMem struct {
	regions map[uint64][]byte
}

func newFakeMem() *fakeMem { return &fakeMem{regions: map[uint64][]byte{}} }

func (m *fakeMem) ReadAt(addr uint64, n int) ([]byte, error) {
	for start, data := range m.regions {
		if addr >= start && addr-start <= uint64(len(data)) && uint64(n) <= uint64(len(data))-(addr-start) {
			off := addr - start
			out := make([]byte, n)
			copy(out, data[off:])
			return out, nil
		}
	}
	return nil, fmt.Errorf("read %d bytes at %#x: unmapped", n, addr)
}

// put maps data at addr.
func (m *fakeMem) put(addr uint64, data []byte) *fakeMem {
	m.regions[addr] = append([]byte(nil), data...)
	return m
}

// str maps a NUL-terminated string at addr.
func (m *fakeMem) str(addr uint64, s string) *fakeMem {
	return m.put(addr, append([]byte(s), 0))
}

// words maps little-endian 64-bit words at addr.
func (m *fakeMem) words(addr uint64, ws ...uint64) *fakeMem {
	b := make([]byte, 8*len(ws))
	for i, w := range ws {
		binary.LittleEndian.PutUint64(b[8*i:], w)
	}
	return m.put(addr, b)
}

// u32s maps little-endian 32-bit words at addr.
func (m *fakeMem) u32s(addr uint64, ws ...uint32) *fakeMem {
	b := make([]byte, 4*len(ws))
	for i, w := range ws {
		binary.LittleEndian.PutUint32(b[4*i:], w)
	}
	return m.put(addr, b)
}
