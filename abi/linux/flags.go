package linux

import (
	"strconv"
	"strings"
)

// Flag names one bit pattern of a flags word.
//
// A plain flag has Mask 0 and matches when all bits of Value are set. A
// field (an access mode, a mapping type) has a non-zero Mask and matches
// when v&Mask == Value, even when Value is 0. A Flag with Value 0 and Mask
// 0 is the name printed for a zero word ("PROT_NONE").
type Flag struct {
	Name  string
	Value uint64
	Mask  uint64
}

// FlagSet is an ordered table of flags. Entries are matched in order and
// each match consumes its bits, so a composite flag (O_SYNC includes
// O_DSYNC) must come before its parts. The order is also the print order,
// which follows strace.
type FlagSet []Flag

// FormatFlags renders v as strace prints a flags word:
// "O_RDWR|O_CREAT|O_CLOEXEC". Bits no entry names are appended as one hex
// number ("|0x80000000"). A zero word prints as the set's zero name, or "0".
func FormatFlags(set FlagSet, v uint64) string {
	var b strings.Builder
	rest := v
	matched := false
	for _, f := range set {
		mask := f.Mask
		if mask == 0 {
			mask = f.Value
		}
		if mask == 0 || rest&mask != f.Value {
			continue
		}
		if f.Mask != 0 && v&f.Mask != f.Value {
			continue
		}
		if matched {
			b.WriteByte('|')
		}
		b.WriteString(f.Name)
		matched = true
		rest &^= mask
	}
	if rest != 0 {
		if matched {
			b.WriteByte('|')
		}
		b.WriteString("0x")
		b.WriteString(strconv.FormatUint(rest, 16))
		matched = true
	}
	if !matched {
		return set.zeroName()
	}
	return b.String()
}

// Format is FormatFlags(s, v).
func (s FlagSet) Format(v uint64) string { return FormatFlags(s, v) }

func (s FlagSet) zeroName() string {
	for _, f := range s {
		if f.Value == 0 && f.Mask == 0 {
			return f.Name
		}
	}
	return "0"
}

// Names returns every name in the set, in table order.
func (s FlagSet) Names() []string {
	names := make([]string, 0, len(s))
	for _, f := range s {
		names = append(names, f.Name)
	}
	return names
}

// Enum maps the values of an enumerated argument (a command, an option, a
// domain) to their names.
type Enum map[uint64]string

// FormatEnum renders v as its name, or as hex when the enum has no name for
// it.
func FormatEnum(e Enum, v uint64) string {
	if name, ok := e[v]; ok {
		return name
	}
	return formatHex(v)
}

// Format is FormatEnum(e, v).
func (e Enum) Format(v uint64) string { return FormatEnum(e, v) }

// Lookup returns the name of v and whether the enum knows it.
func (e Enum) Lookup(v uint64) (string, bool) {
	name, ok := e[v]
	return name, ok
}

// Value returns the value named name, for reverse look-ups (coverage
// filters, tests).
func (e Enum) Value(name string) (uint64, bool) {
	for v, n := range e {
		if n == name {
			return v, true
		}
	}
	return 0, false
}
