// Package testbin builds and runs the test programs of elfloader's integration
// tests.
//
// It owns three things:
//   - the toolchain variants a C test program is compiled with (glibc and musl,
//     static, static-PIE and dynamic), each of which knows whether its
//     toolchain is installed so that tests skip instead of failing;
//   - a build cache keyed by the content of the source, the recipe and the
//     compiler version, shared by every `go test` process and safe under
//     parallel use (binaries are written to a temporary name and renamed);
//   - helpers that run a program natively or under `elfloader run`, always
//     bounded by a timeout, and compare the two runs.
//
// testbin depends only on the standard library. It must not import any
// elfloader package: it drives the elfloader command as a black box.
package testbin
