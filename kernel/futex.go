package kernel

import (
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Futex word bits for PI and robust futexes.
const (
	FUTEX_WAITERS    = 0x80000000
	FUTEX_OWNER_DIED = 0x40000000
	FUTEX_TID_MASK   = 0x3fffffff
	futexBitsetAny   = 0xffffffff
)

type futexWaiter struct {
	addr   uint64
	bitset uint32
	ch     chan struct{}
	woken  bool
	tid    int
	// group is set for futex_waitv: one wake ends the whole wait.
	group *futexGroup
	index int
}

type futexGroup struct {
	woken int // index of the futex that woke, -1 if none
}

// FutexTable is the kernel's futex wait queues, keyed by address (one
// address space for every process on the in-process platform).
type FutexTable struct {
	mu sync.Mutex
	q  map[uint64][]*futexWaiter
}

func newFutexTable() *FutexTable { return &FutexTable{q: map[uint64][]*futexWaiter{}} }

// word returns the futex word as a pointer into app memory.
func futexWord(t *Task, addr uint64, write bool) (*uint32, error) {
	if addr%4 != 0 {
		return nil, unix.EINVAL
	}
	b, err := t.AppBytes(addr, 4, write)
	if err != nil {
		return nil, err
	}
	return (*uint32)(unsafe.Pointer(&b[0])), nil
}

// CheckFutexKey applies Linux's get_futex_key rules to a futex address: it
// must be 4-byte aligned (EINVAL) and in the user address space (EFAULT);
// a shared (non-private) futex must also be mapped app memory, as Linux
// looks up the page behind it (EFAULT).
func CheckFutexKey(t *Task, addr uint64, private bool) error {
	if addr%4 != 0 {
		return unix.EINVAL
	}
	if !AccessOK(addr, 4) {
		return unix.EFAULT
	}
	if !private && t.p.mm.Prefix(addr, 4, false) < 4 {
		return unix.EFAULT
	}
	return nil
}

func (ft *FutexTable) enqueue(w *futexWaiter) { ft.q[w.addr] = append(ft.q[w.addr], w) }

func (ft *FutexTable) remove(w *futexWaiter) {
	list := ft.q[w.addr]
	for i, x := range list {
		if x == w {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(ft.q, w.addr)
	} else {
		ft.q[w.addr] = list
	}
}

// wakeLocked wakes up to n waiters at addr whose bitset matches.
func (ft *FutexTable) wakeLocked(addr uint64, n int, bitset uint32) int {
	woken := 0
	for _, w := range append([]*futexWaiter(nil), ft.q[addr]...) {
		if woken >= n {
			break
		}
		if w.bitset&bitset == 0 {
			continue
		}
		ft.wakeOne(w)
		woken++
	}
	return woken
}

func (ft *FutexTable) wakeOne(w *futexWaiter) {
	if g := w.group; g != nil {
		if g.woken < 0 {
			g.woken = w.index
		}
	}
	w.woken = true
	ft.remove(w)
	close(w.ch)
}

// Wait implements FUTEX_WAIT(_BITSET): sleep while *addr == val.
func (ft *FutexTable) Wait(t *Task, addr uint64, val, bitset uint32, deadline time.Time) error {
	if bitset == 0 {
		return unix.EINVAL
	}
	p, err := futexWord(t, addr, false)
	if err != nil {
		return err
	}
	ft.mu.Lock()
	if atomic.LoadUint32(p) != val {
		ft.mu.Unlock()
		return unix.EAGAIN
	}
	w := &futexWaiter{addr: addr, bitset: bitset, ch: make(chan struct{}), tid: t.TID}
	ft.enqueue(w)
	ft.mu.Unlock()
	return ft.sleep(t, w, deadline)
}

func (ft *FutexTable) sleep(t *Task, w *futexWaiter, deadline time.Time) error {
	err := t.Block(w.ch, deadline)
	if err == nil {
		return nil
	}
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if w.woken {
		return nil
	}
	ft.remove(w)
	return err
}

// Wake implements FUTEX_WAKE(_BITSET).
func (ft *FutexTable) Wake(addr uint64, n int, bitset uint32) int {
	if bitset == 0 {
		return 0
	}
	ft.mu.Lock()
	defer ft.mu.Unlock()
	return ft.wakeLocked(addr, n, bitset)
}

// Requeue implements FUTEX_REQUEUE and (with cmp) FUTEX_CMP_REQUEUE.
func (ft *FutexTable) Requeue(t *Task, addr, addr2 uint64, nwake, nrequeue int, cmp *uint32) (int, error) {
	if nwake < 0 || nrequeue < 0 {
		return 0, unix.EINVAL
	}
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if cmp != nil {
		p, err := futexWord(t, addr, false)
		if err != nil {
			return 0, err
		}
		if atomic.LoadUint32(p) != *cmp {
			return 0, unix.EAGAIN
		}
	}
	woken := ft.wakeLocked(addr, nwake, futexBitsetAny)
	moved := 0
	for _, w := range append([]*futexWaiter(nil), ft.q[addr]...) {
		if moved >= nrequeue {
			break
		}
		ft.remove(w)
		w.addr = addr2
		ft.enqueue(w)
		moved++
	}
	return woken + moved, nil
}

// WakeOp implements FUTEX_WAKE_OP.
func (ft *FutexTable) WakeOp(t *Task, addr, addr2 uint64, n, n2 int, op uint32) (int, error) {
	p2, err := futexWord(t, addr2, true)
	if err != nil {
		return 0, err
	}
	kind, cmp := (op>>28)&0xf, (op>>24)&0xf
	oparg, cmparg := (op>>12)&0xfff, op&0xfff
	if kind&8 != 0 {
		kind &^= 8
		oparg = 1 << (oparg & 31)
	}
	ft.mu.Lock()
	defer ft.mu.Unlock()
	var old uint32
	for {
		old = atomic.LoadUint32(p2)
		var nv uint32
		switch kind {
		case 0:
			nv = oparg
		case 1:
			nv = old + oparg
		case 2:
			nv = old | oparg
		case 3:
			nv = old &^ oparg
		case 4:
			nv = old ^ oparg
		default:
			return 0, unix.ENOSYS
		}
		if atomic.CompareAndSwapUint32(p2, old, nv) {
			break
		}
	}
	woken := ft.wakeLocked(addr, n, futexBitsetAny)
	so, sa := int32(old), int32(cmparg)
	var hit bool
	switch cmp {
	case 0:
		hit = so == sa
	case 1:
		hit = so != sa
	case 2:
		hit = so < sa
	case 3:
		hit = so <= sa
	case 4:
		hit = so > sa
	case 5:
		hit = so >= sa
	default:
		return 0, unix.ENOSYS
	}
	if hit {
		woken += ft.wakeLocked(addr2, n2, futexBitsetAny)
	}
	return woken, nil
}

// LockPI implements FUTEX_LOCK_PI (and TRYLOCK_PI with try): the word holds
// the owner's TID; contended locks set FUTEX_WAITERS and sleep. Ownership is
// handed to the first waiter on unlock. Priorities are not boosted.
func (ft *FutexTable) LockPI(t *Task, addr uint64, try bool, deadline time.Time) error {
	p, err := futexWord(t, addr, true)
	if err != nil {
		return err
	}
	tid := uint32(t.TID)
	for {
		ft.mu.Lock()
		old := atomic.LoadUint32(p)
		owner := old & FUTEX_TID_MASK
		switch {
		case owner == 0:
			nv := tid | old&FUTEX_OWNER_DIED
			if len(ft.q[addr]) > 0 {
				nv |= FUTEX_WAITERS
			}
			if !atomic.CompareAndSwapUint32(p, old, nv) {
				ft.mu.Unlock()
				continue
			}
			ft.mu.Unlock()
			return nil
		case owner == tid:
			ft.mu.Unlock()
			return unix.EDEADLK
		case try:
			ft.mu.Unlock()
			return unix.EAGAIN
		}
		if !atomic.CompareAndSwapUint32(p, old, old|FUTEX_WAITERS) {
			ft.mu.Unlock()
			continue
		}
		w := &futexWaiter{addr: addr, bitset: futexBitsetAny, ch: make(chan struct{}), tid: t.TID}
		ft.enqueue(w)
		ft.mu.Unlock()
		if err := ft.sleep(t, w, deadline); err != nil {
			return err
		}
		// Woken by UnlockPI, which made us the owner.
		if atomic.LoadUint32(p)&FUTEX_TID_MASK == tid {
			return nil
		}
	}
}

// UnlockPI implements FUTEX_UNLOCK_PI.
func (ft *FutexTable) UnlockPI(t *Task, addr uint64) error {
	p, err := futexWord(t, addr, true)
	if err != nil {
		return err
	}
	ft.mu.Lock()
	defer ft.mu.Unlock()
	old := atomic.LoadUint32(p)
	if old&FUTEX_TID_MASK != uint32(t.TID) {
		return unix.EPERM
	}
	list := ft.q[addr]
	if len(list) == 0 {
		atomic.StoreUint32(p, 0)
		return nil
	}
	next := list[0]
	nv := uint32(next.tid)
	if len(list) > 1 {
		nv |= FUTEX_WAITERS
	}
	atomic.StoreUint32(p, nv)
	ft.wakeOne(next)
	return nil
}

// Waitv implements futex_waitv: sleep until any of the words is woken.
// It returns the index of the woken futex.
func (ft *FutexTable) Waitv(t *Task, addrs []uint64, vals []uint32, deadline time.Time) (int, error) {
	ptrs := make([]*uint32, len(addrs))
	for i, a := range addrs {
		p, err := futexWord(t, a, false)
		if err != nil {
			return 0, err
		}
		ptrs[i] = p
	}
	g := &futexGroup{woken: -1}
	ch := make(chan struct{})
	ft.mu.Lock()
	for i, p := range ptrs {
		if atomic.LoadUint32(p) != vals[i] {
			ft.mu.Unlock()
			return 0, unix.EAGAIN
		}
	}
	ws := make([]*futexWaiter, len(addrs))
	closed := false
	for i, a := range addrs {
		ws[i] = &futexWaiter{addr: a, bitset: futexBitsetAny, ch: make(chan struct{}), tid: t.TID, group: g, index: i}
		ft.enqueue(ws[i])
	}
	ft.mu.Unlock()
	// Fan the waiters' channels in to one that Block can wait on.
	done := make(chan struct{})
	for _, w := range ws {
		go func(w *futexWaiter) {
			defer t.k.RecoverInternal("futex_waitv")
			select {
			case <-w.ch:
				ft.mu.Lock()
				if !closed {
					closed = true
					close(ch)
				}
				ft.mu.Unlock()
			case <-done:
			}
		}(w)
	}
	err := t.Block(ch, deadline)
	close(done)
	ft.mu.Lock()
	defer ft.mu.Unlock()
	for _, w := range ws {
		if !w.woken {
			ft.remove(w)
		}
	}
	if g.woken >= 0 {
		return g.woken, nil
	}
	return 0, err
}

func casU32(p *uint32, old, nv uint32) bool { return atomic.CompareAndSwapUint32(p, old, nv) }
