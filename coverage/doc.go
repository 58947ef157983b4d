// Package coverage owns elfloader's syscall-coverage reports: the data model
// and its versioned JSON form ("elfloader-coverage/1", documented in
// docs/coverage-schema.md), the lock-free Recorder the syscall shim feeds
// while a program runs, merging and diffing of reports, the renderers
// (terminal table, Markdown, JSON, self-contained HTML), suite files and
// the suite runner that compares native runs with runs under elfloader,
// the result types of the "explore" command, and syscall profiles.
//
// The package is a leaf: it may depend on the standard library and
// golang.org/x/sys/unix (errno and signal names) only, never on other
// packages of elfloader. Syscall names, support levels and handler
// locations reach it as plain strings through the callbacks given to
// Recorder.Snapshot, so the shim stays the single place that knows them.
package coverage
