// Package integration holds the end-to-end tests of the elfloader command:
// the C programs of tests/c compiled with every toolchain variant, Debian's
// busybox-static, and malformed inputs, each run natively and under
// `elfloader run` and compared.
//
// The package has no non-test code. Its tests depend on tests/testbin (build
// and run helpers) and on the standard library; they drive elfloader only as
// a command, never through its Go packages.
package integration
