package plat

import (
	"bytes"
	"strings"
	"sync"
	"unicode"

	"github.com/elfloader/elfloader/internal/hostfile"

	"golang.org/x/sys/unix"
)

// VDSOMapping is one mapping of the host kernel's vDSO in a host process:
// [vvar], [vvar_vclock] (the kernel's data pages) or [vdso] (its code).
type VDSOMapping struct {
	Start, End uint64
	Prot       int
	Name       string
}

// VDSOAddressSpace is implemented by address spaces whose app can use the
// host kernel's vDSO where the host mapped it (the same kernel serves both):
// in-process, elfloader's own; in a stub process, the stub's. The kernel
// records the mappings as host memory and gives the app AT_SYSINFO_EHDR.
type VDSOAddressSpace interface {
	// VDSO lists the vDSO mappings app code sees; none when the address
	// space has no vDSO.
	VDSO() []VDSOMapping
}

// hostVDSO holds elfloader's own vDSO mappings, found once.
var hostVDSO struct {
	once     sync.Once
	mappings []VDSOMapping
}

// HostVDSO lists elfloader's own vDSO mappings: from the listing
// NoteHostMaps was given, else read from /proc/self/maps once.
func HostVDSO() []VDSOMapping {
	hostVDSO.once.Do(func() {
		if maps, err := hostfile.ReadFile("/proc/self/maps"); err == nil {
			hostVDSO.mappings = ParseVDSO(maps)
		}
	})
	return hostVDSO.mappings
}

// NoteHostMaps gives HostVDSO a /proc/self/maps listing elfloader read
// for another purpose (its own code, for the host filter), so that it is
// not read again: the host kernel generates it line by line, 50 µs of a
// start. The vDSO does not move, so any listing of the process will do.
func NoteHostMaps(maps []byte) {
	hostVDSO.once.Do(func() { hostVDSO.mappings = ParseVDSO(maps) })
}

// ParseVDSO picks the vDSO mappings out of a /proc/PID/maps text.
func ParseVDSO(maps []byte) []VDSOMapping {
	var out []VDSOMapping
	for line := range bytes.SplitSeq(maps, []byte("\n")) {
		// Only the few lines that can name the vDSO are parsed: a start
		// reads the listing of its own 40-odd mappings (allocations are
		// page faults then).
		if !bytes.HasSuffix(bytes.TrimRightFunc(line, unicode.IsSpace), []byte("]")) {
			continue
		}
		m, ok := parseMapsLine(line)
		if !ok || m.Name != "[vdso]" && m.Name != "[vvar]" && m.Name != "[vvar_vclock]" {
			continue
		}
		prot := unix.PROT_READ
		if strings.Contains(m.Perms, "x") {
			prot |= unix.PROT_EXEC
		}
		out = append(out, VDSOMapping{Start: m.Start, End: m.End, Prot: prot, Name: m.Name})
	}
	return out
}

// VDSOExtent is where a vDSO's mappings lie around its ELF header (the
// [vdso] mapping's start, AT_SYSINFO_EHDR): before bytes below it (the
// data pages), size bytes from it. The layout is the kernel's, the same
// in every process it runs; ok is false without a [vdso].
func VDSOExtent(ms []VDSOMapping) (before, size uint64, ok bool) {
	var base uint64
	for _, m := range ms {
		if m.Name == "[vdso]" {
			base, ok = m.Start, true
		}
	}
	if !ok {
		return 0, 0, false
	}
	lo, hi := base, base
	for _, m := range ms {
		lo, hi = min(lo, m.Start), max(hi, m.End)
	}
	return base - lo, hi - base, true
}
