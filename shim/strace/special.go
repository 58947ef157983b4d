package strace

import (
	"strconv"

	"github.com/elfloader/elfloader/abi/linux"
	"golang.org/x/sys/unix"
)

// specialArgs formats the syscalls whose printed arguments depend on the
// value of another argument in ways a signature cannot express.
func (c *call) specialArgs(sig linux.Signature) ([]string, bool) {
	switch c.nr {
	case unix.SYS_FUTEX:
		return c.futexArgs(), true
	case unix.SYS_CLONE:
		return c.cloneArgs(), true
	case unix.SYS_CLONE3:
		return c.clone3Args(), true
	case unix.SYS_IOCTL:
		return c.ioctlArgs(), true
	case unix.SYS_PRCTL:
		return c.prctlArgs(sig)
	case unix.SYS_SETSOCKOPT:
		parts := c.formatArgs(sig.Args)
		parts[3] = c.intOption(c.args[3], c.args[4])
		return parts, true
	}
	return nil, false
}

// Futex commands (the op without FUTEX_PRIVATE_FLAG/FUTEX_CLOCK_REALTIME).
const (
	futexWait          = 0
	futexWake          = 1
	futexFD            = 2
	futexRequeue       = 3
	futexCmpRequeue    = 4
	futexWakeOp        = 5
	futexLockPI        = 6
	futexUnlockPI      = 7
	futexTrylockPI     = 8
	futexWaitBitset    = 9
	futexWakeBitset    = 10
	futexWaitRequeuePI = 11
	futexCmpRequeuePI  = 12
	futexLockPI2       = 13

	futexBitsetMatchAny = 0xffffffff
)

// futexArgs prints only the arguments the operation uses, as strace does:
// futex(0x..., FUTEX_WAKE_PRIVATE, 1).
func (c *call) futexArgs() []string {
	uaddr, op, val, timeout, uaddr2, val3 := c.args[0], c.args[1], c.args[2], c.args[3], c.args[4], c.args[5]
	parts := []string{pointer(uaddr), linux.FormatFutexOp(op & 0xffffffff)}
	intArg := func(v uint64) string { return strconv.FormatInt(int64(int32(v)), 10) }
	bitset := func(v uint64) string {
		if v&0xffffffff == futexBitsetMatchAny {
			return "FUTEX_BITSET_MATCH_ANY"
		}
		return hex(v & 0xffffffff)
	}
	switch op & 0xffffffff & linux.FUTEX_CMD_MASK {
	case futexWait, futexLockPI, futexLockPI2:
		parts = append(parts, intArg(val), c.timespec(timeout))
	case futexWake, futexFD:
		parts = append(parts, intArg(val))
	case futexUnlockPI, futexTrylockPI:
	case futexRequeue:
		parts = append(parts, intArg(val), intArg(timeout), pointer(uaddr2))
	case futexCmpRequeue, futexCmpRequeuePI:
		parts = append(parts, intArg(val), intArg(timeout), pointer(uaddr2), intArg(val3))
	case futexWakeOp:
		parts = append(parts, intArg(val), intArg(timeout), pointer(uaddr2), hex(val3&0xffffffff))
	case futexWaitBitset:
		parts = append(parts, intArg(val), c.timespec(timeout), bitset(val3))
	case futexWakeBitset:
		parts = append(parts, intArg(val), bitset(val3))
	case futexWaitRequeuePI:
		parts = append(parts, intArg(val), c.timespec(timeout), pointer(uaddr2))
	default:
		parts = append(parts, hex(val), hex(timeout), hex(uaddr2), hex(val3))
	}
	return parts
}

// cloneArgs prints clone(2) with strace's argument names, showing the tid
// and tls pointers only when the flags use them.
func (c *call) cloneArgs() []string {
	flags, stack, parentTid, childTid, tls := c.args[0], c.args[1], c.args[2], c.args[3], c.args[4]
	parts := []string{"child_stack=" + pointer(stack), "flags=" + linux.FormatCloneFlags(flags)}
	if flags&(unix.CLONE_PARENT_SETTID|unix.CLONE_PIDFD) != 0 {
		parts = append(parts, "parent_tid="+pointer(parentTid))
	}
	if flags&unix.CLONE_SETTLS != 0 {
		parts = append(parts, "tls="+pointer(tls))
	}
	if flags&(unix.CLONE_CHILD_SETTID|unix.CLONE_CHILD_CLEARTID) != 0 {
		parts = append(parts, "child_tidptr="+pointer(childTid))
	}
	return parts
}

// cloneArgsSize is the size of struct clone_args up to and including tls
// (CLONE_ARGS_SIZE_VER0).
const cloneArgsSize = 64

// clone3Args decodes struct clone_args.
func (c *call) clone3Args() []string {
	addr, size := c.args[0], c.args[1]
	sizeStr := strconv.FormatUint(size, 10)
	if size < cloneArgsSize {
		return []string{pointer(addr), sizeStr}
	}
	b, ok := readBytes(c.mem, addr, cloneArgsSize)
	if !ok {
		return []string{pointer(addr), sizeStr}
	}
	field := func(i int) uint64 { return le.Uint64(b[8*i:]) }
	flags, pidfd, childTid, parentTid := field(0), field(1), field(2), field(3)
	exitSignal, stack, stackSize, tls := field(4), field(5), field(6), field(7)
	s := "{flags=" + linux.FormatFlags(linux.CloneFlags, flags)
	if flags&unix.CLONE_PIDFD != 0 {
		s += ", pidfd=" + pointer(pidfd)
	}
	if flags&(unix.CLONE_CHILD_SETTID|unix.CLONE_CHILD_CLEARTID) != 0 {
		s += ", child_tid=" + pointer(childTid)
	}
	if flags&unix.CLONE_PARENT_SETTID != 0 {
		s += ", parent_tid=" + pointer(parentTid)
	}
	exit := "0"
	if exitSignal != 0 {
		exit = linux.SignalName(int(int32(exitSignal)))
	}
	s += ", exit_signal=" + exit + ", stack=" + pointer(stack) + ", stack_size=" + hex(stackSize)
	if flags&unix.CLONE_SETTLS != 0 {
		s += ", tls=" + pointer(tls)
	}
	s += "}"
	if flags&unix.CLONE_PARENT_SETTID != 0 && c.succeeded() {
		if tid, ok := readBytes(c.mem, parentTid, 4); ok {
			s += " => {parent_tid=[" + strconv.FormatInt(int64(int32(le.Uint32(tid))), 10) + "]}"
		}
	}
	return []string{s, sizeStr}
}

// ioctlIntArg lists requests whose third argument is an integer.
var ioctlIntArg = map[uint64]bool{
	unix.TCSBRK: true, unix.TCXONC: true, unix.TCFLSH: true, unix.TIOCSCTTY: true,
	unix.TCSBRKP: true, unix.TIOCSIG: true,
}

// ioctlNoArg lists requests that take no third argument.
var ioctlNoArg = map[uint64]bool{
	0x5450: true, 0x5451: true, // FIONCLEX, FIOCLEX
	unix.TIOCNOTTY: true, unix.TIOCEXCL: true, unix.TIOCNXCL: true,
	unix.TIOCSBRK: true, unix.TIOCCBRK: true, unix.TIOCVHANGUP: true,
}

// ioctlArgs prints the request by name and its argument by type: nothing,
// an integer, or a pointer for known requests, hex for unknown ones.
func (c *call) ioctlArgs() []string {
	req := c.args[1] & 0xffffffff
	parts := []string{c.p.fd(int64(int32(c.args[0]))), linux.FormatIoctlReq(req)}
	_, known := linux.IoctlReq().Lookup(req)
	switch {
	case ioctlNoArg[req]:
	case ioctlIntArg[req]:
		parts = append(parts, strconv.FormatInt(int64(int32(c.args[2])), 10))
	case known:
		parts = append(parts, pointer(c.args[2]))
	default:
		parts = append(parts, hex(c.args[2]))
	}
	return parts
}

// intOption prints a socket option value: "[1]" for an int, the pointer
// otherwise.
func (c *call) intOption(addr, length uint64) string {
	if addr == 0 {
		return "NULL"
	}
	if length&0xffffffff != 4 {
		return pointer(addr)
	}
	b, ok := readBytes(c.mem, addr, 4)
	if !ok {
		return pointer(addr)
	}
	return "[" + strconv.FormatInt(int64(int32(le.Uint32(b))), 10) + "]"
}

// taskCommLen is the size of a thread name (TASK_COMM_LEN).
const taskCommLen = 16

// prctlArgs prints the thread-name options as strace does,
// prctl(PR_GET_NAME, "busybox"); other options use the signature.
func (c *call) prctlArgs(sig linux.Signature) ([]string, bool) {
	switch c.args[0] & 0xffffffff {
	case unix.PR_SET_NAME:
		return []string{"PR_SET_NAME", c.cString(c.args[1], taskCommLen-1)}, true
	case unix.PR_GET_NAME:
		name := pointer(c.args[1])
		if c.succeeded() {
			name = c.cString(c.args[1], taskCommLen-1)
		}
		return []string{"PR_GET_NAME", name}, true
	}
	return nil, false
}
