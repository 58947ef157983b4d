// Command elfloader runs unmodified Linux x86-64 programs on a small kernel
// written in Go, reports which system calls they use, and packs container
// images into single-file unikernel images.
//
//	elfloader run [flags] PROGRAM [ARGS...]   run a program
//	elfloader inspect PROGRAM                 describe an ELF file
//	elfloader syscalls [--format=F]           the syscall support table
//
// This package only wires the pieces: it builds the syscall table from the
// handler libraries, the kernel from flags, and renders results.
package main
