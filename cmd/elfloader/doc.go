// Command elfloader runs unmodified Linux x86-64 programs on a small kernel
// written in Go, reports which system calls they use, and packs container
// images into single-file unikernel images.
//
//	elfloader run [flags] PROGRAM|APP.img [ARGS...]   run a program or an image
//	elfloader coverage [flags] -- PROGRAM [ARGS...]   which syscalls it uses (also report, diff, suite, explore)
//	elfloader pack SOURCE -o APP.img                  pack a directory, OCI image or docker-save tarball
//	elfloader inspect PROGRAM|APP.img                 describe an ELF file or an image
//	elfloader syscalls [--format=F]                   the syscall support table
//
// This package only wires the pieces: it builds the syscall table from the
// handler libraries, the kernel from flags, and renders results.
package main
