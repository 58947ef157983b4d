package integration

import "testing"

// TestSegments compares how the program's segments are mapped with the
// native run: file bytes, zeroed .bss, and private copies that writes never
// carry back to the file (an exec of itself sees the file's bytes).
// elfloader maps segments of host files from the file, as Linux does.
func TestSegments(t *testing.T) {
	compareCPrograms(t, []cProgram{{source: "segments.c"}})
}
