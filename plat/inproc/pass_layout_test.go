package inproc

import "testing"

// TestPassLayout: pass.c reads the pass-through tables with the layout
// plat/passthrough.go gives the kernel.
func TestPassLayout(t *testing.T) {
	for name, p := range passLayoutPairs() {
		if p[0] != p[1] {
			t.Errorf("%s: pass.h says %#x, plat %#x", name, p[0], p[1])
		}
	}
}
