// Package bench owns elfloader's benchmark harness: it compiles the C
// workloads in bench/c at run time (gcc -static -O2, musl-gcc optionally) into
// a cache directory, locates or builds the elfloader binary, runs each
// workload natively and under `elfloader run` in the same invocation, and
// reports medians, spread and ratios (elfloader/native, and elfloader against
// a floor such as the bare cost of a Syscall User Dispatch trap).
//
// Workloads are one entry each in the table returned by Workloads. Nothing in
// this package asserts a timing: measurements are reported, never tested.
//
// It depends on the standard library, golang.org/x/sys/unix and package
// images (to pack the images the boot workloads start), and runs
// elfloader as an external program (never imports the kernel), so it measures
// exactly what a user runs.
package bench
