package linux

import "sync"

// ArgKind says how a tracer decodes and prints one syscall argument.
type ArgKind int

// Argument kinds. Kinds whose comment names a table are printed with that
// table (see ArgKind.FlagSet and ArgKind.Enum); "LenArg" refers to
// Arg.LenArg.
const (
	ArgUnknown             ArgKind = iota // raw value in hex
	ArgInt                                // C int: low 32 bits, signed decimal
	ArgLong                               // C long / off_t: signed decimal
	ArgUint                               // size_t / unsigned long: unsigned decimal
	ArgUint32                             // unsigned int: low 32 bits, unsigned decimal
	ArgHex                                // hex, "0" for zero
	ArgPtr                                // address: "NULL" or hex
	ArgFd                                 // file descriptor (int)
	ArgDirFd                              // directory fd: "AT_FDCWD" or an fd
	ArgPath                               // NUL-terminated string read before the call
	ArgPathOut                            // NUL-terminated string written by a successful call (getcwd)
	ArgStrBufIn                           // buffer of LenArg bytes read before the call
	ArgStrBufOut                          // buffer filled by the call; its length is the return value
	ArgHexBufOut                          // as ArgStrBufOut, every byte as \xNN (getrandom)
	ArgOctal                              // permission bits in octal ("0644")
	ArgMode                               // full mode: "S_IFREG|0644"
	ArgOpenMode                           // octal mode, shown only when flags (LenArg) has O_CREAT or O_TMPFILE
	ArgOpenFlags                          // OpenFlags
	ArgAtFlags                            // AtFlags
	ArgStatxFlags                         // StatxAtFlags
	ArgStatxMask                          // StatxMask
	ArgAccessMode                         // AccessMode
	ArgMmapProt                           // MmapProt
	ArgMmapFlags                          // MmapFlags
	ArgMremapFlags                        // MremapFlags
	ArgMsyncFlags                         // MsyncFlags
	ArgMadvAdvice                         // MadvAdvice()
	ArgMlockallFlags                      // MlockallFlags
	ArgMemfdFlags                         // MemfdFlags
	ArgCloneFlags                         // CloneFlags plus the exit signal (FormatCloneFlags)
	ArgFcntlCmd                           // FcntlCmd()
	ArgFcntlArg                           // fcntl's third argument, decoded by the command in LenArg
	ArgFlockOp                            // FlockOp
	ArgIoctlReq                           // IoctlReq() (FormatIoctlReq)
	ArgPrctlOpt                           // PrctlOption()
	ArgArchPrctlCode                      // ArchPrctlCode()
	ArgFutexOp                            // futex op (FormatFutexOp)
	ArgSockDomain                         // SockDomain()
	ArgSockType                           // SockType
	ArgSockProto                          // protocol: IPProto() when the domain (LenArg) is AF_INET/AF_INET6
	ArgSockFlags                          // SockFlags
	ArgSockLevel                          // SockLevel()
	ArgSockOpt                            // option name in the table of the level in LenArg
	ArgSockaddr                           // struct sockaddr of LenArg bytes, read before the call
	ArgMsgFlags                           // MsgFlags
	ArgShutdownHow                        // ShutdownHow()
	ArgSigHow                             // SigHow()
	ArgSignal                             // signal number (SignalName)
	ArgSigsetIn                           // sigset_t read before the call: "[INT TERM]"
	ArgSigsetOut                          // sigset_t written by the call
	ArgSigactionIn                        // struct sigaction read before the call
	ArgSigactionOut                       // struct sigaction written by the call
	ArgSaFlags                            // SaFlags
	ArgClockID                            // ClockID()
	ArgTimerFlags                         // TimerFlags
	ArgTimespec                           // struct timespec read before the call
	ArgWhence                             // Whence()
	ArgRlimit                             // Rlimit()
	ArgRusageWho                          // RusageWho()
	ArgWaitOptions                        // WaitOptions
	ArgGrndFlags                          // GrndFlags
	ArgEpollCtlOp                         // EpollCtlOp()
	ArgEpollEvent                         // struct epoll_event read before the call
	ArgEpollCreateFlags                   // EpollCreateFlags
	ArgEventfdFlags                       // EventfdFlags
	ArgFdFlags                            // FdFlagsOpen (pipe2, dup3, inotify_init1)
	ArgTimerfdFlags                       // TimerfdFlags
	ArgTimerfdSettimeFlags                // TimerfdSettimeFlags
	ArgSignalfdFlags                      // SignalfdFlags
	ArgCloseRangeFlags                    // CloseRangeFlags
	ArgRenameFlags                        // RenameFlags
	ArgFallocMode                         // FallocateMode
	ArgItimerWhich                        // ItimerWhich()
	ArgIovecIn                            // struct iovec[LenArg], buffers read before the call
	ArgIovecOut                           // struct iovec[LenArg], buffers filled by the call (return = bytes)
	ArgFdPair                             // int[2] written by the call (pipe, socketpair)
	ArgStrArray                           // NULL-terminated array of strings (execve argv)
	ArgEnvArray                           // NULL-terminated array of strings, summarised (execve envp)
	ArgHidden                             // passed in a register but not printed (high half of preadv's offset)
	ArgPollFds                            // struct pollfd[LenArg] read before the call
	ArgStatOut                            // struct stat written by the call: "{st_mode=S_IFREG|0644, st_size=1, ...}"
	ArgStatxOut                           // struct statx written by the call
	ArgRlimitIn                           // struct rlimit read before the call
	ArgRlimitOut                          // struct rlimit written by the call
	ArgWaitStatus                         // int wait status written by the call: "[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]"
	ArgDirents                            // directory entries written by the call: "0x... /* 28 entries */"
	ArgSockaddrOut                        // struct sockaddr written by the call, its length at the socklen_t* in LenArg
	ArgSocklenOut                         // socklen_t* written by the call: "[16]"
	ArgUtsnameOut                         // struct utsname written by the call
	ArgTimespecOut                        // struct timespec written by the call
	ArgAccessAtFlags                      // AccessAtFlags (faccessat2: 0x200 is AT_EACCESS there)

	numArgKinds
)

var argKindNames = [numArgKinds]string{
	"Unknown", "Int", "Long", "Uint", "Uint32", "Hex", "Ptr", "Fd", "DirFd", "Path",
	"PathOut", "StrBufIn", "StrBufOut", "HexBufOut", "Octal", "Mode", "OpenMode",
	"OpenFlags", "AtFlags", "StatxFlags", "StatxMask", "AccessMode", "MmapProt",
	"MmapFlags", "MremapFlags", "MsyncFlags", "MadvAdvice()", "MlockallFlags",
	"MemfdFlags", "CloneFlags", "FcntlCmd()", "FcntlArg", "FlockOp", "IoctlReq()",
	"PrctlOpt", "ArchPrctlCode()", "FutexOp", "SockDomain()", "SockType", "SockProto",
	"SockFlags", "SockLevel()", "SockOpt", "Sockaddr", "MsgFlags", "ShutdownHow()",
	"SigHow()", "Signal", "SigsetIn", "SigsetOut", "SigactionIn", "SigactionOut",
	"SaFlags", "ClockID()", "TimerFlags", "Timespec", "Whence()", "Rlimit()", "RusageWho()",
	"WaitOptions", "GrndFlags", "EpollCtlOp()", "EpollEvent", "EpollCreateFlags",
	"EventfdFlags", "FdFlags", "TimerfdFlags", "TimerfdSettimeFlags", "SignalfdFlags",
	"CloseRangeFlags", "RenameFlags", "FallocMode", "ItimerWhich()", "IovecIn",
	"IovecOut", "FdPair", "StrArray", "EnvArray", "Hidden", "PollFds",
	"StatOut", "StatxOut", "RlimitIn", "RlimitOut", "WaitStatus", "Dirents", "SockaddrOut",
	"SocklenOut", "UtsnameOut", "TimespecOut", "AccessAtFlags",
}

// String returns the kind's name without the Arg prefix ("OpenFlags").
func (k ArgKind) String() string {
	if k >= 0 && k < numArgKinds {
		return argKindNames[k]
	}
	return "ArgKind(" + formatDecimal(uint64(k)) + ")"
}

// IsOutput reports whether the argument is written by the syscall, so that
// a tracer can only decode it once the call has returned successfully.
func (k ArgKind) IsOutput() bool {
	switch k {
	case ArgPathOut, ArgStrBufOut, ArgHexBufOut, ArgSigsetOut, ArgSigactionOut,
		ArgIovecOut, ArgFdPair, ArgStatOut, ArgStatxOut, ArgRlimitOut, ArgWaitStatus,
		ArgDirents, ArgSockaddrOut, ArgSocklenOut, ArgUtsnameOut, ArgTimespecOut:
		return true
	}
	return false
}

var kindFlagSets = sync.OnceValue(func() map[ArgKind]FlagSet {
	return map[ArgKind]FlagSet{
		ArgOpenFlags: OpenFlags, ArgAtFlags: AtFlags, ArgStatxFlags: StatxAtFlags, ArgAccessAtFlags: AccessAtFlags,
		ArgStatxMask: StatxMask, ArgAccessMode: AccessMode, ArgMmapProt: MmapProt,
		ArgMmapFlags: MmapFlags, ArgMremapFlags: MremapFlags, ArgMsyncFlags: MsyncFlags,
		ArgMlockallFlags: MlockallFlags, ArgMemfdFlags: MemfdFlags, ArgFlockOp: FlockOp,
		ArgSockType: SockType, ArgSockFlags: SockFlags, ArgMsgFlags: MsgFlags,
		ArgSaFlags: SaFlags, ArgTimerFlags: TimerFlags, ArgWaitOptions: WaitOptions,
		ArgGrndFlags: GrndFlags, ArgEpollCreateFlags: EpollCreateFlags,
		ArgEventfdFlags: EventfdFlags, ArgFdFlags: FdFlagsOpen, ArgTimerfdFlags: TimerfdFlags,
		ArgTimerfdSettimeFlags: TimerfdSettimeFlags, ArgSignalfdFlags: SignalfdFlags,
		ArgCloseRangeFlags: CloseRangeFlags, ArgRenameFlags: RenameFlags,
		ArgFallocMode: FallocateMode,
	}
})

var kindEnums = sync.OnceValue(func() map[ArgKind]Enum {
	return map[ArgKind]Enum{
		ArgMadvAdvice: MadvAdvice(), ArgFcntlCmd: FcntlCmd(), ArgIoctlReq: IoctlReq(),
		ArgPrctlOpt: PrctlOption(), ArgArchPrctlCode: ArchPrctlCode(), ArgSockDomain: SockDomain(),
		ArgSockLevel: SockLevel(), ArgShutdownHow: ShutdownHow(), ArgSigHow: SigHow(),
		ArgClockID: ClockID(), ArgWhence: Whence(), ArgRlimit: Rlimit(), ArgRusageWho: RusageWho(),
		ArgEpollCtlOp: EpollCtlOp(), ArgItimerWhich: ItimerWhich(),
	}
})

// FlagSet returns the flag table a flags kind is printed with, or nil.
func (k ArgKind) FlagSet() FlagSet { return kindFlagSets()[k] }

// Enum returns the enum table an enumerated kind is printed with, or nil.
func (k ArgKind) Enum() Enum { return kindEnums()[k] }

// enumUnknownPrefix is what strace writes in the "/* PREFIX_??? */"
// comment after an enumerated value it cannot name.
var enumUnknownPrefix = sync.OnceValue(func() map[ArgKind]string {
	return map[ArgKind]string{
		ArgMadvAdvice: "MADV", ArgFcntlCmd: "F", ArgPrctlOpt: "PR", ArgArchPrctlCode: "ARCH",
		ArgSockDomain: "AF", ArgSockLevel: "SOL", ArgShutdownHow: "SHUT", ArgSigHow: "SIG",
		ArgClockID: "CLOCK", ArgWhence: "SEEK", ArgRlimit: "RLIMIT", ArgRusageWho: "RUSAGE",
		ArgEpollCtlOp: "EPOLL_CTL", ArgItimerWhich: "ITIMER", ArgFutexOp: "FUTEX",
		ArgSockOpt: "SO", ArgSockProto: "IPPROTO",
	}
})

// UnknownPrefix returns the constant prefix of an enumerated kind ("ARCH"
// for ArgArchPrctlCode), for the "/* ARCH_??? */" comment strace prints
// after values it cannot name; "" for other kinds.
func (k ArgKind) UnknownPrefix() string { return enumUnknownPrefix()[k] }

// RetKind says how a tracer prints a successful return value.
type RetKind int

// Return kinds.
const (
	RetInt   RetKind = iota // signed decimal
	RetHex                  // address (mmap, brk, mremap, shmat)
	RetOctal                // permission bits (umask)
	RetNone                 // the call does not return (exit, exit_group): "= ?"
)

// Arg describes one syscall argument.
type Arg struct {
	Name string
	Kind ArgKind
	// LenArg is the index of the argument this one depends on: the length
	// of a buffer, the count of an iovec array, the flags that decide
	// whether open's mode is shown, the level of a socket option, the
	// domain of a socket protocol, the command of fcntl's argument. -1 when
	// there is none.
	LenArg int
}

// Signature describes a syscall's arguments for tracing.
type Signature struct {
	Name string
	Args []Arg
	Ret  RetKind
	// Generic is true when the package knows nothing about the arguments
	// and Args is six ArgUnknown placeholders.
	Generic bool
}
