package kernel

import (
	"strconv"
	"strings"

	"github.com/elfloader/elfloader/internal/hostfile"

	"golang.org/x/sys/unix"
)

// oomScore is a process's /proc/PID/oom_score_adj and the floor below
// which only CAP_SYS_RESOURCE may lower it (Linux's signal->oom_score_adj
// and oom_score_adj_min). Nothing kills on memory pressure here: the
// value is kept, inherited and shown.
type oomScore struct {
	adj, min int32
}

// hostOOMScore is elfloader's own value on the host, the first process's
// starting point as a forked child's would be. The host keeps its floor
// private: a negative value is taken as set by a privileged parent (the
// floor follows it), a positive one as raised over a floor of 0.
func hostOOMScore() oomScore {
	data, err := hostfile.ReadFile("/proc/self/oom_score_adj")
	if err != nil {
		return oomScore{}
	}
	v, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || v < -1000 || v > 1000 {
		return oomScore{}
	}
	return oomScore{adj: int32(v), min: int32(min(v, 0))}
}

// OOMScoreAdj is the process's oom_score_adj.
func (p *Process) OOMScoreAdj() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return int(p.oom.adj)
}

// SetOOMScoreAdj sets oom_score_adj (the caller checked -1000..1000):
// EACCES below the floor without CAP_SYS_RESOURCE; with it the floor
// follows the new value. Linux asks the writer for the capability; the
// writer is taken to be the process itself or one with its credentials.
func (p *Process) SetOOMScoreAdj(v int) error {
	capable := p.HasCap(CapSysResource)
	p.mu.Lock()
	defer p.mu.Unlock()
	if int32(v) < p.oom.min && !capable {
		return unix.EACCES
	}
	p.oom.adj = int32(v)
	if capable {
		p.oom.min = int32(v)
	}
	return nil
}
