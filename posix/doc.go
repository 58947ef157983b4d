// Package posix groups the syscall handler libraries, one subpackage per
// concern, like Unikraft's posix-* libraries: each registers its syscalls on
// the shim right next to their implementation, and a library that is not
// registered from cmd simply does not exist for the app.
package posix
