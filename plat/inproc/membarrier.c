// Registration for membarrier(2)'s SYNC_CORE command, done before the Go
// runtime starts its threads.
//
// Linux makes MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE wait for
// an RCU grace period when the process already has more than one thread
// (kernel/sched/membarrier.c, sync_runqueues_membarrier_state); by the time
// Go code runs, the runtime has started several, and the wait took 2 to
// 10 ms here, longer than the rest of a static program's start-up. A
// constructor runs while the process is still single-threaded, where the
// registration is immediate.

#include <sys/syscall.h>
#include <unistd.h>

#include "membarrier.h"

#define EP_MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE (1 << 6)

int ep_sync_core_registered;

__attribute__((constructor)) static void ep_register_sync_core(void) {
	ep_sync_core_registered =
		syscall(SYS_membarrier, EP_MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0) == 0;
}
