package elfloader

import (
	"encoding/binary"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

const (
	// maxArgStrLen is Linux's MAX_ARG_STRLEN: one argv or envp string,
	// including its NUL, may be at most 32 pages.
	maxArgStrLen = 32 * PageSize
	// DefaultMaxStackImage bounds the initial stack image when
	// StackParams.MaxSize is 0: a quarter of the default 8 MiB stack rlimit,
	// the limit Linux puts on argv+envp.
	DefaultMaxStackImage = 2 << 20
)

// StackParams is what the initial process stack is built from.
type StackParams struct {
	Top           uint64   // address just past the end of the stack mapping, 16-byte aligned
	Argv, Envp    []string // must not contain NUL bytes
	ExecFn        string   // AT_EXECFN string: the path given to execve
	Platform      string   // AT_PLATFORM string, "x86_64"; "" omits AT_PLATFORM
	Random        [16]byte // AT_RANDOM bytes; fill from crypto/rand
	HWCap, HWCap2 uint64
	UID, EUID     uint64
	GID, EGID     uint64
	Secure        bool
	ClkTck        uint64     // AT_CLKTCK; 0 means 100
	PageSize      uint64     // AT_PAGESZ; 0 means 4096
	SysinfoEHDR   uint64     // AT_SYSINFO_EHDR (vDSO address); 0 omits it
	MinSigStkSz   uint64     // AT_MINSIGSTKSZ; 0 omits it
	Extra         []AuxEntry // appended before AT_NULL (e.g. AT_RSEQ_FEATURE_SIZE)
	MaxSize       uint64     // E2BIG above this image size; 0 means DefaultMaxStackImage
}

// BuildStack lays out the initial process stack as Linux's
// create_elf_tables does. From the top down: an 8-byte zero word, the
// AT_EXECFN string, the envp strings, the argv strings (argv[0] lowest),
// alignment to 16 bytes, the AT_PLATFORM string, the 16 AT_RANDOM bytes,
// padding, then upwards from the final SP: argc, argv pointers, NULL, envp
// pointers, NULL and the auxiliary vector ending with AT_NULL. The final SP
// is 16-byte aligned, as the x86-64 ABI requires at process entry.
//
// It returns the bytes to copy so that they end at Top, the initial SP
// (Top - len(image)) and the auxiliary vector it wrote. AT_PHDR and
// AT_ENTRY use the executable's bias; AT_BASE is the interpreter's bias, 0
// without an interpreter.
func (p *Plan) BuildStack(sp StackParams) (image []byte, initialSP uint64, auxv []AuxEntry, err error) {
	if sp.Top == 0 || sp.Top%16 != 0 {
		return nil, 0, nil, fmt.Errorf("elfloader: stack top 0x%x is not a non-zero multiple of 16: %w", sp.Top, unix.EINVAL)
	}
	for _, list := range []struct {
		name string
		strs []string
	}{{"argv", sp.Argv}, {"envp", sp.Envp}, {"execfn", []string{sp.ExecFn}}, {"platform", []string{sp.Platform}}} {
		for i, s := range list.strs {
			if strings.IndexByte(s, 0) >= 0 {
				return nil, 0, nil, fmt.Errorf("elfloader: %s[%d] contains a NUL byte: %w", list.name, i, unix.EINVAL)
			}
			if len(s)+1 > maxArgStrLen {
				return nil, 0, nil, fmt.Errorf("elfloader: %s[%d] is %d bytes, longer than %d: %w",
					list.name, i, len(s), maxArgStrLen-1, unix.E2BIG)
			}
		}
	}
	maxSize := sp.MaxSize
	if maxSize == 0 {
		maxSize = DefaultMaxStackImage
	}
	// The string area alone must fit before any address arithmetic.
	strBytes := uint64(8 + len(sp.ExecFn) + 1 + len(sp.Platform) + 1 + 16 + 16)
	for _, s := range sp.Argv {
		strBytes += uint64(len(s)) + 1
	}
	for _, s := range sp.Envp {
		strBytes += uint64(len(s)) + 1
	}
	if strBytes > maxSize || strBytes > sp.Top {
		return nil, 0, nil, fmt.Errorf("elfloader: argument and environment strings need %d bytes, more than the %d allowed: %w",
			strBytes, min(maxSize, sp.Top), unix.E2BIG)
	}

	l := newStackLayout(sp.Top)
	l.alloc(8) // the zero word Linux leaves at the very top
	execFnAddr := l.pushString(sp.ExecFn)
	envAddrs := l.pushStrings(sp.Envp)
	argAddrs := l.pushStrings(sp.Argv)
	l.pos &^= 15
	var platformAddr uint64
	if sp.Platform != "" {
		platformAddr = l.pushString(sp.Platform)
	}
	randomAddr := l.alloc(16)
	copy(l.at(randomAddr, 16), sp.Random[:])

	auxv = p.auxVector(sp, execFnAddr, platformAddr, randomAddr)
	words := uint64(1+len(argAddrs)+1+len(envAddrs)+1) + 2*uint64(len(auxv))
	if words*8 > l.pos {
		return nil, 0, nil, fmt.Errorf("elfloader: initial stack does not fit below 0x%x: %w", sp.Top, unix.E2BIG)
	}
	initialSP = (l.pos - words*8) &^ 15
	if sp.Top-initialSP > maxSize {
		return nil, 0, nil, fmt.Errorf("elfloader: initial stack needs %d bytes, more than the %d allowed: %w",
			sp.Top-initialSP, maxSize, unix.E2BIG)
	}
	l.pos = initialSP
	l.grow()

	w := l.at(initialSP, words*8)
	le := binary.LittleEndian
	i := 0
	put := func(v uint64) { le.PutUint64(w[i*8:], v); i++ }
	put(uint64(len(argAddrs)))
	for _, a := range argAddrs {
		put(a)
	}
	put(0)
	for _, a := range envAddrs {
		put(a)
	}
	put(0)
	for _, a := range auxv {
		put(a.Type)
		put(a.Value)
	}
	return l.buf, initialSP, auxv, nil
}

// auxVector returns the auxiliary vector in the order Linux writes it.
func (p *Plan) auxVector(sp StackParams, execFn, platform, random uint64) []AuxEntry {
	pageSize, clkTck := sp.PageSize, sp.ClkTck
	if pageSize == 0 {
		pageSize = PageSize
	}
	if clkTck == 0 {
		clkTck = 100
	}
	var secure uint64
	if sp.Secure {
		secure = 1
	}
	var av []AuxEntry
	add := func(t, v uint64) { av = append(av, AuxEntry{t, v}) }
	if sp.SysinfoEHDR != 0 {
		add(AT_SYSINFO_EHDR, sp.SysinfoEHDR)
	}
	if sp.MinSigStkSz != 0 {
		add(AT_MINSIGSTKSZ, sp.MinSigStkSz)
	}
	add(AT_HWCAP, sp.HWCap)
	add(AT_PAGESZ, pageSize)
	add(AT_CLKTCK, clkTck)
	add(AT_PHDR, p.PhdrAddr())
	add(AT_PHENT, p.Exec.Phent)
	add(AT_PHNUM, p.Exec.Phnum)
	add(AT_BASE, p.InterpBias)
	add(AT_FLAGS, 0)
	add(AT_ENTRY, p.Exec.Entry+p.ExecBias)
	add(AT_UID, sp.UID)
	add(AT_EUID, sp.EUID)
	add(AT_GID, sp.GID)
	add(AT_EGID, sp.EGID)
	add(AT_SECURE, secure)
	add(AT_RANDOM, random)
	add(AT_HWCAP2, sp.HWCap2)
	add(AT_EXECFN, execFn)
	if platform != 0 {
		add(AT_PLATFORM, platform)
	}
	av = append(av, sp.Extra...)
	add(AT_NULL, 0)
	return av
}

// stackLayout builds the stack image downwards from top. buf always holds
// the bytes [pos, top).
type stackLayout struct {
	top, pos uint64
	buf      []byte
}

func newStackLayout(top uint64) *stackLayout { return &stackLayout{top: top, pos: top} }

// grow extends buf downwards to cover pos.
func (l *stackLayout) grow() {
	if need := l.top - l.pos; need > uint64(len(l.buf)) {
		nb := make([]byte, need)
		copy(nb[need-uint64(len(l.buf)):], l.buf)
		l.buf = nb
	}
}

// alloc reserves n bytes below pos and returns their address.
func (l *stackLayout) alloc(n uint64) uint64 {
	l.pos -= n
	l.grow()
	return l.pos
}

// at returns the image bytes for [addr, addr+n).
func (l *stackLayout) at(addr, n uint64) []byte {
	off := addr - (l.top - uint64(len(l.buf)))
	return l.buf[off : off+n]
}

func (l *stackLayout) pushString(s string) uint64 {
	a := l.alloc(uint64(len(s)) + 1)
	copy(l.at(a, uint64(len(s))), s)
	return a
}

// pushStrings places strs as one block with strs[0] lowest, like Linux's
// copy_strings, and returns their addresses.
func (l *stackLayout) pushStrings(strs []string) []uint64 {
	total := uint64(0)
	for _, s := range strs {
		total += uint64(len(s)) + 1
	}
	a := l.alloc(total)
	addrs := make([]uint64, len(strs))
	for i, s := range strs {
		addrs[i] = a
		copy(l.at(a, uint64(len(s))), s)
		a += uint64(len(s)) + 1
	}
	return addrs
}
