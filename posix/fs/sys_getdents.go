package fs

import (
	"encoding/binary"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

func registerGetdents(tb *shim.Table) {
	tb.Register(unix.SYS_GETDENTS64, shim.Full, "", sysGetdents64)
	tb.Register(unix.SYS_GETDENTS, shim.Full, "struct linux_dirent (d_type after the name)", sysGetdents)
}

// sysGetdents is the old getdents: the same records as getdents64 with
// d_type moved after the name's NUL. Both layouts round a record of an
// n-byte name to ALIGN(20+n, 8) bytes, so each converts in place.
func sysGetdents(t *kernel.Task, a shim.Args) (uint64, error) {
	n, err := sysGetdents64(t, a)
	if err != nil || n == 0 {
		return n, err
	}
	buf := make([]byte, n)
	if err := t.CopyIn(a[1], buf); err != nil {
		return 0, err
	}
	for off := 0; off+19 <= len(buf); {
		reclen := int(binary.LittleEndian.Uint16(buf[off+16:]))
		if reclen < 20 || off+reclen > len(buf) {
			break
		}
		rec := buf[off : off+reclen]
		typ := rec[18]
		copy(rec[18:], rec[19:]) // the name (with its NUL and padding) moves back a byte
		rec[reclen-1] = typ
		off += reclen
	}
	return n, t.CopyOut(a[1], buf)
}

func sysGetdents64(t *kernel.Task, a shim.Args) (uint64, error) {
	vf, err := vfsFileOf(t, a.Int(0), unix.ENOTDIR)
	if err != nil {
		return 0, err
	}
	defer vf.DecRef()
	if !kernel.AccessOK(a[1], a[2]) {
		return 0, unix.EFAULT
	}
	// Only records that reach the app are consumed: the directory
	// position stays put for the ones a fault would stop.
	n := int(min(a[2], 1<<20))
	writable := t.MM().Prefix(a[1], uint64(n), true)
	buf := t.Scratch(n) // records are written whole, padding cleared
	got, err := vf.F.Getdents64Writable(buf, int(writable))
	if err != nil {
		return 0, err
	}
	return uint64(got), t.CopyOut(a[1], buf[:got])
}
