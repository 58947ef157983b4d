package kernel

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/plat"
)

// Host descriptor pass-through: a platform's fast syscall entry may serve
// read, write, readv, writev, send, recv and TCP_NODELAY/TCP_CORK on an
// owned host descriptor (a host socket or pipe end) itself, without this
// kernel, from two tables the kernel keeps (plat/passthrough.go has the
// layout and the protocol): one word per registered open file description
// (passThrough, per kernel) and one index per descriptor (passMirror, per
// FDTable). Only descriptions whose Read and Write are exactly the host
// call on a non-blocking host descriptor are registered (Task.PassThrough);
// the platform sends everything else, and every result the kernel would
// act on (EAGAIN of a blocking call, EPIPE, EFAULT), to the kernel.

// passThrough is the description table: C-visible memory of its own (never
// the Go heap), PassOFDCapacity words, touched only where used.
type passThrough struct {
	mem  []byte
	ofds []atomic.Uint64

	// ppids is the parent PID words of identity pass-through
	// (passident.go).
	ppids *ppidTable

	mu   sync.Mutex
	free []uint32 // released indexes
	next uint32   // indexes below next have been handed out

	// kickAppThreads interrupts every thread running app code: a call
	// in flight that waits in the host (epoll) ends and goes to the
	// kernel.
	kickAppThreads func()
}

// newPassThrough makes the tables of a kernel whose first PID is
// firstPID.
func newPassThrough(kickAppThreads func(), firstPID int) (*passThrough, error) {
	mem, err := mapPassTable(plat.PassTableWords * 8)
	if err != nil {
		return nil, fmt.Errorf("kernel: the pass-through description table: %w", err)
	}
	ppids, err := newPPIDTable(firstPID)
	if err != nil {
		unix.Munmap(mem)
		return nil, err
	}
	return &passThrough{mem: mem, ofds: unsafe.Slice((*atomic.Uint64)(unsafe.Pointer(&mem[0])), plat.PassTableWords),
		ppids: ppids, kickAppThreads: kickAppThreads}, nil
}

func mapPassTable(size int) ([]byte, error) {
	return unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
}

func (pt *passThrough) addr() unsafe.Pointer { return unsafe.Pointer(&pt.mem[0]) }

// alloc hands out a description word's index (false when the table is
// full).
func (pt *passThrough) alloc() (uint32, bool) {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	switch {
	case len(pt.free) > 0:
		idx := pt.free[len(pt.free)-1]
		pt.free = pt.free[:len(pt.free)-1]
		return idx, true
	case pt.next < plat.PassOFDCapacity:
		pt.next++
		return pt.next - 1, true
	}
	return 0, false
}

// register gives h a word (no-op when the table is full): the host
// descriptor hostFD, its kind (kind: PassWordSocket, PassWordEpoll or 0
// for a pipe end) and h's O_NONBLOCK.
func (pt *passThrough) register(h *HostFile, hostFD int, kind uint64) {
	idx, ok := pt.alloc()
	if !ok {
		return
	}
	w := uint64(uint32(hostFD)) | plat.PassWordValid | kind
	if h.nonblocking() {
		w |= plat.PassWordNonblock
	}
	pt.ofds[idx].Store(w)
	h.pass, h.passIndex = pt, idx+1
}

// fileEntry is what a PassWordFile or PassWordPread description's file
// entry holds: the st_dev to report, the gate and the access word.
type fileEntry struct {
	dev          uint64
	gate, access *atomic.Uint64
}

// registerFile gives v a description word of kind (PassWordFile and/or
// PassWordPread) for the host descriptor hostFD, with its file entry
// (no-op when the table is full); v.passMu held.
func (pt *passThrough) registerFile(v *VFSFile, hostFD int, kind uint64, e fileEntry) bool {
	idx, ok := pt.alloc()
	if !ok {
		return false
	}
	pt.ofds[plat.PassFileDevWord+idx].Store(e.dev)
	pt.ofds[plat.PassFileGateWord+idx].Store(uint64(uintptr(unsafe.Pointer(e.gate))))
	pt.ofds[plat.PassFileAccessWord+idx].Store(uint64(uintptr(unsafe.Pointer(e.access))))
	pt.ofds[idx].Store(uint64(uint32(hostFD)) | plat.PassWordValid | kind)
	v.passIndex.Store(idx + 1)
	return true
}

// setBit turns bit (PassWordNonblock: the app's O_NONBLOCK;
// PassWordValid: pass-through itself, for calls made from now on) of the
// description at index on or off.
func (pt *passThrough) setBit(index uint32, bit uint64, on bool) {
	w := &pt.ofds[index-1]
	for {
		old := w.Load()
		nw := old &^ bit
		if on {
			nw |= bit
		}
		if old == nw || w.CompareAndSwap(old, nw) {
			return
		}
	}
}

// unregister takes the description at index out of the table and waits
// for the calls the platform has in flight on it, so that its host
// descriptor can be closed: a non-blocking host call ends on its own; an
// epoll wait in the host (another thread's, on an instance being closed)
// is ended by kicking the threads in app code, which sends the call to the
// kernel (where it finds the descriptor closed).
func (pt *passThrough) unregister(index uint32) {
	w := &pt.ofds[index-1]
	for {
		old := w.Load()
		if w.CompareAndSwap(old, old&^plat.PassWordValid) {
			break
		}
	}
	for spins := 0; w.Load()>>plat.PassWordInflightShift != 0; spins++ {
		switch {
		case spins < 100:
			runtime.Gosched()
		case spins%100 == 0 && pt.kickAppThreads != nil:
			pt.kickAppThreads()
			fallthrough
		default:
			time.Sleep(10 * time.Microsecond)
		}
	}
	w.Store(0)
	pt.mu.Lock()
	pt.free = append(pt.free, index-1)
	pt.mu.Unlock()
}

// kickAppThreads interrupts every task running app code (passThrough).
func (k *Kernel) kickAppThreads() {
	k.mu.Lock()
	var in []*Task
	for _, t := range k.tasks {
		if t.inApp.Load() {
			in = append(in, t)
		}
	}
	k.mu.Unlock()
	for _, t := range in {
		if ctx := t.ctx; ctx != nil && t.inApp.Load() {
			k.cfg.Platform.Kick(ctx)
		}
	}
}

// PassThrough registers an owned host descriptor whose Read and Write are
// the plain host calls (a socket or a pipe end) for pass-through, when the
// kernel has it on.
func (t *Task) PassThrough(h *HostFile, socket bool) {
	var kind uint64
	if socket {
		kind = plat.PassWordSocket
	}
	if pt := t.k.pass; pt != nil && h.owned && h.pass == nil {
		pt.register(h, h.fd, kind)
	}
}

// PassThroughEpoll registers an epoll instance h whose registrations are
// in the host epoll inner, with the app's epoll_data, while
// SetPassable(true) says so: the platform may take ready events from
// inner for the app's epoll_wait.
func (t *Task) PassThroughEpoll(h *HostFile, inner int) {
	if pt := t.k.pass; pt != nil && h.owned && h.pass == nil {
		pt.register(h, inner, plat.PassWordEpoll)
	}
}

// PassThroughFile registers a file of the vfs that the host can serve:
// one whose fstat the host answers (vfs.File.HostStat: a regular file of
// a host directory) as a PassWordFile description, the platform may answer
// its fstat and send from it with sendfile; one whose pread64 is the
// host's (vfs.File.HostPread: the same files open for reading, a tmpfs
// file whose bytes are in a memfd) gets PassWordPread. Call it before v is
// installed in a table; PassThroughRead registers a file that became
// eligible later.
func (t *Task) PassThroughFile(v *VFSFile) {
	pt := t.k.pass
	if pt == nil || v.passIndex.Load() != 0 {
		return
	}
	v.passMu.Lock()
	defer v.passMu.Unlock()
	if v.passIndex.Load() != 0 {
		return
	}
	var kind uint64
	e := fileEntry{access: v.F.AccessWord()}
	fd, dev, gate, ok := v.F.HostStat()
	pfd, pgate, pok := v.F.HostPread()
	switch {
	case ok && gate != nil:
		kind, e.dev, e.gate = plat.PassWordFile, dev, gate
		if pok && pfd == fd {
			kind |= plat.PassWordPread
		}
	case pok && pgate != nil:
		fd, kind, e.gate = pfd, plat.PassWordPread, pgate
	default:
		return
	}
	if v.F.Readable() && !v.F.Writable() {
		// Its close only drops the descriptor while no watcher or lock
		// exists (the platform checks the access word): deferrable.
		kind |= plat.PassWordClosable
	}
	if e.access == nil {
		return
	}
	if pt.registerFile(v, fd, kind, e) {
		// Out of the table before the host descriptor is closed.
		v.F.OnRelease(func() {
			v.dropRevival() // before the index can be reused
			pt.unregister(v.passIndex.Load())
		})
	}
}

// PassThroughRead registers v, at descriptor fd of the task's table, once
// it can be passed through (PassThroughFile) when it could not at open: a
// tmpfs file whose bytes moved into a memfd as it grew; and gives fd its
// entry when v is registered but fd has none (a dup or a fork copy made
// before the registration). The kernel calls it after it served a pread64
// of v itself.
func (t *Task) PassThroughRead(fd int, v *VFSFile) {
	if t.k.pass == nil || fd < 0 || fd >= plat.PassFDCapacity {
		return
	}
	if v.passIndex.Load() == 0 {
		t.PassThroughFile(v)
		if v.passIndex.Load() == 0 {
			return
		}
	}
	ft := t.p.files
	if ft == nil {
		return
	}
	m := ft.mirror.Load()
	if m == nil || m.fds[fd].Load() != 0 {
		return
	}
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if ft.openLocked(fd) && ft.fds[fd].file == File(v) {
		ft.mirrorLocked(fd, v)
	}
}

// SetPassable turns pass-through of a registered description on or off
// (an epoll instance that gained a registration outside its host epoll).
// The caller holds a reference.
func (h *HostFile) SetPassable(on bool) {
	if h.pass != nil {
		h.pass.setBit(h.passIndex, plat.PassWordValid, on)
	}
}

// SetPassTimed says whether the socket h has a receive or send timeout,
// which the kernel keeps: then a blocking read that finds nothing is not
// waited for by the platform.
func (h *HostFile) SetPassTimed(on bool) {
	if h.pass != nil {
		h.pass.setBit(h.passIndex, plat.PassWordTimed, on)
	}
}

// passMirror is an FDTable's descriptor table: index+1 of each
// descriptor's description word, 0 for descriptors the platform must send
// to the kernel.
type passMirror struct {
	mem []byte
	fds []atomic.Uint32
	// closes is the close queue (plat.PassCloseSlots slots and the count
	// of filled ones last): descriptors the platform closed
	// (PassWordClosable) that the table still holds.
	closes []atomic.Uint64

	// revive is the revival word and records the revival records
	// (revive.go); recMu orders record changes with dropMirror (dead:
	// unmapped), owners[r] is record r's description.
	revive      *atomic.Uint64
	records     []atomic.Uint64
	recordCount atomic.Int32
	recMu       sync.Mutex
	dead        bool
	owners      [plat.PassReviveRecords]*VFSFile
	nextVictim  int
}

// pendingCloses is the number of queued closes (maybe not yet visible in
// their slots).
func (m *passMirror) pendingCloses() uint64 { return m.closes[plat.PassCloseSlots].Load() }

// drainPassCloses closes the descriptors the platform closed (the close
// queue): each one still naming the description it named then, whose
// entry the platform cleared. The kernel calls it before it serves any
// call of a process using the table, so the app never sees one open.
func (ft *FDTable) drainPassCloses() {
	m := ft.mirror.Load()
	if m == nil {
		return
	}
	n := m.pendingCloses()
	if n == 0 {
		return
	}
	// The platform fills the lowest empty slot: the queued closes sit at
	// the start, and the scan ends once it took as many as were counted
	// (one counted later, or filled before it is counted, waits for the
	// next drain).
	for i := 0; i < plat.PassCloseSlots && n > 0; i++ {
		if m.closes[i].Load() == 0 {
			continue
		}
		e := m.closes[i].Swap(0)
		if e == 0 {
			continue
		}
		n--
		m.closes[plat.PassCloseSlots].Add(^uint64(0))
		fd, idx := int(uint32(e))-1, uint32(e>>32)
		ft.mu.Lock()
		var f File
		if ft.openLocked(fd) && passIndexOf(ft.fds[fd].file) == idx && m.fds[fd].Load() == 0 {
			f = ft.setLocked(fd, fdEntry{}) // publishes the lowest free descriptor
		}
		ft.mu.Unlock()
		if f != nil {
			ft.release(f)
		}
	}
}

func (m *passMirror) addr() unsafe.Pointer { return unsafe.Pointer(&m.mem[0]) }

// passIndexOf is the description word index+1 of f, or 0.
func passIndexOf(f File) uint32 {
	if f == nil {
		return 0
	}
	switch f := f.(type) {
	case interface{ hostFile() *HostFile }:
		return f.hostFile().passIndex
	case *VFSFile:
		return f.passIndex.Load()
	}
	return 0
}

// mirrorLocked updates the descriptor table for fd (ft.mu held).
func (ft *FDTable) mirrorLocked(fd int, f File) {
	if m := ft.mirror.Load(); m != nil && fd < plat.PassFDCapacity {
		m.fds[fd].Store(passIndexOf(f))
	}
}

// passMirror returns the table's descriptor table, made on first use.
func (ft *FDTable) passMirror() *passMirror {
	if m := ft.mirror.Load(); m != nil {
		return m
	}
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if m := ft.mirror.Load(); m != nil {
		return m
	}
	mem, err := mapPassTable(plat.PassFDTableBytes)
	if err != nil {
		return nil
	}
	m := &passMirror{mem: mem, fds: unsafe.Slice((*atomic.Uint32)(unsafe.Pointer(&mem[0])), plat.PassFDCapacity),
		closes:  unsafe.Slice((*atomic.Uint64)(unsafe.Pointer(&mem[plat.PassFDCapacity*4])), plat.PassCloseSlots+1),
		revive:  (*atomic.Uint64)(unsafe.Pointer(&mem[plat.PassReviveOffset])),
		records: unsafe.Slice((*atomic.Uint64)(unsafe.Pointer(&mem[plat.PassReviveRecordsOffset])), plat.PassReviveRecords*plat.PassReviveRecordWords)}
	for fd, e := range ft.fds {
		if fd < plat.PassFDCapacity && e.file != nil {
			m.fds[fd].Store(passIndexOf(e.file))
		}
	}
	ft.mirror.Store(m)
	return m
}

// dropMirror unmaps the descriptor table of a table no process uses.
func (ft *FDTable) dropMirror() {
	if m := ft.mirror.Swap(nil); m != nil {
		m.recMu.Lock()
		m.dead = true
		for r, v := range m.owners {
			if v != nil {
				v.revival.Store(nil)
				m.owners[r] = nil
			}
		}
		unix.Munmap(m.mem)
		m.recMu.Unlock()
	}
}

// setPassThrough gives the platform context the tables for the task's next
// run of app code, or none when its calls must all reach the kernel.
func (t *Task) setPassThrough(pc plat.PassThroughContext) {
	pt := t.k.pass
	var m *passMirror
	if pt != nil && t.seccomp.Load() == nil && t.k.cfg.Debugger == nil && t.p.files != nil {
		m = t.p.files.passMirror()
	}
	if m == nil {
		pc.SetPassThrough(nil, nil)
		t.setPassIdentity(pc, false)
		return
	}
	t.p.files.setRevival(m, t.soloUser())
	pc.SetPassThrough(m.addr(), pt.addr())
	t.setPassIdentity(pc, true)
}
