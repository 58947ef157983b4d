package kernel

import (
	"encoding/binary"
	"os"
	"sync"
)

var hostAux = sync.OnceValue(func() map[uint64]uint64 {
	m := map[uint64]uint64{}
	b, err := os.ReadFile("/proc/self/auxv")
	if err != nil {
		return m
	}
	for i := 0; i+16 <= len(b); i += 16 {
		m[binary.LittleEndian.Uint64(b[i:])] = binary.LittleEndian.Uint64(b[i+8:])
	}
	return m
})

// hostAuxv returns the value the host gave elfloader for an auxv type (the
// CPU's hardware capabilities are the same for the app).
func hostAuxv(typ uint64) uint64 { return hostAux()[typ] }
