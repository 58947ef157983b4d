package fs

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

func registerLseek(tb *shim.Table) {
	tb.Register(unix.SYS_LSEEK, shim.Full, "", sysLseek)
}

func sysLseek(t *kernel.Task, a shim.Args) (uint64, error) {
	f, err := fileOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	s, ok := f.(kernel.Seeker)
	if !ok {
		return 0, unix.ESPIPE
	}
	whence := a.Int(2)
	if whence < 0 || whence > unix.SEEK_HOLE {
		return 0, unix.EINVAL
	}
	off, err := s.Seek(t, a.Long(1), whence)
	return uint64(off), err
}
