#ifndef EP_MEMBARRIER_H
#define EP_MEMBARRIER_H

// ep_sync_core_registered is 1 when elfloader registered for membarrier's
// private expedited SYNC_CORE command at start-up (membarrier.c).
extern int ep_sync_core_registered;

#endif
