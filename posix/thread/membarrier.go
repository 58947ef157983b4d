package thread

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// membarrier(2) commands (include/uapi/linux/membarrier.h).
const (
	mbQuery                 = 0
	mbGlobal                = 1 << 0
	mbGlobalExpedited       = 1 << 1
	mbRegGlobalExpedited    = 1 << 2
	mbPrivateExpedited      = 1 << 3
	mbRegPrivateExpedited   = 1 << 4
	mbPrivateSyncCore       = 1 << 5
	mbRegPrivateSyncCore    = 1 << 6
	mbGetRegistrations      = 1 << 9
	mbSupported             = mbGlobal | mbGlobalExpedited | mbRegGlobalExpedited | mbPrivateExpedited | mbRegPrivateExpedited | mbPrivateSyncCore | mbRegPrivateSyncCore | mbGetRegistrations
	mbRegistrationsReported = mbRegGlobalExpedited | mbRegPrivateExpedited | mbRegPrivateSyncCore
)

func registerMembarrier(tb *shim.Table) {
	tb.Register(unix.SYS_MEMBARRIER, shim.Partial, "QUERY, GLOBAL, GLOBAL_EXPEDITED, PRIVATE_EXPEDITED and PRIVATE_EXPEDITED_SYNC_CORE with their registrations (EPERM unregistered; inherited by fork, cleared by exec) and GET_REGISTRATIONS; the barrier is the host's: PRIVATE_EXPEDITED(_SYNC_CORE) on elfloader's own process when the app's memory is elfloader's (in-process), else and for the global commands MEMBARRIER_CMD_GLOBAL, which reaches the stub processes' threads too; the RSEQ commands are not offered (no rseq)", sysMembarrier)
}

// hostMembarrier issues a host membarrier command.
func hostMembarrier(cmd int) error {
	_, _, e := unix.Syscall(unix.SYS_MEMBARRIER, uintptr(cmd), 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

func sysMembarrier(t *kernel.Task, a shim.Args) (uint64, error) {
	cmd, flags := a.Int(0), a.Int(1)
	if flags != 0 {
		return 0, unix.EINVAL
	}
	p := t.Process()
	regs := p.Membarrier.Load()
	// barrier makes every thread of the app's process pass a full memory
	// barrier (serialising its instruction stream for SYNC_CORE).
	barrier := func(private int) error {
		if t.MM().Direct() {
			// The app's threads are elfloader's: the host's private
			// command covers them (registered on first use).
			if err := hostMembarrier(private << 1); err != nil {
				return err
			}
			return hostMembarrier(private)
		}
		// A stub process: the global barrier reaches every CPU.
		return hostMembarrier(mbGlobal)
	}
	switch cmd {
	case mbQuery:
		return mbSupported, nil
	case mbGlobal:
		return 0, hostMembarrier(mbGlobal)
	case mbGlobalExpedited:
		// Processes registered for it; the stubs and elfloader are not
		// (Linux then has nothing to do but a barrier of its own).
		return 0, hostMembarrier(mbGlobal)
	case mbRegGlobalExpedited, mbRegPrivateExpedited, mbRegPrivateSyncCore:
		p.Membarrier.Or(uint32(cmd))
		return 0, nil
	case mbPrivateExpedited:
		if regs&mbRegPrivateExpedited == 0 {
			return 0, unix.EPERM
		}
		return 0, barrier(mbPrivateExpedited)
	case mbPrivateSyncCore:
		if regs&mbRegPrivateSyncCore == 0 {
			return 0, unix.EPERM
		}
		return 0, barrier(mbPrivateSyncCore)
	case mbGetRegistrations:
		return uint64(regs & mbRegistrationsReported), nil
	}
	return 0, unix.EINVAL
}
