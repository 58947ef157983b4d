package amd64

import "fmt"

// Extended (XSAVE) state components that matter to the ABI.
const (
	XFeatureX87       = 0
	XFeatureSSE       = 1
	XFeatureYMM       = 2
	XFeaturePKRU      = 9
	XFeatureTileCfg   = 17
	XFeatureTileData  = 18
	xsaveLegacySize   = 512 // FXSAVE area
	xsaveHeaderSize   = 64  // XSTATE_BV, XCOMP_BV, reserved
	XSaveHeaderOffset = xsaveLegacySize
	// XSaveMinSize is the size of an image that holds only x87 and SSE
	// state: the legacy area and the XSAVE header.
	XSaveMinSize = xsaveLegacySize + xsaveHeaderSize
)

// XComponent is where one state component lives in the standard
// (non-compacted) XSAVE format.
type XComponent struct {
	Offset, Size int
}

// XState describes the CPU's XSAVE layout as CPUID leaf 0xD reports it for
// the features the host kernel enabled (XCR0). Nothing in it is assumed: a
// machine without AVX-512 or AMX simply has fewer components.
type XState struct {
	Enabled    uint64         // XCR0: components the kernel enabled
	StdSize    int            // standard-format size for Enabled (CPUID 0xD.0 EBX)
	MaxSize    int            // largest image any supported feature set needs (0xD.0 ECX)
	Components [64]XComponent // standard-format place of components 2..63
	Compacted  bool           // XSAVEC is available (0xD.1 EAX bit 1)
	Supervisor [64]bool       // component is supervisor state (never in user images)
}

// ReadXState reads the XSAVE layout from CPUID. It fails on a CPU without
// XSAVE, which the platforms need.
func ReadXState() (*XState, error) {
	_, _, ecx1, _ := cpuid(1, 0)
	const osxsave = 1 << 27
	if ecx1&osxsave == 0 {
		return nil, fmt.Errorf("the CPU or kernel does not enable XSAVE (CPUID.1:ECX.OSXSAVE is 0)")
	}
	lo, hi := xgetbv0()
	x := &XState{Enabled: uint64(hi)<<32 | uint64(lo)}
	eax0, ebx, ecx, edx0 := cpuid(0xd, 0)
	x.StdSize, x.MaxSize = int(ebx), int(ecx)
	eax1, _, ecx1d, edx1 := cpuid(0xd, 1)
	x.Compacted = eax1&(1<<1) != 0
	// Only the components the CPU supports (user: 0xD.0 EDX:EAX,
	// supervisor: 0xD.1 EDX:ECX) have a subleaf worth asking: every
	// CPUID is a trap to the hypervisor on a VM, and asking all 62 cost
	// a noticeable part of elfloader's start-up.
	supported := uint64(edx0)<<32 | uint64(eax0) | uint64(edx1)<<32 | uint64(ecx1d)
	for i := 2; i < 64; i++ {
		if supported&(1<<i) == 0 {
			continue
		}
		size, off, flags, _ := cpuid(0xd, uint32(i))
		if size == 0 {
			continue
		}
		x.Components[i] = XComponent{Offset: int(off), Size: int(size)}
		x.Supervisor[i] = flags&1 != 0
	}
	if x.MaxSize < x.StdSize {
		x.MaxSize = x.StdSize
	}
	return x, nil
}

// StdSizeOf is the size of a standard-format image holding the components
// in features (a subset of Enabled): the end of the last one, at least the
// legacy area and the header.
func (x *XState) StdSizeOf(features uint64) int {
	size := XSaveMinSize
	for i := 2; i < 64; i++ {
		if features&(1<<i) == 0 || x.Supervisor[i] {
			continue
		}
		if end := x.Components[i].Offset + x.Components[i].Size; end > size {
			size = end
		}
	}
	return size
}

// UserFeatures is the part of Enabled that user-space images may hold.
func (x *XState) UserFeatures() uint64 {
	f := x.Enabled
	for i := 2; i < 64; i++ {
		if x.Supervisor[i] {
			f &^= 1 << i
		}
	}
	return f
}
