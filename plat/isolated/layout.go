package isolated

// The stub's memory layout and shared-memory protocol; stub/layout.h holds
// the same values (TestLayoutMatchesHeader compares them).
const (
	// StubStart and StubEnd bound the stub region of every stub process:
	// the kernel must refuse app mappings that overlap it.
	StubStart = 0x100000000000
	StubEnd   = 0x100004000000

	stubCtrlBase     = 0x100000100000
	stubCtrlMax      = 0x1f00000
	stubPrivBase     = 0x100002000000
	stubPrivSlot     = 0x20000
	stubSigstackSize = 0x10000
	stubMaxSlots     = 256
	stubMaxSlotSize  = 0x10000

	hdrMagic      = 0
	hdrSlotSize   = 4
	hdrNslots     = 8
	hdrKickSignal = 12
	hdrXcompPerm  = 16
	hdrVDSOBefore = 24
	hdrVDSOSize   = 32
	hdrSize       = 4096
	stubMagic     = 0x42555453

	slotState       = 0
	slotStubWaiting = 4
	slotGoWaiting   = 8
	slotTid         = 12
	slotEvent       = 16
	slotSigno       = 20
	slotCode        = 24
	slotAddr        = 32
	slotTrapno      = 40
	slotErr         = 48
	slotRegs        = 64
	slotXsaveSize   = 280
	slotXsave       = 320

	stIdle  = 0
	stRun   = 1
	stEvent = 2
	stExit  = 3

	evSyscall   = 1
	evFault     = 2
	evKick      = 3
	evSyscall32 = 4
	evBorn      = 5

	cmdSize     = 56
	cmdMmap     = 1
	cmdMunmap   = 2
	cmdMprotect = 3
	cmdThread   = 4
	cmdFork     = 5
	cmdXcomp    = 6
	cmdCas32    = 7
	replySize   = 8

	threadCloneFlags = 0x1250f00
	forkCloneFlags   = 0x8000
)
