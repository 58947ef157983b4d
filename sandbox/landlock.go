package sandbox

import (
	"errors"
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ErrNoLandlock means the host kernel has no Landlock (before Linux 5.13,
// or not enabled in its LSM list).
var ErrNoLandlock = errors.New("Landlock is not available on this host kernel")

// writeAccess is every write-like filesystem access of Landlock ABI 1, the
// ones elfloader denies outside the writable paths.
const writeAccessABI1 = unix.LANDLOCK_ACCESS_FS_WRITE_FILE | unix.LANDLOCK_ACCESS_FS_REMOVE_DIR |
	unix.LANDLOCK_ACCESS_FS_REMOVE_FILE | unix.LANDLOCK_ACCESS_FS_MAKE_CHAR | unix.LANDLOCK_ACCESS_FS_MAKE_DIR |
	unix.LANDLOCK_ACCESS_FS_MAKE_REG | unix.LANDLOCK_ACCESS_FS_MAKE_SOCK | unix.LANDLOCK_ACCESS_FS_MAKE_FIFO |
	unix.LANDLOCK_ACCESS_FS_MAKE_BLOCK | unix.LANDLOCK_ACCESS_FS_MAKE_SYM

// writeAccess returns the write-like accesses the ABI version knows:
// REFER (renames and links across directories) from 2, TRUNCATE from 3.
func writeAccess(abi int) uint64 {
	a := uint64(writeAccessABI1)
	if abi >= 2 {
		a |= unix.LANDLOCK_ACCESS_FS_REFER
	}
	if abi >= 3 {
		a |= unix.LANDLOCK_ACCESS_FS_TRUNCATE
	}
	return a
}

// Devices app threads may still write on the host: the terminal elfloader
// serves as the app's console and /dev/tty, and /dev/null.
var writableDevices = []string{"/dev/tty", "/dev/null", "/dev/pts"}

// Landlock is a ruleset that threads running app code restrict
// themselves with.
type Landlock struct {
	fd        int
	abi       int
	deniesTCP bool
}

// ABI returns the host's Landlock ABI version, or 0 without Landlock.
func ABI() int {
	v, _, e := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
	if e != 0 {
		return 0
	}
	return int(v)
}

// NewLandlock builds the ruleset: the host is read-only but for the
// directories in writable (the :rw volumes) and the terminal devices; with
// denyTCP (the app has a network of its own) TCP bind and connect on the
// host are refused too, where the host's Landlock has network rules (ABI
// 4). It returns ErrNoLandlock when the host has none.
func NewLandlock(writable []string, denyTCP bool) (*Landlock, error) {
	abi := ABI()
	if abi < 1 {
		return nil, ErrNoLandlock
	}
	access := writeAccess(abi)
	attr := unix.LandlockRulesetAttr{Handled_access_fs: access}
	// Only the fields in use: the kernel refuses a larger struct only
	// when the fields it does not know are non-zero.
	size := uintptr(8)
	l := &Landlock{abi: abi}
	if denyTCP && abi >= 4 {
		attr.Handled_access_net = unix.LANDLOCK_ACCESS_NET_BIND_TCP | unix.LANDLOCK_ACCESS_NET_CONNECT_TCP
		size = 16
		l.deniesTCP = true
	}
	fd, _, e := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, uintptr(unsafe.Pointer(&attr)), size, 0)
	if e != 0 {
		return nil, fmt.Errorf("landlock_create_ruleset: %w", e)
	}
	l.fd = int(fd)
	for _, dir := range writable {
		if err := l.allow(dir, access); err != nil {
			l.Close()
			return nil, fmt.Errorf("landlock: writable %s: %w", dir, err)
		}
	}
	for _, dev := range writableDevices {
		if _, err := os.Stat(dev); err != nil {
			continue
		}
		if err := l.allow(dev, unix.LANDLOCK_ACCESS_FS_WRITE_FILE); err != nil {
			l.Close()
			return nil, fmt.Errorf("landlock: %s: %w", dev, err)
		}
	}
	return l, nil
}

// allow lets the accesses happen beneath path (or on path, for a file).
func (l *Landlock) allow(path string, access uint64) error {
	fd, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		// Rules on files take only file accesses.
		access &= unix.LANDLOCK_ACCESS_FS_WRITE_FILE | unix.LANDLOCK_ACCESS_FS_TRUNCATE
	}
	rule := unix.LandlockPathBeneathAttr{Allowed_access: access, Parent_fd: int32(fd)}
	_, _, e := unix.Syscall6(unix.SYS_LANDLOCK_ADD_RULE, uintptr(l.fd), unix.LANDLOCK_RULE_PATH_BENEATH,
		uintptr(unsafe.Pointer(&rule)), 0, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// ABI is the Landlock ABI version the ruleset uses.
func (l *Landlock) ABI() int { return l.abi }

// DeniesTCP reports whether the ruleset refuses host TCP bind and connect.
func (l *Landlock) DeniesTCP() bool { return l.deniesTCP }

// RestrictThread confines the calling OS thread (and what it later
// starts) to the ruleset. The caller has locked its goroutine to the
// thread. Without CAP_SYS_ADMIN Landlock needs no_new_privs, which is set
// on the thread too: app programs are never executed by the host.
func (l *Landlock) RestrictThread() error {
	if _, _, e := unix.RawSyscall6(unix.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0); e != 0 {
		return fmt.Errorf("PR_SET_NO_NEW_PRIVS: %w", e)
	}
	if _, _, e := unix.RawSyscall(unix.SYS_LANDLOCK_RESTRICT_SELF, uintptr(l.fd), 0, 0); e != 0 {
		return fmt.Errorf("landlock_restrict_self: %w", e)
	}
	return nil
}

// Close releases the ruleset (threads already restricted stay so).
func (l *Landlock) Close() error { return unix.Close(l.fd) }
