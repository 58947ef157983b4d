package linux

import (
	"strconv"
	"strings"
	"sync"
)

// syscallNumbers is the reverse of syscallTable, built on first use.
var syscallNumbers = sync.OnceValue(func() map[string]uint64 {
	m := make(map[string]uint64, len(syscallTable))
	for nr, name := range syscallTable {
		if name != "" {
			m[name] = uint64(nr)
		}
	}
	return m
})

// SyscallName returns the Linux name of syscall nr ("read" for 0), or
// "syscall_NNN" when nr is not an x86-64 syscall.
func SyscallName(nr uint64) string {
	if nr < uint64(len(syscallTable)) && syscallTable[nr] != "" {
		return syscallTable[nr]
	}
	return "syscall_" + strconv.FormatUint(nr, 10)
}

// SyscallNumber returns the number of the syscall called name. It also
// accepts the "syscall_NNN" form that SyscallName produces for unknown
// numbers.
func SyscallNumber(name string) (uint64, bool) {
	if nr, ok := syscallNumbers()[name]; ok {
		return nr, true
	}
	if rest, ok := strings.CutPrefix(name, "syscall_"); ok {
		nr, err := strconv.ParseUint(rest, 10, 64)
		return nr, err == nil
	}
	return 0, false
}

// SyscallNames returns the names of all known syscalls in number order.
// The slice is a fresh copy that the caller may modify.
func SyscallNames() []string {
	names := make([]string, 0, len(syscallNumbers()))
	for _, name := range syscallTable {
		if name != "" {
			names = append(names, name)
		}
	}
	return names
}

// IsSyscall reports whether nr is an allocated x86-64 syscall number.
func IsSyscall(nr uint64) bool {
	return nr < uint64(len(syscallTable)) && syscallTable[nr] != ""
}
