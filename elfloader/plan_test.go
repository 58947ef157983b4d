package elfloader

import (
	"debug/elf"
	"errors"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestNewPlan(t *testing.T) {
	static := mustParse(t, synthELF(func(h *elf.Header64, ph []elf.Prog64) { ph[phInterp].Type = uint32(elf.PT_NULL) }))
	dynExec := mustParse(t, synthELF(nil))
	pie := mustParse(t, synthELF(func(h *elf.Header64, ph []elf.Prog64) { h.Type = uint16(elf.ET_DYN) }))
	ld := mustParse(t, synthELF(func(h *elf.Header64, ph []elf.Prog64) {
		h.Type = uint16(elf.ET_DYN)
		ph[phInterp].Type = uint32(elf.PT_NULL)
	}))
	ldBias := BiasBelow(DefaultMmapTop, ld)

	t.Run("static", func(t *testing.T) {
		p, err := NewPlan(static, 0, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		if p.Entry != synthEntry || p.Brk() != 0x406000 || p.PhdrAddr() != 0x400040 {
			t.Errorf("entry %#x brk %#x phdr %#x", p.Entry, p.Brk(), p.PhdrAddr())
		}
		if m := p.Mappings(); len(m) != 3 || m[1].Addr != 0x401000 || m[1].Prot != unix.PROT_READ|unix.PROT_EXEC {
			t.Errorf("mappings %+v", m)
		}
	})
	t.Run("dynamic PIE enters the interpreter", func(t *testing.T) {
		p, err := NewPlan(pie, DefaultPIEBias, ld, ldBias)
		if err != nil {
			t.Fatal(err)
		}
		if p.Entry != ld.Entry+ldBias {
			t.Errorf("entry %#x, want interpreter entry %#x", p.Entry, ld.Entry+ldBias)
		}
		if ldBias+ld.MaxVaddr > DefaultMmapTop || ldBias%PageSize != 0 {
			t.Errorf("BiasBelow gave %#x", ldBias)
		}
		m := p.Mappings()
		if len(m) != 6 || m[0].Addr != DefaultPIEBias+0x400000 || m[0].Interp || !m[3].Interp || m[3].Addr != ldBias+0x400000 {
			t.Errorf("mappings %+v", m)
		}
		if p.PhdrAddr() != DefaultPIEBias+0x400040 {
			t.Errorf("phdr %#x", p.PhdrAddr())
		}
	})
	errs := []struct {
		name       string
		exec       *Binary
		execBias   uint64
		interp     *Binary
		interpBias uint64
		errno      error
		msg        string
	}{
		{"nil exec", nil, 0, nil, 0, unix.EINVAL, "no executable"},
		{"ET_EXEC with bias", static, 0x1000, nil, 0, unix.EINVAL, "must load at bias 0"},
		{"unaligned bias", pie, 0x123, ld, ldBias, unix.EINVAL, "not page-aligned"},
		{"missing interp", dynExec, 0, nil, 0, unix.EINVAL, "needs its interpreter " + synthInterp},
		{"interp for static", static, 0, ld, ldBias, unix.EINVAL, "has no PT_INTERP"},
		{"interp wants interp", dynExec, 0, pie, ldBias, unix.ELIBBAD, "itself asks for an interpreter"},
		{"overlap", pie, 0, ld, 0, unix.EINVAL, "overlap"},
		{"past address space", pie, 0x7ffffff00000, ld, ldBias, unix.ENOMEM, "past the user address space"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewPlan(tt.exec, tt.execBias, tt.interp, tt.interpBias)
			if !errors.Is(err, tt.errno) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("got %v, want %v containing %q", err, tt.errno, tt.msg)
			}
		})
	}
}

func TestKindAndAuxNames(t *testing.T) {
	for k, want := range map[Kind]string{StaticExec: "static", StaticPIE: "static-pie", DynamicExec: "dynamic", DynamicPIE: "dynamic-pie", 9: "Kind(9)"} {
		if k.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(k), k.String(), want)
		}
	}
	for typ, want := range map[uint64]string{AT_PHDR: "AT_PHDR", AT_SYSINFO_EHDR: "AT_SYSINFO_EHDR", AT_NULL: "AT_NULL", 999: "AT_999"} {
		if AuxName(typ) != want {
			t.Errorf("AuxName(%d) = %q, want %q", typ, AuxName(typ), want)
		}
	}
}
