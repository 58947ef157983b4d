package ipc

import (
	"encoding/binary"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// Register adds the library's handlers to tb.
func Register(tb *shim.Table) {
	registerShm(tb)
	registerSem(tb)
	registerMsg(tb)
	registerMq(tb)
}

// Commands and flags of <sys/ipc.h>, <sys/shm.h>, <sys/sem.h>, <sys/msg.h>
// that golang.org/x/sys/unix does not name.
const (
	ipcInfo    = 3
	semStat    = 18
	semInfo    = 19
	semStatAny = 20
	msgStat    = 11
	msgInfo    = 12
	msgStatAny = 13
	shmStat    = 13
	shmInfo    = 14
	shmStatAny = 15
	shmLock    = 11
	shmUnlock  = 12
)

// ipcmniShift is how far an object's sequence number is shifted in its id
// (Linux's IPCMNI_SHIFT).
const ipcmniShift = 15

// limits are the namespace's tunables (/proc/sys/kernel/shm*, msg*, sem),
// read from the host at start so that the app sees what a native program
// sees, with Linux's defaults where the host does not say.
type limits struct {
	shmmax, shmall, shmmni         uint64
	msgmax, msgmnb, msgmni         uint64
	semmsl, semmns, semopm, semmni uint64
}

func hostLimits() limits {
	l := limits{
		shmmax: 1<<64 - 1 - 1<<24, shmall: 1<<64 - 1 - 1<<24, shmmni: 4096,
		msgmax: 8192, msgmnb: 16384, msgmni: 32000,
		semmsl: 32000, semmns: 1024000000, semopm: 500, semmni: 32000,
	}
	read := func(name string) []uint64 {
		b, err := os.ReadFile("/proc/sys/kernel/" + name)
		if err != nil {
			return nil
		}
		var out []uint64
		for _, f := range strings.Fields(string(b)) {
			v, err := strconv.ParseUint(f, 10, 64)
			if err != nil {
				return nil
			}
			out = append(out, v)
		}
		return out
	}
	for name, dst := range map[string]*uint64{"shmmax": &l.shmmax, "shmall": &l.shmall, "shmmni": &l.shmmni,
		"msgmax": &l.msgmax, "msgmnb": &l.msgmnb, "msgmni": &l.msgmni} {
		if v := read(name); len(v) == 1 {
			*dst = v[0]
		}
	}
	if v := read("sem"); len(v) == 4 {
		l.semmsl, l.semmns, l.semopm, l.semmni = v[0], v[1], v[2], v[3]
	}
	return l
}

// perm is struct kern_ipc_perm: the key, owner, creator and mode of one
// object.
type perm struct {
	key        int32
	uid, gid   uint32
	cuid, cgid uint32
	mode       uint32
	seq        uint32
	id         int
	deleted    bool
}

// object is what every IPC object has.
type object interface{ ipcPerm() *perm }

// table is one kind of object (shm, sem or msg) in the namespace: ids and
// keys.
type table struct {
	objs map[int]object // by index
	keys map[int32]int  // key → index, for keys other than IPC_PRIVATE
	seq  uint32
	max  uint64 // *mni
}

func newTable(max uint64) *table {
	return &table{objs: map[int]object{}, keys: map[int32]int{}, max: max}
}

// namespace is the kernel's IPC namespace.
type namespace struct {
	mu     sync.Mutex
	limits limits
	shm    *table
	sem    *table
	msg    *table

	shmAttaches []*attachment
	undos       map[int]*undoList // by pid
}

type nsKey struct{}

func ns(t *kernel.Task) *namespace {
	return t.Kernel().LibraryState(nsKey{}, func() any {
		l := hostLimits()
		return &namespace{limits: l, shm: newTable(l.shmmni), sem: newTable(l.semmni), msg: newTable(l.msgmni), undos: map[int]*undoList{}}
	}).(*namespace)
}

// lookupOrCreate is the get half of shmget/semget/msgget: check returns
// an error for an existing object that does not fit the request, create
// makes a new one.
func (tb *table) get(t *kernel.Task, key int32, flags int, check func(object) error, create func(p perm) (object, error)) (int, error) {
	if key != unix.IPC_PRIVATE {
		if idx, ok := tb.keys[key]; ok {
			o := tb.objs[idx]
			if flags&unix.IPC_CREAT != 0 && flags&unix.IPC_EXCL != 0 {
				return 0, unix.EEXIST
			}
			if err := access(t, o.ipcPerm(), flags&0o777); err != nil {
				return 0, err
			}
			if err := check(o); err != nil {
				return 0, err
			}
			return o.ipcPerm().id, nil
		}
		if flags&unix.IPC_CREAT == 0 {
			return 0, unix.ENOENT
		}
	}
	if uint64(len(tb.objs)) >= tb.max {
		return 0, unix.ENOSPC
	}
	idx := 0
	for ; ; idx++ {
		if _, used := tb.objs[idx]; !used {
			break
		}
	}
	c := t.Process().Creds()
	tb.seq++
	p := perm{key: key, uid: c.EUID, gid: c.EGID, cuid: c.EUID, cgid: c.EGID, mode: uint32(flags & 0o777),
		seq: tb.seq & 0xffff, id: int(tb.seq&0xffff)<<ipcmniShift | idx}
	o, err := create(p)
	if err != nil {
		return 0, err
	}
	tb.objs[idx] = o
	if key != unix.IPC_PRIVATE {
		tb.keys[key] = idx
	}
	return p.id, nil
}

// find returns the live object an id names (EINVAL for none, EIDRM is not
// distinguished: Linux answers EINVAL for a stale id as well).
func (tb *table) find(id int) (object, error) {
	if id < 0 {
		return nil, unix.EINVAL
	}
	o, ok := tb.objs[id&(1<<ipcmniShift-1)]
	if !ok || o.ipcPerm().id != id {
		return nil, unix.EINVAL
	}
	return o, nil
}

// byIndex returns the object at an index (the *_STAT commands).
func (tb *table) byIndex(idx int) (object, error) {
	o, ok := tb.objs[idx]
	if !ok || idx < 0 {
		return nil, unix.EINVAL
	}
	return o, nil
}

// unkey makes the object private: no key finds it any more.
func (tb *table) unkey(p *perm) {
	idx := p.id & (1<<ipcmniShift - 1)
	if p.key != unix.IPC_PRIVATE && tb.keys[p.key] == idx {
		delete(tb.keys, p.key)
	}
}

// remove takes the object out of the table (IPC_RMID).
func (tb *table) remove(p *perm) {
	tb.unkey(p)
	delete(tb.objs, p.id&(1<<ipcmniShift-1))
	p.deleted = true
}

// maxIndex is the highest index in use (the IPC_INFO result), 0 when
// none is.
func (tb *table) maxIndex() int {
	m := 0
	for idx := range tb.objs {
		m = max(m, idx)
	}
	return m
}

// access checks the caller's permission (mode bits 0o4 read, 0o2 write,
// given as rwx for owner) on an object, as Linux's ipcperms.
func access(t *kernel.Task, p *perm, want int) error {
	c := t.Process().Creds()
	granted := p.mode
	switch {
	case c.EUID == p.uid || c.EUID == p.cuid:
		granted >>= 6
	case inGroup(t, c, p.gid) || inGroup(t, c, p.cgid):
		granted >>= 3
	}
	req := uint32(want>>6|want>>3|want) & 7
	if req&^granted&7 != 0 && !c.HasCap(kernel.CapIpcOwner) {
		return unix.EACCES
	}
	return nil
}

func inGroup(t *kernel.Task, c kernel.Credentials, gid uint32) bool {
	if c.EGID == gid {
		return true
	}
	if fs := t.Process().FS; fs != nil {
		for _, g := range fs.Groups {
			if g == gid {
				return true
			}
		}
	}
	return false
}

// owner reports whether the caller may change or remove the object
// (IPC_SET, IPC_RMID): its owner, its creator, or CAP_SYS_ADMIN.
func owner(t *kernel.Task, p *perm) bool {
	c := t.Process().Creds()
	return c.EUID == p.uid || c.EUID == p.cuid || c.HasCap(kernel.CapSysAdmin)
}

// enc builds a little-endian struct.
type enc struct{ b []byte }

func (e *enc) u16(v uint16) *enc { e.b = binary.LittleEndian.AppendUint16(e.b, v); return e }
func (e *enc) u32(v uint32) *enc { e.b = binary.LittleEndian.AppendUint32(e.b, v); return e }
func (e *enc) u64(v uint64) *enc { e.b = binary.LittleEndian.AppendUint64(e.b, v); return e }

// perm64 appends struct ipc64_perm (48 bytes).
func (e *enc) perm64(p *perm) *enc {
	e.u32(uint32(p.key)).u32(p.uid).u32(p.gid).u32(p.cuid).u32(p.cgid)
	return e.u16(uint16(p.mode)).u16(0).u16(uint16(p.seq)).u16(0).u32(0).u64(0).u64(0)
}

// setPerm applies IPC_SET's uid, gid and mode from a struct ipc64_perm.
func setPerm(p *perm, b []byte) {
	p.uid = binary.LittleEndian.Uint32(b[4:])
	p.gid = binary.LittleEndian.Uint32(b[8:])
	p.mode = p.mode&^0o777 | uint32(binary.LittleEndian.Uint16(b[20:]))&0o777
}

func unixTime(t time.Time) uint64 {
	if t.IsZero() {
		return 0
	}
	return uint64(t.Unix())
}

// interrupted turns Block's restart request into EINTR: IPC waits are
// never restarted after a signal handler.
func interrupted(err error) error {
	if err == kernel.ERESTARTSYS {
		return unix.EINTR
	}
	return err
}

// wakeup is a broadcast: waiters take the current channel, changers close
// it and make a new one.
type wakeup struct{ ch chan struct{} }

func (w *wakeup) wait() <-chan struct{} {
	if w.ch == nil {
		w.ch = make(chan struct{})
	}
	return w.ch
}

func (w *wakeup) broadcast() {
	if w.ch != nil {
		close(w.ch)
		w.ch = nil
	}
}
