package amd64

import (
	"fmt"

	"golang.org/x/arch/x86/x86asm"
)

// Disassemble decodes the instruction at the start of code, which was read
// from address pc, in GNU syntax. It returns a readable note when the bytes do
// not decode.
func Disassemble(code []byte, pc uint64) string {
	if len(code) == 0 {
		return "(code not readable)"
	}
	inst, err := x86asm.Decode(code, 64)
	if err != nil {
		return fmt.Sprintf("(undecodable bytes % x)", code[:min(len(code), 8)])
	}
	return fmt.Sprintf("%s    ; bytes % x", x86asm.GNUSyntax(inst, pc, nil), code[:inst.Len])
}
