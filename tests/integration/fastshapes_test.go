package integration

import (
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// TestFastPathShapes runs fast_shapes: syscall sites of the shapes beyond
// "mov $nr,%eax; syscall" (a window of instructions moved to a trampoline,
// a syscall turned into a jmp rel8 to dead padding, the libc syscall()
// wrapper), with restarts, signals while threads run in trampolines, a
// fault between two moved instructions, fork through a moved window and a
// branch into the middle of a candidate window, and a thread blocked in a
// call that entered through a trampoline which the app then maps over. Every scenario must print
// what it prints natively, and the shape it exercises must have been used.
func TestFastPathShapes(t *testing.T) {
	testbin.RequireInproc(t, "the fast syscall path (syscall-site rewriting)")
	type want struct {
		windows, stones bool
		fast            uint64
	}
	scenarios := []struct {
		name string
		want want
	}{
		{"window", want{windows: true, fast: 999000}},
		{"stone", want{stones: true, fast: 99000}},
		{"wrapper", want{fast: 99000}},
		{"restart", want{windows: true}},
		{"signals", want{windows: true, fast: 999000}},
		{"resume", want{windows: true, fast: 1000}},
		{"fork", want{windows: true}},
		{"midjump", want{fast: 19000}},
		{"evict", want{windows: true}},
	}
	for _, mode := range []string{"lazy", "eager"} {
		for _, v := range fastVariants(t, "gcc-static", "musl-static", "gcc-static-pie") {
			bin := testbin.Build(t, testbin.CSource(t, "fast_shapes.c"), v, "-pthread")
			for _, sc := range scenarios {
				t.Run(mode+"/"+v.Name+"/"+sc.name, func(t *testing.T) {
					if sc.name == "evict" && v.PIE {
						t.Skip("natively the 2 MiB below a PIE are not free (fast_hole.c's premise)")
					}
					st := compareFast(t, mode, []string{bin, sc.name})
					if sc.want.windows && st.windows == 0 {
						t.Errorf("no window of instructions was moved: %+v", st)
					}
					if sc.want.stones && st.stones == 0 {
						t.Errorf("no syscall jumps to a stepping stone: %+v", st)
					}
					if st.fast < sc.want.fast {
						t.Errorf("%d calls through rewritten sites, want at least %d: %+v", st.fast, sc.want.fast, st)
					}
				})
			}
		}
	}
}
