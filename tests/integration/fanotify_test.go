package integration

import "testing"

// TestRemapFilePages: remap_file_pages reverses the pages of a MAP_SHARED
// file mapping and puts them back, the pages stay the file's, and its
// errors (prot, private and read-only mappings, ranges past the mapping
// or across VMAs of different protection) match Linux's.
func TestRemapFilePages(t *testing.T) {
	runBreadth(t, "remap_file_pages.c", false)
}

// TestFanotify: notification groups on a fresh directory under /tmp: a
// child's open, read, write and close events step by step and merged,
// each event's descriptor (the right file, event_f_flags) and pid,
// directory, mount and filesystem marks, ignore masks, removal and
// flush, nonblocking reads, poll, FIONREAD, queue overflow at 16384
// events (none with FAN_UNLIMITED_QUEUE), the errors, and EPERM for an
// unprivileged caller.
func TestFanotify(t *testing.T) {
	runBreadth(t, "fanotify.c", true)
}
