package kernel

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// The vDSO. On a platform whose app memory is elfloader's own (in-process),
// the host kernel's vDSO is already mapped there: the app gets it through
// AT_SYSINFO_EHDR, so clock_gettime, gettimeofday, time and getcpu run
// without a system call, as natively. Its pages ([vvar], [vvar_vclock],
// [vdso]) are host memory shown to the app: recorded as app memory that can
// be read, never changed or replaced through the app (VMA.Host).

// hostVDSO lists the host's vDSO mappings of this process.
var hostVDSO = sync.OnceValue(func() []VMA {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []VMA
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 {
			continue
		}
		name := fields[5]
		if name != "[vdso]" && name != "[vvar]" && name != "[vvar_vclock]" {
			continue
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		prot := unix.PROT_READ
		if strings.Contains(fields[1], "x") {
			prot |= unix.PROT_EXEC
		}
		out = append(out, VMA{Start: start, End: end, Prot: prot, Name: name, Host: true})
	}
	return out
})

// mapVDSO records the host's vDSO in mm and returns its address for
// AT_SYSINFO_EHDR, or 0 when the platform cannot share it.
func mapVDSO(mm *MM) uint64 {
	if _, direct := mm.as.Direct(0, 0); !direct {
		return 0
	}
	var ehdr uint64
	for _, v := range hostVDSO() {
		mm.Record(v)
		if v.Name == "[vdso]" {
			ehdr = v.Start
		}
	}
	return ehdr
}
