package procfs

import (
	"encoding/binary"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

const (
	pageSize = 4096
	// clockTicks is USER_HZ, the unit of /proc/PID/stat's times.
	clockTicks = 100
	// mapsPathColumn is where /proc/PID/maps starts a path: Linux pads the
	// header to 25 + 6*sizeof(void *) - 1 columns, then adds a space.
	mapsPathColumn = 25 + 6*8 - 1
	// fullCaps is the capability mask of root with CAP_LAST_CAP = 40.
	fullCaps = 1<<41 - 1
	// sigQueueLimit is RLIMIT_SIGPENDING as status's SigQ shows it.
	sigQueueLimit = 63396
)

// auxvBytes is /proc/PID/auxv: native-endian 64-bit (type, value) pairs
// ending with AT_NULL.
func auxvBytes(pairs []uint64) []byte {
	pairs = pairs[:len(pairs)&^1]
	if n := len(pairs); n == 0 || pairs[n-2] != 0 {
		pairs = append(pairs[:n:n], 0, 0)
	}
	b := make([]byte, 0, 8*len(pairs))
	for _, v := range pairs {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	return b
}

// mapsLine formats one /proc/PID/maps line as Linux's show_map_vma does.
func mapsLine(m Mapping) string {
	perm := func(bit int, c byte) byte {
		if m.Prot&bit != 0 {
			return c
		}
		return '-'
	}
	share := byte('p')
	if m.Shared {
		share = 's'
	}
	line := fmt.Sprintf("%08x-%08x %c%c%c%c %08x %02x:%02x %d ", m.Start, m.End,
		perm(unix.PROT_READ, 'r'), perm(unix.PROT_WRITE, 'w'), perm(unix.PROT_EXEC, 'x'), share,
		m.Offset, unix.Major(m.Dev), unix.Minor(m.Dev), m.Inode)
	if m.Path == "" {
		return line + "\n"
	}
	if pad := mapsPathColumn - len(line); pad > 0 {
		line += strings.Repeat(" ", pad)
	}
	return line + " " + strings.ReplaceAll(m.Path, "\n", "\\012") + "\n"
}

// mapsText is /proc/PID/maps.
func mapsText(maps []Mapping) []byte {
	var b strings.Builder
	for _, m := range maps {
		b.WriteString(mapsLine(m))
	}
	return []byte(b.String())
}

// memory is the breakdown of an address space that status and statm show.
type memory struct {
	size, rss                   uint64 // bytes
	exe, lib, stack, data       uint64 // bytes
	startCode, endCode          uint64
	startStack                  uint64
	startData, endData, brkBase uint64
}

// memoryOf summarises p's mappings: text of the executable, text of
// libraries, the stack and private writable data.
func memoryOf(p Process) memory {
	mem := memory{size: p.VMSize(), rss: p.RSS()}
	exe := p.ExePath()
	for _, m := range p.Maps() {
		length := m.End - m.Start
		switch {
		case m.Path == "[stack]":
			mem.stack += length
			mem.startStack = m.End
		case m.Prot&unix.PROT_EXEC != 0 && m.Path == exe && exe != "":
			mem.exe += length
			if mem.startCode == 0 {
				mem.startCode = m.Start
			}
			mem.endCode = m.End
		case m.Prot&unix.PROT_EXEC != 0 && m.Path != "":
			mem.lib += length
		case m.Prot&unix.PROT_WRITE != 0 && !m.Shared:
			mem.data += length
			if m.Path == exe && exe != "" && mem.startData == 0 {
				mem.startData, mem.endData = m.Start, m.End
			}
			if m.Path == "[heap]" {
				mem.brkBase = m.Start
			}
		}
	}
	return mem
}

// stateName is the word Linux prints after a state letter.
func stateName(state string) string {
	switch state {
	case "R":
		return "R (running)"
	case "S":
		return "S (sleeping)"
	case "D":
		return "D (disk sleep)"
	case "T":
		return "T (stopped)"
	case "t":
		return "t (tracing stop)"
	case "Z":
		return "Z (zombie)"
	case "X":
		return "X (dead)"
	case "I":
		return "I (idle)"
	}
	return "R (running)"
}

func stateLetter(state string) string {
	if state == "" {
		return "R"
	}
	return state[:1]
}

// cpuMask is a Cpus_allowed bitmap of n CPUs in Linux's "%*pb" format:
// hex digits in comma-separated groups of eight.
func cpuMask(n int) string {
	digits := (n + 3) / 4
	hex := make([]byte, digits)
	for i := range hex {
		bits := min(n-4*(digits-1-i), 4)
		hex[i] = "0137f"[bits]
	}
	var groups []string
	for end := len(hex); end > 0; end -= 8 {
		groups = append([]string{string(hex[max(end-8, 0):end])}, groups...)
	}
	return strings.Join(groups, ",")
}

func cpuList(n int) string {
	if n <= 1 {
		return "0"
	}
	return fmt.Sprintf("0-%d", n-1)
}

// fdTableSize is status's FDSize: the fd table grows from 64 slots by
// doubling.
func fdTableSize(p Process) int {
	highest := -1
	for _, fd := range p.FDs() {
		highest = max(highest, fd.FD)
	}
	size := 64
	for size <= highest {
		size *= 2
	}
	return size
}

func kB(bytes uint64) uint64 { return bytes / 1024 }

// statusText is /proc/PID/status (tid is the thread shown, the pid for
// the process itself), in Linux's field order.
func statusText(p Process, tid int) []byte {
	umask := uint32(0o022)
	var groups []uint32
	if c := p.FS(); c != nil {
		umask, groups = c.Umask, c.Groups
	}
	mem := memoryOf(p)
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	uid, gid := p.UID(), p.GID()
	w("Name:\t%s\n", escapeStatusName(commName(p.Comm())))
	w("Umask:\t%04o\n", umask&0o777)
	w("State:\t%s\n", stateName(stateLetter(p.State())))
	w("Tgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n", p.PID(), tid, p.PPID())
	uids, gids := [4]uint32{uid, uid, uid, uid}, [4]uint32{gid, gid, gid, gid}
	var caps uint64
	if uid == 0 {
		caps = fullCaps
	}
	capSets := [5]uint64{0, caps, caps, fullCaps, 0}
	if id, ok := p.(Identity); ok {
		uids, gids, capSets = id.UIDs(), id.GIDs(), id.Caps()
	}
	w("Uid:\t%d\t%d\t%d\t%d\n", uids[0], uids[1], uids[2], uids[3])
	w("Gid:\t%d\t%d\t%d\t%d\n", gids[0], gids[1], gids[2], gids[3])
	w("FDSize:\t%d\n", fdTableSize(p))
	b.WriteString("Groups:\t")
	for i, g := range groups {
		if i > 0 {
			b.WriteByte(' ')
		}
		w("%d", g)
	}
	b.WriteString(" \n")
	w("NStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n", p.PID(), tid, p.PID(), p.PID())
	vm := func(name string, bytes uint64) { w("%s:\t%8d kB\n", name, kB(bytes)) }
	vm("VmPeak", mem.size)
	vm("VmSize", mem.size)
	vm("VmLck", 0)
	vm("VmPin", 0)
	vm("VmHWM", mem.rss)
	vm("VmRSS", mem.rss)
	vm("RssAnon", mem.rss)
	vm("RssFile", 0)
	vm("RssShmem", 0)
	vm("VmData", mem.data)
	vm("VmStk", mem.stack)
	vm("VmExe", mem.exe)
	vm("VmLib", mem.lib)
	vm("VmPTE", 0)
	vm("VmSwap", 0)
	vm("HugetlbPages", 0)
	w("CoreDumping:\t0\nTHP_enabled:\t1\n")
	w("Threads:\t%d\n", max(p.Threads(), 1))
	w("SigQ:\t0/%d\n", sigQueueLimit)
	sigs := signalSets(p, tid)
	for i, name := range []string{"SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt"} {
		w("%s:\t%016x\n", name, sigs[i])
	}
	w("CapInh:\t%016x\nCapPrm:\t%016x\nCapEff:\t%016x\nCapBnd:\t%016x\nCapAmb:\t%016x\n", capSets[0], capSets[1], capSets[2], capSets[3], capSets[4])
	var nnp, mode, filters int
	if sc, ok := p.(SeccompStatus); ok {
		var on bool
		on, mode, filters = sc.SeccompStatus(tid)
		if on {
			nnp = 1
		}
	}
	w("NoNewPrivs:\t%d\nSeccomp:\t%d\nSeccomp_filters:\t%d\n", nnp, mode, filters)
	w("Speculation_Store_Bypass:\tthread vulnerable\nSpeculationIndirectBranch:\tconditional enabled\n")
	n := cpuCount()
	w("Cpus_allowed:\t%s\nCpus_allowed_list:\t%s\n", cpuMask(n), cpuList(n))
	w("Mems_allowed:\t00000001\nMems_allowed_list:\t0\n")
	w("voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n")
	return []byte(b.String())
}

// escapeStatusName escapes status's Name as Linux does (backslash and
// newline).
func escapeStatusName(s string) string {
	s = strings.ReplaceAll(s, "\\", "\\\\")
	return strings.ReplaceAll(s, "\n", "\\n")
}

// statSigMask is the part of a signal set /proc/PID/stat shows.
const statSigMask = 0x7fffffff

// signalSets are thread tid's signal sets as status shows them (zero when
// the provider does not report them).
func signalSets(p Process, tid int) [5]uint64 {
	if s, ok := p.(SignalSets); ok {
		return s.SignalSets(tid)
	}
	return [5]uint64{}
}

// statText is /proc/PID/stat (or task/TID/stat): 52 space-separated
// fields. Values the kernel does not track are 0.
func (fs *FS) statText(p Process, tid int) []byte {
	mem := memoryOf(p)
	start := p.StartTime().Sub(fs.prov.BootTime())
	startTicks := max(int64(start)*clockTicks/1e9, 0)
	pid := p.PID()
	pgrp, session := pid, pid
	sigs := signalSets(p, tid)
	if g, ok := p.(Groups); ok {
		pgrp, session = g.ProcessGroup(), g.Session()
	}
	fields := []any{
		tid,                            // 1 pid
		"(" + commName(p.Comm()) + ")", // 2 comm
		stateLetter(p.State()),         // 3 state
		p.PPID(), pgrp, session, 0, -1, // 4 ppid, 5 pgrp, 6 session, 7 tty_nr, 8 tpgid
		0x400000,   // 9 flags (PF_RANDOMIZE)
		0, 0, 0, 0, // 10-13 minflt cminflt majflt cmajflt
		0, 0, 0, 0, // 14-17 utime stime cutime cstime
		20, 0, // 18 priority, 19 nice
		max(p.Threads(), 1), 0, // 20 num_threads, 21 itrealvalue
		startTicks,                   // 22 starttime
		mem.size, mem.rss / pageSize, // 23 vsize, 24 rss
		uint64(1<<64 - 1),          // 25 rsslim
		mem.startCode, mem.endCode, // 26 startcode, 27 endcode
		mem.startStack, 0, 0, // 28 startstack, 29 kstkesp, 30 kstkeip
		// 31-34 signal blocked sigignore sigcatch: Linux shows the
		// first 31 signals only (these fields are obsolete).
		sigs[0] & statSigMask, sigs[2] & statSigMask, sigs[3] & statSigMask, sigs[4] & statSigMask,
		0, 0, 0, // 35 wchan, 36 nswap, 37 cnswap
		int(unix.SIGCHLD), 0, // 38 exit_signal, 39 processor
		0, 0, 0, 0, 0, // 40 rt_priority .. 44 cguest_time
		mem.startData, mem.endData, // 45 start_data, 46 end_data
		mem.brkBase, // 47 start_brk
		0, 0, 0, 0,  // 48-51 arg_start arg_end env_start env_end
		0, // 52 exit_code
	}
	var b strings.Builder
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprint(&b, f)
	}
	b.WriteByte('\n')
	return []byte(b.String())
}

// statmText is /proc/PID/statm: size resident shared text lib data dt,
// in pages.
func statmText(p Process) []byte {
	mem := memoryOf(p)
	return fmt.Appendf(nil, "%d %d %d %d 0 %d 0\n", mem.size/pageSize, mem.rss/pageSize, 0,
		mem.exe/pageSize, (mem.data+mem.stack)/pageSize)
}
