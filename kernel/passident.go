package kernel

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	"github.com/elfloader/elfloader/plat"
)

// Identity pass-through: a platform that passes host descriptor calls
// through may also answer getpid, gettid and getppid itself
// (plat.PassThroughContext.SetPassIdentity). The PID and TID of a thread
// never change while it runs app code; the parent PID does, when the
// parent ends and the process is reparented, so it lives in a word of its
// own outside the Go heap that the platform reads at each call: one word
// per PID, indexed from the kernel's first PID (PIDs are never reused).

// passPIDCapacity is the number of PIDs, from the first, whose parent PID
// the platform can read (later ones send getppid and friends to the
// kernel). The table is reserved, not committed: 4 MiB of address space,
// one page touched per 1024 processes.
const passPIDCapacity = 1 << 20

// ppidTable is the parent PID of each process, by PID - base.
type ppidTable struct {
	mem   []byte
	ppids []atomic.Uint32
	base  int
}

func newPPIDTable(base int) (*ppidTable, error) {
	mem, err := mapPassTable(passPIDCapacity * 4)
	if err != nil {
		return nil, fmt.Errorf("kernel: the pass-through parent PID table: %w", err)
	}
	return &ppidTable{mem: mem, ppids: unsafe.Slice((*atomic.Uint32)(unsafe.Pointer(&mem[0])), passPIDCapacity), base: base}, nil
}

// word is pid's parent PID word, or nil outside the table.
func (pt *ppidTable) word(pid int) *atomic.Uint32 {
	if i := pid - pt.base; i >= 0 && i < len(pt.ppids) {
		return &pt.ppids[i]
	}
	return nil
}

// setPPID records the process's parent PID, for getppid and the platform.
func (p *Process) setPPID(ppid int) {
	p.ppid.Store(int64(ppid))
	if pt := p.k.pass; pt != nil {
		if w := pt.ppids.word(p.PID); w != nil {
			w.Store(uint32(ppid))
		}
	}
}

// setPassIdentity gives the platform the task's identity with its
// tables, or none.
func (t *Task) setPassIdentity(pc plat.PassThroughContext, on bool) {
	if on {
		if w := t.k.pass.ppids.word(t.p.PID); w != nil {
			pc.SetPassIdentity(uint32(t.p.PID), uint32(t.TID), w)
			return
		}
	}
	pc.SetPassIdentity(0, 0, nil)
}
