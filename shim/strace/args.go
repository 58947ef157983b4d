package strace

import (
	"strconv"

	"github.com/elfloader/elfloader/abi/linux"
	"golang.org/x/sys/unix"
)

// formatArg renders one argument. shown is false for arguments strace
// leaves out (hidden registers, open's mode without O_CREAT).
func (c *call) formatArg(arg linux.Arg, v uint64) (s string, shown bool) {
	switch arg.Kind {
	case linux.ArgHidden:
		return "", false
	case linux.ArgOpenMode:
		flags, ok := c.related(arg)
		if !ok || !openTakesMode(flags) {
			return "", false
		}
		return linux.FormatOctal(v & 0xffffffff), true
	case linux.ArgFcntlArg:
		return c.fcntlArg(arg, v)
	}
	return c.formatValue(arg, v), true
}

// related returns the value of the argument arg depends on.
func (c *call) related(arg linux.Arg) (uint64, bool) {
	if arg.LenArg < 0 || arg.LenArg >= len(c.args) {
		return 0, false
	}
	return c.args[arg.LenArg], true
}

func openTakesMode(flags uint64) bool {
	return flags&unix.O_CREAT != 0 || flags&unix.O_TMPFILE == unix.O_TMPFILE
}

func (c *call) formatValue(arg linux.Arg, v uint64) string {
	limit := c.p.stringLimit()
	switch arg.Kind {
	case linux.ArgInt:
		return strconv.FormatInt(int64(int32(v)), 10)
	case linux.ArgFd:
		return c.p.fd(int64(int32(v)))
	case linux.ArgLong:
		return strconv.FormatInt(int64(v), 10)
	case linux.ArgUint:
		return strconv.FormatUint(v, 10)
	case linux.ArgUint32:
		return strconv.FormatUint(v&0xffffffff, 10)
	case linux.ArgHex:
		return hex(v)
	case linux.ArgPtr:
		return pointer(v)
	case linux.ArgDirFd:
		if int32(v) == unix.AT_FDCWD {
			if c.p.FDName != nil {
				if cwd, ok := c.p.FDName(unix.AT_FDCWD); ok {
					return "AT_FDCWD<" + cwd + ">"
				}
			}
			return "AT_FDCWD"
		}
		return c.p.fd(int64(int32(v)))
	case linux.ArgPath:
		return c.cString(v, pathLimit)
	case linux.ArgPathOut:
		if !c.succeeded() {
			return pointer(v)
		}
		return c.cString(v, pathLimit)
	case linux.ArgStrBufIn:
		n, _ := c.related(arg)
		return c.buffer(v, n, limit, quote)
	case linux.ArgStrBufOut, linux.ArgHexBufOut:
		if !c.succeeded() {
			return pointer(v)
		}
		enc := quote
		if arg.Kind == linux.ArgHexBufOut {
			enc = quoteHex
		}
		return c.buffer(v, uint64(c.ret), limit, enc)
	case linux.ArgOctal:
		return linux.FormatOctal(v & 0xffffffff)
	case linux.ArgMode:
		return linux.FormatMode(v & 0xffffffff)
	case linux.ArgCloneFlags:
		return linux.FormatCloneFlags(v)
	case linux.ArgMmapProt, linux.ArgMmapFlags:
		return linux.FormatFlags(arg.Kind.FlagSet(), v)
	case linux.ArgIoctlReq:
		return linux.FormatIoctlReq(v)
	case linux.ArgFutexOp:
		return linux.FormatFutexOp(v & 0xffffffff)
	case linux.ArgSignal:
		return linux.SignalName(int(int32(v)))
	case linux.ArgSockProto:
		domain, _ := c.related(arg)
		return sockProto(domain, v)
	case linux.ArgSockOpt:
		level, _ := c.related(arg)
		return linux.FormatSockOpt(level&0xffffffff, v&0xffffffff)
	case linux.ArgSockaddr:
		n, _ := c.related(arg)
		return c.sockaddr(v, n)
	case linux.ArgSigsetIn:
		return c.sigset(v)
	case linux.ArgSigsetOut:
		if !c.succeeded() {
			return pointer(v)
		}
		return c.sigset(v)
	case linux.ArgSigactionIn:
		return c.sigaction(v)
	case linux.ArgSigactionOut:
		if !c.succeeded() {
			return pointer(v)
		}
		return c.sigaction(v)
	case linux.ArgTimespec:
		return c.timespec(v)
	case linux.ArgEpollEvent:
		return c.epollEvent(v)
	case linux.ArgIovecIn:
		n, _ := c.related(arg)
		return c.iovec(v, n, -1)
	case linux.ArgIovecOut:
		n, _ := c.related(arg)
		if !c.succeeded() {
			return pointer(v)
		}
		return c.iovec(v, n, c.ret)
	case linux.ArgPollFds:
		n, _ := c.related(arg)
		return c.pollFds(v, n)
	case linux.ArgFdPair:
		if !c.succeeded() {
			return pointer(v)
		}
		return c.fdPair(v)
	case linux.ArgStrArray:
		return c.stringArray(v)
	case linux.ArgEnvArray:
		return c.envArray(v)
	}
	if s, ok := c.outputValue(arg, v); ok {
		return s
	}
	if set := arg.Kind.FlagSet(); set != nil {
		return linux.FormatFlags(set, v&0xffffffff)
	}
	if enum := arg.Kind.Enum(); enum != nil {
		return formatEnum(arg.Kind, enum, v)
	}
	return hex(v)
}

// formatEnum prints a named value, or hex with strace's "/* X_??? */"
// comment. Enumerated arguments are C ints: a negative value is looked up
// sign-extended (RUSAGE_CHILDREN is -1).
func formatEnum(kind linux.ArgKind, enum linux.Enum, v uint64) string {
	if name, ok := enum.Lookup(v); ok {
		return name
	}
	if name, ok := enum.Lookup(uint64(int64(int32(v)))); ok {
		return name
	}
	if name, ok := enum.Lookup(v & 0xffffffff); ok {
		return name
	}
	s := hex(v & 0xffffffff)
	if prefix := kind.UnknownPrefix(); prefix != "" {
		s += " /* " + prefix + "_??? */"
	}
	return s
}

func sockProto(domain, v uint64) string {
	switch domain & 0xffffffff {
	case unix.AF_INET, unix.AF_INET6:
		if name, ok := linux.IPProto().Lookup(v & 0xffffffff); ok {
			return name
		}
	}
	return strconv.FormatInt(int64(int32(v)), 10)
}

// cString prints a NUL-terminated string, NULL, or the pointer when the
// memory cannot be read.
func (c *call) cString(addr uint64, limit int) string {
	if addr == 0 {
		return "NULL"
	}
	s, truncated, ok := readCString(c.mem, addr, limit)
	if !ok {
		return pointer(addr)
	}
	return quote(s, truncated)
}

// buffer prints the first limit bytes of an n-byte buffer.
func (c *call) buffer(addr, n uint64, limit int, enc func([]byte, bool) string) string {
	if addr == 0 {
		return "NULL"
	}
	show := n
	truncated := false
	if show > uint64(limit) {
		show = uint64(limit)
		truncated = true
	}
	b, ok := readBytes(c.mem, addr, int(show))
	if !ok {
		return pointer(addr)
	}
	return enc(b, truncated)
}

// fcntlArg prints fcntl's third argument according to the command: flags
// for F_SETFD/F_SETFL, nothing for the F_GET* commands, a number or a
// pointer otherwise.
func (c *call) fcntlArg(arg linux.Arg, v uint64) (string, bool) {
	cmd, _ := c.related(arg)
	switch cmd {
	case unix.F_GETFD, unix.F_GETFL, unix.F_GETOWN, unix.F_GETSIG, unix.F_GETLEASE,
		unix.F_GETPIPE_SZ, unix.F_GET_SEALS:
		return "", false
	case unix.F_SETFD:
		return linux.FormatFlags(linux.FdFlags, v&0xffffffff), true
	case unix.F_SETFL:
		return linux.FormatFlags(linux.OpenFlags, v&0xffffffff), true
	case unix.F_DUPFD, unix.F_DUPFD_CLOEXEC, unix.F_SETOWN, unix.F_SETPIPE_SZ,
		unix.F_SETLEASE, unix.F_NOTIFY, unix.F_ADD_SEALS:
		return strconv.FormatInt(int64(int32(v)), 10), true
	case unix.F_SETSIG:
		return linux.SignalName(int(int32(v))), true
	case unix.F_GETLK, unix.F_SETLK, unix.F_SETLKW, unix.F_OFD_GETLK, unix.F_OFD_SETLK,
		unix.F_OFD_SETLKW, unix.F_GETOWN_EX, unix.F_SETOWN_EX:
		return pointer(v), true
	}
	return hex(v), true
}
