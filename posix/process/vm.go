package process

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// process_vm_readv and process_vm_writev: another app process's memory,
// through its address space (kernel.MM), with ptrace's access rule.

func registerVM(tb *shim.Table) {
	const note = "between app processes, through the target's address space; ptrace's access rule (same real and saved IDs, or CAP_SYS_PTRACE)"
	tb.Register(unix.SYS_PROCESS_VM_READV, shim.Full, note, sysProcessVMReadv)
	tb.Register(unix.SYS_PROCESS_VM_WRITEV, shim.Full, note, sysProcessVMWritev)
}

func sysProcessVMReadv(t *kernel.Task, a shim.Args) (uint64, error) {
	return processVM(t, a, false)
}

func sysProcessVMWritev(t *kernel.Task, a shim.Args) (uint64, error) {
	return processVM(t, a, true)
}

// processVM is process_vm_readv/writev(pid, local_iov, liovcnt,
// remote_iov, riovcnt, flags): the bytes moved, short at the first remote
// fault (EFAULT when none moved).
func processVM(t *kernel.Task, a shim.Args, write bool) (uint64, error) {
	if a[5] != 0 {
		return 0, unix.EINVAL
	}
	local, err := t.CopyInIovecs(a[1], a.Int(2))
	if err != nil {
		return 0, err
	}
	rcount := a.Int(4)
	if rcount < 0 || rcount > linux.UIO_MAXIOV {
		return 0, unix.EINVAL
	}
	remote := make([]kernel.Iovec, rcount)
	if err := kernel.CopyInStructs(t, a[3], remote); err != nil {
		return 0, err
	}
	target := t.Kernel().ProcessByPID(a.Int(0))
	if target == nil {
		return 0, unix.ESRCH
	}
	if !t.Process().MayPtrace(target) {
		return 0, unix.EPERM
	}
	var done uint64
	li, loff := 0, uint64(0)
	for _, r := range remote {
		for roff := uint64(0); roff < r.Len; {
			for li < len(local) && loff == local[li].Len {
				li, loff = li+1, 0
			}
			if li == len(local) {
				return done, nil
			}
			// One piece: within a remote page and a local segment.
			addr := r.Base + roff
			n := min(r.Len-roff, local[li].Len-loff, 4096-addr%4096, linux.MaxRWCount-done)
			if n == 0 {
				return done, nil
			}
			buf := make([]byte, n)
			var err error
			if write {
				if err = t.CopyIn(local[li].Base+loff, buf); err == nil {
					err = target.MM().CopyOut(addr, buf)
				}
			} else {
				if err = target.MM().CopyIn(addr, buf); err == nil {
					err = t.CopyOut(local[li].Base+loff, buf)
				}
			}
			if err != nil {
				if done > 0 {
					return done, nil
				}
				return 0, unix.EFAULT
			}
			done += n
			roff += n
			loff += n
		}
	}
	return done, nil
}
