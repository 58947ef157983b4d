#include "textflag.h"

// func call(fn, c uintptr) uint64
//
// Calls ep_enter (System V: argument in DI, event in AX). ep_enter saves
// and restores the callee-saved registers and the FS base it finds; Go's
// ABI0 keeps nothing else live across this call.
TEXT ·call(SB), NOSPLIT, $0-24
	MOVQ	fn+0(FP), AX
	MOVQ	c+8(FP), DI
	CALL	AX
	MOVQ	AX, ret+16(FP)
	RET
