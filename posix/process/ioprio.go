package process

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// I/O priorities (ioprio_set(2), ioprio_get(2)): a per-thread attribute,
// inherited by clone and fork, with Linux's classes and permission rules. The host's block layer never
// sees them: the app's files live in memory or go through elfloader.

func registerIoprio(tb *shim.Table) {
	const note = "kept per thread (inherited by clone and fork); the host's block layer never sees it"
	tb.Register(unix.SYS_IOPRIO_SET, shim.Full, note, sysIoprioSet)
	tb.Register(unix.SYS_IOPRIO_GET, shim.Full, note, sysIoprioGet)
}

const (
	ioprioWhoProcess = 1
	ioprioWhoPgrp    = 2
	ioprioWhoUser    = 3

	ioprioClassNone  = 0
	ioprioClassRT    = 1
	ioprioClassBE    = 2
	ioprioClassIdle  = 3
	ioprioClassShift = 13
)

type ioprioKey struct{}

func ioprioClass(v int) int { return (v >> ioprioClassShift) & 7 }

// checkIoprio is ioprio_check_cap.
func checkIoprio(t *kernel.Task, v int) error {
	level := v & 7
	switch ioprioClass(v) {
	case ioprioClassRT:
		if !t.Process().HasCap(kernel.CapSysNice) && !t.Process().HasCap(kernel.CapSysAdmin) {
			return unix.EPERM
		}
	case ioprioClassBE, ioprioClassIdle:
	case ioprioClassNone:
		if level != 0 {
			return unix.EINVAL
		}
	default:
		return unix.EINVAL
	}
	return nil
}

// taskIoprio is the thread's value: 0 (IOPRIO_CLASS_NONE, "follow the
// CPU priority") until one is set, as Linux 6 reports it.
func taskIoprio(t *kernel.Task) int {
	if v, ok := t.TaskValue(ioprioKey{}); ok {
		return v.(int)
	}
	return 0
}

// setTaskIoprio is set_task_ioprio: the caller's real or effective user
// must own the target, or CAP_SYS_NICE.
func setTaskIoprio(t, target *kernel.Task, v int) error {
	c, tc := t.Process().Creds(), target.Process().Creds()
	if tc.RUID != c.EUID && tc.RUID != c.RUID && !t.Process().HasCap(kernel.CapSysNice) {
		return unix.EPERM
	}
	target.SetTaskValue(ioprioKey{}, v)
	return nil
}

// ioprioTargets are the threads which and who name (ESRCH: none).
func ioprioTargets(t *kernel.Task, which, who int) ([]*kernel.Task, error) {
	var tasks []*kernel.Task
	switch which {
	case ioprioWhoProcess:
		if who == 0 {
			return []*kernel.Task{t}, nil
		}
		if nt := t.Kernel().TaskByTID(who); nt != nil {
			return []*kernel.Task{nt}, nil
		}
	case ioprioWhoPgrp:
		if who == 0 {
			who = t.Process().ProcessGroup()
		}
		for _, p := range t.Kernel().GroupMembers(who) {
			tasks = append(tasks, p.Tasks()...)
		}
	case ioprioWhoUser:
		uid := uint32(who)
		if who == 0 {
			uid = t.Process().Creds().RUID
		}
		for _, p := range t.Kernel().Processes() {
			if p.Creds().RUID == uid {
				tasks = append(tasks, p.Tasks()...)
			}
		}
	default:
		return nil, unix.EINVAL
	}
	if len(tasks) == 0 {
		return nil, unix.ESRCH
	}
	return tasks, nil
}

func sysIoprioSet(t *kernel.Task, a shim.Args) (uint64, error) {
	v := a.Int(2)
	if err := checkIoprio(t, v); err != nil {
		return 0, err
	}
	tasks, err := ioprioTargets(t, a.Int(0), a.Int(1))
	if err != nil {
		return 0, err
	}
	for _, target := range tasks {
		if err := setTaskIoprio(t, target, v); err != nil {
			return 0, err
		}
	}
	return 0, nil
}

// sysIoprioGet answers the best (lowest) priority of the threads named.
func sysIoprioGet(t *kernel.Task, a shim.Args) (uint64, error) {
	tasks, err := ioprioTargets(t, a.Int(0), a.Int(1))
	if err != nil {
		return 0, err
	}
	best := -1
	for _, target := range tasks {
		if v := taskIoprio(target); best < 0 || v < best {
			best = v
		}
	}
	return uint64(best), nil
}
