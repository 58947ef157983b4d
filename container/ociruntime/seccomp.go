package ociruntime

// A bundle's linux.seccomp profile applied by elfloader's syscall table
// instead of the host kernel: every call the app makes is matched against
// the profile's rules (syscall name and argument conditions) before its
// handler runs, and gets the action of the matching rules, else the
// profile's default action.

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// seccompAction is what a call gets.
type seccompAction struct {
	kind  specs.LinuxSeccompAction
	errno unix.Errno
}

// seccompRule is one rule for one syscall: its action when every
// argument condition holds.
type seccompRule struct {
	action seccompAction
	args   []specs.LinuxSeccompArg
}

// Seccomp is a profile as a shim.Override.
type Seccomp struct {
	def   seccompAction
	rules map[uint64][]seccompRule
}

// actionPrecedence orders the actions as Linux does when several match
// (the most restrictive wins).
var actionPrecedence = map[specs.LinuxSeccompAction]int{
	specs.ActKillProcess: 8, specs.ActKillThread: 7, specs.ActKill: 7, specs.ActTrap: 6, specs.ActErrno: 5,
	specs.ActNotify: 4, specs.ActTrace: 3, specs.ActLog: 2, specs.ActAllow: 1,
}

// newSeccomp compiles a profile; the notes say what is approximated.
func newSeccomp(p *specs.LinuxSeccomp) (*Seccomp, []string, error) {
	var notes []string
	def, err := newSeccompAction(p.DefaultAction, p.DefaultErrnoRet)
	if err != nil {
		return nil, nil, fmt.Errorf("linux.seccomp.defaultAction: %w", err)
	}
	sc := &Seccomp{def: def, rules: map[uint64][]seccompRule{}}
	for i, r := range p.Syscalls {
		a, err := newSeccompAction(r.Action, r.ErrnoRet)
		if err != nil {
			return nil, nil, fmt.Errorf("linux.seccomp.syscalls[%d]: %w", i, err)
		}
		for _, arg := range r.Args {
			if arg.Index > 5 || seccompCompare(arg, 0) == nil {
				return nil, nil, fmt.Errorf("linux.seccomp.syscalls[%d]: argument %d: bad index or operator %q", i, arg.Index, arg.Op)
			}
		}
		for _, name := range r.Names {
			// Names of other architectures' calls are skipped, as runc does.
			if nr, ok := linux.SyscallNumber(name); ok {
				sc.rules[nr] = append(sc.rules[nr], seccompRule{action: a, args: r.Args})
			}
		}
	}
	for _, k := range []specs.LinuxSeccompAction{specs.ActKill, specs.ActKillThread, specs.ActKillProcess, specs.ActTrace, specs.ActNotify} {
		if sc.uses(k) {
			notes = append(notes, fmt.Sprintf("linux.seccomp: %s is approximated (%s)", k, approximation[k]))
		}
	}
	if p.ListenerPath != "" {
		notes = append(notes, "linux.seccomp.listenerPath: no notifications are sent")
	}
	return sc, notes, nil
}

// approximation says how the actions elfloader cannot give exactly are
// given.
var approximation = map[specs.LinuxSeccompAction]string{
	specs.ActKill:        "the process ends as killed by SIGSYS",
	specs.ActKillThread:  "the process ends as killed by SIGSYS, not only the thread",
	specs.ActKillProcess: "the process ends as killed by SIGSYS",
	specs.ActTrace:       "no tracer: ENOSYS",
	specs.ActNotify:      "no listener: ENOSYS",
}

func (sc *Seccomp) uses(k specs.LinuxSeccompAction) bool {
	if sc.def.kind == k {
		return true
	}
	for _, rules := range sc.rules {
		for _, r := range rules {
			if r.action.kind == k {
				return true
			}
		}
	}
	return false
}

func newSeccompAction(kind specs.LinuxSeccompAction, errnoRet *uint) (seccompAction, error) {
	if _, ok := actionPrecedence[kind]; !ok {
		return seccompAction{}, fmt.Errorf("unknown action %q", kind)
	}
	a := seccompAction{kind: kind, errno: unix.EPERM}
	if errnoRet != nil {
		a.errno = unix.Errno(*errnoRet)
	}
	return a, nil
}

// seccompCompare returns whether the condition holds for the value v, or
// nil for an unknown operator.
func seccompCompare(c specs.LinuxSeccompArg, v uint64) func() bool {
	ops := map[specs.LinuxSeccompOperator]func() bool{
		specs.OpEqualTo:      func() bool { return v == c.Value },
		specs.OpNotEqual:     func() bool { return v != c.Value },
		specs.OpLessThan:     func() bool { return v < c.Value },
		specs.OpLessEqual:    func() bool { return v <= c.Value },
		specs.OpGreaterThan:  func() bool { return v > c.Value },
		specs.OpGreaterEqual: func() bool { return v >= c.Value },
		specs.OpMaskedEqual:  func() bool { return v&c.Value == c.ValueTwo },
	}
	return ops[c.Op]
}

// action is what the call nr with args gets.
func (sc *Seccomp) action(nr uint64, args shim.Args) seccompAction {
	best, matched := sc.def, false
	for _, r := range sc.rules[nr] {
		if !r.matches(args) {
			continue
		}
		if !matched || actionPrecedence[r.action.kind] > actionPrecedence[best.kind] {
			best, matched = r.action, true
		}
	}
	return best
}

func (r seccompRule) matches(args shim.Args) bool {
	for _, c := range r.args {
		if !seccompCompare(c, args[c.Index])() {
			return false
		}
	}
	return true
}

// Override implements shim.Override: an allowed call goes to its
// handler; a refused one gets its errno, SIGSYS, or ends the process.
func (sc *Seccomp) Override(t *kernel.Task, nr uint64, args shim.Args) (uint64, bool) {
	a := sc.action(nr, args)
	switch a.kind {
	case specs.ActAllow, specs.ActLog:
		return 0, false
	case specs.ActErrno:
		return kernel.ErrnoReturn(a.errno), true
	case specs.ActTrap:
		t.ForceFault(kernel.NewSigInfo(int(unix.SIGSYS), linux.SYS_SECCOMP))
		return kernel.ErrnoReturn(unix.ENOSYS), true
	case specs.ActKill, specs.ActKillThread, specs.ActKillProcess:
		t.KillBySignal(int(unix.SIGSYS))
		return kernel.ErrnoReturn(unix.ENOSYS), true
	}
	return kernel.ErrnoReturn(unix.ENOSYS), true // trace, notify: nobody listens
}
