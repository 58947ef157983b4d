package isolated

import (
	_ "embed"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

//go:generate sh stub/build.sh

// stubProgram is the stub, a static program without libc linked at
// StubStart (stub/stub.c, built by stub/build.sh). It is committed so that
// building elfloader needs no extra tool step; TestStubBlobUpToDate rebuilds
// it and compares.
//
//go:embed stub_amd64.bin
var stubProgram []byte

// newStubExecutable puts the stub program into a sealed memfd that can be
// executed (as /proc/self/fd/N in the child).
func newStubExecutable() (int, error) {
	const flags = unix.MFD_CLOEXEC | unix.MFD_ALLOW_SEALING
	fd, err := unix.MemfdCreate("elfloader-stub", flags|unix.MFD_EXEC)
	if errors.Is(err, unix.EINVAL) { // kernels before 6.3 know no MFD_EXEC
		fd, err = unix.MemfdCreate("elfloader-stub", flags)
	}
	if err != nil {
		return -1, fmt.Errorf("isolated: memfd for the stub: %w", err)
	}
	if err := writeAll(fd, stubProgram); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("isolated: writing the stub: %w", err)
	}
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("isolated: sealing the stub: %w", err)
	}
	return fd, nil
}

func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}
