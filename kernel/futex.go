package kernel

import (
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
)

// futexKey names a futex word. A private futex (FUTEX_PRIVATE_FLAG), or
// one in private memory, is its address in an address space: on a
// platform where every process shares one address space (in-process) the
// space is nil; otherwise it is the process's memory manager, so that
// private futexes of different processes never meet. A shared futex in a
// MAP_SHARED mapping is the shared object and the word's offset in it, as
// Linux's get_futex_key does: processes that map the same pages, at any
// address, wait and wake on the same key.
type futexKey struct {
	space  *MM
	object sharedObject
	addr   uint64 // the address, or the offset in object
}

func (t *Task) futexKey(addr uint64, private bool) futexKey {
	mm := t.p.mm
	if !private {
		if obj, off, ok := mm.sharedAt(addr); ok {
			return futexKey{object: obj, addr: off}
		}
	}
	if mm.direct() {
		return futexKey{addr: addr}
	}
	return futexKey{space: mm, addr: addr}
}

type futexWaiter struct {
	key    futexKey
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

// FutexTable is the kernel's futex wait queues, keyed by address space and
// address (futexKey).
type FutexTable struct {
	mu sync.Mutex
	q  map[futexKey][]*futexWaiter
}

func newFutexTable() *FutexTable { return &FutexTable{q: map[futexKey][]*futexWaiter{}} }

// futexRef is a futex word of app memory: a pointer to it when the platform
// lends app memory, else its address, reached through the platform's
// atomic operations (plat.AtomicMemory).
type futexRef struct {
	p    *uint32
	mm   *MM
	addr uint64
}

// futexWord returns the futex word at addr; write asks for a word the
// kernel may change (PROT_WRITE).
func futexWord(t *Task, addr uint64, write bool) (futexRef, error) {
	if addr%4 != 0 {
		return futexRef{}, unix.EINVAL
	}
	mm := t.p.mm
	b, err := mm.Slice(addr, 4, write)
	if err == nil {
		return futexRef{p: (*uint32)(unsafe.Pointer(&b[0]))}, nil
	}
	if err != errNoDirectAccess {
		return futexRef{}, err
	}
	return futexRef{mm: mm, addr: addr}, nil
}

// load reads the word. Without direct access it is a plain copy, which is
// what FUTEX_WAIT's check needs: Linux too reads the word without an
// atomic operation, under the wait queue's lock, as the kernel does here.
func (w futexRef) load() (uint32, error) {
	if w.p != nil {
		return atomic.LoadUint32(w.p), nil
	}
	var v uint32
	if err := w.mm.CopyIn(w.addr, rawBytes(&v)); err != nil {
		return 0, err
	}
	return v, nil
}

// cas replaces the word with nv when it holds old, atomically with respect
// to the app's own atomic instructions.
func (w futexRef) cas(old, nv uint32) (bool, error) {
	if w.p != nil {
		return atomic.CompareAndSwapUint32(w.p, old, nv), nil
	}
	return w.mm.compareAndSwap(w.addr, old, nv)
}

// store sets the word (a compare-and-swap loop without direct access).
func (w futexRef) store(v uint32) error {
	if w.p != nil {
		atomic.StoreUint32(w.p, v)
		return nil
	}
	for {
		old, err := w.load()
		if err != nil {
			return err
		}
		if ok, err := w.cas(old, v); ok || err != nil {
			return err
		}
	}
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

func (ft *FutexTable) enqueue(w *futexWaiter) { ft.q[w.key] = append(ft.q[w.key], w) }

func (ft *FutexTable) remove(w *futexWaiter) {
	list := ft.q[w.key]
	for i, x := range list {
		if x == w {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(ft.q, w.key)
	} else {
		ft.q[w.key] = list
	}
}

// wakeLocked wakes up to n waiters at key whose bitset matches.
func (ft *FutexTable) wakeLocked(key futexKey, n int, bitset uint32) int {
	woken := 0
	for _, w := range append([]*futexWaiter(nil), ft.q[key]...) {
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
func (ft *FutexTable) Wait(t *Task, addr uint64, private bool, val, bitset uint32, deadline time.Time) error {
	if bitset == 0 {
		return unix.EINVAL
	}
	p, err := futexWord(t, addr, false)
	if err != nil {
		return err
	}
	if bitset == linux.FUTEX_BITSET_MATCH_ANY && t.hostFutexKey(addr, private) {
		if served, err := ft.hostWait(t, addr, val, deadline); served {
			return err
		}
	}
	ft.mu.Lock()
	cur, err := p.load()
	if err != nil || cur != val {
		ft.mu.Unlock()
		if err != nil {
			return err
		}
		return unix.EAGAIN
	}
	w := &futexWaiter{key: t.futexKey(addr, private), bitset: bitset, ch: make(chan struct{}), tid: t.TID}
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

// Wake implements FUTEX_WAKE(_BITSET) on the futex at addr in t's address
// space.
func (ft *FutexTable) Wake(t *Task, addr uint64, private bool, n int, bitset uint32) int {
	if bitset == 0 {
		return 0
	}
	ft.mu.Lock()
	defer ft.mu.Unlock()
	return ft.wakeAnyLocked(t, addr, private, n, bitset)
}

// wakeAnyLocked wakes up to n waiters of the futex at addr whose bitset
// matches: the table's first, then host waiters (futex_host.go), which
// wait for any bit.
func (ft *FutexTable) wakeAnyLocked(t *Task, addr uint64, private bool, n int, bitset uint32) int {
	woken := ft.wakeLocked(t.futexKey(addr, private), n, bitset)
	if woken < n && t.hostWakeable(addr, private) {
		woken += hostFutexWake(addr, n-woken)
	}
	return woken
}

// Requeue implements FUTEX_REQUEUE and (with cmp) FUTEX_CMP_REQUEUE.
func (ft *FutexTable) Requeue(t *Task, addr, addr2 uint64, private bool, nwake, nrequeue int, cmp *uint32) (int, error) {
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
		cur, err := p.load()
		if err != nil {
			return 0, err
		}
		if cur != *cmp {
			return 0, unix.EAGAIN
		}
	}
	key, key2 := t.futexKey(addr, private), t.futexKey(addr2, private)
	woken := ft.wakeLocked(key, nwake, linux.FUTEX_BITSET_MATCH_ANY)
	moved := 0
	for _, w := range append([]*futexWaiter(nil), ft.q[key]...) {
		if moved >= nrequeue {
			break
		}
		ft.remove(w)
		w.key = key2
		ft.enqueue(w)
		moved++
	}
	// Host waiters (futex_host.go) are requeued by the host; into a word
	// the host does not serve they cannot go, and are woken instead (a
	// spurious wake-up, which futex callers handle).
	if t.hostWakeable(addr, private) {
		if t.hostWakeable(addr2, private) {
			return woken + moved + hostFutexRequeue(addr, addr2, nwake-woken, nrequeue-moved, cmp), nil
		}
		woken += hostFutexWake(addr, nwake-woken)
		moved += hostFutexWake(addr, nrequeue-moved)
	}
	return woken + moved, nil
}

// WakeOp implements FUTEX_WAKE_OP.
func (ft *FutexTable) WakeOp(t *Task, addr, addr2 uint64, private bool, n, n2 int, op uint32) (int, error) {
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
		old, err = p2.load()
		if err != nil {
			return 0, err
		}
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
		swapped, err := p2.cas(old, nv)
		if err != nil {
			return 0, err
		}
		if swapped {
			break
		}
	}
	woken := ft.wakeAnyLocked(t, addr, private, n, linux.FUTEX_BITSET_MATCH_ANY)
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
		woken += ft.wakeAnyLocked(t, addr2, private, n2, linux.FUTEX_BITSET_MATCH_ANY)
	}
	return woken, nil
}

// LockPI implements FUTEX_LOCK_PI (and TRYLOCK_PI with try): the word holds
// the owner's TID; contended locks set FUTEX_WAITERS and sleep. Ownership is
// handed to the first waiter on unlock. Priorities are not boosted.
func (ft *FutexTable) LockPI(t *Task, addr uint64, private, try bool, deadline time.Time) error {
	p, err := futexWord(t, addr, true)
	if err != nil {
		return err
	}
	tid := uint32(t.TID)
	key := t.futexKey(addr, private)
	for {
		ft.mu.Lock()
		old, err := p.load()
		if err != nil {
			ft.mu.Unlock()
			return err
		}
		owner := old & linux.FUTEX_TID_MASK
		switch {
		case owner == 0:
			nv := tid | old&linux.FUTEX_OWNER_DIED
			if len(ft.q[key]) > 0 {
				nv |= linux.FUTEX_WAITERS
			}
			if swapped, err := p.cas(old, nv); err != nil || !swapped {
				ft.mu.Unlock()
				if err != nil {
					return err
				}
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
		if swapped, err := p.cas(old, old|linux.FUTEX_WAITERS); err != nil || !swapped {
			ft.mu.Unlock()
			if err != nil {
				return err
			}
			continue
		}
		w := &futexWaiter{key: key, bitset: linux.FUTEX_BITSET_MATCH_ANY, ch: make(chan struct{}), tid: t.TID}
		ft.enqueue(w)
		ft.mu.Unlock()
		if err := ft.sleep(t, w, deadline); err != nil {
			return err
		}
		// Woken by UnlockPI, which made us the owner.
		if cur, err := p.load(); err != nil || cur&linux.FUTEX_TID_MASK == tid {
			return err
		}
	}
}

// UnlockPI implements FUTEX_UNLOCK_PI.
func (ft *FutexTable) UnlockPI(t *Task, addr uint64, private bool) error {
	p, err := futexWord(t, addr, true)
	if err != nil {
		return err
	}
	ft.mu.Lock()
	defer ft.mu.Unlock()
	old, err := p.load()
	if err != nil {
		return err
	}
	if old&linux.FUTEX_TID_MASK != uint32(t.TID) {
		return unix.EPERM
	}
	list := ft.q[t.futexKey(addr, private)]
	if len(list) == 0 {
		return p.store(0)
	}
	next := list[0]
	nv := uint32(next.tid)
	if len(list) > 1 {
		nv |= linux.FUTEX_WAITERS
	}
	if err := p.store(nv); err != nil {
		return err
	}
	ft.wakeOne(next)
	return nil
}

// Waitv implements futex_waitv: sleep until any of the words is woken.
// It returns the index of the woken futex; private[i] is word i's
// FUTEX_PRIVATE_FLAG.
func (ft *FutexTable) Waitv(t *Task, addrs []uint64, private []bool, vals []uint32, deadline time.Time) (int, error) {
	ptrs := make([]futexRef, len(addrs))
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
		cur, err := p.load()
		if err != nil || cur != vals[i] {
			ft.mu.Unlock()
			if err != nil {
				return 0, err
			}
			return 0, unix.EAGAIN
		}
	}
	ws := make([]*futexWaiter, len(addrs))
	closed := false
	for i, a := range addrs {
		ws[i] = &futexWaiter{key: t.futexKey(a, private[i]), bitset: linux.FUTEX_BITSET_MATCH_ANY, ch: make(chan struct{}), tid: t.TID, group: g, index: i}
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
