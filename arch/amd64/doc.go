// Package amd64 holds the x86-64 machine state an application thread has:
// its general registers in Linux's user_regs_struct order, the system-call
// argument convention, and helpers to disassemble application code at a fault.
//
// It depends only on the abi layer and golang.org/x/arch; it has no behaviour
// that touches the process.
package amd64
