package cover

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/coverage"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// Filter serves only what a coverage.Profile allows; it implements
// shim.Filter. A call of a syscall the profile does not list, or with a
// sub-operation it does not list, is refused: the shim answers ENOSYS and
// reports it, or kills the program when the filter was made with kill.
type Filter struct {
	profile coverage.Profile
	kill    bool
	allowed [linux.MaxSyscall + 1]bool
	names   nameCache
}

// NewFilter returns a filter for profile p.
func NewFilter(p coverage.Profile, kill bool) *Filter {
	f := &Filter{profile: p, kill: kill}
	for _, name := range p.Syscalls {
		if name == coverage.Wildcard {
			for nr := range f.allowed {
				f.allowed[nr] = true
			}
			continue
		}
		if nr, ok := syscallNumber(name); ok && nr <= linux.MaxSyscall {
			f.allowed[nr] = true
		}
	}
	return f
}

// syscallNumber accepts a syscall name or the "syscall_<nr>" form reports
// give numbers without a name.
func syscallNumber(name string) (uint64, bool) {
	if nr, ok := linux.SyscallNumber(name); ok {
		return nr, true
	}
	if rest, ok := strings.CutPrefix(name, "syscall_"); ok {
		nr, err := strconv.ParseUint(rest, 10, 64)
		return nr, err == nil
	}
	return 0, false
}

// Refused implements shim.Filter: "syscall NAME (NR)" when the profile
// lacks the syscall, "NAME LABEL" when it lacks the sub-operation
// ("openat O_RDONLY"), "" when it allows the call.
func (f *Filter) Refused(t *kernel.Task, nr uint64, args shim.Args) string {
	name := linux.SyscallName(nr)
	if nr > linux.MaxSyscall || !f.allowed[nr] {
		return fmt.Sprintf("syscall %s (%d)", name, nr)
	}
	var buf [1]coverage.SubOpID
	var mem MemReader
	if t != nil {
		mem = t
	}
	for _, s := range f.names.subOps(mem, nr, args, buf[:0]) {
		if l := label(s); !f.profile.Allows(name, s.Kind, l) {
			return name + " " + l
		}
	}
	return ""
}

// Kill implements shim.Filter.
func (f *Filter) Kill() bool { return f.kill }

// label is the name of a sub-operation as profiles list it (SubOp.Label).
func label(s coverage.SubOpID) string {
	if s.Name != "" {
		return s.Name
	}
	return fmt.Sprintf("%#x", s.Value)
}

// ProfileAction is what happens to a call a profile does not allow.
type ProfileAction string

// The profile actions of `elfloader run --profile-action`.
const (
	ActionENOSYS ProfileAction = "enosys"
	ActionKill   ProfileAction = "kill"
)

// ParseProfileAction accepts "enosys" or "kill".
func ParseProfileAction(s string) (ProfileAction, error) {
	switch a := ProfileAction(strings.ToLower(s)); a {
	case ActionENOSYS, ActionKill:
		return a, nil
	}
	return "", fmt.Errorf("profile action %q: want enosys or kill", s)
}

// LoadFilter reads the profile at path and returns its filter.
func LoadFilter(path string, action ProfileAction) (*Filter, error) {
	p, err := coverage.LoadProfile(path)
	if err != nil {
		return nil, err
	}
	return NewFilter(p, action == ActionKill), nil
}
