package seccomp

import (
	"errors"
	"testing"
)

func stmt(code uint16, k uint32) Insn { return Insn{Code: code, K: k} }
func jump(code uint16, k uint32, jt, jf uint8) Insn {
	return Insn{Code: code, Jt: jt, Jf: jf, K: k}
}

const (
	ldAbs  = classLD | sizeW | modeABS
	jeqK   = classJMP | opJEQ | srcK
	retK   = classRET | srcK
	auditX = 0xc000003e
)

// denyNr answers ERRNO(errno) for system call nr and ALLOW otherwise.
func denyNr(nr, errno uint32) []Insn {
	return []Insn{
		stmt(ldAbs, 0),
		jump(jeqK, nr, 0, 1),
		stmt(retK, RetErrno|errno),
		stmt(retK, RetAllow),
	}
}

func TestRun(t *testing.T) {
	d := &Data{Nr: 39, Arch: auditX, IP: 0x1122334455667788, Args: [6]uint64{0xaaaaaaaabbbbbbbb, 5}}
	for _, tc := range []struct {
		name string
		prog []Insn
		want uint32
	}{
		{"deny hit", denyNr(39, 1), RetErrno | 1},
		{"deny miss", denyNr(40, 1), RetAllow},
		{"arch", []Insn{stmt(ldAbs, 4), stmt(classRET|retA, 0)}, auditX},
		{"ip low", []Insn{stmt(ldAbs, 8), stmt(classRET|retA, 0)}, 0x55667788},
		{"ip high", []Insn{stmt(ldAbs, 12), stmt(classRET|retA, 0)}, 0x11223344},
		{"arg0 high", []Insn{stmt(ldAbs, 20), stmt(classRET|retA, 0)}, 0xaaaaaaaa},
		{"arg1 low", []Insn{stmt(ldAbs, 24), stmt(classRET|retA, 0)}, 5},
		{"len", []Insn{stmt(classLD|sizeW|modeLEN, 0), stmt(classRET|retA, 0)}, 64},
		{"alu", []Insn{stmt(ldAbs, 0), stmt(classALU|opADD|srcK, 1), stmt(classALU|opLSH|srcK, 4), stmt(classRET|retA, 0)}, 640},
		{"mem and x", []Insn{
			stmt(classLD|modeIMM, 7), stmt(classST, 3), stmt(classLDX|modeMEM, 3),
			stmt(classLD|modeIMM, 5), stmt(classALU|opMUL|srcX, 0), stmt(classRET|retA, 0),
		}, 35},
		{"div by x zero", []Insn{stmt(classLDX|modeIMM, 0), stmt(classALU|opDIV|srcX, 0), stmt(retK, RetAllow)}, 0},
		{"jset", []Insn{stmt(ldAbs, 24), jump(classJMP|opJSET|srcK, 4, 0, 1), stmt(retK, 1), stmt(retK, 2)}, 1},
		{"jgt", []Insn{stmt(ldAbs, 0), jump(classJMP|opJGT|srcK, 38, 0, 1), stmt(retK, 1), stmt(retK, 2)}, 1},
		{"jge miss", []Insn{stmt(ldAbs, 0), jump(classJMP|opJGE|srcK, 40, 0, 1), stmt(retK, 1), stmt(retK, 2)}, 2},
		{"ja", []Insn{stmt(classJMP|opJA, 1), stmt(retK, 1), stmt(retK, 2)}, 2},
		{"neg", []Insn{stmt(classLD|modeIMM, 1), stmt(classALU|opNEG, 0), stmt(classRET|retA, 0)}, 0xffffffff},
	} {
		if err := Validate(tc.prog); err != nil {
			t.Errorf("%s: Validate: %v", tc.name, err)
			continue
		}
		if got := Run(tc.prog, d); got != tc.want {
			t.Errorf("%s: Run = %#x, want %#x", tc.name, got, tc.want)
		}
	}
}

func TestValidateRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		prog []Insn
	}{
		{"empty", nil},
		{"too long", make([]Insn, MaxInsns+1)},
		{"no ret", []Insn{stmt(ldAbs, 0)}},
		{"unaligned load", []Insn{stmt(ldAbs, 2), stmt(retK, 0)}},
		{"load past data", []Insn{stmt(ldAbs, 64), stmt(retK, 0)}},
		{"byte load", []Insn{stmt(classLD|sizeB|modeABS, 0), stmt(retK, 0)}},
		{"half load", []Insn{stmt(classLD|sizeH|modeABS, 0), stmt(retK, 0)}},
		{"indirect load", []Insn{stmt(classLD|sizeW|modeIND, 0), stmt(retK, 0)}},
		{"msh", []Insn{stmt(classLDX|sizeB|modeMSH, 0), stmt(retK, 0)}},
		{"unknown opcode", []Insn{stmt(0xff, 0), stmt(retK, 0)}},
		{"jump past end", []Insn{jump(jeqK, 0, 1, 0), stmt(retK, 0)}},
		{"ja past end", []Insn{stmt(classJMP|opJA, 1), stmt(retK, 0)}},
		{"div by zero", []Insn{stmt(classALU|opDIV|srcK, 0), stmt(retK, 0)}},
		{"shift 32", []Insn{stmt(classALU|opLSH|srcK, 32), stmt(retK, 0)}},
		{"mem index", []Insn{stmt(classST, 16), stmt(retK, 0)}},
		{"read before store", []Insn{stmt(classLD|modeMEM, 0), stmt(retK, 0)}},
		{"store on one path only", []Insn{
			stmt(ldAbs, 0), jump(jeqK, 1, 0, 1), stmt(classST, 2),
			stmt(classLD|modeMEM, 2), stmt(classRET|retA, 0),
		}},
	} {
		if err := Validate(tc.prog); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Validate = %v, want ErrInvalid", tc.name, err)
		}
	}
}

func TestPrecedence(t *testing.T) {
	d := &Data{Nr: 39, Arch: auditX}
	ret := func(v uint32) []Insn { return []Insn{stmt(retK, v)} }
	chain := func(rets ...uint32) *Filter {
		var f *Filter
		for _, r := range rets {
			var err error
			if f, err = NewFilter(ret(r), f, false); err != nil {
				t.Fatal(err)
			}
		}
		return f
	}
	for _, tc := range []struct {
		rets []uint32 // oldest first
		want uint32
	}{
		{[]uint32{RetAllow, RetErrno | 5}, RetErrno | 5},
		{[]uint32{RetErrno | 5, RetAllow}, RetErrno | 5},
		{[]uint32{RetErrno | 5, RetErrno | 7}, RetErrno | 7}, // a tie: the newest
		{[]uint32{RetTrap | 1, RetErrno | 7}, RetTrap | 1},
		{[]uint32{RetKillThread, RetTrap}, RetKillThread},
		{[]uint32{RetKillThread, RetKillProcess}, RetKillProcess},
		{[]uint32{RetLog, RetTrace, RetUserNotif}, RetUserNotif},
		{[]uint32{RetLog, RetAllow}, RetLog},
	} {
		f := chain(tc.rets...)
		if got, _ := f.Evaluate(d); got != tc.want {
			t.Errorf("%#x: Evaluate = %#x, want %#x", tc.rets, got, tc.want)
		}
	}
	if f := chain(RetAllow, RetAllow, RetAllow); f.Count != 3 || !f.Prev.IsAncestor(f) || f.IsAncestor(f.Prev) {
		t.Errorf("chain bookkeeping: count %d", f.Count)
	}
}

func TestChainLimit(t *testing.T) {
	prog := make([]Insn, MaxInsns)
	for i := range prog {
		prog[i] = stmt(retK, RetAllow)
	}
	var f *Filter
	var err error
	for i := 0; i < 7; i++ { // 7 × 4096 + 6 × 4 ≤ 32768 < 8 × 4096 + 7 × 4
		if f, err = NewFilter(prog, f, false); err != nil {
			t.Fatalf("filter %d: %v", i, err)
		}
	}
	if _, err = NewFilter(prog, f, false); !errors.Is(err, ErrTooLong) {
		t.Fatalf("eighth 4096-instruction filter: %v, want ErrTooLong", err)
	}
}

// FuzzValidate: whatever Validate accepts runs to a RET without going out
// of the program or its data.
func FuzzValidate(f *testing.F) {
	enc := func(p []Insn) []byte {
		b := make([]byte, 0, len(p)*InsnSize)
		for _, in := range p {
			b = append(b, byte(in.Code), byte(in.Code>>8), in.Jt, in.Jf, byte(in.K), byte(in.K>>8), byte(in.K>>16), byte(in.K>>24))
		}
		return b
	}
	f.Add(enc(denyNr(39, 1)))
	f.Add(enc([]Insn{stmt(classLD|modeIMM, 7), stmt(classST, 3), stmt(classLDX|modeMEM, 3), stmt(classRET|retA, 0)}))
	f.Fuzz(func(t *testing.T, b []byte) {
		prog := Decode(b)
		if Validate(prog) != nil {
			return
		}
		for _, nr := range []int32{0, 39, -1} {
			Run(prog, &Data{Nr: nr, Arch: auditX, Args: [6]uint64{1, 2, 3, 4, 5, 6}})
		}
	})
}
