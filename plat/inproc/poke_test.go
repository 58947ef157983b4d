package inproc

import (
	"testing"

	"golang.org/x/sys/unix"
)

// membarrier(2) commands the test asks with (include/uapi/linux/membarrier.h).
const (
	membarrierQuery            = 0
	membarrierGetRegistrations = 1 << 9 // Linux 6.3
)

// TestSyncCoreRegisteredBeforeGo checks that elfloader is registered for
// membarrier's SYNC_CORE command from its start (the C constructor of
// membarrier.c), so the rewriter never pays the registration's RCU wait.
func TestSyncCoreRegisteredBeforeGo(t *testing.T) {
	supported, _, e := unix.Syscall(unix.SYS_MEMBARRIER, membarrierQuery, 0, 0)
	if e != 0 || supported&membarrierRegisterPrivateExpeditedSyncCore == 0 {
		t.Skipf("membarrier SYNC_CORE not offered by this kernel (query: %#x, %v)", supported, e)
	}
	registered, _, e := unix.Syscall(unix.SYS_MEMBARRIER, membarrierGetRegistrations, 0, 0)
	if e != 0 {
		t.Skipf("membarrier MEMBARRIER_CMD_GET_REGISTRATIONS: %v (Linux 6.3 or later)", e)
	}
	if registered&membarrierRegisterPrivateExpeditedSyncCore == 0 {
		t.Fatalf("registrations %#x: SYNC_CORE not registered at start-up", registered)
	}
	if !syncCoreReady() {
		t.Fatal("syncCoreReady() = false although the kernel has the registration")
	}
}
