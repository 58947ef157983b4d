package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"unicode"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ErrNoSeccomp means the host kernel has no seccomp.
var ErrNoSeccomp = errors.New("seccomp is not available on this host kernel")

// TextRange is a range [Start, End) of elfloader's own executable code:
// its program and the shared libraries it was started with.
type TextRange struct{ Start, End uint64 }

// HostFilter is the seccomp filter elfloader puts on itself.
//
// A call on the allow list (hostcalls.go) goes through, one on the
// own-code list only from elfloader's text; clone with
// namespace flags and the ioctls that reach the host's terminal trap. Any
// other call is refused: from elfloader's own code with EPERM (ENOSYS for clone3, so
// glibc falls back to clone), from anywhere else with SECCOMP_RET_TRAP.
// A trap is what the stubs' own filters answer for app code too, so the
// filter changes nothing in the stubs and the fork children that inherit
// it; on the in-process platform the trap reaches the platform's SIGSYS
// handler, which answers app code that escaped Syscall User Dispatch with
// EPERM, or kills it for the dangerous calls (KillsEscapedCall).
// Calls of another ABI (int $0x80, x32) trap too.
type HostFilter struct {
	Text  []TextRange
	insns []unix.SockFilter
}

// NewHostFilter builds the filter; text is elfloader's own code.
func NewHostFilter(text []TextRange) (*HostFilter, error) {
	insns, err := buildFilter(text)
	if err != nil {
		return nil, err
	}
	return &HostFilter{Text: text, insns: insns}, nil
}

// Instructions is the length of the BPF program.
func (f *HostFilter) Instructions() int { return len(f.insns) }

// AllowedCalls is the number of host system calls the filter lets through.
func (f *HostFilter) AllowedCalls() int { return len(allowedCalls) + 2 }

// Install puts the filter on every thread of elfloader (TSYNC); threads
// and processes started later inherit it. It sets no_new_privs, which
// a filter needs without CAP_SYS_ADMIN.
func (f *HostFilter) Install() error {
	// no_new_privs is the calling thread's: both calls from the same one.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("PR_SET_NO_NEW_PRIVS: %w", err)
	}
	prog := unix.SockFprog{Len: uint16(len(f.insns)), Filter: &f.insns[0]}
	r, _, e := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC,
		uintptr(unsafe.Pointer(&prog)))
	if e == unix.ENOSYS {
		return ErrNoSeccomp
	}
	if e != 0 {
		return fmt.Errorf("seccomp(SECCOMP_SET_MODE_FILTER, TSYNC): %w", e)
	}
	if r != 0 {
		return fmt.Errorf("seccomp: thread %d could not take the filter", r)
	}
	return nil
}

// OwnText picks elfloader's executable file mappings out of a listing of
// /proc/self/maps: its program, and the dynamic loader and the C libraries
// when it has them. Read the listing before any app code is mapped.
func OwnText(maps []byte) ([]TextRange, error) {
	return parseText(maps)
}

// parseText picks the executable mappings of files out of a maps listing.
// It allocates nothing for the lines it leaves out: at start-up every
// fresh heap page is a page fault.
func parseText(maps []byte) ([]TextRange, error) {
	var out []TextRange
	for line := range bytes.SplitSeq(maps, []byte("\n")) {
		// The first six fields: range, perms, offset, dev, inode, path.
		var fields [6][]byte
		n := 0
		for rest := line; n < len(fields); n++ {
			rest = bytes.TrimLeftFunc(rest, unicode.IsSpace)
			if len(rest) == 0 {
				break
			}
			i := bytes.IndexFunc(rest, unicode.IsSpace)
			if i < 0 {
				i = len(rest)
			}
			fields[n], rest = rest[:i], rest[i:]
		}
		if n < 6 || fields[5][0] != '/' || len(fields[1]) < 3 || fields[1][2] != 'x' {
			continue
		}
		lo, hi, ok := bytes.Cut(fields[0], []byte("-"))
		if !ok {
			return nil, fmt.Errorf("maps: bad range %q", fields[0])
		}
		start, err1 := strconv.ParseUint(string(lo), 16, 64)
		end, err2 := strconv.ParseUint(string(hi), 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			return nil, fmt.Errorf("maps: bad range %q", fields[0])
		}
		out = append(out, TextRange{start, end})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("maps: no executable file mapping")
	}
	return out, nil
}

// splitAt4G cuts ranges at 4 GiB boundaries, so that each piece is
// checked with the instruction pointer's high word equal to one value.
func splitAt4G(text []TextRange) []TextRange {
	var out []TextRange
	for _, r := range text {
		for r.Start < r.End {
			end := min(r.End, (r.Start>>32+1)<<32)
			if end == 0 { // the last 4 GiB of the address space
				end = r.End
			}
			out = append(out, TextRange{r.Start, end})
			r.Start = end
		}
	}
	return out
}

// x32Bit marks the numbers of the x32 ABI.
const x32Bit = 0x40000000

// filterSizeHint is room for the host filter's program: about 300
// instructions with a few own-code ranges.
const filterSizeHint = 384

// callNumbers lists the calls' numbers.
func callNumbers(calls []hostCall) []uint32 {
	nrs := make([]uint32, len(calls))
	for i, c := range calls {
		nrs[i] = uint32(c.nr)
	}
	return nrs
}

func buildFilter(text []TextRange) ([]unix.SockFilter, error) {
	p := newProgram(filterSizeHint)
	// Another ABI (int $0x80 is i386, x32 numbers have bit 30): elfloader
	// makes no such call, so it is app code's and traps.
	x86_64, native := p.newLabel(), p.newLabel()
	p.load(offArch)
	p.jmp(unix.BPF_JEQ, unix.AUDIT_ARCH_X86_64, x86_64, next)
	p.ret(unix.SECCOMP_RET_TRAP)
	p.place(x86_64)
	p.load(offNr)
	p.jmp(unix.BPF_JSET, x32Bit, next, native)
	p.ret(unix.SECCOMP_RET_TRAP)
	p.place(native)
	// ioctl and clone first: the host caches the verdict of calls allowed
	// whatever their arguments and runs the program only for the others.
	// Elfloader never makes the refused forms, so they trap at once.
	notIoctl, ioctlTrap := p.newLabel(), p.newLabel()
	p.jmp(unix.BPF_JEQ, unix.SYS_IOCTL, next, notIoctl)
	p.load(argLo(1))
	for _, req := range refusedIoctls {
		p.jmp(unix.BPF_JEQ, req, ioctlTrap, next)
	}
	p.ret(unix.SECCOMP_RET_ALLOW)
	p.place(ioctlTrap)
	p.ret(unix.SECCOMP_RET_TRAP)
	p.place(notIoctl)
	// clone without namespace flags.
	notClone, cloneAllow := p.newLabel(), p.newLabel()
	p.jmp(unix.BPF_JEQ, unix.SYS_CLONE, next, notClone)
	p.load(argLo(0))
	p.jmp(unix.BPF_JSET, cloneNamespaces, next, cloneAllow)
	p.ret(unix.SECCOMP_RET_TRAP)
	p.place(cloneAllow)
	p.ret(unix.SECCOMP_RET_ALLOW)
	p.place(notClone)
	p.load(offNr)
	refused := p.newLabel()
	p.retIfMember(callNumbers(allowedCalls), unix.SECCOMP_RET_ALLOW, refused)
	p.place(refused)
	// Refused: from elfloader's own code an error, from elsewhere a trap.
	own := p.newLabel()
	for _, r := range splitAt4G(text) {
		notIn := p.newLabel()
		p.load(offIPHi)
		p.jmp(unix.BPF_JEQ, uint32(r.Start>>32), next, notIn)
		p.load(offIPLo)
		p.jmp(unix.BPF_JGE, uint32(r.Start), next, notIn)
		p.jmp(unix.BPF_JGT, uint32(r.End-1), notIn, own)
		p.place(notIn)
	}
	p.ret(unix.SECCOMP_RET_TRAP)
	p.place(own)
	p.load(offNr)
	notClone3 := p.newLabel()
	p.jmp(unix.BPF_JEQ, unix.SYS_CLONE3, next, notClone3)
	p.ret(unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS))
	p.place(notClone3)
	notOwn := p.newLabel()
	p.retIfMember(callNumbers(ownCodeCalls), unix.SECCOMP_RET_ALLOW, notOwn)
	p.place(notOwn)
	p.ret(unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM))
	return p.finish()
}
