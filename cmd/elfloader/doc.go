// Command elfloader runs unmodified Linux x86-64 programs on a small kernel
// written in Go, reports which system calls they use, and packs container
// images into single-file unikernel images.
//
//	elfloader run [flags] PROGRAM|APP.img [ARGS...]   run a program or an image
//	elfloader coverage [flags] -- PROGRAM [ARGS...]   which syscalls it uses (also report, diff, suite, explore)
//	elfloader pack SOURCE -o APP.img                  pack a directory, OCI image, docker-save tarball (- for stdin) or registry image
//	elfloader run -d [--name N] …; ps, logs, stop, rm  detached apps (state under elfloader --root DIR)
//	elfloader inspect PROGRAM|APP.img                 describe an ELF file or an image
//	elfloader syscalls [--format=F]                   the syscall support table
//
// This package only wires the pieces: it parses flags (github.com/spf13/pflag;
// run's flags are in one table, flags.go), builds the syscall table from the
// handler libraries and the kernel, and renders results. The app's
// filesystem, images and users are package container's; pack's sources are
// package images' (registries: images/registry).
//
// It builds two ways (docs/binaries.md): with the tag elfloader_lean, the
// lean runner (lean.go, netsandbox_lean.go), which hands --net=sandbox and
// pack to elfloader-full (forward.go); without it, elfloader-full, every
// feature (full.go, netsandbox.go, pack.go).
package main
