package plat

import (
	"encoding/binary"
	"sync"

	"github.com/elfloader/elfloader/internal/hostfile"

	"golang.org/x/sys/unix"
)

// hostAux is elfloader's own auxiliary vector: the Go runtime's copy from
// the process's initial stack, else /proc/self/auxv (a file read per use
// cost two reads of ~15 µs at every start).
var hostAux = sync.OnceValue(func() map[uint64]uint64 {
	m := map[uint64]uint64{}
	if vec, err := unix.Auxv(); err == nil {
		for _, kv := range vec {
			m[uint64(kv[0])] = uint64(kv[1])
		}
		return m
	}
	b, err := hostfile.ReadFile("/proc/self/auxv")
	if err != nil {
		return m
	}
	for i := 0; i+16 <= len(b); i += 16 {
		m[binary.LittleEndian.Uint64(b[i:])] = binary.LittleEndian.Uint64(b[i+8:])
	}
	return m
})

// HostAuxv returns the value the host kernel gave elfloader for an auxv
// type (AT_HWCAP2, AT_MINSIGSTKSZ, ...), 0 when it gave none.
func HostAuxv(typ uint64) uint64 { return hostAux()[typ] }

// HostFSGSBase reports whether the host lets user code use
// rd/wr{fs,gs}base (AT_HWCAP2's FSGSBASE bit, Linux's uapi/asm/hwcap2.h).
func HostFSGSBase() bool {
	const atHWCAP2, hwcap2FSGSBASE = 26, 1 << 1
	return HostAuxv(atHWCAP2)&hwcap2FSGSBASE != 0
}
