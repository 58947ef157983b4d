package elfloader

import (
	"debug/elf"
	"fmt"
)

// Kind classifies an executable by how it must be loaded.
type Kind int

const (
	StaticExec  Kind = iota // ET_EXEC without PT_INTERP: fixed address, no loader
	StaticPIE               // ET_DYN without PT_INTERP: relocates itself (also ld.so and plain shared objects)
	DynamicExec             // ET_EXEC with PT_INTERP: fixed address, ld.so loaded too
	DynamicPIE              // ET_DYN with PT_INTERP: position-independent, ld.so loaded too
)

var kindNames = [...]string{
	StaticExec:  "static",
	StaticPIE:   "static-pie",
	DynamicExec: "dynamic",
	DynamicPIE:  "dynamic-pie",
}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// MarshalText makes a Kind appear as its name in JSON.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// IsPIE reports whether the binary is position independent and needs a load bias.
func (k Kind) IsPIE() bool { return k == StaticPIE || k == DynamicPIE }

// HasInterp reports whether the binary names an interpreter (ld.so).
func (k Kind) HasInterp() bool { return k == DynamicExec || k == DynamicPIE }

func kindOf(t elf.Type, interp string) Kind {
	switch {
	case t == elf.ET_EXEC && interp == "":
		return StaticExec
	case t == elf.ET_EXEC:
		return DynamicExec
	case interp == "":
		return StaticPIE
	default:
		return DynamicPIE
	}
}
