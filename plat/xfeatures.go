package plat

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

// HostXFeatures is what the host kernel lets user space use of the
// extended state: the supported features (ARCH_GET_XCOMP_SUPP) and those a
// process may use without asking (ARCH_GET_XCOMP_PERM before anyone
// asked). Kernels before 5.16 know no dynamic features, so everything the
// CPU enabled for user space is both.
type HostXFeatures struct {
	Supported, Permitted uint64
}

// ReadHostXFeatures asks the host kernel, on behalf of the platforms.
func ReadHostXFeatures(xs *amd64.XState) HostXFeatures {
	user := xs.UserFeatures()
	f := HostXFeatures{Supported: user, Permitted: user}
	var v uint64
	if hostArchPrctl(archGetXCompSupp, uintptr(unsafe.Pointer(&v))) == nil {
		f.Supported = v
	}
	if hostArchPrctl(archGetXCompPerm, uintptr(unsafe.Pointer(&v))) == nil {
		f.Permitted = v
	}
	return f
}

// RequestHostXFeature asks the host kernel for dynamic feature idx
// (ARCH_REQ_XCOMP_PERM) for the calling process as a whole.
func RequestHostXFeature(idx int) error { return hostArchPrctl(archReqXCompPerm, uintptr(idx)) }

func hostArchPrctl(code int, arg uintptr) error {
	if _, _, e := unix.RawSyscall(unix.SYS_ARCH_PRCTL, uintptr(code), arg, 0); e != 0 {
		return e
	}
	return nil
}
