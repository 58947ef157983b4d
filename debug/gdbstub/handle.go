package gdbstub

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
)

// maxPacket is the largest packet the stub accepts (qSupported PacketSize).
const maxPacket = 0x4000

// errReply is the generic error reply.
var errReply = []byte("E01")

// handle answers one message from gdb.
func (ss *session) handle(m message) error {
	switch {
	case m.nack:
		if ss.last != nil {
			ss.w.Write(ss.last)
			return ss.w.Flush()
		}
		return nil
	case m.bad:
		ss.c.Write([]byte("-"))
		return nil
	case m.interrupt:
		if ss.running {
			ss.s.stopAll(int(unix.SIGINT))
		}
		return nil
	}
	if !ss.noAck {
		if _, err := ss.c.Write([]byte("+")); err != nil {
			return err
		}
	}
	reply, send := ss.command(m.payload)
	if !send {
		return nil
	}
	return ss.send(reply)
}

// command runs one packet; send is false when no reply is due now
// (resumption: the stop reply comes later).
func (ss *session) command(p []byte) (reply []byte, send bool) {
	if len(p) == 0 {
		return nil, true
	}
	arg := p[1:]
	switch p[0] {
	case '?':
		return ss.stopReply(), true
	case 'g':
		return ss.readAllRegs(), true
	case 'G':
		return ss.writeAllRegs(arg), true
	case 'p':
		return ss.readReg(arg), true
	case 'P':
		return ss.writeReg(arg), true
	case 'm':
		return ss.readMem(arg), true
	case 'M':
		return ss.writeMemHex(arg), true
	case 'X':
		return ss.writeMemBinary(arg), true
	case 'Z', 'z':
		return ss.breakpoint(p[0] == 'Z', arg), true
	case 'H':
		return ss.setThread(arg), true
	case 'T':
		if tid, err := strconv.ParseInt(string(arg), 16, 64); err == nil && ss.s.thread(int(tid)) != nil {
			return []byte("OK"), true
		}
		return errReply, true
	case 'c', 's', 'C', 'S':
		return ss.legacyResume(p[0], arg)
	case 'v':
		return ss.vPacket(p)
	case 'q':
		return ss.query(string(p)), true
	case 'Q':
		if string(p) == "QStartNoAckMode" {
			ss.send([]byte("OK"))
			ss.noAck = true
			return nil, false
		}
		return nil, true
	case 'D':
		ss.detached = true
		ss.send([]byte("OK"))
		return nil, false
	case 'k':
		ss.kill()
		return nil, false
	}
	return nil, true // unsupported: the empty reply
}

// thread returns the stub's thread tid, or nil.
func (s *Stub) thread(tid int) *thread {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.threads[tid]
}

// current is the thread register and memory requests refer to (Hg),
// falling back to the stopped thread or any thread.
func (ss *session) current() *thread {
	s := ss.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if th := s.threads[ss.gThread]; th != nil {
		return th
	}
	if s.event != nil {
		if th := s.threads[s.event.tid]; th != nil {
			return th
		}
	}
	tids := make([]int, 0, len(s.threads))
	for tid := range s.threads {
		tids = append(tids, tid)
	}
	if len(tids) == 0 {
		return nil
	}
	return s.threads[slices.Min(tids)]
}

// withRegs runs f with th's registers on th's goroutine; the changes f
// makes to the extended state are written back.
func (ss *session) withRegs(f func(rs *regState)) bool {
	th := ss.current()
	if th == nil {
		return false
	}
	ss.s.mu.Lock()
	parked := th.parked
	ss.s.mu.Unlock()
	if !parked {
		return false
	}
	th.do(func() {
		rs := &regState{gp: th.t.Regs(), xsave: th.t.ExtendedState(), xs: ss.s.xs}
		f(rs)
		if rs.dirty {
			th.t.SetExtendedState(rs.xsave)
		}
	})
	return true
}

func (ss *session) readAllRegs() []byte {
	var out []byte
	ok := ss.withRegs(func(rs *regState) {
		for _, d := range ss.regs {
			out = hex.AppendEncode(out, rs.read(d))
		}
	})
	if !ok {
		return errReply
	}
	return out
}

func (ss *session) writeAllRegs(arg []byte) []byte {
	raw, err := hex.DecodeString(string(arg))
	if err != nil {
		return errReply
	}
	ok := ss.withRegs(func(rs *regState) {
		for _, d := range ss.regs {
			n := d.bits / 8
			if len(raw) < n {
				return
			}
			rs.write(d, raw[:n])
			raw = raw[n:]
		}
	})
	if !ok {
		return errReply
	}
	return []byte("OK")
}

func (ss *session) readReg(arg []byte) []byte {
	n, err := strconv.ParseUint(string(arg), 16, 32)
	if err != nil || n >= uint64(len(ss.regs)) {
		return errReply
	}
	var out []byte
	if !ss.withRegs(func(rs *regState) { out = hex.AppendEncode(nil, rs.read(ss.regs[n])) }) {
		return errReply
	}
	return out
}

func (ss *session) writeReg(arg []byte) []byte {
	num, val, ok := bytes.Cut(arg, []byte("="))
	n, err := strconv.ParseUint(string(num), 16, 32)
	if !ok || err != nil || n >= uint64(len(ss.regs)) {
		return errReply
	}
	raw, err := hex.DecodeString(string(val))
	if err != nil || len(raw) != ss.regs[n].bits/8 {
		return errReply
	}
	if !ss.withRegs(func(rs *regState) { rs.write(ss.regs[n], raw) }) {
		return errReply
	}
	return []byte("OK")
}

// parseAddrLen parses "addr,length".
func parseAddrLen(arg []byte) (addr, n uint64, ok bool) {
	a, l, found := bytes.Cut(arg, []byte(","))
	if !found {
		return 0, 0, false
	}
	addr, err1 := strconv.ParseUint(string(a), 16, 64)
	n, err2 := strconv.ParseUint(string(l), 16, 64)
	return addr, n, err1 == nil && err2 == nil
}

func (ss *session) readMem(arg []byte) []byte {
	addr, n, ok := parseAddrLen(arg)
	p := ss.s.process()
	if !ok || p == nil {
		return errReply
	}
	n = min(n, maxPacket/2-16)
	buf := make([]byte, n)
	// Read as much as is readable: gdb asks for whole blocks that may
	// run into an unmapped page.
	readable := p.MM().Prefix(addr, n, false)
	if readable == 0 && n > 0 {
		return []byte("E14")
	}
	buf = buf[:readable]
	if err := p.MM().CopyIn(addr, buf); err != nil {
		return []byte("E14")
	}
	ss.s.hideBreakpoints(addr, buf)
	return hex.AppendEncode(nil, buf)
}

func (ss *session) writeMemHex(arg []byte) []byte {
	head, data, ok := bytes.Cut(arg, []byte(":"))
	if !ok {
		return errReply
	}
	raw, err := hex.DecodeString(string(data))
	if err != nil {
		return errReply
	}
	return ss.writeMem(head, raw)
}

func (ss *session) writeMemBinary(arg []byte) []byte {
	head, data, ok := bytes.Cut(arg, []byte(":"))
	if !ok {
		return errReply
	}
	raw, err := unescapeBinary(data)
	if err != nil {
		return errReply
	}
	return ss.writeMem(head, raw)
}

func (ss *session) writeMem(head, raw []byte) []byte {
	addr, n, ok := parseAddrLen(head)
	p := ss.s.process()
	if !ok || p == nil || n != uint64(len(raw)) {
		return errReply
	}
	if n == 0 {
		return []byte("OK") // gdb probes X support this way
	}
	ss.s.keepBreakpoints(addr, raw)
	if err := p.MM().PokeText(addr, raw); err != nil {
		return []byte("E14")
	}
	return []byte("OK")
}

func (s *Stub) process() *kernel.Process {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc
}

// hideBreakpoints shows the original bytes where gdb's int3s are.
func (s *Stub) hideBreakpoints(addr uint64, buf []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for a, bp := range s.breakpoints {
		if a >= addr && a-addr < uint64(len(buf)) {
			buf[a-addr] = bp.orig
		}
	}
}

// keepBreakpoints makes a write over a breakpoint change the saved byte
// and leave the int3 in place.
func (s *Stub) keepBreakpoints(addr uint64, raw []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for a, bp := range s.breakpoints {
		if a >= addr && a-addr < uint64(len(raw)) {
			bp.orig = raw[a-addr]
			raw[a-addr] = int3
		}
	}
}

const int3 = 0xcc

// breakpoint inserts (Z0) or removes (z0) a software breakpoint; other
// kinds get the empty reply, so gdb uses software watchpoints.
func (ss *session) breakpoint(insert bool, arg []byte) []byte {
	parts := strings.Split(string(arg), ",")
	if len(parts) < 2 || parts[0] != "0" {
		return nil
	}
	addr, err := strconv.ParseUint(parts[1], 16, 64)
	p := ss.s.process()
	if err != nil || p == nil {
		return errReply
	}
	s := ss.s
	s.mu.Lock()
	defer s.mu.Unlock()
	bp := s.breakpoints[addr]
	if insert {
		if bp != nil {
			return []byte("OK")
		}
		var orig [1]byte
		if p.MM().CopyIn(addr, orig[:]) != nil || p.MM().PokeText(addr, []byte{int3}) != nil {
			return []byte("E14")
		}
		s.breakpoints[addr] = &breakpoint{orig: orig[0]}
		return []byte("OK")
	}
	if bp == nil {
		return []byte("OK")
	}
	if p.MM().PokeText(addr, []byte{bp.orig}) != nil {
		return []byte("E14")
	}
	delete(s.breakpoints, addr)
	return []byte("OK")
}

// setThread handles Hg and Hc.
func (ss *session) setThread(arg []byte) []byte {
	if len(arg) < 2 {
		return errReply
	}
	tid, err := strconv.ParseInt(string(arg[1:]), 16, 64)
	if err != nil {
		return errReply
	}
	if tid > 0 && ss.s.thread(int(tid)) == nil {
		return errReply
	}
	switch arg[0] {
	case 'g':
		ss.gThread = int(tid)
	case 'c':
		ss.cThread = int(tid)
	default:
		return errReply
	}
	return []byte("OK")
}

// legacyResume handles c, s, C and S: the Hc thread steps or continues
// with a signal, the others continue.
func (ss *session) legacyResume(op byte, arg []byte) ([]byte, bool) {
	var a action
	a.step = op == 's' || op == 'S'
	if op == 'C' || op == 'S' {
		sig, _, _ := bytes.Cut(arg, []byte(";"))
		n, err := strconv.ParseUint(string(sig), 16, 8)
		if err != nil {
			return errReply, true
		}
		a.sig = int(n)
	}
	target := ss.cThread
	if target <= 0 {
		if th := ss.current(); th != nil {
			target = th.t.TID
		}
	}
	ss.resume(func(tid int) (action, bool) {
		if tid == target {
			return a, true
		}
		return action{}, true
	})
	return nil, false
}

func (ss *session) resume(actionFor func(tid int) (action, bool)) {
	ss.running = true
	ss.s.resumeAll(actionFor)
}

// vPacket handles vCont, vCont? and vKill.
func (ss *session) vPacket(p []byte) ([]byte, bool) {
	s := string(p)
	switch {
	case s == "vCont?":
		return []byte("vCont;c;C;s;S;t"), true
	case strings.HasPrefix(s, "vCont;"):
		actions, err := parseVCont(s[len("vCont;"):])
		if err != nil {
			return errReply, true
		}
		ss.resume(func(tid int) (action, bool) {
			for _, va := range actions {
				if va.tid == tid || va.tid <= 0 {
					return va.action, !va.stop
				}
			}
			return action{}, false
		})
		return nil, false
	case strings.HasPrefix(s, "vKill"):
		ss.kill()
		return []byte("OK"), true
	}
	return nil, true
}

// vContAction is one "action[:thread]" of a vCont packet.
type vContAction struct {
	action
	stop bool // 't'
	tid  int  // 0 or -1: every thread not named earlier
}

func parseVCont(s string) ([]vContAction, error) {
	var out []vContAction
	for _, part := range strings.Split(s, ";") {
		op, thr, hasThread := strings.Cut(part, ":")
		if op == "" {
			return nil, fmt.Errorf("empty vCont action")
		}
		var va vContAction
		switch op[0] {
		case 'c':
		case 's':
			va.step = true
		case 't':
			va.stop = true
		case 'C', 'S':
			n, err := strconv.ParseUint(op[1:], 16, 8)
			if err != nil {
				return nil, err
			}
			va.sig, va.step = int(n), op[0] == 'S'
		default:
			return nil, fmt.Errorf("vCont action %q", op)
		}
		va.tid = -1
		if hasThread {
			n, err := strconv.ParseInt(thr, 16, 64)
			if err != nil {
				return nil, err
			}
			va.tid = int(n)
		}
		out = append(out, va)
	}
	return out, nil
}

// kill ends the app as SIGKILL does.
func (ss *session) kill() {
	if p := ss.s.process(); p != nil {
		p.Kill()
	}
	ss.running = true
	ss.s.resumeAll(func(int) (action, bool) { return action{}, true })
}
