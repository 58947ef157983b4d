package integration

import "testing"

// TestRemapFilePages: remap_file_pages reverses the pages of a MAP_SHARED
// file mapping and puts them back, the pages stay the file's, and its
// errors (prot, private and read-only mappings, ranges past the mapping
// or across VMAs of different protection) match Linux's.
func TestRemapFilePages(t *testing.T) {
	runBreadth(t, "remap_file_pages.c", false)
}
