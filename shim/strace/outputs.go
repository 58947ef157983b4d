package strace

import (
	"fmt"
	"strconv"

	"github.com/elfloader/elfloader/abi/linux"
	"golang.org/x/sys/unix"
)

// outputValue decodes the output argument kinds added for strace parity.
// It returns false for kinds it does not handle. Outputs print as the
// pointer when the call failed, as strace does.
func (c *call) outputValue(arg linux.Arg, v uint64) (string, bool) {
	switch arg.Kind {
	case linux.ArgRlimitIn:
		return c.rlimit(v), true
	case linux.ArgStatOut, linux.ArgStatxOut, linux.ArgRlimitOut, linux.ArgWaitStatus,
		linux.ArgDirents, linux.ArgSockaddrOut, linux.ArgSocklenOut, linux.ArgUtsnameOut,
		linux.ArgTimespecOut:
	default:
		return "", false
	}
	if v == 0 {
		return "NULL", true
	}
	if arg.Kind == linux.ArgSocklenOut {
		return c.socklenInOut(v), true
	}
	if !c.succeeded() {
		return pointer(v), true
	}
	switch arg.Kind {
	case linux.ArgStatOut:
		return c.stat(v), true
	case linux.ArgStatxOut:
		return c.statx(v), true
	case linux.ArgRlimitOut:
		return c.rlimit(v), true
	case linux.ArgWaitStatus:
		if c.ret == 0 { // WNOHANG and no child changed state
			return pointer(v), true
		}
		return c.waitStatus(v), true
	case linux.ArgDirents:
		return c.dirents(v), true
	case linux.ArgSockaddrOut:
		lenAddr, _ := c.related(arg)
		n, ok := c.socklen(lenAddr)
		if !ok {
			return pointer(v), true
		}
		return c.sockaddr(v, n), true
	case linux.ArgUtsnameOut:
		return c.utsname(v), true
	default: // linux.ArgTimespecOut
		return c.timespec(v), true
	}
}

// socklenInOut prints a value-result socklen_t: "[16]", or "[128 => 16]"
// when the call changed it and the value before is known.
func (c *call) socklenInOut(addr uint64) string {
	var before uint64
	haveBefore := false
	if b, ok := readBytes(c.p.Before, addr, 4); ok {
		before, haveBefore = uint64(le.Uint32(b)), true
	}
	if !c.succeeded() {
		if haveBefore {
			return "[" + strconv.FormatUint(before, 10) + "]"
		}
		return pointer(addr)
	}
	after, ok := c.socklen(addr)
	switch {
	case !ok:
		return pointer(addr)
	case haveBefore && before != after:
		return "[" + strconv.FormatUint(before, 10) + " => " + strconv.FormatUint(after, 10) + "]"
	}
	return "[" + strconv.FormatUint(after, 10) + "]"
}

// SavedRanges returns the memory ranges a tracer should save when call nr
// starts, for Printer.Before: the value-result lengths.
func SavedRanges(nr uint64, args [6]uint64) []Range {
	var out []Range
	for i, arg := range linux.SignatureOf(nr).Args {
		if arg.Kind == linux.ArgSocklenOut && i < len(args) && args[i] != 0 {
			out = append(out, Range{Addr: args[i], Len: 4})
		}
	}
	return out
}

// Range is a span of application memory.
type Range struct {
	Addr uint64
	Len  int
}

// Snapshot is memory saved at the start of a call (Printer.Before).
type Snapshot map[uint64][]byte

// Save copies the ranges from mem; ranges that cannot be read are left out.
func Save(mem Memory, ranges []Range) Snapshot {
	if len(ranges) == 0 {
		return nil
	}
	s := Snapshot{}
	for _, r := range ranges {
		if b, ok := readBytes(mem, r.Addr, r.Len); ok {
			s[r.Addr] = append([]byte(nil), b...)
		}
	}
	return s
}

// ReadAt implements Memory over the saved ranges.
func (s Snapshot) ReadAt(addr uint64, n int) ([]byte, error) {
	if b, ok := s[addr]; ok && n <= len(b) {
		return b[:n], nil
	}
	return nil, fmt.Errorf("read %d bytes at %#x: not saved", n, addr)
}

// socklen reads a socklen_t.
func (c *call) socklen(addr uint64) (uint64, bool) {
	if addr == 0 {
		return 0, false
	}
	b, ok := readBytes(c.mem, addr, 4)
	if !ok {
		return 0, false
	}
	return uint64(le.Uint32(b)), true
}

// statSize is sizeof(struct stat) on x86-64.
const statSize = 144

// stat prints struct stat abbreviated as strace does by default: the
// mode, then the device number for devices or the size otherwise.
func (c *call) stat(addr uint64) string {
	b, ok := readBytes(c.mem, addr, statSize)
	if !ok {
		return pointer(addr)
	}
	mode := uint64(le.Uint32(b[24:]))
	return "{st_mode=" + linux.FormatMode(mode) + ", " + sizeOrDevice(mode, le.Uint64(b[40:]), le.Uint64(b[48:])) + ", ...}"
}

// sizeOrDevice prints st_rdev for character and block devices and
// st_size for everything else.
func sizeOrDevice(mode, rdev, size uint64) string {
	switch mode & unix.S_IFMT {
	case unix.S_IFCHR, unix.S_IFBLK:
		return "st_rdev=makedev(" + hex(uint64(unix.Major(rdev))) + ", " + hex(uint64(unix.Minor(rdev))) + ")"
	}
	return "st_size=" + strconv.FormatInt(int64(size), 10)
}

// statxHeadSize covers struct statx up to stx_size.
const statxHeadSize = 48

// statx prints struct statx abbreviated as strace does.
func (c *call) statx(addr uint64) string {
	b, ok := readBytes(c.mem, addr, statxHeadSize)
	if !ok {
		return pointer(addr)
	}
	mask := uint64(le.Uint32(b[0:]))
	attrs := le.Uint64(b[8:])
	mode := uint64(le.Uint16(b[28:]))
	return "{stx_mask=" + linux.FormatFlags(linux.StatxMask, mask) +
		", stx_attributes=" + hex(attrs) +
		", stx_mode=" + linux.FormatMode(mode) +
		", stx_size=" + strconv.FormatUint(le.Uint64(b[40:]), 10) + ", ...}"
}

// rlimInfinity is RLIM64_INFINITY.
const rlimInfinity = ^uint64(0)

// rlimit prints struct rlimit: "{rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}".
func (c *call) rlimit(addr uint64) string {
	if addr == 0 {
		return "NULL"
	}
	b, ok := readBytes(c.mem, addr, 16)
	if !ok {
		return pointer(addr)
	}
	return "{rlim_cur=" + rlimValue(le.Uint64(b)) + ", rlim_max=" + rlimValue(le.Uint64(b[8:])) + "}"
}

func rlimValue(v uint64) string {
	switch {
	case v == rlimInfinity:
		return "RLIM64_INFINITY"
	case v > 1024 && v%1024 == 0:
		return strconv.FormatUint(v/1024, 10) + "*1024"
	}
	return strconv.FormatUint(v, 10)
}

// waitStatus prints the int a wait call stores, with strace's macros.
func (c *call) waitStatus(addr uint64) string {
	b, ok := readBytes(c.mem, addr, 4)
	if !ok {
		return pointer(addr)
	}
	return "[" + FormatWaitStatus(le.Uint32(b)) + "]"
}

// FormatWaitStatus prints a wait status as strace does:
// "{WIFEXITED(s) && WEXITSTATUS(s) == 0}".
func FormatWaitStatus(raw uint32) string {
	s := unix.WaitStatus(raw)
	switch {
	case s.Exited():
		return fmt.Sprintf("{WIFEXITED(s) && WEXITSTATUS(s) == %d}", s.ExitStatus())
	case s.Signaled():
		core := ""
		if s.CoreDump() {
			core = " && WCOREDUMP(s)"
		}
		return "{WIFSIGNALED(s) && WTERMSIG(s) == " + linux.SignalName(int(s.Signal())) + core + "}"
	case s.Stopped():
		return "{WIFSTOPPED(s) && WSTOPSIG(s) == " + linux.SignalName(int(s.StopSignal())) + "}"
	case s.Continued():
		return "{WIFCONTINUED(s)}"
	}
	return hex(uint64(raw))
}

// direntRecLenOffset is the offset of d_reclen in struct linux_dirent and
// struct linux_dirent64 alike.
const direntRecLenOffset = 16

// dirents prints the buffer of getdents as strace does by default: the
// pointer and the number of entries the call returned.
func (c *call) dirents(addr uint64) string {
	total := uint64(c.ret)
	if total > 1<<20 {
		return pointer(addr)
	}
	b, ok := readBytes(c.mem, addr, int(total))
	if !ok {
		return pointer(addr)
	}
	count := 0
	for off := uint64(0); off+direntRecLenOffset+2 <= total; count++ {
		reclen := uint64(le.Uint16(b[off+direntRecLenOffset:]))
		if reclen == 0 {
			break
		}
		off += reclen
	}
	return fmt.Sprintf("%s /* %d entries */", pointer(addr), count)
}

// utsFieldLen is the size of each field of struct utsname.
const utsFieldLen = 65

// utsname prints the first two fields of struct utsname, as strace does
// by default.
func (c *call) utsname(addr uint64) string {
	b, ok := readBytes(c.mem, addr, 2*utsFieldLen)
	if !ok {
		return pointer(addr)
	}
	sys := trimNUL(b[:utsFieldLen])
	node := trimNUL(b[utsFieldLen:])
	return "{sysname=" + quote(sys, false) + ", nodename=" + quote(node, false) + ", ...}"
}
