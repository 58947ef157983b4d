package kernel

import "github.com/elfloader/elfloader/plat"

// The vDSO. The app uses the host kernel's own vDSO where the host mapped
// it in the address space that holds app memory (plat.VDSOAddressSpace):
// elfloader's in-process, the stub's on the isolated platform. It gets it
// through AT_SYSINFO_EHDR, so clock_gettime, gettimeofday, time and getcpu
// run without a system call, as natively. Its pages ([vvar],
// [vvar_vclock], [vdso]) are host memory shown to the app: recorded as app
// memory that can be read, never changed or replaced through the app
// (VMA.Host).

// mapVDSO records the vDSO of mm's address space in mm and returns its
// address for AT_SYSINFO_EHDR, or 0 when the platform shows none.
func mapVDSO(mm *MM) uint64 {
	vs, ok := mm.as.(plat.VDSOAddressSpace)
	if !ok {
		return 0
	}
	var ehdr uint64
	for _, v := range vs.VDSO() {
		mm.Record(VMA{Start: v.Start, End: v.End, Prot: v.Prot, Name: v.Name, Host: true})
		if v.Name == "[vdso]" {
			ehdr = v.Start
		}
	}
	return ehdr
}
