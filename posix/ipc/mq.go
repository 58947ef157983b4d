package ipc

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
	"github.com/elfloader/elfloader/vfs"
)

// POSIX message queues (mq_overview(7)): named queues in one namespace per
// kernel, opened as descriptors that poll and epoll watch, with priorities,
// blocking and timed sends and receives, and mq_notify's signal.

func registerMq(tb *shim.Table) {
	tb.Register(unix.SYS_MQ_OPEN, shim.Partial, "names, O_CREAT/O_EXCL, permissions, attributes and the limits of /proc/sys/fs/mqueue; RLIMIT_MSGQUEUE is not charged", sysMqOpen)
	tb.Register(unix.SYS_MQ_UNLINK, shim.Full, "", sysMqUnlink)
	tb.Register(unix.SYS_MQ_TIMEDSEND, shim.Full, "", sysMqTimedsend)
	tb.Register(unix.SYS_MQ_TIMEDRECEIVE, shim.Full, "", sysMqTimedreceive)
	tb.Register(unix.SYS_MQ_NOTIFY, shim.Full, "SIGEV_SIGNAL and SIGEV_NONE; SIGEV_THREAD needs a netlink socket, which the app cannot have (EINVAL)", sysMqNotify)
	tb.Register(unix.SYS_MQ_GETSETATTR, shim.Full, "", sysMqGetsetattr)
}

// Linux's limits that do not come from /proc/sys/fs/mqueue.
const (
	mqPrioMax     = 32768
	mqHardMsgMax  = 65536
	mqHardSizeMax = 16 << 20
	siMesgq       = -3 // SI_MESGQ
)

// mqLimits are /proc/sys/fs/mqueue/*, read from the host.
type mqLimits struct {
	queuesMax, msgMax, msgsizeMax, msgDefault, msgsizeDefault int64
}

func hostMqLimits() mqLimits {
	l := mqLimits{queuesMax: 256, msgMax: 10, msgsizeMax: 8192, msgDefault: 10, msgsizeDefault: 8192}
	for name, dst := range map[string]*int64{"queues_max": &l.queuesMax, "msg_max": &l.msgMax,
		"msgsize_max": &l.msgsizeMax, "msg_default": &l.msgDefault, "msgsize_default": &l.msgsizeDefault} {
		b, err := os.ReadFile("/proc/sys/fs/mqueue/" + name)
		if err != nil {
			continue
		}
		if v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil {
			*dst = v
		}
	}
	return l
}

// mqAttr is struct mq_attr.
type mqAttr struct {
	Flags, MaxMsg, MsgSize, CurMsgs int64
	_                               [4]int64
}

// mqNamespace holds the named queues.
type mqNamespace struct {
	mu     sync.Mutex
	limits mqLimits
	queues map[string]*mqueue
}

type mqKey struct{}

func mqns(t *kernel.Task) *mqNamespace {
	return t.Kernel().LibraryState(mqKey{}, func() any {
		return &mqNamespace{limits: hostMqLimits(), queues: map[string]*mqueue{}}
	}).(*mqNamespace)
}

type mqMessage struct {
	prio uint32
	data []byte
}

// mqNotification is a registration of mq_notify.
type mqNotification struct {
	pid    int
	files  *kernel.FDTable // the registering process's table: its close of the queue ends it
	notify int32
	signo  int32
	value  uint64
}

// mqueue is one queue; it outlives its name while descriptors hold it.
type mqueue struct {
	name    string
	uid     uint32
	gid     uint32
	mode    uint32
	maxMsg  int64
	msgSize int64

	mu        sync.Mutex
	msgs      []mqMessage // highest priority first, FIFO within one
	bytes     int64
	receivers int // tasks blocked in mq_timedreceive
	notify    *mqNotification
	waiters   vfs.Queue
}

// mqFile is an open queue description.
type mqFile struct {
	kernel.FileRefs
	q        *mqueue
	released atomic.Bool

	mu    sync.Mutex
	flags int // access mode and O_NONBLOCK
}

func newMqFile(q *mqueue, flags int) *mqFile {
	f := &mqFile{q: q, flags: flags & (unix.O_ACCMODE | unix.O_NONBLOCK)}
	f.InitRefs(func() {
		f.released.Store(true)
		f.q.waiters.Notify(vfs.EventHup)
	})
	return f
}

func (f *mqFile) statusFlags() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.flags
}

// StatusFlags implements kernel.FlagFile.
func (f *mqFile) StatusFlags() int { return f.statusFlags() }

// SetStatusFlags implements kernel.FlagFile (O_NONBLOCK).
func (f *mqFile) SetStatusFlags(fl int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.flags = f.flags&unix.O_ACCMODE | fl&unix.O_NONBLOCK
	return nil
}

// readable and writable follow the access mode; O_ACCMODE (3), which
// Linux lets mq_open create with, is neither.
func (f *mqFile) readable() bool {
	acc := f.statusFlags() & unix.O_ACCMODE
	return acc == unix.O_RDONLY || acc == unix.O_RDWR
}

func (f *mqFile) writable() bool {
	acc := f.statusFlags() & unix.O_ACCMODE
	return acc == unix.O_WRONLY || acc == unix.O_RDWR
}

// Name is what /proc/PID/fd shows: the path in the mqueue filesystem.
func (f *mqFile) Name() string { return "/" + f.q.name }

// Read implements kernel.File: the queue's status line, as read(2) of a
// queue in an mqueue filesystem gives it.
func (f *mqFile) Read(t *kernel.Task, p []byte) (int, error) {
	q := f.q
	q.mu.Lock()
	var notifyPid, notifyKind, signo int
	if n := q.notify; n != nil {
		notifyPid, notifyKind, signo = n.pid, int(n.notify), int(n.signo)
	}
	line := fmt.Sprintf("QSIZE:%-10d NOTIFY:%-5d SIGNO:%-5d NOTIFY_PID:%-6d\n", q.bytes, notifyKind, signo, notifyPid)
	q.mu.Unlock()
	return copy(p, line), nil
}

// Write implements kernel.File: a queue is not written with write(2).
func (f *mqFile) Write(*kernel.Task, []byte) (int, error) { return 0, unix.EINVAL }

// Readiness implements kernel.Waitable: readable with a message queued,
// writable with room for one.
func (f *mqFile) Readiness(mask uint32) uint32 {
	q := f.q
	q.mu.Lock()
	defer q.mu.Unlock()
	var ready uint32
	if len(q.msgs) > 0 {
		ready |= vfs.EventIn | vfs.EventRdNorm
	}
	if int64(len(q.msgs)) < q.maxMsg {
		ready |= vfs.EventOut | vfs.EventWrNorm
	}
	return ready & mask
}

// EventRegister implements kernel.Waitable.
func (f *mqFile) EventRegister(w *vfs.Waiter) { f.q.waiters.Register(w) }

// EventUnregister implements kernel.Waitable.
func (f *mqFile) EventUnregister(w *vfs.Waiter) { f.q.waiters.Unregister(w) }

// Released implements kernel.Waitable.
func (f *mqFile) Released() bool { return f.released.Load() }

// OnClose implements kernel.CloseNotifier: the process that registered a
// notification drops it when it closes a descriptor of the queue.
func (f *mqFile) OnClose(owner *kernel.FDTable) {
	q := f.q
	q.mu.Lock()
	if q.notify != nil && q.notify.files == owner {
		q.notify = nil
	}
	q.mu.Unlock()
}

// mqName reads and checks a queue name (glibc has removed the leading '/').
func mqName(t *kernel.Task, addr uint64) (string, error) {
	if addr == 0 {
		return "", unix.EFAULT
	}
	name, err := t.CopyInString(addr, vfs.PathMax)
	if err != nil {
		return "", err
	}
	switch {
	case len(name) > vfs.NameMax:
		return "", unix.ENAMETOOLONG
	case name == "":
		return "", unix.ENOENT
	case name == ".", name == "..", strings.Contains(name, "/"):
		return "", unix.EACCES
	}
	return name, nil
}

// mqAccess checks the caller's permission (want: the MAY_* bits 4 and 2).
func mqAccess(t *kernel.Task, q *mqueue, want uint32) error {
	c := t.Process().Creds()
	if c.EUID == 0 {
		return nil
	}
	var granted uint32
	switch {
	case c.EUID == q.uid:
		granted = q.mode >> 6
	case inGroup(t, c, q.gid):
		granted = q.mode >> 3
	default:
		granted = q.mode
	}
	if want&^granted&7 != 0 {
		return unix.EACCES
	}
	return nil
}

// mqWant is the permission an open mode needs.
func mqWant(flags int) uint32 {
	switch flags & unix.O_ACCMODE {
	case unix.O_RDONLY:
		return 4
	case unix.O_WRONLY:
		return 2
	}
	return 6
}

// sysMqOpen is mq_open(name, oflag, mode, attr).
func sysMqOpen(t *kernel.Task, a shim.Args) (uint64, error) {
	flags, mode := a.Int(1), uint32(a[2])&0o777
	name, err := mqName(t, a[0])
	if err != nil {
		return 0, err
	}
	var attr *mqAttr
	if flags&unix.O_CREAT != 0 && a[3] != 0 {
		attr = new(mqAttr)
		if err := kernel.CopyInStruct(t, a[3], attr); err != nil {
			return 0, err
		}
	}
	n := mqns(t)
	n.mu.Lock()
	q, ok := n.queues[name]
	if ok {
		n.mu.Unlock()
		if flags&unix.O_CREAT != 0 && flags&unix.O_EXCL != 0 {
			return 0, unix.EEXIST
		}
		if flags&unix.O_ACCMODE == unix.O_ACCMODE {
			return 0, unix.EINVAL
		}
		if err := mqAccess(t, q, mqWant(flags)); err != nil {
			return 0, err
		}
	} else {
		if flags&unix.O_CREAT == 0 {
			n.mu.Unlock()
			return 0, unix.ENOENT
		}
		q, err = n.create(t, name, mode, attr)
		n.mu.Unlock()
		if err != nil {
			return 0, err
		}
	}
	f := newMqFile(q, flags)
	defer f.DecRef()
	fd, err := t.Process().Files().Install(f, 0, flags&unix.O_CLOEXEC != 0)
	return uint64(fd), err
}

// create makes a queue with attr or the defaults; n.mu is held.
func (n *mqNamespace) create(t *kernel.Task, name string, mode uint32, attr *mqAttr) (*mqueue, error) {
	c := t.Process().Creds()
	privileged := c.HasCap(kernel.CapSysResource)
	if int64(len(n.queues)) >= n.limits.queuesMax && !privileged {
		return nil, unix.ENOSPC
	}
	maxMsg, msgSize := min(n.limits.msgDefault, n.limits.msgMax), min(n.limits.msgsizeDefault, n.limits.msgsizeMax)
	if attr != nil {
		if attr.MaxMsg <= 0 || attr.MsgSize <= 0 {
			return nil, unix.EINVAL
		}
		if !privileged && (attr.MaxMsg > n.limits.msgMax || attr.MsgSize > n.limits.msgsizeMax) ||
			attr.MaxMsg > mqHardMsgMax || attr.MsgSize > mqHardSizeMax {
			return nil, unix.EINVAL
		}
		maxMsg, msgSize = attr.MaxMsg, attr.MsgSize
	}
	umask := uint32(0o022)
	if fs := t.Process().FS; fs != nil {
		umask = fs.Umask
	}
	q := &mqueue{name: name, uid: c.EUID, gid: c.EGID, mode: mode &^ umask, maxMsg: maxMsg, msgSize: msgSize}
	n.queues[name] = q
	return q, nil
}

// sysMqUnlink removes a name; the queue lives on while descriptors hold
// it. Only its owner (or a privileged caller) may, as the mqueue
// filesystem's root is a sticky directory.
func sysMqUnlink(t *kernel.Task, a shim.Args) (uint64, error) {
	name, err := mqName(t, a[0])
	if err != nil {
		return 0, err
	}
	n := mqns(t)
	n.mu.Lock()
	defer n.mu.Unlock()
	q, ok := n.queues[name]
	if !ok {
		return 0, unix.ENOENT
	}
	c := t.Process().Creds()
	if c.EUID != q.uid && c.EUID != 0 && !c.HasCap(kernel.CapFowner) {
		return 0, unix.EPERM
	}
	delete(n.queues, name)
	return 0, nil
}

// mqOf returns the queue description at fd (EBADF for other files).
func mqOf(t *kernel.Task, fd int) (*mqFile, func(), error) {
	f, err := t.Process().Files().Get(fd)
	if err != nil {
		return nil, nil, err
	}
	mf, ok := f.(*mqFile)
	if !ok {
		f.DecRef()
		return nil, nil, unix.EBADF
	}
	return mf, f.DecRef, nil
}

// mqDeadline reads an absolute CLOCK_REALTIME timeout (zero: none).
func mqDeadline(t *kernel.Task, addr uint64) (time.Time, error) {
	if addr == 0 {
		return time.Time{}, nil
	}
	var ts unix.Timespec
	if err := kernel.CopyInStruct(t, addr, &ts); err != nil {
		return time.Time{}, err
	}
	if ts.Nsec < 0 || ts.Nsec >= 1e9 || ts.Sec < 0 {
		return time.Time{}, unix.EINVAL
	}
	return time.Unix(ts.Sec, ts.Nsec), nil
}

// wait blocks until the queue changes (ready), the deadline passes
// (ETIMEDOUT) or a signal arrives (ERESTARTSYS); q.mu is held and is
// held again on return.
func (q *mqueue) wait(t *kernel.Task, events uint32, deadline time.Time) error {
	w := vfs.NewWaiter(events)
	q.waiters.Register(w)
	defer q.waiters.Unregister(w)
	q.mu.Unlock()
	err := t.Block(w.C(), deadline)
	q.mu.Lock()
	return err
}

// sysMqTimedsend is mq_timedsend(mqd, msg, len, prio, abs_timeout).
func sysMqTimedsend(t *kernel.Task, a shim.Args) (uint64, error) {
	f, done, err := mqOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer done()
	if !f.writable() {
		return 0, unix.EBADF
	}
	deadline, err := mqDeadline(t, a[4])
	if err != nil {
		return 0, err
	}
	q, size, prio := f.q, a[2], uint32(a[3])
	if prio >= mqPrioMax {
		return 0, unix.EINVAL
	}
	if size > uint64(q.msgSize) {
		return 0, unix.EMSGSIZE
	}
	data := make([]byte, size)
	if err := t.CopyIn(a[1], data); err != nil {
		return 0, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for int64(len(q.msgs)) >= q.maxMsg {
		if f.statusFlags()&unix.O_NONBLOCK != 0 {
			return 0, unix.EAGAIN
		}
		if err := q.wait(t, vfs.EventOut, deadline); err != nil {
			return 0, err
		}
	}
	wasEmpty := len(q.msgs) == 0
	i := sort.Search(len(q.msgs), func(i int) bool { return q.msgs[i].prio < prio })
	q.msgs = append(q.msgs, mqMessage{})
	copy(q.msgs[i+1:], q.msgs[i:])
	q.msgs[i] = mqMessage{prio: prio, data: data}
	q.bytes += int64(size)
	if wasEmpty && q.receivers == 0 && q.notify != nil {
		q.sendNotification(t)
	}
	q.waiters.Notify(vfs.EventIn | vfs.EventRdNorm)
	return 0, nil
}

// sendNotification fires and removes the registration (q.mu held).
func (q *mqueue) sendNotification(t *kernel.Task) {
	n := q.notify
	q.notify = nil
	if n.notify != linux.SIGEV_SIGNAL || n.signo == 0 {
		return
	}
	target := t.Kernel().ProcessByPID(n.pid)
	if target == nil {
		return
	}
	si := kernel.NewSigInfo(int(n.signo), siMesgq)
	si.SetSender(t.Process().PID, t.Process().Creds().RUID)
	si.SetValue(n.value)
	target.SendSignal(si)
}

// sysMqTimedreceive is mq_timedreceive(mqd, buf, len, prio, abs_timeout).
func sysMqTimedreceive(t *kernel.Task, a shim.Args) (uint64, error) {
	f, done, err := mqOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer done()
	if !f.readable() {
		return 0, unix.EBADF
	}
	deadline, err := mqDeadline(t, a[4])
	if err != nil {
		return 0, err
	}
	q := f.q
	if a[2] < uint64(q.msgSize) {
		return 0, unix.EMSGSIZE
	}
	q.mu.Lock()
	for len(q.msgs) == 0 {
		if f.statusFlags()&unix.O_NONBLOCK != 0 {
			q.mu.Unlock()
			return 0, unix.EAGAIN
		}
		q.receivers++
		err := q.wait(t, vfs.EventIn, deadline)
		q.receivers--
		if err != nil {
			q.mu.Unlock()
			return 0, err
		}
	}
	m := q.msgs[0]
	q.msgs = q.msgs[1:]
	q.bytes -= int64(len(m.data))
	q.waiters.Notify(vfs.EventOut | vfs.EventWrNorm)
	q.mu.Unlock()
	// Like Linux, the message is gone even if the copy-out faults.
	if err := t.CopyOut(a[1], m.data); err != nil {
		return 0, err
	}
	if a[3] != 0 {
		prio := m.prio
		if err := kernel.CopyOutStruct(t, a[3], &prio); err != nil {
			return 0, err
		}
	}
	return uint64(len(m.data)), nil
}

// sysMqNotify is mq_notify(mqd, sevp): NULL removes the caller's
// registration.
func sysMqNotify(t *kernel.Task, a shim.Args) (uint64, error) {
	var ev *linux.Sigevent
	if a[1] != 0 {
		ev = new(linux.Sigevent)
		if err := kernel.CopyInStruct(t, a[1], ev); err != nil {
			return 0, err
		}
		switch ev.Notify {
		case linux.SIGEV_NONE:
		case linux.SIGEV_SIGNAL:
			if ev.Signo < 0 || ev.Signo > linux.NumSignals { // 0 is valid: nothing is sent
				return 0, unix.EINVAL
			}
		default:
			return 0, unix.EINVAL
		}
	}
	f, done, err := mqOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer done()
	q, pid := f.q, t.Process().PID
	q.mu.Lock()
	defer q.mu.Unlock()
	if ev == nil {
		if q.notify != nil && q.notify.pid == pid {
			q.notify = nil
		}
		return 0, nil
	}
	if q.notify != nil {
		return 0, unix.EBUSY
	}
	q.notify = &mqNotification{pid: pid, files: t.Process().Files(), notify: ev.Notify, signo: ev.Signo, value: ev.Value}
	return 0, nil
}

// sysMqGetsetattr is mq_getsetattr(mqd, newattr, oldattr): only
// O_NONBLOCK can change.
func sysMqGetsetattr(t *kernel.Task, a shim.Args) (uint64, error) {
	var set *mqAttr
	if a[1] != 0 {
		set = new(mqAttr)
		if err := kernel.CopyInStruct(t, a[1], set); err != nil {
			return 0, err
		}
		if set.Flags&^unix.O_NONBLOCK != 0 {
			return 0, unix.EINVAL
		}
	}
	f, done, err := mqOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer done()
	q := f.q
	q.mu.Lock()
	old := mqAttr{Flags: int64(f.statusFlags() & unix.O_NONBLOCK), MaxMsg: q.maxMsg, MsgSize: q.msgSize, CurMsgs: int64(len(q.msgs))}
	q.mu.Unlock()
	if set != nil {
		f.SetStatusFlags(int(set.Flags))
	}
	if a[2] != 0 {
		if err := kernel.CopyOutStruct(t, a[2], &old); err != nil {
			return 0, err
		}
	}
	return 0, nil
}
