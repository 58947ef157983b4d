package ipc

import (
	"encoding/binary"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

func registerMsg(tb *shim.Table) {
	tb.Register(unix.SYS_MSGGET, shim.Full, "limits from the host's /proc/sys/kernel/msg*", sysMsgget)
	tb.Register(unix.SYS_MSGSND, shim.Full, "waits for room (EINTR on a signal, EIDRM on removal)", sysMsgsnd)
	tb.Register(unix.SYS_MSGRCV, shim.Full, "by type (0, >0, <0, MSG_EXCEPT), MSG_NOERROR, MSG_COPY; waits as msgsnd", sysMsgrcv)
	tb.Register(unix.SYS_MSGCTL, shim.Full, "IPC_STAT, MSG_STAT(_ANY), IPC_SET (msg_qbytes above msgmnb needs CAP_SYS_RESOURCE), IPC_RMID, IPC_INFO, MSG_INFO", sysMsgctl)
}

const (
	msgNoerror = 0o10000
	msgExcept  = 0o20000
	msgCopy    = 0o40000

	msgssz = 16
	msgseg = 0xffff
)

type message struct {
	mtype int64
	text  []byte
}

// mtypeSize is the size of struct msgbuf's mtype (a long) before the text.
const mtypeSize = int(unsafe.Sizeof(message{}.mtype))

// queue is one message queue.
type queue struct {
	perm
	msgs                []message
	cbytes, qbytes      uint64
	stime, rtime, ctime time.Time
	lspid, lrpid        int
	wake                wakeup
}

func (q *queue) ipcPerm() *perm { return &q.perm }

func sysMsgget(t *kernel.Task, a shim.Args) (uint64, error) {
	n := ns(t)
	n.mu.Lock()
	defer n.mu.Unlock()
	id, err := n.msg.get(t, int32(a[0]), a.Int(1), func(object) error { return nil }, func(p perm) (object, error) {
		return &queue{perm: p, qbytes: n.limits.msgmnb, ctime: time.Now()}, nil
	})
	return uint64(id), err
}

// waitQueue waits (with the namespace unlocked) until the queue changes.
func (n *namespace) waitQueue(t *kernel.Task, q *queue) error {
	ch := q.wake.wait()
	n.mu.Unlock()
	err := t.Block(ch, time.Time{})
	n.mu.Lock()
	if q.deleted {
		return unix.EIDRM
	}
	return interrupted(err)
}

func sysMsgsnd(t *kernel.Task, a shim.Args) (uint64, error) {
	n := ns(t)
	id, addr, size, flags := a.Int(0), a[1], a[2], a.Int(3)
	if size > n.limits.msgmax || int64(size) < 0 || id < 0 {
		return 0, unix.EINVAL
	}
	// struct msgbuf: a long mtype, then the text.
	buf := make([]byte, uint64(mtypeSize)+size)
	if err := t.CopyIn(addr, buf); err != nil {
		return 0, err
	}
	m := message{text: buf[mtypeSize:]}
	kernel.DecodeStruct(buf, &m.mtype)
	if m.mtype < 1 {
		return 0, unix.EINVAL
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	for {
		o, err := n.msg.find(id)
		if err != nil {
			return 0, err
		}
		q := o.(*queue)
		if err := access(t, &q.perm, 0o222); err != nil {
			return 0, err
		}
		if q.cbytes+size <= q.qbytes && uint64(len(q.msgs))+1 <= q.qbytes {
			q.msgs = append(q.msgs, m)
			q.cbytes += size
			q.lspid, q.stime = t.Process().PID, time.Now()
			q.wake.broadcast()
			return 0, nil
		}
		if flags&unix.IPC_NOWAIT != 0 {
			return 0, unix.EAGAIN
		}
		if err := n.waitQueue(t, q); err != nil {
			return 0, err
		}
	}
}

// pick returns the index of the message msgrcv's type rule selects, or -1.
func (q *queue) pick(typ int64, flags int) int {
	best := -1
	for i, m := range q.msgs {
		switch {
		case flags&msgCopy != 0:
			if int64(i) == typ {
				return i
			}
		case typ == 0:
			return i
		case typ > 0 && flags&msgExcept == 0:
			if m.mtype == typ {
				return i
			}
		case typ > 0:
			if m.mtype != typ {
				return i
			}
		default:
			if m.mtype <= -typ && (best < 0 || m.mtype < q.msgs[best].mtype) {
				best = i
			}
		}
	}
	return best
}

func sysMsgrcv(t *kernel.Task, a shim.Args) (uint64, error) {
	n := ns(t)
	id, addr, size, typ, flags := a.Int(0), a[1], a[2], int64(a[3]), a.Int(4)
	if id < 0 || int64(size) < 0 {
		return 0, unix.EINVAL
	}
	if flags&msgCopy != 0 && (flags&msgExcept != 0 || flags&unix.IPC_NOWAIT == 0) {
		return 0, unix.EINVAL
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	for {
		o, err := n.msg.find(id)
		if err != nil {
			return 0, err
		}
		q := o.(*queue)
		if err := access(t, &q.perm, 0o444); err != nil {
			return 0, err
		}
		if i := q.pick(typ, flags); i >= 0 {
			return q.receive(t, i, addr, size, flags)
		}
		if flags&unix.IPC_NOWAIT != 0 {
			return 0, unix.ENOMSG
		}
		if err := n.waitQueue(t, q); err != nil {
			return 0, err
		}
	}
}

// receive copies message i out and, unless MSG_COPY, takes it off the
// queue.
func (q *queue) receive(t *kernel.Task, i int, addr, size uint64, flags int) (uint64, error) {
	m := q.msgs[i]
	text := m.text
	if uint64(len(text)) > size {
		if flags&msgNoerror == 0 {
			return 0, unix.E2BIG
		}
		text = text[:size]
	}
	out := make([]byte, mtypeSize+len(text))
	kernel.EncodeStruct(out, &m.mtype)
	copy(out[mtypeSize:], text)
	if err := t.CopyOut(addr, out); err != nil {
		return 0, err
	}
	if flags&msgCopy == 0 {
		q.msgs = append(q.msgs[:i], q.msgs[i+1:]...)
		q.cbytes -= uint64(len(m.text))
		q.lrpid, q.rtime = t.Process().PID, time.Now()
		q.wake.broadcast()
	}
	return uint64(len(text)), nil
}

func sysMsgctl(t *kernel.Task, a shim.Args) (uint64, error) {
	n := ns(t)
	id, cmd, buf := a.Int(0), a.Int(1), a[2]
	if id < 0 || cmd < 0 {
		return 0, unix.EINVAL
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	switch cmd {
	case ipcInfo, msgInfo:
		l := n.limits
		pool, mapv, tql := uint32(l.msgmni*l.msgmnb/1024), uint32(l.msgmnb), uint32(l.msgmnb)
		if cmd == msgInfo {
			pool, mapv, tql = uint32(len(n.msg.objs)), 0, 0
			for _, o := range n.msg.objs {
				mapv += uint32(len(o.(*queue).msgs))
				tql += uint32(o.(*queue).cbytes)
			}
		}
		e := (&enc{}).u32(pool).u32(mapv).u32(uint32(l.msgmax)).u32(uint32(l.msgmnb)).u32(uint32(l.msgmni)).u32(msgssz).u32(tql).u16(msgseg).u16(0)
		return uint64(n.msg.maxIndex()), t.CopyOut(buf, e.b)
	case msgStat, msgStatAny:
		o, err := n.msg.byIndex(id)
		if err != nil {
			return 0, err
		}
		q := o.(*queue)
		if cmd == msgStat {
			if err := access(t, &q.perm, 0o444); err != nil {
				return 0, err
			}
		}
		return uint64(q.id), t.CopyOut(buf, q.stat())
	}
	o, err := n.msg.find(id)
	if err != nil {
		return 0, err
	}
	q := o.(*queue)
	switch cmd {
	case unix.IPC_STAT:
		if err := access(t, &q.perm, 0o444); err != nil {
			return 0, err
		}
		return 0, t.CopyOut(buf, q.stat())
	case unix.IPC_SET:
		b := make([]byte, 120)
		if err := t.CopyIn(buf, b); err != nil {
			return 0, err
		}
		if !owner(t, &q.perm) {
			return 0, unix.EPERM
		}
		qbytes := binary.LittleEndian.Uint64(b[88:])
		if qbytes > n.limits.msgmnb && !t.Process().HasCap(kernel.CapSysResource) {
			return 0, unix.EPERM
		}
		setPerm(&q.perm, b)
		q.qbytes, q.ctime = qbytes, time.Now()
		q.wake.broadcast()
		return 0, nil
	case unix.IPC_RMID:
		if !owner(t, &q.perm) {
			return 0, unix.EPERM
		}
		n.msg.remove(&q.perm)
		q.wake.broadcast()
		return 0, nil
	}
	return 0, unix.EINVAL
}

// stat is struct msqid64_ds.
func (q *queue) stat() []byte {
	e := (&enc{}).perm64(&q.perm).u64(unixTime(q.stime)).u64(unixTime(q.rtime)).u64(unixTime(q.ctime))
	e.u64(q.cbytes).u64(uint64(len(q.msgs))).u64(q.qbytes).u32(uint32(q.lspid)).u32(uint32(q.lrpid))
	return e.u64(0).u64(0).b
}
