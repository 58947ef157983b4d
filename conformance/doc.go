// Package conformance measures elfloader against test suites that nobody
// on the project wrote: Go's standard-library tests (built with
// `go test -c`) and CPython's own test suite (Debian's
// libpython3.11-testsuite). Each suite runs natively and under elfloader in
// the same invocation; the report counts tests run, passed, failed and
// skipped per suite and names the tests that pass natively but not under
// elfloader.
//
// It runs programs and reads their output; it imports nothing of
// elfloader's own packages. `make conformance` regenerates
// docs/conformance.md through cmd/conformance.
package conformance
