package kernel

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// zapWait bounds how long execve waits for the other threads to go.
const zapWait = 10 * time.Second

// zapOtherThreads ends every other thread of t's process before execve
// replaces the program, as Linux's de_thread: each is told to stop (a
// blocked call is interrupted, app code is kicked out), runs its thread
// exit (robust futexes, CLONE_CHILD_CLEARTID) and leaves; then t takes the
// leader's place and its TID, the process ID. It reports false when a
// thread would not stop, and the process is then killed.
func (t *Task) zapOtherThreads() bool {
	p := t.p
	p.mu.Lock()
	var others []*Task
	for _, o := range p.tasks {
		if o != t {
			others = append(others, o)
		}
	}
	p.mu.Unlock()
	for _, o := range others {
		o.zapped.Store(true)
		o.notify()
	}
	deadline := time.After(zapWait)
	for _, o := range others {
		select {
		case <-o.gone:
		case <-deadline:
			fmt.Fprintf(t.k.Report(), "elfloader: execve: thread %d of process %d did not stop: killed\n", o.TID, p.PID)
			t.KillBySignal(int(unix.SIGKILL))
			return false
		}
	}
	t.becomeLeader()
	return true
}

// becomeLeader makes t, the process's last thread, its leader with the
// leader's TID (the process ID), as a non-leader thread that calls execve
// does on Linux.
func (t *Task) becomeLeader() {
	p := t.p
	if t.TID == p.PID {
		return
	}
	t.k.removeTask(t)
	p.mu.Lock()
	delete(p.tasks, t.TID)
	t.TID = p.PID
	p.tasks[t.TID] = t
	p.leader = t
	p.mu.Unlock()
	t.k.addTask(t)
}
