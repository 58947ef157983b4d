// Package elfloader turns a Linux x86-64 ELF executable into a load plan.
//
// It owns three things:
//
//   - parsing and validating an ELF file read through an io.ReaderAt
//     (Parse, ParseFile) into a Binary: its kind (static, static-pie,
//     dynamic, dynamic-pie), page-aligned PT_LOAD segments, interpreter,
//     PT_TLS, PT_GNU_STACK, program-header address, dynamic-section strings
//     (DT_NEEDED, DT_RPATH, DT_RUNPATH, DT_SONAME) and GNU build-id;
//   - placing an executable and its interpreter (NewPlan) and laying out the
//     initial process stack with argv, envp and the auxiliary vector exactly
//     as Linux's create_elf_tables does (Plan.BuildStack);
//   - resolving DT_NEEDED names the way ld.so searches for them
//     (ResolveNeeded, Closure), for packing a binary with its libraries.
//
// The package is pure: it never maps memory, never touches a process and
// performs no I/O except reading the io.ReaderAt it is given (and opening
// the file in ParseFile). The kernel maps the plan.
//
// Dependencies: the standard library (debug/elf for the specification's
// types and constants) and golang.org/x/sys/unix for PROT_* values and
// errno. It must not import kernel, vfs, plat, shim or posix packages.
package elfloader
