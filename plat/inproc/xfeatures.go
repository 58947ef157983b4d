package inproc

import (
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/arch/amd64"
)

// arch_prctl codes for dynamically enabled extended features (Linux 5.16+,
// arch/x86/include/uapi/asm/prctl.h).
const (
	archGetXCompSupp = 0x1021
	archGetXCompPerm = 0x1022
	archReqXCompPerm = 0x1023
)

// xfeatures is what the host kernel lets user space use of the extended
// state. App code runs in elfloader's process, so a permission granted to
// the app is granted to elfloader by the host.
type xfeatures struct {
	supported uint64 // ARCH_GET_XCOMP_SUPP
	permitted uint64 // ARCH_GET_XCOMP_PERM before anyone asked
}

// readXFeatures asks the host; kernels before 5.16 know no dynamic
// features, so everything enabled is permitted.
func readXFeatures(xs *amd64.XState) xfeatures {
	user := xs.UserFeatures()
	f := xfeatures{supported: user, permitted: user}
	var v uint64
	if hostArchPrctl(archGetXCompSupp, uintptr(unsafe.Pointer(&v))) == nil {
		f.supported = v
	}
	if hostArchPrctl(archGetXCompPerm, uintptr(unsafe.Pointer(&v))) == nil {
		f.permitted = v
	}
	return f
}

func hostArchPrctl(code int, arg uintptr) error {
	if _, _, e := unix.RawSyscall(unix.SYS_ARCH_PRCTL, uintptr(code), arg, 0); e != 0 {
		return e
	}
	return nil
}

// XFeatures implements plat.Platform.
func (p *Platform) XFeatures() (supported, permitted uint64) {
	return p.xfeatures.supported, p.xfeatures.permitted
}

// PermitXFeature implements plat.Platform: the host grants the permission
// to elfloader's whole process (and so to every app process it runs).
func (p *Platform) PermitXFeature(idx int) error {
	return hostArchPrctl(archReqXCompPerm, uintptr(idx))
}
