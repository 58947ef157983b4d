package linux

// Numbers of the Linux x86-64 ABI that golang.org/x/sys/unix does not
// define.
const (
	// MaxRWCount is MAX_RW_COUNT: read, write and their vector and
	// positional forms transfer at most this many bytes per call.
	MaxRWCount = 0x7ffff000

	// UIO_MAXIOV is the most iovecs one call may pass (IOV_MAX).
	UIO_MAXIOV = 1024

	// AT_STATX_SYNC_TYPE is the statx sync-mode field of the flags.
	AT_STATX_SYNC_TYPE = 0x6000

	// FSCONFIG_CMD_CREATE_EXCL is fsconfig's create that refuses to reuse
	// an existing superblock (Linux 6.6).
	FSCONFIG_CMD_CREATE_EXCL = 8
	// MOVE_MOUNT_BENEATH mounts beneath the top mount of the target
	// (Linux 6.5).
	MOVE_MOUNT_BENEATH = 0x200

	// FIONREAD is the bytes-ready ioctl (the same number as TIOCINQ).
	FIONREAD = 0x541b
	// FIONBIO sets or clears O_NONBLOCK through ioctl.
	FIONBIO = 0x5421
	// FIONCLEX and FIOCLEX clear and set FD_CLOEXEC through ioctl.
	FIONCLEX = 0x5450
	FIOCLEX  = 0x5451
	// FIOASYNC sets or clears O_ASYNC through ioctl.
	FIOASYNC = 0x5452

	// F_OWNER_TID, F_OWNER_PID and F_OWNER_PGRP are the kinds of owner in
	// struct f_owner_ex.
	F_OWNER_TID  = 0
	F_OWNER_PID  = 1
	F_OWNER_PGRP = 2

	// The other magic2 values reboot(2) accepts besides
	// unix.LINUX_REBOOT_MAGIC2 (include/uapi/linux/reboot.h).
	LINUX_REBOOT_MAGIC2A = 0x05121996
	LINUX_REBOOT_MAGIC2B = 0x16041998
	LINUX_REBOOT_MAGIC2C = 0x20112000
)
