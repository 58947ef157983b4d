package kernel

import "testing"

func TestChangedRange(t *testing.T) {
	orig := make([]byte, 1000)
	for i := range orig {
		orig[i] = byte(i)
	}
	for _, c := range []struct {
		name     string
		change   []int
		lo, hi   int
		modified bool
	}{
		{"unchanged", nil, 0, 0, false},
		{"first byte", []int{0}, 0, 1, true},
		{"last byte", []int{999}, 999, 1000, true},
		{"a span", []int{300, 700}, 300, 701, true},
		{"one in the middle", []int{512}, 512, 513, true},
	} {
		buf := append([]byte(nil), orig...)
		for _, i := range c.change {
			buf[i] ^= 0xff
		}
		lo, hi, changed := changedRange(buf, orig)
		if lo != c.lo || hi != c.hi || changed != c.modified {
			t.Errorf("%s: got [%d, %d) %v, want [%d, %d) %v", c.name, lo, hi, changed, c.lo, c.hi, c.modified)
		}
	}
}
