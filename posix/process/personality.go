package process

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

func registerPersonality(tb *shim.Table) {
	tb.Register(unix.SYS_PERSONALITY, shim.Partial, "per thread as Linux: 0xffffffff queries, any other value is recorded and the old one returned; inherited by clone and fork, kept across exec (READ_IMPLIES_EXEC dropped for a 64-bit program, PER_CLEAR_ON_SETID when exec raises privileges), shown in /proc/PID/personality; READ_IMPLIES_EXEC makes mmap's PROT_READ executable; ADDR_NO_RANDOMIZE, ADDR_COMPAT_LAYOUT, MMAP_PAGE_ZERO and UNAME26 are recorded only (placement is the platform's)", sysPersonality)
}

// sysPersonality is personality(2): the argument is an unsigned int.
func sysPersonality(t *kernel.Task, a shim.Args) (uint64, error) {
	v := uint32(a[0])
	if v == 0xffffffff {
		return uint64(t.Personality()), nil
	}
	return uint64(t.SetPersonality(v)), nil
}
