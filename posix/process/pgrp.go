package process

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// registerGroups adds process groups and sessions.
func registerGroups(tb *shim.Table) {
	tb.Register(unix.SYS_SETPGID, shim.Full, "Linux's rules: the caller or a child of it that has not exec'd (EACCES), same session, not a session leader, an existing group of the session (EPERM)", sysSetpgid)
	tb.Register(unix.SYS_GETPGID, shim.Full, "", sysGetpgid)
	tb.Register(unix.SYS_GETPGRP, shim.Full, "", func(t *kernel.Task, a shim.Args) (uint64, error) {
		return uint64(t.Process().ProcessGroup()), nil
	})
	tb.Register(unix.SYS_SETSID, shim.Full, "EPERM for a group leader; the new session has no controlling terminal", sysSetsid)
	tb.Register(unix.SYS_GETSID, shim.Full, "", sysGetsid)
}

func sysSetpgid(t *kernel.Task, a shim.Args) (uint64, error) {
	return 0, t.SetProcessGroup(int(int32(a[0])), int(int32(a[1])))
}

// targetProcess is pid's process, or the caller's for pid 0.
func targetProcess(t *kernel.Task, pid int) (*kernel.Process, error) {
	if pid == 0 {
		return t.Process(), nil
	}
	p := t.Kernel().ProcessByPID(pid)
	if pid < 0 || p == nil {
		return nil, unix.ESRCH
	}
	return p, nil
}

func sysGetpgid(t *kernel.Task, a shim.Args) (uint64, error) {
	p, err := targetProcess(t, int(int32(a[0])))
	if err != nil {
		return 0, err
	}
	return uint64(p.ProcessGroup()), nil
}

func sysGetsid(t *kernel.Task, a shim.Args) (uint64, error) {
	p, err := targetProcess(t, int(int32(a[0])))
	if err != nil {
		return 0, err
	}
	return uint64(p.Session()), nil
}

func sysSetsid(t *kernel.Task, a shim.Args) (uint64, error) {
	sid, err := t.NewSession()
	return uint64(sid), err
}
