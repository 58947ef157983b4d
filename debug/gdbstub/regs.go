package gdbstub

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/elfloader/elfloader/arch/amd64"
)

// regKind says where a register's value lives.
type regKind int

const (
	kindGPR    regKind = iota // a field of amd64.Regs
	kindLegacy                // bytes of the XSAVE legacy (FXSAVE) area
	kindFTag                  // the x87 tag word, full format (gdb's), from the abridged one
	kindYMMH                  // the upper half of a YMM register (XSAVE component 2)
)

// regDef is one register gdb sees, in target.xml order (which is also the
// order of the 'g' packet and the numbers of 'p'/'P').
type regDef struct {
	name    string
	bits    int
	typ     string
	group   string
	feature string
	kind    regKind
	gpr     func(r *amd64.Regs) *uint64
	off     int // kindLegacy: offset in the legacy area; kindYMMH: register index
}

const (
	featCore     = "org.gnu.gdb.i386.core"
	featSSE      = "org.gnu.gdb.i386.sse"
	featLinux    = "org.gnu.gdb.i386.linux"
	featSegments = "org.gnu.gdb.i386.segments"
	featAVX      = "org.gnu.gdb.i386.avx"
)

// Offsets in the XSAVE legacy area (the FXSAVE layout, 64-bit form).
const (
	fxFCW   = 0
	fxFSW   = 2
	fxFTW   = 4 // abridged tag: one bit per register
	fxFOP   = 6
	fxFIP   = 8
	fxFDP   = 16
	fxMXCSR = 24
	fxST0   = 32
	fxXMM0  = 160
	eflagTF = 0x100

	xstateBVOffset = amd64.XSaveHeaderOffset
	xfeatureX87    = 1 << amd64.XFeatureX87
	xfeatureSSE    = 1 << amd64.XFeatureSSE
	xfeatureYMM    = 1 << amd64.XFeatureYMM
)

func gpr(name string, bits int, typ, feature string, f func(r *amd64.Regs) *uint64) regDef {
	return regDef{name: name, bits: bits, typ: typ, group: "general", feature: feature, kind: kindGPR, gpr: f}
}

func legacy(name string, bits int, typ, group, feature string, off int) regDef {
	return regDef{name: name, bits: bits, typ: typ, group: group, feature: feature, kind: kindLegacy, off: off}
}

// registerSet returns the registers for a CPU with the XSAVE layout xs:
// gdb's amd64 core, SSE, Linux and segment features, and AVX when the
// kernel enabled YMM state.
func registerSet(xs *amd64.XState) []regDef {
	regs := []regDef{
		gpr("rax", 64, "int64", featCore, func(r *amd64.Regs) *uint64 { return &r.Rax }),
		gpr("rbx", 64, "int64", featCore, func(r *amd64.Regs) *uint64 { return &r.Rbx }),
		gpr("rcx", 64, "int64", featCore, func(r *amd64.Regs) *uint64 { return &r.Rcx }),
		gpr("rdx", 64, "int64", featCore, func(r *amd64.Regs) *uint64 { return &r.Rdx }),
		gpr("rsi", 64, "int64", featCore, func(r *amd64.Regs) *uint64 { return &r.Rsi }),
		gpr("rdi", 64, "int64", featCore, func(r *amd64.Regs) *uint64 { return &r.Rdi }),
		gpr("rbp", 64, "data_ptr", featCore, func(r *amd64.Regs) *uint64 { return &r.Rbp }),
		gpr("rsp", 64, "data_ptr", featCore, func(r *amd64.Regs) *uint64 { return &r.Rsp }),
		gpr("r8", 64, "int64", featCore, func(r *amd64.Regs) *uint64 { return &r.R8 }),
		gpr("r9", 64, "int64", featCore, func(r *amd64.Regs) *uint64 { return &r.R9 }),
		gpr("r10", 64, "int64", featCore, func(r *amd64.Regs) *uint64 { return &r.R10 }),
		gpr("r11", 64, "int64", featCore, func(r *amd64.Regs) *uint64 { return &r.R11 }),
		gpr("r12", 64, "int64", featCore, func(r *amd64.Regs) *uint64 { return &r.R12 }),
		gpr("r13", 64, "int64", featCore, func(r *amd64.Regs) *uint64 { return &r.R13 }),
		gpr("r14", 64, "int64", featCore, func(r *amd64.Regs) *uint64 { return &r.R14 }),
		gpr("r15", 64, "int64", featCore, func(r *amd64.Regs) *uint64 { return &r.R15 }),
		gpr("rip", 64, "code_ptr", featCore, func(r *amd64.Regs) *uint64 { return &r.Rip }),
		gpr("eflags", 32, "i386_eflags", featCore, func(r *amd64.Regs) *uint64 { return &r.Eflags }),
		gpr("cs", 32, "int32", featCore, func(r *amd64.Regs) *uint64 { return &r.Cs }),
		gpr("ss", 32, "int32", featCore, func(r *amd64.Regs) *uint64 { return &r.Ss }),
		gpr("ds", 32, "int32", featCore, func(r *amd64.Regs) *uint64 { return &r.Ds }),
		gpr("es", 32, "int32", featCore, func(r *amd64.Regs) *uint64 { return &r.Es }),
		gpr("fs", 32, "int32", featCore, func(r *amd64.Regs) *uint64 { return &r.Fs }),
		gpr("gs", 32, "int32", featCore, func(r *amd64.Regs) *uint64 { return &r.Gs }),
	}
	for i := range 8 {
		regs = append(regs, legacy(fmt.Sprintf("st%d", i), 80, "i387_ext", "float", featCore, fxST0+16*i))
	}
	regs = append(regs,
		legacy("fctrl", 32, "int", "float", featCore, fxFCW),
		legacy("fstat", 32, "int", "float", featCore, fxFSW),
		regDef{name: "ftag", bits: 32, typ: "int", group: "float", feature: featCore, kind: kindFTag},
		legacy("fiseg", 32, "int", "float", featCore, fxFIP+4),
		legacy("fioff", 32, "int", "float", featCore, fxFIP),
		legacy("foseg", 32, "int", "float", featCore, fxFDP+4),
		legacy("fooff", 32, "int", "float", featCore, fxFDP),
		legacy("fop", 32, "int", "float", featCore, fxFOP),
	)
	for i := range 16 {
		regs = append(regs, legacy(fmt.Sprintf("xmm%d", i), 128, "vec128", "vector", featSSE, fxXMM0+16*i))
	}
	regs = append(regs, legacy("mxcsr", 32, "i386_mxcsr", "vector", featSSE, fxMXCSR))
	regs = append(regs, gpr("orig_rax", 64, "int", featLinux, func(r *amd64.Regs) *uint64 { return &r.OrigRax }))
	regs = append(regs,
		gpr("fs_base", 64, "int", featSegments, func(r *amd64.Regs) *uint64 { return &r.FsBase }),
		gpr("gs_base", 64, "int", featSegments, func(r *amd64.Regs) *uint64 { return &r.GsBase }))
	if hasYMM(xs) {
		for i := range 16 {
			regs = append(regs, regDef{name: fmt.Sprintf("ymm%dh", i), bits: 128, typ: "uint128", group: "vector",
				feature: featAVX, kind: kindYMMH, off: i})
		}
	}
	return regs
}

// hasYMM reports whether the kernel enabled AVX state and CPUID gave its place.
func hasYMM(xs *amd64.XState) bool {
	return xs != nil && xs.Enabled&xfeatureYMM != 0 && xs.Components[amd64.XFeatureYMM].Size >= 256
}

// legacySize is how many bytes of the legacy area a 32-bit x87 control
// register uses (fctrl, fstat, fop are 16-bit fields; the others 32).
func legacyFieldBytes(d regDef) int {
	switch d.off {
	case fxFCW, fxFSW, fxFOP:
		if d.bits == 32 && d.group == "float" {
			return 2
		}
	}
	return d.bits / 8
}

// regState is a stopped thread's register values: the general registers
// and its standard-format XSAVE image.
type regState struct {
	gp    *amd64.Regs
	xsave []byte
	xs    *amd64.XState
	dirty bool // xsave was changed and must be written back
}

// read returns register d's value, little-endian, bits/8 bytes.
func (s *regState) read(d regDef) []byte {
	out := make([]byte, d.bits/8)
	switch d.kind {
	case kindGPR:
		v := *d.gpr(s.gp)
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], v)
		copy(out, b[:])
	case kindLegacy:
		if !s.componentInUse(d) {
			initialLegacy(d, out)
			return out
		}
		copy(out, s.xsave[d.off:d.off+legacyFieldBytes(d)])
	case kindFTag:
		if s.xstateBV()&xfeatureX87 == 0 {
			binary.LittleEndian.PutUint32(out, 0xffff)
			return out
		}
		binary.LittleEndian.PutUint32(out, uint32(fullTag(s.xsave)))
	case kindYMMH:
		if s.xstateBV()&xfeatureYMM != 0 {
			off := s.xs.Components[amd64.XFeatureYMM].Offset + 16*d.off
			copy(out, s.xsave[off:off+16])
		}
	}
	return out
}

// write stores a new value for register d (val is bits/8 bytes).
func (s *regState) write(d regDef, val []byte) {
	switch d.kind {
	case kindGPR:
		var b [8]byte
		copy(b[:], val)
		v := binary.LittleEndian.Uint64(b[:])
		if d.bits == 32 {
			v &= 0xffffffff
		}
		*d.gpr(s.gp) = v
	case kindLegacy:
		s.materialize(xfeatureX87 | xfeatureSSE)
		copy(s.xsave[d.off:d.off+legacyFieldBytes(d)], val)
	case kindFTag:
		s.materialize(xfeatureX87)
		s.xsave[fxFTW] = abridgedTag(uint16(binary.LittleEndian.Uint32(val)))
	case kindYMMH:
		s.materialize(xfeatureYMM)
		off := s.xs.Components[amd64.XFeatureYMM].Offset + 16*d.off
		copy(s.xsave[off:off+16], val)
	}
}

func (s *regState) xstateBV() uint64 {
	return binary.LittleEndian.Uint64(s.xsave[xstateBVOffset:])
}

// componentInUse reports whether the legacy register d is saved in the
// image (XSTATE_BV); MXCSR is saved with SSE or AVX state.
func (s *regState) componentInUse(d regDef) bool {
	bv := s.xstateBV()
	switch {
	case d.off == fxMXCSR:
		return true // XSAVE writes MXCSR whenever SSE or AVX is requested
	case d.off >= fxXMM0:
		return bv&xfeatureSSE != 0
	}
	return bv&xfeatureX87 != 0
}

// initialLegacy is a legacy register's value in its component's initial
// state (XSTATE_BV bit clear): zero except the x87 control word.
func initialLegacy(d regDef, out []byte) {
	if d.off == fxFCW {
		binary.LittleEndian.PutUint16(out, 0x37f)
	}
}

// materialize makes components in features present in the image (their
// initial values written where XSTATE_BV had them clear) before a write.
func (s *regState) materialize(features uint64) {
	bv := s.xstateBV()
	missing := features &^ bv
	if missing&xfeatureX87 != 0 {
		clear(s.xsave[fxFCW:fxMXCSR])
		clear(s.xsave[fxST0:fxXMM0])
		binary.LittleEndian.PutUint16(s.xsave[fxFCW:], 0x37f)
	}
	if missing&xfeatureSSE != 0 {
		clear(s.xsave[fxXMM0 : fxXMM0+256])
	}
	if missing&xfeatureYMM != 0 {
		c := s.xs.Components[amd64.XFeatureYMM]
		clear(s.xsave[c.Offset : c.Offset+c.Size])
	}
	binary.LittleEndian.PutUint64(s.xsave[xstateBVOffset:], bv|features)
	s.dirty = true
}

// fullTag converts the abridged x87 tag of an FXSAVE image into the full
// 16-bit tag word (two bits per register: valid, zero, special, empty),
// classifying each non-empty register by its contents as FSAVE would.
func fullTag(img []byte) uint16 {
	ftw := img[fxFTW]
	top := int(binary.LittleEndian.Uint16(img[fxFSW:])>>11) & 7
	var tag uint16
	for phys := range 8 {
		t := uint16(3) // empty
		if ftw&(1<<phys) != 0 {
			st := (phys - top + 8) % 8
			raw := img[fxST0+16*st:]
			mant := binary.LittleEndian.Uint64(raw)
			exp := binary.LittleEndian.Uint16(raw[8:]) & 0x7fff
			switch {
			case exp == 0x7fff:
				t = 2
			case exp == 0 && mant == 0:
				t = 1
			case exp == 0 || mant>>63 == 0:
				t = 2
			default:
				t = 0
			}
		}
		tag |= t << (2 * phys)
	}
	return tag
}

// abridgedTag converts a full tag word to FXSAVE's one bit per register.
func abridgedTag(tag uint16) byte {
	var ftw byte
	for phys := range 8 {
		if (tag>>(2*phys))&3 != 3 {
			ftw |= 1 << phys
		}
	}
	return ftw
}

// targetXML describes regs to gdb, one <feature> per feature name in the
// order the registers use them.
func targetXML(regs []regDef) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?>` + "\n" + `<!DOCTYPE target SYSTEM "gdb-target.dtd">` + "\n")
	b.WriteString("<target version=\"1.0\">\n<architecture>i386:x86-64</architecture>\n<osabi>GNU/Linux</osabi>\n")
	feature := ""
	for i, r := range regs {
		if r.feature != feature {
			if feature != "" {
				b.WriteString("</feature>\n")
			}
			feature = r.feature
			fmt.Fprintf(&b, "<feature name=%q>\n", feature)
			b.WriteString(featureTypes[feature])
		}
		fmt.Fprintf(&b, "<reg name=%q bitsize=\"%d\" type=%q regnum=\"%d\" group=%q/>\n", r.name, r.bits, r.typ, i, r.group)
	}
	b.WriteString("</feature>\n</target>\n")
	return b.String()
}

// featureTypes are the types a feature's registers use, as gdb's own
// 64bit-core.xml and 64bit-sse.xml define them.
var featureTypes = map[string]string{
	featCore: `<flags id="i386_eflags" size="4">
<field name="CF" start="0" end="0"/><field name="" start="1" end="1"/><field name="PF" start="2" end="2"/>
<field name="AF" start="4" end="4"/><field name="ZF" start="6" end="6"/><field name="SF" start="7" end="7"/>
<field name="TF" start="8" end="8"/><field name="IF" start="9" end="9"/><field name="DF" start="10" end="10"/>
<field name="OF" start="11" end="11"/><field name="NT" start="14" end="14"/><field name="RF" start="16" end="16"/>
<field name="VM" start="17" end="17"/><field name="AC" start="18" end="18"/><field name="VIF" start="19" end="19"/>
<field name="VIP" start="20" end="20"/><field name="ID" start="21" end="21"/>
</flags>
`,
	featSSE: `<vector id="v4f" type="ieee_single" count="4"/>
<vector id="v2d" type="ieee_double" count="2"/>
<vector id="v16i8" type="int8" count="16"/>
<vector id="v8i16" type="int16" count="8"/>
<vector id="v4i32" type="int32" count="4"/>
<vector id="v2i64" type="int64" count="2"/>
<union id="vec128">
<field name="v4_float" type="v4f"/><field name="v2_double" type="v2d"/><field name="v16_int8" type="v16i8"/>
<field name="v8_int16" type="v8i16"/><field name="v4_int32" type="v4i32"/><field name="v2_int64" type="v2i64"/>
<field name="uint128" type="uint128"/>
</union>
<flags id="i386_mxcsr" size="4">
<field name="IE" start="0" end="0"/><field name="DE" start="1" end="1"/><field name="ZE" start="2" end="2"/>
<field name="OE" start="3" end="3"/><field name="UE" start="4" end="4"/><field name="PE" start="5" end="5"/>
<field name="DAZ" start="6" end="6"/><field name="IM" start="7" end="7"/><field name="DM" start="8" end="8"/>
<field name="ZM" start="9" end="9"/><field name="OM" start="10" end="10"/><field name="UM" start="11" end="11"/>
<field name="PM" start="12" end="12"/><field name="FZ" start="15" end="15"/>
</flags>
`,
}
