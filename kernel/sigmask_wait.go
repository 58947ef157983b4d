package kernel

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
)

// WithTemporaryMask runs wait with the signal mask at maskAddr (a kernel
// sigset of size bytes; none when maskAddr is 0) in place, as ppoll,
// pselect6, epoll_pwait and io_pgetevents do: when wait ends in EINTR the
// old mask comes back after the handler ran, else at once.
func (t *Task) WithTemporaryMask(maskAddr, size uint64, wait func() (uint64, error)) (uint64, error) {
	if maskAddr == 0 {
		return wait()
	}
	if size != linux.SizeofKernelSigset {
		return 0, unix.EINVAL
	}
	var mask uint64
	if err := CopyInStruct(t, maskAddr, &mask); err != nil {
		return 0, err
	}
	old := t.SigMask
	t.SetSigMask(mask)
	t.SetSavedMask(old)
	n, err := wait()
	if err != unix.EINTR {
		t.RestoreSavedMask()
	}
	return n, err
}
