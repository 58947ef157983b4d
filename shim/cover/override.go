package cover

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/coverage"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// Action is how an override answers a call.
type Action string

// The override actions.
const (
	Stub Action = "stub" // fail with ENOSYS
	Fake Action = "fake" // succeed with 0, doing nothing
)

// Rule answers one syscall, or one sub-operation of it, without its
// handler. Its text form (ParseRule, String) is NAME[:KIND=VALUE]=ACTION,
// e.g. "getrandom=stub" or "ioctl:ioctl=0x5401=fake"; VALUE is a number
// (decimal or 0x hex) or a sub-operation name ("TCGETS").
type Rule struct {
	Syscall  string
	Nr       uint64
	SubKind  string // "" for the whole syscall
	SubValue uint64 // when SubName is ""
	SubName  string // matches the sub-operation's name instead of its value
	Action   Action
}

// ParseRule reads a rule in its text form.
func ParseRule(spec string) (Rule, error) {
	i := strings.LastIndexByte(spec, '=')
	if i < 0 {
		return Rule{}, fmt.Errorf("override %q: want NAME[:KIND=VALUE]=stub|fake", spec)
	}
	target, action := spec[:i], Action(spec[i+1:])
	if action != Stub && action != Fake {
		return Rule{}, fmt.Errorf("override %q: action %q is neither stub nor fake", spec, action)
	}
	r := Rule{Action: action}
	name, sub, hasSub := strings.Cut(target, ":")
	nr, ok := syscallNumber(name)
	if !ok {
		return Rule{}, fmt.Errorf("override %q: unknown syscall %q", spec, name)
	}
	r.Syscall, r.Nr = linux.SyscallName(nr), nr
	if hasSub {
		kind, value, ok := strings.Cut(sub, "=")
		if !ok || kind == "" || value == "" {
			return Rule{}, fmt.Errorf("override %q: sub-operation %q: want KIND=VALUE", spec, sub)
		}
		r.SubKind = kind
		if v, err := strconv.ParseUint(value, 0, 64); err == nil {
			r.SubValue = v
		} else {
			r.SubName = value
		}
	}
	return r, nil
}

// String gives the rule's text form.
func (r Rule) String() string {
	s := r.Syscall
	if r.SubKind != "" {
		v := r.SubName
		if v == "" {
			v = fmt.Sprintf("%#x", r.SubValue)
		}
		s += ":" + r.SubKind + "=" + v
	}
	return s + "=" + string(r.Action)
}

// RuleFor is the rule that applies action to an explore item.
func RuleFor(it coverage.ExploreItem, action Action) Rule {
	return Rule{Syscall: it.Syscall, Nr: it.Nr, SubKind: it.SubKind, SubValue: it.SubValue, Action: action}
}

func (r Rule) ret() uint64 {
	if r.Action == Fake {
		return 0
	}
	return kernel.ErrnoReturn(unix.ENOSYS)
}

// Overrides applies rules to the calls of a program; it implements
// shim.Override. The first matching rule wins.
type Overrides struct {
	byNr  map[uint64][]Rule
	names nameCache
}

// NewOverrides returns the overrides for rules.
func NewOverrides(rules []Rule) *Overrides {
	o := &Overrides{byNr: make(map[uint64][]Rule)}
	for _, r := range rules {
		o.byNr[r.Nr] = append(o.byNr[r.Nr], r)
	}
	return o
}

// Override implements shim.Override.
func (o *Overrides) Override(t *kernel.Task, nr uint64, args shim.Args) (uint64, bool) {
	rules := o.byNr[nr]
	if len(rules) == 0 {
		return 0, false
	}
	var subs []coverage.SubOpID
	decoded := false
	for _, r := range rules {
		if r.SubKind == "" {
			return r.ret(), true
		}
		if !decoded {
			var mem MemReader
			if t != nil {
				mem = t
			}
			subs, decoded = o.names.subOps(mem, nr, args, nil), true
		}
		for _, s := range subs {
			if s.Kind != r.SubKind {
				continue
			}
			if (r.SubName != "" && label(s) == r.SubName) || (r.SubName == "" && s.Value == r.SubValue) {
				return r.ret(), true
			}
		}
	}
	return 0, false
}
