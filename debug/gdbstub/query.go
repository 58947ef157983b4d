package gdbstub

import (
	"encoding/binary"
	"fmt"
	"html"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/elfloader/elfloader/kernel"
)

// query answers the q packets.
func (ss *session) query(p string) []byte {
	name, args, _ := strings.Cut(p, ":")
	switch name {
	case "qSupported":
		return fmt.Appendf(nil, "PacketSize=%x;QStartNoAckMode+;swbreak+;vContSupported+;"+
			"qXfer:features:read+;qXfer:auxv:read+;qXfer:exec-file:read+;"+
			"qXfer:libraries-svr4:read+;qXfer:threads:read+", maxPacket)
	case "qAttached":
		if ss.s.waitFirst {
			return []byte("0") // elfloader started the app for the debugger
		}
		return []byte("1")
	case "qC":
		if th := ss.current(); th != nil {
			return fmt.Appendf(nil, "QC%x", th.t.TID)
		}
		return errReply
	case "qfThreadInfo":
		out := []byte("m")
		for i, tid := range ss.s.tids() {
			if i > 0 {
				out = append(out, ',')
			}
			out = strconv.AppendInt(out, int64(tid), 16)
		}
		if len(out) == 1 {
			return []byte("l")
		}
		return out
	case "qsThreadInfo":
		return []byte("l")
	case "qSymbol":
		return []byte("OK")
	case "qThreadExtraInfo":
		tid, err := strconv.ParseInt(strings.TrimPrefix(p, "qThreadExtraInfo,"), 16, 64)
		if th := ss.s.thread(int(tid)); err == nil && th != nil {
			return fmt.Appendf(nil, "%x", threadName(th.t))
		}
		return errReply
	case "qXfer":
		return ss.xfer(args)
	}
	return nil
}

// tids lists the threads in ascending order.
func (s *Stub) tids() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]int, 0, len(s.threads))
	for tid := range s.threads {
		out = append(out, tid)
	}
	slices.Sort(out)
	return out
}

// xfer serves "object:read:annex:offset,length".
func (ss *session) xfer(args string) []byte {
	parts := strings.SplitN(args, ":", 4)
	if len(parts) != 4 || parts[1] != "read" {
		return nil
	}
	off, n, ok := parseAddrLen([]byte(parts[3]))
	if !ok {
		return errReply
	}
	var doc []byte
	p := ss.s.process()
	switch parts[0] {
	case "features":
		if parts[2] != "target.xml" {
			return []byte("E00")
		}
		doc = []byte(targetXML(ss.regs))
	case "auxv":
		if p == nil {
			return errReply
		}
		doc = auxvBytes(p.Auxv)
	case "exec-file":
		if p == nil {
			return errReply
		}
		doc = []byte(p.ExePath)
	case "threads":
		doc = ss.s.threadsXML()
	case "libraries-svr4":
		if p == nil {
			return errReply
		}
		doc = librariesSVR4(p)
	default:
		return nil
	}
	if off >= uint64(len(doc)) {
		return []byte("l")
	}
	chunk := doc[off:]
	more := uint64(len(chunk)) > n
	if more {
		chunk = chunk[:n]
	}
	prefix := byte('l')
	if more {
		prefix = 'm'
	}
	return append([]byte{prefix}, escapeBinary(chunk)...)
}

// auxvBytes is the auxiliary vector as the app's stack holds it, ending
// with AT_NULL.
func auxvBytes(pairs []uint64) []byte {
	out := make([]byte, 0, 8*len(pairs)+16)
	for _, v := range pairs {
		out = binary.LittleEndian.AppendUint64(out, v)
	}
	if n := len(pairs); n < 2 || pairs[n-2] != 0 {
		out = binary.LittleEndian.AppendUint64(out, 0)
		out = binary.LittleEndian.AppendUint64(out, 0)
	}
	return out
}

// threadsXML lists the threads with their names (comm).
func (s *Stub) threadsXML() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	tids := make([]int, 0, len(s.threads))
	for tid := range s.threads {
		tids = append(tids, tid)
	}
	slices.Sort(tids)
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\"?>\n<threads>\n")
	for _, tid := range tids {
		fmt.Fprintf(&b, "<thread id=\"%x\" name=\"%s\"/>\n", tid, html.EscapeString(threadName(s.threads[tid].t)))
	}
	b.WriteString("</threads>\n")
	return []byte(b.String())
}

// Auxiliary vector types and dynamic tags the library list needs.
const (
	atPhdr  = 3
	atPhnum = 5
	ptPhdr  = 6
	ptDyn   = 2
	dtNull  = 0
	dtDebug = 21
)

// librariesSVR4 lists the shared objects the dynamic linker loaded, from
// its r_debug structure (found through the executable's DT_DEBUG), as
// gdbserver does: name, link_map address, load bias and dynamic section
// of each. A static program, or one whose linker has not run yet, has an
// empty list.
func librariesSVR4(p *kernel.Process) []byte {
	var b strings.Builder
	b.WriteString("<library-list-svr4 version=\"1.0\"")
	rmap := firstLinkMap(p)
	if rmap == 0 {
		b.WriteString("/>")
		return []byte(b.String())
	}
	fmt.Fprintf(&b, " main-lm=\"0x%x\">", rmap)
	mm := p.MM()
	seen := map[uint64]bool{}
	for lm := readWord(mm, rmap+24); lm != 0 && lm != ^uint64(0) && !seen[lm] && len(seen) < 4096; lm = readWord(mm, lm+24) {
		seen[lm] = true
		name, _ := mm.CopyInString(readWord(mm, lm+8), 4096)
		if name == "" {
			continue // the vDSO, or an entry without a file name
		}
		fmt.Fprintf(&b, "<library name=\"%s\" lmid=\"0x0\" lm=\"0x%x\" l_addr=\"0x%x\" l_ld=\"0x%x\"/>",
			html.EscapeString(name), lm, readWord(mm, lm), readWord(mm, lm+16))
	}
	b.WriteString("</library-list-svr4>")
	return []byte(b.String())
}

// firstLinkMap returns r_debug.r_map of the executable (its own
// link_map), or 0.
func firstLinkMap(p *kernel.Process) uint64 {
	var phdr, phnum uint64
	for i := 0; i+1 < len(p.Auxv); i += 2 {
		switch p.Auxv[i] {
		case atPhdr:
			phdr = p.Auxv[i+1]
		case atPhnum:
			phnum = p.Auxv[i+1]
		}
	}
	if phdr == 0 || phnum == 0 || phnum > 256 {
		return 0
	}
	mm := p.MM()
	var bias, dyn uint64
	haveBias := false
	for i := range phnum {
		var ph [56]byte
		if mm.CopyIn(phdr+56*i, ph[:]) != nil {
			return 0
		}
		typ := binary.LittleEndian.Uint32(ph[0:])
		vaddr := binary.LittleEndian.Uint64(ph[16:])
		switch typ {
		case ptPhdr:
			bias, haveBias = phdr-vaddr, true
		case ptDyn:
			dyn = vaddr
		}
	}
	if dyn == 0 || !haveBias {
		return 0
	}
	for addr := dyn + bias; ; addr += 16 {
		tag := readWord(mm, addr)
		switch tag {
		case dtNull, ^uint64(0):
			return 0
		case dtDebug:
			rdebug := readWord(mm, addr+8)
			if rdebug == 0 {
				return 0
			}
			return readWord(mm, rdebug+8)
		}
		if addr-dyn-bias > 1<<16 {
			return 0
		}
	}
}

// readWord reads a 64-bit word of app memory; all ones when unreadable.
func readWord(mm *kernel.MM, addr uint64) uint64 {
	var b [8]byte
	if mm.CopyIn(addr, b[:]) != nil {
		return ^uint64(0)
	}
	return binary.LittleEndian.Uint64(b[:])
}

// threadName is the thread's comm: its PR_SET_NAME name, or the first 15
// bytes of the executable's base name as Linux sets it at exec.
func threadName(t *kernel.Task) string {
	if t.Name != "" {
		return t.Name
	}
	name := path.Base(t.Process().ExecPath)
	if len(name) > 15 {
		name = name[:15]
	}
	return name
}
