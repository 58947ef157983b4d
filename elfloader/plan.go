package elfloader

import (
	"debug/elf"
	"fmt"

	"golang.org/x/sys/unix"
)

// Suggested load addresses, matching Linux x86-64 without ASLR.
const (
	// DefaultPIEBias is where Linux puts a PIE executable (ELF_ET_DYN_BASE).
	DefaultPIEBias = 0x555555554000
	// DefaultMmapTop is the top of the mmap area below the stack; Linux maps
	// the interpreter just below it. See BiasBelow.
	DefaultMmapTop = 0x7ffff7fff000
)

// BiasBelow returns the page-aligned bias that places all of b's segments
// so they end at or below top (e.g. DefaultMmapTop for ld.so).
func BiasBelow(top uint64, b *Binary) uint64 {
	return pageDown(top-b.Size()) - b.MinVaddr
}

// Plan places an executable and its interpreter in the address space.
// Every address in a Plan is absolute (biased).
type Plan struct {
	Exec       *Binary `json:"exec"`
	ExecBias   uint64  `json:"exec_bias"`   // 0 for ET_EXEC
	Interp     *Binary `json:"interp"`      // nil for static binaries
	InterpBias uint64  `json:"interp_bias"` // AT_BASE
	Entry      uint64  `json:"entry"`       // first instruction: interp entry+bias if interp, else exec entry+bias
}

// NewPlan checks that exec and interp can be placed at the given biases and
// returns the plan. interp must be given exactly when exec has PT_INTERP; the
// caller parses exec.Interp itself (from the host or the app's filesystem).
// Biases must be page-aligned and 0 for ET_EXEC files.
func NewPlan(exec *Binary, execBias uint64, interp *Binary, interpBias uint64) (*Plan, error) {
	if exec == nil {
		return nil, fmt.Errorf("elfloader: NewPlan: no executable: %w", unix.EINVAL)
	}
	if exec.Type == elf.ET_DYN && exec.Entry == 0 {
		return nil, fmt.Errorf("elfloader: %s: has no entry point (e_entry 0): a shared library, not an executable: %w",
			exec.Path, unix.ENOEXEC)
	}
	if err := checkPlacement(exec, execBias, "executable"); err != nil {
		return nil, err
	}
	p := &Plan{Exec: exec, ExecBias: execBias, Entry: exec.Entry + execBias}
	switch {
	case exec.Interp == "" && interp != nil:
		return nil, fmt.Errorf("elfloader: %s: is %s and has no PT_INTERP, but an interpreter %s was given: %w",
			exec.Path, exec.Kind, interp.Path, unix.EINVAL)
	case exec.Interp != "" && interp == nil:
		return nil, fmt.Errorf("elfloader: %s: needs its interpreter %s: parse it and pass it to NewPlan: %w",
			exec.Path, exec.Interp, unix.EINVAL)
	case interp == nil:
		return p, nil
	}
	if interp.Interp != "" {
		return nil, fmt.Errorf("elfloader: %s: the interpreter itself asks for an interpreter (%s): %w",
			interp.Path, interp.Interp, unix.ELIBBAD)
	}
	if interp.Entry == 0 {
		return nil, fmt.Errorf("elfloader: %s: the interpreter has no entry point (e_entry 0): %w", interp.Path, unix.ELIBBAD)
	}
	if err := checkPlacement(interp, interpBias, "interpreter"); err != nil {
		return nil, err
	}
	eLo, eHi := exec.MinVaddr+execBias, exec.MaxVaddr+execBias
	iLo, iHi := interp.MinVaddr+interpBias, interp.MaxVaddr+interpBias
	if eLo < iHi && iLo < eHi {
		return nil, fmt.Errorf("elfloader: executable [0x%x, 0x%x) and interpreter [0x%x, 0x%x) overlap: choose another interpreter bias: %w",
			eLo, eHi, iLo, iHi, unix.EINVAL)
	}
	p.Interp, p.InterpBias = interp, interpBias
	p.Entry = interp.Entry + interpBias
	return p, nil
}

func checkPlacement(b *Binary, bias uint64, role string) error {
	switch {
	case bias%PageSize != 0:
		return fmt.Errorf("elfloader: %s: %s bias 0x%x is not page-aligned: %w", b.Path, role, bias, unix.EINVAL)
	case b.Type == elf.ET_EXEC && bias != 0:
		return fmt.Errorf("elfloader: %s: ET_EXEC %s must load at bias 0, got 0x%x: %w", b.Path, role, bias, unix.EINVAL)
	case b.MaxVaddr+bias < b.MaxVaddr || b.MaxVaddr+bias > UserAddressLimit:
		return fmt.Errorf("elfloader: %s: %s at bias 0x%x ends past the user address space (0x%x): %w",
			b.Path, role, bias, uint64(UserAddressLimit), unix.ENOMEM)
	}
	return nil
}

// Mapping is one segment of a Plan at its absolute address.
type Mapping struct {
	Path    string `json:"path"` // file to read FileOff/Filesz from
	Interp  bool   `json:"interp"`
	Addr    uint64 `json:"addr"`     // page-aligned absolute start
	Len     uint64 `json:"len"`      // page-aligned length
	FileOff uint64 `json:"file_off"` // page-aligned file offset of the byte at Addr
	Filesz  uint64 `json:"filesz"`   // bytes to copy; Addr+Filesz..Addr+Len must read as zero
	Prot    int    `json:"prot"`
}

// Mappings lists every segment to map, executable first, then interpreter.
func (p *Plan) Mappings() []Mapping {
	var out []Mapping
	add := func(b *Binary, bias uint64, interp bool) {
		for _, s := range b.Segments {
			out = append(out, Mapping{
				Path: b.Path, Interp: interp, Addr: s.Vaddr + bias, Len: s.Memsz,
				FileOff: s.FileOff, Filesz: s.Filesz, Prot: s.Prot,
			})
		}
	}
	add(p.Exec, p.ExecBias, false)
	if p.Interp != nil {
		add(p.Interp, p.InterpBias, true)
	}
	return out
}

// Brk returns the initial program break: the page-aligned end of the
// executable's highest segment (Linux adds a random offset under ASLR).
func (p *Plan) Brk() uint64 { return p.Exec.MaxVaddr + p.ExecBias }

// PhdrAddr returns the absolute address of the executable's program headers (AT_PHDR).
func (p *Plan) PhdrAddr() uint64 { return p.Exec.PhdrVaddr + p.ExecBias }
