package strace

import (
	"strconv"
	"strings"

	"github.com/elfloader/elfloader/abi/linux"
	"golang.org/x/sys/unix"
)

// DefaultStringLimit is how many bytes of a string or buffer strace shows
// by default (its -s option).
const DefaultStringLimit = 32

// pathLimit is how much of a path strace shows: all of it up to PATH_MAX.
const pathLimit = 4096

// maxArrayElements bounds how many elements of an iovec or argv array are
// printed before "...".
const maxArrayElements = 32

// Printer formats traced syscalls. The zero value prints like strace with
// default options.
type Printer struct {
	// StringLimit is the number of bytes of strings and buffers shown
	// (strace -s); 0 means DefaultStringLimit.
	StringLimit int
	// FDName, when set, names file descriptors: arguments and returned
	// descriptors print as 3</etc/hostname> (strace -y).
	FDName func(fd int) (string, bool)
	// Before, when set, is what a tracer saved of the memory when the call
	// started (see SavedRanges): value-result lengths then print as
	// strace's "[128 => 16]".
	Before Memory
}

// fd prints a descriptor, with its name under strace -y.
func (p Printer) fd(v int64) string {
	s := strconv.FormatInt(v, 10)
	if p.FDName != nil && v >= 0 { // FDName(AT_FDCWD) is the working directory
		if name, ok := p.FDName(int(v)); ok {
			s += "<" + name + ">"
		}
	}
	return s
}

// Format returns the strace line for syscall nr with arguments args and
// raw kernel return ret, without the newline:
// `openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3`. Output
// arguments are decoded from mem, which must reflect the state after the
// call.
func Format(nr uint64, args [6]uint64, ret int64, mem Memory) string {
	return Printer{}.Format(nr, args, ret, mem)
}

// FormatEntry returns the part of the line before " = ", decoding only
// what is known when the call starts (output arguments print as
// pointers). Use it for calls that do not return, such as exit_group or a
// successful execve.
func FormatEntry(nr uint64, args [6]uint64, mem Memory) string {
	return Printer{}.FormatEntry(nr, args, mem)
}

// FormatReturn returns the " = ..." suffix for a raw kernel return value:
// " = 3", " = -1 EBADF (Bad file descriptor)", " = 0x7f0000000000" for
// mmap, " = ?" for exit_group, and restart codes as strace prints them:
// " = ? ERESTARTSYS (To be restarted if SA_RESTART is set)".
func FormatReturn(nr uint64, ret int64) string {
	return formatReturn(nr, [6]uint64{}, ret, false)
}

// Format is the Printer form of the package-level Format.
func (p Printer) Format(nr uint64, args [6]uint64, ret int64, mem Memory) string {
	c := call{p: p, nr: nr, args: args, ret: ret, exited: true, mem: mem}
	return c.entry() + formatReturn(nr, args, ret, true)
}

// FormatEntry is the Printer form of the package-level FormatEntry.
func (p Printer) FormatEntry(nr uint64, args [6]uint64, mem Memory) string {
	c := call{p: p, nr: nr, args: args, mem: mem}
	return c.entry()
}

func (p Printer) stringLimit() int {
	if p.StringLimit > 0 {
		return p.StringLimit
	}
	return DefaultStringLimit
}

// call is one syscall being formatted.
type call struct {
	p      Printer
	nr     uint64
	args   [6]uint64
	ret    int64
	exited bool // ret is valid and output arguments may be decoded
	mem    Memory
}

// succeeded reports whether the call has returned without an error.
func (c *call) succeeded() bool { return c.exited && !isError(c.ret) }

func (c *call) entry() string {
	sig := linux.SignatureOf(c.nr)
	var parts []string
	if special, ok := c.specialArgs(sig); ok {
		parts = special
	} else {
		parts = c.formatArgs(sig.Args)
	}
	return sig.Name + "(" + strings.Join(parts, ", ") + ")"
}

func (c *call) formatArgs(list []linux.Arg) []string {
	parts := make([]string, 0, len(list))
	for i, arg := range list {
		if i >= len(c.args) {
			break
		}
		if s, shown := c.formatArg(arg, c.args[i]); shown {
			parts = append(parts, s)
		}
	}
	return parts
}

// isError reports whether a raw return value encodes an errno.
func isError(ret int64) bool { return ret < 0 && ret >= -linux.MaxErrno }

func formatReturn(nr uint64, args [6]uint64, ret int64, haveArgs bool) string {
	sig := linux.SignatureOf(nr)
	if isError(ret) {
		e := unix.Errno(-ret)
		if linux.IsRestartErrno(e) || e == linux.ENOIOCTLCMD {
			return " = ? " + linux.ErrnoName(e) + " (" + linux.ErrnoMessage(e) + ")"
		}
		return " = -1 " + linux.ErrnoName(e) + " (" + linux.ErrnoMessage(e) + ")"
	}
	switch sig.Ret {
	case linux.RetNone:
		return " = ?"
	case linux.RetHex:
		return " = " + hex(uint64(ret))
	case linux.RetOctal:
		return " = " + linux.FormatOctal(uint64(ret))
	}
	if haveArgs && nr == unix.SYS_FCNTL {
		if s, ok := fcntlReturn(args[1], ret); ok {
			return " = " + s
		}
	}
	return " = " + strconv.FormatInt(ret, 10)
}

// fcntlReturn decodes the flags that F_GETFD and F_GETFL return, as
// strace does: "0x802 (flags O_RDWR|O_NONBLOCK)".
func fcntlReturn(cmd uint64, ret int64) (string, bool) {
	var set linux.FlagSet
	switch cmd {
	case unix.F_GETFD:
		set = linux.FdFlags
	case unix.F_GETFL:
		set = linux.OpenFlags
	default:
		return "", false
	}
	if ret == 0 && cmd == unix.F_GETFD {
		return "0", true
	}
	return hex(uint64(ret)) + " (flags " + linux.FormatFlags(set, uint64(ret)) + ")", true
}

// hex prints v as C's %#lx does: "0" for zero, "0x..." otherwise.
func hex(v uint64) string {
	if v == 0 {
		return "0"
	}
	return "0x" + strconv.FormatUint(v, 16)
}

// pointer prints an address as strace does: "NULL" or hex.
func pointer(v uint64) string {
	if v == 0 {
		return "NULL"
	}
	return "0x" + strconv.FormatUint(v, 16)
}

// Parts formats a call as its name and argument strings, for a tracer
// that prints the inputs when the call starts and the rest when it
// returns (strace's "<unfinished ...>" and "<... NAME resumed>" lines).
// Arguments before index firstOutput are inputs; with exited false the
// outputs print as pointers.
func (p Printer) Parts(nr uint64, args [6]uint64, ret int64, exited bool, mem Memory) (name string, parts []string, firstOutput int) {
	c := call{p: p, nr: nr, args: args, ret: ret, exited: exited, mem: mem}
	sig := linux.SignatureOf(nr)
	if special, ok := c.specialArgs(sig); ok {
		switch {
		case nr == unix.SYS_PRCTL && args[0]&0xffffffff == unix.PR_GET_NAME:
			return sig.Name, special, 1 // the name is written by the call
		case nr == unix.SYS_CLONE3:
			return sig.Name, special, 0 // the parent's copy of the new tid
		}
		return sig.Name, special, len(special)
	}
	firstOutput = -1
	for i, arg := range sig.Args {
		if i >= len(c.args) {
			break
		}
		if arg.Kind.IsOutput() && firstOutput < 0 {
			firstOutput = len(parts)
		}
		if s, shown := c.formatArg(arg, c.args[i]); shown {
			parts = append(parts, s)
		}
	}
	if firstOutput < 0 {
		firstOutput = len(parts)
	}
	return sig.Name, parts, firstOutput
}

// Return is the Printer form of FormatReturn that also decodes returns
// depending on the arguments (fcntl's F_GETFL flags) and, under strace
// -y, names the descriptors that calls return.
func (p Printer) Return(nr uint64, args [6]uint64, ret int64) string {
	if p.FDName != nil && ret >= 0 && returnsFD(nr, args) {
		return " = " + p.fd(ret)
	}
	return formatReturn(nr, args, ret, true)
}

// returnsFD reports whether a successful nr returns a new descriptor.
func returnsFD(nr uint64, args [6]uint64) bool {
	switch nr {
	case unix.SYS_OPEN, unix.SYS_OPENAT, unix.SYS_OPENAT2, unix.SYS_CREAT, unix.SYS_DUP,
		unix.SYS_DUP2, unix.SYS_DUP3, unix.SYS_SOCKET, unix.SYS_ACCEPT, unix.SYS_ACCEPT4,
		unix.SYS_EPOLL_CREATE, unix.SYS_EPOLL_CREATE1, unix.SYS_EVENTFD, unix.SYS_EVENTFD2,
		unix.SYS_MEMFD_CREATE, unix.SYS_TIMERFD_CREATE, unix.SYS_SIGNALFD, unix.SYS_SIGNALFD4,
		unix.SYS_INOTIFY_INIT, unix.SYS_INOTIFY_INIT1, unix.SYS_PIDFD_OPEN:
		return true
	case unix.SYS_FCNTL:
		return args[1] == unix.F_DUPFD || args[1] == unix.F_DUPFD_CLOEXEC
	}
	return false
}
